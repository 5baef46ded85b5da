"""The Tübingen cause-effect pairs and three orientation methods: now
:mod:`causalcourse.discovery.pairs`.

This module re-exports them so that ``from causalcourse.llm.pairs import ...`` keeps working.
"""

from causalcourse.discovery.pairs import (
    load_tuebingen,
    orient_anm,
    orient_lingam,
    orient_reci,
    subsample,
    weighted_accuracy,
)

__all__ = [
    "load_tuebingen",
    "subsample",
    "orient_anm",
    "orient_reci",
    "orient_lingam",
    "weighted_accuracy",
]
