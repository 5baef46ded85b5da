"""MyST markup as plain text, for the places that do not run Sphinx: slides and exercise notebooks.

The website renders the chapters' MyST with Sphinx. A slide deck, and an exercise notebook
opened in any Jupyter front end, get plain Markdown instead:

- ``{cite:p}`key1,key2``` and the other citation roles become "Author (year); Author (year)",
  read from references.bib ("et al." from three authors on);
- ``{term}`text <Glossary entry>``` becomes "text", ``{term}`Entry``` becomes "Entry";
- ``{doc}`title <path>``` becomes "title", ``{doc}`path``` the title of that chapter or page;
- ``{math}`x``` becomes ``$x$``; any other role becomes its text;
- an ``{exercise}`` directive becomes a heading "Exercise N · Title" and its body; other
  directives (notes, admonitions) become their title in bold and their body; option lines
  (``:label: ...``) and ``(target)=`` lines are dropped.

``raw_myst`` lists what is left over, so the tests can prove that nothing raw survives.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import latexcodec  # noqa: F401 - registers the "ulatex" codec used below

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`([^`]*)`")
FENCE = re.compile(r"^(?P<fence>```+|:::+)[ \t]*\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n"
                   r"(?P<body>.*?)^(?P=fence)[ \t]*$\n?", re.M | re.S)
OPTION = re.compile(r"^:[\w-]+:.*\n?", re.M)
TARGET = re.compile(r"^\([\w:-]+\)=[ \t]*\n", re.M)
LEFTOVER = re.compile(r"\{[A-Za-z][\w:-]*\}`|^\s*(```+|:::+)\s*\{", re.M)


def _latex(text: str) -> str:
    """LaTeX accents and braces in a BibTeX field as plain Unicode text."""
    return codecs.decode(text, "ulatex").replace("{", "").replace("}", "").strip()


@dataclass(frozen=True)
class Reference:
    key: str
    authors: str  # "Pearl", "Tian & Pearl", "Bareinboim et al."
    year: str
    title: str

    @property
    def cite(self) -> str:
        return f"{self.authors} ({self.year})"


@functools.lru_cache(maxsize=4)
def bibliography(path: Path = BIB) -> dict[str, Reference]:
    """Every entry of a BibTeX file as a :class:`Reference`, keyed by its citation key."""
    from pybtex.database import parse_file

    entries = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_latex(" ".join(p.prelast_names + p.last_names)) for p in people]
        if not names:
            authors = _latex(entry.fields.get("organization", key))
        elif len(names) == 1:
            authors = names[0]
        elif len(names) == 2:
            authors = f"{names[0]} & {names[1]}"
        else:
            authors = f"{names[0]} et al."
        entries[key] = Reference(key, authors, entry.fields.get("year", "n.d."),
                                 _latex(entry.fields.get("title", "")))
    return entries


def cite(keys: str, bib: dict[str, Reference] | None = None) -> str:
    """``"pearl2009causality,tian2000probabilities"`` -> ``"Pearl (2009); Tian & Pearl (2000)"``."""
    bib = bibliography() if bib is None else bib
    out = []
    for key in (k.strip() for k in keys.split(",") if k.strip()):
        if key not in bib:
            raise KeyError(f"citation key {key!r} is not in references.bib")
        out.append(bib[key].cite)
    return "; ".join(out)


@functools.lru_cache(maxsize=256)
def doc_title(target: str, base: Path = ROOT / "notebooks") -> str:
    """The title (first ``# `` heading) of the chapter or page a ``{doc}`` role points to."""
    path = (base / target) if not target.startswith("/") else ROOT / target.lstrip("/")
    for candidate in (path.with_suffix(".ipynb"), path.with_suffix(".md"), path):
        if candidate.is_file():
            if candidate.suffix == ".ipynb":
                cells = json.loads(candidate.read_text())["cells"]
                text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            else:
                text = candidate.read_text()
            heading = re.search(r"^# (.+)$", text, re.M)
            if heading:
                return heading.group(1).strip()
    return Path(target).name.replace("_", " ")


def _text_and_target(content: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", content, re.S)
    return (match.group(1), match.group(2)) if match else (content.strip(), content.strip())


def resolve_roles(text: str, base: Path = ROOT / "notebooks") -> str:
    """Replace every MyST role in ``text`` by plain text (see the module docstring)."""

    def one(match: re.Match[str]) -> str:
        name, content = match.group(1), match.group(2)
        if name == "cite" or name.startswith("cite:"):
            return cite(content)
        if name == "math":
            return f"${content}$"
        label, target = _text_and_target(content)
        if name == "doc":
            return label if label != target else doc_title(target, base)
        return label

    return ROLE.sub(one, text)


def plain_directives(text: str, start: int = 1) -> tuple[str, int]:
    """Replace MyST directives by plain Markdown; return the text and the next exercise number."""
    number = start

    def one(match: re.Match[str]) -> str:
        nonlocal number
        name, arg = match.group("name"), match.group("arg").strip()
        body = OPTION.sub("", match.group("body")).strip()
        if name in ("exercise", "exercise-start"):
            title = f"Exercise {number}" + (f" · {arg}" if arg else "")
            number += 1
            return f"### {title}\n\n{body}\n"
        if name in ("solution", "solution-start", "solution-end", "exercise-end"):
            return ""
        if name == "math":
            return f"$$\n{body}\n$$\n"
        heading = arg or name.replace("-", " ").capitalize()
        return f"**{heading}.** {body}\n" if body else f"**{heading}.**\n"

    previous = None
    while previous != text:  # nested directives: innermost first on the next pass
        previous, text = text, FENCE.sub(one, text)
    return TARGET.sub("", text), number


def plain_markdown(text: str, start: int = 1, base: Path = ROOT / "notebooks") -> tuple[str, int]:
    """Directives and roles of a Markdown cell as plain Markdown; returns the next exercise number."""
    text, number = plain_directives(text, start)
    return resolve_roles(text, base).strip(), number


def raw_myst(text: str) -> list[str]:
    """The MyST roles and directive fences left in ``text`` (empty when it is plain Markdown)."""
    return [m.group(0) for m in LEFTOVER.finditer(text)]
