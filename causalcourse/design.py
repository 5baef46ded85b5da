"""Bayesian structure learning and experimental design for small linear-Gaussian pathways.

A posterior over causal graphs is computed **exactly** by enumerating every DAG on
at most five nodes (there are 29,281 on five). Each DAG is scored with the **BGe**
marginal likelihood (Geiger & Heckerman 2002, with the corrections of Kuipers,
Moffa & Heckerman 2014): a linear-Gaussian model whose parameters are integrated
out under a Normal-Wishart prior. The score is a sum of one term per node and its
parents, so a *perfect intervention* enters by leaving the intervened samples out
of the intervened node's own term (Cooper & Yoo 1999; Eaton & Murphy 2007): the
experimenter, not the node's parents, set its value. The structure prior encodes
knowledge as a probability for every possible edge.

Everything is vectorised over graphs: a graph is a boolean adjacency matrix
``A[i, j] = True`` meaning ``nodes[i] -> nodes[j]``, and the data enter only through
per-node sufficient statistics (:class:`Evidence`), so adding an experiment, or
thousands of simulated ones, is cheap. :meth:`StructureModel.expected_information_gain`
estimates how much an experiment would teach about the graph, or about a query
that is a function of the graph, as the expected Kullback-Leibler divergence from
the current posterior to the updated one; :func:`design_loop` chooses, runs and
learns from experiments on a ground-truth :class:`LinearSEM`. Beyond five nodes,
:func:`structure_mcmc` samples from the same posterior (Madigan & York 1995).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import gammaln, logsumexp

__all__ = [
    "enumerate_dags",
    "markov_equivalent",
    "interventional_equivalent",
    "ancestor_query",
    "shd_to",
    "Evidence",
    "bge_log_marginal",
    "edge_log_prior",
    "GraphPosterior",
    "StructureModel",
    "LinearSEM",
    "random_linear_sem",
    "design_loop",
    "experiments_to_reach",
    "structure_mcmc",
    "plot_edge_probabilities",
]

MAX_NODES = 5
STRATEGIES = ("eig-graph", "eig-query", "random", "observational")


# --- graphs as adjacency matrices ------------------------------------------------------------


@lru_cache(maxsize=None)
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
        raise ValueError(f"exact enumeration needs 0 <= d <= {MAX_NODES} nodes, got {d!r}")
    return _enumerate(int(d))


def _parent_masks(dags: np.ndarray) -> np.ndarray:
    """``masks[k, j]`` = bitmask of the parents of node ``j`` in graph ``k``."""
    d = dags.shape[-1]
    return (dags.astype(np.int64) << np.arange(d)[:, None]).sum(axis=-2)


def _reachability(dags: np.ndarray) -> np.ndarray:
    """``R[k, i, j]`` is True if there is a directed path from ``i`` to ``j`` (or ``i == j``)."""
    d = dags.shape[-1]
    reach = dags | np.eye(d, dtype=bool)
    for _ in range(max(1, int(np.ceil(np.log2(max(d, 2)))))):
        reach = np.matmul(reach.astype(np.int32), reach.astype(np.int32)) > 0
    return reach


def _signature(dags: np.ndarray) -> np.ndarray:
    """Skeleton and v-structures of each graph, flattened: equal rows = Markov equivalent."""
    d = dags.shape[-1]
    skeleton = dags | np.swapaxes(dags, -1, -2)
    v = dags[..., :, None, :] & dags[..., None, :, :] & ~skeleton[..., :, :, None]  # i -> k <- j, i !~ j
    v &= ~np.eye(d, dtype=bool)[:, :, None]
    return np.concatenate([skeleton.reshape(*dags.shape[:-2], -1), v.reshape(*dags.shape[:-2], -1)], axis=-1)


def _as_adjacency(graph: object, nodes: Sequence[str]) -> np.ndarray:
    d = len(nodes)
    if isinstance(graph, np.ndarray):
        if graph.shape != (d, d):
            raise ValueError(f"adjacency matrix has shape {graph.shape}; expected {(d, d)}")
        return graph.astype(bool)
    edges = list(graph.edges) if isinstance(graph, nx.DiGraph) else [tuple(e) for e in graph]
    index = {n: i for i, n in enumerate(nodes)}
    out = np.zeros((d, d), dtype=bool)
    for edge in edges:
        for node in edge:
            if node not in index:
                raise ValueError(f"unknown node {node!r}; the nodes are {list(nodes)}")
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
    return (_signature(dags) == _signature(graph[None])).all(axis=-1)


def interventional_equivalent(dags: np.ndarray, graph: np.ndarray, targets: Iterable[Iterable[int]]) -> np.ndarray:
    """Which ``dags`` cannot be told from ``graph`` by observational data plus perfect interventions.

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
    same = markov_equivalent(dags, graph)
    for target in targets:
        cut = np.zeros(graph.shape[-1], dtype=bool)
        cut[list(target)] = True
        same &= markov_equivalent(dags & ~cut[None, None, :], graph & ~cut[None, :])
    return same


def ancestor_query(dags: np.ndarray, cause: int, effect: int) -> np.ndarray:
    """Labels ``1`` where ``cause`` is an ancestor of ``effect`` (an intervention on it moves it), else ``0``.

    In a linear-Gaussian model with non-zero weights this is the query "is the
    total causal effect of ``cause`` on ``effect`` non-zero?"; pass the labels as
    ``query`` to :meth:`StructureModel.expected_information_gain`.

    Example
    -------
    >>> dags = enumerate_dags(2)        # empty, 0 -> 1, 1 -> 0
    >>> ancestor_query(dags, 0, 1).tolist()
    [0, 1, 0]
    """
    d = dags.shape[-1]
    if not (0 <= cause < d and 0 <= effect < d) or cause == effect:
        raise ValueError(f"cause {cause!r} and effect {effect!r} must be two different node indices below {d}")
    return _reachability(dags)[:, cause, effect].astype(np.int64)


def shd_to(dags: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Structural Hamming distance of every graph in ``dags`` to ``truth`` (a reversed edge counts 1).

    The convention is that of :func:`causalcourse.discovery.shd`, computed for all
    graphs at once: the number of node pairs whose edge differs.

    Example
    -------
    >>> dags = enumerate_dags(2)        # empty, 0 -> 1, 1 -> 0
    >>> shd_to(dags, dags[1]).tolist()
    [1, 0, 1]
    """
    d = truth.shape[-1]
    iu = np.triu_indices(d, 1)
    fwd, bwd = dags[:, iu[0], iu[1]], dags[:, iu[1], iu[0]]
    return ((fwd != truth[iu]) | (bwd != truth[iu[1], iu[0]])).sum(axis=1)


# --- the BGe marginal likelihood ----------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Per-node sufficient statistics of data that may contain perfect interventions.

    Row ``j`` of each array summarises the samples in which node ``j`` was **not**
    intervened on — the only samples that carry evidence about ``j``'s mechanism:
    ``count[j]``, the column sums ``total[j]`` and the cross-products ``cross[j]``
    (``Σ x xᵀ``). Build with :meth:`from_data` and extend with :meth:`add`.

    Example
    -------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ev = Evidence.from_data(x, intervened=[[True, False], [False, False]])
    >>> ev.count.tolist()
    [1, 2]
    """

    count: np.ndarray
    total: np.ndarray
    cross: np.ndarray

    @classmethod
    def empty(cls, d: int) -> Evidence:
        """No data on ``d`` variables."""
        return cls(np.zeros(d, dtype=np.int64), np.zeros((d, d)), np.zeros((d, d, d)))

    @classmethod
    def from_data(cls, data: np.ndarray, intervened: np.ndarray | Sequence | None = None) -> Evidence:
        """Statistics of ``data`` (samples × variables); ``intervened`` is a boolean array of the same shape."""
        data = np.asarray(data, dtype=float)
        if data.ndim != 2:
            raise ValueError(f"data must be a 2-d array (samples × variables), got shape {data.shape}")
        return cls.empty(data.shape[1]).add(data, intervened)

    def add(self, data: np.ndarray, intervened: np.ndarray | Sequence | None = None) -> Evidence:
        """New evidence with the samples of ``data`` added (``intervened[k, j]``: sample k had do(node j))."""
        data = np.asarray(data, dtype=float)
        d = self.count.shape[0]
        if data.ndim != 2 or data.shape[1] != d:
            raise ValueError(f"data must have shape (samples, {d}), got {data.shape}")
        if not np.isfinite(data).all():
            raise ValueError("data contain NaN or infinite values")
        keep = np.ones(data.shape, dtype=bool) if intervened is None else ~np.asarray(intervened, dtype=bool)
        if keep.shape != data.shape:
            raise ValueError(f"intervened must have the shape of data {data.shape}, got {keep.shape}")
        w = keep.T.astype(float)  # (d nodes, samples)
        return Evidence(self.count + keep.sum(axis=0), self.total + w @ data,
                        self.cross + np.einsum("js,sa,sb->jab", w, data, data))


@lru_cache(maxsize=None)
def _subsets(d: int) -> np.ndarray:
    return ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(bool)


def _log_mv_gamma(a: np.ndarray, p: np.ndarray, d: int) -> np.ndarray:
    out = p * (p - 1) / 4 * np.log(np.pi)
    for k in range(1, d + 1):
        arg = np.where(k <= p, a + (1 - k) / 2, 1.0)
        out = out + np.where(k <= p, gammaln(arg), 0.0)
    return out


def _subset_table(count: np.ndarray, total: np.ndarray, cross: np.ndarray, alpha_mu: float,
                  alpha_w: float) -> np.ndarray:
    """log p(data restricted to subset S) for every subset S; leading axes are batch axes."""
    d = total.shape[-1]
    masks = _subsets(d)
    size = masks.sum(axis=1).astype(float)
    n = count.astype(float)[..., None]
    mean = total / np.maximum(count, 1)[..., None]
    t = alpha_mu * (alpha_w - d - 1) / (alpha_mu + 1)
    shrink = (n[..., 0] * alpha_mu / (n[..., 0] + alpha_mu))[..., None, None]
    outer = mean[..., :, None] * mean[..., None, :]
    r = t * np.eye(d) + cross - n[..., None] * outer + shrink * outer
    pair = masks[:, :, None] & masks[:, None, :]
    logdet = np.linalg.slogdet(np.where(pair, r[..., None, :, :], np.eye(d)))[1]
    a_prior = (alpha_w - d + size) / 2
    a_post = (n + alpha_w - d + size) / 2
    return (-size * n / 2 * np.log(np.pi) + size / 2 * np.log(alpha_mu / (n + alpha_mu))
            + _log_mv_gamma(a_post, size, d) - _log_mv_gamma(a_prior, size, d)
            + a_prior * size * np.log(t) - a_post * logdet)


def _dag_scores(evidence: Evidence, parent_masks: np.ndarray, alpha_mu: float, alpha_w: float) -> np.ndarray:
    """BGe log marginal likelihood of each graph; batch axes of the evidence arrays are kept."""
    d = evidence.total.shape[-1]
    table = _subset_table(evidence.count, evidence.total, evidence.cross, alpha_mu, alpha_w)  # (..., d, 2^d)
    nodes = np.arange(d)
    local = table[..., nodes, parent_masks | (1 << nodes)] - table[..., nodes, parent_masks]  # (..., K, d)
    return local.sum(axis=-1)


def _check_alphas(d: int, alpha_mu: float, alpha_w: float | None) -> float:
    alpha_w = d + 2.0 if alpha_w is None else float(alpha_w)
    if alpha_mu <= 0:
        raise ValueError(f"alpha_mu must be positive, got {alpha_mu}")
    if alpha_w <= d + 1:
        raise ValueError(f"alpha_w must exceed d + 1 = {d + 1} for a proper prior, got {alpha_w}")
    return alpha_w


def bge_log_marginal(
    data: np.ndarray | Evidence,
    dags: np.ndarray,
    intervened: np.ndarray | None = None,
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> np.ndarray:
    """BGe log marginal likelihood ``log p(data | G)`` of each graph in ``dags``.

    Linear-Gaussian model, Normal-Wishart parameter prior with prior mean 0, prior
    precision scale ``t·I`` with ``t = alpha_mu (alpha_w − d − 1) / (alpha_mu + 1)``
    (so standardised data have prior variance about 1) and ``alpha_w = d + 2`` by
    default, as in the BiDAG package. Samples flagged in ``intervened`` are left out
    of the intervened node's own term. Standardise the data first.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)); data = np.c_[x, 2 * x + rng.normal(size=(200, 1))]
    >>> scores = bge_log_marginal(data / data.std(0), enumerate_dags(2))   # empty, 0 -> 1, 1 -> 0
    >>> bool(scores[1] > scores[0] + 50), bool(np.isclose(scores[1], scores[2]))
    (True, True)
    """
    evidence = data if isinstance(data, Evidence) else Evidence.from_data(data, intervened)
    d = evidence.count.shape[0]
    if dags.shape[1:] != (d, d):
        raise ValueError(f"graphs have {dags.shape[1]} nodes but the data have {d} variables")
    alpha_w = _check_alphas(d, alpha_mu, alpha_w)
    return _dag_scores(evidence, _parent_masks(dags), alpha_mu, alpha_w)


def edge_log_prior(dags: np.ndarray, edge_probs: np.ndarray) -> np.ndarray:
    """Normalised log prior over ``dags`` from a matrix of edge probabilities.

    ``P(G) ∝ Π_{i≠j} p_ij^{A_ij} (1 − p_ij)^{1 − A_ij}`` (the modular prior of
    Heckerman, Geiger & Chickering 1995 and Werhli & Husmeier 2007): ``p_ij = 0.5``
    is no opinion (all 0.5 gives the uniform prior), 0 forbids and 1 requires the
    edge ``i -> j``. Acyclicity couples the edges, so the prior's own edge marginals
    are close to, not equal to, ``p_ij``.

    Example
    -------
    >>> dags = enumerate_dags(2)
    >>> np.exp(edge_log_prior(dags, np.array([[0.5, 0.9], [0.5, 0.5]]))).round(3).tolist()
    [0.091, 0.818, 0.091]
    """
    p = np.asarray(edge_probs, dtype=float)
    d = dags.shape[-1]
    if p.shape != (d, d) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"edge_probs must be a ({d}, {d}) matrix of probabilities in [0, 1]")
    off = ~np.eye(d, dtype=bool)
    with np.errstate(divide="ignore"):
        log_on, log_off = np.log(p), np.log1p(-p)
    terms = np.where(dags, log_on, log_off)[:, off].sum(axis=1)
    if not np.isfinite(terms).any():
        raise ValueError("the edge probabilities rule out every DAG")
    return terms - logsumexp(terms)


# --- the posterior ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _cached_log_prior(d: int, probs: bytes) -> np.ndarray:
    out = edge_log_prior(enumerate_dags(d), np.frombuffer(probs).reshape(d, d))
    out.setflags(write=False)
    return out


@lru_cache(maxsize=None)
def _cached_masks(d: int) -> np.ndarray:
    out = _parent_masks(enumerate_dags(d))
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class GraphPosterior:
    """An exact distribution over the DAGs on ``nodes`` (``log_prob`` normalised, one entry per DAG).

    Example
    -------
    >>> post = GraphPosterior(("X", "Y"), enumerate_dags(2), np.log([0.2, 0.5, 0.3]))
    >>> float(post.edge_probabilities().loc["X", "Y"]), post.prob([("Y", "X")])
    (0.5, 0.3)
    """

    nodes: tuple[str, ...]
    dags: np.ndarray
    log_prob: np.ndarray

    @property
    def probs(self) -> np.ndarray:
        return np.exp(self.log_prob)

    def edge_probabilities(self) -> pd.DataFrame:
        """``P(cause -> effect | data)``, rows causes and columns effects."""
        return pd.DataFrame(np.tensordot(self.probs, self.dags, axes=1), index=self.nodes, columns=self.nodes)

    def prob(self, graph: object) -> float:
        """Posterior probability of one DAG (edge list, DiGraph or adjacency matrix)."""
        a = _as_adjacency(graph, self.nodes)
        return float(self.probs[(self.dags == a).all(axis=(1, 2))].sum())

    def prob_of(self, which: np.ndarray) -> float:
        """Total probability of the graphs selected by a boolean mask (e.g. an equivalence class)."""
        return float(self.probs[which].sum())

    def entropy(self) -> float:
        """Shannon entropy in nats (0 for a point mass)."""
        p = self.probs
        return float(-(p[p > 0] * self.log_prob[p > 0]).sum())

    def expected_shd(self, truth: object) -> float:
        """Posterior expected structural Hamming distance to ``truth``."""
        return float(self.probs @ shd_to(self.dags, _as_adjacency(truth, self.nodes)))

    def top(self, k: int = 5) -> pd.DataFrame:
        """The ``k`` most probable graphs with their edges and probabilities."""
        order = np.argsort(-self.log_prob, kind="stable")[:k]
        rows = [{"graph": ", ".join(f"{self.nodes[i]}→{self.nodes[j]}" for i, j in zip(*np.nonzero(self.dags[g])))
                 or "(no edges)", "probability": round(float(self.probs[g]), 3)} for g in order]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class StructureModel:
    """Prior, data and BGe hyperparameters of a Bayesian structure-learning problem on ≤ 5 nodes.

    ``edge_probs`` maps ``(cause, effect)`` to a prior edge probability (others get
    ``default_edge_prob``). :meth:`observe` returns a new model with more data,
    :meth:`posterior` the exact posterior, :meth:`expected_information_gain` the
    value of candidate experiments.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=300); y = x + rng.normal(size=300)
    >>> post = StructureModel(("X", "Y")).observe(np.c_[x, y] / [1, 1.4]).posterior()
    >>> round(float(post.edge_probabilities().loc["X", "Y"]), 2)   # X -> Y and Y -> X are equivalent
    0.5
    """

    nodes: tuple[str, ...]
    edge_probs: Mapping[tuple[str, str], float] = field(default_factory=dict)
    default_edge_prob: float = 0.5
    alpha_mu: float = 1.0
    alpha_w: float | None = None
    evidence: Evidence | None = None

    def __post_init__(self) -> None:
        nodes = tuple(self.nodes)
        if len(set(nodes)) != len(nodes) or not 1 <= len(nodes) <= MAX_NODES:
            raise ValueError(f"need 1 to {MAX_NODES} distinct node names, got {nodes}")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "alpha_w", _check_alphas(len(nodes), self.alpha_mu, self.alpha_w))
        if self.evidence is None:
            object.__setattr__(self, "evidence", Evidence.empty(len(nodes)))
        self.edge_prob_matrix()  # validates names and values

    @property
    def dags(self) -> np.ndarray:
        return enumerate_dags(len(self.nodes))

    def index(self, node: str) -> int:
        if node not in self.nodes:
            raise KeyError(f"unknown node {node!r}; the nodes are {list(self.nodes)}")
        return self.nodes.index(node)

    def edge_prob_matrix(self) -> np.ndarray:
        p = np.full((len(self.nodes),) * 2, float(self.default_edge_prob))
        for (cause, effect), value in self.edge_probs.items():
            if not 0 <= value <= 1:
                raise ValueError(f"prior probability of {cause} -> {effect} must be in [0, 1], got {value}")
            p[self.index(cause), self.index(effect)] = value
        return p

    def log_prior(self) -> np.ndarray:
        p = self.edge_prob_matrix()
        return _cached_log_prior(len(self.nodes), p.tobytes())

    def observe(self, data: np.ndarray | pd.DataFrame, targets: Iterable[str] = ()) -> StructureModel:
        """A new model that also knows ``data``, collected under do() on ``targets`` (none: observational)."""
        if isinstance(data, pd.DataFrame):
            data = data[list(self.nodes)].to_numpy(dtype=float)
        mask = np.zeros(len(self.nodes), dtype=bool)
        mask[[self.index(t) for t in targets]] = True
        data = np.asarray(data, dtype=float)
        return replace(self, evidence=self.evidence.add(data, np.broadcast_to(mask, data.shape)))

    def posterior(self) -> GraphPosterior:
        """The exact posterior over all DAGs on the nodes."""
        scores = _dag_scores(self.evidence, _cached_masks(len(self.nodes)), self.alpha_mu, self.alpha_w)
        joint = scores + self.log_prior()
        return GraphPosterior(self.nodes, self.dags, joint - logsumexp(joint))

    def sample_sems(self, m: int, rng: np.random.Generator, posterior: GraphPosterior | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Draw ``m`` (graph index, weights, intercepts, noise sds) from the posterior (pass it if known)."""
        post = self.posterior() if posterior is None else posterior
        graphs = rng.choice(len(post.dags), size=m, p=post.probs / post.probs.sum())
        weights, intercepts, sds = _sample_params(self.evidence, post.dags[graphs], self.alpha_mu, self.alpha_w, rng)
        return graphs, weights, intercepts, sds

    def expected_information_gain(
        self, targets: Sequence[str | None], n: int, rng: np.random.Generator, n_draws: int = 32,
        query: np.ndarray | None = None, intervention_sd: float = 1.0, values: np.ndarray | None = None,
        per_draw: bool = False,
    ) -> np.ndarray:
        """Estimated EIG (nats) of ``n`` samples under do(target) for each target (``None``: observe).

        EIG = E_y KL(p(G | D, y) ‖ p(G | D)) — the mutual information between the
        graph and the outcome y of the experiment — estimated with ``n_draws``
        outcomes simulated from the posterior predictive (graph and parameters
        drawn from the posterior; the same draws for every target). Each term is
        exact given y, so the estimate is ≥ 0, and 0 when the posterior is
        certain. With ``query`` (an integer label per DAG, e.g.
        :func:`ancestor_query`) it is the EIG about that label instead. The
        intervened node is set to draws from N(0, ``intervention_sd``²), or to
        ``values`` if given (length ``n``). ``per_draw=True`` returns the KL of
        every simulated outcome (targets × draws) instead of their mean.
        """
        if n < 1 or n_draws < 1:
            raise ValueError(f"need n >= 1 samples and n_draws >= 1, got n={n}, n_draws={n_draws}")
        if values is not None and np.shape(values) != (n,):
            raise ValueError(f"values must have length n = {n}, got shape {np.shape(values)}")
        if query is not None and np.shape(query) != (len(self.dags),):
            raise ValueError(f"query needs one label per DAG ({len(self.dags)}), got shape {np.shape(query)}")
        post = self.posterior()
        d = len(self.nodes)
        graphs, weights, intercepts, sds = self.sample_sems(n_draws, rng, post)
        noise = rng.normal(size=(n_draws, n, d))
        set_to = rng.normal(0, intervention_sd, size=(n_draws, n)) if values is None else \
            np.broadcast_to(np.asarray(values, dtype=float), (n_draws, n))
        masks = _cached_masks(d)
        log_prior = self.log_prior()
        onehot = None if query is None else np.eye(int(query.max()) + 1)[query]
        gains = []
        for target in targets:
            t = None if target is None else self.index(target)
            y = _simulate(weights, intercepts, sds, noise, t, set_to)
            keep = np.ones(d, dtype=bool) if t is None else np.arange(d) != t
            ev = Evidence(self.evidence.count + n * keep,
                          self.evidence.total + keep[:, None] * y.sum(axis=1)[:, None, :],
                          self.evidence.cross + keep[:, None, None] * np.einsum("msa,msb->mab", y, y)[:, None])
            joint = _dag_scores(ev, masks, self.alpha_mu, self.alpha_w) + log_prior
            new = joint - logsumexp(joint, axis=1, keepdims=True)
            if onehot is None:
                ok = np.isfinite(new)  # graphs ruled out by the prior have probability 0 before and after
                kl = (np.exp(new) * np.where(ok, new - np.where(ok, post.log_prob, 0.0), 0.0)).sum(axis=1)
            else:
                q_new, q_old = np.exp(new) @ onehot, post.probs @ onehot
                with np.errstate(divide="ignore", invalid="ignore"):
                    kl = np.where(q_new > 0, q_new * (np.log(q_new) - np.log(q_old)), 0.0).sum(axis=1)
            gains.append(np.maximum(kl, 0.0))  # exact KLs are >= 0; clip rounding error
        return np.array(gains) if per_draw else np.array(gains).mean(axis=1)


def _wishart(rng: np.random.Generator, df: float, scale: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws from Wishart(df, scale) by the Bartlett decomposition, shape (size, p, p)."""
    p = scale.shape[0]
    a = np.tril(rng.normal(size=(size, p, p)), -1)
    a[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(df - np.arange(p), size=(size, p)))
    la = np.linalg.cholesky(scale) @ a
    return la @ np.swapaxes(la, -1, -2)


def _sample_params(evidence: Evidence, dags: np.ndarray, alpha_mu: float, alpha_w: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior draws of the linear-Gaussian mechanisms of each graph (weights ``B[i, j]`` for i -> j).

    For node j with parents P the BGe posterior over (P, j) is Normal-Wishart with
    ``alpha_w − d + |P| + 1 + N_j`` degrees of freedom; a draw of its covariance and
    mean is turned into the regression of j on P (slopes, intercept, residual sd).
    Draws are vectorised over the graphs that give node j the same parents.
    """
    m, d, _ = dags.shape
    t = alpha_mu * (alpha_w - d - 1) / (alpha_mu + 1)
    weights, intercepts, sds = np.zeros((m, d, d)), np.zeros((m, d)), np.zeros((m, d))
    masks = _parent_masks(dags)
    for j in range(d):
        n = evidence.count[j]
        mean = evidence.total[j] / max(n, 1)
        r = t * np.eye(d) + evidence.cross[j] - n * np.outer(mean, mean) + n * alpha_mu / (n + alpha_mu) * np.outer(mean, mean)
        mu_n = n * mean / (n + alpha_mu)
        for mask in np.unique(masks[:, j]):
            rows = np.nonzero(masks[:, j] == mask)[0]
            parents = [i for i in range(d) if mask >> i & 1]
            fam = parents + [j]
            cov = np.linalg.inv(_wishart(rng, alpha_w - d + len(fam) + n, np.linalg.inv(r[np.ix_(fam, fam)]), len(rows)))
            z = rng.normal(size=(len(rows), len(fam), 1))
            mu = mu_n[fam] + (np.linalg.cholesky(cov / (n + alpha_mu)) @ z)[..., 0]
            slopes = np.linalg.solve(cov[:, :-1, :-1], cov[:, :-1, -1:])[..., 0]  # (rows, |P|)
            weights[rows[:, None], np.array(parents, dtype=int)[None, :], j] = slopes
            intercepts[rows, j] = mu[:, -1] - (slopes * mu[:, :-1]).sum(axis=1)
            resid = cov[:, -1, -1] - (slopes * cov[:, :-1, -1]).sum(axis=1)
            sds[rows, j] = np.sqrt(np.maximum(resid, 1e-12))
    return weights, intercepts, sds


def _simulate(weights: np.ndarray, intercepts: np.ndarray, sds: np.ndarray, noise: np.ndarray,
              target: int | None, values: np.ndarray) -> np.ndarray:
    """Samples of a batch of linear SEMs, shape (m, n, d); do(target := values) if target is given."""
    base = intercepts[:, None, :] + sds[:, None, :] * noise
    w = weights.copy()
    if target is not None:
        w[:, :, target] = 0.0
        base[:, :, target] = values
    d = w.shape[-1]
    return base @ np.linalg.inv(np.eye(d) - w)


# --- a sampler for more than five nodes -----------------------------------------------------------


def _family_score(evidence: Evidence, j: int, mask: int, alpha_mu: float, alpha_w: float) -> float:
    """BGe term of node j with the parent set ``mask`` (a bitmask), for any number of nodes."""
    d = evidence.count.shape[0]
    fam = [i for i in range(d) if mask >> i & 1]
    n, total, cross = evidence.count[j], evidence.total[j], evidence.cross[j]
    sub = lambda idx: (np.array([n]), total[idx][None], cross[np.ix_(idx, idx)][None])  # noqa: E731
    # a table over the family's own subsets, with the BGe constants of the full d-variable model
    both = _subset_table_d(*sub(fam + [j]), alpha_mu, alpha_w, d)[0, -1]
    alone = _subset_table_d(*sub(fam), alpha_mu, alpha_w, d)[0, -1] if fam else 0.0
    return float(both - alone)


def _subset_table_d(count, total, cross, alpha_mu, alpha_w, d_model):
    """Like ``_subset_table`` for the variables given, but with the constants of a ``d_model``-node model."""
    k = total.shape[-1]
    # a model with d_model nodes restricted to k of them: shift alpha_w so that alpha_w - d is unchanged
    # and rescale t, which depends on d only through alpha_w - d - 1
    return _subset_table(count, total, cross, alpha_mu, alpha_w - d_model + k)


def _reaches(a: np.ndarray, src: int, dst: int) -> bool:
    """Is there a directed path from ``src`` to ``dst`` in the adjacency matrix ``a``?"""
    seen, stack = {src}, [src]
    while stack:
        for nxt in np.nonzero(a[stack.pop()])[0]:
            if nxt == dst:
                return True
            if nxt not in seen:
                seen.add(int(nxt))
                stack.append(int(nxt))
    return False


def structure_mcmc(
    evidence: Evidence, rng: np.random.Generator, n_steps: int = 20_000, thin: int = 10,
    burn_in: int | None = None, edge_probs: np.ndarray | None = None, alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> np.ndarray:
    """Samples of DAGs from the BGe posterior by structure MCMC (Madigan & York 1995), any size.

    Each step picks an ordered pair (i, j) uniformly: if i -> j is present it is
    deleted, if j -> i is present it is reversed, otherwise i -> j is added. This
    proposal is symmetric, moves that create a cycle are rejected, and a move is
    accepted with probability min(1, posterior ratio), so the chain has the exact
    posterior as its stationary distribution. Returns the graphs kept after
    ``burn_in`` (default: half the steps), every ``thin`` steps, shape (S, d, d).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)); data = np.c_[x, x + rng.normal(size=(300, 1))]
    >>> samples = structure_mcmc(Evidence.from_data(data / data.std(0)), rng, n_steps=2000)
    >>> round(float(samples[:, 0, 1].mean() + samples[:, 1, 0].mean()), 1)   # the edge, either way
    1.0
    """
    d = evidence.count.shape[0]
    alpha_w = _check_alphas(d, alpha_mu, alpha_w)
    p = np.full((d, d), 0.5) if edge_probs is None else np.asarray(edge_probs, dtype=float)
    if p.shape != (d, d) or np.any(((p <= 0) | (p >= 1)) & ~np.eye(d, dtype=bool)):
        raise ValueError(f"edge_probs must be a ({d}, {d}) matrix of probabilities strictly between 0 and 1")
    log_odds = np.log(p) - np.log1p(-p)
    burn_in = n_steps // 2 if burn_in is None else burn_in
    cache: dict[tuple[int, int], float] = {}

    def local(j: int, mask: int) -> float:
        if (j, mask) not in cache:
            cache[(j, mask)] = _family_score(evidence, j, mask, alpha_mu, alpha_w)
        return cache[(j, mask)]

    a = np.zeros((d, d), dtype=bool)
    masks = [0] * d
    pairs = [(i, j) for i in range(d) for j in range(d) if i != j]
    picks, coins = rng.integers(len(pairs), size=n_steps), np.log(rng.random(n_steps))
    kept = []
    for step in range(n_steps):
        i, j = pairs[picks[step]]
        new = {}  # node -> its proposed parent mask
        if a[i, j]:  # delete i -> j
            new[j], delta_prior, cyclic = masks[j] & ~(1 << i), -log_odds[i, j], False
        elif a[j, i]:  # reverse j -> i into i -> j
            a[j, i] = False
            cyclic = _reaches(a, j, i)
            a[j, i] = True
            new[i], new[j] = masks[i] & ~(1 << j), masks[j] | (1 << i)
            delta_prior = log_odds[i, j] - log_odds[j, i]
        else:  # add i -> j
            new[j], delta_prior, cyclic = masks[j] | (1 << i), log_odds[i, j], _reaches(a, j, i)
        if not cyclic:
            delta = delta_prior + sum(local(k, m) - local(k, masks[k]) for k, m in new.items())
            if coins[step] < delta:
                for k, m in new.items():
                    masks[k] = m
                    a[:, k] = [(m >> r) & 1 for r in range(d)]
        if step >= burn_in and (step - burn_in) % thin == 0:
            kept.append(a.copy())
    return np.array(kept)


# --- ground truth and the design loop -----------------------------------------------------------


@dataclass(frozen=True)
class LinearSEM:
    """A linear-Gaussian SCM ``x_j := Σ_i weights[i, j] x_i + noise_sd[j] ε_j`` used as ground truth.

    Example
    -------
    >>> sem = LinearSEM(("X", "Y"), np.array([[0.0, 0.8], [0.0, 0.0]]), np.array([1.0, 0.6]))
    >>> sem.sample(5, np.random.default_rng(0), target="X", values=np.zeros(5))[:, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """

    nodes: tuple[str, ...]
    weights: np.ndarray
    noise_sd: np.ndarray

    @property
    def adjacency(self) -> np.ndarray:
        return self.weights != 0

    def graph(self) -> nx.DiGraph:
        from causalcourse.graphs import dag

        return dag([(self.nodes[i], self.nodes[j]) for i, j in zip(*np.nonzero(self.adjacency))], nodes=self.nodes)

    def sample(self, n: int, rng: np.random.Generator, target: str | None = None,
               values: np.ndarray | None = None, intervention_sd: float = 1.0) -> np.ndarray:
        """``n`` samples (n × d), observational or under do(target := values ~ N(0, intervention_sd²))."""
        d = len(self.nodes)
        if target is not None and target not in self.nodes:
            raise KeyError(f"unknown intervention target {target!r}; the nodes are {list(self.nodes)}")
        t = None if target is None else self.nodes.index(target)
        vals = rng.normal(0, intervention_sd, size=n) if values is None else np.asarray(values, float)
        noise = rng.normal(size=(1, n, d))
        return _simulate(self.weights[None], np.zeros((1, d)), self.noise_sd[None], noise, t, vals[None])[0]


def random_linear_sem(nodes: Sequence[str], rng: np.random.Generator, edge_prob: float = 0.5,
                      weight_range: tuple[float, float] = (0.5, 1.5)) -> LinearSEM:
    """A random DAG (random order, each forward edge with ``edge_prob``) with random signed weights.

    The model is then rescaled so every variable has observational variance 1: the
    BGe prior expects standardised variables, and the order of the variances then
    tells nothing about the causal order.

    Example
    -------
    >>> sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(0))
    >>> bool(np.allclose(sem.sample(200_000, np.random.default_rng(1)).var(axis=0), 1, atol=0.02))
    True
    """
    d = len(nodes)
    order = rng.permutation(d)
    w = np.zeros((d, d))
    for a, b in itertools.combinations(range(d), 2):
        if rng.random() < edge_prob:
            w[order[a], order[b]] = rng.uniform(*weight_range) * rng.choice([-1.0, 1.0])
    inv = np.linalg.inv(np.eye(d) - w)
    var = (inv**2).sum(axis=0)  # unit noise variances
    scale = np.sqrt(var)
    return LinearSEM(tuple(nodes), w * scale[:, None] / scale[None, :], 1.0 / scale)


def design_loop(
    truth: LinearSEM, strategy: str, rng: np.random.Generator, n_experiments: int = 8,
    batch_size: int = 10, n_initial: int = 50, n_draws: int = 16, query: tuple[str, str] | None = None,
    edge_probs: Mapping[tuple[str, str], float] | None = None,
) -> pd.DataFrame:
    """Run one sequence of experiments on ``truth`` and record how the posterior moves.

    Starts from ``n_initial`` observational samples, then ``n_experiments`` times
    picks an experiment of ``batch_size`` samples — by ``strategy``: ``"eig-graph"``
    (intervention with the largest EIG about the graph), ``"eig-query"`` (largest EIG
    about whether ``query[0]`` affects ``query[1]``), ``"random"`` (a random node) or
    ``"observational"`` (no intervention) — simulates it from ``truth`` and updates.
    One row per step: the target, P(true graph), expected SHD, entropy and the
    probability of the true answer to the query (if any).

    Example
    -------
    >>> sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(0))
    >>> log = design_loop(sem, "random", np.random.default_rng(1), n_experiments=2)
    >>> list(log.columns), len(log)
    (['step', 'target', 'p_true', 'expected_shd', 'entropy', 'p_query'], 3)
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
    if strategy == "eig-query" and query is None:
        raise ValueError("strategy 'eig-query' needs query=(cause, effect)")
    model = StructureModel(truth.nodes, edge_probs=edge_probs or {}).observe(truth.sample(n_initial, rng))
    labels = None if query is None else ancestor_query(model.dags, model.index(query[0]), model.index(query[1]))
    true_label = None if labels is None else labels[(model.dags == truth.adjacency).all(axis=(1, 2))][0]
    rows = []
    for step in range(n_experiments + 1):
        post = model.posterior()
        rows.append({"step": step, "target": rows[-1]["next"] if rows else "(start)",
                     "p_true": post.prob(truth.adjacency), "expected_shd": post.expected_shd(truth.adjacency),
                     "entropy": post.entropy(),
                     "p_query": np.nan if labels is None else float(post.probs[labels == true_label].sum())})
        if step == n_experiments:
            break
        if strategy == "observational":
            target = None
        elif strategy == "random":
            target = truth.nodes[rng.integers(len(truth.nodes))]
        else:
            eig = model.expected_information_gain(truth.nodes, batch_size, rng, n_draws,
                                                  query=labels if strategy == "eig-query" else None)
            target = truth.nodes[int(np.argmax(eig))]
        rows[-1]["next"] = target
        model = model.observe(truth.sample(batch_size, rng, target=target), [] if target is None else [target])
    return pd.DataFrame(rows).drop(columns="next", errors="ignore")[
        ["step", "target", "p_true", "expected_shd", "entropy", "p_query"]]


def experiments_to_reach(log: pd.DataFrame, column: str, threshold: float) -> int:
    """First step at which ``log[column] >= threshold`` (the number of experiments), or steps + 1 if never.

    Example
    -------
    >>> experiments_to_reach(pd.DataFrame({"step": [0, 1, 2], "p_true": [0.2, 0.95, 0.99]}), "p_true", 0.9)
    1
    """
    if column not in log:
        raise KeyError(f"no column {column!r} in the log; columns are {list(log.columns)}")
    hit = np.nonzero(log[column].to_numpy() >= threshold)[0]
    return int(log["step"].iloc[hit[0]]) if len(hit) else int(log["step"].max()) + 1


def plot_edge_probabilities(probs: pd.DataFrame, ax: object | None = None, title: str | None = None,
                            truth: np.ndarray | None = None) -> object:
    """Heat map of posterior edge probabilities (rows: cause, columns: effect); true edges boxed.

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_edge_probabilities(pd.DataFrame([[0, .9], [.1, 0]], index=list("XY"), columns=list("XY")), title="t")
    >>> ax.get_title()
    't'
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.2))
    values = probs.to_numpy(dtype=float)
    image = ax.imshow(values, vmin=0, vmax=1, cmap="Blues")
    d = len(probs)
    for i, j in itertools.product(range(d), range(d)):
        if i != j:
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if values[i, j] > 0.6 else "black")
        if truth is not None and truth[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#D55E00", linewidth=2))
    ax.set_xticks(range(d), probs.columns)
    ax.set_yticks(range(d), probs.index)
    ax.set_xlabel("effect")
    ax.set_ylabel("cause")
    if title:
        ax.set_title(title)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax
