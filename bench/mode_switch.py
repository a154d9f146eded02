"""How long a switch of mode takes, to the first paint (under 300 ms):

    python bench/mode_switch.py                          # offscreen
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/mode_switch.py   # a real X server

Each case is a fresh process that opens LeNet-5:

* ``cold``: the first switch to Train right after the start, the modes' code not imported yet:
  the time to the first paint of anything (the tab and "Opening the Train mode…": the feedback)
  and to the first paint of the Train panels;
* ``warm``: the same once the start's warm-up (designer/ui/warm_up.py) has imported that code,
  as a user who looks at the design for a few seconds first;
* ``round trip``: Design → Train → Learn → Design once every mode was built, each switch to the
  first paint of the new mode's panels.

Prints the median of RUNS runs of each, in milliseconds.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("NN_BENCH_RUNS", "5"))

CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication
from designer.ui.application import create_app, start

app = create_app([])
tmp = tempfile.mkdtemp()
window = start(["lenet5"], settings=QSettings(tmp + "/s.ini", QSettings.Format.IniFormat),
               recovery_dir=Path(tmp) / "recovery")
case = sys.argv[1]

class Painted(QObject):
    # The time of the first paint of any widget under ``root`` (or anywhere, if None).
    def __init__(self, root=None):
        super().__init__()
        self.root, self.at = root, None
        app.installEventFilter(self)
    def eventFilter(self, obj, event):
        if self.at is None and event.type() == QEvent.Type.Paint:
            if self.root is None or obj is self.root or (hasattr(self.root, "isAncestorOf") and self.root.isAncestorOf(obj)):
                self.at = time.perf_counter()
        return False

def settle(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)

def switch(name):
    # Milliseconds from the click to the first paint of anything, and of the mode's panels.
    anything = Painted()
    t0 = time.perf_counter()
    window.set_mode(name)
    panels = window.modes[name].panels
    page = window.stacks["left"].currentWidget() if panels.left is None else panels.left
    ours = Painted(page)
    ours.at = None
    while (anything.at is None or ours.at is None) and time.perf_counter() - t0 < 10:
        app.processEvents()
    app.removeEventFilter(anything)
    app.removeEventFilter(ours)
    first = anything.at if anything.at is not None else ours.at
    return 1000 * (first - t0), 1000 * (ours.at - t0)

settle(0.5)
out = {}
if case == "cold":
    out["feedback"], out["panels"] = switch("Train")
elif case == "warm":
    window.warm_up.start()
    window.warm_up.done.wait(60)
    settle(0.3)
    out["feedback"], out["panels"] = switch("Train")
else:
    for name in ("Train", "Learn", "Design"):
        switch(name)
        settle(0.3)
    total = 0.0
    for name in ("Train", "Learn", "Design"):
        _feedback, panels = switch(name)
        out[name] = panels
        total += panels
        settle(0.3)
    out["round trip"] = total
if hasattr(window, "train_mode"):
    window.train_mode.shutdown()
window.undo_stack.setClean()
window.close()
print(json.dumps(out))
"""


def main() -> int:
    env = dict(os.environ, NN_DESIGNER_NO_AUTOSAVE_PROMPT="1", NN_DESIGNER_NO_WARM_UP="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", "import designer.ui.training, designer.ui.learn.learn_mode"],
                   env=env, check=True)   # bytecode cached, as in an installed app
    for case in ("cold", "warm", "round trip"):
        runs = []
        for _ in range(RUNS):
            done = subprocess.run([sys.executable, "-c", CHILD, case], env=env, capture_output=True, text=True,
                                  check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"{case:>10}: " + ", ".join(f"{key} {value:.0f} ms" for key, value in medians.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
