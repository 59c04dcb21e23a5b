"""What a Conan round trip works with: the package names and versions, the
folders under build/conan/, and the plan (client, Python, SDK, plugin version)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import discovery, sdk_headers
from ..version import read_version

SDK_NAME = "orthanc-sdk"
PLUGIN_NAME = "orthanc-python"
SDK_VERSION = "1.10.1"  # the one recipes/orthanc-python requires
DEFAULT_PYTHON = "3.11"
REMOTE = "orthanc-local"
INIT_SYMBOL = "OrthancPluginInitialize"
# Where tests/conan finds the plugin that came back from the server.
INSTALLED_PLUGIN_VARIABLE = "ORTHANC_CONAN_INSTALLED_PLUGIN"


@dataclass(frozen=True)
class ConanLayout:
    """Folders of one round trip, all under <root>/build/conan/."""

    base: Path

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def server_dir(self) -> Path:
        return self.base / "server"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def install(self) -> Path:
        return self.base / "install"


def layout_for(root: Path) -> ConanLayout:
    return ConanLayout(Path(root) / "build" / "conan")


@dataclass(frozen=True)
class Plan:
    root: Path
    conan: tuple[str, ...]  # argv prefix running the Conan client
    python_version: str  # X.Y, the recipe option
    python_root: str | None  # prefix of that Python (Python3_ROOT_DIR)
    codegen_python: str
    sdk_dir: str  # local folder packaged by the SDK recipe
    plugin_version: str
    jobs: int = 2

    @property
    def recipes(self) -> Path:
        return self.root / "recipes"

    @property
    def plugin_ref(self) -> str:
        return f"{PLUGIN_NAME}/{self.plugin_version}"


def conan_command(tools_python: str) -> tuple[str, ...]:
    """The client as a module of the tools venv: no reliance on PATH."""
    return (tools_python, "-m", "conans.conan")


def make_plan(root: Path, tools_python: str, python_version: str = DEFAULT_PYTHON) -> Plan:
    found = discovery.discover().best(python_version)
    return Plan(
        root=Path(root),
        conan=conan_command(tools_python),
        python_version=python_version,
        python_root=found.prefix if found else None,
        codegen_python=tools_python,  # the tools venv has libclang and Jinja2
        # the SDK_VERSION header, pinned: /usr/include/orthanc is another release on Debian 13
        sdk_dir=os.environ.get("ORTHANC_SDK_PATH") or str(sdk_headers.sdk_dir(SDK_VERSION) / "orthanc"),
        plugin_version=read_version(root),
        jobs=os.cpu_count() or 2,
    )
