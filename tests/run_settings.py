"""What the tests' runner says about the plugin under test and the Orthanc it
meets: which library, which Orthanc release and SDK header, and whether Orthanc
runs in a Debian root.  The runner (orthanc_packaging.testing and
orthanc_releases) sets the environment variables named here; run by hand, the
defaults are this host's Orthanc and <repo>/build/libOrthancPython.so."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from orthanc_packaging.orthanc_releases import (
    ENV_EMBEDDED_PYTHON,
    ENV_ORTHANC_VERSION,
    ENV_ROOT,
    ENV_ROOT_DIR,
    ENV_SDK_HEADER,
)
from orthanc_packaging.orthanc_setup import ORTHANC_BINARY
from orthanc_packaging.testing import ENV_EMBEDDED_PATH, ENV_PLUGIN

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLUGIN = REPO_ROOT / "build" / "libOrthancPython.so"

# Extra sys.path entries for the Python interpreter embedded in Orthanc
# (passed to the Orthanc process only, as PYTHONPATH).  Used to give the
# upstream plugin, linked to Debian's python3.11, the third-party packages
# that the samples import (pydicom, Pillow, xlwt, requests).
EMBEDDED_PYTHONPATH_VAR = ENV_EMBEDDED_PATH
# A host executable running the interpreter of the Python the plugin embeds
# (a root's wrapper); without it, tests look for python3.X on this host.
EMBEDDED_PYTHON_VAR = ENV_EMBEDDED_PYTHON

MISSING_PLUGIN_MESSAGE = (
    "build the plugin first: cmake -S . -B build -DPYTHON_VERSION=3.11 && "
    "cmake --build build, or set ORTHANC_PYTHON_PLUGIN"
)


def plugin_path() -> Path:
    """The plugin under test: $ORTHANC_PYTHON_PLUGIN or <repo>/build/libOrthancPython.so."""
    value = os.environ.get(ENV_PLUGIN)
    # Absolute: Orthanc resolves plugin paths from its own working directory.
    return Path(value).resolve() if value else DEFAULT_PLUGIN


def _version_tuple(text: str) -> tuple[int, ...] | None:
    match = re.search(r"\b(\d+)\.(\d+)\.(\d+)\b", text)
    return tuple(int(n) for n in match.groups()) if match else None


def orthanc_version() -> tuple[int, int, int]:
    """The version of the Orthanc the tests start: $ORTHANC_TESTS_ORTHANC_VERSION,
    else what `ORTHANC_BINARY --version` prints; (0, 0, 0) when unknown."""
    text = os.environ.get(ENV_ORTHANC_VERSION) or ""
    if not text:
        try:
            run = subprocess.run([str(ORTHANC_BINARY), "--version"], capture_output=True, text=True, timeout=30)
            text = (run.stdout.splitlines() or [""])[0]
        except (OSError, subprocess.SubprocessError):
            text = ""
    found = _version_tuple(text)
    return (found[0], found[1], found[2]) if found else (0, 0, 0)


def sdk_header() -> Path:
    """The OrthancCPlugin.h the plugin under test was built with:
    $ORTHANC_TESTS_SDK_HEADER, else the copy CMake keeps in the build tree
    (<build>/sdk/orthanc/), else the system's."""
    value = os.environ.get(ENV_SDK_HEADER)
    if value:
        return Path(value)
    copy = plugin_path().parent / "sdk" / "orthanc" / "OrthancCPlugin.h"
    return copy if copy.is_file() else Path("/usr/include/orthanc/OrthancCPlugin.h")


def in_root() -> str | None:
    """The Debian suite whose root Orthanc runs in (its Python and files are
    the root's, not this host's), None on this host."""
    return os.environ.get(ENV_ROOT) or None


def host_view(path: str | Path) -> Path:
    """Where a path that Orthanc (or its Python) names is seen from the tests:
    itself on this host; in a Debian root, the root's folder + path, but for
    the folders bound at the same path (the project, /tmp)."""
    path = Path(path)
    root_dir = os.environ.get(ENV_ROOT_DIR)
    if not in_root() or not root_dir or not path.is_absolute():
        return path
    for bound in (REPO_ROOT, Path("/tmp")):
        if path == bound or bound in path.parents:
            return path
    return Path(root_dir) / path.relative_to("/")
