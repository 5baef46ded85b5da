"""Unit and property tests of causalcourse.design (exact Bayesian structure learning and design)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from causalcourse.design import (
    Evidence,
    GraphPosterior,
    LinearSEM,
    StructureModel,
    ancestor_query,
    bge_log_marginal,
    design_loop,
    edge_log_prior,
    enumerate_dags,
    experiments_to_reach,
    interventional_equivalent,
    markov_equivalent,
    random_linear_sem,
    shd_to,
    structure_mcmc,
)
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.design import sample_parameters as _sample_params
from causalcourse.design import subset_table as _subset_table


# --- enumeration and graph helpers -------------------------------------------------------------

def test_dag_counts_match_robinson() -> None:
    assert [len(enumerate_dags(d)) for d in range(6)] == [1, 1, 3, 25, 543, 29281]


@pytest.mark.parametrize("d", [3, 4])
def test_enumerated_graphs_are_distinct_acyclic(d: int) -> None:
    dags = enumerate_dags(d)
    assert len({g.tobytes() for g in dags}) == len(dags)
    assert all(nx.is_directed_acyclic_graph(nx.DiGraph(np.asarray(g, dtype=int))) for g in dags)


def test_enumerate_rejects_large_d() -> None:
    with pytest.raises(ValueError, match="0 <= d <= 5"):
        enumerate_dags(6)


def test_markov_equivalence_class_sizes() -> None:
    dags = enumerate_dags(3)
    collider = np.zeros((3, 3), bool)
    collider[0, 2] = collider[1, 2] = True
    assert markov_equivalent(dags, collider).sum() == 1
    # the 25 DAGs on 3 nodes fall into 11 Markov equivalence classes
    signatures = {tuple(np.nonzero(markov_equivalent(dags, g))[0]) for g in dags}
    assert len(signatures) == 11


def test_intervention_shrinks_the_class() -> None:
    dags = enumerate_dags(3)
    chain = np.zeros((3, 3), bool)
    chain[0, 1] = chain[1, 2] = True
    assert interventional_equivalent(dags, chain, []).sum() == 3
    assert interventional_equivalent(dags, chain, [[0]]).sum() == 1  # do(0) orients 0 -> 1, then 1 -> 2
    assert interventional_equivalent(dags, chain, [[2]]).sum() == 2  # only 1 -> 2 oriented


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 542), st.integers(0, 542))
def test_shd_matches_discovery_module(i: int, j: int) -> None:
    from causalcourse.discovery import shd

    dags = enumerate_dags(4)
    names = list("ABCD")
    edges = lambda g: [(names[a], names[b]) for a, b in zip(*np.nonzero(g))]  # noqa: E731
    truth = nx.DiGraph(edges(dags[j]))
    truth.add_nodes_from(names)
    assert shd_to(dags[[i]], dags[j])[0] == shd(edges(dags[i]), truth)


def test_ancestor_query_and_errors() -> None:
    dags = enumerate_dags(3)
    chain = np.zeros((3, 3), bool)
    chain[0, 1] = chain[1, 2] = True
    k = np.nonzero((dags == chain).all(axis=(1, 2)))[0][0]
    assert ancestor_query(dags, 0, 2)[k] == 1 and ancestor_query(dags, 2, 0)[k] == 0
    with pytest.raises(ValueError, match="two different node indices"):
        ancestor_query(dags, 1, 1)


# --- the BGe score -----------------------------------------------------------------------------

def test_bge_equals_chain_rule_of_student_t_predictives() -> None:
    """The closed form equals the product of one-step-ahead multivariate-t predictive densities."""
    rng = np.random.default_rng(0)
    d, am, aw = 3, 1.0, 5.0
    x = rng.normal(size=(15, d)) @ rng.normal(size=(d, d))
    ev = Evidence.from_data(x)
    closed = _subset_table(ev.count[0], ev.total[0], ev.cross[0], am, aw)[-1]
    t0 = am * (aw - d - 1) / (am + 1)
    scale, mean, kappa, nu, total = t0 * np.eye(d), np.zeros(d), am, aw, 0.0
    for row in x:
        df = nu - d + 1
        total += stats.multivariate_t(mean, scale * (kappa + 1) / (kappa * df), df=df).logpdf(row)
        scale = scale + kappa / (kappa + 1) * np.outer(row - mean, row - mean)
        mean, kappa, nu = (kappa * mean + row) / (kappa + 1), kappa + 1, nu + 1
    assert closed == pytest.approx(total, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 542), st.integers(0, 2**31 - 1))
def test_bge_is_score_equivalent_on_observational_data(k: int, seed: int) -> None:
    dags = enumerate_dags(4)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(30, 4)) @ rng.normal(size=(4, 4))
    scores = bge_log_marginal((x - x.mean(0)) / x.std(0), dags)
    same = markov_equivalent(dags, dags[k])
    assert np.ptp(scores[same]) < 1e-8 * max(1.0, np.abs(scores[same]).max())


def test_interventions_break_score_equivalence() -> None:
    rng = np.random.default_rng(1)
    sem = LinearSEM(("X", "Y"), np.array([[0, 0.9], [0, 0]]), np.array([1.0, 0.45]))
    model = StructureModel(("X", "Y")).observe(sem.sample(200, rng))
    p_obs = model.posterior().edge_probabilities().loc["X", "Y"]
    p_int = model.observe(sem.sample(200, rng, target="X"), ["X"]).posterior().edge_probabilities().loc["X", "Y"]
    assert abs(p_obs - 0.5) < 0.01 and p_int > 0.99


def test_intervened_samples_leave_the_node_term_only() -> None:
    x = np.random.default_rng(2).normal(size=(10, 3))
    ev = Evidence.from_data(x, intervened=np.tile([True, False, False], (10, 1)))
    assert ev.count.tolist() == [0, 10, 10]
    assert np.allclose(ev.cross[0], 0) and np.allclose(ev.cross[1], x.T @ x)


def test_bge_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="alpha_w must exceed"):
        bge_log_marginal(np.zeros((3, 2)), enumerate_dags(2), alpha_w=2.5)
    with pytest.raises(ValueError, match=r"shape \(K, 3, 3\) for data on 3 variables"):
        bge_log_marginal(np.zeros((3, 3)), enumerate_dags(2))
    with pytest.raises(ValueError, match="NaN"):
        Evidence.from_data(np.array([[np.nan, 1.0]]))


# --- prior and posterior -----------------------------------------------------------------------

def test_uniform_edge_prior_is_uniform_and_zero_forbids() -> None:
    dags = enumerate_dags(3)
    assert np.allclose(np.exp(edge_log_prior(dags, np.full((3, 3), 0.5))), 1 / 25)
    p = np.full((3, 3), 0.5)
    p[0, 1] = 0.0
    prior = np.exp(edge_log_prior(dags, p))
    assert prior[dags[:, 0, 1]].sum() == 0 and prior.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="probabilities in"):
        edge_log_prior(dags, np.full((3, 3), 1.5))


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 4), st.integers(0, 60), st.integers(0, 2**31 - 1))
def test_exact_posterior_sums_to_one(d: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes = tuple("ABCD"[:d])
    probs = {("A", "B"): float(rng.uniform(0.05, 0.95))}
    post = StructureModel(nodes, edge_probs=probs).observe(rng.normal(size=(n, d))).posterior()
    assert post.probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(post.probs >= 0)


def test_no_data_gives_back_the_prior() -> None:
    model = StructureModel(("A", "B", "C"), edge_probs={("A", "B"): 0.9})
    assert np.allclose(model.posterior().log_prob, model.log_prior())


def test_structure_model_names_bad_nodes() -> None:
    with pytest.raises(KeyError, match="unknown node 'Q'"):
        StructureModel(("A", "B"), edge_probs={("A", "Q"): 0.7})
    with pytest.raises(ValueError, match="must be in"):
        StructureModel(("A", "B"), edge_probs={("A", "B"): 1.7})
    with pytest.raises(ValueError, match="1 to 5 distinct"):
        StructureModel(("A", "A"))
    with pytest.raises(UnknownNameError, match="intervention target 'Z' is not in the model"):
        StructureModel(("A", "B")).observe(np.zeros((2, 2)), ["Z"])


def test_observe_names_a_missing_column_or_a_wrong_width_first() -> None:
    import pandas as pd

    model = StructureModel(("A", "B", "C"))
    frame = pd.DataFrame({"A": [0.1, 0.2], "B": [0.3, 0.4]})
    with pytest.raises(UnknownNameError, match="column 'C' is not in the data"):
        model.observe(frame)
    with pytest.raises(CourseError, match=r"one column per node \['A', 'B', 'C'\].*got shape \(2, 2\)"):
        model.observe(frame.to_numpy())
    with pytest.raises(CourseError, match="got shape"):
        model.observe(np.zeros(3))
    extra = frame.assign(C=[0.5, 0.6], D=["x", "y"])       # other columns are ignored
    assert model.observe(extra).evidence.count.tolist() == [2, 2, 2]


def test_graph_posterior_summaries() -> None:
    post = GraphPosterior(("X", "Y"), enumerate_dags(2), np.log([0.25, 0.5, 0.25]))
    assert post.entropy() == pytest.approx(-(0.5 * np.log(0.5) + 0.5 * np.log(0.25)))
    assert post.expected_shd([("X", "Y")]) == pytest.approx(0.5)
    assert post.top(1)["graph"].iloc[0] == "X→Y"
    with pytest.raises(ValueError, match="unknown node 'Z'"):
        post.prob([("X", "Z")])


def test_posterior_concentrates_on_the_class_then_on_the_graph() -> None:
    rng = np.random.default_rng(3)
    nodes = ("A", "B", "C")
    sem = LinearSEM(nodes, np.array([[0, 0.8, 0], [0, 0, 0.8], [0, 0, 0]]), np.array([1.0, 0.6, 0.6]))
    model = StructureModel(nodes).observe(sem.sample(3000, rng))
    post = model.posterior()
    assert post.prob_of(markov_equivalent(post.dags, sem.adjacency)) > 0.9
    in_class = post.probs[markov_equivalent(post.dags, sem.adjacency)]
    assert np.allclose(in_class, in_class.mean(), rtol=1e-6) and len(in_class) == 3  # indistinguishable
    post = model.observe(sem.sample(1000, rng, target="A"), ["A"]).posterior()
    assert post.prob(sem.adjacency) > 0.9


# --- parameter draws and expected information gain ---------------------------------------------

def test_prior_predictive_has_unit_variance() -> None:
    rng = np.random.default_rng(4)
    dags = np.zeros((4000, 1, 1), bool)
    weights, intercepts, sds = _sample_params(Evidence.empty(1), dags, 1.0, 3.0, rng)
    x = intercepts[:, 0] + sds[:, 0] * rng.normal(size=4000)
    # the BGe prior predictive of one variable is Student-t, 3 d.o.f., scale sqrt(1/3): variance 1
    assert stats.kstest(x, stats.t(df=3, scale=np.sqrt(1 / 3)).cdf).pvalue > 0.01


def test_posterior_parameter_draws_recover_the_weights() -> None:
    rng = np.random.default_rng(5)
    sem = LinearSEM(("X", "Y"), np.array([[0, 0.7], [0, 0]]), np.array([1.0, 0.7]))
    model = StructureModel(("X", "Y")).observe(sem.sample(5000, rng))
    weights, _, sds = _sample_params(model.evidence, np.tile(sem.adjacency, (200, 1, 1)), 1.0, 4.0, rng)
    assert weights[:, 0, 1].mean() == pytest.approx(0.7, abs=0.03)
    assert sds[:, 1].mean() == pytest.approx(0.7, abs=0.03)
    assert weights[:, 0, 1].std() < 0.03


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(5, 80))
def test_eig_is_non_negative_and_bounds_the_query_eig(seed: int, n_obs: int) -> None:
    rng = np.random.default_rng(seed)
    sem = random_linear_sem(("A", "B", "C"), rng)
    model = StructureModel(sem.nodes).observe(sem.sample(n_obs, rng))
    query = ancestor_query(model.dags, 0, 2)
    targets = [None, "A", "B", "C"]
    graph = model.expected_information_gain(targets, 10, np.random.default_rng(seed), n_draws=8, per_draw=True)
    about_q = model.expected_information_gain(targets, 10, np.random.default_rng(seed), n_draws=8, per_draw=True,
                                              query=query)
    assert np.all(graph >= 0) and np.all(about_q >= 0)
    assert np.all(about_q <= graph + 1e-9)  # data processing: a function of G carries less information


def test_eig_is_zero_for_a_certain_posterior() -> None:
    p = np.zeros((3, 3))
    p[0, 1] = p[1, 2] = 1.0  # the prior allows exactly one graph
    model = StructureModel(("A", "B", "C"), edge_probs={(a, b): p[i, j] for i, a in enumerate("ABC")
                                                        for j, b in enumerate("ABC") if i != j})
    assert model.posterior().probs.max() == pytest.approx(1.0)
    eig = model.expected_information_gain([None, "A", "B"], 5, np.random.default_rng(0), n_draws=4)
    assert np.allclose(eig, 0.0)


def test_eig_prefers_the_informative_intervention() -> None:
    """After observing X -> Y, only an intervention (on either node) can orient the edge."""
    rng = np.random.default_rng(6)
    sem = LinearSEM(("X", "Y"), np.array([[0, 0.8], [0, 0]]), np.array([1.0, 0.6]))
    model = StructureModel(("X", "Y")).observe(sem.sample(500, rng))
    eig = model.expected_information_gain([None, "X", "Y"], 50, rng, n_draws=32)
    assert eig[0] < 0.05 and eig[1] > 0.5 and eig[2] > 0.5


def test_eig_rejects_bad_arguments() -> None:
    model = StructureModel(("A", "B"))
    rng = np.random.default_rng(0)
    with pytest.raises(KeyError, match="unknown node 'C'"):
        model.expected_information_gain(["C"], 5, rng)
    with pytest.raises(ValueError, match="length n = 5"):
        model.expected_information_gain(["A"], 5, rng, values=np.zeros(3))


# --- ground truth and loop ---------------------------------------------------------------------

def test_linear_sem_sampling_and_intervention() -> None:
    rng = np.random.default_rng(7)
    sem = random_linear_sem(("A", "B", "C", "D"), rng, edge_prob=1.0)
    x = sem.sample(100_000, rng)
    assert np.allclose(x.var(axis=0), 1, atol=0.03)
    source = int(np.nonzero(~sem.adjacency.any(axis=0))[0][0])
    sink = int(np.nonzero(~sem.adjacency.any(axis=1))[0][0])
    y = sem.sample(100_000, rng, target=sem.nodes[sink], values=np.full(100_000, 3.0))
    assert np.allclose(y[:, sink], 3.0) and abs(y[:, source].mean()) < 0.02  # no effect upstream
    with pytest.raises(KeyError, match="unknown intervention target 'Q'"):
        sem.sample(3, rng, target="Q")
    assert set(sem.graph().edges) == {(sem.nodes[i], sem.nodes[j]) for i, j in zip(*np.nonzero(sem.adjacency))}


def test_design_loop_log_and_errors() -> None:
    sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(8))
    log = design_loop(sem, "eig-query", np.random.default_rng(9), n_experiments=3, query=("A", "C"))
    assert log["step"].tolist() == [0, 1, 2, 3] and log["target"].iloc[0] == "(start)"
    assert log["p_query"].between(0, 1).all() and log["p_true"].between(0, 1).all()
    assert 0 <= experiments_to_reach(log, "p_true", 0.5) <= 4
    with pytest.raises(ValueError, match="unknown strategy 'best'"):
        design_loop(sem, "best", np.random.default_rng(0))
    with pytest.raises(ValueError, match="needs query"):
        design_loop(sem, "eig-query", np.random.default_rng(0))
    with pytest.raises(KeyError, match="no column 'p'"):
        experiments_to_reach(log, "p", 0.5)


def test_design_loop_breaks_near_ties_by_node_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from causalcourse.design import experiments

    sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(8))
    # EIGs that differ only in the last digits: the first node within the tolerance wins
    tied = np.array([0.5 - 1e-12, 0.5 + 1e-12, 0.2])

    def fake_eig(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return tied

    monkeypatch.setattr(experiments.StructureModel, "expected_information_gain", fake_eig)
    log = design_loop(sem, "eig-graph", np.random.default_rng(0), n_experiments=3)
    assert log["target"].tolist() == ["(start)", "A", "A", "A"]
    assert np.argmax(tied) == 1  # a plain argmax would have picked B
    assert experiments._first_best(np.array([0.0, 3e-10, -1e-10])) == 0
    assert experiments._first_best(np.array([0.1, 0.3, 0.3 + 2e-9])) == 2


# --- structure MCMC ----------------------------------------------------------------------------

def test_structure_mcmc_matches_the_exact_posterior() -> None:
    rng = np.random.default_rng(10)
    sem = random_linear_sem(("A", "B", "C", "D"), rng)
    probs = {("A", "B"): 0.8, ("C", "D"): 0.2}
    model = StructureModel(sem.nodes, edge_probs=probs).observe(sem.sample(60, rng))
    model = model.observe(sem.sample(30, rng, target="B"), ["B"])
    exact = model.posterior().edge_probabilities().to_numpy()
    samples = structure_mcmc(model.evidence, rng, n_steps=60_000, thin=5, edge_probs=model.edge_prob_matrix())
    assert np.abs(samples.mean(axis=0) - exact).max() < 0.04
    assert all(nx.is_directed_acyclic_graph(nx.DiGraph(g.astype(int))) for g in samples[::200])


def test_structure_mcmc_rejects_hard_edge_probabilities() -> None:
    ev = Evidence.from_data(np.random.default_rng(0).normal(size=(10, 3)))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        structure_mcmc(ev, np.random.default_rng(0), n_steps=10, edge_probs=np.eye(3))


# --- one question, two implementations: which DAGs can experiments not tell apart --------------

@settings(max_examples=80, deadline=None, derandomize=True)
@given(d=st.integers(2, 4), data=st.data())
def test_interventional_equivalence_agrees_with_the_essential_graph(d: int, data: st.DataObject) -> None:
    """design.interventional_equivalent (signatures of all DAGs) and
    discovery.interventional_essential_graph (orientations of one DAG) give the same answer."""
    from causalcourse.discovery import interventional_essential_graph

    dags = enumerate_dags(d)
    truth = dags[data.draw(st.integers(0, len(dags) - 1))]
    targets = data.draw(st.lists(st.lists(st.integers(0, d - 1), min_size=1, max_size=2, unique=True),
                                 max_size=2))
    names = [f"V{i}" for i in range(d)]
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((names[i], names[j]) for i, j in zip(*np.nonzero(truth), strict=True))
    essential = interventional_essential_graph(graph, [[names[t] for t in ts] for ts in targets])
    same = dags[interventional_equivalent(dags, truth, targets)]
    for i, j in zip(*np.nonzero(truth), strict=True):
        varies = not same[:, i, j].all()          # some equivalent DAG orients i - j the other way
        undirected = essential.has_edge(names[j], names[i])
        assert varies == undirected, (truth.astype(int).tolist(), targets, (i, j))


# --- the linear-Gaussian SCM in two forms ---------------------------------------------------------

def test_linear_sem_and_its_scm_give_the_same_units() -> None:
    sem = random_linear_sem(("A", "B", "C", "D"), np.random.default_rng(3), edge_prob=0.8)
    rng = np.random.default_rng(4)
    noise = rng.normal(size=(500, 4))
    from causalcourse.design import simulate_linear

    matrix = simulate_linear(sem.weights[None], np.zeros((1, 4)), sem.noise_sd[None], noise[None],
                             None, None)[0]
    scm = sem.scm
    frame = scm.sample(noise={n: noise[:, i] for i, n in enumerate(sem.nodes)})
    np.testing.assert_allclose(frame[list(sem.nodes)].to_numpy(), matrix, atol=1e-10)
    target = sem.nodes[int(np.argmax(sem.adjacency.sum(axis=1)))]    # a node with children
    k = sem.nodes.index(target)
    done = simulate_linear(sem.weights[None], np.zeros((1, 4)), sem.noise_sd[None], noise[None],
                           k, np.full((1, 500), 2.0))[0]
    frame = scm.do({target: 2.0}).sample(noise={n: noise[:, i] for i, n in enumerate(sem.nodes)})
    np.testing.assert_allclose(frame[list(sem.nodes)].to_numpy(), done, atol=1e-10)


def test_standardised_sem_has_unit_variances_and_keeps_the_graph() -> None:
    raw = np.array([[0.0, 1.2, 0.9], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    sem = LinearSEM.standardised(("X", "Y", "Z"), raw, noise_sd=[1.0, 2.0, 0.5])
    cov = np.linalg.inv(np.eye(3) - sem.weights).T @ np.diag(sem.noise_sd**2) @ np.linalg.inv(np.eye(3) - sem.weights)
    np.testing.assert_allclose(np.diag(cov), 1.0, atol=1e-12)
    assert ((sem.weights != 0) == (raw != 0)).all()
    with pytest.raises(ValueError, match="noise_sd"):
        LinearSEM.standardised(("X", "Y", "Z"), raw, noise_sd=[1.0, -1.0, 1.0])
