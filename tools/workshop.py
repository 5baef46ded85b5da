"""Generate the workshop schedule pages, and prove that they add up: `make workshop`.

    python tools/workshop.py           # write book/workshop/schedule_<id>.md
    python tools/workshop.py --check   # exit 1 if a committed page is out of date or a plan does not add up

Inputs:

- book/workshop/plan.yml: the formats, each a list of sessions (a welcome and set-up triage
  slot, chapter sessions, breaks, a wrap-up slot); a chapter session names the **parts** of
  the chapter's instructor notes it uses and the minutes its slot has;
- book/workshop/notes_NN.md: the instructor notes of chapter NN, whose "Parts and timing"
  table gives every part's minutes (teaching, exercises and discussion are parts);
- book/running_times.csv: the measured run time of each notebook, added to each chapter
  session twice (the instructor's run and the learners');
- each chapter's title and learning objectives, read from the notebook.

A plan is rejected, with the reason, when a session's parts and run time do not fit its
slot, when more than ``MAX_STRETCH`` minutes pass without a break, when a format does not
open with a welcome and set-up triage slot or close with a wrap-up, when a day runs past
its length, or when it names a chapter, notes or part that does not exist. A new chapter
joins a format with one line once its notebook, its notes and its bench row exist:

    - {chapter: 02_causal_graphs, minutes: 60}                      # every part of notes_02.md
    - {chapter: 05_estimation_lalonde, minutes: 70, skip: [Discussion]}
    - {chapter: 09_bayesian_discovery_at_scale, minutes: 45, parts: [1., 2., Exercises]}

``parts`` and ``skip`` name parts by their first words (a unique, case-insensitive prefix of
the part's name in the notes' table).
"""

from __future__ import annotations

import csv
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKSHOP = ROOT / "book" / "workshop"
PLAN = WORKSHOP / "plan.yml"
TIMES = ROOT / "book" / "running_times.csv"
NOTEBOOKS = ROOT / "notebooks"
MAX_STRETCH = 90  # minutes without a break
SLOTS = {
    "welcome": "Welcome and set-up triage (doctor reports, fixes, the day's plan)",
    "recap": "Recap of the previous day; set-up check",
    "wrap-up": "Wrap-up: questions, feedback, where to go next",
}


class PlanError(ValueError):
    """A plan that names something missing, or does not add up."""


@dataclass(frozen=True)
class Part:
    name: str
    minutes: int


def chapter_info(stem: str) -> tuple[str, list[str]]:
    """Title and learning objectives of a chapter notebook."""
    path = NOTEBOOKS / f"{stem}.ipynb"
    if not path.exists():
        raise PlanError(f"plan.yml names chapter {stem!r}, but notebooks/{stem}.ipynb does not exist "
                        "(add the chapter first, or remove its session from the plan)")
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    title = re.search(r"^# (.+)$", text, re.M)
    block = re.search(r"\*\*Learning objectives\.?\*\*(.*?)(?:\n\s*\n\*\*|\Z)", text, re.S)
    objectives = re.findall(r"^\s*[-*] (.+(?:\n\s{2,}\S.*)*)", block.group(1), re.M) if block else []
    if not title or not objectives:
        raise PlanError(f"notebooks/{stem}.ipynb has no '# title' or no learning objectives list")
    return title.group(1).strip(), [" ".join(o.split()) for o in objectives]


def notes_path(stem: str) -> Path:
    return WORKSHOP / f"notes_{stem[:2]}.md"


def shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def chapter_parts(stem: str) -> list[Part]:
    """The parts of a chapter and their minutes, from its instructor notes' "Parts and timing" table."""
    path = notes_path(stem)
    if not path.exists():
        raise PlanError(f"plan.yml names chapter {stem!r}, but its instructor notes "
                        f"{shown(path)} do not exist (their 'Parts and timing' table gives the minutes)")
    text = path.read_text()
    section = re.search(r"^## Parts and timing\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    rows = [r for r in (section.group(1) if section else "").splitlines() if r.startswith("|")]
    parts = []
    for row in rows[2:]:  # the header and the |---| line
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"\d+", cells[-1]):
            parts.append(Part(cells[0], int(cells[-1])))
    if not parts:
        raise PlanError(f"{shown(path)} has no 'Parts and timing' table with a minutes column")
    return parts


def find_part(parts: list[Part], name: str, where: str) -> Part:
    """The part whose name is ``name`` or starts with it (case-insensitive, must be unique)."""
    wanted = str(name).strip().lower()
    exact = [p for p in parts if p.name.lower() == wanted]
    matches = exact or [p for p in parts if p.name.lower().startswith(wanted)]
    if len(matches) != 1:
        known = "; ".join(p.name for p in parts)
        problem = "matches no part" if not matches else f"matches {len(matches)} parts"
        raise PlanError(f"{where}: {name!r} {problem} of the notes (parts: {known})")
    return matches[0]


def chosen_parts(session: dict, where: str) -> tuple[list[Part], list[Part]]:
    """(parts used, parts left out) of a chapter session."""
    parts = chapter_parts(session["chapter"])
    if "parts" in session and "skip" in session:
        raise PlanError(f"{where}: give either 'parts' or 'skip', not both")
    if session.get("parts") in (None, "all"):
        skipped = [find_part(parts, name, where) for name in session.get("skip", [])]
        used = [p for p in parts if p not in skipped]
    else:
        used = [find_part(parts, name, where) for name in session["parts"]]
        used = [p for p in parts if p in used]  # in the notes' order
    return used, [p for p in parts if p not in used]


def run_minutes() -> dict[str, int]:
    """Minutes to run each notebook twice (instructor + learners), from the bench table."""
    with open(TIMES, newline="") as handle:
        return {Path(r["notebook"]).stem: math.ceil(2 * float(r["wall_seconds"]) / 60) for r in csv.DictReader(handle)}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of(text: str) -> int:
    hours, minutes = str(text).split(":")
    return int(hours) * 60 + int(minutes)


def render(fmt: dict, runs: dict[str, int]) -> str:
    """One schedule page as markdown; raises PlanError if the plan does not add up."""
    name = fmt.get("id", "?")
    sessions = fmt.get("sessions") or []
    kinds = [s.get("slot") for s in sessions if "day" not in s]
    if not kinds or kinds[0] != "welcome":
        raise PlanError(f"{name}: the first session must be a welcome and set-up triage slot "
                        "({slot: welcome, minutes: N})")
    if kinds[-1] != "wrap-up":
        raise PlanError(f"{name}: the last session must be a wrap-up slot ({{slot: wrap-up, minutes: N}})")
    now = day_start = minutes_of(fmt["start"])
    day, stretch, stretch_start = 1, 0, now
    rows, details, days, notes_links = [], [], {}, []
    # A chapter may be taught over several sessions (a long one split by a break): what it
    # leaves out is what none of its sessions uses, and its objectives are listed once.
    used_anywhere: dict[str, set[str]] = {}
    for index, session in enumerate(sessions):
        if "chapter" in session:
            where = f"{name}, session {index + 1} ({session['chapter']})"
            chapter_info(session["chapter"])  # a missing notebook is named before its notes
            used_anywhere.setdefault(session["chapter"], set()).update(
                p.name for p in chosen_parts(session, where)[0])
    described: set[str] = set()
    for index, session in enumerate(sessions):
        where = f"{name}, session {index + 1}"
        if "day" in session:
            days[day] = (day_start, now)
            day = session["day"]
            now = day_start = stretch_start = minutes_of(session["start"])
            stretch = 0
            rows.append(f"| **Day {day}** | | | | |")
            continue
        if "break" in session:
            rows.append(f"| {clock(now)} | *{session.get('label', 'Break')}* | | {session['break']} | |")
            now += session["break"]
            stretch, stretch_start = 0, now
            continue
        slot = int(session.get("minutes", 0))
        if slot <= 0:
            raise PlanError(f"{where}: every session needs its slot length ('minutes')")
        if "slot" in session:
            if session["slot"] not in SLOTS:
                raise PlanError(f"{where}: unknown slot {session['slot']!r} (known: {', '.join(SLOTS)})")
            rows.append(f"| {clock(now)} | *{session.get('label', SLOTS[session['slot']])}* | | {slot} | |")
        else:
            stem = session["chapter"]
            title, objectives = chapter_info(stem)
            used, left_out = chosen_parts(session, f"{where} ({stem})")
            if stem not in runs:
                raise PlanError(f"{where}: no measured run time for {stem} in book/running_times.csv; "
                                "run `make bench NB=notebooks/{stem}.ipynb`")
            need = sum(p.minutes for p in used) + runs[stem]
            if need > slot:
                raise PlanError(f"{where} ({stem}): its parts take {need} min "
                                f"({' + '.join(str(p.minutes) for p in used)} + {runs[stem]} run), "
                                f"more than its {slot}-min slot")
            parts = " · ".join(f"{p.name} {p.minutes}" for p in used) + f" · run {runs[stem]}"
            notes = f"notes_{stem[:2]}"
            rows.append(f"| {clock(now)} | {{doc}}`{title} <../../notebooks/{stem}>` | {parts} | "
                        f"{slot} | {{doc}}`notes <{notes}>` |")
            left_out = [p for p in left_out if p.name not in used_anywhere[stem]]
            skipped = ("\n\n*Left out:* " + "; ".join(f"{p.name} ({p.minutes} min)" for p in left_out) + "."
                       if left_out else "\n\n*Every part of the notes is used.*")
            spare = f" The slot leaves {slot - need} min to spare." if slot > need else ""
            if stem not in described:
                details.append(f"### {title}\n\n" + "\n".join(f"- {o}" for o in objectives)
                               + f"{skipped}{spare}")
                described.add(stem)
            notes_links.append(notes)
        now += slot
        stretch += slot
        if stretch > MAX_STRETCH:
            raise PlanError(f"{name}: {stretch} min without a break ({clock(stretch_start)}–{clock(now)}), "
                            f"more than {MAX_STRETCH}; add a break")
    days[day] = (day_start, now)
    for number, (first, last) in days.items():
        if last - first > fmt["length"]:
            raise PlanError(f"{name}: day {number} takes {last - first} min, more than its {fmt['length']} min")
    total = sum(last - first for first, last in days.values())
    span = ", ".join(f"day {n}: {clock(a)}–{clock(b)}" for n, (a, b) in days.items()) if len(days) > 1 \
        else f"{clock(days[1][0])}–{clock(days[1][1])}"
    return "\n".join([
        "<!-- Generated by `make workshop` from plan.yml, the instructor notes, the chapters and "
        "running_times.csv: do not edit. -->",
        f"# {fmt['title']}", "",
        f"**Audience.** {fmt['audience']}  ",
        f"**Time.** {span} ({total} minutes including breaks).", "",
        "Each chapter session uses the parts of its instructor notes listed here, with the minutes the",
        "notes give them (teaching, exercises and discussion are parts), plus the notebook's measured",
        "run time, twice (the instructor's run and the learners'); the generator checks that they fit",
        f"the session's slot and that no stretch runs longer than {MAX_STRETCH} minutes without a break.",
        "Participants set up their machines beforehand ({doc}`prepare`); the welcome slot is for",
        "the few whose `doctor` report still fails.", "",
        "| start | session | parts used (minutes) | slot | instructor |",
        "|---|---|---|---|---|", *rows, "",
        "## Sessions: learning objectives and what is left out", "", "\n\n".join(details), "",
    ])


def main(argv: list[str]) -> int:
    plan = yaml.safe_load(PLAN.read_text())
    runs = run_minutes()
    stale = []
    for fmt in plan["formats"]:
        try:
            page = render(fmt, runs)
        except PlanError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        target = WORKSHOP / f"schedule_{fmt['id']}.md"
        if "--check" in argv:
            if not target.exists() or target.read_text() != page:
                stale.append(target.relative_to(ROOT).as_posix())
        else:
            target.write_text(page)
            print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"out of date (run `make workshop`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
