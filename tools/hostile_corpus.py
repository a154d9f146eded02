"""The hostile corpus: command-line cases by class, each run as a real process, and
a table of what happened. Anyone can rerun it:

    python tools/hostile_corpus.py                 # every class
    python tools/hostile_corpus.py names special   # some classes (see --help for their names)

Each case must end in a clean refusal (status 1 or 2, one ``nn-designer:`` sentence last on
standard error, no traceback) or succeed (status 0), within 60 s, and lose nothing: the files it
was given stay as they were, a device or FIFO stays one, no hidden temporary file is left.
Columns: cases, clean refusals, successes, tracebacks (or "bug" sentences), hangs, deaths by a
signal, losses. The full-disk class needs root (it mounts a small tmpfs) and is skipped without.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

LIMIT = 60
MLP = {"format": "nn-designer", "version": 1, "layers": [
    {"type": "input", "features": 2}, {"type": "dense", "units": 3}, {"type": "softmax"}]}


def _state(folder: Path) -> dict:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            mode = os.lstat(p).st_mode
            key = str(p.relative_to(folder))
            if stat.S_ISREG(mode):
                out[key] = p.read_bytes()
            elif stat.S_ISLNK(mode):
                out[key] = ("link", os.readlink(p))
            else:
                out[key] = stat.S_IFMT(mode)
    return out


class Case:
    def __init__(self, argv, outputs=(), then=None, signal_after=None):
        self.argv, self.outputs, self.then, self.signal_after = argv, set(outputs), then, signal_after


def run(case: Case, folder: Path) -> str:
    """One of: refusal, success, traceback, hang, signal, loss."""
    before = _state(folder)
    command = [sys.executable, "-c", "from designer.cli import entry; entry()", *case.argv]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace")
    try:
        if case.signal_after is not None:
            time.sleep(case.signal_after[1])
            process.send_signal(case.signal_after[0])
        out, err = process.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "hang"
    after = _state(folder)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    hidden = {k for k in after if Path(k).name.startswith(".") and k not in before}
    if hidden or (changed - case.outputs) or (case.then is not None and not case.then(folder)):
        return "loss"
    if process.returncode < 0:
        return "signal"
    if "Traceback" in err or "bug in NN Designer" in err:
        return "traceback"
    if process.returncode == 0:
        return "success"
    lines = [line for line in err.strip().splitlines() if line.startswith("nn-designer")]
    clean = process.returncode in (1, 2) and len(lines) == 1 and err.strip().splitlines()[-1] == lines[0]
    return "refusal" if clean else "traceback"


# --------------------------------------------------------------------------- the classes
def special(folder: Path) -> list:
    """Item 0: inputs and outputs that are FIFOs, devices, sockets, folders."""
    os.mkfifo(folder / "fifo.json")
    os.mkfifo(folder / "fifo.npz")
    cases = []
    try:
        os.mknod(folder / "zero.json", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        os.mknod(folder / "null.py", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        is_chr = lambda name: lambda f: stat.S_ISCHR(os.lstat(f / name).st_mode)  # noqa: E731
        cases += [Case(["summary", "zero.json"]), Case(["render", "zero.json", "-o", "x.svg"]),
                  Case(["export", "m.json", "--to", "pytorch", "-o", "null.py"], then=is_chr("null.py"))]
    except OSError:
        pass
    return cases + [Case(["summary", "fifo.json"]), Case(["train", "m.json", "--data", "fifo.npz", "--epochs", "1"]),
                    Case(["predict", "m.json", "--weights", "fifo.npz", "--data", "d.csv"]),
                    Case(["train", "m.json", "--data", "d.csv", "--epochs", "1", "--out", "fifo.npz"]),
                    Case(["import", "fifo.json", "-o", "y.json"]), Case(["summary", "."])]


def render(folder: Path) -> list:
    """Item 6 and 9: render to places it cannot write, and pictures too large to draw."""
    (folder / "adir.svg").mkdir()
    (folder / "afile").write_text("x")
    (folder / "dangling.svg").symlink_to(folder / "nowhere" / "x.svg")
    (folder / "todir.svg").symlink_to(folder / "adir.svg")
    chain = {"format": "nn-designer", "version": 1,
             "layers": [{"type": "input", "features": 4}] + [{"type": "dense", "units": 4}] * 600}
    (folder / "chain.json").write_text(json.dumps(chain))
    return [Case(["render", "m.json", "-o", out]) for out in
            ("adir.svg", "missing/x.svg", "afile/x.svg", "dangling.svg", "todir.svg", "x.bmp")] + \
           [Case(["render", "chain.json", "-o", "big.png", "--scale", "8"])]


def names(folder: Path) -> list:
    """Item 4: control characters and lone surrogates in every string of a model."""
    cases = []
    for i, bad in enumerate(["\x1b[31m", "\x07", "a\rb", "\x00", "\ud800", "\u2028"]):
        data = json.loads(json.dumps(MLP))
        data["layers"][1]["name"] = f"n{bad}"
        (folder / f"bad{i}.json").write_text(json.dumps(data))
        for argv in (["summary"], ["render", "-o", f"o{i}.svg"], ["export", "--to", "pytorch", "-o", f"o{i}.py"]):
            cases.append(Case([argv[0], f"bad{i}.json", *argv[1:]]))
    return cases


def checkpoint(folder: Path) -> list:
    """Item 3: damaged checkpoint fields."""
    import numpy as np
    subprocess.run([sys.executable, "-c", "from designer.cli import entry; entry()", "train", "m.json", "--data",
                    "d.csv", "--epochs", "2", "--checkpoint", "ck.npz", "--quiet"], cwd=folder, check=True,
                   capture_output=True)
    with np.load(folder / "ck.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["meta.json"]))
    cases = []
    for i, (key, value) in enumerate([("epoch", -1), ("epoch", 10 ** 30), ("batch", -2), ("batch", [1]),
                                      ("rngs", []), ("lr", "x"), ("sums", [1]), ("history", [{}] * 5)]):
        np.savez(folder / f"ck{i}.npz", **dict(arrays, **{"meta.json": np.array(json.dumps(dict(meta, **{key: value})))}))
        cases.append(Case(["train", "m.json", "--data", "d.csv", "--epochs", "3", "--resume", f"ck{i}.npz"]))
    return cases


def bombs(folder: Path) -> list:
    """Item 2: gzip bombs (a CSV that inflates past the memory a reader may use, an IDX header
    that announces more than memory) — the CSV bomb is sized from this machine's memory."""
    import struct
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from designer.engine.data.csvfile import csv_limit
    limit = csv_limit()
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    with open(folder / "bomb.csv.gz", "wb") as f:
        chunk = b"0,0,0\n" * (1 << 20)
        for _ in range(limit // len(chunk) + 2):
            f.write(packer.compress(chunk))
        f.write(packer.flush())
    (folder / "idx").mkdir()
    (folder / "idx" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(struct.pack(">IIII", 2051, 2 ** 31, 2 ** 16, 2 ** 16)))
    (folder / "idx" / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct.pack(">II", 2049, 10) + bytes(10)))
    return [Case(["train", "m.json", "--data", "bomb.csv.gz", "--epochs", "1"]),
            Case(["predict", "m.json", "--weights", "w.npz", "--data", "bomb.csv.gz"]),
            Case(["train", "m.json", "--data", "idx", "--epochs", "1"])]


def torchrun(folder: Path) -> list:
    """Item 8: links inside an existing training folder."""
    subprocess.run([sys.executable, "-c", "from designer.cli import entry; entry()", "export", "mlp-example", "--to",
                    "torchrun", "-o", "run"], cwd=folder, check=True, capture_output=True)
    (folder / "mine.txt").write_text("the user's own")
    (folder / "run" / "model.py").unlink()
    (folder / "run" / "model.py").symlink_to(folder / "mine.txt")
    (folder / "run" / "weights.npz").unlink()
    (folder / "run" / "weights.npz").symlink_to(folder / "w.npz")
    run_files = {f"run/{n}" for n in ("model.py", "train.py", "README.md", "weights.npz")}
    return [Case(["export", "m.json", "--to", "torchrun", "--weights", "w.npz", "-o", "run"], outputs=run_files),
            Case(["export", "mlp-example", "--to", "torchrun", "-o", "run"], outputs=run_files)]


def signals(folder: Path) -> list:
    """Item 7: SIGTERM and SIGHUP at several moments."""
    big = {"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2000}, {"type": "dense", "units": 3000}, {"type": "softmax"}]}
    (folder / "big.json").write_text(json.dumps(big))
    return [Case(["export", "big.json", "--to", "onnx", "-o", "big.onnx"], outputs={"big.onnx"},
                 signal_after=(number, delay))
            for number in (signal.SIGTERM, signal.SIGHUP) for delay in (0.3, 0.8, 1.5)]


def large(folder: Path) -> list:
    """Items 10 and 5: more layers than the limit, a file past the size limit, an ONNX over 2 GB."""
    (folder / "many.json").write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}] + [{"type": "dense", "units": 2}] * 20_000}))
    (folder / "over2g.json").write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 30000}, {"type": "dense", "units": 20000}]}))
    return [Case(["summary", "many.json"]), Case(["render", "many.json", "-o", "x.svg"]),
            Case(["export", "over2g.json", "--to", "onnx", "-o", "x.onnx"])]


def full_disk(folder: Path) -> list:
    """Item 9: every output on a full disk (a 64 kB tmpfs; needs root)."""
    disk = folder / "full"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=1000", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        return []
    with open(disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 1024)
        except OSError:
            pass
    return [Case(argv) for argv in (
        ["export", "m.json", "--to", "pytorch", "-o", "full/x.py"], ["export", "m.json", "--to", "torchrun", "-o", "full/r"],
        ["train", "m.json", "--data", "d.csv", "--epochs", "1", "--out", "full/x.npz"],
        ["predict", "m.json", "--weights", "w.npz", "--data", "d.csv", "-o", "full/x.npy"],
        ["render", "m.json", "-o", "full/x.svg"])]


CLASSES = {"special": special, "render": render, "names": names, "checkpoint": checkpoint, "bombs": bombs,
           "torchrun": torchrun, "signals": signals, "large": large, "full-disk": full_disk}
COLUMNS = ("refusal", "success", "traceback", "hang", "signal", "loss")


def _base(folder: Path) -> None:
    import numpy as np
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from designer.engine.net import EngineNet
    from designer.model import from_json, save_weights
    (folder / "m.json").write_text(json.dumps(MLP))
    save_weights(folder / "w.npz", EngineNet(from_json(MLP)).state_dict())
    rng = np.random.default_rng(0)
    (folder / "d.csv").write_text("".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in rng.random((40, 2))))


def run_classes(names_wanted, say=print) -> dict:
    """class -> {outcome: count}, each class in its own temporary folder."""
    table = {}
    for name in names_wanted:
        folder = Path(tempfile.mkdtemp(prefix=f"hostile-{name}-"))
        try:
            _base(folder)
            counts = dict.fromkeys(COLUMNS, 0)
            for case in CLASSES[name](folder):
                outcome = run(case, folder)
                counts[outcome] += 1
                if outcome not in ("refusal", "success"):
                    say(f"  {name}: {outcome}: nn-designer {' '.join(case.argv)}")
            table[name] = counts
        finally:
            if (folder / "full").is_mount():
                subprocess.run(["umount", "-l", str(folder / "full")], capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)
    return table


def format_table(table: dict) -> str:
    head = f"{'class':<11} {'cases':>5} {'clean refusals':>14} {'successes':>9} {'tracebacks':>10} {'hangs':>5} " \
           f"{'signals':>7} {'losses':>6}"
    rows = [head, "-" * len(head)]
    for name, c in table.items():
        rows.append(f"{name:<11} {sum(c.values()):>5} {c['refusal']:>14} {c['success']:>9} {c['traceback']:>10} "
                    f"{c['hang']:>5} {c['signal']:>7} {c['loss']:>6}")
    return "\n".join(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("classes", nargs="*", choices=[[], *CLASSES], metavar="CLASS",
                   help=f"the classes to run (default all): {', '.join(CLASSES)}")
    args = p.parse_args(argv)
    table = run_classes(args.classes or list(CLASSES))
    print(format_table(table))
    bad = sum(c[k] for c in table.values() for k in ("traceback", "hang", "signal", "loss"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
