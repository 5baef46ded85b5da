"""Tests of causalcourse.ladder_model: the world against simulation, the tokens, the masks (they
really block non-parents, checked on outputs and gradients, against networkx's parent sets), the
ensemble (shapes, determinism, member independence, training reaches the best loss), the probes
(against exact enumeration on the learned conditionals) and bad input."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.ladder_model import (
    CHAT_QUESTIONS,
    LadderTransformer,
    RowFormat,
    World,
    best_loss,
    causal_mask,
    chapter_world,
    chat_messages,
    counterfactual_probability,
    fit,
    graph_mask,
    interventional_probability,
    learned_scm,
    parse_probability,
    probe,
    probe_counterfactual,
    training_rows,
)
from causalcourse.llm.exact import BinarySCM

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def world() -> World:
    return chapter_world()


@pytest.fixture(scope="module")
def fmt(world) -> RowFormat:
    return RowFormat(world.columns)


@pytest.fixture(scope="module")
def trained(world, fmt):
    """Two plain and two graph members on the same 3,000 regime-A rows (per seed)."""
    rows = [training_rows(world, "A", 3000, seed=s) for s in (0, 1)] * 2
    model = LadderTransformer(fmt, [None, None, world.graph(), world.graph()], seeds=[0, 1, 2, 3])
    losses = fit(model, rows, steps=100)
    return model, rows, losses


def _random(model: LadderTransformer, seed: int = 5) -> LadderTransformer:
    """Perturb every weight so that attention is far from its uniform start."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for w in model.parameters():
            w.add_(0.7 * torch.randn(w.shape, generator=gen))
    return model


# --- the world ------------------------------------------------------------------------------
def test_world_graph_and_hidden_noise(world) -> None:
    assert set(world.graph().edges) == {("Z", "X"), ("Z", "M"), ("X", "M"), ("Z", "Y"), ("M", "Y")}
    assert world.hidden() == ["V", "W"]
    with pytest.raises(CourseError, match="'Z' affects"):
        chapter_world(columns=("M", "X", "Y")).graph()


def test_two_worlds_share_rungs_one_and_two_not_three() -> None:
    a, b = chapter_world().truth, chapter_world(heterogeneous=True).truth
    for v, value, y in itertools.product("MXYZ", (0, 1), "MXYZ"):
        assert interventional_probability(a, {y: 1}, do={v: value}) == pytest.approx(
            interventional_probability(b, {y: 1}, do={v: value}), abs=1e-12)
    harm = dict(outcome={"Y": 1}, factual={"X": 1, "Y": 0}, do={"X": 0})
    assert counterfactual_probability(a, **harm) == pytest.approx(0.0, abs=1e-12)
    assert counterfactual_probability(b, **harm) == pytest.approx(0.3214, abs=1e-4)


def test_rows_follow_the_exact_answers() -> None:
    """The SCM class (sampling) and the response-type enumeration (exact) agree."""
    world = chapter_world(heterogeneous=True)
    b = training_rows(world, "B", 200_000, seed=3)
    obs, exp = b[b["do"] == "∅"], b[b["do"] == "X"]
    assert len(obs) == len(exp) == 100_000
    exact = interventional_probability
    assert abs(obs.Y[obs.X == 1].mean() - exact(world.truth, {"Y": 1}, given={"X": 1})) < 0.008
    assert abs(exp.Y[exp.X == 1].mean() - exact(world.truth, {"Y": 1}, do={"X": 1})) < 0.008
    assert abs(exp.X.mean() - 0.5) < 0.008  # the experimenter's coin
    c = training_rows(world, "C", 200_000, seed=4)
    assert ((c["X'"] == 1 - c.X) & (c["Z'"] == c.Z)).all()  # flipped X, same unit's Z
    harmed = c[(c.X == 1) & (c.Y == 0)]
    truth = counterfactual_probability(world.truth, {"Y": 1}, {"X": 1, "Y": 0}, {"X": 0})
    assert abs(harmed["Y'"].mean() - truth) < 0.015


def test_regime_b_reuses_regime_a_rows(world) -> None:
    a, b = training_rows(world, "A", 1000, seed=9), training_rows(world, "B", 1000, seed=9)
    assert b.iloc[:500].equals(a.iloc[:500])


# --- tokens -----------------------------------------------------------------------------------
def test_tokens_and_shapes(world, fmt) -> None:
    rows = training_rows(world, "B", 4, seed=0)
    tokens, is_set = fmt.encode(rows)
    assert tokens.shape == is_set.shape == (4, 10) and fmt.vocab == ("do", "∅", "0", "1", "M", "X", "Y", "Z")
    assert fmt.text(tokens[3]).startswith("do X M ")
    assert is_set[3].nonzero().ravel().tolist() == [fmt.name_position("X")] and not is_set[0].any()
    paired = RowFormat(world.columns, paired=True)
    tokens, is_set = paired.encode(training_rows(world, "C", 3, seed=0))
    assert tokens.shape == (3, 20) and is_set[:, paired.name_position("X", 1)].all()


# --- masks ------------------------------------------------------------------------------------
def test_graph_mask_matches_networkx_parents(world, fmt) -> None:
    graph = world.graph()
    for do in ((), ("X",), ("M", "Z")):
        mask = graph_mask(graph, fmt, do=do)
        for v, u in itertools.product(fmt.columns, repeat=2):
            allowed = bool(mask[fmt.name_position(v), fmt.value_position(u)])
            assert allowed == (u in set(graph.predecessors(v)) and v not in do), (v, u, do)
        for v in fmt.columns:  # a value token sees only itself and the first token
            assert mask[fmt.value_position(v)].nonzero().ravel().tolist() == [0, fmt.value_position(v)]
    assert torch.equal(causal_mask(fmt), torch.tril(torch.ones(10, 10, dtype=torch.bool)))


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_mask_blocks_non_parents_in_the_outputs(world, fmt, n_layers) -> None:
    """Every variable's prediction is unchanged, bit for bit, when any non-parent token changes."""
    graph = world.graph()
    model = _random(LadderTransformer(fmt, [graph], seeds=[0], n_layers=n_layers))
    rows = pd.DataFrame(list(itertools.product((0, 1), repeat=4)), columns=list(fmt.columns))
    rows.insert(0, "do", ["∅", "X"] * 8)  # the do target is a non-parent of everything
    tokens, _ = fmt.encode(rows)
    with torch.no_grad():
        out = model(tokens[None])[0, :, :, 1]
    for i, v in enumerate(fmt.columns):
        parents = sorted(graph.predecessors(v))
        key = [tuple(r) for r in rows[parents].to_numpy()]
        for a, b in itertools.combinations(range(len(rows)), 2):
            if key[a] == key[b]:
                assert out[a, i] == out[b, i], (v, a, b)
    plain = _random(LadderTransformer(fmt, [None], seeds=[0], n_layers=n_layers))
    with torch.no_grad():
        y = plain(tokens[None])[0, :, fmt.columns.index("Y"), 1]
    assert (y[0] - y[4]).abs() > 1e-4  # rows 0 and 4 differ only in X (before Y): plain sees it


def test_mask_gradient_is_zero_for_non_parents(world, fmt) -> None:
    """The gradient of Y's prediction with respect to each position's input embedding."""
    graph = world.graph()
    model = _random(LadderTransformer(fmt, [graph, None], seeds=[0, 1]))
    tokens, _ = fmt.encode(training_rows(world, "A", 3, seed=0))
    model(tokens.expand(2, -1, -1))[:, :, fmt.columns.index("Y"), 1].sum().backward()
    grad = model.weights["position"].grad.abs().sum(-1)  # (members, positions)
    parents = {fmt.value_position(p) for p in graph.predecessors("Y")} | {0, fmt.name_position("Y")}
    for pos in range(fmt.length):
        assert bool(grad[0, pos] > 0) == (pos in parents), pos
        assert bool(grad[1, pos] > 0) == (pos <= fmt.name_position("Y")), pos  # plain: all before


def test_surgery_cuts_the_parents_of_the_intervened_variable(world, fmt) -> None:
    model = _random(LadderTransformer(fmt, [world.graph()], seeds=[0]))
    rows = pd.DataFrame({"do": "∅", "M": [0, 0], "X": [1, 1], "Y": [0, 0], "Z": [0, 1]})
    tokens, _ = fmt.encode(rows)
    x = fmt.columns.index("X")
    with torch.no_grad():
        before = model(tokens[None])[0, :, x, 1]
        after = model(tokens[None], model.masks(do=["X"]))[0, :, x, 1]
    assert before[0] != before[1] and after[0] == after[1]


# --- the ensemble -----------------------------------------------------------------------------
def test_forward_shapes_and_probabilities(world, fmt) -> None:
    model = LadderTransformer(fmt, [None, world.graph(), None], seeds=[0, 1, 2])
    tokens, _ = fmt.encode(training_rows(world, "A", 5, seed=0))
    out = model(tokens.expand(3, -1, -1))
    assert out.shape == (3, 5, 4, 2)
    assert torch.allclose(out.exp().sum(-1), torch.ones(3, 5, 4))
    assert model.is_graph.tolist() == [False, True, False] and model.masks().shape == (3, 10, 10)


def test_training_is_deterministic_and_members_independent(world, fmt) -> None:
    rows = [training_rows(world, "B", 800, seed=s) for s in (0, 1)]
    runs = []
    for _ in range(2):
        model = LadderTransformer(fmt, [None, world.graph()], seeds=[7, 8])
        runs.append((model, fit(model, rows, steps=25)))
    assert np.array_equal(runs[0][1], runs[1][1])
    for a, b in zip(runs[0][0].parameters(), runs[1][0].parameters(), strict=True):
        assert torch.equal(a, b)
    alone = LadderTransformer(fmt, [world.graph()], seeds=[8])
    losses = fit(alone, rows[1:], steps=25)
    assert np.allclose(losses[:, 0], runs[0][1][:, 1], atol=1e-5)  # the same member, alone


def test_training_reduces_loss_to_the_best_loss(trained) -> None:
    model, rows, losses = trained
    assert (losses[-1] < losses[0] - 0.3).all()
    gap = losses[-1] - best_loss(model, rows)
    assert (gap > -1e-4).all() and (gap[2:] < 0.005).all()  # graph members converge in 100 steps


def test_best_loss_is_the_empirical_conditional_entropy(world, fmt) -> None:
    graph = world.graph()
    model = LadderTransformer(fmt, [None, graph], seeds=[0, 1])
    rows = training_rows(world, "B", 3000, seed=2)
    plain, masked = best_loss(model, [rows, rows])
    counts = rows.groupby(list(rows.columns)).size()  # plain: joint entropy given the prefix
    per_do = rows.groupby("do").size().reindex(counts.index.get_level_values(0)).to_numpy()
    assert plain == pytest.approx(-(counts * np.log(counts / per_do)).sum() / len(rows))
    total = 0.0  # graph: sum over variables of H(v | parents), set values left out
    for v in fmt.columns:
        parents, sub = sorted(graph.predecessors(v)), rows[rows["do"] != v]
        for _, group in sub.groupby(parents) if parents else [((), sub)]:
            p = group[v].mean()
            if 0 < p < 1:
                total -= len(group) * (p * np.log(p) + (1 - p) * np.log(1 - p))
    assert masked == pytest.approx(total / len(rows))


# --- probes -----------------------------------------------------------------------------------
def test_surgery_probe_equals_exact_enumeration_of_the_learned_conditionals(trained) -> None:
    model, _, _ = trained
    for member in (2, 3):
        scm = learned_scm(model, member)
        for kw in ({"given": {"X": 1}}, {"do": {"X": 1}}, {"do": {"M": 1}}, {"do": {"X": 0, "Z": 1}}):
            got = probe(model, {"Y": 1}, **kw)[member]
            assert got == pytest.approx(interventional_probability(scm, {"Y": 1}, **kw), abs=1e-5), kw


def test_trained_members_answer_as_expected(trained, world) -> None:
    model, _, _ = trained
    exact = {k: interventional_probability(world.truth, {"Y": 1}, **kw)
             for k, kw in (("rung 1", {"given": {"X": 1}}), ("do", {"do": {"X": 1}}))}
    assert np.abs(probe(model, {"Y": 1}, given={"X": 1}) - exact["rung 1"]).max() < 0.04
    graph_do = probe(model, {"Y": 1}, do={"X": 1})[2:]
    assert np.abs(graph_do - exact["do"]).max() < 0.04


def test_prefix_probe_conditions_within_experiment_rows(world, fmt) -> None:
    """A plain member trained on regime B answers do(X) with the prefix (large data, 2 seeds)."""
    rows = [training_rows(world, "B", 40_000, seed=s) for s in (0, 1)]
    model = LadderTransformer(fmt, [None, None], seeds=[0, 1])
    fit(model, rows, steps=400)
    truth = interventional_probability(world.truth, {"Y": 1}, do={"X": 1})
    assert np.abs(probe(model, {"Y": 1}, do={"X": 1}, via="prefix") - truth).max() < 0.02


def test_counterfactual_probe_reads_paired_rows() -> None:
    world = chapter_world(heterogeneous=True)
    paired = RowFormat(world.columns, paired=True)
    rows = [training_rows(world, "C", 20_000, seed=0)]
    model = LadderTransformer(paired, [None], seeds=[0])
    fit(model, rows, steps=300)
    harm = dict(outcome={"Y": 1}, factual={"X": 1, "Y": 0}, do={"X": 0})
    empirical = rows[0][(rows[0].X == 1) & (rows[0].Y == 0)]["Y'"].mean()
    assert probe_counterfactual(model, **harm)[0] == pytest.approx(empirical, abs=0.03)


def test_learned_scm_reads_the_conditionals(trained) -> None:
    """The tables are the member's conditionals: after training, its rows' frequencies."""
    model, rows, _ = trained
    scm = learned_scm(model, 2)
    assert isinstance(scm, BinarySCM) and scm.parents["M"] == ("X", "Z")
    frequencies = rows[2].groupby(["X", "Z"]).M.mean()
    for p_hat, (x, z) in zip(scm.probs["M"], itertools.product((0, 1), repeat=2), strict=True):
        assert abs(p_hat - frequencies[(x, z)]) < 0.01


def test_chat_messages_and_parsing(world) -> None:
    messages = chat_messages(world, CHAT_QUESTIONS["rung 1"])
    text = messages[1]["content"]
    assert text.count("\nM=") == 16 and "M=1 X=1 Y=1 Z=1: 0.324" in text and "Z -> Y" in text
    assert parse_probability("Thinking...\nAnswer: 0.720") == 0.72
    assert parse_probability("Answer: 1") == 1.0 and parse_probability("**Answer: .5**") == 0.5
    assert parse_probability("answer: Not determined") is None
    with pytest.raises(CourseError, match="no 'Answer"):
        parse_probability("about a half")


# --- bad input, named before anything is computed ---------------------------------------------
def test_bad_input_is_named(world, fmt) -> None:
    graph = world.graph()
    with pytest.raises(UnknownNameError, match="'Q'"):
        graph_mask(nx.DiGraph(list(graph.edges) + [("Q", "Y")]), fmt)
    with pytest.raises(UnknownNameError, match="'Z'"):
        graph_mask(nx.DiGraph([("X", "M"), ("M", "Y")]), fmt)  # a column missing from the graph
    with pytest.raises(CourseError, match="cycle: "):
        graph_mask(nx.DiGraph(list(graph.edges) + [("Y", "Z")]), fmt)
    with pytest.raises(UnknownNameError, match="'W'"):
        graph_mask(graph, fmt, do=["W"])
    with pytest.raises(CourseError, match="single rows"):
        graph_mask(graph, RowFormat(fmt.columns, paired=True))
    with pytest.raises(CourseError, match="clash"):
        RowFormat(("X", "do"))
    with pytest.raises(CourseError, match="distinct"):
        RowFormat(("X", "X"))
    bad = training_rows(world, "A", 3, seed=0)
    with pytest.raises(UnknownNameError, match="do target 'Q'"):
        fmt.encode(bad.assign(do="Q"))
    with pytest.raises(CourseError, match="holds 2"):
        fmt.encode(bad.assign(Y=2))
    with pytest.raises(UnknownNameError, match="'Z'"):
        fmt.encode(bad.drop(columns="Z"))
    with pytest.raises(UnknownNameError, match="token 'cat'"):
        fmt._ids(["do", "cat"])
    with pytest.raises(UnknownNameError, match="'Q'"):
        World(world.truth, ("X", "Q"))
    with pytest.raises(CourseError, match="regime 'D'"):
        training_rows(world, "D", 10, seed=0)
    with pytest.raises(CourseError, match="n must be"):
        training_rows(world, "A", 1, seed=0)
    with pytest.raises(UnknownNameError, match="'Q'"):
        training_rows(world, "B", 10, seed=0, experiment="Q")


def test_bad_model_and_probe_input_is_named(world, fmt, trained) -> None:
    model, rows, _ = trained
    with pytest.raises(CourseError, match="one seed per member"):
        LadderTransformer(fmt, [None, None], seeds=[0])
    with pytest.raises(CourseError, match="not divisible"):
        LadderTransformer(fmt, [None], seeds=[0], d_model=10, n_heads=4)
    with pytest.raises(UnknownNameError, match="'Q'"):
        LadderTransformer(fmt, [nx.DiGraph([("Q", "X")])], seeds=[0])
    with pytest.raises(CourseError, match="shape"):
        model(torch.zeros(1, 2, 10, dtype=torch.long))
    with pytest.raises(CourseError, match="one table of rows per member"):
        fit(model, rows[:2])
    with pytest.raises(CourseError, match="steps"):
        fit(model, rows, steps=0)
    with pytest.raises(UnknownNameError, match="'Q'"):
        probe(model, {"Q": 1})
    with pytest.raises(CourseError, match="0 or 1"):
        probe(model, {"Y": 2})
    with pytest.raises(CourseError, match="'sideways'"):
        probe(model, {"Y": 1}, do={"X": 1}, via="sideways")
    with pytest.raises(CourseError, match="one intervened variable"):
        probe(model, {"Y": 1}, do={"X": 1, "M": 0}, via="prefix")
    for via in ("surgery", "prefix"):
        with pytest.raises(CourseError, match="contradicts do on 'X'"):
            probe(model, {"Y": 1}, given={"X": 1}, do={"X": 0}, via=via)
    consistent = probe(model, {"Y": 1}, given={"X": 1}, do={"X": 1})
    assert np.allclose(consistent, probe(model, {"Y": 1}, do={"X": 1}))
    with pytest.raises(CourseError, match="paired rows"):
        probe_counterfactual(model, {"Y": 1}, {"X": 1}, {"X": 0})
    with pytest.raises(CourseError, match="no graph"):
        learned_scm(model, 0)
    with pytest.raises(CourseError, match="member must be"):
        learned_scm(model, 9)
    paired = LadderTransformer(RowFormat(fmt.columns, paired=True), [None], seeds=[0])
    with pytest.raises(CourseError, match="never occurs"):
        probe_counterfactual(paired, {"Y": 1}, {"X": 0, "Y": 0}, {"X": 0})
    with pytest.raises(CourseError, match="use probe_counterfactual"):
        probe(paired, {"Y": 1})
    with pytest.raises(UnknownNameError, match="'Q'"):
        interventional_probability(world.truth, {"Q": 1})
    with pytest.raises(CourseError, match="needs an intervention"):
        counterfactual_probability(world.truth, {"Y": 1}, {"X": 1}, {})
    with pytest.raises(CourseError, match="non-empty string"):
        chat_messages(world, " ")
