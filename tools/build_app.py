"""Build the standalone app: ``python tools/build_app.py`` (in the dev environment, with
``pip install -e '.[app]'`` for PyInstaller).

It makes ``dist/nn-designer/``, one folder holding the executable ``nn-designer`` with Python,
PySide6, pyqtgraph, NumPy, Pillow, onnx and the ``designer`` package (tools/bundle/nn-designer.spec
says what is left out, and why), then packs it:

- Linux: the folder is also an AppDir (``AppRun``, ``nn-designer.desktop``, the icon), packed as
  ``dist/nn-designer-<version>-linux-<arch>.tar.gz`` (unpack, then run ``nn-designer`` in it, or
  ``nn-designer install-desktop`` to put it in the application menu), and as
  ``dist/NN_Designer-<version>-<arch>.AppImage`` too where ``appimagetool`` is on PATH (or named
  by $APPIMAGETOOL);
- Windows: ``nn-designer.exe`` (console) and ``nn-designer-gui.exe`` in the folder, zipped;
- macOS: also ``dist/NN Designer.app``, zipped with ditto.

The same script builds all three; Windows and macOS are built by .github/workflows/app.yml on
hosted runners and have not been tried here (README, "The app without Python").

``--changed`` / ``--record`` serve CI: they compare the packaging files' hash with the one recorded
in tools/bundle/tested.sha256, the last state whose bundle test passed (.ci/run).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tools" / "bundle" / "nn-designer.spec"
ICONS = ROOT / "designer" / "ui" / "icons"
RECORD = ROOT / "tools" / "bundle" / "tested.sha256"
NAME = "nn-designer"
LIMIT_MB = 300
# What decides what the bundle holds and how it finds itself: a change to any of these makes CI
# build and test the bundle again (.ci/run). pyproject.toml names the dependencies bundled.
PACKAGING_FILES = ["tools/build_app.py", "tools/bundle/nn-designer.spec", "tools/bundle/entry.py",
                   "tests/test_app_bundle.py", "pyproject.toml", "resources/nn-designer.desktop",
                   "designer/app.py", "designer/commands/install_desktop.py", "designer/ui/artwork.py",
                   "designer/model/templates.py", "designer/export/torchrun.py"]
# Never in the bundle (the spec excludes them; check_bundle checks the result): packages (a folder
# of that name anywhere), libraries (a file name starting so) and Qt folders.
FORBIDDEN_PACKAGES = {"torch", "torchvision", "sympy", "onnxruntime", "pytest", "_pytest", "hypothesis"}
FORBIDDEN_LIBS = ("libtorch", "libQt6WebEngine", "libQt6Quick", "libQt6Qml", "libQt63D", "libQt6Multimedia",
                  "libgtk-3")
FORBIDDEN_DIRS = ("PySide6/Qt/translations", "PySide6/Qt/qml")
# What the app loads at run time by a path or a dynamic import (under the folder's _internal/).
REQUIRED = ("designer/model/templates/alexnet.json", "designer/model/templates/mlp-example.npz",
            "designer/ui/icons/nn-designer.svg", "designer/ui/icons/nn-designer-256.png",
            "designer/export/torchrun_train.py", "resources/nn-designer.desktop", "onnx", "pyqtgraph", "numpy",
            "PIL")


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def packaging_hash() -> str:
    digest = hashlib.sha256()
    for name in PACKAGING_FILES:
        path = ROOT / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") if path.exists() else b"(missing)")
    return digest.hexdigest()


def recorded_hash() -> str:
    return RECORD.read_text(encoding="utf-8").split()[0] if RECORD.exists() else "(none)"


def platform_tag() -> str:
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux") + f"-{machine}"


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def make_icon(work: Path) -> str:
    """The executable's icon in the platform's format, made from the PNGs (Pillow writes both)."""
    if sys.platform not in ("win32", "darwin"):
        return ""  # ELF files carry no icon: the .desktop file names it
    from PIL import Image
    work.mkdir(parents=True, exist_ok=True)
    big = Image.open(ICONS / f"{NAME}-256.png")
    if sys.platform == "win32":
        out = work / f"{NAME}.ico"
        big.save(out, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    else:
        out = work / f"{NAME}.icns"
        big.resize((512, 512), Image.LANCZOS).save(out)
    return str(out)


def run_pyinstaller(dist: Path, work: Path, clean: bool) -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work)]
    if clean:
        command.append("--clean")
    command += [str(SPEC), "--", "--icon", make_icon(work)]
    env = dict(os.environ, NN_DESIGNER_VERSION=version())
    subprocess.run(command, check=True, cwd=ROOT, env=env)


def add_appdir_files(folder: Path) -> None:
    """Make the folder an AppDir too: AppRun, the desktop entry and the icon at its top."""
    entry = (ROOT / "resources" / f"{NAME}.desktop").read_text(encoding="utf-8")
    entry = re.sub(r"^Exec=.*$", f"Exec={NAME} %f", entry, flags=re.M)
    entry = re.sub(r"^TryExec=.*\n", "", entry, flags=re.M)
    (folder / f"{NAME}.desktop").write_text(entry, encoding="utf-8")
    shutil.copyfile(ICONS / f"{NAME}-256.png", folder / f"{NAME}.png")
    shutil.copyfile(ICONS / f"{NAME}.svg", folder / f"{NAME}.svg")
    for link, target in (("AppRun", NAME), (".DirIcon", f"{NAME}.png")):
        path = folder / link
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)  # relative: the folder can be moved


def check_bundle(folder: Path) -> list[str]:
    """What is wrong with a built folder: a forbidden part inside, a required one missing, or over
    the size limit."""
    problems = [f"_internal/{part} is missing" for part in REQUIRED if not (folder / "_internal" / part).exists()]
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if (FORBIDDEN_PACKAGES & set(path.relative_to(folder).parts) or path.name.startswith(FORBIDDEN_LIBS)
                or any(f"/{d}/" in f"/{rel}/" for d in FORBIDDEN_DIRS)):
            problems.append(f"{rel} is in the bundle")
    size = folder_mb(folder)
    if size > LIMIT_MB:
        problems.append(f"the folder is {size:.0f} MB, over {LIMIT_MB} MB")
    return problems


def appimagetool() -> str | None:
    return os.environ.get("APPIMAGETOOL") or shutil.which("appimagetool")


def pack(folder: Path, dist: Path) -> list[Path]:
    """The archives a user downloads: a zip on Windows and macOS; on Linux a .tar.gz (the AppDir
    as it is), and an AppImage too where appimagetool is to be had."""
    tag, ver = platform_tag(), version()
    if sys.platform == "win32":
        return [Path(shutil.make_archive(str(dist / f"{NAME}-{ver}-{tag}"), "zip", dist, folder.name))]
    if sys.platform == "darwin":
        out = dist / f"{NAME}-{ver}-{tag}.zip"
        subprocess.run(["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent", str(dist / "NN Designer.app"),
                        str(out)], check=True)
        return [out]
    out = [dist / f"{NAME}-{ver}-{tag}.tar.gz"]
    with tarfile.open(out[0], "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=NAME)  # symbolic links stay links
    tool = appimagetool()
    if tool:
        out.append(dist / f"NN_Designer-{ver}-{platform.machine()}.AppImage")
        # Without FUSE an AppImage (appimagetool is one) runs by extracting itself first.
        fuse = Path("/dev/fuse").exists() and shutil.which("fusermount") is not None
        env = dict(os.environ, ARCH=platform.machine(), **({} if fuse else {"APPIMAGE_EXTRACT_AND_RUN": "1"}))
        subprocess.run([tool, "--no-appstream", str(folder), str(out[1])], check=True, env=env)
    return out


def build(dist: Path, work: Path, archive: bool = True, clean: bool = False) -> dict:
    try:
        import PyInstaller
    except ImportError:
        raise SystemExit("build_app: PyInstaller is not installed; install it with pip install -e '.[app]'")
    if importlib.util.find_spec("onnx") is None:  # the app carries it for export --to onnx and import
        raise SystemExit("build_app: onnx is not installed; install it with pip install -e '.[app]'")
    start = time.perf_counter()
    run_pyinstaller(dist, work, clean)
    folder = dist / NAME
    if sys.platform.startswith("linux"):
        add_appdir_files(folder)
    built = time.perf_counter() - start
    problems = check_bundle(folder)
    if problems:
        raise SystemExit("build_app: " + "; ".join(problems[:10]))
    packed = pack(folder, dist) if archive else []
    return {"folder": folder, "executable": folder / (NAME + (".exe" if sys.platform == "win32" else "")),
            "archives": packed, "size_mb": folder_mb(folder), "build_s": built,
            "total_s": time.perf_counter() - start, "pyinstaller": PyInstaller.__version__}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app goes (dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "app", help="PyInstaller's work folder")
    parser.add_argument("--no-archive", action="store_true", help="build the folder only")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--changed", action="store_true",
                        help="exit 0 if the packaging files differ from the tested record, 1 if not")
    parser.add_argument("--record", action="store_true",
                        help="record the packaging files' hash as tested (after the bundle test passed)")
    args = parser.parse_args(argv)
    if args.changed:
        now, then = packaging_hash(), recorded_hash()
        print(f"packaging files: hash {now[:12]}, last tested {then[:12]} ({RECORD.relative_to(ROOT)})")
        return 0 if now != then else 1
    if args.record:
        RECORD.write_text(packaging_hash() + "\n", encoding="utf-8")
        print(f"recorded {RECORD.relative_to(ROOT)}")
        return 0
    result = build(args.dist.resolve(), args.work.resolve(), archive=not args.no_archive, clean=args.clean)
    print(f"built {result['folder']} ({result['size_mb']:.0f} MB, PyInstaller {result['pyinstaller']}) "
          f"in {result['build_s']:.0f} s")
    print(f"executable: {result['executable']}")
    for path in result["archives"]:
        print(f"archive: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
