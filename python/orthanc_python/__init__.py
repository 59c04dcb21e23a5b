"""The Python plugin for Orthanc, installed by pip into one Python.

The wheel holds the plugin library, built for this Python's version and
linked to its shared library, and the type stubs of the ``orthanc`` module.
This package says where they are and what Orthanc's configuration needs to
load the plugin (``orthanc-python-plugin`` on the command line).

It runs under every Python the wheels are built for (3.8 and up).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "__version__",
    "configuration",
    "library_name",
    "library_path",
    "stubs_path",
    "virtual_env",
]

DISTRIBUTION = "orthanc-python-plugin"
PACKAGE_DIR = Path(__file__).resolve().parent


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python 3.8 has it
        return "unknown"
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a source checkout, not installed
        return "unknown"


__version__ = _version()


def library_name(platform: str = sys.platform) -> str:
    """File name of the plugin library as CMake builds it on ``platform``."""
    if platform.startswith("win"):
        return "OrthancPython.dll"
    if platform == "darwin":
        return "libOrthancPython.dylib"
    return "libOrthancPython.so"


def library_path() -> Path:
    """Absolute path of the plugin library, for Orthanc's "Plugins" option."""
    path = PACKAGE_DIR / library_name()
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: this orthanc_python package was not installed from a wheel "
            f"of {DISTRIBUTION} (pip install {DISTRIBUTION})"
        )
    return path


def stubs_path() -> Path:
    """The type stubs of the ``orthanc`` module (``orthanc.pyi``)."""
    return PACKAGE_DIR / "orthanc.pyi"


def virtual_env(
    prefix: str | None = None, base_prefix: str | None = None
) -> str | None:
    """The virtual environment this Python runs in, or None outside one."""
    prefix = sys.prefix if prefix is None else prefix
    base_prefix = sys.base_prefix if base_prefix is None else base_prefix
    if os.path.realpath(prefix) == os.path.realpath(base_prefix):
        return None
    return prefix


def configuration(
    script: str | None = None,
    library: Path | None = None,
    venv: str | None = None,
    detect_venv: bool = True,
) -> dict[str, Any]:
    """The part of orthanc.json that loads this plugin.

    ``Python.VirtualEnv`` names the venv that holds this package, so that the
    script imports what the venv holds; ``Python.Path`` is the script, when
    given (made absolute: Orthanc's working folder is not the caller's).
    """
    config: dict[str, Any] = {"Plugins": [str(library or library_path())]}
    python: dict[str, Any] = {}
    if script:
        python["Path"] = os.path.abspath(script)
    if venv is None and detect_venv:
        venv = virtual_env()
    if venv:
        python["VirtualEnv"] = venv
    if python:
        config["Python"] = python
    return config
