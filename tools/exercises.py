"""Generate exercise-only notebooks from the chapter notebooks: `make exercises`.

Every solution (the cells from a ``{solution-start}`` directive to its
``{solution-end}``) is removed and replaced by one empty code cell with a prompt,
and all outputs are cleared. The exercise notebooks are generated, never edited by
hand, so they cannot drift from the chapters.

    python tools/exercises.py [NOTEBOOK ...]     # writes _build/exercises/<name>.ipynb
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

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


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            exercises = strip_solutions(nb)
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
