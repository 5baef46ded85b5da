"""Structural causal bandits: where to intervene (Lee & Bareinboim, NeurIPS 2018).

An agent that may intervene on any subset of the variables of a causal diagram, setting each to
any value, has one arm per (set, values) pair: 3^n arms for n binary variables. Lee & Bareinboim
show that the diagram alone rules most of them out, before any data are seen:

- a **minimal intervention set** (MIS) intervenes on no variable that cannot affect the reward
  once the others are fixed: ``X`` is a MIS iff ``X`` lies among the ancestors of ``Y`` in the
  diagram with the arrows into ``X`` removed (:func:`minimal_do`, :func:`mis`);
- a **possibly-optimal** MIS (POMIS) is a MIS that is optimal in at least one SCM compatible with
  the diagram. The POMIS are the *interventional borders* :func:`interventional_border` of the
  diagram and of the diagrams left after intervening on parts of the *minimal unobserved
  confounders' territory* :func:`muct`; :func:`pomis` is the paper's recursive construction and
  :func:`brute_force_pomis` its definition-level check (the border after every intervention).

Diagrams are course DAGs (:func:`causalcourse.graphs.dag`) whose unobserved common causes are
latent nodes; :func:`diagram` builds one from directed edges and confounded pairs. The latent
projection onto the observed variables is y0's (:func:`causalcourse.identification.
latent_projection`); reachability, components and orders are networkx's. The MIS and POMIS
constructions are hand-written because they are the lesson of chapter 11; the tests check them
against brute force over many random SCMs (every set that is ever optimal is a POMIS, no other
set is ever strictly better) and against the counts the authors' code gives on their graphs.

:class:`BinaryModel` holds many binary SCMs compatible with one diagram at once, as tables
``P(V = 1 | parents)`` (the mechanisms ``V := 1[U_V < p(parents)]`` of
:func:`causalcourse.scm.bernoulli_threshold`; :meth:`BinaryModel.to_scm` gives the course
:class:`~causalcourse.scm.SCM`); :meth:`BinaryModel.means` computes every arm's expected
reward exactly by the truncated factorisation. :func:`paper_task` builds the three SCMs of the
paper's experiment with the authors' published parameters.

Arms are played with the policy protocol of :mod:`causalcourse.bandits` (``start``,
``choose``, ``update``); :class:`KLUCB` is the authors' kl-UCB and
:class:`causalcourse.bandits.ThompsonSampling` their Thompson sampling; :func:`play` runs a
policy on Bernoulli arms in many runs at once and records the expected regret of every round.

Example
-------
>>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])   # the IV diagram
>>> [sorted(s) for s in pomis(g, "Y")]
[['X'], ['Z']]
>>> [sorted(s) for s in mis(g, "Y")]
[[], ['X'], ['Z']]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from causalcourse.bandits import Policy
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.graphs import check_acyclic, dag
from causalcourse.scm import SCM, bernoulli_threshold

__all__ = [
    "diagram",
    "minimal_do",
    "is_mis",
    "mis",
    "muct",
    "interventional_border",
    "pomis",
    "brute_force_pomis",
    "intervention_sets",
    "arm_sets",
    "arms_of",
    "BinaryModel",
    "random_binary_model",
    "best_per_set",
    "PAPER_TASKS",
    "paper_task",
    "KLUCB",
    "ArmRuns",
    "play",
    "compare_strategies",
]

IntervSet = frozenset[str]


# --------------------------------------------------------------------------- diagrams


def diagram(
    edges: Iterable[tuple[str, str]],
    confounded: Iterable[tuple[str, str]] = (),
    nodes: Iterable[str] | None = None,
) -> nx.DiGraph:
    """A causal diagram as a course DAG: directed edges and a latent ``U_ab`` per confounded pair.

    ``confounded`` lists the pairs joined by a bidirected arc ``a <-> b`` (an unobserved common
    cause); each becomes a latent root named ``U_`` followed by the two names in sorted order
    (``("X", "W")`` gives ``U_WX``, the paper's name).

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> sorted(g.nodes), g.nodes["U_XY"]["latent"]
    (['U_XY', 'X', 'Y', 'Z'], True)
    """
    edge_list: list[Any] = [tuple(e) if isinstance(e, (tuple, list)) else e for e in edges]
    pairs = [tuple(p) for p in confounded]
    declared = None if nodes is None else list(nodes)
    names = {n for e in edge_list for n in e} | set(declared or [])
    latent = []
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise CourseError(f"a confounded pair names two different variables, got {pair!r}")
        for node in pair:
            if node not in names:
                raise UnknownNameError(
                    f"confounded pair {pair!r} names {node!r}, which no edge or node declares"
                )
        name = "U_" + "".join(sorted(pair))
        if name in names:
            raise CourseError(f"the latent name {name!r} is already a variable of the diagram")
        latent.append(name)
        edge_list += [(name, pair[0]), (name, pair[1])]
    all_nodes = None if declared is None else declared + latent
    return dag(edge_list, nodes=all_nodes, latent=latent)


@dataclass(frozen=True)
class _Mixed:
    """An acyclic directed mixed graph over the observed variables (internal)."""

    directed: nx.DiGraph
    bidirected: nx.Graph

    @property
    def nodes(self) -> frozenset[str]:
        return frozenset(self.directed.nodes)

    def do(self, xs: Iterable[str]) -> _Mixed:
        xs = set(xs)
        directed = self.directed.copy()
        directed.remove_edges_from([(p, x) for x in xs for p in list(directed.predecessors(x))])
        bidirected = self.bidirected.copy()
        bidirected.remove_edges_from([e for x in xs for e in list(bidirected.edges(x))])
        return _Mixed(directed, bidirected)

    def induced(self, keep: Iterable[str]) -> _Mixed:
        keep = set(keep)
        return _Mixed(self.directed.subgraph(keep).copy(), self.bidirected.subgraph(keep).copy())

    def an(self, ys: Iterable[str]) -> frozenset[str]:
        out = set(ys)
        for y in list(out):
            out |= nx.ancestors(self.directed, y)
        return frozenset(out)

    def de(self, xs: Iterable[str]) -> frozenset[str]:
        out = set(xs)
        for x in list(out):
            out |= nx.descendants(self.directed, x)
        return frozenset(out)

    def pa(self, xs: Iterable[str]) -> frozenset[str]:
        return frozenset(p for x in xs for p in self.directed.predecessors(x))

    def c_component(self, v: str) -> frozenset[str]:
        return frozenset(nx.node_connected_component(self.bidirected, v))

    def backward_order(self) -> list[str]:
        return list(reversed(list(nx.lexicographical_topological_sort(self.directed))))


def _mixed(graph: nx.DiGraph, reward: str) -> _Mixed:
    """Check a course diagram and the reward, and project onto the observed variables."""
    from causalcourse.identification import latent_projection

    if not isinstance(graph, nx.DiGraph):
        raise CourseError(
            f"expected a causal diagram (networkx.DiGraph; build it with diagram()), "
            f"got {type(graph).__name__}"
        )
    check_acyclic(graph)
    if reward not in graph:
        raise UnknownNameError(
            f"unknown reward {reward!r}; the diagram has nodes {sorted(map(str, graph.nodes))}"
        )
    if graph.nodes[reward].get("latent", False):
        raise CourseError(f"the reward {reward!r} is latent; it must be observed")
    projected = latent_projection(graph)
    directed = nx.DiGraph()
    directed.add_nodes_from(str(v) for v in projected.nodes())
    directed.add_edges_from((str(a), str(b)) for a, b in projected.directed.edges)
    bidirected = nx.Graph()
    bidirected.add_nodes_from(directed.nodes)
    bidirected.add_edges_from((str(a), str(b)) for a, b in projected.undirected.edges)
    return _Mixed(directed, bidirected)


def _as_set(graph: _Mixed, reward: str, xs: Iterable[str]) -> IntervSet:
    if isinstance(xs, str):
        raise CourseError(f"give the intervention set as a collection of names, not {xs!r}")
    out = frozenset(xs)
    unknown = sorted(out - graph.nodes)
    if unknown:
        raise UnknownNameError(
            f"intervention set names {unknown}, not observed variables of the diagram "
            f"({sorted(graph.nodes)})"
        )
    if reward in out:
        raise CourseError(f"an intervention set may not contain the reward {reward!r}")
    return out


def _sorted_sets(sets: Iterable[IntervSet]) -> list[IntervSet]:
    return sorted(set(sets), key=lambda s: (len(s), sorted(s)))


def minimal_do(graph: nx.DiGraph, reward: str, xs: Iterable[str]) -> IntervSet:
    """The part of ``xs`` that matters for the reward: ``xs`` ∩ An(Y) in the diagram do(``xs``).

    Intervening on ``xs`` and on ``minimal_do(xs)`` (with the same values) gives the same
    expected reward in every SCM compatible with the diagram.

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> sorted(minimal_do(g, "Y", {"X", "Z"}))     # once X is set, Z no longer matters
    ['X']
    """
    g = _mixed(graph, reward)
    x = _as_set(g, reward, xs)
    return frozenset(x & g.do(x).an([reward]))


def is_mis(graph: nx.DiGraph, reward: str, xs: Iterable[str]) -> bool:
    """Whether ``xs`` is a minimal intervention set: ``minimal_do(xs) == xs``.

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> is_mis(g, "Y", {"Z"}), is_mis(g, "Y", {"X", "Z"})
    (True, False)
    """
    return minimal_do(graph, reward, xs) == frozenset(xs)


def mis(graph: nx.DiGraph, reward: str) -> list[IntervSet]:
    """All minimal intervention sets for ``reward``, smallest first (the paper's recursion).

    Walk the variables in reverse causal order; intervening on one removes from the diagram
    everything that is no longer an ancestor of the reward, and the recursion continues on
    what is left (Lee & Bareinboim 2018, Algorithm 'MISs').

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")])
    >>> [sorted(s) for s in mis(g, "Y")]
    [[], ['X'], ['Z']]
    """
    g = _mixed(graph, reward)
    h = g.induced(g.an([reward]))
    order = [w for w in h.backward_order() if w != reward]
    return _sorted_sets(_sub_mis(h, reward, frozenset(), order))


def _sub_mis(g: _Mixed, reward: str, xs: IntervSet, ws: list[str]) -> set[IntervSet]:
    out = {xs}
    for i, w in enumerate(ws):
        h = g.do([w])
        h = h.induced(h.an([reward]))
        out |= _sub_mis(h, reward, xs | {w}, [v for v in ws[i + 1 :] if v in h.nodes])
    return out


def _muct(g: _Mixed, reward: str) -> IntervSet:
    h = g.induced(g.an([reward]))
    territory = {reward}
    queue = {reward}
    while queue:
        q = min(queue)  # any order gives the same closure; min keeps it deterministic
        queue.discard(q)
        component = h.c_component(q)
        territory |= component
        queue = (queue | h.de(component)) - territory
    return frozenset(territory)


def _muct_ib(g: _Mixed, reward: str) -> tuple[IntervSet, IntervSet]:
    territory = _muct(g, reward)
    return territory, g.pa(territory) - territory


def muct(graph: nx.DiGraph, reward: str) -> IntervSet:
    """The minimal unobserved confounders' territory of the reward.

    The smallest set that contains ``reward`` and is closed under c-components (variables
    joined by paths of bidirected arcs) and under descendants, within the ancestors of
    ``reward``. Setting its interventional border fixes everything it listens to from outside;
    only intervening inside it, which cuts a member's confounding, can yield another candidate.

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> sorted(muct(g, "Y"))
    ['X', 'Y']
    """
    return _muct(_mixed(graph, reward), reward)


def interventional_border(graph: nx.DiGraph, reward: str) -> IntervSet:
    """The interventional border: the parents of the MUCT outside it, ``pa(T) \\ T``.

    It is always a POMIS; in a diagram without unobserved confounders it is ``pa(Y)``, the
    only POMIS.

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> sorted(interventional_border(g, "Y"))
    ['Z']
    """
    return _muct_ib(_mixed(graph, reward), reward)[1]


def pomis(graph: nx.DiGraph, reward: str) -> list[IntervSet]:
    """All possibly-optimal minimal intervention sets, smallest first (the paper's Algorithm 1).

    Start with the interventional border of the diagram. Then, for each variable ``W`` of the
    MUCT in reverse causal order, intervene on it and take the border of what is left; recurse
    into the new territory. Variables passed over earlier in the walk are never intervened on
    again, which makes each POMIS come out once.

    Example
    -------
    >>> g = diagram([("X1", "Y"), ("X2", "Y"), ("Z1", "X1"), ("Z1", "X2"), ("Z2", "X1"),
    ...              ("Z2", "X2")])       # no unobserved confounders: only pa(Y)
    >>> [sorted(s) for s in pomis(g, "Y")]
    [['X1', 'X2']]
    """
    g = _mixed(graph, reward)
    g = g.induced(g.an([reward]))
    territory, border = _muct_ib(g, reward)
    h = g.do(border).induced(territory | border)
    walk = [w for w in h.backward_order() if w in territory - {reward}]
    return _sorted_sets(_sub_pomis(h, reward, walk, frozenset()) | {border})


def _sub_pomis(g: _Mixed, reward: str, ws: list[str], passed: IntervSet) -> set[IntervSet]:
    out: set[IntervSet] = set()
    for i, w in enumerate(ws):
        territory, border = _muct_ib(g.do([w]), reward)
        now_passed = passed | frozenset(ws[:i])
        if not border & now_passed:
            out.add(border)
            rest = [v for v in ws[i + 1 :] if v in territory]
            if rest:
                h = g.do(border).induced(territory | border)
                out |= _sub_pomis(h, reward, rest, now_passed)
    return out


def brute_force_pomis(graph: nx.DiGraph, reward: str) -> list[IntervSet]:
    """The POMIS by their characterisation: the interventional border after every intervention.

    A MIS is possibly optimal iff it is the interventional border of the diagram do(W) for some
    set W (Lee & Bareinboim 2018); this enumerates all 2^n sets W, so it is the
    slow check of :func:`pomis`.

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> [sorted(s) for s in brute_force_pomis(g, "Y")]
    [['X'], ['Z']]
    """
    g = _mixed(graph, reward)
    others = sorted(g.nodes - {reward})
    found = set()
    for size in range(len(others) + 1):
        for ws in itertools.combinations(others, size):
            h = g.do(ws)
            found.add(_muct_ib(h.induced(h.an([reward])), reward)[1])
    return _sorted_sets(found)


def intervention_sets(graph: nx.DiGraph, reward: str) -> list[IntervSet]:
    """Every subset of the observed non-reward variables, smallest first (2^n sets).

    Example
    -------
    >>> [sorted(s) for s in intervention_sets(diagram([("X", "Y")]), "Y")]
    [[], ['X']]
    """
    g = _mixed(graph, reward)
    others = sorted(g.nodes - {reward})
    return [frozenset(c) for k in range(len(others) + 1) for c in itertools.combinations(others, k)]


def arm_sets(graph: nx.DiGraph, reward: str) -> dict[str, list[IntervSet]]:
    """The intervention sets each strategy of the paper's experiment plays.

    ``"all sets"`` (the paper's *brute force*: every subset), ``"MIS"``, ``"POMIS"`` and
    ``"all at once"`` (intervene on every non-reward variable; the paper's *all-at-once*).

    Example
    -------
    >>> g = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
    >>> {k: len(v) for k, v in arm_sets(g, "Y").items()}
    {'all sets': 4, 'MIS': 3, 'POMIS': 2, 'all at once': 1}
    """
    everything = intervention_sets(graph, reward)
    return {
        "all sets": everything,
        "MIS": mis(graph, reward),
        "POMIS": pomis(graph, reward),
        "all at once": [everything[-1]],
    }


def arms_of(sets: Iterable[Iterable[str]]) -> list[dict[str, int]]:
    """One arm per (set, binary values) pair: ``{variable: value}``, sets in the given order.

    Example
    -------
    >>> arms_of([frozenset(), frozenset({"X"})])
    [{}, {'X': 0}, {'X': 1}]
    """
    out: list[dict[str, int]] = []
    for xs in sets:
        if isinstance(xs, str):
            raise CourseError(f"give each intervention set as a collection of names, not {xs!r}")
        names = sorted(xs)
        for values in itertools.product((0, 1), repeat=len(names)):
            out.append(dict(zip(names, values, strict=True)))
    return out


# --------------------------------------------------------------------------- binary SCMs


def _codes(parents: Sequence[str], config: Mapping[str, np.ndarray]) -> np.ndarray:
    """Row of each configuration in a table over ``parents`` (first parent most significant)."""
    code = np.zeros(len(next(iter(config.values()))), dtype=np.int64)
    for p in parents:
        code = 2 * code + config[p]
    return code


MAX_VARIABLES = 16  # exact enumeration visits 2^n configurations


@dataclass(frozen=True)
class BinaryModel:
    """Many binary SCMs compatible with one diagram: ``probs[v][m, code] = P(v = 1 | parents)``.

    ``graph`` is a course DAG (latent nodes included; they are variables of the model too).
    Each variable is ``V := 1[U_V < p(parents)]`` with its own uniform noise, the mechanism of
    :func:`causalcourse.scm.bernoulli_threshold`; ``parents[v]`` are its parents in sorted
    order, the first the most significant bit of ``code``. Model ``m`` of the batch is
    :meth:`to_scm` ``(m)``; :meth:`means` computes expected rewards exactly for all models.

    Example
    -------
    >>> g = diagram([("X", "Y")])
    >>> model = BinaryModel(g, {"X": np.array([[0.5]]), "Y": np.array([[0.2, 0.7]])})
    >>> model.means("Y", [{}, {"X": 0}, {"X": 1}]).round(2).tolist()
    [[0.45, 0.2, 0.7]]
    """

    graph: nx.DiGraph
    probs: Mapping[str, np.ndarray]
    parents: dict[str, tuple[str, ...]] = field(init=False)
    order: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.graph, nx.DiGraph):
            raise CourseError("BinaryModel needs a causal diagram (networkx.DiGraph)")
        check_acyclic(self.graph)
        if len(self.graph) > MAX_VARIABLES:
            raise CourseError(
                f"exact enumeration is limited to {MAX_VARIABLES} binary variables "
                f"(latent ones included); the diagram has {len(self.graph)}"
            )
        missing = sorted(set(map(str, self.graph.nodes)) - set(self.probs))
        extra = sorted(set(self.probs) - set(map(str, self.graph.nodes)))
        if missing or extra:
            raise UnknownNameError(
                f"probability tables must match the diagram's variables: missing {missing}, "
                f"unknown {extra}"
            )
        parents = {v: tuple(sorted(self.graph.predecessors(v))) for v in self.graph.nodes}
        tables = {}
        n_models = None
        for v, ps in parents.items():
            table = np.atleast_2d(np.asarray(self.probs[v], dtype=float))
            if table.ndim != 2 or table.shape[1] != 2 ** len(ps):
                raise CourseError(
                    f"the table of {v!r} needs shape (n_models, {2 ** len(ps)}) for parents "
                    f"{list(ps)}, got {np.shape(self.probs[v])}"
                )
            if np.any((table < 0) | (table > 1)) or not np.all(np.isfinite(table)):
                raise CourseError(f"the table of {v!r} must hold probabilities in [0, 1]")
            if n_models is not None and table.shape[0] != n_models:
                raise CourseError(
                    f"every table needs the same number of models; {v!r} has {table.shape[0]}, "
                    f"others {n_models}"
                )
            n_models = table.shape[0]
            tables[v] = table
        object.__setattr__(self, "probs", tables)
        object.__setattr__(self, "parents", parents)
        object.__setattr__(self, "order", list(nx.lexicographical_topological_sort(self.graph)))

    @property
    def n_models(self) -> int:
        return int(next(iter(self.probs.values())).shape[0])

    def to_scm(self, index: int = 0) -> SCM:
        """Model ``index`` of the batch as a course :class:`~causalcourse.scm.SCM`.

        Example
        -------
        >>> g = diagram([("X", "Y")])
        >>> model = BinaryModel(g, {"X": np.array([[0.5]]), "Y": np.array([[0.2, 0.7]])})
        >>> round(float(model.to_scm().do({"X": 1}).sample(100_000, seed=0).Y.mean()), 2)
        0.7
        """
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
            0 <= index < self.n_models
        ):
            raise CourseError(
                f"index must be a model number in 0..{self.n_models - 1}, got {index!r}"
            )
        return SCM(
            {
                v: bernoulli_threshold(
                    self.parents[v],
                    self.probs[v][index] if self.parents[v] else float(self.probs[v][index, 0]),
                )
                for v in self.order
            }
        )

    def _configurations(self) -> dict[str, np.ndarray]:
        grid = np.array(list(itertools.product((0, 1), repeat=len(self.order))), dtype=np.int64)
        return {v: grid[:, i] for i, v in enumerate(self.order)}

    def means(self, reward: str, arms: Sequence[Mapping[str, int]]) -> np.ndarray:
        """Exact E[reward | do(arm)] for every model and arm, shape ``(n_models, n_arms)``.

        The truncated factorisation: the joint of all variables (latent ones included) is the
        product of their tables, and ``do(X = x)`` replaces the tables of ``X`` by the
        indicator of ``x``. Arms are ``{variable: 0 or 1}`` dictionaries (``{}`` observes).

        Example
        -------
        >>> g = diagram([("X", "Y")], confounded=[("X", "Y")])
        >>> model = random_binary_model(g, 3, np.random.default_rng(0))
        >>> model.means("Y", [{"X": 1}]).shape
        (3, 1)
        """
        if reward not in self.probs:
            raise UnknownNameError(f"unknown reward {reward!r}; the model has {self.order}")
        arms = list(arms)
        for arm in arms:
            if not isinstance(arm, Mapping):
                raise CourseError(f"an arm is a mapping {{variable: value}}, got {arm!r}")
            unknown = sorted(set(arm) - set(self.probs))
            if unknown:
                raise UnknownNameError(f"arm {arm!r} names unknown variables {unknown}")
            if reward in arm:
                raise CourseError(f"arm {arm!r} intervenes on the reward {reward!r}")
            if any(value not in (0, 1) for value in arm.values()):
                raise CourseError(f"arm {arm!r} must set binary variables to 0 or 1")
        config = self._configurations()
        factors = {}
        for v in self.order:
            p_one = self.probs[v][:, _codes(self.parents[v], config)]  # (n_models, n_configs)
            factors[v] = np.where(config[v] == 1, p_one, 1 - p_one)
        y = config[reward]
        out = np.empty((self.n_models, len(arms)))
        by_set: dict[frozenset[str], list[int]] = {}
        for j, arm in enumerate(arms):
            by_set.setdefault(frozenset(arm), []).append(j)
        for xs, columns in by_set.items():
            joint = np.ones_like(factors[self.order[0]])
            for v in self.order:
                if v not in xs:
                    joint = joint * factors[v]
            weighted = joint * y  # (n_models, n_configs)
            for j in columns:
                match = np.ones(y.size, dtype=bool)
                for v, value in arms[j].items():
                    match &= config[v] == value
                out[:, j] = weighted[:, match].sum(axis=1)
        return out


def random_binary_model(
    graph: nx.DiGraph, n_models: int, rng: np.random.Generator, concentration: float = 1.0
) -> BinaryModel:
    """``n_models`` random binary SCMs compatible with ``graph``: tables drawn from Beta(c, c).

    Every variable, latent ones included, gets an independent table; ``concentration`` c = 1
    draws uniform probabilities, c < 1 near-deterministic mechanisms (which make more
    intervention sets optimal somewhere), c > 1 probabilities near 1/2.

    Example
    -------
    >>> model = random_binary_model(diagram([("X", "Y")]), 4, np.random.default_rng(0))
    >>> model.n_models, model.probs["Y"].shape
    (4, (4, 2))
    """
    if isinstance(n_models, bool) or not isinstance(n_models, (int, np.integer)) or n_models < 1:
        raise CourseError(f"n_models must be a positive integer, got {n_models!r}")
    if not concentration > 0:
        raise CourseError(f"concentration must be positive, got {concentration!r}")
    if not isinstance(graph, nx.DiGraph):
        raise CourseError("random_binary_model needs a causal diagram (networkx.DiGraph)")
    probs = {
        v: rng.beta(concentration, concentration, (n_models, 2 ** graph.in_degree(v)))
        for v in sorted(map(str, graph.nodes))
    }
    return BinaryModel(graph, probs)


def best_per_set(
    model: BinaryModel, reward: str, sets: Sequence[Iterable[str]] | None = None
) -> dict[IntervSet, np.ndarray]:
    """For each intervention set, its best expected reward in every model: max over its values.

    ``sets`` defaults to every subset of the observed non-reward variables. The result maps
    each set to an array of one value per model of the batch.

    Example
    -------
    >>> best = best_per_set(paper_task("iv"), "Y")
    >>> {"".join(sorted(s)) or "{}": round(float(v[0]), 3) for s, v in best.items()}
    {'{}': 0.445, 'X': 0.507, 'Z': 0.773, 'XZ': 0.507}
    """
    if not isinstance(model, BinaryModel):
        raise CourseError(f"best_per_set needs a BinaryModel, got {type(model).__name__}")
    chosen = (
        intervention_sets(model.graph, reward) if sets is None else [frozenset(s) for s in sets]
    )
    if not chosen:
        raise CourseError("give at least one intervention set")
    means = model.means(reward, arms_of(chosen))
    out: dict[IntervSet, np.ndarray] = {}
    start = 0
    for xs in chosen:
        width = 2 ** len(xs)
        out[xs] = means[:, start : start + width].max(axis=1)
        start += width
    return out


# --------------------------------------------------------------------------- the paper's tasks

#: The three tasks of the paper's experiment (Lee & Bareinboim 2018, Section 5).
PAPER_TASKS: tuple[str, ...] = ("markovian", "iv", "xyzwst")

# P(U = 1) of every exogenous variable, as the authors' code draws them with numpy seed 0
# (npsem/NIPS2018POMIS_exp/scm_examples.py: simple_markovian_SCM(seed=0),
# IV_SCM(devised=True, seed=0), XYZWST_SCM(devised=True, seed=0)); a test re-draws them.
_PAPER_NOISE: dict[str, dict[str, float]] = {
    "markovian": {"U_X1": 0.54, "U_X2": 0.67, "U_Y": 0.58, "U_Z1": 0.54, "U_Z2": 0.44},
    "iv": {"U_X": 0.11, "U_Y": 0.15, "U_Z": 0.6, "U_XY": 0.51},
    "xyzwst": {
        "U_WX": 0.51, "U_YZ": 0.54, "U_X": 0.06, "U_Y": 0.06,
        "U_Z": 0.05, "U_W": 0.07, "U_S": 0.45, "U_T": 0.81,
    },
}


def _table(parents: Sequence[str], p_one: Any) -> np.ndarray:
    """A (1, 2^k) table from a function of the parents' values (first parent most significant)."""
    rows = [p_one(**dict(zip(parents, bits, strict=True)))
            for bits in itertools.product((0, 1), repeat=len(parents))]
    return np.array([rows], dtype=float)


def _xor(p_noise: float, flip: int = 0) -> Any:
    """``V := U_V xor flip xor (parents' parity)`` with ``U_V ~ Bernoulli(p_noise)``."""

    def p_one(**parents: int) -> float:
        parity = (sum(parents.values()) + flip) % 2
        return 1 - p_noise if parity else p_noise

    return p_one


def paper_task(name: str) -> BinaryModel:
    """The SCM of one task of the paper's experiment, with the authors' published parameters.

    ``"markovian"``: Z1, Z2 -> X1, X2 -> Y, no confounders, ``Y := U_Y or (X1 and X2)``;
    ``"iv"``: Z -> X -> Y with X <-> Y; ``"xyzwst"``: Z -> X -> Y <- W <- S, T -> X, T -> Y,
    with X <-> W and Z <-> Y. The mechanisms are exclusive-ors of parents and binary noise,
    as in the authors' ``scm_examples.py``; each shared noise (``U_XY``, ``U_WX``, ``U_YZ``) is
    a latent node, each variable's own noise lives in its table.

    Example
    -------
    >>> model = paper_task("iv")
    >>> round(float(model.means("Y", [{}])[0, 0]), 4)      # the authors' code gives 0.4454
    0.4454
    """
    if name not in PAPER_TASKS:
        raise UnknownNameError(f"unknown task {name!r}; choose one of {list(PAPER_TASKS)}")
    p = _PAPER_NOISE[name]
    if name == "markovian":
        graph = diagram([("X1", "Y"), ("X2", "Y"), ("Z1", "X1"), ("Z1", "X2"), ("Z2", "X1"),
                         ("Z2", "X2")])
        mechanisms = {
            "Z1": _xor(p["U_Z1"]), "Z2": _xor(p["U_Z2"]),
            "X1": _xor(p["U_X1"]), "X2": _xor(p["U_X2"], flip=1),
            "Y": lambda X1, X2: 1.0 if X1 and X2 else p["U_Y"],
        }
    elif name == "iv":
        graph = diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
        mechanisms = {
            "U_XY": _xor(p["U_XY"]), "Z": _xor(p["U_Z"]),
            "X": _xor(p["U_X"]), "Y": _xor(p["U_Y"], flip=1),
        }
    else:
        graph = diagram([("Z", "X"), ("X", "Y"), ("W", "Y"), ("S", "W"), ("T", "X"), ("T", "Y")],
                        confounded=[("X", "W"), ("Z", "Y")])
        mechanisms = {
            "U_WX": _xor(p["U_WX"]), "U_YZ": _xor(p["U_YZ"]),
            "S": _xor(p["U_S"]), "T": _xor(p["U_T"]),
            "W": _xor(p["U_W"]), "Z": _xor(p["U_Z"]),
            "X": _xor(p["U_X"], flip=1), "Y": _xor(p["U_Y"]),
        }
    parents = {v: tuple(sorted(graph.predecessors(v))) for v in graph.nodes}
    return BinaryModel(graph, {v: _table(parents[v], f) for v, f in mechanisms.items()})


# --------------------------------------------------------------------------- playing the arms


def _kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    eps = 1e-15
    p = np.clip(p, eps, 1 - eps)
    q = np.clip(q, eps, 1 - eps)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


class KLUCB:
    """Bernoulli kl-UCB (Garivier & Cappé 2011) with the authors' ``f(t) = log t + 3 log log t``.

    Each arm is pulled once, in a random order per run; then the arm with the largest upper
    bound ``max{q : n_a kl(mean_a, q) <= f(t)}`` (ties at random). The bound is found by a
    few Newton steps in ``z = -log(1 - q)`` from an upper bound, vectorised over runs and arms.

    Example
    -------
    >>> runs = play(KLUCB(), np.array([0.2, 0.8]), 200, 50, np.random.default_rng(0))
    >>> float(runs.regret[:, -50:].mean()) < 0.1
    True
    """

    name = "kl-UCB"

    def __init__(self, newton_steps: int = 6) -> None:
        if isinstance(newton_steps, bool) or not isinstance(newton_steps, int) or newton_steps < 1:
            raise CourseError(f"newton_steps must be a positive integer, got {newton_steps!r}")
        self.newton_steps = newton_steps

    def start(self, n_runs: int, n_arms: int, rng: np.random.Generator) -> None:
        self.rng, self.runs, self.t = rng, np.arange(n_runs), 0
        self.wins = np.zeros((n_runs, n_arms))
        self.pulls = np.zeros((n_runs, n_arms))
        self.first = np.argsort(rng.random((n_runs, n_arms)), axis=1)  # initial order per run

    @staticmethod
    def exploration(t: int) -> float:
        return 1.0 if t < 3 else float(np.log(t) + 3 * np.log(np.log(t)))

    def upper_bounds(self) -> np.ndarray:
        """Every arm's index ``max{q >= mean : n kl(mean, q) <= f(t)}``, shape (n_runs, n_arms)."""
        p = np.clip(self.wins / self.pulls, 0.0, 1 - 1e-9)
        level = self.exploration(self.t) / self.pulls
        # Newton's method on z = -log(1 - q), in which kl(p, q) = (1 - p) z - p log q - H(p) is
        # convex and increasing with a slope that tends to 1 - p: from above the root (kl is at
        # least (1 - p) z - H(p)), every step stays above it and the steps converge quadratically.
        entropy = -(p * np.log(np.maximum(p, 1e-300)) + (1 - p) * np.log1p(-p))
        target = level + entropy
        z = target / (1 - p) + 1.0
        floor = -np.log1p(-p)  # q = p
        for _ in range(self.newton_steps):
            tail = np.exp(-z)
            q = 1.0 - tail
            gap = (1 - p) * z - p * np.log(q) - target
            slope = (1 - p) - p * tail / q
            z = np.maximum(z - gap / np.maximum(slope, 1e-12), floor)
        return -np.expm1(-z)

    def choose(self, context: np.ndarray | None = None) -> np.ndarray:
        n_arms = self.wins.shape[1]
        if self.t < n_arms:
            return self.first[:, self.t]
        bounds = self.upper_bounds()
        top = bounds >= bounds.max(axis=1, keepdims=True) - 1e-12
        return np.argmax(top * self.rng.random(bounds.shape), axis=1)

    def update(
        self, arms: np.ndarray, rewards: np.ndarray, context: np.ndarray | None = None
    ) -> None:
        self.wins[self.runs, arms] += rewards
        self.pulls[self.runs, arms] += 1
        self.t += 1


@dataclass
class ArmRuns:
    """The arms played in many runs, ``(n_runs, horizon)``, and each round's expected regret.

    ``regret[r, t]`` is ``best - means[arm]`` (the pseudo-regret: the payout expected to be
    lost that round, without the reward's own noise); :attr:`cumulative` sums it over rounds.
    """

    arms: np.ndarray
    regret: np.ndarray

    @property
    def cumulative(self) -> np.ndarray:
        return self.regret.cumsum(axis=1)


def play(
    policy: Policy,
    means: np.ndarray,
    horizon: int,
    n_runs: int,
    rng: np.random.Generator,
    best: float | None = None,
) -> ArmRuns:
    """Play ``policy`` on Bernoulli arms with ``means`` in ``n_runs`` runs at once.

    ``best`` is the expected reward the regret is measured against (default ``means.max()``;
    pass the optimum over *all* arms when ``means`` are a strategy's subset that may miss it).

    Example
    -------
    >>> from causalcourse.bandits import ThompsonSampling
    >>> runs = play(ThompsonSampling(), np.array([0.3, 0.6]), 300, 40, np.random.default_rng(1))
    >>> runs.arms.shape, bool(runs.cumulative[:, -1].mean() < 15)
    ((40, 300), True)
    """
    for method in ("start", "choose", "update"):
        if not callable(getattr(policy, method, None)):
            raise CourseError(
                f"a policy needs the methods start, choose and update; "
                f"{type(policy).__name__} lacks {method}"
            )
    means = np.asarray(means, dtype=float)
    if means.ndim != 1 or means.size < 1 or np.any((means < 0) | (means > 1)):
        raise CourseError(f"means must be a non-empty vector of probabilities, got {means!r}")
    for name, value in (("horizon", horizon), ("n_runs", n_runs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    target = float(means.max()) if best is None else float(best)
    if target < means.max() - 1e-12:
        raise CourseError(f"best = {target} is below the best arm's mean {means.max()}")
    policy.start(n_runs, means.size, rng)
    arms = np.zeros((n_runs, horizon), dtype=np.int16)
    regret = np.zeros((n_runs, horizon))
    for t in range(horizon):
        chosen = np.asarray(policy.choose())
        if chosen.shape != (n_runs,) or chosen.dtype.kind not in "iu":
            raise CourseError(
                f"{type(policy).__name__}.choose must return {n_runs} integer arms, got "
                f"{chosen.dtype} array of shape {chosen.shape}"
            )
        reward = (rng.random(n_runs) < means[chosen]).astype(float)
        policy.update(chosen, reward)
        arms[:, t] = chosen
        regret[:, t] = target - means[chosen]
    return ArmRuns(arms, regret)


def compare_strategies(
    model: BinaryModel,
    reward: str,
    policy: Policy,
    horizon: int,
    n_runs: int,
    rng: np.random.Generator,
    strategies: Sequence[str] | None = None,
) -> dict[str, ArmRuns]:
    """Play one policy on the arms of each strategy of :func:`arm_sets`, regret against the best.

    Every strategy's regret is measured against the best expected reward over *all* arms, so a
    strategy whose arms miss the optimum (``"all at once"`` in a confounded diagram) shows it
    as regret that grows linearly. Model 0 of ``model`` is played; the strategies run one
    after the other on the same generator.

    Example
    -------
    >>> from causalcourse.bandits import ThompsonSampling
    >>> runs = compare_strategies(paper_task("iv"), "Y", ThompsonSampling(), 200, 20,
    ...                           np.random.default_rng(0), strategies=["POMIS", "all at once"])
    >>> bool(runs["POMIS"].cumulative[:, -1].mean() < runs["all at once"].cumulative[:, -1].mean())
    True
    """
    if not isinstance(model, BinaryModel):
        raise CourseError(f"compare_strategies needs a BinaryModel, got {type(model).__name__}")
    sets = arm_sets(model.graph, reward)
    chosen = list(sets) if strategies is None else list(strategies)
    unknown = [k for k in chosen if k not in sets]
    if unknown:
        raise UnknownNameError(f"unknown strategies {unknown}; choose from {list(sets)}")
    best = float(model.means(reward, arms_of(sets["all sets"]))[0].max())
    return {
        k: play(policy, model.means(reward, arms_of(sets[k]))[0], horizon, n_runs, rng, best=best)
        for k in chosen
    }
