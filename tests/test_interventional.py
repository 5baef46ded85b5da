"""Interventional discovery helpers: GIES and JCI-PC wrappers, bootstrap of SHD, held-out effects."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causalcourse.discovery import (
    interventional_bic_search,
    interventional_essential_graph,
    sachs_consensus_graph,
    sachs_targets,
    shd,
)
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.interventional import (
    bootstrap_heldout,
    bootstrap_shd,
    consistent_extensions,
    gies_search,
    jci_pc,
    learn_from_conditions,
    predict_heldout,
)


def chain_cells(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """X -> Y -> Z, observed and under do(Y) (Y shifted by 3, its mechanism replaced)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2 * n)
    y = np.r_[0.8 * x[:n] + rng.normal(size=n), 3 + rng.normal(size=n)]
    z = -0.7 * y + rng.normal(size=2 * n)
    return pd.DataFrame({"X": x, "Y": y, "Z": z, "condition": ["obs"] * n + ["doY"] * n})


NAMES = ["X", "Y", "Z"]
TARGETS = {"doY": ["Y"]}
TRUTH = nx.DiGraph([("X", "Y"), ("Y", "Z")])


def test_gies_orients_the_targeted_edges() -> None:
    cells = chain_cells()
    graph = gies_search(cells[NAMES].to_numpy(), NAMES, cells["condition"], TARGETS)
    assert sorted(graph.edges) == [("X", "Y"), ("Y", "Z")]
    observational = gies_search(cells[NAMES].to_numpy(), NAMES, cells["condition"])
    assert shd(observational, TRUTH) == 2  # skeleton right, nothing oriented


def test_gies_agrees_with_the_hand_written_search() -> None:
    cells = chain_cells(seed=3)
    data, labels = cells[NAMES].to_numpy(), cells["condition"].to_numpy()
    ours = interventional_essential_graph(
        interventional_bic_search(data, NAMES, labels, TARGETS), [["Y"]])
    assert set(gies_search(data, NAMES, labels, TARGETS).edges) == set(ours.edges)


def test_gies_on_sachs_matches_the_chapter_search() -> None:
    from causalcourse.data import SACHS_NAMES, load_sachs

    names = list(SACHS_NAMES.values())
    cells, targets = load_sachs(log=True), sachs_targets()
    truth = sachs_consensus_graph()
    assert shd(learn_from_conditions(cells, "gies", names, targets), truth) == 11
    assert shd(learn_from_conditions(cells, "bic", names, targets), truth) == 11


def test_gies_bad_input() -> None:
    cells = chain_cells(50)
    data, labels = cells[NAMES].to_numpy(), cells["condition"]
    with pytest.raises(UnknownNameError, match="'Q'"):
        gies_search(data, NAMES, labels, {"doY": ["Q"]})
    with pytest.raises(UnknownNameError, match="'nope'"):
        gies_search(data, NAMES, labels, {"nope": ["X"]})
    with pytest.raises(CourseError, match="every experiment intervenes"):
        gies_search(data, NAMES, labels, {"obs": ["X"], "doY": ["X"]})
    with pytest.raises(CourseError, match="shape"):
        gies_search(data[:, :2], NAMES, labels)
    with pytest.raises(CourseError, match="labels"):
        gies_search(data, NAMES, labels[:-1])
    with pytest.raises(CourseError, match="penalty"):
        gies_search(data, NAMES, labels, TARGETS, penalty=0)
    bad = data.copy()
    bad[0, 0] = np.nan
    with pytest.raises(CourseError, match="non-finite"):
        gies_search(bad, NAMES, labels)


def test_jci_pc_learns_the_target_and_orients_downstream() -> None:
    cells = chain_cells(600, seed=1)
    result = jci_pc(cells[NAMES].to_numpy(), NAMES, cells["condition"], alpha=0.01)
    assert result.targets == {"doY": ["Y"]}
    assert sorted(result.graph.edges) == [("Y", "Z")] or ("Y", "Z") in result.graph.edges
    assert not result.graph.has_edge("Z", "Y")
    # no molecule points into a context variable (JCI assumption 1)
    assert not any(b.startswith("context[") and not a.startswith("context[")
                   for a, b in result.full.edges)


def test_jci_pc_bad_input() -> None:
    cells = chain_cells(50)
    data, labels = cells[NAMES].to_numpy(), cells["condition"]
    with pytest.raises(CourseError, match="alpha"):
        jci_pc(data, NAMES, labels, alpha=1.5)
    with pytest.raises(UnknownNameError, match="'base'"):
        jci_pc(data, NAMES, labels, observational="base")
    with pytest.raises(CourseError, match="at least two experiments"):
        jci_pc(data, NAMES, ["obs"] * len(data))
    with pytest.raises(CourseError, match="clash"):
        jci_pc(data, ["X", "Y", "context[doY]"], labels)


def test_learn_from_conditions_dispatches_and_checks() -> None:
    cells = chain_cells()
    for method in ("gies", "bic"):
        assert shd(learn_from_conditions(cells, method, NAMES, TARGETS), TRUTH) == 0
    # targets naming a condition without cells are ignored (a subset of conditions)
    obs_only = cells[cells["condition"] == "obs"]
    assert learn_from_conditions(obs_only, "gies", NAMES, TARGETS).number_of_edges() == 4
    with pytest.raises(CourseError, match="unknown method"):
        learn_from_conditions(cells, "ges", NAMES)
    with pytest.raises(UnknownNameError, match="'W'"):
        learn_from_conditions(cells, "gies", ["X", "W"])
    with pytest.raises(CourseError, match="non-empty"):
        learn_from_conditions(cells.iloc[:0], "gies", NAMES)


def test_bootstrap_shd_is_paired_and_reproducible() -> None:
    cells = chain_cells(200)
    learners = {m: (lambda d, m=m: learn_from_conditions(d, m, NAMES, TARGETS))
                for m in ("gies", "bic")}
    first = bootstrap_shd(learners, cells, TRUTH, n_boot=4, seed=2)
    again = bootstrap_shd(learners, cells, TRUTH, n_boot=6, seed=2)
    assert list(first.columns) == ["gies", "bic"] and len(first) == 4
    pd.testing.assert_frame_equal(first, again.iloc[:4])  # a slice of a longer run agrees
    with pytest.raises(CourseError, match="at least one learner"):
        bootstrap_shd({}, cells, TRUTH)
    with pytest.raises(CourseError, match="DAG"):
        bootstrap_shd(learners, cells, nx.DiGraph([("X", "Y"), ("Y", "X")]))
    with pytest.raises(UnknownNameError, match="'batch'"):
        bootstrap_shd(learners, cells, TRUTH, strata="batch")


def test_consistent_extensions_of_small_graphs() -> None:
    chain = nx.DiGraph([("X", "Y"), ("Y", "X"), ("Y", "Z"), ("Z", "Y")])
    members = consistent_extensions(chain)
    assert len(members) == 3
    assert all(not (m.has_edge("X", "Y") and m.has_edge("Z", "Y")) for m in members)
    collider = nx.DiGraph([("X", "Y"), ("Z", "Y")])
    assert [sorted(m.edges) for m in consistent_extensions(collider)] == [sorted(collider.edges)]
    # the members of an essential graph are exactly the DAGs it was built from
    dag = nx.DiGraph([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")])
    essential = interventional_essential_graph(dag)
    members = consistent_extensions(essential)
    assert any(set(m.edges) == set(dag.edges) for m in members)
    assert all(interventional_essential_graph(m).edges == essential.edges for m in members)
    with pytest.raises(CourseError, match="max_undirected"):
        consistent_extensions(chain, max_undirected=1)
    with pytest.raises(CourseError, match="not an essential graph"):
        consistent_extensions(nx.DiGraph([("X", "Y"), ("Y", "Z"), ("Z", "X")]))
    with pytest.raises(CourseError, match="DiGraph"):
        consistent_extensions([("X", "Y")])  # type: ignore[arg-type]


def test_predict_heldout_propagates_through_descendants_only() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    w = rng.normal(size=2 * n)
    x = np.r_[w[:n] + rng.normal(size=n), 2 + rng.normal(size=n)]   # do(X) in "drug"
    y = 0.5 * x + rng.normal(size=2 * n)
    cells = pd.DataFrame({"W": w, "X": x, "Y": y, "condition": ["base"] * n + ["drug"] * n})
    graph = nx.DiGraph([("W", "X"), ("X", "Y")])
    table = predict_heldout(cells, ["W", "X", "Y"], graph, "drug", "X", baseline="base")
    assert table.loc["W", "status"] == "non-descendant" and table.loc["W", "causal"] == 0
    assert table.loc["Y", "status"] == "descendant"
    # causal prediction of Y is right; the associational one is not (X's slope on W leaks in)
    assert abs(table.loc["Y", "causal"] - table.loc["Y", "observed"]) < 0.1
    assert abs(table.loc["W", "associational"] - table.loc["W", "observed"]) > 0.5
    undirected = nx.DiGraph([("W", "X"), ("X", "W"), ("X", "Y"), ("Y", "X")])
    both = predict_heldout(cells, ["W", "X", "Y"], undirected, "drug", "X", baseline="base")
    assert set(both["status"]) == {"undetermined"}


def test_predict_heldout_bad_input() -> None:
    cells = chain_cells(100)
    with pytest.raises(UnknownNameError, match="'doZ'"):
        predict_heldout(cells, NAMES, TRUTH, "doZ", "Y", baseline="obs")
    with pytest.raises(UnknownNameError, match="'Q'"):
        predict_heldout(cells, NAMES, TRUTH, "doY", "Q", baseline="obs")
    with pytest.raises(CourseError, match="cannot be the baseline"):
        predict_heldout(cells, NAMES, TRUTH, "obs", "Y", baseline="obs")
    with pytest.raises(UnknownNameError, match="'CD3/CD28'"):
        predict_heldout(cells, NAMES, TRUTH, "doY", "Y")


def test_bootstrap_heldout_shapes_and_checks() -> None:
    cells = chain_cells(150)
    out = bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {"doY": "Y"}, TARGETS, baseline="obs",
                            n_boot=3)
    assert sorted(out["resample"].unique()) == [-1, 0, 1, 2]
    assert set(out["molecule"]) == {"X", "Z"} and set(out["experiment"]) == {"doY"}
    with pytest.raises(UnknownNameError, match="'doY'"):
        bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {}, baseline="obs")
    with pytest.raises(CourseError, match="n_boot"):
        bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {"doY": "Y"}, baseline="obs", n_boot=-1)


def test_searches_refuse_bad_input_before_computing() -> None:
    cells = chain_cells(60)
    data, labels = cells[NAMES].to_numpy(), cells["condition"].to_numpy()
    nan = data.copy()
    nan[3, 1] = np.nan
    with pytest.raises(CourseError, match=r"non-finite.*\['Y'\]"):
        interventional_bic_search(nan, NAMES, labels, TARGETS)
    with pytest.raises(CourseError, match=r"every experiment intervenes on \['Y'\]"):
        interventional_bic_search(data, NAMES, labels, {"obs": ["Y"], "doY": ["Y"]})
    with pytest.raises(CourseError, match=r"list of variables, e.g. \['Y'\], not 'Y'"):
        interventional_bic_search(data, NAMES, labels, {"doY": "Y"})
    with pytest.raises(CourseError, match="must map each experiment"):
        interventional_bic_search(data, NAMES, labels, ["Y"])  # type: ignore[arg-type]
    with pytest.raises(UnknownNameError, match="'nope'"):
        interventional_bic_search(data, NAMES, labels, {"nope": ["Y"]})
    with pytest.raises(CourseError, match="penalty.*'a'"):
        interventional_bic_search(data, NAMES, labels, TARGETS, penalty="a")  # type: ignore
    with pytest.raises(CourseError, match="distinct"):
        interventional_bic_search(data, ["X", "X", "Z"], labels)
    with pytest.raises(CourseError, match="numeric"):
        interventional_bic_search([["a", "b", "c"]], NAMES, [0])
    with pytest.raises(CourseError, match="penalty.*'a'"):
        gies_search(data, NAMES, labels, TARGETS, penalty="a")  # type: ignore[arg-type]
    with pytest.raises(CourseError, match="not 'Y'"):
        gies_search(data, NAMES, labels, {"doY": "Y"})
    with pytest.raises(CourseError, match="alpha.*'a'"):
        jci_pc(data, NAMES, labels, alpha="a")  # type: ignore[arg-type]
    with pytest.raises(UnknownNameError, match="'Q'"):
        jci_pc(data, NAMES, labels, allowed_targets={"doY": ["Q"]})
    with pytest.raises(CourseError, match="collider_rule 'fast'"):
        jci_pc(data, NAMES, labels, collider_rule="fast")
    for penalty in (0, -1.0):
        with pytest.raises(CourseError, match="penalty"):
            learn_from_conditions(cells, "bic", NAMES, TARGETS, penalty=penalty)
    with pytest.raises(CourseError, match="alpha"):
        learn_from_conditions(cells, "jci-pc", NAMES, alpha=0)
    for method in ("bic", "gies"):
        with pytest.raises(UnknownNameError, match="'Q'"):
            learn_from_conditions(cells, method, NAMES, {"doY": ["Q"]})
        with pytest.raises(CourseError, match="not 'Y'"):
            learn_from_conditions(cells, method, NAMES, {"doY": "Y"})
    with pytest.raises(CourseError, match="seed.*'a'"):
        bootstrap_shd({"g": lambda d: TRUTH}, cells, TRUTH, n_boot=2, seed="a")  # type: ignore
    with pytest.raises(CourseError, match=r"\['g'\] must be functions"):
        bootstrap_shd({"g": 3}, cells, TRUTH, n_boot=2)  # type: ignore[dict-item]
    with pytest.raises(CourseError, match="max_undirected"):
        consistent_extensions(TRUTH, max_undirected=-1)


def test_jci_pc_with_the_recorded_targets_as_background_knowledge() -> None:
    cells = chain_cells(600, seed=1)
    data, labels = cells[NAMES].to_numpy(), cells["condition"]
    right = jci_pc(data, NAMES, labels, allowed_targets=TARGETS, collider_rule="maxp")
    assert right.targets == {"doY": ["Y"]} and sorted(right.graph.edges) == [("X", "Y"), ("Y", "Z")]
    # causal-learn drops the forbidden context - Z adjacency with an empty separating set,
    # so the separating-set rule reads context -> Y <- Z as a collider; maxP re-tests it
    artefact = jci_pc(data, NAMES, labels, allowed_targets=TARGETS)
    assert sorted(artefact.graph.edges) == [("X", "Y"), ("Z", "Y")]
    wrong = jci_pc(data, NAMES, labels, allowed_targets={"doY": ["X"]})
    assert wrong.targets["doY"] in ([], ["X"])  # the context may not touch Y or Z
    assert not any(wrong.full.has_edge("context[doY]", v) for v in ("Y", "Z"))


def test_predict_heldout_refuses_bad_input_before_computing() -> None:
    cells = chain_cells(100)
    with pytest.raises(UnknownNameError, match="'Y' is not in the graph"):
        predict_heldout(cells, NAMES, nx.DiGraph([("X", "Z")]), "doY", "Y", baseline="obs")
    nan = cells.copy()
    nan.loc[5, "Z"] = np.nan
    with pytest.raises(CourseError, match=r"\['Z'\] hold a non-finite"):
        predict_heldout(nan, NAMES, TRUTH, "doY", "Y", baseline="obs")
    flat = cells.assign(X=np.where(cells["condition"] == "obs", 1.0, cells["X"]))
    with pytest.raises(CourseError, match=r"\['X'\] are constant in the baseline"):
        predict_heldout(flat, NAMES, TRUTH, "doY", "Y", baseline="obs")
    with pytest.raises(UnknownNameError, match="'Q'"):
        predict_heldout(cells, NAMES, TRUTH, "doY", "Y", {"obs": ["Q"]}, baseline="obs")
    with pytest.raises(UnknownNameError, match="'nope'"):
        predict_heldout(cells, NAMES, TRUTH, "doY", "Y", {"nope": ["X"]}, baseline="obs")
    with pytest.raises(CourseError, match=r"e.g. \['Y'\], not 'Y'"):
        predict_heldout(cells, NAMES, TRUTH, "doY", "Y", {"doY": "Y"}, baseline="obs")
    with pytest.raises(CourseError, match="DiGraph"):
        predict_heldout(cells, NAMES, [("X", "Y")], "doY", "Y", baseline="obs")  # type: ignore
    with pytest.raises(CourseError, match="seed.*'a'"):
        bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {"doY": "Y"}, baseline="obs",
                          n_boot=2, seed="a")  # type: ignore[arg-type]
    with pytest.raises(CourseError, match="one molecule name"):
        bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {"doY": ["Y"]},  # type: ignore
                          baseline="obs", n_boot=2)
    with pytest.raises(CourseError, match="n_boot.*'a'"):
        bootstrap_heldout(cells, NAMES, {"doY": TRUTH}, {"doY": "Y"}, baseline="obs",
                          n_boot="a")  # type: ignore[arg-type]
