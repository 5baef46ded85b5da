"""Tests of the toy face world: the SCM, the renderer's locality and the true counterfactuals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.imageworld import (ATTRIBUTES, SIZE, attributes_from_noise, causal_graph, counterfactual,
                                     descendants, edit_region, glasses_counterfactual_probability,
                                     owned_masks, render, sample_faces, sample_noise)


def test_sampling_is_seeded() -> None:
    a = sample_faces(5, np.random.default_rng(3))
    b = sample_faces(5, np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    for name in ATTRIBUTES:
        np.testing.assert_array_equal(a[1][name], b[1][name])


def test_images_are_float_rgb_in_unit_range() -> None:
    images, _, _ = sample_faces(20, np.random.default_rng(0))
    assert images.shape == (20, 3, SIZE, SIZE) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1


def test_graph_and_descendants() -> None:
    assert set(causal_graph().edges) == {("age", "hair"), ("age", "glasses")}
    assert descendants("age") == ["age", "hair", "glasses"]
    assert descendants("smile") == ["smile"]
    with pytest.raises(KeyError, match="'beard'"):
        descendants("beard")


def test_attributes_follow_the_scm() -> None:
    from causalcourse.imageworld import ATTRIBUTE_SCM

    attrs = ATTRIBUTE_SCM.sample(20_000, seed=1)   # the attribute SCM, without rendering faces
    assert np.corrcoef(attrs["age"], attrs["hair"])[0, 1] > 0.6
    old = attrs["age"] > 0.5
    # P(glasses | age) = 0.1 + 0.75 age: 0.29 below 0.5 and 0.66 above, on average
    assert abs(attrs["glasses"][~old].mean() - 0.2875) < 0.02
    assert abs(attrs["glasses"][old].mean() - 0.6625) < 0.02
    assert abs(np.corrcoef(attrs["smile"], attrs["age"])[0, 1]) < 0.03


def test_intervention_changes_descendants_only() -> None:
    noise = sample_noise(200, np.random.default_rng(2))
    base = attributes_from_noise(noise)
    edited = attributes_from_noise(noise, do={"age": 0.95})
    np.testing.assert_array_equal(edited["smile"], base["smile"])
    assert (edited["hair"] >= base["hair"] - 1e-12)[base["age"] < 0.95].all()   # older -> greyer
    hair_edit = attributes_from_noise(noise, do={"hair": 0.1})
    np.testing.assert_array_equal(hair_edit["age"], base["age"])
    np.testing.assert_array_equal(hair_edit["glasses"], base["glasses"])


def test_bad_intervention_and_missing_attribute_are_named() -> None:
    noise = sample_noise(2, np.random.default_rng(0))
    with pytest.raises(KeyError, match="'beard'"):
        attributes_from_noise(noise, do={"beard": 1.0})
    attrs = attributes_from_noise(noise)
    del attrs["smile"]
    with pytest.raises(KeyError, match="smile"):
        render(attrs, noise)
    with pytest.raises(ValueError, match="positive integer"):
        sample_noise(0, np.random.default_rng(0))


def test_masks_are_disjoint_and_regions_nest() -> None:
    masks = owned_masks()
    total = sum(m.astype(int) for m in masks.values())
    assert total.max() == 1, "no pixel is owned by two attributes"
    assert (edit_region("age") == (masks["age"] | masks["hair"] | masks["glasses"])).all()
    assert (edit_region("glasses") == masks["glasses"]).all()


@settings(max_examples=15, deadline=None)
@given(attribute=st.sampled_from(ATTRIBUTES), value=st.floats(0.0, 1.0), seed=st.integers(0, 10_000))
def test_true_counterfactuals_are_local(attribute: str, value: float, seed: int) -> None:
    """Any intervention changes pixels only inside the edit region of the intervened attribute."""
    images, _, noise = sample_faces(8, np.random.default_rng(seed))
    if attribute == "glasses":
        value = float(value > 0.5)
    cf_images, _ = counterfactual(noise, {attribute: value})
    changed = np.abs(cf_images - images).max(axis=1) > 0
    assert not (changed & ~edit_region(attribute)).any()


@settings(max_examples=15, deadline=None)
@given(age=st.floats(0.0, 1.0), new_age=st.floats(0.0, 1.0))
def test_glasses_counterfactual_probability_matches_simulation(age: float, new_age: float) -> None:
    rng = np.random.default_rng(0)
    u = rng.uniform(0, 1, 20_000)
    worn = u < 0.1 + 0.75 * age
    would = u < 0.1 + 0.75 * new_age
    for g in (True, False):
        if (worn == g).sum() < 500:
            continue
        exact = glasses_counterfactual_probability(np.array([age]), np.array([float(g)]), np.array([new_age]))[0]
        assert abs(would[worn == g].mean() - exact) < 0.05
