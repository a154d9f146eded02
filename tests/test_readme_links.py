"""The README's and docs' pictures and links point at files that exist, and every screenshot in
docs/screenshots is still shown or taken by something (a picture nothing names is dead weight)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# ![alt](target) and [text](target): the target up to a space (a title) or the closing bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)")


def _local_targets(page: Path):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue   # a web address or an anchor on the same page
        yield target.split("#")[0]


def test_every_local_link_and_picture_in_the_readme_and_docs_exists():
    missing = [f"{page.relative_to(ROOT)} -> {target}" for page in PAGES for target in _local_targets(page)
               if not (page.parent / target).exists()]
    assert not missing, missing
    assert any(t.endswith(".png") for t in _local_targets(ROOT / "README.md"))   # the scan found pictures


def _naming_text() -> str:
    files = [*PAGES, *(ROOT / "bench").glob("*.py"), *(ROOT / "tests").glob("*.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files if f.resolve() != Path(__file__).resolve())


def test_every_screenshot_is_shown_or_taken_by_something():
    text = _naming_text()
    shots = mode_shots = 0
    unnamed = []
    for picture in sorted(SCREENSHOTS.rglob("*.png")):
        if picture.parent.name == "modes":
            # bench/mode_screenshots.py names them <W>x<H>-<shot>.png: its size and its shot
            mode_shots += 1
            size, shot = picture.stem.split("-", 1)
            width, height = size.split("x")
            script = (ROOT / "bench" / "mode_screenshots.py").read_text(encoding="utf-8")
            named = f"({width}, {height})" in script and (f'"{shot}"' in script or shot.startswith("learn-"))
        else:
            shots += 1
            named = picture.name in text
        if not named:
            unnamed.append(str(picture.relative_to(ROOT)))
    assert shots and mode_shots
    assert not unnamed, unnamed
