"""Keep the chapters' code on the page: report what breaks the rules, move asserts into check cells.

    python tools/checkcells.py report [NOTEBOOK ...]   # long lines, loose asserts, long cells
    python tools/checkcells.py split NOTEBOOK ...      # trailing asserts -> a check cell below

The rules (CONTRIBUTING.md, "Code on the page") are checked by
tests/test_notebooks_structure.py; this tool only helps to follow them. ``split`` moves
the asserts that end a code cell into a new cell right after it, tagged ``check`` and
``hide-input``, whose first line is ``# Check: <say what the claim is>`` for the author to
complete (the structure test rejects the placeholder). Asserts in the middle of a cell are
reported, not moved: moving them could change what they check. Re-execute the notebook
afterwards (``make execute NB=...``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MAX_LINE, MAX_CELL = 88, 25
PLACEHOLDER = "# Check: <say what the claim is>"
CHECK_TAGS = ["check", "hide-input"]


def trailing_asserts(source: str) -> tuple[str, str] | None:
    """Split ``source`` into (code, trailing asserts), or None if it has no trailing asserts."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics
        return None
    body = tree.body
    if not body or not isinstance(body[-1], ast.Assert):
        return None
    k = len(body) - 1
    while k > 0 and isinstance(body[k - 1], ast.Assert):
        k -= 1
    lines = source.splitlines()
    cut = body[k - 1].end_lineno if k > 0 else 0
    code = "\n".join(lines[:cut]).rstrip()
    checks = "\n".join(lines[cut:]).strip("\n")
    return code, checks


def is_check(cell: nbformat.NotebookNode) -> bool:
    return "check" in cell.metadata.get("tags", [])


def split(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    cells, moved = [], 0
    for cell in nb.cells:
        parts = None if cell.cell_type != "code" or is_check(cell) else trailing_asserts(cell.source)
        if parts is None:
            cells.append(cell)
            continue
        code, checks = parts
        if code:
            cell.source = code
            cells.append(cell)
        check = nbformat.v4.new_code_cell(f"{PLACEHOLDER}\n{checks}")
        check.metadata["tags"] = list(CHECK_TAGS)
        if not code:  # the whole cell was asserts: keep its outputs and metadata
            check.outputs, check.metadata = cell.outputs, {**cell.metadata, "tags": list(CHECK_TAGS)}
        cells.append(check)
        moved += 1
    nb.cells = cells
    nbformat.write(nb, path)
    return moved


def report(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    out = []
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    for i, cell in enumerate(code):
        lines = cell.source.splitlines()
        tags = set(cell.metadata.get("tags", []))
        hidden = bool({"hide-input", "remove-input", "remove-cell"} & tags)
        for n, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                out.append(f"cell {i} line {n}: {len(line)} characters")
        has_assert = any(line.lstrip().startswith("assert") for line in lines)
        if has_assert and not is_check(cell):
            where = "trailing (split moves them)" if trailing_asserts(cell.source) else "inside the cell"
            out.append(f"cell {i}: asserts outside a check cell, {where}")
        if is_check(cell) and cell.source.startswith(PLACEHOLDER):
            out.append(f"cell {i}: check cell label still a placeholder")
        if not hidden and len(lines) > MAX_CELL:
            out.append(f"cell {i}: {len(lines)} lines visible on the page (max {MAX_CELL})")
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"report", "split"}:
        print(__doc__, file=sys.stderr)
        return 2
    paths = [Path(a) for a in argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    status = 0
    for path in paths:
        if argv[0] == "split":
            print(f"{path.name}: {split(path)} check cells made")
        else:
            problems = report(path)
            status |= bool(problems)
            print(f"{path.name}: {len(problems)} problems")
            for line in problems:
                print("   ", line)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
