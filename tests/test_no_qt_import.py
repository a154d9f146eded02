"""The model, the engine and the Learn arithmetic (designer.learn) never import Qt (they run in the command line and in tests)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import sys
import designer.model, designer.engine
import designer.engine.net, designer.engine.losses, designer.engine.optim, designer.engine.init
import designer.engine.layers, designer.learn
import importlib, pkgutil
for info in pkgutil.iter_modules(designer.learn.__path__, 'designer.learn.'):
    importlib.import_module(info.name)
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))
print(','.join(bad))
"""


def test_model_and_engine_import_no_qt():
    done = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"Qt modules imported: {done.stdout.strip()}"
