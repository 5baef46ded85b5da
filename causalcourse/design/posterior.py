"""The exact posterior over DAGs on at most five nodes, its summaries, and parameter draws.

:class:`StructureModel` holds a structure-learning problem: nodes, an edge prior, BGe
hyperparameters and the evidence gathered so far (:meth:`StructureModel.observe`).
:meth:`StructureModel.posterior` enumerates every DAG and returns a :class:`GraphPosterior`;
:func:`sample_parameters` draws linear-Gaussian mechanisms from the BGe posterior of given
graphs (Normal-Wishart; the Wishart draws are scipy's). The expected information gain of an
experiment is in :mod:`causalcourse.design.eig`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from scipy.stats import wishart

from causalcourse.design.bge import Evidence, bge_alpha_w, dag_scores, edge_log_prior
from causalcourse.design.dags import (
    MAX_NODES,
    all_parent_masks,
    as_adjacency,
    enumerate_dags,
    parent_masks,
    shd_to,
)
from causalcourse.design.eig import expected_information_gain
from causalcourse.errors import CourseError, UnknownNameError, check_known

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GraphPosterior", "StructureModel", "sample_parameters", "plot_edge_probabilities"]


@lru_cache(maxsize=64)
def _cached_log_prior(d: int, probs: bytes) -> np.ndarray:
    out = edge_log_prior(enumerate_dags(d), np.frombuffer(probs).reshape(d, d))
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class GraphPosterior:
    """An exact distribution over the DAGs on ``nodes`` (``log_prob`` normalised, one entry per
    DAG).

    Example
    -------
    >>> post = GraphPosterior(("X", "Y"), enumerate_dags(2), np.log([0.2, 0.5, 0.3]))
    >>> float(post.edge_probabilities().loc["X", "Y"]), post.prob([("Y", "X")])
    (0.5, 0.3)
    """

    nodes: tuple[str, ...]
    dags: np.ndarray
    log_prob: np.ndarray

    def __post_init__(self) -> None:
        d = len(self.nodes)
        if np.ndim(self.dags) != 3 or np.shape(self.dags)[1:] != (d, d):
            raise CourseError(
                f"dags must have shape (K, {d}, {d}) for the nodes {list(self.nodes)}, "
                f"got {np.shape(self.dags)}"
            )
        if np.shape(self.log_prob) != (len(self.dags),):
            raise CourseError(
                f"log_prob needs one entry per DAG ({len(self.dags)}), "
                f"got shape {np.shape(self.log_prob)}"
            )

    @property
    def probs(self) -> np.ndarray:
        return np.exp(self.log_prob)

    def edge_probabilities(self) -> pd.DataFrame:
        """``P(cause -> effect | data)``, rows causes and columns effects."""
        return pd.DataFrame(
            np.tensordot(self.probs, self.dags, axes=1), index=self.nodes, columns=self.nodes
        )

    def prob(self, graph: object) -> float:
        """Posterior probability of one DAG (edge list, DiGraph or adjacency matrix)."""
        a = as_adjacency(graph, self.nodes)
        return float(self.probs[(self.dags == a).all(axis=(1, 2))].sum())

    def prob_of(self, which: np.ndarray) -> float:
        """Total probability of the graphs selected by a boolean mask (e.g. an equivalence
        class)."""
        return float(self.probs[which].sum())

    def entropy(self) -> float:
        """Shannon entropy in nats (0 for a point mass)."""
        p = self.probs
        return float(-(p[p > 0] * self.log_prob[p > 0]).sum())

    def expected_shd(self, truth: object) -> float:
        """Posterior expected structural Hamming distance to ``truth``."""
        return float(self.probs @ shd_to(self.dags, as_adjacency(truth, self.nodes)))

    def top(self, k: int = 5) -> pd.DataFrame:
        """The ``k`` most probable graphs with their edges and probabilities."""
        order = np.argsort(-self.log_prob, kind="stable")[:k]

        def edges(g: int) -> str:
            pairs = zip(*np.nonzero(self.dags[g]), strict=True)
            return ", ".join(f"{self.nodes[i]}→{self.nodes[j]}" for i, j in pairs) or "(no edges)"

        rows = [{"graph": edges(g), "probability": round(float(self.probs[g]), 3)} for g in order]
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
    >>> round(float(post.edge_probabilities().loc["X", "Y"]), 2)   # X -> Y, Y -> X: equivalent
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
            raise CourseError(f"need 1 to {MAX_NODES} distinct node names, got {nodes}")
        if not 0 <= self.default_edge_prob <= 1:
            raise CourseError(
                f"default_edge_prob must be in [0, 1], got {self.default_edge_prob!r}"
            )
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "alpha_w", bge_alpha_w(len(nodes), self.alpha_mu, self.alpha_w))
        if self.evidence is None:
            object.__setattr__(self, "evidence", Evidence.empty(len(nodes)))
        self.edge_prob_matrix()  # validates names and values

    @property
    def dags(self) -> np.ndarray:
        return enumerate_dags(len(self.nodes))

    def _ev(self) -> Evidence:
        assert self.evidence is not None  # set in __post_init__
        return self.evidence

    def _hyper(self) -> tuple[float, float]:
        assert self.alpha_w is not None  # set in __post_init__
        return self.alpha_mu, self.alpha_w

    def index(self, node: str) -> int:
        """The position of ``node`` in :attr:`nodes` (UnknownNameError naming it if absent)."""
        if node not in self.nodes:
            raise UnknownNameError(f"unknown node {node!r}; the nodes are {list(self.nodes)}")
        return self.nodes.index(node)

    def edge_prob_matrix(self) -> np.ndarray:
        """Prior edge probabilities as a matrix (rows: cause, columns: effect)."""
        p = np.full((len(self.nodes),) * 2, float(self.default_edge_prob))
        for edge, value in self.edge_probs.items():
            if not (isinstance(edge, tuple) and len(edge) == 2):
                raise CourseError(f"edge_probs keys must be (cause, effect) pairs, got {edge!r}")
            cause, effect = edge
            if not 0 <= value <= 1:
                raise CourseError(
                    f"prior probability of {cause} -> {effect} must be in [0, 1], got {value}"
                )
            p[self.index(cause), self.index(effect)] = value
        return p

    def log_prior(self) -> np.ndarray:
        """The normalised log prior of every DAG
        (:func:`~causalcourse.design.bge.edge_log_prior`)."""
        p = self.edge_prob_matrix()
        return _cached_log_prior(len(self.nodes), p.tobytes())

    def observe(
        self, data: np.ndarray | pd.DataFrame, targets: Iterable[str] = ()
    ) -> StructureModel:
        """A new model that also knows ``data``, collected under do() on ``targets`` (none:
        observational).

        ``data`` is a DataFrame with a column per node (other columns are ignored) or an
        array with one column per node, in the order of :attr:`nodes`. A missing column, an
        array of the wrong width or an unknown target is named before anything is computed.
        """
        if isinstance(targets, str):
            targets = [targets]
        target_list = list(targets)
        check_known(target_list, self.nodes, what="intervention target", where="the model")
        if isinstance(data, pd.DataFrame):
            check_known(self.nodes, list(data.columns), what="column", where="the data")
            data = data[list(self.nodes)].to_numpy(dtype=float)
        array = np.asarray(data, dtype=float)
        if array.ndim != 2 or array.shape[1] != len(self.nodes):
            raise CourseError(
                f"data must have one column per node {list(self.nodes)}, i.e. shape "
                f"(samples, {len(self.nodes)}); got shape {array.shape}"
            )
        mask = np.zeros(len(self.nodes), dtype=bool)
        mask[[self.index(t) for t in target_list]] = True
        return replace(self, evidence=self._ev().add(array, np.broadcast_to(mask, array.shape)))

    def posterior(self) -> GraphPosterior:
        """The exact posterior over all DAGs on the nodes."""
        scores = dag_scores(self._ev(), all_parent_masks(len(self.nodes)), *self._hyper())
        joint = scores + self.log_prior()
        return GraphPosterior(self.nodes, self.dags, joint - logsumexp(joint))

    def sample_sems(
        self,
        m: int,
        rng: np.random.Generator,
        posterior: GraphPosterior | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Draw ``m`` (graph index, weights, intercepts, noise sds) from the posterior (pass it if
        known)."""
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise CourseError(f"m must be a positive integer, got {m!r}")
        post = self.posterior() if posterior is None else posterior
        graphs = rng.choice(len(post.dags), size=m, p=post.probs / post.probs.sum())
        weights, intercepts, sds = sample_parameters(
            self._ev(), post.dags[graphs], *self._hyper(), rng
        )
        return graphs, weights, intercepts, sds

    def expected_information_gain(
        self,
        targets: Sequence[str | None],
        n: int,
        rng: np.random.Generator,
        n_draws: int = 32,
        query: np.ndarray | None = None,
        intervention_sd: float = 1.0,
        values: np.ndarray | None = None,
        per_draw: bool = False,
    ) -> np.ndarray:
        """Estimated EIG (nats) of ``n`` samples under do(target) for each target (``None``:
        observe).

        See :func:`causalcourse.design.eig.expected_information_gain`, which this calls.
        """
        return expected_information_gain(
            self,
            targets,
            n,
            rng,
            n_draws=n_draws,
            query=query,
            intervention_sd=intervention_sd,
            values=values,
            per_draw=per_draw,
        )


def _wishart(rng: np.random.Generator, df: float, scale: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws from Wishart(df, scale), shape (size, p, p), by scipy.stats.wishart."""
    draws = wishart.rvs(df=df, scale=scale, size=size, random_state=rng)  # unfrozen: faster
    return np.asarray(draws, dtype=float).reshape(size, *scale.shape)


def sample_parameters(
    evidence: Evidence, dags: np.ndarray, alpha_mu: float, alpha_w: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior draws of the linear-Gaussian mechanisms of each graph (weights ``B[i, j]`` for i ->
    j).

    For node j with parents P the BGe posterior over (P, j) is Normal-Wishart with
    ``alpha_w − d + |P| + 1 + N_j`` degrees of freedom; a draw of its covariance and
    mean is turned into the regression of j on P (slopes, intercept, residual sd).
    Draws are vectorised over the graphs that give node j the same parents; the Wishart
    draws come from :data:`scipy.stats.wishart`.

    Example
    -------
    >>> ev = Evidence.from_data(np.random.default_rng(0).normal(size=(50, 2)))
    >>> w, b, s = sample_parameters(ev, enumerate_dags(2)[[1, 1]], 1.0, 4.0,
    ...     np.random.default_rng(1))
    >>> w.shape, b.shape, s.shape
    ((2, 2, 2), (2, 2), (2, 2))
    """
    d = evidence.count.shape[0]
    if np.ndim(dags) != 3 or np.shape(dags)[1:] != (d, d):
        raise CourseError(
            f"dags must have shape (m, {d}, {d}) for evidence on {d} variables, "
            f"got {np.shape(dags)}"
        )
    m = dags.shape[0]
    t = alpha_mu * (alpha_w - d - 1) / (alpha_mu + 1)
    weights, intercepts, sds = np.zeros((m, d, d)), np.zeros((m, d)), np.zeros((m, d))
    masks = parent_masks(dags)
    for j in range(d):
        n = evidence.count[j]
        mean = evidence.total[j] / max(n, 1)
        outer = np.outer(mean, mean)
        r = t * np.eye(d) + evidence.cross[j] - n * outer + n * alpha_mu / (n + alpha_mu) * outer
        mu_n = n * mean / (n + alpha_mu)
        for mask in np.unique(masks[:, j]):
            rows = np.nonzero(masks[:, j] == mask)[0]
            parents = [i for i in range(d) if mask >> i & 1]
            fam = parents + [j]
            df = alpha_w - d + len(fam) + n
            cov = np.linalg.inv(_wishart(rng, df, np.linalg.inv(r[np.ix_(fam, fam)]), len(rows)))
            z = rng.normal(size=(len(rows), len(fam), 1))
            mu = mu_n[fam] + (np.linalg.cholesky(cov / (n + alpha_mu)) @ z)[..., 0]
            slopes = np.linalg.solve(cov[:, :-1, :-1], cov[:, :-1, -1:])[..., 0]  # (rows, |P|)
            weights[rows[:, None], np.array(parents, dtype=int)[None, :], j] = slopes
            intercepts[rows, j] = mu[:, -1] - (slopes * mu[:, :-1]).sum(axis=1)
            resid = cov[:, -1, -1] - (slopes * cov[:, :-1, -1]).sum(axis=1)
            sds[rows, j] = np.sqrt(np.maximum(resid, 1e-12))
    return weights, intercepts, sds


def plot_edge_probabilities(
    probs: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    truth: np.ndarray | None = None,
) -> Axes:
    """Heat map of posterior edge probabilities (rows: cause, columns: effect); true edges boxed.

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> probs = pd.DataFrame([[0, .9], [.1, 0]], index=list("XY"), columns=list("XY"))
    >>> ax = plot_edge_probabilities(probs, title="t")
    >>> ax.get_title()
    't'
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.2))
    values = probs.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise CourseError(
            f"probs must be a square table of edge probabilities, got shape {values.shape}"
        )
    image = ax.imshow(values, vmin=0, vmax=1, cmap="Blues")
    d = len(probs)
    for i, j in itertools.product(range(d), range(d)):
        if i != j:
            ax.text(
                j,
                i,
                f"{values[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if values[i, j] > 0.6 else "black",
            )
        if truth is not None and truth[i, j]:
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#D55E00", linewidth=2)
            )
    ax.set_xticks(range(d), probs.columns)
    ax.set_yticks(range(d), probs.index)
    ax.set_xlabel("effect")
    ax.set_ylabel("cause")
    if title:
        ax.set_title(title)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax
