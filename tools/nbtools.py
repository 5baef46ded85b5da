"""Run the course notebooks exactly as the tests do: execute them in place, or benchmark them.

    python tools/nbtools.py execute [NOTEBOOK ...]   # re-run top to bottom, store outputs
    python tools/nbtools.py bench [NOTEBOOK ...]     # fresh kernel per notebook: seconds, peak RSS

Both start kernels with the same environment as the tests (no network, fixed
hash seed), so the outputs committed here are the outputs nbval compares.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PROFILE = ROOT / "tests" / "kernel_profile"
BENCH_CSV = ROOT / "_build" / "bench.csv"
BOOK_TABLE = ROOT / "book" / "running_times.csv"
LIMIT_SECONDS, LIMIT_MB = 60.0, 2048.0


def prepare_kernel_env() -> Path:
    """Point IPYTHONDIR at a fresh copy of tests/kernel_profile and fix the hash seed.

    Kernels started afterwards by this process inherit the environment.
    """
    ipython_dir = Path(tempfile.mkdtemp(prefix="causalcourse-ipython-"))
    shutil.copytree(PROFILE, ipython_dir / "profile_default")
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("MPLBACKEND", None)
    if platform.machine().lower() in {"x86_64", "amd64"}:
        os.environ.update(PORTABLE_NUMERICS)
    return ipython_dir


#: The same floating-point kernels and thread counts on every x86-64 machine with AVX2, so
#: stored outputs do not depend on the processor that made them: OpenBLAS (numpy, scipy)
#: and PyTorch otherwise pick AVX-512 code paths where they exist, whose last digits differ,
#: and a greedy search or a training run can follow those digits to another answer.
PORTABLE_NUMERICS = {
    "OPENBLAS_CORETYPE": "Haswell",
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "AVX2",
    "OMP_NUM_THREADS": "2",
    "OPENBLAS_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
}


def chapter_notebooks(names: list[str]) -> list[Path]:
    """The notebooks named on the command line, or every notebook in notebooks/."""
    if names:
        return [Path(n).resolve() for n in names]
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb"))


def execute(path: Path, write: bool = True) -> None:
    """Execute one notebook top to bottom in a fresh kernel; store its outputs if ``write``."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    if write:
        nbformat.write(notebook, path)


def bench_one(path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the kernel that runs ``path``, in a child process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "_measure", str(path)], check=True,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"execute", "bench", "_measure"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, names = argv[0], argv[1:]
    prepare_kernel_env()
    if command == "_measure":  # child of bench: run without writing, report the kernel's peak RSS
        execute(Path(names[0]), write=False)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1)}))
        return 0
    paths = chapter_notebooks(names)
    if command == "execute":
        for path in paths:
            start = time.perf_counter()
            execute(path)
            print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
        return 0
    rows = []
    for path in paths:
        seconds, peak = bench_one(path)
        rows.append({"notebook": path.name, "wall_seconds": f"{seconds:.1f}", "peak_rss_mb": f"{peak:.0f}"})
        print(f"{path.name:<45} {seconds:7.1f} s {peak:8.0f} MB", flush=True)
    if names and BOOK_TABLE.exists():  # benchmarking some notebooks: keep the others' rows
        with open(BOOK_TABLE, newline="") as handle:
            kept = {r["notebook"]: r for r in csv.DictReader(handle)}
        kept.update({r["notebook"]: r for r in rows})
        rows = [kept[k] for k in sorted(kept) if (NOTEBOOKS / k).exists()]
    BENCH_CSV.parent.mkdir(parents=True, exist_ok=True)
    for target in (BENCH_CSV, BOOK_TABLE):
        with open(target, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["notebook", "wall_seconds", "peak_rss_mb"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    print(f"\n{'notebook':<45} {'seconds':>9} {'peak MB':>10}")
    for row in rows:
        print(f"{row['notebook']:<45} {row['wall_seconds']:>9} {row['peak_rss_mb']:>10}")
    over = [r["notebook"] for r in rows
            if float(r["wall_seconds"]) > LIMIT_SECONDS or float(r["peak_rss_mb"]) > LIMIT_MB]
    print(f"\nwritten to {BENCH_CSV.relative_to(ROOT)} and {BOOK_TABLE.relative_to(ROOT)}")
    if over:
        print(f"over the budget of {LIMIT_SECONDS:.0f} s / {LIMIT_MB:.0f} MB: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
