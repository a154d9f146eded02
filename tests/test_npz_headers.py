"""An .npz is judged by its headers before any array is read (designer/model/npz_headers.py): a member
that claims a (10⁶, 10⁶) array is refused in one sentence saying how much and why, by every
reader (weights, checkpoints, data) and every command that reads one (predict, train --weights,
train --resume, export --weights). Fuzzed over array headers of any declared shape."""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cli_support import one_line_error, run
from designer.engine import checkpoint as ckpt
from designer.engine.data import DataError, load_data
from designer.errors import UserError
from designer.model.npz_headers import check_npz, declared_arrays
from designer.model.weights import WeightsError, read_npz

GB = 2 ** 30


def npy_bytes(shape, dtype="<f4", data: bytes = b"") -> bytes:
    """An .npy member whose header declares ``shape`` and which holds ``data`` after it."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                               "shape": tuple(shape)})
    return buf.getvalue() + data


def write_npz(path, members: dict, compress=False) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, content in members.items():
            z.writestr(f"{name}.npy", content)


@pytest.fixture
def mlp(tmp_path):
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 3}, {"type": "softmax"}]}))
    return path


def huge_weights(tmp_path, compress=False):
    path = tmp_path / "huge.npz"
    # Honest about its size (the data is there, zeros compress to nothing) only when compressed.
    write_npz(path, {"1.weight": npy_bytes((10 ** 6, 10 ** 6), "<f8"), "1.bias": npy_bytes((3,), "<f4", bytes(12))},
              compress)
    return path


def test_a_header_claiming_a_terabyte_is_refused_with_how_much_and_why(tmp_path):
    path = huge_weights(tmp_path)
    with pytest.raises(WeightsError) as info:
        read_npz(path, WeightsError)
    text = str(info.value)
    # Stored, its member holds only the header: damaged or truncated, said with the sizes.
    assert "huge.npz" in text and "'1.weight'" in text and "7.3 TB" in text and "truncated" in text
    # A member that truly holds what it declares, but more than the machine has: refused by size.
    small = tmp_path / "big.npz"
    write_npz(small, {"x": npy_bytes((1000, 1000), "<f8", bytes(8 * 10 ** 6))})
    with pytest.raises(UserError) as info:
        check_npz(small, UserError, "file", available=lambda: GB // 1024)
    text = str(info.value)
    assert "7.6 MB" in text and "1.0 MB available" in text and "'x'" in text and "(1000, 1000)" in text


@pytest.mark.parametrize("argv", [
    ["predict", "{model}", "--weights", "{weights}", "--data", "blobs:20"],
    ["train", "{model}", "--data", "blobs:20", "--weights", "{weights}", "--quiet"],
    ["export", "{model}", "--to", "pytorch", "--weights", "{weights}", "-o", "{tmp}/net.py"],
    ["train", "{model}", "--data", "blobs:20", "--resume", "{weights}", "--quiet"],
])
def test_every_command_refuses_it_before_allocating(capsys, tmp_path, mlp, argv):
    weights = huge_weights(tmp_path)
    line = one_line_error(capsys, *[a.format(model=mlp, weights=weights, tmp=tmp_path) for a in argv])
    assert "huge.npz" in line and "7.3 TB" in line


def test_a_data_file_claiming_a_huge_array_is_refused(tmp_path):
    path = tmp_path / "d.npz"
    write_npz(path, {"x": npy_bytes((10 ** 6, 10 ** 6)), "y": npy_bytes((10 ** 6,), "<i8")})
    with pytest.raises(DataError, match=r"d.npz.*'x'.*3.6 TB"):
        load_data(path)


def test_misleading_causes_are_gone(tmp_path):
    text = tmp_path / "two.npz"
    text.write_text("hi")
    with pytest.raises(WeightsError) as info:
        read_npz(text, WeightsError)
    assert "text file" in str(info.value) and "pickle" not in str(info.value)
    with pytest.raises(DataError) as info:
        load_data(text)
    assert "text file" in str(info.value) and "pickle" not in str(info.value)
    locked = tmp_path / "locked.npz"
    np.savez(locked, a=np.zeros(3))
    os.chmod(locked, 0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who reads any file (root)")
        with pytest.raises(WeightsError) as info:
            read_npz(locked, WeightsError)
        assert "permission denied" in str(info.value) and "damaged" not in str(info.value)
    finally:
        os.chmod(locked, 0o644)


def test_permission_denied_is_said_as_such_even_for_root(tmp_path, monkeypatch):
    """The reader's sentence for PermissionError, checked whoever runs the tests."""
    path = tmp_path / "w.npz"
    np.savez(path, a=np.zeros(3))
    real_open = open

    def denied(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(WeightsError, match="cannot be read \\(permission denied\\)"):
        read_npz(path, WeightsError)


SHAPES = st.lists(st.one_of(st.integers(0, 8), st.integers(0, 10 ** 12)), min_size=0, max_size=4).map(tuple)
DTYPES = st.sampled_from(["<f4", "<f8", "|u1", "<i8", "<f2"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=SHAPES, dtype=DTYPES, held=st.integers(0, 64), compress=st.booleans())
def test_fuzz_any_declared_shape_is_read_or_refused_in_one_sentence(tmp_path, shape, dtype, held, compress):
    path = tmp_path / "f.npz"
    write_npz(path, {"x": npy_bytes(shape, dtype, bytes(held)), "y": npy_bytes((2,), "<i8", bytes(16))}, compress)
    declared = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
    assert declared_arrays(path)["x"][2] == declared
    for read, error in ((lambda: read_npz(path, WeightsError), WeightsError), (lambda: load_data(path), DataError),
                        (lambda: ckpt.load(path), ckpt.CheckpointError)):
        try:
            read()
        except error as e:
            text = str(e)
            assert "\n" not in text and "f.npz" in text
        # Anything else (MemoryError, ValueError, a traceback) fails the test.
    if declared > held:
        with pytest.raises(WeightsError, match="truncated"):
            read_npz(path, WeightsError)


def test_the_command_line_never_shows_a_traceback_for_a_fuzzed_header(capsys, tmp_path, mlp):
    path = tmp_path / "w.npz"
    for shape in [(), (0,), (3, 2), (2 ** 40,), (10 ** 6, 10 ** 6, 10 ** 6)]:
        write_npz(path, {"1.weight": npy_bytes(shape), "1.bias": npy_bytes((3,), "<f4", bytes(12))})
        code, out, err = run(capsys, "predict", mlp, "--weights", path, "--data", "blobs:20")
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
