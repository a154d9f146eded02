"""The command line: each finding by class, with a fuzzer for outputs that alias inputs
through links and relative paths."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cli_support import one_line_error, run
from designer.app import display_problem
from designer.atomic import write_text_atomic
from designer.cli import main
from designer.commands.args import batch_memory
from designer.engine.net import EngineNet
from designer.errors import UserError
from designer.model import load_model, save_weights
from hostile_support import MLP

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A model, its weights and a CSV of data in tmp_path, which is also the working folder."""
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "mlp.json"
    model.write_text(json.dumps(MLP))
    weights = tmp_path / "w.npz"
    save_weights(weights, EngineNet(load_model(str(model))).state_dict())
    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    data.write_text("".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in rng.random((20, 2))))
    return model, weights, data


# --------------------------------------------------------------------------- (b) words and the window
def test_a_mistyped_command_is_a_usage_error_not_the_window(capsys, monkeypatch):
    monkeypatch.setattr("designer.app.run_app", lambda argv: pytest.fail("the window was opened"))
    assert "did you mean `summary`?" in one_line_error(capsys, "sumary", "lenet5")
    assert "did you mean `train`?" in one_line_error(capsys, "trian", "lenet5")
    line = one_line_error(capsys, "frobnicate")
    assert "neither a command, a file nor a template" in line and "summary" in line
    assert one_line_error(capsys, "missing/model.json") == "nn-designer: missing/model.json: no such file"
    assert one_line_error(capsys, "model.json") == "nn-designer: model.json: no such file"


def test_a_model_file_or_a_template_still_opens_the_window(monkeypatch, tmp_path):
    opened = []
    monkeypatch.setattr("designer.app.run_app", lambda argv: opened.append(argv) or 0)
    (tmp_path / "m.json").write_text(json.dumps(MLP))
    assert main([str(tmp_path / "m.json")]) == 0 and main(["lenet5"]) == 0 and main([]) == 0
    assert opened == [[str(tmp_path / "m.json")], ["lenet5"], []]


def test_no_display_is_one_sentence_naming_the_system_packages(capsys, monkeypatch):
    text = display_problem({}, "linux")
    assert text.startswith("the window cannot open: there is no display")
    assert "libxcb-cursor0" in text and "libxkbcommon-x11-0" in text
    missing = display_problem({"DISPLAY": ":0"}, "linux", find=lambda name: None if name == "xcb-cursor" else name)
    assert "libxcb-cursor0" in missing and "libxkbcommon-x11-0" not in missing
    assert display_problem({"DISPLAY": ":0"}, "linux", find=lambda name: name) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None
    # Through the command, before Qt is imported (Qt would abort the process).
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert "no display" in one_line_error(capsys, "lenet5")


def test_the_readme_says_what_to_do_if_the_window_does_not_open():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("If the window does not open")[2][:1500]
    from designer.app import QT_SYSTEM_PACKAGES
    assert section and all(package in section for package in QT_SYSTEM_PACKAGES.values())


# --------------------------------------------------------------------------- (c) an output over an input
def commands(model, weights, data, target):
    """(input the target aliases or None, command line writing target)."""
    train = ["train", model, "--data", data, "--epochs", "1", "--quiet"]
    return [
        *[(inp, [*train, option, target]) for option in ("--out", "--history", "--checkpoint")
          for inp in (model, data)],
        (weights, [*train, "--weights", weights, "--out", target]),
        (weights, ["predict", model, "--weights", weights, "--data", data, "-o", target]),
        (model, ["predict", model, "--weights", weights, "--data", data, "-o", target]),
        (data, ["predict", model, "--weights", weights, "--data", data, "-o", target]),
        (model, ["export", model, "--to", "pytorch", "-o", target]),
        (weights, ["export", model, "--to", "onnx", "--weights", weights, "-o", target]),
    ]


def aliases(tmp_path: Path, path: Path) -> list:
    """Other spellings of ``path``: ./, ../folder/, absolute, a symbolic link, a hard link."""
    sub = tmp_path / "sub"
    sub.mkdir(exist_ok=True)
    link = tmp_path / f"link-{path.name}"
    if not link.exists():
        link.symlink_to(path)
    hard = tmp_path / f"hard-{path.name}"
    if not hard.exists():
        os.link(path, hard)
    return [f"./{path.name}", f"sub/../{path.name}", str(path), str(link), str(hard), f"./sub/../link-{path.name}"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.integers(0, 11), spelling=st.integers(0, 5))
def test_fuzz_an_output_that_is_an_input_is_refused(capsys, files, tmp_path, case, spelling):
    model, weights, data = files
    before = {p: p.read_bytes() for p in files}
    inp, _ = commands(model, weights, data, None)[case]
    target = aliases(tmp_path, inp)[spelling]
    _, argv = commands(model, weights, data, target)[case]
    line = one_line_error(capsys, *argv)
    assert "name the same file" in line
    assert {p: p.read_bytes() for p in files} == before
    assert Path(model).is_file() and not Path(tmp_path / f"link-{inp.name}").resolve() != inp


def test_two_outputs_that_are_one_file_are_refused(capsys, files, tmp_path):
    model, weights, data = files
    (tmp_path / "out.npz").write_bytes(b"")
    os.link(tmp_path / "out.npz", tmp_path / "same.npz")  # a hard link: one file, two names
    line = one_line_error(capsys, "train", model, "--data", data, "--out", "out.npz", "--checkpoint", "same.npz")
    assert "--out and --checkpoint name the same file" in line
    # An ensemble of one weights file twice is fine: inputs may repeat.
    assert main(["predict", str(model), "--weights", str(weights), f"./{weights.name}", "--data", str(data)]) == 0


# --------------------------------------------------------------------------- (e) links are written through
def test_an_output_that_is_a_symbolic_link_is_written_through(files, tmp_path):
    model, weights, data = files
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out.npz").symlink_to(real / "w.npz")  # dangling until written
    (tmp_path / "h.csv").symlink_to(real / "h.csv")
    assert main(["train", str(model), "--data", str(data), "--epochs", "1", "--quiet",
                 "--out", "out.npz", "--history", "h.csv"]) == 0
    assert (tmp_path / "out.npz").is_symlink() and (tmp_path / "h.csv").is_symlink()
    assert np.load(real / "w.npz")["1.weight"].shape == (3, 2)
    assert (real / "h.csv").read_text().startswith("epoch,")
    write_text_atomic(tmp_path / "h.csv", "again")
    assert (tmp_path / "h.csv").is_symlink() and (real / "h.csv").read_text() == "again"


# --------------------------------------------------------------------------- (d) SIGTERM and SIGHUP
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.slow
def test_a_termination_signal_ends_train_like_ctrl_c(tmp_path, signum):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 16}, {"type": "relu"},
        {"type": "dense", "units": 2}, {"type": "softmax"}]}))
    cmd = [sys.executable, "-m", "designer", "train", str(model), "--data", "spirals:4000", "--epochs", "100000",
           "--batch-size", "4", "--out", str(tmp_path / "w.npz"), "--history", str(tmp_path / "h.csv")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        proc.stderr.read(1)  # the progress bar's first character: training is under way
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert b"Stopped by request" in out
    assert np.load(tmp_path / "w.npz")["3.weight"].size and (tmp_path / "h.csv").read_text().startswith("epoch,")


# --------------------------------------------------------------------------- (a), (f) memory
def test_a_design_whose_weights_cannot_fit_is_refused_before_allocating(capsys, tmp_path):
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 200000}, {"type": "dense", "units": 200000}, {"type": "softmax"}]}))
    for argv in (["export", huge, "--to", "pytorch", "-o", tmp_path / "n.py"],
                 ["export", huge, "--to", "onnx", "-o", tmp_path / "n.onnx"],
                 ["train", huge, "--data", "blobs:20", "--quiet"]):
        line = one_line_error(capsys, *argv)
        assert "need 149.0 GB of memory" in line and "make the network smaller" in line


def test_memory_advice_that_can_help(monkeypatch):
    with pytest.raises(UserError) as info:
        with batch_memory(1):
            raise MemoryError("Unable to allocate")
    assert "--batch-size" not in str(info.value) and "one sample" in str(info.value)
    with pytest.raises(UserError, match="choose a smaller --batch-size"):
        with batch_memory(64):
            raise MemoryError("Unable to allocate")
    from designer.engine.memory import memory_problem
    from designer.commands.args import batch_advice
    text = memory_problem(load_model("alexnet"), 1, available=lambda: 10 ** 6, advice=batch_advice(1))
    assert "smaller batch" not in text and "one sample at a time" in text


# --------------------------------------------------------------------------- (h) --resume
def test_resume_takes_its_data_from_the_checkpoint_and_refuses_other_settings(capsys, files, tmp_path):
    model, weights, data = files
    ck = tmp_path / "ck.npz"
    assert main(["train", str(model), "--data", str(data), "--epochs", "1", "--quiet", "--checkpoint", str(ck)]) == 0
    # No --data: the checkpoint's (an absolute path, so from another folder too).
    os.chdir(tmp_path / ".." if (tmp_path / "..").exists() else tmp_path)
    code, out, err = run(capsys, "train", model, "--resume", ck, "--epochs", "2", "--quiet")
    assert code == 0 and "Trained 2 epochs" in out, err
    line = one_line_error(capsys, "train", model, "--resume", ck, "--epochs", "3", "--lr", "0.5", "--batch-size", "4")
    assert "--batch-size and --lr cannot change a resumed run" in line or \
        "--lr and --batch-size cannot change a resumed run" in line
    # The same value as the checkpoint's is no change.
    assert main(["train", str(model), "--resume", str(ck), "--epochs", "3", "--lr", "0.01", "--quiet"]) == 0
    assert "--data" in one_line_error(capsys, "train", model)


# --------------------------------------------------------------------------- (k) our own file type
def test_install_desktop_registers_our_type_not_every_json_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop"]) == 0
    desktop = (tmp_path / "applications" / "nn-designer.desktop").read_text()
    assert "MimeType=application/x-nn-designer+json;" in desktop and "application/json;" not in desktop
    xml = (tmp_path / "mime" / "packages" / "nn-designer.xml").read_text()
    assert 'type="application/x-nn-designer+json"' in xml and 'glob pattern="*.nn.json"' in xml
    assert "nn-designer" in xml and 'sub-class-of type="application/json"' in xml
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not (tmp_path / "mime" / "packages" / "nn-designer.xml").exists()
