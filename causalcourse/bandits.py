"""Causal bandits: environments, policies as small classes, and simulators vectorised over runs.

Two problems from the causal-bandit literature, written out by hand because writing them is
the lesson. The *greedy casino* (Bareinboim, Forney & Pearl, 2015) is a two-armed bandit
whose payouts depend on two unobserved binary factors that also drive the gambler's
intuition; :func:`simulate_casino` plays any policy on many independent casinos at once.
The *parallel bandit* (Lattimore, Lattimore & Reid, 2016) has N independent binary causes
of a reward; :func:`parallel_causal` is their Algorithm 1 and :func:`successive_rejects`,
:func:`ucb_simple` and :func:`thompson_simple` are the baselines. Every simulator takes a
numpy ``Generator`` and returns per-run arrays, one row per run, so a learner can average
and draw bands.

The policy protocol
-------------------
A policy is any object with three methods, each vectorised over ``n_runs`` independent
runs (one row per run; a policy keeps its own per-run statistics):

``start(n_runs, n_arms, rng)``
    forget everything and prepare ``n_runs`` runs with arms ``0 .. n_arms - 1``; keep ``rng``
    (a numpy ``Generator``) for the policy's own random draws.
``choose(context=None) -> arms``
    the arm of every run this round, an integer array of shape ``(n_runs,)``. ``context`` is
    what the run sees before choosing (in the casino: the gambler's intuition, 0 or 1 per
    run), or ``None`` for a bandit without context.
``update(arms, rewards, context=None)``
    learn from the arms just played, their 0/1 ``rewards`` and the same ``context``.

Two optional methods: ``learn_from_log(contexts, arms, rewards)`` receives logged play
(arrays of shape ``(n_runs, n_logged)``) before the first round — :func:`simulate_casino`
passes ``n_observational`` rounds of the gamblers' own intuition-following play to policies
that have it; ``recommend() -> arms`` names the arm each run would recommend at the end
(pure exploration: :func:`simple_regret` scores it). A ``name`` attribute labels a policy.
:class:`ThompsonSampling`, :class:`ContextualThompson`, :class:`CausalThompson` and
:class:`UCB` are the built-in policies; a learner's own class with the same methods works
in every simulator. Structural causal-bandit policies (e.g. POMIS-based) implement the same
protocol, with arms that stand for interventions.

Successive rejects and Algorithm 1 of the parallel bandit are pure-exploration algorithms
that plan their pulls in phases; they are written as functions that simulate each phase in
one batch of binomial draws (exact in distribution, and much faster than a round-by-round
loop). :func:`argmax_random` is the course's one argmax with random tie-breaking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from causalcourse.errors import CourseError, UnknownNameError

__all__ = [
    "CASINO_PAYOUT",
    "CASINO_POLICIES",
    "Policy",
    "ThompsonSampling",
    "ContextualThompson",
    "CausalThompson",
    "UCB",
    "argmax_random",
    "CasinoRuns",
    "casino_intuition",
    "casino_rates",
    "simulate_casino",
    "simple_regret",
    "parallel_q",
    "parallel_means",
    "estimate_m",
    "parallel_causal",
    "successive_rejects",
    "ucb_simple",
    "thompson_simple",
]


#: P(Y = 1 | do(X = arm), D = d, B = b), indexed ``[arm, d, b]``; arm 0 is M1, arm 1 is M2.
CASINO_PAYOUT: np.ndarray = np.array([[[0.1, 0.5], [0.4, 0.2]], [[0.5, 0.1], [0.2, 0.4]]])
CASINO_POLICIES: tuple[str, ...] = ("ts", "ts_intuition", "causal_ts")  # names of built-in policies


def argmax_random(
    values: np.ndarray, rng: np.random.Generator, decimals: int | None = None
) -> np.ndarray:
    """Row-wise argmax with ties broken uniformly at random (NaN never wins).

    An argmax over nearly equal values flips between machines; breaking exact ties at
    random (with the chapter's generator) keeps a policy unbiased and the run reproducible.
    Values computed along different paths can differ in their last bits (``0.1 + 0.2`` is
    not ``0.3``) and such a difference can flip with the floating-point kernels; with
    ``decimals`` the values are first rounded to that many decimals, so that they count
    as a tie and are broken at random.

    Example
    -------
    >>> argmax_random(np.array([[1.0, 3.0, 2.0], [np.nan, 0.0, -1.0]]), np.random.default_rng(0))
    array([1, 1])
    >>> near_tie = np.array([[0.1 + 0.2, 0.3]] * 1000)        # differ by 5.6e-17
    >>> sorted(set(argmax_random(near_tie, np.random.default_rng(0), decimals=9).tolist()))
    [0, 1]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise CourseError(
            f"argmax_random works row by row on a 2-d array, got shape {values.shape}"
        )
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                 or decimals < 0):
        raise CourseError(f"decimals must be a non-negative integer or None, got {decimals!r}")
    values = np.where(np.isnan(values), -np.inf, values)
    if decimals is not None:
        values = np.round(values, decimals)
    top = values == values.max(axis=1, keepdims=True)
    return np.argmax(top * rng.random(values.shape), axis=1)


def _check_payout(payout: np.ndarray) -> np.ndarray:
    payout = np.asarray(payout, dtype=float)
    if payout.shape != (2, 2, 2):
        raise CourseError(
            f"payout table must have shape (arm, d, b) = (2, 2, 2), got {payout.shape}"
        )
    if np.any((payout < 0) | (payout > 1)):
        raise CourseError("payout probabilities must lie in [0, 1]")
    return payout


def _check_prob(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise CourseError(f"{name} must be a probability in [0, 1], got {value!r}")


def _check_count(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise CourseError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)


def _check_means(means: np.ndarray) -> np.ndarray:
    means = np.asarray(means, dtype=float)
    if means.ndim != 1 or means.size < 1 or np.any((means < 0) | (means > 1)):
        raise CourseError(f"means must be a non-empty vector of probabilities, got {means!r}")
    return means


def casino_intuition(d: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """The gambler's intuition: machine 0 (M1) when blinking equals drunkenness, else 1 (M2).

    This is the observational policy of the greedy casino: drunk gamblers follow their
    intuition, and the casino has tuned the machines so that the intuition loses.

    Example
    -------
    >>> casino_intuition(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])).tolist()
    [0, 1, 1, 0]
    """
    d, b = np.asarray(d), np.asarray(b)
    if d.shape != b.shape or not (np.isin(d, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise CourseError(
            f"d and b must be 0/1 arrays of one shape, got shapes {d.shape} and {b.shape}"
        )
    return (d != b).astype(int)


def casino_rates(
    payout: np.ndarray = CASINO_PAYOUT, p_d: float = 0.5, p_b: float = 0.5
) -> dict[str, float]:
    """Exact payout rates of the greedy casino under the policies the chapter compares.

    ``observational``: follow the intuition; ``do(M1)``/``do(M2)``: always play one machine;
    ``counter-intuitive``: play the machine the intuition does *not* pick; ``optimal``: the best
    machine for each (D, B), which a player who could see D and B would choose.

    Example
    -------
    >>> {k: round(v, 2) for k, v in casino_rates().items()}  # doctest: +NORMALIZE_WHITESPACE
    {'observational': 0.15, 'do(M1)': 0.3, 'do(M2)': 0.3, 'counter-intuitive': 0.45,
     'optimal': 0.45}
    """
    payout = _check_payout(payout)
    _check_prob("p_d", p_d)
    _check_prob("p_b", p_b)
    weight = np.outer([1 - p_d, p_d], [1 - p_b, p_b])  # P(d, b)
    d, b = np.meshgrid([0, 1], [0, 1], indexing="ij")
    intuition = casino_intuition(d, b)
    follow = np.where(intuition == 0, payout[0], payout[1])
    against = np.where(intuition == 0, payout[1], payout[0])
    return {
        "observational": float((weight * follow).sum()),
        "do(M1)": float((weight * payout[0]).sum()),
        "do(M2)": float((weight * payout[1]).sum()),
        "counter-intuitive": float((weight * against).sum()),
        "optimal": float((weight * payout.max(axis=0)).sum()),
    }


@dataclass
class CasinoRuns:
    """Per-round records of many independent runs: arrays of shape ``(n_runs, n_rounds)``.

    ``optimal`` is 1 when the chosen machine was the best one for that round's (D, B);
    ``payout`` is the chosen machine's payout probability (its expected reward);
    ``regret`` is the best machine's payout probability minus ``payout``;
    ``reward`` is the realised 0/1 reward.
    """

    optimal: np.ndarray
    payout: np.ndarray
    regret: np.ndarray
    reward: np.ndarray


@runtime_checkable
class Policy(Protocol):
    """The protocol of a bandit policy, vectorised over runs (see the module docstring)."""

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None: ...

    def choose(self, context: np.ndarray | None = None) -> np.ndarray: ...

    def update(
        self, arms: np.ndarray, rewards: np.ndarray, context: np.ndarray | None = None
    ) -> None: ...


class ThompsonSampling:
    """Bernoulli Thompson sampling: a Beta(1, 1) posterior per arm, play the largest draw.

    Ignores any context, so in the casino it learns E[Y | do(X = arm)] (an interventional
    learner). ``recommend`` returns the arm with the highest posterior mean.

    Example
    -------
    >>> policy = ThompsonSampling()
    >>> policy.start(n_runs=3, n_arms=2, rng=np.random.default_rng(0))
    >>> policy.update(np.array([0, 0, 1]), np.array([1, 1, 0]))
    >>> policy.recommend().tolist()
    [0, 0, 0]
    """

    name = "Thompson sampling"

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None:
        self.rng, self.runs = rng, np.arange(n_runs)
        self.wins = np.ones((n_runs, n_arms))  # Beta counts, one row per run
        self.losses = np.ones((n_runs, n_arms))

    def choose(self, context: np.ndarray | None = None) -> np.ndarray:
        return self.rng.beta(self.wins, self.losses).argmax(axis=1)

    def update(
        self, arms: np.ndarray, rewards: np.ndarray, context: np.ndarray | None = None
    ) -> None:
        self.wins[self.runs, arms] += rewards
        self.losses[self.runs, arms] += 1 - rewards

    def recommend(self) -> np.ndarray:
        return argmax_random(self.wins / (self.wins + self.losses), self.rng)


class ContextualThompson:
    """Thompson sampling with one Beta posterior per (context, arm): the context as a stratum.

    In the casino the context is the gambler's intuition; within one intuition value the
    choice is unconfounded, so each stratum learns E[Y_arm | intuition] in the long run.

    Example
    -------
    >>> policy = ContextualThompson(n_contexts=2)
    >>> policy.start(n_runs=2, n_arms=2, rng=np.random.default_rng(0))
    >>> policy.choose(np.array([0, 1])).shape
    (2,)
    """

    name = "TS, intuition as context"

    def __init__(self, n_contexts: int = 2) -> None:
        self.n_contexts = _check_count("n_contexts", n_contexts)

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None:
        self.rng, self.runs = rng, np.arange(n_runs)
        self.wins = np.ones((n_runs, self.n_contexts, n_arms))  # [run, context, arm]
        self.losses = np.ones((n_runs, self.n_contexts, n_arms))

    def _context(self, context: np.ndarray | None) -> np.ndarray:
        if context is None:
            raise CourseError(f"{type(self).__name__} needs a context (one value per run)")
        return np.asarray(context)

    def choose(self, context: np.ndarray | None = None) -> np.ndarray:
        ctx = self._context(context)
        return self.rng.beta(self.wins[self.runs, ctx], self.losses[self.runs, ctx]).argmax(axis=1)

    def update(
        self, arms: np.ndarray, rewards: np.ndarray, context: np.ndarray | None = None
    ) -> None:
        ctx = self._context(context)
        self.wins[self.runs, ctx, arms] += rewards
        self.losses[self.runs, ctx, arms] += 1 - rewards


class CausalThompson(ContextualThompson):
    """Causal Thompson sampling (Bareinboim, Forney & Pearl 2015, Algorithm 1) for two arms.

    The context is the intuition x, itself an arm (the one the gambler would play). Logged
    play seeds the arm x under intuition x, because by consistency E[Y_x | X = x] = P(y | x).
    Each round the Thompson draws are down-weighted by 1 - |Q1 - Q2| on the arm disfavoured
    by comparing the counterfactual Q1 = E[Y_x' | X = x] (the other arm's posterior mean)
    with Q2 = P(y | x) (from the log).

    Example
    -------
    >>> policy = CausalThompson()
    >>> policy.start(n_runs=1, n_arms=2, rng=np.random.default_rng(0))
    >>> policy.learn_from_log(np.zeros((1, 10), int), np.zeros((1, 10), int), np.zeros((1, 10)))
    >>> round(float(policy.p_follow[0, 0]), 3)     # P(y | x = 0): 0 wins in 10, Beta(1, 1) prior
    0.083
    """

    name = "causal TS"

    def __init__(self) -> None:
        super().__init__(n_contexts=2)

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None:
        if n_arms != 2:
            raise CourseError(f"CausalThompson is defined for two arms, got n_arms={n_arms}")
        super().start(n_runs, n_arms, rng)
        self.p_follow: np.ndarray = np.full((n_runs, 2), 0.5)  # Q2 = P(y | x) per run and intuition

    def learn_from_log(self, contexts: np.ndarray, arms: np.ndarray, rewards: np.ndarray) -> None:
        for ctx in (0, 1):
            for arm in (0, 1):
                played = (contexts == ctx) & (arms == arm)
                wins = (rewards.astype(bool) & played).sum(axis=1)
                self.wins[:, ctx, arm] += wins
                self.losses[:, ctx, arm] += played.sum(axis=1) - wins
        follow = self.wins[:, [0, 1], [0, 1]]
        self.p_follow = follow / (follow + self.losses[:, [0, 1], [0, 1]])

    def choose(self, context: np.ndarray | None = None) -> np.ndarray:
        intuition = self._context(context)
        runs, other = self.runs, 1 - intuition
        theta = self.rng.beta(self.wins[runs, intuition], self.losses[runs, intuition])
        q1 = self.wins[runs, intuition, other] / (
            self.wins[runs, intuition, other] + self.losses[runs, intuition, other]
        )
        q2 = self.p_follow[runs, intuition]
        weight = np.ones((len(runs), 2))
        penalised = np.where(q1 > q2, intuition, other)
        weight[runs, penalised] = 1 - np.abs(q1 - q2)
        return (theta * weight).argmax(axis=1)


class UCB:
    """UCB: pull every arm once, then the highest index mean + sqrt(alpha log t / 2n).

    Exact ties go to a random order of the arms fixed at the start. ``recommend`` returns
    the arm with the highest empirical mean.

    Example
    -------
    >>> policy = UCB()
    >>> policy.start(n_runs=2, n_arms=3, rng=np.random.default_rng(0))
    >>> policy.choose().tolist()      # the first rounds pull the arms in turn
    [0, 0]
    """

    name = "UCB"

    def __init__(self, alpha: float = 2.0) -> None:
        if not alpha > 0:
            raise CourseError(f"alpha must be positive, got {alpha!r}")
        self.alpha = alpha

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None:
        self.rng, self.runs, self.t = rng, np.arange(n_runs), 0
        self.wins = np.zeros((n_runs, n_arms))
        self.pulls = np.zeros((n_runs, n_arms))
        self.priority = rng.random((n_runs, n_arms)) * 1e-9  # a random, fixed order for ties

    def choose(self, context: np.ndarray | None = None) -> np.ndarray:
        n_arms = self.wins.shape[1]
        if self.t < n_arms:
            return np.full(len(self.runs), self.t)
        bonus = np.sqrt(self.alpha * np.log(self.t) / (2 * self.pulls))
        return (self.wins / self.pulls + bonus + self.priority).argmax(axis=1)

    def update(
        self, arms: np.ndarray, rewards: np.ndarray, context: np.ndarray | None = None
    ) -> None:
        self.wins[self.runs, arms] += rewards
        self.pulls[self.runs, arms] += 1
        self.t += 1

    def recommend(self) -> np.ndarray:
        return argmax_random(self.wins / np.maximum(self.pulls, 1), self.rng)


_BUILT_IN = {
    "ts": ThompsonSampling,
    "ts_intuition": ContextualThompson,
    "causal_ts": CausalThompson,
}


def _as_policy(policy: object) -> Policy:
    if isinstance(policy, str):
        if policy not in _BUILT_IN:
            raise UnknownNameError(
                f"unknown policy {policy!r}; choose one of {list(CASINO_POLICIES)} "
                "or pass an object with start, choose and update"
            )
        return _BUILT_IN[policy]()
    missing = [m for m in ("start", "choose", "update") if not callable(getattr(policy, m, None))]
    if missing:
        raise CourseError(
            f"a policy needs the methods start, choose and update; "
            f"{type(policy).__name__} lacks {', '.join(missing)}"
        )
    return policy  # type: ignore[return-value]


def _checked_arms(policy: object, arms: object, n_runs: int, n_arms: int) -> np.ndarray:
    out = np.asarray(arms)
    if out.shape != (n_runs,) or out.dtype.kind not in "iu" or out.min() < 0 or out.max() >= n_arms:
        raise CourseError(
            f"{type(policy).__name__}.choose must return {n_runs} integer arms in "
            f"0..{n_arms - 1} (one per run), got {out.dtype} array of shape {out.shape}"
        )
    return out


def simulate_casino(
    policy: str | Policy,
    n_rounds: int,
    n_runs: int,
    rng: np.random.Generator,
    payout: np.ndarray = CASINO_PAYOUT,
    n_observational: int = 1000,
) -> CasinoRuns:
    """Play one policy in ``n_runs`` independent greedy casinos for ``n_rounds`` rounds each.

    ``policy`` is any object with the protocol of the module docstring, or the name of a
    built-in one: ``"ts"`` (:class:`ThompsonSampling`, ignoring the intuition),
    ``"ts_intuition"`` (:class:`ContextualThompson`, the intuition as context) or
    ``"causal_ts"`` (:class:`CausalThompson`). Each round draws D and B in every casino and
    shows the policy the intuition as its context; the runs act in parallel. A policy with
    a ``learn_from_log`` method first receives ``n_observational`` logged rounds of drunk
    play per run (gamblers following their intuition). The policy gets its own random
    stream, split off ``rng`` first, so policies run with equal seeds face the same
    casinos, the same log and the same reward draws: their runs can be compared in pairs.

    Example
    -------
    >>> runs = simulate_casino("causal_ts", 300, 50, np.random.default_rng(0))
    >>> runs.payout.shape, bool(runs.payout[:, -100:].mean() > 0.42)
    ((50, 300), True)
    """
    player = _as_policy(policy)
    _check_count("n_rounds", n_rounds)
    _check_count("n_runs", n_runs)
    _check_count("n_observational", n_observational, minimum=0)
    payout = _check_payout(payout)
    # The policy draws from its own stream, split off first, so that two policies run with
    # the same seed meet the same log, gamblers and reward draws (common random numbers).
    player.start(n_runs, 2, np.random.default_rng(rng.integers(2**63)))
    learn = getattr(player, "learn_from_log", None)
    if callable(learn) and n_observational > 0:
        # Observational log: gamblers played their intuition x.
        d, b = rng.integers(0, 2, (2, n_runs, n_observational))
        x = casino_intuition(d, b)
        learn(x, x, rng.random((n_runs, n_observational)) < payout[x, d, b])
    records = {
        key: np.zeros((n_runs, n_rounds)) for key in ("optimal", "payout", "regret", "reward")
    }
    for t in range(n_rounds):
        d, b = rng.integers(0, 2, (2, n_runs))
        intuition = casino_intuition(d, b)
        arm = _checked_arms(player, player.choose(intuition), n_runs, 2)
        p_arm = payout[arm, d, b]
        p_best = payout[:, d, b].max(axis=0)
        reward = rng.random(n_runs) < p_arm
        player.update(arm, reward, intuition)
        records["optimal"][:, t] = p_arm == p_best
        records["payout"][:, t] = p_arm
        records["regret"][:, t] = p_best - p_arm
        records["reward"][:, t] = reward
    return CasinoRuns(**records)


def simple_regret(
    policy: Policy, means: np.ndarray, horizon: int, n_runs: int, rng: np.random.Generator
) -> np.ndarray:
    """Play ``policy`` on Bernoulli arms for ``horizon`` rounds; the simple regret of each run.

    The policy must also have ``recommend()`` (see the module docstring); the regret is the
    best arm's mean minus the mean of the arm recommended at the end.

    Example
    -------
    >>> regret = simple_regret(ThompsonSampling(), np.array([0.2, 0.8]), 50, 100,
    ...                        np.random.default_rng(0))
    >>> regret.shape, float(regret.mean()) < 0.05
    ((100,), True)
    """
    player = _as_policy(policy)
    if not callable(getattr(player, "recommend", None)):
        raise CourseError(
            f"simple_regret needs a policy with recommend(); {type(player).__name__} has none"
        )
    means = _check_means(means)
    _check_count("horizon", horizon)
    _check_count("n_runs", n_runs)
    player.start(n_runs, means.size, rng)
    for _ in range(horizon):
        arms = _checked_arms(player, player.choose(), n_runs, means.size)
        player.update(arms, rng.random(n_runs) < means[arms])
    best = _checked_arms(player, player.recommend(), n_runs, means.size)  # type: ignore[attr-defined]
    return means.max() - means[best]


# --------------------------------------------------------------------------- parallel bandit


def parallel_q(n_vars: int, m: int) -> np.ndarray:
    """P(X_i = 1) in Lattimore et al.'s experiment: 0 for the first ``m`` causes, 1/2 for the rest.

    Example
    -------
    >>> parallel_q(5, 2).tolist()
    [0.0, 0.0, 0.5, 0.5, 0.5]
    """
    _check_count("n_vars", n_vars)
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 0 <= m <= n_vars:
        raise CourseError(f"m must lie between 0 and n_vars = {n_vars}, got {m}")
    q = np.full(n_vars, 0.5)
    q[:m] = 0.0
    return q


def _check_parallel(q: np.ndarray, epsilon: float) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    if q.ndim != 1 or q.size < 1:
        raise CourseError("q must be a non-empty vector of probabilities P(X_i = 1)")
    if np.any((q < 0) | (q > 1)):
        raise CourseError(f"q must lie in [0, 1]; got values {q[(q < 0) | (q > 1)].tolist()}")
    if q[0] > 0.5:
        raise CourseError(f"q[0] = {q[0]} must be at most 1/2 so that the reward stays in [0, 1]")
    if not 0 <= epsilon <= 0.5:
        raise CourseError(f"epsilon must lie in [0, 1/2], got {epsilon}")
    return q


def parallel_means(q: np.ndarray, epsilon: float) -> np.ndarray:
    """Expected reward of each arm: do(X_i = 0) for i = 1..N, then do(X_i = 1), then do().

    Y ~ Bernoulli(1/2 + epsilon) if X_1 = 1, else Bernoulli(1/2 - epsilon'), with
    epsilon' = q_1 epsilon / (1 - q_1), so that every arm except do(X_1 = 1) pays 1/2 or less.

    Example
    -------
    >>> parallel_means(parallel_q(2, 1), 0.3).round(2).tolist()
    [0.5, 0.5, 0.8, 0.5, 0.5]
    """
    q = _check_parallel(q, epsilon)
    n = q.size
    eps_minus = epsilon * q[0] / (1 - q[0])
    high, low = 0.5 + epsilon, 0.5 - eps_minus
    observational = q[0] * high + (1 - q[0]) * low
    means = np.full(2 * n + 1, observational)
    means[0], means[n] = low, high
    return means


def estimate_m(p_hat: np.ndarray) -> np.ndarray:
    """Lattimore et al.'s m(q): the smallest tau with at most tau arms of frequency below 1/tau.

    ``p_hat`` holds, per run (row), the estimated probability that each arm's intervention
    happens naturally. A small m means few arms are rarely observed, so observation alone
    estimates almost every arm.

    Example
    -------
    >>> estimate_m(np.array([[0.0, 0.0, 1.0, 1.0, 0.5, 0.5, 1.0]])).tolist()
    [2]
    """
    p_hat = np.atleast_2d(np.asarray(p_hat, dtype=float))
    if p_hat.ndim != 2 or p_hat.shape[1] < 1 or np.any((p_hat < 0) | (p_hat > 1)):
        raise CourseError(f"p_hat must hold frequencies in [0, 1], one row per run, got {p_hat!r}")
    k = p_hat.shape[1]
    ordered = np.sort(p_hat, axis=1)
    # at most tau arms lie below 1/tau  <=>  the (tau + 1)-th smallest frequency is at least 1/tau
    enough = np.column_stack(
        [ordered[:, 1:] >= 1.0 / np.arange(1, k), np.ones(len(p_hat), dtype=bool)]
    )
    return np.argmax(enough, axis=1) + 1


def parallel_causal(
    q: np.ndarray, epsilon: float, horizon: int, n_sims: int, rng: np.random.Generator
) -> np.ndarray:
    """Simple regret of Lattimore et al.'s Algorithm 1 in ``n_sims`` independent runs.

    First half of the budget: do nothing and observe (X, Y); every arm do(X_i = j) is
    estimated by the mean of Y over the rounds where X_i = j happened naturally (valid because
    the causes are unconfounded). Arms whose estimated frequency is at most 1/m-hat get the
    second half of the budget as real interventions, shared equally. Recommend the best
    estimate; return its gap to the best arm.

    Example
    -------
    >>> regret = parallel_causal(parallel_q(50, 2), 0.3, 400, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    q = _check_parallel(q, epsilon)
    if horizon < 2 or n_sims < 1:
        raise CourseError(
            f"horizon must be at least 2 and n_sims positive, got {horizon} and {n_sims}"
        )
    means = parallel_means(q, epsilon)
    half = horizon // 2
    eps_minus = epsilon * q[0] / (1 - q[0])
    # The observational half, summarised by its sufficient statistics (exact in distribution):
    # how often X_1 = 1, Y's successes given X_1, and for the other causes, which are independent
    # of Y, how many of the successful and of the failed rounds had X_i = 1.
    ones_1 = rng.binomial(half, q[0], n_sims)
    wins_1 = rng.binomial(ones_1, 0.5 + epsilon)
    wins_total = wins_1 + rng.binomial(half - ones_1, 0.5 - eps_minus)
    ones_in_wins = rng.binomial(wins_total[:, None], q[1:])
    ones = np.column_stack(
        [ones_1, ones_in_wins + rng.binomial((half - wins_total)[:, None], q[1:])]
    )
    wins_one = np.column_stack([wins_1, ones_in_wins])
    trials = np.hstack([half - ones, ones, np.full((n_sims, 1), half)])
    wins = np.hstack([wins_total[:, None] - wins_one, wins_one, wins_total[:, None]])
    rare = trials / half <= 1.0 / estimate_m(trials / half)[:, None]
    pulls = half // np.maximum(rare.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu_hat = np.where(rare, rng.binomial(pulls[:, None], means) / pulls[:, None], wins / trials)
    best = argmax_random(mu_hat, rng)
    regret = means.max() - means[best]
    return regret


def successive_rejects(
    means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator
) -> np.ndarray:
    """Simple regret of successive rejects (Audibert, Bubeck & Munos, 2010) on Bernoulli arms.

    K - 1 phases; in phase k every surviving arm is pulled until it has n_k pulls,
    n_k = ceil((T - K) / (logbar(K) (K + 1 - k))), then the empirically worst arm is dropped.
    Returns NaN regrets when the horizon does not exceed the number of arms.

    Example
    -------
    >>> regret = successive_rejects(np.array([0.5, 0.5, 0.9]), 60, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    means = _check_means(means)
    _check_count("horizon", horizon)
    _check_count("n_sims", n_sims)
    k = means.size
    if horizon <= k:
        return np.full(n_sims, np.nan)
    logbar = 0.5 + (1.0 / np.arange(2, k + 1)).sum()
    n_k = np.concatenate([[0], np.ceil((horizon - k) / (logbar * np.arange(k, 1, -1)))]).astype(int)
    wins = np.zeros((n_sims, k))
    pulls = np.zeros((n_sims, k))
    active = np.ones((n_sims, k), dtype=bool)
    rows = np.arange(n_sims)
    for extra in np.diff(n_k):
        wins += active * rng.binomial(extra, np.broadcast_to(means, (n_sims, k)))
        pulls += active * extra
        mu = np.where(active, wins / np.maximum(pulls, 1), np.inf)
        active[rows, argmax_random(-mu, rng)] = False
    best = active.argmax(axis=1)
    return means.max() - means[best]


def ucb_simple(
    means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator, alpha: float = 2.0
) -> np.ndarray:
    """Simple regret of :class:`UCB` (index mean + sqrt(alpha log t / 2n)), recommending the best
    mean.

    Every arm is pulled once, then the arm with the highest index each round; at the end the
    arm with the highest empirical mean is recommended. NaN when horizon <= number of arms.

    Example
    -------
    >>> regret = ucb_simple(np.array([0.5, 0.9]), 100, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    means = _check_means(means)
    _check_count("horizon", horizon)
    _check_count("n_sims", n_sims)
    if horizon <= means.size:
        return np.full(n_sims, np.nan)
    return simple_regret(UCB(alpha), means, horizon, n_sims, rng)


def thompson_simple(
    means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator
) -> np.ndarray:
    """Simple regret of Bernoulli :class:`ThompsonSampling`, recommending the best posterior mean.

    Each round samples a payout from every arm's Beta(1, 1)-prior posterior and pulls the
    largest; at the end the arm with the highest posterior mean is recommended.

    Example
    -------
    >>> regret = thompson_simple(np.array([0.5, 0.9]), 100, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    return simple_regret(ThompsonSampling(), means, horizon, n_sims, rng)
