"""Unit tests of causalcourse.data: manifests and verified paths fail clearly on bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from causalcourse.data import read_manifest, sha256_file, verified_path, verify_all, verify_manifest


@pytest.fixture()
def shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "a.csv").write_text("x,y\n1,2\n")
    (folder / "SHA256SUMS").write_text(f"{sha256_file(folder / 'a.csv')}  a.csv\n")
    return tmp_path


def test_intact_files_pass(shipped: Path) -> None:
    assert verify_all(shipped) == (1, [])
    assert verified_path("toy/a.csv", root=shipped).read_text().startswith("x,y")


def test_altered_file_is_named(shipped: Path) -> None:
    (shipped / "toy" / "a.csv").write_text("x,y\n1,3\n")
    with pytest.raises(ValueError, match=r"a\.csv is altered or corrupt"):
        verified_path("toy/a.csv", root=shipped)
    checked, problems = verify_all(shipped)
    assert checked == 1 and len(problems) == 1 and "a.csv is altered or corrupt" in problems[0]


def test_missing_file_is_named(shipped: Path) -> None:
    (shipped / "toy" / "a.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"a\.csv is missing"):
        verified_path("toy/a.csv", root=shipped)
    assert "a.csv is missing" in verify_manifest(shipped / "toy" / "SHA256SUMS")[0]


def test_unlisted_file_is_refused(shipped: Path) -> None:
    (shipped / "toy" / "b.csv").write_text("z\n")
    with pytest.raises(ValueError, match=r"b\.csv is not listed"):
        verified_path("toy/b.csv", root=shipped)


def test_malformed_manifest_line_is_named(tmp_path: Path) -> None:
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text("not-a-hash  a.csv\n")
    with pytest.raises(ValueError, match="line 1: expected"):
        read_manifest(manifest)


def test_shipped_data_is_intact() -> None:
    checked, problems = verify_all()
    assert not problems, problems
