"""Issue 25, item 1: the exported train.py refuses every CSV and NPZ data file that
``nn-designer train`` refuses, with the same sentence. train.py holds a copy of
designer/engine/data/rules.py between markers; the first test keeps the copy equal, the second
runs one hostile corpus of data files through both readers and compares what each says."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.engine.data import load_data
from designer.engine.data.dataset import DataError
from designer.export.torchrun import TRAIN_SOURCE

RULES = Path(__file__).resolve().parent.parent / "designer" / "engine" / "data" / "rules.py"


def test_train_py_holds_the_rules_unchanged():
    source = TRAIN_SOURCE.read_text(encoding="utf-8")
    copy = source.split("# >>> rules.py\n", 1)[1].split("\n# <<< rules.py", 1)[0]
    rules = RULES.read_text(encoding="utf-8").split("import numpy as np\n", 1)[1].strip("\n")
    assert copy == rules, "train.py's copy of rules.py differs: paste designer/engine/data/rules.py into it again"
    assert "import " not in rules.replace("import numpy as np", ""), "rules.py must import only NumPy"


def corpus(folder: Path) -> list:
    """Hostile data files (the issue's list and more): CSV and NPZ."""
    texts = {"blank.csv": "\n\n1,2,0\n\n3,4,1\n\n", "header.csv": "a,b,label\n", "text.csv": "1,x,0\n2,3,1\n",
             "crlf.csv": "1,2,0\r\n3,4,1\r\n", "cr.csv": "1,2,0\r3,4,1\r", "hex.csv": "0x1p3,2,0\n1,2,1\n",
             "ragged.csv": "1,2,0\n1,2,3,1\n", "nan.csv": "nan,2,0\n1,2,1\n", "inf.csv": "1e999,1,0\n1,2,1\n",
             "neg.csv": "1,2,-1\n3,4,1\n", "frac.csv": "1,2,0.5\n3,4,1\n", "huge.csv": "1,2,1e12\n3,4,1\n",
             "single.csv": "1\n2\n", "empty.csv": "", "names.csv": "1,2,cat\n3,4,dog\n", "emptylabel.csv": "1,2,cat\n3,4,\n",
             "big.csv": "1e39,2,0\n", "quoted.csv": '"1","2","0"\n"3","4","1"\n', "semicolon.csv": "1;2;0\n3;4;1\n"}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    (folder / "utf16.csv").write_bytes("1,2,0\n3,4,1\n".encode("utf-16"))
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (folder / "nul.csv").write_bytes(b"1,2,0\n\x003,4,1\n")
    (folder / "latin1.csv").write_bytes("1,2,café\n".encode("latin1"))
    (folder / "wide.csv").write_text(",".join(["1"] * 60_000) + "\n")
    x = np.random.default_rng(0).random((6, 2)).astype(np.float32)
    arrays = {"longer_y": (x, np.zeros(7, np.int64)), "negative": (x, np.array([0, 1, -1, 0, 1, 0])),
              "nan_y": (x, np.array([0, 1, np.nan, 0, 1, 0])), "strings_y": (x, np.array(list("abcdef"))),
              "y3d": (x, np.zeros((6, 2, 2))), "uint64max": (x, np.full(6, np.iinfo(np.uint64).max, np.uint64)),
              "strings_x": (np.array([["a", "b"]] * 6), np.zeros(6, np.int64)), "x1d": (np.zeros(6), np.zeros(6)),
              "empty_x": (np.zeros((0, 2), np.float32), np.zeros(0)), "nan_x": (np.full((6, 2), np.nan), np.zeros(6)),
              "signed_images": (-np.ones((6, 5, 5), np.int8), np.zeros(6)), "ok_onehot": (x, np.eye(6, 2)),
              "frac_y": (x, np.full(6, 0.5)), "ok": (x, np.array([0, 1, 0, 1, 0, 1])),
              "channels_last": (np.zeros((6, 8, 8, 3), np.uint8), np.zeros(6, np.int64))}
    for name, (xs, ys) in arrays.items():
        np.savez(folder / f"{name}.npz", x=xs, y=ys)
    np.savez(folder / "no_y.npz", x=x)
    np.savez(folder / "classes_short.npz", x=x, y=np.array([0, 1, 2, 0, 1, 2]), classes=np.array(["a", "b"]))
    return sorted(p.name for p in folder.iterdir())


def ours(path: Path) -> str:
    try:
        data = load_data(path)
    except DataError as e:
        return f"refused: {e}"
    return f"ok {tuple(data.x.shape)} {data.y.dtype}"


DRIVER = """
import json, sys, runpy
from pathlib import Path
train = runpy.run_path(sys.argv[1])
out = {}
for name in json.loads(sys.argv[2]):
    try:
        x, y = train["read_data"](Path(name))[:2]
        out[name] = f"ok {tuple(x.shape)} {y.dtype}"
    except (train["Bad"], train["DataRefused"]) as e:
        out[name] = f"refused: {e}"
    except Exception as e:
        out[name] = f"traceback: {type(e).__name__}: {e}"
print(json.dumps(out))
"""


@pytest.mark.slow
def test_train_py_and_nn_designer_say_the_same_of_every_hostile_data_file(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    names = corpus(tmp_path)
    done = subprocess.run([sys.executable, "-c", DRIVER, str(TRAIN_SOURCE), json.dumps(names)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    mine = {name: ours(Path(name)) for name in names}
    differ = {name: (mine[name], theirs[name]) for name in names if mine[name] != theirs[name]}
    assert not differ, json.dumps(differ, indent=1, ensure_ascii=False)
    assert sum(v.startswith("refused") for v in mine.values()) >= 25


NETWORK_CASES = {  # data that the network cannot take: said by the fit rules, in both programs
    "five_classes.csv": "1,2,4\n3,4,0\n1,1,1\n2,2,2\n0,0,3\n",
    "three_features.csv": "1,2,3,0\n3,4,5,1\n1,1,1,1\n2,2,2,0\n0,0,0,1\n",
}


@pytest.mark.slow
def test_train_py_refuses_data_the_network_cannot_take_with_nn_designers_sentence(tmp_path, capsys):
    pytest.importorskip("torch")
    from cli_support import one_line_error
    from designer.cli import main
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 3}, {"type": "softmax"}]}))
    assert main(["export", str(model), "--to", "torchrun", "-o", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    for name, text in NETWORK_CASES.items():
        (tmp_path / name).write_text(text)
    x = np.random.default_rng(0).random((6, 2)).astype(np.float32)
    np.savez(tmp_path / "onehot2.npz", x=x, y=np.eye(6, 2, dtype=np.float32))
    np.savez(tmp_path / "images.npz", x=np.zeros((6, 8, 8, 3), np.uint8), y=np.zeros(6, np.int64))
    for name in [*NETWORK_CASES, "onehot2.npz", "images.npz"]:
        ours_said = one_line_error(capsys, "train", str(model), "--data", str(tmp_path / name), "--epochs", "1")
        done = subprocess.run([sys.executable, str(tmp_path / "run" / "train.py"), "--data", str(tmp_path / name),
                               "--epochs", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (name, done.stderr[-1500:])
        theirs = done.stderr.strip().splitlines()[-1]
        assert theirs.removeprefix("train.py: ") == ours_said.removeprefix("nn-designer: "), (name, ours_said, theirs)


@pytest.mark.slow
def test_train_py_refuses_a_damaged_checkpoint_in_one_sentence(tmp_path, capsys):
    """train.py's own checkpoints: torch's restricted loader (never other objects), then their keys."""
    torch = pytest.importorskip("torch")
    import pickle

    from designer.cli import main
    assert main(["export", "mlp-example", "--to", "torchrun", "-o", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    (tmp_path / "d.csv").write_text("".join(f"{i % 7},{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    (tmp_path / "text.pt").write_text("not a checkpoint")
    (tmp_path / "empty.pt").write_bytes(b"")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    torch.save({"history": []}, tmp_path / "partial.pt")
    torch.save({"history": [], "settings": {"no_such_option": 1}, "velocity": [], "schedule": {}, "shuffler": {},
                "weights": {}}, tmp_path / "settings.pt")
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(print))  # an object that is not plain data
    for name in ("text.pt", "empty.pt", "list.pt", "partial.pt", "settings.pt", "evil.pt"):
        done = subprocess.run([sys.executable, str(tmp_path / "run" / "train.py"), "--data", "d.csv", "--resume", name,
                               "--epochs", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and "Traceback" not in done.stderr, (name, done.stderr[-1500:])
        assert lines[-1].startswith("train.py: ") and name in lines[-1], (name, lines)
