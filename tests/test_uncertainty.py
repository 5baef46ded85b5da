"""Intervals and bootstraps that the chapters' headline claims rest on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.uncertainty import (
    Interval,
    bootstrap_indices,
    mean_interval,
    paired_difference,
    percentile_interval,
    proportion_interval,
    replicate,
    stratified_bootstrap,
    summarise,
)


def test_t_interval_covers_the_mean_at_its_level() -> None:
    rng = np.random.default_rng(1)
    covered = sum(mean_interval(rng.normal(3.0, 2.0, 10)).contains(3.0) for _ in range(4000))
    # 95 % nominal; 4000 runs give a binomial standard error of about 0.35 points
    assert 0.935 < covered / 4000 < 0.965


def test_t_interval_matches_scipy() -> None:
    x = np.array([1.2, 0.4, 2.2, 1.9, 0.7])
    low, high = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    got = mean_interval(x, level=0.9)
    assert got.low == pytest.approx(low) and got.high == pytest.approx(high)


def test_pairing_is_narrower_than_separate_intervals_when_runs_share_noise() -> None:
    rng = np.random.default_rng(2)
    shared = rng.normal(0, 5, 30)
    a, b = shared + 1.0 + rng.normal(0, 0.3, 30), shared + rng.normal(0, 0.3, 30)
    paired = paired_difference(a, b)
    assert paired.excludes(0.0) and paired.contains(1.0)
    assert paired.width < mean_interval(a).width / 5


def test_constant_values_give_a_zero_width_interval() -> None:
    assert mean_interval([2.0, 2.0]) == Interval(2.0, 2.0, 2.0, 0.95, 2, "t")
    assert mean_interval([7.0]).width == 0.0


def test_percentile_interval_and_estimate() -> None:
    got = percentile_interval(np.arange(1001.0), estimate=3.0, level=0.9)
    assert got.estimate == 3.0 and (got.low, got.high) == pytest.approx((50.0, 950.0))
    assert percentile_interval([1.0, 2.0, 9.0]).estimate == 2.0


def test_proportion_interval_is_wilson() -> None:
    got = proportion_interval(0, 20)
    assert got.estimate == 0.0 and got.low == pytest.approx(0.0) and 0.15 < got.high < 0.17
    assert proportion_interval(20, 20).low > 0.8


def test_stratified_bootstrap_keeps_every_condition_and_its_size() -> None:
    labels = np.array(["obs"] * 50 + ["do_A"] * 7 + ["do_B"] * 3)
    idx = bootstrap_indices(labels, np.random.default_rng(0))
    assert idx.shape == labels.shape
    assert (labels[idx] == labels).all()  # each row's replacement comes from its own stratum


def test_stratified_bootstrap_statistics_and_reproducibility() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"cond": np.repeat(["a", "b"], [40, 10]), "y": rng.normal(size=50)})
    stat = lambda d: {"n_b": float((d["cond"] == "b").sum()), "mean": d["y"].mean()}  # noqa: E731
    one = stratified_bootstrap(stat, df, strata="cond", n_boot=30, seed=5)
    two = stratified_bootstrap(stat, df, strata="cond", n_boot=30, seed=5)
    pd.testing.assert_frame_equal(one, two)
    assert (one["n_b"] == 10).all() and one["mean"].std() > 0
    plain = stratified_bootstrap(stat, df, n_boot=200, seed=5)
    assert plain["n_b"].std() > 0  # without strata the condition sizes vary


def test_replicate_and_summarise() -> None:
    runs = replicate(lambda s: {"a": float(s), "b": float(s) + 2.0}, range(5))
    assert list(runs.index) == [0, 1, 2, 3, 4]
    table = summarise(runs)
    assert table.loc["b", "estimate"] == pytest.approx(4.0) and table.loc["a", "n"] == 5
    assert replicate(lambda s: s * 1.5, [2]).loc[2, "value"] == 3.0
    boot = summarise(pd.DataFrame({"x": np.arange(101.0)}), kind="percentile")
    assert boot.loc["x", "estimate"] == 50.0


@pytest.mark.parametrize("call, message", [
    (lambda: mean_interval([]), "empty"),
    (lambda: mean_interval([1.0, np.nan]), "non-finite"),
    (lambda: mean_interval([1.0, 2.0], level=1.5), "level"),
    (lambda: paired_difference([1.0, 2.0], [1.0]), "pairs"),
    (lambda: proportion_interval(5, 3), "successes"),
    (lambda: proportion_interval(1, 0), "trials"),
    (lambda: replicate(lambda s: s, []), "at least one seed"),
    (lambda: bootstrap_indices([], np.random.default_rng(0)), "strata"),
    (lambda: stratified_bootstrap(len, pd.DataFrame(), n_boot=3), "non-empty"),
    (lambda: stratified_bootstrap(len, pd.DataFrame({"y": [1]}), n_boot=0), "n_boot"),
    (lambda: summarise(pd.DataFrame({"x": [1.0]}), kind="bayes"), "kind"),
])
def test_bad_input_is_a_course_error(call, message) -> None:
    with pytest.raises(CourseError, match=message):
        call()


def test_unknown_stratum_column_names_the_column() -> None:
    df = pd.DataFrame({"y": [1.0, 2.0]})
    with pytest.raises(UnknownNameError, match="column 'condition' is not in the data"):
        stratified_bootstrap(len, df, strata="condition")
    with pytest.raises(KeyError):
        stratified_bootstrap(len, df, strata="condition")
