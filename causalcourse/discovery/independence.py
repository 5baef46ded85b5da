"""Conditional-independence tests for discovery and attribution code.

:func:`partial_correlation_test` is a fast linear test, the stand-in chapter 12 passes to
DoWhy's ``gcm.distribution_change`` where only shifts in mean matter (the statistic and its
p-value are scipy's ``pearsonr`` on least-squares residuals). (Before the package was
reorganised it lived in :mod:`causalcourse.rl`, which still re-exports it.)
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from causalcourse.errors import CourseError

__all__ = ["partial_correlation_test"]


def partial_correlation_test(x: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> float:
    """p-value of a (partial) correlation test of x and y given z, linear in z.

    A fast stand-in for DoWhy gcm's default kernel test where only shifts in mean matter:
    ``y`` may hold labels (strings or numbers with two values), as in
    ``gcm.distribution_change``'s mechanism-change test. x and y are residualised on z
    (with an intercept) by least squares, then Pearson's test is applied to the residuals.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=500); x = z + rng.normal(size=500); y = z + rng.normal(size=500)
    >>> partial_correlation_test(x, y) < 0.01, partial_correlation_test(x, y, z) > 0.01
    (True, True)
    """
    x_arr = np.asarray(x).reshape(len(x), -1)[:, 0].astype(float)
    y_raw = np.asarray(y).reshape(len(y), -1)[:, 0]
    try:
        y_arr = y_raw.astype(float)
    except ValueError:
        y_arr = (y_raw == y_raw[0]).astype(float)
    if x_arr.size != y_arr.size:
        raise CourseError(f"x and y must have the same length, got {x_arr.size} and {y_arr.size}")
    if x_arr.size < 2:
        raise CourseError(f"a correlation test needs at least 2 samples, got {x_arr.size}")
    if z is not None:
        given = np.asarray(z, dtype=float).reshape(len(z), -1)
        if len(given) != x_arr.size:
            raise CourseError(f"z must have one row per sample ({x_arr.size}), got {len(given)}")
        design = np.column_stack([np.ones(x_arr.size), given])
        x_arr = x_arr - design @ np.linalg.lstsq(design, x_arr, rcond=None)[0]
        y_arr = y_arr - design @ np.linalg.lstsq(design, y_arr, rcond=None)[0]
    if np.std(x_arr) == 0 or np.std(y_arr) == 0:
        return 1.0
    return float(stats.pearsonr(x_arr, y_arr).pvalue)
