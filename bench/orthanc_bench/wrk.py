"""The HTTP load of the REST and change scenarios (wrk), what it reports, and
the CPU time a server used meanwhile."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import BenchError

WRK = shutil.which("wrk")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass
class WrkResult:
    rps: float
    requests: int
    errors: int          # socket errors (connect, write, timeout) + non-2xx/3xx
    latency_ms: dict[str, float]


def wrk_duration(text: str) -> float:
    """Seconds from one of wrk's durations: "812.00us", "1.02ms", "2.5s", "1.0m"."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot read the wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk_output(out: str) -> WrkResult:
    """What `wrk --latency` printed."""
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
    latency = {f"p{p}": wrk_duration(v) * 1000.0
               for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    return WrkResult(rps=float(rps.group(1)), requests=int(total.group(1)), errors=errors,
                     latency_ms=latency)


def run_wrk(url: str, duration: float, connections: int, threads: int,
            lua: Path | None = None, timeout_s: int = 10) -> WrkResult:
    if WRK is None:
        raise BenchError("wrk is missing: apt-get install -y wrk")
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s",
               f"--timeout={timeout_s}s", "--latency"]
    if lua is not None:
        command += ["-s", str(lua)]
    command.append(url)
    return parse_wrk_output(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) a process has used so far: per
    request, it says what a side costs whatever else loads the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_put_lua(path: Path, body: str = "x") -> Path:
    """A wrk script PUTting `body` with every request."""
    path.write_text(f'wrk.method = "PUT"\nwrk.body = "{body}"\n', encoding="utf-8")
    return path


def write_post_lua(path: Path, size: int) -> Path:
    """A wrk script POSTing a body of `size` bytes with every request."""
    path.write_text('wrk.method = "POST"\n'
                    f'wrk.body = string.rep("x", {size})\n'
                    'wrk.headers["Content-Type"] = "application/octet-stream"\n', encoding="utf-8")
    return path
