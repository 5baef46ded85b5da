"""The CPU-only PyTorch switch (Makefile TORCH_CPU, environment.yml) reaches pip, offline.

`make -n` prints the commands without running them: the switch must put PyTorch's CPU wheel
index on pip's command line on Linux, and off (TORCH_CPU=0, as .ci/run sets it) or on macOS the
command must be exactly the plain install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INDEX = "https://download.pytorch.org/whl/cpu"
PLAIN = ".venv/bin/python -m pip --disable-pip-version-check install -qq -r requirements.lock"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def pip_lines(*variables: str, target: str = "install", word: str = "requirements.lock") -> list[str]:
    # Under `make test TORCH_CPU=0` (as in CI) the outer make passes its command-line variables
    # to every make below it through MAKEFLAGS: drop them so only `variables` decide.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TORCH_CPU", "UNAME_S")}
    result = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), target, *variables],
                            capture_output=True, text=True, timeout=60, check=True, env=env)
    return [line.strip().rstrip("\\").strip() for line in result.stdout.splitlines()
            if "pip" in line and word in line]


def test_the_switch_is_on_by_default_on_linux() -> None:
    [line] = pip_lines("UNAME_S=Linux")
    assert line.endswith(f"install -qq --extra-index-url {INDEX} -r requirements.lock &&")


def test_off_changes_nothing() -> None:
    for variables in (("TORCH_CPU=0", "UNAME_S=Linux"), ("UNAME_S=Darwin",)):
        [line] = pip_lines(*variables)
        assert line == f"{PLAIN} &&", variables


def test_make_lock_resolves_with_the_same_index_and_keeps_it_out_of_the_lock() -> None:
    [line] = pip_lines("UNAME_S=Linux", target="lock", word="pip-compile")
    assert f"--extra-index-url {INDEX}" in line and "--no-emit-index-url" in line


def test_ci_turns_it_off_and_conda_uses_the_same_index() -> None:
    assert "make test TORCH_CPU=0" in (ROOT / ".ci" / "run").read_text()
    pip = next(d["pip"] for d in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
               if isinstance(d, dict))
    line = f"--extra-index-url {INDEX}"
    assert line in pip and pip.index(line) < pip.index("-r requirements.lock")
    assert f"TORCH_INDEX := {INDEX}" in (ROOT / "Makefile").read_text()
