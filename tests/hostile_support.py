"""Running ``nn-designer`` against hostile input for the hardening tests: each case
must end in one sentence on standard error with status 1 or 2, no traceback, within a time
limit, and leave the files it was given as they were."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path

import numpy as np

from designer.cli import main
from designer.engine.net import EngineNet
from designer.model import load_model, save_weights

LIMIT = 60.0  # seconds: the answer a hostile case must get within
# The smallest model every command takes: 2 features, 3 classes.
MLP = {"format": "nn-designer", "version": 1, "layers": [
    {"type": "input", "features": 2}, {"type": "dense", "units": 3}, {"type": "softmax"}]}


def mlp_files(folder: Path, data: bool = True) -> Path:
    """``folder`` with m.json (MLP), its weights w.npz and, with ``data``, d.csv (20 rows of two
    features and a class): the inputs the hardening tests give every command."""
    (folder / "m.json").write_text(json.dumps(MLP))
    save_weights(folder / "w.npz", EngineNet(load_model(str(folder / "m.json"))).state_dict())
    if data:
        rng = np.random.default_rng(0)
        (folder / "d.csv").write_text("".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in rng.random((20, 2))))
    return folder


def run_within(capsys, *argv, limit: float = LIMIT, unblock=()):
    """(status, stdout, stderr, seconds) of ``nn-designer ARGV``, which must end within ``limit``
    seconds. It runs in the main thread (render makes the QApplication, which must live there);
    a command that hangs outright (a FIFO opened for reading) is ended by pytest-timeout (its
    alarm interrupts even a blocked open). ``unblock`` is kept for callers' readability."""
    start = time.monotonic()
    code = main([str(a) for a in argv])
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    assert seconds < limit, f"nn-designer {' '.join(map(str, argv))} took {seconds:.0f} s, more than {limit:g} s"
    return code, out, err, seconds


def refused(capsys, *argv, limit: float = LIMIT, unblock=(), statuses=(2,)) -> str:
    """The one sentence of a command that must refuse (status in ``statuses``), in time."""
    code, out, err, _ = run_within(capsys, *argv, limit=limit, unblock=unblock)
    shown = " ".join(map(str, argv))
    assert code in statuses, (shown, code, out, err)
    assert "Traceback" not in err and "Traceback" not in out, (shown, err)
    # Progress lines (train's epochs) may come first; the refusal is the last line, and the only one.
    lines = [line for line in err.strip().splitlines() if line.startswith("nn-designer")]
    assert len(lines) == 1 and err.strip().splitlines()[-1] == lines[0], (shown, err)
    assert "bug in NN Designer" not in lines[0], (shown, err)
    return lines[0]


def snapshot(folder: Path) -> dict:
    """name -> (file type, content or link target) of everything in ``folder``, recursively:
    what a refused command must leave exactly as it was (and no hidden temporary files)."""
    out = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            p = Path(root) / name
            mode = os.lstat(p).st_mode
            if stat.S_ISLNK(mode):
                out[str(p.relative_to(folder))] = ("link", os.readlink(p))
            elif stat.S_ISREG(mode):
                out[str(p.relative_to(folder))] = ("file", p.read_bytes())
            else:
                out[str(p.relative_to(folder))] = (stat.S_IFMT(mode), None)
    return out


@contextlib.contextmanager
def small_disk(path: Path, size: str = "64k", read_only: bool = False):
    """A tmpfs of ``size`` mounted at ``path`` (a full disk, or a read-only one), or skip."""
    import subprocess

    import pytest
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},nr_inodes=1000" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("a small file system cannot be mounted here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system of ``folder`` to its last byte (with a file named filler), then free
    ``leave`` bytes of it again (room for the first small files, not for the rest)."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 1024)
        except OSError:
            pass
    if leave:
        os.truncate(folder / "filler", max(0, (folder / "filler").stat().st_size - leave))
