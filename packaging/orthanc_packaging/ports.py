"""Loopback TCP ports for servers the toolchain and the tests start (Orthanc,
conan_server, the wheel mirror, containers): one allocator for all of them."""

from __future__ import annotations

import errno
import os
import random
import socket
import tempfile
import threading
from pathlib import Path
from typing import Literal

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks, ports as the kernel gives them
    fcntl = None  # type: ignore[assignment]


def ephemeral_port_range() -> tuple[int, int]:
    """The ports the kernel hands out for bind(port 0) and outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def port_candidates(ephemeral: tuple[int, int] | None = None, first: int = 10000) -> range | None:
    """Ports for test servers: outside the ephemeral range (the larger side),
    so that no outgoing connection or bind(0) of any process takes one between
    our check and the server's own bind. None when the kernel leaves too few."""
    low, high = ephemeral or ephemeral_port_range()
    below = range(first, max(first, low))
    above = range(min(high + 1, 65536), 65536)
    best = max(below, above, key=len)
    return best if len(best) >= 1000 else None


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortRegistry:
    """Hands out loopback TCP ports that no other test process on this
    machine holds at the same time.

    Between finding a free port and the server binding it, another process
    could take it: concurrent pytest runs (the release tests several Pythons
    at once) asking the kernel for port 0 get their ports from the same
    ephemeral range as every outgoing connection.  Here a port is taken from
    outside that range, and held with a POSIX lock on the byte of that number
    in one lock file shared by all test processes (released by release(), or
    by the kernel when the process ends, even by a crash); a port someone
    else already uses (bind fails) is skipped.  Without fcntl (Windows) or a
    usable lock file, the kernel's choice is used as before.
    """

    def __init__(self, lock_path: Path | None = None, candidates: range | None | Literal["auto"] = "auto",
                 attempts: int = 2000) -> None:
        # One registry per lock file in a process: closing any descriptor of
        # a file drops every POSIX lock the process holds on it.
        self._lock_path = lock_path or Path(tempfile.gettempdir()) / "orthanc-python-tests-ports.lock"
        self._candidates = port_candidates() if candidates == "auto" else candidates
        self._attempts = attempts
        self._fd: int | None = None
        self._opened = False
        self._held: set[int] = set()  # POSIX locks are per process: threads check here
        self._mutex = threading.Lock()

    def _lock_fd(self) -> int | None:
        if not self._opened and fcntl is not None:
            self._opened = True
            try:
                self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:  # another user's file: this process coordinates with nobody
                self._fd = None
            else:
                try:
                    os.fchmod(self._fd, 0o666)  # usable by every user's tests
                except OSError:
                    pass
        return self._fd

    def _try_lock(self, fd: int, port: int) -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, port)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                return False
            raise
        return True

    def reserve(self) -> int:
        with self._mutex:
            fd = self._lock_fd()
            if fd is None or self._candidates is None:
                return self._kernel_port()
            tries = min(self._attempts, len(self._candidates))
            start = random.randrange(len(self._candidates))
            for i in range(tries):
                port = self._candidates[(start + i) % len(self._candidates)]
                if port in self._held or not self._try_lock(fd, port):
                    continue
                if _can_bind(port):
                    self._held.add(port)
                    return port
                self._unlock(fd, port)
            raise RuntimeError(f"no free TCP port among {tries} tried in "
                               f"{self._candidates.start}-{self._candidates.stop - 1}")

    def _kernel_port(self) -> int:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in self._held:  # two servers of this process never share one
                self._held.add(port)
                return port

    def _unlock(self, fd: int, port: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, port)

    def release(self, port: int) -> None:
        """Give back a port (its server has exited); unknown ports are ignored."""
        with self._mutex:
            if port not in self._held:
                return
            self._held.discard(port)
            if self._fd is not None and self._candidates is not None and port in self._candidates:
                self._unlock(self._fd, port)

    def held(self) -> set[int]:
        with self._mutex:
            return set(self._held)


PORTS = PortRegistry()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on now, and that no other
    test (in this process or any other on this machine) gets until
    release_port(port) or the end of this process: see PortRegistry."""
    return PORTS.reserve()


def release_port(port: int) -> None:
    PORTS.release(port)
