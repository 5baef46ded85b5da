"""From an identified effect to an estimate: ATT estimators, cross-fitting, bootstraps and plots.

Chapter 05 estimates the effect of the NSW job-training programme on the men who took part in
it (the average treatment effect on the treated, ATT) from an observational sample, and scores
every estimator against the experiment. This module holds what the chapter needs but does not
teach line by line:

- :func:`design_matrix` (the covariates with the chapter's squares and interaction, Dehejia &
  Wahba's CPS terms, or linear terms only) and :func:`learners` (the nuisance models:
  linear/logistic, gradient boosting, random forests);
- four ATT estimators from nuisance predictions: :func:`att_regression` (outcome regression),
  :func:`att_matching` (``k``-nearest-neighbour matching on the logit propensity score, with
  replacement, every tied neighbour included as in Abadie & Imbens's estimator),
  :func:`att_ipw` (normalised, i.e. stabilised, odds weights) and :func:`att_aipw` (the doubly
  robust score), plus :func:`att_estimates` which fits the nuisances once and returns all four.
  For the ATT the propensity score is clipped from above only (``bounds=(0, 0.99)``): a
  comparison unit's odds weight ``e/(1-e)`` already goes to 0 with its score, and raising small
  scores would give weight to the units least like the treated;
- cross-fitting (:func:`fold_splits`, :func:`crossfit_nuisances`, :func:`dml_att`) and the
  intervals: :func:`joint_bootstrap` (resample the treated, the experimental controls and the
  comparison group together, refit everything, and return the observational estimates with the
  experimental estimate of the same resample, so that their difference, the bias, is paired)
  and :func:`score_bootstrap` (resample the cross-fitted scores; valid for orthogonal scores
  such as AIPW's), with its paired version :func:`paired_score_bootstrap`;
- trimming (:func:`trimming_bounds`, :func:`trimming_mask`) and the grid of choices
  (:func:`sensitivity_table`: covariate sets × trimming rules, or one setting at a time, each
  row with the experimental benchmark of the same population), balance
  (:func:`standardized_differences`), the E-value of a mean difference
  (:func:`evalue_mean_difference`), the partial R² of a group of regressors for benchmarking
  (:func:`group_partial_r2`) and three figures (:func:`plot_overlap`, :func:`plot_forest`,
  :func:`plot_sensitivity_contour`).

Hand-written, and why: the AIPW score and cross-fitting are the lesson of chapter 05; the
chapter shows them in a few lines, and ``tests/test_lalonde.py`` checks :func:`dml_att`
against DoubleML's ``DoubleMLIRM(score="ATTE")`` on the same folds and learners. Matching is
written out because it is a few lines with ``numpy.searchsorted``; it averages over all tied
neighbours, so its answer does not depend on the order of the rows (a matcher that picks one
of several tied controls does), and ``tests/test_lalonde.py`` checks it against a brute-force
search. Everything else is scikit-learn, DoubleML, DoWhy or PySensemakr, called from the
chapter.

Example
-------
>>> rng = np.random.default_rng(0)
>>> y, d = rng.normal(size=200), np.r_[np.ones(50), np.zeros(150)]
>>> round(att_ipw(y + 2 * d, d, np.full(200, 0.25)), 2)
2.15
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError, check_known
from causalcourse.uncertainty import Interval, percentile_interval

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "ADJUSTMENT_SET",
    "COVARIATE_SETS",
    "TRIMMING_RULES",
    "TERMS",
    "AIPWResult",
    "aipw_scores",
    "att_aipw",
    "att_estimates",
    "att_ipw",
    "att_matching",
    "att_regression",
    "bootstrap_difference_in_means",
    "crossfit_nuisances",
    "design_matrix",
    "difference_in_means",
    "dml_att",
    "evalue_mean_difference",
    "fold_splits",
    "group_partial_r2",
    "joint_bootstrap",
    "learners",
    "paired_score_bootstrap",
    "plot_forest",
    "plot_overlap",
    "plot_sensitivity_contour",
    "score_bootstrap",
    "sensitivity_table",
    "standardized_differences",
    "trimming_bounds",
    "trimming_mask",
]

#: The adjustment set of Dehejia & Wahba (1999): demographics, 1974-75 earnings, no-earnings flags.
ADJUSTMENT_SET: tuple[str, ...] = (
    "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75",
)
#: The covariate sets the chapter compares.
COVARIATE_SETS: dict[str, tuple[str, ...]] = {
    "all": ADJUSTMENT_SET,
    "without 1974": tuple(c for c in ADJUSTMENT_SET if c not in ("re74", "u74")),
    "no earnings": ("age", "educ", "black", "hisp", "marr", "nodegree"),
}
#: Trimming rules of :func:`trimming_mask` (the chapter's grid uses the first three).
TRIMMING_RULES: tuple[str, ...] = ("none", "common support", "0.1-0.9", "two-sided support")
#: Extra terms of :func:`design_matrix`: the chapter's (squares of age and education,
#: education × 1974 earnings), Dehejia & Wahba's CPS specification (those and age cubed), or none.
TERMS: tuple[str, ...] = ("chapter", "dehejia-wahba", "linear")
_ATT_BOUNDS: tuple[float, float] = (0.0, 0.99)  # no lower clip, an upper clip at 0.99
_EARNINGS = ("re74", "re75")


def _vector(values: Any, what: str, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise CourseError(f"{what} is empty")
    if not np.all(np.isfinite(array)):
        raise CourseError(f"{what} holds a non-finite value at position "
                          f"{int(np.flatnonzero(~np.isfinite(array))[0])}")
    if n is not None and array.size != n:
        raise CourseError(f"{what} has {array.size} values but the outcome has {n}")
    return array


def _treatment(d: Any, n: int | None = None) -> np.ndarray:
    array = _vector(d, "the treatment d", n)
    if not np.isin(array, (0.0, 1.0)).all():
        raise CourseError("the treatment d must hold only 0 (comparison) and 1 (treated)")
    if array.sum() == 0 or array.sum() == array.size:
        raise CourseError("the treatment d needs both treated (1) and comparison (0) units")
    return array


def _propensity(e: Any, n: int) -> np.ndarray:
    array = _vector(e, "the propensity score e", n)
    if (array <= 0).any() or (array >= 1).any():
        raise CourseError("propensity scores must lie strictly between 0 and 1; "
                          "clip or trim them first")
    return array


def design_matrix(data: pd.DataFrame, covariates: Sequence[str] = ADJUSTMENT_SET,
                  terms: str = "chapter") -> pd.DataFrame:
    """The covariates as floats, with earnings in $1000 and the chosen extra terms.

    ``terms="chapter"`` adds ``age²`` and ``educ²`` (when ``age``/``educ`` are in the set) and
    ``educ×re74`` (when ``re74`` is); ``"dehejia-wahba"`` also adds ``age³``, which completes
    Dehejia & Wahba's propensity-score specification for the CPS comparison group;
    ``"linear"`` adds nothing.

    Example
    -------
    >>> df = pd.DataFrame({"age": [20, 30], "educ": [10, 12], "re74": [0.0, 2000.0]})
    >>> design_matrix(df, ["age", "educ", "re74"]).columns.tolist()
    ['age', 'educ', 're74', 'age2', 'educ2', 'educ_re74']
    >>> design_matrix(df, ["age", "educ"], terms="dehejia-wahba").columns.tolist()
    ['age', 'educ', 'age2', 'educ2', 'age3']
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise CourseError("design_matrix needs a non-empty pandas DataFrame")
    covariates = list(covariates)
    if not covariates:
        raise CourseError("design_matrix needs at least one covariate")
    if terms not in TERMS:
        raise UnknownNameError(f"unknown terms {terms!r}; choose one of {list(TERMS)}")
    check_known(covariates, data.columns, what="column", where="the data")
    x = data[covariates].astype(float)
    for column in _EARNINGS:
        if column in x:
            x[column] = x[column] / 1000.0
    if terms == "linear":
        return x.reset_index(drop=True)
    if "age" in x:
        x["age2"] = x["age"] ** 2
    if "educ" in x:
        x["educ2"] = x["educ"] ** 2
    if "educ" in x and "re74" in x:
        x["educ_re74"] = x["educ"] * x["re74"]
    if terms == "dehejia-wahba" and "age" in x:
        x["age3"] = x["age"] ** 3
    return x.reset_index(drop=True)


def learners(kind: str = "linear", seed: int = 0) -> tuple[Any, Any]:
    """An (outcome regressor, propensity classifier) pair of scikit-learn models.

    ``"linear"``: least squares and an essentially unpenalised logistic regression
    (``C = 1e4``), both on standardised inputs. ``"boosting"``: histogram gradient boosting
    with modest settings (150 trees of depth 3, learning rate 0.05, no early stopping).
    ``"forest"``: random forests (200 trees, leaves of at least 5, half the features per
    split). ``seed`` fixes the randomness of the tree learners.

    Example
    -------
    >>> outcome, propensity = learners("linear")
    >>> type(propensity[-1]).__name__
    'LogisticRegression'
    """
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        return (make_pipeline(StandardScaler(), LinearRegression()),
                make_pipeline(StandardScaler(),
                              LogisticRegression(C=_LOGISTIC_C, solver="newton-cholesky",
                                                 tol=1e-8, max_iter=200)))
    if kind == "boosting":
        settings: dict[str, Any] = {"max_iter": 150, "learning_rate": 0.05, "max_depth": 3,
                                    "min_samples_leaf": 20, "early_stopping": False,
                                    "random_state": seed}
        return HistGradientBoostingRegressor(**settings), HistGradientBoostingClassifier(**settings)
    if kind == "forest":
        forest: dict[str, Any] = {"n_estimators": 200, "min_samples_leaf": 5,
                                  "max_features": 0.5, "n_jobs": 1, "random_state": seed}
        return RandomForestRegressor(**forest), RandomForestClassifier(**forest)
    raise UnknownNameError(f"unknown learner kind {kind!r}; "
                           "choose 'linear', 'boosting' or 'forest'")


def att_regression(y: Any, d: Any, m0: Any) -> float:
    """Outcome-regression ATT: mean over the treated of ``y - m0``, where ``m0`` predicts the
    untreated outcome (a model fitted on the comparison group).

    Example
    -------
    >>> att_regression([5.0, 7.0, 1.0], [1, 1, 0], [4.0, 4.0, 1.0])
    2.0
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    m0 = _vector(m0, "the outcome predictions m0", y.size)
    return float(np.mean((y - m0)[d == 1]))


def att_ipw(y: Any, d: Any, e: Any) -> float:
    """Stabilised inverse-probability-weighted ATT: treated mean minus the comparison mean
    weighted by the odds ``e / (1 - e)``, the weights normalised to sum to one (Hajek).

    Example
    -------
    >>> att_ipw([3.0, 1.0, 2.0], [1, 0, 0], [0.5, 0.5, 0.2])
    1.8
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    e = _propensity(e, y.size)
    odds = (e / (1 - e))[d == 0]
    return float(y[d == 1].mean() - np.sum(odds * y[d == 0]) / odds.sum())


def aipw_scores(y: Any, d: Any, m0: Any, e: Any) -> np.ndarray:
    """Per-unit terms of the doubly robust ATT: ``d (y - m0) - (1 - d) e/(1 - e) (y - m0)``.

    Their sum divided by the number of treated is :func:`att_aipw`.

    Example
    -------
    >>> aipw_scores([3.0, 1.0], [1, 0], [1.0, 0.5], [0.5, 0.5]).tolist()
    [2.0, -0.5]
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    m0 = _vector(m0, "the outcome predictions m0", y.size)
    e = _propensity(e, y.size)
    residual = y - m0
    return d * residual - (1 - d) * e / (1 - e) * residual


def att_aipw(y: Any, d: Any, m0: Any, e: Any) -> float:
    """Augmented IPW (doubly robust) ATT: consistent if either ``m0`` or ``e`` is right.

    Example
    -------
    >>> att_aipw([3.0, 1.0], [1, 0], [1.0, 0.5], [0.5, 0.5])
    1.5
    """
    d = _treatment(d)
    return float(aipw_scores(y, d, m0, e).sum() / d.sum())


_TIE_TOLERANCE = 1e-9  # logit distances this close count as tied


def _matched_means(score: np.ndarray, y: np.ndarray, d: np.ndarray, k: int) -> np.ndarray:
    """For each treated unit, the mean outcome of its matched set: the comparison units whose
    distance is at most that of its k-th nearest one (all ties included)."""
    controls = np.flatnonzero(d == 0)
    order = controls[np.argsort(score[controls], kind="stable")]
    sorted_score = score[order]
    sums = np.concatenate([[0.0], np.cumsum(y[order])])
    treated = score[d == 1]
    n0 = order.size
    # the k nearest lie among the k sorted neighbours on either side of the insertion point
    start = np.searchsorted(sorted_score, treated)
    offsets = np.arange(-k, k)
    window = np.clip(start[:, None] + offsets[None, :], 0, n0 - 1)
    distance = np.abs(sorted_score[window] - treated[:, None])
    distance = np.where((start[:, None] + offsets[None, :] < 0)
                        | (start[:, None] + offsets[None, :] > n0 - 1), np.inf, distance)
    kth = np.sort(distance, axis=1)[:, k - 1] + _TIE_TOLERANCE
    low = np.searchsorted(sorted_score, treated - kth, side="left")
    high = np.searchsorted(sorted_score, treated + kth, side="right")
    return (sums[high] - sums[low]) / (high - low)


def att_matching(y: Any, d: Any, e: Any, k: int = 1) -> float:
    """ATT by ``k``-nearest-neighbour matching on the logit of ``e``, with replacement.

    Each treated unit is compared with the mean outcome of its ``k`` nearest comparison units
    in logit propensity score; every comparison unit tied with the ``k``-th nearest (distances
    within 1e-9) is included, as in Abadie & Imbens's matching estimator (Stata's
    ``teffects nnmatch``). Including the ties makes the answer independent of the order of the
    rows.

    Example
    -------
    >>> att_matching([5.0, 1.0, 2.0], [1, 0, 0], [0.6, 0.2, 0.55])
    3.0
    >>> att_matching([5.0, 1.0, 3.0], [1, 0, 0], [0.5, 0.25, 0.75])  # two tied neighbours
    3.0
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    e = _propensity(e, y.size)
    if isinstance(k, bool) or int(k) != k or k < 1 or k > (1 - d).sum():
        raise CourseError(f"k must be a whole number from 1 to the number of comparison units "
                          f"({int((1 - d).sum())}), got {k!r}")
    score = np.log(e / (1 - e))
    return float(np.mean(y[d == 1] - _matched_means(score, y, d, int(k))))


_LOGISTIC_C = 1e4


def _linear_nuisances(x: np.ndarray, y: np.ndarray, d: np.ndarray,
                      start: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``learners("linear")`` fits in plain numpy (the bootstrap refits them hundreds of
    times): least squares on the comparison group, and the logistic regression with the same
    ridge penalty ``1/(2C)`` on standardised inputs, by Newton's method from ``start`` (the
    coefficients of a previous fit; zeros by default) to a step below 1e-10. Returns ``m0``,
    ``e`` and the logistic coefficients. Tested against scikit-learn in
    ``tests/test_lalonde.py``."""
    from scipy.special import expit

    scale = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    design = np.column_stack([np.ones(len(z)), z])
    beta = np.linalg.lstsq(design[d == 0], y[d == 0], rcond=None)[0]
    penalty = np.full(design.shape[1], 1.0 / _LOGISTIC_C)
    penalty[0] = 0.0
    w = np.zeros(design.shape[1]) if start is None else np.array(start, dtype=float)
    for _ in range(100):
        p = expit(design @ w)
        gradient = design.T @ (p - d) + penalty * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return design @ beta, expit(design @ w), w


def _fit_nuisances(x: np.ndarray, y: np.ndarray, d: np.ndarray, kind: str, seed: int,
                   start: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    from sklearn.base import clone

    if kind == "linear":
        return _linear_nuisances(x, y, d, start)
    outcome, propensity = learners(kind, seed)
    m0 = clone(outcome).fit(x[d == 0], y[d == 0]).predict(x)
    e = clone(propensity).fit(x, d).predict_proba(x)[:, 1]
    return m0, e, None


def _estimates(x: np.ndarray, y: np.ndarray, d: np.ndarray, kind: str,
               bounds: tuple[float, float], k: int, seed: int,
               start: np.ndarray | None = None) -> tuple[dict[str, float], np.ndarray | None]:
    m0, e, coef = _fit_nuisances(x, y, d, kind, seed, start)
    e = _clip_scores(e, bounds)
    return ({"outcome regression": att_regression(y, d, m0),
             "PS matching": att_matching(y, d, e, k),
             "IPW (stabilised)": att_ipw(y, d, e), "AIPW": att_aipw(y, d, m0, e)}, coef)


def _check_bounds(bounds: Any) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise CourseError(f"bounds must be a pair (low, high), got {bounds!r}") from None
    if not 0 <= low < 0.5 < high <= 1:
        raise CourseError(f"bounds must satisfy 0 <= low < 0.5 < high <= 1, got {bounds!r}")
    return low, high


def _clip_scores(e: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Clip to ``bounds``; scores that underflow to 0 (or round to 1) are kept just inside
    (0, 1) so their logit is finite: their odds weight stays 0 (or huge) to machine precision."""
    tiny = np.finfo(float).tiny
    return np.clip(e, max(bounds[0], tiny), min(bounds[1], 1 - np.finfo(float).epsneg))


def att_estimates(data: pd.DataFrame, covariates: Sequence[str] = ADJUSTMENT_SET,
                  kind: str = "linear", bounds: tuple[float, float] = _ATT_BOUNDS,
                  k: int = 1, terms: str = "chapter", seed: int = 0,
                  treatment: str = "treat", outcome: str = "re78") -> dict[str, float]:
    """The four ATT estimators, with their nuisance models fitted once on all of ``data``.

    The outcome model is fitted on the comparison group, the propensity model on everyone
    (:func:`learners` of ``kind``, on :func:`design_matrix` with ``terms``); propensity scores
    are clipped to ``bounds`` (default: from above at 0.99 only, the ATT's choice); matching
    uses ``k`` neighbours. No cross-fitting: with the linear learners it is not needed.
    Returns ``{"outcome regression", "PS matching", "IPW (stabilised)", "AIPW"}``.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"age": rng.normal(30, 5, 400), "treat": np.repeat([1, 0], 200)})
    >>> df["re78"] = 100 * df["age"] + 500 * df["treat"] + rng.normal(0, 50, 400)
    >>> round(att_estimates(df, ["age"])["AIPW"])
    509
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise CourseError("att_estimates needs a non-empty pandas DataFrame")
    check_known([treatment, outcome], data.columns, what="column", where="the data")
    bounds = _check_bounds(bounds)
    if kind not in ("linear", "boosting", "forest"):
        learners(kind)  # raises the unknown-name error
    x = design_matrix(data, covariates, terms).to_numpy()
    y = data[outcome].to_numpy(dtype=float)
    d = _treatment(data[treatment].to_numpy())
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # small problems: one thread is faster on a busy machine
        return _estimates(x, y, d, kind, bounds, k, seed)[0]


#: The columns of :func:`joint_bootstrap`: the four estimators and the experiment.
_ESTIMATORS = ("outcome regression", "PS matching", "IPW (stabilised)", "AIPW")


def joint_bootstrap(observational: pd.DataFrame, experimental: pd.DataFrame,
                    covariates: Sequence[str] = ADJUSTMENT_SET, n_boot: int = 200,
                    seed: int = 0, **settings: Any) -> pd.DataFrame:
    """Bootstrap draws of :func:`att_estimates` and of the experimental difference in means,
    from the same resamples.

    The treated units must be the same rows in both frames (the NSW trainees). Each resample
    draws the treated, the experimental controls and the observational comparison group with
    replacement, each group keeping its size; the observational estimators are refitted on
    treated + comparison, the experiment is the treated mean minus the experimental controls'
    mean. Because the treated are shared, ``draws[estimator] - draws["experiment"]`` is a
    paired draw of the estimator's bias. ``settings`` go to :func:`att_estimates`.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> treated = pd.DataFrame({"age": rng.normal(30, 5, 50), "treat": 1})
    >>> controls = pd.DataFrame({"age": rng.normal(30, 5, 50), "treat": 0})
    >>> survey = pd.DataFrame({"age": rng.normal(35, 5, 200), "treat": 0})
    >>> for frame in (treated, controls, survey):
    ...     frame["re78"] = 100 * frame["age"] + 500 * frame["treat"]
    >>> draws = joint_bootstrap(pd.concat([treated, survey]), pd.concat([treated, controls]),
    ...                         ["age"], n_boot=5)
    >>> draws.columns.tolist()[-1], draws.shape
    ('experiment', (5, 5))
    """
    for frame, name in ((observational, "observational"), (experimental, "experimental")):
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise CourseError(f"joint_bootstrap needs a non-empty {name} DataFrame")
        check_known(["treat", "re78", *covariates], frame.columns, what="column",
                    where=f"the {name} data")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 2:
        raise CourseError(f"n_boot must be a whole number of at least 2, got {n_boot!r}")
    columns = ["treat", "re78", *covariates]
    treated = experimental.loc[experimental["treat"] == 1, columns].reset_index(drop=True)
    treated_obs = observational.loc[observational["treat"] == 1, columns].reset_index(drop=True)
    if not treated.equals(treated_obs):
        raise CourseError("joint_bootstrap needs the same treated rows, in the same order, in "
                          "the observational and the experimental data")
    kind, bounds = settings.get("kind", "linear"), _check_bounds(settings.get("bounds",
                                                                              _ATT_BOUNDS))
    k, terms, fit_seed = settings.get("k", 1), settings.get("terms", "chapter"), 0
    unknown = set(settings) - {"bounds", "k", "terms", "kind"}
    if unknown:
        raise UnknownNameError(f"unknown setting(s) {sorted(unknown)}; "
                               "choose from ['bounds', 'k', 'terms', 'kind']")
    comparison = observational.loc[observational["treat"] == 0, columns]
    pooled = pd.concat([treated, comparison], ignore_index=True)
    x, y = design_matrix(pooled, covariates, terms).to_numpy(), pooled["re78"].to_numpy(float)
    d = _treatment(pooled["treat"].to_numpy())
    n1 = len(treated)
    exp_y = experimental.loc[experimental["treat"] == 0, "re78"].to_numpy(dtype=float)
    from threadpoolctl import threadpool_limits

    from causalcourse.uncertainty import bootstrap_indices

    rng = np.random.default_rng(seed)
    labels = np.r_[np.zeros(n1, dtype=np.int64), np.ones(len(comparison), dtype=np.int64),
                   np.full(exp_y.size, 2, dtype=np.int64)]
    rows = []
    with threadpool_limits(limits=1):  # small problems: one thread is faster on a busy machine
        # the design matrix is row by row, so resampling its rows resamples the data; the
        # full-sample logistic fit is the starting point of every resample's Newton steps
        _, start = _estimates(x, y, d, kind, bounds, k, fit_seed)
        for _ in range(int(n_boot)):
            index = bootstrap_indices(labels, rng)
            sample, controls = index[labels < 2], index[labels == 2] - (n1 + len(comparison))
            result, _ = _estimates(x[sample], y[sample], d[sample], kind, bounds, k, fit_seed,
                                   start)
            result["experiment"] = float(y[sample[:n1]].mean() - exp_y[controls].mean())
            rows.append(result)
    return pd.DataFrame(rows)


def fold_splits(d: Any, n_folds: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-fitting folds as ``(train rows, test rows)`` pairs, stratified on the treatment.

    The format is DoubleML's (``set_sample_splitting``), so the library can reuse the folds.

    Example
    -------
    >>> folds = fold_splits(np.r_[np.ones(10), np.zeros(30)], n_folds=5)
    >>> len(folds), sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(40))
    (5, True)
    """
    from sklearn.model_selection import StratifiedKFold

    d = _treatment(d)
    if isinstance(n_folds, bool) or int(n_folds) != n_folds or n_folds < 2:
        raise CourseError(f"n_folds must be a whole number of at least 2, got {n_folds!r}")
    if min(d.sum(), (1 - d).sum()) < n_folds:
        raise CourseError(f"{n_folds} folds need at least {n_folds} treated and comparison units")
    splitter = StratifiedKFold(n_splits=int(n_folds), shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(np.zeros((d.size, 1)), d)]


def _check_folds(folds: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> None:
    if not folds:
        raise CourseError("folds is empty; make folds with fold_splits(d)")
    tested = np.concatenate([np.asarray(test) for _, test in folds])
    if tested.size != n or not np.array_equal(np.sort(tested), np.arange(n)):
        raise CourseError("the test parts of the folds must cover every row exactly once")


def crossfit_nuisances(x: Any, y: Any, d: Any, outcome_learner: Any, propensity_learner: Any,
                       folds: Sequence[tuple[np.ndarray, np.ndarray]],
                       bounds: tuple[float, float] = _ATT_BOUNDS
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions ``m0`` (untreated outcome) and ``e`` (propensity, clipped).

    For every fold the outcome learner is fitted on the comparison units of the other folds,
    the propensity learner on all units of the other folds, and both predict the held-out
    fold. Propensities are clipped to ``bounds``: by default from above at 0.99 only, the
    ATT's choice (DoubleML clips both ends, at 0.01 and 0.99 by default).

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(60, 2))
    >>> d = np.r_[np.ones(20), np.zeros(40)]; y = x[:, 0] + d
    >>> m0, e = crossfit_nuisances(x, y, d, LinearRegression(), LogisticRegression(),
    ...                            fold_splits(d, 3))
    >>> m0.shape, bool(((e > 0) & (e <= 0.99)).all())
    ((60,), True)
    """
    from sklearn.base import clone

    x = np.asarray(x, dtype=float)
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    if x.ndim != 2 or x.shape[0] != y.size:
        raise CourseError(f"x must be a table with one row per unit ({y.size}), "
                          f"got shape {x.shape}")
    bounds = _check_bounds(bounds)
    _check_folds(folds, y.size)
    from threadpoolctl import threadpool_limits

    m0, e = np.empty(y.size), np.empty(y.size)
    with threadpool_limits(limits=1):  # small fits: one thread is faster on a busy machine
        for train, test in folds:
            controls = train[d[train] == 0]
            m0[test] = clone(outcome_learner).fit(x[controls], y[controls]).predict(x[test])
            e[test] = clone(propensity_learner).fit(x[train], d[train]).predict_proba(x[test])[:, 1]
    return m0, _clip_scores(e, bounds)


@dataclass(frozen=True)
class AIPWResult:
    """A cross-fitted doubly robust ATT with its standard error and per-unit scores."""

    estimate: float
    se: float
    scores: np.ndarray = field(repr=False)
    m0: np.ndarray = field(repr=False)
    e: np.ndarray = field(repr=False)

    def interval(self, level: float = 0.95) -> Interval:
        """Normal-approximation interval ``estimate ± z · se``."""
        from scipy import stats

        if not 0 < level < 1:
            raise CourseError(f"level must lie strictly between 0 and 1, got {level!r}")

        z = float(stats.norm.ppf(0.5 + level / 2))
        return Interval(self.estimate, self.estimate - z * self.se, self.estimate + z * self.se,
                        level, self.scores.size, "normal")


def dml_att(x: Any, y: Any, d: Any, outcome_learner: Any, propensity_learner: Any,
            folds: Sequence[tuple[np.ndarray, np.ndarray]],
            bounds: tuple[float, float] = _ATT_BOUNDS) -> AIPWResult:
    """Double/debiased ML for the ATT: the AIPW score on cross-fitted nuisances.

    The standard error is that of the influence function, ``(score - d·θ)/P(d=1)``; it equals
    DoubleML's for ``DoubleMLIRM(score="ATTE")`` on the same folds, learners and clipping.

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(400, 2))
    >>> d = (rng.random(400) < 1 / (1 + np.exp(-x[:, 0]))).astype(float)
    >>> y = x[:, 0] + 2 * d + rng.normal(size=400)
    >>> res = dml_att(x, y, d, LinearRegression(), LogisticRegression(), fold_splits(d))
    >>> bool(res.interval().contains(2.0))
    True
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    m0, e = crossfit_nuisances(x, y, d, outcome_learner, propensity_learner, folds, bounds)
    scores = aipw_scores(y, d, m0, e)
    theta = float(scores.sum() / d.sum())
    influence = (scores - d * theta) / d.mean()
    se = float(np.sqrt(np.mean(influence**2) / y.size))
    return AIPWResult(theta, se, scores, m0, e)


def score_bootstrap(scores: Any, d: Any, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap draws of ``sum(scores) / sum(d)``, resampling units within each treatment arm.

    The nuisances stay fixed, which is first-order valid for an orthogonal score such as the
    AIPW score (the error of the nuisances does not enter the estimate to first order).

    Example
    -------
    >>> draws = score_bootstrap([2.0, 1.0, 0.0, 0.0], [1, 1, 0, 0], n_boot=200)
    >>> bool(draws.min() >= 1.0 and draws.max() <= 2.0)
    True
    """
    scores = _vector(scores, "the scores")
    d = _treatment(d, scores.size)
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 2:
        raise CourseError(f"n_boot must be a whole number of at least 2, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    total = np.zeros(int(n_boot))
    for arm in (1.0, 0.0):  # each arm keeps its size, so sum(d) is the same in every draw
        arm_scores = scores[d == arm]
        for start in range(0, int(n_boot), 100):  # chunks keep the index matrix small
            rows = rng.integers(0, arm_scores.size, size=(min(100, int(n_boot) - start),
                                                          arm_scores.size))
            total[start:start + rows.shape[0]] += arm_scores[rows].sum(axis=1)
    return total / d.sum()


def paired_score_bootstrap(scores: Any, y: Any, d: Any, control_y: Any, n_boot: int = 1000,
                           seed: int = 0) -> pd.DataFrame:
    """Draws of the score estimate ``sum(scores) / sum(d)`` and of the experimental estimate,
    from the same resamples.

    ``scores``, ``y`` and ``d`` are the observational sample (treated ``d = 1``);
    ``control_y`` are the outcomes of the experiment's controls, whose treated units are the
    same men. Each draw resamples the treated, the comparison group and the experimental
    controls within their groups; the experimental estimate is the resampled treated mean of
    ``y`` minus the resampled controls' mean. Their difference is a paired draw of the bias;
    the nuisances stay fixed (first-order valid for an orthogonal score, as in
    :func:`score_bootstrap`).

    Example
    -------
    >>> draws = paired_score_bootstrap([2.0, 1.0, 0.0, 0.0], [3.0, 2.0, 5.0, 5.0], [1, 1, 0, 0],
    ...                                [1.0, 1.0], n_boot=50)
    >>> bool(np.allclose(draws["estimate"] - draws["experiment"], 0.0))
    True
    """
    scores = _vector(scores, "the scores")
    y = _vector(y, "the outcome y", scores.size)
    d = _treatment(d, scores.size)
    control_y = _vector(control_y, "the experimental controls' outcomes control_y")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 2:
        raise CourseError(f"n_boot must be a whole number of at least 2, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    n1 = d.sum()
    treated = np.column_stack([scores[d == 1], y[d == 1]])
    groups = (treated, scores[d == 0][:, None], control_y[:, None])
    totals = [np.zeros((int(n_boot), g.shape[1])) for g in groups]
    for values, total in zip(groups, totals, strict=True):
        for start in range(0, int(n_boot), 100):  # chunks keep the index matrix small
            rows = rng.integers(0, len(values), size=(min(100, int(n_boot) - start),
                                                      len(values)))
            total[start:start + rows.shape[0]] = values[rows].sum(axis=1)
    estimate = (totals[0][:, 0] + totals[1][:, 0]) / n1
    experiment = totals[0][:, 1] / n1 - totals[2][:, 0] / control_y.size
    return pd.DataFrame({"estimate": estimate, "experiment": experiment})


def difference_in_means(y: Any, d: Any) -> float:
    """Mean outcome of the treated minus mean outcome of the others.

    Example
    -------
    >>> difference_in_means([3.0, 5.0, 1.0], [1, 1, 0])
    3.0
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    return float(y[d == 1].mean() - y[d == 0].mean())


def trimming_bounds(e: Any, d: Any, rule: str = "common support") -> tuple[float, float]:
    """The propensity-score range ``(low, high)`` of a trimming rule (see :func:`trimming_mask`
    for whom it is applied to).

    ``"none"``: ``(0, 1)``. ``"common support"``: the treated units' range
    ``[min e₁, max e₁]``, applied to the comparison units only (Dehejia & Wahba keep every
    treated unit and discard the comparison units outside it). ``"two-sided support"``: the
    overlap of both groups' ranges, ``[max(min e₁, min e₀), min(max e₁, max e₀)]``, applied to
    everyone. ``"0.1-0.9"``: the rule of thumb of Crump, Hotz, Imbens & Mitnik (2009), derived
    for the ATE, applied to everyone.

    Example
    -------
    >>> trimming_bounds([0.05, 0.5, 0.95, 0.3, 0.6], [1, 1, 1, 0, 0], "two-sided support")
    (0.3, 0.6)
    >>> trimming_bounds([0.05, 0.5, 0.95, 0.3, 0.6], [1, 1, 1, 0, 0])
    (0.05, 0.95)
    """
    e = _vector(e, "the propensity score e")
    d = _treatment(d, e.size)
    if rule == "none":
        return 0.0, 1.0
    if rule == "common support":
        return float(e[d == 1].min()), float(e[d == 1].max())
    if rule == "two-sided support":
        return (float(max(e[d == 1].min(), e[d == 0].min())),
                float(min(e[d == 1].max(), e[d == 0].max())))
    if rule == "0.1-0.9":
        return 0.1, 0.9
    raise UnknownNameError(f"unknown trimming rule {rule!r}; choose one of {list(TRIMMING_RULES)}")


def trimming_mask(e: Any, d: Any, rule: str = "common support",
                  bounds: tuple[float, float] | None = None) -> np.ndarray:
    """Which units a trimming rule keeps (``True``).

    ``low <= e <= high`` for :func:`trimming_bounds` of ``e`` (or the given ``bounds``, e.g.
    those of another sample), except that ``"common support"`` keeps every treated unit.
    Dropping treated units changes the population the ATT is about, so the experimental
    benchmark must be recomputed on the same units.

    Example
    -------
    >>> trimming_mask([0.05, 0.5, 0.95, 0.3], [1, 1, 1, 0], "0.1-0.9").tolist()
    [False, True, False, True]
    >>> trimming_mask([0.05, 0.5, 0.3, 0.01], [1, 1, 0, 0]).tolist()
    [True, True, True, False]
    """
    e_checked = _vector(e, "the propensity score e")
    d_checked = _treatment(d, e_checked.size)
    low, high = trimming_bounds(e_checked, d_checked, rule) if bounds is None else bounds
    keep = (e_checked >= low) & (e_checked <= high)
    if rule == "common support":
        keep |= d_checked == 1
    return keep


def bootstrap_difference_in_means(y: Any, d: Any, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap draws of :func:`difference_in_means`, resampling within each arm.

    Example
    -------
    >>> draws = bootstrap_difference_in_means([3.0, 5.0, 1.0, 1.0], [1, 1, 0, 0], n_boot=100)
    >>> bool(draws.min() >= 2.0 and draws.max() <= 4.0)
    True
    """
    y = _vector(y, "the outcome y")
    d = _treatment(d, y.size)
    n1, n0 = d.sum(), (1 - d).sum()
    return score_bootstrap(d * y - (1 - d) * y * n1 / n0, d, n_boot, seed)


def sensitivity_table(observational: pd.DataFrame, experimental: pd.DataFrame,
                      covariate_sets: dict[str, tuple[str, ...]] | None = None,
                      rules: Sequence[str] = TRIMMING_RULES[:3], n_boot: int = 0,
                      seed: int = 0, benchmark_boot: int = 2000,
                      benchmark_seed: int = 1, **settings: Any) -> pd.DataFrame:
    """Every ATT estimator under every covariate set and trimming rule, with its benchmark.

    For each covariate set the logistic propensity model (:func:`learners` ``"linear"``, on
    :func:`design_matrix` with ``settings["terms"]``) is fitted on ``observational``; each
    rule (:func:`trimming_mask`) is applied to the observational units *and*, with the same
    score range, to the experiment's controls (scored with the same model); the trainees kept
    are the same in both. So every row has the experimental benchmark of the same population:
    its difference in means with a percentile interval from
    :func:`bootstrap_difference_in_means` (``benchmark_boot`` draws, ``benchmark_seed``; the
    defaults reproduce chapter 05's main benchmark on the untrimmed rows). The estimators
    (:func:`att_estimates` with ``settings``: ``bounds``, ``k``, ``terms``, ``kind``) are
    refitted on the trimmed observational sample; ``n_boot > 0`` adds intervals from
    :func:`joint_bootstrap` (seed ``seed``): columns ``<estimator> low/high`` and, for the
    paired bias (estimate minus experiment), ``<estimator> bias``, ``bias low``, ``bias high``.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"age": rng.normal(30, 5, 400), "treat": np.repeat([1, 0], 200)})
    >>> df["re78"] = 100 * df["age"] + 500 * df["treat"] + rng.normal(0, 50, 400)
    >>> table = sensitivity_table(df, df, {"age": ("age",)}, rules=["none"])
    >>> table.loc[0, ["covariates", "trimming"]].tolist(), int(table.loc[0, "treated"])
    (['age', 'none'], 200)
    """
    covariate_sets = COVARIATE_SETS if covariate_sets is None else covariate_sets
    for frame, name in ((observational, "observational"), (experimental, "experimental")):
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise CourseError(f"sensitivity_table needs a non-empty {name} DataFrame")
        check_known(["treat", "re78"], frame.columns, what="column", where=f"the {name} data")
    for rule in rules:
        if rule not in TRIMMING_RULES:
            raise UnknownNameError(f"unknown trimming rule {rule!r}; "
                                   f"choose from {list(TRIMMING_RULES)}")
    unknown = set(settings) - {"bounds", "k", "terms", "kind"}
    if unknown:
        raise UnknownNameError(f"unknown setting(s) {sorted(unknown)}; "
                               "choose from ['bounds', 'k', 'terms', 'kind']")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # small problems: one thread is faster on a busy machine
        return _sensitivity_rows(observational, experimental, covariate_sets, rules, n_boot,
                                 seed, benchmark_boot, benchmark_seed, settings)


def _sensitivity_rows(observational: pd.DataFrame, experimental: pd.DataFrame,
                      covariate_sets: dict[str, tuple[str, ...]], rules: Sequence[str],
                      n_boot: int, seed: int, benchmark_boot: int, benchmark_seed: int,
                      settings: dict[str, Any]) -> pd.DataFrame:
    from sklearn.base import clone

    terms = settings.get("terms", "chapter")
    d = _treatment(observational["treat"].to_numpy())
    controls = experimental[experimental["treat"] == 0]
    rows = []
    for label, covariates in covariate_sets.items():
        model = clone(learners("linear")[1]).fit(
            design_matrix(observational, covariates, terms), d)
        e_obs = model.predict_proba(design_matrix(observational, covariates, terms))[:, 1]
        e_exp = model.predict_proba(design_matrix(controls, covariates, terms))[:, 1]
        for rule in rules:
            keep = trimming_mask(e_obs, d, rule)
            bounds = trimming_bounds(e_obs, d, rule)
            sample = observational[keep].reset_index(drop=True)
            kept_controls = controls[(e_exp >= bounds[0]) & (e_exp <= bounds[1])]
            bench = pd.concat([sample[sample["treat"] == 1].drop(columns="sample",
                                                                 errors="ignore"),
                               kept_controls.drop(columns="sample", errors="ignore")],
                              ignore_index=True)
            draws = bootstrap_difference_in_means(bench["re78"], bench["treat"], benchmark_boot,
                                                  benchmark_seed)
            truth = percentile_interval(draws, difference_in_means(bench["re78"], bench["treat"]))
            row: dict[str, Any] = {"covariates": label, "trimming": rule,
                                   "treated": int(sample["treat"].sum()),
                                   "comparison": int((1 - sample["treat"]).sum()),
                                   "experimental controls": len(kept_controls),
                                   "benchmark": truth.estimate, "benchmark low": truth.low,
                                   "benchmark high": truth.high}
            row.update(att_estimates(sample, covariates, **settings))
            if n_boot:
                boot = joint_bootstrap(sample, bench, covariates, n_boot=n_boot, seed=seed,
                                       **settings)
                for column in _ESTIMATORS:
                    low, high = boot[column].quantile([0.025, 0.975])
                    row[f"{column} low"], row[f"{column} high"] = low, high
                    bias = boot[column] - boot["experiment"]
                    row[f"{column} bias"] = row[column] - truth.estimate
                    low, high = bias.quantile([0.025, 0.975])
                    row[f"{column} bias low"], row[f"{column} bias high"] = low, high
            rows.append(row)
    return pd.DataFrame(rows)


def standardized_differences(data: pd.DataFrame, covariates: Sequence[str] = ADJUSTMENT_SET,
                             treatment: str = "treat") -> pd.Series:
    """Standardised mean difference of each covariate, treated minus comparison.

    ``(mean₁ - mean₀) / sqrt((var₁ + var₀) / 2)``; above about 0.1 in absolute value counts
    as imbalance.

    Example
    -------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 0.0, 1.0], "treat": [1, 1, 0, 0]})
    >>> standardized_differences(df, ["x"]).round(3).to_dict()
    {'x': 1.414}
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise CourseError("standardized_differences needs a non-empty pandas DataFrame")
    check_known(list(covariates) + [treatment], data.columns, what="column", where="the data")
    d = _treatment(data[treatment].to_numpy())
    x = data[list(covariates)].astype(float)
    treated, others = x[d == 1], x[d == 0]
    pooled = np.sqrt((treated.var() + others.var()) / 2).replace(0.0, np.nan)
    return (treated.mean() - others.mean()) / pooled


def evalue_mean_difference(estimate: float, sd: float) -> float:
    """E-value of a difference in mean outcomes, via VanderWeele & Ding's (2017) conversion.

    The standardised difference ``estimate / sd`` is turned into an approximate risk ratio
    ``RR = exp(0.91 · |estimate| / sd)``; the E-value ``RR + sqrt(RR (RR - 1))`` is the
    strength (risk ratio with both treatment and outcome) an unmeasured confounder would need
    to explain the difference away. Pass an interval end for the E-value of the interval
    (0 or a sign change gives 1: nothing is needed).

    Example
    -------
    >>> round(evalue_mean_difference(0.5, 1.0), 3)
    2.529
    """
    estimate, sd = float(estimate), float(sd)
    if not np.isfinite(estimate) or not np.isfinite(sd) or sd <= 0:
        raise CourseError(f"need a finite estimate and a positive standard deviation, got "
                          f"{estimate!r} and {sd!r}")
    rr = float(np.exp(0.91 * abs(estimate) / sd))
    return float(rr + np.sqrt(rr * (rr - 1)))


def plot_overlap(e: Any, d: Any, ax: Axes | None = None, bins: int = 40,
                 labels: tuple[str, str] = ("CPS comparison", "NSW treated"),
                 trimmed: tuple[float, float] | None = None,
                 trimmed_label: str = "outside the common support") -> Axes:
    """Histograms (densities) of the logit propensity score in the two groups.

    ``trimmed=(low, high)`` shades the scores a trimming rule drops (legend ``trimmed_label``).

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_overlap([0.1, 0.2, 0.6, 0.7], [0, 0, 1, 1])
    >>> ax.get_xlabel()
    'logit of the propensity score'
    """
    import matplotlib.pyplot as plt

    from causalcourse.plotting import OKABE_ITO

    e = _vector(e, "the propensity score e")
    d = _treatment(d, e.size)
    e = _propensity(e, e.size)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    logit = np.log(e / (1 - e))
    edges = np.linspace(logit.min(), logit.max(), bins + 1)
    for group, colour, label in ((0, OKABE_ITO[0], labels[0]), (1, OKABE_ITO[1], labels[1])):
        ax.hist(logit[d == group], bins=list(edges), density=True, alpha=0.55, color=colour,
                label=f"{label} (n = {int((d == group).sum()):,})")
    if trimmed is not None:
        low, high = np.log(np.asarray(trimmed) / (1 - np.asarray(trimmed)))
        ax.axvspan(edges[0], low, color="grey", alpha=0.2, label=trimmed_label)
        if high < edges[-1]:
            ax.axvspan(high, edges[-1], color="grey", alpha=0.2)
    ax.set_xlabel("logit of the propensity score")
    ax.set_ylabel("density")
    ax.legend(loc="upper left")
    return ax


def plot_forest(table: pd.DataFrame, benchmark: Interval, ax: Axes | None = None,
                title: str = "", xlim: tuple[float, float] | None = None) -> Axes:
    """Forest plot: each row's ``estimate`` with ``[low, high]``, against a benchmark interval.

    ``table`` is indexed by estimator name with columns ``estimate, low, high`` (``NaN`` ends:
    no interval). Estimates inside the benchmark interval are blue, others vermillion; with
    ``xlim``, estimates beyond the axis are drawn as a triangle at its edge with their value.

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"estimate": [1.0], "low": [0.0], "high": [2.0]}, index=["A"])
    >>> plot_forest(t, Interval(1.2, 0.5, 1.9)).get_yticklabels()[0].get_text()
    'A'
    """
    import matplotlib.pyplot as plt

    from causalcourse.plotting import OKABE_ITO

    if not isinstance(table, pd.DataFrame) or table.empty:
        raise CourseError("plot_forest needs a non-empty table")
    check_known(["estimate", "low", "high"], table.columns, what="column", where="the table")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.42 * len(table) + 1.6))
    rows = np.arange(len(table))[::-1]
    ax.axvspan(benchmark.low, benchmark.high, color=OKABE_ITO[2], alpha=0.18,
               label=f"experimental 95% interval [{benchmark.low:,.0f}, {benchmark.high:,.0f}]")
    ax.axvline(benchmark.estimate, color=OKABE_ITO[2], lw=1.5)
    ax.axvline(0.0, color="grey", lw=0.8, ls=":")
    lo_edge, hi_edge = xlim if xlim is not None else (-np.inf, np.inf)
    for row, (_, entry) in zip(rows, table.iterrows(), strict=True):
        inside = benchmark.low <= entry["estimate"] <= benchmark.high
        colour = OKABE_ITO[0] if inside else OKABE_ITO[3]
        if np.isfinite(entry["low"]) and np.isfinite(entry["high"]):
            ax.plot([max(entry["low"], lo_edge), min(entry["high"], hi_edge)], [row, row],
                    color=colour, lw=1.6)
        if entry["estimate"] < lo_edge or entry["estimate"] > hi_edge:
            edge, marker = (lo_edge, "<") if entry["estimate"] < lo_edge else (hi_edge, ">")
            ax.scatter([edge], [row], color=colour, marker=marker, s=60, zorder=3, clip_on=False)
            ax.annotate(f"{entry['estimate']:,.0f}", (edge, row),
                        xytext=(8 if marker == "<" else -8, 5),
                        textcoords="offset points", ha="left" if marker == "<" else "right",
                        fontsize=8, color=colour)
        else:
            ax.scatter([entry["estimate"]], [row], color=colour, zorder=3)
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_yticks(rows, list(table.index))
    ax.set_xlabel("effect of training on 1978 earnings of the trainees (US$)")
    if title:
        ax.set_title(title)
    from matplotlib.figure import Figure

    inches = ax.figure.get_size_inches()[1] if isinstance(ax.figure, Figure) else 4.0
    height = inches * ax.get_position().height  # the axes' height in inches
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6 / height), fontsize=9)
    return ax


def group_partial_r2(fit: Any, columns: Sequence[str]) -> float:
    """Partial R² of a group of regressors in a fitted statsmodels OLS: ``F q / (F q + dof)``.

    Cinelli & Hazlett (2020) benchmark an unobserved confounder against observed ones by these
    partial R² (with the outcome, and with the treatment). PySensemakr computes them from a
    model object, which fails with pandas 3 in version 0.0.8; this is the same formula.

    Example
    -------
    >>> import statsmodels.api as sm
    >>> rng = np.random.default_rng(0); x = pd.DataFrame({"a": rng.normal(size=200)})
    >>> fit = sm.OLS(2 * x["a"] + rng.normal(size=200), sm.add_constant(x)).fit()
    >>> round(group_partial_r2(fit, ["a"]), 2)
    0.77
    """
    names = list(fit.params.index)
    columns = list(columns)
    if not columns:
        raise CourseError("group_partial_r2 needs at least one column")
    check_known(columns, names, what="regressor", where="the fitted model")
    restriction = np.zeros((len(columns), len(names)))
    for row, column in enumerate(columns):
        restriction[row, names.index(column)] = 1.0
    f = float(np.squeeze(fit.f_test(restriction).fvalue))
    q = len(columns)
    return f * q / (f * q + float(fit.df_resid))


def plot_sensitivity_contour(estimate: float, se: float, dof: int,
                             bounds: pd.DataFrame | None = None, ax: Axes | None = None,
                             lim: float = 0.1, lim_y: float | None = None,
                             reference: float = 0.0) -> Axes:
    """Contours of the bias-adjusted estimate over the confounder's two partial R².

    The adjusted estimates come from PySensemakr (``adjusted_estimate``, Cinelli & Hazlett
    2020); the figure replaces ``ovb_contour_plot``, which fails with matplotlib 3.10+ in
    PySensemakr 0.0.8. ``bounds`` (columns ``bound_label, r2dz_x, r2yz_dx, adjusted_estimate``,
    as in ``Sensemakr(...).bounds``) are drawn as red diamonds; ``reference`` (dashed red) is
    the value the estimate would have to reach to be explained away. ``lim`` and ``lim_y``
    (default: ``lim``) are the ranges of the two axes.

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> plot_sensitivity_contour(1396.5, 555.2, 16162).get_xlabel()[:9]
    'partial R'
    """
    import matplotlib.pyplot as plt
    from sensemakr.bias_functions import adjusted_estimate

    from causalcourse.plotting import OKABE_ITO

    lim_y = lim if lim_y is None else lim_y
    if not (np.isfinite(estimate) and np.isfinite(se) and se > 0 and dof > 0
            and 0 < lim < 1 and 0 < lim_y < 1):
        raise CourseError(f"need a finite estimate, se > 0, dof > 0 and 0 < lim, lim_y < 1; got "
                          f"{estimate!r}, {se!r}, {dof!r}, {lim!r}, {lim_y!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 4.6))
    r2d, r2y = np.meshgrid(np.linspace(0.0, lim, 201), np.linspace(0.0, lim_y, 201))
    adjusted = adjusted_estimate(r2dz_x=r2d.ravel(), r2yz_dx=r2y.ravel(), estimate=estimate,
                                 se=se, dof=int(dof)).reshape(r2d.shape)
    levels = np.linspace(np.floor(adjusted.min() / 500) * 500, estimate, 9)
    contour = ax.contour(r2d, r2y, adjusted, levels=levels, colors="grey", linewidths=0.8)
    ax.clabel(contour, fmt=lambda v: f"{v:,.0f}", fontsize=7)
    ax.contour(r2d, r2y, adjusted, levels=[reference], colors=OKABE_ITO[3], linestyles="--")
    ax.scatter([0], [0], marker="^", color="black", zorder=3)
    ax.annotate(f"unadjusted\n{estimate:,.0f}", (0, 0), xytext=(6, 6), textcoords="offset points",
                fontsize=8)
    if bounds is not None:
        check_known(["bound_label", "r2dz_x", "r2yz_dx", "adjusted_estimate"], bounds.columns,
                    what="column", where="the bounds")
        for _, b in bounds.iterrows():
            ax.scatter([b["r2dz_x"]], [b["r2yz_dx"]], marker="D", color=OKABE_ITO[3], zorder=3)
            ax.annotate(f"{b['bound_label']}\n({b['adjusted_estimate']:,.0f})",
                        (b["r2dz_x"], b["r2yz_dx"]), xytext=(5, -2), textcoords="offset points",
                        fontsize=7)
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim_y)
    ax.set_xlabel("partial R² of the confounder with the treatment")
    ax.set_ylabel("partial R² of the confounder with the outcome")
    return ax
