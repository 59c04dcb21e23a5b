"""Which Python a macOS build of the plugin links, and how the built library
finds it again on a user's machine.

cmake/MacOS.cmake implements the same rules in CMake (tests/macos runs both
on the same synthetic layouts and compares). Layouts:

- framework: ``<parent>/Python.framework/Versions/X.Y`` with the library
  ``Python`` (symlinked as ``lib/libpythonX.Y.dylib``) and the headers in
  ``include/pythonX.Y``. python.org installs it in ``/Library/Frameworks``;
  Homebrew in ``<brew>/Cellar/python@X.Y/<version>/Frameworks``, reached
  through the stable ``<brew>/opt/python@X.Y/Frameworks``.
- dylib: ``<prefix>/lib/libpythonX.Y.dylib`` and ``<prefix>/include/pythonX.Y``
  (pyenv or uv with a shared library).

Refused: the ``Python3.framework`` of Xcode and of the Command Line Tools
(Apple lets only its own tools link it; the linker says "not an allowed
client"), Apple's ``/System`` framework, and Pythons without a shared library.

The plugin names its Python library ``@rpath/...`` and carries LC_RPATH
entries, in order: the framework the wheel is installed into
(``@loader_path`` up to it), the framework it was built against, then the
usual python.org and Homebrew places, so that one build finds the same
Python version wherever the user has it.

Run as a script, it prints the choice as CMake ``-D`` arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from typing import Sequence

FRAMEWORK_PARENTS: tuple[str, ...] = ("/Library/Frameworks",)
HOMEBREW_PREFIXES: tuple[str, ...] = ("/opt/homebrew", "/usr/local")
# From <parent>/Python.framework/Versions/X.Y/lib/pythonX.Y/site-packages/orthanc_python
# up to <parent>: a wheel installed into a framework Python's own site-packages.
WHEEL_IN_FRAMEWORK = "@loader_path/../../../../../../.."
# From <prefix>/lib/pythonX.Y/site-packages/orthanc_python up to <prefix>/lib.
WHEEL_IN_PREFIX = "@loader_path/../../.."

_REFUSED = (
    (
        re.compile(r"^/Applications/Xcode[^/]*\.app/"),
        "xcode",
        "Xcode's Python3.framework",
    ),
    (
        re.compile(r"^/Library/Developer/CommandLineTools/"),
        "xcode",
        "the Command Line Tools' Python3.framework",
    ),
    (re.compile(r"/Python3\.framework(/|$)"), "xcode", "Apple's Python3.framework"),
    (
        re.compile(r"^/System/Library/Frameworks/Python\.framework(/|$)"),
        "system",
        "Apple's /System Python framework",
    ),
)


class LayoutError(ValueError):
    """``code`` is stable (tests compare it with the CMake side)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class MacOSPython:
    kind: str  # "framework" or "dylib"
    version: str  # "3.12"
    library: str  # to link; its name holds the version, which FindPython3 reads
    include_dir: str
    find_framework: str  # Python3_FIND_FRAMEWORK
    link_name: str  # the plugin's load command for the library
    rpaths: tuple[str, ...]  # LC_RPATH entries, in search order

    def cmake_args(self) -> list[str]:
        return [
            f"-DPYTHON_VERSION={self.version}",
            f"-DPython3_LIBRARY={self.library}",
            f"-DPython3_INCLUDE_DIR={self.include_dir}",
            f"-DPython3_FIND_FRAMEWORK={self.find_framework}",
        ]


def refusal(path: str) -> LayoutError | None:
    for pattern, code, what in _REFUSED:
        if pattern.search(path):
            return LayoutError(
                code,
                f'{path} is {what}, which only Apple\'s own binaries may link ("not an allowed client"): '
                "install Python from python.org or Homebrew, or pass -DPython3_ROOT_DIR=<its prefix> "
                "or -DPYTHON_LIBRARY/-DPYTHON_INCLUDE_DIR",
            )
    return None


_VERSION_DIR = re.compile(
    r"^(?P<dir>.*/Python\.framework/Versions/(?P<version>\d+\.\d+))(/|$)"
)


def framework_version_dir(path: str, version: str | None) -> tuple[str, str] | None:
    """(``.../Python.framework/Versions/X.Y``, ``X.Y``) for a path inside a
    framework, a ``Python.framework`` folder, or a Homebrew prefix holding one."""
    path = path.rstrip("/")
    m = _VERSION_DIR.match(path)
    if m:
        return m.group("dir"), m.group("version")
    candidates = []
    if version and path.endswith("/Python.framework"):
        candidates.append(f"{path}/Versions/{version}")
    if version:
        candidates.append(f"{path}/Frameworks/Python.framework/Versions/{version}")
    for candidate in candidates:
        if os.path.isdir(candidate):
            return candidate, version or ""
    return None


def stable_framework_parent(parent: str, version: str) -> str:
    """Homebrew's versioned Cellar folder changes at every upgrade; its
    ``opt`` link does not."""
    m = re.match(
        rf"^(?P<brew>.*)/Cellar/python@{re.escape(version)}/[^/]+/Frameworks$", parent
    )
    return f"{m.group('brew')}/opt/python@{version}/Frameworks" if m else parent


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _version_of_library(path: str) -> str | None:
    m = re.search(r"python(\d+\.\d+)", os.path.basename(path))
    return m.group(1) if m else None


def _headers(include_dir: str) -> str:
    if not os.path.isfile(os.path.join(include_dir, "Python.h")):
        raise LayoutError("missing-headers", f"no Python.h in {include_dir}")
    return include_dir


def _framework(version_dir: str, version: str, include_dir: str | None) -> MacOSPython:
    # Always the framework's own dylib, whatever file pointed at the
    # framework (its Python binary, a config/libpythonX.Y.a): the name holds
    # the version and the linker records the framework's install name.
    lib = f"{version_dir}/lib/libpython{version}.dylib"
    if not os.path.isfile(lib):
        raise LayoutError(
            "missing-library", f"no {lib}: not a complete Python {version} framework"
        )
    parent = version_dir.split("/Python.framework/", 1)[0]
    brew = [f"{prefix}/opt/python@{version}/Frameworks" for prefix in HOMEBREW_PREFIXES]
    return MacOSPython(
        kind="framework",
        version=version,
        library=lib,
        include_dir=_headers(include_dir or f"{version_dir}/include/python{version}"),
        find_framework="FIRST",
        link_name=f"@rpath/Python.framework/Versions/{version}/Python",
        rpaths=_unique(
            [
                WHEEL_IN_FRAMEWORK,
                stable_framework_parent(parent, version),
                *FRAMEWORK_PARENTS,
                *brew,
            ]
        ),
    )


def _dylib(
    prefix: str, version: str, library: str | None, include_dir: str | None
) -> MacOSPython:
    lib = library or f"{prefix}/lib/libpython{version}.dylib"
    if not lib.endswith(".dylib") or not os.path.isfile(lib):
        raise LayoutError(
            "static",
            f"no shared library {lib}: this Python was built without --enable-shared "
            f"(pyenv: env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {version})",
        )
    return MacOSPython(
        kind="dylib",
        version=version,
        library=lib,
        include_dir=_headers(include_dir or f"{prefix}/include/python{version}"),
        find_framework="NEVER",
        link_name=f"@rpath/libpython{version}.dylib",
        rpaths=_unique([WHEEL_IN_PREFIX, os.path.dirname(lib)]),
    )


def choose(
    version: str | None = None,
    library: str | None = None,
    include_dir: str | None = None,
    root_dir: str | None = None,
) -> MacOSPython | None:
    """The Python to link, from what the build was given (PYTHON_LIBRARY,
    PYTHON_INCLUDE_DIR, Python3_ROOT_DIR, PYTHON_VERSION), or None when it
    was given none of them (FindPython3 searches; its result is then
    checked with ``refusal``). Raises LayoutError."""
    for given in (library, include_dir, root_dir):
        error = refusal(given) if given else None
        if error:
            raise error
    if library:
        if not os.path.isfile(library):
            raise LayoutError(
                "missing-library", f"PYTHON_LIBRARY {library} does not exist"
            )
        found = framework_version_dir(library, version)
        of_library = found[1] if found else _version_of_library(library)
        if version and of_library and of_library != version:
            raise LayoutError(
                "version",
                f"{library} is Python {of_library}, not PYTHON_VERSION {version}",
            )
        version = version or of_library
        if not version:
            raise LayoutError(
                "version",
                f"cannot tell the Python version of {library}: set PYTHON_VERSION",
            )
        if found:
            return _framework(found[0], version, include_dir)
        return _dylib(
            os.path.dirname(os.path.dirname(library)), version, library, include_dir
        )
    if root_dir:
        found = framework_version_dir(root_dir, version)
        if found:
            if version and found[1] and found[1] != version:
                raise LayoutError(
                    "version",
                    f"{root_dir} is Python {found[1]}, not PYTHON_VERSION {version}",
                )
            return _framework(found[0], version or found[1], include_dir)
        if not version:
            raise LayoutError(
                "version",
                f"cannot tell the Python version of {root_dir}: set PYTHON_VERSION",
            )
        return _dylib(root_dir.rstrip("/"), version, None, include_dir)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the CMake arguments of the macOS Python choice."
    )
    parser.add_argument("--version", dest="python_version")
    parser.add_argument("--library")
    parser.add_argument("--include-dir")
    parser.add_argument("--root-dir")
    args = parser.parse_args(argv)
    try:
        chosen = choose(
            args.python_version, args.library, args.include_dir, args.root_dir
        )
    except LayoutError as error:
        print(f"error ({error.code}): {error}", file=sys.stderr)
        return 1
    if chosen is None:
        print("nothing given: FindPython3 searches", file=sys.stderr)
        return 0
    print(" ".join(chosen.cmake_args()))
    print(
        f"# load command {chosen.link_name}; LC_RPATH {';'.join(chosen.rpaths)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
