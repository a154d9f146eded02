"""Where the docs and the program disagreed: messages that read wrongly, and whole numbers
written as floats (accepted when whole, refused when not, however close)."""
from __future__ import annotations

import json

import pytest

from designer.errors import UserError
from designer.model import loads

BASE = {"format": "nn-designer", "version": 1, "layers": [{"type": "input", "width": 8, "height": 8, "depth": 1},
                                                         {"type": "conv", "filters": 4, "kernel": 3}]}


def _with(text_filters="4", text_version="1") -> str:
    return json.dumps(BASE).replace('"filters": 4', f'"filters": {text_filters}').replace(
        '"version": 1', f'"version": {text_version}')


@pytest.mark.parametrize("filters", ["4.0", "4e0", "40e-1", "4.000"])
def test_a_whole_number_written_as_a_float_is_that_number(filters):
    assert loads(_with(filters)).layers[1].config["filters"] == 4


@pytest.mark.parametrize("filters", ["1." + "9" * 5000, "3." + "9" * 30, "4.5", "2." + "0" * 40 + "1"])
def test_a_number_with_a_fraction_is_refused_however_close_to_whole(filters):
    with pytest.raises(UserError, match=r"layers\[1\]\.filters: must be a whole number"):
        loads(_with(filters))


def test_the_version_reads_as_the_settings_do():
    assert loads(_with(text_version="1.0")).layers[1].config["filters"] == 4
    with pytest.raises(UserError, match=r"^version: the version must be a whole number, not 1\.5$"):
        loads(_with(text_version="1.5"))
    with pytest.raises(UserError, match="not a string"):
        loads(_with(text_version='"1"'))


def _graph(ref):
    return json.dumps({"format": "nn-designer", "version": 2, "layers": [
        {"type": "input", "features": 2}, {"type": "relu", "inputs": [ref]}, {"type": "relu"}]})


def test_a_reference_forward_or_out_of_range_reads_plainly():
    with pytest.raises(UserError) as forward:
        loads(_graph(2))
    assert "layer 2 comes after this one (layer 1)" in str(forward.value)
    assert "is layer 2" not in str(forward.value)
    for ref, words in ((7, "there is no layer 7; the layers are 0 to 2"),
                       (10 ** 21, "there is no layer with a number of 22 digits"),
                       (-1, "there is no layer -1")):
        with pytest.raises(UserError, match=words):
            loads(_graph(ref))


def test_an_npz_header_that_is_an_expression_is_said_in_words(tmp_path):
    import io
    import zipfile

    import numpy as np

    from designer.model.npz_headers import check_npz
    buf = io.BytesIO()
    np.save(buf, np.zeros(3, np.float32))
    for fake in (b"(1+2,)", b"(f(),) ", b"[3]*1 "):
        raw = buf.getvalue().replace(b"(3,), ", fake.ljust(6)[:6], 1)
        with zipfile.ZipFile(tmp_path / "odd.npz", "w") as z:
            z.writestr("x.npy", raw)
        with pytest.raises(UserError) as refused:
            check_npz(tmp_path / "odd.npz")
        assert " object at 0x" not in str(refused.value) and "odd.npz" in str(refused.value)
