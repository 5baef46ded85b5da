"""Decisions over time: the g-formula and sequential IPW against exact values; credit assignment."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from causalcourse import sequential as sq
from causalcourse.errors import CourseError, UnknownNameError

TRIAL = sq.TwoStepTrial()


def simulated_value(trial: sq.TwoStepTrial, regime: sq.Regime, n: int = 400_000) -> float:
    """The regime's value by simulating the SCM with both treatments replaced by the rules."""
    world = trial.scm().do({
        "A0": lambda l0, u: regime.first(l0),
        "A1": lambda l1, u: regime.second(np.zeros_like(l1), np.zeros_like(l1), l1),
    })
    return float(world.sample(n, seed=11).Y.mean())


@pytest.mark.parametrize("name", sq.REGIMES)
def test_exact_value_equals_simulation_of_the_scm(name) -> None:
    regime = sq.REGIMES[name]
    assert abs(TRIAL.value(regime) - simulated_value(TRIAL, regime)) < 0.004


@pytest.mark.parametrize("name", ["always treat", "never treat"])
def test_g_formula_and_ipw_are_unbiased_naive_and_adjusted_are_not(name) -> None:
    regime = sq.REGIMES[name]
    logs = TRIAL.sample_logs(100, 4000, seed=3)
    truth = TRIAL.value(regime)
    for estimator, biased in ((sq.naive_value, True), (sq.adjusted_value, True),
                              (sq.g_formula, False), (sq.sequential_ipw, False)):
        error = estimator(logs, regime) - truth
        se = error.std(ddof=1) / np.sqrt(error.size)
        if biased:
            assert abs(error.mean()) > 6 * se, estimator.__name__
        else:
            assert abs(error.mean()) < 3.5 * se, estimator.__name__


def test_adjustment_is_fine_when_the_first_treatment_does_not_move_the_follow_up() -> None:
    trial = sq.TwoStepTrial(a0_on_l1=0.0)
    logs = trial.sample_logs(100, 4000, seed=4)
    always = sq.REGIMES["always treat"]
    error = sq.adjusted_value(logs, always) - trial.value(always)
    assert abs(error.mean()) < 3.5 * error.std(ddof=1) / np.sqrt(error.size)


@pytest.mark.parametrize("change", [{}, {"u_on_l1": 0.0}, {"l1_on_y": 0.0}])
@pytest.mark.parametrize("name", sq.REGIMES)
def test_adjusted_limit_is_what_per_step_adjustment_converges_to(change, name) -> None:
    trial = sq.TwoStepTrial(**change)
    regime = sq.REGIMES[name]
    big = trial.sample_logs(1, 1_000_000, seed=21)
    assert abs(sq.adjusted_value(big, regime)[0] - trial.adjusted_limit(regime)) < 0.003


def test_adjusted_limit_bias_splits_into_the_two_paths() -> None:
    always = sq.REGIMES["always treat"]

    def bias(trial: sq.TwoStepTrial) -> float:
        return trial.adjusted_limit(always) - trial.value(always)

    assert bias(TRIAL) == pytest.approx(-0.0353, abs=5e-5)
    assert bias(sq.TwoStepTrial(a0_on_l1=0.0)) == pytest.approx(0.0, abs=1e-12)
    parts = bias(sq.TwoStepTrial(u_on_l1=0.0)) + bias(sq.TwoStepTrial(l1_on_y=0.0))
    assert parts == pytest.approx(bias(TRIAL), abs=5e-4)


def test_one_log_gives_a_number_and_many_logs_an_array() -> None:
    logs = TRIAL.sample_logs(3, 500, seed=0)
    one = {k: v[1] for k, v in logs.items()}
    for estimator in (sq.naive_value, sq.adjusted_value, sq.g_formula, sq.sequential_ipw):
        many = estimator(logs, sq.REGIMES["always treat"])
        assert isinstance(estimator(one, sq.REGIMES["always treat"]), float)
        assert many.shape == (3,)
        assert np.isclose(many[1], estimator(one, sq.REGIMES["always treat"]))


def test_logistic_fit_equals_statsmodels() -> None:
    logs = TRIAL.sample_logs(2, 3000, seed=1)
    ours = sq._logistic(logs["A1"], [logs["L0"], logs["A0"], logs["L1"]])
    for i in range(2):
        x = sm.add_constant(np.column_stack([logs["L0"][i], logs["A0"][i], logs["L1"][i]]))
        theirs = sm.Logit(logs["A1"][i], x.astype(float)).fit(disp=0).predict(x)
        np.testing.assert_allclose(ours[i], theirs, atol=1e-10)


# ------------------------------------------------------------------ credit assignment

ENV = sq.KeyDoor()


def test_replaying_the_same_noise_and_actions_gives_the_factual_return() -> None:
    rng = np.random.default_rng(0)
    noise = ENV.draw_noise(500, rng)
    p = np.full((500, ENV.n_states), 0.5)
    action_noise = rng.random((500, ENV.n_steps))
    first = (action_noise[:, 0] < 0.5).astype(int)
    factual = ENV.rollout(p, noise, action_noise, ENV.reset(500), first)
    states, total = ENV.reset(500), np.zeros(500)
    for t in range(ENV.n_steps):
        a = (action_noise[:, t] < p[np.arange(500), states]).astype(int)
        states, r = ENV.step(states, a, noise)
        total += r
    np.testing.assert_allclose(factual, total)


def test_the_scm_of_an_episode_replays_like_the_simulator() -> None:
    env = sq.KeyDoor(n_apples=3)
    rng = np.random.default_rng(2)
    p = rng.random(env.n_states)
    scm = env.scm(p)
    values, noise = scm.sample(2000, seed=5, return_noise=True)
    env_noise = {"pickup": noise["K"].to_numpy(),
                 "apples": np.column_stack([noise[f"V{t}"].to_numpy() for t in (1, 2, 3)])}
    action_noise = np.column_stack([noise[f"A{t}"].to_numpy() for t in range(4)])
    p_runs = np.broadcast_to(p, (2000, env.n_states))
    for first in (0, 1):
        replay = scm.do({"A0": first}).sample(noise={k: noise[k].to_numpy() for k in noise})
        ours = env.rollout(p_runs, env_noise, action_noise, env.reset(2000), np.full(2000, first))
        np.testing.assert_allclose(replay.G.to_numpy(), ours)
    np.testing.assert_allclose(values.G.to_numpy(), env.rollout(
        p_runs, env_noise, action_noise, env.reset(2000), values.A0.to_numpy()))


def test_expected_return_and_advantage_are_exact() -> None:
    rng = np.random.default_rng(3)
    p = rng.random((1, ENV.n_states))
    n = 200_000
    noise = ENV.draw_noise(n, rng)
    action_noise = rng.random((n, ENV.n_steps))
    pp = np.broadcast_to(p, (n, ENV.n_states))
    first = (action_noise[:, 0] < p[0, 0]).astype(int)
    returns = ENV.rollout(pp, noise, action_noise, ENV.reset(n), first)
    assert abs(returns.mean() - ENV.expected_return(p)[0]) < 4 * returns.std() / np.sqrt(n)
    q1 = ENV.rollout(pp, noise, action_noise, ENV.reset(n), np.ones(n, int)).mean()
    q0 = ENV.rollout(pp, noise, action_noise, ENV.reset(n), np.zeros(n, int)).mean()
    assert abs((q1 - q0) - ENV.advantage_of_key(p)[0]) < 0.02


@pytest.fixture(scope="module")
def credits():
    out = {}
    for name, agent in [("reinforce", sq.Reinforce(alpha=0.0, baseline="exact")),
                        ("counterfactual", sq.ReplayCredit(alpha=0.0)),
                        ("interventional", sq.ReplayCredit(alpha=0.0, noise="fresh"))]:
        rng = np.random.default_rng(7)
        sq.train(ENV, agent, 1, 40_000, rng)
        out[name] = agent
    return out


def test_every_credit_gives_an_unbiased_gradient(credits) -> None:
    p = np.full((1, ENV.n_states), 0.5)
    exact = 0.25 * ENV.advantage_of_key(p)[0]  # pi (1 - pi) (Q1 - Q0)
    for name, agent in credits.items():
        actions = agent.last_actions[:, 0]
        g = agent.credits[:, 0] * (actions - 0.5)
        assert abs(g.mean() - exact) < 4 * g.std() / np.sqrt(g.size), name


def test_counterfactual_credit_has_the_lowest_variance(credits) -> None:
    var = {name: agent.credits[:, 0].var() for name, agent in credits.items()}
    assert var["counterfactual"] < 0.2 * var["interventional"] < 0.2 * var["reinforce"]


def test_counterfactual_credit_learns_reliably_where_reinforce_does_not() -> None:
    reached = {}
    for name, agent in [("reinforce", sq.Reinforce(alpha=0.4)),
                        ("counterfactual", sq.ReplayCredit(alpha=0.4))]:
        runs = sq.train(ENV, agent, 500, 100, np.random.default_rng(1))
        reached[name] = np.isfinite(sq.episodes_to_reach(runs.expected, 0.9 * ENV.optimal_return))
    assert reached["counterfactual"].sum() >= 95 and reached["reinforce"].sum() <= 80


def test_bad_input() -> None:
    with pytest.raises(CourseError, match="leave"):
        sq.TwoStepTrial(u_on_l1=0.9)
    with pytest.raises(UnknownNameError, match="'Y'"):
        sq.g_formula({"L0": [0], "A0": [0], "L1": [0], "A1": [0]}, sq.REGIMES["always treat"])
    with pytest.raises(CourseError, match="overlap"):
        sq.naive_value({c: np.zeros(5, int) for c in sq.LOG_COLUMNS}, sq.REGIMES["always treat"])
    with pytest.raises(UnknownNameError, match="'other'"):
        sq.ReplayCredit(noise="other")
    with pytest.raises(CourseError, match="step sizes for"):
        sq.train(ENV, sq.Reinforce(alpha=[0.1, 0.2]), 2, 3, np.random.default_rng(0))
