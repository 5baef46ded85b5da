"""The shipped Tübingen pairs: integrity, the cdt renaming and weights, and symmetric orientation methods."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.data import data_dir, verify_manifest
from causalcourse.llm.pairs import (load_tuebingen, orient_anm, orient_lingam, orient_reci, subsample,
                                    weighted_accuracy)


def test_manifest_verifies() -> None:
    assert verify_manifest(data_dir() / "tuebingen" / "SHA256SUMS") == []


def test_loader_contents() -> None:
    pairs = load_tuebingen()
    assert len(pairs) == 99 and pairs.pair.is_unique
    assert (pairs.n == [len(a) for a in pairs.a]).all() and (pairs.n == [len(b) for b in pairs.b]).all()
    assert pairs.weight.between(0.08, 1).all() and pairs.weight.sum() == pytest.approx(35.4979)
    # cdt renamed the pairs: 52-59 are the original 56-63 (192 countries each), 67 is the original 72
    assert pairs.set_index("pair").loc[["pair52", "pair59", "pair67"], "original_pair"].tolist() == [
        "pair0056", "pair0063", "pair0072"]
    assert (pairs.set_index("pair").loc[[f"pair{k}" for k in range(52, 60)], "n"] == 192).all()


def test_altered_file_is_refused(tmp_path, monkeypatch) -> None:
    shutil.copytree(data_dir() / "tuebingen", tmp_path / "tuebingen")
    target = tmp_path / "tuebingen" / "weights.csv"
    target.write_text(target.read_text().replace("0.166", "0.999", 1))
    monkeypatch.setenv("CAUSALCOURSE_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="weights.csv is altered or corrupt"):
        load_tuebingen()


def _pair(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, np.tanh(2 * x) + 0.5 * x + rng.uniform(-0.3, 0.3, n)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_methods_are_symmetric(seed: int) -> None:
    a, b = _pair(seed, 200)
    for method in (orient_anm, orient_reci, orient_lingam):
        assert method(a, b) == pytest.approx(-method(b, a)), method.__name__


def test_methods_find_a_known_direction() -> None:
    a, b = _pair(0)
    assert orient_anm(a, b) > 0 and orient_reci(a, b) > 0
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 3000)
    assert orient_lingam(x, x + 0.5 * rng.uniform(-1, 1, 3000)) == 1.0


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="constant"):
        orient_reci(np.ones(10), np.arange(10.0))
    with pytest.raises(ValueError, match="equal length"):
        subsample(np.arange(3.0), np.arange(4.0), 2)
    with pytest.raises(ValueError, match="positive total weight"):
        weighted_accuracy(np.array([True]), np.array([0.0]))


def test_subsample_is_deterministic() -> None:
    a = np.arange(1000.0)
    assert (subsample(a, a, 50, seed=3)[0] == subsample(a, a, 50, seed=3)[0]).all()
    assert len(subsample(a, a, 5000)[0]) == 1000
