"""Preflight check for a workshop laptop: ``python -m causalcourse doctor [--report]``.

Proves, in about half a minute, that this machine can run the course on the day. One row per
check, and for anything that fails one line that says why and one that says how to fix it:

- Python 3.11, every locked package at its locked version, the key imports (the chapters'
  libraries, including DoubleML, PySensemakr and gies);
- free memory against the heaviest chapter's measured peak (book/running_times.csv) plus
  room for JupyterLab and a browser, and free disk for the website, the kit and caches;
- the shipped data files against their SHA-256;
- tiny tasks with known answers in Pyro (SVI), ChiRho (a twin-world counterfactual), DoWhy
  (a backdoor estimate), y0 (identification) and causal-learn (PC);
- JupyterLab with jupyterlab-myst, and the kernel JupyterLab starts (``python3``) belongs to
  this environment;
- chapter 00 runs end to end in that kernel within ``CHAPTER_SECONDS``.

``--report [FILE]`` also writes a short text file (default ``doctor-report.txt``) with the
machine's size and every row, without user names or paths, for participants to send to the
instructor. The exit status is 0 only when every check passes.
"""

from __future__ import annotations

import csv
import importlib
import importlib.metadata as metadata
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from causalcourse import data as _data
from causalcourse.errors import CourseError, UnknownNameError

__all__ = [
    "Check",
    "read_lock",
    "peak_memory",
    "check_python",
    "check_locked_versions",
    "check_imports",
    "check_memory",
    "check_disk",
    "check_data",
    "check_pyro",
    "check_chirho",
    "check_dowhy",
    "check_y0",
    "check_causallearn",
    "check_jupyterlab",
    "check_kernel_and_chapter",
    "run_checks",
    "format_table",
    "format_report",
    "main",
]

FIX_INSTALL = "run `make install` (or `pip install -r requirements.lock`) in the course folder"
CHAPTER_SECONDS = 30.0  # chapter 00 must run within this, once its kernel has started
KERNEL_START_SECONDS = 60.0
HEADROOM_MB = 1024  # JupyterLab's server and a browser tab, beyond the kernel's peak
DISK_MB = 1024  # the website and the teaching kit (_build/), pip and matplotlib caches
REPORT = "doctor-report.txt"

#: Modules a chapter imports; each must import cleanly.
KEY_MODULES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "matplotlib",
    "networkx",
    "torch",
    "pyro",
    "chirho",
    "y0",
    "dowhy",
    "causallearn",
    "pgmpy",
    "doubleml",
    "sensemakr",
    "gies",
    "tqdm",
    "nbval",
)


@dataclass(frozen=True)
class Check:
    """The outcome of one preflight check: what was checked, whether it passed, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def repo_root() -> Path:
    """The course checkout that this package was installed from (editable install)."""
    return Path(__file__).resolve().parents[1]


def read_lock(lock: Path | str) -> dict[str, str]:
    """Read ``name==version`` pins from a pip-compile lock file into ``{name: version}``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "requirements.lock"
    >>> _ = p.write_text("numpy==2.2.6\\n    # via pandas\\n")
    >>> read_lock(p)
    {'numpy': '2.2.6'}
    """
    lock = Path(lock)
    if not lock.is_file():
        raise UnknownNameError(
            f"lock file {lock} is missing; run the doctor from a clone of the course"
        )
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise CourseError(f"{lock}: cannot read the pin {line!r} ({error})") from error
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise CourseError(f"{lock}: {line!r} is not an exact pin (name==version)")
        pins[requirement.name] = specs[0].version
    return pins


def peak_memory(table: Path | str | None = None) -> tuple[str, float]:
    """The notebook with the largest measured peak memory, and that peak in MB.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "running_times.csv"
    >>> _ = p.write_text("notebook,wall_seconds,peak_rss_mb\\na.ipynb,4.9,401\\nb.ipynb,9.1,812\\n")
    >>> peak_memory(p)
    ('b', 812.0)
    """
    table = Path(table) if table is not None else repo_root() / "book" / "running_times.csv"
    if not table.is_file():
        raise UnknownNameError(
            f"bench table {table} is missing; restore it with `git checkout -- {table.name}`"
        )
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"notebook", "peak_rss_mb"} <= set(rows[0]):
        raise CourseError(
            f"{table} needs the columns notebook and peak_rss_mb (as `make bench` writes it)"
        )
    peaks = []
    for number, row in enumerate(rows, 2):
        try:
            peaks.append((float(row["peak_rss_mb"]), Path(row["notebook"]).stem))
        except (TypeError, ValueError) as error:
            raise CourseError(
                f"{table}, line {number}: peak_rss_mb {row['peak_rss_mb']!r} is not a number"
            ) from error
    mb, name = max(peaks)
    return name, mb


def check_python(version: tuple[int, int] | None = None) -> Check:
    """Python must be 3.11, the version the lock was resolved for."""
    major, minor = version or sys.version_info[:2]
    ok = (major, minor) == (3, 11)
    return Check(
        "Python 3.11",
        ok,
        f"found {major}.{minor}",
        "" if ok else "install Python 3.11 and re-run `make install`",
    )


def check_locked_versions(
    pins: dict[str, str], installed: Callable[[str], str] = metadata.version
) -> Check:
    """Every locked distribution must be installed at its locked version.

    ``installed`` maps a distribution name to its installed version (raising
    ``PackageNotFoundError`` when absent); tests pass a fake one.
    """
    from packaging.specifiers import SpecifierSet

    missing, wrong = [], []
    for name, version in sorted(pins.items()):
        try:
            found = installed(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if found not in SpecifierSet(f"=={version}"):
            wrong.append(f"{name} {found} (locked {version})")
    problems = [f"missing: {', '.join(missing)}"] if missing else []
    problems += [f"wrong version: {', '.join(wrong)}"] if wrong else []
    detail = (
        "; ".join(problems) if problems else f"all {len(pins)} locked packages at their versions"
    )
    return Check("locked packages", not problems, detail, FIX_INSTALL if problems else "")


def check_imports(modules: Iterable[str] = KEY_MODULES) -> Check:
    """Each key module must import (a version match is no use if the import crashes)."""
    failed = []
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 - report any import failure
            failed.append(f"{module} ({type(error).__name__}: {error})")
    detail = "cannot import " + "; ".join(failed) if failed else "all key modules import"
    return Check("imports", not failed, detail, FIX_INSTALL if failed else "")


def _available_memory_mb() -> float:
    import psutil

    return psutil.virtual_memory().available / 2**20


def check_memory(available_mb: float | None = None, table: Path | str | None = None) -> Check:
    """Free memory must hold the heaviest chapter's measured peak plus ``HEADROOM_MB``."""
    name, peak = peak_memory(table)
    available = _available_memory_mb() if available_mb is None else float(available_mb)
    need = peak + HEADROOM_MB
    ok = available >= need
    detail = (
        f"{available / 1024:.1f} GB available; the heaviest chapter ({name}) peaks at "
        f"{peak:.0f} MB, "
        f"+{HEADROOM_MB} MB for JupyterLab and a browser"
    )
    fix = (
        ""
        if ok
        else (
            f"free {need - available:.0f} MB more: close other programs (browsers with many tabs, "
            "IDEs, containers) before the workshop, or bring a machine with more memory"
        )
    )
    return Check("memory", ok, detail, fix)


def check_disk(free_mb: float | None = None, folder: Path | str | None = None) -> Check:
    """The course folder's disk must have ``DISK_MB`` free for the website, the kit and caches."""
    where = Path(folder) if folder is not None else repo_root()
    if not where.exists():
        raise UnknownNameError(f"folder {where} does not exist")
    free = shutil.disk_usage(where).free / 2**20 if free_mb is None else float(free_mb)
    ok = free >= DISK_MB
    detail = (
        f"{free / 1024:.1f} GB free (the website, the kit and caches need {DISK_MB / 1024:.0f} GB)"
    )
    fix = "" if ok else f"free {DISK_MB - free:.0f} MB on the disk that holds the course folder"
    return Check("disk", ok, detail, fix)


def check_data(root: Path | str | None = None) -> Check:
    """Every file listed in a ``data/**/SHA256SUMS`` must be present and unaltered."""
    try:
        checked, problems = _data.verify_all(root)
    except OSError as error:
        checked, problems = 0, [str(error)]
    detail = "; ".join(problems) if problems else f"{checked} data files match their SHA-256"
    fix = "restore the named files with `git checkout -- data/`" if problems else ""
    return Check("data files", not problems, detail, fix)


def check_pyro() -> Check:
    """A tiny conjugate model: MAP by SVI must recover the exact posterior mode of a normal mean."""
    import pyro
    import pyro.distributions as dist
    import torch
    from pyro.infer import SVI, Trace_ELBO
    from pyro.infer.autoguide import AutoDelta

    pyro.clear_param_store()
    pyro.set_rng_seed(0)
    y = torch.tensor([1.8, 2.1, 2.4, 1.9, 2.3])

    def model(obs: torch.Tensor) -> None:
        mu = pyro.sample("mu", dist.Normal(0.0, 10.0))
        with pyro.plate("data", len(obs)):
            pyro.sample("y", dist.Normal(mu, 0.5), obs=obs)

    guide = AutoDelta(model)
    svi = SVI(model, guide, pyro.optim.Adam({"lr": 0.1}), Trace_ELBO())
    for _ in range(400):
        svi.step(y)
    estimate = float(guide.median()["mu"])
    exact = float(
        y.sum() / (len(y) + 0.25 / 100.0)
    )  # posterior mode = mean: prior N(0, 10^2), sigma 0.5
    pyro.clear_param_store()
    ok = abs(estimate - exact) < 0.02
    return Check(
        "Pyro inference",
        ok,
        f"posterior mode {estimate:.3f} (exact {exact:.3f})",
        "" if ok else "torch/pyro are broken: " + FIX_INSTALL,
    )


def check_chirho() -> Check:
    """A twin-world counterfactual in ChiRho: X := U_X, Y := 2X + U_Y, seen (1, 3); do(X=0): Y=1."""
    import pyro
    import pyro.distributions as dist
    import torch
    from chirho.counterfactual.handlers import MultiWorldCounterfactual
    from chirho.indexed.ops import IndexSet, gather
    from chirho.interventional.handlers import do
    from chirho.observational.handlers import condition

    def mechanism(loc: torch.Tensor | float) -> dist.Distribution:
        return dist.TransformedDistribution(
            dist.Normal(0.0, 1.0), [dist.transforms.AffineTransform(loc, 1.0)]
        )

    def model() -> torch.Tensor:
        x = pyro.sample("X", mechanism(0.0))
        return pyro.sample("Y", mechanism(2.0 * x))

    evidence = {"X": torch.tensor(1.0), "Y": torch.tensor(3.0)}
    with MultiWorldCounterfactual(), do(actions={"X": torch.tensor(0.0)}), condition(data=evidence):
        trace = pyro.poutine.trace(model).get_trace()
        y = trace.nodes["Y"]["value"]
        factual = float(gather(y, IndexSet(X={0}), event_dim=0).squeeze())
        counterfactual = float(gather(y, IndexSet(X={1}), event_dim=0).squeeze())
    ok = abs(factual - 3.0) < 1e-5 and abs(counterfactual - 1.0) < 1e-5
    return Check(
        "ChiRho counterfactual",
        ok,
        f"Y had X been 0: {counterfactual:.3f} (exact 1.000)",
        "" if ok else "chirho/pyro are broken: " + FIX_INSTALL,
    )


def check_dowhy() -> Check:
    """A tiny backdoor-adjusted DoWhy estimate must recover a known effect of 2."""
    import logging

    import numpy as np
    import pandas as pd
    from dowhy import CausalModel

    logging.getLogger("dowhy").setLevel(logging.ERROR)
    rng = np.random.default_rng(0)
    z = rng.normal(size=2000)
    x = z + rng.normal(size=2000)
    y = 2.0 * x + 3.0 * z + rng.normal(size=2000)
    frame = pd.DataFrame({"z": z, "x": x, "y": y})
    model = CausalModel(frame, treatment="x", outcome="y", graph="digraph {z -> x; z -> y; x -> y}")
    estimand = model.identify_effect(proceed_when_unidentifiable=True)
    value = float(model.estimate_effect(estimand, method_name="backdoor.linear_regression").value)
    ok = abs(value - 2.0) < 0.1
    return Check(
        "DoWhy estimate",
        ok,
        f"effect {value:.3f} (true 2.000)",
        "" if ok else "dowhy or its dependencies are broken: " + FIX_INSTALL,
    )


def check_y0() -> Check:
    """y0's ID algorithm: the front-door graph is identifiable, the bow arc is not."""
    from y0.algorithm.identify import identify_outcomes
    from y0.dsl import Variable
    from y0.graph import NxMixedGraph

    x, m, y = Variable("X"), Variable("M"), Variable("Y")
    front_door = NxMixedGraph.from_edges(directed=[(x, m), (m, y)], undirected=[(x, y)])
    bow_arc = NxMixedGraph.from_edges(directed=[(x, y)], undirected=[(x, y)])
    front = identify_outcomes(front_door, treatments={x}, outcomes={y})
    bow = identify_outcomes(bow_arc, treatments={x}, outcomes={y})
    ok = front is not None and bow is None
    detail = (
        f"front door {'identified' if front is not None else 'NOT identified'}, "
        f"bow arc {'not identified' if bow is None else 'identified (wrong)'}"
    )
    return Check("y0 identification", ok, detail, "" if ok else "y0 is broken: " + FIX_INSTALL)


def check_causallearn() -> Check:
    """causal-learn's PC finds the skeleton of a chain X -> Y -> Z (two edges, no X - Z)."""
    import numpy as np
    from causallearn.search.ConstraintBased.PC import pc

    rng = np.random.default_rng(0)
    x = rng.normal(size=1000)
    y = x + rng.normal(size=1000)
    z = y + rng.normal(size=1000)
    graph = pc(
        np.column_stack([x, y, z]), alpha=0.01, indep_test="fisherz", show_progress=False
    ).G.graph
    skeleton = {(i, j) for i in range(3) for j in range(i + 1, 3) if graph[i, j] != 0}
    ok = skeleton == {(0, 1), (1, 2)}
    return Check(
        "causal-learn PC",
        ok,
        f"skeleton {sorted(skeleton)} (true [(0, 1), (1, 2)])",
        "" if ok else "causal-learn is broken: " + FIX_INSTALL,
    )


def check_jupyterlab() -> Check:
    """JupyterLab is installed with the jupyterlab-myst extension that renders the course's MyST."""
    import jupyterlab

    folder = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-myst"
    if not (folder / "package.json").exists():
        return Check(
            "JupyterLab",
            False,
            f"JupyterLab {jupyterlab.__version__}, but the jupyterlab-myst "
            "extension is not installed (exercises and math would show as raw text)",
            FIX_INSTALL,
        )
    version = metadata.version("jupyterlab-myst")
    return Check(
        "JupyterLab", True, f"JupyterLab {jupyterlab.__version__} with jupyterlab-myst {version}"
    )


def _kernel_python(spec_argv: list[str]) -> str:
    """The interpreter a kernel spec starts (jupyter_client runs a bare ``python`` as this one)."""
    first = spec_argv[0] if spec_argv else ""
    if first in {
        "python",
        f"python{sys.version_info[0]}",
        "python{}.{}".format(*sys.version_info[:2]),
    }:
        return sys.executable
    return first


def check_kernel_and_chapter(
    notebook: Path | str | None = None, limit: float = CHAPTER_SECONDS, kernel_name: str = "python3"
) -> list[Check]:
    """Start the kernel JupyterLab starts, check it is this environment, and run a chapter in it.

    Returns two checks: "course kernel" and "chapter 00 end to end". The chapter must run
    within ``limit`` seconds once the kernel has started.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = (
        Path(notebook) if notebook is not None else repo_root() / "notebooks" / "00_welcome.ipynb"
    )
    if not notebook.is_file():
        raise UnknownNameError(f"notebook {notebook} does not exist")
    if not limit > 0:
        raise CourseError(f"the time limit must be positive, got {limit!r}")
    chapter = (
        f"chapter {notebook.stem[:2]} end to end"
        if notebook.stem[:2].isdigit()
        else f"{notebook.name} runs"
    )
    fix_kernel = (
        f"point the kernel at the course: `{Path(sys.prefix) / 'bin' / 'python'} -m ipykernel "
        f"install --user --name {kernel_name}` (or delete the stray kernel spec)"
    )
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return [
            Check(
                "course kernel",
                False,
                f"JupyterLab has no kernel named {kernel_name!r}",
                fix_kernel,
            ),
            Check(chapter, False, "not run: no kernel", fix_kernel),
        ]
    python = _kernel_python(list(spec.argv))
    nb = nbformat.read(notebook, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys; print(sys.prefix)")
    nb.cells.insert(0, probe)
    state = {"deadline": time.monotonic() + KERNEL_START_SECONDS, "cell": 0}

    def timeout(cell: object) -> int:
        return max(1, int(state["deadline"] - time.monotonic()) + 1)

    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout_func=timeout,
        startup_timeout=int(KERNEL_START_SECONDS),
        allow_errors=False,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    started = time.monotonic()
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL):  # the kernel's start-up chatter
            client.execute_cell(probe, 0)
            prefix = "".join(o.get("text", "") for o in probe.outputs).strip()
            if Path(prefix).resolve() != Path(sys.prefix).resolve():
                return [
                    Check(
                        "course kernel",
                        False,
                        f"the {kernel_name!r} kernel runs {python}, not this course environment",
                        fix_kernel,
                    ),
                    Check(chapter, False, "not run: the kernel is not the course's", fix_kernel),
                ]
            kernel = Check(
                "course kernel",
                True,
                f"{kernel_name!r} starts this environment's Python "
                f"in {time.monotonic() - started:.1f} s",
            )
            state["deadline"] = time.monotonic() + limit
            begin = time.monotonic()
            for index, cell in enumerate(nb.cells[1:], 1):
                if cell.cell_type == "code":
                    state["cell"] = index
                    client.execute_cell(cell, index)
                if time.monotonic() > state["deadline"]:
                    raise CellTimeoutError(f"past the deadline at cell {index}")
            seconds = time.monotonic() - begin
    except (CellTimeoutError, TimeoutError):
        return [
            Check("course kernel", True, f"{kernel_name!r} starts this environment's Python"),
            Check(
                chapter,
                False,
                f"did not finish within {limit:.0f} s (stopped in cell {state['cell']})",
                "the machine is too slow or too busy: close other programs, run the doctor again",
            ),
        ]
    except CellExecutionError as error:
        name = getattr(error, "ename", type(error).__name__)
        value = " ".join(str(getattr(error, "evalue", "")).split())[:120]
        return [
            Check("course kernel", True, f"{kernel_name!r} starts this environment's Python"),
            Check(
                chapter,
                False,
                f"cell {state['cell']} failed: {name}: {value}",
                f"re-run `make doctor`; if it fails again, send {REPORT} to the instructor",
            ),
        ]
    except (DeadKernelError, RuntimeError, OSError) as error:
        return [
            Check(
                "course kernel",
                False,
                f"the {kernel_name!r} kernel ({python}) did not start: "
                f"{type(error).__name__}: {' '.join(str(error).split())[:120]}",
                fix_kernel,
            ),
            Check(chapter, False, "not run: no kernel", fix_kernel),
        ]
    return [
        kernel,
        Check(
            chapter,
            True,
            f"{sum(c.cell_type == 'code' for c in nb.cells) - 1} code cells "
            f"in {seconds:.1f} s (limit {limit:.0f} s)",
        ),
    ]


def _guard(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except (
        CourseError
    ) as error:  # bad input (a missing lock or bench table): say what, not a traceback
        return Check(name, False, str(error), "restore the course files with `git checkout -- .`")
    except Exception as error:  # noqa: BLE001 - the doctor must report, not crash
        return Check(name, False, f"{type(error).__name__}: {error}", FIX_INSTALL)


def run_checks(
    lock: Path | str | None = None,
    data_root: Path | str | None = None,
    chapter: Path | str | None = None,
    limit: float = CHAPTER_SECONDS,
    table: Path | str | None = None,
) -> list[Check]:
    """Run every check and return them in order (never raises)."""
    lock = Path(lock) if lock is not None else repo_root() / "requirements.lock"

    def locked() -> Check:
        return check_locked_versions(read_lock(lock))

    checks = [
        _guard("Python 3.11", check_python),
        _guard("locked packages", locked),
        _guard("imports", check_imports),
        _guard("memory", lambda: check_memory(table=table)),
        _guard("disk", check_disk),
        _guard("data files", lambda: check_data(data_root)),
        _guard("Pyro inference", check_pyro),
        _guard("ChiRho counterfactual", check_chirho),
        _guard("DoWhy estimate", check_dowhy),
        _guard("y0 identification", check_y0),
        _guard("causal-learn PC", check_causallearn),
        _guard("JupyterLab", check_jupyterlab),
    ]
    try:
        checks += check_kernel_and_chapter(chapter, limit)
    except CourseError as error:
        checks += [
            Check(
                "course kernel",
                False,
                str(error),
                "restore the course files with `git checkout -- .`",
            )
        ]
    except Exception as error:  # noqa: BLE001
        checks += [Check("course kernel", False, f"{type(error).__name__}: {error}", FIX_INSTALL)]
    return checks


def _private(text: str) -> str:
    """``text`` without the user's home folder or the course folder's location."""
    for path, shown in ((str(repo_root()), "<course>"), (str(Path.home()), "~")):
        if path and path != "/":
            text = text.replace(path, shown)
    return text


def format_table(checks: list[Check]) -> str:
    """Render checks as a plain-text table with a PASS/FAIL column and the fix."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'check':<{width}}  result  detail", f"{'-' * width}  ------  ------"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {'PASS' if c.ok else 'FAIL':<6}  {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"{'':<{width}}          fix: {c.fix}")
    return "\n".join(lines)


def format_report(checks: list[Check], seconds: float) -> str:
    """A short, shareable report: the machine's size and every check, without paths or names."""
    import datetime

    import psutil

    passed = sum(c.ok for c in checks)
    memory = psutil.virtual_memory()
    lines = [
        "causalcourse doctor report",
        f"date:    {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"system:  {platform.system()} {platform.release()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, "
        f"{memory.total / 2**30:.1f} GB memory ({memory.available / 2**30:.1f} GB available), "
        f"{shutil.disk_usage(repo_root()).free / 2**30:.0f} GB free disk",
        f"python:  {platform.python_version()}",
        f"result:  {passed} of {len(checks)} checks passed in {seconds:.0f} s",
        "",
        format_table(checks),
        "",
    ]
    return _private("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """Print the preflight table; return 0 if everything passed, 1 otherwise, 2 on bad options.

    Options: ``--lock PATH`` (default: the checkout's requirements.lock), ``--data DIR`` (the
    checkout's data/), ``--chapter NOTEBOOK`` (notebooks/00_welcome.ipynb), ``--timeout S``
    (``CHAPTER_SECONDS``), ``--report [FILE]`` (write the shareable report, default
    doctor-report.txt).
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m causalcourse doctor",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lock", type=Path, default=None, help="lock file to check against")
    parser.add_argument(
        "--data", type=Path, default=None, help="data folder with SHA256SUMS manifests"
    )
    parser.add_argument("--chapter", type=Path, default=None, help="notebook to run end to end")
    parser.add_argument(
        "--timeout", type=float, default=CHAPTER_SECONDS, help="seconds the chapter may take"
    )
    parser.add_argument(
        "--report",
        nargs="?",
        const=Path(REPORT),
        type=Path,
        default=None,
        help=f"also write a shareable report (default {REPORT})",
    )
    args = parser.parse_args(argv or [])
    try:
        if args.report is not None and not args.report.parent.resolve().is_dir():
            raise UnknownNameError(
                f"cannot write the report: folder {args.report.parent} does not exist"
            )
        if not args.timeout > 0:
            raise CourseError(
                f"--timeout must be a positive number of seconds, got {args.timeout:g}"
            )
        if args.chapter is not None and not args.chapter.is_file():
            raise UnknownNameError(f"--chapter: notebook {args.chapter} does not exist")
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    checks = run_checks(
        lock=args.lock, data_root=args.data, chapter=args.chapter, limit=args.timeout
    )
    seconds = time.perf_counter() - start
    print(format_table(checks))
    failed = [c.name for c in checks if not c.ok]
    if args.report is not None:
        args.report.write_text(format_report(checks, seconds))
        print(f"\nreport written to {args.report}: send this file to the instructor")
    if failed:
        print(
            f"\n{len(failed)} of {len(checks)} checks failed ({', '.join(failed)}); "
            "fix them before the workshop."
        )
        return 1
    print(
        f"\nAll {len(checks)} checks passed in {seconds:.1f} s: "
        "this machine is ready for the course."
    )
    return 0
