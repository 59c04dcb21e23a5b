"""A conan_server on loopback with a fresh folder and a random password: the
remote of the Conan round trip (session.py)."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ..ports import free_port

SERVER_USER = "orthanc"
SERVER_START_TIMEOUT = 30.0

# conan_server's own command line binds 0.0.0.0; a test server must stay on
# loopback, so start its launcher and ask for 127.0.0.1 ourselves.
SERVER_SCRIPT = (
    "import sys\n"
    "from conans.server.launcher import ServerLauncher\n"
    "launcher = ServerLauncher(server_dir=sys.argv[1])\n"
    "launcher.server.run(host='127.0.0.1')\n"
)


class ConanServerError(RuntimeError):
    pass


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
                raise ConanServerError(f"conan_server exited at start; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ConanServerError(f"conan_server did not listen on {self.url}; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


