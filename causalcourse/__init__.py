"""causalcourse: the small helper package of the causal-ML course.

The notebooks show each idea in code a learner can read; what several notebooks
share, or what is long and not the point of a lesson (graph construction,
loaders, simulators, metrics, plotting), lives here with unit tests.

The error policy
----------------
Every public function checks its input *before* it computes. Bad input raises
:class:`causalcourse.errors.CourseError`, a ``ValueError``; a node, column, file,
attribute, policy or condition name that is not there raises
:class:`causalcourse.errors.UnknownNameError`, which is both a ``CourseError`` and a
``KeyError`` (a missing data file raises :class:`causalcourse.data.MissingFileError`,
which is also a ``FileNotFoundError``). The message names the offending value and,
where there is one, the fix — one line a learner can act on, never a stack trace from
numpy, pandas or networkx. ``except ValueError`` (and ``except KeyError`` for names)
keeps working. Each public function has a bad-input test (``tests/test_errors.py``).
Failures of a learner's own code inside an assignment or a policy are re-raised as a
``CourseError`` that names the assignment or policy, with the original error chained.
"""

from __future__ import annotations

import os
import random
import warnings

import numpy as np

from causalcourse.errors import CourseError

# Pyro imports tqdm.auto, which warns when ipywidgets is absent; the course uses text
# progress bars on purpose (widget outputs cannot be compared by the notebook tests).
warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"

__all__ = ["__version__", "set_seed"]


def set_seed(seed: int) -> np.random.Generator:
    """Seed every random number generator a chapter uses and return a numpy Generator.

    Seeds Python's ``random``, numpy's legacy global state, and — when they are
    installed — torch and Pyro, so that one call at the top of a notebook makes
    the whole chapter reproducible. Use the returned generator for new numpy code.

    Example
    -------
    >>> rng = set_seed(0)
    >>> float(rng.random()) == float(set_seed(0).random())
    True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise CourseError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - torch is part of the lock
        pass
    try:
        import pyro

        pyro.set_rng_seed(seed)
        pyro.clear_param_store()
    except ImportError:  # pragma: no cover - pyro is part of the lock
        pass
    return np.random.default_rng(seed)
