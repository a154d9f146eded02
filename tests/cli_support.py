"""Running ``nn-designer`` in-process for the command-line tests."""
from __future__ import annotations

from designer.cli import main


def run(capsys, *argv):
    """(exit status, standard output, standard error) of ``nn-designer ARGV``."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv) -> str:
    """The one line on standard error of a command that must fail with status 2 (bad input)."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nn-designer: "), err
    assert "Traceback" not in err
    return lines[0]
