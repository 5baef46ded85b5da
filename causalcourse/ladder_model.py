"""A small decoder-only transformer trained on rows of an SCM and probed on each rung (chapter 15).

The lesson of chapter 15 is the model and its attention mask, so both are hand-written here
(PyTorch); the ground truth is not: exact answers come from the response-type enumeration of
:class:`causalcourse.llm.exact.BinarySCM` and training rows are sampled with the SCM class of
chapter 03, :class:`causalcourse.scm.SCM` (tests check one against the other).

- :class:`World` and :func:`chapter_world` — a binary SCM, the columns its rows list, and
  the graph over those columns; :func:`interventional_probability` and
  :func:`counterfactual_probability` answer rungs 1-3 exactly on any :class:`BinarySCM`.
- :func:`training_rows` — regime A (observational rows), B (half of them from a randomised
  experiment on one variable, marked ``do X``) and C (factual rows paired with the same unit's
  counterfactual row).
- :class:`RowFormat` — the tokens: ``do ∅ M 1 X 0 Y 1 Z 0`` is an observational row,
  ``do X M 1 X 0 ...`` a row in which X was set by the experimenter.
- :func:`causal_mask` (the usual lower-triangular mask) and :func:`graph_mask` (a variable's
  prediction attends only to its parents' value tokens; ``do=`` cuts the intervened
  variables' incoming edges).
- :class:`LadderTransformer` — an *ensemble* of independent 1-2 layer transformers with stacked
  parameters (one member per seed and condition), trained together by :func:`fit` in one
  full-batch loop; each member has its own mask.
- :func:`probe`, :func:`probe_counterfactual`, :func:`learned_scm` — read a member's answers off
  its next-token probabilities by enumerating every row; :func:`best_loss` is the lowest loss any
  model with the member's mask could reach on its rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import networkx as nx
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from causalcourse.errors import CourseError, UnknownNameError, check_known
from causalcourse.llm.exact import BinarySCM
from causalcourse.scm import SCM, Mechanism, bernoulli, uniform

__all__ = [
    "CHAT_QUESTIONS",
    "NOBODY",
    "SPECIAL",
    "LadderTransformer",
    "RowFormat",
    "World",
    "best_loss",
    "causal_mask",
    "chapter_world",
    "chat_messages",
    "counterfactual_probability",
    "fit",
    "graph_mask",
    "interventional_probability",
    "learned_scm",
    "parents_only",
    "parse_probability",
    "probe",
    "probe_counterfactual",
    "training_rows",
]

SPECIAL = ("do", "∅", "0", "1")
NOBODY = "∅"  #: the ``do`` target of an observational row: nothing was set
DTYPE = torch.float32
Values = Mapping[str, int]


# --------------------------------------------------------------------------- the world
@dataclass(frozen=True)
class World:
    """A binary SCM (``truth``) whose rows list the variables ``columns`` in that order.

    Variables of ``truth`` that are not columns are hidden. Each must be exogenous noise of a
    single column (no parents, one child); a hidden common cause makes :meth:`graph` fail,
    because no graph over the columns then describes the model.

    Example
    -------
    >>> world = chapter_world()
    >>> world.columns, sorted(world.graph().edges)
    (('M', 'X', 'Y', 'Z'), [('M', 'Y'), ('X', 'M'), ('Z', 'M'), ('Z', 'X'), ('Z', 'Y')])
    """

    truth: BinarySCM
    columns: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.truth, BinarySCM):
            raise CourseError(f"truth must be a BinarySCM, got {type(self.truth).__name__}")
        columns = tuple(self.columns)
        if not columns or len(set(columns)) != len(columns):
            raise CourseError(f"columns must name distinct variables, got {list(columns)}")
        check_known(columns, self.truth.order, what="column", where="the SCM")
        object.__setattr__(self, "columns", columns)

    def hidden(self) -> list[str]:
        """The variables of the SCM that the rows do not show."""
        return [v for v in self.truth.order if v not in self.columns]

    def graph(self) -> nx.DiGraph:
        """The causal graph over the columns (hidden noise variables left out).

        Raises :class:`CourseError` if a hidden variable has parents or more than one child.
        """
        full = self.truth.graph
        for h in self.hidden():
            children = sorted(full.successors(h))
            if list(full.predecessors(h)) or len(children) > 1:
                raise CourseError(f"hidden variable {h!r} affects {children}: a hidden common "
                                  "cause (or a hidden mediator) has no place in a graph over the "
                                  f"columns {list(self.columns)}")
        graph = nx.DiGraph()
        graph.add_nodes_from(self.columns)
        graph.add_edges_from((u, v) for u, v in full.edges
                             if u in self.columns and v in self.columns)
        return graph

    def scm(self) -> SCM:
        """The same model as a :class:`causalcourse.scm.SCM` (threshold mechanisms), to sample."""
        truth = self.truth
        return SCM({v: _threshold(truth.parents[v], truth.probs[v]) for v in truth.order})


def _threshold(parents: Sequence[str], probs: Sequence[float] | np.ndarray) -> Mechanism:
    table = np.asarray(probs, dtype=float)

    def f(*args: np.ndarray) -> np.ndarray:
        *values, u = args
        code: np.ndarray = np.zeros(len(u), dtype=np.int64)
        for value in values:
            code = 2 * code + np.asarray(value, dtype=np.int64)
        return (u < table[code]).astype(np.int64)

    return Mechanism(tuple(parents), f, uniform())


#: P(Y=1 | M, Z) of the chapter's world, keyed by (m, z)
_Y_TABLE = {(0, 0): 0.1, (0, 1): 0.5, (1, 0): 0.2, (1, 1): 0.9}
_M_TABLE = {(0, 0): 0.1, (0, 1): 0.5, (1, 0): 0.6, (1, 1): 0.9}  # P(M=1 | X, Z)


def _split(table: Mapping[tuple[int, int], float], spread: float) -> list[float]:
    """A table with one more (last) parent W: P(1 | a, b, w) = p ± spread * min(p, 1 - p).

    Averaged over W ~ Bernoulli(0.5) it is the original table, so every observational and
    interventional distribution is unchanged; with spread > 0 the units differ in how they
    respond to the first parent (W = 1: more, W = 0: less), which changes counterfactuals.
    """
    out = []
    for a, b, w in itertools.product((0, 1), repeat=3):
        p = table[(a, b)]
        sign = 1.0 if a == w else -1.0
        out.append(round(p + sign * spread * min(p, 1.0 - p), 12))
    return out


def chapter_world(heterogeneous: bool = False,
                  columns: Sequence[str] = ("M", "X", "Y", "Z")) -> World:
    """The chapter's confounded SCM: Z -> X -> M -> Y, Z -> M, Z -> Y (all binary).

    Z ~ Bernoulli(0.5); P(X=1 | Z) = 0.2, 0.8; P(M=1 | X, Z) = 0.1, 0.5, 0.6, 0.9 for
    (X, Z) = 00, 01, 10, 11; P(Y=1 | M, Z) = 0.1, 0.5, 0.2, 0.9 for (M, Z) = 00, 01, 10, 11.
    Hidden V and W (Bernoulli(0.5), one child each) are part of M's and Y's noise. With
    ``heterogeneous=False`` they do nothing; with ``True`` they split the units into ones that
    respond more and ones that respond less (same averages). The two worlds agree on every
    observational and interventional distribution and disagree on counterfactuals.

    Example
    -------
    >>> a, b = chapter_world(), chapter_world(heterogeneous=True)
    >>> ja, jb = a.truth.observed_joint(), b.truth.observed_joint()
    >>> max(abs(ja[k] - jb[k]) for k in ja) < 1e-12
    True
    >>> round(interventional_probability(a.truth, {"Y": 1}, do={"X": 1}), 3)
    0.51
    """
    spread = 1.0 if heterogeneous else 0.0
    parents = {"Z": (), "X": ("Z",), "V": (), "M": ("X", "Z", "V"), "W": (), "Y": ("M", "Z", "W")}
    probs = {"Z": [0.5], "X": [0.2, 0.8], "V": [0.5], "W": [0.5],
             "M": _split(_M_TABLE, spread), "Y": _split(_Y_TABLE, spread)}
    return World(BinarySCM(parents, probs, latent=frozenset({"V", "W"})), tuple(columns))


def _indicator(values: Mapping[str, np.ndarray], event: Values, n: int) -> np.ndarray:
    hit = np.ones(n, dtype=bool)
    for name, value in event.items():
        hit &= values[name] == value
    return hit


def _check_binary_events(events: Sequence[Values | None], names: Sequence[str], what: str,
                         where: str, bad_values: str) -> None:
    for event in events:
        if event is None:
            continue
        if not isinstance(event, Mapping):
            raise CourseError(f"an event must be a mapping {{{what}: 0 or 1}}, got {event!r}")
        check_known(event, names, what=what, where=where)
        bad = {k: v for k, v in event.items() if v not in (0, 1)}
        if bad:
            raise CourseError(f"{bad_values}, got {bad}")


def _check_event(model: BinarySCM, *events: Values | None) -> None:
    _check_binary_events(events, model.order, "variable", "the SCM",
                         "binary variables take the values 0 and 1")


def interventional_probability(model: BinarySCM, outcome: Values, given: Values | None = None,
                               do: Values | None = None) -> float:
    """Exact P(outcome | given) in the model after ``do`` (none: the observational rung 1).

    Example
    -------
    >>> truth = chapter_world().truth
    >>> round(interventional_probability(truth, {"Y": 1}, given={"X": 1}), 3)
    0.72
    """
    _check_event(model, outcome, given, do)
    values = model.evaluate(dict(do or {}))
    n = model.weight.size
    hit = _indicator(values, outcome, n).astype(float)
    return model.expect(hit, _indicator(values, given or {}, n))


def counterfactual_probability(model: BinarySCM, outcome: Values, factual: Values,
                               do: Values) -> float:
    """Exact P(outcome in the world ``do`` | ``factual`` observed): rung 3, per unit.

    Example: of the units with X=1 and Y=0, the share that would have had Y=1 without X.

    >>> truth = chapter_world(heterogeneous=True).truth
    >>> round(counterfactual_probability(truth, {"Y": 1}, {"X": 1, "Y": 0}, {"X": 0}), 3)
    0.321
    """
    _check_event(model, outcome, factual, do)
    if not do:
        raise CourseError("a counterfactual needs an intervention, e.g. do={'X': 0}")
    obs, cf = model.evaluate(), model.evaluate(dict(do))
    n = model.weight.size
    return model.expect(_indicator(cf, outcome, n).astype(float), _indicator(obs, factual, n))


# ------------------------------------------------------------------------ training rows
def _seed(seed: int, part: int) -> int:
    return int(np.random.SeedSequence([int(seed), part]).generate_state(1)[0])


def training_rows(world: World, regime: str, n: int, seed: int,
                  experiment: str = "X") -> pd.DataFrame:
    """``n`` training rows of regime "A", "B" or "C"; column ``do`` says what was set.

    A: observational rows (``do`` = "∅"). B: n//2 observational rows and n - n//2 rows of a
    randomised experiment on ``experiment`` (set to 0 or 1 by a fair coin; ``do`` = its name).
    C: observational rows, each followed by the same unit's counterfactual row with
    ``experiment`` flipped (columns with a trailing "'"; ``do'`` names the flipped variable).

    Example
    -------
    >>> rows = training_rows(chapter_world(), "B", 6, seed=0)
    >>> rows["do"].tolist()
    ['∅', '∅', '∅', 'X', 'X', 'X']
    """
    if regime not in ("A", "B", "C"):
        raise CourseError(f"unknown regime {regime!r}; choose 'A', 'B' or 'C'")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise CourseError(f"n must be a whole number of rows >= 2, got {n!r}")
    check_known([experiment], world.columns, what="variable", where="the rows' columns")
    scm, cols = world.scm(), list(world.columns)
    if regime == "C":
        units, noise = scm.sample(int(n), seed=_seed(seed, 3), return_noise=True)
        flipped = 1 - units[experiment].to_numpy()
        cf = scm.do({experiment: lambda *args: flipped}).sample(noise=noise)
        out = units[cols].astype(np.int64)
        out.insert(0, "do", NOBODY)
        out["do'"] = experiment
        for c in cols:
            out[c + "'"] = cf[c].to_numpy().astype(np.int64)
        return out.reset_index(drop=True)
    n_obs = int(n) if regime == "A" else int(n) // 2
    obs = cast(pd.DataFrame, scm.sample(n_obs, seed=_seed(seed, 1)))[cols].astype(np.int64)
    obs.insert(0, "do", NOBODY)
    if regime == "A":
        return obs
    coin = Mechanism((), lambda u: u, bernoulli(0.5))
    exp = cast(pd.DataFrame, scm.do({experiment: coin}).sample(int(n) - n_obs, seed=_seed(seed, 2)))
    exp = exp[cols].astype(np.int64)
    exp.insert(0, "do", experiment)
    return pd.concat([obs, exp], ignore_index=True)


# ------------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class RowFormat:
    """How a row becomes tokens: ``do <target> <name> <value> <name> <value> ...``.

    ``paired=True`` appends the counterfactual block (same layout) after the factual one.
    The prediction of a variable's value is read at its *name* token (the next token is the
    value). The vocabulary is shared by every format with the same variables.

    Example
    -------
    >>> fmt = RowFormat(("M", "X", "Y", "Z"))
    >>> fmt.text(fmt.encode(training_rows(chapter_world(), "B", 2, seed=0))[0][1])
    'do X M 0 X 0 Y 0 Z 0'
    """

    columns: tuple[str, ...]
    paired: bool = False

    def __post_init__(self) -> None:
        columns = tuple(self.columns)
        if not columns or len(set(columns)) != len(columns):
            raise CourseError(f"a row format needs distinct column names, got {list(columns)}")
        clash = [c for c in columns if c in SPECIAL or not isinstance(c, str) or c.endswith("'")]
        if clash:
            raise CourseError(f"column names {clash} clash with the special tokens {SPECIAL}")
        object.__setattr__(self, "columns", columns)

    @property
    def vocab(self) -> tuple[str, ...]:
        return SPECIAL + tuple(sorted(self.columns))

    @property
    def block(self) -> int:
        return 2 + 2 * len(self.columns)

    @property
    def length(self) -> int:
        return self.block * (2 if self.paired else 1)

    def name_position(self, column: str, block: int = 0) -> int:
        """Position of a column's name token (where its value is predicted)."""
        check_known([column], self.columns, what="column", where="the row format")
        return block * self.block + 2 + 2 * self.columns.index(column)

    def value_position(self, column: str, block: int = 0) -> int:
        """Position of a column's value token."""
        return self.name_position(column, block) + 1

    def _ids(self, words: Sequence[str]) -> list[int]:
        index = {w: i for i, w in enumerate(self.vocab)}
        bad = [w for w in words if w not in index]
        if bad:
            raise UnknownNameError(f"token {bad[0]!r} is not in the vocabulary {list(self.vocab)}")
        return [index[w] for w in words]

    @property
    def name_positions(self) -> list[int]:
        """Positions of every name token (where the values are predicted), block by block."""
        blocks = 2 if self.paired else 1
        return [self.name_position(c, b) for b in range(blocks) for c in self.columns]

    def encode(self, rows: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (n, length) and the name positions of *set* variables (a row's do target)."""
        if not isinstance(rows, pd.DataFrame):
            raise CourseError(f"rows must be a pandas DataFrame, got {type(rows).__name__}")
        blocks = [("do", "")] + ([("do'", "'")] if self.paired else [])
        need = [d for d, s in blocks] + [c + s for _, s in blocks for c in self.columns]
        check_known(need, list(rows.columns), what="column", where="the rows")
        tokens = np.zeros((len(rows), self.length), dtype=np.int64)
        is_set = np.zeros((len(rows), self.length), dtype=bool)
        index = {w: i for i, w in enumerate(self.vocab)}
        for b, (do_col, suffix) in enumerate(blocks):
            targets = rows[do_col].astype(str).to_numpy()
            unknown = sorted(set(targets) - set(self.columns) - {NOBODY})
            if unknown:
                raise UnknownNameError(f"do target {unknown[0]!r} is not a column "
                                       f"(columns: {list(self.columns)}, or {NOBODY!r})")
            start = b * self.block
            tokens[:, start] = index["do"]
            tokens[:, start + 1] = [index[t] for t in targets]
            for c in self.columns:
                values = rows[c + suffix].to_numpy()
                if not np.isin(values, (0, 1)).all():
                    bad = values[~np.isin(values, (0, 1))][0]
                    raise CourseError(f"column {c + suffix!r} holds {np.asarray(bad).item()!r}; "
                                      "values must be 0 or 1")
                p = self.name_position(c, b)
                tokens[:, p] = index[c]
                tokens[:, p + 1] = index["0"] + values.astype(np.int64)
                is_set[:, p] = targets == c
        return torch.from_numpy(tokens), torch.from_numpy(is_set)

    def text(self, tokens: torch.Tensor | Sequence[int]) -> str:
        """The tokens of one row as text."""
        return " ".join(self.vocab[int(t)] for t in tokens)


def causal_mask(fmt: RowFormat) -> torch.Tensor:
    """The decoder's usual mask: each position attends to itself and every earlier position.

    Example
    -------
    >>> causal_mask(RowFormat(("X",))).int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    """
    _check_format(fmt)
    return torch.tril(torch.ones(fmt.length, fmt.length, dtype=torch.bool))


def _check_format(fmt: RowFormat) -> None:
    if not isinstance(fmt, RowFormat):
        raise CourseError(f"fmt must be a RowFormat, got {type(fmt).__name__}")


def graph_mask(graph: nx.DiGraph, fmt: RowFormat, do: Sequence[str] = ()) -> torch.Tensor:
    """Attention mask from a causal graph: a variable's prediction sees only its parents' values.

    Position 0 (``do``, the same in every row) is visible to all, as a place to put attention
    that carries no information. A value token sees only itself, so nothing reaches a
    variable's name token (where its value is predicted) except its parents' values, however
    many layers the model has. The ``do`` target token is seen by no other position: this
    model learns about interventions only through the mask. ``do`` lists variables whose
    incoming edges are cut (graph surgery).

    Example
    -------
    >>> g = nx.DiGraph([("Z", "X")])
    >>> fmt = RowFormat(("X", "Z"))
    >>> m = graph_mask(g, fmt)
    >>> bool(m[fmt.name_position("X"), fmt.value_position("Z")])
    True
    >>> bool(graph_mask(g, fmt, do=["X"])[fmt.name_position("X"), fmt.value_position("Z")])
    False
    """
    return parents_only(graph, fmt, do)


def _check_mask_input(graph: nx.DiGraph, fmt: RowFormat, do: Sequence[str]) -> None:
    _check_format(fmt)
    if not isinstance(graph, nx.DiGraph):
        raise CourseError(f"graph must be a networkx DiGraph, got {type(graph).__name__}")
    if fmt.paired:
        raise CourseError("graph masks are defined for single rows, not paired counterfactual rows")
    check_known(graph.nodes, fmt.columns, what="graph node", where="the rows' columns")
    check_known(fmt.columns, graph.nodes, what="column", where="the graph (add it as a node)")
    check_known(do, fmt.columns, what="intervened variable", where="the rows' columns")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
        raise CourseError(f"the graph has a cycle: {path}; a mask needs a DAG")


def parents_only(graph: nx.DiGraph, fmt: RowFormat, do: Sequence[str] = ()) -> torch.Tensor:
    """The rule of :func:`graph_mask`: who may attend to whom (``allowed[to, from]``).

    Example
    -------
    >>> fmt = RowFormat(("X", "Z"))
    >>> m = parents_only(nx.DiGraph([("Z", "X")]), fmt)
    >>> bool(m[fmt.name_position("X"), fmt.value_position("Z")])
    True
    """
    _check_mask_input(graph, fmt, do)         # a DAG over the columns; do names columns
    allowed = torch.zeros(fmt.length, fmt.length, dtype=torch.bool)
    allowed[:, 0] = True                      # everyone may look at the first token, "do"
    allowed[1, 1] = True                      # the do target sees itself; nobody else sees it
    for v in fmt.columns:
        name, value = fmt.name_position(v), fmt.value_position(v)
        allowed[name, name] = True            # v's value is predicted here ...
        allowed[value, value] = True          # ... and a value token sees only itself
        if v not in do:                       # graph surgery: do(v) cuts v's parents
            for parent in graph.predecessors(v):
                allowed[name, fmt.value_position(parent)] = True
    return allowed


# -------------------------------------------------------------------------------- model
class LadderTransformer(nn.Module):
    """``len(graphs)`` independent decoder-only transformers with stacked parameters.

    Member ``e`` uses :func:`causal_mask` if ``graphs[e]`` is None (a *plain* member), else
    :func:`graph_mask` of that graph (a *graph* member), and draws its initial weights from
    ``seeds[e]``, so a member is the same whatever ensemble it is part of. Each member has
    token and position embeddings, ``n_layers`` pre-norm blocks (masked multi-head attention
    and an MLP) and a head that scores the two value tokens "0" and "1": the next-token
    probabilities the probes read. Query weights start at zero, so attention starts uniform
    over what the mask allows.

    Example
    -------
    >>> fmt = RowFormat(("M", "X", "Y", "Z"))
    >>> model = LadderTransformer(fmt, [None, chapter_world().graph()], seeds=[0, 1])
    >>> tokens, _ = fmt.encode(training_rows(chapter_world(), "A", 3, seed=0))
    >>> model(tokens.expand(2, 3, fmt.length)).shape   # members, rows, name positions, values
    torch.Size([2, 3, 4, 2])
    """

    mask: torch.Tensor

    def __init__(self, fmt: RowFormat, graphs: Sequence[nx.DiGraph | None], seeds: Sequence[int],
                 d_model: int = 16, n_heads: int = 4, n_layers: int = 2, d_ff: int = 32) -> None:
        super().__init__()
        if not isinstance(fmt, RowFormat):
            raise CourseError(f"fmt must be a RowFormat, got {type(fmt).__name__}")
        graphs, seeds = list(graphs), [int(s) for s in seeds]
        if not graphs or len(graphs) != len(seeds):
            raise CourseError(f"need one seed per member: {len(graphs)} graphs, {len(seeds)} seeds")
        for name, value in (("d_model", d_model), ("n_heads", n_heads), ("n_layers", n_layers),
                            ("d_ff", d_ff)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CourseError(f"{name} must be a positive whole number, got {value!r}")
        if d_model % n_heads:
            raise CourseError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.fmt, self.graphs, self.seeds = fmt, graphs, seeds
        self.d_model, self.n_heads, self.n_layers = d_model, n_heads, n_layers
        self.register_buffer("mask", self.masks(), persistent=False)
        shapes: dict[str, tuple[int, ...]] = {"token": (len(fmt.vocab), d_model),
                                              "position": (fmt.length, d_model)}
        for layer in range(n_layers):
            shapes |= {f"qkv{layer}": (d_model, 3 * d_model), f"out{layer}": (d_model, d_model),
                       f"up{layer}": (d_model, d_ff), f"up_bias{layer}": (d_ff,),
                       f"down{layer}": (d_ff, d_model)}
        shapes |= {"head": (d_model, 2), "head_bias": (2,)}
        stacked: dict[str, list[torch.Tensor]] = {k: [] for k in shapes}
        for seed in seeds:
            gen = torch.Generator().manual_seed(seed)
            for key, shape in shapes.items():
                scale = 0.0 if "bias" in key else (0.5 if key in ("token", "position")
                                                   else shape[0] ** -0.5)
                weight = torch.randn(shape, generator=gen, dtype=DTYPE) * scale
                if key.startswith("qkv"):
                    weight[:, :d_model] = 0.0  # queries: uniform attention at the start
                stacked[key].append(weight)
        self.weights = nn.ParameterDict({k: nn.Parameter(torch.stack(v))
                                         for k, v in stacked.items()})

    @property
    def members(self) -> int:
        return len(self.graphs)

    @property
    def is_graph(self) -> torch.Tensor:
        """Which members have a graph mask: (members,) bool."""
        return torch.tensor([g is not None for g in self.graphs])

    def masks(self, do: Sequence[str] = ()) -> torch.Tensor:
        """(members, L, L) masks; graph members cut the edges into ``do`` (graph surgery)."""
        return torch.stack([causal_mask(self.fmt) if g is None else graph_mask(g, self.fmt, do)
                            for g in self.graphs])

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Log-probabilities of "0" and "1" after each name token: (members, rows, names, 2).

        The last block is computed only at the name positions (``fmt.name_positions``):
        nothing else is read off the model.
        """
        e, r, length = tokens.shape
        if e != self.members or length != self.fmt.length:
            raise CourseError(f"tokens must have shape (members={self.members}, rows, "
                              f"{self.fmt.length}), got {tuple(tokens.shape)}")
        w, h, d = self.weights, self.n_heads, self.d_model
        mask = self.mask if mask is None else mask
        block = torch.zeros(mask.shape, dtype=DTYPE).masked_fill(~mask, float("-inf"))
        onehot = F.one_hot(tokens, len(self.fmt.vocab)).to(DTYPE)
        x = torch.einsum("erlv,evd->erld", onehot, w["token"]) + w["position"][:, None]
        names = self.fmt.name_positions
        for layer in range(self.n_layers):
            last = layer == self.n_layers - 1
            qkv = torch.einsum("erld,edf->erlf", F.layer_norm(x, (d,)), w[f"qkv{layer}"])
            q, k, v = (t.reshape(e, r, length, h, d // h).transpose(2, 3) for t in qkv.split(d, -1))
            bias = block[:, None, None]
            if last:  # only the name positions are read
                q, bias, x = q[:, :, :, names], bias[:, :, :, names], x[:, :, names]
            scores = q @ k.transpose(-1, -2) * (d // h) ** -0.5 + bias
            weights = (scores - scores.amax(-1, keepdim=True).detach()).exp()
            weights = weights / weights.sum(-1, keepdim=True)  # softmax, fast for short rows
            att = (weights @ v).transpose(2, 3).reshape(e, r, -1, d)
            x = x + torch.einsum("erld,edf->erlf", att, w[f"out{layer}"])
            up = torch.einsum("erld,edf->erlf", F.layer_norm(x, (d,)), w[f"up{layer}"])
            x = x + torch.einsum("erlf,efd->erld", F.gelu(up + w[f"up_bias{layer}"][:, None, None]),
                                 w[f"down{layer}"])
        logits = torch.einsum("erld,edk->erlk", F.layer_norm(x, (d,)), w["head"])
        logits = logits + w["head_bias"][:, None, None]
        margin = logits[..., 1:] - logits[..., :1]     # log-softmax of two scores, elementwise
        return torch.cat([F.logsigmoid(-margin), F.logsigmoid(margin)], -1)

    def row_log_prob(self, tokens: torch.Tensor, skip: torch.Tensor,
                     mask: torch.Tensor | None = None) -> torch.Tensor:
        """Sum of log P(value) over the name positions not in ``skip``: (members, rows)."""
        names = self.fmt.name_positions
        logp = self(tokens, mask)
        value = tokens[:, :, [p + 1 for p in names]] - SPECIAL.index("0")
        picked = logp.gather(-1, value[..., None])[..., 0]
        return (picked * ~skip[:, :, names]).sum(-1)


# ----------------------------------------------------------------------------- training
def _patterns(fmt: RowFormat, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tokens, is_set = fmt.encode(rows)
    both = np.concatenate([tokens.numpy(), is_set.numpy().astype(np.int64)], axis=1)
    unique, counts = np.unique(both, axis=0, return_counts=True)
    return unique[:, :fmt.length], unique[:, fmt.length:].astype(bool), counts.astype(np.float64)


def _stack_rows(model: LadderTransformer, rows: Sequence[pd.DataFrame]
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Distinct rows per member (padded), which values each member skips, and the counts.

    A graph member does not predict a value that was set (its parents did not cause it);
    a plain member, like any language model, predicts every value token it is shown.
    """
    if isinstance(rows, pd.DataFrame) or len(rows) != model.members:
        raise CourseError(f"need one table of rows per member: {model.members} members, "
                          f"{1 if isinstance(rows, pd.DataFrame) else len(rows)} tables")
    parts = [_patterns(model.fmt, r) for r in rows]
    width = max(len(c) for _, _, c in parts)
    tokens = np.zeros((model.members, width, model.fmt.length), dtype=np.int64)
    skip = np.zeros((model.members, width, model.fmt.length), dtype=bool)
    weight = np.zeros((model.members, width))
    for e, (t, is_set, counts) in enumerate(parts):
        tokens[e] = t[0]
        tokens[e, : len(counts)], weight[e, : len(counts)] = t, counts
        if model.graphs[e] is not None:
            skip[e, : len(counts)] = is_set
    return torch.from_numpy(tokens), torch.from_numpy(skip), torch.from_numpy(weight).to(DTYPE)


def fit(model: LadderTransformer, rows: Sequence[pd.DataFrame], steps: int = 300,
        lr: float = 0.02) -> np.ndarray:
    """Train every member on its own rows; returns the loss per step and member.

    The rows take only a few distinct values, so a step over the distinct rows, each
    weighted by how often it occurs, *is* a step of full-batch gradient descent on the
    data. Adam (betas 0.9, 0.99) with a cosine-decaying learning rate; the loss is the mean
    negative log-likelihood per row of the predicted value tokens. Members share nothing but
    the loop (Adam's updates are per parameter).

    Example
    -------
    >>> world, fmt = chapter_world(), RowFormat(("M", "X", "Y", "Z"))
    >>> model = LadderTransformer(fmt, [None], seeds=[0])
    >>> losses = fit(model, [training_rows(world, "A", 200, seed=0)], steps=30)
    >>> bool(losses[-1, 0] < losses[0, 0])
    True
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise CourseError(f"steps must be a positive whole number, got {steps!r}")
    if not lr > 0:
        raise CourseError(f"lr must be positive, got {lr!r}")
    tokens, skip, weight = _stack_rows(model, rows)
    total = weight.sum(1)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    history = np.zeros((steps, model.members))
    for step in range(steps):
        loss = -(model.row_log_prob(tokens, skip) * weight).sum(1) / total
        optimiser.zero_grad()
        loss.sum().backward()
        optimiser.step()
        schedule.step()
        history[step] = loss.detach().numpy()
    return history


def best_loss(model: LadderTransformer, rows: Sequence[pd.DataFrame]) -> np.ndarray:
    """The lowest mean loss per row any model with each member's mask can reach on its rows.

    For each predicted position, the tokens it can see (through any number of layers) are
    grouped and the empirical conditional entropy of the next value is summed: what a
    member reaches if it learns the empirical conditional distributions exactly.

    Example
    -------
    >>> world, fmt = chapter_world(), RowFormat(("M", "X", "Y", "Z"))
    >>> model = LadderTransformer(fmt, [None, world.graph()], seeds=[0, 1])
    >>> rows = [training_rows(world, "A", 500, seed=0)] * 2
    >>> plain, graph = best_loss(model, rows)
    >>> bool(plain <= graph)   # the graph member sees less
    True
    """
    tokens, skip, weight = _stack_rows(model, rows)
    out = np.zeros(model.members)
    for e in range(model.members):
        reach = model.mask[e].clone()
        for _ in range(model.fmt.length):  # transitive closure: what reaches a position
            reach = reach | ((reach.to(DTYPE) @ reach.to(DTYPE)) > 0)
        t, s, w = tokens[e].numpy(), skip[e].numpy(), weight[e].numpy().astype(np.float64)
        total = 0.0
        for pos in model.fmt.name_positions:
            keep = ~s[:, pos] & (w > 0)
            seen = t[keep][:, reach[pos].numpy()]
            pairs = np.concatenate([seen, t[keep, pos + 1, None]], axis=1)
            _, context = np.unique(seen, axis=0, return_inverse=True)
            _, cell = np.unique(pairs, axis=0, return_inverse=True)
            joint = np.bincount(cell.ravel(), weights=w[keep])
            marginal = np.bincount(context.ravel(), weights=w[keep])
            cell_context = np.zeros(len(joint), dtype=np.int64)
            cell_context[cell.ravel()] = context.ravel()
            total -= float((joint * np.log(joint / marginal[cell_context])).sum())
        out[e] = total / w.sum()
    return out


# ------------------------------------------------------------------------------- probes
def _grid(columns: Sequence[str], fixed: Values) -> pd.DataFrame:
    free = [c for c in columns if c not in fixed]
    combos = list(itertools.product((0, 1), repeat=len(free)))
    frame = pd.DataFrame(combos, columns=free) if free else pd.DataFrame(index=range(1))
    for c, v in fixed.items():
        frame[c] = int(v)
    return frame


def _check_values(fmt: RowFormat, *events: Values | None) -> None:
    _check_binary_events(events, fmt.columns, "column", "the rows", "values must be 0 or 1")


def _weights(model: LadderTransformer, rows: pd.DataFrame, clamp: Sequence[str] = ()) -> np.ndarray:
    """Each member's probability of each row (members, rows); clamped values are not scored."""
    fmt, e = model.fmt, model.members
    tokens, is_set = fmt.encode(rows)
    skip = is_set[None] & model.is_graph[:, None, None]
    skip = skip.expand(e, -1, -1).clone()
    for c in clamp:
        skip[:, :, fmt.name_position(c)] = True
    logp = model.row_log_prob(tokens.expand(e, -1, -1), skip, model.masks(list(clamp)))
    return logp.exp().numpy().astype(np.float64)


@torch.no_grad()
def probe(model: LadderTransformer, outcome: Values, given: Values | None = None,
          do: Values | None = None, via: str = "surgery") -> np.ndarray:
    """Each member's P(outcome | given [, do]) from its next-token probabilities: (members,).

    Every row is enumerated and weighted by the product of the member's predicted
    probabilities of its values; conditioning on ``given`` is then Bayes' rule. A ``do`` is
    asked in one of two ways:

    - ``via="surgery"``: the intervened values are clamped (not scored) in observational
      rows, and graph members cut the intervened variables' incoming edges. Plain members
      have no graph to cut: for them a clamp keeps the conditionals of the row order;
    - ``via="prefix"``: the rows start ``do <variable>``, as regime B's experiment rows did,
      and the set value is conditioned on within such rows.

    A ``given`` that contradicts ``do`` on a variable (``given={"X": 1}, do={"X": 0}``) is
    refused: under either way of asking, that event has probability zero.

    Example
    -------
    >>> fmt = RowFormat(("M", "X", "Y", "Z"))
    >>> model = LadderTransformer(fmt, [None, None], seeds=[0, 1])
    >>> probe(model, {"Y": 1}, given={"X": 1}).shape
    (2,)
    """
    if via not in ("surgery", "prefix"):
        raise CourseError(f"unknown way to ask a do-question {via!r}; use 'surgery' or 'prefix'")
    fmt = model.fmt
    if fmt.paired:
        raise CourseError("probe reads single rows; use probe_counterfactual for paired rows")
    _check_values(fmt, outcome, given, do)
    do, given = dict(do or {}), dict(given or {})
    if via == "prefix" and len(do) > 1:
        raise CourseError(f"a prefix names one intervened variable, got {sorted(do)}")
    clash = sorted(v for v in given.keys() & do.keys() if given[v] != do[v])
    if clash:
        raise CourseError(f"given contradicts do on {clash[0]!r} (given {given[clash[0]]}, "
                          f"do {do[clash[0]]}): the event has probability zero")
    clamp = do if via == "surgery" else {}
    condition = given | ({} if via == "surgery" else do)
    rows = _grid(fmt.columns, clamp)
    rows.insert(0, "do", next(iter(do)) if via == "prefix" and do else NOBODY)
    weight = _weights(model, rows, list(clamp))
    values = {c: rows[c].to_numpy() for c in fmt.columns}
    hit_given = _indicator(values, condition, len(rows))
    hit_both = hit_given & _indicator(values, outcome, len(rows))
    return (weight * hit_both).sum(1) / (weight * hit_given).sum(1)


@torch.no_grad()
def probe_counterfactual(model: LadderTransformer, outcome: Values, factual: Values,
                         do: Values) -> np.ndarray:
    """P(outcome in the counterfactual block | factual) for members trained on paired rows.

    Example
    -------
    >>> fmt = RowFormat(("M", "X", "Y", "Z"), paired=True)
    >>> model = LadderTransformer(fmt, [None], seeds=[0])
    >>> p = probe_counterfactual(model, {"Y": 1}, {"X": 1, "Y": 0}, {"X": 0})
    >>> bool(0 < p[0] < 1)
    True
    """
    fmt = model.fmt
    if not fmt.paired:
        raise CourseError("probe_counterfactual needs a model trained on paired rows (paired=True)")
    _check_values(fmt, outcome, factual, do)
    if len(do or {}) != 1:
        raise CourseError(f"the paired rows flip one variable; got do={do!r}")
    (flip, value), = do.items()
    if factual.get(flip, 1 - value) != 1 - value:
        raise CourseError(f"the paired rows set {flip} to the opposite of its factual value; "
                          f"factual {flip}={factual[flip]} with do({flip}={value}) never occurs")
    fact = _grid(fmt.columns, {**factual, flip: 1 - value})
    cf = _grid(fmt.columns, {flip: value})
    rows = fact.merge(cf.rename(columns=lambda c: c + "'"), how="cross")
    rows["do"], rows["do'"] = NOBODY, flip
    weight = _weights(model, rows)
    hit = _indicator({c: rows[c + "'"].to_numpy() for c in fmt.columns}, outcome, len(rows))
    return (weight * hit).sum(1) / weight.sum(1)


@torch.no_grad()
def learned_scm(model: LadderTransformer, member: int) -> BinarySCM:
    """A graph member's conditionals as a :class:`BinarySCM` (each value 1 if its U < p̂).

    The member gives P̂(v | parents); the threshold mechanisms are an *added* rung-3
    assumption (each variable's noise is one uniform, shared by all worlds of a unit), needed
    before the member can be asked a counterfactual.

    Example
    -------
    >>> world = chapter_world()
    >>> model = LadderTransformer(RowFormat(world.columns), [world.graph()], seeds=[0])
    >>> learned_scm(model, 0).parents["Y"]
    ('M', 'Z')
    """
    if isinstance(member, bool) or not isinstance(member, int) or not 0 <= member < model.members:
        raise CourseError(f"member must be between 0 and {model.members - 1}, got {member!r}")
    graph = model.graphs[member]
    if graph is None:
        raise CourseError(f"member {member} has no graph: its conditionals follow the row order")
    fmt = model.fmt
    parents = {v: tuple(p for p in fmt.columns if graph.has_edge(p, v)) for v in fmt.columns}
    probs = {}
    for i, v in enumerate(fmt.columns):
        codes = list(itertools.product((0, 1), repeat=len(parents[v])))
        rows = pd.DataFrame(0, index=range(len(codes)), columns=list(fmt.columns))
        for j, code in enumerate(codes):
            rows.loc[j, list(parents[v])] = code
        rows.insert(0, "do", NOBODY)
        tokens, _ = fmt.encode(rows)
        logp = model(tokens.expand(model.members, -1, -1))[member, :, i, 1]
        probs[v] = logp.exp().numpy().astype(np.float64)
    return BinarySCM(parents, probs)


# ------------------------------------------------------------------ the same questions in words
#: The chapter's three questions in words, asked of a chat model by :func:`chat_messages`.
CHAT_QUESTIONS = {
    "rung 1": "Among the units with X=1, what share has Y=1?",
    "rung 2": "If X were set to 1 for every unit by an intervention, what share would have Y=1?",
    "rung 3": "Among the units with X=1 and Y=0, what share would have had Y=1 if X had been "
              "set to 0 for them?",
}


def chat_messages(world: World, question: str) -> list[dict]:
    """Chat messages giving a model what a graph member gets: the joint table and the graph.

    The table is the exact observational distribution of the columns (what infinitely many
    regime-A rows would show), the graph is :meth:`World.graph`, and the reply is asked to end
    with ``Answer: <probability>`` or ``Answer: not determined``.

    Example
    -------
    >>> messages = chat_messages(chapter_world(), CHAT_QUESTIONS["rung 2"])
    >>> [m["role"] for m in messages], "Z -> X" in messages[1]["content"]
    (['system', 'user'], True)
    """
    if not isinstance(question, str) or not question.strip():
        raise CourseError("question must be a non-empty string")
    cols = list(world.columns)
    order = [v for v in world.truth.order if v in cols]
    joint = world.truth.observed_joint()
    rows = sorted(joint.items(), key=lambda kv: [kv[0][order.index(c)] for c in cols])
    lines = [" ".join(f"{c}={row[order.index(c)]}" for c in cols) + f": {p:.3f}" for row, p in rows]
    edges = "; ".join(f"{a} -> {b}" for a, b in sorted(world.graph().edges))
    text = (f"Binary variables {', '.join(cols)}. Causal graph (direct effects): {edges}. "
            "No other variable affects two of them. The share of units with each combination "
            "of values is:\n" + "\n".join(lines) + f"\n\nQuestion: {question}\n"
            "Reason briefly, then end with a line 'Answer: <probability with three decimals>', "
            "or 'Answer: not determined' if the information given does not fix it.")
    system = "You are careful with causal reasoning and with arithmetic."
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def parse_probability(text: str) -> float | None:
    """The probability in a reply's last ``Answer:`` line; None for "not determined".

    Example
    -------
    >>> parse_probability("... so 0.51.\\nAnswer: 0.510")
    0.51
    >>> parse_probability("Answer: Not determined") is None
    True
    """
    found = re.findall(r"answer\s*[:=]\s*\**\s*(not determined|[01]?\.\d+|[01])\b", str(text),
                       flags=re.IGNORECASE)
    if not found:
        raise CourseError(f"no 'Answer: <probability>' line in the reply: {str(text)[:120]!r}")
    last = found[-1].lower()
    return None if last == "not determined" else float(last)
