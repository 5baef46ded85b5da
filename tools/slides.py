"""A reveal.js deck per chapter, built from the chapter's teaching content: `make slides`.

    python tools/slides.py [NOTEBOOK ...]     # writes _build/slides/<name>.slides.html

A deck is not the notebook cut into pages; it is built from the parts of the chapter a
presenter talks over, so the chapters need no slide metadata of their own:

1. the title slide: the chapter's title and its learning objectives;
2. per ``##`` section: the section's heading, its opening sentences and one short code
   excerpt (the section's first visible code cell, cut to what fits: at most
   ``CODE_LINES`` lines of ``CODE_WIDTH`` characters), then the section's key figures
   (``FIGURES_PER_SECTION`` at most), each on its own slide with its caption;
3. one slide per exercise (its statement; never its solution);
4. the key ideas (split over slides by the word limit) and the references.

Every slide carries at most ``MAX_WORDS`` words of text (code excluded); the full text of
the section goes into the speaker notes (press ``s``). MyST roles are resolved to plain
text (citations as "Author (year)" from references.bib, glossary terms as their text,
``{doc}`` links as the chapter's title; tools/myst_text.py). Check cells, hidden plotting
code and solutions are never shown. The browser test (tools/site_check.py) fails on a
slide whose content overflows 1280×720 and on any raw MyST left on a slide.

The scripts a deck needs (reveal.js from the npm registry at a pinned version, checked
against its published SHA-512; MathJax 3 from the locked sphinx-mathjax-offline package)
are copied to _build/slides/vendor/ once; figures are embedded, so a deck and its
vendor/ folder work offline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "slides"
VENDOR = OUT / "vendor"
TEMPLATE = Path(__file__).resolve().parent / "slides_template" / "deck.html.j2"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from exercises import PROMPT, strip_solutions  # noqa: E402
from myst_text import bibliography, plain_directives, raw_myst, resolve_roles  # noqa: E402

#: npm packages a deck loads: name, version, published SHA-512 integrity, files to keep.
NPM = {
    "reveal.js": ("4.6.1", "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==",
                  ["dist", "plugin/notes"]),
}
MAX_WORDS = 100           # words of text on one slide (code not counted)
LEAD_WORDS = 45           # opening sentences of a section
CAPTION_WORDS = 40        # a figure's caption
EXERCISE_WORDS = 80       # an exercise's statement
CODE_LINES = 12           # lines of a code excerpt
CODE_WIDTH = 88           # characters per code line (the course's line limit)
FIGURES_PER_SECTION = 2
DISPLAY_WIDTH = 110       # characters of TeX per line of a display formula shown on a slide
REFERENCES_PER_SLIDE = 6
HIDDEN_TAGS = {"check", "hide-input", "remove-input", "remove-cell"}
SKIP_SECTIONS = re.compile(r"^(setup|set-up|summary|key ideas|references|what's next\??|exercises)\b", re.I)


@dataclass
class Slide:
    """One slide: a heading and blocks of Markdown, code or a figure, with speaker notes."""

    title: str
    kind: str = "content"                               # title | section | figure | exercise | ideas | references
    text: str = ""                                      # Markdown, already plain
    bullets: list[str] = field(default_factory=list)    # plain Markdown items
    code: str = ""
    figure: str = ""                                    # base64 PNG
    alt: str = ""
    caption: str = ""
    notes: str = ""

    def words(self) -> int:
        return count_words(" ".join([self.title, self.text, self.caption, *self.bullets]))


def count_words(text: str) -> int:
    """Words as a slide counts them: a formula is one word, code is split at punctuation
    (whichever of that count and the whitespace count is larger)."""
    text = re.sub(r"\$[^$]*\$", " x ", text)
    return max(len(text.split()), len(re.findall(r"[\w'’.,;:()-]+", text)))


# --- text helpers ---------------------------------------------------------------------------

def plain(text: str) -> str:
    """A Markdown cell's text with directives and roles made plain."""
    text, _ = plain_directives(text)
    return resolve_roles(text).strip()


def cut_words(text: str, limit: int) -> str:
    """The first sentences of ``text`` within ``limit`` words.

    If the first sentence alone is longer, it is cut at the last clause boundary (a comma,
    semicolon, colon or dash) within the limit, else at a word, and ends with "…"; a formula
    is never cut.
    """
    text = " ".join(text.split())
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z*$(\"“])", text)
    out: list[str] = []
    for sentence in sentences:
        if count_words(" ".join(out + [sentence])) > limit:
            break
        out.append(sentence)
    if out:
        return " ".join(out)
    words = sentences[0].split()
    kept: list[str] = []
    for word in words:
        if count_words(" ".join(kept)) >= limit and " ".join(kept).count("$") % 2 == 0:
            break
        kept.append(word)
    def balanced(upto: int) -> bool:  # not inside parentheses, code or a formula
        head = " ".join(kept[: upto + 1])
        return head.count("(") == head.count(")") and head.count("`") % 2 == 0 and head.count("$") % 2 == 0

    clause = max((i for i, w in enumerate(kept[:-1])
                  if (w.endswith((",", ";", ":")) or kept[i + 1] == "—") and balanced(i)), default=-1)
    if clause >= limit // 2:
        kept = kept[: clause + 1]
    return " ".join(kept).rstrip(",;:—") + " …"


def paragraphs(text: str) -> list[str]:
    """Prose paragraphs of Markdown (no headings, lists, tables, display math or code)."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block or block.startswith(("#", "|", "$$", "```", ":::", "- ", "* ", "1.", "<", "\\begin")):
            continue
        out.append(block)
    return out


def bullets_of(text: str) -> list[str]:
    """The items of the first Markdown list in ``text`` (continuation lines joined)."""
    items: list[str] = []
    for line in text.splitlines():
        if re.match(r"^\s*[-*] ", line):
            items.append(re.sub(r"^\s*[-*] ", "", line).strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif items and line.strip():
            break
    return items


def without_asserts(source: str) -> str:
    """``source`` without its ``assert`` statements (they are checks, not the lesson)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: leave the cell as it is
        return source
    drop = {line for node in ast.walk(tree) if isinstance(node, ast.Assert)
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return "\n".join(line for number, line in enumerate(source.splitlines(), 1) if number not in drop)


def code_excerpt(source: str) -> str:
    """A code cell cut to what fits a slide: ``CODE_LINES`` lines of ``CODE_WIDTH`` characters,
    without its asserts."""
    lines = without_asserts(source).rstrip().splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    cut = len(lines) > CODE_LINES
    lines = lines[: CODE_LINES - 1] if cut else lines
    while lines and not lines[-1].strip():
        lines.pop()
    lines = [line if len(line) <= CODE_WIDTH else line[: CODE_WIDTH - 1] + "…" for line in lines]
    return "\n".join(lines + (["# …"] if cut else []))


def is_code_worth_showing(source: str) -> bool:
    lines = [line for line in without_asserts(source).splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    return len(lines) >= 2 and len(imports) < len(lines) / 2


def figure_of(cell: nbformat.NotebookNode) -> str:
    for output in cell.get("outputs", []):
        png = output.get("data", {}).get("image/png")
        if png:
            return png if isinstance(png, str) else "".join(png)
    return ""


# --- from a chapter to slides -----------------------------------------------------------------

@dataclass
class Section:
    title: str
    markdown: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    figures: list[tuple[str, str, str]] = field(default_factory=list)  # png, alt, caption


def split_cells(nb: nbformat.NotebookNode) -> tuple[str, str, list[Section]]:
    """The chapter's title, its opening Markdown and its ``##`` sections, without solutions."""
    chapter = strip_solutions(nb, keep_outputs=True)
    title, opening, sections = "", "", []
    pending_figure: list | None = None
    for cell in chapter.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            for part in (p for p in re.split(r"(?m)^(?=#{1,2} )", cell.source) if p.strip()):
                if part.startswith("# ") and not title:
                    title, _, opening = part[2:].partition("\n")
                    continue
                if part.startswith("## "):
                    heading, _, part = part[3:].partition("\n")
                    sections.append(Section(plain(heading.strip())))
                    pending_figure = None
                if not sections:
                    opening += "\n\n" + part
                    continue
                caption = re.match(r"\s*\*(Figure[^*]*)\*", part)
                if pending_figure is not None and caption:
                    pending_figure[2] = plain(caption.group(1))
                    part = part[caption.end():]
                pending_figure = None
                if part.strip():
                    sections[-1].markdown.append(part)
            continue
        if cell.cell_type != "code" or "remove-cell" in tags or "check" in tags or not sections:
            continue
        if cell.source.strip() == PROMPT.strip():
            continue
        if not HIDDEN_TAGS & tags and cell.source.strip():
            sections[-1].code.append(cell.source)
        png = figure_of(cell)
        if png:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "") or "figure"
            pending_figure = [png, alt, ""]
            sections[-1].figures.append(pending_figure)  # type: ignore[arg-type]
    return title.strip(), opening, sections


def exercises_of(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(title, statement) of every exercise, in order."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = re.findall(r"^```+\{exercise\}[ \t]*([^\n]*)\n(.*?)^```+[ \t]*$", text, re.M | re.S)
    return [(plain(t.strip()), plain(re.sub(r"(?m)^:[\w-]+:.*\n?", "", body))) for t, body in found]


def build_deck(nb: nbformat.NotebookNode) -> tuple[str, list[Slide]]:
    """The chapter's title and its slides."""
    title, opening, sections = split_cells(nb)
    if not title:
        raise ValueError("the chapter has no '# NN · Title' heading")
    opening_text = plain(opening)
    block = re.search(r"\*\*Learning objectives\.?\*\*(.*?)(?:\n\s*\n|\Z)", opening_text, re.S)
    objectives = bullets_of(block.group(1)) if block else []
    first = paragraphs(opening_text)[:1]
    if objectives:  # the title slide keeps to the word limit: each objective gets its share
        share = (MAX_WORDS - len(plain(title).split()) - 2) // len(objectives)
        objectives = [o if len(o.split()) <= share else cut_words(o, share) for o in objectives]
    slides = [Slide(plain(title), "title", bullets=objectives,
                    notes="\n\n".join(first + ["Learning objectives:", *bullets_of(block.group(1) if block else "")]))]
    for section in sections:
        if SKIP_SECTIONS.match(section.title):
            continue
        prose = [p for md in section.markdown for p in paragraphs(plain(md))]
        candidates = [c for c in section.code if is_code_worth_showing(c)]
        code = next((c for c in candidates if without_asserts(c) == c), candidates[0] if candidates else "")
        lead = cut_words(prose[0], LEAD_WORDS) if prose else ""
        display = display_after(section, prose[0]) if lead and lead == " ".join(prose[0].split()) else ""
        if lead.endswith(":"):  # the formula it announces, if it fits a slide
            lead = lead + "\n\n" + display if display else lead[:-1] + "."
        slides.append(Slide(section.title, "section", text=lead, code=code_excerpt(code) if code else "",
                            notes="\n\n".join(prose)))
        for png, alt, caption in section.figures[:FIGURES_PER_SECTION]:
            slides.append(Slide(section.title, "figure", figure=png, alt=plain(alt),
                                caption=cut_words(caption, CAPTION_WORDS), notes=caption))
    for number, (name, statement) in enumerate(exercises_of(nb), 1):
        heading = f"Exercise {number}" + (f": {name}" if name else "")
        slides.append(Slide(heading, "exercise", text=cut_words(statement, EXERCISE_WORDS),
                            notes=statement))
    text = plain("\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    ideas = re.search(r"\*\*Key ideas\.?\*\*(.*?)(?:\n\s*\n\*\*|\n#|\Z)", text, re.S) or \
        re.search(r"^#+ Key ideas\s*\n(.*?)(?:\n#|\Z)", text, re.S | re.M)
    if ideas:
        slides += split_by_words("Key ideas", "ideas", bullets_of(ideas.group(1)))
    keys = re.findall(r"\{cite(?::\w+)?\}`([^`]*)`", "\n".join(
        c.source for c in nb.cells if c.cell_type == "markdown" and re.search(r"^#+ References", c.source, re.M)))
    bib = bibliography()
    refs = [f"{bib[k].cite}. *{bib[k].title}*" for ks in keys for k in (x.strip() for x in ks.split(",")) if k in bib]
    refs = list(dict.fromkeys(refs))
    shown = refs[: 2 * REFERENCES_PER_SLIDE]
    if len(refs) > len(shown):
        shown[-1] = f"… and {len(refs) - len(shown) + 1} more in the chapter's references"
    for start in range(0, len(shown), REFERENCES_PER_SLIDE):
        slides += split_by_words("References", "references", shown[start:start + REFERENCES_PER_SLIDE])
    return plain(title), slides


def display_after(section: Section, paragraph: str) -> str:
    """The display equation that follows ``paragraph`` in the section, if one does."""
    text = "\n\n".join(plain(md) for md in section.markdown)
    start = text.find(paragraph[:60])
    match = re.match(r"\s*(\$\$.*?\$\$)", text[start + len(paragraph):], re.S) if start >= 0 else None
    if not match:
        return ""
    lines = match.group(1).replace("\n", " ").split("\\\\")  # the lines of an aligned display
    return match.group(1) if max(len(line.strip()) for line in lines) <= DISPLAY_WIDTH else ""


def split_by_words(title: str, kind: str, items: list[str]) -> list[Slide]:
    """Bullets spread over as many slides as the word limit needs (a long bullet is cut)."""
    slides: list[Slide] = []
    current: list[str] = []
    budget = MAX_WORDS - len(title.split()) - 2
    for item in items:
        item = cut_words(item, budget)
        if current and Slide("", bullets=current + [item]).words() > budget:
            slides.append(Slide(title, kind, bullets=current))
            current = []
        current.append(item)
    if current:
        slides.append(Slide(title, kind, bullets=current))
    if len(slides) > 1:
        for index, slide in enumerate(slides, 1):
            slide.title = f"{title} ({index}/{len(slides)})"
    return slides


# --- rendering -----------------------------------------------------------------------------------

def markdown_html(text: str, inline: bool = False) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict) -> str:
        return html.escape(f"\\[{content}\\]" if options.get("display_mode") else f"\\({content}\\)")

    md = MarkdownIt("commonmark").use(dollarmath_plugin, renderer=math).enable("table")
    return md.renderInline(text) if inline else md.render(text)


def code_html(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))


def render(title: str, slides: list[Slide], name: str) -> str:
    import jinja2
    from pygments.formatters import HtmlFormatter

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True)
    rendered = [{
        "kind": s.kind,
        "title": markdown_html(s.title, inline=True),
        "text": markdown_html(s.text) if s.text else "",
        "bullets": [markdown_html(b, inline=True) for b in s.bullets],
        "code": code_html(s.code) if s.code else "",
        "figure": s.figure, "alt": s.alt,
        "caption": markdown_html(s.caption, inline=True) if s.caption else "",
        "notes": markdown_html(s.notes) if s.notes else "",
    } for s in slides]
    from markupsafe import Markup

    page_title = html.unescape(re.sub("<[^>]+>", "", markdown_html(title, inline=True)))
    css = HtmlFormatter(style="default").get_style_defs(".highlight")
    return env.get_template(TEMPLATE.name).render(title=page_title, slides=rendered, name=name,
                                                  pygments_css=css, markup=Markup)


def vendor_assets(out: Path = OUT) -> None:
    """Fetch and verify the pinned npm packages once; copy MathJax from the lock's package."""
    vendor = out / "vendor"
    marker = vendor / "versions.json"
    wanted = {name: spec[0] for name, spec in NPM.items()}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return
    shutil.rmtree(vendor, ignore_errors=True)
    vendor.mkdir(parents=True)
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
                target = vendor / name / item
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise SystemExit("error: sphinx-mathjax-offline is not installed; run `make install`")
    mathjax = Path(spec.origin).parent / "static" / "mathjax"
    (vendor / "mathjax").mkdir()
    shutil.copy(mathjax / "tex-chtml.js", vendor / "mathjax" / "tex-chtml.js")
    shutil.copytree(mathjax / "output", vendor / "mathjax" / "output")
    marker.write_text(json.dumps(wanted))


def build(path: Path, out: Path = OUT) -> Path:
    """Write the deck of one chapter notebook; return its path."""
    nb = nbformat.read(path, as_version=4)
    title, slides = build_deck(nb)
    page = render(title, slides, path.stem)
    leftover = raw_myst(re.sub(r"<[^>]+>", "", page))
    if leftover:
        raise ValueError(f"{path.name}: MyST markup left on the slides: {leftover[:5]}")
    target = out / f"{path.stem}.slides.html"
    target.write_text(page)
    return target


def main(argv: list[str], out: Path = OUT) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    vendor_assets(out)
    for path in paths:
        target = build(path, out)
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
