"""The memory check before a run: its sentence and the advice it ends with."""
from __future__ import annotations

import pytest

from designer.commands.args import batch_memory
from designer.engine.memory import memory_problem
from designer.errors import UserError
from designer.model import load_model


def test_the_refusal_ends_with_the_advice_it_is_given():
    alexnet = load_model("alexnet")
    assert memory_problem(alexnet, 128, lambda: 10 ** 9).endswith("; choose a smaller batch size.")
    text = memory_problem(alexnet, 128, lambda: 10 ** 9, advice="choose a smaller --batch-size")
    assert text.startswith("Training AlexNet at batch size 128 needs about ")
    assert text.endswith("available; choose a smaller --batch-size.")
    assert memory_problem(alexnet, 128, lambda: 64 * 10 ** 9, advice="x") is None


def test_the_command_line_names_its_option():
    with pytest.raises(UserError) as e:  # a batch no machine holds
        with batch_memory(10 ** 7, load_model("alexnet")):
            pass
    assert str(e.value).endswith("available; choose a smaller --batch-size")
    assert "batch size" not in str(e.value).split(";")[-1]


def test_float64_counts_twice_the_bytes():
    """The estimate is of float32 values; a float64 run needs twice as much, and is refused where
    float32 fits (the app's dtype setting and `train --dtype float64` pass it on)."""
    alexnet = load_model("alexnet")
    need = alexnet.report().total_bytes(32)
    between = lambda: int(need * 1.5)  # noqa: E731
    assert memory_problem(alexnet, 32, between) is None
    assert memory_problem(alexnet, 32, between, dtype="float32") is None
    text = memory_problem(alexnet, 32, between, dtype="float64")
    assert text is not None and text.startswith("Training AlexNet at batch size 32 needs about ")
    assert memory_problem(alexnet, 32, lambda: 2 * need, dtype="float64") is None

