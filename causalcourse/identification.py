"""Identification: from a causal DAG with latent nodes to y0's and DoWhy's answers.

y0 runs Shpitser & Pearl's ID algorithm on an acyclic directed mixed graph
(:class:`y0.graph.NxMixedGraph`): observed variables, directed edges, and
bidirected edges for unobserved common causes. Course graphs are networkx DAGs
whose unobserved variables carry ``latent=True`` (see :func:`causalcourse.graphs.dag`).
:func:`latent_projection` converts one into the other (Verma & Pearl's latent
projection, which keeps every d-separation and every identification answer among
the observed variables); :func:`identify_y0` and :func:`identify_dowhy` are thin
wrappers that put the same question to the two libraries.

The projection is y0's: ``simplify_latent_dag`` (Evans' rules, which turn latent
mediators and chains of latent variables into latent roots) followed by
``NxMixedGraph.from_latent_variable_dag``; this module only keeps every observed node
(also isolated ones) in topological order, so estimands print the same way every run.
A property test checks that the projection keeps every d-separation among the observed
nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from causalcourse.errors import CourseError
from causalcourse.graphs import check_nodes

__all__ = ["latent_projection", "identify_y0", "identify_dowhy", "dowhy_estimands"]


def _latent_set(graph: nx.DiGraph, latent: Iterable[str] | None) -> set[str]:
    if not isinstance(graph, nx.DiGraph) or not nx.is_directed_acyclic_graph(graph):
        raise CourseError(
            "expected a causal DAG (networkx.DiGraph without cycles); "
            "build it with causalcourse.graphs.dag"
        )
    if latent is None:
        return {n for n, d in graph.nodes(data=True) if d.get("latent", False)}
    latent = list(latent)
    check_nodes(graph, latent, what="latent node")
    return set(latent)


def latent_projection(graph: nx.DiGraph, latent: Iterable[str] | None = None) -> Any:
    """Project a DAG with latent nodes onto its observed nodes as a y0 ``NxMixedGraph``.

    ``A -> B`` if a directed path from observed ``A`` to observed ``B`` has only
    latent inner nodes; ``A <-> B`` if some latent node reaches both along such
    paths (an unobserved common cause). ``latent`` defaults to the nodes with the
    attribute ``latent=True``; an :class:`~causalcourse.errors.UnknownNameError` names an
    unknown latent node.

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
    from y0.algorithm.simplify_latent import simplify_latent_dag
    from y0.dsl import Variable
    from y0.graph import NxMixedGraph

    hidden = _latent_set(graph, latent)
    observed = [str(n) for n in nx.topological_sort(graph) if n not in hidden]
    if not observed:
        raise CourseError("every node is latent; nothing is left to project onto")
    lv_dag = nx.DiGraph()
    for node in graph.nodes:
        lv_dag.add_node(Variable(str(node)), hidden=node in hidden)
    lv_dag.add_edges_from((Variable(str(a)), Variable(str(b))) for a, b in graph.edges)
    simplify_latent_dag(lv_dag, tag="hidden")  # in place: only latent roots remain
    projected = NxMixedGraph.from_latent_variable_dag(lv_dag, tag="hidden")
    position = {n: i for i, n in enumerate(observed)}
    directed = sorted(
        ((str(a), str(b)) for a, b in projected.directed.edges),
        key=lambda e: (position[e[0]], position[e[1]]),
    )
    bidirected = sorted(
        tuple(sorted((str(a), str(b)), key=position.__getitem__))
        for a, b in projected.undirected.edges
    )
    return NxMixedGraph.from_edges(
        nodes=[Variable(n) for n in observed],
        directed=[(Variable(a), Variable(b)) for a, b in directed],
        undirected=[(Variable(a), Variable(b)) for a, b in bidirected],
    )


def _names(graph: nx.DiGraph, names: str | Iterable[str], what: str, hidden: set[str]) -> list[str]:
    listed = [names] if isinstance(names, str) else list(names)
    if not listed:
        raise CourseError(f"give at least one {what}")
    check_nodes(graph, listed, what=what)
    for name in listed:
        if name in hidden:
            raise CourseError(
                f"{what} {name!r} is latent; an effect is asked about observed variables"
            )
    return listed


def identify_y0(
    graph: nx.DiGraph,
    treatment: str | Iterable[str],
    outcome: str | Iterable[str],
    latent: Iterable[str] | None = None,
) -> Any:
    """Ask y0's ID algorithm for P(outcome | do(treatment)): a y0 ``Expression``, or ``None``.

    ``None`` means the effect is not identifiable from the observed variables.

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
    return identify_outcomes(
        latent_projection(graph, hidden), treatments=treatments, outcomes=outcomes
    )


def identify_dowhy(
    graph: nx.DiGraph,
    treatment: str | Iterable[str],
    outcome: str | Iterable[str],
    latent: Iterable[str] | None = None,
) -> Any:
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


def dowhy_estimands(estimand: Any) -> dict[str, list[str]]:
    """The estimands DoWhy found, as ``{kind: variables}`` (e.g. ``{"backdoor": ["Z"]}``); empty if
    none.

    Example
    -------
    >>> from causalcourse.graphs import dag
    >>> bow = dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"])
    >>> dowhy_estimands(identify_dowhy(bow, "X", "Y"))
    {}
    """
    if not hasattr(estimand, "get_backdoor_variables"):
        raise CourseError(
            f"expected DoWhy's IdentifiedEstimand (from identify_dowhy), "
            f"got {type(estimand).__name__}"
        )
    found = {}
    for kind, variables in [
        ("backdoor", estimand.get_backdoor_variables()),
        ("frontdoor", estimand.get_frontdoor_variables()),
        ("iv", estimand.get_instrumental_variables()),
        ("general_adjustment", estimand.get_general_adjustment_variables()),
    ]:
        if estimand.estimands.get(kind) is not None:
            found[kind] = sorted(variables or [])
    return found
