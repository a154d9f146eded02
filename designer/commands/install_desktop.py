"""``nn-designer install-desktop [--uninstall]``: add NN Designer to the desktop's application
menu, per the freedesktop conventions: a launcher in $XDG_DATA_HOME/applications and the icon
in $XDG_DATA_HOME/icons/hicolor (XDG_DATA_HOME defaults to ~/.local/share). Qt is not imported.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..atomic import together, write_bytes_atomic, write_text_atomic
from ..errors import UserError

APP_ID = "nn-designer"
# Our own file type, so the app is offered for model files only, not for every JSON file: a model
# file is JSON whose first bytes say "format": "nn-designer" (docs/model-format.md); *.nn.json
# names one by its extension too.
MIME_TYPE = "application/x-nn-designer+json"
MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{MIME_TYPE}">
    <comment>NN Designer model</comment>
    <sub-class-of type="application/json"/>
    <glob pattern="*.nn.json" weight="60"/>
    <magic priority="60">
      <match type="string" value="&quot;nn-designer&quot;" offset="0:256"/>
    </magic>
    <icon name="{APP_ID}"/>
  </mime-type>
</mime-info>
"""
PACKAGE = Path(__file__).resolve().parent.parent  # designer/
SIZES = (16, 24, 32, 48, 64, 128, 256)


def add_arguments(p) -> None:
    p.add_argument("--uninstall", action="store_true", help="remove the launcher and the icon again")


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def icon_folder() -> Path:
    """The icon files: designer/ui/icons in an installed wheel, or resources/ in a checkout."""
    for folder in (PACKAGE / "ui" / "icons", PACKAGE.parent / "resources"):
        if (folder / f"{APP_ID}.svg").exists():
            return folder
    raise UserError("the app icon is missing from this installation (designer/ui/icons)")


def template() -> str:
    path = PACKAGE.parent / "resources" / f"{APP_ID}.desktop"
    if path.exists():
        return path.read_text(encoding="utf-8")
    return ("[Desktop Entry]\nType=Application\nVersion=1.0\nName=NN Designer\n"
            "GenericName=Neural Network Designer\nComment=Design, check and train neural networks\n"
            "Exec=nn-designer-gui %f\nIcon=nn-designer\nTerminal=false\n"
            f"Categories=Education;ArtificialIntelligence;\nMimeType={MIME_TYPE};\n"
            "StartupNotify=true\nStartupWMClass=nn-designer\n")


def _quote(arg: str) -> str:
    """Quote an Exec argument as the Desktop Entry spec asks."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$") + '"'


def launcher() -> tuple[list[str], Path | None]:
    """The command that starts the app, and a working folder if the package needs one to be found:
    the gui-script (no console on Windows) or the console script if installed, else this Python
    with ``-m designer`` run from the checkout. The standalone app (tools/build_app.py) is its own
    executable: inside an AppImage the AppImage file, as the folder it runs from is a mount that
    goes away when the app quits."""
    if getattr(sys, "frozen", False):
        appimage = os.environ.get("APPIMAGE", "")
        return [appimage if appimage and Path(appimage).is_file() else sys.executable], None
    bin_dir = Path(sys.executable).parent
    for name in ("nn-designer-gui", "nn-designer"):
        beside = bin_dir / name
        if beside.exists():
            return [str(beside)], None
        found = shutil.which(name)
        if found:
            return [found], None
    return [sys.executable, "-m", "designer"], PACKAGE.parent


def desktop_entry() -> str:
    command, workdir = launcher()
    lines = []
    for line in template().splitlines():
        key = line.split("=", 1)[0]
        if key == "Exec":
            line = "Exec=" + " ".join(_quote(a) for a in command) + " %f"
        elif key == "TryExec":
            line = f"TryExec={command[0]}"
        elif key == "MimeType":
            line = f"MimeType={MIME_TYPE};"
        lines.append(line)
        if key == "Exec" and workdir is not None:
            lines.append(f"Path={workdir}")
    return "\n".join(lines) + "\n"


def targets(home: Path) -> dict[str, Path]:
    icons = home / "icons" / "hicolor"
    out = {"desktop": home / "applications" / f"{APP_ID}.desktop",
           "mime": home / "mime" / "packages" / f"{APP_ID}.xml",
           "svg": icons / "scalable" / "apps" / f"{APP_ID}.svg"}
    for size in SIZES:
        out[f"png{size}"] = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    return out


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change where the tools exist (they are optional)."""
    for command in (["update-desktop-database", "-q", str(home / "applications")],
                    ["update-mime-database", str(home / "mime")],
                    ["gtk-update-icon-cache", "-q", "-t", "-f", str(home / "icons" / "hicolor")]):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install(home: Path) -> list[Path]:
    folder = icon_folder()
    paths = targets(home)
    written = []
    try:
        for path in paths.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        with together():  # the entry, the file type and the icons, or none of them (a full disk)
            _write_all(paths, folder, written)
    except OSError as e:
        raise UserError(f"{e.filename or home}: cannot be written ({e.strerror or e})") from None
    _refresh_caches(home)
    return written


def _write_all(paths: dict, folder: Path, written: list) -> None:
    """Write the desktop entry, the file type and the icons, adding each to ``written``."""
    write_text_atomic(paths["desktop"], desktop_entry())
    written.append(paths["desktop"])
    write_text_atomic(paths["mime"], MIME_XML)
    written.append(paths["mime"])
    write_bytes_atomic(paths["svg"], (folder / f"{APP_ID}.svg").read_bytes())
    written.append(paths["svg"])
    for size in SIZES:
        png = folder / f"{APP_ID}-{size}.png"
        if png.exists():
            write_bytes_atomic(paths[f"png{size}"], png.read_bytes())
            written.append(paths[f"png{size}"])


def uninstall(home: Path) -> list[Path]:
    removed = []
    for path in targets(home).values():
        if path.exists():
            try:
                path.unlink()
            except OSError as e:
                raise UserError(f"{path}: cannot be removed ({e.strerror or e})") from None
            removed.append(path)
    _refresh_caches(home)
    return removed


def run(args) -> int:
    home = data_home()
    if args.uninstall:
        removed = uninstall(home)
        print(f"removed {len(removed)} files" + "".join(f"\n  {p}" for p in removed))
        return 0
    written = install(home)
    print(f"NN Designer is in the application menu: {written[0]}")
    print(f"file type {MIME_TYPE}: {written[1]}")
    print(f"icon: {written[2].parent.parent.parent} ({len(written) - 2} files)")
    return 0
