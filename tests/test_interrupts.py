"""Stopping signals wait for the end of a deferred block (designer/interrupts.py): an interruption
inside an extension module's initialisation (``import onnx``) crashed the process now and then."""
from __future__ import annotations

import pytest

from designer import interrupts


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(interrupts, "interrupted", False)
    monkeypatch.setattr(interrupts, "_pending", False)
    monkeypatch.setattr(interrupts, "_depth", 0)


def test_outside_a_deferred_block_a_signal_interrupts_at_once():
    with pytest.raises(KeyboardInterrupt):
        interrupts.interrupt(15, None)
    assert interrupts.interrupted


def test_inside_nested_deferred_blocks_it_waits_for_the_outermost_end():
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            with interrupts.deferred():
                interrupts.interrupt(15, None)     # the handler returns: the import goes on
                reached.append("inner")
            reached.append("outer")
    assert reached == ["inner", "outer"] and interrupts.interrupted and not interrupts._pending


def test_a_deferred_block_without_a_signal_ends_quietly():
    with interrupts.deferred():
        pass
    assert not interrupts.interrupted and interrupts._depth == 0
