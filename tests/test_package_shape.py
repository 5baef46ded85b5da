"""The shape of the helper package: no import cycles, no cross-module private imports, one
argmax helper, and every import path of the single-module versions still works."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "causalcourse"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, list[tuple[str, list[str]]]]:
    """For every module: (imported causalcourse module, names) at any depth of the file."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        rows = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("causalcourse"):
                rows.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                rows += [(a.name, []) for a in node.names if a.name.startswith("causalcourse")]
        found[module_name(path)] = rows
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    bad = [(m, source, n) for m, rows in imports().items() for source, names in rows
           for n in names if n.startswith("_") and source != m]
    assert not bad, bad


def test_the_modules_import_each_other_without_a_cycle() -> None:
    graph = nx.DiGraph()
    modules = imports()
    for m, rows in modules.items():
        graph.add_node(m)
        for source, names in rows:
            target = source
            # "from causalcourse.design import bge" imports the submodule causalcourse.design.bge
            for name in names:
                if f"{source}.{name}" in modules:
                    graph.add_edge(m, f"{source}.{name}")
            if source in modules and source != m and not m.startswith(source + "."):
                graph.add_edge(m, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles


def test_one_argmax_with_random_ties() -> None:
    defined = [p.name for p in PACKAGE.rglob("*.py") if "def _argmax_random" in p.read_text()
               or "def argmax_random" in p.read_text()]
    assert defined == ["bandits.py"]


@pytest.mark.parametrize("module, names", [
    ("causalcourse.design", ["enumerate_dags", "markov_equivalent", "interventional_equivalent",
                             "ancestor_query", "shd_to", "Evidence", "bge_log_marginal",
                             "edge_log_prior", "GraphPosterior", "StructureModel", "LinearSEM",
                             "random_linear_sem", "design_loop", "experiments_to_reach",
                             "structure_mcmc", "plot_edge_probabilities",
                             "_sample_params", "_subset_table", "_family_score", "_simulate"]),
    ("causalcourse.discovery", ["GraphComparison", "compare_graphs", "score_table", "shd",
                                "from_causallearn", "interventional_bic_search",
                                "interventional_essential_graph", "draw_comparison",
                                "sachs_consensus_graph", "sachs_targets"]),
    ("causalcourse.llm.pairs", ["load_tuebingen", "subsample", "orient_anm", "orient_reci",
                                "orient_lingam", "weighted_accuracy"]),
    ("causalcourse.llm", ["load_tuebingen", "orient_anm", "wilson_interval", "solve"]),
    ("causalcourse.rl", ["partial_correlation_test", "run_agents", "AGENTS", "Switchboard"]),
    ("causalcourse.bandits", ["simulate_casino", "CASINO_POLICIES", "ucb_simple",
                              "thompson_simple", "successive_rejects", "parallel_causal"]),
    ("causalcourse.scm", ["SCM", "Mechanism", "Noise", "normal", "uniform", "bernoulli"]),
])
def test_the_old_import_paths_still_work(module: str, names: list[str]) -> None:
    loaded = importlib.import_module(module)
    assert all(hasattr(loaded, n) for n in names), [n for n in names if not hasattr(loaded, n)]
