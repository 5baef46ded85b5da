"""Small binary SCMs with threshold mechanisms, solved exactly by enumerating response types.

Every variable ``V`` is set by ``V := 1[U_V < p_V(parents)]`` with its own independent
``U_V ~ Uniform(0, 1)``. The thresholds of ``p_V`` cut ``[0, 1]`` into intervals; within one
interval ``V`` responds to its parents in one fixed way (a *response type*). A *world* picks
one response type per variable, and its probability is the product of the interval lengths.
Enumerating the worlds gives every observational, interventional and counterfactual
probability exactly — the ground truth of the benchmark. Internal to :mod:`causalcourse.llm`.

Its mechanisms are the course's :func:`causalcourse.scm.bernoulli_threshold` assignments:
:meth:`BinarySCM.to_scm` returns the same model as a :class:`causalcourse.scm.SCM`, which a
test simulates to check the exact answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.scm import SCM, bernoulli_threshold

__all__ = ["BinarySCM", "is_backdoor_set", "observed_graph"]


@dataclass
class BinarySCM:
    """Binary SCM: ``parents[v]`` (ordered) and ``probs[v][code]`` = P(v=1 | parents), code = parent
    bits.

    The first parent is the most significant bit of ``code``. ``latent`` names unobserved variables.

    Example
    -------
    >>> m = BinarySCM({"X": (), "Y": ("X",)}, {"X": [0.5], "Y": [0.2, 0.6]})
    >>> round(m.ate("X", "Y"), 6)
    0.4
    """

    parents: Mapping[str, Sequence[str]]
    probs: Mapping[str, Any]  # sequences of probabilities; arrays after construction
    latent: frozenset[str] = frozenset()
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.parents = {v: tuple(ps) for v, ps in self.parents.items()}
        self.probs = {v: np.asarray(self.probs[v], dtype=float) for v in self.parents}
        for v, ps in self.parents.items():
            for p in ps:
                if p not in self.parents:
                    raise UnknownNameError(f"parent {p!r} of {v!r} is not a variable of the model")
            if self.probs[v].shape != (2 ** len(ps),):
                raise CourseError(
                    f"{v!r} needs {2 ** len(ps)} probabilities (one per parent setting), "
                    f"got {self.probs[v].size}"
                )
            if np.any((self.probs[v] < 0) | (self.probs[v] > 1)):
                raise CourseError(f"probabilities of {v!r} must lie in [0, 1]")
        graph = nx.DiGraph([(p, v) for v, ps in self.parents.items() for p in ps])
        graph.add_nodes_from(self.parents)
        if not nx.is_directed_acyclic_graph(graph):
            raise CourseError("the parent sets contain a cycle")
        self.graph = graph
        self.order = list(nx.lexicographical_topological_sort(graph))
        self.latent = frozenset(self.latent)
        unknown = sorted(self.latent - set(self.parents))
        if unknown:
            raise UnknownNameError(f"latent variable(s) {unknown} are not variables of the model")
        self._worlds()

    def to_scm(self) -> SCM:
        """The same model as a sampling :class:`causalcourse.scm.SCM` (threshold mechanisms).

        Example
        -------
        >>> m = BinarySCM({"X": (), "Y": ("X",)}, {"X": [0.5], "Y": [0.2, 0.6]})
        >>> df = m.to_scm().sample(200_000, seed=0)
        >>> round(float(df.Y[df.X == 1].mean() - df.Y[df.X == 0].mean()), 2)
        0.4
        """
        return SCM(
            {
                v: bernoulli_threshold(
                    self.parents[v], self.probs[v] if self.parents[v] else float(self.probs[v][0])
                )
                for v in self.order
            }
        )

    def _worlds(self) -> None:
        tables, weights = [], []
        for v in self.order:
            p = self.probs[v]
            cuts = np.unique(np.concatenate([[0.0, 1.0], p]))
            lo, hi = cuts[:-1], cuts[1:]
            tables.append(
                (p[None, :] >= hi[:, None]).astype(np.int8)
            )  # U in (lo, hi): V=1 iff U < p
            weights.append(hi - lo)
        grids = np.meshgrid(*[np.arange(len(w)) for w in weights], indexing="ij")
        index = [g.ravel() for g in grids]
        self.weight = np.prod([w[i] for w, i in zip(weights, index, strict=True)], axis=0)
        self.response = {v: t[i] for v, t, i in zip(self.order, tables, index, strict=True)}

    def _check(self, *names: str | None) -> None:
        for name in names:
            if name is not None and name not in self.parents:
                raise UnknownNameError(f"unknown variable {name!r}; the model has {self.order}")

    def evaluate(self, do: Mapping[str, int | np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Value of every variable in every world, after ``do`` (constants or per-world arrays)."""
        do = dict(do or {})
        self._check(*do)
        n = self.weight.size
        values: dict[str, np.ndarray] = {}
        for v in self.order:
            if v in do:
                values[v] = np.broadcast_to(np.asarray(do[v], dtype=np.int8), (n,))
                continue
            code = np.zeros(n, dtype=np.int64)
            for p in self.parents[v]:
                code = 2 * code + values[p]
            values[v] = self.response[v][np.arange(n), code]
        return values

    def expect(self, values: np.ndarray, given: np.ndarray | None = None) -> float:
        """Probability-weighted mean of ``values`` over the worlds where ``given`` holds."""
        w = self.weight if given is None else self.weight * given
        if w.sum() <= 0:
            raise CourseError("conditioning on an event of probability zero")
        return float((w * values).sum() / w.sum())

    # --- queries (rungs 1-3) -------------------------------------------------------------
    def prob(self, y: str, given: Mapping[str, int] | None = None) -> float:
        """Observational P(y=1 | given)."""
        self._check(y, *(given or {}))
        obs = self.evaluate()
        mask = np.ones_like(self.weight, dtype=bool)
        for k, val in (given or {}).items():
            mask &= obs[k] == val
        return self.expect(obs[y], mask)

    def ate(self, x: str, y: str) -> float:
        """P(y=1 | do(x=1)) - P(y=1 | do(x=0))."""
        self._check(x, y)
        return self.expect(self.evaluate({x: 1})[y]) - self.expect(self.evaluate({x: 0})[y])

    def ett(self, x: str, y: str) -> float:
        """Effect of treatment on the treated: E[Y_1 - Y_0 | X = 1]."""
        self._check(x, y)
        obs = self.evaluate()
        return self.expect(self.evaluate({x: 1})[y] - self.evaluate({x: 0})[y], obs[x] == 1)

    def nde(self, x: str, m: str, y: str) -> float:
        """Natural direct effect E[Y_{1, M_0} - Y_{0, M_0}]."""
        self._check(x, m, y)
        m0 = self.evaluate({x: 0})[m]
        return self.expect(self.evaluate({x: 1, m: m0})[y] - self.evaluate({x: 0})[y])

    def nie(self, x: str, m: str, y: str) -> float:
        """Natural indirect effect E[Y_{0, M_1} - Y_{0, M_0}]."""
        self._check(x, m, y)
        m1 = self.evaluate({x: 1})[m]
        return self.expect(self.evaluate({x: 0, m: m1})[y] - self.evaluate({x: 0})[y])

    def counterfactual(self, x: str, y: str) -> float:
        """P(Y_{x=1} = 1 | X = 0, Y = 0): would a unit with neither have had y under x?"""
        self._check(x, y)
        obs = self.evaluate()
        return self.expect(self.evaluate({x: 1})[y], (obs[x] == 0) & (obs[y] == 0))

    def observed_joint(self) -> dict[tuple[int, ...], float]:
        """Exact joint distribution of the observed variables, keyed by values in topological
        order."""
        obs = self.evaluate()
        names = [v for v in self.order if v not in self.latent]
        codes = np.stack([obs[v] for v in names], axis=1)
        joint: dict[tuple[int, ...], float] = {}
        for row, w in zip(map(tuple, codes.tolist()), self.weight, strict=True):
            joint[row] = joint.get(row, 0.0) + float(w)
        return joint


def observed_graph(
    edges: Sequence[Sequence[str]],
    confounded: Sequence[Sequence[str]] = (),
    variables: Sequence[str] = (),
) -> nx.DiGraph:
    """A DAG with one explicit latent node ``U[a,b]`` for each confounded pair (latent=True).

    Example
    -------
    >>> sorted(observed_graph([("X", "Y")], [("X", "Y")]).nodes)
    ['U[X,Y]', 'X', 'Y']
    """
    g = nx.DiGraph()
    g.add_nodes_from(variables, latent=False)
    for a, b in edges:
        g.add_edge(a, b)
    nx.set_node_attributes(g, {n: False for n in g.nodes}, "latent")
    for a, b in confounded:
        u = f"U[{a},{b}]"
        g.add_node(u, latent=True)
        g.add_edge(u, a)
        g.add_edge(u, b)
    if not nx.is_directed_acyclic_graph(g):
        raise CourseError("the stated causal graph has a cycle")
    return g


def is_backdoor_set(graph: nx.DiGraph, x: str, y: str, adjust: Sequence[str]) -> bool:
    """Pearl's backdoor criterion: no descendant of x in ``adjust``, and it blocks every backdoor
    path.

    Example
    -------
    >>> g = observed_graph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> is_backdoor_set(g, "X", "Y", ["Z"]), is_backdoor_set(g, "X", "Y", [])
    (True, False)
    """
    if isinstance(adjust, str):
        raise CourseError(f"adjust must be a list of names, not the string {adjust!r}")
    adjusted = set(adjust)
    unknown = sorted(({x, y} | adjusted) - set(graph.nodes))
    if unknown:
        raise UnknownNameError(f"unknown node(s) {unknown}; the graph has {sorted(graph.nodes)}")
    if adjusted & (nx.descendants(graph, x) | {x, y}):
        return False
    if any(graph.nodes[a].get("latent", False) for a in adjusted):
        return False
    cut = graph.copy()
    cut.remove_edges_from(list(graph.out_edges(x)))
    return nx.is_d_separator(cut, {x}, {y}, adjusted)
