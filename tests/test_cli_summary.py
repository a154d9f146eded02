"""`nn-designer summary`: the table, --json, --batch-size, and exit status 2 for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_summary_table_for_alexnet(capsys):
    status, out, err = run(capsys, "summary", "alexnet")
    assert status == 0 and err == ""
    assert "55×55×96" in out and "34,944" in out
    assert "Total parameters:     62,378,344" in out
    assert "Trainable parameters: 62,378,344" in out
    lines = out.splitlines()
    conv1 = next(line for line in lines if "(conv1)" in line)
    assert conv1.split()[:2] == ["1", "conv"] and "0.1" in conv1  # 34,944 / 62.4 M = 0.06 %


def test_summary_json(capsys):
    status, out, _ = run(capsys, "summary", "lenet5", "--json", "--batch-size", "64")
    data = json.loads(out)
    assert status == 0
    assert data["total_params"] == 61_706
    assert data["layers"][1] == {"index": 1, "type": "conv", "inputs": [0], "output": [28, 28, 6], "params": 156,
                                 "mult_adds": 117_600, "warnings": [], "errors": []}
    assert data["layers"][7]["output"] == [120]
    assert data["batch_size"] == 64 and data["activation_bytes"] > 0 and data["trainable"] is True


def test_summary_reports_layer_errors_and_warnings(capsys, tmp_path):
    doc = json.loads((ROOT / "designer/model/templates/alexnet.json").read_text())
    doc["layers"][0].update(width=224, height=224)
    path = tmp_path / "alex224.json"
    path.write_text(json.dumps(doc))
    status, out, _ = run(capsys, "summary", str(path), "--json")
    data = json.loads(out)
    assert status == 0
    assert data["layers"][1]["output"] == [54, 54, 96] and data["layers"][1]["warnings"]
    doc["layers"][0].update(width=8, height=8)
    path.write_text(json.dumps(doc))
    status, out, _ = run(capsys, "summary", str(path))
    assert "error: kernel 11×11 is larger than the padded input 8×8" in out
    assert "cannot train" in out


@pytest.mark.parametrize("args,expected", [
    (["summary", "nope.json"], "nope.json: no such file"),
    (["summary", "alexnett"], 'did you mean "alexnet"'),
    (["summary", "lenet5", "--batch-size", "0"], "argument --batch-size: must be at least 1, not 0"),
    (["summary", "lenet5", "--batch-size", "x"], "argument --batch-size: must be a whole number, not 'x'"),
    (["summary"], "the following arguments are required: MODEL"),
    (["summary", "lenet5", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_input_exit_2_one_line(capsys, args, expected):
    status, out, err = run(capsys, *args)
    assert status == 2
    assert expected in err and err.count("\n") == 1 and out == ""


def test_broken_file_through_the_real_command(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "nn-designer", "version": 1, "layers": [{"type": "convv"}]}')
    proc = subprocess.run([sys.executable, "-m", "designer", "summary", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith('layers[0].type: unknown layer type "convv"; did you mean "conv"?')
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_the_inputs_column_shows_where_the_graph_branches(capsys):
    status, out, _ = run(capsys, "summary", "inception")
    assert status == 0
    header = next(line for line in out.splitlines() if line.lstrip().startswith("#"))
    assert header.split() == ["#", "layer", "inputs", "output", "params", "%", "mult-adds"]
    concat = next(line for line in out.splitlines() if "concat (output)" in line)
    assert "#2, #6, #10, #13" in concat and "28×28×256" in concat
    assert "Total parameters:     163,696" in out
    status, out, _ = run(capsys, "summary", "lenet5")  # a chain keeps its table
    header = next(line for line in out.splitlines() if line.lstrip().startswith("#"))
    assert header.split() == ["#", "layer", "output", "params", "%", "mult-adds"]


def test_summary_json_lists_each_layers_inputs(capsys):
    status, out, _ = run(capsys, "summary", "resnet20", "--json")
    data = json.loads(out)
    adds = [layer for layer in data["layers"] if layer["type"] == "add"]
    assert len(adds) == 9 and all(len(layer["inputs"]) == 2 for layer in adds)
    assert data["layers"][0]["inputs"] == [] and data["total_params"] == 272_474
