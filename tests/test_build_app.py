"""tools/build_app.py's own checks, without building (fast): what it refuses in a built folder,
and the packaging hash .ci/run uses to decide whether to build the app."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_app", ROOT / "tools" / "build_app.py")
build_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_app)


@pytest.fixture
def folder(tmp_path):
    """A folder shaped like a good build: every required part present, nothing forbidden."""
    out = tmp_path / "nn-designer"
    for part in build_app.REQUIRED:
        path = out / "_internal" / part
        if Path(part).suffix:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        else:
            path.mkdir(parents=True)
    return out


def test_a_good_folder_passes(folder):
    assert build_app.check_bundle(folder) == []


@pytest.mark.parametrize("intruder", ["torch/__init__.pyc", "sympy/core.pyc", "libgtk-3.so.0",
                                      "PySide6/Qt/translations/qt_de.qm", "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
                                      "onnxruntime/capi/x.so"])
def test_a_forbidden_part_is_refused(folder, intruder):
    path = folder / "_internal" / intruder
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    problems = build_app.check_bundle(folder)
    assert problems and all("is in the bundle" in p for p in problems), problems


def test_our_own_modules_named_like_torch_are_not_refused(folder):
    (folder / "_internal" / "designer" / "export" / "pytorch.pyc").write_bytes(b"x")
    (folder / "_internal" / "designer" / "export" / "torchrun.pyc").write_bytes(b"x")
    assert build_app.check_bundle(folder) == []


def test_a_missing_resource_is_refused(folder):
    (folder / "_internal" / "designer" / "model" / "templates" / "alexnet.json").unlink()
    assert build_app.check_bundle(folder) == ["_internal/designer/model/templates/alexnet.json is missing"]


def test_a_folder_over_the_limit_is_refused(folder, monkeypatch):
    monkeypatch.setattr(build_app, "LIMIT_MB", 0)
    (folder / "big").write_bytes(b"x" * 2_000_000)
    assert build_app.check_bundle(folder) == ["the folder is 2 MB, over 0 MB"]


def test_the_packaging_hash_follows_the_packaging_files_only(tmp_path, monkeypatch):
    for name in build_app.PACKAGING_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}\n", encoding="utf-8")
    monkeypatch.setattr(build_app, "ROOT", tmp_path)
    first = build_app.packaging_hash()
    (tmp_path / "designer" / "engine.py").write_text("changed", encoding="utf-8")  # not a packaging file
    assert build_app.packaging_hash() == first
    (tmp_path / "tools" / "bundle" / "nn-designer.spec").write_text("changed\r\n", encoding="utf-8")
    changed = build_app.packaging_hash()
    assert changed != first
    (tmp_path / "tools" / "bundle" / "nn-designer.spec").write_text("changed\n", encoding="utf-8")
    assert build_app.packaging_hash() == changed  # line endings of a Windows checkout do not count


def test_changed_and_record(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_app, "ROOT", tmp_path)
    monkeypatch.setattr(build_app, "RECORD", tmp_path / "tools" / "bundle" / "tested.sha256")
    for name in build_app.PACKAGING_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    assert build_app.main(["--changed"]) == 0  # nothing recorded: build and test
    assert build_app.main(["--record"]) == 0
    assert build_app.main(["--changed"]) == 1
    (tmp_path / "pyproject.toml").write_text("another dependency", encoding="utf-8")
    assert build_app.main(["--changed"]) == 0
    assert "last tested" in capsys.readouterr().out


def test_a_frozen_app_registers_its_own_executable(tmp_path, monkeypatch):
    from designer.commands import install_desktop
    exe = tmp_path / "Mes modèles" / "nn-designer" / "nn-designer"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.delenv("APPIMAGE", raising=False)
    assert install_desktop.launcher() == ([str(exe)], None)  # not a venv's nn-designer found on PATH
    assert f'Exec="{exe}" %f' in install_desktop.desktop_entry().splitlines()
    monkeypatch.setenv("APPIMAGE", str(tmp_path / "gone.AppImage"))
    assert install_desktop.launcher() == ([str(exe)], None)
    appimage = tmp_path / "NN_Designer-0.1.0-x86_64.AppImage"
    appimage.write_bytes(b"")
    monkeypatch.setenv("APPIMAGE", str(appimage))
    assert install_desktop.launcher() == ([str(appimage)], None)  # not its mount, gone once it quits


def test_a_frozen_app_counts_the_libraries_it_carries(tmp_path, monkeypatch):
    import ctypes.util

    from designer import app
    # the system has the C library (so the search works) and none of the xcb ones
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libc.so.6" if name == "c" else None)
    assert app.find_library("xcb-icccm") is None
    (tmp_path / "libxcb-icccm.so.4").write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert app.find_library("xcb-icccm") and app.find_library("xcb-keysyms") is None
    missing = app.display_problem({"DISPLAY": ":0"}, "linux", find=app.find_library)
    assert "libxcb-keysyms1" in missing and "libxcb-icccm4" not in missing
