"""Tests of causalcourse.ppl: the pathway simulator, the Pyro LVM, interventional sampling, the plug-in."""

from __future__ import annotations

import functools

import numpy as np
import pyro
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pyro.infer import Trace_ELBO

from causalcourse.identification import identify_y0
from causalcourse.ppl import (CAUSES, PathwayParams, _map_logistic, _pathway_guide,
                              _replicate_elbo, fit_lvm, frontdoor_plugin, lvm_do_mean, pathway_graph, pathway_lvm, simulate_pathway,
                              stack_replicates, true_do_mean)


def true_fit(p: PathwayParams, n_rep: int = 1) -> dict[str, torch.Tensor]:
    """The data-generating parameters rewritten for standard-normal latents, in fit_lvm's layout."""
    mean, sd = np.array(p.u_mean), np.array(p.u_sd)
    values = {
        "x_bias": np.array(p.x_bias) + p.x_u @ mean, "x_u": (p.x_u * sd).T,
        "m_bias": np.array(p.m_bias), "m_x": np.array(p.m_x),
        "y_bias": np.array(p.y_bias + np.array(p.y_u) @ mean), "y_m": np.array(p.y_m),
        "y_u": np.array(p.y_u) * sd,
    }
    return {k: torch.tensor(v, dtype=torch.float32).expand(n_rep, 1, *v.shape).clone() for k, v in values.items()}


# ---------------------------------------------------------------- simulator and truth
def test_simulate_shapes_binary_and_intervention() -> None:
    data = simulate_pathway(500, np.random.default_rng(0), return_latents=True)
    assert data["X"].shape == (500, 5) and data["U"].shape == (500, 3)
    assert set(np.unique(np.concatenate([data["X"].ravel(), data["M"], data["Y"]]))) <= {0.0, 1.0}
    assert (simulate_pathway(50, np.random.default_rng(0), do_x=1.0)["X"] == 1).all()


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_simulate_rejects_bad_sizes(n) -> None:
    with pytest.raises(ValueError, match="positive integer number of cells"):
        simulate_pathway(n, np.random.default_rng(0))


def test_true_value_matches_simulation() -> None:
    sim = simulate_pathway(300_000, np.random.default_rng(1), do_x=0.0)["Y"].mean()
    assert abs(true_do_mean() - sim) < 0.004


@settings(max_examples=15, deadline=None)
@given(y_m=st.floats(-2, 2), m_bias=st.floats(-2, 2), y_bias=st.floats(-2, 2))
def test_true_value_quadrature_agrees_with_monte_carlo(y_m, m_bias, y_bias) -> None:
    p = PathwayParams(y_m=y_m, m_bias=m_bias, y_bias=y_bias)
    sim = simulate_pathway(100_000, np.random.default_rng(2), params=p, do_x=1.0)["Y"].mean()
    assert abs(true_do_mean(p, x_value=1.0) - sim) < 0.01


# ---------------------------------------------------------------- identification of the chapter's queries
def test_query_identified_with_the_hub_and_not_without() -> None:
    assert identify_y0(pathway_graph(), CAUSES, "Y") is not None
    assert identify_y0(pathway_graph(mediator_observed=False), CAUSES, "Y") is None


# ---------------------------------------------------------------- stacking replicates
def test_stack_replicates_layout() -> None:
    sets = [simulate_pathway(30, np.random.default_rng(s)) for s in range(2)]
    x, m, y, mask = stack_replicates(sets, [10, 30], restarts=3)
    assert x.shape == (12, 30, 5) and mask.shape == (12, 30)
    assert mask.sum(-1).tolist() == [10] * 6 + [30] * 6
    assert torch.equal(y[3], torch.tensor(sets[1]["Y"], dtype=torch.float32))   # size 10, data set 1, restart 0


def test_stack_replicates_rejects_oversize() -> None:
    with pytest.raises(ValueError, match="size 40 exceeds"):
        stack_replicates([simulate_pathway(30, np.random.default_rng(0))], [40])


# ---------------------------------------------------------------- the Pyro model
@settings(max_examples=10, deadline=None)
@given(sizes=st.lists(st.integers(1, 8), min_size=1, max_size=4), mediator_observed=st.booleans())
def test_masked_cells_do_not_count(sizes, mediator_observed) -> None:
    """Padding cells beyond a replicate's size may hold anything: the log density ignores them."""
    n_max = 8
    mask = torch.arange(n_max)[None] < torch.tensor(sizes)[:, None]
    fit = true_fit(PathwayParams(), n_rep=len(sizes))
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (len(sizes), n_max, 5), generator=gen).float()
    m, y = (torch.randint(0, 2, (len(sizes), n_max), generator=gen).float() for _ in range(2))
    u = torch.randn(len(sizes), n_max, 3, generator=gen)

    def log_density(x, m, y):
        model = pyro.poutine.condition(pathway_lvm, data={**fit, "u": u})
        trace = pyro.poutine.trace(model).get_trace(mask, x=x, m=m, y=y, mediator_observed=mediator_observed)
        return trace.log_prob_sum()

    flip = ~mask
    assert torch.allclose(log_density(x, m, y),
                          log_density(torch.where(flip[..., None], 1 - x, x), torch.where(flip, 1 - m, m),
                                      torch.where(flip, 1 - y, y)))


def test_true_parameters_answer_both_queries() -> None:
    p = PathwayParams()
    fit = true_fit(p, n_rep=2)
    assert np.abs(lvm_do_mean(fit, n_draws=40_000) - true_do_mean(p)).max() < 0.01
    big = simulate_pathway(400_000, np.random.default_rng(3))
    seeing = big["Y"][big["X"].sum(1) == 0].mean()
    assert np.abs(lvm_do_mean(fit, n_draws=40_000, intervene=False) - seeing).max() < 0.006


@pytest.mark.slow  # trains the Pyro model on 48 replicates
def test_fit_recovers_the_identified_query() -> None:
    data = simulate_pathway(1000, np.random.default_rng(4))
    x, m, y, mask = stack_replicates([data], [1000])
    fit = fit_lvm(x, m, y, mask, n_latent=1, num_steps=400, seed=0)
    assert abs(lvm_do_mean(fit)[0] - true_do_mean()) < 0.04


def test_fit_reports_a_per_replicate_elbo_that_matches_pyro() -> None:
    """The per-replicate ELBO summed over replicates is Pyro's ELBO; a replicate is independent."""
    sets = [simulate_pathway(n, np.random.default_rng(n)) for n in (12, 20)]
    x, m, y, mask = stack_replicates(sets, [12], restarts=2)
    fit = fit_lvm(x, m, y, mask, n_latent=2, num_steps=40, seed=0)
    assert fit["elbo"].shape == fit["elbo_change"].shape == (4,)
    assert torch.isfinite(fit["elbo"]).all() and (fit["elbo"] < 0).all()
    store = pyro.get_param_store()
    guide = functools.partial(_pathway_guide, init_scale=0.1)
    kwargs = dict(x=x, m=m, y=y, n_latent=2, mediator_observed=True, hub_prior=(0.0, 2.5))
    per_cell = _replicate_elbo(guide, mask, kwargs, seed=0, num_particles=200)
    pyro_elbo = -Trace_ELBO(num_particles=200).loss(pathway_lvm, guide, mask, **kwargs)
    assert abs(float((per_cell * mask.sum(-1).numpy()).sum()) - pyro_elbo) < 0.02 * abs(pyro_elbo)
    assert store["u_loc"].shape == (4, 12, 2)


def test_fit_rejects_bad_input() -> None:
    x, m, y, mask = stack_replicates([simulate_pathway(10, np.random.default_rng(0))], [10])
    with pytest.raises(ValueError, match="n_latent must be at least 1"):
        fit_lvm(x, m, y, mask, n_latent=0)
    with pytest.raises(ValueError, match="shapes disagree"):
        fit_lvm(x[..., :4], m, y, mask)


# ---------------------------------------------------------------- plug-in estimator
def test_map_logistic_recovers_coefficients_and_survives_one_class() -> None:
    rng = np.random.default_rng(5)
    features = rng.normal(size=(20_000, 2))
    target = (rng.random(20_000) < 1 / (1 + np.exp(-(0.5 + features @ [1.0, -2.0])))).astype(float)
    assert np.allclose(_map_logistic(features, target), [0.5, 1.0, -2.0], atol=0.08)
    assert np.isfinite(_map_logistic(features[:10], np.zeros(10))).all()


def test_plugin_is_consistent_and_checks_shapes() -> None:
    data = simulate_pathway(20_000, np.random.default_rng(6))
    assert abs(frontdoor_plugin(data["X"], data["M"], data["Y"]) - true_do_mean()) < 0.015
    with pytest.raises(ValueError, match="expected X"):
        frontdoor_plugin(data["X"][:, :3], data["M"], data["Y"])


def test_hub_prior_location_can_differ_per_replicate() -> None:
    mask = torch.ones(2, 3, dtype=torch.bool)
    loc = torch.tensor([[0.0], [3.0]])
    model = pyro.poutine.condition(pathway_lvm, data={"y_m": torch.full((2, 1), 3.0)})
    trace = pyro.poutine.trace(model).get_trace(mask, hub_prior=(loc, 1.0))
    trace.compute_log_prob()
    expected = torch.distributions.Normal(loc, 1.0).log_prob(torch.tensor(3.0))
    assert torch.allclose(trace.nodes["y_m"]["log_prob"].reshape(2), expected.reshape(2))


def test_merge_chain_rule_gives_the_front_door_formula() -> None:
    from causalcourse.ppl import merge_chain_rule

    text = str(merge_chain_rule(identify_y0(pathway_graph(), CAUSES, "Y")))
    assert text == ("Sum[M](P(M | X1, X2, X3, X4, X5) * Sum[X1, X2, X3, X4, X5]("
                    "P(X1, X2, X3, X4, X5) * P(Y | M, X1, X2, X3, X4, X5)))")
