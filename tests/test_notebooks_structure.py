"""Every chapter notebook follows the course template and was stored honestly.

nbval (run on notebooks/ by the same `pytest` call) re-executes each notebook and
compares outputs; these tests check what nbval cannot: the notebook is in the
table of contents, was executed top to bottom with no stored errors, has every part
of the chapter template, asserts its claims, stays offline, and does not exclude
more than a fifth of its cells from output comparison.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NETWORK = re.compile(r"https?://|urlopen|urlretrieve|requests\.|httpx|wget |curl |pip install|!pip|%pip|%conda")
TEMPLATE_PARTS = {
    "title '# NN · Title'": re.compile(r"^# \d\d · \S", re.M),
    "learning objectives": re.compile(r"\*\*Learning objectives", re.I),
    "prerequisites": re.compile(r"\*\*Prerequisites", re.I),
    "time": re.compile(r"\*\*Time\.?\*\*", re.I),
    "key ideas": re.compile(r"\*\*Key ideas|^#+ Key ideas", re.I | re.M),
    "references": re.compile(r"^#+ References", re.M),
}


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ has no chapter notebooks"


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request: pytest.FixtureRequest) -> tuple[Path, nbformat.NotebookNode]:
    path = request.param
    return path, nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_listed_in_toc(notebook) -> None:
    path, _ = notebook
    toc = (ROOT / "_toc.yml").read_text()
    assert f"notebooks/{path.stem}" in toc, f"{path.name} is not listed in _toc.yml"


def test_executed_in_order_without_errors(notebook) -> None:
    path, nb = notebook
    cells = code_cells(nb)
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: some code cells were never executed; run `make execute NB={path}`"
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: cells were not run top to bottom in one fresh kernel (execution counts {counts})"
    )
    errors = [i for i, c in enumerate(cells) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: stored error outputs in code cells {errors}"


def test_follows_the_chapter_template(notebook) -> None:
    path, nb = notebook
    text = markdown(nb)
    missing = [name for name, pattern in TEMPLATE_PARTS.items() if not pattern.search(text)]
    assert not missing, f"{path.name} lacks template parts: {missing}"
    exercises = re.findall(r"```\{exercise(?:-start)?\}", text)
    solutions = re.findall(r"```\{solution(?:-start)?\}", text)
    assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercises; the template asks for at least 3"
    assert len(solutions) >= len(exercises), f"{path.name}: {len(exercises)} exercises but {len(solutions)} solutions"
    assert text.count("{solution-start}") == text.count("{solution-end}"), f"{path.name}: unbalanced solution-start/end"


def test_asserts_its_claims(notebook) -> None:
    path, nb = notebook
    source = "\n".join(c.source for c in code_cells(nb))
    assert re.search(r"^\s*assert\b", source, re.M), f"{path.name} asserts none of its claims"


def test_offline(notebook) -> None:
    path, nb = notebook
    hits = [m.group(0) for c in code_cells(nb) for m in NETWORK.finditer(c.source)]
    assert not hits, f"{path.name}: code mentions network access or installs: {hits}"


def test_few_cells_excluded_from_comparison(notebook) -> None:
    path, nb = notebook
    cells = code_cells(nb)
    ignored = [c for c in cells if "NBVAL_IGNORE_OUTPUT" in c.source
               or "nbval-ignore-output" in c.metadata.get("tags", []) or "NBVAL_SKIP" in c.source
               or "nbval-skip" in c.metadata.get("tags", [])]
    assert len(ignored) <= 0.2 * len(cells), (
        f"{path.name}: {len(ignored)} of {len(cells)} code cells are excluded from output comparison (max 20 %)"
    )
    assert not any("NBVAL_SKIP" in c.source or "nbval-skip" in c.metadata.get("tags", []) for c in cells), (
        f"{path.name}: a cell is skipped entirely; every cell must run under test"
    )


def test_no_raises_exception_cells(notebook) -> None:
    path, nb = notebook
    flagged = [c for c in code_cells(nb) if "raises-exception" in c.metadata.get("tags", [])
               or "NBVAL_RAISES_EXCEPTION" in c.source]
    assert not flagged, f"{path.name}: cells expected to raise hide failures; catch and assert the error instead"


def test_figures_have_alt_text(notebook) -> None:
    path, nb = notebook
    missing = [i for i, c in enumerate(code_cells(nb))
               if any("image/png" in o.get("data", {}) for o in c.outputs)
               and not c.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip()]
    assert not missing, (
        f"{path.name}: figure cells {missing} (code-cell indices) have no alt text; set the cell metadata "
        '{"mystnb": {"image": {"alt": "what the figure shows"}}}'
    )


# --- Code on the page (CONTRIBUTING.md, "Code on the page") ---------------------------------

MAX_LINE = 88
MAX_VISIBLE_CELL_LINES = 25
ASSERT = re.compile(r"^\s*assert\b", re.M)
DEVELOPMENT_TARGET = re.compile(
    r"target we set|we set for this chapter|the issue asks|development target|"
    r"acceptance criteri|as required by the (issue|brief)", re.I)


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    return "check" in cell.metadata.get("tags", [])


def is_hidden(cell: nbformat.NotebookNode) -> bool:
    return bool({"hide-input", "remove-input", "remove-cell"} & set(cell.metadata.get("tags", [])))


def test_code_lines_fit_the_page(notebook) -> None:
    path, nb = notebook
    long = [(i, len(line)) for i, c in enumerate(code_cells(nb))
            for line in c.source.splitlines() if len(line) > MAX_LINE]
    assert not long, (f"{path.name}: {len(long)} code lines are longer than {MAX_LINE} characters "
                      f"(code-cell index, length): {long[:10]}")


def test_asserts_live_in_check_cells(notebook) -> None:
    path, nb = notebook
    loose = [i for i, c in enumerate(code_cells(nb)) if ASSERT.search(c.source) and not is_check_cell(c)]
    assert not loose, (f"{path.name}: code cells {loose} (code-cell indices) assert claims outside a check "
                       "cell; move the asserts into a cell tagged 'check' and 'hide-input' that starts "
                       "with '# Check: <the claim>'")


def test_check_cells_are_labelled_and_hidden(notebook) -> None:
    path, nb = notebook
    checks = [(i, c) for i, c in enumerate(code_cells(nb)) if is_check_cell(c)]
    assert checks, f"{path.name} has no check cell"
    bad = [i for i, c in checks if not (c.source.lstrip().startswith("# Check") and is_hidden(c))]
    assert not bad, (f"{path.name}: check cells {bad} must start with '# Check: <the claim>' and be "
                     "tagged 'hide-input' (or 'remove-input') so the website folds them away")
    placeholder = [i for i, c in checks if "<say what the claim is>" in c.source]
    assert not placeholder, f"{path.name}: check cells {placeholder} still carry the placeholder label"
    empty = [i for i, c in checks if not ASSERT.search(c.source)]
    assert not empty, f"{path.name}: check cells {empty} assert nothing"


def test_visible_cells_are_short(notebook) -> None:
    path, nb = notebook
    long = [(i, len(c.source.splitlines())) for i, c in enumerate(code_cells(nb))
            if not is_hidden(c) and len(c.source.splitlines()) > MAX_VISIBLE_CELL_LINES]
    assert not long, (f"{path.name}: visible code cells longer than {MAX_VISIBLE_CELL_LINES} lines "
                      f"(code-cell index, lines): {long}; split them or move the machinery to the package")


def test_prose_mentions_no_development_target(notebook) -> None:
    path, nb = notebook
    hits = [m.group(0) for m in DEVELOPMENT_TARGET.finditer(markdown(nb))]
    assert not hits, f"{path.name}: the prose mentions a development target: {hits}"
