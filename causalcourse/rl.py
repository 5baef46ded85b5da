"""Small environments for causal reinforcement learning: a confounded log and a factored MDP.

:func:`escalation_log` simulates logged support tickets whose operators acted on something
the decision log does not hold (the customer's mood), the textbook setting in which naive
off-policy evaluation is biased; :func:`escalation_value` gives the exact value of any
policy. :class:`Switchboard` is a factored MDP of binary switches whose causal graph is
known (each switch's next value depends only on itself and the action; the reward only on a
few target switches); :func:`run_agents` trains an agent on many seeds at once and returns
its learning curves.

The agent protocol
------------------
An agent has the shape of a bandit policy (:mod:`causalcourse.bandits`), vectorised over
``n_runs`` independent runs (seeds):

``start(n_runs, env, rng)``
    forget everything; prepare ``n_runs`` runs on the environment ``env`` (a
    :class:`Switchboard`: ``n_states``, ``n_actions``, and its factored structure for agents
    that use it); keep ``rng`` for the agent's own draws.
``act(states) -> actions``
    one action per run, an integer array of shape ``(n_runs,)``.
``update(states, actions, rewards, next_states)``
    learn from one step of every run.
``end_episode()``
    called after every episode (model-based agents plan here).

:class:`QLearning` (model-free), :class:`FlatModel` (model-based, learns P(s' | s, a) for
every pair) and :class:`CausalModel` (model-based, learns one factor per switch from the
known graph) are the built-in agents, all epsilon-greedy (:class:`EpsilonGreedy`); a
learner's own class with the same methods works in :func:`run_agents`.
:func:`partial_correlation_test` now lives in :mod:`causalcourse.discovery.independence`
and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from causalcourse.bandits import argmax_random
from causalcourse.discovery.independence import partial_correlation_test
from causalcourse.errors import CourseError, UnknownNameError

__all__ = [
    "escalation_log",
    "escalation_value",
    "Switchboard",
    "Agent",
    "EpsilonGreedy",
    "QLearning",
    "FlatModel",
    "CausalModel",
    "AGENTS",
    "run_agents",
    "optimal_q",
    "expected_return",
    "partial_correlation_test",
    "Q_DECIMALS",
]

#: Greedy choices round Q-values to this many decimals first (see :class:`EpsilonGreedy`).
Q_DECIMALS = 9


# ------------------------------------------------------------------- confounded offline log


def _escalation_probability(s: np.ndarray, z: np.ndarray, confounded: bool) -> np.ndarray:
    logit = -1.5 + 0.5 * s + (3.0 * z if confounded else 1.5)
    return 1.0 / (1.0 + np.exp(-logit))


def _satisfaction(s: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 0.6 + 0.1 * s - 0.4 * z + 0.2 * a


def escalation_log(n: int, rng: np.random.Generator, confounded: bool = True) -> pd.DataFrame:
    """Simulate ``n`` logged tickets: segment S, mood Z, escalation A, satisfaction R (all 0/1).

    S (premium customer) and Z (angry customer) are independent fair coins. Operators
    escalate (A = 1) with probability sigmoid(-1.5 + 0.5 S + 3 Z) when ``confounded``: they hear
    the anger on the phone. Otherwise the escalation probability ignores Z. Satisfaction is
    Bernoulli(0.6 + 0.1 S - 0.4 Z + 0.2 A): escalation helps everyone by 0.2, anger hurts.
    The column Z is included so that adjustment can be shown; a learner's log would lack it.

    Example
    -------
    >>> log = escalation_log(1000, np.random.default_rng(0))
    >>> list(log.columns), len(log)
    (['S', 'Z', 'A', 'R'], 1000)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise CourseError(f"n must be a positive number of tickets, got {n!r}")
    s, z = (rng.random((2, n)) < 0.5).astype(int)
    a = (rng.random(n) < _escalation_probability(s, z, confounded)).astype(int)
    r = (rng.random(n) < _satisfaction(s, z, a)).astype(int)
    return pd.DataFrame({"S": s, "Z": z, "A": a, "R": r})


def escalation_value(policy: dict[int, int]) -> float:
    """Exact expected satisfaction when escalation follows ``policy`` (segment S -> action A).

    Example
    -------
    >>> round(escalation_value({0: 1, 1: 1}), 3), round(escalation_value({0: 0, 1: 0}), 3)
    (0.65, 0.45)
    """
    for segment in (0, 1):
        if segment not in policy:
            raise UnknownNameError(f"policy has no action for segment S = {segment}")
        if policy[segment] not in (0, 1):
            raise CourseError(
                f"action for segment {segment} must be 0 or 1, got {policy[segment]!r}"
            )
    s, z = np.meshgrid([0, 1], [0, 1], indexing="ij")
    a = np.vectorize(policy.get)(s)
    return float(_satisfaction(s, z, a).mean())


# ----------------------------------------------------------------------------- factored MDP


@dataclass(frozen=True)
class Switchboard:
    """A factored MDP: ``n_switches`` binary switches, actions "flip switch i" or "wait" (the last).

    Flipping switch i succeeds with probability ``p_flip``; every other switch that is on falls
    off with probability ``p_fail``. The reward is 1 when all ``targets`` are on after the step.
    Its causal graph: switch i at t+1 <- (switch i at t, action); reward <- target switches.

    Example
    -------
    >>> env = Switchboard(n_switches=3, targets=(0,))
    >>> env.n_states, env.n_actions, env.transition_matrix().shape
    (8, 4, (4, 8, 8))
    """

    n_switches: int = 5
    targets: tuple[int, ...] = (0, 1)
    p_flip: float = 0.9
    p_fail: float = 0.1
    horizon: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.n_switches <= 10:
            raise CourseError(f"n_switches must be between 1 and 10, got {self.n_switches}")
        bad = [t for t in self.targets if not 0 <= t < self.n_switches]
        if bad or not self.targets:
            raise CourseError(
                f"targets must be switches 0..{self.n_switches - 1}, got {list(self.targets)}"
            )
        for name in ("p_flip", "p_fail"):
            if not 0 <= getattr(self, name) <= 1:
                raise CourseError(f"{name} must be a probability, got {getattr(self, name)!r}")
        if self.horizon < 1:
            raise CourseError(f"horizon must be at least 1, got {self.horizon}")

    @property
    def n_states(self) -> int:
        return 2**self.n_switches

    @property
    def n_actions(self) -> int:
        return self.n_switches + 1

    def bits(self, states: np.ndarray) -> np.ndarray:
        """Switch values of integer-coded states, shape (..., n_switches)."""
        return (np.asarray(states)[..., None] >> np.arange(self.n_switches)) & 1

    def factor_probabilities(self) -> np.ndarray:
        """P(switch i on next | switch i now = v, action a), indexed ``[i, v, a]``."""
        p = np.zeros((self.n_switches, 2, self.n_actions))
        p[:, 1, :] = 1 - self.p_fail
        for i in range(self.n_switches):
            p[i, 0, i], p[i, 1, i] = self.p_flip, 1 - self.p_flip
        return p

    def transition_matrix(self, factors: np.ndarray | None = None) -> np.ndarray:
        """P(s' | s, a) as an array ``[a, s, s']``, the product of the per-switch factors."""
        factors = self.factor_probabilities() if factors is None else factors
        return _product_transitions(self.bits(np.arange(self.n_states)), factors)

    def rewards(self) -> np.ndarray:
        """Reward of landing in each state (1 when all target switches are on)."""
        return self.bits(np.arange(self.n_states))[:, list(self.targets)].all(axis=1).astype(float)

    def step(
        self, states: np.ndarray, actions: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance a batch of environments by one step; returns (next states, rewards)."""
        states, actions = np.asarray(states), np.asarray(actions)
        if states.shape != actions.shape or states.ndim != 1:
            raise CourseError(
                f"states and actions must be 1-d arrays of one length, got shapes "
                f"{states.shape} and {actions.shape}"
            )
        if actions.size and (actions.min() < 0 or actions.max() >= self.n_actions):
            raise CourseError(f"actions must lie in 0..{self.n_actions - 1}")
        if states.size and (states.min() < 0 or states.max() >= self.n_states):
            raise CourseError(f"states must lie in 0..{self.n_states - 1}")
        x = self.bits(states)
        p_on = self.factor_probabilities()[np.arange(self.n_switches), x, actions[:, None]]
        nxt = (rng.random(x.shape) < p_on).astype(int)
        new_states = (nxt << np.arange(self.n_switches)).sum(axis=1)
        return new_states, self.rewards()[new_states]


def _product_transitions(bits: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """[..., a, s, s'] transition arrays from per-switch factors [..., i, v, a]."""
    n_sw = bits.shape[1]
    # P(bit_i' = b' | bit_i = v(s), a) for every s, s', a, i
    p_on = factors[..., np.arange(n_sw)[None, :], bits, :]  # [..., s, i, a]
    p_on = np.moveaxis(p_on, -1, -3)  # [..., a, s, i]
    on = bits[None, :, :]  # [1, s', i]
    per_bit = np.where(on.astype(bool), p_on[..., :, None, :], 1 - p_on[..., :, None, :])
    return per_bit.prod(axis=-1)  # [..., a, s, s']


def _plan(
    transitions: np.ndarray,
    rewards: np.ndarray,
    gamma: float,
    sweeps: int,
    q: np.ndarray | None = None,
) -> np.ndarray:
    """Q-values [..., s, a] by value iteration from ``q`` (zeros if None); rewards [..., s'] paid on
    arrival."""
    if q is None:
        q = np.zeros(transitions.shape[:-3] + transitions.shape[-2:-1] + transitions.shape[-3:-2])
    for _ in range(sweeps):
        v = q.max(axis=-1)
        target = rewards + gamma * v  # [..., s']
        q = np.swapaxes((transitions @ target[..., None, :, None])[..., 0], -2, -1)
    return q


def optimal_q(env: Switchboard, gamma: float = 0.9, sweeps: int = 100) -> np.ndarray:
    """Q-values [s, a] of the true MDP by value iteration (discount ``gamma``).

    Example
    -------
    >>> env = Switchboard(n_switches=2, targets=(0,))
    >>> q = optimal_q(env)
    >>> int(q[0].argmax())   # all off: flip the target switch
    0
    """
    if not 0 <= gamma < 1:
        raise CourseError(f"gamma must lie in [0, 1), got {gamma}")
    return _plan(env.transition_matrix(), env.rewards(), gamma, sweeps)


def expected_return(env: Switchboard, q: np.ndarray, epsilon: float = 0.0) -> float:
    """Exact expected episode return of the epsilon-greedy policy of ``q`` from a uniform start.

    Example
    -------
    >>> env = Switchboard(n_switches=1, targets=(0,), p_flip=1.0, p_fail=0.0, horizon=3)
    >>> expected_return(env, optimal_q(env))   # switch on at step 1 (or already on), stay on
    3.0
    """
    if not 0 <= epsilon <= 1:
        raise CourseError(f"epsilon must be a probability, got {epsilon}")
    q = np.asarray(q, dtype=float)
    if q.shape != (env.n_states, env.n_actions):
        raise CourseError(f"q must have shape {(env.n_states, env.n_actions)}, got {q.shape}")
    transitions, rewards = env.transition_matrix(), env.rewards()
    policy = np.full(q.shape, epsilon / env.n_actions)
    policy[np.arange(env.n_states), q.argmax(axis=1)] += 1 - epsilon
    value = np.zeros(env.n_states)
    for _ in range(env.horizon):
        value = (policy * (transitions @ (rewards + value)).T).sum(axis=1)
    return float(value.mean())


@runtime_checkable
class Agent(Protocol):
    """The protocol of an RL agent, vectorised over runs (see the module docstring)."""

    def start(self, n_runs: int, env: Switchboard, rng: np.random.Generator) -> None: ...

    def act(self, states: np.ndarray) -> np.ndarray: ...

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None: ...

    def end_episode(self) -> None: ...


class EpsilonGreedy:
    """An agent that acts epsilon-greedily on its Q-table ``q[run, state, action]``.

    Subclasses learn ``q``: :meth:`update` after each step, :meth:`end_episode` after each
    episode. Greedy ties are broken at random (:func:`causalcourse.bandits.argmax_random`),
    after rounding the Q-values to :data:`Q_DECIMALS` decimals: Q-values that differ only in
    their last bits (they are sums computed in different orders) count as tied, so the
    choice does not depend on the machine's floating-point kernels.
    """

    name = "epsilon-greedy"

    def __init__(self, epsilon: float = 0.1, gamma: float = 0.9) -> None:
        if not 0 <= epsilon <= 1:
            raise CourseError(f"epsilon must be a probability, got {epsilon!r}")
        if not 0 <= gamma < 1:
            raise CourseError(f"gamma must lie in [0, 1), got {gamma!r}")
        self.epsilon, self.gamma = epsilon, gamma

    def start(self, n_runs: int, env: Switchboard, rng: np.random.Generator) -> None:
        self.env, self.rng, self.runs = env, rng, np.arange(n_runs)
        self.q: np.ndarray = np.zeros((n_runs, env.n_states, env.n_actions))

    def act(self, states: np.ndarray) -> np.ndarray:
        n = len(self.runs)
        greedy = argmax_random(self.q[self.runs, states], self.rng, decimals=Q_DECIMALS)
        explore = self.rng.random(n) < self.epsilon
        return np.where(explore, self.rng.integers(0, self.env.n_actions, n), greedy)

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None:
        pass

    def end_episode(self) -> None:
        pass


class QLearning(EpsilonGreedy):
    """Tabular Q-learning: after each step move Q(s, a) towards r + gamma max_a' Q(s', a').

    Example
    -------
    >>> env = Switchboard(n_switches=2, targets=(0,))
    >>> run_agents(env, QLearning(alpha=0.5), 3, 2, np.random.default_rng(0)).shape
    (2, 3)
    """

    name = "Q-learning"

    def __init__(self, epsilon: float = 0.1, gamma: float = 0.9, alpha: float = 0.3) -> None:
        super().__init__(epsilon, gamma)
        if not 0 < alpha <= 1:
            raise CourseError(f"alpha must lie in (0, 1], got {alpha!r}")
        self.alpha = alpha

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None:
        runs, q = self.runs, self.q
        td = rewards + self.gamma * q[runs, next_states].max(axis=1) - q[runs, states, actions]
        q[runs, states, actions] += self.alpha * td


class _RewardModel(EpsilonGreedy):
    """Counts of the reward on arrival in each state (shared by the model-based agents)."""

    def start(self, n_runs: int, env: Switchboard, rng: np.random.Generator) -> None:
        super().start(n_runs, env, rng)
        self.reward_sum = np.zeros((n_runs, env.n_states))
        self.reward_n = np.zeros((n_runs, env.n_states))

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None:
        self.reward_sum[self.runs, next_states] += rewards
        self.reward_n[self.runs, next_states] += 1


class FlatModel(_RewardModel):
    """Model-based without the graph: P(s' | s, a) and the reward per state from counts.

    After every episode it plans by value iteration (10 sweeps, warm-started from the last
    plan). Pairs it has never tried are assumed to stay put with reward 0, unless
    ``optimistic``: then, in the spirit of R-max (Brafman & Tennenholtz, 2002), an untried
    pair is worth the most any pair can be worth, 1 / (1 - gamma) (reward 1 every step), so
    the greedy policy seeks out what it has not tried.

    Example
    -------
    >>> env = Switchboard(n_switches=2, targets=(0,))
    >>> run_agents(env, FlatModel(optimistic=True), 3, 2, np.random.default_rng(0)).shape
    (2, 3)
    """

    name = "flat model"

    def __init__(self, epsilon: float = 0.1, gamma: float = 0.9, optimistic: bool = False) -> None:
        super().__init__(epsilon, gamma)
        if not isinstance(optimistic, (bool, np.bool_)):
            raise CourseError(f"optimistic must be True or False, got {optimistic!r}")
        self.optimistic = bool(optimistic)
        if self.optimistic:
            self.name = "flat model, optimistic"

    def start(self, n_runs: int, env: Switchboard, rng: np.random.Generator) -> None:
        super().start(n_runs, env, rng)
        self.counts = np.zeros((n_runs, env.n_actions, env.n_states, env.n_states))

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None:
        self.counts[self.runs, actions, states, next_states] += 1
        super().update(states, actions, rewards, next_states)

    def end_episode(self) -> None:
        seen = self.counts.sum(axis=-1, keepdims=True)
        stay = np.broadcast_to(np.eye(self.env.n_states), self.counts.shape)
        transitions = np.where(seen > 0, self.counts / np.maximum(seen, 1), stay)
        rewards = np.where(self.reward_n > 0, self.reward_sum / np.maximum(self.reward_n, 1), 0.0)
        if not self.optimistic:
            self.q = _plan(transitions, rewards, self.gamma, 10, self.q)  # warm start
            return
        untried = np.swapaxes(seen[..., 0] == 0, -2, -1)  # [run, s, a]
        for _ in range(10):  # value iteration with untried pairs held at the maximum value
            self.q = np.where(untried, 1 / (1 - self.gamma), self.q)
            self.q = _plan(transitions, rewards, self.gamma, 1, self.q)
        self.q = np.where(untried, 1 / (1 - self.gamma), self.q)


class CausalModel(_RewardModel):
    """Model-based with the graph: one factor P(x_i' | x_i, a) per switch, the reward from the
    targets.

    It knows that each switch's next value depends only on itself and the action, and that
    the reward depends only on the target switches; it learns those factors (Beta(1, 1)
    counts) and the reward per setting of the targets, composes them into the transition
    model and plans after every episode (10 sweeps, warm-started).

    Example
    -------
    >>> env = Switchboard(n_switches=3, targets=(0,))
    >>> run_agents(env, CausalModel(), 5, 4, np.random.default_rng(0)).shape
    (4, 5)
    """

    name = "causal model"

    def start(self, n_runs: int, env: Switchboard, rng: np.random.Generator) -> None:
        super().start(n_runs, env, rng)
        self.bits_all = env.bits(np.arange(env.n_states))
        self.switch_ids = np.arange(env.n_switches)
        self.factor_on = np.ones((n_runs, env.n_switches, 2, env.n_actions))  # Beta(1, 1)
        self.factor_n = np.full((n_runs, env.n_switches, 2, env.n_actions), 2.0)
        targets = list(env.targets)
        self.target_key = (self.bits_all[:, targets] << np.arange(len(targets))).sum(axis=1)

    def update(
        self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray, next_states: np.ndarray
    ) -> None:
        cell = (
            self.runs[:, None],
            self.switch_ids[None, :],
            self.bits_all[states],
            actions[:, None],
        )
        self.factor_on[cell] += self.bits_all[next_states]
        self.factor_n[cell] += 1
        super().update(states, actions, rewards, next_states)

    def end_episode(self) -> None:
        transitions = _product_transitions(self.bits_all, self.factor_on / self.factor_n)
        # the reward depends on the target switches only: pool the counts by their values
        keys = range(2 ** len(self.env.targets))
        key_sum = np.stack([self.reward_sum[:, self.target_key == k].sum(axis=1) for k in keys], 1)
        key_n = np.stack([self.reward_n[:, self.target_key == k].sum(axis=1) for k in keys], 1)
        rewards = np.where(key_n > 0, key_sum / np.maximum(key_n, 1), 0.0)[:, self.target_key]
        self.q = _plan(transitions, rewards, self.gamma, 10, self.q)  # warm start


AGENTS: tuple[str, ...] = (  # built-in agents
    "q_learning", "flat_model", "flat_model_optimistic", "causal_model"
)


def _as_agent(agent: object, epsilon: float, gamma: float, alpha: float) -> Agent:
    if isinstance(agent, str):
        if agent == "q_learning":
            return QLearning(epsilon, gamma, alpha)
        if agent == "flat_model":
            return FlatModel(epsilon, gamma)
        if agent == "flat_model_optimistic":
            return FlatModel(epsilon, gamma, optimistic=True)
        if agent == "causal_model":
            return CausalModel(epsilon, gamma)
        raise UnknownNameError(
            f"unknown agent {agent!r}; choose one of {list(AGENTS)} "
            "or pass an object with start, act, update and end_episode"
        )
    missing = [
        m
        for m in ("start", "act", "update", "end_episode")
        if not callable(getattr(agent, m, None))
    ]
    if missing:
        raise CourseError(
            f"an agent needs the methods start, act, update and end_episode; "
            f"{type(agent).__name__} lacks {', '.join(missing)}"
        )
    return agent  # type: ignore[return-value]


def run_agents(
    env: Switchboard,
    agent: str | Agent,
    n_episodes: int,
    n_seeds: int,
    rng: np.random.Generator,
    epsilon: float = 0.1,
    gamma: float = 0.9,
    alpha: float = 0.3,
) -> np.ndarray:
    """Train ``n_seeds`` independent copies of one agent; return episode returns (seeds, episodes).

    ``agent`` is any object with the protocol of the module docstring, or the name of a
    built-in one, made with ``epsilon``, ``gamma`` (and ``alpha`` for Q-learning):
    ``"q_learning"`` (:class:`QLearning`), ``"flat_model"`` (:class:`FlatModel`),
    ``"flat_model_optimistic"`` (:class:`FlatModel` with ``optimistic=True``) or
    ``"causal_model"`` (:class:`CausalModel`). Each episode starts every run in a uniformly
    random state; returns are undiscounted sums of rewards over ``env.horizon`` steps.

    Example
    -------
    >>> env = Switchboard(n_switches=3, targets=(0,))
    >>> run_agents(env, "causal_model", 5, 4, np.random.default_rng(0)).shape
    (4, 5)
    """
    learner = _as_agent(agent, epsilon, gamma, alpha)
    if not isinstance(env, Switchboard):
        raise CourseError(f"env must be a Switchboard, got {type(env).__name__}")
    for name, value in (("n_episodes", n_episodes), ("n_seeds", n_seeds)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    learner.start(n_seeds, env, rng)
    returns = np.zeros((n_seeds, n_episodes))
    for episode in range(n_episodes):
        state = rng.integers(0, env.n_states, n_seeds)
        for _ in range(env.horizon):
            action = np.asarray(learner.act(state))
            if action.shape != (n_seeds,) or action.dtype.kind not in "iu":
                raise CourseError(
                    f"{type(learner).__name__}.act must return {n_seeds} integer "
                    f"actions, got {action.dtype} array of shape {action.shape}"
                )
            nxt, reward = env.step(state, action, rng)
            returns[:, episode] += reward
            learner.update(state, action, reward, nxt)
            state = nxt
        learner.end_episode()
    return returns
