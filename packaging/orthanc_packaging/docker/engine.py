"""The docker CLI and its daemon: installed with apt-get and started when
missing (a bare Debian machine has neither)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .. import system
from ..commands import Runner, run
from ..report import Reporter

DAEMON_START_SECONDS = 60.0



class DockerSetupError(RuntimeError):
    """Docker cannot be made to work here; the message says what to do."""


def _docker_env() -> dict[str, str]:
    env = dict(os.environ)
    # The classic builder: it is in every Docker (Debian's 20.10 daemon and any
    # newer client), while BuildKit needs the buildx plugin with new clients.
    # The Dockerfile uses nothing BuildKit-only, so both build it the same.
    env["DOCKER_BUILDKIT"] = "0"
    return env


@dataclass
class Docker:
    """The docker CLI, with the environment the builds need."""

    executable: str = "docker"
    run: Runner = run
    env: dict[str, str] = field(default_factory=_docker_env)

    def __call__(
        self,
        *args: str,
        check: bool = True,
        capture: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return self.run(
            [self.executable, *args],
            capture_output=capture,
            check=check,
            env=self.env,
            timeout=timeout,
        )

    def answers(self) -> bool:
        try:
            return (
                self(
                    "version",
                    "--format",
                    "{{.Server.Version}}",
                    check=False,
                    timeout=20,
                ).returncode
                == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            return False

    def has_image(self, name: str) -> bool:
        return self("image", "inspect", name, check=False).returncode == 0

    def image_size(self, name: str) -> int:
        return int(
            self("image", "inspect", "--format", "{{.Size}}", name).stdout.strip()
        )


def missing_packages(
    which: Callable[[str], str | None] = shutil.which,
    need_daemon: bool = True,
    need_debootstrap: bool = True,
) -> list[str]:
    """Debian packages to install for what is missing."""
    packages = []
    if which("docker") is None or (need_daemon and which("dockerd") is None):
        packages.append("docker.io")
    if need_debootstrap and which("debootstrap") is None:
        packages.append("debootstrap")
    return packages


def apt_install(packages: Sequence[str], reporter: Reporter, run: Runner = run) -> None:
    try:
        system.ensure_packages(packages, reporter, run)
    except system.SystemSetupError as error:
        raise DockerSetupError(str(error)) from error


def start_daemon(
    docker: Docker,
    log_path: Path,
    reporter: Reporter,
    timeout: float = DAEMON_START_SECONDS,
) -> int:
    """Start dockerd in the background (own session: it outlives nox, so the
    next run finds it and its build cache); returns its PID."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            ["dockerd"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    reporter.line(f"started dockerd (PID {proc.pid}, log {log_path})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if docker.answers():
            return proc.pid
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise DockerSetupError(
        f"dockerd did not come up (exit code {proc.poll()}); its log ends with:\n{tail}"
    )


def ensure_docker(root: Path, reporter: Reporter) -> Docker:
    docker = Docker()
    if shutil.which("docker") is not None and docker.answers():
        return docker
    missing = missing_packages(need_debootstrap=False)
    if missing:
        apt_install(missing, reporter)
    if docker.answers():
        return docker
    if os.geteuid() != 0:
        raise DockerSetupError(
            "no Docker daemon answers and dockerd needs root here: "
            "start it (sudo dockerd &) or set DOCKER_HOST"
        )
    start_daemon(docker, root / "build" / "docker" / "dockerd.log", reporter)
    return docker
