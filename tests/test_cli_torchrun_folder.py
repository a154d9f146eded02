"""``export --to torchrun -o DIR`` replaces the folder's entries, never writes
through them (a weights.npz linking to the input weights rewrote them), counts every file of the
folder as an output in the alias check, and writes the folder whole or not at all."""
from __future__ import annotations


import numpy as np
import pytest

from designer.export.torchrun import FILES
from hostile_support import fill, mlp_files, refused, run_within, small_disk, snapshot

@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mlp_files(tmp_path, data=False)
    (tmp_path / "mine.txt").write_text("the user's own file")
    return tmp_path


def _earlier_folder(capsys, folder):
    code, _, err, _ = run_within(capsys, "export", "mlp-example", "--to", "torchrun", "-o", "run")
    assert code == 0, err
    (folder / "run" / "notes.txt").write_text("kept")
    return folder / "run"


@pytest.mark.parametrize("name", FILES)
def test_a_link_in_the_folder_is_replaced_never_written_through(capsys, folder, name):
    run = _earlier_folder(capsys, folder)
    (run / name).unlink(missing_ok=True)
    (run / name).symlink_to(folder / "mine.txt")
    code, _, err, _ = run_within(capsys, "export", "mlp-example", "--to", "torchrun", "-o", "run")
    # train.py linking elsewhere no longer marks an earlier training folder: refused, as a user's folder
    assert code == (2 if name == "train.py" else 0), err
    assert (folder / "mine.txt").read_text() == "the user's own file"
    if code == 0:
        assert not (run / name).is_symlink() and (run / name).stat().st_size > 0
    assert (run / "notes.txt").read_text() == "kept"


def test_a_folder_file_that_is_an_input_is_refused(capsys, folder):
    run = _earlier_folder(capsys, folder)
    for target, option in ((folder / "w.npz", "--weights"), (folder / "m.json", "MODEL")):
        (run / "weights.npz").unlink(missing_ok=True)
        (run / "weights.npz").symlink_to(target)
        before = snapshot(folder)
        line = refused(capsys, "export", "m.json", "--to", "torchrun", "--weights", "w.npz", "-o", "run")
        assert "name the same file" in line and option in line, line
        assert snapshot(folder) == before
    (run / "weights.npz").unlink()
    line = refused(capsys, "export", "m.json", "--to", "torchrun", "--weights", "run/model.py", "-o", "run")
    assert "name the same file" in line or "not a readable" in line, line


def test_a_full_disk_leaves_the_folder_as_it_was_or_absent(capsys, folder):
    with small_disk(folder / "full", "256k"):
        code, _, err, _ = run_within(capsys, "export", "m.json", "--to", "torchrun", "-o", "full/run")
        assert code == 0, err
        (folder / "full" / "run" / "notes.txt").write_text("kept")
        fill(folder / "full")
        before = snapshot(folder)
        for out in ("full/run", "full/new"):
            line = refused(capsys, "export", "mlp-example", "--to", "torchrun", "-o", out)
            assert "No space left" in line, line
            assert snapshot(folder) == before, out


def test_the_written_folder_holds_every_file(capsys, folder):
    code, out, err, _ = run_within(capsys, "export", "mlp-example", "--to", "torchrun", "-o", "run")
    assert code == 0, err
    assert sorted(p.name for p in (folder / "run").iterdir()) == sorted(FILES)
    assert np.load(folder / "run" / "weights.npz").files
