"""The course's Sphinx extension: small fixes to the pages, and the teaching kit on the site.

- **Duplicate scripts.** sphinx-thebe 0.3.1 (pulled in by Jupyter Book 1.x) registers its
  inline configuration script twice, and the second ``const THEBE_JS_URL`` declaration is a
  JavaScript error on every page. Exact duplicate scripts are dropped.
- **Labelled check cells.** A code cell tagged ``check`` (and ``hide-input``) is folded away
  behind a toggle that says what it checks: its first line ``# Check: <claim>`` becomes
  the toggle's label (myst-nb's per-cell ``code_prompt_show``), so the chapters need no
  extra metadata.
- **The teaching kit.** After an HTML build, the slide decks (tools/slides.py) and the
  exercise notebooks (tools/exercises.py) are generated from the chapters and published
  under ``slides/`` and ``exercises/`` with a zip of each; every chapter page gets a line
  "Slides · Exercise notebook · Instructor notes" under its title, and the ``{kit}``
  directive (book/workshop/index.md) lists them all.
- **Layout** (static/causalcourse.css): code lines of 88 characters fit the page at 1280 px,
  long inline names wrap on a phone instead of widening the page.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
TOOLS = ROOT / "tools"
CHECK_LABEL = re.compile(r"^\s*#\s*Check:?\s*(.*)$")


# --- duplicate scripts ----------------------------------------------------------------------

def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = dict(getattr(script, "attributes", None) or {})
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


# --- check cells behind a labelled toggle ---------------------------------------------------

def check_label(source: str) -> str:
    """The toggle label of a check cell: its ``# Check: <claim>`` line, as a sentence."""
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    match = CHECK_LABEL.match(first)
    claim = match.group(1).strip().rstrip(".") if match else ""
    label = f"Check: {claim}" if claim else "Check"
    return label.replace("{", "{{").replace("}", "}}")  # myst-nb formats the label with {type}


def label_check_cells(app: Any, docname: str, source: list[str]) -> None:
    """``source-read``: give every check cell of a notebook a toggle labelled with its claim."""
    if not docname.startswith("notebooks/") or not source[0].lstrip().startswith("{"):
        return
    try:
        notebook = json.loads(source[0])
    except ValueError:
        return
    changed = False
    for cell in notebook.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or "check" not in tags:
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        mystnb = cell["metadata"].setdefault("mystnb", {})
        mystnb["code_prompt_show"] = check_label(text)
        mystnb["code_prompt_hide"] = "Hide the check"
        changed = True
    if changed:
        source[0] = json.dumps(notebook)


# --- the teaching kit -----------------------------------------------------------------------

def chapters() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _title(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        match = re.search(r"^# (.+)$", text, re.M)
        if cell["cell_type"] == "markdown" and match:
            return match.group(1).strip()
    return path.stem


def kit_links(stem: str, prefix: str, notes: bool) -> str:
    """HTML links to a chapter's slides, exercise notebook and instructor notes."""
    links = [f'<a class="reference external" href="{prefix}slides/{stem}.slides.html">Slides</a>',
             f'<a class="reference external" href="{prefix}exercises/{stem}.ipynb" download>Exercise notebook</a>']
    if notes:
        links.append(f'<a class="reference internal" href="{prefix}book/workshop/notes_{stem[:2]}.html">'
                     "Instructor notes</a>")
    return " · ".join(links)


def _add_kit_links(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """``html-page-context``: a line of kit links under every chapter's title."""
    if not pagename.startswith("notebooks/") or "body" not in context:
        return
    stem = pagename.split("/", 1)[1]
    if not (NOTEBOOKS / f"{stem}.ipynb").exists():
        return
    notes = (ROOT / "book" / "workshop" / f"notes_{stem[:2]}.md").exists()
    line = (f'<p class="cc-kit-links"><strong>Teaching kit:</strong> '
            f'{kit_links(stem, "../", notes)}</p>')
    body = context["body"]
    end = body.find("</h1>")
    context["body"] = body[: end + 5] + "\n" + line + body[end + 5:] if end >= 0 else line + body


class KitDirective(Directive):
    """``{kit}``: a table of every chapter with its slides, exercise notebook and notes."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        prefix = "../" * env.docname.count("/")
        rows = []
        for path in chapters():
            stem = path.stem
            notes = (ROOT / "book" / "workshop" / f"notes_{stem[:2]}.md").exists()
            title = _title(path).replace("&", "&amp;").replace("<", "&lt;")
            rows.append(f'<tr><td><a class="reference internal" href="{prefix}notebooks/{stem}.html">{title}</a>'
                        f"</td><td>{kit_links(stem, prefix, notes)}</td></tr>")
        table = (
            '<table class="table cc-kit"><thead><tr><th>chapter</th><th>teaching kit</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            f'<p>Everything at once: <a class="reference external" href="{prefix}slides/causalcourse-slides.zip" '
            f'download>all slide decks</a> (open any <code>.slides.html</code> offline; keep the '
            f'<code>vendor/</code> folder next to them) · <a class="reference external" '
            f'href="{prefix}exercises/causalcourse-exercises.zip" download>all exercise notebooks</a> '
            f"(put them in the course's <code>notebooks/</code> folder and open them in JupyterLab).</p>")
        return [nodes.raw("", table, format="html")]


def _zip(folder: Path, target: Path, pattern: str, extra: Path | None = None) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob(pattern)):
            archive.write(path, f"{folder.name}/{path.name}")
        if extra is not None:
            for path in sorted(p for p in extra.rglob("*") if p.is_file()):
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")


def publish_kit(app: Any, exception: Exception | None) -> None:
    """``build-finished``: generate the slides and exercise notebooks and publish them."""
    if exception is not None or app.builder.format != "html":
        return
    sys.path.insert(0, str(TOOLS))
    import exercises
    import slides

    if exercises.main([]) != 0:
        raise RuntimeError("tools/exercises.py failed; see the message above")
    slides.main([])
    out = Path(app.outdir)
    for name, source, pattern in (("exercises", exercises.OUT, "*.ipynb"), ("slides", slides.OUT, "*.slides.html")):
        target = out / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for path in sorted(source.glob(pattern)):
            shutil.copy(path, target / path.name)
        if name == "slides":
            shutil.copytree(source / "vendor", target / "vendor")
        _zip(target, target / f"causalcourse-{name}.zip", pattern, target / "vendor" if name == "slides" else None)


def _add_static(app: Any) -> None:
    """``builder-inited``: serve this extension's CSS (book/_ext/static/causalcourse.css)."""
    app.config.html_static_path.append(str(Path(__file__).resolve().parent / "static"))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _add_static)
    app.add_css_file("causalcourse.css")
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _add_kit_links)
    app.connect("source-read", label_check_cells)
    app.connect("build-finished", publish_kit)
    app.add_directive("kit", KitDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
