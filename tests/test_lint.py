"""The helper package passes ruff (lint and import order) and mypy, with pyproject.toml's settings.

Run by the test suite, so ``make test`` (and any ``pytest`` run) fails on a lint or type error
in ``causalcourse/``; ``make lint`` runs the same two commands directly. The type check takes
a while from a cold cache, so it is marked slow and ``make unit`` skips it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_passes_on_the_package() -> None:
    result = run("ruff", "check", "--no-cache", "causalcourse")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_passes_on_the_package() -> None:
    result = run("mypy", "--no-incremental", "causalcourse")
    assert result.returncode == 0, result.stdout + result.stderr
