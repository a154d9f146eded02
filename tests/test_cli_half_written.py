"""Outputs that cannot be written, and outputs that are half there.
``render`` to any place it cannot write answers in one sentence as ``export`` does; a picture too
large to draw is refused before drawing (it was a 0-byte file and "wrote s8.png"); ``import``
writes its model and weights together or not at all; a full disk, for every output of every
command, is one sentence and leaves no file, no temporary file and the old file as it was."""
from __future__ import annotations

import json

import pytest

from hostile_support import fill, mlp_files, refused, run_within, small_disk, snapshot

@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return mlp_files(tmp_path)


def _unwritable(folder, suffix: str) -> dict:
    """Output names that cannot be written, each a different way (-> words the sentence holds)."""
    (folder / f"adir{suffix}").mkdir()
    (folder / "afile").write_text("x")
    (folder / f"dangling{suffix}").symlink_to(folder / "nowhere" / f"x{suffix}")
    (folder / f"todir{suffix}").symlink_to(folder / f"adir{suffix}")
    return {f"adir{suffix}": "is a folder", f"missing/x{suffix}": "does not exist",
            f"afile/x{suffix}": "is not a folder", f"dangling{suffix}": "does not exist",
            f"todir{suffix}": "is a folder"}


def test_render_to_a_place_it_cannot_write_is_one_sentence(capsys, folder):
    cases = {**_unwritable(folder, ".svg"), **_unwritable(folder, ".png")}
    before = snapshot(folder)
    for out, words in cases.items():
        line = refused(capsys, "render", "m.json", "-o", out)
        assert words in line, (out, line)
        assert snapshot(folder) == before


def test_render_to_a_read_only_file_system_is_one_sentence(capsys, folder):
    with small_disk(folder / "ro", read_only=True):
        for command in (["render", "m.json", "-o", "ro/x.svg"], ["export", "m.json", "--to", "pytorch", "-o", "ro/x.py"],
                        ["import", "x.onnx", "-o", "ro/x.json"]):
            assert "read-only file system" in refused(capsys, *command)


def test_a_picture_too_large_to_draw_is_refused_before_drawing(capsys, folder):
    layers = [{"type": "input", "features": 4}] + [{"type": "dense", "units": 4} for _ in range(600)]
    (folder / "chain.json").write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": layers}))
    for scale in ("8", "4"):
        line = refused(capsys, "render", "chain.json", "-o", "big.png", "--scale", scale)
        assert "pixels" in line and "smaller --scale" in line, line
        assert not (folder / "big.png").exists()
    code, out, err, _ = run_within(capsys, "render", "chain.json", "-o", "big.svg", "--scale", "8")
    assert code == 0 and (folder / "big.svg").stat().st_size > 0, err


def test_import_writes_its_model_and_weights_together_or_not_at_all(capsys, folder):
    pytest.importorskip("onnx")
    code, _, err, _ = run_within(capsys, "export", "m.json", "--to", "onnx", "--weights", "w.npz", "-o", "m.onnx")
    assert code == 0, err
    with small_disk(folder / "full"):
        fill(folder / "full")
        before = snapshot(folder)
        line = refused(capsys, "import", "m.onnx", "--weights", "iw.npz", "-o", "full/m.json")
        assert "No space left" in line and "full/m.json" in line, line
        assert snapshot(folder) == before, "the weights were written although the model was not"
        line = refused(capsys, "import", "m.onnx", "--weights", "full/iw.npz", "-o", "im.json")
        assert "full/iw.npz" in line and snapshot(folder) == before


FULL_DISK_CASES = [
    ["export", "m.json", "--to", "pytorch", "-o", "full/x.py"],
    ["export", "m.json", "--to", "onnx", "-o", "full/x.onnx"],
    ["export", "m.json", "--to", "torchrun", "-o", "full/run"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--out", "full/x.npz"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--history", "full/x.csv"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--checkpoint", "full/x.npz"],
    ["predict", "m.json", "--weights", "w.npz", "--data", "d.csv", "-o", "full/x.npy"],
    ["render", "m.json", "-o", "full/x.svg"],
    ["render", "m.json", "-o", "full/x.png"],
]


def test_a_full_disk_is_one_sentence_for_every_output(capsys, folder):
    with small_disk(folder / "full"):
        (folder / "full" / "old.txt").write_text("kept")
        fill(folder / "full")
        for argv in FULL_DISK_CASES:
            if "onnx" in argv:
                pytest.importorskip("onnx")
            before = snapshot(folder)
            line = refused(capsys, *argv)
            assert "No space left" in line or "cannot be written" in line, (argv, line)
            assert snapshot(folder) == before, (argv, "a file or a temporary file was left")


def test_install_desktop_on_a_full_disk_writes_none_of_its_files(capsys, tmp_path, monkeypatch):
    with small_disk(tmp_path / "home"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
        (tmp_path / "home" / "applications").mkdir()
        (tmp_path / "home" / "mime" / "packages").mkdir(parents=True)  # the folders fit, the files do not
        fill(tmp_path / "home", leave=8192)  # the entry and the file type fit, the icons do not
        line = refused(capsys, "install-desktop")
        assert "cannot be written" in line, line
        files = [p for p in (tmp_path / "home").rglob("*") if p.is_file() and p.name != "filler"]
        assert not files, files
