"""Chapter 05: the shipped LaLonde / Dehejia-Wahba data, its loader and causalcourse.estimation."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from causalcourse import estimation as est
from causalcourse.data import LALONDE_COLUMNS, data_dir, load_lalonde, verify_manifest
from causalcourse.errors import CourseError, UnknownNameError

NSW_SHA256 = "75be812b62c26579d84de2d7d46791cbab7fb6a2b9bfa82dffa037ae6e92ba37"
CPS_SHA256 = "e048bb07e610d2184879983e8ab9be3cfa50f1aa6af364b69b0a38fbb33cc8a2"


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    return load_lalonde("experimental")


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return load_lalonde("cps")


# --- data -----------------------------------------------------------------------------------

def test_manifest_and_readme_record_the_digests() -> None:
    folder = data_dir() / "lalonde"
    assert verify_manifest(folder / "SHA256SUMS") == []
    manifest, readme = (folder / "SHA256SUMS").read_text(), (folder / "README.md").read_text()
    for digest, name in ((NSW_SHA256, "nsw_dw.csv"), (CPS_SHA256, "cps_controls.csv")):
        assert f"{digest}  {name}" in manifest and digest in readme


def test_published_numbers_of_the_dehejia_wahba_sample(nsw: pd.DataFrame,
                                                       obs: pd.DataFrame) -> None:
    """185 treated, 260 controls, $1,794 experimental effect; 15,992 CPS men; -$8,498 naive."""
    assert nsw["treat"].value_counts().to_dict() == {0: 260, 1: 185}
    means = nsw.groupby("treat")["re78"].mean()
    assert round(means[1], 2) == 6349.14 and round(means[0], 2) == 4554.80
    assert round(est.difference_in_means(nsw["re78"], nsw["treat"])) == 1794
    assert obs["sample"].value_counts().to_dict() == {"CPS": 15992, "NSW": 185}
    assert round(obs.loc[obs["sample"] == "CPS", "re78"].mean(), 2) == 14846.66
    assert round(est.difference_in_means(obs["re78"], obs["treat"])) == -8498
    # the trainees of both samples are the same 185 men
    pd.testing.assert_frame_equal(nsw[nsw["treat"] == 1].reset_index(drop=True),
                                  obs[obs["treat"] == 1].reset_index(drop=True))


def test_loader_columns_and_indicators(obs: pd.DataFrame) -> None:
    assert list(obs.columns) == ["sample", *LALONDE_COLUMNS[1:], "u74", "u75"]
    assert ((obs["u74"] == 1) == (obs["re74"] == 0)).all()
    assert ((obs["u75"] == 1) == (obs["re75"] == 0)).all()
    assert obs[["treat", "black", "hisp", "marr", "nodegree"]].isin([0, 1]).all().all()


def test_loader_rejects_missing_altered_and_wrong_files(tmp_path: Path) -> None:
    shutil.copytree(data_dir() / "lalonde", tmp_path / "lalonde")
    assert len(load_lalonde("cps", root=tmp_path)) == 16177
    nsw_csv = tmp_path / "lalonde" / "nsw_dw.csv"
    original = nsw_csv.read_text()
    nsw_csv.write_text(original.replace("9930.046", "9930.047", 1))
    with pytest.raises(CourseError, match="altered or corrupt"):
        load_lalonde(root=tmp_path)
    # a file with the right checksum in the manifest but the wrong columns
    nsw_csv.write_text(original.replace("re78", "earnings78", 1))
    manifest = tmp_path / "lalonde" / "SHA256SUMS"
    from causalcourse.data import sha256_file

    manifest.write_text(manifest.read_text().replace(NSW_SHA256, sha256_file(nsw_csv)))
    with pytest.raises(CourseError, match=r"wrong columns \(missing \['re78'\]"):
        load_lalonde(root=tmp_path)
    nsw_csv.unlink()
    with pytest.raises(UnknownNameError, match="nsw_dw.csv is missing"):
        load_lalonde(root=tmp_path)
    with pytest.raises(UnknownNameError, match="unknown comparison 'psid'"):
        load_lalonde("psid")


def _rehashed(tmp_path: Path, text: str) -> Path:
    """A copy of the data whose NSW file is ``text`` and whose manifest was re-hashed to it."""
    from causalcourse.data import sha256_file

    folder = tmp_path / "lalonde"
    if not folder.exists():
        shutil.copytree(data_dir() / "lalonde", folder)
    nsw_csv = folder / "nsw_dw.csv"
    old_digest = sha256_file(nsw_csv)
    nsw_csv.write_text(text)
    manifest = folder / "SHA256SUMS"
    manifest.write_text(manifest.read_text().replace(old_digest, sha256_file(nsw_csv)))
    return tmp_path


@pytest.mark.parametrize("edit, message", [
    (lambda t: "", r"nsw_dw.csv is empty"),
    (lambda t: t.replace("Dehejia-Wahba Sample,1,37", "Dehejia-Wahba Sample,2,37", 1),
     r"column 'treat' holds 2 in data row 1; expected 0 or 1"),
    (lambda t: t.replace("9930.046", "n/a", 1),
     r"column 're78' holds 'n/a' in data row 1; expected a number >= 0"),
    (lambda t: t.replace("9930.046", "-9930.046", 1), r"column 're78' holds -9930.046"),
    (lambda t: t.replace("1,37,11", "1,37.5,11", 1), r"column 'age' holds 37.5"),
    (lambda t: t.replace(",9930.046", ",", 1),
     r"empty cell in column 're78' \(data row 1\)"),
    (lambda t: "\n".join(t.splitlines()[:-1]) + "\n", r"has 444 rows, expected 445"),
    (lambda t: t.replace("re74,re75,re78", "re75,re74,re78", 1),
     r"right columns in the wrong order"),
    (lambda t: t.replace("Dehejia-Wahba Sample", "CPS1", 1), r"column 'data_id' holds"),
])
def test_loader_validates_values_after_a_rehashed_manifest(tmp_path: Path, edit, message) -> None:
    original = (data_dir() / "lalonde" / "nsw_dw.csv").read_text()
    root = _rehashed(tmp_path, edit(original))
    with pytest.raises(CourseError, match=message):
        load_lalonde(root=root)


def test_loader_rejects_treated_men_in_the_cps_file(tmp_path: Path) -> None:
    from causalcourse.data import sha256_file

    folder = tmp_path / "lalonde"
    shutil.copytree(data_dir() / "lalonde", folder)
    cps_csv = folder / "cps_controls.csv"
    old_digest = sha256_file(cps_csv)
    cps_csv.write_text(cps_csv.read_text().replace("CPS1,0,45", "CPS1,1,45", 1))
    manifest = folder / "SHA256SUMS"
    manifest.write_text(manifest.read_text().replace(old_digest, sha256_file(cps_csv)))
    with pytest.raises(CourseError, match="treat = 0 in every row"):
        load_lalonde("cps", root=tmp_path)


# --- estimators -----------------------------------------------------------------------------

def test_estimators_on_a_known_effect() -> None:
    """Simulated confounded data with a constant effect of 2: every estimator recovers it."""
    rng = np.random.default_rng(0)
    n = 4000
    age = rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(1.0 - 1.5 * age))).astype(float)
    y = 3 * age + 2 * d + rng.normal(size=n)
    df = pd.DataFrame({"age": age, "treat": d, "re78": y})
    naive = est.difference_in_means(y, d)
    estimates = est.att_estimates(df, ["age"])
    assert naive > 4
    for name, value in estimates.items():
        assert abs(value - 2) < 0.25, (name, value)


def test_linear_fast_path_matches_scikit_learn(obs: pd.DataFrame) -> None:
    x = est.design_matrix(obs)
    y, d = obs["re78"].to_numpy(), obs["treat"].to_numpy(dtype=float)
    m0, e, _ = est._linear_nuisances(x.to_numpy(), y, d)
    outcome, propensity = est.learners("linear")
    m0_sk = clone(outcome).fit(x[d == 0], y[d == 0]).predict(x)
    e_sk = clone(propensity).fit(x, d).predict_proba(x)[:, 1]
    np.testing.assert_allclose(m0, m0_sk, rtol=1e-8, atol=1e-6)
    np.testing.assert_allclose(e, e_sk, rtol=1e-6, atol=1e-9)


def test_matching_averages_over_tied_neighbours() -> None:
    # logit(0.25) = -logit(0.75) exactly, both at distance 1.0986 from logit(0.5) = 0: both used
    assert est.att_matching([5.0, 1.0, 3.0], [1, 0, 0], [0.5, 0.25, 0.75]) == 3.0
    assert est.att_matching([5.0, 3.0, 1.0], [1, 0, 0], [0.5, 0.75, 0.25]) == 3.0
    # identical scores: both used, whatever the order
    assert est.att_matching([5.0, 1.0, 3.0], [1, 0, 0], [0.5, 0.3, 0.3]) == 3.0
    # k = 2 without ties: the two nearest
    assert est.att_matching([5.0, 1.0, 3.0, 9.0], [1, 0, 0, 0], [0.5, 0.45, 0.56, 0.9],
                            k=2) == 3.0


@pytest.mark.parametrize("k", [1, 3, 10])
def test_matching_equals_brute_force_and_ignores_row_order(obs: pd.DataFrame, k: int) -> None:
    """Against a brute-force search over all comparison men; unchanged by shuffling rows."""
    x = est.design_matrix(obs).to_numpy()
    y, d = obs["re78"].to_numpy(), obs["treat"].to_numpy(dtype=float)
    e = est._linear_nuisances(x, y, d)[1]
    score, controls = np.log(e / (1 - e)), np.flatnonzero(d == 0)
    effects = []
    for i in np.flatnonzero(d == 1):
        distance = np.abs(score[controls] - score[i])
        kth = np.sort(distance)[k - 1]
        effects.append(y[i] - y[controls][distance <= kth + 1e-9].mean())
    assert est.att_matching(y, d, e, k) == pytest.approx(np.mean(effects), rel=1e-12)
    order = np.random.default_rng(0).permutation(len(y))
    assert est.att_matching(y[order], d[order], e[order], k) == pytest.approx(
        est.att_matching(y, d, e, k), rel=1e-12)


def test_att_bounds_clip_from_above_only(obs: pd.DataFrame) -> None:
    """The ATT default does not raise small scores; a lower clip moves IPW, not AIPW."""
    default = est.att_estimates(obs)
    assert default == est.att_estimates(obs, bounds=(0.0, 0.999))  # no CPS man above 0.91
    clipped = est.att_estimates(obs, bounds=(0.001, 0.999))
    assert clipped["IPW (stabilised)"] < default["IPW (stabilised)"] - 500
    assert clipped["AIPW"] == pytest.approx(default["AIPW"], abs=2)


def test_joint_bootstrap_pairs_the_treated(obs: pd.DataFrame, nsw: pd.DataFrame) -> None:
    draws = est.joint_bootstrap(obs, nsw, n_boot=4, seed=0)
    assert list(draws.columns) == ["outcome regression", "PS matching", "IPW (stabilised)",
                                   "AIPW", "experiment"]
    # the same resample of trainees enters both: compare with a by-hand draw
    rng = np.random.default_rng(0)
    from causalcourse.uncertainty import bootstrap_indices

    labels = np.r_[np.zeros(185, dtype=int), np.ones(15992, dtype=int), np.full(260, 2)]
    index = bootstrap_indices(labels, rng)
    trainees = obs["re78"].to_numpy()[index[:185]]
    controls = nsw.loc[nsw["treat"] == 0, "re78"].to_numpy()[index[labels == 2] - 16177]
    assert draws["experiment"].iloc[0] == pytest.approx(trainees.mean() - controls.mean())
    with pytest.raises(CourseError, match="same treated rows"):
        est.joint_bootstrap(obs.iloc[1:], nsw, n_boot=2)


@pytest.mark.parametrize("kind", ["linear", "boosting"])
def test_dml_att_agrees_with_doubleml(obs: pd.DataFrame, kind: str) -> None:
    """The hand-written cross-fitted AIPW equals DoubleMLIRM(score='ATTE') on the same folds.

    Same folds, same (seeded) learners, the same (inactive) clipping: the nuisance predictions
    are identical, so the estimates agree to rounding error (1e-6 relative), not just within
    noise.
    """
    import doubleml as dml
    from doubleml.utils import PSProcessorConfig

    sample = pd.concat([obs[obs["treat"] == 1], obs[obs["treat"] == 0].iloc[:3000]],
                       ignore_index=True)
    x = est.design_matrix(sample).to_numpy()
    y, d = sample["re78"].to_numpy(), sample["treat"].to_numpy(dtype=float)
    outcome, propensity = est.learners(kind, seed=0)
    if kind == "boosting":
        outcome.set_params(max_iter=30)
        propensity.set_params(max_iter=30)
    folds = est.fold_splits(d, n_folds=3, seed=1)
    ours = est.dml_att(x, y, d, outcome, propensity, folds)
    # DoubleML clips both ends; a threshold of 1e-12 leaves only our upper clip, which no
    # comparison man's cross-fitted score reaches here
    assert ours.e[d == 0].max() < 0.99 and ours.e.min() > 1e-12
    irm = dml.DoubleMLIRM(dml.DoubleMLData.from_arrays(x, y, d), ml_g=outcome, ml_m=propensity,
                          score="ATTE", n_folds=3, draw_sample_splitting=False,
                          ps_processor_config=PSProcessorConfig(clipping_threshold=1e-12))
    irm.set_sample_splitting([folds])
    irm.fit()
    assert ours.estimate == pytest.approx(float(irm.coef[0]), rel=1e-6)
    assert ours.se == pytest.approx(float(irm.se[0]), rel=1e-6)


def test_score_bootstrap_matches_the_standard_error(obs: pd.DataFrame) -> None:
    x = est.design_matrix(obs).to_numpy()
    y, d = obs["re78"].to_numpy(), obs["treat"].to_numpy(dtype=float)
    fit = est.dml_att(x, y, d, *est.learners("linear"), est.fold_splits(d, 5, seed=0))
    draws = est.score_bootstrap(fit.scores, d, n_boot=2000, seed=0)
    # the bootstrap sd of the score mean is the influence-function standard error (within 10 %)
    assert draws.std() == pytest.approx(fit.se, rel=0.1)
    assert draws.mean() == pytest.approx(fit.estimate, abs=0.15 * fit.se)


def test_paired_score_bootstrap_matches_joint_resampling() -> None:
    """The treated enter both estimates from one resample; the groups keep their sizes."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=30)
    d = np.r_[np.ones(10), np.zeros(20)]
    scores, control_y = rng.normal(size=30), rng.normal(size=8)
    draws = est.paired_score_bootstrap(scores, y, d, control_y, n_boot=400, seed=1)
    assert draws["estimate"].mean() == pytest.approx(scores.sum() / 10, abs=0.15)
    assert draws["experiment"].mean() == pytest.approx(y[:10].mean() - control_y.mean(),
                                                       abs=0.15)
    # pairing: the bias draws vary less than the two estimates would if drawn independently
    bias = draws["estimate"] - draws["experiment"]
    assert bias.var() < draws["estimate"].var() + draws["experiment"].var()


def test_trimming_and_benchmark_grid(obs: pd.DataFrame, nsw: pd.DataFrame) -> None:
    e = np.array([0.001, 0.2, 0.95, 0.05, 0.3, 0.6, 0.97])
    d = np.array([1, 1, 1, 0, 0, 0, 0])
    assert est.trimming_bounds(e, d, "two-sided support") == (0.05, 0.95)
    assert est.trimming_bounds(e, d, "common support") == (0.001, 0.95)
    # common support keeps every treated unit and drops comparison units outside their range
    assert est.trimming_mask(e, d, "common support").tolist() == [True] * 6 + [False]
    assert est.trimming_mask(e, d, "two-sided support").tolist() == [False, True, True, True,
                                                                     True, True, False]
    assert est.trimming_mask(e, d, "none").all()
    grid = est.sensitivity_table(obs, nsw, {"all": est.ADJUSTMENT_SET},
                                 rules=["none", "common support", "0.1-0.9"])
    assert grid["benchmark"].iloc[0] == pytest.approx(1794.34, abs=0.01)
    assert grid["treated"].tolist()[:2] == [185, 185] and grid["treated"].tolist()[2] < 185
    assert grid["experimental controls"].tolist()[0] == 260


def test_sensitivity_table_bias_columns(obs: pd.DataFrame, nsw: pd.DataFrame) -> None:
    row = est.sensitivity_table(obs, nsw, {"all": est.ADJUSTMENT_SET}, rules=["none"],
                                n_boot=3, seed=0, k=2).iloc[0]
    assert row["PS matching bias"] == pytest.approx(row["PS matching"] - row["benchmark"])
    assert row["AIPW bias low"] <= row["AIPW bias high"]


def test_design_matrix_terms() -> None:
    df = pd.DataFrame({"age": [20.0, 30.0], "educ": [10, 12], "re74": [0.0, 2000.0]})
    assert est.design_matrix(df, ["age", "re74"], terms="linear").columns.tolist() == ["age",
                                                                                       "re74"]
    assert est.design_matrix(df, ["age"], terms="dehejia-wahba")["age3"].tolist() == [8000.0,
                                                                                       27000.0]


def test_standardized_differences_and_evalue() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 0.0, 1.0], "treat": [1, 1, 0, 0]})
    assert est.standardized_differences(df, ["x"])["x"] == pytest.approx(np.sqrt(2))
    rr = np.exp(0.91 * 0.5)
    assert est.evalue_mean_difference(-0.5, 1.0) == pytest.approx(rr + np.sqrt(rr * (rr - 1)))


def test_group_partial_r2_matches_single_t_statistic() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    x = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    fit = sm.OLS(x["a"] + 0.2 * x["b"] + rng.normal(size=300), sm.add_constant(x)).fit()
    t = fit.tvalues["b"]
    assert est.group_partial_r2(fit, ["b"]) == pytest.approx(t**2 / (t**2 + fit.df_resid))
    with pytest.raises(UnknownNameError, match="'c'"):
        est.group_partial_r2(fit, ["c"])


def test_figures_draw() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from causalcourse.uncertainty import Interval

    table = pd.DataFrame({"estimate": [1.0, -9.0], "low": [0.0, np.nan], "high": [2.0, np.nan]},
                         index=["A", "B"])
    ax = est.plot_forest(table, Interval(1.0, 0.5, 1.5), xlim=(-3, 3))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    ax = est.plot_sensitivity_contour(1000.0, 400.0, 500, lim=0.05)
    assert ax.get_xlim() == (0.0, 0.05)


# --- bad input ------------------------------------------------------------------------------

def test_bad_input_is_named() -> None:
    y, d, e = [1.0, 2.0, 3.0], [1, 0, 0], [0.5, 0.5, 0.5]
    with pytest.raises(CourseError, match="only 0"):
        est.att_ipw(y, [1, 2, 0], e)
    with pytest.raises(CourseError, match="both treated"):
        est.att_regression(y, [1, 1, 1], y)
    with pytest.raises(CourseError, match="strictly between 0 and 1"):
        est.att_aipw(y, d, y, [1.0, 0.5, 0.5])
    with pytest.raises(CourseError, match="has 2 values"):
        est.att_matching(y, d, [0.5, 0.5])
    with pytest.raises(CourseError, match="non-finite"):
        est.aipw_scores([1.0, np.nan, 3.0], d, y, e)
    with pytest.raises(UnknownNameError, match="'wage'"):
        est.design_matrix(pd.DataFrame({"age": [1.0]}), ["age", "wage"])
    with pytest.raises(UnknownNameError, match="unknown learner kind 'svm'"):
        est.learners("svm")
    with pytest.raises(UnknownNameError, match="unknown trimming rule 'tight'"):
        est.trimming_bounds(e, d, "tight")
    with pytest.raises(CourseError, match="n_folds"):
        est.fold_splits([1, 0, 0, 1], n_folds=1)
    with pytest.raises(CourseError, match="at least 5 treated"):
        est.fold_splits([1, 0, 0, 0, 0, 0], n_folds=5)
    with pytest.raises(CourseError, match="cover every row"):
        est.crossfit_nuisances(np.ones((3, 1)), y, d, None, None, [(np.array([0]), np.array([1]))])
    with pytest.raises(CourseError, match="n_boot"):
        est.score_bootstrap(y, d, n_boot=1)
    with pytest.raises(CourseError, match="bounds"):
        est.att_estimates(pd.DataFrame({"age": [1.0, 2.0], "treat": [1, 0], "re78": [1.0, 2.0]}),
                          ["age"], bounds=(0.7, 0.9))
    with pytest.raises(CourseError, match="k must be"):
        est.att_matching(y, d, e, k=3)
    with pytest.raises(UnknownNameError, match="unknown terms 'cubic'"):
        est.design_matrix(pd.DataFrame({"age": [1.0]}), ["age"], terms="cubic")
    with pytest.raises(UnknownNameError, match="'treat'"):
        est.joint_bootstrap(pd.DataFrame({"age": [1.0]}), pd.DataFrame({"age": [1.0]}), ["age"])
    with pytest.raises(CourseError, match="positive standard deviation"):
        est.evalue_mean_difference(1.0, 0.0)
    with pytest.raises(CourseError, match="non-empty"):
        est.plot_forest(pd.DataFrame(), None)  # type: ignore[arg-type]
    with pytest.raises(CourseError, match="se > 0"):
        est.plot_sensitivity_contour(1.0, -1.0, 10)
    with pytest.raises(UnknownNameError, match="'nowhere'"):
        est.sensitivity_table(pd.DataFrame({"treat": [1], "re78": [1.0]}),
                              pd.DataFrame({"treat": [1], "re78": [1.0]}), rules=["nowhere"])
