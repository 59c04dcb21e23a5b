"""Orthanc servers for the benchmarks.

They reuse the configuration writer of the integration tests
(orthanc_packaging.orthanc_setup) but start without --verbose: logging every
request at INFO level would dominate what is measured.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orthanc_packaging.orthanc_setup import ORTHANC_BINARY, STARTED_LINE, OrthancFiles, tail

from . import BENCH_DIR, BenchError

SCRIPTS = BENCH_DIR / "scripts"
START_TIMEOUT = 30.0


@dataclass
class Server:
    """One Orthanc process (its folder is removed by stop())."""

    name: str
    plugin: Path | None
    setup: OrthancFiles
    process: subprocess.Popen[bytes]
    stopped: bool = False
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return self.setup.http_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        try:
            return self.setup.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def request(self, method: str, path: str, body: bytes | None = None,
                timeout: float = 60.0) -> tuple[int, bytes]:
        """One HTTP request on a kept-alive connection (reopened if needed)."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self._conn.request(method, path, body=body)
                answer = self._conn.getresponse()
                return answer.status, answer.read()
            except (ConnectionError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, path: str) -> Any:
        status, body = self.request("GET", path)
        if status != 200:
            raise BenchError(f"{self.name}: GET {path} answered {status}: {body[:200]!r}")
        return json.loads(body)

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise BenchError(f"{self.name}: Orthanc did not stop within {timeout} s") from None
        self.stopped = True
        return code


def orthanc_config(http_threads: int) -> dict[str, Any]:
    """Options shared by every benchmarked server (same on both sides)."""
    return {
        "HttpThreadsCount": http_threads,
        "KeepAlive": True,
        "TcpNoDelay": True,
        "HttpCompressionEnabled": False,
        "StorageCompression": False,
        "StableAge": 3600,        # no Stable* change events during a run
        "SaveJobs": False,
        "LimitFindResults": 0,
    }


def start_server(name: str, plugin: Path | None, script: Path | None, workdir: Path,
                 config: Mapping[str, Any], env: Mapping[str, str] | None = None,
                 binary: Path | None = None, plugin_name: str = "python") -> Server:
    """Orthanc (`binary`, default ORTHANC_BINARY) with `plugin`
    running `script`; returns once it answers, has logged that it started (it
    handles SIGTERM from then on) and has registered `plugin_name`."""
    extra: dict[str, Any] = dict(config)
    extra["PythonScript"] = str(script) if (plugin is not None and script is not None) else None
    setup = OrthancFiles.write(workdir / name, script or "", [plugin] if plugin is not None else [], extra)
    process_env = dict(os.environ)
    process_env.pop("PYTHONUNBUFFERED", None)
    process_env.update(env or {})
    with open(setup.log_path, "wb") as log:
        # No --verbose: Orthanc logs warnings and errors only.
        process = subprocess.Popen([str(binary or ORTHANC_BINARY), str(setup.config_path)],
                                   cwd=setup.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=process_env)
    server = Server(name=name, plugin=plugin, setup=setup, process=process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if not server.alive():
            raise BenchError(f"{name}: Orthanc exited with code {process.returncode}:\n"
                             f"{tail(server.log())}")
        try:
            status, _ = server.request("GET", "/system", timeout=2)
            if status == 200 and STARTED_LINE in server.log():
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.terminate()
            raise BenchError(f"{name}: Orthanc did not answer within {START_TIMEOUT} s")
        time.sleep(0.05)
    if plugin is not None and f"Registering plugin '{plugin_name}'" not in server.log():
        server.terminate()
        raise BenchError(f"{name}: Orthanc did not load {plugin}:\n{tail(server.log())}")
    return server


def stop_servers(servers: Sequence[Server]) -> list[str]:
    """SIGTERM all at once, wait for all; return problems (crashes, errors)."""
    for server in servers:
        server.terminate()
    problems = []
    for server in servers:
        code = server.wait()
        if code != 0:
            problems.append(f"{server.name}: exit code {code}\n{tail(server.log())}")
    return problems


def python_errors(server: Server) -> list[str]:
    """Tracebacks the plugin wrote to the Orthanc log."""
    return [line for line in server.log().splitlines() if "Traceback" in line]


def embedded_python(server: Server) -> str:
    """The Python version the plugin says at start-up that it runs."""
    marker = "Python plugin: using Python "
    for line in server.log().splitlines():
        if marker in line:
            return line.split(marker, 1)[1].split(" from ")[0]
    return "the plugin's own libpython (no version in its log)"


def scratch_dir(base: Path | None = None) -> Path:
    """Servers' folders (storage and index), under `base` or the temporary
    directory (on disk, as Orthanc's storage usually is; /dev/shm makes the
    uploads faster, hence the callback's relative cost larger)."""
    return Path(tempfile.mkdtemp(prefix="orthanc-bench-", dir=base))
