"""Cause-effect pairs: the Tübingen benchmark and three ways to orient a pair from data alone.

Each orientation function takes the two samples ``(a, b)`` and returns a score whose sign is
the decision: positive means "a causes b", negative "b causes a". All three are symmetric:
swapping the inputs flips the sign, so the fact that the shipped file always lists the cause
first cannot help them. The fitting and the independence statistic come from the
libraries (scikit-learn's kernel ridge, causal-learn's HSIC and DirectLiNGAM, numpy's
polynomial fit); chapter 14 compares them with language models. (Before the package was
reorganised this module was ``causalcourse.llm.pairs``, which still re-exports it.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from causalcourse.data import verified_path
from causalcourse.errors import CourseError

__all__ = [
    "load_tuebingen",
    "subsample",
    "orient_anm",
    "orient_reci",
    "orient_lingam",
    "weighted_accuracy",
]


def load_tuebingen() -> pd.DataFrame:
    """The 99 pairs as shipped in cdt 0.6.0: ``pair``, ``original_pair``, ``weight``, ``n``, ``a``,
    ``b`` (arrays).

    In this file the cause is always ``a`` (cdt swapped columns where needed). Files are checked
    against ``data/tuebingen/SHA256SUMS`` first.

    Example
    -------
    >>> pairs = load_tuebingen()
    >>> len(pairs), pairs.loc[0, "pair"], round(float(pairs.weight.sum()), 4)
    (99, 'pair1', 35.4979)
    """
    raw = pd.read_csv(verified_path("tuebingen/Tuebingen_pairs.csv"))
    targets = pd.read_csv(verified_path("tuebingen/Tuebingen_targets.csv"))
    weights = pd.read_csv(verified_path("tuebingen/weights.csv"))
    if not (targets.Target == 1).all():
        raise CourseError("Tuebingen_targets.csv: expected target 1 (A causes B) for every pair")
    a = [np.array(s.split(), dtype=float) for s in raw.A]
    b = [np.array(s.split(), dtype=float) for s in raw.B]
    out = pd.DataFrame({"pair": raw.SampleID, "a": a, "b": b, "n": [len(x) for x in a]})
    out = out.merge(weights, on="pair", how="left", validate="one_to_one")
    if out.weight.isna().any():
        raise CourseError(f"weights.csv lacks pairs {out.pair[out.weight.isna()].tolist()}")
    return out[["pair", "original_pair", "weight", "n", "a", "b"]]


def subsample(
    a: np.ndarray, b: np.ndarray, max_n: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_n`` paired samples, drawn without replacement by a seeded generator.

    Example
    -------
    >>> x, y = subsample(np.arange(10.0), np.arange(10.0), 4)
    >>> len(x), bool((x == y).all())
    (4, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if isinstance(max_n, bool) or not isinstance(max_n, (int, np.integer)) or max_n < 1:
        raise CourseError(f"max_n must be a positive integer, got {max_n!r}")
    if a.shape != b.shape or a.ndim != 1:
        raise CourseError(
            f"a and b must be 1-d arrays of equal length, got shapes {a.shape} and {b.shape}"
        )
    if len(a) <= max_n:
        return a, b
    idx = np.sort(np.random.default_rng(seed).choice(len(a), size=max_n, replace=False))
    return a[idx], b[idx]


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    if sd == 0:
        raise CourseError("a variable is constant; its direction cannot be inferred")
    return (x - x.mean()) / sd


def _anm_dependence(x: np.ndarray, y: np.ndarray) -> float:
    from causallearn.search.FCMBased.lingam.hsic import hsic_test_gamma
    from sklearn.kernel_ridge import KernelRidge

    model = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.5).fit(x[:, None], y)
    residual = y - model.predict(x[:, None])
    return float(hsic_test_gamma(x, _standardise(residual))[0])


def orient_anm(a: np.ndarray, b: np.ndarray, max_n: int = 300, seed: int = 0) -> float:
    """Additive-noise model: regress each way (kernel ridge), keep the direction whose residual is
    more
    independent of the input (HSIC statistic from causal-learn). Score = HSIC(b->a) - HSIC(a->b).

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(-2, 2, 300)
    >>> y = x ** 3 + rng.uniform(-1, 1, 300)
    >>> orient_anm(x, y) > 0
    True
    """
    from threadpoolctl import threadpool_limits

    x, y = (_standardise(v) for v in subsample(a, b, max_n, seed))
    with threadpool_limits(limits=1):  # small matrices: threads only add waiting on a busy laptop
        return _anm_dependence(y, x) - _anm_dependence(x, y)


def orient_reci(a: np.ndarray, b: np.ndarray, degree: int = 3) -> float:
    """RECI (Blöbaum et al. 2018): rescale both to [0, 1], fit a polynomial each way; the causal
    direction has the smaller mean squared error. Score = MSE(b->a) - MSE(a->b).

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(0, 1, 500)
    >>> y = np.exp(2 * x) + rng.normal(0, 0.3, 500)
    >>> orient_reci(x, y) > 0
    True
    """

    def scaled(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        span = v.max() - v.min()
        if span == 0:
            raise CourseError("a variable is constant; its direction cannot be inferred")
        return (v - v.min()) / span

    def mse(x: np.ndarray, y: np.ndarray) -> float:
        with (
            warnings.catch_warnings()
        ):  # discrete variables with few values: a lower-degree fit is fine
            warnings.simplefilter("ignore", np.exceptions.RankWarning)
            fit = np.polynomial.Polynomial.fit(x, y, degree)
        return float(np.mean((y - fit(x)) ** 2))

    x, y = scaled(a), scaled(b)
    return mse(y, x) - mse(x, y)


def orient_lingam(a: np.ndarray, b: np.ndarray) -> float:
    """Linear non-Gaussian model: causal-learn's DirectLiNGAM picks the causal order; +1 if a comes
    first.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(-1, 1, 2000)
    >>> y = x + 0.5 * rng.uniform(-1, 1, 2000)
    >>> orient_lingam(x, y)
    1.0
    """
    from causallearn.search.FCMBased.lingam import DirectLiNGAM
    from threadpoolctl import threadpool_limits

    data = np.column_stack([_standardise(np.asarray(a, float)), _standardise(np.asarray(b, float))])
    model = DirectLiNGAM(random_state=0)
    with threadpool_limits(limits=1):
        model.fit(data)
    return 1.0 if int(model.causal_order_[0]) == 0 else -1.0


def weighted_accuracy(correct: np.ndarray, weights: np.ndarray) -> float:
    """Share of the total weight on correctly oriented pairs (Mooij et al. 2016's main score).

    Example
    -------
    >>> weighted_accuracy(np.array([True, False]), np.array([3.0, 1.0]))
    0.75
    """
    correct, weights = np.asarray(correct, dtype=float), np.asarray(weights, dtype=float)
    if correct.shape != weights.shape or weights.sum() <= 0:
        raise CourseError("correct and weights must have the same shape and positive total weight")
    return float((correct * weights).sum() / weights.sum())
