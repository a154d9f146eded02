"""The app process exits cleanly (status 0) after the things that leave Qt objects behind at
exit: copying layers to the clipboard, a palette drag's data, a training run. A crash at exit
(after Python has shut down) is invisible inside one test, so these run the app in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from designer.ui.application import create_app, start

    app = create_app([])
    window = start(["lenet5"])
    editor = window.editor
    editor.select([window.network[1].uid])
    assert editor.copy()
    assert editor.paste()
    assert len(window.network) == 14
    window.setWindowModified(False)
    editor.stack.setClean()
    QTimer.singleShot(0, window.close)
    QTimer.singleShot(50, app.quit)
    sys.exit(app.exec())
""")


def test_the_app_exits_cleanly_after_copy_and_paste(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NN_DESIGNER_NO_AUTOSAVE_PROMPT="1",
               HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"exit status {proc.returncode}: {proc.stderr[-2000:]}"
