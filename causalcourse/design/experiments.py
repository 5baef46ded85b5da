"""Sequences of experiments on a ground truth: choose (by EIG, at random, or none), run, learn.

:func:`design_loop` starts from observational samples of a :class:`~causalcourse.design.LinearSEM`
and repeatedly picks an experiment by a strategy (:data:`STRATEGIES`), simulates it from the
truth and updates the exact posterior of a :class:`~causalcourse.design.StructureModel`,
recording how the posterior moves; :func:`experiments_to_reach` reads off when a threshold
was first reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from causalcourse.design.dags import ancestor_query
from causalcourse.design.posterior import StructureModel
from causalcourse.design.sem import LinearSEM
from causalcourse.errors import CourseError, UnknownNameError, check_known

__all__ = ["STRATEGIES", "design_loop", "experiments_to_reach"]

STRATEGIES = ("eig-graph", "eig-query", "random", "observational")
TIE_TOLERANCE = 1e-9  # EIGs this close to the largest count as tied


def _first_best(values: np.ndarray, tol: float = TIE_TOLERANCE) -> int:
    """Index of the first value within ``tol`` of the largest: a tie-break that does not
    depend on the last digits of the floats (an argmax over them can flip between machines)."""
    values = np.asarray(values, dtype=float)
    return int(np.flatnonzero(values >= values.max() - tol)[0])


def design_loop(
    truth: LinearSEM,
    strategy: str,
    rng: np.random.Generator,
    n_experiments: int = 8,
    batch_size: int = 10,
    n_initial: int = 50,
    n_draws: int = 16,
    query: tuple[str, str] | None = None,
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

    Ties are broken deterministically: the EIG strategies take the *first* node (in
    ``truth.nodes`` order) whose EIG is within :data:`TIE_TOLERANCE` (1e-9 nats) of the
    largest. Once the query is settled, several EIGs about it are zero up to rounding, and
    a plain argmax over them would depend on the machine's last digits.

    Example
    -------
    >>> from causalcourse.design import random_linear_sem
    >>> sem = random_linear_sem(("A", "B", "C"), np.random.default_rng(0))
    >>> log = design_loop(sem, "random", np.random.default_rng(1), n_experiments=2)
    >>> list(log.columns), len(log)
    (['step', 'target', 'p_true', 'expected_shd', 'entropy', 'p_query'], 3)
    """
    if not isinstance(truth, LinearSEM):
        raise CourseError(f"truth must be a LinearSEM, got {type(truth).__name__}")
    if strategy not in STRATEGIES:
        raise UnknownNameError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
    if strategy == "eig-query" and query is None:
        raise CourseError("strategy 'eig-query' needs query=(cause, effect)")
    if query is not None:
        check_known(query, truth.nodes, what="query node", where="the model")
    for name, value in (
        ("n_experiments", n_experiments),
        ("batch_size", batch_size),
        ("n_initial", n_initial),
        ("n_draws", n_draws),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseError(f"{name} must be a positive integer, got {value!r}")
    model = StructureModel(truth.nodes, edge_probs=edge_probs or {}).observe(
        truth.sample(n_initial, rng)
    )
    labels = None
    if query is not None:
        labels = ancestor_query(model.dags, model.index(query[0]), model.index(query[1]))
    is_true = (model.dags == truth.adjacency).all(axis=(1, 2))
    true_label = None if labels is None else labels[is_true][0]
    rows: list[dict[str, Any]] = []
    for step in range(n_experiments + 1):
        post = model.posterior()
        p_query = np.nan if labels is None else float(post.probs[labels == true_label].sum())
        rows.append(
            {
                "step": step,
                "target": rows[-1]["next"] if rows else "(start)",
                "p_true": post.prob(truth.adjacency),
                "expected_shd": post.expected_shd(truth.adjacency),
                "entropy": post.entropy(),
                "p_query": p_query,
            }
        )
        if step == n_experiments:
            break
        if strategy == "observational":
            target = None
        elif strategy == "random":
            target = truth.nodes[rng.integers(len(truth.nodes))]
        else:
            eig = model.expected_information_gain(
                truth.nodes,
                batch_size,
                rng,
                n_draws,
                query=labels if strategy == "eig-query" else None,
            )
            target = truth.nodes[_first_best(eig)]
        rows[-1]["next"] = target
        targets = [] if target is None else [target]
        model = model.observe(truth.sample(batch_size, rng, target=target), targets)
    return pd.DataFrame(rows).drop(columns="next", errors="ignore")[
        ["step", "target", "p_true", "expected_shd", "entropy", "p_query"]
    ]


def experiments_to_reach(log: pd.DataFrame, column: str, threshold: float) -> int:
    """First step at which ``log[column] >= threshold`` (the number of experiments); steps + 1 if
    never.

    Example
    -------
    >>> log = pd.DataFrame({"step": [0, 1, 2], "p_true": [0.2, 0.95, 0.99]})
    >>> experiments_to_reach(log, "p_true", 0.9)
    1
    """
    if column not in log or "step" not in log:
        missing = column if column not in log else "step"
        raise UnknownNameError(f"no column {missing!r} in the log; columns are {list(log.columns)}")
    hit = np.nonzero(log[column].to_numpy() >= threshold)[0]
    return int(log["step"].iloc[hit[0]]) if len(hit) else int(log["step"].max()) + 1
