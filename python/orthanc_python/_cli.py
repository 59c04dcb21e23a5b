"""``orthanc-python-plugin``: where the plugin is, and how Orthanc loads it."""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__, configuration, library_path, stubs_path
from ._check import check, load


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orthanc-python-plugin",
        description=(
            "Print the path of the Orthanc Python plugin installed here and the "
            "orthanc.json snippet that loads it (Plugins, Python.Path, Python.VirtualEnv)."
        ),
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--path", action="store_true", help="print only the library path")
    what.add_argument("--json", action="store_true", help="print only the JSON snippet")
    what.add_argument(
        "--stubs", action="store_true", help="print the path of orthanc.pyi"
    )
    what.add_argument(
        "--check",
        action="store_true",
        help="check that a process without Python (Orthanc) finds the Python library the plugin needs",
    )
    what.add_argument(
        "--load",
        action="store_true",
        help="load the plugin into this process (smoke test)",
    )
    parser.add_argument(
        "--script", help="the Python script for Orthanc to run (Python.Path)"
    )
    parser.add_argument(
        "--no-venv",
        action="store_true",
        help="leave Python.VirtualEnv out even when running in a venv",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        library = library_path()
    except FileNotFoundError as error:
        print(f"orthanc-python-plugin: {error}", file=sys.stderr)
        return 1
    if args.path:
        print(library)
        return 0
    if args.stubs:
        print(stubs_path())
        return 0
    if args.check or args.load:
        result = check(library) if args.check else load(library)
        for line in result.lines:
            print(line)
        print("ok" if result.ok else "FAILED")
        return 0 if result.ok else 1
    snippet = json.dumps(
        configuration(args.script, library, detect_venv=not args.no_venv), indent=2
    )
    if args.json:
        print(snippet)
        return 0
    print(library)
    print()
    print(
        "Merge into orthanc.json (or save as a file of Orthanc's configuration folder):"
    )
    print(snippet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
