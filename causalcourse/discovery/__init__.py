"""Causal discovery: score a learned graph against the truth, learn from experiments, orient pairs.

- :mod:`~causalcourse.discovery.compare` — how a learned graph differs from the true DAG
  (:func:`compare_graphs`, :func:`shd`, :func:`score_table`, :func:`draw_comparison`; the
  conventions of the scores are in that module's docstring);
- :mod:`~causalcourse.discovery.search` — causal-learn's output as graphs
  (:func:`from_causallearn`), a greedy BIC search that knows the experiments
  (:func:`interventional_bic_search`) and the checks of its input (:func:`check_experiments`);
- :mod:`~causalcourse.discovery.equivalence` — which arrows data and experiments determine
  (:func:`interventional_essential_graph`);
- :mod:`~causalcourse.discovery.independence` — a fast partial-correlation test;
- :mod:`~causalcourse.discovery.pairs` — the Tübingen cause-effect pairs and three
  orientation methods;
- :mod:`~causalcourse.discovery.sachs` — the Sachs et al. (2005) consensus graphs and targets.

The discovery algorithms themselves come from causal-learn (PC, GES, GRaSP, LiNGAM) and
``gies``. Every name the single-module version exported is importable from here. Bad input
raises :class:`causalcourse.errors.CourseError`; an unknown node, target or variant raises
:class:`causalcourse.errors.UnknownNameError`.
"""

from causalcourse.discovery.compare import (
    GraphComparison,
    as_graph,
    compare_graphs,
    draw_comparison,
    score_table,
    shd,
)
from causalcourse.discovery.equivalence import interventional_essential_graph, v_structures
from causalcourse.discovery.independence import partial_correlation_test
from causalcourse.discovery.pairs import (
    load_tuebingen,
    orient_anm,
    orient_lingam,
    orient_reci,
    subsample,
    weighted_accuracy,
)
from causalcourse.discovery.sachs import sachs_consensus_graph, sachs_targets
from causalcourse.discovery.search import (
    check_experiments,
    from_causallearn,
    interventional_bic_search,
)

__all__ = [
    "GraphComparison",
    "compare_graphs",
    "score_table",
    "shd",
    "from_causallearn",
    "check_experiments",
    "interventional_bic_search",
    "interventional_essential_graph",
    "draw_comparison",
    "sachs_consensus_graph",
    "sachs_targets",
    "as_graph",
    "v_structures",
    "partial_correlation_test",
    "load_tuebingen",
    "subsample",
    "orient_anm",
    "orient_reci",
    "orient_lingam",
    "weighted_accuracy",
]
