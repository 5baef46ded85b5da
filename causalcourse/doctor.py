"""Preflight check for a workshop laptop: ``python -m causalcourse doctor``.

Runs in a few seconds and prints one row per check — Python version, the locked
package versions, the key imports, the shipped data's SHA-256, a tiny Pyro
inference and a tiny DoWhy estimate — with the fix for anything that fails.
The exit status is 0 only when every check passes.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from causalcourse import data as _data

__all__ = ["Check", "read_lock", "check_python", "check_locked_versions", "check_imports",
           "check_data", "check_pyro", "check_dowhy", "run_checks", "main"]

FIX_INSTALL = "run `make install` (or `pip install -r requirements.lock`) in the course folder"

#: Modules a chapter imports; each must import cleanly.
KEY_MODULES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "sklearn", "matplotlib", "networkx", "torch", "pyro",
    "chirho", "y0", "dowhy", "causallearn", "pgmpy", "tqdm", "nbval",
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
        raise FileNotFoundError(f"lock file {lock} is missing; run the doctor from a clone of the course")
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise ValueError(f"{lock}: cannot read the pin {line!r} ({error})") from error
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ValueError(f"{lock}: {line!r} is not an exact pin (name==version)")
        pins[requirement.name] = specs[0].version
    return pins


def check_python(version: tuple[int, int] | None = None) -> Check:
    """Python must be 3.11, the version the lock was resolved for."""
    major, minor = version or sys.version_info[:2]
    ok = (major, minor) == (3, 11)
    return Check("Python 3.11", ok, f"found {major}.{minor}",
                 "" if ok else "install Python 3.11 and re-run `make install`")


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
    detail = "; ".join(problems) if problems else f"all {len(pins)} locked packages at their versions"
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
    exact = float(y.sum() / (len(y) + 0.25 / 100.0))  # posterior mode = mean: prior N(0, 10^2), sigma 0.5
    pyro.clear_param_store()
    ok = abs(estimate - exact) < 0.02
    return Check("Pyro inference", ok, f"posterior mode {estimate:.3f} (exact {exact:.3f})",
                 "" if ok else "torch/pyro are broken: " + FIX_INSTALL)


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
    return Check("DoWhy estimate", ok, f"effect {value:.3f} (true 2.000)",
                 "" if ok else "dowhy or its dependencies are broken: " + FIX_INSTALL)


def _guard(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as error:  # noqa: BLE001 - the doctor must report, not crash
        return Check(name, False, f"{type(error).__name__}: {error}", FIX_INSTALL)


def run_checks(lock: Path | str | None = None, data_root: Path | str | None = None) -> list[Check]:
    """Run every check and return them in order (never raises)."""
    lock = Path(lock) if lock is not None else repo_root() / "requirements.lock"

    def locked() -> Check:
        return check_locked_versions(read_lock(lock))

    return [
        _guard("Python 3.11", check_python),
        _guard("locked packages", locked),
        _guard("imports", check_imports),
        _guard("data files", lambda: check_data(data_root)),
        _guard("Pyro inference", check_pyro),
        _guard("DoWhy estimate", check_dowhy),
    ]


def format_table(checks: list[Check]) -> str:
    """Render checks as a plain-text table with a PASS/FAIL column and the fix."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'check':<{width}}  result  detail", f"{'-' * width}  ------  ------"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {'PASS' if c.ok else 'FAIL':<6}  {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"{'':<{width}}          fix: {c.fix}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the preflight table; return 0 if everything passed, 1 otherwise.

    Options: ``--lock PATH`` (default: the checkout's requirements.lock) and
    ``--data DIR`` (default: the checkout's data/ folder).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m causalcourse doctor", description=__doc__)
    parser.add_argument("--lock", type=Path, default=None, help="lock file to check against")
    parser.add_argument("--data", type=Path, default=None, help="data folder with SHA256SUMS manifests")
    args = parser.parse_args(argv or [])
    start = time.perf_counter()
    checks = run_checks(lock=args.lock, data_root=args.data)
    print(format_table(checks))
    failed = [c.name for c in checks if not c.ok]
    seconds = time.perf_counter() - start
    if failed:
        print(f"\n{len(failed)} of {len(checks)} checks failed ({', '.join(failed)}); fix them before the workshop.")
        return 1
    print(f"\nAll {len(checks)} checks passed in {seconds:.1f} s: this machine is ready for the course.")
    return 0
