"""Shipped data: where it lives and proof that it is the file we documented.

Every data set under ``data/<name>/`` ships with a README (source, licence,
citation) and a ``SHA256SUMS`` manifest in the format of ``sha256sum``
(``<hex digest>  <file name>`` per line), so ``sha256sum -c SHA256SUMS`` and
:func:`verify_manifest` check the same thing. Loaders call :func:`verified_path`
before they read a file, so a missing or altered file fails with a message that
names it instead of producing quietly wrong numbers: a missing file raises
:class:`MissingFileError` (an :class:`~causalcourse.errors.UnknownNameError` that is also a
``FileNotFoundError``), an altered one :class:`~causalcourse.errors.CourseError`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from causalcourse.errors import CourseError, UnknownNameError

__all__ = [
    "MissingFileError",
    "data_dir",
    "sha256_file",
    "read_manifest",
    "verify_manifest",
    "verify_all",
    "verified_path",
]

MANIFEST = "SHA256SUMS"


class MissingFileError(UnknownNameError, FileNotFoundError):
    """A data file or manifest that is not there (also a ``FileNotFoundError``)."""

    __str__ = BaseException.__str__  # print the message as written


def data_dir() -> Path:
    """The course's ``data/`` folder (override with the ``CAUSALCOURSE_DATA`` environment variable).

    Example
    -------
    >>> data_dir().name
    'data'
    """
    override = os.environ.get("CAUSALCOURSE_DATA")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "data"


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 digest of a file, read in chunks.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    if not Path(path).is_file():
        raise MissingFileError(f"file {path} is missing")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest: Path | str) -> dict[str, str]:
    """Parse a ``SHA256SUMS`` file into ``{file name: hex digest}``; bad lines raise
    ``CourseError``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> m = pathlib.Path(tempfile.mkdtemp()) / "SHA256SUMS"
    >>> digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    >>> _ = m.write_text(digest + "  x.txt\\n")
    >>> list(read_manifest(m))
    ['x.txt']
    """
    manifest = Path(manifest)
    if not manifest.is_file():
        raise MissingFileError(f"data manifest {manifest} is missing")
    entries: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        digest = parts[0].lower()
        if len(parts) != 2 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise CourseError(
                f"{manifest}, line {number}: expected '<sha256 hex>  <file name>', got {line!r}"
            )
        entries[parts[1].strip().lstrip("*")] = digest
    return entries


def verify_manifest(manifest: Path | str) -> list[str]:
    """Check every file a manifest lists; return one message per missing or altered file.

    An empty list means every file is present with the recorded SHA-256.

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "x.txt").write_bytes(b"abc")
    >>> _ = (d / "SHA256SUMS").write_text(sha256_file(d / "x.txt") + "  x.txt\\n")
    >>> verify_manifest(d / "SHA256SUMS")
    []
    """
    manifest = Path(manifest)
    problems = []
    for name, expected in read_manifest(manifest).items():
        path = manifest.parent / name
        if not path.is_file():
            problems.append(f"{path} is missing (listed in {manifest})")
        elif (actual := sha256_file(path)) != expected:
            problems.append(
                f"{path} is altered or corrupt: SHA-256 {actual[:12]}… but {manifest} records "
                f"{expected[:12]}…"
            )
    return problems


def verify_all(root: Path | str | None = None) -> tuple[int, list[str]]:
    """Verify every ``SHA256SUMS`` below ``root`` (default: :func:`data_dir`).

    Returns ``(number of files checked, problems)``.

    Example
    -------
    >>> import tempfile
    >>> verify_all(tempfile.mkdtemp())
    (0, [])
    """
    root = Path(root) if root is not None else data_dir()
    if not root.is_dir():
        raise MissingFileError(f"data folder {root} is missing")
    checked, problems = 0, []
    for manifest in sorted(root.rglob(MANIFEST)):
        try:
            checked += len(read_manifest(manifest))
            problems += verify_manifest(manifest)
        except ValueError as error:
            problems.append(str(error))
    return checked, problems


def verified_path(relative: str, root: Path | str | None = None) -> Path:
    """Path of a shipped data file after checking it against its folder's manifest.

    Raises :class:`MissingFileError` (a ``FileNotFoundError``) if the file or manifest is
    missing and :class:`~causalcourse.errors.CourseError` (a ``ValueError``) if the file's
    SHA-256 differs from the recorded one.

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "toy").mkdir()
    >>> _ = (d / "toy" / "a.csv").write_text("x\\n1\\n")
    >>> _ = (d / "toy" / "SHA256SUMS").write_text(sha256_file(d / "toy" / "a.csv") + "  a.csv\\n")
    >>> verified_path("toy/a.csv", root=d).name
    'a.csv'
    """
    root = Path(root) if root is not None else data_dir()
    path = root / relative
    if not path.is_file():
        raise MissingFileError(
            f"data file {path} is missing; restore it from the course repository"
        )
    manifest = path.parent / MANIFEST
    recorded = read_manifest(manifest)
    if path.name not in recorded:
        raise UnknownNameError(f"{path.name} is not listed in {manifest}; add its SHA-256 there")
    actual = sha256_file(path)
    if actual != recorded[path.name]:
        raise CourseError(
            f"data file {path} is altered or corrupt: its SHA-256 is {actual[:12]}…, "
            f"but {manifest} records {recorded[path.name][:12]}…; restore it from the course "
            "repository"
        )
    return path


# --- Sachs et al. (2005) flow-cytometry data (chapter 07) ---------------------------------

__all__ += ["SACHS_NAMES", "sachs_conditions", "load_sachs"]

#: Column names of the shipped file (as in cdt 0.6.0) -> the protein names of the consensus graph.
SACHS_NAMES: dict[str, str] = {
    "praf": "Raf",
    "pmek": "Mek",
    "plcg": "Plcg",
    "PIP2": "PIP2",
    "PIP3": "PIP3",
    "p44/42": "Erk",
    "pakts473": "Akt",
    "PKA": "PKA",
    "PKC": "PKC",
    "P38": "P38",
    "pjnk": "Jnk",
}


def sachs_conditions(root: Path | str | None = None) -> pd.DataFrame:
    """The documented row blocks of the Sachs data: one row per condition, with its target(s).

    Example
    -------
    >>> sachs_conditions().loc[0, "condition"]
    'CD3/CD28'
    """
    return pd.read_csv(verified_path("sachs/conditions.csv", root), keep_default_na=False)


def load_sachs(
    log: bool = False,
    conditions: str | list[str] | None = None,
    root: Path | str | None = None,
) -> pd.DataFrame:
    """The Sachs et al. (2005) single-cell measurements: 7,466 cells × 11 proteins plus
    ``condition``.

    Columns are renamed to the protein names of the consensus graph (Raf, Mek, Plcg,
    PIP2, PIP3, Erk, Akt, PKA, PKC, P38, Jnk); ``condition`` (ordered categorical)
    is added from the documented row blocks in ``data/sachs/conditions.csv``.
    ``log=True`` takes natural logarithms (every raw value is ≥ 1). ``conditions``
    keeps only the named condition(s). Both files are checked against
    ``data/sachs/SHA256SUMS`` first; an unknown condition raises
    :class:`~causalcourse.errors.UnknownNameError` before the data are read.

    Example
    -------
    >>> cells = load_sachs(log=True, conditions="CD3/CD28")
    >>> cells.shape, list(cells.columns[:3])
    ((853, 12), ['Raf', 'Mek', 'Plcg'])
    """
    blocks = sachs_conditions(root)
    labels = blocks["condition"].tolist()
    wanted = None
    if conditions is not None:
        wanted = [conditions] if isinstance(conditions, str) else list(conditions)
        for name in wanted:
            if name not in labels:
                raise UnknownNameError(f"unknown Sachs condition {name!r}; conditions are {labels}")
    raw = pd.read_csv(verified_path("sachs/cyto_full_data.csv", root))
    if list(raw.columns) != list(SACHS_NAMES):
        raise CourseError(
            f"sachs/cyto_full_data.csv has columns {list(raw.columns)}; "
            f"expected {list(SACHS_NAMES)}"
        )
    sizes = (blocks["last_row"] - blocks["first_row"] + 1).tolist()
    if (
        blocks["first_row"].iloc[0] != 0
        or sum(sizes) != len(raw)
        or sizes != blocks["n_cells"].tolist()
    ):
        raise CourseError(
            f"sachs/conditions.csv row blocks do not tile the {len(raw)} rows of the data"
        )
    cells = raw.rename(columns=SACHS_NAMES)
    if log:
        if (cells <= 0).any().any():
            raise CourseError("sachs data has non-positive values; cannot take logarithms")
        cells = np.log(cells)
    cells["condition"] = pd.Categorical(np.repeat(labels, sizes), categories=labels, ordered=True)
    if wanted is not None:
        cells = cells[cells["condition"].isin(wanted)].reset_index(drop=True)
    return cells


# --- LaLonde (1986) / Dehejia & Wahba (1999): NSW experiment and CPS comparison (chapter 05) ----

__all__ += ["LALONDE_COLUMNS", "load_lalonde"]

#: Columns of both shipped files, in order (see data/lalonde/README.md).
LALONDE_COLUMNS: tuple[str, ...] = (
    "data_id", "treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78",
)
_LALONDE_FILES = {"nsw": ("lalonde/nsw_dw.csv", 445), "cps": ("lalonde/cps_controls.csv", 15_992)}


_LALONDE_IDS = {"nsw": "Dehejia-Wahba Sample", "cps": "CPS1"}
_LALONDE_BINARY = ("treat", "black", "hisp", "marr", "nodegree")
_LALONDE_NONNEGATIVE = ("age", "educ", "re74", "re75", "re78")


def _lalonde_file(which: str, root: Path | str | None) -> pd.DataFrame:
    """Read one LaLonde file after its checksum, and check its columns, cells and values."""
    import pandas as pd

    from causalcourse.errors import CourseError, UnknownNameError

    relative, rows = _LALONDE_FILES[which]
    try:
        path = verified_path(relative, root)
    except UnknownNameError:
        raise
    except FileNotFoundError as error:
        raise UnknownNameError(f"{error}") from None
    except ValueError as error:
        raise CourseError(f"{error}") from None
    restore = "; restore it from the course repository"
    try:
        # only truly empty cells are missing; 'NA' or 'n/a' is reported as a wrong value
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise CourseError(f"{relative} is empty{restore}") from None
    except pd.errors.ParserError as error:
        raise CourseError(f"{relative} is not a readable CSV file ({error}){restore}") from None
    if tuple(table.columns) != LALONDE_COLUMNS:
        missing = [c for c in LALONDE_COLUMNS if c not in table.columns]
        extra = [c for c in table.columns if c not in LALONDE_COLUMNS]
        if not missing and not extra and len(table.columns) == len(LALONDE_COLUMNS):
            raise CourseError(f"{relative} has the right columns in the wrong order "
                              f"({list(table.columns)}; expected {list(LALONDE_COLUMNS)})"
                              f"{restore}")
        raise CourseError(f"{relative} has the wrong columns (missing {missing}, "
                          f"unexpected {extra}, expected in order {list(LALONDE_COLUMNS)})"
                          f"{restore}")
    if len(table) != rows:
        raise CourseError(f"{relative} has {len(table)} rows, expected {rows}{restore}")
    empty = table.isna()
    if empty.any().any():
        row, column = next((r, c) for r, c in zip(*np.nonzero(empty.to_numpy()), strict=True))
        raise CourseError(f"{relative} has an empty cell in column {table.columns[column]!r} "
                          f"(data row {row + 1}){restore}")
    for column in (*_LALONDE_BINARY, *_LALONDE_NONNEGATIVE):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | (values < 0)
        if column in _LALONDE_BINARY:
            bad |= ~values.isin([0, 1])
        elif column in ("age", "educ"):
            bad |= values % 1 != 0
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            allowed = ("0 or 1" if column in _LALONDE_BINARY else "a whole number >= 0"
                       if column in ("age", "educ") else "a number >= 0")
            value = table[column].iloc[row]
            value = value.item() if hasattr(value, "item") else value
            raise CourseError(f"{relative}: column {column!r} holds {value!r} "
                              f"in data row {row + 1}; expected {allowed}{restore}")
        table[column] = values
    ids = set(table["data_id"].unique())
    if ids != {_LALONDE_IDS[which]}:
        raise CourseError(f"{relative}: column 'data_id' holds {sorted(map(str, ids))}; "
                          f"expected only {_LALONDE_IDS[which]!r}{restore}")
    if which == "cps" and (table["treat"] != 0).any():
        raise CourseError(f"{relative}: the CPS comparison group must have treat = 0 in every "
                          f"row{restore}")
    for column in _LALONDE_BINARY + ("age", "educ"):
        table[column] = table[column].astype("int64")
    return table


def load_lalonde(comparison: str = "experimental", root: Path | str | None = None) -> pd.DataFrame:
    """The NSW job-training data of LaLonde (1986) in the Dehejia & Wahba (1999) subset.

    ``comparison="experimental"``: the randomised experiment, 185 treated and 260 control men.
    ``comparison="cps"``: the observational study of Dehejia & Wahba, the same 185 treated men and
    the 15,992 men of the CPS-1 survey sample as comparison group. Columns: ``sample``
    (``"NSW"`` or ``"CPS"``), ``treat``, the covariates ``age, educ, black, hisp, marr,
    nodegree, re74, re75``, the outcome ``re78`` (1978 earnings, 1982 dollars) and the
    no-earnings indicators ``u74 = (re74 == 0)``, ``u75 = (re75 == 0)``. Both files are checked
    against ``data/lalonde/SHA256SUMS`` and then (in case the manifest was re-hashed to match a
    changed file) for their columns and their order, the number of rows, empty cells and
    values: ``treat`` and the indicators 0 or 1, ``age`` and ``educ`` whole numbers >= 0,
    earnings numbers >= 0, the source label in ``data_id``, ``treat = 0`` in the CPS file. A
    missing file raises :class:`~causalcourse.errors.UnknownNameError`, an altered or malformed
    one :class:`~causalcourse.errors.CourseError` naming the column, row and value.

    Example
    -------
    >>> nsw = load_lalonde()
    >>> nsw.groupby("treat")["re78"].mean().diff().round(2).iloc[-1]
    np.float64(1794.34)
    >>> load_lalonde("cps")["sample"].value_counts().to_dict()
    {'CPS': 15992, 'NSW': 185}
    """
    import pandas as pd

    from causalcourse.errors import UnknownNameError

    if comparison not in ("experimental", "cps"):
        raise UnknownNameError(f"unknown comparison {comparison!r}; choose 'experimental' (the NSW "
                               "experiment) or 'cps' (NSW treated vs the CPS-1 survey sample)")
    nsw = _lalonde_file("nsw", root)
    parts = [nsw] if comparison == "experimental" else [nsw[nsw["treat"] == 1],
                                                        _lalonde_file("cps", root)]
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "sample", table.pop("data_id").map({"CPS1": "CPS"}).fillna("NSW"))
    for year in ("74", "75"):
        table[f"u{year}"] = (table[f"re{year}"] == 0).astype("int64")
    return table
