"""Identification: from a causal DAG with latent nodes to y0's and DoWhy's answers.

y0 runs Shpitser & Pearl's ID algorithm on an acyclic directed mixed graph
(:class:`y0.graph.NxMixedGraph`): observed variables, directed edges, and
bidirected edges for unobserved common causes. Course graphs are networkx DAGs
whose unobserved variables carry ``latent=True`` (see :func:`causalcourse.graphs.dag`).
:func:`latent_projection` converts one into the other (Verma & Pearl's latent
projection, which keeps every d-separation and every identification answer among
the observed variables); :func:`identify_y0` and :func:`identify_dowhy` are thin
wrappers that put the same question to the two libraries.

y0's own ``NxMixedGraph.from_latent_variable_dag`` handles only latent *roots*
with observed children; the projection here also handles latent mediators and
chains of latent variables.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx

from causalcourse.graphs import check_nodes

__all__ = ["latent_projection", "identify_y0", "identify_dowhy", "dowhy_estimands"]


def _latent_set(graph: nx.DiGraph, latent: Iterable[str] | None) -> set[str]:
    if not isinstance(graph, nx.DiGraph) or not nx.is_directed_acyclic_graph(graph):
        raise ValueError("expected a causal DAG (networkx.DiGraph without cycles); build it with causalcourse.graphs.dag")
    if latent is None:
        return {n for n, d in graph.nodes(data=True) if d.get("latent", False)}
    latent = list(latent)
    check_nodes(graph, latent, what="latent node")
    return set(latent)


def _latent_reach(graph: nx.DiGraph, start: str, hidden: set[str]) -> set[str]:
    """Observed nodes reachable from ``start`` along directed paths whose inner nodes are all latent."""
    reached, stack, seen = set(), list(graph.successors(start)), set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in hidden:
            stack.extend(graph.successors(node))
        else:
            reached.add(node)
    return reached


def latent_projection(graph: nx.DiGraph, latent: Iterable[str] | None = None):
    """Project a DAG with latent nodes onto its observed nodes as a y0 ``NxMixedGraph``.

    ``A -> B`` if a directed path from observed ``A`` to observed ``B`` has only
    latent inner nodes; ``A <-> B`` if some latent node reaches both along such
    paths (an unobserved common cause). ``latent`` defaults to the nodes with the
    attribute ``latent=True``; a ``ValueError`` names an unknown latent node.

    Example
    -------
    >>> from causalcourse.graphs import dag
    >>> g = dag([("U", "S"), ("U", "C"), ("S", "T"), ("T", "C")], latent=["U"])
    >>> mixed = latent_projection(g)
    >>> sorted((str(a), str(b)) for a, b in mixed.directed.edges)
    [('S', 'T'), ('T', 'C')]
    >>> sorted(sorted(map(str, e)) for e in mixed.undirected.edges)
    [['C', 'S']]
    """
    from y0.dsl import Variable
    from y0.graph import NxMixedGraph

    hidden = _latent_set(graph, latent)
    observed = [n for n in nx.topological_sort(graph) if n not in hidden]
    if not observed:
        raise ValueError("every node is latent; nothing is left to project onto")
    directed = [(a, b) for a in observed for b in sorted(_latent_reach(graph, a, hidden), key=observed.index)]
    bidirected = set()
    for u in hidden:
        children = sorted(_latent_reach(graph, u, hidden), key=observed.index)
        bidirected.update(itertools.combinations(children, 2))
    return NxMixedGraph.from_edges(
        nodes=[Variable(n) for n in observed],
        directed=[(Variable(a), Variable(b)) for a, b in directed],
        undirected=[(Variable(a), Variable(b)) for a, b in sorted(bidirected)],
    )


def _names(graph: nx.DiGraph, names: str | Iterable[str], what: str, hidden: set[str]) -> list[str]:
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError(f"give at least one {what}")
    check_nodes(graph, names, what=what)
    for name in names:
        if name in hidden:
            raise ValueError(f"{what} {name!r} is latent; an effect is asked about observed variables")
    return names


def identify_y0(graph: nx.DiGraph, treatment: str | Iterable[str], outcome: str | Iterable[str],
                latent: Iterable[str] | None = None):
    """Ask y0's ID algorithm for P(outcome | do(treatment)): a y0 ``Expression``, or ``None`` if not identifiable.

    The DAG is first reduced by :func:`latent_projection`. The expression prints as
    text (``str``) and as LaTeX (``.to_latex()``).

    Example
    -------
    >>> from causalcourse.graphs import dag
    >>> print(identify_y0(dag([("Z", "X"), ("Z", "Y"), ("X", "Y")]), "X", "Y").to_latex())
    \\sum\\limits_{Z} P(Y | X, Z) \\sum\\limits_{X, Y} P(X, Y, Z)
    >>> identify_y0(dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"]), "X", "Y") is None
    True
    """
    from y0.algorithm.identify import identify_outcomes
    from y0.dsl import Variable

    hidden = _latent_set(graph, latent)
    treatments = {Variable(t) for t in _names(graph, treatment, "treatment", hidden)}
    outcomes = {Variable(o) for o in _names(graph, outcome, "outcome", hidden)}
    return identify_outcomes(latent_projection(graph, hidden), treatments=treatments, outcomes=outcomes)


def identify_dowhy(graph: nx.DiGraph, treatment: str | Iterable[str], outcome: str | Iterable[str],
                   latent: Iterable[str] | None = None):
    """Ask DoWhy's ``identify_effect`` for the same effect; returns its ``IdentifiedEstimand``.

    DoWhy takes the full DAG and the list of observed nodes (here: the non-latent
    ones) and looks for backdoor, instrumental-variable, front-door and general
    adjustment estimands. :func:`dowhy_estimands` summarises which were found.

    Example
    -------
    >>> from causalcourse.graphs import dag
    >>> identify_dowhy(dag([("Z", "X"), ("Z", "Y"), ("X", "Y")]), "X", "Y").get_backdoor_variables()
    ['Z']
    """
    from dowhy.causal_identifier import identify_effect

    hidden = _latent_set(graph, latent)
    treatments = _names(graph, treatment, "treatment", hidden)
    outcomes = _names(graph, outcome, "outcome", hidden)
    observed = [n for n in graph.nodes if n not in hidden]
    return identify_effect(nx.DiGraph(graph.edges), treatments, outcomes, observed)


def dowhy_estimands(estimand) -> dict[str, list[str]]:
    """The estimands DoWhy found, as ``{kind: variables}`` (e.g. ``{"backdoor": ["Z"]}``); empty if none.

    Example
    -------
    >>> from causalcourse.graphs import dag
    >>> dowhy_estimands(identify_dowhy(dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"]), "X", "Y"))
    {}
    """
    found = {}
    for kind, variables in [("backdoor", estimand.get_backdoor_variables()),
                            ("frontdoor", estimand.get_frontdoor_variables()),
                            ("iv", estimand.get_instrumental_variables()),
                            ("general_adjustment", estimand.get_general_adjustment_variables())]:
        if estimand.estimands.get(kind) is not None:
            found[kind] = sorted(variables or [])
    return found
