"""Structural causal bandits: MIS and POMIS against brute force, exact arm means, kl-UCB."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import brentq

from causalcourse import scb
from causalcourse.bandits import ThompsonSampling
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.llm.exact import BinarySCM


def random_diagram(rng: np.random.Generator, n: int):
    """A random diagram over V0..V(n-2), Y (in that causal order) with some confounded pairs."""
    names = [f"V{i}" for i in range(n - 1)] + ["Y"]
    edges = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5]
    pairs = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3]
    return scb.diagram(edges, pairs[:4], nodes=names)


def best_by_set(model: scb.BinaryModel, reward: str = "Y") -> dict[frozenset, np.ndarray]:
    """max over values of E[Y | do(S = s)] for every intervention set S, one value per model."""
    best = scb.best_per_set(model, reward)
    for s, values in best.items():  # the same, arm by arm
        arms = scb.arms_of([s])
        np.testing.assert_allclose(values, model.means(reward, arms).max(axis=1))
    return best


def unique_winners(best: dict, candidates: list, margin: float = 1e-9) -> dict:
    """How often each candidate set is the unique best among ``candidates`` (by > margin)."""
    values = np.array([best[s] for s in candidates])
    order = np.sort(values, axis=0)
    if len(candidates) > 1:
        unique = order[-1] - order[-2] > margin
    else:
        unique = np.ones(values.shape[1], bool)
    winner = values.argmax(axis=0)
    return {s: int(((winner == i) & unique).sum()) for i, s in enumerate(candidates)}


GRAPHS = [random_diagram(np.random.default_rng(seed), 3 + seed % 3) for seed in range(60)]


# ------------------------------------------------------------------ the graphical constructions


@pytest.mark.parametrize("index", range(len(GRAPHS)))
def test_pomis_equals_the_border_after_every_intervention(index) -> None:
    g = GRAPHS[index]
    assert scb.pomis(g, "Y") == scb.brute_force_pomis(g, "Y")


@pytest.mark.parametrize("index", range(len(GRAPHS)))
def test_mis_are_the_sets_equal_to_their_minimal_part(index) -> None:
    g = GRAPHS[index]
    by_definition = [s for s in scb.intervention_sets(g, "Y") if scb.is_mis(g, "Y", s)]
    assert scb.mis(g, "Y") == by_definition
    assert set(scb.pomis(g, "Y")) <= set(scb.mis(g, "Y"))
    assert frozenset() in scb.mis(g, "Y")


def test_the_authors_counts_on_their_graphs() -> None:
    # npsem/NIPS2018POMIS_exp/report_sets_and_arms.py of the authors' repository prints these
    expected = {"markovian": (16, 13, 1, 81, 49, 4), "iv": (4, 3, 2, 9, 5, 4),
                "xyzwst": (32, 18, 3, 243, 75, 16)}
    for name, counts in expected.items():
        g = scb.paper_task(name).graph
        sets = scb.arm_sets(g, "Y")
        got = (len(sets["all sets"]), len(sets["MIS"]), len(sets["POMIS"]),
               len(scb.arms_of(sets["all sets"])), len(scb.arms_of(sets["MIS"])),
               len(scb.arms_of(sets["POMIS"])))
        assert got == counts, name
    xyzwst = scb.paper_task("xyzwst").graph
    assert [sorted(s) for s in scb.pomis(xyzwst, "Y")] == [["S", "T"], ["T", "W"], ["T", "W", "X"]]
    assert scb.muct(xyzwst, "Y") == {"W", "X", "Y", "Z"}
    assert scb.interventional_border(xyzwst, "Y") == {"S", "T"}


def test_without_confounders_the_only_pomis_is_the_parents() -> None:
    g = scb.paper_task("markovian").graph
    assert scb.muct(g, "Y") == {"Y"}
    assert scb.pomis(g, "Y") == [frozenset({"X1", "X2"})]


# ------------------------------------------------------------------ against random SCMs


@pytest.mark.parametrize("index", range(0, len(GRAPHS), 2))
def test_no_set_beats_the_pomis_and_every_unique_optimum_is_a_pomis(index) -> None:
    g = GRAPHS[index]
    model = scb.random_binary_model(g, 300, np.random.default_rng(index), concentration=0.5)
    best = best_by_set(model)
    pomis = scb.pomis(g, "Y")
    best_pomis = np.max([best[s] for s in pomis], axis=0)
    for s, value in best.items():  # no set, minimal or not, is ever strictly better
        assert np.all(value <= best_pomis + 1e-12), sorted(s)
    wins = unique_winners(best, scb.mis(g, "Y"))
    assert all(s in pomis for s, n in wins.items() if n > 0)


@pytest.mark.parametrize("name", scb.PAPER_TASKS)
def test_every_pomis_of_the_papers_graphs_is_the_unique_optimum_somewhere(name) -> None:
    g = scb.paper_task(name).graph
    model = scb.random_binary_model(g, 3000, np.random.default_rng(8), concentration=0.2)
    wins = unique_winners(best_by_set(model), scb.mis(g, "Y"))
    pomis = scb.pomis(g, "Y")
    assert all(wins[s] > 0 for s in pomis)
    assert all(n == 0 for s, n in wins.items() if s not in pomis)


@pytest.mark.parametrize("index", range(0, len(GRAPHS), 3))
def test_minimal_do_keeps_the_expected_reward(index) -> None:
    g = GRAPHS[index]
    model = scb.random_binary_model(g, 50, np.random.default_rng(index))
    for s in scb.intervention_sets(g, "Y"):
        small = scb.minimal_do(g, "Y", s)
        for arm in scb.arms_of([s]):
            reduced = {v: arm[v] for v in small}
            full, part = model.means("Y", [arm, reduced]).T
            np.testing.assert_allclose(full, part, atol=1e-12)


# ------------------------------------------------------------------ exact means


def test_means_equal_the_response_type_enumeration_of_llm_exact() -> None:
    g = scb.paper_task("xyzwst").graph
    model = scb.random_binary_model(g, 3, np.random.default_rng(3))
    arms = scb.arms_of(scb.intervention_sets(g, "Y"))[::7]
    ours = model.means("Y", arms)
    for m in range(model.n_models):
        other = BinarySCM(model.parents, {v: model.probs[v][m] for v in model.parents},
                          latent=frozenset({"U_WX", "U_YZ"}))
        theirs = [other.expect(other.evaluate(arm)["Y"]) for arm in arms]
        np.testing.assert_allclose(ours[m], theirs, atol=1e-12)


def test_means_equal_simulation_of_the_course_scm() -> None:
    model = scb.paper_task("iv")
    scm = model.to_scm()
    for arm in ({}, {"Z": 0}, {"X": 1}):
        simulated = (scm.do(arm) if arm else scm).sample(200_000, seed=1).Y.mean()
        assert abs(simulated - model.means("Y", [arm])[0, 0]) < 0.005


def test_paper_parameters_are_the_authors_draws_with_seed_zero() -> None:
    def draws(bounds):
        state = np.random.RandomState(0)
        return {k: round(state.rand() * (hi - lo) + lo, 2) for k, (lo, hi) in bounds.items()}

    mark = draws({f"U_{v}": (0.1, 0.9) for v in ("X1", "X2", "Y", "Z1", "Z2")})
    iv = draws({"U_X": (0.01, 0.2), "U_Y": (0.01, 0.2), "U_Z": (0.01, 0.99), "U_XY": (0.4, 0.6)})
    xyzwst = draws({"U_WX": (0.4, 0.6), "U_YZ": (0.4, 0.6), "U_X": (0.01, 0.1), "U_Y": (0.01, 0.1),
                    "U_Z": (0.01, 0.1), "U_W": (0.01, 0.1), "U_S": (0.1, 0.9), "U_T": (0.1, 0.9)})
    assert scb._PAPER_NOISE == {"markovian": mark, "iv": iv, "xyzwst": xyzwst}


def test_paper_means_match_the_authors_code() -> None:
    # values printed by npsem/NIPS2018POMIS_exp/report_mean_rewards.py of the authors' code
    checks = {
        "markovian": [({}, 0.68240608), ({"X1": 1, "X2": 1}, 1.0), ({"Z1": 1, "X1": 1}, 0.798568)],
        "iv": [({}, 0.4454), ({"Z": 0}, 0.773), ({"X": 1}, 0.507)],
        "xyzwst": [({}, 0.52996928), ({"S": 0}, 0.7996928), ({"S": 1, "X": 1, "W": 1, "Z": 1,
                                                               "T": 0}, 0.5352)],
    }
    for name, rows in checks.items():
        means = scb.paper_task(name).means("Y", [arm for arm, _ in rows])[0]
        np.testing.assert_allclose(means, [v for _, v in rows], atol=1e-9)


# ------------------------------------------------------------------ policies


def test_klucb_bounds_solve_the_kl_equation() -> None:
    rng = np.random.default_rng(0)
    policy = scb.KLUCB()
    policy.start(1, 300, rng)
    policy.pulls = rng.integers(1, 400, (1, 300)).astype(float)
    policy.wins = rng.binomial(policy.pulls.astype(int), rng.random((1, 300))).astype(float)
    policy.t = 2000
    bounds = policy.upper_bounds()[0]
    mean, level = policy.wins[0] / policy.pulls[0], policy.exploration(2000) / policy.pulls[0]
    for m, lv, b in zip(mean, level, bounds, strict=True):
        if m >= 1:
            assert b > 1 - 1e-6
            continue
        f = lambda q, m=m, lv=lv: float(scb._kl_bernoulli(np.array(m), np.array(q))) - lv  # noqa: E731
        root = brentq(f, m, 1 - 1e-15) if f(1 - 1e-15) > 0 else 1.0
        assert abs(b - root) < 1e-9


def test_pomis_arms_learn_faster_on_the_iv_task() -> None:
    model = scb.paper_task("iv")
    sets = scb.arm_sets(model.graph, "Y")
    best = model.means("Y", scb.arms_of(sets["all sets"])).max()
    final = {}
    for key in ("all sets", "POMIS"):
        means = model.means("Y", scb.arms_of(sets[key]))[0]
        runs = scb.play(ThompsonSampling(), means, 400, 200, np.random.default_rng(0), best=best)
        final[key] = runs.cumulative[:, -1].mean()
    assert final["POMIS"] < 0.7 * final["all sets"]


def test_all_at_once_misses_the_optimum_in_the_iv_task() -> None:
    model = scb.paper_task("iv")
    sets = scb.arm_sets(model.graph, "Y")
    best = model.means("Y", scb.arms_of(sets["all sets"])).max()
    assert model.means("Y", scb.arms_of(sets["all at once"])).max() < best - 0.2


# ------------------------------------------------------------------ bad input


def test_bad_input() -> None:
    g = scb.paper_task("iv").graph
    with pytest.raises(UnknownNameError, match="'Q'"):
        scb.pomis(g, "Q")
    with pytest.raises(CourseError, match="latent"):
        scb.mis(g, "U_XY")
    with pytest.raises(CourseError, match="reward"):
        scb.minimal_do(g, "Y", {"Y"})
    with pytest.raises(UnknownNameError, match="'W'"):
        scb.diagram([("X", "Y")], confounded=[("X", "W")])
    with pytest.raises(CourseError, match="shape"):
        scb.BinaryModel(scb.diagram([("X", "Y")]), {"X": np.array([[0.5]]), "Y": np.array([[0.5]])})
    with pytest.raises(CourseError, match="best"):
        scb.play(ThompsonSampling(), np.array([0.5, 0.6]), 5, 2, np.random.default_rng(0), best=0.1)
    with pytest.raises(CourseError, match="16 binary variables"):
        scb.BinaryModel(scb.diagram([(f"A{i}", "Y") for i in range(17)]), {})
    assert list(itertools.islice(scb.arms_of([frozenset({"A", "B"})]), 1)) == [{"A": 0, "B": 0}]
