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

Constructors build the models the chapters share from these parts:
:func:`bernoulli_threshold` is the assignment ``V := 1[U_V < p(parents)]`` with
``U_V ~ Uniform(0, 1)`` (every binary variable of the course, and the mechanisms of
:class:`causalcourse.llm.exact.BinarySCM`); :func:`linear_gaussian` builds a linear-Gaussian
SCM from a weight matrix, and :func:`standardise_linear` rescales one so that every variable
has variance 1 (:class:`causalcourse.design.LinearSEM` is the same model in matrix form, for
batches of thousands of models). Counterfactuals (abduction, action, prediction) live in
:mod:`causalcourse.counterfactuals`, which builds on this module.

The class is hand-written because what an SCM is, is the lesson of chapter 03; probabilistic
programs with ChiRho's ``do`` are the library version (chapter 04), and the tests check the
two against each other on linear additive models.

Bad input raises :class:`causalcourse.errors.CourseError` (a ``ValueError``) naming the
variable; an unknown variable name raises :class:`causalcourse.errors.UnknownNameError`.
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast, overload

import networkx as nx
import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.graphs import check_acyclic

__all__ = [
    "Mechanism",
    "Noise",
    "SCM",
    "normal",
    "uniform",
    "bernoulli",
    "bernoulli_threshold",
    "linear_gaussian",
    "standardise_linear",
]

Array = np.ndarray


@dataclass(frozen=True)
class Noise:
    """An exogenous noise distribution: a name for display and a sampler ``draw(rng, n)``.

    Build one with :func:`normal`, :func:`uniform` or :func:`bernoulli`, or wrap any
    vectorised sampler, e.g. ``Noise("Exp(1)", lambda rng, n: rng.exponential(1.0, n))``.

    Example
    -------
    >>> Noise("Exp(1)", lambda rng, n: rng.exponential(1.0, n)).draw(np.random.default_rng(0),
    ...     3).shape
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
        raise CourseError(f"normal noise needs scale > 0, got {scale!r}")
    return Noise(f"Normal({loc:g}, {scale:g})", lambda rng, n: rng.normal(loc, scale, n))


def uniform(low: float = 0.0, high: float = 1.0) -> Noise:
    """Uniform noise on [low, high); with a threshold it makes any Bernoulli variable.

    Example
    -------
    >>> uniform()
    Noise(name='Uniform(0, 1)')
    """
    if not high > low:
        raise CourseError(f"uniform noise needs low < high, got low={low!r}, high={high!r}")
    return Noise(f"Uniform({low:g}, {high:g})", lambda rng, n: rng.uniform(low, high, n))


def bernoulli(p: float) -> Noise:
    """0/1 noise that is 1 with probability ``p``.

    Example
    -------
    >>> bernoulli(0.3)
    Noise(name='Bernoulli(0.3)')
    """
    if not 0.0 <= p <= 1.0:
        raise CourseError(f"bernoulli noise needs 0 <= p <= 1, got {p!r}")
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
            raise CourseError(
                f"parents must be a sequence of names such as ({self.parents!r},), "
                f"not the string {self.parents!r}"
            )
        object.__setattr__(self, "parents", tuple(self.parents))

    def apply(self, node: str, parents: list[Array], u: Array | None, n: int) -> Array:
        """Evaluate the assignment on parent arrays and noise; a length-``n`` array for ``node``.

        A scalar result is broadcast; an exception inside ``f``, or a result of another
        shape, becomes a :class:`~causalcourse.errors.CourseError` naming ``node``.

        Example
        -------
        >>> Mechanism(("X",), lambda x, u: x + u, normal()).apply("Y", [np.ones(2)], np.ones(2), 2)
        array([2., 2.])
        """
        args = list(parents) + ([u] if self.noise is not None else [])
        try:
            out = np.asarray(self.f(*args))
        except Exception as error:  # name the assignment that failed, keep the cause
            raise CourseError(
                f"the assignment of {node!r} failed: {type(error).__name__}: {error}"
            ) from error
        if out.ndim == 0:
            return np.full(n, out[()])
        if out.shape != (n,):
            raise CourseError(
                f"the assignment of {node!r} returned shape {out.shape}; expected ({n},)"
            )
        return out


def _as_mechanism(node: str, spec: Any) -> Mechanism:
    """Turn a Mechanism or a ``(parents, f[, noise])`` tuple into a checked Mechanism."""
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        try:
            spec = Mechanism(*spec)
        except ValueError as error:
            raise CourseError(
                f"the {error}".replace("the parents", f"the parents of {node!r}", 1)
            ) from None
    if not isinstance(spec, Mechanism):
        raise CourseError(
            f"the assignment of {node!r} must be a Mechanism or a (parents, f, noise) tuple, "
            f"got {type(spec).__name__}"
        )
    if not all(isinstance(p, str) for p in spec.parents):
        raise CourseError(
            f"the parents of {node!r} must be a sequence of names, got {spec.parents!r}"
        )
    if node in spec.parents:
        raise CourseError(f"node {node!r} lists itself as a parent: a variable cannot cause itself")
    if len(set(spec.parents)) != len(spec.parents):
        raise CourseError(f"node {node!r} lists a parent twice: {list(spec.parents)}")
    if not callable(spec.f):
        raise CourseError(f"the assignment of {node!r} is not callable: {spec.f!r}")
    if spec.noise is not None and not isinstance(spec.noise, Noise):
        raise CourseError(
            f"the noise of {node!r} must be a Noise (e.g. normal(), uniform()) or None, "
            f"got {spec.noise!r}"
        )
    n_args = len(spec.parents) + (spec.noise is not None)
    try:
        inspect.signature(spec.f).bind(*range(n_args))
    except TypeError:
        args = list(spec.parents) + ([f"U_{node}"] if spec.noise is not None else [])
        plural = "" if n_args == 1 else "s"
        raise CourseError(
            f"the assignment of {node!r} must accept {n_args} positional argument{plural} "
            f"({', '.join(args) or 'none'})"
        ) from None
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
    :class:`~causalcourse.errors.CourseError` naming the offending node otherwise. Variables may be
    discrete or
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
            raise CourseError("an SCM needs a non-empty mapping {variable name: Mechanism}")
        self._mechanisms: dict[str, Mechanism] = {}
        for node, spec in mechanisms.items():
            if not isinstance(node, str) or not node:
                raise CourseError(f"variable names must be non-empty strings, got {node!r}")
            self._mechanisms[node] = _as_mechanism(node, spec)
        self._interventions: dict[str, Any] = {}
        graph = nx.DiGraph()
        graph.add_nodes_from(self._mechanisms)
        for node, mech in self._mechanisms.items():
            for parent in mech.parents:
                if parent not in self._mechanisms:
                    raise CourseError(
                        f"node {node!r} has parent {parent!r}, which has no assignment; "
                        f"the model's variables are {sorted(self._mechanisms)}"
                    )
                graph.add_edge(parent, node)
        check_acyclic(graph, what="the assignments form", rule="an SCM here must be acyclic")
        nx.set_node_attributes(graph, False, "latent")
        self._graph = graph
        self._order = list(
            nx.lexicographical_topological_sort(graph, key=list(self._mechanisms).index)
        )

    # ----------------------------------------------------------------- structure
    @property
    def nodes(self) -> list[str]:
        """Variable names in the topological order used for sampling (and for columns)."""
        return list(self._order)

    @property
    def graph(self) -> nx.DiGraph:
        """The causal graph (a copy): an edge from each parent to its child; node attribute
        ``latent=False``."""
        return self._graph.copy()

    @property
    def mechanisms(self) -> dict[str, Mechanism]:
        """The assignments, by variable name (a copy of the mapping)."""
        return dict(self._mechanisms)

    @property
    def interventions(self) -> dict[str, Any]:
        """What ``do()`` calls produced this model: ``{node: value or assignment}`` (empty if
        none)."""
        return dict(self._interventions)

    def parents(self, node: str) -> tuple[str, ...]:
        """The parents of ``node`` (:class:`~causalcourse.errors.UnknownNameError` if it is not a
        variable)."""
        self._check_known([node])
        return self._mechanisms[node].parents

    def _check_known(self, names: Any, what: str = "node") -> None:
        for name in names:
            if name not in self._mechanisms:
                raise UnknownNameError(
                    f"unknown {what} {name!r}; the model has variables {self.nodes}"
                )

    def __repr__(self) -> str:
        lines = []
        for node in self._order:
            mech, hard = self._mechanisms[node], self._interventions.get(node)
            if node in self._interventions and not (
                callable(hard) or isinstance(hard, (Mechanism, tuple))
            ):
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
        >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: x + u,
        ...     normal())})
        >>> scm.do({"X": 2.0}).graph.in_degree("X"), scm.graph.number_of_edges()
        (0, 1)
        >>> float(scm.do({"X": 2.0}).sample(5, seed=1).X.iloc[0])
        2.0
        """
        if not isinstance(interventions, Mapping) or not interventions:
            raise CourseError("do() needs a non-empty mapping {node: value or assignment}")
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
                    raise CourseError(
                        f"do({node} = ...) needs a scalar value or an assignment, "
                        f"got an array of shape {np.shape(value)}"
                    )
                new[node] = Mechanism((), _constant(value), None)
        model = SCM(new)  # re-validates: a new assignment may not create a cycle
        model._interventions = {**self._interventions, **interventions}
        return model

    # ----------------------------------------------------------------- sampling
    @overload
    def sample(
        self,
        n: int | None = None,
        seed: int | np.random.Generator | None = None,
        *,
        noise: Mapping[str, Array] | pd.DataFrame | None = None,
        return_noise: Literal[False] = False,
    ) -> pd.DataFrame: ...

    @overload
    def sample(
        self,
        n: int | None = None,
        seed: int | np.random.Generator | None = None,
        *,
        noise: Mapping[str, Array] | pd.DataFrame | None = None,
        return_noise: Literal[True],
    ) -> tuple[pd.DataFrame, pd.DataFrame]: ...

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
        >>> scm = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: x + u,
        ...     normal())})
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
                raise CourseError(f"noise values are missing for {missing}")
            lengths = {len(a) for a in given.values()}
            if len(lengths) > 1 or (n is not None and lengths != {n}):
                raise CourseError(
                    f"noise arrays must all have length n; got lengths {sorted(lengths)}"
                    + ("" if n is None else f" and n={n}")
                )
            n = lengths.pop() if lengths else n
            us = {v: given[v] for v in noisy}
        else:
            if isinstance(seed, np.random.Generator):
                seed = int(seed.integers(2**63))
            us = None
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise CourseError(f"n must be a positive integer, got {n!r}")
        n = int(n)
        if us is None:
            if seed is None:
                seed = cast(int, np.random.SeedSequence().entropy) % 2**63
            if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
                raise CourseError(
                    f"seed must be a non-negative integer or a numpy Generator, got {seed!r}"
                )
            us = {v: self._draw(v, int(seed), n) for v in noisy}
        values: dict[str, Array] = {}
        for node in self._order:
            values[node] = self._evaluate(node, values, us.get(node), n)
        frame = pd.DataFrame(values, columns=self._order)
        if return_noise:
            return frame, pd.DataFrame(us, columns=noisy)
        return frame

    def _draw(self, node: str, seed: int, n: int) -> Array:
        noise = self._mechanisms[node].noise
        assert noise is not None  # only called for variables with noise
        return np.asarray(noise.draw(_stream(seed, node), n))

    def _evaluate(self, node: str, values: dict[str, Array], u: Array | None, n: int) -> Array:
        mech = self._mechanisms[node]
        return mech.apply(node, [values[p] for p in mech.parents], u, n)


def _constant(value: Any) -> Callable[[], Any]:
    def assign() -> Any:
        return value

    return assign


# --------------------------------------------------------------------------- constructors


def _probability_table(parents: tuple[str, ...], p: Any) -> Callable[..., Any]:
    """``p`` as a function of the parents' arrays: a number, a callable or a table."""
    if callable(p):
        return p
    table = np.asarray(p, dtype=float)
    if table.ndim == 0:
        if not 0.0 <= float(table) <= 1.0:
            raise CourseError(f"bernoulli_threshold needs a probability in [0, 1], got {p!r}")
        if parents:
            raise CourseError(
                f"bernoulli_threshold got parents {list(parents)} but a single probability {p!r}; "
                "give a table indexed by the parents' values or a function of them"
            )
        return lambda: float(table)
    if table.ndim == 1 and len(parents) > 1 and table.size == 2 ** len(parents):
        table = table.reshape((2,) * len(parents))  # flat, first parent most significant
    if table.ndim != len(parents):
        raise CourseError(
            f"bernoulli_threshold got a probability table with {table.ndim} dimension(s) for "
            f"{len(parents)} parent(s) {list(parents)}: index it by the parents' values"
        )
    if np.any((table < 0) | (table > 1)):
        raise CourseError(f"bernoulli_threshold needs probabilities in [0, 1], got {p!r}")
    return lambda *values: table[tuple(np.asarray(v, dtype=np.int64) for v in values)]


def bernoulli_threshold(parents: Sequence[str], p: Any) -> Mechanism:
    """The binary assignment ``V := 1[U_V < p(parents)]`` with ``U_V ~ Uniform(0, 1)``.

    ``p`` is P(V = 1 | parents): a number (for a root), a function of the parents'
    arrays, or a table indexed by the parents' integer values — an array of shape
    ``(levels of parent 1, levels of parent 2, ...)``, or for binary parents a flat list of
    ``2 ** len(parents)`` probabilities with the first parent as the most significant bit
    (the convention of :class:`causalcourse.llm.exact.BinarySCM`). The result is 0/1
    integers, exactly ``(u < p).astype(int)`` on a ``uniform()`` noise.

    Example
    -------
    >>> scm = SCM({"Z": bernoulli_threshold((), 0.5),
    ...            "X": bernoulli_threshold(("Z",), [0.2, 0.8]),
    ...            "Y": bernoulli_threshold(("X", "Z"), lambda x, z: 0.1 + 0.5 * x + 0.3 * z)})
    >>> df = scm.sample(100_000, seed=0)
    >>> round(float(df.X[df.Z == 1].mean()), 2), round(float(df.Y.mean()), 2)
    (0.8, 0.5)
    """
    if isinstance(parents, str):
        raise CourseError(
            f"parents must be a sequence of names such as ({parents!r},), not the string "
            f"{parents!r}"
        )
    parents = tuple(parents)
    prob = _probability_table(parents, p)

    def assign(*args: Array) -> Array:
        *values, u = args
        return (u < prob(*values)).astype(int)

    return Mechanism(parents, assign, uniform())


def standardise_linear(
    weights: Array, noise_sd: Array | Sequence[float] | None = None
) -> tuple[Array, Array]:
    """Rescale a linear-Gaussian model so that every variable has variance 1.

    ``weights[i, j]`` is the weight of the edge ``i -> j`` of the model
    ``x_j := Σ_i weights[i, j] x_i + noise_sd[j] u_j`` with ``u_j ~ N(0, 1)`` (default noise
    sd 1). Dividing each variable by its standard deviation keeps the graph and the
    correlations and returns ``(weights, noise_sd)`` of the standardised model — the scale
    the BGe prior expects, on which the order of the variances says nothing about the
    causal order.

    Example
    -------
    >>> w, sd = standardise_linear(np.array([[0.0, 1.0], [0.0, 0.0]]))
    >>> w.round(3).tolist(), sd.round(3).tolist()
    ([[0.0, 0.707], [0.0, 0.0]], [1.0, 0.707])
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise CourseError(f"weights must be a square matrix, got shape {w.shape}")
    d = w.shape[0]
    sd = np.ones(d) if noise_sd is None else np.asarray(noise_sd, dtype=float)
    if sd.shape != (d,) or np.any(sd <= 0):
        raise CourseError(f"noise_sd must hold {d} positive standard deviations, got {noise_sd!r}")
    graph = nx.DiGraph(list(zip(*np.nonzero(w), strict=True)))
    check_acyclic(graph, what="the weight matrix has", rule="a linear SEM must be acyclic")
    inv = np.linalg.inv(np.eye(d) - w)
    scale = np.sqrt((sd[:, None] ** 2 * inv**2).sum(axis=0))  # sd of each variable
    return w * scale[:, None] / scale[None, :], sd / scale


def linear_gaussian(
    nodes: Sequence[str],
    weights: Array,
    noise_sd: Array | Sequence[float] | None = None,
    intercepts: Array | Sequence[float] | None = None,
) -> SCM:
    """The linear-Gaussian SCM ``x_j := intercept_j + Σ_i weights[i, j] x_i + noise_sd[j] u_j``.

    ``weights[i, j]`` is the weight of ``nodes[i] -> nodes[j]`` (zero: no edge), ``u_j ~
    N(0, 1)``; noise sds default to 1 and intercepts to 0. Use :func:`standardise_linear`
    first for a model whose variables all have variance 1.

    Example
    -------
    >>> scm = linear_gaussian(("X", "Y"), np.array([[0.0, 2.0], [0.0, 0.0]]))
    >>> scm.parents("Y"), round(float(scm.do({"X": 1.0}).sample(100_000, seed=0).Y.mean()), 1)
    (('X',), 2.0)
    """
    names = tuple(nodes)
    d = len(names)
    w = np.asarray(weights, dtype=float)
    if w.shape != (d, d):
        raise CourseError(
            f"weights must have shape {(d, d)} for the nodes {list(names)}, got {w.shape}"
        )
    sd = np.ones(d) if noise_sd is None else np.asarray(noise_sd, dtype=float)
    b = np.zeros(d) if intercepts is None else np.asarray(intercepts, dtype=float)
    if sd.shape != (d,) or np.any(sd <= 0):
        raise CourseError(f"noise_sd must hold {d} positive standard deviations, got {noise_sd!r}")
    if b.shape != (d,):
        raise CourseError(f"intercepts must hold {d} numbers, got {intercepts!r}")
    mechanisms = {}
    for j, node in enumerate(names):
        parents = tuple(names[i] for i in np.nonzero(w[:, j])[0])
        slopes = w[np.nonzero(w[:, j])[0], j]

        def assign(
            *args: Array, slopes: Array = slopes, b: float = b[j], s: float = sd[j]
        ) -> Array:
            *values, u = args
            return b + sum((c * v for c, v in zip(slopes, values, strict=True)), 0.0) + s * u

        mechanisms[node] = Mechanism(parents, assign, normal())
    return SCM(mechanisms)
