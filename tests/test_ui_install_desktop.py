"""``nn-designer install-desktop`` writes a valid launcher and the icon under $XDG_DATA_HOME,
and the packaged icons match resources/."""
from __future__ import annotations

import configparser
import shlex
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def read_entry(path: Path) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_install_desktop_writes_a_valid_launcher_and_icons(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop"]) == 0
    desktop = tmp_path / "applications" / "nn-designer.desktop"
    entry = read_entry(desktop)
    assert entry["Type"] == "Application" and entry["Name"] == "NN Designer"
    assert entry["Icon"] == "nn-designer" and entry["Terminal"] == "false"
    command = shlex.split(entry["Exec"])
    assert command[-1] == "%f" and Path(command[0]).exists()
    if command[1:3] == ["-m", "designer"]:  # a checkout: run from it
        assert (Path(entry["Path"]) / "designer" / "__main__.py").exists()
    svg = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "nn-designer.svg"
    assert svg.read_bytes() == (ROOT / "resources" / "nn-designer.svg").read_bytes()
    for size in SIZES:
        assert png_size(tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "nn-designer.png") == (size, size)
    out = capsys.readouterr().out
    assert str(desktop) in out
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert result.returncode == 0 and "error" not in result.stdout, result.stdout

    assert main(["install-desktop", "--uninstall"]) == 0
    assert not desktop.exists() and not svg.exists()


def test_install_desktop_reports_an_unwritable_folder_in_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nn-designer: ") and err.count("\n") == 1 and "cannot be written" in err


def test_the_resources_desktop_file_is_valid():
    entry = read_entry(ROOT / "resources" / "nn-designer.desktop")
    assert entry["Exec"] == "nn-designer-gui %f" and entry["Icon"] == "nn-designer"
    if not shutil.which("desktop-file-validate"):
        pytest.skip("desktop-file-validate is not installed")
    result = subprocess.run(["desktop-file-validate", str(ROOT / "resources" / "nn-designer.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_packaged_icons_match_resources():
    packaged = ROOT / "designer" / "ui" / "icons"
    for name in ["nn-designer.svg"] + [f"nn-designer-{s}.png" for s in SIZES]:
        assert (packaged / name).read_bytes() == (ROOT / "resources" / name).read_bytes(), name
