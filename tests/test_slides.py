"""Slide decks (`make slides`): built from the chapter's teaching content, within the word limit,
MyST resolved to text, and never a check cell, hidden plotting code or a solution."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import myst_text  # noqa: E402
import slides  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="


def chapter() -> nbformat.NotebookNode:
    """A small chapter with every kind of cell a deck must handle."""
    figure = nbformat.v4.new_code_cell("plot_it()  # plotting code, hidden on the site")
    figure.metadata.update({"tags": ["hide-input"], "mystnb": {"image": {"alt": "a bar chart"}}})
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG})]
    check = nbformat.v4.new_code_cell("# Check: the secret claim\nassert secret_check == 1")
    check.metadata["tags"] = ["check", "hide-input"]
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(
            "# 99 · A chapter\n\nWhy it matters, after {cite:t}`pearl2009causality`.\n\n"
            "**Learning objectives.** After this chapter you can\n- write an SCM;\n"
            "- use a {term}`confounder <Confounder>`.\n\n**Prerequisites.** None.\n\n**Time.** 1 min"),
        nbformat.v4.new_markdown_cell("## Setup"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_markdown_cell(
            "## A section\n\nA {term}`structural causal model <Structural causal model (SCM)>` is code, "
            "as {doc}`00_welcome` shows {cite:p}`pearl2009causality,tian2000probabilities`. " + "More words. " * 40),
        nbformat.v4.new_code_cell("\n".join(f"line_{i} = {i}" for i in range(30)) + "\nassert line_0 == 0"),
        check,
        figure,
        nbformat.v4.new_markdown_cell("*Figure: what the bars show.*\n\nAfter the figure."),
        nbformat.v4.new_markdown_cell("## Exercises\n\n```{exercise} E\n:label: ex-x\nDo $x^2$.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-x\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("secret_solution = 42"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n## Summary\n\n**Key ideas**\n- One idea.\n"
                                      "- Two ideas.\n\n## References\n- Pearl. {cite:p}`pearl2009causality`"),
    ])


def test_deck_is_built_from_the_teaching_content() -> None:
    title, deck = slides.build_deck(chapter())
    assert title == "99 · A chapter"
    assert [s.kind for s in deck] == ["title", "section", "figure", "exercise", "ideas", "references"]
    first = deck[0]
    assert first.bullets == ["write an SCM;", "use a confounder."]  # title slide = title + objectives
    section = deck[1]
    assert section.title == "A section" and len(section.text.split()) <= slides.LEAD_WORDS
    assert section.code.splitlines()[-1] == "# …" and len(section.code.splitlines()) == slides.CODE_LINES
    assert "assert" not in section.code
    assert deck[2].figure == PNG and deck[2].alt == "a bar chart" and deck[2].caption == "Figure: what the bars show."
    assert deck[3].title == "Exercise 1: E" and "$x^2$" in deck[3].text
    assert deck[4].bullets == ["One idea.", "Two ideas."]
    assert deck[5].bullets == ["Pearl (2009). *Causality: Models, Reasoning, and Inference*"]


def test_roles_are_resolved_to_text() -> None:
    _, deck = slides.build_deck(chapter())
    text = " ".join(s.text + " " + s.notes for s in deck)
    assert "structural causal model is code, as 00 · The causal ladder in ten minutes shows " \
           "Pearl (2009); Tian & Pearl (2000)" in " ".join(deck[1].notes.split())
    assert "after Pearl (2009)" in deck[0].notes
    assert not myst_text.raw_myst(text)


def test_checks_hidden_code_and_solutions_never_reach_a_slide(tmp_path: Path) -> None:
    path = tmp_path / "99_chapter.ipynb"
    nbformat.write(chapter(), path)
    html = slides.build(path, out=tmp_path).read_text()
    for secret in ("secret_check", "secret_solution", "plot_it", "the secret claim", "import numpy"):
        assert secret not in html
    assert "Pearl (2009)" in html and "{cite" not in html and "{term}" not in html


def test_raw_markup_left_on_a_slide_is_an_error(tmp_path: Path) -> None:
    nb = chapter()
    nb.cells[3].source = "## A section\n\nAn unknown role {abbr}`x` survives? No: " \
                         "every role becomes text. A broken one {term}`x stays."
    path = tmp_path / "99_chapter.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="MyST markup left on the slides"):
        slides.build(path, out=tmp_path)


def test_cut_words_keeps_sentences_and_formulas() -> None:
    assert slides.cut_words("One two. Three four five. Six.", 5) == "One two. Three four five."
    cut = slides.cut_words("a b c d e, f g h i j k l", 8)
    assert cut == "a b c d e …"
    assert slides.cut_words("w w w w $x + y + z$ w", 5).count("$") == 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_chapter_deck_keeps_to_the_limits(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    title, deck = slides.build_deck(nb)
    assert deck[0].kind == "title" and deck[0].title == title and deck[0].bullets, "title slide = title + objectives"
    too_long = [(s.title, s.words()) for s in deck if s.words() > slides.MAX_WORDS]
    assert not too_long, f"slides over {slides.MAX_WORDS} words: {too_long}"
    for s in deck:
        lines = s.code.splitlines()
        assert len(lines) <= slides.CODE_LINES and all(len(line) <= slides.CODE_WIDTH for line in lines)
        assert not re.search(r"^\s*assert\b", s.code, re.M), "an assert on a slide"
    text = " ".join(" ".join([s.title, s.text, s.caption, s.notes, *s.bullets]) for s in deck)
    assert not myst_text.raw_myst(text), "raw MyST on a slide"
    exercises = len(re.findall(r"```\{exercise\}", "\n".join(c.source for c in nb.cells)))
    assert sum(s.kind == "exercise" for s in deck) == exercises
    checks = [c.source for c in nb.cells if "check" in c.metadata.get("tags", [])]
    shown = "\n".join(s.code for s in deck)
    assert not [c for c in checks if c.strip() and c.strip().splitlines()[-1] in shown]
