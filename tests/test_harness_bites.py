"""The notebook tests are not decorative: a changed stored output makes them fail.

Copies the welcome notebook, changes one stored number in one output, and runs the
same strict nbval check on the copy in a separate pytest process.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
WELCOME = ROOT / "notebooks" / "00_welcome.ipynb"


def nbval(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "-o", "addopts=", str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )


@pytest.mark.slow  # runs nbval on a notebook in a subprocess
def test_a_tampered_stored_number_fails_the_tests(tmp_path: Path) -> None:
    copy = tmp_path / WELCOME.name
    shutil.copy(WELCOME, copy)
    nb = nbformat.read(copy, as_version=4)
    target = next(o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "stream" and "P(Y=1 | do(X=1)) = 0.600" in o.text)
    target.text = target.text.replace("P(Y=1 | do(X=1)) = 0.600", "P(Y=1 | do(X=1)) = 0.700")
    nbformat.write(nb, copy)
    result = nbval(copy)
    assert result.returncode == 1, result.stdout
    assert re.search(r"1 failed", result.stdout), result.stdout
    assert "0.700" in result.stdout  # the report shows the stored (tampered) value
