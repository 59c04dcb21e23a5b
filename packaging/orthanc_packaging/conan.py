"""Conan 2 round trip of the recipes in recipes/: create the SDK and plugin
packages, upload them to a conan_server on loopback, drop them from the
cache and install them back from that server.

Everything happens under <root>/build/conan/ (its own CONAN_HOME, the
server's folder), so the user's Conan cache and remotes are never touched,
and nothing is downloaded: the conancenter remote is removed and the SDK
header is packaged from the local orthanc-dev install.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from . import discovery
from .commands import Runner, run
from .ports import free_port
from .report import Reporter, format_duration
from .version import read_version

SDK_NAME = "orthanc-sdk"
PLUGIN_NAME = "orthanc-python"
SDK_VERSION = "1.10.1"  # the one recipes/orthanc-python requires
DEFAULT_PYTHON = "3.11"
DEFAULT_SDK_DIR = "/usr/include/orthanc"
REMOTE = "orthanc-local"
SERVER_USER = "orthanc"
INIT_SYMBOL = "OrthancPluginInitialize"
SERVER_START_TIMEOUT = 30.0
STEP_TIMEOUT = 1800.0  # the plugin build is the long step

# conan_server's own command line binds 0.0.0.0; a test server must stay on
# loopback, so start its launcher and ask for 127.0.0.1 ourselves.
SERVER_SCRIPT = (
    "import sys\n"
    "from conans.server.launcher import ServerLauncher\n"
    "launcher = ServerLauncher(server_dir=sys.argv[1])\n"
    "launcher.server.run(host='127.0.0.1')\n"
)



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


@dataclass
class RoundTripResult:
    ok: bool
    plugin: Path | None = None
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None


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


def server_conf(
    port: int,
    user: str,
    password: str,
    storage: Path,
    jwt_secret: str,
    updown_secret: str,
) -> str:
    """server.conf of conan_server: one user who may read and write.

    host_name is 127.0.0.1 (not localhost) because the server hands it back
    in download URLs, and localhost may resolve to ::1 where nothing listens.
    """
    return "\n".join(
        [
            "[server]",
            f"jwt_secret: {jwt_secret}",
            "jwt_expire_minutes: 120",
            "ssl_enabled: False",
            f"port: {port}",
            "public_port:",
            "host_name: 127.0.0.1",
            "authorize_timeout: 1800",
            f"disk_storage_path: {storage}",
            "disk_authorize_timeout: 1800",
            f"updown_secret: {updown_secret}",
            "",
            "[write_permissions]",
            f"*/*@*/*: {user}",
            "",
            "[read_permissions]",
            f"*/*@*/*: {user}",
            "",
            "[users]",
            f"{user}: {password}",
            "",
        ]
    )


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


class ConanServer:
    """A conan_server process on 127.0.0.1 with a fresh folder and a random password."""

    def __init__(self, python: str, server_dir: Path, log: Path) -> None:
        self.python = python
        self.server_dir = server_dir
        self.log = log
        self.port = free_port()
        self.user = SERVER_USER
        self.password = secrets.token_hex(12)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        shutil.rmtree(self.server_dir, ignore_errors=True)
        self.server_dir.mkdir(parents=True)
        (self.server_dir / "server.conf").write_text(
            server_conf(
                self.port,
                self.user,
                self.password,
                self.server_dir / "data",
                secrets.token_hex(16),
                secrets.token_hex(16),
            ),
            encoding="utf-8",
        )
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [self.python, "-c", SERVER_SCRIPT, str(self.server_dir)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ConanError(f"conan_server exited at start; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ConanError(f"conan_server did not listen on {self.url}; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


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


def round_trip(
    plan: Plan,
    reporter: Reporter,
    layout: ConanLayout | None = None,
    runner: Runner = run,
) -> RoundTripResult:
    layout = layout or layout_for(plan.root)
    start = time.monotonic()
    result = RoundTripResult(ok=False)
    # A fresh home each time: the round trip must not pass thanks to an old cache.
    shutil.rmtree(layout.home, ignore_errors=True)
    shutil.rmtree(layout.logs, ignore_errors=True)
    shutil.rmtree(layout.install, ignore_errors=True)
    layout.logs.mkdir(parents=True)
    conan = _Conan(plan, layout, reporter, runner)
    server = ConanServer(plan.conan[0], layout.server_dir, layout.logs / "conan_server.log")

    def step(name: str, action: Callable[[], Any]) -> Any:
        began = time.monotonic()
        value = action()
        result.steps.append((name, time.monotonic() - began))
        return value

    try:
        step("setup", lambda: (
            conan(["profile", "detect", "--force"], "profile"),
            conan(["remote", "remove", "conancenter"], "no-conancenter", check=False),
        ))
        step("create sdk", lambda: conan(sdk_create_args(plan), "create-sdk"))
        step("create plugin", lambda: conan(plugin_create_args(plan), "create-plugin"))
        step("start server", server.start)
        reporter.line(f"conan_server on {server.url} ({layout.server_dir})")

        def upload() -> None:
            conan(["remote", "add", REMOTE, server.url, "--force"], "remote-add")
            conan(["remote", "login", REMOTE, server.user, "-p", server.password], "login")
            conan(upload_args(f"{SDK_NAME}/*"), "upload-sdk")
            conan(upload_args(f"{PLUGIN_NAME}/*"), "upload-plugin")

        step("upload", upload)
        listing = json.loads(
            conan(["list", "orthanc-*/*:*", "-r", REMOTE, "--format=json"], "list-remote")
        )
        on_server = binaries_by_name(listing)
        if on_server.get(SDK_NAME, 0) < 1 or on_server.get(PLUGIN_NAME, 0) < 1:
            raise ConanError(f"binaries on the server: {on_server}, expected both packages")
        step("remove local", lambda: conan(["remove", "orthanc-*", "-c"], "remove"))
        left = json.loads(conan(["list", "orthanc-*", "--format=json"], "list-after-remove"))
        if left.get("Local Cache"):
            raise ConanError(f"the local cache still holds {sorted(left['Local Cache'])}")
        graph = json.loads(step("install", lambda: conan(install_args(plan, layout.install), "install")))
        for name, need_binary in ((SDK_NAME, False), (PLUGIN_NAME, True)):
            problem = downloaded_problem(find_node(graph, name), name, need_binary)
            if problem:
                raise ConanError(problem)
        node = find_node(graph, PLUGIN_NAME)
        assert node is not None
        plugin = plugin_file(Path(node["package_folder"]), host_os())
        problem = check_plugin(plugin, host_os(), runner)
        if problem:
            raise ConanError(problem)
        result.plugin = plugin
        result.ok = True
    except (ConanError, OSError, subprocess.TimeoutExpired, ValueError) as error:
        result.error = str(error)
    finally:
        server.stop()
        result.seconds = time.monotonic() - start
    return result


def run_conan(root: Path, tools_python: str, reporter: Reporter) -> int:
    """The `nox -s conan` round trip; 0 when the plugin came back from the server."""
    try:
        plan = make_plan(Path(root), tools_python)
    except (OSError, ValueError, discovery.ProbeError) as error:  # VERSION, discovery
        reporter.line(f"cannot plan the Conan round trip: {error}")
        return 1
    if not plan.python_root:
        reporter.line(f"note: no Python {plan.python_version} found; CMake will look for one")
    result = round_trip(plan, reporter)
    reporter.block(
        "Conan round trip:",
        [f"{name:<14} {format_duration(seconds)}" for name, seconds in result.steps]
        + [f"{'total':<14} {format_duration(result.seconds)}"],
    )
    if not result.ok:
        reporter.line(f"FAILED: {result.error}")
        return 1
    reporter.line(f"ok: {result.plugin} installed from the conan_server and exports {INIT_SYMBOL}")
    return 0
