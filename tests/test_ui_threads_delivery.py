"""Every signal of a background job reaches the GUI thread.

A CI run died with a segfault while a failed weights read wrote its sentence into the Train panel
from the worker thread: PySide6 calls a slot defined on a mixin (``WeightsActions``) directly in
the emitting thread once the receiver has any dynamic slot. ``Background.deliver`` queues every
connection; these tests hold that, and that nothing connects to a worker's signals another way.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from train_ui_support import MS, make_mode  # noqa: F401

import designer.ui
from designer.ui.training import train_mode
from designer.ui.training.threads import Background, ThreadWorker


class _Mixin:
    @Slot(str)
    def heard(self, text: str) -> None:
        self.threads.append(threading.current_thread())

    def plain(self) -> None:
        pass


class _Receiver(QObject, _Mixin):
    poke = Signal()

    def __init__(self):
        super().__init__()
        self.threads: list = []
        self.ended: list = []
        self.poke.connect(self.plain)     # a dynamic slot: the condition of the PySide6 bug

    def thread_ended(self) -> None:
        self.ended.append(threading.current_thread())


class _Say(ThreadWorker):
    said = Signal(str)

    def work(self) -> None:
        self.said.emit("from the worker")

    def request_stop(self) -> None:
        pass


def test_a_mixin_slot_of_a_receiver_with_dynamic_slots_runs_on_the_gui_thread(qtbot):
    receiver = _Receiver()
    job = Background(_Say(), "nn-designer test")
    job.deliver(said=receiver.heard, thread_finished=receiver.thread_ended)
    job.start()
    qtbot.waitUntil(lambda: bool(receiver.threads and receiver.ended), timeout=MS)
    assert receiver.threads == [threading.main_thread()]
    assert receiver.ended == [threading.main_thread()]


def test_a_failed_weights_read_speaks_on_the_gui_thread(make_mode, qtbot, tmp_path, monkeypatch):
    speakers = []
    real = train_mode.TrainMode.say

    def say(self, *args, **kw):
        speakers.append(threading.current_thread())
        return real(self, *args, **kw)

    monkeypatch.setattr(train_mode.TrainMode, "say", say)
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    for _ in range(3):
        mode = make_mode("lenet5")
        with qtbot.waitSignal(mode.weights_loaded, timeout=MS):
            mode.load_weights(str(junk))
        assert "junk.npz" in mode.panel.message.text() and mode.panel.tone == "error"
    assert len(speakers) == 6 and set(speakers) == {threading.main_thread()}


def test_nothing_in_the_ui_connects_to_a_workers_signals_but_deliver():
    ui = Path(designer.ui.__file__).parent
    direct = re.compile(r"(\bworker\.\w+|\bw\.\w+|\.thread\.finished)\.connect\(")
    found = [f"{path.relative_to(ui)}:{n}" for path in sorted(ui.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if direct.search(line) and path.name != "threads.py"]
    assert found == []
