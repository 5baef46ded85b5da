"""Samplers of the BGe posterior over DAGs for more nodes than exact enumeration allows.

:func:`structure_mcmc` is structure MCMC (Madigan & York 1995): single-edge moves accepted by
the posterior ratio, scored with :func:`causalcourse.design.bge.bge_family_score`. Samplers
written later (order MCMC, Friedman & Koller 2003) belong here too and score with the same
family score; below five nodes every sampler is tested against the exact posterior of
:class:`causalcourse.design.StructureModel`.
"""

from __future__ import annotations

import numpy as np

from causalcourse.design.bge import Evidence, bge_alpha_w, bge_family_score
from causalcourse.errors import CourseError

__all__ = ["structure_mcmc"]


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
    evidence: Evidence,
    rng: np.random.Generator,
    n_steps: int = 20_000,
    thin: int = 10,
    burn_in: int | None = None,
    edge_probs: np.ndarray | None = None,
    alpha_mu: float = 1.0,
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
    if not isinstance(evidence, Evidence):
        raise CourseError(
            f"evidence must be an Evidence (Evidence.from_data(...)), got {type(evidence).__name__}"
        )
    for name, value in (("n_steps", n_steps), ("thin", thin)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    d = evidence.count.shape[0]
    alpha_w = bge_alpha_w(d, alpha_mu, alpha_w)
    p = np.full((d, d), 0.5) if edge_probs is None else np.asarray(edge_probs, dtype=float)
    if p.shape != (d, d) or np.any(((p <= 0) | (p >= 1)) & ~np.eye(d, dtype=bool)):
        raise CourseError(
            f"edge_probs must be a ({d}, {d}) matrix of probabilities strictly between 0 and 1"
        )
    log_odds = np.log(p) - np.log1p(-p)
    burn_in = n_steps // 2 if burn_in is None else burn_in
    if not 0 <= burn_in < n_steps:
        raise CourseError(f"burn_in must lie in [0, n_steps), got {burn_in!r}")
    cache: dict[tuple[int, int], float] = {}

    def local(j: int, mask: int) -> float:
        if (j, mask) not in cache:
            cache[(j, mask)] = bge_family_score(evidence, j, mask, alpha_mu, alpha_w)
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
