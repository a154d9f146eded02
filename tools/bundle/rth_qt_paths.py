# A PyInstaller runtime hook, in place of PyInstaller's own for PySide6 (tools/bundle/nn-designer.spec
# drops that one): it says where the bundle's Qt plugins are, as that one does, but without
# importing PySide6.QtCore at start. That import (Qt's libraries and ICU's data, about 0.2 s) is
# what every command paid, `summary` included, though only the window and `render` use Qt; the
# PyPI wheels' PySide6 makes Qt relocatable itself (an embedded qt.conf) when it is first imported.
import os
import sys


def _qt_paths():
    qt = os.path.join(sys._MEIPASS, "PySide6") if sys.platform == "win32" else \
        os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    if sys.platform == "win32":  # QtNetwork finds OpenSSL's DLLs on PATH
        os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")


_qt_paths()
del _qt_paths
