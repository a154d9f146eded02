"""Shared fixtures. Qt runs headless; real data sets are found beside the checkout."""
from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

# The helpers shared by the tests live in *_support.py modules (never in a test module another
# imports); their asserts are rewritten as a test module's are, so a failure shows its values.
pytest.register_assert_rewrite(*sorted(p.stem for p in Path(__file__).parent.glob("*_support.py")))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NN_DESIGNER_NO_AUTOSAVE_PROMPT", "1")

# Every property test runs a fixed set of examples in CI, so that the suite gives the same answer
# on every run (ten runs in a row); NN_DESIGNER_SOAK=1 draws new random examples, for a
# manual soak that looks for new failures.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
_hypothesis_settings.register_profile("soak", derandomize=False, database=None, deadline=None)
_hypothesis_settings.load_profile("soak" if os.environ.get("NN_DESIGNER_SOAK") else "ci")

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
def process_settings_restored():
    """Each test starts from the same process-wide settings, whatever the previous one did: the
    environment, the working directory, NumPy's error handling and global random state, Python's
    thread switch interval, garbage collector, Ctrl-C handler and exception hooks (the window's bug
    report installs its own), and the BLAS threads. The app
    must restore the last two itself (the BLAS policy, the GUI-thread collector): a test that
    leaves them changed fails."""
    from designer.engine import blas, process

    environ, cwd = dict(os.environ), os.getcwd()
    errors, random_state = np.geterr(), np.random.get_state()
    switch, gc_enabled, gc_thresholds = sys.getswitchinterval(), gc.isenabled(), gc.get_threshold()
    sigint = signal.getsignal(signal.SIGINT)
    hooks = sys.excepthook, threading.excepthook
    threads = blas.blas_threads()
    engine = process.entered()
    yield
    if process.entered() and not engine:
        gc.collect()   # a run generator dropped without close() ends its settings when collected
    left = {"BLAS threads": (threads, blas.blas_threads()), "garbage collection": (gc_enabled, gc.isenabled()),
            "the engine's settings (engine/process.py)": (engine, process.entered())}
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    np.seterr(**errors)
    np.random.set_state(random_state)
    sys.setswitchinterval(switch)
    gc.set_threshold(*gc_thresholds)
    (gc.enable if gc_enabled else gc.disable)()
    signal.signal(signal.SIGINT, sigint)
    sys.excepthook, threading.excepthook = hooks
    if threads is not None:
        blas.set_blas_threads(threads)
    changed = {what: values for what, values in left.items() if values[0] != values[1]}
    assert not changed, f"the test left process-wide settings changed (before, after): {changed}"


@pytest.fixture(autouse=True)
def no_thread_left_running(process_settings_restored):
    """Fail a test that leaves a Train-mode QThread running; stop it for the next test
    (before the settings are compared and restored)."""
    yield
    threads = sys.modules.get("designer.ui.training.threads")
    alive = threads.running() if threads is not None else []
    if threads is not None:
        threads.stop_all(10000)   # also gives garbage collection back to Python (see threads.py)
    assert not alive, f"the test left {len(alive)} QThread(s) running: {[t.objectName() for t in alive]}"
