"""Structure search: causal-learn's output as graphs, and a greedy search that uses experiments.

The discovery algorithms themselves come from causal-learn (PC, GES, GRaSP, LiNGAM);
:func:`from_causallearn` converts their output. causal-learn has no search that uses
interventional data with known targets, so :func:`interventional_bic_search` is a small one:
greedy hill climbing over DAGs with a Gaussian BIC in which the mechanism of a node is *not*
scored on the samples of an experiment that intervened on that node (the idea of GIES,
Hauser & Bühlmann 2012; the locked ``gies`` package implements GIES itself). It is
hand-written because chapter 07 teaches what the score does with experiments.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real

import networkx as nx
import numpy as np

from causalcourse.errors import CourseError, UnknownNameError

__all__ = ["check_experiments", "from_causallearn", "interventional_bic_search"]


def from_causallearn(result: object, names: Sequence[str]) -> nx.DiGraph:
    """Convert causal-learn output to a DiGraph (undirected edges become both arcs).

    Accepts a causal-learn ``GeneralGraph`` (``pc(...).G``, ``ges(...)["G"]``,
    ``grasp(...)``), a ``CausalGraph`` (has ``.G``), or a weighted adjacency matrix
    ``B`` with ``B[i, j] != 0`` meaning ``j -> i`` (as DirectLiNGAM's
    ``adjacency_matrix_``). Bidirected edges (FCI) raise ``CourseError``.

    Example
    -------
    >>> import numpy as np
    >>> sorted(from_causallearn(np.array([[0, 0], [0.8, 0]]), ["X", "Y"]).edges)
    [('X', 'Y')]
    """
    names = list(names)
    if len(set(names)) != len(names):
        raise CourseError(f"the names must be distinct, got {names}")
    if hasattr(result, "G") and not hasattr(result, "graph"):
        result = result.G
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    if hasattr(result, "graph"):  # causal-learn endpoint matrix: A[j,i]=1 and A[i,j]=-1 is i -> j
        a = np.asarray(result.graph)
        if a.shape != (len(names), len(names)):
            raise CourseError(
                f"causal-learn graph has {a.shape[0]} nodes but {len(names)} names were given"
            )
        for i, j in itertools.permutations(range(len(names)), 2):
            if a[j, i] == 1 and a[i, j] == -1:
                graph.add_edge(names[i], names[j])
            elif a[i, j] == -1 and a[j, i] == -1:
                graph.add_edge(names[i], names[j])
            elif a[i, j] == 1 and a[j, i] == 1 and i < j:
                raise CourseError(f"bidirected edge {names[i]} <-> {names[j]}: not a (CP)DAG")
        return graph
    try:
        b = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise CourseError(
            "from_causallearn needs a causal-learn GeneralGraph, a CausalGraph or a weighted "
            f"adjacency matrix, got {type(result).__name__}"
        ) from None
    if b.shape != (len(names), len(names)):
        raise CourseError(f"adjacency matrix has shape {b.shape} but {len(names)} names were given")
    for i, j in zip(*np.nonzero(b), strict=True):
        graph.add_edge(names[j], names[i])
    return graph


def check_experiments(
    data: object,
    names: Sequence[str],
    regime: Sequence[object],
    targets: Mapping[object, Iterable[str]] | None = None,
) -> tuple[np.ndarray, list[str], np.ndarray, list[object], dict[object, list[str]]]:
    """Check samples, variable names, experiment labels and targets before a search.

    Returns the data as a float array, the names as a list, the labels as an array,
    the experiments in order of first appearance, and the targets as lists. Raises
    :class:`~causalcourse.errors.CourseError` for non-numeric or non-finite data, a
    shape that does not match the names, repeated names, a label count that does not
    match the samples, targets given as a string (``"X"`` instead of ``["X"]``) or a
    variable targeted by every experiment (its mechanism could not be scored), and
    :class:`~causalcourse.errors.UnknownNameError` for a target or an experiment that
    is not there.

    Example
    -------
    >>> _, _, _, order, known = check_experiments(np.zeros((3, 2)), ["X", "Y"], [0, 0, 1],
    ...                                           {1: ("X",)})
    >>> order, known
    ([0, 1], {1: ['X']})
    >>> check_experiments(np.zeros((3, 2)), ["X", "Y"], [0, 0, 1], {1: "X"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    causalcourse.errors.CourseError: the targets of experiment 1 must be a list ... not 'X'
    """
    if isinstance(names, str):
        raise CourseError(f"names must be a list of variable names, not the string {names!r}")
    names = list(names)
    if len(set(names)) != len(names):
        raise CourseError(f"variable names must be distinct, got {names}")
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise CourseError("data must be a numeric samples x variables array") from None
    if array.ndim != 2 or array.shape[1] != len(names) or len(array) == 0:
        raise CourseError(f"data must be samples x {len(names)} variables, got shape {array.shape}")
    labels_of = np.asarray(regime, dtype=object)
    if labels_of.ndim != 1 or len(labels_of) != len(array):
        raise CourseError(f"regime has {labels_of.size} labels for {len(array)} samples")
    bad = [names[j] for j in np.flatnonzero(~np.isfinite(array).all(axis=0))]
    if bad:
        raise CourseError(f"data holds a non-finite value (NaN or infinity) in {bad}")
    labels = list(dict.fromkeys(labels_of.tolist()))
    if targets is None:
        targets = {}
    if not isinstance(targets, Mapping):
        raise CourseError(
            "targets must map each experiment to its list of targets, e.g. {'drug': ['X']}, "
            f"got {type(targets).__name__}"
        )
    known: dict[object, list[str]] = {}
    for r, ts in targets.items():
        if r not in labels:
            raise UnknownNameError(
                f"targets name experiment {r!r}, which has no samples; experiments are {labels}"
            )
        if isinstance(ts, str) or not isinstance(ts, Iterable):
            raise CourseError(
                f"the targets of experiment {r!r} must be a list of variables, e.g. [{ts!r}], "
                f"not {ts!r}"
            )
        known[r] = list(ts)
        for node in known[r]:
            if node not in names:
                raise UnknownNameError(
                    f"unknown target {node!r} of experiment {r!r}; variables are {names}"
                )
    always = [n for n in names if all(n in known.get(r, ()) for r in labels)]
    if always:
        raise CourseError(
            f"every experiment intervenes on {always}: their mechanisms cannot be scored "
            "(add observational samples or drop the target)"
        )
    return array, names, labels_of, labels, known


def _local_bic(
    stats: Mapping[object, tuple[np.ndarray, int]],
    regimes: list,
    j: int,
    parents: list[int],
    penalty: float,
    centred: bool,
) -> float:
    scatter: np.ndarray = sum((stats[r][0] for r in regimes), np.zeros_like(stats[regimes[0]][0]))
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
    """Greedy search over DAGs on nodes 0..n-1: apply the best add/delete/reverse until none
    improves.

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
                    reverse = gain + score(i, pa_i + [j]) - score(i, pa_i)
                    moves.append((reverse, ("reverse", i, j)))
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
    """Greedy DAG search (add / delete / reverse one edge) with a Gaussian BIC that knows the
    experiments.

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
    data, names, labels_of, labels, targets = check_experiments(data, names, regime, targets)
    if isinstance(penalty, bool) or not isinstance(penalty, Real) or not 0 < penalty < np.inf:
        raise CourseError(f"penalty must be a positive finite number, got {penalty!r}")
    if not isinstance(regime_intercepts, bool):
        raise CourseError(f"regime_intercepts must be True or False, got {regime_intercepts!r}")
    stats = {}
    for r in labels:
        z = data[labels_of == r]
        z = z - z.mean(axis=0) if regime_intercepts else np.c_[np.ones(len(z)), z]
        stats[r] = (z.T @ z, len(z))
    allowed = {
        j: [r for r in labels if names[j] not in set(targets.get(r, ()))] for j in range(len(names))
    }
    cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def score(j: int, parents: Iterable[int]) -> float:
        key = (j, tuple(sorted(parents)))
        if key not in cache:
            cache[key] = _local_bic(stats, allowed[j], j, list(key[1]), penalty, regime_intercepts)
        return cache[key]

    graph = _hill_climb(len(names), score)
    return nx.relabel_nodes(graph, dict(enumerate(names)))
