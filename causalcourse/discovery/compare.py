"""Scoring a learned graph against the true DAG: edge classes, SHD, precision and recall, a drawing.

A learned graph is a :class:`networkx.DiGraph` in which an *undirected* edge ``a - b`` (what
PC and GES return when the data cannot orient it) is stored as the two arcs ``a -> b`` and
``b -> a``. The truth is a DAG.

Conventions of the scores (stated here once, used everywhere):

* **SHD** (structural Hamming distance) counts the node pairs on which the two graphs
  differ: a missing edge, an extra edge, a *reversed* edge and an undirected edge where the
  truth has a directed one each count **1**.
* **Directed precision / recall**: learned edges oriented as in the truth, over all learned
  edges (an undirected edge is never correctly oriented) / over all true edges.
* **Skeleton precision / recall**: the same with orientations ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

__all__ = [
    "Edge",
    "as_graph",
    "GraphComparison",
    "compare_graphs",
    "score_table",
    "shd",
    "draw_comparison",
]

Edge = tuple[str, str]


def as_graph(graph: nx.DiGraph | Iterable[Edge], what: str = "learned") -> nx.DiGraph:
    """A DiGraph from a DiGraph or a list of ``(cause, effect)`` edges (``what`` names it in
    errors).

    Example
    -------
    >>> sorted(as_graph([("X", "Y")]).edges)
    [('X', 'Y')]
    """
    if isinstance(graph, nx.DiGraph):
        return graph
    try:
        edges = [tuple(e) for e in graph]
    except TypeError as error:
        raise CourseError(
            f"the {what} graph must be a networkx DiGraph or a list of (cause, effect) edges"
        ) from error
    for edge in edges:
        if len(edge) != 2 or edge[0] == edge[1]:
            raise CourseError(
                f"bad edge {edge!r} in the {what} graph: expected a (cause, effect) pair of two "
                "nodes"
            )
    return nx.DiGraph(edges)


@dataclass(frozen=True)
class GraphComparison:
    """How a learned graph differs from the true DAG (see the module docstring for conventions)."""

    correct: list[Edge]
    reversed: list[Edge]
    undirected: list[Edge]
    missing: list[Edge]
    extra: list[Edge]
    n_true: int = field(repr=False)

    @property
    def n_learned(self) -> int:
        return len(self.correct) + len(self.reversed) + len(self.undirected) + len(self.extra)

    @property
    def shd(self) -> int:
        return len(self.reversed) + len(self.undirected) + len(self.missing) + len(self.extra)

    @property
    def directed_precision(self) -> float:
        return len(self.correct) / self.n_learned if self.n_learned else 0.0

    @property
    def directed_recall(self) -> float:
        return len(self.correct) / self.n_true if self.n_true else 0.0

    @property
    def skeleton_precision(self) -> float:
        hits = self.n_learned - len(self.extra)
        return hits / self.n_learned if self.n_learned else 0.0

    @property
    def skeleton_recall(self) -> float:
        hits = self.n_learned - len(self.extra)
        return hits / self.n_true if self.n_true else 0.0

    def summary(self) -> dict[str, float]:
        """The scores as a flat dict (edge counts, SHD, precisions and recalls to 3 decimals)."""
        return {
            "edges": self.n_learned,
            "correct": len(self.correct),
            "reversed": len(self.reversed),
            "undirected": len(self.undirected),
            "missing": len(self.missing),
            "extra": len(self.extra),
            "SHD": self.shd,
            "dir. precision": round(self.directed_precision, 3),
            "dir. recall": round(self.directed_recall, 3),
            "skel. precision": round(self.skeleton_precision, 3),
            "skel. recall": round(self.skeleton_recall, 3),
        }


def compare_graphs(
    learned: nx.DiGraph | Iterable[Edge], truth: nx.DiGraph | Iterable[Edge]
) -> GraphComparison:
    """Classify every edge of ``learned`` and ``truth``: correct, reversed, undirected, missing,
    extra.

    ``learned`` may contain undirected edges (both arcs present); ``truth`` must be a
    DAG. Nodes of ``learned`` that are not in ``truth`` raise
    :class:`~causalcourse.errors.UnknownNameError` (a typo in a node name would otherwise
    count as extra edges).

    Example
    -------
    >>> learned, truth = [("X", "Y"), ("Z", "Y"), ("Y", "Z")], [("X", "Y"), ("Y", "Z"), ("X", "Z")]
    >>> c = compare_graphs(learned, truth)
    >>> c.correct, c.undirected, c.missing, c.shd
    ([('X', 'Y')], [('Y', 'Z')], [('X', 'Z')], 2)
    """
    g, t = as_graph(learned, "learned"), as_graph(truth, "true")
    if not nx.is_directed_acyclic_graph(t):
        raise CourseError(
            "the true graph must be a DAG (it has a directed cycle or an undirected edge)"
        )
    unknown = sorted(n for n in g.nodes if g.degree(n) and n not in t)
    if unknown and t.number_of_nodes():
        raise UnknownNameError(
            f"learned graph has node(s) {unknown} that the true graph lacks; "
            f"true nodes are {sorted(t.nodes)}"
        )
    correct: list[Edge] = []
    rev: list[Edge] = []
    und: list[Edge] = []
    extra: list[Edge] = []
    seen: set[frozenset[str]] = set()
    for a, b in sorted(g.edges):
        pair = frozenset((a, b))
        if pair in seen:
            continue
        seen.add(pair)
        both = g.has_edge(b, a)
        if t.has_edge(a, b) or t.has_edge(b, a):
            true_edge = (a, b) if t.has_edge(a, b) else (b, a)
            if both:
                und.append(true_edge)
            elif true_edge == (a, b):
                correct.append(true_edge)
            else:
                rev.append(true_edge)
        else:
            extra.append((a, b) if not both or a < b else (b, a))
    missing = sorted(e for e in t.edges if frozenset(e) not in seen)
    return GraphComparison(
        sorted(correct), sorted(rev), sorted(und), missing, sorted(extra), t.number_of_edges()
    )


def score_table(
    graphs: Mapping[str, nx.DiGraph | Iterable[Edge]], truth: nx.DiGraph | Iterable[Edge]
) -> pd.DataFrame:
    """One row of :meth:`GraphComparison.summary` per named learned graph (counts as integers).

    Example
    -------
    >>> score_table({"guess": [("Y", "X")]}, [("X", "Y")])[["edges", "reversed", "SHD"]]
           edges  reversed  SHD
    guess      1         1    1
    """
    if not isinstance(graphs, Mapping) or not graphs:
        raise CourseError("score_table needs a non-empty mapping {name: learned graph}")
    rows = {name: compare_graphs(g, truth).summary() for name, g in graphs.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    counts = ["edges", "correct", "reversed", "undirected", "missing", "extra", "SHD"]
    return table.astype({c: int for c in counts})


def shd(learned: nx.DiGraph | Iterable[Edge], truth: nx.DiGraph | Iterable[Edge]) -> int:
    """Structural Hamming distance; a reversed or wrongly undirected edge counts 1.

    Example
    -------
    >>> shd([("Y", "X")], [("X", "Y"), ("Y", "Z")])  # one reversed, one missing
    2
    """
    return compare_graphs(learned, truth).shd


def draw_comparison(
    learned: nx.DiGraph | Iterable[Edge],
    truth: nx.DiGraph | Iterable[Edge],
    ax: Axes | None = None,
    title: str | None = None,
    pos: Mapping[str, tuple[float, float]] | None = None,
) -> Axes:
    """Draw the learned graph over the true one, its edges coloured by how they compare.

    Correct arrows are green, reversed orange, undirected edges orange without a
    head, missing true edges dashed blue, extra edges red (without a head if
    undirected). Returns the ``Axes``.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> draw_comparison([("Y", "X")], [("X", "Y")], title="one reversed").get_title()
    'one reversed'
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from causalcourse.graphs import layered_positions
    from causalcourse.plotting import PALETTE

    t = as_graph(truth, "true")
    g = as_graph(learned, "learned")
    comparison = compare_graphs(g, t)
    extra_undirected = [e for e in comparison.extra if g.has_edge(e[1], e[0])]
    extra_directed = [e for e in comparison.extra if e not in extra_undirected]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    positions = dict(pos) if pos is not None else layered_positions(t, horizontal=False)
    canvas = nx.DiGraph()
    canvas.add_nodes_from(t.nodes)
    nx.draw_networkx_nodes(
        canvas,
        positions,
        node_color=PALETTE["node"],
        edgecolors=PALETTE["edge"],
        node_size=900,
        ax=ax,
    )
    nx.draw_networkx_labels(canvas, positions, font_size=9, ax=ax)
    common: dict[str, Any] = dict(
        ax=ax, node_size=900, arrowsize=14, width=1.8, connectionstyle="arc3,rad=0.08"
    )
    layers = [
        (comparison.correct, PALETTE["correct"], "solid", "-|>", "correct"),
        ([(b, a) for a, b in comparison.reversed], PALETTE["reversed"], "solid", "-|>", "reversed"),
        (comparison.undirected, PALETTE["reversed"], "solid", "-", "undirected"),
        (comparison.missing, PALETTE["missing"], "dashed", "-|>", "missing"),
        (extra_directed, PALETTE["extra"], "solid", "-|>", "extra"),
        (extra_undirected, PALETTE["extra"], "solid", "-", "extra, undirected"),
    ]
    handles: list[Line2D] = []
    for edges, colour, style, arrow, label in layers:
        if label == "extra, undirected" and not edges:
            continue
        if edges:
            nx.draw_networkx_edges(
                canvas,
                positions,
                edgelist=edges,
                edge_color=colour,
                style=style,
                arrowstyle=arrow,
                **common,
            )
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linestyle="--" if style == "dashed" else "-",
                label=f"{label} ({len(edges)})",
            )
        )
    ax.legend(handles=handles, loc="lower left", fontsize=8, bbox_to_anchor=(0.0, -0.18), ncol=3)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
