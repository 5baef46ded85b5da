"""Causal graphs: build a DAG with clear errors, check node names, draw it readably.

A causal DAG here is a :class:`networkx.DiGraph` whose nodes may carry the
attribute ``latent=True`` (unobserved variables, drawn dashed). networkx does
the graph algorithms (``nx.is_d_separator``, ``nx.topological_sort``); this module
only adds validation with messages a learner can act on, and a layered drawing.
A malformed graph raises :class:`~causalcourse.errors.CourseError`; a node name that is not
in the graph raises :class:`~causalcourse.errors.UnknownNameError`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import networkx as nx

from causalcourse.errors import CourseError, UnknownNameError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["dag", "check_acyclic", "check_nodes", "latent_nodes", "layered_positions", "draw_dag"]

Edge = tuple[str, str]


def dag(
    edges: Iterable[Edge],
    nodes: Iterable[str] | None = None,
    latent: Iterable[str] = (),
) -> nx.DiGraph:
    """Build a causal DAG from ``(cause, effect)`` edges, refusing anything that is not one.

    ``nodes`` optionally declares the variables up front: then an edge that names
    an undeclared variable is an error (this catches typos such as ``"Smokng"``),
    and isolated variables can be included. ``latent`` marks unobserved variables.
    Raises :class:`~causalcourse.errors.CourseError` naming the self-loop or the cycle, and
    :class:`~causalcourse.errors.UnknownNameError` naming an unknown node.

    Example
    -------
    >>> g = dag([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> list(nx.topological_sort(g))
    ['Z', 'X', 'Y']
    >>> dag([("U", "X"), ("U", "Y")], latent=["U"]).nodes["U"]["latent"]
    True
    """
    edge_list = list(edges)
    for edge in edge_list:
        if not (isinstance(edge, tuple | list) and len(edge) == 2):
            raise CourseError(f"an edge must be a (cause, effect) pair, got {edge!r}")
    graph = nx.DiGraph()
    declared = None if nodes is None else list(nodes)
    if declared is not None:
        graph.add_nodes_from(declared)
        known = set(declared)
        for cause, effect in edge_list:
            for node in (cause, effect):
                if node not in known:
                    raise UnknownNameError(
                        f"unknown node {node!r} in edge ({cause!r}, {effect!r}); "
                        f"declared nodes are {sorted(map(str, known))}"
                    )
    for cause, effect in edge_list:
        if cause == effect:
            raise CourseError(f"self-loop on node {cause!r}: a variable cannot cause itself")
        graph.add_edge(cause, effect)
    check_acyclic(graph)
    latent_list = list(latent)
    check_nodes(graph, latent_list, what="latent node")
    nx.set_node_attributes(graph, False, "latent")
    for node in latent_list:
        graph.nodes[node]["latent"] = True
    return graph


def check_acyclic(
    graph: nx.DiGraph, what: str = "the graph has", rule: str = "a causal DAG must be acyclic"
) -> None:
    """Raise :class:`~causalcourse.errors.CourseError` naming one cycle of ``graph``, if it has any.

    Example
    -------
    >>> check_acyclic(nx.DiGraph([("A", "B"), ("B", "A")]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    causalcourse.errors.CourseError: the graph has a cycle: A -> B -> A; a causal DAG must be...
    """
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
    raise CourseError(f"{what} a cycle: {path}; {rule}")


def check_nodes(graph: nx.DiGraph, names: Iterable[str], what: str = "node") -> None:
    """Raise :class:`~causalcourse.errors.UnknownNameError` if any of ``names`` is not a node.

    Use it at the top of any function that takes node names from a user, so the
    error names the offending node instead of surfacing deep inside networkx.

    Example
    -------
    >>> check_nodes(dag([("X", "Y")]), ["X"])  # fine, returns None
    """
    known = set(graph.nodes)
    for name in names:
        if name not in known:
            raise UnknownNameError(
                f"unknown {what} {name!r}; the graph has nodes {sorted(map(str, known))}"
            )


def latent_nodes(graph: nx.DiGraph) -> list[str]:
    """Return the nodes marked ``latent=True``, in topological order.

    Example
    -------
    >>> latent_nodes(dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"]))
    ['U']
    """
    if not isinstance(graph, nx.DiGraph) or not nx.is_directed_acyclic_graph(graph):
        raise CourseError("latent_nodes needs a DAG; build it with causalcourse.graphs.dag")
    return [n for n in nx.topological_sort(graph) if graph.nodes[n].get("latent", False)]


def layered_positions(graph: nx.DiGraph, horizontal: bool = True) -> dict[str, tuple[float, float]]:
    """Positions that put causes before effects: one layer per topological generation.

    Nodes in a layer are ordered by the mean position of their parents (one
    barycentre sweep), which keeps most edges from crossing in small graphs.
    With ``horizontal=True`` causes are on the left, otherwise at the top.

    Example
    -------
    >>> pos = layered_positions(dag([("Z", "X"), ("X", "Y")]))
    >>> pos["Z"][0] < pos["X"][0] < pos["Y"][0]
    True
    """
    if not nx.is_directed_acyclic_graph(graph):
        raise CourseError("layered_positions needs a DAG; build it with causalcourse.graphs.dag")
    pos: dict[str, tuple[float, float]] = {}
    order: dict[str, float] = {}
    for depth, layer in enumerate(nx.topological_generations(graph)):

        def key(node: str) -> tuple[float, str]:
            parents = [order[p] for p in graph.predecessors(node) if p in order]
            return (sum(parents) / len(parents) if parents else 0.0, str(node))

        ranked = sorted(layer, key=key)
        width = len(ranked)
        for i, node in enumerate(ranked):
            offset = i - (width - 1) / 2
            order[node] = offset
            pos[node] = (
                (float(depth), float(-offset)) if horizontal else (float(offset), float(-depth))
            )
    return pos


def _between(point: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True if ``point`` lies on the straight segment from ``a`` to ``b`` (within a node's
    radius)."""
    (px, py), (ax_, ay), (bx, by) = point, a, b
    length2 = (bx - ax_) ** 2 + (by - ay) ** 2
    if length2 == 0:
        return False
    t = ((px - ax_) * (bx - ax_) + (py - ay) * (by - ay)) / length2
    if not 0 < t < 1:
        return False
    cx, cy = ax_ + t * (bx - ax_), ay + t * (by - ay)
    return (px - cx) ** 2 + (py - cy) ** 2 < 0.2**2


def draw_dag(
    graph: nx.DiGraph,
    ax: Axes | None = None,
    title: str | None = None,
    pos: Mapping[str, tuple[float, float]] | None = None,
    highlight: Collection[str] = (),
    horizontal: bool = True,
) -> Axes:
    """Draw a causal DAG with a layered layout; latent nodes and their edges are dashed.

    ``highlight`` nodes (e.g. the treatment and outcome) are filled with the accent
    colour. Returns the matplotlib ``Axes`` so a caller can add to it.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = draw_dag(dag([("Z", "X"), ("Z", "Y"), ("X", "Y")]), title="Confounding")
    >>> ax.get_title()
    'Confounding'
    """
    import matplotlib.pyplot as plt

    from causalcourse.plotting import PALETTE

    check_nodes(graph, highlight, what="highlighted node")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.2 * max(1, graph.number_of_nodes() ** 0.5) * 2, 3))
    positions = dict(pos) if pos is not None else layered_positions(graph, horizontal=horizontal)
    latent = set(latent_nodes(graph))
    observed = [n for n in graph.nodes if n not in latent]
    colours = [PALETTE["accent"] if n in highlight else PALETTE["node"] for n in observed]
    nx.draw_networkx_nodes(
        graph,
        positions,
        nodelist=observed,
        node_color=colours,
        edgecolors=PALETTE["edge"],
        node_size=1100,
        ax=ax,
    )
    if latent:
        nx.draw_networkx_nodes(
            graph,
            positions,
            nodelist=sorted(latent),
            node_color="white",
            edgecolors=PALETTE["latent"],
            linewidths=1.5,
            node_size=1100,
            ax=ax,
        ).set_linestyle("--")
    common = dict(ax=ax, node_size=1100, arrowsize=16, width=1.4, arrowstyle="-|>")
    for u, v in graph.edges:
        # An edge that skips a layer would run straight through the nodes between: bend it.
        (x0, y0), (x1, y1) = positions[u], positions[v]
        skips = any(
            w not in (u, v) and _between(positions[w], (x0, y0), (x1, y1)) for w in graph.nodes
        )
        nx.draw_networkx_edges(
            graph,
            positions,
            edgelist=[(u, v)],
            edge_color=PALETTE["latent"] if u in latent else PALETTE["edge"],
            style="dashed" if u in latent else "solid",
            connectionstyle="arc3,rad=0.35" if skips else "arc3",
            **common,
        )
    nx.draw_networkx_labels(graph, positions, font_size=10, ax=ax)
    ax.set_axis_off()
    xs = [p[0] for p in positions.values()] or [0.0]
    ys = [p[1] for p in positions.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    if title:
        ax.set_title(title)
    return ax
