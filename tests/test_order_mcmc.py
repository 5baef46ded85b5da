"""Order MCMC against exact enumeration, its order-prior bias, determinism and bad input."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causalcourse.design import (
    Evidence,
    StructureModel,
    bge_log_marginal,
    enumerate_dags,
    random_linear_sem,
)
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.design.order_mcmc import (
    Experiment,
    GraphSample,
    bge_family_terms,
    expected_information_gain,
    family_scores,
    interventional_evidence,
    linear_extensions,
    order_mcmc,
    realised_information_gain,
    sample_graphs,
    sample_mechanisms,
    split_rhat,
)


def _problem(d: int, seed: int = 3, n: int = 30):
    """A random linear SEM on d nodes: n observational samples plus n // 2 under do(first node)."""
    nodes = tuple("ABCDE"[:d])
    rng = np.random.default_rng(seed)
    sem = random_linear_sem(nodes, rng)
    model = StructureModel(nodes).observe(sem.sample(n, rng))
    model = model.observe(sem.sample(n // 2, rng, target=nodes[0]), [nodes[0]])
    return nodes, model


def _sampled(
    scores,
    seed: int,
    n_chains: int = 8,
    n_steps: int = 6000,
    per_order: int = 4,
    correct: bool = True,
) -> GraphSample:
    rng = np.random.default_rng(seed)
    chains = order_mcmc(scores, rng, n_chains=n_chains, n_steps=n_steps, thin=5)
    return sample_graphs(scores, chains, rng, per_order=per_order, correct_order_bias=correct)


@pytest.fixture(scope="module")
def four():
    nodes, model = _problem(4)
    return nodes, model, family_scores(model.evidence, nodes, max_parents=3)


# --- the score -------------------------------------------------------------------------------


def test_family_scores_sum_to_the_bge_score_of_design():
    nodes, model = _problem(4, seed=5)
    scores = family_scores(model.evidence, nodes, max_parents=2)
    dags = enumerate_dags(4)
    dags = dags[dags.sum(axis=1).max(axis=1) <= 2]
    masks = (dags.astype(np.int64) << np.arange(4)[:, None]).sum(axis=1)
    column = {int(m): k for k, m in enumerate(scores.parent_sets)}
    ours = np.array([sum(scores.likelihood[j, column[int(g[j])]] for j in range(4)) for g in masks])
    np.testing.assert_allclose(ours, bge_log_marginal(model.evidence, dags), rtol=0, atol=1e-8)


def test_bge_family_terms_match_design_for_non_default_hyperparameters():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    ev = Evidence.from_data(x, np.c_[np.zeros((80, 2), bool), rng.random(80) < 0.3])
    edge = np.zeros((2, 3, 3), dtype=bool)
    edge[0, 0, 2] = edge[0, 1, 2] = True  # 0 -> 2 <- 1 versus nothing
    ref = bge_log_marginal(ev, edge, alpha_mu=0.5, alpha_w=7.0)
    subsets = np.array([[True, True, True], [True, True, False], [False, False, True]])
    f = bge_family_terms(ev.count[[2] * 3], ev.total[[2] * 3], ev.cross[[2] * 3], subsets, 0.5, 7.0)
    assert np.isclose(f[0] - f[1] - f[2], ref[0] - ref[1])
    with pytest.raises(CourseError, match="statistics of 3 variables"):
        bge_family_terms(ev.count[:2], ev.total, ev.cross[:2], subsets)


def test_order_table_is_the_log_sum_over_compatible_parent_sets(four):
    _, _, scores = four
    table = scores.order_table
    for j, allowed in [(0, 0b1110), (2, 0b0011), (3, 0)]:
        ok = (scores.parent_sets & ~allowed) == 0
        expected = np.logaddexp.reduce(scores.scores[j, ok])
        assert np.isclose(table[j, allowed], expected)


# --- exactness on small problems -------------------------------------------------------------


def test_corrected_edge_probabilities_match_exact_enumeration_on_four_nodes(four):
    _, model, scores = four
    exact = model.posterior().edge_probabilities().to_numpy()
    sample = _sampled(scores, seed=1)
    assert np.abs(sample.edge_probabilities().to_numpy() - exact).max() < 0.03


def test_corrected_edge_probabilities_match_exact_enumeration_on_five_nodes():
    nodes, model = _problem(5, seed=7, n=40)
    scores = family_scores(model.evidence, nodes, max_parents=4)
    exact = model.posterior().edge_probabilities().to_numpy()
    sample = _sampled(scores, seed=2, n_steps=5000)
    assert np.abs(sample.edge_probabilities().to_numpy() - exact).max() < 0.04


def test_uncorrected_samples_follow_the_order_modular_posterior_and_are_biased(four):
    _, model, scores = four
    post = model.posterior()
    dags = enumerate_dags(4)
    tilted = post.probs * linear_extensions(dags)
    order_modular = np.tensordot(tilted / tilted.sum(), dags, axes=1)
    exact = post.edge_probabilities().to_numpy()
    raw = _sampled(scores, seed=4, correct=False).edge_probabilities().to_numpy()
    assert np.abs(raw - order_modular).max() < 0.03
    assert np.abs(order_modular - exact).max() > 0.1  # the bias is far above the Monte Carlo error
    assert np.abs(raw - exact).max() > 0.08


def test_parent_bound_and_prior_match_the_restricted_exact_posterior():
    nodes, model = _problem(4, seed=11)
    prior = {("A", "B"): 0.9, ("C", "D"): 0.2}
    exact_model = StructureModel(nodes, edge_probs=prior, evidence=model.evidence)
    post = exact_model.posterior()
    keep = post.dags.sum(axis=1).max(axis=1) <= 1  # at most one parent per node
    w = np.where(keep, post.probs, 0.0)
    exact = np.tensordot(w / w.sum(), post.dags, axes=1)
    scores = family_scores(model.evidence, nodes, max_parents=1, edge_probs=prior)
    sample = _sampled(scores, seed=6)
    assert np.abs(sample.edge_probabilities().to_numpy() - exact).max() < 0.03
    assert (sample.dags.sum(axis=1).max(axis=1) <= 1).all()


def test_with_prior_equals_building_with_the_prior(four):
    nodes, model, scores = four
    prior = {("B", "A"): 0.8}
    direct = family_scores(model.evidence, nodes, max_parents=3, edge_probs=prior)
    np.testing.assert_array_equal(scores.with_prior(prior).scores, direct.scores)


def test_chains_from_different_starts_agree_and_rhat_is_near_one(four):
    _, _, scores = four
    rng = np.random.default_rng(8)
    chains = order_mcmc(scores, rng, n_chains=4, n_steps=4000, thin=5)
    per_chain = [
        sample_graphs(scores, chains.orders[c], rng, per_order=4).edge_probabilities()
        for c in range(4)
    ]
    gap = max(
        np.abs(a.to_numpy() - b.to_numpy()).max() for a, b in itertools.combinations(per_chain, 2)
    )
    assert gap < 0.08
    assert split_rhat(chains.kept_trace()) < 1.05
    pooled = GraphSample.pool(
        [sample_graphs(scores, chains.orders[c], np.random.default_rng(c)) for c in range(4)]
    )
    assert pooled.n_draws == chains.orders.shape[0] * chains.orders.shape[1]
    assert np.isclose(pooled.weights.sum(), 1.0)


def test_many_problems_in_one_call_equal_their_separate_posteriors(four):
    _, model, scores = four
    other = scores.with_prior({("A", "B"): 0.95})
    rng = np.random.default_rng(3)
    both = order_mcmc([scores, other], rng, n_chains=6, n_steps=5000, thin=5)
    a = sample_graphs(scores, both[0], rng, per_order=4).edge_probabilities().to_numpy()
    b = sample_graphs(other, both[1], rng, per_order=4).edge_probabilities().to_numpy()
    assert np.abs(a - model.posterior().edge_probabilities().to_numpy()).max() < 0.04
    assert b[0, 1] > a[0, 1] + 0.05  # the prior on A -> B moved only the second problem


# --- determinism ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_samples(four):
    _, _, scores = four
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(42)
        chains = order_mcmc(scores, rng, n_chains=3, n_steps=500)
        runs.append((chains, sample_graphs(scores, chains, rng)))
    np.testing.assert_array_equal(runs[0][0].orders, runs[1][0].orders)
    np.testing.assert_array_equal(runs[0][0].trace, runs[1][0].trace)
    np.testing.assert_array_equal(runs[0][1].dags, runs[1][1].dags)
    np.testing.assert_array_equal(runs[0][1].weights, runs[1][1].weights)
    other = order_mcmc(scores, np.random.default_rng(43), n_chains=3, n_steps=500)
    assert not np.array_equal(other.orders, runs[0][0].orders)


# --- linear extensions ----------------------------------------------------------------------------


def test_linear_extensions_match_networkx_topological_sorts():
    rng = np.random.default_rng(0)
    for d in (1, 3, 5, 7):
        for _ in range(6):
            order = rng.permutation(d)
            a = np.zeros((d, d), dtype=bool)
            for i, j in itertools.combinations(range(d), 2):
                a[order[i], order[j]] = rng.random() < 0.35
            g = nx.DiGraph()
            g.add_nodes_from(range(d))
            g.add_edges_from(zip(*np.nonzero(a), strict=True))
            expected = sum(1 for _ in nx.all_topological_sorts(g))
            assert linear_extensions(a[None])[0] == expected


def test_linear_extensions_survive_a_full_cache(monkeypatch):
    import causalcourse.design.order_mcmc as om

    monkeypatch.setattr(om, "_CACHE_LIMIT", 1)
    chain = np.zeros((2, 3, 3), dtype=bool)
    chain[0, 0, 1] = chain[0, 1, 2] = True
    assert linear_extensions(chain).tolist() == [1.0, 6.0]
    assert linear_extensions(chain[::-1]).tolist() == [6.0, 1.0]  # cache cleared, recomputed


def test_linear_extensions_refuse_cycles_and_bad_shapes():
    cycle = np.zeros((1, 3, 3), dtype=bool)
    cycle[0, 0, 1] = cycle[0, 1, 2] = cycle[0, 2, 0] = True
    with pytest.raises(CourseError, match="directed cycle"):
        linear_extensions(cycle)
    with pytest.raises(CourseError, match="adjacency matrices"):
        linear_extensions(np.zeros((3, 3), dtype=bool))


# --- posterior summaries ----------------------------------------------------------------------


def test_graph_sample_summaries():
    dags = np.zeros((3, 2, 2), dtype=bool)
    dags[1, 0, 1] = dags[2, 1, 0] = True
    s = GraphSample(("X", "Y"), dags, np.array([0.2, 0.5, 0.3]), 10, 10.0)
    truth = dags[1]
    assert s.expected_shd(truth) == pytest.approx(0.5)
    assert s.shd_interval(truth, 0.9) == (0.0, 1.0)
    assert s.class_mass(truth) == pytest.approx(0.8)  # X -> Y and Y -> X are Markov equivalent
    assert s.class_mass(truth, [["X"]]) == pytest.approx(0.5)  # do(X) tells them apart
    assert s.entropy() == pytest.approx(
        -(0.2 * np.log(0.2) + 0.5 * np.log(0.5) + 0.3 * np.log(0.3))
    )
    with pytest.raises(CourseError, match="adjacency matrix"):
        s.expected_shd(np.zeros((3, 3)))
    with pytest.raises(UnknownNameError, match="'Q'"):
        s.class_mass(truth, [["Q"]])
    with pytest.raises(CourseError, match="level"):
        s.shd_interval(truth, 1.5)


def test_split_rhat_detects_a_stuck_chain():
    rng = np.random.default_rng(1)
    assert split_rhat(rng.normal(size=(4, 2000))) < 1.01
    stuck = rng.normal(size=(4, 2000))
    stuck[0] += 3
    assert split_rhat(stuck) > 1.2
    assert split_rhat(np.ones((3, 10))) == 1.0
    with pytest.raises(CourseError, match="at least 4 draws"):
        split_rhat(np.ones((2, 3)))


# --- design ---------------------------------------------------------------------------------------


def test_sample_mechanisms_recover_the_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=20000)
    y = 0.5 - 0.7 * x + 0.4 * rng.normal(size=20000)
    g = np.zeros((1, 2, 2), dtype=bool)
    g[0, 0, 1] = True
    w, b, s = sample_mechanisms(g, Evidence.from_data(np.c_[x, y]), rng)
    assert w[0, 0, 1] == pytest.approx(-0.7, abs=0.02)
    assert b[0, 1] == pytest.approx(0.5, abs=0.02)
    assert s[0, 1] == pytest.approx(0.4, abs=0.01)
    with pytest.raises(CourseError, match="shape"):
        sample_mechanisms(np.zeros((1, 3, 3), bool), Evidence.from_data(np.c_[x, y]), rng)


@pytest.mark.parametrize("df", [4.0, 7.5, 40.0])
def test_bartlett_wishart_draws_have_scipy_wisharts_moments(df):
    """The hand-written Bartlett sampler against scipy.stats.wishart's mean and variance, and
    the covariance of every pair of entries against df (S_ik S_jl + S_il S_jk), each within
    five Monte Carlo standard errors over 200 000 draws (non-integer df included)."""
    from scipy.stats import wishart

    from causalcourse.design.order_mcmc import _wishart

    scale = np.array([[1.0, 0.3, -0.2], [0.3, 0.5, 0.1], [-0.2, 0.1, 2.0]])
    n, p = 200_000, len(scale)
    draws = _wishart(np.random.default_rng(7), df, scale, n)
    assert draws.shape == (n, p, p)
    assert np.allclose(draws, np.swapaxes(draws, 1, 2))
    mean = draws.mean(axis=0)
    centred = draws - mean
    var = (centred**2).mean(axis=0)
    se_mean = np.sqrt(var / n)
    assert np.all(np.abs(mean - wishart.mean(df, scale)) < 5 * se_mean)
    se_var = np.sqrt(((centred**2 - var) ** 2).mean(axis=0) / n)
    assert np.all(np.abs(var - wishart.var(df, scale)) < 5 * se_var)
    entries = [(i, j) for i in range(p) for j in range(i, p)]
    for (i, j), (k, m) in itertools.combinations_with_replacement(entries, 2):
        prod = centred[:, i, j] * centred[:, k, m]
        exact = df * (scale[i, k] * scale[j, m] + scale[i, m] * scale[j, k])
        assert abs(prod.mean() - exact) < 5 * prod.std() / np.sqrt(n), ((i, j), (k, m))


def test_eig_agrees_with_chapter_08_exact_eig_on_three_nodes():
    nodes, model = _problem(3, seed=2, n=40)
    post = model.posterior()  # all 25 DAGs with their exact weights
    sample = GraphSample(nodes, post.dags, post.probs, 25, 25.0)
    values = np.random.default_rng(9).normal(size=20)
    ours = expected_information_gain(
        sample,
        model.evidence,
        {"do(B)": Experiment(("B",), values[:, None])},
        np.random.default_rng(1),
        n_draws=400,
    )
    theirs = model.expected_information_gain(
        ["B"], 20, np.random.default_rng(2), n_draws=400, values=values, per_draw=True
    )[0]
    se = np.hypot(ours.loc["do(B)", "se"], theirs.std(ddof=1) / np.sqrt(len(theirs)))
    assert abs(ours.loc["do(B)", "eig"] - theirs.mean()) < 3 * se + 0.02


def test_eig_is_bounded_by_the_entropy_and_realised_gain_is_exact():
    dags = np.zeros((2, 2, 2), dtype=bool)
    dags[0, 0, 1] = dags[1, 1, 0] = True
    s = GraphSample(("X", "Y"), dags, np.array([0.5, 0.5]), 2, 2.0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    ev = Evidence.from_data(np.c_[x, x + 0.5 * rng.normal(size=200)])
    eig = expected_information_gain(
        s,
        ev,
        {
            "do(X)": Experiment(("X",), 2 * rng.normal(size=(60, 1))),
            "observe": Experiment.observational(60),
        },
        rng,
        n_draws=40,
    )
    assert 0.5 < eig.loc["do(X)", "eig"] <= np.log(2) + 1e-9
    assert eig.loc["observe", "eig"] < 0.05  # equivalent graphs: observing cannot tell them apart
    z = rng.normal(size=300)
    done = np.c_[2 * z, 2 * z + 0.5 * rng.normal(size=300)]  # X set by the experimenter, Y follows
    assert realised_information_gain(s, ev, done, ["X"]) == pytest.approx(np.log(2), abs=1e-6)
    many = realised_information_gain(s, ev, [done, done[:, ::-1]], [["X"], ["Y"]])
    assert many.shape == (2,) and many[0] == pytest.approx(np.log(2), abs=1e-6)
    with pytest.raises(CourseError, match="one target list per data set"):
        realised_information_gain(s, ev, [done, done], [["X"]])


def test_order_scores_equal_the_didactic_sum(four):
    _, _, scores = four
    order = np.array([2, 0, 3, 1])
    before, total = 0, 0.0
    for node in order:
        total += scores.order_table[node, before]
        before |= 1 << node
    assert scores.order_scores(order[None])[0] == pytest.approx(total)


# --- bad input -------------------------------------------------------------------------


def test_interventional_evidence_matches_design_and_checks_its_input():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(30, 3)), columns=["A", "B", "C"])
    frame["condition"] = pd.Categorical(["obs"] * 10 + ["do B"] * 10 + ["do C"] * 10)
    ev = interventional_evidence(frame, ["A", "B", "C"], {"do B": ["B"], "do C": ["C"]})
    hit = np.zeros((30, 3), dtype=bool)
    hit[10:20, 1] = hit[20:, 2] = True
    ref = Evidence.from_data(frame[["A", "B", "C"]].to_numpy(), hit)
    np.testing.assert_array_equal(ev.count, ref.count)
    np.testing.assert_allclose(ev.cross, ref.cross, atol=1e-12)
    with pytest.raises(UnknownNameError, match="'D'"):
        interventional_evidence(frame, ["A", "D"])
    with pytest.raises(UnknownNameError, match="'do Z'"):
        interventional_evidence(frame, ["A", "B"], {"do Z": ["B"]})
    with pytest.raises(UnknownNameError, match="'C'"):
        interventional_evidence(frame, ["A", "B"], {"do C": ["C"]})
    with pytest.raises(UnknownNameError, match="'regime'"):
        interventional_evidence(frame, ["A", "B"], {"do B": ["B"]}, condition="regime")
    frame.loc[3, "A"] = np.nan
    with pytest.raises(CourseError, match="NaN"):
        interventional_evidence(frame, ["A", "B"])
    with pytest.raises(CourseError, match="DataFrame"):
        interventional_evidence(frame.to_numpy(), ["A"])


def test_family_scores_refuse_bad_input(four):
    nodes, model, _ = four
    with pytest.raises(CourseError, match="do not match"):
        family_scores(model.evidence, ("A", "B", "C"))
    for bound in (-1, 4, 2.5, True):
        with pytest.raises(CourseError, match="impossible parent-set bound"):
            family_scores(model.evidence, nodes, max_parents=bound)
    with pytest.raises(UnknownNameError, match="'Q'"):
        family_scores(model.evidence, nodes, edge_probs={("Q", "A"): 0.9})
    with pytest.raises(CourseError, match=r"\[0, 1\]"):
        family_scores(model.evidence, nodes, edge_probs={("A", "B"): 1.5})
    required = {(a, "D"): 1.0 for a in "ABC"}
    with pytest.raises(CourseError, match="impossible bound"):
        family_scores(model.evidence, nodes, max_parents=2, edge_probs=required)
    with pytest.raises(CourseError, match="distinct"):
        family_scores(model.evidence, ("A", "A", "B", "C"))
    with pytest.raises(CourseError, match="alpha_w"):
        family_scores(model.evidence, nodes, alpha_w=4.0)
    with pytest.raises(CourseError, match="Evidence"):
        family_scores(np.zeros((4, 4)), nodes)


def test_sampler_refuses_bad_input(four):
    nodes, model, scores = four
    rng = np.random.default_rng(0)
    for kwargs, message in [
        ({"n_chains": 0}, "n_chains"),
        ({"n_steps": 10, "burn_in": 10}, "burn_in"),
        ({"move_probs": (0.5, 0.5, 0.5)}, "move_probs"),
        ({"starts": np.zeros((4, 4), int)}, "starts"),
    ]:
        with pytest.raises(CourseError, match=message):
            order_mcmc(scores, rng, **kwargs)
    small = family_scores(Evidence.from_data(rng.normal(size=(10, 3))), ("A", "B", "C"))
    with pytest.raises(CourseError, match="same nodes"):
        order_mcmc([scores, small], rng)
    with pytest.raises(CourseError, match="permutations"):
        sample_graphs(scores, np.zeros((2, 4), int), rng)
    forced = scores.with_prior({("A", "B"): 1.0})
    with pytest.raises(CourseError, match="no parent set"):
        sample_graphs(forced, np.array([[1, 0, 2, 3]]), rng)  # B before A: B cannot have parent A
    with pytest.raises(CourseError, match="values must have shape"):
        Experiment(("A",), np.zeros((5, 2)))
    sample = GraphSample(nodes, enumerate_dags(4)[:2], np.array([0.5, 0.5]), 2, 2.0)
    with pytest.raises(UnknownNameError, match="'Q'"):
        expected_information_gain(
            sample, model.evidence, {"q": Experiment(("Q",), np.zeros((5, 1)))}, rng
        )
    with pytest.raises(CourseError, match="n_draws"):
        expected_information_gain(
            sample, model.evidence, {"o": Experiment.observational(5)}, rng, n_draws=1
        )
    with pytest.raises(CourseError, match="shape"):
        realised_information_gain(sample, model.evidence, np.zeros((5, 3)))
