"""Workshop schedules (`make workshop`): current, built from the notes' parts, and they add up.

The generator rejects a plan whose parts do not fit a session's slot, that runs more than
90 minutes without a break, that lacks a welcome/set-up triage or a wrap-up slot, that
overruns a day, or that names a chapter, notes or part that does not exist.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import workshop  # noqa: E402

WELCOME = {"slot": "welcome", "minutes": 10}
WRAP_UP = {"slot": "wrap-up", "minutes": 10}


def fmt(sessions: list[dict], length: int = 480) -> dict:
    return {"id": "t", "title": "T", "audience": "A", "start": "09:00", "length": length,
            "sessions": [WELCOME, *sessions, WRAP_UP]}


def plan() -> dict:
    return yaml.safe_load(workshop.PLAN.read_text())


def test_committed_schedules_are_up_to_date_and_add_up() -> None:
    assert workshop.main(["--check"]) == 0, "run `make workshop` and commit book/workshop/schedule_*.md"


def test_every_format_opens_with_triage_and_closes_with_a_wrap_up() -> None:
    for f in plan()["formats"]:
        kinds = [s.get("slot") for s in f["sessions"] if "day" not in s]
        assert kinds[0] == "welcome" and kinds[-1] == "wrap-up", f["id"]


def test_every_chapter_is_in_some_format() -> None:
    planned = {s["chapter"] for f in plan()["formats"] for s in f["sessions"] if "chapter" in s}
    assert {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} <= planned


def test_no_format_runs_more_than_90_minutes_without_a_break() -> None:
    for f in plan()["formats"]:
        stretch = 0
        for s in f["sessions"]:
            stretch = 0 if "break" in s or "day" in s else stretch + s["minutes"]
            assert stretch <= workshop.MAX_STRETCH, f["id"]


def test_parts_and_run_time_come_from_the_notes_and_the_bench_table() -> None:
    parts = workshop.chapter_parts("00_welcome")
    assert parts[0].name == "A small world, written as code" and parts[-1].name == "Discussion"
    session = {"chapter": "00_welcome", "minutes": 60}
    total = sum(p.minutes for p in parts)
    fast = workshop.render(fmt([session]), {"00_welcome": 1})
    slow = workshop.render(fmt([session]), {"00_welcome": 7})
    assert f"The slot leaves {60 - total - 1} min to spare" in fast
    assert f"The slot leaves {60 - total - 7} min to spare" in slow
    assert "write a structural causal model" in fast  # objectives are read from the chapter
    assert "Every part of the notes is used" in fast


def test_a_session_uses_only_the_parts_it_names() -> None:
    session = {"chapter": "00_welcome", "minutes": 20, "parts": ["Rungs", "a small world"]}
    page = workshop.render(fmt([session]), {"00_welcome": 1})
    assert "A small world, written as code 5 · Rungs 1–3 10 · run 1 | 20 |" in page
    assert "*Left out:* Exact answers (3 min)" in page
    skipping = workshop.render(fmt([{"chapter": "00_welcome", "minutes": 60, "skip": ["Discussion"]}]),
                               {"00_welcome": 1})
    assert "*Left out:* Discussion (5 min)." in skipping


def test_parts_that_do_not_fit_their_slot_are_an_error() -> None:
    with pytest.raises(workshop.PlanError, match=r"its parts take 41 min .* more than its 30-min slot"):
        workshop.render(fmt([{"chapter": "00_welcome", "minutes": 30}]), {"00_welcome": 1})


def test_more_than_90_minutes_without_a_break_is_an_error() -> None:
    sessions = [{"chapter": "00_welcome", "minutes": 45}, {"chapter": "00_welcome", "minutes": 45}]
    with pytest.raises(workshop.PlanError, match=r"100 min without a break \(09:00–10:40\)"):
        workshop.render(fmt(sessions), {"00_welcome": 1})
    with_break = [sessions[0], {"break": 15}, sessions[1]]
    assert workshop.render(fmt(with_break), {"00_welcome": 1})


def test_missing_welcome_or_wrap_up_is_an_error() -> None:
    session = {"chapter": "00_welcome", "minutes": 45}
    no_welcome = {**fmt([session]), "sessions": [session, WRAP_UP]}
    with pytest.raises(workshop.PlanError, match="first session must be a welcome"):
        workshop.render(no_welcome, {"00_welcome": 1})
    no_wrap_up = {**fmt([session]), "sessions": [WELCOME, session]}
    with pytest.raises(workshop.PlanError, match="last session must be a wrap-up"):
        workshop.render(no_wrap_up, {"00_welcome": 1})


def test_a_day_that_overruns_is_an_error() -> None:
    with pytest.raises(workshop.PlanError, match="day 1 takes 65 min, more than its 60 min"):
        workshop.render(fmt([{"chapter": "00_welcome", "minutes": 45}], length=60), {"00_welcome": 1})


def test_unknown_chapter_notes_and_parts_are_named() -> None:
    with pytest.raises(workshop.PlanError, match=r"'99_nowhere', but notebooks/99_nowhere.ipynb "
                                                 r"does not exist"):
        workshop.render(fmt([{"chapter": "99_nowhere", "minutes": 60}]), {"99_nowhere": 1})
    with pytest.raises(workshop.PlanError, match="'Nonsense' matches no part of the notes"):
        workshop.render(fmt([{"chapter": "00_welcome", "minutes": 60, "parts": ["Nonsense"]}]), {"00_welcome": 1})
    with pytest.raises(workshop.PlanError, match="'Ex' matches 2 parts"):  # Exact answers, Exercises
        workshop.render(fmt([{"chapter": "00_welcome", "minutes": 60, "parts": ["Ex"]}]), {"00_welcome": 1})
    with pytest.raises(workshop.PlanError, match="no measured run time for 00_welcome"):
        workshop.render(fmt([{"chapter": "00_welcome", "minutes": 60}]), {})


def test_missing_notes_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workshop, "WORKSHOP", tmp_path)
    with pytest.raises(workshop.PlanError, match=r"instructor notes .*notes_00.md do not exist"):
        workshop.chapter_parts("00_welcome")
    (tmp_path / "notes_00.md").write_text("# Notes\n\n## Parts and timing\n\nNo table.\n")
    with pytest.raises(workshop.PlanError, match="no 'Parts and timing' table"):
        workshop.chapter_parts("00_welcome")


def test_a_chapter_split_over_two_sessions_leaves_out_only_what_neither_uses() -> None:
    first = {"chapter": "00_welcome", "minutes": 30, "parts": ["A small world", "Rungs 1"]}
    second = {"chapter": "00_welcome", "minutes": 30, "parts": ["Exercises"]}
    page = workshop.render(fmt([first, {"break": 10}, second]), {"00_welcome": 1})
    assert page.count("### ") == 1  # the objectives once
    left = page.split("*Left out:*", 1)[1].split("\n", 1)[0]
    assert "Exact answers" in left and "Discussion" in left
    assert "Exercises" not in left and "Rungs" not in left
