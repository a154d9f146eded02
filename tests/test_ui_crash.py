"""No work lost to a crash. The real app runs in a subprocess (offscreen) and is killed with
SIGKILL after edits and an autosave; the next start offers the recovery and restores exactly what
was autosaved. A process killed in the middle of a save (while writing, or between the write and
the rename) leaves the old file intact (designer/atomic.py).

``NN_DESIGNER_AUTOSAVE_MS`` (designer/ui/files.py) makes the app autosave every few hundred ms."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from designer.model import load, load_template, save

ROOT = Path(__file__).resolve().parent.parent
WAIT_S = 60

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

EDITING_APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from designer.ui.application import create_app, start

    app = create_app([])
    window = start(["lenet5"])

    def edit():
        editor, network = window.editor, window.network
        editor.set_keys(network[1].uid, {"filters": 12})
        editor.rename(network[1].uid, "edges")
        editor.insert_kind(3, "dropout", {"rate": 0.25})
        print("EDITED", flush=True)

    QTimer.singleShot(0, edit)
    sys.exit(app.exec())
""")

RECOVERING_APP = textwrap.dedent("""
    import json, os
    from designer.model import to_json
    from designer.ui import dialogs
    from designer.ui.application import create_app, start

    offered = []
    def ask_recover(parent, name, when):
        offered.append(name)
        return True
    dialogs.ask_recover = ask_recover

    app = create_app([])
    window = start([])
    print(json.dumps({"offered": offered, "model": to_json(window.network),
                      "modified": window.files.modified}), flush=True)
    os._exit(0)   # the test only needs what was recovered
""")

SAVING = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    how, target = sys.argv[1], Path(sys.argv[2])
    if how == "writing":                      # killed halfway through the bytes
        from designer.atomic import write_atomic
        def write(f):
            f.write(b"x" * 2_000_000)
            f.flush()
            print("WRITING", flush=True)
            signal.pause()                    # until the test kills it
        write_atomic(target, write, mode="wb")
    else:                                     # the model's own save, killed before the rename
        from designer.model import load, save
        def paused_replace(src, dst):
            print("WRITING", flush=True)
            signal.pause()                    # until the test kills it
        os.replace = paused_replace
        network = load(target)
        network.set_name("changed")
        save(network, target)
""")


def environment(tmp_path: Path, **extra) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(ROOT), **extra)
    env.pop("NN_DESIGNER_NO_AUTOSAVE_PROMPT", None)   # the second start must offer the recovery
    return env


class Child:
    """A Python subprocess whose output lines arrive on a queue (no fixed waits)."""

    def __init__(self, code: str, env: dict, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self) -> str:
        line = self.lines.get(timeout=WAIT_S)
        assert line is not None, f"the child ended: {self.proc.wait()} {self.proc.stderr.read()[-2000:]}"
        return line

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(WAIT_S) == -signal.SIGKILL
        self.proc.stdout.close()
        self.proc.stderr.close()


def wait_for(condition, what: str):
    """Poll ``condition`` until it is true (bounded), without a fixed wait of its own."""
    done = threading.Event()
    for _ in range(WAIT_S * 20):
        value = condition()
        if value:
            return value
        done.wait(0.05)
    raise AssertionError(f"{what} did not happen within {WAIT_S} s")


def test_a_killed_app_offers_its_autosave_at_the_next_start_and_restores_it_exactly(tmp_path):
    env = environment(tmp_path, NN_DESIGNER_AUTOSAVE_MS="200")
    app = Child(EDITING_APP, env)
    try:
        assert app.line() == "EDITED"

        def autosaved():   # the .info is written after the model: both are complete then
            infos = list((tmp_path / "data").rglob("recovery-*.info"))
            return infos[0].with_suffix(".json") if infos else None
        recovery = wait_for(autosaved, "an autosave")
        autosaved_text = recovery.read_text(encoding="utf-8")
    finally:
        app.kill()
    autosaved_json = json.loads(autosaved_text)
    conv = autosaved_json["layers"][1]
    assert conv["filters"] == 12 and conv["name"] == "edges"          # the edits were autosaved
    assert autosaved_json["layers"][3] == {"type": "dropout", "rate": 0.25}

    again = Child(RECOVERING_APP, env)
    result = json.loads(again.line())
    again.proc.wait(WAIT_S)
    assert len(result["offered"]) == 1                  # the recovery was offered …
    assert result["model"] == autosaved_json            # … and restores exactly what was autosaved
    assert result["modified"]                           # still unsaved work


@pytest.mark.parametrize("when", ["writing", "renaming"])
def test_a_process_killed_in_the_middle_of_a_save_leaves_the_old_file_intact(tmp_path, when):
    target = tmp_path / "model.json"
    save(load_template("lenet5"), target)
    old = target.read_bytes()
    child = Child(SAVING, environment(tmp_path), when, str(target))
    try:
        assert child.line() == "WRITING"
        assert list(tmp_path.glob(".model.json.*.tmp"))   # the new file is under way beside it
    finally:
        child.kill()
    assert target.read_bytes() == old
    assert load(target).name == load_template("lenet5").name
