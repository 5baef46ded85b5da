"""Tests of causalcourse.scm: sampling, do(), noise replay, validation messages, speed."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.scm import SCM, Mechanism, Noise, bernoulli, normal, uniform


def confounded() -> SCM:
    return SCM({
        "Z": ((), lambda u: (u < 0.5).astype(int), uniform()),
        "X": (("Z",), lambda z, u: (u < 0.2 + 0.6 * z).astype(int), uniform()),
        "Y": (("X", "Z"), lambda x, z, u: 2.0 * x - 3.0 * z + u, normal()),
    })


def chain(k: int) -> SCM:
    """A k-node model mixing continuous and binary variables, each with one or two parents."""
    mechs: dict[str, tuple] = {"V0": ((), lambda u: u, normal())}
    for i in range(1, k):
        parents = (f"V{i - 1}",) if i == 1 else (f"V{i - 1}", f"V{i - 2}")
        if i % 3 == 0:
            mechs[f"V{i}"] = (parents, lambda *a: (a[-1] < 1 / (1 + np.exp(-sum(a[:-1])))).astype(np.int8), uniform())
        else:
            mechs[f"V{i}"] = (parents, lambda *a: 0.5 * sum(a[:-1]) + a[-1], normal())
    return SCM(mechs)


# ---------------------------------------------------------------- sampling
def test_sample_is_a_dataframe_in_topological_order_with_mixed_dtypes() -> None:
    df = confounded().sample(1000, seed=0)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["Z", "X", "Y"] and len(df) == 1000
    assert df.Z.dtype.kind == "i" and df.Y.dtype.kind == "f"
    assert set(df.X.unique()) <= {0, 1}


def test_declaration_order_does_not_matter() -> None:
    scm = SCM({"Y": (("X",), lambda x, u: x + u, normal()), "X": ((), lambda u: u, normal())})
    assert scm.nodes == ["X", "Y"]
    assert list(scm.sample(3, seed=0).columns) == ["X", "Y"]


def test_same_seed_same_data_and_different_seed_different_data() -> None:
    scm = confounded()
    pd.testing.assert_frame_equal(scm.sample(50, seed=3), scm.sample(50, seed=3))
    assert not scm.sample(50, seed=3).equals(scm.sample(50, seed=4))


def test_generator_seed_is_accepted() -> None:
    a = confounded().sample(10, seed=np.random.default_rng(1))
    b = confounded().sample(10, seed=np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)


def test_marginals_match_the_assignments() -> None:
    df = confounded().sample(200_000, seed=1)
    assert abs(df.Z.mean() - 0.5) < 0.005
    assert abs(df.X[df.Z == 1].mean() - 0.8) < 0.005
    assert abs(df.Y.std() - np.sqrt(4 * 0.25 + 9 * 0.25 - 2 * 2 * 3 * (0.5 * 0.8 - 0.5 * 0.5) + 1)) < 0.02


def test_return_noise_and_replay() -> None:
    scm = confounded()
    values, u = scm.sample(100, seed=5, return_noise=True)
    assert list(u.columns) == ["Z", "X", "Y"]
    np.testing.assert_allclose(values.Y, 2.0 * values.X - 3.0 * values.Z + u.Y)
    pd.testing.assert_frame_equal(scm.sample(noise=u), values)
    pd.testing.assert_frame_equal(scm.sample(noise={k: u[k].to_numpy() for k in u}), values)


def test_noise_of_the_factual_world_replays_in_a_mutilated_model() -> None:
    """Abduction-action-prediction needs this: the factual noise drives the intervened model."""
    scm = confounded()
    values, u = scm.sample(200, seed=8, return_noise=True)
    treated = scm.do({"X": 1}).sample(noise=u)  # U_X is ignored: X no longer has noise
    np.testing.assert_allclose(treated.Y, values.Y + 2.0 * (1 - values.X))
    pd.testing.assert_series_equal(treated.Z, values.Z)


def test_deterministic_assignment_has_no_noise_column() -> None:
    scm = SCM({"X": ((), lambda u: u, normal()), "W": (("X",), lambda x: x**2)})
    values, u = scm.sample(10, seed=0, return_noise=True)
    assert list(u.columns) == ["X"]
    np.testing.assert_allclose(values.W, values.X**2)


def test_custom_noise_and_scalar_output_are_supported() -> None:
    scm = SCM({"E": ((), lambda u: u, Noise("Exp(2)", lambda rng, n: rng.exponential(2.0, n))),
               "C": ((), lambda: 7)})
    df = scm.sample(100_000, seed=0)
    assert abs(df.E.mean() - 2.0) < 0.03 and (df.C == 7).all()
    assert bernoulli(0.25).draw(np.random.default_rng(0), 100_000).mean() == pytest.approx(0.25, abs=0.01)


def test_graph_property() -> None:
    g = confounded().graph
    assert isinstance(g, nx.DiGraph)
    assert set(g.edges) == {("Z", "X"), ("Z", "Y"), ("X", "Y")}
    assert not any(nx.get_node_attributes(g, "latent").values())
    g.add_edge("Y", "Z")  # a copy: the model is not changed
    assert nx.is_directed_acyclic_graph(confounded().graph)


# ---------------------------------------------------------------- do()
def test_do_constant_is_graph_surgery_and_leaves_the_original_alone() -> None:
    scm = confounded()
    mutilated = scm.do({"X": 1})
    assert set(mutilated.graph.edges) == {("Z", "Y"), ("X", "Y")}
    assert set(scm.graph.edges) == {("Z", "X"), ("Z", "Y"), ("X", "Y")}
    assert mutilated.interventions == {"X": 1} and scm.interventions == {}
    assert mutilated.parents("X") == ()
    assert (mutilated.sample(100, seed=0).X == 1).all()
    assert "X := 1   (do)" in repr(mutilated)


def test_do_gives_the_causal_effect_where_conditioning_is_confounded() -> None:
    scm = confounded()
    y1 = scm.do({"X": 1}).sample(200_000, seed=0).Y.mean()
    y0 = scm.do({"X": 0}).sample(200_000, seed=0).Y.mean()
    df = scm.sample(200_000, seed=0)
    assert abs((y1 - y0) - 2.0) < 0.02
    assert abs((df.Y[df.X == 1].mean() - df.Y[df.X == 0].mean()) - 0.2) < 0.03


def test_same_seed_gives_the_same_units_across_interventions() -> None:
    scm = confounded()
    obs, u = scm.sample(1000, seed=9, return_noise=True)
    treated, u1 = scm.do({"X": 1}).sample(1000, seed=9, return_noise=True)
    pd.testing.assert_series_equal(obs.Z, treated.Z)
    np.testing.assert_allclose(treated.Y - u1.Y, 2.0 - 3.0 * obs.Z)
    pd.testing.assert_series_equal(u.Y, u1.Y)
    # consistency: units that had X = 1 anyway have identical outcomes
    pd.testing.assert_frame_equal(obs[obs.X == 1], treated[obs.X == 1])


def test_do_with_a_function_keeps_parents_and_noise() -> None:
    scm = confounded()
    policy = scm.do({"X": lambda z, u: 1 - z})  # treat exactly the mild cases
    df = policy.sample(1000, seed=0)
    assert (df.X == 1 - df.Z).all()
    assert policy.parents("X") == ("Z",)


def test_do_with_a_new_mechanism_can_change_parents() -> None:
    scm = confounded().do({"X": Mechanism((), lambda u: u, bernoulli(0.5))})  # a randomised trial
    df = scm.sample(200_000, seed=2)
    assert scm.parents("X") == ()
    assert abs(df.Y[df.X == 1].mean() - df.Y[df.X == 0].mean() - 2.0) < 0.03


def test_do_composes() -> None:
    both = confounded().do({"X": 1}).do({"Z": 0})
    assert both.interventions == {"X": 1, "Z": 0}
    assert both.graph.number_of_edges() == 2 and (both.sample(10, seed=0)[["X", "Z"]] == [1, 0]).all().all()


# ---------------------------------------------------------------- property: do on a root = conditioning
@st.composite
def binary_models(draw: st.DrawFn) -> SCM:
    """Random binary SCMs on 3-6 nodes; node V0 is a root."""
    k = draw(st.integers(3, 6))
    mechs: dict[str, tuple] = {"V0": ((), lambda u, p=draw(st.floats(0.2, 0.8)): (u < p).astype(int), uniform())}
    for i in range(1, k):
        parents = tuple(f"V{j}" for j in range(i) if draw(st.booleans()))
        weights = [draw(st.floats(-2, 2)) for _ in parents]
        bias = draw(st.floats(-1, 1))

        def f(*a, w=weights, b=bias):
            logit = b + sum(wi * ai for wi, ai in zip(w, a[:-1]))
            return (a[-1] < 1 / (1 + np.exp(-logit))).astype(int)

        mechs[f"V{i}"] = (parents, f, uniform())
    return SCM(mechs)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(model=binary_models(), value=st.integers(0, 1))
def test_do_on_a_root_equals_conditioning_on_it(model: SCM, value: int) -> None:
    n = 40_000
    observed = model.sample(n, seed=11)
    conditioned = observed[observed.V0 == value]
    intervened = model.do({"V0": value}).sample(n, seed=12)  # independent units
    for node in model.nodes[1:]:
        p_cond, p_do = conditioned[node].mean(), intervened[node].mean()
        se = np.sqrt(p_cond * (1 - p_cond) / len(conditioned) + p_do * (1 - p_do) / n) + 1e-9
        assert abs(p_cond - p_do) < 5 * se + 1e-3, (node, p_cond, p_do)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(model=binary_models(), value=st.integers(0, 1))
def test_do_on_a_root_equals_conditioning_unit_by_unit(model: SCM, value: int) -> None:
    observed = model.sample(2000, seed=3)
    intervened = model.do({"V0": value}).sample(2000, seed=3)  # the same units
    keep = observed.V0 == value
    pd.testing.assert_frame_equal(observed[keep], intervened[keep])


# ---------------------------------------------------------------- validation messages
def test_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cycle: (X -> Y -> X|Y -> X -> Y)"):
        SCM({"X": (("Y",), lambda y, u: y + u, normal()), "Y": (("X",), lambda x, u: x + u, normal())})


def test_self_loop_is_refused() -> None:
    with pytest.raises(ValueError, match="'X' lists itself as a parent"):
        SCM({"X": (("X",), lambda x, u: x + u, normal())})


def test_parent_without_assignment_is_refused() -> None:
    with pytest.raises(ValueError, match="node 'Y' has parent 'W', which has no assignment"):
        SCM({"X": ((), lambda u: u, normal()), "Y": (("W",), lambda w, u: w + u, normal())})


def test_wrong_arity_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"assignment of 'Y' must accept 2 positional arguments \(X, U_Y\)"):
        SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x: x, normal())})


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty mapping"):
        SCM({})
    with pytest.raises(ValueError, match="assignment of 'X' is not callable"):
        SCM({"X": ((), 3, normal())})
    with pytest.raises(ValueError, match="noise of 'X' must be a Noise"):
        SCM({"X": ((), lambda u: u, "gaussian")})
    with pytest.raises(ValueError, match="parents of 'Y' must be a sequence of names"):
        SCM({"X": ((), lambda u: u, normal()), "Y": ("X", lambda x, u: x, normal())})
    with pytest.raises(ValueError, match="must be a Mechanism"):
        SCM({"X": lambda u: u})
    with pytest.raises(ValueError, match="scale > 0"):
        normal(0, 0)
    with pytest.raises(ValueError, match="low < high"):
        uniform(1, 0)
    with pytest.raises(ValueError, match="0 <= p <= 1"):
        bernoulli(1.5)


def test_intervention_on_unknown_node_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown node to intervene on 'Q'; the model has variables"):
        confounded().do({"Q": 1})
    with pytest.raises(ValueError, match="non-empty mapping"):
        confounded().do({})
    with pytest.raises(ValueError, match="scalar value or an assignment"):
        confounded().do({"X": np.zeros(3)})
    with pytest.raises(ValueError, match="unknown node 'Q'"):
        confounded().parents("Q")


def test_intervention_creating_a_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        confounded().do({"Z": (("Y",), lambda y, u: y + u, normal())})


def test_sampling_errors_name_the_problem() -> None:
    scm = confounded()
    for bad in (0, -1, 2.5, True, None):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            scm.sample(bad, seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        scm.sample(5, seed=-1)
    _, u = scm.sample(5, seed=0, return_noise=True)
    with pytest.raises(ValueError, match=r"noise values are missing for \['Y'\]"):
        scm.sample(noise=u[["Z", "X"]])
    with pytest.raises(ValueError, match="unknown noise variable 'W'"):
        scm.sample(noise={**u, "W": np.zeros(5)})
    with pytest.raises(ValueError, match="must all have length n"):
        scm.sample(4, noise=u)


def test_failing_or_misshapen_assignments_are_named() -> None:
    bad_shape = SCM({"X": ((), lambda u: np.zeros(len(u) + 1), normal())})
    with pytest.raises(ValueError, match=r"assignment of 'X' returned shape \(11,\); expected \(10,\)"):
        bad_shape.sample(10, seed=0)
    crashing = SCM({"X": ((), lambda u: u, normal()), "Y": (("X",), lambda x, u: x["no"] + u, normal())})
    with pytest.raises(ValueError, match="assignment of 'Y' failed: IndexError"):
        crashing.sample(10, seed=0)


# ---------------------------------------------------------------- speed
def test_a_million_units_of_a_ten_node_model_is_fast() -> None:
    scm = chain(10)
    scm.sample(1000, seed=0)
    start = time.process_time()  # CPU time of this process: not inflated when other jobs share the machine
    df = scm.sample(1_000_000, seed=0)
    seconds = time.process_time() - start
    assert df.shape == (1_000_000, 10)
    assert seconds < 1.0, f"sampling took {seconds:.2f} s of CPU time"  # about 0.2 s on a 2-core laptop


# ---------------------------------------------------------------- constructors
def test_bernoulli_threshold_is_the_uniform_threshold_idiom() -> None:
    from causalcourse.scm import bernoulli_threshold

    rate = np.array([[0.1, 0.6], [0.3, 0.9]])
    by_hand = SCM({
        "Z": ((), lambda u: (u < 0.4).astype(int), uniform()),
        "X": (("Z",), lambda z, u: (u < np.array([0.2, 0.7])[z]).astype(int), uniform()),
        "Y": (("X", "Z"), lambda x, z, u: (u < rate[x, z]).astype(int), uniform()),
    })
    for y_spec in (rate, rate.ravel().tolist(), lambda x, z: rate[x, z]):   # table, flat, function
        built = SCM({"Z": bernoulli_threshold((), 0.4), "X": bernoulli_threshold(("Z",), [0.2, 0.7]),
                     "Y": bernoulli_threshold(("X", "Z"), y_spec)})
        pd.testing.assert_frame_equal(built.sample(5000, seed=2), by_hand.sample(5000, seed=2))
    with pytest.raises(ValueError, match="1 dimension"):
        bernoulli_threshold(("A", "B"), [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bernoulli_threshold(("A",), [0.1, 1.2])
    with pytest.raises(ValueError, match="not the string"):
        bernoulli_threshold("A", [0.1, 0.2])


def test_linear_gaussian_is_the_weighted_sum_and_standardise_gives_unit_variance() -> None:
    from causalcourse.scm import linear_gaussian, standardise_linear

    w = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    scm = linear_gaussian(("A", "B", "C"), w, noise_sd=[1.0, 0.5, 2.0], intercepts=[0.0, 1.0, 0.0])
    df, u = scm.sample(1000, seed=0, return_noise=True)
    np.testing.assert_allclose(df.B, 1.0 + 2.0 * df.A + 0.5 * u.B)
    np.testing.assert_allclose(df.C, -df.B + 2.0 * u.C)
    w_std, sd_std = standardise_linear(w, [1.0, 0.5, 2.0])
    big = linear_gaussian(("A", "B", "C"), w_std, sd_std).sample(200_000, seed=1)
    assert np.allclose(big.var(), 1.0, atol=0.02)
    assert np.allclose(big.corr(), df.corr(), atol=0.1)       # the same correlations
    with pytest.raises(ValueError, match="square"):
        standardise_linear(np.zeros((2, 3)))
