"""Which arrows of a DAG do observational data plus experiments determine?

Two DAGs fit observational data equally well when they have the same skeleton and
v-structures (Verma & Pearl 1990); perfect interventions on known targets also fix the
edges that touch a target (Hauser & Bühlmann 2012). :func:`interventional_essential_graph`
returns the arrows every equivalent DAG shares (the others become undirected).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx

from causalcourse.errors import CourseError, UnknownNameError

__all__ = ["v_structures", "interventional_essential_graph"]


def v_structures(graph: nx.DiGraph) -> set[tuple[str, str, str]]:
    """The v-structures ``a -> c <- b`` (a, b not adjacent) of a DAG, as ``(a, c, b)`` with a < b.

    Example
    -------
    >>> v_structures(nx.DiGraph([("X", "Z"), ("Y", "Z")]))
    {('X', 'Z', 'Y')}
    """
    if not isinstance(graph, nx.DiGraph) or not nx.is_directed_acyclic_graph(graph):
        raise CourseError("v_structures needs a DAG (a networkx DiGraph)")
    found = set()
    for child in graph.nodes:
        for a, b in itertools.combinations(sorted(graph.predecessors(child)), 2):
            if not graph.has_edge(a, b) and not graph.has_edge(b, a):
                found.add((a, child, b))
    return found


def interventional_essential_graph(
    dag: nx.DiGraph, targets: Iterable[Iterable[str]] = (), max_free: int = 16
) -> nx.DiGraph:
    """The arrows of ``dag`` that data from these experiments determine; the others become
    undirected.

    Two DAGs fit observational data equally well when they have the same skeleton
    and v-structures (Verma & Pearl 1990); an experiment on a set of targets also
    fixes every edge that touches a target (Hauser & Bühlmann 2012). This function
    enumerates the DAGs obeying both and keeps an arrow only if all of them agree
    (``max_free`` bounds the enumeration). With ``targets=()`` it returns the CPDAG.
    :func:`causalcourse.design.interventional_equivalent` answers the same question for
    every DAG on a few nodes at once; a test checks that the two agree.

    Example
    -------
    >>> chain = nx.DiGraph([("X", "Y"), ("Y", "Z")])
    >>> sorted(interventional_essential_graph(chain).edges)   # observational: no arrow is fixed
    [('X', 'Y'), ('Y', 'X'), ('Y', 'Z'), ('Z', 'Y')]
    >>> sorted(interventional_essential_graph(chain, [["Z"]]).edges)
    [('X', 'Y'), ('Y', 'X'), ('Y', 'Z')]
    """
    if not isinstance(dag, nx.DiGraph) or not nx.is_directed_acyclic_graph(dag):
        raise CourseError("interventional_essential_graph needs a DAG (a networkx DiGraph)")
    if isinstance(targets, str) or any(isinstance(ts, str) for ts in targets):
        raise CourseError("targets must be a list of target sets, e.g. [['Z']], not strings")
    target_sets = [set(ts) for ts in targets]
    for ts in target_sets:
        for node in ts - set(dag.nodes):
            raise UnknownNameError(
                f"unknown target {node!r}; the graph has nodes {sorted(dag.nodes)}"
            )
    v_structs = v_structures(dag)
    fixed = {(a, c) for a, c, _ in v_structs} | {(b, c) for _, c, b in v_structs}
    fixed |= {(u, v) for u, v in dag.edges if any((u in ts) != (v in ts) for ts in target_sets)}
    free = [e for e in dag.edges if e not in fixed]
    if len(free) > max_free:
        raise CourseError(
            f"{len(free)} edges are not fixed; enumeration is limited to max_free={max_free}"
        )
    orientations: list[set[tuple[str, str]]] = []
    for flips in itertools.product((False, True), repeat=len(free)):
        candidate = nx.DiGraph()
        candidate.add_nodes_from(dag.nodes)
        candidate.add_edges_from(fixed)
        candidate.add_edges_from(
            (v, u) if f else (u, v) for (u, v), f in zip(free, flips, strict=True)
        )
        if nx.is_directed_acyclic_graph(candidate) and v_structures(candidate) == v_structs:
            orientations.append(set(candidate.edges))
    essential = nx.DiGraph()
    essential.add_nodes_from(dag.nodes)
    for u, v in dag.edges:
        essential.add_edge(u, v)
        if any((u, v) not in o for o in orientations):
            essential.add_edge(v, u)
    return essential
