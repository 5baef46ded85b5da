"""Tests of causalcourse.identification: latent projection, and y0 / DoWhy agreeing on classic graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from y0.dsl import Variable
from y0.graph import NxMixedGraph

from causalcourse.graphs import dag
from causalcourse.identification import dowhy_estimands, identify_dowhy, identify_y0, latent_projection


def edges(mixed: NxMixedGraph) -> tuple[set, set]:
    directed = {(str(a), str(b)) for a, b in mixed.directed.edges}
    bidirected = {frozenset((str(a), str(b))) for a, b in mixed.undirected.edges}
    return directed, bidirected


BACKDOOR = dag([("Z", "X"), ("Z", "Y"), ("X", "Y")])
FRONTDOOR = dag([("U", "Smoking"), ("U", "Cancer"), ("Smoking", "Tar"), ("Tar", "Cancer")], latent=["U"])
BOW = dag([("U", "X"), ("U", "Y"), ("X", "Y")], latent=["U"])


# ---------------------------------------------------------------- latent projection
def test_projection_of_a_fully_observed_dag_is_the_dag() -> None:
    directed, bidirected = edges(latent_projection(BACKDOOR))
    assert directed == set(BACKDOOR.edges) and not bidirected


def test_latent_root_becomes_a_bidirected_edge() -> None:
    directed, bidirected = edges(latent_projection(FRONTDOOR))
    assert directed == {("Smoking", "Tar"), ("Tar", "Cancer")}
    assert bidirected == {frozenset(("Smoking", "Cancer"))}
    assert {str(v) for v in latent_projection(FRONTDOOR).nodes()} == {"Smoking", "Tar", "Cancer"}


def test_latent_mediator_and_latent_chains() -> None:
    g = dag([("A", "L"), ("L", "X"), ("L", "Y"), ("X", "M"), ("M", "Y"), ("U1", "U2"), ("U2", "A"), ("U1", "Y")],
            latent=["L", "M", "U1", "U2"])
    directed, bidirected = edges(latent_projection(g))
    assert directed == {("A", "X"), ("A", "Y"), ("X", "Y")}
    assert bidirected == {frozenset(("X", "Y")), frozenset(("A", "Y"))}


def test_latent_argument_overrides_node_attributes() -> None:
    directed, bidirected = edges(latent_projection(BACKDOOR, latent=["Z"]))
    assert directed == {("X", "Y")} and bidirected == {frozenset(("X", "Y"))}


def test_agrees_with_y0_on_latent_roots() -> None:
    g = nx.DiGraph()
    for node in ["U1", "U2", "A", "B", "C", "D"]:
        g.add_node(Variable(node), hidden=node.startswith("U"))
    g.add_edges_from((Variable(a), Variable(b)) for a, b in
                     [("U1", "A"), ("U1", "C"), ("U2", "B"), ("U2", "C"), ("U2", "D"), ("A", "B"), ("B", "C")])
    ours = dag([(str(a), str(b)) for a, b in g.edges], latent=["U1", "U2"])
    assert edges(latent_projection(ours)) == edges(NxMixedGraph.from_latent_variable_dag(g, tag="hidden"))


@st.composite
def latent_dags(draw: st.DrawFn) -> nx.DiGraph:
    k = draw(st.integers(3, 7))
    names = [f"V{i}" for i in range(k)]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if draw(st.booleans())]
    hidden = [n for n in names if draw(st.integers(0, 2)) == 0]
    if len(hidden) == k:
        hidden = hidden[1:]
    return dag(pairs, nodes=names, latent=hidden)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(graph=latent_dags())
def test_projection_preserves_d_separation_among_observed_nodes(graph: nx.DiGraph) -> None:
    """Verma & Pearl: the projection (read back as a DAG with latent roots) has the same d-separations."""
    back = latent_projection(graph).to_latent_variable_dag()
    back = nx.relabel_nodes(back, str)
    observed = [n for n, d in graph.nodes(data=True) if not d["latent"]]
    assert {str(v) for v in latent_projection(graph).nodes()} == set(observed)
    back.add_nodes_from(observed)  # y0 drops isolated nodes when it builds the DAG back
    for a, b in itertools.combinations(observed, 2):
        rest = [n for n in observed if n not in (a, b)]
        for size in range(len(rest) + 1):
            for z in itertools.combinations(rest, size):
                assert nx.is_d_separator(graph, {a}, {b}, set(z)) == nx.is_d_separator(back, {a}, {b}, set(z)), (
                    a, b, z)


def test_projection_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="unknown latent node 'W'"):
        latent_projection(BACKDOOR, latent=["W"])
    with pytest.raises(ValueError, match="every node is latent"):
        latent_projection(BOW, latent=["U", "X", "Y"])
    cyclic = nx.DiGraph([("X", "Y"), ("Y", "X")])
    with pytest.raises(ValueError, match="expected a causal DAG"):
        latent_projection(cyclic)


# ---------------------------------------------------------------- y0 and DoWhy on the classic graphs
def test_backdoor_y0_and_dowhy_agree() -> None:
    expression = identify_y0(BACKDOOR, "X", "Y")
    assert expression is not None and "Z" in {str(v) for v in expression.get_variables()}
    assert dowhy_estimands(identify_dowhy(BACKDOOR, "X", "Y"))["backdoor"] == ["Z"]


def test_frontdoor_y0_and_dowhy_agree() -> None:
    expression = identify_y0(FRONTDOOR, "Smoking", "Cancer")
    assert expression is not None
    text = expression.to_latex()
    assert text.startswith(r"\sum\limits_{Tar} P(Tar | Smoking) \sum\limits_{Smoking}")
    assert "P(Cancer | Smoking, Tar)" in text and "P(Smoking)" in text
    found = dowhy_estimands(identify_dowhy(FRONTDOOR, "Smoking", "Cancer"))
    assert found == {"frontdoor": ["Tar"]}


def test_bow_arc_is_not_identifiable_for_either() -> None:
    assert identify_y0(BOW, "X", "Y") is None
    assert dowhy_estimands(identify_dowhy(BOW, "X", "Y")) == {}


def test_identify_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="unknown treatment 'Q'"):
        identify_y0(BACKDOOR, "Q", "Y")
    with pytest.raises(ValueError, match="unknown outcome 'Q'"):
        identify_dowhy(BACKDOOR, "X", ["Q"])
    with pytest.raises(ValueError, match="treatment 'U' is latent"):
        identify_y0(BOW, "U", "Y")
    with pytest.raises(ValueError, match="at least one outcome"):
        identify_dowhy(BOW, "X", [])
