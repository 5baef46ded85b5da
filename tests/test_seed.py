"""set_seed makes numpy, torch and Pyro reproducible with one call."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from causalcourse import set_seed


def test_same_seed_same_numbers() -> None:
    a = set_seed(7).normal(size=3), np.random.rand(2), torch.rand(2)
    b = set_seed(7).normal(size=3), np.random.rand(2), torch.rand(2)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and torch.equal(a[2], b[2])


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_seed_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        set_seed(bad)
