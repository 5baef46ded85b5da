"""Linear-Gaussian SEMs as ground truth: the course's linear-Gaussian SCM in matrix form.

:class:`LinearSEM` is the model ``x_j := Σ_i weights[i, j] x_i + noise_sd[j] ε_j`` with
``ε_j ~ N(0, 1)``. It is the same model as :func:`causalcourse.scm.linear_gaussian` builds
(:attr:`LinearSEM.scm` returns that :class:`~causalcourse.scm.SCM`, and a test checks that
both give the same values on the same noise); the matrix form exists because the design code
simulates batches of thousands of models at once (:func:`simulate_linear`).
:func:`random_linear_sem` draws a random standardised one
(:func:`causalcourse.scm.standardise_linear`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.scm import SCM, linear_gaussian, standardise_linear

__all__ = ["LinearSEM", "random_linear_sem", "simulate_linear"]


def simulate_linear(
    weights: np.ndarray,
    intercepts: np.ndarray,
    sds: np.ndarray,
    noise: np.ndarray,
    target: int | None,
    values: np.ndarray,
) -> np.ndarray:
    """Samples of a batch of m linear SEMs, shape (m, n, d); do(target := values) if ``target``.

    ``weights`` (m, d, d), ``intercepts`` and ``sds`` (m, d), standard-normal ``noise``
    (m, n, d) and ``values`` (m, n), the values of the intervened node.

    Example
    -------
    >>> w = np.array([[[0.0, 2.0], [0.0, 0.0]]])
    >>> simulate_linear(w, np.zeros((1, 2)), np.ones((1, 2)), np.ones((1, 1, 2)), None, None)
    array([[[1., 3.]]])
    """
    m, d = weights.shape[0], weights.shape[-1]
    if (
        weights.shape != (m, d, d)
        or intercepts.shape != (m, d)
        or sds.shape != (m, d)
        or noise.ndim != 3
        or noise.shape[0] != m
        or noise.shape[2] != d
    ):
        raise CourseError(
            f"shapes disagree: weights {weights.shape}, intercepts {intercepts.shape}, "
            f"sds {sds.shape}, noise {noise.shape}; expected (m, d, d), (m, d), (m, d), "
            "(m, n, d)"
        )
    base = intercepts[:, None, :] + sds[:, None, :] * noise
    w = weights.copy()
    if target is not None:
        w[:, :, target] = 0.0
        base[:, :, target] = values
    d = w.shape[-1]
    return base @ np.linalg.inv(np.eye(d) - w)


@dataclass(frozen=True)
class LinearSEM:
    """A linear-Gaussian SCM ``x_j := Σ_i weights[i, j] x_i + noise_sd[j] ε_j`` used as ground
    truth.

    Example
    -------
    >>> sem = LinearSEM(("X", "Y"), np.array([[0.0, 0.8], [0.0, 0.0]]), np.array([1.0, 0.6]))
    >>> sem.sample(5, np.random.default_rng(0), target="X", values=np.zeros(5))[:, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """

    nodes: tuple[str, ...]
    weights: np.ndarray
    noise_sd: np.ndarray

    def __post_init__(self) -> None:
        nodes = tuple(self.nodes)
        d = len(nodes)
        if d == 0 or len(set(nodes)) != d:
            raise CourseError(f"a LinearSEM needs distinct node names, got {nodes}")
        weights = np.asarray(self.weights, dtype=float)
        noise_sd = np.asarray(self.noise_sd, dtype=float)
        if weights.shape != (d, d):
            raise CourseError(
                f"weights must have shape {(d, d)} for the nodes {list(nodes)}, got {weights.shape}"
            )
        if noise_sd.shape != (d,) or np.any(noise_sd <= 0):
            raise CourseError(
                f"noise_sd must hold {d} positive standard deviations, got {noise_sd}"
            )
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "noise_sd", noise_sd)

    @classmethod
    def standardised(
        cls,
        nodes: Sequence[str],
        weights: np.ndarray,
        noise_sd: np.ndarray | Sequence[float] | None = None,
    ) -> LinearSEM:
        """The model with these weights (unit noise by default), rescaled to unit variances.

        Example
        -------
        >>> sem = LinearSEM.standardised(("X", "Y"), np.array([[0.0, 1.0], [0.0, 0.0]]))
        >>> sem.weights.round(3).tolist(), sem.noise_sd.round(3).tolist()
        ([[0.0, 0.707], [0.0, 0.0]], [1.0, 0.707])
        """
        return cls(tuple(nodes), *standardise_linear(weights, noise_sd))

    @property
    def adjacency(self) -> np.ndarray:
        """The graph as a boolean adjacency matrix (``weights != 0``)."""
        return self.weights != 0

    @property
    def scm(self) -> SCM:
        """The same model as a :class:`causalcourse.scm.SCM` (sample it with ``do``, ``noise=``)."""
        return linear_gaussian(self.nodes, self.weights, self.noise_sd)

    def graph(self) -> nx.DiGraph:
        """The causal graph as a DAG (:func:`causalcourse.graphs.dag`)."""
        from causalcourse.graphs import dag

        edges = [
            (self.nodes[i], self.nodes[j]) for i, j in zip(*np.nonzero(self.adjacency), strict=True)
        ]
        return dag(edges, nodes=self.nodes)

    def sample(
        self,
        n: int,
        rng: np.random.Generator,
        target: str | None = None,
        values: np.ndarray | None = None,
        intervention_sd: float = 1.0,
    ) -> np.ndarray:
        """``n`` samples (n × d), observational or under do(target := values ~ N(0,
        intervention_sd²))."""
        d = len(self.nodes)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise CourseError(f"n must be a positive integer, got {n!r}")
        if target is not None and target not in self.nodes:
            raise UnknownNameError(
                f"unknown intervention target {target!r}; the nodes are {list(self.nodes)}"
            )
        if values is not None and np.shape(values) != (n,):
            raise CourseError(f"values must have length n = {n}, got shape {np.shape(values)}")
        t = None if target is None else self.nodes.index(target)
        vals = (
            rng.normal(0, intervention_sd, size=n) if values is None else np.asarray(values, float)
        )
        noise = rng.normal(size=(1, n, d))
        return simulate_linear(
            self.weights[None], np.zeros((1, d)), self.noise_sd[None], noise, t, vals[None]
        )[0]


def random_linear_sem(
    nodes: Sequence[str],
    rng: np.random.Generator,
    edge_prob: float = 0.5,
    weight_range: tuple[float, float] = (0.5, 1.5),
) -> LinearSEM:
    """A random DAG (random order, each forward edge with ``edge_prob``) with random signed weights.

    The model is then rescaled so every variable has observational variance 1
    (:meth:`LinearSEM.standardised`): the BGe prior expects standardised variables, and the
    order of the variances then tells nothing about the causal order.

    Example
    -------
    >>> sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(0))
    >>> bool(np.allclose(sem.sample(200_000, np.random.default_rng(1)).var(axis=0), 1, atol=0.02))
    True
    """
    nodes = tuple(nodes)
    if not nodes or len(set(nodes)) != len(nodes):
        raise CourseError(f"random_linear_sem needs distinct node names, got {nodes}")
    if not 0 <= edge_prob <= 1:
        raise CourseError(f"edge_prob must be a probability, got {edge_prob!r}")
    low, high = weight_range
    if not 0 <= low <= high:
        raise CourseError(
            f"weight_range must be (low, high) with 0 <= low <= high, got {weight_range!r}"
        )
    d = len(nodes)
    order = rng.permutation(d)
    w = np.zeros((d, d))
    for a, b in itertools.combinations(range(d), 2):
        if rng.random() < edge_prob:
            w[order[a], order[b]] = rng.uniform(*weight_range) * rng.choice([-1.0, 1.0])
    return LinearSEM.standardised(nodes, w)
