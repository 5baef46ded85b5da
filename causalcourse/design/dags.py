"""DAGs as boolean adjacency matrices: enumeration, Markov and interventional equivalence.

A graph is a boolean matrix ``A[i, j] = True`` meaning ``nodes[i] -> nodes[j]``; a stack of
graphs has shape ``(K, d, d)``. :func:`enumerate_dags` lists every DAG on at most five nodes;
:func:`markov_equivalent` and :func:`interventional_equivalent` compare the signatures
(skeleton and v-structures, before and after each experiment's surgery) of all of them with
one graph at once. The same question is answered edge by edge for one DAG by
:func:`causalcourse.discovery.interventional_essential_graph`; a test checks that the two
agree on random small DAGs and experiments.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from functools import cache

import networkx as nx
import numpy as np

from causalcourse.errors import CourseError, UnknownNameError

__all__ = [
    "MAX_NODES",
    "enumerate_dags",
    "markov_equivalent",
    "interventional_equivalent",
    "ancestor_query",
    "shd_to",
    "parent_masks",
    "all_parent_masks",
    "reachability",
    "as_adjacency",
]

MAX_NODES = 5


@cache
def _enumerate(d: int) -> np.ndarray:
    if d == 0:
        return np.zeros((1, 0, 0), dtype=bool)
    perms = np.array(list(itertools.permutations(range(d))), dtype=np.int64).reshape(-1, d)
    upper = [(i, j) for i in range(d) for j in range(i + 1, d)]
    bits = (np.arange(2 ** len(upper))[:, None] >> np.arange(len(upper))) & 1  # (B, pairs)
    codes = np.zeros((len(perms), len(bits)), dtype=np.int64)
    for k, (i, j) in enumerate(upper):  # edge perm[i] -> perm[j] for i < j in the order
        codes += bits[None, :, k] << (perms[:, i, None] * d + perms[:, j, None])
    unique = np.unique(codes.ravel())
    dags = (unique[:, None] >> np.arange(d * d)) & 1
    out = dags.reshape(-1, d, d).astype(bool)
    out.setflags(write=False)
    return out


def enumerate_dags(d: int) -> np.ndarray:
    """Every DAG on ``d`` ≤ 5 labelled nodes as boolean adjacency matrices, shape ``(K, d, d)``.

    ``A[k, i, j]`` is True when graph ``k`` has the edge ``i -> j``. A DAG is an
    order of the nodes plus any subset of the forward edges; the function builds
    all of them and removes duplicates. The counts are 1, 1, 3, 25, 543 and 29,281
    for ``d`` = 0 … 5 (Robinson 1973). The result is cached and read-only.

    Example
    -------
    >>> [len(enumerate_dags(d)) for d in range(1, 5)]
    [1, 3, 25, 543]
    """
    if not isinstance(d, (int, np.integer)) or not 0 <= d <= MAX_NODES:
        raise CourseError(f"exact enumeration needs 0 <= d <= {MAX_NODES} nodes, got {d!r}")
    return _enumerate(int(d))


def _check_stack(dags: np.ndarray, graph: np.ndarray | None = None) -> int:
    """The number of nodes of a stack of graphs (and of one graph), or a CourseError."""
    if not isinstance(dags, np.ndarray) or dags.ndim != 3 or dags.shape[1] != dags.shape[2]:
        raise CourseError(f"dags must be an array of shape (K, d, d), got {np.shape(dags)}")
    d = dags.shape[-1]
    if graph is not None and np.shape(graph) != (d, d):
        raise CourseError(
            f"the graph must be a ({d}, {d}) adjacency matrix, got shape {np.shape(graph)}"
        )
    return d


def parent_masks(dags: np.ndarray) -> np.ndarray:
    """``masks[k, j]`` = bitmask of the parents of node ``j`` in graph ``k``.

    Example
    -------
    >>> parent_masks(enumerate_dags(2)).tolist()   # empty, 0 -> 1, 1 -> 0
    [[0, 0], [0, 1], [2, 0]]
    """
    d = _check_stack(dags)
    return (dags.astype(np.int64) << np.arange(d)[:, None]).sum(axis=-2)


@cache
def all_parent_masks(d: int) -> np.ndarray:
    """:func:`parent_masks` of :func:`enumerate_dags` ``(d)``, cached and read-only.

    Example
    -------
    >>> all_parent_masks(3).shape
    (25, 3)
    """
    out = parent_masks(enumerate_dags(d))
    out.setflags(write=False)
    return out


def reachability(dags: np.ndarray) -> np.ndarray:
    """``R[k, i, j]`` is True if there is a directed path from ``i`` to ``j`` (or ``i == j``).

    Example
    -------
    >>> bool(reachability(enumerate_dags(2))[1, 0, 1])   # 0 -> 1 reaches 1 from 0
    True
    """
    d = _check_stack(dags)
    reach = dags.astype(bool) | np.eye(d, dtype=bool)
    for _ in range(max(1, int(np.ceil(np.log2(max(d, 2)))))):
        reach = np.matmul(reach.astype(np.int32), reach.astype(np.int32)) > 0
    return reach


def _signature(dags: np.ndarray) -> np.ndarray:
    """Skeleton and v-structures of each graph, flattened: equal rows = Markov equivalent."""
    d = dags.shape[-1]
    skeleton = dags | np.swapaxes(dags, -1, -2)
    # v[..., i, j, k]: i -> k <- j with i and j not adjacent
    v = dags[..., :, None, :] & dags[..., None, :, :] & ~skeleton[..., :, :, None]
    v &= ~np.eye(d, dtype=bool)[:, :, None]
    batch = dags.shape[:-2]
    return np.concatenate([skeleton.reshape(*batch, -1), v.reshape(*batch, -1)], axis=-1)


def as_adjacency(graph: object, nodes: Sequence[str]) -> np.ndarray:
    """One graph (adjacency matrix, DiGraph or edge list) as a boolean matrix over ``nodes``.

    Example
    -------
    >>> as_adjacency([("X", "Y")], ("X", "Y")).tolist()
    [[False, True], [False, False]]
    """
    d = len(nodes)
    if isinstance(graph, np.ndarray):
        if graph.shape != (d, d):
            raise CourseError(f"adjacency matrix has shape {graph.shape}; expected {(d, d)}")
        return graph.astype(bool)
    if isinstance(graph, nx.DiGraph):
        edges = list(graph.edges)
    else:
        try:
            edges = [tuple(e) for e in graph]  # type: ignore[attr-defined]
        except TypeError:
            raise CourseError(
                "a graph must be an adjacency matrix, a networkx DiGraph or a list of "
                f"(cause, effect) edges, got {type(graph).__name__}"
            ) from None
    index = {n: i for i, n in enumerate(nodes)}
    out = np.zeros((d, d), dtype=bool)
    for edge in edges:
        for node in edge:
            if node not in index:
                raise UnknownNameError(f"unknown node {node!r}; the nodes are {list(nodes)}")
        out[index[edge[0]], index[edge[1]]] = True
    return out


def markov_equivalent(dags: np.ndarray, graph: np.ndarray) -> np.ndarray:
    """Which of ``dags`` are Markov equivalent to ``graph``: same skeleton and same v-structures.

    Markov-equivalent DAGs imply the same conditional independences, so no amount
    of observational data can tell them apart (Verma & Pearl 1990).

    Example
    -------
    >>> dags = enumerate_dags(3)
    >>> chain = np.zeros((3, 3), bool); chain[0, 1] = chain[1, 2] = True     # 0 -> 1 -> 2
    >>> int(markov_equivalent(dags, chain).sum())   # the chain, its reverse and the fork
    3
    """
    _check_stack(dags, graph)
    return (_signature(dags) == _signature(np.asarray(graph, dtype=bool)[None])).all(axis=-1)


def interventional_equivalent(
    dags: np.ndarray, graph: np.ndarray, targets: Iterable[Iterable[int]]
) -> np.ndarray:
    """Which ``dags`` cannot be told from ``graph`` by observational data plus perfect
    interventions.

    ``targets`` lists the intervened node sets (indices) of the experiments. Two
    DAGs are interventionally equivalent when they are Markov equivalent and stay
    so after every experiment's surgery (cutting the edges into its targets), the
    characterisation of Hauser & Bühlmann (2012) for families containing the
    observational regime.

    Example
    -------
    >>> dags = enumerate_dags(3)
    >>> chain = np.zeros((3, 3), bool); chain[0, 1] = chain[1, 2] = True
    >>> int(interventional_equivalent(dags, chain, [[1]]).sum())   # do(node 1) orients both edges
    1
    """
    d = _check_stack(dags, graph)
    graph = np.asarray(graph, dtype=bool)
    families = [list(target) for target in targets]
    for target in families:
        bad = [t for t in target if not isinstance(t, (int, np.integer)) or not 0 <= t < d]
        if bad:
            raise CourseError(f"intervention targets must be node indices 0..{d - 1}, got {bad}")
    same = markov_equivalent(dags, graph)
    for target in families:
        cut = np.zeros(d, dtype=bool)
        cut[target] = True
        same &= markov_equivalent(dags & ~cut[None, None, :], graph & ~cut[None, :])
    return same


def ancestor_query(dags: np.ndarray, cause: int, effect: int) -> np.ndarray:
    """Labels ``1`` where ``cause`` is an ancestor of ``effect`` (intervening on it moves it), else
    0.

    In a linear-Gaussian model with non-zero weights this is the query "is the
    total causal effect of ``cause`` on ``effect`` non-zero?"; pass the labels as
    ``query`` to :meth:`StructureModel.expected_information_gain`.

    Example
    -------
    >>> dags = enumerate_dags(2)        # empty, 0 -> 1, 1 -> 0
    >>> ancestor_query(dags, 0, 1).tolist()
    [0, 1, 0]
    """
    d = _check_stack(dags)
    if not (0 <= cause < d and 0 <= effect < d) or cause == effect:
        raise CourseError(
            f"cause {cause!r} and effect {effect!r} must be two different node indices below {d}"
        )
    return reachability(dags)[:, cause, effect].astype(np.int64)


def shd_to(dags: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Structural Hamming distance of every graph in ``dags`` to ``truth`` (a reversed edge counts
    1).

    The convention is that of :func:`causalcourse.discovery.shd`, computed for all
    graphs at once: the number of node pairs whose edge differs.

    Example
    -------
    >>> dags = enumerate_dags(2)        # empty, 0 -> 1, 1 -> 0
    >>> shd_to(dags, dags[1]).tolist()
    [1, 0, 1]
    """
    d = _check_stack(dags, truth)
    iu = np.triu_indices(d, 1)
    fwd, bwd = dags[:, iu[0], iu[1]], dags[:, iu[1], iu[0]]
    return ((fwd != truth[iu]) | (bwd != truth[iu[1], iu[0]])).sum(axis=1)
