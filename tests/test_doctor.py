"""Tests of the workshop preflight check (`python -m causalcourse doctor`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from causalcourse import doctor
from causalcourse.data import sha256_file

ROOT = Path(__file__).resolve().parents[1]


def test_read_lock_reads_every_pin() -> None:
    pins = doctor.read_lock(ROOT / "requirements.lock")
    assert pins["torch"] == "2.13.0"
    assert pins["pyro-ppl"] == "1.9.2" and pins["chirho"] == "0.3.0"
    assert not any(name.startswith("nvidia-") for name in pins), "the lock must not pull CUDA packages"


def test_read_lock_rejects_unpinned_lines(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy>=2\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        doctor.read_lock(lock)


def test_missing_package_is_named_with_the_fix() -> None:
    def installed(name: str) -> str:
        if name == "pyro-ppl":
            raise doctor.metadata.PackageNotFoundError(name)
        return {"numpy": "2.2.6", "torch": "2.13.0+cpu"}[name]

    check = doctor.check_locked_versions({"numpy": "2.2.6", "pyro-ppl": "1.9.2", "torch": "2.13.0"}, installed)
    assert not check.ok
    assert "missing: pyro-ppl" in check.detail and "torch" not in check.detail  # +cpu satisfies ==2.13.0
    assert "make install" in check.fix


def test_wrong_version_is_named() -> None:
    check = doctor.check_locked_versions({"numpy": "2.2.6"}, lambda name: "1.26.4")
    assert not check.ok and "numpy 1.26.4 (locked 2.2.6)" in check.detail


def test_broken_import_is_named() -> None:
    check = doctor.check_imports(["json", "a_module_that_does_not_exist"])
    assert not check.ok and "a_module_that_does_not_exist" in check.detail


def test_corrupted_data_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "sachs"
    folder.mkdir()
    (folder / "cells.csv").write_text("praf,pmek\n1,2\n")
    (folder / "SHA256SUMS").write_text(f"{sha256_file(folder / 'cells.csv')}  cells.csv\n")
    assert doctor.check_data(tmp_path).ok
    (folder / "cells.csv").write_text("praf,pmek\n1,9\n")
    check = doctor.check_data(tmp_path)
    assert not check.ok and "cells.csv is altered or corrupt" in check.detail and "git checkout" in check.fix


def test_python_version_check() -> None:
    assert doctor.check_python((3, 11)).ok
    assert not doctor.check_python((3, 12)).ok


def test_cli_passes_on_this_installation() -> None:
    result = subprocess.run([sys.executable, "-m", "causalcourse", "doctor"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 6 checks passed" in result.stdout
    for name in ("Python 3.11", "locked packages", "imports", "data files", "Pyro inference", "DoWhy estimate"):
        assert f"{name}" in result.stdout


def test_cli_fails_and_explains(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("a-package-nobody-installed==1.0\n")
    data = tmp_path / "data" / "toy"
    data.mkdir(parents=True)
    (data / "x.csv").write_text("1\n")
    (data / "SHA256SUMS").write_text("0" * 64 + "  x.csv\n")
    result = subprocess.run([sys.executable, "-m", "causalcourse", "doctor", "--lock", str(lock),
                             "--data", str(tmp_path / "data")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "missing: a-package-nobody-installed" in result.stdout
    assert "x.csv is altered or corrupt" in result.stdout
    assert "2 of 6 checks failed" in result.stdout
    assert result.stdout.count("fix:") == 2


def test_unknown_command_prints_usage() -> None:
    result = subprocess.run([sys.executable, "-m", "causalcourse", "cure"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr
