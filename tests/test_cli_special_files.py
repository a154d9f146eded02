"""Inputs and outputs that are not regular files. An output that is a device
or a FIFO is written into (as a shell's ``>`` would) or refused, never replaced by a regular
file; an input that is a FIFO, a device or a socket is refused at once (a FIFO blocked every
reader, ``/dev/zero`` filled memory). Devices are made in tmp_path with mknod (never the
system's own ``/dev/null``), so the tests skip where mknod is not allowed."""
from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from designer.atomic import write_bytes_atomic
from designer.errors import UserError
from hostile_support import mlp_files, refused, run_within, snapshot

@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return mlp_files(tmp_path)


def _device(path: Path, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/zero (minor 5), or skip."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("mknod is not allowed here")
    return path


def _specials(folder: Path, suffix: str) -> dict:
    """Inputs that are not regular files, each named with ``suffix``: a FIFO, /dev/zero, a socket."""
    fifo = folder / f"fifo{suffix}"
    os.mkfifo(fifo)
    made = {"FIFO": fifo, "device": _device(folder / f"zero{suffix}", 5)}
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / f"sock{suffix}"))
    made["socket"] = folder / f"sock{suffix}"
    return made


INPUT_CASES = [  # (suffix, argv with {} for the special file)
    (".json", ["summary", "{}"]),
    (".json", ["render", "{}", "-o", "out.svg"]),
    (".json", ["export", "{}", "--to", "pytorch", "-o", "out.py"]),
    (".json", ["train", "{}", "--data", "d.csv", "--epochs", "1"]),
    (".json", ["explain", "{}", "1"]),
    (".csv", ["train", "m.json", "--data", "{}", "--epochs", "1"]),
    (".csv", ["predict", "m.json", "--weights", "w.npz", "--data", "{}"]),
    (".npz", ["predict", "m.json", "--weights", "{}", "--data", "d.csv"]),
    (".npz", ["export", "m.json", "--to", "onnx", "--weights", "{}", "-o", "out.onnx"]),
    (".npz", ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--resume", "{}"]),
    (".npz", ["train", "m.json", "--data", "{}", "--epochs", "1"]),
    (".onnx", ["import", "{}", "-o", "out.json"]),
]


@pytest.mark.parametrize("suffix,argv", INPUT_CASES, ids=[" ".join(a) for _, a in INPUT_CASES])
def test_an_input_that_is_not_a_regular_file_is_refused_at_once(capsys, folder, suffix, argv):
    if argv[0] in ("import",) or "onnx" in argv:
        pytest.importorskip("onnx")
    specials = _specials(folder, suffix)
    before = snapshot(folder)
    for what, path in specials.items():
        line = refused(capsys, *[a.replace("{}", path.name) for a in argv], limit=20,
                       unblock=[specials["FIFO"]])
        assert path.name in line, line
        assert snapshot(folder) == before, f"{what}: a file was left or changed"


def test_the_input_check_names_each_kind(folder):
    from designer.atomic import regular_input
    specials = _specials(folder, ".x")
    words = {"FIFO": "a named pipe", "device": "a device", "socket": "a socket"}
    for what, path in specials.items():
        with pytest.raises(UserError, match=rf"{path.name}: is {words[what]}"):
            regular_input(path, what="a model file")
    with pytest.raises(UserError, match="is a folder, not a model file"):
        regular_input(folder, what="a model file")
    regular_input(folder, folders=True)
    regular_input(folder / "m.json", what="a model file")
    with pytest.raises(UserError, match="more than the limit of 10 bytes for a model file"):
        regular_input(folder / "m.json", what="a model file", limit=10)


OUTPUT_CASES = [  # argv with {} for the output
    ["export", "m.json", "--to", "pytorch", "-o", "{}.py"],
    ["export", "m.json", "--to", "onnx", "-o", "{}.onnx"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--out", "{}.npz"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--history", "{}.csv"],
    ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--checkpoint", "{}.npz"],
    ["predict", "m.json", "--weights", "w.npz", "--data", "d.csv", "-o", "{}.npy"],
    ["render", "m.json", "-o", "{}.svg"],
]


@pytest.mark.parametrize("argv", OUTPUT_CASES, ids=[" ".join(a) for a in OUTPUT_CASES])
def test_a_device_output_is_written_into_and_a_fifo_without_reader_refused(capsys, folder, argv):
    if "onnx" in argv:
        pytest.importorskip("onnx")
    name = next(a for a in argv if "{}" in a)
    device = _device(folder / name.replace("{}", "null"), 3)
    code, out, err, _ = run_within(capsys, *[a.replace("{}", "null") for a in argv])
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a regular file"
    assert not [p for p in os.listdir(folder) if p.startswith(".")], "a temporary file was left"
    fifo = folder / name.replace("{}", "fifo")
    os.mkfifo(fifo)
    before = snapshot(folder)
    line = refused(capsys, *[a.replace("{}", "fifo") for a in argv], limit=30, unblock=[fifo])
    assert "named pipe" in line and "nothing reads" in line, line
    assert snapshot(folder) == before


def test_a_fifo_with_a_reader_gets_the_whole_output(folder):
    import select
    fifo = folder / "out.npz"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the reader is there before the write
    writer = threading.Thread(target=write_bytes_atomic, args=(fifo, b"x" * 200_000))
    writer.start()
    got = b""
    while len(got) < 200_000 and select.select([reader], [], [], 10)[0]:
        try:
            part = os.read(reader, 65536)
        except BlockingIOError:
            continue
        if not part and not writer.is_alive():
            break
        got += part
    writer.join(10)
    os.close(reader)
    assert got == b"x" * 200_000 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_reached_through_a_link_stays_a_device(folder):
    device = _device(folder / "null", 3)
    (folder / "link.npz").symlink_to(device)
    write_bytes_atomic(folder / "link.npz", b"data")
    assert stat.S_ISCHR(os.lstat(device).st_mode) and (folder / "link.npz").is_symlink()


def test_two_outputs_on_one_device_are_not_an_alias(capsys, folder):
    _device(folder / "null", 3)
    code, out, err, _ = run_within(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "1",
                                   "--out", "null", "--history", "null")
    assert code == 0, err
    line = refused(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "1", "--out", "h.csv", "--history", "h.csv")
    assert "name the same file" in line
