"""Tests of the workshop preflight check (`python -m causalcourse doctor`): every failure mode is
named in one line with its fix, and bad input gets a `causalcourse.errors` message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from causalcourse import doctor
from causalcourse.data import sha256_file
from causalcourse.errors import CourseError, UnknownNameError

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ("Python 3.11", "locked packages", "imports", "memory", "disk", "data files", "Pyro inference",
            "ChiRho counterfactual", "DoWhy estimate", "y0 identification", "causal-learn PC", "JupyterLab",
            "course kernel", "chapter 00 end to end")


def notebook(tmp_path: Path, *sources: str, name: str = "tiny.ipynb") -> Path:
    path = tmp_path / name
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path


# --- the lock --------------------------------------------------------------------------------

def test_read_lock_reads_every_pin() -> None:
    pins = doctor.read_lock(ROOT / "requirements.lock")
    assert pins["torch"] == "2.13.0"
    assert pins["pyro-ppl"] == "1.9.2" and pins["chirho"] == "0.3.0"
    assert not any(name.startswith("nvidia-") for name in pins), "the lock must not pull CUDA packages"


def test_read_lock_rejects_unpinned_lines_and_a_missing_file(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy>=2\n")
    with pytest.raises(CourseError, match="not an exact pin"):
        doctor.read_lock(lock)
    with pytest.raises(UnknownNameError, match="nowhere.lock is missing"):
        doctor.read_lock(tmp_path / "nowhere.lock")


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


def test_broken_import_is_named_and_the_estimation_libraries_are_checked() -> None:
    check = doctor.check_imports(["json", "a_module_that_does_not_exist"])
    assert not check.ok and "a_module_that_does_not_exist" in check.detail
    assert {"doubleml", "sensemakr", "gies"} <= set(doctor.KEY_MODULES)


def test_python_version_check() -> None:
    assert doctor.check_python((3, 11)).ok
    assert not doctor.check_python((3, 12)).ok


# --- memory and disk -------------------------------------------------------------------------

def bench(tmp_path: Path, text: str = "notebook,wall_seconds,peak_rss_mb\na.ipynb,4.9,401\nb.ipynb,9.1,812\n") -> Path:
    path = tmp_path / "running_times.csv"
    path.write_text(text)
    return path


def test_memory_is_checked_against_the_heaviest_chapter(tmp_path: Path) -> None:
    table = bench(tmp_path)
    assert doctor.check_memory(available_mb=8000, table=table).ok
    low = doctor.check_memory(available_mb=1500, table=table)
    assert not low.ok and "(b) peaks at 812 MB" in low.detail
    assert low.fix.startswith(f"free {812 + doctor.HEADROOM_MB - 1500} MB more")
    import csv

    with open(ROOT / "book" / "running_times.csv", newline="") as handle:
        peaks = {r["notebook"][:-6]: float(r["peak_rss_mb"]) for r in csv.DictReader(handle)}
    assert doctor.peak_memory() == max(peaks.items(), key=lambda item: item[1])  # the committed bench table


def test_a_bad_bench_table_gets_a_course_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="missing.csv is missing"):
        doctor.peak_memory(tmp_path / "missing.csv")
    with pytest.raises(CourseError, match="needs the columns notebook and peak_rss_mb"):
        doctor.peak_memory(bench(tmp_path, "notebook,seconds\na.ipynb,1\n"))
    with pytest.raises(CourseError, match=r"line 3: peak_rss_mb 'lots' is not a number"):
        doctor.peak_memory(bench(tmp_path, "notebook,wall_seconds,peak_rss_mb\na.ipynb,1,2\nb.ipynb,1,lots\n"))
    guarded = doctor._guard("memory", lambda: doctor.check_memory(table=tmp_path / "missing.csv"))
    assert not guarded.ok and "missing.csv is missing" in guarded.detail and "git checkout" in guarded.fix


def test_disk_space_is_checked(tmp_path: Path) -> None:
    assert doctor.check_disk(free_mb=5000, folder=tmp_path).ok
    low = doctor.check_disk(free_mb=300, folder=tmp_path)
    assert not low.ok and low.fix == f"free {doctor.DISK_MB - 300} MB on the disk that holds the course folder"
    with pytest.raises(UnknownNameError, match="does not exist"):
        doctor.check_disk(folder=tmp_path / "nowhere")


# --- data and the tiny library tasks -----------------------------------------------------------

def test_corrupted_data_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "sachs"
    folder.mkdir()
    (folder / "cells.csv").write_text("praf,pmek\n1,2\n")
    (folder / "SHA256SUMS").write_text(f"{sha256_file(folder / 'cells.csv')}  cells.csv\n")
    assert doctor.check_data(tmp_path).ok
    (folder / "cells.csv").write_text("praf,pmek\n1,9\n")
    check = doctor.check_data(tmp_path)
    assert not check.ok and "cells.csv is altered or corrupt" in check.detail and "git checkout" in check.fix


@pytest.mark.parametrize("check, module", [(doctor.check_chirho, "chirho.counterfactual.handlers"),
                                           (doctor.check_y0, "y0.algorithm.identify"),
                                           (doctor.check_causallearn, "causallearn.search.ConstraintBased.PC")])
def test_library_tasks_pass_and_a_broken_library_is_named(check, module: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    result = check()
    assert result.ok, result.detail
    monkeypatch.setitem(sys.modules, module, None)  # the import now fails, as a broken install would
    broken = doctor._guard(result.name, check)
    assert not broken.ok and module in broken.detail and "make install" in broken.fix


def test_chirho_task_has_a_known_answer() -> None:
    assert doctor.check_chirho().detail == "Y had X been 0: 1.000 (exact 1.000)"


def test_jupyterlab_without_the_myst_extension_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert doctor.check_jupyterlab().ok
    monkeypatch.setattr(doctor.sys, "prefix", str(tmp_path))
    check = doctor.check_jupyterlab()
    assert not check.ok and "jupyterlab-myst extension is not installed" in check.detail


# --- the kernel and chapter 00 -----------------------------------------------------------------

def test_chapter_runs_in_the_course_kernel(tmp_path: Path) -> None:
    kernel, chapter = doctor.check_kernel_and_chapter(notebook(tmp_path, "x = 1", "print(x + 1)"), limit=20)
    assert kernel.ok and "starts this environment's Python" in kernel.detail
    assert chapter.ok and chapter.name == "tiny.ipynb runs" and "2 code cells" in chapter.detail


def test_a_slow_chapter_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    _, chapter = doctor.check_kernel_and_chapter(notebook(tmp_path, "import time", "time.sleep(30)"), limit=2)
    assert not chapter.ok and chapter.detail == "did not finish within 2 s (stopped in cell 2)"
    assert "too slow or too busy" in chapter.fix


def test_a_failing_chapter_names_the_cell_and_the_error(tmp_path: Path) -> None:
    _, chapter = doctor.check_kernel_and_chapter(notebook(tmp_path, "x = 1", "raise ValueError('boom')"), limit=20)
    assert not chapter.ok and chapter.detail == "cell 2 failed: ValueError: boom"


def test_a_kernel_from_another_environment_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.sys, "prefix", str(tmp_path))  # the kernel's prefix is now "not ours"
    kernel, chapter = doctor.check_kernel_and_chapter(notebook(tmp_path, "x = 1"), limit=20)
    assert not kernel.ok and "not this course environment" in kernel.detail
    assert "ipykernel install --user --name python3" in kernel.fix and not chapter.ok


def test_a_kernel_that_cannot_start_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(tmp_path / "no-such-python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "stray", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before the environment's own kernels
    kernel, chapter = doctor.check_kernel_and_chapter(notebook(tmp_path, "x = 1"), limit=20)
    assert not kernel.ok and "did not start" in kernel.detail and "no-such-python" in kernel.detail
    assert "ipykernel install" in kernel.fix and chapter.detail == "not run: no kernel"


def test_bad_input_to_the_chapter_check(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="missing.ipynb does not exist"):
        doctor.check_kernel_and_chapter(tmp_path / "missing.ipynb")
    with pytest.raises(CourseError, match="time limit must be positive"):
        doctor.check_kernel_and_chapter(notebook(tmp_path, "x = 1"), limit=0)


# --- the command line and the report -----------------------------------------------------------

def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "causalcourse", "doctor", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def test_cli_passes_on_this_installation_and_writes_a_shareable_report(tmp_path: Path) -> None:
    report = tmp_path / "doctor-report.txt"
    result = run("--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"All {len(EXPECTED)} checks passed" in result.stdout
    for name in EXPECTED:
        assert name in result.stdout
    text = report.read_text()
    assert text.startswith("causalcourse doctor report") and f"{len(EXPECTED)} of {len(EXPECTED)} checks passed" in text
    assert str(ROOT) not in text and str(Path.home()) + "/" not in text  # no paths or user names
    assert len(text.splitlines()) < 40


def test_cli_fails_and_explains(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("a-package-nobody-installed==1.0\n")
    data = tmp_path / "data" / "toy"
    data.mkdir(parents=True)
    (data / "x.csv").write_text("1\n")
    (data / "SHA256SUMS").write_text("0" * 64 + "  x.csv\n")
    result = run("--lock", str(lock), "--data", str(tmp_path / "data"),
                 "--chapter", str(notebook(tmp_path, "x = 1")))
    assert result.returncode == 1
    assert "missing: a-package-nobody-installed" in result.stdout
    assert "x.csv is altered or corrupt" in result.stdout
    assert f"2 of {len(EXPECTED)} checks failed" in result.stdout
    assert result.stdout.count("fix:") == 2


def test_cli_rejects_bad_options_with_a_message(tmp_path: Path) -> None:
    result = run("--report", str(tmp_path / "no" / "such" / "report.txt"))
    assert result.returncode == 2 and "folder" in result.stderr and "does not exist" in result.stderr
    result = run("--timeout", "0")
    assert result.returncode == 2 and "--timeout must be a positive number of seconds, got 0" in result.stderr
    result = run("--chapter", str(tmp_path / "missing.ipynb"))
    assert result.returncode == 2 and "missing.ipynb does not exist" in result.stderr


def test_unknown_command_prints_usage() -> None:
    result = subprocess.run([sys.executable, "-m", "causalcourse", "cure"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr
