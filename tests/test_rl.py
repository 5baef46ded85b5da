"""Unit tests of causalcourse.rl: the confounded log, the factored MDP, the agents, the test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.rl import (
    AGENTS,
    Agent,
    CausalModel,
    FlatModel,
    Q_DECIMALS,
    QLearning,
    Switchboard,
    escalation_log,
    escalation_value,
    expected_return,
    optimal_q,
    partial_correlation_test,
    run_agents,
)


def test_policy_values_are_exact() -> None:
    assert escalation_value({0: 1, 1: 1}) == pytest.approx(0.65)
    assert escalation_value({0: 0, 1: 0}) == pytest.approx(0.45)
    assert escalation_value({0: 0, 1: 1}) == pytest.approx(0.55)


def test_log_is_confounded_only_when_asked() -> None:
    rng = np.random.default_rng(0)
    log = escalation_log(50_000, rng)
    assert log.Z[log.A == 1].mean() > 0.7          # escalations come from angry customers
    clean = escalation_log(50_000, rng, confounded=False)
    assert abs(clean.Z[clean.A == 1].mean() - 0.5) < 0.02
    for data in (log, clean):
        assert set(np.unique(data.to_numpy())) <= {0, 1}


def test_log_and_value_errors() -> None:
    with pytest.raises(ValueError, match="positive number of tickets"):
        escalation_log(0, np.random.default_rng(0))
    with pytest.raises(UnknownNameError, match="S = 1"):
        escalation_value({0: 1})
    with pytest.raises(ValueError, match="segment 0 must be 0 or 1"):
        escalation_value({0: 2, 1: 0})


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.floats(0, 1), st.floats(0, 1))
def test_transition_matrix_is_stochastic(n: int, p_flip: float, p_fail: float) -> None:
    env = Switchboard(n_switches=n, targets=(0,), p_flip=p_flip, p_fail=p_fail)
    transitions = env.transition_matrix()
    assert transitions.shape == (n + 1, 2 ** n, 2 ** n)
    assert np.allclose(transitions.sum(axis=-1), 1)
    assert np.all(transitions >= 0)


def test_step_matches_transition_matrix() -> None:
    env = Switchboard(n_switches=3, targets=(0, 2))
    rng = np.random.default_rng(1)
    state, action = np.full(100_000, 5), np.full(100_000, 1)
    nxt, reward = env.step(state, action, rng)
    empirical = np.bincount(nxt, minlength=env.n_states) / nxt.size
    assert np.abs(empirical - env.transition_matrix()[1, 5]).max() < 0.01
    assert np.array_equal(reward, env.rewards()[nxt])


def test_rewards_need_all_targets() -> None:
    env = Switchboard(n_switches=3, targets=(0, 2))
    assert env.rewards().tolist() == [0, 0, 0, 0, 0, 1, 0, 1]


def test_optimal_policy_beats_random() -> None:
    env = Switchboard()
    q = optimal_q(env)
    assert expected_return(env, q) > expected_return(env, q, epsilon=1.0) + 3


@pytest.mark.parametrize("agent", AGENTS)
def test_agents_learn(agent: str) -> None:
    env = Switchboard(n_switches=2, targets=(0,))
    returns = run_agents(env, agent, 60, 8, np.random.default_rng(2))
    assert returns.shape == (8, 60)
    assert returns[:, -20:].mean() > returns[:, :5].mean()
    assert np.all((returns >= 0) & (returns <= env.horizon))


def test_switchboard_and_agent_errors() -> None:
    with pytest.raises(ValueError, match="targets must be switches 0..2"):
        Switchboard(n_switches=3, targets=(5,))
    with pytest.raises(ValueError, match="n_switches"):
        Switchboard(n_switches=0)
    with pytest.raises(ValueError, match="unknown agent 'sarsa'"):
        run_agents(Switchboard(), "sarsa", 1, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="q must have shape"):
        expected_return(Switchboard(), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="gamma"):
        optimal_q(Switchboard(), gamma=1.0)


class RandomAgent:
    """A learner's agent: acts uniformly at random and learns nothing."""

    def start(self, n_runs, env, rng):
        self.n_runs, self.n_actions, self.rng = n_runs, env.n_actions, rng
        self.episodes = 0

    def act(self, states):
        return self.rng.integers(0, self.n_actions, self.n_runs)

    def update(self, states, actions, rewards, next_states):
        pass

    def end_episode(self):
        self.episodes += 1


def test_a_user_defined_agent_runs_and_built_ins_are_classes() -> None:
    env = Switchboard(n_switches=3, targets=(0,))
    agent = RandomAgent()
    returns = run_agents(env, agent, 200, 20, np.random.default_rng(0))
    assert agent.episodes == 200 and returns.shape == (20, 200)
    assert abs(returns.mean() - expected_return(env, optimal_q(env), epsilon=1.0)) < 0.1
    for name, cls in (("q_learning", QLearning), ("flat_model", FlatModel), ("causal_model", CausalModel)):
        a = run_agents(env, name, 20, 4, np.random.default_rng(3))
        b = run_agents(env, cls(), 20, 4, np.random.default_rng(3))
        assert np.array_equal(a, b) and isinstance(cls(), Agent)
    with pytest.raises(CourseError, match="lacks start, act, update, end_episode"):
        run_agents(env, object(), 1, 1, np.random.default_rng(0))
    with pytest.raises(CourseError, match="actions must lie in 0..3"):
        env.step(np.zeros(2, int), np.array([0, 9]), np.random.default_rng(0))


def test_partial_correlation_test() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat(["1.0", "-1.0"], 500)
    shifted = np.concatenate([rng.normal(0, 1, 500), rng.normal(1, 1, 500)])
    same = rng.normal(0, 1, 1000)
    assert partial_correlation_test(shifted, labels) < 1e-6
    assert partial_correlation_test(same, labels) > 0.001
    with pytest.raises(ValueError, match="same length"):
        partial_correlation_test(np.zeros(3), np.zeros(4))


def test_optimistic_flat_model_tries_untried_pairs() -> None:
    env = Switchboard(n_switches=3, targets=(0, 1))
    a = run_agents(env, "flat_model_optimistic", 15, 4, np.random.default_rng(5))
    b = run_agents(env, FlatModel(optimistic=True), 15, 4, np.random.default_rng(5))
    assert np.array_equal(a, b)
    agent = FlatModel(optimistic=True)
    run_agents(env, agent, 1, 2, np.random.default_rng(0))
    tried = agent.counts.sum(axis=-1).swapaxes(-2, -1) > 0      # [run, s, a]
    assert np.all(agent.q[~tried] == pytest.approx(1 / (1 - agent.gamma)))
    assert np.all(agent.q[tried] <= 1 / (1 - agent.gamma) + 1e-9)   # optimism propagates
    with pytest.raises(CourseError, match="optimistic must be True or False"):
        FlatModel(optimistic="yes")


def test_greedy_choice_treats_last_bit_differences_as_ties() -> None:
    env = Switchboard(n_switches=2, targets=(0,))
    agent = QLearning(epsilon=0.0)
    agent.start(4000, env, np.random.default_rng(3))
    agent.q[:, 0, :] = 0.3
    agent.q[:, 0, 0] = 0.1 + 0.2          # larger than 0.3 by 5.6e-17: a tie after rounding
    actions = agent.act(np.zeros(4000, dtype=int))
    assert set(np.unique(actions)) == set(range(env.n_actions))
    agent.q[:, 0, 1] = 0.3 + 10.0 ** -(Q_DECIMALS - 2)   # a real difference still wins
    assert set(np.unique(agent.act(np.zeros(4000, dtype=int)))) == {1}
