"""Bayesian structure learning and experimental design for small linear-Gaussian pathways.

A posterior over causal graphs is computed **exactly** by enumerating every DAG on at most
five nodes (29,281 on five), each scored with the BGe marginal likelihood; the structure
prior encodes knowledge as a probability for every possible edge. Everything is vectorised
over graphs: a graph is a boolean adjacency matrix ``A[i, j] = True`` meaning
``nodes[i] -> nodes[j]``, and the data enter only through per-node sufficient statistics
(:class:`Evidence`), so adding an experiment, or thousands of simulated ones, is cheap.

The package, in the order its modules build on each other:

- :mod:`~causalcourse.design.dags` — DAG enumeration, Markov and interventional
  equivalence, ancestor queries, SHD to the truth;
- :mod:`~causalcourse.design.bge` — the BGe score (:class:`Evidence`,
  :func:`bge_log_marginal`, :func:`bge_family_score`) and the edge prior;
- :mod:`~causalcourse.design.sem` — :class:`LinearSEM` ground truths
  (:func:`random_linear_sem`), the linear-Gaussian SCM in matrix form;
- :mod:`~causalcourse.design.eig` — the expected information gain of an experiment;
- :mod:`~causalcourse.design.posterior` — :class:`StructureModel` and the exact
  :class:`GraphPosterior`, posterior parameter draws, the edge-probability plot;
- :mod:`~causalcourse.design.mcmc` — structure MCMC over DAGs (:func:`structure_mcmc`);
- :mod:`~causalcourse.design.order_mcmc` — order MCMC over ~10-node pathways with the same
  score, bias-corrected by linear extensions, and EIG from posterior samples (chapter 09;
  import it as a module: its names are not re-exported here);
- :mod:`~causalcourse.design.experiments` — :func:`design_loop` and
  :func:`experiments_to_reach`.

Every name below is importable from ``causalcourse.design`` as before the split. Bad input
raises :class:`causalcourse.errors.CourseError`; an unknown node, column or strategy raises
:class:`causalcourse.errors.UnknownNameError`.
"""

from causalcourse.design.bge import (
    Evidence,
    bge_alpha_w,
    bge_family_score,
    bge_log_marginal,
    dag_scores,
    edge_log_prior,
    subset_table,
)
from causalcourse.design.dags import (
    MAX_NODES,
    all_parent_masks,
    ancestor_query,
    as_adjacency,
    enumerate_dags,
    interventional_equivalent,
    markov_equivalent,
    parent_masks,
    reachability,
    shd_to,
)
from causalcourse.design.eig import expected_information_gain
from causalcourse.design.experiments import STRATEGIES, design_loop, experiments_to_reach
from causalcourse.design.mcmc import structure_mcmc
from causalcourse.design.posterior import (
    GraphPosterior,
    StructureModel,
    plot_edge_probabilities,
    sample_parameters,
)
from causalcourse.design.sem import LinearSEM, random_linear_sem, simulate_linear

__all__ = [
    "enumerate_dags",
    "markov_equivalent",
    "interventional_equivalent",
    "ancestor_query",
    "shd_to",
    "Evidence",
    "bge_log_marginal",
    "bge_family_score",
    "edge_log_prior",
    "GraphPosterior",
    "StructureModel",
    "expected_information_gain",
    "sample_parameters",
    "LinearSEM",
    "random_linear_sem",
    "simulate_linear",
    "design_loop",
    "experiments_to_reach",
    "structure_mcmc",
    "plot_edge_probabilities",
    # helpers the modules share, public for new samplers and designs
    "MAX_NODES",
    "STRATEGIES",
    "all_parent_masks",
    "as_adjacency",
    "bge_alpha_w",
    "dag_scores",
    "parent_masks",
    "reachability",
    "subset_table",
]

# The private names of the single-module version, for code written before the split.
_parent_masks = parent_masks
_reachability = reachability
_as_adjacency = as_adjacency
_subset_table = subset_table
_dag_scores = dag_scores
_check_alphas = bge_alpha_w
_family_score = bge_family_score
_sample_params = sample_parameters
_simulate = simulate_linear
