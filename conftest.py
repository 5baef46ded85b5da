"""Test set-up shared by the unit tests and the notebook tests.

Notebook kernels started by nbval inherit this process's environment, so
preparing it here gives every notebook the same kernel as `make execute`:
no network beyond loopback and a fixed hash seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))

import nbtools  # noqa: E402

nbtools.prepare_kernel_env()
