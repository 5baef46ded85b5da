"""The shipped Sachs et al. (2005) data: checksums, loader, condition blocks and ground truth."""

from __future__ import annotations

import gzip
import re
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from causalcourse.data import SACHS_NAMES, data_dir, load_sachs, verify_manifest
from causalcourse.discovery import sachs_consensus_graph, sachs_targets

CSV_SHA256 = "fc331dcd0bc1d8765986b88cd1d23dd5a3f52e4ffc299fdf96de9d522ddf01aa"
BLOCKS = {"CD3/CD28": (0, 852), "ICAM-2": (853, 1754), "Akt-inhibitor": (1755, 2665), "G06976": (2666, 3388),
          "Psitectorigenin": (3389, 4198), "U0126": (4199, 4997), "LY294002": (4998, 5845),
          "PMA": (5846, 6758), "b2cAMP": (6759, 7465)}


def test_manifest_and_recorded_digest() -> None:
    manifest = data_dir() / "sachs" / "SHA256SUMS"
    assert verify_manifest(manifest) == []
    assert f"{CSV_SHA256}  cyto_full_data.csv" in manifest.read_text()
    assert CSV_SHA256 in (data_dir() / "sachs" / "README.md").read_text()


def test_shape_names_and_values() -> None:
    raw = load_sachs()
    assert raw.shape == (7466, 12)
    assert list(raw.columns) == list(SACHS_NAMES.values()) + ["condition"]
    assert raw.drop(columns="condition").min().min() >= 1.0  # so the log is defined everywhere
    logged = load_sachs(log=True)
    np.testing.assert_allclose(np.exp(logged["Erk"]), raw["Erk"])


def test_condition_blocks() -> None:
    cells = load_sachs()
    for name, (first, last) in BLOCKS.items():
        rows = np.flatnonzero(cells["condition"] == name)
        assert (rows[0], rows[-1], len(rows)) == (first, last, last - first + 1), name
    assert len(load_sachs(conditions=["U0126", "PMA"])) == 799 + 913
    with pytest.raises(KeyError, match="'U0216'"):
        load_sachs(conditions="U0216")


def test_blocks_are_distinct_experiments() -> None:
    """Every documented boundary separates two different distributions (a shift of >= 0.5 SD somewhere)."""
    cells = load_sachs(log=True)
    proteins = list(SACHS_NAMES.values())
    names = list(BLOCKS)
    for before, after in zip(names, names[1:]):
        a = cells.loc[cells["condition"] == before, proteins]
        b = cells.loc[cells["condition"] == after, proteins]
        shift = ((b.mean() - a.mean()) / a.std()).abs().max()
        assert shift >= 0.5, (before, after, shift)


def test_labels_match_known_inhibitor_effects() -> None:
    cells = load_sachs(log=True)
    median = cells.groupby("condition", observed=True).median()
    base = median.loc["CD3/CD28"]
    # U0126 inhibits MEK: phospho-ERK (p44/42) drops, and it is the lowest ERK of all conditions
    assert median.loc["U0126", "Erk"] < base["Erk"] - 1.0
    assert median["Erk"].idxmin() == "U0126"
    # U0126 relieves ERK's negative feedback: phospho-Raf and phospho-Mek rise
    assert median.loc["U0126", "Raf"] > base["Raf"] + 1.0 and median.loc["U0126", "Mek"] > base["Mek"] + 1.0
    # psitectorigenin inhibits PIP2: PIP2 drops, lowest of all conditions
    assert median.loc["Psitectorigenin", "PIP2"] < base["PIP2"] - 2.0
    assert median["PIP2"].idxmin() == "Psitectorigenin"


def test_missing_and_altered_files_fail_clearly(tmp_path: Path) -> None:
    shutil.copytree(data_dir() / "sachs", tmp_path / "sachs")
    assert len(load_sachs(root=tmp_path)) == 7466
    csv = tmp_path / "sachs" / "cyto_full_data.csv"
    csv.write_text(csv.read_text().replace("26.4,13.2", "26.4,13.3", 1))
    with pytest.raises(ValueError, match="altered or corrupt"):
        load_sachs(root=tmp_path)
    csv.unlink()
    with pytest.raises(FileNotFoundError, match="cyto_full_data.csv is missing"):
        load_sachs(root=tmp_path)


def test_targets_documented_with_reasons() -> None:
    targets = sachs_targets()
    assert list(targets) == list(BLOCKS)
    assert {c: t for c, t in targets.items() if t} == {
        "Akt-inhibitor": ["Akt"], "G06976": ["PKC"], "Psitectorigenin": ["PIP2"], "U0126": ["Mek"],
        "LY294002": ["PIP3"], "PMA": ["PKC"], "b2cAMP": ["PKA"]}
    readme = (data_dir() / "sachs" / "README.md").read_text()
    for condition in BLOCKS:
        assert condition in readme, condition


def test_consensus_graph_matches_pgmpy_bif() -> None:
    """The 17 edges we ship are exactly the parent sets in pgmpy's copy of bnlearn's sachs.bif."""
    bif = resources.files("pgmpy") / "utils" / "example_models" / "sachs.bif.gz"
    if not bif.is_file():
        pytest.skip("this pgmpy build does not ship sachs.bif.gz")
    text = gzip.decompress(bif.read_bytes()).decode()
    edges = set()
    for child, parents in re.findall(r"probability \( (\w+) \| ([\w, ]+) \)", text):
        edges |= {(p.strip(), child) for p in parents.split(",")}
    assert edges == set(sachs_consensus_graph().edges)
    assert len(edges) == 17
