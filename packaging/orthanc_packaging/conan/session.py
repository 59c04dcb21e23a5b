"""The Conan packages as a deliverable (behind ``nox -s conan``): created,
taken through a loopback conan_server and back, then loaded in Orthanc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from .. import discovery
from ..commands import Runner, run
from ..deliverable import Artifact, DeliverableError
from ..report import Reporter
from .commands import (
    ConanClient,
    ConanError,
    install_args,
    plugin_create_args,
    sdk_create_args,
    upload_args,
)
from .plan import (
    INIT_SYMBOL,
    INSTALLED_PLUGIN_VARIABLE,
    PLUGIN_NAME,
    REMOTE,
    SDK_NAME,
    SDK_VERSION,
    Plan,
    layout_for,
    make_plan,
)
from .results import (
    binaries_by_name,
    check_plugin,
    downloaded_problem,
    find_node,
    host_os,
    plugin_file,
)
from .server import ConanServer, ConanServerError


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
        self.conan: ConanClient | None = None
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
        self.conan = ConanClient(self.plan, self.layout, self.reporter, self.runner)
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
