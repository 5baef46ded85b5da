"""Order MCMC over DAGs with the BGe score and perfect interventions, for pathways of ~10 nodes.

Beyond five nodes the DAGs cannot be listed (there are about 3 × 10^22 on eleven), so the
posterior of :mod:`causalcourse.design` is sampled instead. This module implements the
sampler of Friedman & Koller (2003), as the R package BiDAG does (Kuipers, Suter & Moffa 2022):

1. **Family scores** (:func:`family_scores`). The BGe score of a DAG is a sum of one term
   per node and its parent set, and an edge-probability prior is a product of one factor
   per node and its parents. Every parent set of at most ``max_parents`` nodes is scored
   once with chapter 08's BGe score (the formula of :func:`causalcourse.design.bge_log_marginal`,
   evaluated family by family and tested equal to it; perfect interventions leave the
   intervened samples out of the target's own term), and for every node ``j`` and every set
   ``U`` of other nodes the table ``log Σ_{P ⊆ U} exp(score(j, P))`` is computed by a
   sum-over-subsets transform.
2. **Order MCMC** (:func:`order_mcmc`). The state is an order of the nodes; its score is
   ``Σ_j table[j, nodes before j]``, the log of the summed score of every DAG consistent
   with the order. Three symmetric Metropolis moves (swap two nodes, swap two neighbours,
   move one node elsewhere) are run for many chains — and many problems — at once, as
   numpy arrays.
3. **DAGs** (:func:`sample_graphs`). Given an order, each node's parent set is drawn from
   its compatible parent sets in proportion to their scores.

**The order prior's bias.** A uniform prior over orders gives each DAG a weight
proportional to its number of *linear extensions* (the orders it is consistent with), so
order MCMC samples ``P(G | D) · L(G)`` instead of the modular graph posterior of chapter 08:
graphs with fewer edges, consistent with more orders, are favoured. :func:`sample_graphs`
removes the bias by importance weights ``1 / L(G)``; :func:`linear_extensions` counts
``L(G)`` exactly by dynamic programming over the 2^d subsets of nodes. The effective sample
size of the weights says what the correction costs.

**Experimental design** (:func:`expected_information_gain`). The expected information gain
of an experiment about the graph is estimated by nested Monte Carlo over the sampled DAGs:
outcomes are simulated from posterior draws of graph and parameters, and for each one the
posterior on the sampled DAGs is updated exactly (BGe terms of the new data, evaluated
family by family by :func:`bge_family_terms`, which is tested equal to
:func:`causalcourse.design.bge_log_marginal`). It is the information gain of the posterior
*restricted to the sampled graphs* and is therefore at most the entropy of their weights.

Hand-written because the sampler is the lesson and no maintained Python library does it;
unit tests compare it with exact enumeration (:class:`causalcourse.design.StructureModel`).

Example
-------
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(300, 1)); y = x + 0.5 * rng.normal(size=(300, 1))
>>> data = np.c_[x, y, rng.normal(size=(300, 1))]
>>> scores = family_scores(Evidence.from_data(data / data.std(0)), ("X", "Y", "Z"))
>>> chains = order_mcmc(scores, rng, n_chains=2, n_steps=400)
>>> sample = sample_graphs(scores, chains, rng)
>>> p = sample.edge_probabilities()
>>> round(float(p.loc["X", "Y"] + p.loc["Y", "X"]), 2)       # the edge, in some direction
1.0
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

import numpy as np
import pandas as pd
from scipy.special import gammaln, logsumexp

from causalcourse.design.bge import Evidence
from causalcourse.design.dags import interventional_equivalent, markov_equivalent
from causalcourse.errors import CourseError, check_known

__all__ = [
    "interventional_evidence",
    "FamilyScores",
    "family_scores",
    "OrderChains",
    "order_mcmc",
    "GraphSample",
    "sample_graphs",
    "linear_extensions",
    "split_rhat",
    "bge_family_terms",
    "sample_mechanisms",
    "Experiment",
    "expected_information_gain",
    "realised_information_gain",
]

MAX_NODES = 14  # the order table has d · 2^d entries
MOVES = ("swap", "adjacent", "relocate")


# --- data --------------------------------------------------------------------------------------


def interventional_evidence(
    frame: pd.DataFrame,
    nodes: Sequence[str],
    targets: Mapping[str, Sequence[str]] | None = None,
    condition: str = "condition",
) -> Evidence:
    """BGe sufficient statistics of a table of cells, with the targets of each condition.

    ``frame`` has one column per node (already transformed as wanted, e.g. logged and
    standardised) and, if ``targets`` is given, a ``condition`` column; ``targets`` maps a
    condition to the nodes it intervened on (conditions not listed, or mapped to ``[]``, are
    observational). Returns a :class:`causalcourse.design.Evidence` in which each node's
    statistics leave out the cells of the conditions that targeted it.

    Example
    -------
    >>> frame = pd.DataFrame({"A": [0.1, 0.4, -1.0], "B": [1.0, 0.2, 0.3],
    ...                       "condition": ["obs", "obs", "do A"]})
    >>> interventional_evidence(frame, ["A", "B"], {"do A": ["A"]}).count.tolist()
    [2, 3]
    """
    if not isinstance(frame, pd.DataFrame):
        raise CourseError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    nodes = _check_nodes(nodes)
    check_known(nodes, frame.columns, what="column", where="the data")
    values = frame[list(nodes)].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        bad = frame[list(nodes)].columns[~np.isfinite(values).all(axis=0)].tolist()
        raise CourseError(f"column(s) {bad} contain NaN or infinite values")
    d = len(nodes)
    if not targets:
        return Evidence(
            np.full(d, len(values), dtype=np.int64),
            np.tile(values.sum(axis=0), (d, 1)),
            np.tile(values.T @ values, (d, 1, 1)),
        )
    check_known([condition], frame.columns, what="column", where="the data")
    labels = frame[condition]
    known = (
        list(labels.cat.categories)
        if isinstance(labels.dtype, pd.CategoricalDtype)
        else list(pd.unique(labels))
    )
    check_known(list(targets), known, what="condition", where=f"column {condition!r}")
    for name, hit in targets.items():
        check_known(list(hit), nodes, what="target", where=f"the nodes (condition {name!r})")
    # statistics per condition, then for each node the sum over the conditions that spare it
    codes, groups = pd.factorize(labels.astype(str))
    count = np.zeros(d, dtype=np.int64)
    total, cross = np.zeros((d, d)), np.zeros((d, d, d))
    for code, name in enumerate(groups):
        x = values[codes == code]
        keep = np.array([node not in set(targets.get(name, ())) for node in nodes])
        count += keep * len(x)
        total += keep[:, None] * x.sum(axis=0)
        cross += keep[:, None, None] * (x.T @ x)
    return Evidence(count, total, cross)


def _check_nodes(nodes: Sequence[str]) -> tuple[str, ...]:
    if isinstance(nodes, str):
        raise CourseError(f"nodes must be a sequence of names, got the string {nodes!r}")
    out = tuple(nodes)
    if len(out) < 1 or len(set(out)) != len(out):
        raise CourseError(f"need at least one node and distinct node names, got {list(out)}")
    if len(out) > MAX_NODES:
        raise CourseError(f"order MCMC here handles at most {MAX_NODES} nodes, got {len(out)}")
    return out


# --- family scores -----------------------------------------------------------------------------


@cache
def _parent_sets(d: int, k: int) -> np.ndarray:
    """Bitmasks of every subset of the d nodes with at most k members, by size then value."""
    sizes = _popcounts(d)
    masks = np.concatenate([np.nonzero(sizes == s)[0] for s in range(k + 1)]).astype(np.int64)
    masks.setflags(write=False)
    return masks


def _bits(masks: np.ndarray, d: int) -> np.ndarray:
    """Boolean membership matrix ``(len(masks), d)`` of bitmasks."""
    return ((np.asarray(masks)[..., None] >> np.arange(d)) & 1).astype(bool)


def _edge_prob_matrix(edge_probs: object, nodes: tuple[str, ...]) -> np.ndarray:
    d = len(nodes)
    if edge_probs is None:
        return np.full((d, d), 0.5)
    p: np.ndarray
    if isinstance(edge_probs, Mapping):
        p = np.full((d, d), 0.5)
        for key, value in edge_probs.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise CourseError(f"edge_probs keys must be (cause, effect) pairs, got {key!r}")
            check_known(list(key), nodes, what="node", where="the nodes")
            if key[0] == key[1]:
                raise CourseError(f"edge_probs has a self-loop {key!r}")
            p[nodes.index(key[0]), nodes.index(key[1])] = value
    else:
        p = np.asarray(edge_probs, dtype=float).copy()
        if p.shape != (d, d):
            raise CourseError(f"edge_probs must be a ({d}, {d}) matrix, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise CourseError("edge probabilities must lie in [0, 1]")
    return p


def _check_alphas(d: int, alpha_mu: float, alpha_w: float | None) -> float:
    alpha_w = d + 2.0 if alpha_w is None else float(alpha_w)
    if not alpha_mu > 0:
        raise CourseError(f"alpha_mu must be positive, got {alpha_mu!r}")
    if not alpha_w > d + 1:
        raise CourseError(
            f"alpha_w must exceed d + 1 = {d + 1} for a proper prior, got {alpha_w!r}"
        )
    return alpha_w


@dataclass(frozen=True)
class FamilyScores:
    """Log score of every (node, parent set) pair with at most ``max_parents`` parents.

    ``likelihood[j, k]`` is the BGe term of node ``j`` with parents ``parent_sets[k]`` (a
    bitmask over ``nodes``; the terms of a DAG's families sum to ``log p(D | G)``);
    ``log_prior[j, k]`` is the log of the edge-probability prior's factor for that family.
    Entries of parent sets that contain ``j`` itself are ``-inf``. Build with
    :func:`family_scores`; change the prior with :meth:`with_prior`.

    Example
    -------
    >>> s = family_scores(Evidence.from_data(np.random.default_rng(0).normal(size=(50, 3))),
    ...                   ("A", "B", "C"), max_parents=1)
    >>> s.parent_sets.tolist(), s.scores.shape
    ([0, 1, 2, 4], (3, 4))
    """

    nodes: tuple[str, ...]
    max_parents: int
    parent_sets: np.ndarray
    likelihood: np.ndarray
    log_prior: np.ndarray
    alpha_mu: float = 1.0
    alpha_w: float = 0.0
    edge_probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def d(self) -> int:
        return len(self.nodes)

    @cached_property
    def scores(self) -> np.ndarray:
        """``likelihood + log_prior``, shape ``(d, K)``."""
        with np.errstate(invalid="ignore"):
            out = self.likelihood + self.log_prior
        out[np.isnan(out)] = -np.inf
        return out

    @cached_property
    def order_table(self) -> np.ndarray:
        """``table[j, U] = log Σ_{P ⊆ U, |P| ≤ max_parents} exp(scores[j, P])`` for each set U."""
        d = self.d
        table = np.full((d, 2**d), -np.inf)
        table[:, self.parent_sets] = self.scores
        for b in range(d):  # sum over subsets (zeta transform), one bit at a time
            view = table.reshape(d, 2 ** (d - b - 1), 2, 2**b)
            view[:, :, 1, :] = np.logaddexp(view[:, :, 1, :], view[:, :, 0, :])
        return table

    def index(self, node: str) -> int:
        check_known([node], self.nodes, what="node", where="the nodes")
        return self.nodes.index(node)

    def with_prior(
        self, edge_probs: Mapping[tuple[str, str], float] | np.ndarray | None
    ) -> FamilyScores:
        """The same likelihood with another edge-probability prior (``None``: all 0.5, uniform)."""
        p = _edge_prob_matrix(edge_probs, self.nodes)
        log_prior = _family_log_prior(p, self.parent_sets, self.max_parents, self.nodes)
        return replace(self, log_prior=log_prior, edge_probs=p)

    def order_scores(self, orders: np.ndarray) -> np.ndarray:
        """Log score of each order (rows of node indices, first = most upstream)."""
        orders = np.asarray(orders)
        bits = np.left_shift(1, orders)
        before = np.cumsum(bits, axis=-1) - bits
        return self.order_table[orders, before].sum(axis=-1)


def _family_log_prior(
    p: np.ndarray, parent_sets: np.ndarray, max_parents: int, nodes: tuple[str, ...]
) -> np.ndarray:
    d = len(nodes)
    required = (p >= 1) & ~np.eye(d, dtype=bool)
    for j in range(d):
        if required[:, j].sum() > max_parents:
            raise CourseError(
                f"the prior requires {int(required[:, j].sum())} parents of {nodes[j]!r} "
                f"(edge probability 1) but max_parents={max_parents}: an impossible bound"
            )
    member = _bits(parent_sets, d)  # (K, d): i in P
    with np.errstate(divide="ignore"):
        log_on, log_off = np.log(p), np.log1p(-p)
    off = ~np.eye(d, dtype=bool)
    out = np.empty((d, len(parent_sets)))
    for j in range(d):
        on = np.where(member, log_on[:, j], 0.0)
        offv = np.where(~member & off[:, j], log_off[:, j], 0.0)
        with np.errstate(invalid="ignore"):
            out[j] = (on + offv).sum(axis=1)
        out[j, member[:, j]] = -np.inf  # a node is not its own parent
        out[j, np.isnan(out[j])] = -np.inf
        if not np.isfinite(out[j]).any():
            raise CourseError(f"the prior rules out every parent set of {nodes[j]!r}")
    return out


def family_scores(
    evidence: Evidence | Sequence[Evidence],
    nodes: Sequence[str],
    max_parents: int | None = None,
    edge_probs: Mapping[tuple[str, str], float] | np.ndarray | None = None,
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> FamilyScores | list[FamilyScores]:
    """Score every parent set of at most ``max_parents`` nodes, once, for order MCMC.

    The likelihood is chapter 08's BGe score (:func:`causalcourse.design.bge_log_marginal`,
    ``alpha_w = d + 2`` by default) on the :class:`~causalcourse.design.Evidence` of the data
    (see :func:`interventional_evidence`), evaluated family by family with
    :func:`bge_family_terms` (tested equal). ``edge_probs`` is the prior: a mapping
    ``(cause, effect) -> probability`` (others 0.5) or a ``(d, d)`` matrix; 0.5 everywhere
    is the uniform prior over DAGs whose nodes have at most ``max_parents`` parents (default:
    4, or ``d − 1`` if smaller; a bound outside ``0 … d − 1`` is refused). A sequence of
    evidences (e.g. resampled data sets) is scored in one vectorised pass and gives a list.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400); data = np.c_[x, x + rng.normal(size=400)]
    >>> s = family_scores(Evidence.from_data(data / data.std(0)), ("X", "Y"))
    >>> bool(s.likelihood[1, 1] - s.likelihood[1, 0] > 50)     # Y with parent X beats Y alone
    True
    """
    single = isinstance(evidence, Evidence)
    evidences = [evidence] if isinstance(evidence, Evidence) else list(evidence)
    if not evidences or not all(isinstance(e, Evidence) for e in evidences):
        raise CourseError(
            "evidence must be a causalcourse.design.Evidence or a non-empty sequence of them"
        )
    nodes = _check_nodes(nodes)
    d = len(nodes)
    for e in evidences:
        if e.count.shape != (d,):
            raise CourseError(
                f"the data have {e.count.shape[0]} variables but {d} nodes were "
                f"named ({list(nodes)}): the columns do not match"
            )
    max_parents = min(4, d - 1) if max_parents is None else max_parents
    if (
        isinstance(max_parents, bool)
        or not isinstance(max_parents, (int, np.integer))
        or not 0 <= max_parents <= d - 1
    ):
        raise CourseError(
            f"max_parents must be a whole number from 0 to d - 1 = {d - 1}, "
            f"got {max_parents!r}: an impossible parent-set bound"
        )
    k = int(max_parents)
    alpha_w = _check_alphas(d, alpha_mu, alpha_w)
    p = _edge_prob_matrix(edge_probs, nodes)
    parent_sets = _parent_sets(d, k)
    log_prior = _family_log_prior(p, parent_sets, k, nodes)
    subsets = _parent_sets(d, min(k + 1, d))  # every P and every P + {j}
    where = np.full(2**d, -1, dtype=np.int64)
    where[subsets] = np.arange(len(subsets))
    with_node = where[parent_sets[None, :] | (1 << np.arange(d))[:, None]]  # (d, K)
    alone = where[parent_sets]
    own = _bits(parent_sets, d).T  # own[j, k]: j is in parent set k
    members = _bits(subsets, d)
    out = []
    for first in range(0, len(evidences), 8):
        batch = evidences[first : first + 8]
        count = np.stack([e.count for e in batch])[:, :, None]
        total = np.stack([e.total for e in batch])[:, :, None, :]
        cross = np.stack([e.cross for e in batch])[:, :, None, :, :]
        f = bge_family_terms(count, total, cross, members[None, None], alpha_mu, alpha_w)
        for b in range(len(batch)):
            fb = f[b]
            likelihood = np.take_along_axis(fb, with_node, axis=1) - fb[:, alone]
            likelihood[own] = -np.inf
            out.append(
                FamilyScores(
                    nodes, k, parent_sets, likelihood, log_prior, float(alpha_mu), alpha_w, p
                )
            )
    return out[0] if single else out


# --- order MCMC -------------------------------------------------------------------------------


@cache
def _move_maps(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position maps of the moves: new_order = order[map]. Returns (swap, adjacent, relocate)."""
    ident = np.arange(d)
    swaps, adjacent, relocate = [], [], []
    for a, b in itertools.combinations(range(d), 2):
        m = ident.copy()
        m[a], m[b] = b, a
        swaps.append(m)
        if b == a + 1:
            adjacent.append(m)
    for i, j in itertools.permutations(range(d), 2):  # take the node at i, insert it at j
        rest = [p for p in ident if p != i]
        relocate.append(np.array(rest[:j] + [i] + rest[j:]))
    out = tuple(np.array(x, dtype=np.int64).reshape(-1, d) for x in (swaps, adjacent, relocate))
    return out  # type: ignore[return-value]


@dataclass(frozen=True)
class OrderChains:
    """Samples of node orders from :func:`order_mcmc` for one problem.

    ``orders[c, s]`` is the ``s``-th kept order of chain ``c`` (node indices, upstream
    first); ``trace[c, t]`` is chain ``c``'s log order score after every ``thin``-th step
    from the start (burn-in included; ``kept_from`` is the first kept entry);
    ``acceptance`` is each chain's rate of accepted moves.
    """

    nodes: tuple[str, ...]
    orders: np.ndarray
    trace: np.ndarray
    kept_from: int
    thin: int
    acceptance: np.ndarray

    @property
    def n_chains(self) -> int:
        return int(self.orders.shape[0])

    def kept_trace(self) -> np.ndarray:
        """The log scores of the kept orders, shape (chains, kept)."""
        return self.trace[:, self.kept_from :]

    def last(self) -> np.ndarray:
        """The last kept order of each chain (to restart from), shape (chains, d)."""
        return self.orders[:, -1].astype(np.int64)


def _whole(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise CourseError(f"{name} must be a whole number of at least {low}, got {value!r}")
    return int(value)


def order_mcmc(
    scores: FamilyScores | Sequence[FamilyScores],
    rng: np.random.Generator,
    n_chains: int = 4,
    n_steps: int = 5000,
    thin: int = 10,
    burn_in: int | None = None,
    move_probs: Sequence[float] = (0.3, 0.3, 0.4),
    starts: np.ndarray | None = None,
) -> OrderChains | list[OrderChains]:
    """Sample node orders by Metropolis–Hastings (Friedman & Koller 2003), many chains at once.

    Each step proposes, in every chain, one of three symmetric moves with probabilities
    ``move_probs``: swap two random nodes, swap two neighbours, or take one node out and
    insert it at another position; it is accepted with probability ``min(1, exp(Δscore))``,
    so the chain's stationary distribution is ``P(order | D) ∝ Σ_{G consistent} P(D | G) P(G)``.
    Chains start from random orders, or from ``starts`` (shape ``(n_chains, d)``, the same
    for every problem). A sequence of :class:`FamilyScores` (same nodes) runs all the
    problems in one vectorised loop and returns one :class:`OrderChains` per problem.
    Every ``thin``-th state after ``burn_in`` steps (default: half) is kept.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> s = family_scores(Evidence.from_data(rng.normal(size=(30, 4))), tuple("ABCD"))
    >>> chains = order_mcmc(s, rng, n_chains=3, n_steps=200, thin=10)
    >>> chains.orders.shape, chains.trace.shape
    ((3, 10, 4), (3, 20))
    """
    single = isinstance(scores, FamilyScores)
    problems = [scores] if isinstance(scores, FamilyScores) else list(scores)
    if not problems or not all(isinstance(s, FamilyScores) for s in problems):
        raise CourseError("scores must be a FamilyScores or a non-empty sequence of them")
    nodes = problems[0].nodes
    if any(s.nodes != nodes for s in problems):
        raise CourseError("all problems run together must have the same nodes in the same order")
    n_chains, n_steps, thin = (
        _whole("n_chains", n_chains, 1),
        _whole("n_steps", n_steps, 1),
        _whole("thin", thin, 1),
    )
    burn_in = n_steps // 2 if burn_in is None else burn_in
    if _whole("burn_in", burn_in, 0) >= n_steps:
        raise CourseError(f"burn_in must be smaller than n_steps = {n_steps}, got {burn_in!r}")
    probs = np.asarray(move_probs, dtype=float)
    if probs.shape != (3,) or np.any(probs < 0) or not np.isclose(probs.sum(), 1.0):
        raise CourseError(
            f"move_probs must be three probabilities {MOVES} summing to 1, got {list(move_probs)}"
        )
    d = len(nodes)
    rows = len(problems) * n_chains  # row = (problem, chain)
    if starts is None:
        perm = np.array([rng.permutation(d) for _ in range(rows)], dtype=np.int64).reshape(rows, d)
    else:
        start = np.asarray(starts)
        if start.shape != (n_chains, d) or not (np.sort(start, axis=1) == np.arange(d)).all():
            raise CourseError(
                f"starts must be {n_chains} orders of the {d} node indices, shape ({n_chains}, {d})"
            )
        perm = np.tile(start.astype(np.int64), (len(problems), 1)).reshape(rows, d)
    size = 2**d
    tables = np.stack([s.order_table for s in problems]).reshape(-1)
    base = (np.arange(rows) // n_chains * d * size)[:, None]
    pow2 = np.left_shift(1, np.arange(d, dtype=np.int64))
    flat_rows = (np.arange(rows) * d)[:, None]

    def score(p: np.ndarray) -> np.ndarray:
        bits = pow2[p]
        before = bits.cumsum(axis=1) - bits
        return tables[base + p * size + before].sum(axis=1)

    current = score(perm)
    if not np.isfinite(current).all():
        raise CourseError(
            "some start order has no DAG allowed by the prior and the parent-set bound"
        )
    maps = np.concatenate(_move_maps(d))
    counts = np.array([len(m) for m in _move_maps(d)])
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    n_trace = n_steps // thin
    kept_from = -(-burn_in // thin)
    trace = np.empty((rows, n_trace))
    kept = np.empty((rows, max(n_trace - kept_from, 0), d), dtype=np.int8)
    accepted = np.zeros(rows)
    chunk = 500
    for first in range(0, n_steps, chunk):
        steps = min(chunk, n_steps - first)
        kinds = rng.choice(3, size=(steps, rows), p=probs)
        which = offsets[kinds] + (rng.random((steps, rows)) * counts[kinds]).astype(np.int64)
        log_u = np.log(rng.random((steps, rows)))
        for k in range(steps):
            proposal = perm.reshape(-1)[flat_rows + maps[which[k]]]
            new = score(proposal)
            ok = log_u[k] < new - current  # current is finite; new may be -inf
            perm = np.where(ok[:, None], proposal, perm).reshape(rows, d)
            current = np.where(ok, new, current)
            accepted += ok
            done = first + k + 1
            if done % thin == 0:
                t = done // thin - 1
                trace[:, t] = current
                if t >= kept_from:
                    kept[:, t - kept_from] = perm
    rate = accepted / n_steps
    out = [
        OrderChains(
            nodes,
            kept[i * n_chains : (i + 1) * n_chains],
            trace[i * n_chains : (i + 1) * n_chains],
            int(kept_from),
            thin,
            rate[i * n_chains : (i + 1) * n_chains],
        )
        for i in range(len(problems))
    ]
    return out[0] if single else out


def split_rhat(trace: np.ndarray) -> float:
    """Split-R̂ of a scalar summary (Gelman et al. 2013, BDA3 §11.4): chains × draws.

    Each chain is cut in half; R̂ compares the variance between the halves' means with
    the variance within them. Values near 1 (below about 1.01–1.1) indicate that the
    chains explore the same distribution; a chain stuck elsewhere pushes it up. Constant
    traces (all chains on one value) give 1.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> round(split_rhat(rng.normal(size=(4, 1000))), 2)
    1.0
    >>> split_rhat(np.r_[rng.normal(size=(2, 500)), 5 + rng.normal(size=(2, 500))]) > 2
    True
    """
    x = np.asarray(trace, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 4:
        raise CourseError(
            f"split_rhat needs a (chains, draws) array with at least 4 draws, got {x.shape}"
        )
    if not np.isfinite(x).all():
        raise CourseError("the trace holds non-finite values")
    half = x.shape[1] // 2
    halves = np.concatenate([x[:, :half], x[:, -half:]])
    n = halves.shape[1]
    within = halves.var(axis=1, ddof=1).mean()
    between = n * halves.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else float("inf")
    var_plus = (n - 1) / n * within + between / n
    return float(np.sqrt(var_plus / within))


# --- DAGs and the order-prior bias -------------------------------------------------------------


_EXTENSIONS: dict[bytes, float] = {}  # parent masks of a DAG -> its number of linear extensions
_CACHE_LIMIT = 500_000


@cache
def _popcounts(k: int) -> np.ndarray:
    return np.array([m.bit_count() for m in range(2**k)])


def _extensions_dp(parents: np.ndarray) -> np.ndarray:
    """Linear extensions of DAGs on k nodes given as parent bitmasks (n, k), by DP over subsets."""
    n, k = parents.shape
    sizes = _popcounts(k)
    out = np.empty(n)
    chunk = max(64, 2**23 // 2**k)  # graphs per pass: about 64 MB of work space
    for first in range(0, n, chunk):
        pm = parents[first : first + chunk].T  # (k, m)
        g = np.zeros((2**k, pm.shape[1]))  # g[S, graph]: orders of S as a prefix
        g[0] = 1.0
        for size in range(k):
            subsets = np.nonzero(sizes == size)[0]
            subsets = subsets[g[subsets].any(axis=1)]  # prefixes that some graph can reach
            for j in range(k):
                free = subsets[(subsets >> j) & 1 == 0]
                ready = (pm[j][None, :] & ~free[:, None]) == 0
                g[free | (1 << j)] += g[free] * ready
        out[first : first + chunk] = g[-1]
    return out


def linear_extensions(dags: np.ndarray) -> np.ndarray:
    """Number of linear extensions (topological orders) of each DAG, exactly, by DP over subsets.

    ``L(G)`` counts the orders of the nodes in which every edge points forward — the factor
    by which order MCMC over-weights a DAG. The skeleton is first split into connected
    components ``C``: ``L(G) = d! / Π |C|! · Π L(G_C)``; within a component, with
    ``g(∅) = 1`` and ``g(S ∪ {j}) += g(S)`` whenever all parents of ``j`` lie in ``S``,
    ``L(G_C) = g(C)``. The cost is at most ``d · 2^d`` per graph, vectorised over graphs;
    results are cached, since the same graphs recur across chains and data sets.

    Example
    -------
    >>> chain = np.zeros((1, 3, 3), bool); chain[0, 0, 1] = chain[0, 1, 2] = True
    >>> linear_extensions(np.r_[chain, np.zeros((1, 3, 3), bool)]).tolist()
    [1.0, 6.0]
    """
    dags = np.asarray(dags)
    if dags.ndim != 3 or dags.shape[1] != dags.shape[2]:
        raise CourseError(
            f"dags must be an array of adjacency matrices (n, d, d), got shape {dags.shape}"
        )
    d = dags.shape[1]
    if d > MAX_NODES:
        raise CourseError(f"counting linear extensions handles at most {MAX_NODES} nodes, got {d}")
    dags = dags.astype(bool)
    parents = (dags.astype(np.int64) << np.arange(d)[:, None]).sum(axis=1)  # (n, d) parent masks
    keys = [row.tobytes() for row in parents.astype(np.int16)]
    if len(_EXTENSIONS) > _CACHE_LIMIT:  # bound the cache; clear it before, never during, a call
        _EXTENSIONS.clear()
    todo = np.array(
        sorted({i for i, key in enumerate(keys) if key not in _EXTENSIONS}), dtype=np.int64
    )
    if len(todo):
        values = np.ones(len(todo)) * float(np.prod(np.arange(1, d + 1)))
        reach = (dags[todo] | dags[todo].transpose(0, 2, 1) | np.eye(d, dtype=bool)).astype(
            np.int64
        )
        for _ in range(max(1, int(np.ceil(np.log2(d))))):
            reach = np.minimum(reach @ reach, 1)
        label = reach.argmax(axis=2)  # smallest node of each node's component
        members = label[:, None, :] == np.arange(d)[None, :, None]  # [graph, root, node]
        size = members.sum(axis=2)
        pm = parents[todo]
        for k in np.unique(size[size > 1]):
            graph, root = np.nonzero(size == k)
            nodes = np.nonzero(members[graph, root])[1].reshape(len(graph), k)  # sorted members
            sub = np.zeros((len(graph), k), dtype=np.int64)  # parent masks renumbered 0..k-1
            for new, col in enumerate(nodes.T):
                sub |= ((pm[graph[:, None], nodes] >> col[:, None]) & 1) << new
            factor = _extensions_dp(sub) / float(np.prod(np.arange(1, k + 1)))
            np.multiply.at(values, graph, factor)
        _EXTENSIONS.update((keys[i], float(v)) for i, v in zip(todo, np.rint(values), strict=True))
    out = np.array([_EXTENSIONS[key] for key in keys])
    if np.any(out == 0):
        raise CourseError(
            f"graph {int(np.nonzero(out == 0)[0][0])} has a directed cycle: no topological order"
        )
    return out


@dataclass(frozen=True)
class GraphSample:
    """Distinct sampled DAGs with normalised weights: a Monte Carlo picture of a posterior.

    ``dags[u]`` (adjacency, ``A[i, j]``: ``nodes[i] -> nodes[j]``) carries weight
    ``weights[u]``; ``n_draws`` graphs were drawn and ``ess`` is the effective sample size
    of their importance weights (``n_draws`` when unweighted). ``raw_total`` and ``raw_sq``
    (sum and sum of squares of the unnormalised draw weights) let :meth:`pool` merge samples.

    Example
    -------
    >>> dags = np.zeros((2, 2, 2), bool); dags[1, 0, 1] = True
    >>> s = GraphSample(("X", "Y"), dags, np.array([0.25, 0.75]), 4, 4.0)
    >>> float(s.edge_probabilities().loc["X", "Y"]), s.expected_shd(dags[1])
    (0.75, 0.25)
    """

    nodes: tuple[str, ...]
    dags: np.ndarray
    weights: np.ndarray
    n_draws: int
    ess: float
    raw_total: float = 1.0
    raw_sq: float = 1.0

    @classmethod
    def pool(cls, samples: Sequence[GraphSample]) -> GraphSample:
        """One sample from several (e.g. one per chain) drawn from the same target.

        Example
        -------
        >>> a = GraphSample(("X",), np.zeros((1, 1, 1), bool), np.ones(1), 3, 3.0, 3.0, 3.0)
        >>> GraphSample.pool([a, a]).n_draws
        6
        """
        samples = list(samples)
        if not samples or not all(isinstance(x, GraphSample) for x in samples):
            raise CourseError("pool needs a non-empty sequence of GraphSample")
        if any(x.nodes != samples[0].nodes for x in samples):
            raise CourseError("pooled samples must have the same nodes")
        masks = np.concatenate([_parent_masks(x.dags) for x in samples])
        raw = np.concatenate([x.weights * x.raw_total for x in samples])
        uniq, summed = _unique_graphs(masks, raw)
        total, sq = sum(x.raw_total for x in samples), sum(x.raw_sq for x in samples)
        dags = _bits(uniq, len(samples[0].nodes)).transpose(0, 2, 1)
        return cls(
            samples[0].nodes,
            dags,
            summed / summed.sum(),
            sum(x.n_draws for x in samples),
            float(total**2 / sq),
            float(total),
            float(sq),
        )

    def edge_probabilities(self) -> pd.DataFrame:
        """Posterior probability of each edge ``cause -> effect`` (rows causes)."""
        return pd.DataFrame(
            np.tensordot(self.weights, self.dags, axes=1), index=self.nodes, columns=self.nodes
        )

    def _truth(self, truth: np.ndarray) -> np.ndarray:
        truth = np.asarray(truth, dtype=bool)
        d = len(self.nodes)
        if truth.shape != (d, d):
            raise CourseError(
                f"the true graph must be a ({d}, {d}) adjacency matrix, got {truth.shape}"
            )
        return truth

    def shd(self, truth: np.ndarray) -> np.ndarray:
        """Structural Hamming distance of each distinct DAG to ``truth`` (a reversal counts 1)."""
        t = self._truth(truth)
        iu = np.triu_indices(len(self.nodes), 1)
        fwd, bwd = self.dags[:, iu[0], iu[1]], self.dags[:, iu[1], iu[0]]
        return ((fwd != t[iu]) | (bwd != t[iu[1], iu[0]])).sum(axis=1)

    def expected_shd(self, truth: np.ndarray) -> float:
        """Posterior expected SHD to ``truth``."""
        return float(self.weights @ self.shd(truth))

    def shd_interval(self, truth: np.ndarray, level: float = 0.9) -> tuple[float, float]:
        """Equal-tailed posterior credible interval of the SHD to ``truth``."""
        if not 0 < level < 1:
            raise CourseError(f"level must lie strictly between 0 and 1, got {level!r}")
        values = self.shd(truth)
        order = np.argsort(values, kind="stable")
        cdf = np.cumsum(self.weights[order])
        ends = np.searchsorted(cdf, np.array([(1 - level) / 2, (1 + level) / 2]) - 1e-12)
        lo, hi = values[order][np.minimum(ends, len(values) - 1)]
        return float(lo), float(hi)

    def prob_of(self, which: np.ndarray) -> float:
        """Total weight of the distinct DAGs selected by a boolean mask."""
        which = np.asarray(which, dtype=bool)
        if which.shape != self.weights.shape:
            raise CourseError(
                f"the mask needs one entry per distinct DAG ({len(self.weights)}), "
                f"got {which.shape}"
            )
        return float(self.weights[which].sum())

    def class_mass(self, truth: np.ndarray, targets: Sequence[Sequence[str]] = ()) -> float:
        """Posterior mass on the Markov (with ``targets``: interventional) class of ``truth``."""
        t = self._truth(truth)
        for ts in targets:
            check_known(list(ts), self.nodes, what="target", where="the nodes")
        if targets:
            index = [[self.nodes.index(n) for n in ts] for ts in targets]
            same = interventional_equivalent(self.dags, t, index)
        else:
            same = markov_equivalent(self.dags, t)
        return self.prob_of(same)

    def entropy(self) -> float:
        """Entropy (nats) of the weights over the distinct sampled DAGs."""
        w = self.weights[self.weights > 0]
        return float(-(w * np.log(w)).sum())

    def edge_entropy(self) -> float:
        """Sum over ordered pairs of the binary entropy of the edge probabilities (nats)."""
        p = np.clip(self.edge_probabilities().to_numpy(), 1e-12, 1 - 1e-12)
        h = -(p * np.log(p) + (1 - p) * np.log1p(-p))
        return float(h[~np.eye(len(self.nodes), dtype=bool)].sum())


def _parent_masks(dags: np.ndarray) -> np.ndarray:
    d = dags.shape[-1]
    return (dags.astype(np.int64) << np.arange(d)[:, None]).sum(axis=-2)


def _unique_graphs(masks: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of parent masks (n, d) with summed weights, in a deterministic order."""
    uniq, inverse = np.unique(masks, axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=weights, minlength=len(uniq))
    return uniq, summed


def sample_graphs(
    scores: FamilyScores,
    chains: OrderChains | np.ndarray,
    rng: np.random.Generator,
    per_order: int = 1,
    correct_order_bias: bool = True,
) -> GraphSample:
    """Draw DAGs consistent with sampled orders; weight them ``1 / L(G)`` to undo the order prior.

    For each kept order (all chains pooled) and each node, a parent set among those of its
    predecessors is drawn with probability proportional to ``exp(scores)`` (``per_order``
    DAGs per order). Without correction the DAGs follow the order-MCMC posterior
    ``∝ P(D | G) P(G) L(G)``; with ``correct_order_bias`` each draw gets the importance weight
    ``1 / L(G)`` (:func:`linear_extensions`), which targets the modular posterior
    ``∝ P(D | G) P(G)`` of chapter 08 (restricted to at most ``max_parents`` parents).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> s = family_scores(Evidence.from_data(rng.normal(size=(40, 3))), tuple("ABC"))
    >>> sample = sample_graphs(s, order_mcmc(s, rng, n_chains=2, n_steps=300), rng)
    >>> bool(np.isclose(sample.weights.sum(), 1.0)), sample.n_draws
    (True, 30)
    """
    if not isinstance(scores, FamilyScores):
        raise CourseError("scores must be a FamilyScores")
    orders = chains.orders if isinstance(chains, OrderChains) else np.asarray(chains)
    d = scores.d
    orders = orders.reshape(-1, d).astype(np.int64)
    if not (np.sort(orders, axis=1) == np.arange(d)).all():
        raise CourseError(f"orders must be permutations of the {d} node indices")
    if isinstance(per_order, bool) or not isinstance(per_order, (int, np.integer)) or per_order < 1:
        raise CourseError(f"per_order must be a positive whole number, got {per_order!r}")
    positions = np.argsort(orders, axis=1)  # positions[s, j]: where node j stands
    before = positions[:, None, :] < positions[:, :, None]  # before[s, j, i]: i precedes j
    allowed = (before.astype(np.int64) << np.arange(d)).sum(axis=2)  # (S, d) bitmasks
    # the parents of node j depend on the order only through the set U of its predecessors:
    # build each distinct (j, U) distribution once, then draw by inverse CDF
    keys, which = np.unique(allowed * d + np.arange(d), return_inverse=True)
    node, pred = keys % d, keys // d
    sets = scores.parent_sets
    which = np.repeat(which.reshape(-1, d), per_order, axis=0).ravel()
    u = rng.random(which.shape)
    by_key = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[by_key], np.arange(0, len(keys) + 2048, 2048))
    picks = np.empty(len(which), dtype=np.int64)
    for block, first in enumerate(range(0, len(keys), 2048)):
        part = slice(first, first + 2048)
        cdf = np.where((sets[None, :] & ~pred[part, None]) == 0, scores.scores[node[part]], -np.inf)
        top = cdf.max(axis=1, keepdims=True)
        if np.isneginf(top).any():
            raise CourseError("an order leaves some node with no parent set the prior allows")
        cdf -= top
        np.exp(cdf, out=cdf)
        np.cumsum(cdf, axis=1, out=cdf)
        cdf /= cdf[:, -1:]
        cdf += np.arange(cdf.shape[0])[:, None]  # rows stacked: row r spans (r, r + 1]
        draws = by_key[bounds[block] : bounds[block + 1]]
        local = which[draws] - first
        pick = np.searchsorted(cdf.ravel(), local + u[draws], side="right") - local * len(sets)
        picks[draws] = np.minimum(pick, len(sets) - 1)
    chosen = sets[picks].reshape(-1, d)
    uniq, inverse = np.unique(chosen, axis=0, return_inverse=True)
    dags = _bits(uniq, d).transpose(0, 2, 1)  # dags[u, i, j] = i in parents of j
    inverse = inverse.ravel()
    if correct_order_bias:
        draw_w = 1.0 / linear_extensions(dags)[inverse]
    else:
        draw_w = np.ones(len(chosen))
    total, sq = float(draw_w.sum()), float((draw_w**2).sum())
    summed = np.bincount(inverse, weights=draw_w, minlength=len(uniq))
    return GraphSample(
        scores.nodes, dags, summed / summed.sum(), len(chosen), total**2 / sq, total, sq
    )


# --- BGe terms for new data, and posterior draws of the mechanisms -------------------------


def _log_mv_gamma(a: np.ndarray, p: np.ndarray, d: int) -> np.ndarray:
    out = p * (p - 1) / 4 * np.log(np.pi)
    for k in range(1, d + 1):
        arg = np.where(k <= p, a + (1 - k) / 2, 1.0)
        out = out + np.where(k <= p, gammaln(arg), 0.0)
    return out


def _scatter(
    count: np.ndarray, total: np.ndarray, cross: np.ndarray, alpha_mu: float, t: float
) -> np.ndarray:
    """BGe posterior scale matrix R of each row of statistics (batch axes kept)."""
    d = total.shape[-1]
    n = count.astype(float)[..., None, None]
    mean = total / np.maximum(count, 1)[..., None]
    outer = mean[..., :, None] * mean[..., None, :]
    return t * np.eye(d) + cross - n * outer + n * alpha_mu / (n + alpha_mu) * outer


def bge_family_terms(
    count: np.ndarray,
    total: np.ndarray,
    cross: np.ndarray,
    subsets: np.ndarray,
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> np.ndarray:
    """``log p(data on subset S)`` of the BGe model for given statistics and variable subsets.

    ``count``, ``total`` and ``cross`` are one node's rows of an
    :class:`~causalcourse.design.Evidence` (any leading batch axes, shared by ``subsets``),
    and ``subsets`` a boolean ``(..., d)`` membership array; the BGe term of node ``j`` with
    parents ``P`` is ``f(P ∪ {j}) − f(P)`` evaluated on node ``j``'s statistics. This is
    the same formula as :func:`causalcourse.design.bge_log_marginal` (tested equal),
    evaluated only where it is needed, for many data sets at once.

    Example
    -------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(100, 2))
    >>> ev = Evidence.from_data(x)
    >>> s = np.array([[True, True], [True, False], [False, True]])   # {0, 1}, {0}, {1}
    >>> f = bge_family_terms(ev.count[[1, 1, 1]], ev.total[[1, 1, 1]], ev.cross[[1, 1, 1]], s)
    >>> edge = np.zeros((1, 2, 2), bool); edge[0, 0, 1] = True     # 0 -> 1 versus no edge
    >>> from causalcourse.design import bge_log_marginal
    >>> bge = bge_log_marginal(ev, np.r_[edge, np.zeros((1, 2, 2), bool)])
    >>> bool(np.isclose((f[0] - f[1]) - f[2], bge[0] - bge[1]))
    True
    """
    subsets = np.asarray(subsets, dtype=bool)
    count = np.asarray(count)
    d = subsets.shape[-1]
    total = np.asarray(total, dtype=float)
    cross = np.asarray(cross, dtype=float)
    if total.shape != count.shape + (d,) or cross.shape != count.shape + (d, d):
        raise CourseError(
            f"statistics of {d} variables need total {count.shape + (d,)} and cross "
            f"{count.shape + (d, d)}, got {total.shape} and {cross.shape}"
        )
    alpha_w = _check_alphas(d, alpha_mu, alpha_w)
    batch = np.broadcast_shapes(count.shape, subsets.shape[:-1])
    rows = np.broadcast_to(np.arange(count.size).reshape(count.shape), batch).ravel()
    blocks = _blocks(np.broadcast_to(subsets, batch + (d,)).reshape(-1, d))
    out = _bge_terms(
        count.ravel(),
        total.reshape(-1, d),
        cross.reshape(-1, d, d),
        rows,
        blocks,
        alpha_mu,
        alpha_w,
    )
    return out.reshape(batch)


def _blocks(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For boolean subsets (n, d): member indices padded to the largest size m (pad: d, d+1, …)."""
    d = members.shape[1]
    size = members.sum(axis=1)
    m = max(int(size.max(initial=0)), 1)
    first = np.argsort(~members, axis=1, kind="stable")[:, :m]
    idx = np.where(np.arange(m)[None, :] < size[:, None], first, d + np.arange(m)[None, :])
    return idx, size


def _bge_terms(
    count: np.ndarray,
    total: np.ndarray,
    cross: np.ndarray,
    rows: np.ndarray,
    blocks: tuple[np.ndarray, np.ndarray],
    alpha_mu: float,
    alpha_w: float,
) -> np.ndarray:
    """BGe subset terms: statistics row ``rows[i]`` (flat arrays) on subset ``i`` of ``blocks``."""
    idx, size = blocks
    d, m = total.shape[-1], idx.shape[1]
    t = alpha_mu * (alpha_w - d - 1) / (alpha_mu + 1)
    r_ext = np.zeros((len(count), d + m, d + m))  # R padded with an identity block
    r_ext[:, :d, :d] = _scatter(count, total, cross, alpha_mu, t)
    r_ext[:, np.arange(d, d + m), np.arange(d, d + m)] = 1.0
    idx = np.broadcast_to(idx, (len(rows), m))
    logdet = np.linalg.slogdet(r_ext[rows[:, None, None], idx[:, :, None], idx[:, None, :]])[1]
    n = count.astype(float)[rows]
    size = np.broadcast_to(size, rows.shape).astype(float)
    a_prior = (alpha_w - d + size) / 2
    a_post = (n + alpha_w - d + size) / 2
    return (
        -size * n / 2 * np.log(np.pi)
        + size / 2 * np.log(alpha_mu / (n + alpha_mu))
        + _log_mv_gamma(a_post, size, m)
        - _log_mv_gamma(a_prior, size, m)
        + a_prior * size * np.log(t)
        - a_post * logdet
    )


def _wishart(rng: np.random.Generator, df: float, scale: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws of Wishart(df, scale) (Bartlett decomposition), shape (size, p, p).

    Hand-written rather than :data:`scipy.stats.wishart` (which
    :func:`causalcourse.design.sample_parameters` uses) for two reasons: it is vectorised
    over the draws (scipy's ``rvs`` applies the Cholesky factor draw by draw in a Python
    loop, about 3 times slower for 32 draws of a 4 × 4 matrix and 6 times for 2,000), and
    chapter 09's stored EIG estimates come from this generator stream, which scipy consumes
    in another order.
    ``tests/test_order_mcmc.py`` checks its draws against scipy's Wishart mean and variance
    and the exact covariance of every pair of entries, within Monte Carlo error.
    """
    p = scale.shape[0]
    a = np.tril(rng.normal(size=(size, p, p)), -1)
    a[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(df - np.arange(p), size=(size, p)))
    la = np.linalg.cholesky(scale) @ a
    return la @ np.swapaxes(la, -1, -2)


def sample_mechanisms(
    dags: np.ndarray,
    evidence: Evidence,
    rng: np.random.Generator,
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One posterior draw of the linear-Gaussian mechanisms of each DAG, under the BGe model.

    For node ``j`` with parents ``P`` the BGe posterior of the covariance of ``(P, j)`` is
    inverse-Wishart with ``alpha_w − d + |P| + 1 + N_j`` degrees of freedom and its mean is
    normal; each draw becomes the regression of ``j`` on ``P``. Returns weights ``B``
    (``B[i, j]`` for ``i -> j``), intercepts and residual standard deviations, each with a
    leading axis over ``dags``.

    Example
    -------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=5000)
    >>> ev = Evidence.from_data(np.c_[x, 0.8 * x + 0.6 * rng.normal(size=5000)])
    >>> g = np.zeros((1, 2, 2), bool); g[0, 0, 1] = True
    >>> w, b, s = sample_mechanisms(g, ev, rng)
    >>> round(float(w[0, 0, 1]), 1), round(float(s[0, 1]), 1)
    (0.8, 0.6)
    """
    dags = np.asarray(dags, dtype=bool)
    d = evidence.count.shape[0]
    if dags.ndim != 3 or dags.shape[1:] != (d, d):
        raise CourseError(f"dags must have shape (n, {d}, {d}) to match the data, got {dags.shape}")
    alpha_w = _check_alphas(d, alpha_mu, alpha_w)
    t = alpha_mu * (alpha_w - d - 1) / (alpha_mu + 1)
    m = len(dags)
    weights, intercepts, sds = np.zeros((m, d, d)), np.zeros((m, d)), np.zeros((m, d))
    masks = _parent_masks(dags)
    for j in range(d):
        n = int(evidence.count[j])
        r = _scatter(evidence.count[j], evidence.total[j], evidence.cross[j], alpha_mu, t)
        mu_n = evidence.total[j] / (n + alpha_mu)
        for mask in np.unique(masks[:, j]):
            rows = np.nonzero(masks[:, j] == mask)[0]
            parents = [i for i in range(d) if mask >> i & 1]
            fam = parents + [j]
            prec = _wishart(
                rng, alpha_w - d + len(fam) + n, np.linalg.inv(r[np.ix_(fam, fam)]), len(rows)
            )
            cov = np.linalg.inv(prec)
            z = rng.normal(size=(len(rows), len(fam), 1))
            mu = mu_n[fam] + (np.linalg.cholesky(cov / (n + alpha_mu)) @ z)[..., 0]
            slopes = np.linalg.solve(cov[:, :-1, :-1], cov[:, :-1, -1:])[..., 0]
            weights[rows[:, None], np.array(parents, dtype=np.int64)[None, :], j] = slopes
            intercepts[rows, j] = mu[:, -1] - (slopes * mu[:, :-1]).sum(axis=1)
            resid = cov[:, -1, -1] - (slopes * cov[:, :-1, -1]).sum(axis=1)
            sds[rows, j] = np.sqrt(np.maximum(resid, 1e-12))
    return weights, intercepts, sds


# --- experimental design ----------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A candidate experiment: perfect interventions on ``targets``, which take ``values``.

    ``values`` has one row per sample and one column per target (for an observational
    experiment: shape ``(n, 0)``); for real conditions use the target's measured values.

    Example
    -------
    >>> Experiment(("Mek",), np.zeros((50, 1))).n
    50
    """

    targets: tuple[str, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        targets = tuple(self.targets) if not isinstance(self.targets, str) else (self.targets,)
        values = np.asarray(self.values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(targets) or values.shape[0] < 1:
            raise CourseError(
                f"values must have shape (n >= 1, {len(targets)}) for targets {targets}, "
                f"got {values.shape}"
            )
        if not np.isfinite(values).all():
            raise CourseError("experiment values contain NaN or infinite values")
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "values", values)

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @classmethod
    def observational(cls, n: int) -> Experiment:
        """``n`` samples without intervention."""
        return cls((), np.zeros((int(n), 0)))


class _SupportModel:
    """The sampled DAGs, their families and BGe terms on the current evidence."""

    def __init__(
        self, sample: GraphSample, evidence: Evidence, alpha_mu: float, alpha_w: float | None
    ):
        d = len(sample.nodes)
        if evidence.count.shape != (d,):
            raise CourseError(
                f"the data have {evidence.count.shape[0]} variables but the sample has {d} nodes"
            )
        self.sample, self.evidence, self.d = sample, evidence, d
        self.alpha_mu, self.alpha_w = float(alpha_mu), _check_alphas(d, alpha_mu, alpha_w)
        masks = _parent_masks(sample.dags)  # (U, d)
        keys = masks * d + np.arange(d)  # family id = (mask, node)
        self.families, inverse = np.unique(keys.ravel(), return_inverse=True)
        self.family_of = inverse.reshape(masks.shape)
        self.fam_node = self.families % d
        parents = _bits(self.families // d, d)
        with_node = parents.copy()
        with_node[np.arange(len(self.families)), self.fam_node] = True
        self.blocks = _blocks(np.r_[with_node, parents])
        self.base = self.terms(evidence.count[None], evidence.total[None], evidence.cross[None])[0]
        with np.errstate(divide="ignore"):
            self.log_w = np.log(sample.weights)

    def terms(self, count: np.ndarray, total: np.ndarray, cross: np.ndarray) -> np.ndarray:
        """BGe family terms (batch, families) for a batch of per-node statistics (batch, d, ...)."""
        batch, d, f = len(count), self.d, len(self.families)
        node = np.r_[self.fam_node, self.fam_node]
        rows = (np.arange(batch)[:, None] * d + node[None, :]).ravel()
        idx, size = self.blocks
        blocks = (np.tile(idx, (batch, 1)), np.tile(size, batch))
        out = _bge_terms(
            np.ascontiguousarray(count).reshape(-1),
            total.reshape(-1, d),
            cross.reshape(-1, d, d),
            rows,
            blocks,
            self.alpha_mu,
            self.alpha_w,
        )
        out = out.reshape(batch, 2 * f)
        return out[:, :f] - out[:, f:]

    def log_lik(self, count: np.ndarray, total: np.ndarray, cross: np.ndarray) -> np.ndarray:
        """log p(new data | G_u, old data) for each DAG u, batch × U."""
        gain = self.terms(count, total, cross) - self.base[None]
        return gain[:, self.family_of].sum(axis=2)

    def kl(self, log_lik: np.ndarray) -> np.ndarray:
        """KL(updated ‖ current) over the sampled DAGs, for each row of log-likelihoods."""
        joint = self.log_w[None] + log_lik
        new = joint - logsumexp(joint, axis=1, keepdims=True)
        p = np.exp(new)
        finite = np.isfinite(self.log_w)[None]
        return np.maximum(
            (p * np.where(finite, new - np.where(finite, self.log_w, 0.0), 0.0)).sum(axis=1), 0.0
        )


def _stats_after(evidence: Evidence, y: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-node statistics after adding samples y (batch, n, d); ``keep[j]``: j not intervened."""
    n = y.shape[1]
    count = np.broadcast_to(evidence.count + n * keep.astype(np.int64), (len(y), len(keep)))
    total = evidence.total[None] + keep[None, :, None] * y.sum(axis=1)[:, None, :]
    cross = (
        evidence.cross[None] + keep[None, :, None, None] * np.einsum("bsa,bsc->bac", y, y)[:, None]
    )
    return count, total, cross


def expected_information_gain(
    sample: GraphSample,
    evidence: Evidence,
    experiments: Mapping[str, Experiment],
    rng: np.random.Generator,
    n_draws: int = 32,
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> pd.DataFrame:
    """Nested Monte Carlo EIG (nats) about the graph of each experiment, with its draws.

    ``EIG(e) = E_y KL(P(G | D, y) ‖ P(G | D))``, with the posterior represented by the
    sampled DAGs and their weights. ``n_draws`` (graph, mechanisms) pairs are drawn from that
    posterior (:func:`sample_mechanisms`); each simulates the experiment (targets set to its
    ``values``); the updated weights of every sampled DAG are exact given the simulated data.
    The same draws and noise are used for every experiment, so differences are paired.
    The estimate is at most the entropy of the weights (:meth:`GraphSample.entropy`), and
    graphs outside the sample are ignored. Returns one row per experiment: ``eig``, its Monte
    Carlo standard error ``se``, and the per-draw KLs in ``draws``.

    Example
    -------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(200, 1))
    >>> data = np.c_[x, x + rng.normal(size=(200, 1))] / [1, 1.4]
    >>> ev = Evidence.from_data(data)
    >>> s = family_scores(ev, ("X", "Y"))
    >>> sample = sample_graphs(s, order_mcmc(s, rng, n_steps=200), rng)
    >>> candidates = {"do(X)": Experiment(("X",), rng.normal(size=(50, 1))),
    ...               "observe": Experiment.observational(50)}
    >>> eig = expected_information_gain(sample, ev, candidates, rng)
    >>> bool(eig.loc["do(X)", "eig"] > 5 * eig.loc["observe", "eig"])
    True
    """
    if not isinstance(sample, GraphSample):
        raise CourseError("sample must be a GraphSample (from sample_graphs)")
    if not experiments or not all(isinstance(e, Experiment) for e in experiments.values()):
        raise CourseError("experiments must map names to Experiment objects")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise CourseError(f"n_draws must be a whole number of at least 2, got {n_draws!r}")
    for name, e in experiments.items():
        check_known(
            list(e.targets), sample.nodes, what="target", where=f"the nodes (experiment {name!r})"
        )
    model = _SupportModel(sample, evidence, alpha_mu, alpha_w)
    d, nodes = model.d, sample.nodes
    graphs = rng.choice(len(sample.weights), size=n_draws, p=sample.weights)
    b, c, s = sample_mechanisms(sample.dags[graphs], evidence, rng, model.alpha_mu, model.alpha_w)
    n_max = max(e.n for e in experiments.values())
    noise = rng.normal(size=(n_draws, n_max, d))
    rows = {}
    for name, e in experiments.items():
        t = [nodes.index(x) for x in e.targets]
        keep = np.ones(d, dtype=bool)
        keep[t] = False
        base = c[:, None, :] + s[:, None, :] * noise[:, : e.n]
        w = b.copy()
        w[:, :, t] = 0.0
        base[:, :, t] = e.values[None]
        y = base @ np.linalg.inv(np.eye(d) - w)
        kl = model.kl(model.log_lik(*_stats_after(evidence, y, keep)))
        rows[name] = {
            "eig": float(kl.mean()),
            "se": float(kl.std(ddof=1) / np.sqrt(n_draws)),
            "draws": kl,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def realised_information_gain(
    sample: GraphSample,
    evidence: Evidence,
    data: np.ndarray | Sequence[np.ndarray],
    targets: Sequence[str] | Sequence[Sequence[str]] = (),
    alpha_mu: float = 1.0,
    alpha_w: float | None = None,
) -> float | np.ndarray:
    """KL(P(G | D, y) ‖ P(G | D)) over the sampled DAGs once real data ``y`` are added.

    The counterpart of :func:`expected_information_gain` after the experiment: ``data``
    (samples × nodes, the same transformation as the evidence) collected under perfect
    interventions on ``targets``. A list of data sets with a list of target lists gives one
    KL per data set (the sampled DAGs' families are prepared once).

    Example
    -------
    >>> dags = np.zeros((2, 2, 2), bool); dags[1, 0, 1] = True
    >>> s = GraphSample(("X", "Y"), dags, np.array([0.5, 0.5]), 2, 2.0)
    >>> rng = np.random.default_rng(0); x = rng.normal(size=300)
    >>> y = np.c_[x, x + 0.3 * rng.normal(size=300)]
    >>> round(realised_information_gain(s, Evidence.empty(2), y), 3)   # log 2: certain now
    0.693
    >>> realised_information_gain(s, Evidence.empty(2), [y, y[:5]], [[], ["X"]]).round(2).tolist()
    [0.69, 0.0]
    """
    single = isinstance(data, np.ndarray) and data.ndim == 2
    sets = [data] if single else list(data)
    hits = [targets] if single else list(targets)
    if len(hits) != len(sets):
        raise CourseError(
            f"give one target list per data set: {len(sets)} data sets, {len(hits)} target lists"
        )
    model = _SupportModel(sample, evidence, alpha_mu, alpha_w)
    out = []
    for x, hit in zip(sets, hits, strict=True):
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != model.d:
            raise CourseError(f"data must have shape (samples, {model.d}), got {x.shape}")
        if not np.isfinite(x).all():
            raise CourseError("data contain NaN or infinite values")
        hit = [hit] if isinstance(hit, str) else list(hit)
        check_known(hit, sample.nodes, what="target", where="the nodes")
        keep = np.ones(model.d, dtype=bool)
        keep[[sample.nodes.index(t) for t in hit]] = False
        out.append(float(model.kl(model.log_lik(*_stats_after(evidence, x[None], keep)))[0]))
    return out[0] if single else np.array(out)
