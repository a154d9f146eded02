"""The standalone app against the venv: size, build time, how long the window takes to open and
how long ``summary`` takes to answer.

    python bench/app_bundle.py                 # measure dist/nn-designer (python tools/build_app.py first)
    python bench/app_bundle.py --build         # build it first, with PyInstaller's cache emptied, timed
    python bench/app_bundle.py --shots /tmp/s  # also screenshot both windows (Xvfb, openbox, 1280×720)

Targets (README, "The app without Python"): the folder at most 300 MB; the window opens within
twice the time ``nn-designer`` takes from the venv; ``summary alexnet`` answers within 1.5 s.
Each run is a fresh process with a fresh HOME, timed from its start until its window is mapped
(xdotool, polled every 20 ms, on a Xvfb screen of its own) or until it exits; the two sides run
interleaved so that both see the same load. Prints medians.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_APP = Path(sys.executable).with_name("nn-designer")


@contextlib.contextmanager
def screen(window_manager: bool = False):
    """A Xvfb screen (1280×720) of its own, with openbox when asked: its DISPLAY."""
    read, write = os.pipe()
    # -noreset: the server would otherwise reset as its last client leaves, refusing the next one meanwhile
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp",
                             "-noreset"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    wm = None
    try:
        select.select([read], [], [], 30)
        display = ":" + os.read(read, 16).decode().strip()
        if window_manager and shutil.which("openbox"):
            wm = subprocess.Popen(["openbox"], env=dict(os.environ, DISPLAY=display),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        yield display
    finally:
        for process in (wm, xvfb):
            if process is not None:
                process.kill()
                process.wait()
        os.close(read)  # only now: Xvfb stops answering once the pipe it wrote to is closed


def user_env(home: str, **extra) -> dict:
    """A user's environment: no venv, no PYTHONPATH; the venv's app is run by its full path."""
    return {"HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **extra}


def time_window(exe: Path, display: str) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = user_env(home, DISPLAY=display)
        start = time.perf_counter()
        app = subprocess.Popen([str(exe)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "nn-designer"],
                                       env=env, capture_output=True, text=True).stdout.split()
                if found:
                    return time.perf_counter() - start
                if app.poll() is not None or time.perf_counter() - start > 120:
                    raise SystemExit(f"{exe}: no window (exit status {app.returncode})")
                time.sleep(0.02)
        finally:
            app.kill()
            app.wait()


def time_summary(exe: Path) -> float:
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        subprocess.run([str(exe), "summary", "alexnet"], env=user_env(home), check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def interleaved(measure, sides: dict, runs: int) -> dict:
    for exe in sides.values():  # warm the disk cache and the venv's bytecode
        measure(exe)
    times = {name: [] for name in sides}
    for _ in range(runs):
        for name, exe in sides.items():
            times[name].append(measure(exe))
    return {name: statistics.median(values) for name, values in times.items()}


def shots(bundle: Path, folder: Path) -> None:
    """Screenshots of both windows under openbox, the difference in pixels, and what Qt says about
    its plugins when the bundle loads them (QT_DEBUG_PLUGINS)."""
    folder.mkdir(parents=True, exist_ok=True)
    pictures = {}
    for name, exe in (("venv", VENV_APP), ("bundle", bundle)):
        with screen(window_manager=True) as display, tempfile.TemporaryDirectory() as home:
            env = user_env(home, DISPLAY=display, QT_DEBUG_PLUGINS="1")
            with open(folder / f"{name}-stderr.txt", "w") as err:
                app = subprocess.Popen([str(exe)], env=env, stdout=subprocess.DEVNULL, stderr=err)
                time.sleep(8)
                pictures[name] = folder / f"{name}.png"
                subprocess.run(["import", "-window", "root", str(pictures[name])], env=env, check=True)
                app.kill()
                app.wait()
        log = (folder / f"{name}-stderr.txt").read_text(errors="replace")
        bad = [line for line in log.splitlines() if any(s in line for s in ("Cannot load", "not found", "Traceback",
                                                                            "could not", "Could not"))]
        print(f"{name}: {pictures[name]}; plugin problems on stderr: {len(bad)}" + "".join(f"\n  {b}" for b in bad))
    if shutil.which("compare"):
        diff = subprocess.run(["compare", "-metric", "AE", str(pictures["venv"]), str(pictures["bundle"]),
                               str(folder / "difference.png")], capture_output=True, text=True)
        print(f"pixels that differ between the two windows: {diff.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "nn-designer" / "nn-designer")
    parser.add_argument("--build", action="store_true", help="build it first, from an empty PyInstaller cache")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--shots", type=Path, help="a folder for the screenshots")
    args = parser.parse_args()
    if args.build:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_app.py"), "--clean"], check=True, cwd=ROOT)
        print(f"build (tools/build_app.py --clean, folder and archive): {time.perf_counter() - start:.0f} s")
    bundle = args.app.resolve()
    if not bundle.exists():
        raise SystemExit(f"{bundle}: no such file; build it with python tools/build_app.py")
    sys.path.insert(0, str(ROOT / "tools"))
    from build_app import folder_mb
    print(f"folder: {folder_mb(bundle.parent):.0f} MB (target ≤ 300 MB)")
    sides = {"venv": VENV_APP, "bundle": bundle}
    summary = interleaved(time_summary, sides, args.runs)
    print(f"summary alexnet: bundle {summary['bundle']:.2f} s, venv {summary['venv']:.2f} s (target ≤ 1.5 s)")
    if shutil.which("Xvfb") and shutil.which("xdotool"):
        with screen() as display:
            window = interleaved(lambda exe: time_window(exe, display), sides, args.runs)
        print(f"window open: bundle {window['bundle']:.2f} s, venv {window['venv']:.2f} s, "
              f"ratio {window['bundle'] / window['venv']:.2f} (target ≤ 2)")
    else:
        print("window open: not measured (needs Xvfb and xdotool)")
    if args.shots:
        shots(bundle, args.shots)


if __name__ == "__main__":
    main()
