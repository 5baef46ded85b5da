"""The benchmark: random binary SCMs told as stories, asked at three rungs, answered exactly.

Each :class:`Question` carries its story and question text, the exact yes/no answer and
numeric value, and a structured ``spec`` (the variables, edges, stated probabilities and
the query) — what a perfect reader of the story would extract. :func:`solve` is the causal
engine that answers from a ``spec`` alone.

JSONL schema (one question per line, :func:`to_jsonl`): ``id`` (str), ``rung`` (1–3),
``query`` (marginal, conditional | ate, adjustment | ett, nde, nie, counterfactual),
``shape`` (chain, fork, collider, confounding, mediation, frontdoor, iv), ``variant``
(commonsense, anticommonsense, nonsense), ``story``, ``question`` (str), ``answer``
("yes"/"no"), ``value`` (the exact quantity asked about; for adjustment questions the
estimate that adjusting for the proposed set gives), ``threshold`` (what ``value`` is
compared with), ``spec`` (object: ``variables``, ``edges``, ``confounded``, ``numbers`` =
[{``variable``, ``given``, ``p``}], ``mechanisms`` (bool), ``query`` = {``type``,
``treatment``, ``outcome``, ``mediator``, ``adjust``, ``polarity``}), ``model`` (the true SCM,
hidden from answerers:
``parents`` and ``probs`` per variable — P(yes) for each parent setting, first parent most
significant — and ``latent`` variables; every variable is ``1[U < p(parents)]``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from causalcourse.data import MissingFileError
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.identification import identify_y0
from causalcourse.llm.exact import BinarySCM, is_backdoor_set, observed_graph

__all__ = [
    "Question",
    "SHAPES",
    "QUERIES",
    "VARIANTS",
    "TEMPLATES",
    "generate_benchmark",
    "unidentified_questions",
    "UNIDENTIFIED",
    "solve",
    "decide",
    "evaluate_estimand",
    "stated_joint",
    "prob",
    "adjustment_formula",
    "true_model",
    "to_jsonl",
    "read_jsonl",
]

SHAPES: dict[str, list[tuple[str, str]]] = {
    "chain": [("X", "M"), ("M", "Y")],
    "fork": [("Z", "X"), ("Z", "Y")],
    "collider": [("X", "C"), ("Y", "C")],
    "confounding": [("Z", "X"), ("Z", "Y"), ("X", "Y")],
    "mediation": [("Z", "X"), ("Z", "Y"), ("X", "M"), ("M", "Y"), ("X", "Y")],
    "frontdoor": [("U", "X"), ("U", "Y"), ("X", "M"), ("M", "Y")],
    "iv": [("I", "X"), ("U", "X"), ("U", "Y"), ("X", "Y")],
}
QUERIES: dict[int, tuple[str, ...]] = {
    1: ("marginal", "conditional"),
    2: ("ate", "adjustment"),
    3: ("ett", "nde", "nie", "counterfactual"),
}
VARIANTS = ("commonsense", "anticommonsense", "nonsense")
#: The rung of each query type.
QUERY_RUNG = {kind: rung for rung, kinds in QUERIES.items() for kind in kinds}
THRESHOLD = {"marginal": 0.5, "counterfactual": 0.5}  # every other query compares with 0
_OBSERVED = ("chain", "fork", "collider", "confounding", "mediation")
#: The shapes each query type is asked on. Effect questions (ate, ett, nde, nie, counterfactual)
#: use only shapes in which the treatment has that effect on the outcome, so every shape can give
#: both answers and the story variants mean what they say; fork and collider (no effect of X on
#: Y) and the instrument appear in rung-1 and adjustment questions. Adjustment questions skip the
#: front-door and instrument shapes, where no observed set is valid (the answer would be "no").
_SHAPES_FOR = {
    "marginal": tuple(SHAPES),
    "conditional": tuple(s for s in SHAPES if s != "collider"),  # X, Y independent there
    "adjustment": _OBSERVED,
    "ate": ("chain", "confounding", "mediation", "frontdoor"),
    "ett": ("chain", "confounding", "mediation"),
    "counterfactual": ("chain", "confounding", "mediation"),
    "nde": ("mediation",),
    "nie": ("chain", "mediation"),
}
#: Queries that are not identified from the story (hidden confounding, no mechanisms stated):
#: the probes of :func:`unidentified_questions`.
UNIDENTIFIED: dict[str, tuple[str, ...]] = {
    "ate": ("iv",),
    "counterfactual": ("frontdoor", "iv"),
}
#: Story names for each role; common sense says the treatment X raises the outcome Y
#: (and X -> M -> Y).
TEMPLATES: list[dict[str, str]] = [
    {
        "X": "smoking",
        "Y": "lung cancer",
        "Z": "old age",
        "M": "tar in the lungs",
        "C": "hospital admission",
        "I": "a low cigarette price",
    },
    {
        "X": "vaccination",
        "Y": "immunity",
        "Z": "health awareness",
        "M": "antibodies",
        "C": "a clinic visit",
        "I": "a free vaccine voucher",
    },
    {
        "X": "studying",
        "Y": "passing the exam",
        "Z": "motivation",
        "M": "subject knowledge",
        "C": "a scholarship",
        "I": "a library nearby",
    },
    {
        "X": "fertiliser",
        "Y": "a high crop yield",
        "Z": "farm wealth",
        "M": "soil nitrogen",
        "C": "a harvest prize",
        "I": "a fertiliser subsidy",
    },
    {
        "X": "regular exercise",
        "Y": "fitness",
        "Z": "free time",
        "M": "muscle strength",
        "C": "sports-club selection",
        "I": "a park nearby",
    },
]
_NONSENSE = (
    "blicket",
    "wug",
    "zorpity",
    "fep",
    "glimmex",
    "quaxel",
    "dax",
    "tove",
    "snarp",
    "vorl",
)
MARGIN = 0.04  # yes/no answers are at least this far from their threshold (or exactly on it: "no")


@dataclass(frozen=True)
class Question:
    """One benchmark item; ``answer`` is the exact yes/no answer, ``value`` the exact quantity.

    Example
    -------
    >>> q = generate_benchmark(n_per_cell=2, seed=1, rungs=(1,), variants=("nonsense",))[0]
    >>> q.rung, q.answer in (True, False), q.prompt.endswith("?")
    (1, True, True)
    """

    id: str
    rung: int
    query: str
    shape: str
    variant: str
    story: str
    question: str
    answer: bool
    value: float
    threshold: float
    spec: dict
    model: dict

    @property
    def prompt(self) -> str:
        return f"{self.story}\n\n{self.question}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = "yes" if self.answer else "no"
        return d


# --- the causal engine: answer from a spec alone ------------------------------------------
def stated_joint(spec: Mapping) -> tuple[list[str], dict[tuple[int, ...], float]]:
    """Joint distribution of the observed variables implied by the stated probabilities.

    Each stated number is P(variable = yes | given); a variable's ``given`` sets must all name
    the same variables. Raises :class:`~causalcourse.errors.CourseError` naming a variable
    whose probabilities are missing.

    Example
    -------
    >>> spec = {"numbers": [{"variable": "A", "given": {}, "p": 0.5},
    ...                     {"variable": "B", "given": {"A": 1}, "p": 0.8},
    ...                     {"variable": "B", "given": {"A": 0}, "p": 0.2}]}
    >>> order, joint = stated_joint(spec); order, round(joint[(1, 1)], 6)
    (['A', 'B'], 0.4)
    """
    tables: dict[str, dict[tuple, float]] = {}
    conds: dict[str, tuple[str, ...]] = {}
    for entry in spec.get("numbers", []):
        v, given, p = str(entry["variable"]), dict(entry.get("given") or {}), float(entry["p"])
        if not 0 <= p <= 1:
            raise CourseError(f"probability {p} for {v!r} is not in [0, 1]")
        keys = tuple(sorted(given))
        if conds.setdefault(v, keys) != keys:
            raise CourseError(
                f"the probabilities of {v!r} condition on different variables: "
                f"{list(conds[v])} and {list(keys)}"
            )
        tables.setdefault(v, {})[tuple(int(given[k]) for k in keys)] = p
    deps = nx.DiGraph()
    deps.add_nodes_from(tables)
    for v, keys in conds.items():
        for k in keys:
            if k not in tables:
                raise CourseError(
                    f"{v!r} is conditioned on {k!r}, whose probability is never stated"
                )
            deps.add_edge(k, v)
    if not nx.is_directed_acyclic_graph(deps):
        raise CourseError("the stated probabilities condition in a circle")
    order = list(nx.lexicographical_topological_sort(deps))
    joint: dict[tuple[int, ...], float] = {}
    for values in itertools.product((0, 1), repeat=len(order)):
        row = dict(zip(order, values, strict=True))
        p = 1.0
        for v in order:
            key = tuple(row[k] for k in conds[v])
            if key not in tables[v]:
                raise CourseError(
                    f"no probability stated for {v!r} given {dict(zip(conds[v], key, strict=True))}"
                )
            p *= tables[v][key] if row[v] else 1 - tables[v][key]
        joint[values] = p
    return order, joint


def prob(
    order: Sequence[str],
    joint: Mapping[tuple, float],
    y: str,
    given: Mapping[str, int] | None = None,
) -> float:
    """P(y = 1 | given) from a joint table keyed by values in ``order``.

    Example
    -------
    >>> prob(["A"], {(0,): 0.25, (1,): 0.75}, "A")
    0.75
    """
    for name in [y, *(given or {})]:
        if name not in order:
            raise UnknownNameError(f"unknown variable {name!r}; the story has {list(order)}")
    idx = {v: i for i, v in enumerate(order)}
    num = den = 0.0
    for values, p in joint.items():
        if all(values[idx[k]] == val for k, val in (given or {}).items()):
            den += p
            num += p * values[idx[y]]
    if den <= 0:
        raise CourseError(f"cannot condition on {dict(given or {})}: it has probability zero")
    return num / den


def adjustment_formula(
    order: Sequence[str], joint: Mapping[tuple, float], x: str, y: str, adjust: Sequence[str]
) -> float:
    """Sum over s of P(s) [P(y=1 | x=1, s) - P(y=1 | x=0, s)]: the effect *if* ``adjust`` is a valid
    set.

    Example
    -------
    >>> order, joint = stated_joint({"numbers": [
    ...     {"variable": "Z", "given": {}, "p": 0.5},
    ...     {"variable": "X", "given": {"Z": 0}, "p": 0.2}, {"variable": "X", "given": {"Z": 1},
    ...     "p": 0.8},
    ...     {"variable": "Y", "given": {"X": 0, "Z": 0}, "p": 0.6}, {"variable": "Y",
    ...     "given": {"X": 0, "Z": 1}, "p": 0.2},
    ...     {"variable": "Y", "given": {"X": 1, "Z": 0}, "p": 0.8}, {"variable": "Y",
    ...     "given": {"X": 1, "Z": 1}, "p": 0.4}]})
    >>> round(adjustment_formula(order, joint, "X", "Y", ["Z"]), 6), round(adjustment_formula(order,
    ...     joint, "X", "Y", []), 6)
    (0.2, -0.04)
    """
    adjust = list(adjust)
    for name in [x, y, *adjust]:
        if name not in order:
            raise UnknownNameError(f"unknown variable {name!r}; the story has {list(order)}")
    total = 0.0
    for s in itertools.product((0, 1), repeat=len(adjust)):
        cond = dict(zip(adjust, s, strict=True))
        ps = sum(
            p
            for values, p in joint.items()
            if all(values[order.index(k)] == v for k, v in cond.items())
        )
        if ps > 0:
            total += ps * (
                prob(order, joint, y, {**cond, x: 1}) - prob(order, joint, y, {**cond, x: 0})
            )
    return total


def evaluate_estimand(
    expression: Any, order: Sequence[str], joint: Mapping[tuple, float], values: Mapping[str, int]
) -> float:
    """The value of a y0 estimand on a joint table of binary variables.

    ``expression`` is what :func:`causalcourse.identification.identify_y0` returns (sums,
    products, fractions and probabilities of observed variables); ``values`` sets its free
    variables (e.g. the treatment and the outcome); each ``Sum`` binds its own variables
    and runs over their values 0 and 1.

    Example
    -------
    >>> from causalcourse.identification import identify_y0
    >>> from causalcourse.llm.exact import observed_graph
    >>> order, joint = ["Z", "X", "Y"], {(z, x, y): 0.125 for z in (0, 1) for x in (0,
    ...     1) for y in (0, 1)}
    >>> estimand = identify_y0(observed_graph([("Z", "X"), ("Z", "Y"), ("X", "Y")]), "X", "Y")
    >>> evaluate_estimand(estimand, order, joint, {"X": 1, "Y": 1})
    0.5
    """
    from y0.dsl import Fraction, One, Probability, Product, Sum, Zero

    index = {v: i for i, v in enumerate(order)}

    def mass(fixed: Mapping[str, int]) -> float:
        return sum(
            p for row, p in joint.items() if all(row[index[k]] == v for k, v in fixed.items())
        )

    def value(e: Any, assign: Mapping[str, int]) -> float:
        if isinstance(e, Sum):
            names = [str(v) for v in e.ranges]
            return sum(
                value(e.expression, {**assign, **dict(zip(names, bits, strict=True))})
                for bits in itertools.product((0, 1), repeat=len(names))
            )
        if isinstance(e, Product):
            out = 1.0
            for term in e.expressions:
                out *= value(term, assign)
            return out
        if isinstance(e, Fraction):
            return value(e.numerator, assign) / value(e.denominator, assign)
        if isinstance(e, One):
            return 1.0
        if isinstance(e, Zero):
            return 0.0
        if isinstance(e, Probability):
            children = [str(v) for v in e.distribution.children]
            parents = [str(v) for v in e.distribution.parents]
            free = [v for v in children + parents if v not in assign]
            if free:
                raise CourseError(f"the estimand leaves {free} unset; give them in values")
            unknown = [v for v in children + parents if v not in index]
            if unknown:
                raise UnknownNameError(
                    f"the estimand names {unknown}, not in the table {list(order)}"
                )
            given = mass({v: assign[v] for v in parents})
            if given <= 0:
                raise CourseError(
                    f"the estimand conditions on {parents}, which has probability zero"
                )
            return mass({v: assign[v] for v in children + parents}) / given
        raise CourseError(f"cannot evaluate the y0 term {e} ({type(e).__name__})")

    return float(value(expression, dict(values)))


def _identified_ate(
    graph: nx.DiGraph, order: Sequence[str], joint: Mapping[tuple, float], x: str, y: str
) -> float:
    """P(y=1 | do(x=1)) - P(y=1 | do(x=0)) from y0's estimand of the stated graph."""
    estimand = identify_y0(graph, x, y)
    if estimand is None:
        raise CourseError(
            f"the effect of {x!r} on {y!r} is not identified from the stated graph "
            "(y0's ID algorithm finds no estimand)"
        )
    return evaluate_estimand(estimand, order, joint, {x: 1, y: 1}) - evaluate_estimand(
        estimand, order, joint, {x: 0, y: 1}
    )


def _scm_from_mechanisms(spec: Mapping, order: Sequence[str]) -> BinarySCM:
    parents: dict[str, list[str]] = {v: [] for v in order}
    for a, b in spec.get("edges", []):
        parents[b].append(a)
    probs = {}
    for v in order:
        ps = sorted(parents[v], key=order.index)
        table = {
            tuple(int(e["given"][k]) for k in ps): float(e["p"])
            for e in spec["numbers"]
            if e["variable"] == v and set(e.get("given") or {}) == set(ps)
        }
        if len(table) != 2 ** len(ps):
            raise CourseError(f"the numbers for {v!r} are not its mechanism given its causes {ps}")
        probs[v] = [table[c] for c in itertools.product((0, 1), repeat=len(ps))]
        parents[v] = ps
    return BinarySCM(parents, probs)


def solve(spec: Mapping) -> tuple[bool, float]:
    """The causal engine: the yes/no answer and the value of ``spec['query']``, from the spec alone.

    Rung 1 reads the stated joint; rung 2 identifies the effect with y0's ID algorithm and
    evaluates its estimand on the stated joint (:func:`evaluate_estimand`), or checks the
    backdoor criterion for a proposed adjustment set; rung 3 needs the numbers to be the
    mechanisms of a model without hidden confounders, and enumerates its response types.
    Raises :class:`~causalcourse.errors.CourseError` when the spec does not determine the
    answer and :class:`~causalcourse.errors.UnknownNameError` for a name it does not state.

    Example
    -------
    >>> q = generate_benchmark(n_per_cell=8, seed=3, rungs=(3,), variants=("commonsense",))[0]
    >>> solve(q.spec)[0] == q.answer
    True
    """
    if not isinstance(spec, Mapping) or not isinstance(spec.get("query"), Mapping):
        raise UnknownNameError(
            "the spec has no 'query' object (keys: type, treatment, outcome, ...)"
        )
    q = spec["query"]
    for key in ("type", "outcome"):
        if key not in q:
            raise UnknownNameError(f"the query has no {key!r}; it has {sorted(q)}")
    kind, y = q["type"], q["outcome"]
    x, pol = q.get("treatment"), int(q.get("polarity", 1))
    order, joint = stated_joint(spec)
    for pair in [*spec.get("edges", []), *spec.get("confounded", [])]:
        for name in pair:
            if name not in order:
                raise UnknownNameError(
                    f"the graph names {name!r}, but the story states no probability for it"
                )
    graph = observed_graph(spec.get("edges", []), spec.get("confounded", []), order)
    for name in (x, y, q.get("mediator"), *(q.get("adjust") or [])):
        if name is not None and name not in order:
            raise UnknownNameError(
                f"the query names {name!r}, which is not a variable of the story {order}"
            )
    if kind == "marginal":
        value = prob(order, joint, y)
    elif kind == "conditional":
        value = prob(order, joint, y, {x: 1}) - prob(order, joint, y, {x: 0})
    elif kind == "ate":
        value = _identified_ate(graph, order, joint, x, y)
    elif kind == "adjustment":
        adjust = list(q.get("adjust") or [])
        return is_backdoor_set(graph, x, y, adjust), adjustment_formula(order, joint, x, y, adjust)
    elif kind in ("ett", "nde", "nie", "counterfactual"):
        if spec.get("confounded") or not spec.get("mechanisms"):
            raise CourseError(
                f"a {kind} query needs the mechanisms of a model without hidden confounders"
            )
        model = _scm_from_mechanisms(spec, order)
        m = q.get("mediator")
        value = {
            "ett": lambda: model.ett(x, y),
            "counterfactual": lambda: model.counterfactual(x, y),
            "nde": lambda: model.nde(x, m, y),
            "nie": lambda: model.nie(x, m, y),
        }[kind]()
    else:
        raise UnknownNameError(f"unknown query type {kind!r}")
    return decide(value, THRESHOLD.get(kind, 0.0), pol), value


def decide(value: float, threshold: float, polarity: int) -> bool:
    """The yes/no answer: does ``value`` exceed ``threshold`` in the asked direction?

    ``polarity`` is 1 for "more / increase" and -1 for "less / decrease"; a value on the
    threshold (within 1e-9) is "no".

    Example
    -------
    >>> decide(0.2, 0.0, 1), decide(0.2, 0.0, -1), decide(0.5, 0.5, 1)
    (True, False, False)
    """
    if polarity not in (1, -1):
        raise CourseError(f"polarity must be 1 or -1, got {polarity!r}")
    return polarity * (value - threshold) > 1e-9


# --- the generator ------------------------------------------------------------------------
def _draw_model(shape: str, sign: int, rng: np.random.Generator) -> BinarySCM:
    edges = SHAPES[shape]
    roles = list(nx.lexicographical_topological_sort(nx.DiGraph(edges)))
    parents = {v: sorted([a for a, b in edges if b == v], key=roles.index) for v in roles}
    probs = {}
    for v in roles:
        base = rng.uniform(0.15, 0.85)
        coef = []
        for p in parents[v]:
            if p == "X" or (p, v) == ("M", "Y"):  # the causal path: its sign is the story's
                edge_sign = (sign or rng.choice((-1, 1))) if p == "X" else 1
                coef.append(edge_sign * rng.uniform(0.1, 0.4))
            else:  # confounders and instruments push either way, often strongly
                coef.append(rng.choice((-1, 1)) * rng.uniform(0.25, 0.65))
        table = [
            base + sum(c * bit for c, bit in zip(coef, bits, strict=True))
            for bits in itertools.product((0, 1), repeat=len(coef))
        ]
        probs[v] = np.round(np.clip(table, 0.05, 0.95), 2)
    return BinarySCM(parents, probs, latent=frozenset({"U"}) & set(roles))


def _pct(p: float) -> str:
    return f"{round(100 * p):d}%"


def _story(shape, model, names, numbers, mechanisms) -> str:
    observed = [v for v in model.order if v not in model.latent]
    listed = ", ".join(names[v] for v in observed)
    lines = [
        f"Imagine a self-contained, hypothetical world with only these yes/no variables: {listed}."
    ]
    for a, b in SHAPES[shape]:
        if a != "U":
            lines.append(f"{names[a][0].upper() + names[a][1:]} has a direct effect on {names[b]}.")
    if "U" in model.order:
        a, b = [w for u, w in SHAPES[shape] if u == "U"]
        lines.append(f"An unobserved factor has a direct effect on both {names[a]} and {names[b]}.")
    lines.append("Nothing else affects these variables except independent chance.")
    for e in numbers:
        v = e["variable"]
        if e["given"]:
            cond = " and ".join(f"{k} = {'yes' if val else 'no'}" for k, val in e["given"].items())
            lines.append(f"For units with {cond}, the probability of {v} = yes is {_pct(e['p'])}.")
        else:
            lines.append(f"The overall probability of {v} = yes is {_pct(e['p'])}.")
    if mechanisms:
        lines.append(
            "Each variable is set by its own independent noise: a unit has a variable = yes "
            "exactly when "
            "its noise value for it, uniform between 0 and 1, is below the stated probability for "
            "the "
            "values of its causes."
        )
    else:
        lines.append("These probabilities were measured in a large observational survey.")
    return " ".join(lines)


def _question_text(kind, n, polarity, adjust) -> str:
    more = "more" if polarity > 0 else "less"
    x, y = n.get("X"), n.get("Y")
    if kind == "marginal":
        return f"Is the overall probability of {y} = yes {more} than 50%?"
    if kind == "conditional":
        return (
            f"Is {y} = yes {more} likely among units with {x} = yes than among units with {x} = no?"
        )
    if kind == "ate":
        verb = "increase" if polarity > 0 else "decrease"
        return (
            f"If we set {x} = yes for everyone, instead of {x} = no for everyone, would the "
            "probability "
            f"of {y} = yes {verb}?"
        )
    if kind == "adjustment":
        how = (
            f"within groups of equal {' and '.join(adjust)}"
            if adjust
            else "without adjusting for anything"
        )
        return (
            f"To estimate the causal effect of {x} on {y} from observational data, is it valid to "
            "compare "
            f"units with {x} = yes and {x} = no {how}?"
        )
    if kind == "ett":
        return (
            f"Among units that actually have {x} = yes, is {y} = yes {more} likely than it would "
            "have been "
            f"had they had {x} = no?"
        )
    m = n.get("M")
    if kind == "nde":
        return (
            f"Keeping {m} at the value it would take with {x} = no, would switching {x} from no to "
            "yes make "
            f"{y} = yes {more} likely (the natural direct effect)?"
        )
    if kind == "nie":
        return (
            f"Keeping {x} = no, would changing {m} to the value it would take with {x} = yes make "
            f"{y} = yes {more} likely (the natural indirect effect)?"
        )
    return (
        f"Take a unit with {x} = no and {y} = no. Is the probability that {y} would have been yes, "
        f"had {x} been yes, {more} than 50%?"
    )


def _truth(model: BinarySCM, kind: str, adjust: Sequence[str]) -> float:
    if kind == "marginal":
        return model.prob("Y")
    if kind == "conditional":
        return model.prob("Y", {"X": 1}) - model.prob("Y", {"X": 0})
    if kind == "adjustment":
        joint = model.observed_joint()
        order = [v for v in model.order if v not in model.latent]
        return adjustment_formula(order, joint, "X", "Y", list(adjust))
    return {
        "ate": lambda: model.ate("X", "Y"),
        "ett": lambda: model.ett("X", "Y"),
        "counterfactual": lambda: model.counterfactual("X", "Y"),
        "nde": lambda: model.nde("X", "M", "Y"),
        "nie": lambda: model.nie("X", "M", "Y"),
    }[kind]()


def _numbers(model: BinarySCM, names: Mapping[str, str]) -> tuple[list[dict], bool]:
    observed = [v for v in model.order if v not in model.latent]
    out = []
    if not model.latent:  # the numbers are the mechanisms themselves (exact)
        for v in observed:
            ps = model.parents[v]
            for code, bits in enumerate(itertools.product((0, 1), repeat=len(ps))):
                given = dict(zip(ps, bits, strict=True))
                out.append({"variable": v, "given": given, "p": float(model.probs[v][code])})
        mechanisms = True
    else:  # observational conditionals given every earlier observed variable, to whole percent
        for i, v in enumerate(observed):
            for bits in itertools.product((0, 1), repeat=i):
                given = dict(zip(observed[:i], bits, strict=True))
                out.append({"variable": v, "given": given, "p": round(model.prob(v, given), 2)})
        mechanisms = False
    named = [
        {
            "variable": names[e["variable"]],
            "given": {names[k]: b for k, b in e["given"].items()},
            "p": e["p"],
        }
        for e in out
    ]
    return named, mechanisms


def _propose(rung, kind, variant, target, rng, qid, shape) -> Question | None:
    sign = {"commonsense": 1, "anticommonsense": -1}.get(
        variant, 0
    )  # 0: each edge of X its own sign
    model = _draw_model(shape, sign, rng)
    if variant == "nonsense":
        picked = rng.choice(_NONSENSE, size=6, replace=False)
        names = dict(zip("XYZMCI", map(str, picked), strict=True))
    else:
        names = dict(TEMPLATES[int(rng.integers(len(TEMPLATES)))])
    observed = [v for v in model.order if v not in model.latent]
    adjust: list[str] = []
    if kind == "adjustment":
        options = [[]] + [[v] for v in observed if v not in ("X", "Y")]
        adjust = options[int(rng.integers(len(options)))]
    polarity = int(rng.choice((-1, 1)))
    value = _truth(model, kind, adjust)
    threshold = THRESHOLD.get(kind, 0.0)
    if kind == "adjustment":
        graph = observed_graph(
            [e for e in SHAPES[shape] if "U" not in e],
            [[a for u, a in SHAPES[shape] if u == "U"]] if model.latent else [],
            observed,
        )
        answer = is_backdoor_set(graph, "X", "Y", adjust)
    else:
        gap = abs(value - threshold)
        if 1e-9 < gap < MARGIN:
            return None
        answer = decide(value, threshold, polarity)
    if answer != target:
        return None
    numbers, mechanisms = _numbers(model, names)
    confounded = [[names[a] for u, a in SHAPES[shape] if u == "U"]] if model.latent else []
    spec = {
        "variables": [names[v] for v in observed],
        "edges": [[names[a], names[b]] for a, b in SHAPES[shape] if a != "U"],
        "confounded": confounded,
        "numbers": numbers,
        "mechanisms": mechanisms,
        "query": {
            "type": kind,
            "treatment": names["X"],
            "outcome": names["Y"],
            "mediator": names["M"] if kind in ("nde", "nie") else None,
            "adjust": [names[a] for a in adjust],
            "polarity": polarity,
        },
    }
    full = {**names, "U": "unobserved factor"}
    truth_model = {
        "parents": {full[v]: [full[p] for p in model.parents[v]] for v in model.order},
        "probs": {full[v]: [float(p) for p in model.probs[v]] for v in model.order},
        "latent": [full[v] for v in sorted(model.latent)],
    }
    return Question(
        qid,
        rung,
        kind,
        shape,
        variant,
        _story(shape, model, names, numbers, mechanisms),
        _question_text(kind, names, polarity, [names[a] for a in adjust]),
        bool(answer),
        float(value),
        threshold,
        spec,
        truth_model,
    )


def _cell(rung, kind_shapes, variant, n, rng, prefix) -> list[Question]:
    """``n`` questions of one (rung, variant): query types take turns in yes/no pairs, and each
    type cycles through its shapes pair by pair, so every (query, shape) has as many yes as no."""
    kinds = list(kind_shapes)
    out = []
    for i in range(n):
        kind, target = kinds[(i // 2) % len(kinds)], i % 2 == 0
        shapes = kind_shapes[kind]
        shape = shapes[(i // (2 * len(kinds))) % len(shapes)]
        qid = f"{prefix}{rung}-{variant}-{i:03d}"
        for _ in range(2000):
            q = _propose(rung, kind, variant, target, rng, qid, shape)
            if q is not None:
                out.append(q)
                break
        else:  # pragma: no cover - every (query, shape) used gives both answers
            raise RuntimeError(
                f"could not generate a {kind} question on {shape} with answer {target} ({variant})"
            )
    return out


def _check_variants(variants: Iterable[str]) -> list[str]:
    variants = list(variants)
    for variant in variants:
        if variant not in VARIANTS:
            raise UnknownNameError(f"unknown story variant {variant!r}; variants are {VARIANTS}")
    return variants


def generate_benchmark(
    n_per_cell: int = 24,
    seed: int = 0,
    rungs: Iterable[int] = (1, 2, 3),
    variants: Iterable[str] = VARIANTS,
) -> list[Question]:
    """Generate ``n_per_cell`` questions for every (rung, story variant), half of them "yes".

    ``n_per_cell`` is the one size parameter: 3 rungs x 3 variants x ``n_per_cell`` questions.
    Within a cell the query types of the rung take turns in yes/no pairs, and each query type
    cycles through its shapes pair by pair, so every (rung, variant, query, shape) has as many
    yes as no answers; ``n_per_cell`` must therefore be even (an odd size raises a
    :class:`CourseError` rather than return an unbalanced set). Seeded: same arguments, same
    questions; a larger ``n_per_cell`` with the same seed gives a different (not a longer) list.

    Example
    -------
    >>> qs = generate_benchmark(n_per_cell=4, seed=0)
    >>> len(qs), sum(q.answer for q in qs)
    (36, 18)
    """
    if n_per_cell < 1:
        raise CourseError(f"n_per_cell must be at least 1, got {n_per_cell}")
    if n_per_cell % 2:
        raise CourseError(
            f"n_per_cell must be even (half yes, half no in every cell), got {n_per_cell}"
        )
    rng = np.random.default_rng(seed)
    rungs = list(rungs)
    for rung in rungs:
        if rung not in QUERIES:
            raise UnknownNameError(f"unknown rung {rung!r}; rungs are 1, 2 and 3")
    variants = _check_variants(variants)
    out = []
    for rung in rungs:
        kind_shapes = {kind: _SHAPES_FOR[kind] for kind in QUERIES[rung]}
        for variant in variants:
            out += _cell(rung, kind_shapes, variant, n_per_cell, rng, "r")
    return out


def unidentified_questions(
    n_per_variant: int = 8, seed: int = 0, variants: Iterable[str] = VARIANTS
) -> list[Question]:
    """Probes whose answer is *not* identified from the story: the ATE with an instrument and a
    hidden confounder, and unit-level counterfactuals in stories that state survey numbers only.

    The true model has an exact answer (``answer``, ``value``), but the stated graph and numbers
    do not determine it, so the right reply is "cannot tell" (the causal engine declines). Ids
    start with ``u``; answers and query types are balanced as in :func:`generate_benchmark`.

    Example
    -------
    >>> qs = unidentified_questions(4, seed=0, variants=("nonsense",))
    >>> len(qs), sorted({q.query for q in qs}), qs[0].id
    (4, ['ate', 'counterfactual'], 'u2-nonsense-000')
    """
    if n_per_variant < 1:
        raise CourseError(f"n_per_variant must be at least 1, got {n_per_variant}")
    rng = np.random.default_rng(seed)
    variants = _check_variants(variants)
    out = []
    for variant in variants:
        cell = _cell(0, UNIDENTIFIED, variant, n_per_variant, rng, "u")
        for q in cell:
            rung = QUERY_RUNG[q.query]
            out.append(
                Question(
                    q.id.replace("u0-", f"u{rung}-", 1), rung, q.query, q.shape, q.variant,
                    q.story, q.question, q.answer, q.value, q.threshold, q.spec, q.model,
                )
            )  # fmt: skip
    return out


def true_model(question: Question) -> BinarySCM:
    """The question's true SCM (with its latent variables) as an exactly solvable
    :class:`BinarySCM`.

    Example
    -------
    >>> q = generate_benchmark(2, seed=0, rungs=(1,), variants=("nonsense",))[0]
    >>> m = true_model(q)
    >>> abs(m.prob(q.spec["query"]["outcome"]) - q.value) < 1e-12 if q.query == "marginal" else True
    True
    """
    if not isinstance(question, Question):
        raise CourseError(f"true_model needs a Question, got {type(question).__name__}")
    m = question.model
    return BinarySCM(m["parents"], m["probs"], latent=frozenset(m["latent"]))


def to_jsonl(questions: Iterable[Question], path: str | Path) -> Path:
    """Write questions as JSON lines (schema in the module docstring); returns the path.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = to_jsonl(generate_benchmark(2, rungs=(1,), variants=("nonsense",)),
    ...     pathlib.Path(tempfile.mkdtemp()) / "b.jsonl")
    >>> len(read_jsonl(p))
    2
    """
    questions = list(questions)
    for q in questions:
        if not isinstance(q, Question):
            raise CourseError(f"to_jsonl writes Question objects, got {type(q).__name__}")
    path = Path(path)
    with path.open("w") as handle:
        for q in questions:
            handle.write(json.dumps(q.to_dict(), sort_keys=True) + "\n")
    return path


def read_jsonl(path: str | Path) -> list[Question]:
    """Read questions written by :func:`to_jsonl`; a line that is not a question raises
    ``CourseError``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> qs = generate_benchmark(2, rungs=(3,), variants=("commonsense",))
    >>> read_jsonl(to_jsonl(qs, pathlib.Path(tempfile.mkdtemp()) / "b.jsonl")) == qs
    True
    """
    if not Path(path).is_file():
        raise MissingFileError(f"benchmark file {path} is missing")
    out = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            d["answer"] = {"yes": True, "no": False}[d["answer"]]
            out.append(Question(**d))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CourseError(
                f"{path}, line {number}: not a benchmark question ({error})"
            ) from None
    return out
