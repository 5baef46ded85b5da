"""Workshop schedules (`make workshop`) are current, fit their days, and come from the measured times."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import workshop  # noqa: E402


def test_committed_schedules_are_up_to_date() -> None:
    assert workshop.main(["--check"]) == 0, "run `make workshop` and commit book/workshop/schedule_*.md"


def test_every_chapter_is_in_the_two_day_plan() -> None:
    import yaml

    plan = yaml.safe_load(workshop.PLAN.read_text())
    two_day = next(f for f in plan["formats"] if f["id"] == "2day")
    planned = {s["chapter"] for s in two_day["sessions"] if "chapter" in s}
    assert planned == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}


def fmt(sessions: list[dict], length: int = 60) -> dict:
    return {"id": "t", "title": "T", "audience": "A", "start": "09:00", "length": length, "sessions": sessions}


def test_run_time_comes_from_the_bench_table() -> None:
    session = {"chapter": "00_welcome", "teach": 10, "exercises": 5, "discussion": 5}
    fast = workshop.render(fmt([session]), {"00_welcome": 1})
    slow = workshop.render(fmt([session]), {"00_welcome": 7})
    assert "| 10 + 1 + 5 + 5 | 21 |" in fast and "| 10 + 7 + 5 + 5 | 27 |" in slow
    assert "write a structural causal model" in fast  # objectives are read from the chapter


def test_a_day_that_overruns_is_an_error() -> None:
    session = {"chapter": "00_welcome", "teach": 50, "exercises": 5, "discussion": 5}
    with pytest.raises(ValueError, match="day 1 takes 61 min, more than its 60 min"):
        workshop.render(fmt([session]), {"00_welcome": 1})


def test_unknown_chapter_is_named() -> None:
    with pytest.raises(ValueError, match="'99_missing'"):
        workshop.render(fmt([{"chapter": "99_missing", "teach": 1, "exercises": 1, "discussion": 1}]), {"99_missing": 1})
