"""Turn each chapter into a reveal.js deck that works offline: `make slides`.

    python tools/slides.py [NOTEBOOK ...]     # writes _build/slides/<name>.slides.html

Cells are marked for the deck from the chapter's structure, so the chapters need no
slide metadata of their own: the title and every ``##`` section start a slide, ``###``
and every figure start a sub-slide, solutions are skipped (the exercise itself stays,
followed by a prompt), a figure's caption is a fragment on the figure's slide, and plotting
code tagged ``hide-input`` shows only its figure.
The scripts a deck needs (reveal.js, jQuery, RequireJS from the npm registry at pinned
versions, checked against their published SHA-512; MathJax 3 from the locked
sphinx-mathjax-offline package) are copied to _build/slides/vendor/ once.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "slides"
VENDOR = OUT / "vendor"
TEMPLATES = Path(__file__).resolve().parent / "slides_template"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from exercises import PROMPT, strip_solutions  # noqa: E402

#: npm packages a deck loads: name, version, published SHA-512 integrity, files to keep.
NPM = {
    "reveal.js": ("4.6.1", "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==",
                  ["dist", "plugin/notes"]),
    "jquery": ("3.7.1", "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
               ["dist/jquery.min.js"]),
    "requirejs": ("2.3.7", "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
                  ["require.js"]),
}
FLAT = {"jquery": {"dist/jquery.min.js": "jquery.min.js"}}  # where a kept file lands in vendor/<name>/
CELLS_PER_SLIDE = 3


def vendor_assets() -> None:
    """Fetch and verify the pinned npm packages once; copy MathJax from the lock's package."""
    marker = VENDOR / "versions.json"
    wanted = {name: spec[0] for name, spec in NPM.items()}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return
    shutil.rmtree(VENDOR, ignore_errors=True)
    VENDOR.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, (version, _, _) in NPM.items()]
        result = subprocess.run(["npm", "pack", "--silent", "--json", *specs], cwd=tmp, check=True,
                                capture_output=True, text=True)
        for entry in json.loads(result.stdout):
            name = entry["name"]
            version, integrity, keep = NPM[name]
            tarball = Path(tmp) / entry["filename"]
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if digest != integrity:
                raise SystemExit(f"error: {name}@{version} does not match its pinned SHA-512; refusing to use it")
            with tarfile.open(tarball) as archive:
                archive.extractall(Path(tmp) / name, filter="data")
            for item in keep:
                source = Path(tmp) / name / "package" / item
                target = VENDOR / name / FLAT.get(name, {}).get(item, item)
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise SystemExit("error: sphinx-mathjax-offline is not installed; run `make install`")
    mathjax = Path(spec.origin).parent / "static" / "mathjax"
    (VENDOR / "mathjax").mkdir()
    shutil.copy(mathjax / "tex-chtml.js", VENDOR / "mathjax" / "tex-chtml.js")
    shutil.copytree(mathjax / "output", VENDOR / "mathjax" / "output")
    marker.write_text(json.dumps(wanted))


def mark_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Solutions removed (a skipped prompt in their place) and slide types set on every cell."""
    deck = strip_solutions(nb, keep_outputs=True)
    cells = []
    for cell in deck.cells:
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        # A heading inside a cell starts a new cell, and so do the objectives (their own slide).
        text = cell.source.replace("**Learning objectives.**", "### Learning objectives\n\n", 1)
        parts = [p.strip() for p in re.split(r"(?m)^(?=#{1,3} )", text) if p.strip()]
        cells += [nbformat.v4.new_markdown_cell(p) for p in parts]
    deck.cells = cells
    in_slide, after_figure = 0, False
    for cell in deck.cells:
        source = cell.source.lstrip()
        has_figure = cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.outputs)
        if cell.cell_type == "code" and cell.source == PROMPT.rstrip("\n"):
            kind = "skip"
        elif after_figure and cell.cell_type == "markdown" and source.startswith("*Figure"):
            kind = "fragment"  # the caption appears on the figure's slide at the next key press
        elif cell.cell_type == "markdown" and (source.startswith("# ") or source.startswith("## ")):
            kind = "slide"
        elif cell.cell_type == "markdown" and source.startswith("### ") or has_figure or in_slide >= CELLS_PER_SLIDE:
            kind = "subslide"
        else:
            kind = "-"
        in_slide = 0 if kind in ("slide", "subslide") else in_slide + (kind != "skip")
        after_figure = has_figure
        cell.metadata["slideshow"] = {"slide_type": kind}
    return deck


def build(path: Path) -> Path:
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    config.SlidesExporter.reveal_url_prefix = "vendor/reveal.js"
    config.SlidesExporter.reveal_theme = "white"  # its fonts ship with reveal.js (the default theme loads web fonts)
    exporter = SlidesExporter(config=config, extra_template_basedirs=[str(TEMPLATES)],
                              template_name="causalcourse_reveal")
    deck = mark_slides(nbformat.read(path, as_version=4))
    html, _ = exporter.from_notebook_node(deck, resources={"metadata": {"name": path.stem}})
    target = OUT / f"{path.stem}.slides.html"
    target.write_text(html)
    return target


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    vendor_assets()
    for path in paths:
        target = build(path)
        print(f"{target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
