"""Unit tests of causalcourse.bandits: payout tables, exact rates, policy invariants, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.errors import CourseError, UnknownNameError

from causalcourse.bandits import (
    CASINO_PAYOUT,
    CASINO_POLICIES,
    UCB,
    CausalThompson,
    ContextualThompson,
    Policy,
    ThompsonSampling,
    argmax_random,
    simple_regret,
    casino_intuition,
    casino_rates,
    estimate_m,
    parallel_causal,
    parallel_means,
    parallel_q,
    simulate_casino,
    successive_rejects,
    thompson_simple,
    ucb_simple,
)


# ----------------------------------------------------------------------------- greedy casino

def test_payout_table_is_the_papers() -> None:
    # P(y | do(X), D, B): M1 (0,0) .1, (0,1) .5, (1,0) .4, (1,1) .2; M2 .5, .1, .2, .4
    assert CASINO_PAYOUT[0].ravel().tolist() == [0.1, 0.5, 0.4, 0.2]
    assert CASINO_PAYOUT[1].ravel().tolist() == [0.5, 0.1, 0.2, 0.4]


def test_intuition_rule() -> None:
    d, b = np.meshgrid([0, 1], [0, 1], indexing="ij")
    assert casino_intuition(d, b).tolist() == [[0, 1], [1, 0]]


def test_three_rates() -> None:
    rates = casino_rates()
    assert rates["observational"] == pytest.approx(0.15)
    assert rates["do(M1)"] == pytest.approx(0.30)
    assert rates["do(M2)"] == pytest.approx(0.30)
    assert rates["counter-intuitive"] == pytest.approx(0.45)
    assert rates["optimal"] == pytest.approx(0.45)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=8, max_size=8), st.floats(0, 1), st.floats(0, 1))
def test_rate_identities(values: list[float], p_d: float, p_b: float) -> None:
    payout = np.array(values).reshape(2, 2, 2)
    r = casino_rates(payout, p_d, p_b)
    # following and going against the intuition together play each machine once per (d, b)
    assert r["observational"] + r["counter-intuitive"] == pytest.approx(r["do(M1)"] + r["do(M2)"])
    assert r["optimal"] >= max(r.values()) - 1e-12


@pytest.mark.parametrize("policy", CASINO_POLICIES)
def test_casino_records_are_consistent(policy: str) -> None:
    runs = simulate_casino(policy, 60, 40, np.random.default_rng(1))
    assert runs.payout.shape == runs.regret.shape == runs.optimal.shape == runs.reward.shape == (40, 60)
    assert np.all(runs.regret >= 0)
    assert np.all((runs.regret == 0) == (runs.optimal == 1))
    assert set(np.unique(runs.reward)) <= {0.0, 1.0}
    assert set(np.unique(runs.payout)) <= set(CASINO_PAYOUT.ravel())


def test_casino_is_reproducible() -> None:
    a = simulate_casino("causal_ts", 50, 10, np.random.default_rng(3))
    b = simulate_casino("causal_ts", 50, 10, np.random.default_rng(3))
    assert np.array_equal(a.reward, b.reward)


def test_causal_ts_beats_plain_ts() -> None:
    rng = np.random.default_rng(0)
    causal = simulate_casino("causal_ts", 400, 200, rng)
    plain = simulate_casino("ts", 400, 200, rng)
    assert causal.payout[:, -100:].mean() > 0.42
    assert abs(plain.payout.mean() - 0.30) < 0.02
    assert causal.regret.sum(axis=1).mean() < plain.regret.sum(axis=1).mean() / 3


def test_casino_errors() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="unknown policy 'greedy'"):
        simulate_casino("greedy", 10, 10, rng)
    with pytest.raises(ValueError, match="shape"):
        casino_rates(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="p_d"):
        casino_rates(p_d=1.5)
    with pytest.raises(ValueError, match="n_rounds must be an integer of at least 1"):
        simulate_casino("ts", 0, 10, rng)
    with pytest.raises(UnknownNameError, match="unknown policy 'greedy'"):
        simulate_casino("greedy", 10, 10, rng)
    with pytest.raises(CourseError, match="lacks start, choose, update"):
        simulate_casino(object(), 10, 10, rng)


class AlwaysAgainstIntuition:
    """A learner's policy: no learning at all, just play the other machine."""

    def start(self, n_runs, n_arms, rng):
        self.n_runs = n_runs

    def choose(self, context=None):
        return 1 - context

    def update(self, arms, rewards, context=None):
        pass


class Broken(AlwaysAgainstIntuition):
    def choose(self, context=None):
        return np.full(self.n_runs, 2)


def test_a_user_defined_policy_plays_in_the_simulator() -> None:
    runs = simulate_casino(AlwaysAgainstIntuition(), 2000, 50, np.random.default_rng(0))
    assert abs(runs.payout.mean() - casino_rates()["counter-intuitive"]) < 0.002  # 0.45 on average
    assert (runs.optimal == 1).all()
    with pytest.raises(CourseError, match=r"Broken.choose must return 50 integer arms in 0..1"):
        simulate_casino(Broken(), 5, 50, np.random.default_rng(0))


def test_policy_classes_are_the_named_policies() -> None:
    for name, cls in (("ts", ThompsonSampling), ("ts_intuition", ContextualThompson),
                      ("causal_ts", CausalThompson)):
        a = simulate_casino(name, 80, 30, np.random.default_rng(4))
        b = simulate_casino(cls(), 80, 30, np.random.default_rng(4))
        assert np.array_equal(a.reward, b.reward) and np.array_equal(a.payout, b.payout)
        assert isinstance(cls(), Policy)


def test_casino_runs_are_vectorised_and_fast() -> None:
    import time

    rng = np.random.default_rng(0)
    simulate_casino("causal_ts", 10, 10, rng)
    start = time.process_time()  # CPU time: not inflated by other jobs on the machine
    runs = simulate_casino("causal_ts", 1000, 1000, rng)
    assert runs.payout.shape == (1000, 1000)
    assert time.process_time() - start < 3.0  # about 0.7 s on a 2-core laptop


def test_simple_regret_needs_recommend_and_takes_any_policy() -> None:
    rng = np.random.default_rng(0)
    means = np.array([0.1, 0.9])
    assert simple_regret(UCB(), means, 100, 50, rng).mean() < 0.05
    with pytest.raises(CourseError, match="needs a policy with recommend"):
        simple_regret(AlwaysAgainstIntuition(), means, 10, 5, rng)
    with pytest.raises(CourseError, match="probabilities"):
        simple_regret(UCB(), np.array([1.5]), 10, 5, rng)


def test_argmax_random_breaks_ties_evenly_and_ignores_nan() -> None:
    rng = np.random.default_rng(1)
    values = np.tile([[1.0, 1.0, np.nan, 0.0]], (4000, 1))
    picks = argmax_random(values, rng)
    assert set(np.unique(picks)) == {0, 1} and abs(picks.mean() - 0.5) < 0.03
    with pytest.raises(CourseError, match="2-d"):
        argmax_random(np.zeros(3), rng)


def test_argmax_random_rounds_before_comparing_when_asked() -> None:
    rng = np.random.default_rng(2)
    values = np.tile([[0.1 + 0.2, 0.3, 0.2]], (4000, 1))   # the first two differ by 5.6e-17
    assert set(np.unique(argmax_random(values, rng))) == {0}
    picks = argmax_random(values, rng, decimals=9)
    assert set(np.unique(picks)) == {0, 1} and abs(picks.mean() - 0.5) < 0.03
    assert set(np.unique(argmax_random(np.tile([[1e-6, 0.0]], (50, 1)), rng, 9))) == {0}
    for bad in (-1, 1.5, True):
        with pytest.raises(CourseError, match="decimals"):
            argmax_random(values, rng, decimals=bad)


# ----------------------------------------------------------------------------- parallel bandit

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.data(), st.floats(0, 0.5))
def test_parallel_means_structure(n: int, data: st.DataObject, epsilon: float) -> None:
    m = data.draw(st.integers(0, n))
    means = parallel_means(parallel_q(n, m), epsilon)
    assert means.size == 2 * n + 1
    assert means[n] == pytest.approx(0.5 + epsilon)
    assert means.max() == pytest.approx(0.5 + epsilon)
    assert np.all(np.delete(means, n) <= 0.5 + 1e-12)


def test_estimate_m_counts_rare_arms() -> None:
    for m in (2, 5, 20):
        q = parallel_q(50, m)
        p = np.concatenate([1 - q, q, [1.0]])[None, :]
        assert estimate_m(p).tolist() == [m]


def test_parallel_causal_beats_successive_rejects_for_small_m() -> None:
    rng = np.random.default_rng(0)
    means = parallel_means(parallel_q(50, 2), 0.3)
    causal = parallel_causal(parallel_q(50, 2), 0.3, 400, 300, rng).mean()
    sr = successive_rejects(means, 400, 300, rng).mean()
    assert causal < 0.02 < sr


def test_baselines_find_an_obvious_best_arm() -> None:
    rng = np.random.default_rng(0)
    means = np.array([0.2, 0.2, 0.9, 0.2])
    for algorithm in (successive_rejects, ucb_simple, thompson_simple):
        regret = algorithm(means, 200, 100, rng)
        assert regret.shape == (100,)
        assert regret.mean() < 0.02, algorithm.__name__


def test_short_horizon_is_undefined_for_sr_and_ucb() -> None:
    rng = np.random.default_rng(0)
    assert np.isnan(successive_rejects(np.full(5, 0.5), 5, 3, rng)).all()
    assert np.isnan(ucb_simple(np.full(5, 0.5), 4, 3, rng)).all()


def test_parallel_errors() -> None:
    with pytest.raises(ValueError, match="m must lie between 0 and n_vars = 5"):
        parallel_q(5, 6)
    with pytest.raises(ValueError, match="epsilon"):
        parallel_means(parallel_q(5, 1), 0.7)
    with pytest.raises(ValueError, match=r"q\[0\]"):
        parallel_means(np.array([0.8, 0.5]), 0.1)
    with pytest.raises(ValueError, match="horizon"):
        parallel_causal(parallel_q(5, 1), 0.1, 1, 10, np.random.default_rng(0))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.05, 0.2, 0.3, 0.5, 0.7, 1.0]), min_size=1, max_size=15))
def test_estimate_m_matches_its_definition(frequencies: list[float]) -> None:
    p = np.array(frequencies)
    tau = next(t for t in range(1, p.size + 2) if (p < 1 / t).sum() <= t)
    assert estimate_m(p[None, :]).tolist() == [tau]
