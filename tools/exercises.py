"""Generate exercise-only notebooks from the chapter notebooks: `make exercises`.

Every solution (the cells from a ``{solution-start}`` directive to its
``{solution-end}``) is removed and replaced by one empty code cell with a prompt,
and all outputs are cleared. The exercise notebooks are generated, never edited by
hand, so they cannot drift from the chapters.

They are plain Markdown, so that they read the same in every Jupyter front end
(JupyterLab with or without jupyterlab-myst, VS Code, Colab): each ``{exercise}``
directive becomes a heading "Exercise N · Title", citations become "Author (year)",
glossary terms and chapter links their text (tools/myst_text.py). jupyterlab-myst
renders the directives itself but shows a ``{cite}`` role as its bare key, and other
front ends show every directive as a raw code fence. Check cells and hidden plotting
code start collapsed in JupyterLab (``jupyter.source_hidden``); they still run.

    python tools/exercises.py [NOTEBOOK ...]     # writes _build/exercises/<name>.ipynb
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from myst_text import plain_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "exercises"
START = re.compile(r"```\{solution-start\}")
END = re.compile(r"```\{solution-end\}\s*\n```[ \t]*\n?")
PROMPT = "# Write your code here.\n"


def strip_solutions(nb: nbformat.NotebookNode, keep_outputs: bool = False) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without solutions, with a prompt cell where each solution was.

    Outputs are cleared unless ``keep_outputs`` (the slides keep them).
    Text in the cell that closes a solution after the ``{solution-end}`` fence (for
    example the next exercise) is kept; text before it belongs to the solution.
    """
    cells, inside = [], False
    for cell in nb.cells:
        source = cell.source
        if not inside and cell.cell_type == "markdown" and START.search(source):
            before = source[: START.search(source).start()].rstrip()
            if before:
                cells.append(nbformat.v4.new_markdown_cell(before))
            cells.append(nbformat.v4.new_code_cell(PROMPT.rstrip("\n")))
            inside = True
            rest = source[START.search(source).start():]
            if END.search(rest):  # a solution that opens and closes in one cell
                after = rest[END.search(rest).end():].strip()
                inside = False
                if after:
                    cells.append(nbformat.v4.new_markdown_cell(after))
            continue
        if inside:
            if cell.cell_type == "markdown" and END.search(source):
                after = source[END.search(source).end():].strip()
                inside = False
                if after:
                    cells.append(nbformat.v4.new_markdown_cell(after))
            continue
        new = nbformat.from_dict(dict(cell))
        if new.cell_type == "code" and not keep_outputs:
            new.outputs, new.execution_count = [], None
        cells.append(new)
    if inside:
        raise ValueError("a {solution-start} has no matching {solution-end}")
    out = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    return out


HIDDEN = {"check", "hide-input", "remove-input"}


def exercise_notebook(nb: nbformat.NotebookNode, name: str = "") -> nbformat.NotebookNode:
    """The exercise notebook of a chapter: solutions stripped, plain Markdown, checks collapsed."""
    out = strip_solutions(nb)
    number = 1
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source, number = plain_markdown(cell.source, number)
        elif HIDDEN & set(cell.metadata.get("tags", [])):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    chapter = name or "this chapter"
    note = nbformat.v4.new_markdown_cell(
        f"*Exercise notebook of {chapter}: the chapter with its solutions removed. Run it from the "
        "course folder (it uses the `causalcourse` package and `data/`); the solutions are in the "
        "chapter on the course website.*")
    out.cells.insert(1 if out.cells and out.cells[0].source.startswith("# ") else 0, note)
    for index, cell in enumerate(out.cells):  # stable ids: the same chapter gives the same file
        cell.id = f"cell-{index}"
    out.nbformat, out.nbformat_minor = 4, 5
    return out


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            exercises = exercise_notebook(nb, f"chapter {path.stem[:2]}")
        except ValueError as error:
            print(f"error: {path.name}: {error}", file=sys.stderr)
            return 1
        target = OUT / path.name
        nbformat.write(exercises, target)
        prompts = sum(1 for c in exercises.cells if c.cell_type == "code" and c.source == PROMPT.rstrip("\n"))
        print(f"{target.relative_to(ROOT)}: {prompts} exercises")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
