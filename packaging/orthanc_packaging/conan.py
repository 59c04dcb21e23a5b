"""The Conan 2 packages of the recipes in recipes/: create the SDK and plugin
packages, upload them to a conan_server on loopback, drop them from the
cache, install them back from that server and load the plugin in Orthanc.

Everything happens under <root>/build/conan/ (its own CONAN_HOME, the
server's folder), so the user's Conan cache and remotes are never touched,
and nothing is downloaded: the conancenter remote is removed and the SDK
header is packaged from the local orthanc-dev install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import discovery
from .commands import Runner, run
from .conan_server import ConanServer, ConanServerError
from .deliverable import Artifact, DeliverableError
from .report import Reporter
from .version import read_version

SDK_NAME = "orthanc-sdk"
PLUGIN_NAME = "orthanc-python"
SDK_VERSION = "1.10.1"  # the one recipes/orthanc-python requires
DEFAULT_PYTHON = "3.11"
DEFAULT_SDK_DIR = "/usr/include/orthanc"
REMOTE = "orthanc-local"
INIT_SYMBOL = "OrthancPluginInitialize"
STEP_TIMEOUT = 1800.0  # the plugin build is the long step
# Where tests/conan finds the plugin that came back from the server.
INSTALLED_PLUGIN_VARIABLE = "ORTHANC_CONAN_INSTALLED_PLUGIN"



class ConanError(RuntimeError):
    pass


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


# --------------------------------------------------------------------------
# Pure helpers: command lines, files and parsing (unit tested)


def conan_command(tools_python: str) -> tuple[str, ...]:
    """The client as a module of the tools venv: no reliance on PATH."""
    return (tools_python, "-m", "conans.conan")


def conan_env(home: Path, base: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    env["CONAN_HOME"] = str(home)
    # Plain logs: the session output is read in CI, not in a terminal.
    env["NO_COLOR"] = "1"
    env.pop("CONAN_LOGIN_USERNAME", None)
    env.pop("CONAN_PASSWORD", None)
    return env


def python_option(version: str) -> str:
    return f"{PLUGIN_NAME}/*:python_version={version}"


def sdk_create_args(plan: Plan) -> list[str]:
    return [
        "create",
        str(plan.recipes / SDK_NAME),
        "--version",
        SDK_VERSION,
        "-c",
        f"user.orthanc_sdk:local_path={plan.sdk_dir}",
    ]


def plugin_create_args(plan: Plan) -> list[str]:
    args = [
        "create",
        str(plan.recipes / PLUGIN_NAME),
        "-o",
        python_option(plan.python_version),
        "-c",
        f"user.orthanc_python:codegen_python={plan.codegen_python}",
        "-c",
        f"tools.build:jobs={plan.jobs}",
        # Only our own packages are in play: never build a dependency here.
        "--build=missing:orthanc-*",
    ]
    if plan.python_root:
        args += ["-c", f"user.orthanc_python:python_root={plan.python_root}"]
    return args


def upload_args(pattern: str, remote: str = REMOTE) -> list[str]:
    return ["upload", pattern, "-r", remote, "-c"]


def install_args(plan: Plan, output: Path, remote: str = REMOTE) -> list[str]:
    return [
        "install",
        f"--requires={plan.plugin_ref}",
        # Conan writes its environment scripts there, not into the checkout.
        f"--output-folder={output}",
        "-o",
        python_option(plan.python_version),
        "-r",
        remote,
        # A rebuild would hide a broken upload: binaries must come from the server.
        "--build=never",
        "--format=json",
    ]


def find_node(graph: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The node of package ``name`` in `conan install --format=json` output."""
    nodes = graph.get("graph", {}).get("nodes", {})
    for node in nodes.values():
        if node.get("name") == name:
            found: Mapping[str, Any] = node
            return found
    return None


def downloaded_problem(
    node: Mapping[str, Any] | None, name: str, need_binary: bool = True
) -> str | None:
    """Why ``node`` was not fetched from the server, or None.  A header-only
    dependency of a shared library has binary 'Skip': only its recipe comes."""
    if node is None:
        return f"{name} is not in the install graph"
    if node.get("recipe") != "Downloaded":
        return f"{name}: recipe {node.get('recipe')!r}, expected 'Downloaded'"
    if not need_binary:
        return None
    if node.get("binary") != "Download":
        return f"{name}: binary {node.get('binary')!r}, expected 'Download'"
    if not node.get("package_folder"):
        return f"{name} has no package folder"
    return None


def binaries_by_name(listing: Mapping[str, Any], remote: str = REMOTE) -> dict[str, int]:
    """Package name -> number of binaries, from `conan list <ref>:* -r <remote> --format=json`."""
    counts: dict[str, int] = {}
    for ref, info in (listing.get(remote) or {}).items():
        name = ref.split("/", 1)[0]
        revisions = (info or {}).get("revisions", {}) if isinstance(info, Mapping) else {}
        counts[name] = counts.get(name, 0) + sum(
            len(rev.get("packages", {})) for rev in revisions.values()
        )
    return counts


def plugin_file(package_folder: Path, os_name: str) -> Path:
    """Where the recipe's package() puts the library (CMake install rules)."""
    if os_name == "windows":
        return package_folder / "bin" / "OrthancPython.dll"
    suffix = ".dylib" if os_name == "macos" else ".so"
    return package_folder / "share" / "orthanc" / "plugins" / f"libOrthancPython{suffix}"


def host_os(platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return "windows"
    return "macos" if platform == "darwin" else "linux"


def exported_symbols(nm_output: str) -> set[str]:
    """Names of defined symbols in `nm -D --defined-only` output."""
    names = set()
    for line in nm_output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] not in ("U", "w", "v"):
            names.add(parts[2].split("@", 1)[0])
    return names


def redact(args: Sequence[str]) -> list[str]:
    """The command line for logs, without the value of -p/--password."""
    shown: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            shown.append("***")
            hide_next = False
        elif arg in ("-p", "--password"):
            shown.append(arg)
            hide_next = True
        elif arg.startswith("--password="):
            shown.append("--password=***")
        else:
            shown.append(arg)
    return shown


# --------------------------------------------------------------------------
# Running things


class _Conan:
    """Runs the client with the isolated home; each call is logged to a file."""

    def __init__(self, plan: Plan, layout: ConanLayout, reporter: Reporter, runner: Runner):
        self.plan = plan
        self.layout = layout
        self.reporter = reporter
        self.runner = runner
        self.env = conan_env(layout.home, os.environ)
        self.count = 0

    def __call__(self, args: Sequence[str], label: str, check: bool = True) -> str:
        self.count += 1
        log = self.layout.logs / f"{self.count:02d}-{label}.log"
        shown = " ".join(redact(args))
        self.reporter.line(f"conan {shown}")
        proc = self.runner(
            [*self.plan.conan, *args],
            env=self.env,
            cwd=str(self.plan.root),
            capture_output=True,
            timeout=STEP_TIMEOUT,
        )
        log.write_text(f"$ conan {shown}\n{proc.stderr}\n{proc.stdout}", encoding="utf-8")
        if check and proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise ConanError(f"conan {args[0]} failed (exit {proc.returncode}, log {log}):\n{tail}")
        return proc.stdout


def make_plan(root: Path, tools_python: str, python_version: str = DEFAULT_PYTHON) -> Plan:
    found = discovery.discover().best(python_version)
    return Plan(
        root=Path(root),
        conan=conan_command(tools_python),
        python_version=python_version,
        python_root=found.prefix if found else None,
        codegen_python=tools_python,  # the tools venv has libclang and Jinja2
        sdk_dir=os.environ.get("ORTHANC_SDK_PATH", DEFAULT_SDK_DIR),
        plugin_version=read_version(root),
        jobs=os.cpu_count() or 2,
    )


def check_plugin(path: Path, os_name: str, runner: Runner = run) -> str | None:
    """Why the installed plugin is not usable, or None."""
    if not path.is_file():
        return f"{path} does not exist"
    if os_name != "linux" or not shutil.which("nm"):
        return None  # only existence can be checked without the platform's tools
    proc = runner(["nm", "-D", "--defined-only", str(path)], capture_output=True)
    if proc.returncode != 0:
        return f"nm failed on {path}: {proc.stderr.strip()}"
    if INIT_SYMBOL not in exported_symbols(proc.stdout):
        return f"{path} does not export {INIT_SYMBOL}"
    return None


class ConanPackages:
    """The recipes' packages as a deliverable: created in an isolated Conan
    home (build), taken through a loopback conan_server and back (check:
    upload, remove, install from the server, the plugin's exports), then the
    installed plugin is loaded in Orthanc by tests/conan (smoke test)."""

    name = "conan"

    def __init__(self, root: Path, tools_python: str, reporter: Reporter,
                 pytest_args: Sequence[str] = (), runner: Runner = run) -> None:
        self.root = Path(root)
        self.tools_python = tools_python
        self.reporter = reporter
        self.pytest_args = tuple(pytest_args)
        self.runner = runner
        self.layout = layout_for(self.root)
        self.plan: Plan | None = None
        self.conan: _Conan | None = None
        self.plugin: Path | None = None

    def prepare(self) -> None:
        try:
            self.plan = make_plan(self.root, self.tools_python)
        except (OSError, ValueError, discovery.ProbeError) as error:  # VERSION, discovery
            raise DeliverableError(f"cannot plan the Conan packages: {error}") from error
        if not self.plan.python_root:
            self.reporter.line(f"note: no Python {self.plan.python_version} found; CMake will look for one")
        # A fresh home each time: the round trip must not pass thanks to an old cache.
        for folder in (self.layout.home, self.layout.logs, self.layout.install):
            shutil.rmtree(folder, ignore_errors=True)
        self.layout.logs.mkdir(parents=True)
        self.conan = _Conan(self.plan, self.layout, self.reporter, self.runner)
        self._client(["profile", "detect", "--force"], "profile")
        self._client(["remote", "remove", "conancenter"], "no-conancenter", check=False)

    def _client(self, args: Sequence[str], label: str, check: bool = True) -> str:
        if self.conan is None:
            raise DeliverableError("conan: prepare first")
        try:
            return self.conan(args, label, check)
        except (ConanError, OSError, subprocess.TimeoutExpired) as error:
            raise DeliverableError(str(error)) from error

    def build(self) -> list[Artifact]:
        assert self.plan is not None
        self._client(sdk_create_args(self.plan), "create-sdk")
        self._client(plugin_create_args(self.plan), "create-plugin")
        return [Artifact(f"{SDK_NAME}/{SDK_VERSION}"), Artifact(self.plan.plugin_ref)]

    def check(self, artifacts: Sequence[Artifact]) -> list[str]:
        assert self.plan is not None
        server = ConanServer(self.plan.conan[0], self.layout.server_dir, self.layout.logs / "conan_server.log")
        try:
            server.start()
            self.reporter.line(f"conan_server on {server.url} ({self.layout.server_dir})")
            return self._through_server(server)
        except (ConanError, ConanServerError, OSError, ValueError) as error:
            return [str(error)]
        finally:
            server.stop()

    def _through_server(self, server: ConanServer) -> list[str]:
        assert self.plan is not None
        self._client(["remote", "add", REMOTE, server.url, "--force"], "remote-add")
        self._client(["remote", "login", REMOTE, server.user, "-p", server.password], "login")
        self._client(upload_args(f"{SDK_NAME}/*"), "upload-sdk")
        self._client(upload_args(f"{PLUGIN_NAME}/*"), "upload-plugin")
        listing = json.loads(self._client(["list", "orthanc-*/*:*", "-r", REMOTE, "--format=json"], "list-remote"))
        on_server = binaries_by_name(listing)
        if on_server.get(SDK_NAME, 0) < 1 or on_server.get(PLUGIN_NAME, 0) < 1:
            return [f"binaries on the server: {on_server}, expected both packages"]
        self._client(["remove", "orthanc-*", "-c"], "remove")
        left = json.loads(self._client(["list", "orthanc-*", "--format=json"], "list-after-remove"))
        if left.get("Local Cache"):
            return [f"the local cache still holds {sorted(left['Local Cache'])}"]
        graph = json.loads(self._client(install_args(self.plan, self.layout.install), "install"))
        for name, need_binary in ((SDK_NAME, False), (PLUGIN_NAME, True)):
            problem = downloaded_problem(find_node(graph, name), name, need_binary)
            if problem:
                return [problem]
        node = find_node(graph, PLUGIN_NAME)
        assert node is not None
        plugin = plugin_file(Path(node["package_folder"]), host_os())
        problem = check_plugin(plugin, host_os(), self.runner)
        if problem:
            return [problem]
        self.plugin = plugin
        self.reporter.line(f"{plugin} installed from the conan_server, exports {INIT_SYMBOL}")
        return []

    def smoke_test(self, artifacts: Sequence[Artifact]) -> list[str]:
        env = dict(os.environ, **{INSTALLED_PLUGIN_VARIABLE: str(self.plugin)})
        done = self.runner([self.tools_python, "-m", "pytest", "tests/conan", "-q", *self.pytest_args],
                           cwd=self.root, env=env)
        return [] if done.returncode == 0 else [f"tests/conan failed (pytest exit {done.returncode})"]

    def summary(self) -> list[str]:
        return [] if self.plugin is None else [f"installed plugin: {self.plugin}"]
