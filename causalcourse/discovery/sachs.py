"""The ground truth of the Sachs et al. (2005) pathway data shipped in ``data/sachs/``.

The data themselves are loaded by :func:`causalcourse.data.load_sachs`; this module gives
the consensus graphs the chapters score against and the targets of each condition.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from causalcourse.data import sachs_conditions, verified_path
from causalcourse.errors import UnknownNameError

__all__ = ["sachs_consensus_graph", "sachs_targets"]


def sachs_consensus_graph(
    variant: str = "consensus_17", root: Path | str | None = None
) -> nx.DiGraph:
    """The Sachs et al. (2005) ground-truth network shipped in ``data/sachs/`` (SHA-256 checked).

    ``variant="consensus_17"`` is the 17-edge graph of the bnlearn repository (and
    of pgmpy's ``sachs.bif.gz``) that the chapter scores against;
    ``variant="cdt_target_18"`` is the 18-edge list shipped with cdt 0.6.0.

    Example
    -------
    >>> sachs_consensus_graph().number_of_edges()
    17
    """
    if variant not in ("consensus_17", "cdt_target_18"):
        raise UnknownNameError(
            f"unknown variant {variant!r}; choose 'consensus_17' or 'cdt_target_18'"
        )
    edges = pd.read_csv(verified_path(f"sachs/{variant}.csv", root))
    return nx.DiGraph(list(zip(edges["cause"], edges["effect"], strict=True)))


def sachs_targets(root: Path | str | None = None) -> dict[str, list[str]]:
    """The intervention target(s) of each Sachs condition, from ``data/sachs/conditions.csv``.

    Example
    -------
    >>> sachs_targets()["U0126"]
    ['Mek']
    """
    table = sachs_conditions(root)
    return {row.condition: [t for t in row.target.split(";") if t] for row in table.itertuples()}
