"""Start the desktop app (imports Qt only when called). Without a display, or without the system
libraries Qt's window system plugin needs, it says so in one sentence (a UserError) instead of
letting Qt abort the process."""
from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

from .errors import UserError

# The system libraries Qt's xcb plugin loads, by the Debian/Ubuntu package that has them
# (README, "If the window does not open").
QT_SYSTEM_PACKAGES = {
    "xcb-cursor": "libxcb-cursor0", "xkbcommon-x11": "libxkbcommon-x11-0", "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1", "xcb-shape": "libxcb-shape0", "EGL": "libegl1", "GL": "libgl1",
    "fontconfig": "libfontconfig1", "dbus-1": "libdbus-1-3",
}
# The ones the xcb plugin links and a desktop may lack, without which Qt aborts (checked before Qt
# starts; a minimal Debian has neither xcb-icccm nor xcb-keysyms).
CHECKED = ("xcb-cursor", "xkbcommon-x11", "xcb-icccm", "xcb-keysyms", "xcb-shape")
NO_WINDOW = "the window cannot open"


def find_library(name: str):
    """ctypes' search, and in the standalone app (tools/build_app.py) the libraries it carries."""
    bundled = getattr(sys, "_MEIPASS", None) if getattr(sys, "frozen", False) else None
    if bundled and any(Path(bundled).glob(f"lib{name}.so*")):
        return name
    return ctypes.util.find_library(name)


def display_problem(environ=os.environ, platform: str = sys.platform, find=find_library):
    """One sentence saying why Qt could not open a window here, or None (Linux only: elsewhere
    the system has what Qt needs)."""
    if not platform.startswith("linux"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs ...: no X or Wayland display needed
    packages = " ".join(QT_SYSTEM_PACKAGES.values())
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return (f"{NO_WINDOW}: there is no display (DISPLAY and WAYLAND_DISPLAY are not set); run it in a "
                f"desktop session, or use the commands (nn-designer --help); Qt also needs the system "
                f"packages {packages}")
    if qpa.startswith("wayland") or (environ.get("WAYLAND_DISPLAY") and not environ.get("DISPLAY")):
        return None
    if find("c") is None:
        return None  # the library search does not work here (no ldconfig): let Qt try
    missing = [QT_SYSTEM_PACKAGES[lib] for lib in CHECKED if find(lib) is None]
    if missing:
        return (f"{NO_WINDOW}: Qt needs system libraries that are not installed; install the packages "
                f"{' '.join(missing)} (on Debian or Ubuntu: sudo apt install {' '.join(missing)})")
    return None


def run_app(argv: list) -> int:
    problem = display_problem()
    if problem:
        raise UserError(problem)
    from .ui import run
    return run(argv)
