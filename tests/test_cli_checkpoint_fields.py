"""Every field of a checkpoint is checked as strictly as a model file (type,
range, size) before anything is restored: epoch -1 trained 4 epochs while saying 3, rngs []
dropped exact resume silently, a huge batch or RNG state or a list where a number belongs ended in
a traceback. Each damaged member is refused in one sentence and the checkpoint is left as it was."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from hostile_support import MLP, refused, run_within, snapshot

def _edit(meta: dict, path: tuple, value):
    meta = copy.deepcopy(meta)
    target = meta
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return meta


HUGE = 10 ** 40
MEMBERS = [
    (("epoch",), -1), (("epoch",), HUGE), (("epoch",), 1.5), (("epoch",), [1]), (("epoch",), True),
    (("batch",), -3), (("batch",), HUGE), (("batch",), 10 ** 6), (("batch",), {"a": 1}),
    (("lr",), -0.1), (("lr",), 0), (("lr",), [0.1]),
    (("sums",), []), (("sums", 0), [1]), (("sums", 1), -1), (("sums", 2), HUGE), (("sums", 1), 10 ** 6),
    (("rngs",), []), (("rngs", 0, "state", "state"), 2 ** 200), (("rngs", 0, "state", "state"), -5),
    (("rngs", 0, "state"), [1, 2]), (("rngs", 0, "bit_generator"), "MT19937"), (("rngs", 0, "extra"), 1),
    (("history",), []), (("history", 0), [1, 2]), (("history", 0, "loss"), [[1]]),
    (("schedule", "lr"), "fast"), (("schedule",), {}), (("optimizer",), {"x": 1}),
    (("data_spec",), 5), (("config",), KeyError), (("config", "batch_size"), -4),
]


@pytest.fixture
def checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text(json.dumps(MLP))
    rng = np.random.default_rng(0)
    (tmp_path / "d.csv").write_text("".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in rng.random((40, 2))))
    code, _, err, _ = run_within(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "2", "--batch-size", "8",
                                 "--momentum", "0.9", "--checkpoint", "ck.npz")
    assert code == 0, err
    with np.load(tmp_path / "ck.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    return tmp_path, arrays


def test_every_damaged_field_is_one_sentence(capsys, checkpoint):
    folder, arrays = checkpoint
    meta = json.loads(str(arrays["meta.json"]))
    assert meta["epoch"] == 2 and meta["rngs"]
    for path, value in MEMBERS:
        bad = dict(arrays, **{"meta.json": np.array(json.dumps(_edit(meta, path, value)))})
        np.savez(folder / "bad.npz", **bad)
        before = snapshot(folder)
        line = refused(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "4", "--batch-size", "8",
                       "--momentum", "0.9", "--resume", "bad.npz", "--checkpoint", "bad.npz")
        assert "bad.npz" in line, (path, value, line)
        assert snapshot(folder) == before, (path, value)


def test_a_perm_that_is_not_an_order_is_refused(capsys, checkpoint):
    folder, arrays = checkpoint
    meta = json.loads(str(arrays["meta.json"]))
    meta = _edit(_edit(meta, ("epoch",), 1), ("history",), meta["history"][:1])
    meta["batch"] = 1
    n = 32  # 40 samples, 8 kept for validation
    for perm in (np.zeros(n, np.int64), np.arange(n + 1), np.arange(n, dtype=np.float64), -np.arange(n)):
        np.savez(folder / "bad.npz", **dict(arrays, perm=perm, **{"meta.json": np.array(json.dumps(meta))}))
        line = refused(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "4", "--batch-size", "8",
                       "--momentum", "0.9", "--resume", "bad.npz")
        assert "perm" in line or "damaged" in line, line


def test_the_checkpoint_as_written_still_resumes(capsys, checkpoint):
    code, out, err, _ = run_within(capsys, "train", "m.json", "--data", "d.csv", "--epochs", "3", "--batch-size", "8",
                                   "--momentum", "0.9", "--resume", "ck.npz")
    assert code == 0 and "3 epochs" in out, err
