"""A real X server with a real window manager for the tests that need one (the frame the window
manager draws, the status bar on screen): Xvfb and openbox, skipped cleanly where they are not
installed. Each server gets a free display number from Xvfb itself (-displayfd)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest


def need_x11() -> None:
    missing = [tool for tool in ("Xvfb", "openbox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (a real X server and window manager)")


@contextmanager
def x_display(width: int, height: int):
    """An Xvfb screen of ``width``×``height`` with openbox managing it; yields the environment
    that runs a Qt program on it."""
    need_x11()
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                               "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(write)
    manager = None
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        env = dict(os.environ, DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)   # openbox takes the screen before the window maps, or it frames nothing
        yield env
    finally:
        for process in (manager, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()


def run_qt(env: dict, code: str, *args: str, timeout: float = 60) -> str:
    """Run ``code`` (a Python program) on the display of ``env``; returns its stdout."""
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
