"""Reading causal graphs: paths, d-separation, Markov equivalence, adjustment and do-calculus.

This module goes with chapter 02. Two of its algorithms are **hand-written because
they are the lesson**, and each is tested against the library that does the job for
real:

- :func:`d_separated` is the reachability walk ("Bayes ball") that decides
  d-separation in linear time; it is tested against ``networkx.is_d_separator`` on
  random DAGs. :func:`paths_between` and :func:`blocking_node` do the same job the
  slow way, path by path, as one does it by hand.
- :func:`cpdag` builds the CPDAG of a DAG from its skeleton and v-structures with
  Meek's orientation rules; it is tested against causal-learn's ``dag2cpdag``
  (observational case) and against enumeration of the equivalence class.
- :func:`is_backdoor_set` is the backdoor criterion in the chapter's own terms (no
  descendant of the treatment, then :func:`d_separated` in the graph without the
  treatment's outgoing arrows); the chapter prints its source. The LLM benchmark has its
  own, :func:`causalcourse.llm.exact.is_backdoor_set`, which calls
  ``networkx.is_d_separator`` and answers ``False`` for a latent adjustment node and
  where this one raises (the treatment or outcome in the set); the two are kept apart so
  the printed lesson does not change, and are tested to agree on random DAGs.

Everything else is glue the chapter needs: mutilated graphs and the three rules of
do-calculus (:func:`mutilate`, :func:`do_calculus_condition`), Fisher-z tests of many
conditional independences on one data set (:func:`fisher_z_pvalues`, vectorised; checked
against causal-learn's ``CIT``), linear-Gaussian SCMs (:func:`linear_gaussian_scm`, the
edge-list form of :func:`causalcourse.scm.linear_gaussian`) and their exact covariance,
a numerical evaluator for y0 estimands (:func:`evaluate_estimand`), odds ratios
with a zero-cell correction (:func:`odds_ratio_interval`), and the
**checkers** a learner calls in the exercises (``check_*``): each says whether an
answer is right and why — naming an open path, a descendant, a v-structure — so a
wrong answer gets an explanation rather than the solution.

Graphs are :class:`networkx.DiGraph` DAGs as built by :func:`causalcourse.graphs.dag`
(nodes may carry ``latent=True``). A CPDAG is a DiGraph in which an undirected edge
``a - b`` is stored as both arcs, as in :mod:`causalcourse.discovery`. Bad input
(an unknown node, a cycle, overlapping sets) raises :class:`~causalcourse.errors.CourseError`
or :class:`~causalcourse.errors.UnknownNameError` before anything is computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, check_known

if TYPE_CHECKING:
    from causalcourse.scm import SCM

__all__ = [
    "Feedback",
    "RuleCheck",
    "blocking_node",
    "check_adjustment_set",
    "check_d_separation",
    "check_do_calculus_step",
    "check_markov_equivalent",
    "cpdag",
    "cpdag_causallearn",
    "d_separated",
    "describe_path",
    "do_calculus_condition",
    "draw_cpdag",
    "evaluate_estimand",
    "fisher_z_pvalues",
    "implied_covariance",
    "is_backdoor_set",
    "linear_gaussian_scm",
    "markov_equivalence_class",
    "markov_equivalent",
    "mutilate",
    "odds_ratio_interval",
    "partial_correlation",
    "path_table",
    "paths_between",
    "random_dag",
    "skeleton",
    "v_structures",
]

Nodes = str | Iterable[str]


# ----------------------------------------------------------------------------- validation
def _check_dag(graph: Any, what: str = "graph") -> nx.DiGraph:
    """The graph itself, if it is a networkx DAG; otherwise a CourseError that says why."""
    if not isinstance(graph, nx.DiGraph) or isinstance(graph, nx.MultiDiGraph):
        raise CourseError(f"the {what} must be a networkx.DiGraph (build it with "
                          f"causalcourse.graphs.dag), got {type(graph).__name__}")
    odd = [n for n in graph.nodes if not isinstance(n, str)]
    if odd:
        raise CourseError(f"node names must be strings, but the {what} has the node {odd[0]!r} "
                          f"({type(odd[0]).__name__}); build it with names such as 'X'")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return graph
    path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
    raise CourseError(f"the {what} has a cycle: {path}; d-separation here needs a DAG")


def _node_set(graph: nx.DiGraph, nodes: Nodes | None, what: str,
              allow_empty: bool = True) -> set[str]:
    """A set of node names from a name or an iterable of names, each checked to be in the graph."""
    if nodes is None:
        nodes = ()
    if isinstance(nodes, str):
        nodes = [nodes]
    try:
        names = list(nodes)
    except TypeError:
        raise CourseError(f"the {what} must be a node name or a collection of names, "
                          f"got {nodes!r}") from None
    for name in names:
        if not isinstance(name, str):
            raise CourseError(f"node names must be strings: give the {what} as 'X', "
                              f"not {name!r} ({type(name).__name__})")
    check_known(names, sorted(graph.nodes, key=str), what=what)
    if not names and not allow_empty:
        raise CourseError(f"give at least one {what}")
    return set(names)


def _one_node(graph: nx.DiGraph, name: Any, what: str) -> str:
    """One node name, checked to be a string in the graph (not a set or a list of names)."""
    if not isinstance(name, str):
        raise CourseError(f"give one node name for the {what}, e.g. 'X'; got {name!r}")
    check_known([name], sorted(graph.nodes, key=str), what=what)
    return name


def _latent(graph: nx.DiGraph) -> set[str]:
    return {n for n in graph.nodes if graph.nodes[n].get("latent", False)}


def _count_paths(n: int, kind: str = "") -> str:
    """'there is no path', 'the only path', 'all 3 paths' (``kind`` e.g. 'backdoor ')."""
    if n == 0:
        return f"there is no {kind}path"
    return f"the only {kind}path" if n == 1 else f"all {n} {kind}paths"


def _disjoint(**sets: set[str]) -> None:
    """Raise a CourseError naming a node that appears in two of the named sets."""
    for (name_a, a), (name_b, b) in itertools.combinations(sets.items(), 2):
        common = sorted(a & b, key=str)
        if common:
            listed = ", ".join(map(repr, common))
            raise CourseError(f"{listed} is both in {name_a} and in {name_b}; "
                              "the sets must not overlap")


def _fmt_set(nodes: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(map(str, nodes))) + "}"


def _given(nodes: set[str]) -> str:
    """' given {D, E}' (with a leading space), or '' when nothing is conditioned on."""
    return f" given {_fmt_set(nodes)}" if nodes else ""


def _check_bool(answer: Any, what: str = "my_answer") -> bool:
    if not isinstance(answer, (bool, np.bool_)):
        raise CourseError(f"{what} must be True or False, got {answer!r}")
    return bool(answer)


# ----------------------------------------------------------------------------- paths
def describe_path(graph: nx.DiGraph, path: Sequence[str]) -> str:
    """A path written with its arrows, e.g. ``'X ← Z → Y'``.

    Example
    -------
    >>> describe_path(nx.DiGraph([("Z", "X"), ("Z", "Y")]), ["X", "Z", "Y"])
    'X ← Z → Y'
    """
    _check_dag(graph)
    check_known(path, list(graph.nodes), what="node")
    parts = [str(path[0])]
    for a, b in itertools.pairwise(path):
        if graph.has_edge(a, b):
            parts.append(f"→ {b}")
        elif graph.has_edge(b, a):
            parts.append(f"← {b}")
        else:
            raise CourseError(f"{a!r} and {b!r} are not adjacent, so {list(path)} is not a path")
    return " ".join(parts)


def paths_between(graph: nx.DiGraph, x: str, y: str) -> list[list[str]]:
    """Every path between ``x`` and ``y``, ignoring edge directions; shortest first.

    A *path* never visits a node twice; its edges may point either way. This is the
    list one writes down to check d-separation by hand (exponential in general, fine
    for the small graphs of a lesson).

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> paths_between(g, "X", "Y")
    [['X', 'Y'], ['X', 'Z', 'Y']]
    """
    _check_dag(graph)
    _one_node(graph, x, "node x")
    _one_node(graph, y, "node y")
    if x == y:
        raise CourseError(f"x and y are the same node {x!r}; a path needs two different ends")
    found = nx.all_simple_paths(graph.to_undirected(as_view=True), x, y)
    return sorted((list(p) for p in found), key=lambda p: (len(p), [str(n) for n in p]))


def _kind(graph: nx.DiGraph, a: str, m: str, b: str) -> str:
    if graph.has_edge(a, m) and graph.has_edge(b, m):
        return "collider"
    if graph.has_edge(m, a) and graph.has_edge(m, b):
        return "fork"
    return "chain"


def blocking_node(graph: nx.DiGraph, path: Sequence[str],
                  given: Nodes = ()) -> tuple[str, str] | None:
    """The first node that blocks ``path`` given ``given``, with the reason; ``None`` if open.

    The rule: a path is blocked by a set Z if it has a chain (→ m →) or fork
    (← m →) whose middle node m is in Z, or a collider (→ m ←) such that neither m
    nor any descendant of m is in Z.

    Example
    -------
    >>> g = nx.DiGraph([("X", "C"), ("Y", "C")])
    >>> blocking_node(g, ["X", "C", "Y"])
    ('C', 'C is a collider and neither C nor any of its descendants is conditioned on')
    >>> blocking_node(g, ["X", "C", "Y"], given={"C"}) is None
    True
    """
    zs = _node_set(graph, given, "conditioning node")
    describe_path(graph, path)  # checks the graph, the nodes and that neighbours are adjacent
    for a, m, b in zip(path, path[1:], path[2:], strict=False):
        kind = _kind(graph, a, m, b)
        if kind == "collider":
            if m not in zs and not (nx.descendants(graph, m) & zs):
                return m, (f"{m} is a collider and neither {m} nor any of its descendants "
                           "is conditioned on")
        elif m in zs:
            return m, f"{m} is the middle of a {kind} and is conditioned on"
    return None


def _why_open(graph: nx.DiGraph, path: Sequence[str], zs: set[str]) -> str:
    """Why an open path is open: its colliders and what opens each of them."""
    notes = []
    for a, m, b in zip(path, path[1:], path[2:], strict=False):
        if _kind(graph, a, m, b) == "collider":
            if m in zs:
                notes.append(f"the collider {m} is conditioned on")
            else:
                d = min(nx.descendants(graph, m) & zs, key=str)
                notes.append(f"the collider {m} has the descendant {d} in the conditioning set")
    if not notes:
        if not zs:
            return "no node on it is conditioned on"
        return "none of its chains or forks is conditioned on"
    return "; ".join(notes)


def path_table(graph: nx.DiGraph, x: str, y: str, given: Nodes = ()) -> pd.DataFrame:
    """One row per path between ``x`` and ``y``: the path, its junctions, and blocked or open.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> path_table(g, "X", "Y", given={"Z"})["status"].tolist()
    ['open', 'blocked at Z']
    """
    _check_dag(graph)
    _one_node(graph, x, "node x")
    _one_node(graph, y, "node y")
    zs = _node_set(graph, given, "conditioning node")
    _disjoint(**{"x": {x}, "y": {y}, "the conditioning set": zs})
    rows = []
    for path in paths_between(graph, x, y):
        triples = zip(path, path[1:], path[2:], strict=False)
        kinds = [f"{m}: {_kind(graph, a, m, b)}" for a, m, b in triples]
        block = blocking_node(graph, path, zs)
        rows.append({"path": describe_path(graph, path), "junctions": ", ".join(kinds) or "-",
                     "status": "open" if block is None else f"blocked at {block[0]}"})
    return pd.DataFrame(rows, columns=["path", "junctions", "status"])


# ----------------------------------------------------------------------------- d-separation
def d_separated(graph: nx.DiGraph, x: Nodes, y: Nodes, given: Nodes = ()) -> bool:
    """Whether ``x`` and ``y`` are d-separated by ``given`` (hand-written; the lesson).

    A walk over (node, direction) states visits every node that an open path from
    ``x`` can reach: arriving from a child ("up") we may continue to parents and
    children unless the node is conditioned on; arriving from a parent ("down") we
    continue to children unless the node is conditioned on, and turn back up to its
    parents only at a collider that is conditioned on or has a conditioned
    descendant. ``networkx.is_d_separator`` answers the same question.

    Example
    -------
    >>> g = nx.DiGraph([("X", "C"), ("Y", "C")])
    >>> d_separated(g, "X", "Y"), d_separated(g, "X", "Y", given="C")
    (True, False)
    """
    _check_dag(graph)
    xs, ys = _node_set(graph, x, "node", False), _node_set(graph, y, "node", False)
    zs = _node_set(graph, given, "conditioning node")
    _disjoint(x=xs, y=ys, given=zs)
    opens_collider = zs | {a for z in zs for a in nx.ancestors(graph, z)}
    to_visit, seen = [(n, "up") for n in xs], set()
    while to_visit:
        node, direction = to_visit.pop()
        if (node, direction) in seen:
            continue
        seen.add((node, direction))
        if node in ys:
            return False                        # an open path reached y
        if direction == "up" and node not in zs:            # came from a child
            to_visit += [(p, "up") for p in graph.predecessors(node)]
            to_visit += [(c, "down") for c in graph.successors(node)]
        elif direction == "down":                           # came from a parent
            if node not in zs:                              # a chain through node
                to_visit += [(c, "down") for c in graph.successors(node)]
            if node in opens_collider:                      # an opened collider
                to_visit += [(p, "up") for p in graph.predecessors(node)]
    return True


def _first_open_path(graph: nx.DiGraph, xs: set[str], ys: set[str],
                     zs: set[str]) -> list[str] | None:
    for x, y in itertools.product(sorted(xs, key=str), sorted(ys, key=str)):
        for path in paths_between(graph, x, y):
            if not set(path[1:-1]) & (xs | ys) and blocking_node(graph, path, zs) is None:
                return path
    return None


# ----------------------------------------------------------------------------- mutilation
def mutilate(graph: nx.DiGraph, remove_incoming: Nodes = (),
             remove_outgoing: Nodes = ()) -> nx.DiGraph:
    """A copy of ``graph`` without the arrows into ``remove_incoming``, out of ``remove_outgoing``.

    In do-calculus notation, ``mutilate(g, X, Z)`` is :math:`G_{\\overline{X}\\underline{Z}}`;
    removing the arrows into X is what ``do(X)`` does to the graph.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> sorted(mutilate(g, remove_incoming="X").edges)
    [('X', 'Y'), ('Z', 'Y')]
    >>> sorted(mutilate(g, remove_outgoing="X").edges)
    [('Z', 'X'), ('Z', 'Y')]
    """
    _check_dag(graph)
    into = _node_set(graph, remove_incoming, "node")
    out = _node_set(graph, remove_outgoing, "node")
    cut = graph.copy()
    cut.remove_edges_from([(u, v) for u, v in graph.edges if v in into or u in out])
    return cut


# ----------------------------------------------------------------------------- equivalence
def skeleton(graph: nx.DiGraph) -> set[frozenset[str]]:
    """The edges of ``graph`` without their directions, as a set of two-node frozensets.

    Example
    -------
    >>> skeleton(nx.DiGraph([("A", "B")])) == {frozenset({"A", "B"})}
    True
    """
    if not isinstance(graph, nx.DiGraph):
        raise CourseError(f"expected a networkx.DiGraph, got {type(graph).__name__}")
    return {frozenset((u, v)) for u, v in graph.edges}


def v_structures(graph: nx.DiGraph) -> set[tuple[str, str, str]]:
    """The v-structures ``a → c ← b``, ``a`` and ``b`` not adjacent, as ``(a, c, b)`` with a < b.

    Example
    -------
    >>> v_structures(nx.DiGraph([("A", "C"), ("B", "C")]))
    {('A', 'C', 'B')}
    """
    _check_dag(graph)
    found = set()
    for c in graph.nodes:
        for a, b in itertools.combinations(sorted(graph.predecessors(c), key=str), 2):
            if not graph.has_edge(a, b) and not graph.has_edge(b, a):
                found.add((a, c, b))
    return found


def markov_equivalent(g1: nx.DiGraph, g2: nx.DiGraph) -> bool:
    """Whether two DAGs are Markov equivalent: same skeleton and same v-structures.

    Verma & Pearl (1990): then, and only then, they imply the same d-separations.

    Example
    -------
    >>> chain = nx.DiGraph([("A", "B"), ("B", "C")])
    >>> markov_equivalent(chain, nx.DiGraph([("B", "A"), ("B", "C")]))
    True
    >>> markov_equivalent(chain, nx.DiGraph([("A", "B"), ("C", "B")]))
    False
    """
    _same_nodes(g1, g2)
    return skeleton(g1) == skeleton(g2) and v_structures(g1) == v_structures(g2)


def _same_nodes(g1: nx.DiGraph, g2: nx.DiGraph) -> None:
    _check_dag(g1, "first graph")
    _check_dag(g2, "second graph")
    only1 = sorted(set(g1.nodes) - set(g2.nodes), key=str)
    only2 = sorted(set(g2.nodes) - set(g1.nodes), key=str)
    if only1 or only2:
        raise CourseError("the two graphs must have the same nodes; only in the first: "
                          f"{only1 or 'none'}, only in the second: {only2 or 'none'}")


def _directed(p: nx.DiGraph, a: str, b: str) -> bool:
    return p.has_edge(a, b) and not p.has_edge(b, a)


def _undirected(p: nx.DiGraph, a: str, b: str) -> bool:
    return p.has_edge(a, b) and p.has_edge(b, a)


def _adjacent(p: nx.DiGraph, a: str, b: str) -> bool:
    return p.has_edge(a, b) or p.has_edge(b, a)


def _meek_step(p: nx.DiGraph) -> tuple[str, str, str] | None:
    """One application of Meek's rules R1-R4: the arc to orient and the rule's name, or None."""
    for a, b in sorted(((a, b) for a, b in p.edges if _undirected(p, a, b)), key=str):
        others = [c for c in p.nodes if c not in (a, b)]
        # R1: c → a - b, c and b not adjacent: orient a → b (else a new v-structure at a)
        if any(_directed(p, c, a) and not _adjacent(p, c, b) for c in others):
            return a, b, "Meek rule 1"
        # R2: a → c → b and a - b: orient a → b (else a cycle)
        if any(_directed(p, a, c) and _directed(p, c, b) for c in others):
            return a, b, "Meek rule 2"
        # R3: a - c → b, a - d → b, c and d not adjacent: orient a → b
        mids = [c for c in others if _undirected(p, a, c) and _directed(p, c, b)]
        if any(not _adjacent(p, c, d) for c, d in itertools.combinations(mids, 2)):
            return a, b, "Meek rule 3"
        # R4: a - d → c → b, d and b not adjacent, a adjacent to c: orient a → b
        for c, d in itertools.permutations(others, 2):
            if (_undirected(p, a, d) and _directed(p, d, c) and _directed(p, c, b)
                    and _adjacent(p, a, c) and not _adjacent(p, d, b)):
                return a, b, "Meek rule 4"
    return None


def cpdag(graph: nx.DiGraph, targets: Iterable[Nodes] = (), explain: bool = False) -> Any:
    """The CPDAG of ``graph`` (hand-written with Meek's rules; the lesson).

    Start from the skeleton, orient the v-structures (and, with ``targets``, every
    edge with exactly one end in an intervened set — what an experiment adds, Hauser &
    Bühlmann 2012), then apply Meek's rules until nothing changes. Undirected edges
    are stored as both arcs. With ``explain=True`` also return ``{arc: reason}`` for
    every oriented arc. ``cpdag_causallearn`` gives the observational answer with
    causal-learn.

    Example
    -------
    >>> g = nx.DiGraph([("A", "C"), ("B", "C"), ("C", "D")])
    >>> sorted(cpdag(g).edges)       # A → C ← B is a v-structure; Meek rule 1 orients C → D
    [('A', 'C'), ('B', 'C'), ('C', 'D')]
    >>> sorted(cpdag(nx.DiGraph([("A", "B")])).edges)
    [('A', 'B'), ('B', 'A')]
    """
    _check_dag(graph)
    target_sets = [_node_set(graph, t, "intervention target") for t in targets]
    p = nx.DiGraph()
    p.add_nodes_from(graph.nodes(data=True))
    reasons: dict[tuple[str, str], str] = {}
    for a, c, b in v_structures(graph):
        reasons[(a, c)] = reasons[(b, c)] = f"v-structure {a} → {c} ← {b}"
    for u, v in graph.edges:
        hit = [t for t in target_sets if (u in t) != (v in t)]
        if hit and (u, v) not in reasons:
            reasons[(u, v)] = f"intervention on {_fmt_set(hit[0])}"
    for u, v in graph.edges:
        p.add_edge(u, v)
        if (u, v) not in reasons:
            p.add_edge(v, u)
    while (step := _meek_step(p)) is not None:
        a, b, rule = step
        p.remove_edge(b, a)
        reasons[(a, b)] = rule
    return (p, reasons) if explain else p


def markov_equivalence_class(graph: nx.DiGraph, targets: Iterable[Nodes] = (),
                             max_undirected: int = 14) -> list[nx.DiGraph]:
    """Every DAG that is Markov equivalent to ``graph`` (with ``targets``: interventionally).

    Each DAG orients the undirected edges of :func:`cpdag` without a cycle and
    without a new v-structure; ``max_undirected`` bounds the enumeration.

    Example
    -------
    >>> len(markov_equivalence_class(nx.DiGraph([("A", "B"), ("B", "C")])))
    3
    >>> len(markov_equivalence_class(nx.DiGraph([("A", "B"), ("B", "C")]), targets=[{"A"}]))
    1
    """
    essential = cpdag(graph, targets)
    fixed = [(u, v) for u, v in essential.edges if not essential.has_edge(v, u)]
    free = sorted({tuple(sorted((u, v), key=str)) for u, v in essential.edges
                   if essential.has_edge(v, u)})
    if len(free) > max_undirected:
        raise CourseError(f"{len(free)} undirected edges; enumeration is limited to "
                          f"max_undirected={max_undirected}")
    members = []
    wanted = v_structures(graph)
    for flips in itertools.product((False, True), repeat=len(free)):
        member = nx.DiGraph()
        member.add_nodes_from(graph.nodes(data=True))
        member.add_edges_from(fixed)
        member.add_edges_from((v, u) if f else (u, v)
                              for (u, v), f in zip(free, flips, strict=True))
        if (nx.is_directed_acyclic_graph(member) and v_structures(member) == wanted
                and set(cpdag(member, targets).edges) == set(essential.edges)):
            members.append(member)
    return members


def cpdag_causallearn(graph: nx.DiGraph) -> nx.DiGraph:
    """The CPDAG of ``graph`` by causal-learn's ``dag2cpdag`` (in the format of :func:`cpdag`).

    Example
    -------
    >>> sorted(cpdag_causallearn(nx.DiGraph([("A", "C"), ("B", "C")])).edges)
    [('A', 'C'), ('B', 'C')]
    """
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    _check_dag(graph)
    names = list(nx.topological_sort(graph))
    nodes = {n: GraphNode(str(n)) for n in names}
    dag_cl = Dag(list(nodes.values()))
    for u, v in graph.edges:
        dag_cl.add_directed_edge(nodes[u], nodes[v])
    result = dag2cpdag(dag_cl)
    a = np.asarray(result.graph)
    index = {str(node.get_name()): i for i, node in enumerate(result.get_nodes())}
    out = nx.DiGraph()
    out.add_nodes_from(graph.nodes(data=True))
    for u, v in graph.edges:       # causal-learn: a[j, i] = 1 and a[i, j] = -1 means i → j
        i, j = index[str(u)], index[str(v)]
        if a[i, j] == -1 and a[j, i] == -1:
            out.add_edges_from([(u, v), (v, u)])
        elif a[j, i] == 1 and a[i, j] == -1:
            out.add_edge(u, v)
        else:
            out.add_edge(v, u)
    return out


# ------------------------------------------------------------------ adjustment, do-calculus
def is_backdoor_set(graph: nx.DiGraph, treatment: str, outcome: str,
                    adjustment: Nodes = ()) -> bool:
    """Pearl's backdoor criterion: no descendant of the treatment, and d-separation in G with
    the treatment's outgoing arrows removed.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> is_backdoor_set(g, "X", "Y", {"Z"}), is_backdoor_set(g, "X", "Y")
    (True, False)
    """
    _check_dag(graph)
    _one_node(graph, treatment, "treatment")
    _one_node(graph, outcome, "outcome")
    zs = _node_set(graph, adjustment, "adjustment node")
    _disjoint(treatment={treatment}, outcome={outcome}, adjustment=zs)
    if zs & nx.descendants(graph, treatment):
        return False
    return d_separated(mutilate(graph, remove_outgoing=treatment), treatment, outcome, zs)


@dataclass(frozen=True)
class RuleCheck:
    """The condition of one rule of do-calculus, evaluated on a graph.

    ``statement`` is the d-separation the rule needs, ``graph_name`` the mutilated
    graph it must hold in, in words (e.g. "G with the arrows into X removed"),
    ``graph_latex`` the same in the usual notation (``G_{\\overline{X}}``),
    ``mutilated`` that graph, ``holds`` the verdict and ``open_path`` a path that
    violates it (``None`` when it holds).
    """

    rule: int
    equation: str
    statement: str
    graph_name: str
    mutilated: nx.DiGraph
    holds: bool
    open_path: str | None
    graph_latex: str = ""

    def __str__(self) -> str:
        verdict = "holds" if self.holds else f"fails: open path {self.open_path}"
        return (f"rule {self.rule}: {self.equation}  needs  {self.statement} "
                f"in {self.graph_name}: {verdict}")


def _p(y: set[str], do: set[str], obs: set[str]) -> str:
    parts = [f"do({_fmt_set(do)[1:-1]})"] if do else []
    parts += [_fmt_set(obs)[1:-1]] if obs else []
    return f"P({_fmt_set(y)[1:-1]}" + (f" | {', '.join(parts)})" if parts else ")")


def do_calculus_condition(graph: nx.DiGraph, rule: int, y: Nodes, z: Nodes, x: Nodes = (),
                          w: Nodes = ()) -> RuleCheck:
    """Check the graphical condition of rule 1, 2 or 3 of do-calculus (Pearl 1995).

    - Rule 1: P(y | do(x), z, w) = P(y | do(x), w) if (Y ⫫ Z | X, W) in G with the arrows
      into X removed.
    - Rule 2: P(y | do(x), do(z), w) = P(y | do(x), z, w) if (Y ⫫ Z | X, W) in G with the
      arrows into X and out of Z removed.
    - Rule 3: P(y | do(x), do(z), w) = P(y | do(x), w) if (Y ⫫ Z | X, W) in G with the
      arrows into X and into Z(W) removed, where Z(W) are the Z-nodes that are not
      ancestors of any W-node in G with the arrows into X removed.

    Latent nodes of ``graph`` take part in the d-separation like any other node, but
    they cannot be in ``z`` or ``w``: a latent variable is never observed, so it
    cannot be conditioned on.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> do_calculus_condition(g, 2, y="Y", z="X", w="Z").holds
    True
    >>> do_calculus_condition(g, 2, y="Y", z="X").open_path
    'X ← Z → Y'
    >>> do_calculus_condition(g, 2, y="Y", z="X").graph_name
    'G with the arrows out of X removed'
    """
    _check_dag(graph)
    if (isinstance(rule, bool) or not isinstance(rule, int | np.integer)
            or rule not in (1, 2, 3)):
        raise CourseError(f"do-calculus has rules 1, 2 and 3: give rule as the integer 1, 2 "
                          f"or 3; got rule={rule!r}")
    rule = int(rule)
    ys = _node_set(graph, y, "outcome node", False)
    zs = _node_set(graph, z, "node the rule acts on (z)", False)
    xs, ws = _node_set(graph, x, "intervened node (x)"), _node_set(graph, w, "observed node (w)")
    _disjoint(y=ys, z=zs, x=xs, w=ws)
    for role, nodes in (("z", zs), ("w", ws)):
        hidden = sorted(nodes & _latent(graph))
        if hidden:
            raise CourseError(f"{hidden[0]!r} is latent (unobserved) and cannot be conditioned "
                              f"on, so it cannot be in {role}; latent nodes take part in the "
                              "d-separation without being named")
    into, out = set(xs), set()
    if rule == 1:
        cut = mutilate(graph, remove_incoming=xs)
        equation = f"{_p(ys, xs, zs | ws)} = {_p(ys, xs, ws)}"
    elif rule == 2:
        out = zs
        cut = mutilate(graph, remove_incoming=xs, remove_outgoing=zs)
        equation = f"{_p(ys, xs | zs, ws)} = {_p(ys, xs, zs | ws)}"
    else:
        g_x = mutilate(graph, remove_incoming=xs)
        ancestors_w = set().union(*(nx.ancestors(g_x, n) for n in ws)) if ws else set()
        into = xs | (zs - ancestors_w)
        cut = mutilate(graph, remove_incoming=into)
        equation = f"{_p(ys, xs | zs, ws)} = {_p(ys, xs, ws)}"
    name, latex = _mutilated_names(rule, xs, into, out)
    given = xs | ws
    statement = f"({_fmt_set(ys)[1:-1]} ⫫ {_fmt_set(zs)[1:-1]}" + (
        f" | {_fmt_set(given)[1:-1]})" if given else ")")
    holds = d_separated(cut, zs, ys, given)
    path = None if holds else _first_open_path(cut, zs, ys, given)
    return RuleCheck(rule, equation, statement, name, cut, holds,
                     None if path is None else describe_path(cut, path), latex)


def _mutilated_names(rule: int, xs: set[str], into: set[str],
                     out: set[str]) -> tuple[str, str]:
    """The mutilated graph in words and in LaTeX: arrows into ``into``, out of ``out`` removed."""
    def joined(nodes: set[str]) -> str:
        return ", ".join(sorted(nodes))

    parts = ([f"into {joined(into)}"] if into else []) + ([f"out of {joined(out)}"] if out else [])
    words = f"G with the arrows {' and '.join(parts)} removed" if parts else "G"
    bars = "\\overline{" + ",".join(sorted(xs)) + "}" if xs else ""
    if rule == 2:
        bars += "\\underline{" + ",".join(sorted(out)) + "}"
    elif rule == 3 and into - xs:
        bars += "\\overline{" + ",".join(sorted(into - xs)) + "}"
    return words, (f"G_{{{bars}}}" if bars else "G")


# ----------------------------------------------------------------------------- simulation helpers
def random_dag(n_nodes: int, edge_probability: float, seed: int) -> nx.DiGraph:
    """A random DAG on nodes ``V0..V{n-1}``: each forward pair gets an edge with the probability.

    Example
    -------
    >>> g = random_dag(5, 0.5, seed=1)
    >>> nx.is_directed_acyclic_graph(g), g.number_of_nodes()
    (True, 5)
    """
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, int) or n_nodes < 1:
        raise CourseError(f"n_nodes must be a positive integer, got {n_nodes!r}")
    if not 0.0 <= edge_probability <= 1.0:
        raise CourseError(f"edge_probability must lie in [0, 1], got {edge_probability!r}")
    rng = np.random.default_rng(seed)
    names = [f"V{i}" for i in range(n_nodes)]
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    for i, j in itertools.combinations(range(n_nodes), 2):
        if rng.random() < edge_probability:
            graph.add_edge(names[i], names[j])
    return graph


def _check_weights(weights: Mapping[tuple[str, str], float]) -> nx.DiGraph:
    if not isinstance(weights, Mapping) or not weights:
        raise CourseError("weights must be a non-empty mapping {(cause, effect): coefficient}")
    for edge, w in weights.items():
        if not (isinstance(edge, tuple) and len(edge) == 2):
            raise CourseError(f"a weight's key must be a (cause, effect) pair, got {edge!r}")
        if not np.isfinite(w):
            raise CourseError(f"the weight of {edge} is not a finite number: {w!r}")
    return _check_dag(nx.DiGraph(list(weights)), "graph of the weights")


def _noise_sds(graph: nx.DiGraph, noise_sd: float | Mapping[str, float]) -> dict[str, float]:
    """One noise standard deviation per node: a number for all, or a mapping (default 1)."""
    if isinstance(noise_sd, Mapping):
        check_known(list(noise_sd), sorted(graph.nodes, key=str), what="node", where="the weights")
        sds = {n: float(noise_sd.get(n, 1.0)) for n in graph.nodes}
    else:
        sds = {n: float(noise_sd) for n in graph.nodes}
    for node, sd in sds.items():
        if not sd > 0:
            raise CourseError(f"the noise standard deviation of {node!r} must be positive, "
                              f"got {sd!r}")
    return sds


def linear_gaussian_scm(weights: Mapping[tuple[str, str], float],
                        noise_sd: float | Mapping[str, float] = 1.0,
                        nodes: Iterable[str] = ()) -> SCM:
    """An SCM in which each variable is the weighted sum of its parents plus Gaussian noise.

    ``weights`` maps each edge ``(cause, effect)`` to its coefficient; ``noise_sd`` is
    one standard deviation for every noise term or a mapping ``{node: sd}`` (others 1);
    ``nodes`` may add variables without edges. Returns a :class:`causalcourse.scm.SCM`.

    The chapter's edge-list form of :func:`causalcourse.scm.linear_gaussian`, which builds
    the model: the variables are put in topological order (ties alphabetical), the weights
    into a matrix, and each noise is ``sd · U`` with ``U ~ N(0, 1)``. A weight of 0 is no
    arrow.

    Example
    -------
    >>> scm = linear_gaussian_scm({("X", "Y"): 2.0})
    >>> data = scm.sample(20_000, seed=0)
    >>> round(float(np.polyfit(data.X, data.Y, 1)[0]), 1)
    2.0
    """
    from causalcourse.scm import linear_gaussian

    graph = _check_weights(weights)
    graph.add_nodes_from(nodes)
    sds = _noise_sds(graph, noise_sd)
    order = list(nx.lexicographical_topological_sort(graph, key=str))
    index = {node: i for i, node in enumerate(order)}
    matrix = np.zeros((len(order), len(order)))
    for (cause, effect), w in weights.items():
        matrix[index[cause], index[effect]] = float(w)
    return linear_gaussian(order, matrix, noise_sd=[sds[node] for node in order])


def implied_covariance(weights: Mapping[tuple[str, str], float], nodes: Sequence[str],
                       noise_sd: float | Mapping[str, float] = 1.0) -> pd.DataFrame:
    """The exact covariance of a linear-Gaussian SCM, (I - B)⁻¹ D (I - B)⁻ᵀ, as a labelled table.

    ``B`` holds the weights and ``D`` the noise variances (``noise_sd`` as in
    :func:`linear_gaussian_scm`).

    Example
    -------
    >>> float(implied_covariance({("X", "Y"): 2.0}, ["X", "Y"]).loc["Y", "Y"])
    5.0
    """
    graph = _check_weights(weights)
    nodes = list(nodes)
    check_known(graph.nodes, nodes, what="node of the weights", where="nodes")
    graph.add_nodes_from(nodes)
    sds = _noise_sds(graph, noise_sd)
    b = np.zeros((len(nodes), len(nodes)))
    for (u, v), w in weights.items():
        b[nodes.index(v), nodes.index(u)] = w
    inv = np.linalg.inv(np.eye(len(nodes)) - b)
    variances = np.diag([sds[n] ** 2 for n in nodes])
    return pd.DataFrame(inv @ variances @ inv.T, index=nodes, columns=nodes)


def partial_correlation(cov: pd.DataFrame, x: str, y: str, given: Nodes = ()) -> float:
    """The partial correlation of ``x`` and ``y`` given ``given`` from a labelled covariance matrix.

    With :func:`implied_covariance` it is the *population* value, which is exactly 0
    whenever the SCM's graph d-separates ``x`` and ``y`` by ``given``.

    Example
    -------
    >>> cov = implied_covariance({("X", "M"): 1.0, ("M", "Y"): 1.0}, ["X", "M", "Y"])
    >>> abs(partial_correlation(cov, "X", "Y", given="M")) < 1e-12
    True
    """
    if not isinstance(cov, pd.DataFrame) or list(cov.index) != list(cov.columns):
        raise CourseError("cov must be a square DataFrame labelled by variable on both axes")
    names = list(map(str, cov.columns))
    rest = [given] if isinstance(given, str) else list(given)
    check_known([x, y, *rest], names, what="variable", where="the covariance matrix")
    _disjoint(x={x}, y={y}, given=set(rest))
    idx = [names.index(v) for v in (x, y, *rest)]
    precision = np.linalg.inv(cov.to_numpy(dtype=float)[np.ix_(idx, idx)])
    return float(-precision[0, 1] / np.sqrt(precision[0, 0] * precision[1, 1]))


def fisher_z_pvalues(data: pd.DataFrame | np.ndarray,
                     statements: Sequence[tuple[str, str, Iterable[str]]],
                     columns: Sequence[str] | None = None) -> np.ndarray:
    """p-values of Fisher's z test of X ⫫ Y | S for each ``(x, y, S)`` in ``statements``.

    The test of causal-learn's ``CIT(data, "fisherz")``: the sample partial
    correlation r, z = atanh(r) √(n − |S| − 3), two-sided normal p-value. This version
    computes the correlation matrix once, so many statements on one data set are fast.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(500, 2)), columns=["A", "B"])
    >>> bool(fisher_z_pvalues(df, [("A", "B", [])])[0] > 0.05)
    True
    """
    from scipy import stats

    if isinstance(data, pd.DataFrame):
        columns, values = list(map(str, data.columns)), data.to_numpy(dtype=float)
    else:
        values = np.asarray(data, dtype=float)
        if columns is None:
            raise CourseError("give the column names when data is an array")
        columns = list(columns)
    if values.ndim != 2 or values.shape[1] != len(columns):
        raise CourseError(f"data has shape {values.shape} but {len(columns)} column names")
    n = values.shape[0]
    position = {c: k for k, c in enumerate(columns)}
    checked = []
    for x, y, s in statements:
        s = [s] if isinstance(s, str) else list(s)
        if not {x, y, *s} <= position.keys():
            check_known([x, y, *s], columns, what="column", where="the data")
        if x == y or x in s or y in s:
            raise CourseError(f"the statement ({x!r}, {y!r}, {s!r}) tests a variable "
                              "against itself")
        if n - len(s) - 3 < 1:
            raise CourseError(f"{n} rows are too few to condition on {len(s)} variables")
        checked.append((position[x], position[y], [position[c] for c in s]))
    cov = np.corrcoef(values, rowvar=False)
    r = np.empty(len(checked))
    sizes = np.array([len(rest) for _, _, rest in checked])
    for size in np.unique(sizes):                   # one batched inversion per set size
        rows = np.flatnonzero(sizes == size)
        idx = np.array([[checked[k][0], checked[k][1], *checked[k][2]] for k in rows])
        precision = np.linalg.inv(cov[idx[:, :, None], idx[:, None, :]])
        r[rows] = -precision[:, 0, 1] / np.sqrt(precision[:, 0, 0] * precision[:, 1, 1])
    dof = (n - sizes - 3).astype(float)
    z = np.arctanh(np.clip(r, -1 + 1e-12, 1 - 1e-12)) * np.sqrt(dof)
    return np.asarray(2 * stats.norm.sf(np.abs(z)), dtype=float)


def odds_ratio_interval(exposed_cases: Any, exposed_others: Any, unexposed_cases: Any,
                        unexposed_others: Any, level: float = 0.95,
                        correction: float = 0.5) -> pd.DataFrame:
    """Odds ratios of 2×2 tables with Woolf's (log-scale) interval, one row per table.

    The four arguments are counts (numbers or equal-length arrays, one entry per
    table): exposed with and without the outcome, unexposed with and without it. A
    table with a zero cell gets ``correction`` added to each of its four cells (the
    Haldane–Anscombe correction), so its odds ratio and interval stay finite; the
    column ``corrected`` says which tables needed it.

    Example
    -------
    >>> odds_ratio_interval(10, 90, 20, 80).round(3).to_dict("records")
    [{'OR': 0.444, 'low': 0.196, 'high': 1.006, 'corrected': False}]
    >>> float(odds_ratio_interval(0, 50, 5, 45).OR.iloc[0].round(3))
    0.082
    """
    from scipy import stats

    _check_level_open(level)
    if not (np.isfinite(correction) and correction > 0):
        raise CourseError(f"correction must be a positive number, got {correction!r}")
    names = ("exposed_cases", "exposed_others", "unexposed_cases", "unexposed_others")
    raw = [np.atleast_1d(np.asarray(c, dtype=float)) for c in
           (exposed_cases, exposed_others, unexposed_cases, unexposed_others)]
    for name, counts in zip(names, raw, strict=True):
        if counts.ndim != 1 or counts.shape != raw[0].shape:
            raise CourseError(f"{name} has shape {counts.shape}; all four counts need the shape "
                              f"{raw[0].shape}")
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise CourseError(f"{name} holds a negative or non-finite count: {counts.tolist()}")
    table = np.vstack(raw)
    corrected = (table == 0).any(axis=0)
    table = table + correction * corrected
    a, b, c, d = table
    ratio = a * d / (b * c)
    half = stats.norm.ppf(0.5 + level / 2) * np.sqrt((1 / table).sum(axis=0))
    return pd.DataFrame({"OR": ratio, "low": ratio * np.exp(-half),
                         "high": ratio * np.exp(half), "corrected": corrected})


def _check_level_open(level: float) -> None:
    if not (isinstance(level, float | int) and 0.0 < level < 1.0):
        raise CourseError(f"level must lie strictly between 0 and 1, got {level!r}")


def evaluate_estimand(expression: Any, data: pd.DataFrame, values: Mapping[str, Any]) -> float:
    """Evaluate a y0 estimand (sums, products, fractions of probabilities) on discrete data.

    Each ``P(A | B)`` is the relative frequency in ``data``; a ``Sum`` runs over the
    values a variable takes in ``data``; ``values`` gives the free variables (the
    treatment's value and the outcome's). Inner sums rebind names, as in y0's output.

    Example
    -------
    >>> from y0.dsl import P, Sum, Variable
    >>> X, Y, Z = Variable("X"), Variable("Y"), Variable("Z")
    >>> df = pd.DataFrame({"Z": [0, 0, 1, 1], "X": [0, 1, 0, 1], "Y": [0, 1, 1, 1]})
    >>> evaluate_estimand(Sum[Z](P(Y | X, Z) * P(Z)), df, {"X": 1, "Y": 1})
    1.0
    """
    from y0.dsl import Fraction, One, Probability, Product, Sum, Variable, Zero

    if not isinstance(data, pd.DataFrame) or data.empty:
        raise CourseError("data must be a non-empty pandas DataFrame")
    columns = {str(c): data[c].to_numpy() for c in data.columns}
    support = {c: np.unique(v) for c, v in columns.items()}
    cache: dict[tuple, float] = {}

    def frequency(assignment: tuple[tuple[str, Any], ...]) -> float:
        if assignment not in cache:
            mask = np.ones(len(data), dtype=bool)
            for name, value in assignment:
                mask &= columns[name] == value
            cache[assignment] = float(mask.mean())
        return cache[assignment]

    def names(variables: Iterable[Any]) -> list[str]:
        out = []
        for v in variables:
            if type(v) is not Variable:
                raise CourseError(f"{v} is not a plain variable; only observational terms can be "
                                  "evaluated from data")
            out.append(v.name)
        check_known(out, list(columns), what="variable", where="the data")
        return out

    def value(env: dict[str, Any], name: str) -> Any:
        if name not in env:
            raise CourseError(f"no value for the free variable {name!r}; pass it in values")
        return env[name]

    def ev(expr: Any, env: dict[str, Any]) -> float:
        if isinstance(expr, Sum):
            bound = sorted(names(expr.ranges))
            return float(sum(ev(expr.expression, {**env, **dict(zip(bound, combo, strict=True))})
                             for combo in itertools.product(*(support[b] for b in bound))))
        if isinstance(expr, Product):
            return float(np.prod([ev(e, env) for e in expr.expressions]))
        if isinstance(expr, Fraction):
            return ev(expr.numerator, env) / ev(expr.denominator, env)
        if isinstance(expr, Probability):
            kids, parents = names(expr.distribution.children), names(expr.distribution.parents)
            joint = tuple(sorted((n, value(env, n)) for n in kids + parents))
            if not parents:
                return frequency(joint)
            marginal = frequency(tuple(sorted((n, value(env, n)) for n in parents)))
            if marginal == 0:
                at = {n: env[n] for n in parents}
                raise CourseError(f"P({', '.join(parents)}) is 0 at {at}; "
                                  "the estimand needs positivity")
            return frequency(joint) / marginal
        if isinstance(expr, One):
            return 1.0
        if isinstance(expr, Zero):
            return 0.0
        raise CourseError(f"cannot evaluate a {type(expr).__name__} term: {expr}")

    if not isinstance(values, Mapping):
        raise CourseError(f"values must be a mapping {{variable: value}}, got {values!r}")
    check_known(list(values), list(columns), what="variable", where="the data")
    return ev(expression, {str(k): v for k, v in values.items()})


# ----------------------------------------------------------------------------- drawing
def draw_cpdag(cpdag_graph: nx.DiGraph, ax: Any = None, title: str | None = None,
               pos: Mapping[str, tuple[float, float]] | None = None) -> Any:
    """Draw a CPDAG: directed edges with arrow heads, undirected edges as plain lines.

    ``pos`` (e.g. :func:`causalcourse.graphs.layered_positions` of a member DAG)
    keeps the layout of a DAG drawn next to it. Returns the matplotlib ``Axes``.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> draw_cpdag(cpdag(nx.DiGraph([("A", "B")])), title="A - B").get_title()
    'A - B'
    """
    import matplotlib.pyplot as plt

    from causalcourse.plotting import PALETTE

    if not isinstance(cpdag_graph, nx.DiGraph):
        raise CourseError(f"expected a networkx.DiGraph, got {type(cpdag_graph).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    if pos is None:
        from causalcourse.graphs import layered_positions

        order = {n: i for i, n in enumerate(sorted(cpdag_graph.nodes, key=str))}
        member = nx.DiGraph([(u, v) for u, v in cpdag_graph.edges
                             if not cpdag_graph.has_edge(v, u) or order[u] < order[v]])
        member.add_nodes_from(cpdag_graph.nodes)
        pos = (layered_positions(member) if nx.is_directed_acyclic_graph(member)
               else nx.circular_layout(sorted(cpdag_graph.nodes, key=str)))
    check_known(cpdag_graph.nodes, list(pos), what="node", where="pos")
    directed = [(u, v) for u, v in cpdag_graph.edges if not cpdag_graph.has_edge(v, u)]
    undirected = sorted({tuple(sorted((u, v), key=str)) for u, v in cpdag_graph.edges
                         if cpdag_graph.has_edge(v, u)})
    nx.draw_networkx_nodes(cpdag_graph, pos, node_color=PALETTE["node"], edgecolors=PALETTE["edge"],
                           node_size=1100, ax=ax)
    nx.draw_networkx_edges(cpdag_graph, pos, edgelist=directed, node_size=1100, arrowsize=16,
                           width=1.4, arrowstyle="-|>", edge_color=PALETTE["edge"], ax=ax)
    nx.draw_networkx_edges(nx.Graph(undirected), pos, edgelist=undirected, node_size=1100,
                           width=1.4,
                           edge_color=PALETTE["missing"], style="solid", ax=ax)
    nx.draw_networkx_labels(cpdag_graph, pos, font_size=10, ax=ax)
    ax.set_axis_off()
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    if title:
        ax.set_title(title)
    return ax


# ----------------------------------------------------------------------------- checkers
@dataclass(frozen=True)
class Feedback:
    """A checker's verdict: ``correct`` and a message that says why.

    It displays as its message, so a notebook cell that ends with a checker call
    shows the explanation.
    """

    correct: bool
    message: str

    def __str__(self) -> str:
        return ("Right. " if self.correct else "Not quite. ") + self.message

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.correct


def check_d_separation(graph: nx.DiGraph, x: Nodes, y: Nodes, given: Nodes = (),
                       my_answer: bool | None = None) -> Feedback:
    """Check a learner's answer to "are ``x`` and ``y`` d-separated by ``given``?".

    ``my_answer`` is True (d-separated) or False (d-connected). A wrong "separated"
    is answered with an open path and what keeps it open; a wrong "connected" with
    the reason each path is blocked.

    Example
    -------
    >>> g = nx.DiGraph([("X", "C"), ("Y", "C"), ("C", "D")])
    >>> feedback = check_d_separation(g, "X", "Y", given="D", my_answer=True)
    >>> feedback.correct, feedback.message.split(":")[0]
    (False, 'The path X → C ← Y is open given {D}')
    """
    _check_dag(graph)
    xs, ys = _node_set(graph, x, "node", False), _node_set(graph, y, "node", False)
    zs = _node_set(graph, given, "conditioning node")
    _disjoint(x=xs, y=ys, given=zs)
    answer = _check_bool(my_answer)
    truth = d_separated(graph, xs, ys, zs)
    who = f"{_fmt_set(xs)[1:-1]} and {_fmt_set(ys)[1:-1]}"
    if truth:
        pairs = [(a, b) for a in sorted(xs, key=str) for b in sorted(ys, key=str)]
        paths = [p for a, b in pairs for p in paths_between(graph, a, b)
                 if not set(p[1:-1]) & (xs | ys)]
        blocked = [f"{describe_path(graph, p)} (blocked: {blocking_node(graph, p, zs)[1]})"  # type: ignore[index]
                   for p in paths]
        if answer:
            if not paths:
                return Feedback(True, f"{who} are d-separated{_given(zs)}: there is no path "
                                      "between them.")
            return Feedback(True, f"{who} are d-separated{_given(zs)}: "
                                  f"{_count_paths(len(paths))} between them "
                                  f"{'is' if len(paths) == 1 else 'are'} blocked.")
        shown = "; ".join(blocked) if blocked else "there is no path at all"
        return Feedback(False, f"Every path between {who} is blocked{_given(zs)}: "
                               f"{shown}.")
    path = _first_open_path(graph, xs, ys, zs)
    assert path is not None
    why = (f"The path {describe_path(graph, path)} is open{_given(zs)}: "
           f"{_why_open(graph, path, zs)}.")
    if answer:
        return Feedback(False, why)
    return Feedback(True, f"{who} are d-connected{_given(zs)}. {why}")


def _role(graph: nx.DiGraph, treatment: str, outcome: str, node: str) -> str:
    if outcome in nx.descendants(graph, node):
        return "a mediator: adjusting for it blocks part of the effect you want to estimate"
    if node in nx.descendants(graph, outcome):
        route = describe_path(graph, nx.shortest_path(graph, outcome, node))
        return (f"and of the outcome too ({route}): conditioning on a common effect of "
                "treatment and outcome opens a non-causal path between them")
    return "and the backdoor criterion never allows a descendant of the treatment"


def check_adjustment_set(graph: nx.DiGraph, treatment: str, outcome: str,
                         my_set: Nodes | None) -> Feedback:
    """Check a learner's adjustment set for the effect of ``treatment`` on ``outcome`` (backdoor).

    ``my_set`` is a set of observed nodes, or ``None`` to claim that no set of observed
    nodes satisfies the backdoor criterion. The feedback names a descendant of the
    treatment in the set, or a backdoor path the set leaves (or makes) open — never
    another valid set.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> check_adjustment_set(g, "X", "Y", set())
    Not quite. The backdoor path X ← Z → Y is open: no node on it is conditioned on.
    """
    _check_dag(graph)
    _one_node(graph, treatment, "treatment")
    _one_node(graph, outcome, "outcome")
    if treatment == outcome:
        raise CourseError(f"treatment and outcome are the same node {treatment!r}")
    for role, node in (("treatment", treatment), ("outcome", outcome)):
        if node in _latent(graph):
            raise CourseError(f"the {role} {node!r} is latent (unobserved); adjustment needs an "
                              f"observed {role}")
    observed = set(graph.nodes) - _latent(graph)
    cut = mutilate(graph, remove_outgoing=treatment)
    forbidden = nx.descendants(graph, treatment)
    if my_set is None:
        candidates = observed - forbidden - {treatment, outcome}
        exists = nx.find_minimal_d_separator(cut, {treatment}, {outcome}, restricted=candidates)
        if exists is None:
            return Feedback(True, "No set of observed variables satisfies the backdoor criterion "
                                  "here; look for another identification strategy (front door, "
                                  "instrument).")
        return Feedback(False, "Some set of observed, pre-treatment variables does block every "
                               f"backdoor path from {treatment} to {outcome}; list the backdoor "
                               "paths and look again.")
    zs = _node_set(graph, my_set, "adjustment node")
    _disjoint(treatment={treatment}, outcome={outcome}, **{"the adjustment set": zs})
    hidden = sorted(zs - observed, key=str)
    if hidden:
        return Feedback(False, f"{hidden[0]} is unobserved (latent); you cannot adjust for it.")
    bad = sorted(zs & forbidden, key=str)
    if bad:
        node = bad[0]
        route = describe_path(graph, nx.shortest_path(graph, treatment, node))
        return Feedback(False, f"{node} is a descendant of {treatment} ({route}), "
                               f"{_role(graph, treatment, outcome, node)}.")
    if d_separated(cut, treatment, outcome, zs):
        n_back = sum(1 for p in paths_between(cut, treatment, outcome)
                     if cut.has_edge(p[1], treatment))
        name = _fmt_set(zs) if zs else "The empty set (no adjustment)"
        if n_back == 0:
            return Feedback(True, f"{name} contains no descendant of {treatment}, and there is "
                                  f"no backdoor path from {treatment} to {outcome} to block.")
        return Feedback(True, f"{name} contains no descendant of {treatment} and blocks "
                              f"{_count_paths(n_back, 'backdoor ')} from {treatment} to "
                              f"{outcome}.")
    path = _first_open_path(cut, {treatment}, {outcome}, zs)
    assert path is not None
    return Feedback(False, f"The backdoor path {describe_path(graph, path)} is open"
                           f"{_given(zs)}: {_why_open(cut, path, zs)}.")


def check_markov_equivalent(g1: nx.DiGraph, g2: nx.DiGraph,
                            my_answer: bool | None = None) -> Feedback:
    """Check a learner's answer to "are these two DAGs Markov equivalent?".

    The feedback names an edge in one skeleton but not the other, or a v-structure
    that only one of them has.

    Example
    -------
    >>> chain, collider = nx.DiGraph([("A", "B"), ("B", "C")]), nx.DiGraph([("A", "B"), ("C", "B")])
    >>> check_markov_equivalent(chain, collider, my_answer=True)
    Not quite. Same skeleton, but the v-structure A → B ← C is in the second graph only.
    """
    _same_nodes(g1, g2)
    answer = _check_bool(my_answer)
    s1, s2 = skeleton(g1), skeleton(g2)
    v1, v2 = v_structures(g1), v_structures(g2)
    if s1 != s2:
        edge, where = ((min(s1 - s2, key=lambda e: sorted(e)), "first") if s1 - s2
                       else (min(s2 - s1, key=lambda e: sorted(e)), "second"))
        a, b = sorted(edge, key=str)
        reason = f"The skeletons differ: {a} and {b} are adjacent in the {where} graph only."
    elif v1 != v2:
        (a, c, b), where = ((min(v1 - v2), "first") if v1 - v2 else (min(v2 - v1), "second"))
        reason = f"Same skeleton, but the v-structure {a} → {c} ← {b} is in the {where} graph only."
    else:
        shown = ", ".join(f"{a} → {c} ← {b}" for a, c, b in sorted(v1)) or "none"
        edges = f"{len(s1)} edge" + ("" if len(s1) == 1 else "s")
        reason = f"Same skeleton ({edges}) and the same v-structures ({shown})."
        if not answer:
            reason += " So they imply the same d-separations."
        return Feedback(answer, reason)
    return Feedback(not answer, reason)


def check_do_calculus_step(graph: nx.DiGraph, rule: int, y: Nodes, z: Nodes, x: Nodes = (),
                           w: Nodes = (), my_answer: bool | None = None) -> Feedback:
    """Check a learner's claim that ``rule`` of do-calculus licenses a step.

    ``my_answer=True`` claims the rule applies. The feedback states the d-separation
    the rule needs and the mutilated graph it is checked in, and names an open path
    when it fails.

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> check_do_calculus_step(g, 2, y="Y", z="X", my_answer=True)
    ... # doctest: +NORMALIZE_WHITESPACE
    Not quite. Rule 2 needs (Y ⫫ X) in G with the arrows out of X removed,
    but the path X ← Z → Y is open there.
    """
    check = do_calculus_condition(graph, rule, y, z, x, w)
    answer = _check_bool(my_answer)
    where = f"{check.statement} in {check.graph_name}"
    if check.holds:
        message = f"Rule {rule} needs {where}, and it holds: {check.equation}."
        if not answer:
            message = message.replace("and it holds", "which does hold")
        return Feedback(answer, message)
    message = f"Rule {rule} needs {where}, but the path {check.open_path} is open there."
    return Feedback(not answer, message)
