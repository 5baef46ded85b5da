"""Answerers: anything with a ``name`` and ``answer(question) -> Answer``.

Three built-in answerers bracket what a language model can do: a rung-1 reasoner that
answers every question from conditional probabilities, a "world knowledge" reasoner that
ignores the story's numbers, and the causal engine (the upper bound, and the verifier).
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from causalcourse.errors import CourseError
from causalcourse.llm.benchmark import (
    TEMPLATES,
    THRESHOLD,
    Question,
    decide,
    prob,
    solve,
    stated_joint,
)

__all__ = [
    "Answer",
    "Answerer",
    "AssociationalAnswerer",
    "CommonsenseAnswerer",
    "CausalEngineAnswerer",
    "SloppyAnswerer",
]


def _question(question: object, who: str) -> Question:
    if not isinstance(question, Question):
        raise CourseError(f"{who}.answer needs a benchmark Question, got {type(question).__name__}")
    return question


def _norm(name: Any) -> str:
    return " ".join(str(name).lower().split())


def check_extraction(extracted: dict, truth: dict) -> dict:
    """Compare an extracted spec with the story's: extra and missing edges (hallucinations), wrong
    numbers.

    Confounded pairs count as edges (unordered). Names are compared case- and space-insensitively.

    Example
    -------
    >>> check_extraction({"edges": [["A", "B"], ["B", "C"]]}, {"edges": [["a", "b"]]})
    {'extra_edges': 1, 'missing_edges': 0, 'wrong_numbers': 0}
    """
    if not isinstance(extracted, dict) or not isinstance(truth, dict):
        raise CourseError(
            "check_extraction compares two spec dicts (the extracted one and the truth)"
        )

    def edge_set(spec: dict) -> set:
        edges = {(_norm(a), _norm(b)) for a, b in spec.get("edges") or []}
        return edges | {
            ("<->",) + tuple(sorted((_norm(a), _norm(b)))) for a, b in spec.get("confounded") or []
        }

    def numbers(spec: dict) -> dict:
        return {
            (
                _norm(e["variable"]),
                tuple(sorted((_norm(k), int(v)) for k, v in (e.get("given") or {}).items())),
            ): float(e["p"])
            for e in spec.get("numbers") or []
        }

    got, want = edge_set(extracted), edge_set(truth)
    try:
        got_n = numbers(extracted)
    except (KeyError, TypeError, ValueError, AttributeError):
        got_n = {}
    want_n = numbers(truth)
    wrong = sum(1 for k, p in want_n.items() if k not in got_n or abs(got_n[k] - p) > 0.005)
    return {
        "extra_edges": len(got - want),
        "missing_edges": len(want - got),
        "wrong_numbers": wrong,
    }



@dataclass
class Answer:
    """An answerer's reply: ``yes`` (None when it failed), optional ``value``, the ``error`` if any,
    the ``raw`` text and, for extracting answerers, an ``extraction`` check.

    Example
    -------
    >>> Answer(yes=None, error="timed out").failed
    True
    """

    yes: bool | None
    value: float | None = None
    error: str | None = None
    raw: str = ""
    extraction: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.yes is None


class Answerer(Protocol):
    """The interface of every answerer."""

    name: str

    def answer(self, question: Question) -> Answer: ...


class CausalEngineAnswerer:
    """Parses nothing but the structured query: answers with :func:`solve` on ``question.spec``.

    Example
    -------
    >>> from causalcourse.llm.benchmark import generate_benchmark
    >>> qs = generate_benchmark(4, seed=0)
    >>> all(CausalEngineAnswerer().answer(q).yes == q.answer for q in qs)
    True
    """

    name = "causal engine"

    def answer(self, question: Question) -> Answer:
        question = _question(question, type(self).__name__)
        try:
            yes, value = solve(question.spec)
        except (ValueError, KeyError) as error:
            return Answer(yes=None, error=f"engine: {error}")
        return Answer(yes=yes, value=value)


class AssociationalAnswerer:
    """A rung-1 reasoner: every causal quantity is read as its conditional-probability analogue.

    Effects (ATE, ETT, NDE, NIE) become P(Y|X=1) - P(Y|X=0); the unit counterfactual becomes
    P(Y|X=1); an adjustment is called valid only when it adjusts for every other variable.

    Example
    -------
    >>> from causalcourse.llm.benchmark import generate_benchmark
    >>> qs = generate_benchmark(4, seed=0, rungs=(1,))
    >>> all(AssociationalAnswerer().answer(q).yes == q.answer for q in qs)
    True
    """

    name = "associational"

    def answer(self, question: Question) -> Answer:
        spec = _question(question, type(self).__name__).spec
        q = spec["query"]
        kind, x, y, pol = q["type"], q["treatment"], q["outcome"], int(q["polarity"])
        try:
            order, joint = stated_joint(spec)
            if kind == "adjustment":
                others = {v for v in order if v not in (x, y)}
                return Answer(yes=set(q.get("adjust") or []) == others)
            if kind == "marginal":
                value = prob(order, joint, y)
            elif kind == "counterfactual":
                value = prob(order, joint, y, {x: 1})
            else:
                value = prob(order, joint, y, {x: 1}) - prob(order, joint, y, {x: 0})
        except (ValueError, KeyError) as error:
            return Answer(yes=None, error=f"associational: {error}")
        return Answer(yes=decide(value, THRESHOLD.get(kind, 0.0), pol), value=value)


def _default_beliefs() -> dict[tuple[str, str], int]:
    beliefs = {}
    for t in TEMPLATES:  # what "everybody knows": the treatment helps the outcome, via the mediator
        beliefs[(t["X"], t["Y"])] = beliefs[(t["X"], t["M"])] = beliefs[(t["M"], t["Y"])] = 1
    return beliefs


class CommonsenseAnswerer:
    """Ignores the story and its numbers; answers from beliefs about the *names* (cause, effect) ->
    sign.

    Effect questions get "yes" when the asked direction matches the belief; questions it has no
    belief for (base rates, adjustment, unknown names) get a fixed coin flip per question id.

    Example
    -------
    >>> from causalcourse.llm.benchmark import generate_benchmark
    >>> q = generate_benchmark(2, seed=0, rungs=(2,), variants=("commonsense",))[0]
    >>> CommonsenseAnswerer().answer(q).yes in (True, False)
    True
    """

    name = "commonsense"

    def __init__(self, beliefs: dict[tuple[str, str], int] | None = None) -> None:
        self.beliefs = _default_beliefs() if beliefs is None else dict(beliefs)
        for pair, sign in self.beliefs.items():
            if not (isinstance(pair, tuple) and len(pair) == 2) or sign not in (1, -1):
                raise CourseError(
                    f"each belief maps a (cause, effect) pair to +1 or -1, got {pair!r}: {sign!r}"
                )

    def answer(self, question: Question) -> Answer:
        question = _question(question, type(self).__name__)
        q = question.spec["query"]
        kind, pol = q["type"], int(q["polarity"])
        belief = self.beliefs.get((q["treatment"], q["outcome"]))
        if belief is None or kind in ("marginal", "adjustment"):
            return Answer(yes=zlib.crc32(question.id.encode()) % 2 == 0, raw="guess")
        return Answer(yes=pol == belief, raw="belief")


class SloppyAnswerer:
    """A translator-plus-engine answerer that makes four kinds of error at set rates.

    For each question it independently, with the given probabilities: asserts one edge the
    story does not state (``extra_edge``; a direct edge between two unlinked variables, or else a
    hidden common cause); misreads one stated probability (``wrong_number``; p becomes 1 - p, or
    p + 0.25 near one half); when its reading does not determine the answer, answers from
    the conditional P(Y | X=1) - P(Y | X=0) anyway instead of declining (``overconfident``);
    and, when it does, answers a rung-2 or rung-3 effect question from that conditional instead
    of the engine's value (``wrong_rung``). Otherwise the causal engine computes the answer
    from its (possibly wrong) reading. The
    draws depend only on ``seed`` and the question id, so the same question always gets the
    same errors. Hand-written for the chapter: it exists to test that
    :func:`~causalcourse.llm.harness.error_rates` recovers known rates.

    Example
    -------
    >>> from causalcourse.llm.benchmark import generate_benchmark
    >>> q = generate_benchmark(2, seed=0, rungs=(2,), variants=("nonsense",))[0]
    >>> SloppyAnswerer(extra_edge=1.0).answer(q).extraction["extra_edges"]
    1
    """

    def __init__(
        self,
        extra_edge: float = 0.0,
        wrong_number: float = 0.0,
        wrong_rung: float = 0.0,
        overconfident: float = 0.0,
        seed: int = 0,
        name: str = "sloppy",
    ) -> None:
        rates = {
            "extra_edge": extra_edge,
            "wrong_number": wrong_number,
            "wrong_rung": wrong_rung,
            "overconfident": overconfident,
        }
        for key, rate in rates.items():
            if not 0 <= rate <= 1:
                raise CourseError(f"{key} must be a probability in [0, 1], got {rate!r}")
        self.rates, self.seed, self.name = rates, int(seed), name

    def _misread(self, question: Question, draws: np.ndarray, rng: np.random.Generator) -> dict:
        spec = copy.deepcopy(question.spec)
        if draws[0] < self.rates["extra_edge"]:
            names = list(spec["variables"])
            linked = {frozenset(e) for e in spec["edges"]} | {
                frozenset(e) for e in spec["confounded"]
            }
            pairs = [
                [a, b] for i, a in enumerate(names) for b in names[i + 1 :]
                if frozenset((a, b)) not in linked
            ]  # fmt: skip
            if pairs:  # variables are listed in causal order: a new edge a -> b keeps a DAG
                spec["edges"].append(pairs[int(rng.integers(len(pairs)))])
            else:
                confounded = {frozenset(e) for e in spec["confounded"]}
                pairs = [
                    [a, b] for i, a in enumerate(names) for b in names[i + 1 :]
                    if frozenset((a, b)) not in confounded
                ]  # fmt: skip
                spec["confounded"].append(pairs[int(rng.integers(len(pairs)))])
        if draws[1] < self.rates["wrong_number"]:
            entry = spec["numbers"][int(rng.integers(len(spec["numbers"])))]
            p = float(entry["p"])
            entry["p"] = round(1 - p, 2) if abs(1 - 2 * p) > 0.1 else round(p + 0.25, 2)
        return spec

    def answer(self, question: Question) -> Answer:
        question = _question(question, type(self).__name__)
        rng = np.random.default_rng([self.seed, zlib.crc32(question.id.encode())])
        draws = rng.random(4)
        spec = self._misread(question, draws, rng)
        check = check_extraction(spec, question.spec)
        reread = Question(**{**question.__dict__, "spec": spec})
        try:
            yes, value = solve(spec)
        except (ValueError, KeyError) as error:
            if draws[3] < self.rates["overconfident"]:
                a = AssociationalAnswerer().answer(reread)
                return Answer(yes=a.yes, value=a.value, raw="overconfident", extraction=check)
            return Answer(yes=None, error=f"declined: {error}", extraction=check)
        kind = spec["query"]["type"]
        if question.rung > 1 and kind != "adjustment" and draws[2] < self.rates["wrong_rung"]:
            a = AssociationalAnswerer().answer(reread)
            return Answer(yes=a.yes, value=a.value, raw="wrong rung", extraction=check)
        return Answer(yes=yes, value=value, raw="engine", extraction=check)
