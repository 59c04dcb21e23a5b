"""A local wheel mirror for pip inside the builds.

Containers here cannot check the TLS certificates of the network's proxy,
the host can: the host downloads the wheels and serves them as a PEP 503
index on 127.0.0.1 (builds use --network host).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import http.server
import platform
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Iterator, Sequence

from ..ports import free_port
from ..report import Reporter
from .engine import DockerSetupError

# Fixed so that the PIP_INDEX_URL build argument, part of the build cache
# key, stays the same from one run to the next.
DEFAULT_INDEX_PORT = 38141

def manylinux_platforms(machine: str, glibc_minor: int = 36) -> list[str]:
    """pip download --platform values a glibc 2.<minor> system accepts
    (pip does not widen one manylinux tag into the older ones by itself)."""
    tags = [f"manylinux_2_{m}_{machine}" for m in range(glibc_minor, 4, -1)]
    return tags + [
        f"manylinux2014_{machine}",
        f"manylinux2010_{machine}",
        f"manylinux1_{machine}",
    ]


_WHEEL_NAME_RE = re.compile(r"^(?P<name>[^-]+)-")


def normalized_project(filename: str) -> str:
    """PEP 503 project name of a wheel or sdist file name."""
    match = _WHEEL_NAME_RE.match(filename)
    if match is None:
        raise ValueError(f"not a distribution file name: {filename}")
    return re.sub(r"[-_.]+", "-", match.group("name")).lower()


def write_simple_index(wheelhouse: Path) -> Path:
    """A PEP 503 "simple" index of the files in `wheelhouse`, in simple/."""
    simple = wheelhouse / "simple"
    if simple.exists():
        shutil.rmtree(simple)
    projects: dict[str, list[Path]] = {}
    for path in sorted(wheelhouse.iterdir()):
        if path.is_file() and path.suffix in (".whl", ".gz", ".zip"):
            projects.setdefault(normalized_project(path.name), []).append(path)
    for project, files in projects.items():
        links = []
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            href = html.escape(f"../../{path.name}#sha256={digest}")
            links.append(f'<a href="{href}">{html.escape(path.name)}</a><br>')
        page = simple / project / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        )
    root_links = "".join(f'<a href="{p}/">{p}</a><br>\n' for p in sorted(projects))
    (simple / "index.html").write_text(
        f"<!DOCTYPE html><html><body>\n{root_links}</body></html>\n"
    )
    return simple


def download_wheels(
    python: str,
    requirements: Sequence[Path],
    wheelhouse: Path,
    python_minor: str,
    reporter: Reporter,
) -> None:
    wheelhouse.mkdir(parents=True, exist_ok=True)
    cmd = [
        python,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--python-version",
        python_minor,
        "--implementation",
        "cp",
        "--dest",
        str(wheelhouse),
    ]
    for tag in manylinux_platforms(platform.machine()):
        cmd += ["--platform", tag]
    for req in requirements:
        cmd += ["-r", str(req)]
    reporter.line(f"wheel mirror for the builds: {wheelhouse}")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DockerSetupError(
            f"pip download failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _port_or_free(preferred: int) -> int:
    """The usual port of the mirror when nobody holds it (build logs stay
    comparable), else one from the allocator."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return free_port()
    return preferred


@contextlib.contextmanager
def serve_directory(folder: Path, port: int = DEFAULT_INDEX_PORT) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (builds use --network host); yields the URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _port_or_free(port)), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
