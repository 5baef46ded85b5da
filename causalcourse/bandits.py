"""Causal bandits: environments, policies and a simulator vectorised over independent runs.

Two problems from the causal-bandit literature, written out by hand because writing them is
the lesson. The *greedy casino* (Bareinboim, Forney & Pearl, 2015) is a two-armed bandit
whose payouts depend on two unobserved binary factors that also drive the gambler's
intuition; :func:`simulate_casino` plays Thompson sampling, Thompson sampling with the
intuition as context, and causal Thompson sampling on many independent casinos at once.
The *parallel bandit* (Lattimore, Lattimore & Reid, 2016) has N independent binary causes
of a reward; :func:`parallel_causal` is their Algorithm 1 and :func:`successive_rejects`,
:func:`ucb_simple` and :func:`thompson_simple` are the baselines. Every function takes a
numpy ``Generator`` and returns per-run arrays, one row per run, so a learner can average
and draw bands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CASINO_PAYOUT",
    "CASINO_POLICIES",
    "CasinoRuns",
    "casino_intuition",
    "casino_rates",
    "simulate_casino",
    "parallel_q",
    "parallel_means",
    "estimate_m",
    "parallel_causal",
    "successive_rejects",
    "ucb_simple",
    "thompson_simple",
]

#: P(Y = 1 | do(X = arm), D = d, B = b), indexed ``[arm, d, b]``; arm 0 is M1, arm 1 is M2.
CASINO_PAYOUT: np.ndarray = np.array([[[0.1, 0.5], [0.4, 0.2]],
                                      [[0.5, 0.1], [0.2, 0.4]]])
CASINO_POLICIES: tuple[str, ...] = ("ts", "ts_intuition", "causal_ts")


def _check_payout(payout: np.ndarray) -> np.ndarray:
    payout = np.asarray(payout, dtype=float)
    if payout.shape != (2, 2, 2):
        raise ValueError(f"payout table must have shape (arm, d, b) = (2, 2, 2), got {payout.shape}")
    if np.any((payout < 0) | (payout > 1)):
        raise ValueError("payout probabilities must lie in [0, 1]")
    return payout


def _check_prob(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


def casino_intuition(d: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """The gambler's intuition: machine 0 (M1) when blinking equals drunkenness, else 1 (M2).

    This is the observational policy of the greedy casino: drunk gamblers follow their
    intuition, and the casino has tuned the machines so that the intuition loses.

    Example
    -------
    >>> casino_intuition(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])).tolist()
    [0, 1, 1, 0]
    """
    return (np.asarray(d) != np.asarray(b)).astype(int)


def casino_rates(payout: np.ndarray = CASINO_PAYOUT, p_d: float = 0.5, p_b: float = 0.5) -> dict[str, float]:
    """Exact payout rates of the greedy casino under the policies the chapter compares.

    ``observational``: follow the intuition; ``do(M1)``/``do(M2)``: always play one machine;
    ``counter-intuitive``: play the machine the intuition does *not* pick; ``optimal``: the best
    machine for each (D, B), which a player who could see D and B would choose.

    Example
    -------
    >>> {k: round(v, 2) for k, v in casino_rates().items()}
    {'observational': 0.15, 'do(M1)': 0.3, 'do(M2)': 0.3, 'counter-intuitive': 0.45, 'optimal': 0.45}
    """
    payout = _check_payout(payout)
    _check_prob("p_d", p_d)
    _check_prob("p_b", p_b)
    weight = np.outer([1 - p_d, p_d], [1 - p_b, p_b])           # P(d, b)
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


def simulate_casino(
    policy: str,
    n_rounds: int,
    n_runs: int,
    rng: np.random.Generator,
    payout: np.ndarray = CASINO_PAYOUT,
    n_observational: int = 1000,
) -> CasinoRuns:
    """Play one policy in ``n_runs`` independent greedy casinos for ``n_rounds`` rounds each.

    Policies: ``"ts"`` (Thompson sampling on the two machines, Beta(1, 1) priors, ignoring
    the intuition); ``"ts_intuition"`` (one such sampler per intuition, i.e. the intuition as
    context); ``"causal_ts"`` (Bareinboim et al.'s Algorithm 1: per intuition x, the arm
    x is seeded with ``n_observational`` logged rounds of drunk play, because
    E[Y_x | X = x] = P(y | x) by consistency, and the sampled payouts are down-weighted by
    1 - |Q1 - Q2| towards the arm the counterfactual E[Y_x' | x] (Q1) versus P(y | x) (Q2)
    favours). Each round draws D and B, the runs then act in parallel.

    Example
    -------
    >>> runs = simulate_casino("causal_ts", 300, 50, np.random.default_rng(0))
    >>> runs.payout.shape, bool(runs.payout[:, -100:].mean() > 0.42)
    ((50, 300), True)
    """
    if policy not in CASINO_POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose one of {list(CASINO_POLICIES)}")
    if n_rounds < 1 or n_runs < 1:
        raise ValueError(f"n_rounds and n_runs must be positive, got {n_rounds} and {n_runs}")
    payout = _check_payout(payout)
    runs = np.arange(n_runs)
    success = np.ones((n_runs, 2, 2))                 # Beta counts [run, context, arm]
    failure = np.ones((n_runs, 2, 2))
    p_follow = None
    if policy == "causal_ts":
        # Observational log: gamblers played their intuition x; P(y | x) per run from the log.
        d, b = rng.integers(0, 2, (2, n_runs, n_observational))
        x = casino_intuition(d, b)
        y = rng.random((n_runs, n_observational)) < payout[x, d, b]
        for ctx in (0, 1):
            n_ctx = (x == ctx).sum(axis=1)
            wins = (y & (x == ctx)).sum(axis=1)
            success[:, ctx, ctx] += wins
            failure[:, ctx, ctx] += n_ctx - wins
        p_follow = success[:, [0, 1], [0, 1]] / (success[:, [0, 1], [0, 1]] + failure[:, [0, 1], [0, 1]])
    records = {key: np.zeros((n_runs, n_rounds)) for key in ("optimal", "payout", "regret", "reward")}
    for t in range(n_rounds):
        d, b = rng.integers(0, 2, (2, n_runs))
        intuition = casino_intuition(d, b)
        ctx = np.zeros(n_runs, dtype=int) if policy == "ts" else intuition
        theta = rng.beta(success[runs, ctx], failure[runs, ctx])        # (n_runs, 2)
        if policy == "causal_ts":
            other = 1 - intuition
            q1 = success[runs, intuition, other] / (success[runs, intuition, other] + failure[runs, intuition, other])
            q2 = p_follow[runs, intuition]
            weight = np.ones((n_runs, 2))
            penalised = np.where(q1 > q2, intuition, other)
            weight[runs, penalised] = 1 - np.abs(q1 - q2)
            theta = theta * weight
        arm = theta.argmax(axis=1)
        p_arm = payout[arm, d, b]
        p_best = payout[:, d, b].max(axis=0)
        reward = rng.random(n_runs) < p_arm
        success[runs, ctx, arm] += reward
        failure[runs, ctx, arm] += ~reward
        records["optimal"][:, t] = p_arm == p_best
        records["payout"][:, t] = p_arm
        records["regret"][:, t] = p_best - p_arm
        records["reward"][:, t] = reward
    return CasinoRuns(**records)


# --------------------------------------------------------------------------- parallel bandit

def parallel_q(n_vars: int, m: int) -> np.ndarray:
    """P(X_i = 1) in Lattimore et al.'s experiment: 0 for the first ``m`` causes, 1/2 for the rest.

    Example
    -------
    >>> parallel_q(5, 2).tolist()
    [0.0, 0.0, 0.5, 0.5, 0.5]
    """
    if n_vars < 1:
        raise ValueError(f"n_vars must be positive, got {n_vars}")
    if not 0 <= m <= n_vars:
        raise ValueError(f"m must lie between 0 and n_vars = {n_vars}, got {m}")
    q = np.full(n_vars, 0.5)
    q[:m] = 0.0
    return q


def _check_parallel(q: np.ndarray, epsilon: float) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    if q.ndim != 1 or q.size < 1:
        raise ValueError("q must be a non-empty vector of probabilities P(X_i = 1)")
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"q must lie in [0, 1]; got values {q[(q < 0) | (q > 1)].tolist()}")
    if q[0] > 0.5:
        raise ValueError(f"q[0] = {q[0]} must be at most 1/2 so that the reward stays in [0, 1]")
    if not 0 <= epsilon <= 0.5:
        raise ValueError(f"epsilon must lie in [0, 1/2], got {epsilon}")
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


def _argmax_random(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise argmax with ties broken uniformly at random (NaN never wins)."""
    values = np.where(np.isnan(values), -np.inf, values)
    top = values == values.max(axis=1, keepdims=True)
    return np.argmax(top * rng.random(values.shape), axis=1)


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
    k = p_hat.shape[1]
    ordered = np.sort(p_hat, axis=1)
    # at most tau arms lie below 1/tau  <=>  the (tau + 1)-th smallest frequency is at least 1/tau
    enough = np.column_stack([ordered[:, 1:] >= 1.0 / np.arange(1, k), np.ones(len(p_hat), dtype=bool)])
    return np.argmax(enough, axis=1) + 1


def parallel_causal(q: np.ndarray, epsilon: float, horizon: int, n_sims: int,
                    rng: np.random.Generator) -> np.ndarray:
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
        raise ValueError(f"horizon must be at least 2 and n_sims positive, got {horizon} and {n_sims}")
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
    ones = np.column_stack([ones_1, ones_in_wins + rng.binomial((half - wins_total)[:, None], q[1:])])
    wins_one = np.column_stack([wins_1, ones_in_wins])
    trials = np.hstack([half - ones, ones, np.full((n_sims, 1), half)])
    wins = np.hstack([wins_total[:, None] - wins_one, wins_one, wins_total[:, None]])
    rare = trials / half <= 1.0 / estimate_m(trials / half)[:, None]
    pulls = half // np.maximum(rare.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu_hat = np.where(rare, rng.binomial(pulls[:, None], means) / pulls[:, None], wins / trials)
    best = _argmax_random(mu_hat, rng)
    regret = means.max() - means[best]
    return regret


def successive_rejects(means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator) -> np.ndarray:
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
    means = np.asarray(means, dtype=float)
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
        active[rows, _argmax_random(-mu, rng)] = False
    best = active.argmax(axis=1)
    return means.max() - means[best]


def ucb_simple(means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator,
               alpha: float = 2.0) -> np.ndarray:
    """Simple regret of UCB (index mean + sqrt(alpha log t / 2n)), recommending the best mean.

    Every arm is pulled once, then the arm with the highest index each round; at the end the
    arm with the highest empirical mean is recommended. NaN when horizon <= number of arms.

    Example
    -------
    >>> regret = ucb_simple(np.array([0.5, 0.9]), 100, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    means = np.asarray(means, dtype=float)
    k = means.size
    if horizon <= k:
        return np.full(n_sims, np.nan)
    rows = np.arange(n_sims)
    pulls = np.ones((n_sims, k))
    wins = (rng.random((n_sims, k)) < means).astype(float)
    priority = rng.random((n_sims, k)) * 1e-9            # ties go to a random, fixed order of the arms
    for t in range(k, horizon):
        index = wins / pulls + np.sqrt(alpha * np.log(t) / (2 * pulls)) + priority
        arm = index.argmax(axis=1)
        wins[rows, arm] += rng.random(n_sims) < means[arm]
        pulls[rows, arm] += 1
    return means.max() - means[_argmax_random(wins / pulls, rng)]


def thompson_simple(means: np.ndarray, horizon: int, n_sims: int, rng: np.random.Generator) -> np.ndarray:
    """Simple regret of Bernoulli Thompson sampling (Beta(1, 1) priors), recommending the best mean.

    Each round samples a payout from every arm's Beta posterior and pulls the largest; at the
    end the arm with the highest posterior mean is recommended.

    Example
    -------
    >>> regret = thompson_simple(np.array([0.5, 0.9]), 100, 200, np.random.default_rng(0))
    >>> float(regret.mean()) < 0.05
    True
    """
    means = np.asarray(means, dtype=float)
    k = means.size
    rows = np.arange(n_sims)
    wins = np.ones((n_sims, k))
    losses = np.ones((n_sims, k))
    for _ in range(horizon):
        arm = rng.beta(wins, losses).argmax(axis=1)
        reward = rng.random(n_sims) < means[arm]
        wins[rows, arm] += reward
        losses[rows, arm] += ~reward
    return means.max() - means[_argmax_random(wins / (wins + losses), rng)]
