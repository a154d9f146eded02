"""``nn-designer render MODEL -o FILE.svg|png``: the canvas's drawing without a window; an SVG a
browser opens (well-formed SVG with its size in pixels) and a PNG of the size it reports."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cli_support import one_line_error, run


def test_render_writes_an_svg_and_a_png(capsys, tmp_path, qapp):
    svg = tmp_path / "block.svg"
    code, out, _ = run(capsys, "render", "inception", "-o", svg)
    assert code == 0 and out.startswith(f"wrote {svg}")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    w, h = map(int, re.search(r"\((\d+)×(\d+)\)", out).groups())
    assert (int(root.get("width")), int(root.get("height"))) == (w, h)
    png = tmp_path / "resnet.png"
    code, out, _ = run(capsys, "render", "resnet18", "--collapse", "--scale", "0.5", "-o", png)
    assert code == 0
    w, h = map(int, re.search(r"\((\d+)×(\d+)\)", out).groups())
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    assert (image.width(), image.height()) == (w, h)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = run(capsys, "render", "resnet18", "--scale", "0.5", "-o", tmp_path / "full.png")
    assert int(re.search(r"×(\d+)\)", out).group(1)) > 2 * h  # expanded: far taller than collapsed


def test_render_refuses_other_formats_in_one_sentence(capsys, tmp_path):
    line = one_line_error(capsys, "render", "lenet5", "-o", tmp_path / "x.pdf")
    assert ".svg or .png" in line
    assert not (tmp_path / "x.pdf").exists()
    line = one_line_error(capsys, "render", "nosuchmodel", "-o", tmp_path / "x.svg")
    assert "nosuchmodel" in line


def test_render_never_writes_over_its_model_whatever_the_spelling(capsys, tmp_path, monkeypatch):
    from designer.model import dumps, load_template
    model = tmp_path / "net.svg"  # a model file may have any name
    model.write_text(dumps(load_template("lenet5")))
    (tmp_path / "link.svg").symlink_to(model)
    before = model.read_bytes()
    monkeypatch.chdir(tmp_path)
    for given, out in ((model, "./net.svg"), (tmp_path / "link.svg", model), ("net.svg", tmp_path / "net.svg")):
        line = one_line_error(capsys, "render", given, "-o", out)
        assert "name the same file" in line
    assert model.read_bytes() == before
