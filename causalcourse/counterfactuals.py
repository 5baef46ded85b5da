"""Counterfactuals on a :class:`causalcourse.scm.SCM`: abduction, action, prediction; probabilities
of causation.

A counterfactual query asks what a *particular* unit would have looked like had some
variables been set differently. For a fully observed unit it is answered in three
steps (Pearl, 2009, ch. 7): **abduction** recovers the unit's exogenous noise from the
evidence (:func:`abduct`), **action** replaces the intervened assignments
(``scm.do``), **prediction** runs the mutilated model forward on the recovered noise
(:func:`counterfactual`). Abduction is a point answer only when every assignment can
be inverted in its noise — additive noise, strictly monotone assignments, or discrete
noise where exactly one value fits; otherwise (a threshold of a uniform, say) the noise
has a whole posterior and a :class:`~causalcourse.errors.CourseError` names the variable: infer that
posterior with Pyro or ChiRho instead.

For a binary cause ``X`` and effect ``Y`` the probabilities of necessity (PN),
sufficiency (PS) and necessity-and-sufficiency (PNS) are counterfactual quantities:
:func:`probabilities_of_causation` computes them from a known SCM, and
:func:`tian_pearl_bounds` bounds them from observational plus experimental data when
the SCM is unknown (Tian & Pearl, 2000). :func:`but_for_causes` tests every candidate
variable of a unit by flipping it.

Abduction by inversion is hand-written because it is the lesson of chapter 04; with a noise
posterior instead of a point, Pyro and ChiRho do it (``MultiWorldCounterfactual``), and the
tests compare the two on linear additive models and check the Tian–Pearl bounds against a
linear program (scipy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.scm import SCM, Mechanism, Noise

__all__ = [
    "abduct",
    "counterfactual",
    "Causation",
    "probabilities_of_causation",
    "tian_pearl_bounds",
    "but_for_causes",
]

_PROBES = 256  # noise draws used to probe an assignment
_DISCRETE_MAX = 16  # at most this many distinct draws: the noise is treated as discrete


def _as_frame(scm: SCM, evidence: Mapping[str, Any] | pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Evidence as a DataFrame (one row per unit) and whether it was a single unit."""
    if isinstance(evidence, pd.DataFrame):
        frame, single = evidence, False
    elif isinstance(evidence, Mapping):
        single = all(np.ndim(v) == 0 for v in evidence.values())
        frame = pd.DataFrame([dict(evidence)]) if single else pd.DataFrame(dict(evidence))
    else:
        raise CourseError(
            f"evidence must be a mapping {{variable: value}} or a DataFrame, got "
            f"{type(evidence).__name__}"
        )
    if frame.empty:
        raise CourseError("the evidence is empty: give at least one unit's values")
    unknown = [c for c in frame.columns if c not in scm.nodes]
    if unknown:
        raise UnknownNameError(
            f"unknown variable {unknown[0]!r} in the evidence; the model has variables {scm.nodes}"
        )
    return frame.reset_index(drop=True), single


def _fmt(value: Any) -> str:
    """A numpy scalar printed as the plain Python number it holds."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _call(node: str, mech: Mechanism, parents: list, u: np.ndarray | None, n: int) -> np.ndarray:
    return mech.apply(node, parents, u, n)


def _invert_discrete(
    node: str, mech: Mechanism, pa: list, v: np.ndarray, support: np.ndarray
) -> np.ndarray:
    n = len(v)
    outs = np.stack([_call(node, mech, pa, np.full(n, s), n) for s in support])
    match = np.isclose(outs.astype(float), v.astype(float), rtol=1e-9, atol=1e-12)
    count = match.sum(axis=0)
    if (count == 0).any():
        i = int(np.argmax(count == 0))
        raise CourseError(
            f"the evidence {node}={_fmt(v[i])} is impossible: no noise value in {support.tolist()} "
            f"gives it under the assignment of {node!r}"
        )
    if (count > 1).any():
        i = int(np.argmax(count > 1))
        raise CourseError(
            f"cannot recover the noise of {node!r}: the noise values "
            f"{support[match[:, i]].tolist()} "
            f"all give {node}={_fmt(v[i])} (the assignment is not invertible in U_{node}); "
            f"infer the noise posterior instead, e.g. with Pyro or ChiRho"
        )
    return support[np.argmax(match, axis=0)]


def _invert_continuous(
    node: str, mech: Mechanism, pa: list, given: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    n, v = len(given), given.astype(float)
    grid = np.unique(np.quantile(draws, np.linspace(0.0, 1.0, 33)))
    outs = np.stack([_call(node, mech, pa, np.full(n, g), n) for g in grid]).astype(float)
    steps = np.diff(outs, axis=0)
    rising, falling = (steps > 0).all(axis=0), (steps < 0).all(axis=0)
    if not (rising | falling).all():
        i = int(np.argmin(rising | falling))
        raise CourseError(
            f"cannot recover the noise of {node!r}: its assignment is not strictly monotone in "
            f"U_{node} "
            f"(for the unit with {node}={_fmt(given[i])} several noise values give the same value, "
            "as with a "
            f"threshold of the noise); infer the noise posterior instead, e.g. with Pyro or ChiRho"
        )
    slope = (outs[-1] - outs[0]) / (grid[-1] - grid[0])
    intercept = outs[0] - slope * grid[0]
    if np.allclose(
        outs, intercept + slope * grid[:, None], rtol=1e-10, atol=1e-10
    ):  # affine in u: exact
        return (v - intercept) / slope
    sign = np.where(rising, 1.0, -1.0)  # work with an increasing function sign * f
    lo: np.ndarray = np.full(n, grid[0])
    hi: np.ndarray = np.full(n, grid[-1])
    target = sign * v
    for _ in range(64):  # widen the bracket until it holds the evidence
        below = sign * _call(node, mech, pa, lo, n) > target
        above = sign * _call(node, mech, pa, hi, n) < target
        if not (below.any() or above.any()):
            break
        span = hi - lo
        lo, hi = np.where(below, lo - span, lo), np.where(above, hi + span, hi)
    for _ in range(200):  # vectorised bisection
        mid = 0.5 * (lo + hi)
        up = sign * _call(node, mech, pa, mid, n) < target
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    u = 0.5 * (lo + hi)
    bad = ~np.isclose(_call(node, mech, pa, u, n).astype(float), v, rtol=1e-7, atol=1e-9)
    if bad.any():
        i = int(np.argmax(bad))
        raise CourseError(
            f"cannot recover the noise of {node!r}: no noise value gives {node}={_fmt(given[i])} "
            f"(the value is outside the range of its assignment or the assignment jumps over it)"
        )
    return u


def abduct(scm: SCM, evidence: Mapping[str, Any] | pd.DataFrame) -> pd.DataFrame:
    """Abduction: recover each unit's exogenous noise from fully observed values.

    ``evidence`` gives a value for every variable that has noise (a mapping for one
    unit, or a DataFrame with one row per unit); variables with deterministic
    assignments may be omitted and are computed. The noise of a variable is
    recovered by inverting its assignment in the noise: exactly when the assignment
    is affine in ``u`` (additive noise), by bisection when it is strictly monotone,
    by matching when the noise is discrete. A :class:`~causalcourse.errors.CourseError` names the
    variable
    whose noise cannot be pinned down, or whose value is missing or impossible.

    Example
    -------
    >>> from causalcourse.scm import normal
    >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: 2 * x + u,
    ...     normal())})
    >>> abduct(scm, {"X": 1.0, "Y": 2.5}).round(3).to_dict("records")
    [{'X': 1.0, 'Y': 0.5}]
    """
    frame, _ = _as_frame(scm, evidence)
    n = len(frame)
    values: dict[str, np.ndarray] = {}
    noise: dict[str, np.ndarray] = {}
    for node in scm.nodes:
        mech = scm.mechanisms[node]
        pa = [values[p] for p in mech.parents]
        if mech.noise is None:
            computed = _call(node, mech, pa, None, n)
            if node in frame:
                given = frame[node].to_numpy()
                wrong = ~np.isclose(
                    given.astype(float), computed.astype(float), rtol=1e-9, atol=1e-12
                )
                if wrong.any():
                    i = int(np.argmax(wrong))
                    raise CourseError(
                        f"the evidence {node}={_fmt(given[i])} contradicts the deterministic "
                        "assignment "
                        f"of {node!r}, which gives {_fmt(computed[i])}"
                    )
                values[node] = given
            else:
                values[node] = computed
            continue
        if node not in frame:
            raise CourseError(
                f"cannot recover the noise of {node!r}: it is not in the evidence; abduction by "
                f"inversion needs every variable with noise observed (for partial evidence, "
                f"infer the noise posterior, e.g. with Pyro or ChiRho)"
            )
        v = frame[node].to_numpy()
        draws = np.asarray(mech.noise.draw(np.random.default_rng(0), _PROBES))
        support = np.unique(draws)
        if len(support) <= _DISCRETE_MAX:
            noise[node] = _invert_discrete(node, mech, pa, v, support)
        else:
            noise[node] = _invert_continuous(node, mech, pa, v, draws.astype(float))
        values[node] = v
    return pd.DataFrame(noise, columns=list(noise))


def counterfactual(
    scm: SCM, evidence: Mapping[str, Any] | pd.DataFrame, intervention: Mapping[str, Any]
) -> pd.Series | pd.DataFrame:
    """Abduction, action, prediction: what the observed unit(s) would have been under
    ``intervention``.

    ``evidence`` is one unit (a mapping: the result is a Series) or many (a
    DataFrame: one result row per unit), as in :func:`abduct`; ``intervention`` is
    anything :meth:`SCM.do` accepts. Consistency holds by construction: intervening
    to the observed values returns the observed unit.

    Example
    -------
    >>> from causalcourse.scm import normal
    >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: 2 * x + u,
    ...     normal())})
    >>> counterfactual(scm, {"X": 1.0, "Y": 2.5}, {"X": 0.0}).round(3).to_dict()
    {'X': 0.0, 'Y': 0.5}
    """
    noise = abduct(scm, evidence)
    world = scm.do(intervention)
    frame, single = _as_frame(scm, evidence)
    result = world.sample(len(frame), noise={k: noise[k].to_numpy() for k in noise})
    return result.iloc[0].rename("counterfactual") if single else result


@dataclass(frozen=True)
class Causation:
    """Probabilities of causation of a binary ``X`` for a binary ``Y``, with the rung-1/2 data
    behind them.

    ``p_xy[x, y]`` is the observational P(X=x, Y=y); ``p_y_do_x1`` and ``p_y_do_x0``
    are P(Y=1 | do(X=1)) and P(Y=1 | do(X=0)). :meth:`bounds` applies
    :func:`tian_pearl_bounds` to exactly these data.

    Example
    -------
    >>> c = Causation(pn=1.0, ps=1.0, pns=1.0, p_xy=np.array([[0.5, 0.0], [0.0, 0.5]]),
    ...     p_y_do_x1=1.0, p_y_do_x0=0.0)
    >>> c.bounds()["PN"]
    (1.0, 1.0)
    """

    pn: float
    ps: float
    pns: float
    p_xy: np.ndarray
    p_y_do_x1: float
    p_y_do_x0: float

    def bounds(self) -> dict[str, tuple[float, float]]:
        """The Tian–Pearl bounds from this observational and experimental data."""
        return tian_pearl_bounds(self.p_xy, p_y_do_x1=self.p_y_do_x1, p_y_do_x0=self.p_y_do_x0)


def _binary(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = frame[column].to_numpy()
    if not np.isin(values, (0, 1)).all():
        raise CourseError(
            f"probabilities of causation need a binary 0/1 variable; {column!r} takes other values"
        )
    return values.astype(int)


def probabilities_of_causation(
    scm: SCM, treatment: str, outcome: str, *, n: int = 200_000, seed: int = 0
) -> Causation:
    """PN, PS and PNS of ``treatment`` (X) for ``outcome`` (Y) in a known SCM, by simulating the
    same units.

    PN = P(Y_{X=0}=0 | X=1, Y=1): of the units exposed who had the outcome, the share who
    would not have had it without exposure ("but for"). PS = P(Y_{X=1}=1 | X=0, Y=0).
    PNS = P(Y_{X=1}=1, Y_{X=0}=0). The factual world and both intervened worlds are
    sampled with the same seed, hence the same noise: the same ``n`` units in three
    worlds. A conditional probability whose condition never occurs is ``nan``.

    Example
    -------
    >>> from causalcourse.scm import uniform
    >>> scm = SCM({"X": ((), lambda u: (u < 0.5).astype(int), uniform()),
    ...            "Y": (("X",), lambda x, u: (u < 0.2 + 0.5 * x).astype(int), uniform())})
    >>> c = probabilities_of_causation(scm, "X", "Y", n=100_000)
    >>> round(c.pns, 2), round(c.pn, 2)      # 0.5 and 0.5 / 0.7
    (0.5, 0.71)
    """
    for name in (treatment, outcome):
        if name not in scm.nodes:
            raise UnknownNameError(
                f"unknown variable {name!r}; the model has variables {scm.nodes}"
            )
    factual = scm.sample(n, seed=seed)
    x, y = _binary(factual, treatment), _binary(factual, outcome)
    y1 = _binary(scm.do({treatment: 1}).sample(n, seed=seed), outcome)
    y0 = _binary(scm.do({treatment: 0}).sample(n, seed=seed), outcome)

    def share(event: np.ndarray, given: np.ndarray) -> float:
        return float(event[given].mean()) if given.any() else float("nan")

    p_xy = np.array([[np.mean((x == a) & (y == b)) for b in (0, 1)] for a in (0, 1)])
    return Causation(
        pn=share(y0 == 0, (x == 1) & (y == 1)),
        ps=share(y1 == 1, (x == 0) & (y == 0)),
        pns=float(np.mean((y1 == 1) & (y0 == 0))),
        p_xy=p_xy,
        p_y_do_x1=float(y1.mean()),
        p_y_do_x0=float(y0.mean()),
    )


def tian_pearl_bounds(
    p_xy: Sequence | np.ndarray, *, p_y_do_x1: float, p_y_do_x0: float, tol: float = 1e-9
) -> dict[str, tuple[float, float]]:
    """Sharp bounds on PNS, PN and PS from observational P(X, Y) and experimental P(Y=1 | do(X)).

    ``p_xy[x][y]`` is P(X=x, Y=y) for binary X, Y (a 2×2 table summing to 1). The
    bounds are Tian & Pearl's (2000), e.g. PN ≥ [P(y) − P(y | do(x'))] / P(x, y). A
    ``CourseError`` says which inequality fails when the two data sets cannot come
    from one SCM (consistency demands P(x, y) ≤ P(y | do(x)) ≤ 1 − P(x, y')). A bound
    whose conditioning event has probability 0 is ``(nan, nan)``.

    Example
    -------
    >>> b = tian_pearl_bounds([[0.25, 0.25], [0.25, 0.25]], p_y_do_x1=0.5, p_y_do_x0=0.5)
    >>> b["PNS"], b["PN"]
    ((0.0, 0.5), (0.0, 1.0))
    """
    p = np.asarray(p_xy, dtype=float)
    if p.shape != (2, 2):
        raise CourseError(f"p_xy must be a 2x2 table P(X=x, Y=y), got shape {p.shape}")
    if (p < -tol).any() or abs(p.sum() - 1.0) > 1e-6:
        raise CourseError(
            f"p_xy must be a probability table (entries >= 0 summing to 1), got sum {p.sum():.6g}"
        )
    for name, value in (("p_y_do_x1", p_y_do_x1), ("p_y_do_x0", p_y_do_x0)):
        if not -tol <= value <= 1 + tol:
            raise CourseError(f"{name} must be a probability, got {value!r}")
    (x0y0, x0y1), (x1y0, x1y1) = p
    for x, exp, joint_y, joint_not_y in ((1, p_y_do_x1, x1y1, x1y0), (0, p_y_do_x0, x0y1, x0y0)):
        if not joint_y - tol <= exp <= 1 - joint_not_y + tol:
            raise CourseError(
                f"the data are incompatible: consistency needs P(X={x},Y=1) <= P(Y=1|do(X={x})) <= "
                f"1 - P(X={x},Y=0), i.e. {joint_y:.4g} <= {exp:.4g} <= {1 - joint_not_y:.4g}"
            )
    p_y, a, b = x0y1 + x1y1, p_y_do_x1, p_y_do_x0
    pns = (max(0.0, a - b, p_y - b, a - p_y), min(a, 1 - b, x1y1 + x0y0, a - b + x1y0 + x0y1))
    nan = (float("nan"), float("nan"))
    pn = (max(0.0, (p_y - b) / x1y1), min(1.0, (1 - b - x0y0) / x1y1)) if x1y1 > 0 else nan
    ps = (max(0.0, (a - p_y) / x0y0), min(1.0, (a - x1y1) / x0y0)) if x0y0 > 0 else nan
    clip = lambda lo, hi: (float(np.clip(lo, 0, 1)), float(np.clip(hi, 0, 1)))  # noqa: E731
    return {
        "PNS": clip(*pns),
        "PN": clip(*pn) if x1y1 > 0 else nan,
        "PS": clip(*ps) if x0y0 > 0 else nan,
    }


def but_for_causes(
    scm: SCM,
    worlds: Mapping[str, Any] | pd.DataFrame,
    outcome: str,
    candidates: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Which binary variables are but-for causes of ``outcome`` in each observed world.

    A candidate ``C`` is a but-for cause when flipping it (``do(C = 1 - c)``) for that
    unit, everything else about the unit kept (its abducted noise), changes the
    outcome. ``worlds`` is one unit (mapping) or many (DataFrame), fully observed as
    :func:`abduct` needs; ``candidates`` defaults to every binary variable other than
    the outcome. Returns a boolean DataFrame, one column per candidate.

    Example
    -------
    >>> from causalcourse.scm import bernoulli
    >>> scm = SCM({"A": ((), lambda u: u, bernoulli(0.5)), "B": ((), lambda u: u, bernoulli(0.5)),
    ...            "Y": (("A", "B"), lambda a, b: a | (1 - b))})   # if A acts or B omits
    >>> but_for_causes(scm, {"A": 0, "B": 0, "Y": 1}, "Y").to_dict("records")
    [{'A': False, 'B': True}]
    """
    frame, _ = _as_frame(scm, worlds)
    if outcome not in scm.nodes:
        raise UnknownNameError(f"unknown outcome {outcome!r}; the model has variables {scm.nodes}")
    if candidates is None:
        candidates = [
            c for c in frame.columns if c != outcome and np.isin(frame[c].to_numpy(), (0, 1)).all()
        ]
    candidates = list(candidates)
    if outcome not in frame:
        raise UnknownNameError(f"the outcome {outcome!r} must be observed in the worlds")
    for c in candidates:
        if c not in frame:
            raise UnknownNameError(f"candidate {c!r} is not observed in the worlds")
    noise = {k: noise_k.to_numpy() for k, noise_k in abduct(scm, frame).items()}
    result = {}
    for c in candidates:
        flipped = 1 - _binary(frame, c)
        # do(C = 1 - c) unit by unit: C becomes a root whose "noise" is the flipped value
        world = scm.do(
            {c: Mechanism((), lambda u: u, Noise("flip", lambda rng, n: np.zeros(n, int)))}
        )
        y = world.sample(len(frame), noise={**noise, c: flipped})[outcome].to_numpy()
        result[c] = y != frame[outcome].to_numpy()
    return pd.DataFrame(result, columns=candidates)
