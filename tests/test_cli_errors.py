"""The command line's two kinds of failure: bad input is one sentence with status 2; anything else
is a bug, said to be one in a sentence that names the log file holding its traceback, status 1."""
from __future__ import annotations

import pytest
from cli_support import one_line_error, run

from designer.errors import UserError


def test_bad_input_stays_one_sentence_with_status_2(capsys, tmp_path):
    line = one_line_error(capsys, "summary", tmp_path / "missing.json")
    assert "missing.json" in line and "bug" not in line


@pytest.fixture
def broken_summary(monkeypatch):
    from designer.commands import summary

    def run_with_a_bug(args):
        return {}["no such key"]

    monkeypatch.setattr(summary, "run", run_with_a_bug)


def test_a_bug_says_it_is_one_and_where_its_traceback_is(capsys, monkeypatch, tmp_path, broken_summary):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, err = run(capsys, "summary", "lenet5")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nn-designer: this is a bug in NN Designer")
    assert "KeyError: 'no such key'" in lines[0] and "Traceback" not in err
    logs = list((tmp_path / "data" / "nn-designer" / "nn-designer" / "logs").glob("bug-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "run_with_a_bug" in text and "NN Designer 0." in text


def test_a_bug_whose_log_cannot_be_written_prints_its_traceback(capsys, monkeypatch, tmp_path, broken_summary):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))  # no folder can be made under a file
    code, _out, err = run(capsys, "summary", "lenet5")
    assert code == 1 and "Traceback (most recent call last)" in err and "run_with_a_bug" in err
    assert err.strip().splitlines()[-1].endswith("its traceback is above; please report it")


def test_a_user_error_is_not_a_value_error():
    """Catching ValueError (a bug inside NumPy raises one) never catches the user's mistake, nor
    the other way round."""
    assert not issubclass(UserError, ValueError) and not issubclass(ValueError, UserError)


def test_every_command_has_its_module_with_its_two_functions():
    from designer import cli
    for name in cli.COMMANDS:
        module = cli._command_module(name)
        assert callable(module.add_arguments) and callable(module.run), name
