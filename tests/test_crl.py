"""Tests of the causal representation learning helpers: models, counterfactual edits, locality metrics."""

from __future__ import annotations

import numpy as np
import pyro
import pytest
import torch

from causalcourse.crl import (DeepSCM, FaceVAE, attribute_directions, attribute_matrix, edit_locality,
                              fit_readers, read_attributes, show_faces, train_svi, vae_edit)
from causalcourse.imageworld import ATTRIBUTES, counterfactual, edit_region, sample_faces


@pytest.fixture(scope="module")
def faces():
    rng = np.random.default_rng(0)
    images, attrs, noise = sample_faces(300, rng)
    return images, attrs, noise


@pytest.fixture(scope="module")
def readers():
    rng = np.random.default_rng(1)
    n = 1500
    images, attrs, _ = sample_faces(n, rng, do={"age": rng.uniform(0, 1, n), "hair": rng.uniform(0, 1, n),
                                                "glasses": rng.integers(0, 2, n).astype(float)})
    return fit_readers(images, attrs)


def test_attribute_matrix_order_and_missing() -> None:
    a = attribute_matrix({"age": [0.1], "hair": [0.2], "glasses": [1.0], "smile": [-0.5]})
    assert a.shape == (1, 4) and a.dtype == torch.float32
    with pytest.raises(KeyError, match="smile"):
        attribute_matrix({"age": [0.1], "hair": [0.2], "glasses": [1.0]})


def test_readers_read_true_counterfactuals(faces, readers) -> None:
    _, attrs, noise = faces
    cf_images, cf_attrs = counterfactual(noise, {"hair": 0.8})
    read = read_attributes(readers, cf_images)
    assert np.abs(read["hair"] - 0.8).mean() < 0.02
    assert np.abs(read["age"] - attrs["age"]).mean() < 0.05


def test_true_edits_are_perfectly_local(faces, readers) -> None:
    images, _, noise = faces
    cf_images, _ = counterfactual(noise, {"glasses": 1.0})
    scores = edit_locality(readers, images, cf_images, "glasses")
    assert scores["outside_pixels"] == 0.0 and scores["outside_mae"] == 0.0
    assert scores["non_descendant_change"] < 0.02


def test_edit_locality_counts_outside_pixels(readers) -> None:
    before = np.zeros((3, 3, 32, 32), np.float32)
    after = before.copy()
    outside = ~edit_region("hair")
    rows, cols = np.nonzero(outside)
    after[:, 0, rows[:10], cols[:10]] = 0.5          # ten visible changes outside the hair
    after[:, 1, rows[10:20], cols[10:20]] = 0.05     # ten invisible ones
    scores = edit_locality({}, before, after, "hair")
    assert scores["outside_pixels"] == pytest.approx(10 / outside.sum())
    with pytest.raises(ValueError, match="same shape"):
        edit_locality({}, before, after[:2], "hair")
    with pytest.raises(KeyError, match="'beard'"):
        edit_locality({}, before, after, "beard")


def test_attribute_directions_univariate_vs_joint() -> None:
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(500, 4, generator=gen)
    a[:, 1] = 0.7 * a[:, 0] + 0.3 * a[:, 1]           # hair correlated with age
    z = torch.stack([a[:, 0], a[:, 1], a[:, 3]], 1)
    marginal = attribute_directions(z, a)
    joint = attribute_directions(z, a, joint=True)
    assert marginal[0, 1] > 0.3                        # the age vector drags the hair code along
    torch.testing.assert_close(joint[:, :], torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1]]),
                               atol=1e-4, rtol=0)


@pytest.mark.slow  # trains a model
def test_training_is_repeatable_and_lowers_the_loss(faces) -> None:
    images, attrs, _ = faces
    x, a = torch.from_numpy(images[:100]), attribute_matrix({k: v[:100] for k, v in attrs.items()})
    runs = []
    for _ in range(2):
        pyro.clear_param_store()
        torch.manual_seed(0)
        scm = DeepSCM(z_dim=2, hidden=16)
        runs.append(train_svi(scm.model, scm.guide, (x, a), epochs=3, batch_size=50, seed=3))
    assert runs[0] == runs[1]
    assert runs[0][-1] < runs[0][0]
    with pytest.raises(ValueError, match="epochs"):
        train_svi(scm.model, scm.guide, (x, a), epochs=0)


def test_scm_counterfactual_intervenes_and_keeps_non_descendants() -> None:
    torch.manual_seed(0)
    scm = DeepSCM(z_dim=2, hidden=8)
    x = torch.rand(5, 3, 32, 32)
    a = torch.tensor([[0.2, 0.3, 0.0, 0.5]] * 5)
    gen = torch.Generator().manual_seed(0)
    _, same = scm.counterfactual(x, a, {}, gen)
    torch.testing.assert_close(same[:, 1], a[:, 1])                 # abduction then prediction: hair unchanged
    _, older = scm.counterfactual(x, a, {"age": 0.9}, gen)
    torch.testing.assert_close(older[:, 3], a[:, 3])                 # smile is not a descendant of age
    assert (older[:, 0] == 0.9).all()
    _, dyed = scm.counterfactual(x, a, {"hair": 0.9}, gen)
    torch.testing.assert_close(dyed[:, [0, 2, 3]], a[:, [0, 2, 3]])  # hair has no descendants
    with pytest.raises(KeyError, match="beard"):
        scm.counterfactual(x, a, {"beard": 1.0})


def test_glasses_abduction_respects_the_observation() -> None:
    torch.manual_seed(0)
    scm = DeepSCM(z_dim=2, hidden=8)
    a = torch.tensor([[0.4, 0.5, 1.0, 0.0], [0.4, 0.5, 0.0, 0.0]]).repeat(50, 1)
    noise = scm.abduct(torch.rand(100, 3, 32, 32), a, torch.Generator().manual_seed(1))
    p = torch.sigmoid(scm.glasses_logit(a[:, 0]))
    worn = a[:, 2] > 0.5
    assert (noise["u_glasses"][worn] < p[worn]).all() and (noise["u_glasses"][~worn] >= p[~worn]).all()


def test_vae_edit_and_unknown_attribute() -> None:
    vae = FaceVAE(z_dim=3, hidden=8)
    x, a = torch.rand(2, 3, 32, 32), torch.tensor([[0.5, 0.5, 0.0, 0.0]] * 2)
    no_move = vae_edit(vae, x, a, {"glasses": 0.0}, torch.ones(4, 3))
    torch.testing.assert_close(no_move, vae.decode(vae.encode(x)))
    with pytest.raises(KeyError, match="beard"):
        vae_edit(vae, x, a, {"beard": 1.0}, torch.ones(4, 3))


def test_show_faces_checks_row_length() -> None:
    import matplotlib

    matplotlib.use("Agg")
    with pytest.raises(ValueError, match="'short'"):
        show_faces({"short": np.zeros((1, 3, 32, 32))}, n=2)


def test_attributes_constant_is_consistent() -> None:
    assert ATTRIBUTES == ("age", "hair", "glasses", "smile")


def test_edit_locality_per_face_averages_to_the_summary(readers) -> None:
    rng = np.random.default_rng(3)
    before = rng.uniform(0, 1, (5, 3, 32, 32)).astype(np.float32)
    after = before.copy()
    after[2] += 0.5  # only face 2 changes, everywhere
    faces = edit_locality(readers, before, after, "glasses", per_face=True)
    summary = edit_locality(readers, before, after, "glasses")
    assert faces["outside_pixels"].tolist() == [0, 0, 1, 0, 0]
    for key, values in faces.items():
        assert values.shape == (5,) and abs(values.mean() - summary[key]) < 1e-12, key
