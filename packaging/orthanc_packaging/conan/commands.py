"""The Conan client's command lines and the client itself, run with the
isolated home and each call logged to a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

from ..commands import Runner
from ..report import Reporter
from .plan import PLUGIN_NAME, REMOTE, SDK_NAME, SDK_VERSION, ConanLayout, Plan

STEP_TIMEOUT = 1800.0  # the plugin build is the long step


class ConanError(RuntimeError):
    pass


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


class ConanClient:
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
