"""Helpers of the reliability tests: quiet Orthanc servers, load, memory."""

from __future__ import annotations

import http.client
import json
import re
import select
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orthanc_server as harness

SCRIPTS = Path(__file__).resolve().parent / "scripts"
WRK = shutil.which("wrk")


class QuietSetup(harness.OrthancSetup):
    """Orthanc without --verbose: under load, INFO logging of every request
    would fill the disk and slow the server down."""

    def command(self) -> list[str]:
        return [str(harness.ORTHANC_BINARY), str(self.config_path)]


def script(name: str) -> Path:
    return SCRIPTS / name


def vm_rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS of /proc/<pid>/status), in KiB."""
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    assert match, text
    return int(match.group(1))


def wait_for(predicate: Callable[[], bool], timeout: float, what: str,
             interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timeout ({timeout} s): {what}")
        time.sleep(interval)


class Client:
    """One kept-alive HTTP connection (http.client: no pool, no retries)."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        sock = self.conn.sock
        if sock is not None and select.select([sock], [], [], 0)[0]:
            # Readable while idle: Orthanc closed the kept-alive connection
            # (KeepAliveTimeout); open a new one, as HTTP clients' pools do.
            self.conn.close()
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            answer = self.conn.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise

    def json(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def close(self) -> None:
        self.conn.close()


def run_wrk(url: str, seconds: float, connections: int = 8, threads: int = 2,
            lua: Path | None = None, headers: dict[str, str] | None = None) -> dict[str, int]:
    """wrk for `seconds`; returns completed requests and errors."""
    assert WRK is not None, "wrk is missing: apt-get install -y wrk"
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout=30s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if lua is not None:
        command += ["-s", str(lua)]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    total = re.search(r"(\d+) requests in", out)
    assert total, out
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return {"requests": int(total.group(1)), "errors": errors}


def python_tracebacks(log: str) -> int:
    return log.count("Traceback (most recent call last)")
