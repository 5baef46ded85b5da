"""Exercise-only notebooks (`make exercises`) hold no solution code and still run.

They are generated from the chapter notebooks by tools/exercises.py; these tests
generate them afresh, check that every solution cell is gone (and a prompt stands
in its place), that they are plain Markdown (no MyST directive or role left, so any
Jupyter front end shows them as written), and execute each one so a learner can work
through it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import exercises  # noqa: E402
import myst_text  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def solution_sources(nb: nbformat.NotebookNode) -> list[str]:
    sources, inside = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            inside = True
        elif cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            inside = False
        elif inside and cell.cell_type == "code" and cell.source.strip():
            sources.append(cell.source.strip())
    return sources


@pytest.mark.slow  # executes every chapter's exercise notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_exercise_notebook_has_no_solutions_and_runs(path: Path) -> None:
    chapter = nbformat.read(path, as_version=4)
    result = exercises.exercise_notebook(chapter, "chapter")
    nbformat.validate(result)
    code = [c.source.strip() for c in result.cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in result.cells)
    markdown = "\n".join(c.source for c in result.cells if c.cell_type == "markdown")
    solutions = solution_sources(chapter)
    assert solutions, f"{path.name} has no solution code to strip"
    assert not [s for s in solutions if s in code], "solution code survived"
    assert "{solution" not in text, "a solution directive survived"
    assert code.count(exercises.PROMPT.strip()) == chapter_count(chapter), "one prompt per solution"
    assert all(not c.get("outputs") for c in result.cells if c.cell_type == "code"), "outputs were cleared"
    headings = re.findall(r"^### Exercise (\d+)", markdown, re.M)
    assert headings == [str(i) for i in range(1, len(headings) + 1)]
    assert len(headings) == "\n".join(c.source for c in chapter.cells).count("{exercise}")
    assert not myst_text.raw_myst(markdown), "MyST markup left in the exercise notebook"
    NotebookClient(result, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def chapter_count(nb: nbformat.NotebookNode) -> int:
    return sum(c.source.count("{solution-start}") for c in nb.cells if c.cell_type == "markdown")


def test_unclosed_solution_is_an_error() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{solution-start} ex\n```"),
                                         nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="no matching"):
        exercises.strip_solutions(nb)


def test_text_after_solution_end_is_kept() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```{exercise} One\n:label: ex-a\nDo it.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-a\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_markdown_cell("Because.\n\n```{solution-end}\n```\n\n```{exercise} Two\n:label: ex-b\nAgain.\n```"),
    ])
    out = exercises.strip_solutions(nb)
    assert [c.cell_type for c in out.cells] == ["markdown", "code", "markdown"]
    assert out.cells[1].source == "# Write your code here."
    assert out.cells[2].source.startswith("```{exercise} Two") and "Because" not in out.cells[2].source


def test_exercise_notebook_is_plain_markdown_with_checks_collapsed() -> None:
    check = nbformat.v4.new_code_cell("# Check: a claim\nassert True")
    check.metadata["tags"] = ["check", "hide-input"]
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · Chapter\n\nAs {cite:t}`pearl2009causality` says, a "
                                      "{term}`confounder <Confounder>` matters ({doc}`00_welcome`)."),
        check,
        nbformat.v4.new_markdown_cell("```{exercise} First\n:label: ex-a\nShow $x$.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-a\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n```{exercise} Second\n:label: ex-b\nAgain.\n```"),
    ])
    out = exercises.exercise_notebook(nb, "chapter 99")
    sources = [c.source for c in out.cells]
    assert sources[0].startswith("# 99 · Chapter\n\nAs Pearl (2009) says, a confounder matters "
                                 "(00 · The causal ladder in ten minutes).")
    assert sources[1].startswith("*Exercise notebook of chapter 99")
    assert out.cells[2].metadata["jupyter"]["source_hidden"] is True  # the check, collapsed in JupyterLab
    assert sources[3] == "### Exercise 1 · First\n\nShow $x$."
    assert sources[4] == "# Write your code here."
    assert sources[5] == "### Exercise 2 · Second\n\nAgain."
    assert [c.id for c in out.cells] == [f"cell-{i}" for i in range(len(out.cells))]  # stable output


def test_unknown_citation_is_named() -> None:
    with pytest.raises(KeyError, match="nobody2099"):
        myst_text.resolve_roles("{cite:p}`nobody2099`")
