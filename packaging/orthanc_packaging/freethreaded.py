"""Twin CPython builds in a Debian root: the same source with and without the GIL.

No Debian suite packages a free-threaded CPython; forky carries the CPython
3.14 source, whose upstream tarball is pinned here (forky moves on, and the
mirror does not always serve the source its index names). The benchmarks
and the `nogil` session need a free-threaded build (``--disable-gil``,
installed in /opt/python3.14t) and, to compare like with like, a GIL build of the same source with the same options
(/opt/python3.14): Debian's own python3.14 is built with PGO and LTO, these
two are not. Each is built once inside the root (~10 min of two cores) and
kept there; ``ensure_cpython`` does nothing when the interpreter exists.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import debian_pool, roots
from .report import Reporter

SOURCE_PACKAGE = "python3.14"
SOURCE_TARBALL = "python3.14_3.14.7.orig.tar.xz"  # Debian's copy of CPython 3.14.7's release tarball
SOURCE_SHA256 = "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"
WORK_DIR = "/usr/src/orthanc-python-cpython"  # inside the root
# What CPython's configure needs for the modules people use (ssl, sqlite3,
# ctypes, lzma, readline, decimal...).
BUILD_PACKAGES = (
    "build-essential", "pkg-config", "xz-utils", "libbz2-dev", "libexpat1-dev", "libffi-dev",
    "libgdbm-dev", "liblzma-dev", "libmpdec-dev", "libncurses-dev", "libreadline-dev", "libsqlite3-dev",
    "libssl-dev", "libzstd-dev", "uuid-dev", "zlib1g-dev",
)


@dataclass(frozen=True)
class CPythonBuild:
    """One CPython build from Debian's source, installed in `prefix` inside the root."""

    name: str  # python3.14t: also the interpreter's file name
    prefix: str
    free_threaded: bool

    @property
    def executable(self) -> str:
        return f"{self.prefix}/bin/{self.name}"

    @property
    def minor(self) -> str:
        return self.name[len("python"):].rstrip("t")


FREE_THREADED = CPythonBuild("python3.14t", "/opt/python3.14t", free_threaded=True)
GIL_TWIN = CPythonBuild("python3.14", "/opt/python3.14", free_threaded=False)
TWINS = (GIL_TWIN, FREE_THREADED)


def configure_command(build: CPythonBuild) -> list[str]:
    """./configure of `build`: a shared libpython (the plugin embeds it) found
    through an rpath, Debian's libmpdec, no bundled pip (venvs get theirs)."""
    command = ["./configure", "-q"]
    if build.free_threaded:
        command.append("--disable-gil")
    command += ["--enable-shared", f"--prefix={build.prefix}", f"LDFLAGS=-Wl,-rpath,{build.prefix}/lib",
                "--with-system-libmpdec", "--without-ensurepip"]
    return command


def fetch_source(target_dir: Path, get: Callable[[str], bytes] = debian_pool.download) -> Path:
    """The pinned CPython tarball in `target_dir` (downloaded once, checksum verified)."""
    target = target_dir / SOURCE_TARBALL
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == SOURCE_SHA256:
        return target
    try:
        data = debian_pool.fetch_pinned(debian_pool.pool_url(f"main/p/{SOURCE_PACKAGE}/{SOURCE_TARBALL}"),
                                        SOURCE_SHA256, get)
    except debian_pool.PoolError as error:
        raise roots.RootError(str(error)) from error
    target_dir.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def build_script(build: CPythonBuild, jobs: int = 2) -> str:
    """The shell script (run inside the root) that unpacks the pinned tarball
    into WORK_DIR/<name>, builds and installs."""
    folder = f"{WORK_DIR}/{build.name}"
    steps = [
        "set -e",
        f"rm -rf {folder} && mkdir -p {folder}",
        f"tar -xf {WORK_DIR}/{SOURCE_TARBALL} --strip-components=1 -C {folder}",
        f"cd {folder}",
        " ".join(shlex.quote(word) for word in configure_command(build)),
        f"make -s -j{jobs}",
        "make -s install",
        # the free-threaded build installs python3.14t; the GIL build python3.14
        f"test -x {build.executable}",
    ]
    return "\n".join(steps) + "\n"


def ensure_cpython(
    root: roots.Root, build: CPythonBuild, reporter: Reporter | None = None, run: roots.Run = roots._run,
    get: Callable[[str], bytes] = debian_pool.download,
) -> str:
    """`build`'s interpreter inside `root` (made first if missing; needs root)."""
    if root.has(build.executable):
        return build.executable
    root.ensure_packages(BUILD_PACKAGES, reporter, run)
    fetch_source(root.host_path(WORK_DIR), get)
    if reporter:
        reporter.line(f"{root.suite.name} root: building {build.name} from {SOURCE_TARBALL} "
                      f"into {build.prefix} (once, ~10 min)")
    result = root.run(["sh", "-c", build_script(build)], run)
    if result.returncode != 0 or not root.has(build.executable):
        tail = (result.stderr or result.stdout or "").strip()[-600:]
        raise roots.RootError(f"{root.suite.name} root: building {build.name} failed: {tail}")
    return build.executable
