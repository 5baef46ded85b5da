"""Discovery from experiments, judged fairly: interventional searches, bootstraps, held-out effects.

The Sachs chapter compares causal-discovery methods that use the same cells and the
same record of which experiment did what, and asks whether a learned graph predicts
an experiment it has not seen. This module holds the pieces:

- :func:`gies_search` wraps the ``gies`` package (Hauser & Bühlmann 2012, the
  greedy search over interventional equivalence classes with a Gaussian BIC); it
  returns the I-essential graph, the arrows the data and the targets determine.
- :func:`jci_pc` is Joint Causal Inference (Mooij, Magliacane & Claassen 2020)
  with causal-learn's PC: one indicator ("context") variable per experiment is
  added to the data, context variables may cause molecules but not the reverse
  (background knowledge), and the targets are *learned* as the molecules that
  context variables point to.
- :func:`learn_from_conditions` runs any of these (or the chapter's own
  :func:`causalcourse.discovery.interventional_bic_search`) on a table of cells
  with a condition column, so a bootstrap can call it on every resample.
- :func:`bootstrap_shd` re-runs learners on resamples drawn *within each
  condition* (:func:`causalcourse.uncertainty.stratified_bootstrap`), paired: every
  learner sees the same resamples.
- :func:`consistent_extensions` lists the DAGs an essential graph stands for, and
  :func:`predict_heldout` predicts a held-out experiment's mean shifts from a graph
  and the other conditions alone, next to an associational predictor given the same
  data (:func:`bootstrap_heldout` adds within-condition bootstrap intervals).

Only the prediction rule and the enumeration of extensions are hand-written (they
are the lesson); the searches are the libraries' (``gies``, causal-learn).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import networkx as nx
import numpy as np
import pandas as pd

from causalcourse.discovery import (
    check_experiments,
    from_causallearn,
    interventional_bic_search,
    interventional_essential_graph,
    shd,
)
from causalcourse.errors import CourseError, check_known
from causalcourse.uncertainty import bootstrap_indices, stratified_bootstrap

__all__ = [
    "JCIResult",
    "bootstrap_heldout",
    "bootstrap_shd",
    "consistent_extensions",
    "gies_search",
    "jci_pc",
    "learn_from_conditions",
    "predict_heldout",
]

METHODS = ("gies", "bic", "jci-pc")


def _check_inputs(data: np.ndarray, names: Sequence[str], regime: Sequence[object],
                  targets: Mapping[object, Iterable[str]] | None) -> tuple[np.ndarray, list[str],
                                                                        np.ndarray, list[object],
                                                                        dict[object, list[str]]]:
    return check_experiments(data, names, regime, targets)


def _check_number(value: object, what: str, low: float = 0.0, high: float = np.inf) -> float:
    """``value`` as a float strictly between ``low`` and ``high``, or a CourseError naming it."""
    if isinstance(value, bool) or not isinstance(value, Real) or not low < float(value) < high:
        limits = f"strictly between {low:g} and {high:g}" if high < np.inf else f"above {low:g}"
        raise CourseError(f"{what} must be a number {limits}, got {value!r}")
    return float(value)


def _check_count(value: object, what: str, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum``, or a CourseError naming it."""
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < minimum:
        raise CourseError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _check_target_lists(targets: object, names: Sequence[str]) -> dict[str, list[str]]:
    """``targets`` as ``{experiment: [molecules]}``: a mapping of lists of known molecules."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise CourseError("targets must map each condition to its list of targets, e.g. "
                          f"{{'U0126': ['Mek']}}, got {type(targets).__name__}")
    out = {}
    for r, ts in targets.items():
        if isinstance(ts, str) or not isinstance(ts, Iterable):
            raise CourseError(f"the targets of condition {r!r} must be a list of molecules, "
                              f"e.g. [{ts!r}], not {ts!r}")
        out[str(r)] = list(ts)
        check_known(out[str(r)], names, what="target",
                    where=f"the variables (it is listed for condition {r!r})")
    return out


def _to_digraph(adjacency: np.ndarray, names: Sequence[str]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    for i, j in zip(*np.nonzero(adjacency), strict=True):
        graph.add_edge(names[i], names[j])
    return graph


def gies_search(data: np.ndarray, names: Sequence[str], regime: Sequence[object],
                targets: Mapping[object, Iterable[str]] | None = None,
                penalty: float = 1.0) -> nx.DiGraph:
    """GIES (the ``gies`` package) on samples labelled by experiment; returns the I-essential graph.

    ``targets[r]`` lists the variables experiment ``r`` intervened on (experiments
    not named are observational). Each experiment's samples are centred separately
    (``gies`` fits one intercept per experiment), a variable's mechanism is scored
    only on the experiments that do not target it, and the penalty is ``penalty``
    times the BIC's ``log(n) / 2`` per parameter. Undirected edges of the result are
    stored as both arcs. Every variable must be left alone by at least one experiment.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=500), rng.normal(3, 1, 500)]   # second half: do(X)
    >>> y = 2 * x + rng.normal(size=1000)
    >>> sorted(gies_search(np.c_[x, y], ["X", "Y"], [0] * 500 + [1] * 500, {1: ["X"]}).edges)
    [('X', 'Y')]
    """
    import gies
    from gies.scores.gauss_int_l0_pen import GaussIntL0Pen

    array, names, labels, order, known = _check_inputs(data, names, regime, targets)
    penalty = _check_number(penalty, "penalty")
    blocks = [array[labels == r] for r in order]
    small = [r for r, b in zip(order, blocks, strict=True) if len(b) < 2]
    if small:
        raise CourseError(f"experiment(s) {small} have fewer than two samples")
    index = {n: i for i, n in enumerate(names)}
    family = [sorted(index[n] for n in known.get(r, ())) for r in order]
    score = GaussIntL0Pen(blocks, family, lmbda=penalty * 0.5 * np.log(len(array)))
    adjacency, _ = gies.fit(score)
    return _to_digraph(adjacency, names)


@dataclass(frozen=True)
class JCIResult:
    """JCI-PC output: the graph over the system variables and the learned targets.

    ``graph`` holds the system variables only (undirected edges as both arcs);
    ``targets[r]`` lists the variables that experiment ``r``'s context variable
    points to; ``full`` is the whole learned graph, context variables included.

    Example
    -------
    >>> JCIResult(nx.DiGraph([("X", "Y")]), {"drug": ["X"]}, nx.DiGraph()).targets
    {'drug': ['X']}
    """

    graph: nx.DiGraph
    targets: dict[object, list[str]]
    full: nx.DiGraph

    def __post_init__(self) -> None:
        for field, value in (("graph", self.graph), ("full", self.full)):
            if not isinstance(value, nx.DiGraph):
                raise CourseError(f"JCIResult.{field} must be a networkx DiGraph, "
                                  f"got {type(value).__name__}")
        if not isinstance(self.targets, Mapping):
            raise CourseError("JCIResult.targets must map each experiment to its learned "
                              f"targets, got {type(self.targets).__name__}")


def jci_pc(data: np.ndarray, names: Sequence[str], regime: Sequence[object],
           alpha: float = 0.01, observational: object | None = None,
           allowed_targets: Mapping[object, Iterable[str]] | None = None,
           collider_rule: str = "sepset") -> JCIResult:
    """Joint Causal Inference with causal-learn's PC (Fisher z): the targets are learned, not given.

    One 0/1 context variable per experiment other than ``observational`` (default:
    the first label in ``regime``) is appended to the data. Background knowledge puts
    the context variables in an earlier tier, so no molecule may cause a context
    (JCI assumption 1); PC then learns which molecules each context affects, and the
    Meek rules carry those orientations into the system. Fisher z treats the 0/1
    indicators as Gaussian: a linear test of mean shifts. With ``allowed_targets``
    the context of experiment ``r`` may only point to ``allowed_targets[r]`` (an
    experiment not named there to nothing): the recorded targets as background
    knowledge instead of learned ones. causal-learn removes such a forbidden
    adjacency before testing, with an empty separating set, so the ``"sepset"`` rule
    then reads every context -> target - neighbour triple as a collider; use
    ``"maxp"`` with ``allowed_targets``. ``collider_rule`` is
    how PC orients unshielded colliders: ``"sepset"`` (causal-learn's default, from
    the separating sets found) or ``"maxp"`` (the conditioning set with the largest
    p-value, re-tested for each triple; Ramsey 2016).

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> x = np.r_[rng.normal(size=600), rng.normal(2, 1, 600)]   # the second experiment moves X
    >>> y = x + rng.normal(size=1200)
    >>> result = jci_pc(np.c_[x, y], ["X", "Y"], ["obs"] * 600 + ["drug"] * 600)
    >>> sorted(result.graph.edges), result.targets
    ([('X', 'Y')], {'drug': ['X']})
    >>> jci_pc(np.c_[x, y], ["X", "Y"], ["obs"] * 600 + ["drug"] * 600,
    ...        allowed_targets={"drug": ["Y"]}).targets   # the drug moves X, not Y
    {'drug': []}
    """
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

    array, names, labels, order, _ = _check_inputs(data, names, regime, None)
    alpha = _check_number(alpha, "alpha", 0.0, 1.0)
    rules = {"sepset": 0, "maxp": 1}
    if not isinstance(collider_rule, str) or collider_rule not in rules:
        raise CourseError(f"unknown collider_rule {collider_rule!r}; choose 'sepset' or 'maxp'")
    base = order[0] if observational is None else observational
    check_known([base], order, what="observational experiment", where="the regime labels")
    allowed = None
    if allowed_targets is not None:
        allowed = _check_inputs(array, names, labels.tolist(), allowed_targets)[4]
    contexts = [r for r in order if r != base]
    if not contexts:
        raise CourseError("jci_pc needs at least two experiments (one besides the observational)")
    context_names = [f"context[{r}]" for r in contexts]
    clash = sorted(set(context_names) & set(names))
    if clash:
        raise CourseError(f"variable name(s) {clash} clash with the context variables")
    indicators = np.column_stack([(labels == r).astype(float) for r in contexts])
    all_names = names + context_names
    knowledge = BackgroundKnowledge()
    for name in context_names:
        knowledge.add_node_to_tier(GraphNode(name), 0)
    for name in names:
        knowledge.add_node_to_tier(GraphNode(name), 1)
    if allowed is not None:  # forbidden both ways (the tiers forbid the other): no adjacency
        for r, c in zip(contexts, context_names, strict=True):
            for name in names:
                if name not in allowed.get(r, ()):
                    knowledge.add_forbidden_by_node(GraphNode(c), GraphNode(name))
    found = pc(np.column_stack([array, indicators]), alpha, "fisherz", show_progress=False,
               uc_rule=rules[collider_rule], background_knowledge=knowledge,
               node_names=all_names)
    full = from_causallearn(found.G, all_names)
    learned = {r: sorted(v for v in full.successors(c) if v in names and not full.has_edge(v, c))
               for r, c in zip(contexts, context_names, strict=True)}
    return JCIResult(full.subgraph(names).copy(), learned, full)


def learn_from_conditions(cells: pd.DataFrame, method: str, names: Sequence[str],
                          targets: Mapping[object, Iterable[str]] | None = None,
                          condition: str = "condition", penalty: float = 1.0,
                          alpha: float = 0.01) -> nx.DiGraph:
    """The essential graph that ``method`` learns from a table of cells with a condition column.

    ``method`` is ``"gies"`` (:func:`gies_search`), ``"bic"`` (the chapter's greedy
    DAG search :func:`~causalcourse.discovery.interventional_bic_search`, reduced to
    its interventional essential graph) or ``"jci-pc"`` (:func:`jci_pc` with the first
    condition as the observational one; it learns the targets, so ``targets`` is not
    used, and ``penalty`` is not either). ``alpha`` is JCI-PC's significance level.
    Experiments in ``targets`` that have no cells in ``cells`` are ignored, so the
    same mapping serves a subset of conditions; every target must still be one of
    ``names``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=300), rng.normal(3, 1, 300)]
    >>> cells = pd.DataFrame({"X": x, "Y": x + rng.normal(size=600),
    ...                       "condition": ["obs"] * 300 + ["doX"] * 300})
    >>> sorted(learn_from_conditions(cells, "gies", ["X", "Y"], {"doX": ["X"]}).edges)
    [('X', 'Y')]
    """
    if method not in METHODS:
        raise CourseError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(cells, pd.DataFrame) or cells.empty:
        raise CourseError("cells must be a non-empty pandas DataFrame")
    if isinstance(names, str):
        raise CourseError(f"names must be a list of columns, not the string {names!r}")
    names = list(names)
    check_known(names + [condition], cells.columns, what="column", where="the cells")
    penalty = _check_number(penalty, "penalty")
    alpha = _check_number(alpha, "alpha", 0.0, 1.0)
    given = _check_target_lists(targets, names)
    labels = cells[condition].astype(str).to_numpy()
    present = set(labels.tolist())
    known: dict[object, list[str]] = {r: ts for r, ts in given.items() if r in present}
    data = cells[names].to_numpy(dtype=float)
    if method == "gies":
        return gies_search(data, names, labels, known, penalty)
    if method == "jci-pc":
        return jci_pc(data, names, labels, alpha).graph
    dag = interventional_bic_search(data, names, labels, known, penalty=penalty)
    return interventional_essential_graph(dag, [ts for ts in known.values() if ts])


def bootstrap_shd(learners: Mapping[str, Callable[[pd.DataFrame], nx.DiGraph]],
                  cells: pd.DataFrame, truth: nx.DiGraph, strata: str | None = "condition",
                  n_boot: int = 20, seed: int = 0) -> pd.DataFrame:
    """SHD of every learner's graph on ``n_boot`` resamples drawn within each condition.

    All learners see the same resamples, so column differences are paired. Returns
    one row per resample and one integer column per learner.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=300), rng.normal(3, 1, 300)]
    >>> cells = pd.DataFrame({"X": x, "Y": x + rng.normal(size=600),
    ...                       "condition": ["obs"] * 300 + ["doX"] * 300})
    >>> learn = {"GIES": lambda d: learn_from_conditions(d, "gies", ["X", "Y"], {"doX": ["X"]})}
    >>> bootstrap_shd(learn, cells, nx.DiGraph([("X", "Y")]), n_boot=3)["GIES"].tolist()
    [0, 0, 0]
    """
    if not isinstance(learners, Mapping) or not learners:
        raise CourseError("bootstrap_shd needs at least one learner "
                          "(a mapping of names to functions)")
    not_callable = [name for name, learn in learners.items() if not callable(learn)]
    if not_callable:
        raise CourseError(f"learner(s) {not_callable} must be functions of a table of cells")
    n_boot = _check_count(n_boot, "n_boot", 1)
    seed = _check_count(seed, "seed")
    if not isinstance(truth, nx.DiGraph) or not nx.is_directed_acyclic_graph(truth):
        raise CourseError("truth must be a networkx DAG")

    def statistic(sample: pd.DataFrame) -> dict[str, int]:
        return {name: shd(learn(sample), truth) for name, learn in learners.items()}

    table = stratified_bootstrap(statistic, cells, strata=strata, n_boot=n_boot, seed=seed)
    return table.astype(int)


def _v_structures(graph: nx.DiGraph, directed_only: bool = False) -> set[tuple[str, str, str]]:
    found = set()
    for child in graph.nodes:
        parents = [p for p in graph.predecessors(child) if not graph.has_edge(child, p)] \
            if directed_only else list(graph.predecessors(child))
        for a, b in itertools.combinations(sorted(parents), 2):
            if not graph.has_edge(a, b) and not graph.has_edge(b, a):
                found.add((a, child, b))
    return found


def consistent_extensions(graph: nx.DiGraph, max_undirected: int = 12) -> list[nx.DiGraph]:
    """Every DAG an essential graph stands for.

    Its undirected edges are oriented in every way that makes no cycle and no new v-structure.

    ``graph`` stores an undirected edge as both arcs. Orientations are enumerated
    (``max_undirected`` bounds the 2^k candidates), so keep it for small graphs.

    Example
    -------
    >>> chain = nx.DiGraph([("X", "Y"), ("Y", "X"), ("Y", "Z"), ("Z", "Y")])   # X - Y - Z
    >>> len(consistent_extensions(chain))   # X->Y->Z, X<-Y<-Z, X<-Y->Z (not the collider)
    3
    """
    if not isinstance(graph, nx.DiGraph):
        raise CourseError("graph must be a networkx DiGraph (an undirected edge as both arcs)")
    max_undirected = _check_count(max_undirected, "max_undirected")
    undirected = sorted({tuple(sorted((a, b))) for a, b in graph.edges if graph.has_edge(b, a)})
    if len(undirected) > max_undirected:
        raise CourseError(f"{len(undirected)} undirected edges: enumeration is limited to "
                          f"max_undirected={max_undirected}")
    directed = [(a, b) for a, b in graph.edges if not graph.has_edge(b, a)]
    wanted = _v_structures(graph, directed_only=True)
    members = []
    for flips in itertools.product((False, True), repeat=len(undirected)):
        candidate = nx.DiGraph()
        candidate.add_nodes_from(graph.nodes)
        candidate.add_edges_from(directed)
        candidate.add_edges_from((b, a) if f else (a, b)
                                 for (a, b), f in zip(undirected, flips, strict=True))
        if nx.is_directed_acyclic_graph(candidate) and _v_structures(candidate) == wanted:
            members.append(candidate)
    if not members:
        raise CourseError("no DAG is consistent with this graph: it is not an essential graph")
    return members


def _centred_by_condition(values: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=k).astype(float)
    sums = np.zeros((k, values.shape[1]))
    np.add.at(sums, codes, values)
    return values - (sums / np.maximum(counts, 1.0)[:, None])[codes]


def _predict(values: np.ndarray, labels: np.ndarray, names: list[str],
             members: list[nx.DiGraph], held_out: str, target: str,
             known: Mapping[str, set[str]], baseline: str) -> dict[str, tuple[float, float,
                                                                             float, str]]:
    """The numerical core of :func:`predict_heldout` on arrays (rows of cells, one label each)."""
    index = {n: i for i, n in enumerate(names)}
    base = values[labels == baseline]
    z = (values - base.mean(axis=0)) / base.std(axis=0, ddof=1)
    test = labels == held_out
    train_z, train_labels = z[~test], labels[~test]
    conditions, codes = np.unique(train_labels, return_inverse=True)
    centred = _centred_by_condition(train_z, codes, len(conditions))
    dose = float(z[test, index[target]].mean())
    cache: dict[tuple[str, tuple[str, ...], bool], np.ndarray] = {}

    def slopes(node: str, inputs: tuple[str, ...], skip_targeting: bool) -> np.ndarray:
        key = (node, inputs, skip_targeting)
        if key not in cache:
            skip = [r for r, ts in known.items() if node in ts] if skip_targeting else []
            rows = ~np.isin(train_labels, skip)
            a = centred[np.ix_(rows, np.array([index[i] for i in inputs]))]
            cache[key] = np.linalg.lstsq(a, centred[rows, index[node]], rcond=None)[0]
        return cache[key]

    causal = np.zeros((len(members), len(names)))
    descendant = np.zeros((len(members), len(names)), dtype=bool)
    for k, dag in enumerate(members):
        shift = dict.fromkeys(names, 0.0)
        shift[target] = dose
        below = nx.descendants(dag, target)
        for node in nx.topological_sort(dag.subgraph(below | {target})):
            if node != target:
                parents = tuple(sorted(dag.predecessors(node)))
                shift[node] = float(slopes(node, parents, True) @ [shift[q] for q in parents])
        causal[k] = [shift[n] for n in names]
        descendant[k] = [n in below for n in names]
    out = {}
    for i, node in enumerate(names):
        if node == target:
            continue
        status = ("descendant" if descendant[:, i].all() else
                  "non-descendant" if not descendant[:, i].any() else "undetermined")
        out[node] = (float(z[test, i].mean()), float(causal[:, i].mean()),
                     float(slopes(node, (target,), False)[0] * dose), status)
    return out


def _check_heldout(cells: pd.DataFrame, names: list[str], graphs: Mapping[str, nx.DiGraph],
                   held_targets: Mapping[str, str], targets: object, baseline: str,
                   condition: str) -> tuple[np.ndarray, np.ndarray, dict[str, list[str]]]:
    """Check the input of the held-out predictors; return values, labels and targets."""
    if not isinstance(cells, pd.DataFrame) or cells.empty:
        raise CourseError("cells must be a non-empty pandas DataFrame")
    if len(set(names)) != len(names):
        raise CourseError(f"the molecule names must be distinct, got {names}")
    check_known(names + [condition], cells.columns, what="column", where="the cells")
    try:
        values = cells[names].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise CourseError(f"the columns {names} must be numeric") from None
    bad = [n for n, ok in zip(names, np.isfinite(values).all(axis=0), strict=True) if not ok]
    if bad:
        raise CourseError(f"column(s) {bad} hold a non-finite value (NaN or infinity)")
    labels = cells[condition].astype(str).to_numpy()
    present = sorted(set(labels.tolist()))
    check_known([baseline], present, what="condition", where="the cells")
    base = values[labels == baseline]
    if len(base) < 2:
        raise CourseError(f"the baseline condition {baseline!r} needs at least two cells")
    flat = [n for n, sd in zip(names, base.std(axis=0), strict=True) if not sd > 0]
    if flat:
        raise CourseError(f"molecule(s) {flat} are constant in the baseline cells: a shift in "
                          "baseline standard deviations is undefined")
    known = _check_target_lists(targets, names)
    check_known(list(known), present, what="condition of targets", where="the cells")
    for held_out, graph in graphs.items():
        check_known([held_out], present, what="condition", where="the cells")
        if held_out == baseline:
            raise CourseError(f"the held-out experiment {held_out!r} cannot be the baseline")
        if not isinstance(graph, nx.DiGraph):
            raise CourseError(f"the graph for {held_out!r} must be a networkx DiGraph "
                              "(an undirected edge as both arcs)")
        target = held_targets[held_out]
        if not isinstance(target, str):
            raise CourseError(f"the target of {held_out!r} must be one molecule name, "
                              f"got {target!r}")
        check_known([target], names, what="target", where="the variables")
        check_known([target], graph.nodes, what="target", where=f"the graph for {held_out!r}")
        check_known(list(graph.nodes), names, what="graph node", where="the variables")
    return values, labels, known


def _known_targets(targets: Mapping[str, list[str]], held_out: str) -> dict[str, set[str]]:
    return {r: set(ts) for r, ts in targets.items() if r != held_out}


_COLUMNS = ["observed", "causal", "associational", "status"]


def predict_heldout(cells: pd.DataFrame, names: Sequence[str], graph: nx.DiGraph, held_out: str,
                    target: str, targets: Mapping[object, Iterable[str]] | None = None,
                    baseline: str = "CD3/CD28", condition: str = "condition") -> pd.DataFrame:
    """Predict each molecule's mean shift in a held-out experiment from ``graph`` and the others.

    Units are standard deviations of the ``baseline`` cells. The experiment's effect
    on its ``target`` (the observed shift of the target, its "dose") is given to both
    predictors; nothing else about the held-out cells is used:

    - **causal**: in each DAG the (essential) ``graph`` stands for, non-descendants of
      the target keep their baseline level and descendants move through linear
      mechanisms fitted on the other conditions (within-condition slopes, leaving out
      the conditions that target the molecule); the prediction is the average over
      those DAGs, and ``status`` says whether the molecule is a descendant in all of
      them, in none, or only in some ("undetermined");
    - **associational**: the within-condition regression slope of the molecule on the
      target, from the same cells, times the target's shift.

    Returns one row per molecule other than the target: ``observed``, ``causal``,
    ``associational`` and ``status``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=900), rng.normal(2, 1, 300)]
    >>> y = 0.5 * x + rng.normal(size=1200)
    >>> cells = pd.DataFrame({"X": x, "Y": y, "condition": ["base"] * 900 + ["drug"] * 300})
    >>> out = predict_heldout(cells, ["X", "Y"], nx.DiGraph([("X", "Y")]), "drug", "X",
    ...                       baseline="base")
    >>> out.round(1).to_dict("index")
    {'Y': {'observed': 0.9, 'causal': 0.9, 'associational': 0.9, 'status': 'descendant'}}
    """
    if isinstance(names, str):
        raise CourseError(f"names must be a list of molecules, not the string {names!r}")
    names = list(names)
    values, labels, known = _check_heldout(cells, names, {held_out: graph}, {held_out: target},
                                           targets, baseline, condition)
    out = _predict(values, labels, names, consistent_extensions(graph), held_out, target,
                   _known_targets(known, held_out), baseline)
    return pd.DataFrame.from_dict(out, orient="index", columns=_COLUMNS)


def bootstrap_heldout(cells: pd.DataFrame, names: Sequence[str],
                      graphs: Mapping[str, nx.DiGraph], held_targets: Mapping[str, str],
                      targets: Mapping[object, Iterable[str]] | None = None,
                      baseline: str = "CD3/CD28", condition: str = "condition",
                      n_boot: int = 50, seed: int = 0) -> pd.DataFrame:
    """:func:`predict_heldout` for several held-out experiments, on the data and on resamples.

    ``graphs[e]`` is the graph learned without experiment ``e`` and
    ``held_targets[e]`` its target. Graphs are held fixed; the cells of every condition
    are resampled within the condition, so the intervals cover the sampling noise of
    the observed shifts and of the fitted mechanisms (not the graph search). Returns
    one row per (experiment, molecule, resample); resample ``-1`` is the original data.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(size=900), rng.normal(2, 1, 300)]
    >>> cells = pd.DataFrame({"X": x, "Y": 0.5 * x + rng.normal(size=1200),
    ...                       "condition": ["base"] * 900 + ["drug"] * 300})
    >>> out = bootstrap_heldout(cells, ["X", "Y"], {"drug": nx.DiGraph([("X", "Y")])},
    ...                         {"drug": "X"}, baseline="base", n_boot=4)
    >>> sorted(out["resample"].unique().tolist())
    [-1, 0, 1, 2, 3]
    """
    if isinstance(names, str):
        raise CourseError(f"names must be a list of molecules, not the string {names!r}")
    names = list(names)
    if not isinstance(graphs, Mapping) or not graphs:
        raise CourseError("bootstrap_heldout needs a mapping of at least one held-out "
                          "experiment to its graph")
    if not isinstance(held_targets, Mapping):
        raise CourseError("held_targets must map each held-out experiment to its target")
    check_known(list(graphs), list(held_targets), what="held-out experiment",
                where="held_targets")
    n_boot = _check_count(n_boot, "n_boot")
    seed = _check_count(seed, "seed")
    values, labels, known = _check_heldout(cells, names, graphs, held_targets, targets,
                                           baseline, condition)
    members = {e: consistent_extensions(g) for e, g in graphs.items()}
    rng = np.random.default_rng(seed)
    rows = []
    for resample in range(-1, n_boot):
        pick = np.arange(len(labels)) if resample < 0 else bootstrap_indices(labels, rng)
        for e in graphs:
            out = _predict(values[pick], labels[pick], names, members[e], e, held_targets[e],
                           _known_targets(known, e), baseline)
            rows += [(e, m, *v, resample) for m, v in out.items()]
    return pd.DataFrame(rows, columns=["experiment", "molecule", *_COLUMNS, "resample"])
