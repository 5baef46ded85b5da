"""The browser test bites: on pages and a deck made to break its rules, each check reports.

Needs Chromium (Debian's chromium at /usr/bin/chromium, or $CHROMIUM); skipped without it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import site_check  # noqa: E402
import slides  # noqa: E402

pytestmark = pytest.mark.skipif(not Path(site_check.CHROMIUM).exists(), reason="Chromium is not installed")

PAGE = """<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>
<article class="bd-article"><h1>99 · A chapter</h1>{kit}
<div class="cell docutils container"><div class="cell_input"><pre>x = 1
assert x == 1</pre></div></div>
<div class="cell tag_check tag_hide-input docutils container"><div class="cell_input"><pre># Check: x is one
assert x == 1</pre></div></div>
<p><code class="literal">{wide}</code></p></article></body></html>"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=site_check.CHROMIUM, args=site_check.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_chapter_page_that_breaks_the_rules_fails(browser, tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_chapter.html").write_text(
        PAGE.format(kit="", wide="a_very_long_inline_name_without_any_break_" * 4))
    server, base = site_check.serve(tmp_path)
    try:
        problems = site_check.check_page(browser, base, "notebooks/99_chapter.html", None, site=tmp_path)
    finally:
        server.shutdown()
    text = "\n".join(problems)
    assert "assert visible to the reader (not in a check cell): assert x == 1" in text
    assert "check cell not folded behind a 'Check: …' toggle" in text
    assert "no links to the chapter's slides and exercise notebook" in text
    assert "the page scrolls sideways at 390 px" in text


def test_a_deck_that_overflows_or_shows_raw_markup_fails(browser, tmp_path: Path, monkeypatch) -> None:
    deck = [slides.Slide("00 · Title", "title", bullets=["an objective"]),
            *[slides.Slide(f"Section {i}", "section", text="word " * 400) for i in range(4)],
            slides.Slide("Raw", "section", text="a {term}`leftover` role")]
    (tmp_path / "deck.slides.html").write_text(slides.render("00 · Title", deck, "deck"))
    shutil.copytree(slides.OUT / "vendor", tmp_path / "vendor") if (slides.OUT / "vendor").exists() \
        else slides.vendor_assets(tmp_path)
    server, base = site_check.serve(tmp_path)
    try:
        problems, count = site_check.check_deck(browser, base, "deck.slides.html")
    finally:
        server.shutdown()
    text = "\n".join(problems)
    assert count == 6
    assert "slide 2 (Section 0): content" in text and "px too tall" in text
    assert "raw MyST on a slide: …" in text and "{term}leftover" in text
