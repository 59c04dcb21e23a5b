"""Real containers for the image tests: docker run, logs, HTTP on loopback."""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from orthanc_packaging.ports import free_port

DEFAULT_AUTH = ("orthanc", "orthanc")  # Orthanc's own user when none is configured
START_TIMEOUT = 40.0
_names = itertools.count(1)


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check,
                          timeout=timeout, env=env)


def daemon_answers() -> bool:
    try:
        return docker("version", check=False, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def unique_name(prefix: str = "orthanc-python-test") -> str:
    return f"{prefix}-{os.getpid()}-{next(_names)}"


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Container:
    id: str
    name: str
    port: int

    def logs(self) -> str:
        done = docker("logs", self.id, check=False)
        return done.stdout + done.stderr

    def inspect(self) -> dict[str, Any]:
        return json.loads(docker("inspect", self.id).stdout)[0]

    def running(self) -> bool:
        return bool(self.inspect()["State"]["Running"])

    def request(self, path: str, data: bytes | None = None, method: str | None = None,
                auth: tuple[str, str] | None = DEFAULT_AUTH, timeout: float = 20) -> Answer:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as answer:
                return Answer(answer.status, answer.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())

    def upload(self, dicom: bytes, auth: tuple[str, str] | None = DEFAULT_AUTH) -> str:
        answer = self.request("/instances", data=dicom, method="POST", auth=auth)
        assert answer.status == 200, f"upload answered {answer.status}: {answer.text}"
        return str(answer.json()["ID"])

    def wait_for_log(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            logs = self.logs()
            if text in logs:
                return logs
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in the log of {self.name} after {timeout}s:\n"
                                     f"{logs[-4000:]}")
            time.sleep(0.2)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Until Orthanc's HTTP server answers (any status: 401 is fine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.request("/system", auth=None, timeout=2)
                return
            except OSError:
                pass
            if not self.running():
                raise AssertionError(f"{self.name} exited during start-up:\n{self.logs()[-4000:]}")
            time.sleep(0.3)
        raise AssertionError(f"{self.name} did not answer in {timeout}s:\n{self.logs()[-4000:]}")

    def stop(self, timeout: int = 10) -> float:
        start = time.monotonic()
        docker("stop", "-t", str(timeout), self.id, timeout=timeout + 30)
        return time.monotonic() - start

    def remove(self) -> None:
        docker("rm", "-f", "-v", self.id, check=False)


class RunContainer(Protocol):
    def __call__(self, image: str, *, files: Mapping[str, str] = ...,
                 env: Mapping[str, str] = ..., args: Sequence[str] = ...,
                 options: Sequence[str] = ..., wait: bool = ...) -> Container: ...


def run_options(files: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
    """-v host:container:ro for each file or folder, -e for each variable."""
    options = []
    for container_path, host_path in files.items():
        options += ["-v", f"{host_path}:{container_path}:ro"]
    for key, value in env.items():
        options += ["-e", f"{key}={value}"]
    return options


def start(image: str, *, files: Mapping[str, str] | None = None,
          env: Mapping[str, str] | None = None, args: Sequence[str] = (),
          options: Sequence[str] = (), wait: bool = True) -> Container:
    """`docker run -d -p 127.0.0.1:<free>:8042 ...`, then wait for HTTP."""
    name = unique_name()
    port = free_port()
    cmd = ["run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8042",
           *run_options(files or {}, env or {}), *options, image, *args]
    container = Container(docker(*cmd).stdout.strip(), name, port)
    if wait:
        container.wait_ready()
    return container


def run_to_exit(image: str, *, files: Mapping[str, str] | None = None,
                env: Mapping[str, str] | None = None, args: Sequence[str] = (),
                options: Sequence[str] = (), timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`docker run --rm` in the foreground, for containers that must exit."""
    cmd = ["run", "--rm", "--name", unique_name(), *run_options(files or {}, env or {}),
           *options, image, *args]
    return docker(*cmd, check=False, timeout=timeout)
