"""Slide decks (`make slides`): cells are marked from the chapter's structure, solutions never show."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402

WELCOME = ROOT / "notebooks" / "00_welcome.ipynb"


def kinds(nb: nbformat.NotebookNode) -> list[str]:
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


def test_structure_decides_the_slides() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · A chapter\n\nWhy.\n\n**Learning objectives.** Learn.\n\n**Time.** 1 min"),
        nbformat.v4.new_markdown_cell("## A section"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("```{exercise} E\n:label: ex-x\nDo.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-x\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("secret_solution = 42"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
    ])
    deck = slides.mark_slides(nb)
    sources = [c.source for c in deck.cells]
    assert kinds(deck) == ["slide", "subslide", "slide", "-", "-", "skip"]
    assert sources[1].startswith("### Learning objectives")
    assert not any("secret_solution" in s for s in sources)


def test_welcome_deck_has_no_solution_code(tmp_path: Path) -> None:
    nb = nbformat.read(WELCOME, as_version=4)
    deck = slides.mark_slides(nb)
    shown = "\n".join(c.source for c in deck.cells if c.metadata["slideshow"]["slide_type"] != "skip")
    assert "adjusted = sum(" not in shown and "x_rct =" not in shown  # two of the solutions' code
    assert kinds(deck).count("slide") >= 8  # title + one per section
    figures = [c for c in deck.cells if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures and all(c.metadata["slideshow"]["slide_type"] == "subslide" for c in figures)
    captions = [c for c in deck.cells if c.cell_type == "markdown" and c.source.startswith("*Figure")]
    assert captions and all(c.metadata["slideshow"]["slide_type"] == "fragment" for c in captions)
