"""Command line: ``python -m causalcourse doctor`` checks that a machine is ready for the course."""

from __future__ import annotations

import sys


def cli(argv: list[str]) -> int:
    """Dispatch ``doctor``; print usage for anything else."""
    if argv[:1] == ["doctor"]:
        from causalcourse.doctor import main

        return main(argv[1:])
    print("usage: python -m causalcourse doctor", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
