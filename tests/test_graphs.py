"""Unit tests of causalcourse.graphs: DAG construction, validation messages, layout, drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.graphs import check_nodes, dag, draw_dag, latent_nodes, layered_positions


def test_dag_builds_a_digraph_with_latent_flags() -> None:
    g = dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"])
    assert set(g.edges) == {("U", "X"), ("U", "Y"), ("X", "Y")}
    assert g.nodes["U"]["latent"] is True and g.nodes["X"]["latent"] is False
    assert latent_nodes(g) == ["U"]


def test_declared_isolated_nodes_are_kept() -> None:
    g = dag([("X", "Y")], nodes=["X", "Y", "W"])
    assert "W" in g and g.degree("W") == 0


def test_cycle_is_named() -> None:
    with pytest.raises(ValueError, match=r"cycle: .*A -> B -> C -> A|cycle: .*B -> C -> A -> B|cycle: .*C -> A -> B -> C"):
        dag([("A", "B"), ("B", "C"), ("C", "A")])


def test_self_loop_is_named() -> None:
    with pytest.raises(ValueError, match="self-loop on node 'X'"):
        dag([("X", "X")])


def test_unknown_node_in_edge_is_named() -> None:
    with pytest.raises(ValueError, match="unknown node 'Smokng'"):
        dag([("Smokng", "Cancer")], nodes=["Smoking", "Cancer"])


def test_unknown_latent_node_is_named() -> None:
    with pytest.raises(ValueError, match="unknown latent node 'U'"):
        dag([("X", "Y")], latent=["U"])


def test_malformed_edge() -> None:
    with pytest.raises(ValueError, match="edge must be a \\(cause, effect\\) pair"):
        dag([("X", "Y", "Z")])  # type: ignore[list-item]


def test_check_nodes() -> None:
    g = dag([("X", "Y")])
    check_nodes(g, ["X", "Y"])
    with pytest.raises(ValueError, match="unknown treatment 'T'"):
        check_nodes(g, ["T"], what="treatment")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20))
def test_forward_edges_always_form_a_dag_and_layout_respects_order(pairs: list[tuple[int, int]]) -> None:
    edges = [(f"v{min(a, b)}", f"v{max(a, b)}") for a, b in pairs if a != b]
    g = dag(edges)
    assert nx.is_directed_acyclic_graph(g)
    pos = layered_positions(g)
    for cause, effect in g.edges:
        assert pos[cause][0] < pos[effect][0], "causes are drawn left of their effects"


def test_layout_rejects_cycles() -> None:
    g = nx.DiGraph([("A", "B"), ("B", "A")])
    with pytest.raises(ValueError, match="needs a DAG"):
        layered_positions(g)


def test_draw_dag_dashes_latent_nodes_and_edges() -> None:
    g = dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"])
    ax = draw_dag(g, title="bow", highlight=["X"])
    assert ax.get_title() == "bow"
    dashed = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert dashed, "the latent node is drawn with a dashed outline"
    with pytest.raises(ValueError, match="unknown highlighted node 'Q'"):
        draw_dag(g, highlight=["Q"])


def test_edges_that_would_cross_a_node_are_bent() -> None:
    from matplotlib.patches import FancyArrowPatch

    g = dag([("Z", "X"), ("X", "Y"), ("Z", "Y")])  # Z, X, Y fall on one line
    ax = draw_dag(g)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3
    styles = sorted(str(a.get_connectionstyle().rad) for a in arrows)
    assert styles == ["0.0", "0.0", "0.35"], "only Z -> Y, which passes through X, is curved"
