"""Evaluation harness: run answerers on questions, tabulate accuracy with Wilson intervals, plot.

A failed answer (timeout, unparsable reply, refusal) counts as wrong and is flagged, so a
model cannot gain accuracy by failing on hard questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.llm.answerers import Answerer, AssociationalAnswerer
from causalcourse.llm.benchmark import Question, solve
from causalcourse.uncertainty import proportion_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "evaluate",
    "wilson_interval",
    "accuracy_table",
    "accuracy_pivot",
    "hallucination_rate",
    "error_rates",
    "plot_accuracy",
]


def evaluate(
    questions: Sequence[Question],
    answerers: Iterable[Answerer],
    csv_path: str | Path | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """One row per (answerer, question): truth, prediction, correct, failed, error, extraction
    check.

    Two columns describe the question, not the answer: ``identified`` (whether the stated graph
    and numbers determine the answer: the causal engine can compute it) and ``rung1_answer``
    (the answer that reading the question with conditional probabilities gives, the
    associational answerer's), which :func:`error_rates` needs.

    Saved as CSV to ``csv_path`` if given. ``progress`` shows a tqdm bar (off in notebooks).

    Example
    -------
    >>> from causalcourse.llm import generate_benchmark, CausalEngineAnswerer
    >>> r = evaluate(generate_benchmark(2, rungs=(1,)), [CausalEngineAnswerer()])
    >>> bool(r.correct.all()), len(r)
    (True, 6)
    """
    from tqdm import tqdm

    questions = list(questions)
    answerers = list(answerers)
    for q in questions:
        if not isinstance(q, Question):
            raise CourseError(f"evaluate needs benchmark Questions, got {type(q).__name__}")
    for candidate in answerers:
        if not callable(getattr(candidate, "answer", None)) or not hasattr(candidate, "name"):
            raise CourseError(
                f"an answerer needs a name and answer(question); {type(candidate).__name__} has not"
            )
    identified, rung1 = {}, {}
    for q in questions:
        try:
            solve(q.spec)
            identified[q.id] = True
        except (ValueError, KeyError):
            identified[q.id] = False
        rung1[q.id] = AssociationalAnswerer().answer(q).yes
    rows = []
    for answerer in answerers:
        for q in tqdm(questions, desc=answerer.name, disable=not progress):
            a = answerer.answer(q)
            rows.append(
                {
                    "answerer": answerer.name,
                    "id": q.id,
                    "rung": q.rung,
                    "query": q.query,
                    "shape": q.shape,
                    "variant": q.variant,
                    "truth": q.answer,
                    "identified": identified[q.id],
                    "rung1_answer": rung1[q.id],
                    "predicted": a.yes,
                    "correct": a.yes is not None and a.yes == q.answer,
                    "failed": a.failed,
                    "error": a.error or "",
                    "extra_edges": a.extraction.get("extra_edges", np.nan),
                    "missing_edges": a.extraction.get("missing_edges", np.nan),
                    "wrong_numbers": a.extraction.get("wrong_numbers", np.nan),
                }
            )
    results = pd.DataFrame(rows)
    if csv_path is not None:
        results.to_csv(csv_path, index=False)
    return results


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default), from statsmodels.

    A thin wrapper of :func:`causalcourse.uncertainty.proportion_interval` (statsmodels'
    ``proportion_confint``) at the level that ``z`` standard errors give.

    Example
    -------
    >>> tuple(round(v, 3) for v in wilson_interval(8, 10))
    (0.49, 0.943)
    """
    from scipy.stats import norm

    if not z > 0:
        raise CourseError(f"z must be positive, got {z!r}")
    interval = proportion_interval(successes, n, level=float(2 * norm.cdf(z) - 1))
    return interval.low, interval.high


def accuracy_table(results: pd.DataFrame, by: str | Sequence[str] = "rung") -> pd.DataFrame:
    """Accuracy per answerer and group(s) ``by``, with n, failures and a 95 % Wilson interval.

    Example
    -------
    >>> r = pd.DataFrame({"answerer": ["a"] * 4, "rung": [1, 1, 2, 2], "correct": [1, 1, 0, 1],
    ...     "failed": [0] * 4})
    >>> accuracy_table(r).accuracy.tolist()
    [1.0, 0.5]
    """
    keys = ["answerer", *([by] if isinstance(by, str) else by)]
    missing = [k for k in keys if k not in results.columns]
    if missing:
        raise UnknownNameError(
            f"results have no column(s) {missing}; columns are {list(results.columns)}"
        )
    rows = []
    for group, part in results.groupby(keys, sort=True):
        n, k = len(part), int(part.correct.sum())
        low, high = wilson_interval(k, n)
        rows.append(
            dict(
                zip(keys, group, strict=True),
                n=n,
                correct=k,
                failed=int(part.failed.sum()),
                accuracy=k / n,
                ci_low=low,
                ci_high=high,
            )
        )
    return pd.DataFrame(rows)


def accuracy_pivot(
    results: pd.DataFrame, by: str | Sequence[str] = "rung", digits: int = 2
) -> pd.DataFrame:
    """Accuracy per answerer (rows) and ``by`` value (columns) as text "0.66 [0.56, 0.75]"
    (the 95 % Wilson interval), for printing.

    Example
    -------
    >>> r = pd.DataFrame({"answerer": ["a"] * 4, "rung": [1, 1, 2, 2], "correct": [1, 1, 0, 1],
    ...     "failed": [0] * 4})
    >>> accuracy_pivot(r).loc["a", 2]
    '0.50 [0.09, 0.91]'
    """
    table = accuracy_table(results, by=by)
    table["text"] = [
        f"{a:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
        for a, lo, hi in zip(table.accuracy, table.ci_low, table.ci_high, strict=True)
    ]
    out = table.pivot(index="answerer", columns=by, values="text")
    out.index.name = None
    return out


ERROR_TYPES = {
    "edge not in the story": "extractions that assert an edge (or hidden common cause) the "
    "story does not state",
    "misread number": "extractions with a stated probability read wrongly",
    "wrong rung": "identified rung-2/3 effect questions, read correctly, whose conditional "
    "answer differs from the causal one: answered with the conditional",
    "confident when not identified": "questions the story does not determine: answered yes/no "
    "instead of declining",
}


def error_rates(results: pd.DataFrame) -> pd.DataFrame:
    """Four error types that matter for causal answers, per answerer, as rates with 95 % Wilson
    intervals over the questions that give the error a chance to occur (``n``).

    ``edge not in the story`` and ``misread number`` need extractions (translator answerers);
    ``wrong rung`` counts answers equal to the conditional-probability answer among identified
    rung-2/3 effect questions (not adjustment) where that answer is wrong, read correctly (a
    clean extraction, or no extraction); ``confident when not identified`` counts yes/no
    answers to questions the story does not determine (``identified`` is False). An error type
    without opportunities for an answerer is left out. ``evaluate`` provides every column.

    Example
    -------
    >>> r = pd.DataFrame({"answerer": ["a", "a"], "rung": [2, 2], "query": ["ate", "ate"],
    ...     "truth": [True, True], "predicted": [False, None], "rung1_answer": [False, False],
    ...     "identified": [True, False], "failed": [False, True], "extra_edges": [np.nan] * 2,
    ...     "missing_edges": [np.nan] * 2, "wrong_numbers": [np.nan] * 2})
    >>> error_rates(r)[["error", "n", "errors"]].values.tolist()
    [['wrong rung', 1, 1], ['confident when not identified', 1, 0]]
    """
    need = ["answerer", "rung", "query", "truth", "predicted", "rung1_answer", "identified",
            "failed", "extra_edges", "missing_edges", "wrong_numbers"]  # fmt: skip
    missing = [c for c in need if c not in results.columns]
    if missing:
        raise UnknownNameError(
            f"results have no column(s) {missing}; make them with evaluate "
            f"(columns are {list(results.columns)})"
        )
    rows = []
    for name, g in results.groupby("answerer", sort=False):
        extracted = g.dropna(subset=["extra_edges"])
        clean = g.extra_edges.fillna(0).eq(0) & g.missing_edges.fillna(0).eq(0)
        clean &= g.wrong_numbers.fillna(0).eq(0)
        rung = g[
            g.identified.astype(bool) & (g.rung > 1) & (g["query"] != "adjustment") & clean
            & (g.rung1_answer != g.truth)
        ]  # fmt: skip
        unidentified = g[~g.identified.astype(bool)]
        cases = {
            "edge not in the story": (extracted.extra_edges > 0),
            "misread number": (extracted.wrong_numbers > 0),
            "wrong rung": (rung.predicted == rung.rung1_answer) & ~rung.failed.astype(bool),
            "confident when not identified": ~unidentified.failed.astype(bool),
        }
        for error, hits in cases.items():
            if len(hits) == 0:
                continue
            k, n = int(hits.sum()), len(hits)
            low, high = wilson_interval(k, n)
            rows.append(
                {"answerer": name, "error": error, "n": n, "errors": k, "rate": k / n,
                 "ci_low": low, "ci_high": high}
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["answerer", "error", "n", "errors", "rate", "ci_low", "ci_high"]
    )


def hallucination_rate(results: pd.DataFrame) -> pd.DataFrame:
    """Per answerer with extractions: share of extractions with an extra edge, with a missing edge,
    mean wrong numbers.

    Example
    -------
    >>> r = pd.DataFrame({"answerer": ["t", "t"], "extra_edges": [1, 0], "missing_edges": [0, 0],
    ...     "wrong_numbers": [0, 2]})
    >>> hallucination_rate(r).extra_edge_rate.tolist()
    [0.5]
    """
    missing = [
        c
        for c in ("answerer", "extra_edges", "missing_edges", "wrong_numbers")
        if c not in results.columns
    ]
    if missing:
        raise UnknownNameError(
            f"results have no column(s) {missing}; columns are {list(results.columns)}"
        )
    part = results.dropna(subset=["extra_edges"])
    rows = []
    for name, g in part.groupby("answerer"):
        rows.append(
            {
                "answerer": name,
                "n": len(g),
                "extra_edge_rate": float((g.extra_edges > 0).mean()),
                "missing_edge_rate": float((g.missing_edges > 0).mean()),
                "mean_wrong_numbers": float(g.wrong_numbers.mean()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["answerer", "n", "extra_edge_rate", "missing_edge_rate", "mean_wrong_numbers"],
    )


def plot_accuracy(
    table: pd.DataFrame,
    by: str = "rung",
    ax: Axes | None = None,
    title: str | None = None,
    order: Sequence | None = None,
) -> Axes:
    """Grouped bars of accuracy per ``by`` value and answerer, with Wilson intervals and the 50 %
    line.

    Example
    -------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"answerer": ["a", "a"], "rung": [1, 2], "accuracy": [1.0, 0.5],
    ...     "ci_low": [0.8, 0.3], "ci_high": [1.0, 0.7]})
    >>> plot_accuracy(t, title="t").get_title()
    't'
    """
    import matplotlib.pyplot as plt

    missing = [
        c for c in ("answerer", by, "accuracy", "ci_low", "ci_high") if c not in table.columns
    ]
    if missing:
        raise UnknownNameError(
            f"the table has no column(s) {missing}; make it with accuracy_table "
            f"(columns are {list(table.columns)})"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    groups = list(order) if order is not None else list(dict.fromkeys(table[by]))
    names = list(dict.fromkeys(table.answerer))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        rows = table[table.answerer == name].set_index(by).reindex(groups)
        xs = np.arange(len(groups)) + (i - (len(names) - 1) / 2) * width
        err = np.vstack([rows.accuracy - rows.ci_low, rows.ci_high - rows.accuracy])
        ax.bar(xs, rows.accuracy, width=width, yerr=err, capsize=3, label=name)
    ax.axhline(0.5, color="grey", lw=1, ls="--")
    ax.set_xticks(np.arange(len(groups)), [f"{by} {g}" if by == "rung" else str(g) for g in groups])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (95 % Wilson interval)")
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title)
    return ax
