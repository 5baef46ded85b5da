"""Decisions over time: evaluating a treatment strategy, and giving credit to the actions.

Two lessons of chapter 13, each on a small model whose every number is known exactly.

**The g-formula.** :class:`TwoStepTrial` is Robins' (1986) setting: treatment is decided
twice, and between the two decisions a measurement ``L1`` is taken that the first treatment
affects and that drives the second decision; an unmeasured frailty ``U`` affects ``L1`` and
the outcome. The value of a :class:`Regime` (a rule for both decisions, possibly depending on
what was measured) is known exactly (:meth:`TwoStepTrial.value`). From a log of the observed
variables, :func:`naive_value` (the units that happened to follow the regime) and
:func:`adjusted_value` (every covariate adjusted for as if it were measured at baseline) are
biased; :func:`g_formula` (Robins' g-computation formula, a plug-in of cell means) and
:func:`sequential_ipw` (inverse-probability weights from main-effects logistic regressions)
are not. The estimators are hand-written because they are the lesson; the tests check them
against the exact values, and the logistic fits (Newton's method on cell counts, vectorised
over logs) against statsmodels' ``Logit``.

**Credit assignment.** :class:`KeyDoor` is a small episodic task in the style of the
key-to-door tasks of the credit-assignment literature (Hung et al. 2019; Mesnard et al. 2021):
pick up a key (which may slip), then eat or skip apples of random value, and a door at the end
pays if the key was picked up. Its noise is explicit — :meth:`KeyDoor.draw_noise` — and
:meth:`KeyDoor.scm` writes one episode as a course :class:`~causalcourse.scm.SCM`, so that a
counterfactual replay is ``scm.do({"A0": 1}).sample(noise=u)``. The agents follow the protocol
of :mod:`causalcourse.rl` (``start``, ``act``, ``update``, ``end_episode``; plus
``observe_noise(noise)``, which :func:`train` calls before ``end_episode`` for agents that
have it): :class:`Reinforce` gives each action the return that followed it minus a baseline;
:class:`ReplayCredit` gives it the difference between the return and the return of a replay
with the other action — with the *same* noise (counterfactual credit: Buesing et al. 2019 infer
the noise with a model of the environment; Mesnard et al. 2021 avoid a model and learn a
summary of the episode's luck that must not depend on the action) or with fresh noise (an
interventional estimate with the same number of simulator calls). All are tabular softmax
policies vectorised over runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.scm import SCM, Mechanism, bernoulli_threshold, normal, uniform

__all__ = [
    "Regime",
    "REGIMES",
    "TwoStepTrial",
    "naive_value",
    "adjusted_value",
    "g_formula",
    "sequential_ipw",
    "KeyDoor",
    "Reinforce",
    "ReplayCredit",
    "Training",
    "train",
    "episodes_to_reach",
]

Array = np.ndarray


# --------------------------------------------------------------------------- the g-formula


@dataclass(frozen=True)
class Regime:
    """A treatment strategy for two decisions: ``a0 = first(l0)``, ``a1 = second(l0, a0, l1)``.

    Both rules act on numpy arrays of 0/1 values (one entry per patient) and return 0/1 arrays.
    :meth:`static` makes the regime "treat ``a0`` at step 1 and ``a1`` at step 2, whatever is
    measured".

    Example
    -------
    >>> late = Regime("treat late if worse", lambda l0: 0 * l0, lambda l0, a0, l1: l1)
    >>> late.second(np.array([0, 1]), np.array([0, 0]), np.array([1, 0])).tolist()
    [1, 0]
    """

    name: str
    first: Callable[[Array], Array]
    second: Callable[[Array, Array, Array], Array]

    @classmethod
    def static(cls, a0: int, a1: int, name: str | None = None) -> Regime:
        """Always ``a0`` at step 1 and ``a1`` at step 2.

        Example
        -------
        >>> Regime.static(1, 0).name
        'treat 1, 0'
        """
        if a0 not in (0, 1) or a1 not in (0, 1):
            raise CourseError(f"a static regime sets each treatment to 0 or 1, got {a0!r}, {a1!r}")
        return cls(
            name or f"treat {a0}, {a1}",
            lambda l0: np.full(np.shape(l0), a0),
            lambda l0, a0_, l1: np.full(np.shape(l1), a1),
        )

    def actions(self, l0: Array, l1: Array) -> tuple[Array, Array]:
        """The regime's two treatments for patients with measurements ``l0`` and ``l1``."""
        a0 = np.asarray(self.first(np.asarray(l0)))
        a1 = np.asarray(self.second(np.asarray(l0), a0, np.asarray(l1)))
        for name, a in (("first", a0), ("second", a1)):
            if a.shape != np.shape(l0) or not np.isin(a, (0, 1)).all():
                raise CourseError(
                    f"regime {self.name!r}: its {name} rule must return one 0/1 treatment per "
                    f"patient, got shape {a.shape}"
                )
        return a0.astype(int), a1.astype(int)


#: The regimes chapter 13 evaluates.
REGIMES: dict[str, Regime] = {
    "always treat": Regime.static(1, 1, "always treat"),
    "never treat": Regime.static(0, 0, "never treat"),
    "treat late if worse": Regime(
        "treat late if worse", lambda l0: np.zeros(np.shape(l0), int), lambda l0, a0, l1: l1
    ),
    "treat early, then if worse": Regime(
        "treat early, then if worse", lambda l0: np.ones(np.shape(l0), int),
        lambda l0, a0, l1: l1,
    ),
}

LOG_COLUMNS = ("L0", "A0", "L1", "A1", "Y")


@dataclass(frozen=True)
class TwoStepTrial:
    """Two treatment decisions with a time-varying confounder; every variable is 0/1.

    ``L0`` (severe at baseline) and the unmeasured ``U`` (frail) are fair coins. The first
    treatment ``A0`` is given with probability 0.3 + 0.4 L0. The follow-up ``L1`` (worse) has
    probability 0.3 + 0.2 L0 + ``a0_on_l1`` A0 + ``u_on_l1`` U. The second treatment ``A1`` is
    given with probability 0.2 + 0.6 L1. Recovery ``Y`` has probability 0.55 − 0.15 L0 +
    0.1 A0 − ``l1_on_y`` L1 + 0.2 A1 − 0.25 U. So ``L1`` is a confounder of ``A1`` (it drives
    the second decision and, through ``U`` and directly, recovery) *and* a consequence of
    ``A0``. :meth:`scm` is the model as a course SCM (the threshold mechanisms of
    :func:`causalcourse.scm.bernoulli_threshold`); :meth:`value` is a regime's exact value.

    Example
    -------
    >>> trial = TwoStepTrial()
    >>> [round(trial.value(REGIMES[k]), 4) for k in ("always treat", "never treat")]
    [0.5938, 0.2562]
    """

    a0_on_l1: float = -0.25
    u_on_l1: float = 0.45
    l1_on_y: float = 0.15

    def __post_init__(self) -> None:
        for name in ("a0_on_l1", "u_on_l1", "l1_on_y"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CourseError(f"{name} must be a number, got {value!r}")
        grid = np.array(list(itertools.product((0, 1), repeat=5)))
        l0, a0, u, l1, a1 = grid.T
        for what, p in (("L1", self.p_l1(l0, a0, u)), ("Y", self.p_y(l0, a0, l1, a1, u))):
            if np.any((p < 0) | (p > 1)):
                raise CourseError(
                    f"these effects make P({what} = 1) leave [0, 1] (from {p.min():.2f} to "
                    f"{p.max():.2f}); choose smaller effects"
                )

    # the mechanisms, as probabilities of 1 given the parents (vectorised)
    @staticmethod
    def p_a0(l0: Array) -> Array:
        return 0.3 + 0.4 * np.asarray(l0)

    def p_l1(self, l0: Array, a0: Array, u: Array) -> Array:
        return 0.3 + 0.2 * np.asarray(l0) + self.a0_on_l1 * np.asarray(a0) + self.u_on_l1 * u

    @staticmethod
    def p_a1(l1: Array) -> Array:
        return 0.2 + 0.6 * np.asarray(l1)

    def p_y(self, l0: Array, a0: Array, l1: Array, a1: Array, u: Array) -> Array:
        return (0.55 - 0.15 * np.asarray(l0) + 0.1 * np.asarray(a0) - self.l1_on_y * l1
                + 0.2 * np.asarray(a1) - 0.25 * np.asarray(u))

    def scm(self) -> SCM:
        """The trial as a course SCM (U included; a log of it drops U).

        Example
        -------
        >>> TwoStepTrial().scm().nodes
        ['L0', 'U', 'A0', 'L1', 'A1', 'Y']
        """
        return SCM({
            "L0": bernoulli_threshold((), 0.5),
            "U": bernoulli_threshold((), 0.5),
            "A0": bernoulli_threshold(("L0",), self.p_a0),
            "L1": bernoulli_threshold(("L0", "A0", "U"), self.p_l1),
            "A1": bernoulli_threshold(("L1",), self.p_a1),
            "Y": bernoulli_threshold(("L0", "A0", "L1", "A1", "U"), self.p_y),
        })

    def value(self, regime: Regime) -> float:
        """The exact expected recovery if treatment followed ``regime``: sum over L0, U, L1.

        Example
        -------
        >>> round(TwoStepTrial().value(REGIMES["treat late if worse"]), 3)
        0.381
        """
        if not isinstance(regime, Regime):
            raise CourseError(f"value needs a Regime, got {type(regime).__name__}")
        l0, u, l1 = np.array(list(itertools.product((0, 1), repeat=3))).T
        a0, a1 = regime.actions(l0, l1)
        p_l1 = self.p_l1(l0, a0, u)
        weight = 0.25 * np.where(l1 == 1, p_l1, 1 - p_l1)  # P(l0) P(u) P(l1 | l0, a0, u)
        return float((weight * self.p_y(l0, a0, l1, a1, u)).sum())

    def adjusted_limit(self, regime: Regime) -> float:
        """The exact limit of :func:`adjusted_value`: Σ P(l0, l1) E[Y | l0, a0, l1, a1].

        What per-step adjustment estimates with infinitely many patients, by enumeration of
        the observational joint distribution of the binary variables (U summed out); its
        difference from :meth:`value` is the estimator's exact bias.

        Example
        -------
        >>> trial = TwoStepTrial()
        >>> always = REGIMES["always treat"]
        >>> round(trial.adjusted_limit(always) - trial.value(always), 4)
        -0.0353
        """
        if not isinstance(regime, Regime):
            raise CourseError(f"adjusted_limit needs a Regime, got {type(regime).__name__}")
        l0, u, a0, l1, a1 = np.array(list(itertools.product((0, 1), repeat=5))).T

        def bern(p: Array, x: Array) -> Array:
            return np.where(x == 1, p, 1 - p)

        joint = (0.25 * bern(self.p_a0(l0), a0) * bern(self.p_l1(l0, a0, u), l1)
                 * bern(self.p_a1(l1), a1))                  # P(l0, u, a0, l1, a1)
        ey = joint * self.p_y(l0, a0, l1, a1, u)           # P(...) E[Y | l0, u, a0, l1, a1]
        total = 0.0
        for c0, c1 in itertools.product((0, 1), repeat=2):
            r0, r1 = (int(a[0]) for a in regime.actions(np.array([c0]), np.array([c1])))
            cell = (l0 == c0) & (l1 == c1)
            treated = cell & (a0 == r0) & (a1 == r1)
            total += joint[cell].sum() * ey[treated].sum() / joint[treated].sum()
        return float(total)

    def sample_logs(self, n_logs: int, n: int, seed: int) -> dict[str, Array]:
        """``n_logs`` independent logs of ``n`` patients: observed columns, shape (n_logs, n).

        Example
        -------
        >>> logs = TwoStepTrial().sample_logs(3, 100, seed=0)
        >>> sorted(logs), logs["Y"].shape
        (['A0', 'A1', 'L0', 'L1', 'Y'], (3, 100))
        """
        for name, value in (("n_logs", n_logs), ("n", n)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise CourseError(f"{name} must be a positive integer, got {value!r}")
        frame = self.scm().sample(n_logs * n, seed=seed)
        return {c: frame[c].to_numpy().reshape(n_logs, n) for c in LOG_COLUMNS}


def _log(log: Mapping[str, Any]) -> dict[str, Array]:
    """The log's columns as (n_logs, n) integer arrays (one log: n_logs = 1), checked."""
    if not isinstance(log, (Mapping, pd.DataFrame)):
        raise CourseError(f"a log is a table with columns {list(LOG_COLUMNS)}, got {type(log)}")
    missing = [c for c in LOG_COLUMNS if c not in log]
    if missing:
        raise UnknownNameError(f"the log lacks columns {missing}; it needs {list(LOG_COLUMNS)}")
    out = {c: np.atleast_2d(np.asarray(log[c])) for c in LOG_COLUMNS}
    shapes = {v.shape for v in out.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2 or not next(iter(shapes))[1]:
        raise CourseError(
            f"the log's columns must be equally long arrays (n,) or (n_logs, n), got {shapes}"
        )
    for c, v in out.items():
        if not ((v == 0) | (v == 1)).all():
            raise CourseError(f"column {c!r} of the log must hold 0/1 values")
    return {c: v.astype(np.int64) for c, v in out.items()}


def _result(values: Array, log: Mapping[str, Any]) -> Any:
    """One number for one log (1-d columns), an array of one value per log otherwise."""
    first = np.asarray(log[LOG_COLUMNS[0]])
    return float(values[0]) if first.ndim == 1 else values


def _mean(values: Array, where: Array, what: str) -> Array:
    """Mean of ``values`` over ``where`` in every log (rows); an error if some log has none."""
    count = where.sum(axis=1)
    if not count.all():
        raise CourseError(
            f"log {int(np.argmin(count))} has no patient with {what}: the estimate needs overlap"
        )
    return (values * where).sum(axis=1) / count


def naive_value(log: Mapping[str, Any], regime: Regime) -> Any:
    """Mean recovery of the logged patients whose two treatments happen to follow ``regime``.

    ``log`` holds the columns L0, A0, L1, A1, Y: 1-d arrays (one log, a float is returned) or
    (n_logs, n) arrays (many logs, one value each), like every estimator of this module.

    Example
    -------
    >>> logs = TwoStepTrial().sample_logs(20, 5000, seed=1)      # 20 logs: one value each
    >>> round(float(naive_value(logs, REGIMES["always treat"]).mean()), 2)   # truth 0.5938
    0.47
    """
    d = _log(log)
    a0, a1 = regime.actions(d["L0"], d["L1"])
    follows = (d["A0"] == a0) & (d["A1"] == a1)
    return _result(_mean(d["Y"], follows, f"the treatments of {regime.name!r}"), log)


def adjusted_value(log: Mapping[str, Any], regime: Regime) -> Any:
    """Every covariate adjusted for as if at baseline: Σ P(l0, l1) E[Y | l0, a0, l1, a1].

    This is backdoor adjustment for the joint treatment with ``{L0, L1}``, the estimator of a
    one-step problem applied to two steps. It is biased when the first treatment affects L1.

    Example
    -------
    >>> logs = TwoStepTrial().sample_logs(20, 5000, seed=1)      # 20 logs: one value each
    >>> round(float(adjusted_value(logs, REGIMES["always treat"]).mean()), 2)   # truth 0.5938
    0.57
    """
    d = _log(log)
    total = np.zeros(d["Y"].shape[0])
    for l0, l1 in itertools.product((0, 1), repeat=2):
        a0, a1 = (int(a[0]) for a in regime.actions(np.array([l0]), np.array([l1])))
        cell = (d["L0"] == l0) & (d["L1"] == l1)
        treated = cell & (d["A0"] == a0) & (d["A1"] == a1)
        total += cell.mean(axis=1) * _mean(d["Y"], treated, f"L0={l0}, A0={a0}, L1={l1}, A1={a1}")
    return _result(total, log)


def g_formula(log: Mapping[str, Any], regime: Regime) -> Any:
    """Robins' g-formula: Σ_l0 P(l0) Σ_l1 P(l1 | l0, a0) E[Y | l0, a0, l1, a1], a = regime.

    The follow-up ``L1`` is averaged over its distribution *under the regime's first
    treatment*, not over its observed distribution: the regime changes L1, and the formula
    lets it. Each term is a cell mean of the log (a plug-in estimate).

    Example
    -------
    >>> logs = TwoStepTrial().sample_logs(20, 5000, seed=1)      # 20 logs: one value each
    >>> round(float(g_formula(logs, REGIMES["always treat"]).mean()), 2)   # truth 0.5938
    0.6
    """
    d = _log(log)
    total = np.zeros(d["Y"].shape[0])
    for l0 in (0, 1):
        a0 = int(regime.actions(np.array([l0]), np.array([0]))[0][0])
        first = (d["L0"] == l0) & (d["A0"] == a0)
        for l1 in (0, 1):
            a1 = int(regime.actions(np.array([l0]), np.array([l1]))[1][0])
            p_l1 = _mean(d["L1"] == l1, first, f"L0={l0}, A0={a0}")
            treated = first & (d["L1"] == l1) & (d["A1"] == a1)
            y = _mean(d["Y"], treated, f"L0={l0}, A0={a0}, L1={l1}, A1={a1}")
            total += (d["L0"] == l0).mean(axis=1) * p_l1 * y
    return _result(total, log)


def _logistic(y: Array, features: list[Array], iterations: int = 25) -> Array:
    """Fitted P(y = 1) of a main-effects logistic regression in every log (rows).

    The features are binary, so the likelihood depends on the data only through the count of
    patients and of successes in each cell of the features; Newton's method (iteratively
    reweighted least squares) runs on those counts, vectorised over logs. The tests check the
    fit against statsmodels' ``Logit``.
    """
    n_logs, k = y.shape[0], len(features)
    code = np.zeros(y.shape, dtype=np.int64)
    for f in features:
        code = 2 * code + f
    flat = code + (2**k) * np.arange(n_logs)[:, None]
    size = n_logs * 2**k
    count = np.bincount(flat.ravel(), minlength=size).reshape(n_logs, 2**k).astype(float)
    ones = np.bincount(flat.ravel(), weights=y.ravel(), minlength=size).reshape(n_logs, 2**k)
    cells = np.array(list(itertools.product((0, 1), repeat=k)), dtype=float).reshape(2**k, k)
    x = np.column_stack([np.ones(2**k), cells])  # (cells, 1 + k)
    beta = np.zeros((n_logs, k + 1))
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-beta @ x.T))  # (n_logs, cells)
        hessian = np.einsum("ck,lc,cj->lkj", x, count * p * (1 - p), x)
        gradient = (ones - count * p) @ x
        beta = beta + np.linalg.solve(hessian, gradient[..., None])[..., 0]
    fitted = 1 / (1 + np.exp(-beta @ x.T))
    return np.take_along_axis(fitted, code, axis=1)


def sequential_ipw(log: Mapping[str, Any], regime: Regime) -> Any:
    """Sequential inverse-probability weighting: mean of Y 1[A = regime] / (P(a0 | l0) P(a1 | ...)).

    The propensities P(A0 | L0) and P(A1 | L0, A0, L1) are fitted by logistic regressions with
    main effects (Newton's method, vectorised over logs; the tests compare it with
    statsmodels); each patient who followed the regime at both steps stands for 1 / (the
    product of the probabilities of the treatments received) patients.

    Example
    -------
    >>> logs = TwoStepTrial().sample_logs(20, 5000, seed=1)      # 20 logs: one value each
    >>> round(float(sequential_ipw(logs, REGIMES["always treat"]).mean()), 2)   # truth 0.5938
    0.61
    """
    d = _log(log)
    a0, a1 = regime.actions(d["L0"], d["L1"])
    p0 = _logistic(d["A0"], [d["L0"]])
    p1 = _logistic(d["A1"], [d["L0"], d["A0"], d["L1"]])
    e0 = np.where(d["A0"] == 1, p0, 1 - p0)
    e1 = np.where(d["A1"] == 1, p1, 1 - p1)
    followed = (d["A0"] == a0) & (d["A1"] == a1)
    if not followed.any(axis=1).all():
        raise CourseError(f"some log has no patient who follows {regime.name!r}: IPW needs overlap")
    return _result(np.mean(d["Y"] * followed / (e0 * e1), axis=1), log)


# --------------------------------------------------------------------------- credit assignment


@dataclass(frozen=True)
class KeyDoor:
    """An episodic task with delayed reward and distracting noise, its noise explicit.

    Step 0: pick up a key (action 1) or not; a pick-up succeeds when ``U_pickup <
    p_pickup``. Steps 1..``n_apples``: an apple of value ``V_t ~ Normal(apple_mean,
    apple_sd)`` is offered; eating it (action 1) pays ``V_t``. After the last apple a door pays
    ``door`` if the key is held. The agent sees the step and whether it holds the key: state
    ``2 t + key``. All runs of a batch take their steps together.

    Example
    -------
    >>> env = KeyDoor()
    >>> env.n_steps, env.n_states, round(env.optimal_return, 2)
    (6, 12, 1.8)
    """

    n_apples: int = 5
    p_pickup: float = 0.8
    apple_mean: float = 0.2
    apple_sd: float = 1.0
    door: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.n_apples, bool) or not isinstance(self.n_apples, int) or not (
            1 <= self.n_apples <= 20
        ):
            raise CourseError(f"n_apples must be an integer in 1..20, got {self.n_apples!r}")
        if not 0 < self.p_pickup <= 1:
            raise CourseError(f"p_pickup must be a probability above 0, got {self.p_pickup!r}")
        if not self.apple_sd >= 0:
            raise CourseError(f"apple_sd must be non-negative, got {self.apple_sd!r}")

    @property
    def n_steps(self) -> int:
        return 1 + self.n_apples

    @property
    def n_states(self) -> int:
        return 2 * self.n_steps

    n_actions = 2

    @property
    def optimal_return(self) -> float:
        return self.p_pickup * self.door + self.n_apples * max(self.apple_mean, 0.0)

    def draw_noise(self, n_runs: int, rng: np.random.Generator) -> dict[str, Array]:
        """One episode's exogenous noise per run: ``pickup`` (n_runs,), ``apples`` (n_runs, n)."""
        return {
            "pickup": rng.random(n_runs),
            "apples": rng.normal(self.apple_mean, self.apple_sd, (n_runs, self.n_apples)),
        }

    def reset(self, n_runs: int) -> Array:
        return np.zeros(n_runs, dtype=int)

    def step(
        self, states: Array, actions: Array, noise: Mapping[str, Array]
    ) -> tuple[Array, Array]:
        """One step of every run (all at the same step); returns (next states, rewards)."""
        states, actions = np.asarray(states), np.asarray(actions)
        t = int(states[0]) // 2
        if states.shape != actions.shape or not 0 <= t < self.n_steps:
            raise CourseError(
                f"states and actions must be arrays of one length at a step in "
                f"0..{self.n_steps - 1}, got shapes {states.shape} and {actions.shape} at step {t}"
            )
        key = states % 2
        if t == 0:
            key = actions * (noise["pickup"] < self.p_pickup)
            return 2 + key, np.zeros(len(states))
        reward = actions * noise["apples"][:, t - 1]
        if t == self.n_apples:
            reward = reward + self.door * key
        return 2 * (t + 1) + key, reward

    def rollout(
        self,
        p_one: Array,
        noise: Mapping[str, Array],
        action_noise: Array,
        states: Array,
        first_actions: Array,
    ) -> Array:
        """Return-to-go from ``states`` (all at one step) when ``first_actions`` are taken there.

        Later actions follow the policy ``p_one[run, state] = P(action 1)`` through the given
        ``action_noise[:, t]`` (action 1 when the noise is below the probability): the same
        noise and a different first action give the counterfactual continuation.
        """
        runs = np.arange(len(states))
        t0 = int(states[0]) // 2
        total = np.zeros(len(states))
        s, a = np.asarray(states), np.asarray(first_actions)
        for t in range(t0, self.n_steps):
            if t > t0:
                a = (action_noise[:, t] < p_one[runs, s]).astype(int)
            s, r = self.step(s, a, noise)
            total += r
        return total

    def values(self, p_one: Array) -> Array:
        """Exact expected return-to-go V(s) of every state under ``p_one``: (n_runs, n_states)."""
        p_one = np.asarray(p_one, dtype=float)
        v = np.zeros(p_one.shape)
        for key in (0, 1):
            later: Array | float = self.door * key
            for t in range(self.n_apples, 0, -1):
                s = 2 * t + key
                v[:, s] = p_one[:, s] * self.apple_mean + later
                later = v[:, s]
        q1 = self.p_pickup * v[:, 3] + (1 - self.p_pickup) * v[:, 2]
        v[:, 0] = p_one[:, 0] * q1 + (1 - p_one[:, 0]) * v[:, 2]
        return v

    def advantage_of_key(self, p_one: Array) -> Array:
        """Exact Q(0, pick up) − Q(0, leave it) under ``p_one``, one value per run."""
        v = self.values(p_one)
        return self.p_pickup * (v[:, 3] - v[:, 2])

    def expected_return(self, p_one: Array) -> Array:
        """Exact expected return of the policy ``p_one`` (one value per run).

        Example
        -------
        >>> env = KeyDoor()
        >>> env.expected_return(np.full((1, env.n_states), 0.5)).round(2).tolist()
        [0.9]
        """
        p_one = np.asarray(p_one, dtype=float)
        if p_one.ndim != 2 or p_one.shape[1] != self.n_states:
            raise CourseError(
                f"p_one must have shape (n_runs, {self.n_states}), got {p_one.shape}"
            )
        return self.values(p_one)[:, 0]

    def scm(self, p_one: Array) -> SCM:
        """One episode as a course SCM: actions, key, apples, rewards and the return ``G``.

        ``p_one`` is one policy (n_states probabilities of action 1). Every variable has its
        own noise: ``U_A{t}`` for the action at step t (action 1 when it is below the policy's
        probability), ``U_K`` for the pick-up, ``V{t}`` the apples' values.

        Example
        -------
        >>> env = KeyDoor(n_apples=2)
        >>> scm = env.scm(np.full(env.n_states, 0.5))
        >>> scm.nodes[:4]
        ['A0', 'K', 'V1', 'A1']
        """
        p = np.asarray(p_one, dtype=float).ravel()
        if p.shape != (self.n_states,):
            raise CourseError(f"p_one must hold {self.n_states} probabilities, got {p.shape}")
        mech: dict[str, Any] = {
            "A0": bernoulli_threshold((), float(p[0])),
            "K": Mechanism(("A0",), lambda a, u: (a * (u < self.p_pickup)).astype(int),
                           uniform()),
        }
        for t in range(1, self.n_apples + 1):
            mech[f"V{t}"] = Mechanism((), lambda u: u, normal(self.apple_mean, self.apple_sd))
            mech[f"A{t}"] = bernoulli_threshold(("K",), [p[2 * t], p[2 * t + 1]])
            mech[f"R{t}"] = ((f"A{t}", f"V{t}"), lambda a, v: a * v)
        apples = tuple(f"R{t}" for t in range(1, self.n_apples + 1))
        mech["G"] = ((*apples, "K"), lambda *args: sum(args[:-1]) + self.door * args[-1])
        return SCM(mech)


class _TabularPolicy:
    """A softmax (logistic, two actions) policy per state, vectorised over runs.

    ``alpha`` is the step size: one number, or one per run (to sweep step sizes in one batch).
    After each episode, ``credits``, ``last_states`` and ``last_actions`` (n_runs, n_steps)
    hold what the update used.
    """

    name = "policy"

    def __init__(self, alpha: float | Array = 0.1) -> None:
        step = np.asarray(alpha, dtype=float)
        if step.ndim > 1 or not np.all(step >= 0):
            raise CourseError(f"alpha must be non-negative step sizes (a number or one per run), "
                              f"got {alpha!r}")
        self.alpha = alpha

    def start(self, n_runs: int, env: KeyDoor, rng: np.random.Generator) -> None:
        step = np.asarray(self.alpha, dtype=float)
        if step.ndim == 1 and step.size != n_runs:
            raise CourseError(f"alpha holds {step.size} step sizes for {n_runs} runs")
        self._alpha = np.broadcast_to(step, (n_runs,))
        self.env, self.rng, self.runs = env, rng, np.arange(n_runs)
        self.logits = np.zeros((n_runs, env.n_states))
        self._episode: list[tuple[Array, Array, Array, Array]] = []
        self.credits = np.zeros((n_runs, env.n_steps))
        self.simulated_steps = 0
        self._p = self.p_one()

    def p_one(self) -> Array:
        """P(action 1 | state) for every run and state."""
        return 1 / (1 + np.exp(-self.logits))

    def act(self, states: Array) -> Array:
        u = self.rng.random(len(states))
        self._noise = u
        return (u < self._p[self.runs, states]).astype(int)

    def update(self, states: Array, actions: Array, rewards: Array, next_states: Array) -> None:
        self._episode.append((states, actions, rewards, self._noise))

    def _credit(self) -> Array:  # (n_runs, n_steps), subclasses say how
        raise NotImplementedError

    def end_episode(self) -> None:
        self.credits = self._credit()
        self.last_states = np.stack([s for s, _, _, _ in self._episode], axis=1)
        self.last_actions = np.stack([a for _, a, _, _ in self._episode], axis=1)
        p = self.p_one()
        for t, (states, actions, _, _) in enumerate(self._episode):
            grad = actions - p[self.runs, states]  # d log pi(a | s) / d logit
            self.logits[self.runs, states] += self._alpha * self.credits[:, t] * grad
        self._episode = []
        self._p = self.p_one()

    def _returns_to_go(self) -> Array:
        rewards = np.stack([r for _, _, r, _ in self._episode], axis=1)
        return np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]


class Reinforce(_TabularPolicy):
    """REINFORCE with a baseline: each action's credit is the return that followed it, minus b(s).

    ``baseline="learned"`` keeps a running mean of the return-to-go of each state (step size
    ``baseline_rate``); ``baseline="exact"`` uses the true V(s) of the current policy (an oracle
    the chapter uses to measure the variance of the credit at its best).

    Example
    -------
    >>> runs = train(KeyDoor(), Reinforce(alpha=0.1), 50, 8, np.random.default_rng(0))
    >>> runs.returns.shape
    (8, 50)
    """

    name = "REINFORCE (return − baseline)"

    def __init__(
        self, alpha: float | Array = 0.1, baseline: str = "learned", baseline_rate: float = 0.1
    ) -> None:
        super().__init__(alpha)
        if baseline not in ("learned", "exact"):
            raise UnknownNameError(f"unknown baseline {baseline!r}; choose 'learned' or 'exact'")
        if not 0 < baseline_rate <= 1:
            raise CourseError(f"baseline_rate must lie in (0, 1], got {baseline_rate!r}")
        self.baseline, self.baseline_rate = baseline, baseline_rate

    def start(self, n_runs: int, env: KeyDoor, rng: np.random.Generator) -> None:
        super().start(n_runs, env, rng)
        self.b = np.zeros((n_runs, env.n_states))

    def _credit(self) -> Array:
        g = self._returns_to_go()
        states = np.stack([s for s, _, _, _ in self._episode], axis=1)
        rows = self.runs[:, None]
        if self.baseline == "exact":
            b = self.env.values(self.p_one())[rows, states]
        else:
            b = self.b[rows, states]
            self.b[rows, states] += self.baseline_rate * (g - b)
        return g - b


class ReplayCredit(_TabularPolicy):
    """Credit from a replay with the other action: (1 − π(a | s)) (G − G_other).

    For every step t the agent asks the simulator for the return-to-go had it taken the other
    action at t and followed its policy afterwards. With ``noise="same"`` the replay reuses the
    episode's noise — the pick-up's luck, the apples' values and the agent's own action noise —
    so the two returns differ only by what the action changed: **counterfactual credit**
    (abduction is free because the simulator hands over the noise; action: the other action;
    prediction: the replay). With ``noise="fresh"`` the replay draws new noise: an
    interventional estimate from the same number of simulator steps. Both are unbiased for the
    advantage Q(s, a) − V(s); they differ in variance.

    Example
    -------
    >>> runs = train(KeyDoor(), ReplayCredit(noise="same"), 50, 8, np.random.default_rng(0))
    >>> int(runs.simulated_steps[-1])     # 50 episodes of 6 steps, plus 21 replayed steps each
    1350
    """

    def __init__(self, alpha: float | Array = 0.1, noise: str = "same") -> None:
        super().__init__(alpha)
        if noise not in ("same", "fresh"):
            raise UnknownNameError(f"unknown noise {noise!r}; choose 'same' or 'fresh'")
        self.noise = noise
        self.name = ("counterfactual credit (same noise)" if noise == "same"
                     else "interventional credit (fresh noise)")

    def observe_noise(self, noise: Mapping[str, Array]) -> None:
        """Receive the episode's environment noise (:func:`train` calls this before the end)."""
        self._env_noise = dict(noise)

    def _credit(self) -> Array:
        if self.noise == "same" and not hasattr(self, "_env_noise"):
            raise CourseError("counterfactual credit needs the episode's noise (observe_noise)")
        g = self._returns_to_go()
        p = self.p_one()
        own = np.stack([u for _, _, _, u in self._episode], axis=1)
        credit = np.zeros_like(g)
        for t, (states, actions, _, _) in enumerate(self._episode):
            if self.noise == "same":
                env_noise, act_noise = self._env_noise, own
            else:
                env_noise = self.env.draw_noise(len(self.runs), self.rng)
                act_noise = self.rng.random(own.shape)
            other = self.env.rollout(p, env_noise, act_noise, states, 1 - actions)
            self.simulated_steps += self.env.n_steps - t
            pi_taken = np.where(actions == 1, p[self.runs, states], 1 - p[self.runs, states])
            credit[:, t] = (1 - pi_taken) * (g[:, t] - other)
        return credit


@dataclass
class Training:
    """Per-episode records of ``n_runs`` independent learners, arrays of shape (n_runs, n_episodes).

    ``returns``: the realised return; ``expected``: the exact expected return of the policy
    after the episode's update; ``simulated_steps``: cumulative simulator steps (the episodes'
    own steps plus any replays), one value per episode.
    """

    returns: Array
    expected: Array
    simulated_steps: Array


def train(
    env: KeyDoor, agent: Any, n_episodes: int, n_runs: int, rng: np.random.Generator
) -> Training:
    """Train ``n_runs`` independent copies of ``agent`` on ``env`` for ``n_episodes`` episodes.

    Each episode draws the environment's noise, steps every run through the task (``act``,
    ``update``), gives the noise to agents that have ``observe_noise``, then calls
    ``end_episode`` (where the agents learn).

    Example
    -------
    >>> runs = train(KeyDoor(), Reinforce(), 20, 4, np.random.default_rng(0))
    >>> runs.expected.shape, int(runs.simulated_steps[-1])
    ((4, 20), 120)
    """
    if not isinstance(env, KeyDoor):
        raise CourseError(f"env must be a KeyDoor, got {type(env).__name__}")
    missing = [m for m in ("start", "act", "update", "end_episode")
               if not callable(getattr(agent, m, None))]
    if missing:
        raise CourseError(
            f"an agent needs start, act, update and end_episode; {type(agent).__name__} lacks "
            f"{', '.join(missing)}"
        )
    for name, value in (("n_episodes", n_episodes), ("n_runs", n_runs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    agent.start(n_runs, env, rng)
    returns = np.zeros((n_runs, n_episodes))
    expected = np.zeros((n_runs, n_episodes))
    steps = np.zeros(n_episodes, dtype=int)
    for episode in range(n_episodes):
        noise = env.draw_noise(n_runs, rng)
        states = env.reset(n_runs)
        for _ in range(env.n_steps):
            actions = agent.act(states)
            nxt, rewards = env.step(states, actions, noise)
            agent.update(states, actions, rewards, nxt)
            returns[:, episode] += rewards
            states = nxt
        if callable(getattr(agent, "observe_noise", None)):
            agent.observe_noise(noise)
        agent.end_episode()
        expected[:, episode] = env.expected_return(agent.p_one())
        steps[episode] = (episode + 1) * env.n_steps + getattr(agent, "simulated_steps", 0)
    return Training(returns, expected, steps)


def episodes_to_reach(expected: Array, level: float) -> Array:
    """Per run, the first episode (from 1) whose expected return reaches ``level``; NaN if never.

    Example
    -------
    >>> episodes_to_reach(np.array([[0.1, 0.5, 0.9], [0.1, 0.2, 0.3]]), 0.5).tolist()
    [2.0, nan]
    """
    expected = np.asarray(expected, dtype=float)
    if expected.ndim != 2:
        raise CourseError(f"expected must be a (runs, episodes) array, got shape {expected.shape}")
    hit = expected >= level
    first = hit.argmax(axis=1) + 1.0
    return np.where(hit.any(axis=1), first, np.nan)
