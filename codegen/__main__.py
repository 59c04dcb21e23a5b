"""Command line: python -m codegen --header PATH --output-dir DIR [--cache-dir DIR]

Called by CMake at build time.  Prints one line (cache hit or what was
generated); on a problem of the environment or of the input, prints one
line naming it and its fix, and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

from . import generate
from .cache import Cache, cache_key, default_cache_dir
from .errors import CodegenError
from .render import OUTPUT_FILES, STUB_PACKAGE_FILE, write_outputs

EXIT_ERROR = 2


def _arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.splitlines()[0])
    parser.add_argument("--header", required=True, type=Path, help="path to OrthancCPlugin.h")
    parser.add_argument("--output-dir", required=True, type=Path, help="where to write the generated files")
    parser.add_argument(
        "--cache-dir", type=Path, default=None,
        help="cache of generated outputs (default: $ORTHANC_CODEGEN_CACHE, "
        "$XDG_CACHE_HOME/orthanc-python-codegen or ~/.cache/orthanc-python-codegen)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument(
        "--stubs-dir", type=Path, default=None,
        help="also write orthanc.pyi as <DIR>/orthanc-stubs/__init__.pyi (the orthanc-stubs package, stubs/)",
    )
    return parser.parse_args(argv)


def _read_header(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CodegenError(
            f"cannot read the Orthanc SDK header {path} ({error.strerror or error})",
            "install it (apt-get install orthanc-dev) or pass its path with --header",
        ) from None


def _write_stubs(outputs: Dict[str, bytes], stubs_dir: Optional[Path]) -> None:
    if stubs_dir is not None:
        write_outputs({STUB_PACKAGE_FILE: outputs["orthanc.pyi"]}, stubs_dir)


def run(argv: Optional[List[str]] = None) -> int:
    options = _arguments(argv)
    header_bytes = _read_header(options.header)
    key = cache_key(header_bytes)
    cache = None if options.no_cache else Cache(options.cache_dir or default_cache_dir(), OUTPUT_FILES)

    if cache is not None:
        outputs = cache.load(key)
        if outputs is not None:
            changed = write_outputs(outputs, options.output_dir)
            _write_stubs(outputs, options.stubs_dir)
            print(f"codegen: cache hit {key[:12]} ({cache.entry(key)}, "
                  f"{len(changed)} file(s) updated in {options.output_dir})")
            return 0

    plan, outputs = generate(options.header)
    changed = write_outputs(outputs, options.output_dir)
    _write_stubs(outputs, options.stubs_dir)
    if cache is not None:
        try:
            cache.store(key, outputs)
        except OSError as error:
            # The cache only saves time: a read-only cache must not break the build.
            print(f"codegen: warning: cannot store the cache entry in {cache.directory} ({error})",
                  file=sys.stderr)
    methods = plan.generated_count - len(plan.functions)
    print(f"codegen: generated {plan.generated_count} functions ({len(plan.functions)} module functions, "
          f"{methods} methods), {len(plan.classes)} classes, {len(plan.enums)} enums; "
          f"wrapped {plan.wrapped_count} of {plan.total_count} SDK functions ({plan.wrapped_percent:.1f}%); "
          f"{len(changed)} file(s) updated in {options.output_dir}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return run(argv)
    except CodegenError as error:
        print(error.one_line(), file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        # Output or cache directory not writable, disk full...
        print(f"codegen: error: {error}; fix: check the --output-dir and --cache-dir paths", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
