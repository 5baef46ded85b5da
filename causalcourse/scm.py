"""Structural causal models (SCMs) as code: assignments, explicit noise, sampling and ``do()``.

An SCM is a set of structural assignments ``V := f_V(parents of V, U_V)``, one per
endogenous variable, with independent exogenous noise ``U_V`` drawn from an explicit
distribution. Here an assignment is a :class:`Mechanism`: the parents' names, a
vectorised Python callable ``f(*parent_arrays, noise_array)`` and a noise
distribution. :meth:`SCM.sample` draws ``n`` units at once with numpy and returns a
:class:`pandas.DataFrame` (one column per variable, in topological order);
:meth:`SCM.do` returns a new, mutilated model in which the intervened assignments
are replaced (graph surgery) and everything else is kept.

Randomness is organised by *unit*: every variable draws its noise from its own
random stream, derived from ``(seed, variable name)``. So the same seed gives the
same units — the same noise values — in a model and in all its mutilations, and
``scm.sample(n, s)`` and ``scm.do({"X": 1}).sample(n, s)`` are the factual and the
interventional worlds of the *same* ``n`` units. ``return_noise=True`` gives the
noise, and ``noise=`` replays given noise values (what abduction needs).
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from causalcourse.graphs import check_acyclic

__all__ = ["Mechanism", "Noise", "SCM", "normal", "uniform", "bernoulli"]

Array = np.ndarray


@dataclass(frozen=True)
class Noise:
    """An exogenous noise distribution: a name for display and a sampler ``draw(rng, n)``.

    Build one with :func:`normal`, :func:`uniform` or :func:`bernoulli`, or wrap any
    vectorised sampler, e.g. ``Noise("Exp(1)", lambda rng, n: rng.exponential(1.0, n))``.

    Example
    -------
    >>> Noise("Exp(1)", lambda rng, n: rng.exponential(1.0, n)).draw(np.random.default_rng(0), 3).shape
    (3,)
    """

    name: str
    draw: Callable[[np.random.Generator, int], Array] = field(repr=False)


def normal(loc: float = 0.0, scale: float = 1.0) -> Noise:
    """Gaussian noise N(loc, scale²).

    Example
    -------
    >>> normal(0, 2)
    Noise(name='Normal(0, 2)')
    """
    if not scale > 0:
        raise ValueError(f"normal noise needs scale > 0, got {scale!r}")
    return Noise(f"Normal({loc:g}, {scale:g})", lambda rng, n: rng.normal(loc, scale, n))


def uniform(low: float = 0.0, high: float = 1.0) -> Noise:
    """Uniform noise on [low, high); with a threshold it makes any Bernoulli variable.

    Example
    -------
    >>> uniform()
    Noise(name='Uniform(0, 1)')
    """
    if not high > low:
        raise ValueError(f"uniform noise needs low < high, got low={low!r}, high={high!r}")
    return Noise(f"Uniform({low:g}, {high:g})", lambda rng, n: rng.uniform(low, high, n))


def bernoulli(p: float) -> Noise:
    """0/1 noise that is 1 with probability ``p``.

    Example
    -------
    >>> bernoulli(0.3)
    Noise(name='Bernoulli(0.3)')
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"bernoulli noise needs 0 <= p <= 1, got {p!r}")
    return Noise(f"Bernoulli({p:g})", lambda rng, n: (rng.random(n) < p).astype(np.int64))


@dataclass(frozen=True)
class Mechanism:
    """One structural assignment ``V := f(*parents, u)`` with ``u`` drawn from ``noise``.

    ``f`` receives the parents' arrays in the order of ``parents``, then the noise
    array (omitted when ``noise`` is ``None``: a deterministic assignment), and must
    return an array of length ``n`` (a scalar is broadcast). Plain tuples
    ``(parents, f, noise)`` are accepted wherever a Mechanism is.

    Example
    -------
    >>> m = Mechanism(("X",), lambda x, u: 2 * x + u, normal())
    >>> m.parents
    ('X',)
    """

    parents: tuple[str, ...]
    f: Callable[..., Any]
    noise: Noise | None = None

    def __post_init__(self) -> None:
        if isinstance(self.parents, str):
            raise ValueError(f"parents must be a sequence of names such as ({self.parents!r},), "
                             f"not the string {self.parents!r}")
        object.__setattr__(self, "parents", tuple(self.parents))


def _as_mechanism(node: str, spec: Any) -> Mechanism:
    """Turn a Mechanism or a ``(parents, f[, noise])`` tuple into a checked Mechanism."""
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        try:
            spec = Mechanism(*spec)
        except ValueError as error:
            raise ValueError(f"the {error}".replace("the parents", f"the parents of {node!r}", 1)) from None
    if not isinstance(spec, Mechanism):
        raise ValueError(f"the assignment of {node!r} must be a Mechanism or a (parents, f, noise) tuple, "
                         f"got {type(spec).__name__}")
    if not all(isinstance(p, str) for p in spec.parents):
        raise ValueError(f"the parents of {node!r} must be a sequence of names, got {spec.parents!r}")
    if node in spec.parents:
        raise ValueError(f"node {node!r} lists itself as a parent: a variable cannot cause itself")
    if len(set(spec.parents)) != len(spec.parents):
        raise ValueError(f"node {node!r} lists a parent twice: {list(spec.parents)}")
    if not callable(spec.f):
        raise ValueError(f"the assignment of {node!r} is not callable: {spec.f!r}")
    if spec.noise is not None and not isinstance(spec.noise, Noise):
        raise ValueError(f"the noise of {node!r} must be a Noise (e.g. normal(), uniform()) or None, "
                         f"got {spec.noise!r}")
    n_args = len(spec.parents) + (spec.noise is not None)
    try:
        inspect.signature(spec.f).bind(*range(n_args))
    except TypeError:
        args = list(spec.parents) + ([f"U_{node}"] if spec.noise is not None else [])
        plural = "" if n_args == 1 else "s"
        raise ValueError(f"the assignment of {node!r} must accept {n_args} positional argument{plural} "
                         f"({', '.join(args) or 'none'})") from None
    except ValueError:  # no signature available (e.g. some numpy ufuncs): checked when called
        pass
    return spec


def _stream(seed: int, node: str) -> np.random.Generator:
    """The random stream of one variable: a function of the seed and the variable's name only."""
    return np.random.default_rng([seed, zlib.crc32(node.encode())])


class SCM:
    """A structural causal model: one :class:`Mechanism` per variable, sampled with numpy.

    ``mechanisms`` maps each variable name to its assignment. Construction checks
    that every parent has an assignment and that the graph is acyclic, and raises a
    ``ValueError`` naming the offending node otherwise. Variables may be discrete or
    continuous: a column has whatever dtype its assignment returns.

    Example
    -------
    >>> scm = SCM({
    ...     "Z": ((), lambda u: (u < 0.5).astype(int), uniform()),
    ...     "X": (("Z",), lambda z, u: (u < 0.2 + 0.6 * z).astype(int), uniform()),
    ...     "Y": (("X", "Z"), lambda x, z, u: 2.0 * x - 3.0 * z + u, normal()),
    ... })
    >>> scm.nodes
    ['Z', 'X', 'Y']
    >>> df = scm.sample(100_000, seed=0)
    >>> round(float(df.Y[df.X == 1].mean() - df.Y[df.X == 0].mean()), 1)   # confounded by Z
    0.2
    >>> y1, y0 = (scm.do({"X": x}).sample(100_000, seed=0).Y for x in (1, 0))
    >>> round(float(y1.mean() - y0.mean()), 1)   # the causal effect
    2.0
    """

    def __init__(self, mechanisms: Mapping[str, Mechanism | tuple]) -> None:
        if not isinstance(mechanisms, Mapping) or not mechanisms:
            raise ValueError("an SCM needs a non-empty mapping {variable name: Mechanism}")
        self._mechanisms: dict[str, Mechanism] = {}
        for node, spec in mechanisms.items():
            if not isinstance(node, str) or not node:
                raise ValueError(f"variable names must be non-empty strings, got {node!r}")
            self._mechanisms[node] = _as_mechanism(node, spec)
        self._interventions: dict[str, Any] = {}
        graph = nx.DiGraph()
        graph.add_nodes_from(self._mechanisms)
        for node, mech in self._mechanisms.items():
            for parent in mech.parents:
                if parent not in self._mechanisms:
                    raise ValueError(f"node {node!r} has parent {parent!r}, which has no assignment; "
                                     f"the model's variables are {sorted(self._mechanisms)}")
                graph.add_edge(parent, node)
        check_acyclic(graph, what="the assignments form", rule="an SCM here must be acyclic")
        nx.set_node_attributes(graph, False, "latent")
        self._graph = graph
        self._order = list(nx.lexicographical_topological_sort(graph, key=list(self._mechanisms).index))

    # ----------------------------------------------------------------- structure
    @property
    def nodes(self) -> list[str]:
        """Variable names in the topological order used for sampling (and for columns)."""
        return list(self._order)

    @property
    def graph(self) -> nx.DiGraph:
        """The causal graph (a copy): an edge from each parent to its child; node attribute ``latent=False``."""
        return self._graph.copy()

    @property
    def mechanisms(self) -> dict[str, Mechanism]:
        """The assignments, by variable name (a copy of the mapping)."""
        return dict(self._mechanisms)

    @property
    def interventions(self) -> dict[str, Any]:
        """What ``do()`` calls produced this model: ``{node: value or assignment}`` (empty if none)."""
        return dict(self._interventions)

    def parents(self, node: str) -> tuple[str, ...]:
        """The parents of ``node`` (``ValueError`` if it is not a variable of the model)."""
        self._check_known([node])
        return self._mechanisms[node].parents

    def _check_known(self, names: Any, what: str = "node") -> None:
        for name in names:
            if name not in self._mechanisms:
                raise ValueError(f"unknown {what} {name!r}; the model has variables {self.nodes}")

    def __repr__(self) -> str:
        lines = []
        for node in self._order:
            mech, hard = self._mechanisms[node], self._interventions.get(node)
            if node in self._interventions and not (callable(hard) or isinstance(hard, (Mechanism, tuple))):
                lines.append(f"  {node} := {hard!r}   (do)")
                continue
            args = list(mech.parents) + ([f"U_{node}"] if mech.noise is not None else [])
            noise = f",  U_{node} ~ {mech.noise.name}" if mech.noise is not None else ""
            tag = "   (do)" if node in self._interventions else ""
            lines.append(f"  {node} := f_{node}({', '.join(args)}){noise}{tag}")
        return "SCM(\n" + "\n".join(lines) + "\n)"

    # ------------------------------------------------------------- intervention
    def do(self, interventions: Mapping[str, Any]) -> SCM:
        """Return the mutilated model in which each intervened assignment is replaced.

        For each ``node: value`` pair, ``value`` may be a constant (the hard
        intervention ``do(node = value)``: the node loses its parents and noise), a
        :class:`Mechanism` or ``(parents, f, noise)`` tuple (a new assignment, with any
        parents that keep the graph acyclic), or a plain callable ``f(*parents, u)``
        (a new function of the node's *current* parents and noise: a policy or a
        shift intervention). The original model is unchanged.

        Example
        -------
        >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: x + u, normal())})
        >>> scm.do({"X": 2.0}).graph.in_degree("X"), scm.graph.number_of_edges()
        (0, 1)
        >>> float(scm.do({"X": 2.0}).sample(5, seed=1).X.iloc[0])
        2.0
        """
        if not isinstance(interventions, Mapping) or not interventions:
            raise ValueError("do() needs a non-empty mapping {node: value or assignment}")
        self._check_known(interventions, what="node to intervene on")
        new = dict(self._mechanisms)
        for node, value in interventions.items():
            if isinstance(value, (Mechanism, tuple)):
                new[node] = _as_mechanism(node, value)
            elif callable(value):
                old = self._mechanisms[node]
                new[node] = _as_mechanism(node, Mechanism(old.parents, value, old.noise))
            else:
                if np.ndim(value) != 0:
                    raise ValueError(f"do({node} = ...) needs a scalar value or an assignment, "
                                     f"got an array of shape {np.shape(value)}")
                new[node] = Mechanism((), _constant(value), None)
        model = SCM(new)  # re-validates: a new assignment may not create a cycle
        model._interventions = {**self._interventions, **interventions}
        return model

    def counterfactual(
        self, evidence: Mapping[str, Any] | pd.DataFrame, intervention: Mapping[str, Any]
    ) -> pd.Series | pd.DataFrame:
        """Abduction, action, prediction for observed unit(s) (chapter 04).

        Recovers each unit's noise from ``evidence`` (one unit as a mapping, or a
        DataFrame of units), applies ``do(intervention)`` and runs the model forward
        with that noise. Raises ``ValueError`` naming the variable whose noise the
        evidence cannot pin down. See :func:`causalcourse.counterfactuals.counterfactual`.

        Example
        -------
        >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: 2 * x + u, normal())})
        >>> scm.counterfactual({"X": 1.0, "Y": 2.5}, {"X": 0.0}).round(3).to_dict()
        {'X': 0.0, 'Y': 0.5}
        """
        from causalcourse import counterfactuals  # imports this module: import here, not at the top

        return counterfactuals.counterfactual(self, evidence, intervention)

    # ----------------------------------------------------------------- sampling
    def sample(
        self,
        n: int | None = None,
        seed: int | np.random.Generator | None = None,
        *,
        noise: Mapping[str, Array] | pd.DataFrame | None = None,
        return_noise: bool = False,
    ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Draw ``n`` units: a DataFrame with one column per variable, in topological order.

        ``seed`` (an int, or a Generator from which an int seed is drawn) fixes the
        noise; the same seed gives the same units in every mutilation of the model.
        ``noise`` replays given noise values instead (one array per variable that has
        noise; ``n`` is then their length) — the *prediction* step of a counterfactual.
        With ``return_noise=True`` the result is ``(values, noise)``, both DataFrames.

        Example
        -------
        >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: x + u, normal())})
        >>> values, u = scm.sample(4, seed=0, return_noise=True)
        >>> bool((values.Y == values.X + u.Y).all())
        True
        >>> bool((scm.sample(noise=u) == values).all().all())
        True
        """
        noisy = [v for v in self._order if self._mechanisms[v].noise is not None]
        if noise is not None:
            given = {k: np.asarray(v) for k, v in dict(noise).items()}
            self._check_known(given, what="noise variable")
            missing = [v for v in noisy if v not in given]
            if missing:
                raise ValueError(f"noise values are missing for {missing}")
            lengths = {len(a) for a in given.values()}
            if len(lengths) > 1 or (n is not None and lengths != {n}):
                raise ValueError(f"noise arrays must all have length n; got lengths {sorted(lengths)}"
                                 + ("" if n is None else f" and n={n}"))
            n = lengths.pop() if lengths else n
            us = {v: given[v] for v in noisy}
        else:
            if isinstance(seed, np.random.Generator):
                seed = int(seed.integers(2**63))
            us = None
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        n = int(n)
        if us is None:
            if seed is None:
                seed = int(np.random.SeedSequence().entropy % 2**63)
            if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
                raise ValueError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
            us = {v: np.asarray(self._mechanisms[v].noise.draw(_stream(int(seed), v), n)) for v in noisy}
        values: dict[str, Array] = {}
        for node in self._order:
            values[node] = self._evaluate(node, values, us.get(node), n)
        frame = pd.DataFrame(values, columns=self._order)
        if return_noise:
            return frame, pd.DataFrame(us, columns=noisy)
        return frame

    def _evaluate(self, node: str, values: dict[str, Array], u: Array | None, n: int) -> Array:
        mech = self._mechanisms[node]
        args = [values[p] for p in mech.parents] + ([u] if mech.noise is not None else [])
        try:
            out = np.asarray(mech.f(*args))
        except Exception as error:  # name the assignment that failed, keep the cause
            raise ValueError(f"the assignment of {node!r} failed: {type(error).__name__}: {error}") from error
        if out.ndim == 0:
            return np.full(n, out[()])
        if out.shape != (n,):
            raise ValueError(f"the assignment of {node!r} returned shape {out.shape}; expected ({n},)")
        return out


def _constant(value: Any) -> Callable[[], Any]:
    def assign() -> Any:
        return value

    return assign
