"""Shared fixtures. Qt runs headless; real data sets are found beside the checkout."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NN_DESIGNER_NO_AUTOSAVE_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NN_DESIGNER_SHARED", ROOT.parent / "shared"))
MNIST_DIR = SHARED / "data" / "mnist"
DIGITS_DIR = SHARED / "data" / "digits"


@pytest.fixture(scope="session")  # session-wide, so that module-scoped fixtures may use it too
def mnist_dir() -> Path:
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("../shared/data/mnist is not present")
    return MNIST_DIR


@pytest.fixture
def digits_dir() -> Path:
    if not (DIGITS_DIR / "digits.csv.gz").exists():
        pytest.skip("../shared/data/digits is not present")
    return DIGITS_DIR


@pytest.fixture(autouse=True)
def no_thread_left_running(request):
    """Fail a test that leaves a Train-mode QThread running (issue 5); stop it for the next test."""
    yield
    import sys
    threads = sys.modules.get("designer.ui.training.threads")
    alive = threads.running() if threads is not None else []
    if alive:
        threads.stop_all(10000)
    if threads is not None and "qtbot" in request.fixturenames:
        # Reap the test's Qt wrappers now, while no worker thread runs, rather than in a garbage
        # collection that happens to fall inside the next test's training run.
        import gc
        gc.collect()
    assert not alive, f"the test left {len(alive)} QThread(s) running: {[t.objectName() for t in alive]}"
