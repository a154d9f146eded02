"""Running a torchrun training folder's train.py and comparing its run with the engine's, shared
by the torchrun tests."""
from __future__ import annotations

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

TOLERANCE = {"float32": 1e-4, "float64": 1e-9}


def train_py(folder, *args, processes=None, timeout=300):
    """Run the folder's train.py: under torchrun with ``processes``, else as one plain process."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)  # train.py needs nothing of ours
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] \
        if processes else [sys.executable]
    done = subprocess.run([*launch, str(folder / "train.py"), *map(str, args)], env=env, cwd=folder,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def history(path) -> list:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def assert_same_run(got_dir, want_dir, dtype):
    """Weights and history (all but the wall time) equal within the contract's tolerance."""
    tol = TOLERANCE[dtype]
    got, want = np.load(got_dir / "out.npz"), np.load(want_dir / "out.npz")
    assert sorted(got.files) == sorted(want.files)
    for key in want.files:
        assert got[key].dtype == want[key].dtype == np.dtype(dtype), key
        np.testing.assert_allclose(got[key], want[key], rtol=tol, atol=tol * np.abs(want[key]).max(), err_msg=key)
    rows, expected = history(got_dir / "history.csv"), history(want_dir / "history.csv")
    assert [list(r) for r in rows] == [list(r) for r in expected] and len(rows) == 2
    for row, want_row in zip(rows, expected):
        assert row["epoch"] == want_row["epoch"] and row["lr"] == want_row["lr"]
        for column in ("train_loss", "train_acc", "val_loss", "val_acc"):
            if want_row[column] == "":  # no validation set
                assert row[column] == "", column
            else:
                assert float(row[column]) == pytest.approx(float(want_row[column]), rel=tol), column
