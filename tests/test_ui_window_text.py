"""What the window says: the status bar's memory estimate is for the batch that will
be used, a total of parameters says when it leaves out layers after an error, and numbers and
words agree ("1 unit", "1 class", no "106544.0 GB")."""
from __future__ import annotations

from ui_support import dialog_log, window  # noqa: F401


def test_the_memory_estimate_uses_the_batch_of_the_mode_shown(window, qtbot):
    window.files.new_from_template("lenet5")
    design_batch = window.summary.batch_size
    assert f"(batch {design_batch})" in window.status.memory.text()
    window.set_mode("Train")
    panel = window.train_mode.panel
    assert panel.batch.value() != design_batch
    assert f"(batch {panel.batch.value()})" in window.status.memory.text()
    panel.batch.setValue(16)
    assert "(batch 16)" in window.status.memory.text()
    window.set_mode("Design")
    assert f"(batch {design_batch})" in window.status.memory.text()


def test_a_total_that_leaves_out_layers_after_an_error_says_so(window):
    window.files.new_from_template("lenet5")
    assert "without" not in window.status.counts.text() and "without" not in window.summary.totals.text()
    window.editor.set_keys(window.network[4].uid, {"kernel": 20})   # larger than its 14×14 input
    report = window.network.report()
    assert not report.params_complete
    note = "(without the layers after an error)"
    assert window.status.counts.text().startswith(f"{report.total_params:,} parameters {note}")
    assert f"total {report.total_params:,} params {note}" in window.summary.totals.text()


def test_numbers_and_words_agree():
    import numpy as np

    from designer.engine.data import Dataset
    from designer.model import Layer
    from designer.model import human_bytes
    from designer.model.words import plural

    assert Layer.make("dense", units=1).kind.brief({"units": 1}) == "1 unit"
    assert Layer.make("dense", units=1).kind.brief({"units": 4096}) == "4096 units"
    one = Dataset("one", np.zeros((3, 2), np.float32), np.zeros(3, np.int64), None, "t")
    assert one.describe().endswith(", 1 class")
    assert plural(2, "class", "classes") == "2 classes"
    assert plural(1_000, "parameter", grouped=True) == "1,000 parameters"
    assert human_bytes(106544.0 * 2 ** 30) == "104.0 TB"
    assert human_bytes(2_427_635_424) == "2.3 GB" and human_bytes(12) == "12 B"


def wrapped_lines(text: str, font, width: int) -> list:
    """The lines a word-wrapping label of ``width`` pixels makes of one line of ``text``."""
    from PySide6.QtGui import QTextLayout, QTextOption

    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart():line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def test_formulas_wrap_only_after_an_equals_sign(window):
    window.files.new_from_template("alexnet")
    window.editor.select([window.network[1].uid])
    label = window.inspector.formula
    text = label.text()
    assert "(11·11·3 + 1)·96" in text.replace("\u00a0", " ")
    metrics = label.fontMetrics()
    for formula in text.split("\n"):
        # An inspector narrower than the formula but as wide as its widest term ("… =")
        terms = [t + "=" for t in formula.split("= ")[:-1]] + [formula.split("= ")[-1]]
        width = max(metrics.horizontalAdvance(t) for t in terms) + 12
        assert width < metrics.horizontalAdvance(formula)
        lines = wrapped_lines(formula, label.font(), width)
        assert len(lines) > 1 and all(line.rstrip().endswith("=") for line in lines[:-1]), lines
