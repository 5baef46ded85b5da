"""Scores of learned graphs (hand-computed examples and properties) and the interventional search."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.discovery import (
    compare_graphs,
    draw_comparison,
    from_causallearn,
    interventional_bic_search,
    interventional_essential_graph,
    sachs_consensus_graph,
    sachs_targets,
    shd,
)

TRUE = [("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")]


def test_hand_computed_example() -> None:
    # learned: A->B correct, C->B reversed, A-C undirected, D missing its edge, B->D extra
    learned = [("A", "B"), ("C", "B"), ("A", "C"), ("C", "A"), ("B", "D")]
    c = compare_graphs(learned, TRUE)
    assert c.correct == [("A", "B")]
    assert c.reversed == [("B", "C")]
    assert c.undirected == [("A", "C")]
    assert c.missing == [("C", "D")]
    assert c.extra == [("B", "D")]
    assert c.shd == 4  # reversed 1 + undirected 1 + missing 1 + extra 1
    assert c.n_learned == 4
    assert c.directed_precision == pytest.approx(1 / 4)
    assert c.directed_recall == pytest.approx(1 / 4)
    assert c.skeleton_precision == pytest.approx(3 / 4)
    assert c.skeleton_recall == pytest.approx(3 / 4)
    assert c.summary()["SHD"] == 4


def test_reversed_edge_counts_one() -> None:
    assert shd([("B", "A")], [("A", "B")]) == 1
    assert shd([("A", "B"), ("B", "A")], [("A", "B")]) == 1  # undirected vs directed
    assert shd([], TRUE) == 4
    assert shd(TRUE, TRUE) == 0


def test_empty_learned_graph_has_zero_precision() -> None:
    c = compare_graphs(nx.DiGraph(), TRUE)
    assert c.directed_precision == 0.0 and c.skeleton_recall == 0.0 and c.shd == 4


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="'Q'"):
        compare_graphs([("A", "Q")], TRUE)
    with pytest.raises(ValueError, match="must be a DAG"):
        compare_graphs([("A", "B")], [("A", "B"), ("B", "A")])
    with pytest.raises(ValueError, match="bad edge"):
        compare_graphs([("A", "A")], TRUE)


@st.composite
def dags(draw: st.DrawFn) -> nx.DiGraph:
    n = draw(st.integers(2, 7))
    nodes = [f"V{i}" for i in range(n)]
    pairs = [(nodes[i], nodes[j]) for i in range(n) for j in range(i + 1, n)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(p for p, k in zip(pairs, keep) if k)
    return g


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_shd_properties(truth: nx.DiGraph, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(truth.nodes)))
    pairs = [(order[i], order[j]) for i in range(len(order)) for j in range(i + 1, len(order))]
    keep = data.draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    other = nx.DiGraph()
    other.add_nodes_from(order)
    other.add_edges_from(p for p, k in zip(pairs, keep) if k)  # another DAG on the same nodes
    assert shd(truth, truth) == 0
    assert shd(nx.DiGraph(), truth) == truth.number_of_edges()
    assert shd(other, truth) == shd(truth, other)  # symmetric between two DAGs
    edges = list(truth.edges)
    k = data.draw(st.integers(0, len(edges)))
    flipped = nx.DiGraph([(b, a) for a, b in edges[:k]] + edges[k:])
    assert shd(flipped, truth) == k  # each reversal costs exactly 1
    c = compare_graphs(other, truth)
    assert len(c.correct) + len(c.reversed) + len(c.undirected) + len(c.missing) == truth.number_of_edges()
    assert 0.0 <= c.directed_precision <= c.skeleton_precision <= 1.0


def test_from_causallearn_general_graph() -> None:
    from causallearn.search.ConstraintBased.PC import pc

    rng = np.random.default_rng(1)
    x = rng.normal(size=2000)
    z = rng.normal(size=2000)
    y = x + z + 0.5 * rng.normal(size=2000)  # collider X -> Y <- Z
    graph = from_causallearn(pc(np.c_[x, y, z], 0.01, "fisherz", show_progress=False).G, ["X", "Y", "Z"])
    assert sorted(graph.edges) == [("X", "Y"), ("Z", "Y")]
    with pytest.raises(ValueError, match="names"):
        from_causallearn(np.zeros((2, 2)), ["X", "Y", "Z"])


def test_interventional_search_orients_with_targets() -> None:
    rng = np.random.default_rng(0)
    n = 600
    # X -> Y -> W; experiment 1 sets Y
    x = rng.normal(size=2 * n)
    y = np.r_[0.9 * x[:n] + rng.normal(size=n), rng.normal(2, 1, n)]
    w = -0.8 * y + rng.normal(size=2 * n)
    regime = ["obs"] * n + ["doY"] * n
    g = interventional_bic_search(np.c_[x, y, w], ["X", "Y", "W"], regime, {"doY": ["Y"]})
    assert sorted(g.edges) == [("X", "Y"), ("Y", "W")]
    essential = interventional_essential_graph(g, [["Y"]])
    assert sorted(essential.edges) == [("X", "Y"), ("Y", "W")]
    assert nx.is_directed_acyclic_graph(interventional_bic_search(np.c_[x, y, w], ["X", "Y", "W"], regime))


def test_hill_climb_breaks_near_ties_in_a_fixed_order() -> None:
    from causalcourse.discovery.search import _hill_climb

    # every first parent gains 1 (plus last-digit noise): all adds tie, so the order decides
    for seed in range(8):
        jitter = np.random.default_rng(seed).normal(scale=1e-10, size=3)

        def score(j: int, parents: object, jitter: np.ndarray = jitter) -> float:
            return 1.0 + jitter[j] if list(parents) else 0.0  # type: ignore[call-overload]

        assert sorted(_hill_climb(3, score).edges) == [(0, 1), (0, 2)]


def test_interventional_search_ignores_the_order_of_the_cells() -> None:
    # observational data: X -> Y and Y -> X score the same up to rounding, which depends on
    # the order of the rows; the search must return the same DAG (the first in the fixed order)
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    data = np.c_[x, x + rng.normal(size=500), rng.normal(size=500) + 0.5 * x]
    names = ["X", "Y", "Z"]
    found = {tuple(sorted(interventional_bic_search(data[rng.permutation(500)], names,
                                                    [0] * 500).edges)) for _ in range(6)}
    assert len(found) == 1


def test_interventional_search_bad_input() -> None:
    data = np.zeros((4, 2))
    with pytest.raises(ValueError, match="'Q'"):
        interventional_bic_search(data, ["X", "Y"], [0, 0, 1, 1], {1: ["Q"]})
    with pytest.raises(KeyError, match="'nope'"):
        interventional_bic_search(data, ["X", "Y"], [0, 0, 1, 1], {"nope": ["X"]})
    with pytest.raises(ValueError, match="3 labels"):
        interventional_bic_search(data, ["X", "Y"], [0, 0, 1])


def test_essential_graph_keeps_v_structures() -> None:
    collider = nx.DiGraph([("X", "Y"), ("Z", "Y")])
    assert sorted(interventional_essential_graph(collider).edges) == [("X", "Y"), ("Z", "Y")]
    with pytest.raises(ValueError, match="'Q'"):
        interventional_essential_graph(collider, [["Q"]])


def test_draw_comparison_legend_counts() -> None:
    import matplotlib

    matplotlib.use("Agg")
    ax = draw_comparison([("B", "A"), ("C", "D")], TRUE, title="t")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "reversed (1)" in labels and "missing (2)" in labels and "correct (1)" in labels


def test_sachs_graphs_and_targets() -> None:
    truth = sachs_consensus_graph()
    assert truth.number_of_edges() == 17 and nx.is_directed_acyclic_graph(truth)
    cdt = sachs_consensus_graph("cdt_target_18")
    assert cdt.number_of_edges() == 18
    assert len(set(cdt.edges) & set(truth.edges)) == 13
    targets = sachs_targets()
    assert targets["CD3/CD28"] == [] and targets["G06976"] == ["PKC"] and targets["b2cAMP"] == ["PKA"]
    with pytest.raises(ValueError, match="variant"):
        sachs_consensus_graph("twenty")
