"""The benchmarks of the Python plugin (bench/run.py is the entry point): what
the package's modules share, the folders and the one error they raise.

  scenarios  what is measured (routes, store variants) and the targets
  sides      the plugins measured side by side, and where their files are
  builds     building ours, the twins and the native reference
  servers    starting and stopping Orthanc without --verbose
  wrk        the HTTP load (wrk) and the CPU time a server used
  uploads    the DICOM uploads of the store scenarios
  phases     the rounds of each phase (REST, store, changes)
  report     medians, paired ratios, targets and the Markdown table
  cli        the command line
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
ROOT = BENCH_DIR.parent


class BenchError(RuntimeError):
    """A benchmark cannot go on: the message says what is missing or went wrong."""


def log(message: str = "") -> None:
    print(message, flush=True)
