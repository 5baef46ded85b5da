"""Small environments for causal reinforcement learning: a confounded log and a factored MDP.

:func:`escalation_log` simulates logged support tickets whose operators acted on something
the decision log does not hold (the customer's mood), the textbook setting in which naive
off-policy evaluation is biased; :func:`escalation_value` gives the exact value of any
policy. :class:`Switchboard` is a factored MDP of binary switches whose causal graph is
known (each switch's next value depends only on itself and the action; the reward only on a
few target switches); :func:`run_agents` trains tabular Q-learning and model-based agents
that do or do not use that graph, on many seeds at once, and returns their learning curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["escalation_log", "escalation_value", "Switchboard", "AGENTS", "run_agents", "optimal_q",
           "expected_return", "partial_correlation_test"]


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
    if n < 1:
        raise ValueError(f"n must be a positive number of tickets, got {n}")
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
            raise KeyError(f"policy has no action for segment S = {segment}")
        if policy[segment] not in (0, 1):
            raise ValueError(f"action for segment {segment} must be 0 or 1, got {policy[segment]!r}")
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
            raise ValueError(f"n_switches must be between 1 and 10, got {self.n_switches}")
        bad = [t for t in self.targets if not 0 <= t < self.n_switches]
        if bad or not self.targets:
            raise ValueError(f"targets must be switches 0..{self.n_switches - 1}, got {list(self.targets)}")

    @property
    def n_states(self) -> int:
        return 2 ** self.n_switches

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

    def step(self, states: np.ndarray, actions: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Advance a batch of environments by one step; returns (next states, rewards)."""
        x = self.bits(states)
        p_on = self.factor_probabilities()[np.arange(self.n_switches), x, actions[:, None]]
        nxt = (rng.random(x.shape) < p_on).astype(int)
        new_states = (nxt << np.arange(self.n_switches)).sum(axis=1)
        return new_states, self.rewards()[new_states]


def _product_transitions(bits: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """[..., a, s, s'] transition arrays from per-switch factors [..., i, v, a]."""
    n_sw = bits.shape[1]
    # P(bit_i' = b' | bit_i = v(s), a) for every s, s', a, i
    p_on = factors[..., np.arange(n_sw)[None, :], bits, :]           # [..., s, i, a]
    p_on = np.moveaxis(p_on, -1, -3)                                  # [..., a, s, i]
    on = bits[None, :, :]                                             # [1, s', i]
    per_bit = np.where(on.astype(bool), p_on[..., :, None, :], 1 - p_on[..., :, None, :])
    return per_bit.prod(axis=-1)                                      # [..., a, s, s']


def _plan(transitions: np.ndarray, rewards: np.ndarray, gamma: float, sweeps: int,
          q: np.ndarray | None = None) -> np.ndarray:
    """Q-values [..., s, a] by value iteration from ``q`` (zeros if None); rewards [..., s'] paid on arrival."""
    if q is None:
        q = np.zeros(transitions.shape[:-3] + transitions.shape[-2:-1] + transitions.shape[-3:-2])
    for _ in range(sweeps):
        v = q.max(axis=-1)
        target = rewards + gamma * v                                          # [..., s']
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
        raise ValueError(f"gamma must lie in [0, 1), got {gamma}")
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
        raise ValueError(f"epsilon must be a probability, got {epsilon}")
    q = np.asarray(q, dtype=float)
    if q.shape != (env.n_states, env.n_actions):
        raise ValueError(f"q must have shape {(env.n_states, env.n_actions)}, got {q.shape}")
    transitions, rewards = env.transition_matrix(), env.rewards()
    policy = np.full(q.shape, epsilon / env.n_actions)
    policy[np.arange(env.n_states), q.argmax(axis=1)] += 1 - epsilon
    value = np.zeros(env.n_states)
    for _ in range(env.horizon):
        value = (policy * (transitions @ (rewards + value)).T).sum(axis=1)
    return float(value.mean())


AGENTS: tuple[str, ...] = ("q_learning", "flat_model", "causal_model")


def run_agents(env: Switchboard, agent: str, n_episodes: int, n_seeds: int, rng: np.random.Generator,
               epsilon: float = 0.1, gamma: float = 0.9, alpha: float = 0.3) -> np.ndarray:
    """Train ``n_seeds`` independent copies of one agent; return episode returns (seeds, episodes).

    Agents, all epsilon-greedy: ``"q_learning"`` (model-free, tabular Q over every state and
    action); ``"flat_model"`` (learns P(s' | s, a) and the reward per state from counts, plans by
    value iteration after every episode (10 sweeps, warm-started); unseen pairs are assumed to stay put); ``"causal_model"``
    (knows the graph: learns each switch's P(x_i' | x_i, a) and the reward from the target
    switches only, then plans). Returns are undiscounted sums of rewards over ``env.horizon`` steps.

    Example
    -------
    >>> env = Switchboard(n_switches=3, targets=(0,))
    >>> run_agents(env, "causal_model", 5, 4, np.random.default_rng(0)).shape
    (4, 5)
    """
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; choose one of {list(AGENTS)}")
    n_s, n_a, seeds = env.n_states, env.n_actions, np.arange(n_seeds)
    bits_all = env.bits(np.arange(n_s))
    switch_ids = np.arange(env.n_switches)
    q = np.zeros((n_seeds, n_s, n_a))
    flat_counts = np.zeros((n_seeds, n_a, n_s, n_s))
    factor_on = np.ones((n_seeds, env.n_switches, 2, n_a))        # Beta(1, 1) counts per factor cell
    factor_n = np.full((n_seeds, env.n_switches, 2, n_a), 2.0)
    reward_sum = np.zeros((n_seeds, n_s))
    reward_n = np.zeros((n_seeds, n_s))
    target_key = (bits_all[:, list(env.targets)] << np.arange(len(env.targets))).sum(axis=1)
    returns = np.zeros((n_seeds, n_episodes))
    for episode in range(n_episodes):
        state = rng.integers(0, n_s, n_seeds)
        for _ in range(env.horizon):
            greedy = _argmax_random(q[seeds, state], rng)
            explore = rng.random(n_seeds) < epsilon
            action = np.where(explore, rng.integers(0, n_a, n_seeds), greedy)
            nxt, reward = env.step(state, action, rng)
            returns[:, episode] += reward
            if agent == "q_learning":
                td = reward + gamma * q[seeds, nxt].max(axis=1) - q[seeds, state, action]
                q[seeds, state, action] += alpha * td
            else:
                flat_counts[seeds, action, state, nxt] += 1
                reward_sum[seeds, nxt] += reward
                reward_n[seeds, nxt] += 1
                cell = (seeds[:, None], switch_ids[None, :], bits_all[state], action[:, None])
                factor_on[cell] += bits_all[nxt]
                factor_n[cell] += 1
            state = nxt
        if agent == "flat_model":
            seen = flat_counts.sum(axis=-1, keepdims=True)
            stay = np.broadcast_to(np.eye(n_s), flat_counts.shape)
            transitions = np.where(seen > 0, flat_counts / np.maximum(seen, 1), stay)
            rewards = np.where(reward_n > 0, reward_sum / np.maximum(reward_n, 1), 0.0)
            q = _plan(transitions, rewards, gamma, 10, q)   # warm start from the last plan
        elif agent == "causal_model":
            transitions = _product_transitions(bits_all, factor_on / factor_n)
            # reward depends on the target switches only: pool the counts by their values
            n_keys = 2 ** len(env.targets)
            key_sum = np.stack([reward_sum[:, target_key == k].sum(axis=1) for k in range(n_keys)], axis=1)
            key_n = np.stack([reward_n[:, target_key == k].sum(axis=1) for k in range(n_keys)], axis=1)
            rewards = np.where(key_n > 0, key_sum / np.maximum(key_n, 1), 0.0)[:, target_key]
            q = _plan(transitions, rewards, gamma, 10, q)   # warm start from the last plan
    return returns


def _argmax_random(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    top = values == values.max(axis=1, keepdims=True)
    return np.argmax(top * rng.random(values.shape), axis=1)


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
    from scipy import stats

    x = np.asarray(x).reshape(len(x), -1)[:, 0].astype(float)
    y_raw = np.asarray(y).reshape(len(y), -1)[:, 0]
    try:
        y = y_raw.astype(float)
    except ValueError:
        y = (y_raw == y_raw[0]).astype(float)
    if x.size != y.size:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if z is not None:
        design = np.column_stack([np.ones(x.size), np.asarray(z, dtype=float).reshape(x.size, -1)])
        x = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
        y = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    if np.std(x) == 0 or np.std(y) == 0:
        return 1.0
    return float(stats.pearsonr(x, y).pvalue)
