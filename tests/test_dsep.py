"""Unit tests of causalcourse.dsep: the hand-written d-separation walk and Meek's rules against
networkx and causal-learn, the do-calculus conditions, the checkers' verdicts and messages, and
bad input."""

from __future__ import annotations

import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.discovery import interventional_essential_graph
from causalcourse.dsep import (
    blocking_node,
    check_adjustment_set,
    check_d_separation,
    check_do_calculus_step,
    check_markov_equivalent,
    cpdag,
    cpdag_causallearn,
    d_separated,
    describe_path,
    do_calculus_condition,
    draw_cpdag,
    evaluate_estimand,
    fisher_z_pvalues,
    implied_covariance,
    is_backdoor_set,
    linear_gaussian_scm,
    markov_equivalent,
    mutilate,
    odds_ratio_interval,
    path_table,
    paths_between,
    random_dag,
    skeleton,
    v_structures,
)
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.graphs import dag

CONFOUNDED = dag([("Z", "X"), ("Z", "Y"), ("X", "Y")])
FRONT_DOOR = dag([("U", "X"), ("U", "Y"), ("X", "M"), ("M", "Y")], latent=["U"])
M_GRAPH = dag([("A", "X"), ("A", "M"), ("B", "M"), ("B", "Y"), ("X", "Y")])
CYCLIC = nx.DiGraph([("A", "B"), ("B", "C"), ("C", "A")])


# --------------------------------------------------------------------- d-separation
@st.composite
def dag_and_query(draw):
    n = draw(st.integers(min_value=2, max_value=8))
    p = draw(st.floats(min_value=0.0, max_value=0.8))
    graph = random_dag(n, p, seed=draw(st.integers(0, 10_000)))
    nodes = sorted(graph.nodes)
    x = draw(st.sampled_from(nodes))
    y = draw(st.sampled_from([v for v in nodes if v != x]))
    rest = [v for v in nodes if v not in (x, y)]
    z = draw(st.sets(st.sampled_from(rest), max_size=len(rest))) if rest else set()
    return graph, x, y, z


@settings(max_examples=400, deadline=None)
@given(dag_and_query())
def test_walk_agrees_with_networkx(query) -> None:
    graph, x, y, z = query
    assert d_separated(graph, x, y, z) == nx.is_d_separator(graph, {x}, {y}, z)


@settings(max_examples=150, deadline=None)
@given(dag_and_query())
def test_path_by_path_agrees_with_the_walk(query) -> None:
    graph, x, y, z = query
    some_path_open = any(blocking_node(graph, p, z) is None for p in paths_between(graph, x, y))
    assert some_path_open == (not d_separated(graph, x, y, z))


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 7), st.floats(0.1, 0.7), st.integers(0, 10_000))
def test_walk_agrees_with_networkx_for_sets(n, p, seed) -> None:
    graph = random_dag(n, p, seed)
    nodes = sorted(graph.nodes)
    rng = np.random.default_rng(seed)
    for _ in range(10):
        roles = rng.integers(0, 4, size=len(nodes))   # 0: x, 1: y, 2: given, 3: unused
        xs = {v for v, r in zip(nodes, roles, strict=True) if r == 0}
        ys = {v for v, r in zip(nodes, roles, strict=True) if r == 1}
        zs = {v for v, r in zip(nodes, roles, strict=True) if r == 2}
        if xs and ys:
            assert d_separated(graph, xs, ys, zs) == nx.is_d_separator(graph, xs, ys, zs)


def test_three_junctions() -> None:
    chain = dag([("X", "M"), ("M", "Y")])
    fork = dag([("M", "X"), ("M", "Y")])
    collider = dag([("X", "M"), ("Y", "M"), ("M", "D")])
    assert not d_separated(chain, "X", "Y") and d_separated(chain, "X", "Y", "M")
    assert not d_separated(fork, "X", "Y") and d_separated(fork, "X", "Y", "M")
    assert d_separated(collider, "X", "Y")
    assert not d_separated(collider, "X", "Y", "M") and not d_separated(collider, "X", "Y", "D")


def test_paths_and_table() -> None:
    assert paths_between(M_GRAPH, "X", "Y") == [["X", "Y"], ["X", "A", "M", "B", "Y"]]
    assert describe_path(M_GRAPH, ["X", "A", "M", "B", "Y"]) == "X ← A → M ← B → Y"
    table = path_table(M_GRAPH, "X", "Y", given={"M"})
    assert table.status.tolist() == ["open", "open"]
    assert "M: collider" in table.junctions.iloc[1]
    assert blocking_node(M_GRAPH, ["X", "A", "M", "B", "Y"], {"M", "A"})[0] == "A"
    with pytest.raises(CourseError, match="not adjacent"):
        describe_path(M_GRAPH, ["X", "B"])


# --------------------------------------------------------------------- equivalence, CPDAG
@settings(max_examples=150, deadline=None)
@given(st.integers(1, 7), st.floats(0.0, 0.9), st.integers(0, 10_000))
def test_meek_cpdag_agrees_with_causallearn(n, p, seed) -> None:
    graph = random_dag(n, p, seed)
    assert set(cpdag(graph).edges) == set(cpdag_causallearn(graph).edges)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 6), st.floats(0.2, 0.9), st.integers(0, 10_000), st.data())
def test_interventional_cpdag_agrees_with_enumeration(n, p, seed, data) -> None:
    graph = random_dag(n, p, seed)
    target = data.draw(st.sets(st.sampled_from(sorted(graph.nodes)), min_size=1, max_size=2))
    assert set(cpdag(graph, targets=[target]).edges) == set(
        interventional_essential_graph(graph, [target]).edges)


def test_equivalence_is_same_d_separations_on_three_nodes() -> None:
    nodes = ["A", "B", "C"]
    pairs = list(itertools.permutations(nodes, 2))
    dags = []
    for choice in itertools.product([0, 1, 2], repeat=3):   # each node pair: none, ->, <-
        edges = []
        for (a, b), c in zip(itertools.combinations(nodes, 2), choice, strict=True):
            edges += [(a, b)] if c == 1 else [(b, a)] if c == 2 else []
        g = nx.DiGraph(edges)
        g.add_nodes_from(nodes)
        if nx.is_directed_acyclic_graph(g):
            dags.append(g)
    assert len(dags) == 25 and len(pairs) == 6

    def statements(g):
        return frozenset((a, b, frozenset(z)) for a, b in itertools.combinations(nodes, 2)
                         for r in range(2) for z in itertools.combinations(
                             [c for c in nodes if c not in (a, b)], r) if d_separated(g, a, b, z))

    for g1, g2 in itertools.combinations(dags, 2):
        assert markov_equivalent(g1, g2) == (statements(g1) == statements(g2))


def test_skeleton_and_v_structures() -> None:
    assert skeleton(M_GRAPH) == {frozenset(e) for e in M_GRAPH.edges}
    assert v_structures(M_GRAPH) == {("A", "M", "B"), ("B", "Y", "X")}
    assert v_structures(CONFOUNDED) == set()


def test_cpdag_explains_its_arrows() -> None:
    graph = dag([("A", "C"), ("B", "C"), ("C", "D"), ("A", "D")])
    p, reasons = cpdag(graph, explain=True)
    assert reasons[("A", "C")].startswith("v-structure") and reasons[("C", "D")] == "Meek rule 1"
    assert reasons[("A", "D")] == "Meek rule 2"
    assert set(p.edges) == set(cpdag_causallearn(graph).edges) == set(graph.edges)


# --------------------------------------------------------------------- adjustment, do-calculus
@settings(max_examples=300, deadline=None)
@given(dag_and_query())
def test_backdoor_check_agrees_with_llm_exact_is_backdoor_set(query) -> None:
    """The chapter's check (hand-written d-separation walk) against the LLM engine's, which
    calls networkx's is_d_separator, on random DAGs and adjustment sets."""
    from causalcourse.llm.exact import is_backdoor_set as exact_is_backdoor_set

    graph, x, y, z = query
    assert is_backdoor_set(graph, x, y, z) == exact_is_backdoor_set(graph, x, y, sorted(z))


def test_backdoor_and_mutilation() -> None:
    assert is_backdoor_set(CONFOUNDED, "X", "Y", {"Z"}) and not is_backdoor_set(CONFOUNDED, "X", "Y")
    assert is_backdoor_set(M_GRAPH, "X", "Y") and not is_backdoor_set(M_GRAPH, "X", "Y", {"M"})
    assert is_backdoor_set(M_GRAPH, "X", "Y", {"M", "A"})
    mediator = dag([("X", "M"), ("M", "Y")])
    assert not is_backdoor_set(mediator, "X", "Y", {"M"})
    cut = mutilate(FRONT_DOOR, remove_incoming="X", remove_outgoing="M")
    assert set(cut.edges) == {("U", "Y"), ("X", "M")}
    assert FRONT_DOOR.number_of_edges() == 4   # the original is unchanged


def test_do_calculus_front_door_steps() -> None:
    g = FRONT_DOOR
    assert do_calculus_condition(g, 2, y="M", z="X").holds                    # P(m|do(x)) = P(m|x)
    assert do_calculus_condition(g, 2, y="Y", z="M", w="X").holds             # P(y|do(m),x)
    assert do_calculus_condition(g, 3, y="X", z="M").holds                    # P(x|do(m)) = P(x)
    assert do_calculus_condition(g, 2, y="Y", z="M", x="X").holds             # P(y|do(x),m)
    assert do_calculus_condition(g, 3, y="Y", z="X", x="M").holds             # P(y|do(x),do(m))
    fails = do_calculus_condition(g, 2, y="Y", z="X")
    assert not fails.holds and fails.open_path == "X ← U → Y"
    assert "G with the arrows out of X removed" in str(fails)
    assert fails.graph_latex == "G_{\\underline{X}}"
    both = do_calculus_condition(g, 2, y="Y", z="M", x="X")
    assert both.graph_name == "G with the arrows into X and out of M removed"
    assert both.graph_latex == "G_{\\overline{X}\\underline{M}}"
    three = do_calculus_condition(g, 3, y="Y", z="X", x="M")
    assert three.graph_name == "G with the arrows into M, X removed"
    assert three.graph_latex == "G_{\\overline{M}\\overline{X}}"


def test_rule_three_uses_z_of_w() -> None:
    # X -> W -> Y with W observed: do(X) cannot be dropped given W (X is an ancestor of W)
    g = dag([("X", "W"), ("W", "Y"), ("X", "Y")])
    check = do_calculus_condition(g, 3, y="Y", z="X", w="W")
    assert check.graph_name == "G" and check.graph_latex == "G" and not check.holds
    # rule 1 with no intervention: the plain graph G
    assert do_calculus_condition(g, 1, y="Y", z="X").graph_name == "G"


# --------------------------------------------------------------------- checkers
def test_check_d_separation_messages() -> None:
    collider = dag([("X", "C"), ("Y", "C"), ("C", "D")])
    wrong = check_d_separation(collider, "X", "Y", given={"D"}, my_answer=True)
    assert not wrong and "X → C ← Y" in wrong.message and "descendant D" in wrong.message
    wrong2 = check_d_separation(collider, "X", "Y", my_answer=False)
    assert not wrong2.correct and "blocked" in wrong2.message and "collider" in wrong2.message
    right = check_d_separation(collider, "X", "Y", my_answer=True)
    assert right.correct and str(right).startswith("Right.")
    assert check_d_separation(CONFOUNDED, "X", "Y", given="Z", my_answer=False).correct


def test_check_adjustment_set_messages() -> None:
    assert check_adjustment_set(CONFOUNDED, "X", "Y", {"Z"}).correct
    open_path = check_adjustment_set(M_GRAPH, "X", "Y", {"M"})
    assert not open_path and "X ← A → M ← B → Y" in open_path.message
    assert "collider M is conditioned on" in open_path.message
    assert check_adjustment_set(M_GRAPH, "X", "Y", set()).correct
    mediator = dag([("Z", "X"), ("Z", "Y"), ("X", "M"), ("M", "Y")])
    msg = check_adjustment_set(mediator, "X", "Y", {"Z", "M"}).message
    assert "descendant of X (X → M)" in msg and "mediator" in msg
    collider = dag([("X", "C"), ("Y", "C"), ("X", "Y")])
    assert "of the outcome too (Y → C)" in check_adjustment_set(collider, "X", "Y", {"C"}).message
    assert "latent" in check_adjustment_set(FRONT_DOOR, "X", "Y", {"U"}).message
    assert check_adjustment_set(FRONT_DOOR, "X", "Y", None).correct
    assert not check_adjustment_set(CONFOUNDED, "X", "Y", None).correct


def test_check_markov_equivalent_messages() -> None:
    chain = dag([("A", "B"), ("B", "C")])
    fork = dag([("B", "A"), ("B", "C")])
    collider = dag([("A", "B"), ("C", "B")])
    assert check_markov_equivalent(chain, fork, my_answer=True).correct
    assert "same d-separations" in check_markov_equivalent(chain, fork, my_answer=False).message
    msg = check_markov_equivalent(chain, collider, my_answer=True)
    assert not msg and "A → B ← C" in msg.message
    other = dag([("A", "B"), ("B", "C"), ("A", "C")])
    assert "adjacent in the second graph only" in check_markov_equivalent(chain, other, True).message


def test_check_do_calculus_step_messages() -> None:
    wrong = check_do_calculus_step(FRONT_DOOR, 2, y="Y", z="X", my_answer=True)
    assert not wrong and "X ← U → Y" in wrong.message
    right = check_do_calculus_step(FRONT_DOOR, 2, y="M", z="X", my_answer=True)
    assert right and "holds" in right.message
    assert not check_do_calculus_step(FRONT_DOOR, 2, y="M", z="X", my_answer=False)
    # plain-text graph names, no LaTeX in what a learner reads
    sequential = dag([("X1", "Z"), ("Z", "X2"), ("X2", "Y"), ("X1", "Y"), ("U", "Z"),
                      ("U", "Y")], latent=["U"])
    msg = check_do_calculus_step(sequential, 3, y="Z", z="X2", x="X1", my_answer=True).message
    assert "G with the arrows into X1, X2 removed" in msg and "\\" not in msg
    assert "{" not in msg


def test_checker_messages_read_as_sentences() -> None:
    collider = dag([("X", "C"), ("Y", "C")])
    one = check_d_separation(collider, "X", "Y", my_answer=True).message
    assert "the only path between them is blocked" in one
    apart = dag([("X", "A"), ("Y", "B")])
    none = check_d_separation(apart, "X", "Y", my_answer=True).message
    assert "there is no path between them" in none and "0 paths" not in none
    assert "all 2 paths between them are blocked" in check_d_separation(
        dag([("X", "C"), ("Y", "C"), ("X", "D"), ("Y", "D")]), "X", "Y", my_answer=True).message
    empty = check_adjustment_set(M_GRAPH, "X", "Y", set()).message
    assert empty.startswith("The empty set (no adjustment)") and "{}" not in empty
    assert "the only backdoor path" in empty
    no_back = check_adjustment_set(dag([("X", "Y")]), "X", "Y", set()).message
    assert "there is no backdoor path" in no_back and "0 " not in no_back
    single = check_markov_equivalent(dag([("A", "B")]), dag([("B", "A")]), my_answer=True)
    assert "(1 edge)" in single.message


def test_latent_nodes_cannot_be_conditioned_on_in_a_rule() -> None:
    with pytest.raises(CourseError, match="'U' is latent .* cannot be in w"):
        check_do_calculus_step(FRONT_DOOR, 2, y="Y", z="M", w={"X", "U"}, my_answer=True)
    with pytest.raises(CourseError, match="'U' is latent .* cannot be in z"):
        check_do_calculus_step(FRONT_DOOR, 1, y="Y", z="U", my_answer=True)
    with pytest.raises(CourseError, match="'U' is latent"):
        do_calculus_condition(FRONT_DOOR, 3, y="Y", z="U")


def test_adjustment_needs_an_observed_treatment_and_outcome() -> None:
    with pytest.raises(CourseError, match="treatment 'U' is latent"):
        check_adjustment_set(FRONT_DOOR, "U", "Y", set())
    with pytest.raises(CourseError, match="outcome 'U' is latent"):
        check_adjustment_set(FRONT_DOOR, "X", "U", set())


@pytest.mark.parametrize("rule", [2.0, "2", True, 0, None])
def test_rule_must_be_the_integer_1_2_or_3(rule) -> None:
    with pytest.raises(CourseError, match="integer 1, 2 or 3"):
        check_do_calculus_step(CONFOUNDED, rule, y="Y", z="X", my_answer=True)


def test_numpy_integer_rule_is_accepted() -> None:
    assert do_calculus_condition(CONFOUNDED, np.int64(2), y="Y", z="X", w="Z").holds


@pytest.mark.parametrize("call", [
    lambda: check_adjustment_set(CONFOUNDED, {"X"}, "Y", set()),
    lambda: check_adjustment_set(CONFOUNDED, "X", ["Y"], set()),
    lambda: is_backdoor_set(CONFOUNDED, {"X"}, "Y"),
    lambda: paths_between(CONFOUNDED, ("X",), "Y"),
    lambda: path_table(CONFOUNDED, "X", {"Y"}),
])
def test_treatment_and_outcome_are_one_node_name(call) -> None:
    with pytest.raises(CourseError, match="give one node name"):
        call()


@pytest.mark.parametrize("call", [
    lambda: d_separated(nx.DiGraph([(1, 2)]), 1, 2),
    lambda: check_d_separation(nx.DiGraph([(1, 2), (3, 2)]), 1, 3, my_answer=True),
    lambda: d_separated(CONFOUNDED, "X", "Y", {1}),
    lambda: check_do_calculus_step(CONFOUNDED, 2, y="Y", z=[1], my_answer=True),
])
def test_node_names_must_be_strings(call) -> None:
    with pytest.raises(CourseError, match="node names must be strings"):
        call()


# --------------------------------------------------------------------- simulation helpers
def test_linear_gaussian_scm_matches_implied_covariance() -> None:
    weights = {("A", "B"): 0.8, ("B", "C"): -0.5, ("A", "C"): 0.3}
    data = linear_gaussian_scm(weights).sample(200_000, seed=3)
    exact = implied_covariance(weights, ["A", "B", "C"])
    assert np.allclose(data[["A", "B", "C"]].cov().to_numpy(), exact.to_numpy(), atol=0.02)



def test_linear_gaussian_scm_is_scm_linear_gaussian_in_topological_order() -> None:
    from causalcourse.scm import linear_gaussian

    weights = {("C", "B"): 0.8, ("B", "A"): -0.5, ("C", "A"): 0.3}
    ours = linear_gaussian_scm(weights, noise_sd={"A": 2.0}, nodes=["D"])
    matrix = np.zeros((4, 4))
    matrix[0, 1], matrix[1, 2], matrix[0, 2] = 0.8, -0.5, 0.3   # order C, B, A, D
    canonical = linear_gaussian(["C", "B", "A", "D"], matrix, noise_sd=[1.0, 1.0, 2.0, 1.0])
    a, b = ours.sample(1000, seed=5), canonical.sample(1000, seed=5)
    assert list(a.columns) == ["C", "B", "A", "D"]
    pd.testing.assert_frame_equal(a, b)
    assert ours.parents("A") == canonical.parents("A") == ("C", "B")
    do_a = ours.do({"B": 1.0}).sample(1000, seed=6)
    pd.testing.assert_frame_equal(do_a, canonical.do({"B": 1.0}).sample(1000, seed=6))


def test_fisher_z_matches_causallearn() -> None:
    from causallearn.utils.cit import CIT

    weights = {("A", "B"): 0.8, ("B", "C"): -0.5, ("A", "D"): 0.3, ("C", "D"): 0.4}
    data = linear_gaussian_scm(weights).sample(300, seed=4)
    cols = list(data.columns)
    test = CIT(data.to_numpy(), "fisherz")
    statements = [(a, b, list(s)) for a, b in itertools.combinations(cols, 2)
                  for r in range(3) for s in itertools.combinations(
                      [c for c in cols if c not in (a, b)], r)]
    ours = fisher_z_pvalues(data, statements)
    theirs = [test(cols.index(a), cols.index(b), [cols.index(c) for c in s]) for a, b, s in statements]
    assert np.allclose(ours, theirs, atol=1e-8)


def test_evaluate_estimand_backdoor_and_errors() -> None:
    from y0.dsl import P, Sum, Variable

    x, y, z = Variable("X"), Variable("Y"), Variable("Z")
    rng = np.random.default_rng(0)
    zz = rng.integers(0, 2, 5000)
    xx = (rng.random(5000) < 0.3 + 0.4 * zz).astype(int)
    yy = (rng.random(5000) < 0.2 + 0.3 * xx + 0.3 * zz).astype(int)
    df = pd.DataFrame({"Z": zz, "X": xx, "Y": yy})
    by_hand = sum(df.Z.eq(v).mean() * df.Y[(df.X == 1) & (df.Z == v)].mean() for v in (0, 1))
    assert np.isclose(evaluate_estimand(Sum[z](P(y | x, z) * P(z)), df, {"X": 1, "Y": 1}), by_hand)
    with pytest.raises(CourseError, match="free variable 'X'"):
        evaluate_estimand(Sum[z](P(y | x, z) * P(z)), df, {"Y": 1})
    with pytest.raises(UnknownNameError, match="'W'"):
        evaluate_estimand(P(Variable("W")), df, {"W": 1})
    with pytest.raises(CourseError, match="positivity"):
        evaluate_estimand(P(y | x), df, {"X": 7, "Y": 1})
    with pytest.raises(CourseError, match="only observational"):
        evaluate_estimand(P(y @ x), df, {"X": 1, "Y": 1})


def test_odds_ratio_interval() -> None:
    table = odds_ratio_interval([10, 0], [90, 50], [20, 5], [80, 45])
    assert np.isclose(table.OR[0], 10 * 80 / (90 * 20)) and not table.corrected[0]
    half = 1.959964 * np.sqrt(1 / 10 + 1 / 90 + 1 / 20 + 1 / 80)
    assert np.isclose(table.low[0], table.OR[0] * np.exp(-half), rtol=1e-5)
    # a zero cell: Haldane-Anscombe adds 0.5 to every cell of that table only
    assert table.corrected[1] and np.isclose(table.OR[1], 0.5 * 45.5 / (50.5 * 5.5))
    assert np.isfinite(table[["OR", "low", "high"]].to_numpy()).all()
    assert (table.low < table.OR).all() and (table.OR < table.high).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # no division by a zero cell
        odds_ratio_interval([0, 3], [0, 4], [2, 0], [5, 1])
    with pytest.raises(CourseError, match="shape"):
        odds_ratio_interval([1, 2], [1, 2], [1], [1, 2])
    with pytest.raises(CourseError, match="negative"):
        odds_ratio_interval(-1, 2, 3, 4)
    with pytest.raises(CourseError, match="correction must be a positive"):
        odds_ratio_interval(1, 2, 3, 4, correction=0)
    with pytest.raises(CourseError, match="level"):
        odds_ratio_interval(1, 2, 3, 4, level=95)


def test_draw_cpdag_returns_axes() -> None:
    ax = draw_cpdag(cpdag(CONFOUNDED), title="three undirected edges")
    assert ax.get_title() == "three undirected edges"


# --------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call", [
    lambda: d_separated(CONFOUNDED, "X", "Q"),
    lambda: d_separated(CONFOUNDED, "X", "Y", {"Smokng"}),
    lambda: check_d_separation(CONFOUNDED, "Q", "Y", (), my_answer=True),
    lambda: check_adjustment_set(CONFOUNDED, "X", "Y", {"W"}),
    lambda: check_adjustment_set(CONFOUNDED, "T", "Y", set()),
    lambda: check_do_calculus_step(CONFOUNDED, 2, y="Y", z="Q", my_answer=True),
    lambda: mutilate(CONFOUNDED, remove_incoming="Q"),
    lambda: cpdag(CONFOUNDED, targets=[{"Q"}]),
    lambda: paths_between(CONFOUNDED, "X", "Q"),
])
def test_unknown_nodes_are_named(call) -> None:
    with pytest.raises(UnknownNameError, match="'(Q|Smokng|W|T)' is not in the graph"):
        call()


@pytest.mark.parametrize("call", [
    lambda: d_separated(CYCLIC, "A", "B"),
    lambda: check_d_separation(CYCLIC, "A", "C", (), my_answer=True),
    lambda: check_adjustment_set(CYCLIC, "A", "C", set()),
    lambda: check_markov_equivalent(CYCLIC, CYCLIC, my_answer=True),
    lambda: check_do_calculus_step(CYCLIC, 1, y="A", z="B", my_answer=True),
    lambda: cpdag(CYCLIC),
    lambda: v_structures(CYCLIC),
])
def test_cyclic_graphs_are_refused(call) -> None:
    with pytest.raises(CourseError, match="has a cycle: "):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: d_separated(CONFOUNDED, "X", "Y", {"X"}), "'X' is both in x and in given"),
    (lambda: d_separated(CONFOUNDED, {"X", "Z"}, {"Z", "Y"}), "'Z' is both in x and in y"),
    (lambda: check_d_separation(CONFOUNDED, "X", "Y", {"Y"}, my_answer=True), "'Y' is both"),
    (lambda: check_adjustment_set(CONFOUNDED, "X", "Y", {"X", "Z"}), "'X' is both in treatment"),
    (lambda: check_adjustment_set(CONFOUNDED, "X", "X", set()), "the same node 'X'"),
    (lambda: check_do_calculus_step(CONFOUNDED, 2, y="Y", z="X", w="X", my_answer=True),
     "'X' is both in z and in w"),
    (lambda: is_backdoor_set(CONFOUNDED, "X", "Y", {"Y"}), "'Y' is both in outcome"),
    (lambda: path_table(CONFOUNDED, "X", "Y", {"X"}), "'X' is both"),
])
def test_overlapping_sets_are_refused(call, message) -> None:
    with pytest.raises(CourseError, match=message):
        call()


def test_other_bad_input() -> None:
    with pytest.raises(CourseError, match="must be True or False"):
        check_d_separation(CONFOUNDED, "X", "Y", (), my_answer="yes")
    with pytest.raises(CourseError, match="must be True or False"):
        check_markov_equivalent(CONFOUNDED, CONFOUNDED)
    with pytest.raises(CourseError, match="rules 1, 2 and 3"):
        do_calculus_condition(CONFOUNDED, 4, y="Y", z="X")
    with pytest.raises(CourseError, match="must be a networkx.DiGraph"):
        d_separated([("X", "Y")], "X", "Y")
    with pytest.raises(CourseError, match="same nodes"):
        markov_equivalent(CONFOUNDED, dag([("X", "Y")]))
    with pytest.raises(CourseError, match="give at least one node"):
        d_separated(CONFOUNDED, [], "Y")
    with pytest.raises(CourseError, match="same node 'X'"):
        paths_between(CONFOUNDED, "X", "X")
    with pytest.raises(CourseError, match="positive integer"):
        random_dag(0, 0.5, seed=1)
    with pytest.raises(CourseError, match="cycle"):
        linear_gaussian_scm({("A", "B"): 1.0, ("B", "A"): 1.0})
    with pytest.raises(UnknownNameError, match="'Q' is not in the data"):
        fisher_z_pvalues(pd.DataFrame({"A": [0.0, 1.0] * 5, "B": [1.0, 0.0] * 5}), [("A", "Q", [])])
    with pytest.raises(CourseError, match="against itself"):
        fisher_z_pvalues(pd.DataFrame({"A": [0.0, 1.0] * 5, "B": [1.0, 0.0] * 5}), [("A", "A", [])])
