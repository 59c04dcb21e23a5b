"""Orthanc servers and load generators for the benchmarks (bench/run.py).

The servers reuse the configuration writer of the integration tests
(orthanc_packaging.orthanc_setup) but are started without --verbose: logging
every request at INFO level would dominate what is measured.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orthanc_packaging.orthanc_setup import ORTHANC_BINARY, OrthancFiles, tail

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SCRIPTS = BENCH_DIR / "scripts"
START_TIMEOUT = 30.0


class BenchError(RuntimeError):
    pass


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
    running `script`; returns once it answers and has registered `plugin_name`."""
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
            if status == 200:
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


# --------------------------------------------------------------------------- wrk

WRK = shutil.which("wrk")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass
class WrkResult:
    rps: float
    requests: int
    errors: int          # socket errors (connect, read, write, timeout) + non-2xx/3xx
    latency_ms: dict[str, float]


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot read the wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(url: str, duration: float, connections: int, threads: int,
            lua: Path | None = None, timeout_s: int = 10) -> WrkResult:
    if WRK is None:
        raise BenchError("wrk is missing: apt-get install -y wrk")
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s",
               f"--timeout={timeout_s}s", "--latency"]
    if lua is not None:
        command += ["-s", str(lua)]
    command.append(url)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not rps or not total:
        raise BenchError(f"cannot read the output of wrk:\n{out}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        # wrk counts the connections it cuts at the end as read errors: ignore "read".
        errors += int(sock.group(1)) + int(sock.group(3)) + int(sock.group(4))
    latency = {f"p{p}": _seconds(v) * 1000.0
               for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    return WrkResult(rps=float(rps.group(1)), requests=int(total.group(1)), errors=errors,
                     latency_ms=latency)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) a process has used so far: per
    request, it says what a side costs whatever else loads the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_put_lua(path: Path, body: str = "x") -> Path:
    path.write_text(f'wrk.method = "PUT"\nwrk.body = "{body}"\n', encoding="utf-8")
    return path


def write_post_lua(path: Path, size: int) -> Path:
    """A wrk script POSTing a body of `size` bytes with every request."""
    path.write_text('wrk.method = "POST"\n'
                    f'wrk.body = string.rep("x", {size})\n'
                    'wrk.headers["Content-Type"] = "application/octet-stream"\n', encoding="utf-8")
    return path


# ---------------------------------------------------------------------- uploads

def upload_all(port: int, files: Sequence[bytes], workers: int) -> float:
    """POST every file to /instances with `workers` kept-alive connections; wall seconds."""
    chunks = [files[i::workers] for i in range(workers)]
    failures: list[str] = []
    start_line = threading.Barrier(workers + 1)

    def send(chunk: Sequence[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_line.wait()
        try:
            for body in chunk:
                conn.request("POST", "/instances", body=body,
                             headers={"Content-Type": "application/dicom"})
                answer = conn.getresponse()
                data = answer.read()
                if answer.status != 200:
                    failures.append(f"{answer.status} {data[:200]!r}")
        finally:
            conn.close()

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(send, chunk) for chunk in chunks]
        start_line.wait()
        begin = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - begin
    if failures:
        raise BenchError(f"{len(failures)} uploads failed, e.g. {failures[0]}")
    return elapsed


def make_files(count: int, tag: str) -> list[bytes]:
    """`count` small distinct DICOM files (one patient, one study, one series)."""
    from orthanc_packaging import dicom_factory  # pydicom, numpy
    from pydicom.uid import generate_uid

    study, series = generate_uid(), generate_uid()
    template = dicom_factory.make_dataset(patient_id=f"BENCH{tag}", study_uid=study,
                                          series_uid=series, rows=16, columns=16)
    files = []
    for i in range(count):
        sop = generate_uid()
        template.SOPInstanceUID = sop
        template.file_meta.MediaStorageSOPInstanceUID = sop
        template.InstanceNumber = i + 1
        files.append(dicom_factory.to_bytes(template))
    return files


def scratch_dir(base: Path | None = None) -> Path:
    """Servers' folders (storage and index), under `base` or the temporary
    directory (on disk, as Orthanc's storage usually is; /dev/shm makes the
    uploads faster, hence the callback's relative cost larger)."""
    return Path(tempfile.mkdtemp(prefix="orthanc-bench-", dir=base))
