"""Runs the benchmarks (`nox -s bench`, or by hand: `python bench/run.py --help`);
the code is in bench/orthanc_bench/, the scenarios and results in bench/README.md."""

from __future__ import annotations

import sys

from orthanc_bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
