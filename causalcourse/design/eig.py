"""The expected information gain (EIG) of an experiment about the graph, or about a query.

EIG = E_y KL(p(G | D, y) ‖ p(G | D)) — the mutual information between the graph and the
outcome y of the experiment — estimated by simulating outcomes from the posterior
predictive. The exact posterior over every DAG is recomputed for each simulated outcome,
vectorised over outcomes, so each term is exact given y. :func:`expected_information_gain`
works on any model with the attributes of :class:`causalcourse.design.StructureModel`
(described by :class:`DesignModel`); ``StructureModel.expected_information_gain`` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from scipy.special import logsumexp

from causalcourse.design.bge import Evidence, dag_scores
from causalcourse.design.dags import all_parent_masks
from causalcourse.design.sem import simulate_linear
from causalcourse.errors import CourseError

__all__ = ["DesignModel", "expected_information_gain"]


class DesignModel(Protocol):
    """What :func:`expected_information_gain` needs of a model (a ``StructureModel`` has it)."""

    @property
    def nodes(self) -> tuple[str, ...]: ...

    @property
    def alpha_mu(self) -> float: ...

    @property
    def alpha_w(self) -> float | None: ...

    @property
    def evidence(self) -> Evidence | None: ...

    @property
    def dags(self) -> np.ndarray: ...

    def index(self, node: str) -> int: ...

    def log_prior(self) -> np.ndarray: ...

    def posterior(self) -> Any: ...

    def sample_sems(
        self, m: int, rng: np.random.Generator, posterior: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...


def expected_information_gain(
    model: DesignModel,
    targets: Sequence[str | None],
    n: int,
    rng: np.random.Generator,
    n_draws: int = 32,
    query: np.ndarray | None = None,
    intervention_sd: float = 1.0,
    values: np.ndarray | None = None,
    per_draw: bool = False,
) -> np.ndarray:
    """Estimated EIG (nats) of ``n`` samples under do(target) for each target (``None``: observe).

    The estimate uses ``n_draws`` outcomes simulated from the posterior predictive (graph
    and parameters drawn from the posterior; the same draws for every target). Each term is
    exact given the outcome, so the estimate is ≥ 0, and 0 when the posterior is certain.
    With ``query`` (an integer label per DAG, e.g. :func:`~causalcourse.design.ancestor_query`)
    it is the EIG about that label instead. The intervened node is set to draws from
    N(0, ``intervention_sd``²), or to ``values`` if given (length ``n``). ``per_draw=True``
    returns the KL of every simulated outcome (targets × draws) instead of their mean.

    Example
    -------
    >>> from causalcourse.design import StructureModel
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200); data = np.c_[x, x + rng.normal(size=200)] / [1, 1.4]
    >>> model = StructureModel(("X", "Y")).observe(data)
    >>> eig = expected_information_gain(model, [None, "X"], 20, rng, n_draws=16)
    >>> bool(eig[1] > eig[0])   # intervening tells the direction; more observation does not
    True
    """
    for name, value in (("n", n), ("n_draws", n_draws)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    if not intervention_sd > 0:
        raise CourseError(f"intervention_sd must be positive, got {intervention_sd!r}")
    if values is not None and np.shape(values) != (n,):
        raise CourseError(f"values must have length n = {n}, got shape {np.shape(values)}")
    if query is not None and np.shape(query) != (len(model.dags),):
        raise CourseError(
            f"query needs one label per DAG ({len(model.dags)}), got shape {np.shape(query)}"
        )
    target_index = [None if target is None else model.index(target) for target in targets]
    evidence, alpha_mu, alpha_w = model.evidence, model.alpha_mu, model.alpha_w
    assert evidence is not None and alpha_w is not None  # a StructureModel always has both
    post = model.posterior()
    d = len(model.nodes)
    graphs, weights, intercepts, sds = model.sample_sems(n_draws, rng, post)
    noise = rng.normal(size=(n_draws, n, d))
    if values is None:
        set_to = rng.normal(0, intervention_sd, size=(n_draws, n))
    else:
        set_to = np.broadcast_to(np.asarray(values, dtype=float), (n_draws, n))
    masks = all_parent_masks(d)
    log_prior = model.log_prior()
    onehot = None if query is None else np.eye(int(query.max()) + 1)[query]
    # the outcomes of every target, scored in one batch: (targets, draws, ...)
    y = np.stack(
        [simulate_linear(weights, intercepts, sds, noise, t, set_to) for t in target_index]
    )
    keep = np.array([np.arange(d) != (-1 if t is None else t) for t in target_index])  # (T, d)
    ev = Evidence(
        evidence.count + n * keep[:, None, :],
        evidence.total + keep[:, None, :, None] * y.sum(axis=2)[:, :, None, :],
        evidence.cross
        + keep[:, None, :, None, None] * np.einsum("tmsa,tmsb->tmab", y, y)[:, :, None],
    )
    joint = dag_scores(ev, masks, alpha_mu, alpha_w) + log_prior  # (T, draws, K)
    new = joint - logsumexp(joint, axis=-1, keepdims=True)
    if onehot is None:
        ok = np.isfinite(new)  # graphs ruled out by the prior have probability 0 before and after
        kl = (np.exp(new) * np.where(ok, new - np.where(ok, post.log_prob, 0.0), 0.0)).sum(axis=-1)
    else:
        q_new, q_old = np.exp(new) @ onehot, post.probs @ onehot
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(q_new > 0, q_new * (np.log(q_new) - np.log(q_old)), 0.0).sum(axis=-1)
    gains = np.maximum(kl, 0.0)  # exact KLs are >= 0; clip rounding error
    return gains if per_draw else gains.mean(axis=1)
