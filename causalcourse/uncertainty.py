"""Replicate a result and report it with an interval: seeds, paired differences, bootstraps.

A headline of the course — method A beats B, an estimate converges, a score is
reached — is a claim about a distribution, not one run. This module holds what every
chapter needs to make such a claim honestly:

- :func:`replicate` runs a seeded experiment over many seeds (or random problem
  instances) and collects one row per run;
- :func:`mean_interval` and :func:`paired_difference` give Student-t intervals of a
  mean and of a mean paired difference (compare methods *on the same runs*);
- :func:`stratified_bootstrap` resamples rows *within each experimental condition*
  (the cells of each Sachs experiment stay in their experiment) and
  :func:`percentile_interval` summarises the resampled statistic;
- :func:`proportion_interval` is the Wilson interval of a rate (statsmodels);
- :func:`summarise` turns a table of replications into mean and interval per column.

Intervals are :class:`Interval` objects that print as ``0.91 [0.72, 1.10]``.

Example
-------
>>> runs = replicate(lambda seed: {"a": seed % 3, "b": seed % 3 + 1.0}, range(12))
>>> paired_difference(runs["b"], runs["a"]).estimate
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalcourse.errors import CourseError, check_known

__all__ = [
    "Interval",
    "mean_interval",
    "paired_difference",
    "percentile_interval",
    "proportion_interval",
    "replicate",
    "bootstrap_indices",
    "stratified_bootstrap",
    "summarise",
]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided interval at ``level`` from ``n`` replications.

    Example
    -------
    >>> print(Interval(0.912, 0.718, 1.104, n=40))
    0.91 [0.72, 1.10]
    >>> Interval(0.9, 0.7, 1.1).excludes(0.0)
    True
    """

    estimate: float
    low: float
    high: float
    level: float = 0.95
    n: int = 0
    method: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise CourseError(f"an interval needs low <= high, got low={self.low!r}, "
                              f"high={self.high!r}")
        _check_level(self.level)

    def __str__(self) -> str:
        return self.format()

    def format(self, digits: int = 2) -> str:
        """``estimate [low, high]`` with ``digits`` decimals."""
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval (ends included)."""
        return bool(self.low <= value <= self.high)

    def excludes(self, value: float) -> bool:
        """Whether ``value`` lies outside the interval (e.g. 0 for a difference)."""
        return not self.contains(value)

    @property
    def width(self) -> float:
        return float(self.high - self.low)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise CourseError(f"level must lie strictly between 0 and 1, got {level!r}")


def _finite_vector(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise CourseError(f"{what} is empty: an interval needs at least one replication")
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise CourseError(f"{what} holds a non-finite value ({array[bad]!r} at position {bad})")
    return array


def mean_interval(values: Iterable[float], level: float = 0.95) -> Interval:
    """Mean of ``values`` with a Student-t interval (one value: a zero-width interval).

    Use it for quantities replicated over independent seeds or problem instances.

    Example
    -------
    >>> print(mean_interval([1.0, 2.0, 3.0, 4.0]))
    2.50 [0.45, 4.55]
    """
    _check_level(level)
    x = _finite_vector(list(values), "values")
    mean = float(x.mean())
    if x.size == 1 or np.all(x == x[0]):
        return Interval(mean, mean, mean, level, int(x.size), "t")
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return Interval(mean, mean - half, mean + half, level, int(x.size), "t")


def paired_difference(a: Iterable[float], b: Iterable[float], level: float = 0.95) -> Interval:
    """Mean of ``a - b`` over paired runs (same seed, same problem) with a t-interval.

    Pairing removes the run-to-run variation the two methods share, so a comparison
    needs far fewer runs than two separate intervals would suggest.

    Example
    -------
    >>> print(paired_difference([3.0, 5.0, 4.0], [2.0, 4.5, 2.5]))
    1.00 [-0.24, 2.24]
    """
    x = _finite_vector(list(a), "a")
    y = _finite_vector(list(b), "b")
    if x.size != y.size:
        raise CourseError(
            f"paired_difference needs runs in pairs: a has {x.size} values, b has {y.size}"
        )
    result = mean_interval(x - y, level)
    return Interval(result.estimate, result.low, result.high, level, result.n, "paired t")


def percentile_interval(
    draws: Iterable[float], estimate: float | None = None, level: float = 0.95
) -> Interval:
    """Percentile interval of bootstrap (or Monte Carlo) ``draws``.

    ``estimate`` is the statistic on the original data; without it the median of the
    draws is reported.

    Example
    -------
    >>> print(percentile_interval(np.arange(101.0), estimate=50.0))
    50.00 [2.50, 97.50]
    """
    _check_level(level)
    x = _finite_vector(list(draws), "draws")
    low, high = np.quantile(x, [0.5 - level / 2, 0.5 + level / 2])
    centre = float(np.median(x)) if estimate is None else float(estimate)
    return Interval(centre, float(low), float(high), level, int(x.size), "percentile")


def proportion_interval(
    successes: int, trials: int, level: float = 0.95, method: str = "wilson"
) -> Interval:
    """A rate ``successes / trials`` with its Wilson interval (statsmodels' ``proportion_confint``).

    Use it for "reached the target in k of N runs" and for accuracies.

    Example
    -------
    >>> print(proportion_interval(19, 20))
    0.95 [0.76, 0.99]
    """
    from statsmodels.stats.proportion import proportion_confint

    _check_level(level)
    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise CourseError(f"trials must be a positive whole number, got {trials!r}")
    if isinstance(successes, bool) or int(successes) != successes or not 0 <= successes <= trials:
        raise CourseError(
            f"successes must be a whole number between 0 and trials={trials}, got {successes!r}"
        )
    low, high = proportion_confint(int(successes), int(trials), alpha=1 - level, method=method)
    return Interval(successes / trials, float(low), float(high), level, int(trials), method)


def replicate(
    experiment: Callable[[int], Mapping[str, float] | float], seeds: Iterable[int]
) -> pd.DataFrame:
    """Run ``experiment(seed)`` for every seed; one row per seed (index ``seed``).

    ``experiment`` returns a number or a mapping of named numbers (one per method,
    say); the table then feeds :func:`summarise` or :func:`paired_difference`.

    Example
    -------
    >>> replicate(lambda s: {"x": s * 2}, [1, 2]).to_dict("list")
    {'x': [2, 4]}
    """
    seeds = list(seeds)
    if not seeds:
        raise CourseError("replicate needs at least one seed")
    rows = []
    for seed in seeds:
        result = experiment(seed)
        rows.append(dict(result) if isinstance(result, Mapping) else {"value": result})
    return pd.DataFrame(rows, index=pd.Index(seeds, name="seed"))


def bootstrap_indices(
    strata: Sequence[Any] | np.ndarray | pd.Series, rng: np.random.Generator
) -> np.ndarray:
    """Row positions of one bootstrap resample drawn *within* each stratum.

    Every stratum keeps its size: its rows are resampled with replacement among
    themselves, so an experiment's cells never borrow cells of another condition.

    Example
    -------
    >>> idx = bootstrap_indices(["a", "a", "b"], np.random.default_rng(0))
    >>> sorted(idx[idx < 2].tolist()) == sorted(idx[:2].tolist()), int(idx[2])
    (True, 2)
    """
    labels = np.asarray(strata)
    if labels.ndim != 1 or labels.size == 0:
        raise CourseError("strata must be a non-empty one-dimensional sequence of labels")
    out = np.empty(labels.size, dtype=np.int64)
    _, codes = np.unique(labels, return_inverse=True)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        out[rows] = rng.choice(rows, size=rows.size, replace=True)
    return out


def stratified_bootstrap(
    statistic: Callable[[pd.DataFrame], Mapping[str, float] | float],
    data: pd.DataFrame,
    strata: str | None = None,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """``statistic`` on ``n_boot`` resamples of ``data`` drawn within column ``strata``.

    ``strata=None`` resamples all rows together (the ordinary bootstrap). Returns one
    row per resample (columns as ``statistic`` names them, or ``value``).

    Example
    -------
    >>> df = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "y": [0.0] * 5 + [1.0] * 5})
    >>> boot = stratified_bootstrap(lambda d: d["y"].mean(), df, strata="g", n_boot=20)
    >>> bool((boot["value"] == 0.5).all())   # each group keeps its five rows
    True
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise CourseError("stratified_bootstrap needs a non-empty pandas DataFrame")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise CourseError(f"n_boot must be a positive whole number, got {n_boot!r}")
    if strata is not None:
        check_known([strata], data.columns, what="column", where="the data")
    labels = np.zeros(len(data), dtype=np.int64) if strata is None else data[strata].to_numpy()
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(int(n_boot)):
        sample = data.iloc[bootstrap_indices(labels, rng)].reset_index(drop=True)
        result = statistic(sample)
        rows.append(dict(result) if isinstance(result, Mapping) else {"value": result})
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame, level: float = 0.95, kind: str = "t") -> pd.DataFrame:
    """Per column of ``table``: estimate, interval ends and number of runs.

    ``kind="t"`` treats rows as independent replications (seeds, instances) and gives
    the mean with a t-interval; ``kind="percentile"`` treats rows as bootstrap draws
    and gives their median with a percentile interval.

    Example
    -------
    >>> summarise(pd.DataFrame({"x": [1.0, 2.0, 3.0]})).round(2).to_dict("index")
    {'x': {'estimate': 2.0, 'low': -0.48, 'high': 4.48, 'n': 3.0}}
    """
    if kind not in {"t", "percentile"}:
        raise CourseError(f"kind must be 't' or 'percentile', got {kind!r}")
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise CourseError("summarise needs a non-empty table of replications")
    rows = {}
    for column in table.columns:
        values = table[column].dropna()
        interval = (
            mean_interval(values, level)
            if kind == "t"
            else percentile_interval(values, level=level)
        )
        rows[column] = {
            "estimate": interval.estimate,
            "low": interval.low,
            "high": interval.high,
            "n": float(interval.n),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
