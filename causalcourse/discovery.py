"""Causal discovery: score a learned graph against the truth, and learn from experiments.

A learned graph is a :class:`networkx.DiGraph` in which an *undirected* edge
``a - b`` (what PC and GES return when the data cannot orient it) is stored as
the two arcs ``a -> b`` and ``b -> a``. The truth is a DAG.

Conventions of the scores (stated here once, used everywhere):

* **SHD** (structural Hamming distance) counts the node pairs on which the two
  graphs differ: a missing edge, an extra edge, a *reversed* edge and an
  undirected edge where the truth has a directed one each count **1**.
* **Directed precision / recall**: learned edges oriented as in the truth, over
  all learned edges (an undirected edge is never correctly oriented) / over all
  true edges.
* **Skeleton precision / recall**: the same with orientations ignored.

The discovery algorithms themselves come from causal-learn (PC, GES, GRaSP,
LiNGAM); :func:`from_causallearn` converts their output. causal-learn has no
search that uses interventional data with known targets, so this module adds a
small one, :func:`interventional_bic_search`: greedy hill climbing over DAGs with
a Gaussian BIC in which the mechanism of a node is *not* scored on the samples of
an experiment that intervened on that node (the idea of GIES, Hauser & Bühlmann
2012). :func:`interventional_essential_graph` then tells which of its arrows the
data and the experiments really determine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

__all__ = [
    "GraphComparison",
    "compare_graphs",
    "score_table",
    "shd",
    "from_causallearn",
    "interventional_bic_search",
    "interventional_essential_graph",
    "draw_comparison",
    "sachs_consensus_graph",
    "sachs_targets",
]

Edge = tuple[str, str]


def _as_graph(graph: nx.DiGraph | Iterable[Edge], what: str) -> nx.DiGraph:
    if isinstance(graph, nx.DiGraph):
        return graph
    try:
        edges = [tuple(e) for e in graph]
    except TypeError as error:
        raise ValueError(f"the {what} graph must be a networkx DiGraph or a list of (cause, effect) edges") from error
    for edge in edges:
        if len(edge) != 2 or edge[0] == edge[1]:
            raise ValueError(f"bad edge {edge!r} in the {what} graph: expected a (cause, effect) pair of two nodes")
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
        """The scores as a flat dict (edges counts, SHD, precisions and recalls rounded to 3 decimals)."""
        return {
            "edges": self.n_learned, "correct": len(self.correct), "reversed": len(self.reversed),
            "undirected": len(self.undirected), "missing": len(self.missing), "extra": len(self.extra),
            "SHD": self.shd,
            "dir. precision": round(self.directed_precision, 3), "dir. recall": round(self.directed_recall, 3),
            "skel. precision": round(self.skeleton_precision, 3), "skel. recall": round(self.skeleton_recall, 3),
        }


def compare_graphs(
    learned: nx.DiGraph | Iterable[Edge], truth: nx.DiGraph | Iterable[Edge]
) -> GraphComparison:
    """Classify every edge of ``learned`` and ``truth``: correct, reversed, undirected, missing, extra.

    ``learned`` may contain undirected edges (both arcs present); ``truth`` must be a
    DAG. Nodes of ``learned`` that are not in ``truth`` raise ``ValueError`` (a typo
    in a node name would otherwise count as extra edges).

    Example
    -------
    >>> c = compare_graphs([("X", "Y"), ("Z", "Y"), ("Y", "Z")], [("X", "Y"), ("Y", "Z"), ("X", "Z")])
    >>> c.correct, c.undirected, c.missing, c.shd
    ([('X', 'Y')], [('Y', 'Z')], [('X', 'Z')], 2)
    """
    g, t = _as_graph(learned, "learned"), _as_graph(truth, "true")
    if not nx.is_directed_acyclic_graph(t):
        raise ValueError("the true graph must be a DAG (it has a directed cycle or an undirected edge)")
    unknown = sorted(n for n in g.nodes if g.degree(n) and n not in t)
    if unknown and t.number_of_nodes():
        raise ValueError(f"learned graph has node(s) {unknown} that the true graph lacks; true nodes are {sorted(t.nodes)}")
    correct, rev, und, extra = [], [], [], []
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
    return GraphComparison(sorted(correct), sorted(rev), sorted(und), missing, sorted(extra), t.number_of_edges())


def score_table(graphs: Mapping[str, nx.DiGraph | Iterable[Edge]], truth: nx.DiGraph | Iterable[Edge]) -> "pd.DataFrame":
    """One row of :meth:`GraphComparison.summary` per named learned graph (counts as integers).

    Example
    -------
    >>> score_table({"guess": [("Y", "X")]}, [("X", "Y")])[["edges", "reversed", "SHD"]]
           edges  reversed  SHD
    guess      1         1    1
    """
    import pandas as pd

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


def from_causallearn(result: object, names: Sequence[str]) -> nx.DiGraph:
    """Convert causal-learn output to a DiGraph (undirected edges become both arcs).

    Accepts a causal-learn ``GeneralGraph`` (``pc(...).G``, ``ges(...)["G"]``,
    ``grasp(...)``), a ``CausalGraph`` (has ``.G``), or a weighted adjacency matrix
    ``B`` with ``B[i, j] != 0`` meaning ``j -> i`` (as DirectLiNGAM's
    ``adjacency_matrix_``). Bidirected edges (FCI) raise ``ValueError``.

    Example
    -------
    >>> import numpy as np
    >>> sorted(from_causallearn(np.array([[0, 0], [0.8, 0]]), ["X", "Y"]).edges)
    [('X', 'Y')]
    """
    names = list(names)
    if hasattr(result, "G") and not hasattr(result, "graph"):
        result = result.G
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    if hasattr(result, "graph"):  # causal-learn endpoint matrix: A[j,i]=1 and A[i,j]=-1 is i -> j
        a = np.asarray(result.graph)
        if a.shape != (len(names), len(names)):
            raise ValueError(f"causal-learn graph has {a.shape[0]} nodes but {len(names)} names were given")
        for i, j in itertools.permutations(range(len(names)), 2):
            if a[j, i] == 1 and a[i, j] == -1:
                graph.add_edge(names[i], names[j])
            elif a[i, j] == -1 and a[j, i] == -1:
                graph.add_edge(names[i], names[j])
            elif a[i, j] == 1 and a[j, i] == 1 and i < j:
                raise ValueError(f"bidirected edge {names[i]} <-> {names[j]}: not a (CP)DAG")
        return graph
    b = np.asarray(result, dtype=float)
    if b.shape != (len(names), len(names)):
        raise ValueError(f"adjacency matrix has shape {b.shape} but {len(names)} names were given")
    for i, j in zip(*np.nonzero(b)):
        graph.add_edge(names[j], names[i])
    return graph


def _local_bic(stats: Mapping[object, tuple[np.ndarray, int]], regimes: list, j: int, parents: list[int],
               penalty: float, centred: bool) -> float:
    scatter = sum(stats[r][0] for r in regimes)
    n = sum(stats[r][1] for r in regimes)
    offset = 0 if centred else 1
    rows = ([] if centred else [0]) + [p + offset for p in parents]
    rss = scatter[j + offset, j + offset]
    if rows:
        a, b = scatter[np.ix_(rows, rows)], scatter[rows, j + offset]
        rss = rss - b @ np.linalg.solve(a, b)
    k = len(parents) + 1 + (len(regimes) if centred else 1)  # slopes, variance, intercept(s)
    return float(-0.5 * n * np.log(max(rss, 1e-300) / n) - penalty * 0.5 * k * np.log(n))


def _hill_climb(n_nodes: int, score: Callable[[int, Iterable[int]], float],
                tol: float = 1e-6) -> nx.DiGraph:
    """Greedy search over DAGs on nodes 0..n-1: apply the best add/delete/reverse until none improves.

    Ties are broken deterministically: moves whose gains lie within ``tol`` (plus a
    relative 1e-9) of the best gain count as equal, and the first of them in a fixed
    order wins (pairs ``(i, j)`` in lexicographic order; for an existing arc delete
    before reverse). Score-equivalent moves have gains that differ only in the last
    digits, which differ between processors; without this rule the search could take
    a different path on another machine. A move must gain more than ``tol``.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n_nodes))
    while True:
        moves: list[tuple[float, tuple[str, int, int]]] = []  # in the fixed order
        for i, j in itertools.permutations(range(n_nodes), 2):
            pa_j = list(graph.predecessors(j))
            if graph.has_edge(i, j):
                without = [p for p in pa_j if p != i]
                gain = score(j, without) - score(j, pa_j)
                moves.append((gain, ("delete", i, j)))
                graph.remove_edge(i, j)
                acyclic = not nx.has_path(graph, i, j)
                graph.add_edge(i, j)
                if acyclic:
                    pa_i = list(graph.predecessors(i))
                    moves.append((gain + score(i, pa_i + [j]) - score(i, pa_i), ("reverse", i, j)))
            elif not graph.has_edge(j, i) and not nx.has_path(graph, j, i):
                moves.append((score(j, pa_j + [i]) - score(j, pa_j), ("add", i, j)))
        best = max((gain for gain, _ in moves), default=0.0)
        if best <= tol:
            break
        cutoff = best - tol - 1e-9 * abs(best)
        move, i, j = next(m for gain, m in moves if gain >= cutoff)
        if move == "add":
            graph.add_edge(i, j)
        else:
            graph.remove_edge(i, j)
            if move == "reverse":
                graph.add_edge(j, i)
    return graph


def interventional_bic_search(
    data: np.ndarray,
    names: Sequence[str],
    regime: Sequence[object],
    targets: Mapping[object, Iterable[str]] | None = None,
    penalty: float = 1.0,
    regime_intercepts: bool = True,
) -> nx.DiGraph:
    """Greedy DAG search (add / delete / reverse one edge) with a Gaussian BIC that knows the experiments.

    ``data`` is samples × variables, ``regime[k]`` labels the experiment of sample
    ``k``, and ``targets[r]`` lists the variables that experiment ``r`` intervened
    on. A node's linear-Gaussian mechanism (slopes and noise variance) is shared by
    all experiments *except* those that target it, whose samples are left out of
    its score: an intervention replaces the mechanism, so it carries no evidence
    about it. With ``regime_intercepts`` each experiment gets its own intercept
    per node (batch shifts); ``targets=None`` pools everything as if observational.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=500), rng.normal(3, 1, 500)]   # second half: do(X)
    >>> y = 2 * x + rng.normal(size=1000)
    >>> g = interventional_bic_search(np.c_[x, y], ["X", "Y"], [0] * 500 + [1] * 500, {1: ["X"]})
    >>> sorted(g.edges)
    [('X', 'Y')]
    """
    data = np.asarray(data, dtype=float)
    names = list(names)
    regime = np.asarray(regime, dtype=object)
    if data.ndim != 2 or data.shape[1] != len(names):
        raise ValueError(f"data must be samples x {len(names)} variables, got shape {data.shape}")
    if len(regime) != len(data):
        raise ValueError(f"regime has {len(regime)} labels for {len(data)} samples")
    labels = list(dict.fromkeys(regime.tolist()))
    targets = {} if targets is None else dict(targets)
    for r, ts in targets.items():
        if r not in labels:
            raise KeyError(f"targets name experiment {r!r}, which has no samples; experiments are {labels}")
        for node in ts:
            if node not in names:
                raise ValueError(f"unknown target {node!r} of experiment {r!r}; variables are {names}")
    stats = {}
    for r in labels:
        z = data[regime == r]
        z = z - z.mean(axis=0) if regime_intercepts else np.c_[np.ones(len(z)), z]
        stats[r] = (z.T @ z, len(z))
    allowed = {j: [r for r in labels if names[j] not in set(targets.get(r, ()))] for j in range(len(names))}
    cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def score(j: int, parents: Iterable[int]) -> float:
        key = (j, tuple(sorted(parents)))
        if key not in cache:
            cache[key] = _local_bic(stats, allowed[j], j, list(key[1]), penalty, regime_intercepts)
        return cache[key]

    graph = _hill_climb(len(names), score)
    return nx.relabel_nodes(graph, dict(enumerate(names)))


def _v_structures(graph: nx.DiGraph) -> set[tuple[str, str, str]]:
    found = set()
    for child in graph.nodes:
        for a, b in itertools.combinations(sorted(graph.predecessors(child)), 2):
            if not graph.has_edge(a, b) and not graph.has_edge(b, a):
                found.add((a, child, b))
    return found


def interventional_essential_graph(dag: nx.DiGraph, targets: Iterable[Iterable[str]] = (), max_free: int = 16) -> nx.DiGraph:
    """The arrows of ``dag`` that data from these experiments determine; the others become undirected.

    Two DAGs fit observational data equally well when they have the same skeleton
    and v-structures (Verma & Pearl 1990); an experiment on a set of targets also
    fixes every edge that touches a target (Hauser & Bühlmann 2012). This function
    enumerates the DAGs obeying both and keeps an arrow only if all of them agree
    (``max_free`` bounds the enumeration). With ``targets=()`` it returns the CPDAG.

    Example
    -------
    >>> chain = nx.DiGraph([("X", "Y"), ("Y", "Z")])
    >>> sorted(interventional_essential_graph(chain).edges)   # observational: no arrow is fixed
    [('X', 'Y'), ('Y', 'X'), ('Y', 'Z'), ('Z', 'Y')]
    >>> sorted(interventional_essential_graph(chain, [["Z"]]).edges)
    [('X', 'Y'), ('Y', 'X'), ('Y', 'Z')]
    """
    if not nx.is_directed_acyclic_graph(dag):
        raise ValueError("interventional_essential_graph needs a DAG")
    target_sets = [set(ts) for ts in targets]
    for ts in target_sets:
        for node in ts - set(dag.nodes):
            raise ValueError(f"unknown target {node!r}; the graph has nodes {sorted(dag.nodes)}")
    v_structs = _v_structures(dag)
    fixed = {(a, c) for a, c, _ in v_structs} | {(b, c) for _, c, b in v_structs}
    fixed |= {(u, v) for u, v in dag.edges if any((u in ts) != (v in ts) for ts in target_sets)}
    free = [e for e in dag.edges if e not in fixed]
    if len(free) > max_free:
        raise ValueError(f"{len(free)} edges are not fixed; enumeration is limited to max_free={max_free}")
    orientations: list[set[Edge]] = []
    for flips in itertools.product((False, True), repeat=len(free)):
        candidate = nx.DiGraph()
        candidate.add_nodes_from(dag.nodes)
        candidate.add_edges_from(fixed)
        candidate.add_edges_from((v, u) if f else (u, v) for (u, v), f in zip(free, flips))
        if nx.is_directed_acyclic_graph(candidate) and _v_structures(candidate) == v_structs:
            orientations.append(set(candidate.edges))
    essential = nx.DiGraph()
    essential.add_nodes_from(dag.nodes)
    for u, v in dag.edges:
        essential.add_edge(u, v)
        if any((u, v) not in o for o in orientations):
            essential.add_edge(v, u)
    return essential


def draw_comparison(
    learned: nx.DiGraph | Iterable[Edge],
    truth: nx.DiGraph | Iterable[Edge],
    ax: object | None = None,
    title: str | None = None,
    pos: Mapping[str, tuple[float, float]] | None = None,
) -> object:
    """Draw the learned graph over the true one: correct, reversed, undirected, missing and extra edges coloured.

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

    t = _as_graph(truth, "true")
    g = _as_graph(learned, "learned")
    comparison = compare_graphs(g, t)
    extra_undirected = [e for e in comparison.extra if g.has_edge(e[1], e[0])]
    extra_directed = [e for e in comparison.extra if e not in extra_undirected]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    positions = dict(pos) if pos is not None else layered_positions(t, horizontal=False)
    canvas = nx.DiGraph()
    canvas.add_nodes_from(t.nodes)
    nx.draw_networkx_nodes(canvas, positions, node_color=PALETTE["node"], edgecolors=PALETTE["edge"],
                           node_size=900, ax=ax)
    nx.draw_networkx_labels(canvas, positions, font_size=9, ax=ax)
    common = dict(ax=ax, node_size=900, arrowsize=14, width=1.8, connectionstyle="arc3,rad=0.08")
    layers = [
        (comparison.correct, PALETTE["correct"], "solid", "-|>", "correct"),
        ([(b, a) for a, b in comparison.reversed], PALETTE["reversed"], "solid", "-|>", "reversed"),
        (comparison.undirected, PALETTE["reversed"], "solid", "-", "undirected"),
        (comparison.missing, PALETTE["missing"], "dashed", "-|>", "missing"),
        (extra_directed, PALETTE["extra"], "solid", "-|>", "extra"),
        (extra_undirected, PALETTE["extra"], "solid", "-", "extra, undirected"),
    ]
    handles = []
    for edges, colour, style, arrow, label in layers:
        if label == "extra, undirected" and not edges:
            continue
        if edges:
            nx.draw_networkx_edges(canvas, positions, edgelist=edges, edge_color=colour, style=style,
                                   arrowstyle=arrow, **common)
        handles.append(Line2D([], [], color=colour, linestyle="--" if style == "dashed" else "-",
                              label=f"{label} ({len(edges)})"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, bbox_to_anchor=(0.0, -0.18), ncol=3)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def sachs_consensus_graph(variant: str = "consensus_17", root: object = None) -> nx.DiGraph:
    """The Sachs et al. (2005) ground-truth network shipped in ``data/sachs/`` (SHA-256 checked).

    ``variant="consensus_17"`` is the 17-edge graph of the bnlearn repository (and
    of pgmpy's ``sachs.bif.gz``) that the chapter scores against;
    ``variant="cdt_target_18"`` is the 18-edge list shipped with cdt 0.6.0.

    Example
    -------
    >>> sachs_consensus_graph().number_of_edges()
    17
    """
    import pandas as pd

    from causalcourse.data import verified_path

    if variant not in ("consensus_17", "cdt_target_18"):
        raise ValueError(f"unknown variant {variant!r}; choose 'consensus_17' or 'cdt_target_18'")
    edges = pd.read_csv(verified_path(f"sachs/{variant}.csv", root))
    return nx.DiGraph(list(zip(edges["cause"], edges["effect"])))


def sachs_targets(root: object = None) -> dict[str, list[str]]:
    """The intervention target(s) of each Sachs condition, from ``data/sachs/conditions.csv``.

    Example
    -------
    >>> sachs_targets()["U0126"]
    ['Mek']
    """
    from causalcourse.data import _sachs_conditions

    table = _sachs_conditions(root)
    return {row.condition: [t for t in row.target.split(";") if t] for row in table.itertuples()}
