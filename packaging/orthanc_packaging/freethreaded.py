"""Twin CPython builds in a Debian root: the same source with and without the GIL.

No Debian suite packages a free-threaded CPython; forky carries the CPython
3.14 source. The benchmarks and the `nogil` session need a free-threaded
build (``--disable-gil``, installed in /opt/python3.14t) and, to compare
like with like, a GIL build of the same source with the same options
(/opt/python3.14): Debian's own python3.14 is built with PGO and LTO, these
two are not. Each is built once inside the root (~10 min of two cores) and
kept there; ``ensure_cpython`` does nothing when the interpreter exists.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Sequence

from . import roots
from .report import Reporter

SOURCE_PACKAGE = "python3.14"
WORK_DIR = "/usr/src/orthanc-python-cpython"  # inside the root
SOURCES_LIST = "/etc/apt/sources.list.d/orthanc-python-src.list"
# What CPython's configure needs for the modules people use (ssl, sqlite3,
# ctypes, lzma, readline, decimal...), and apt-get source's dpkg-source.
BUILD_PACKAGES = (
    "build-essential", "pkg-config", "dpkg-dev", "xz-utils", "libbz2-dev", "libexpat1-dev", "libffi-dev",
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


def deb_src_line(sources_list: str) -> str | None:
    """The deb-src twin of the root's first `deb` line, None if there is none."""
    for line in sources_list.splitlines():
        words = line.split()
        if words and words[0] == "deb":
            return " ".join(["deb-src", *words[1:]])
    return None


def build_script(build: CPythonBuild, deb_src: str, apt_options: Sequence[str] = (), jobs: int = 2) -> str:
    """The shell script (run inside the root) that fetches Debian's source of
    CPython once, unpacks its upstream tarball into WORK_DIR/<name>, builds and installs."""
    opts = " ".join(shlex.quote(o) for o in apt_options)
    folder = f"{WORK_DIR}/{build.name}"
    steps = [
        "set -e",
        f"echo {shlex.quote(deb_src)} > {SOURCES_LIST}",
        f"mkdir -p {WORK_DIR} && cd {WORK_DIR}",
        (f"if ! ls {SOURCE_PACKAGE}_*.orig.tar.* >/dev/null 2>&1; then apt-get {opts} update -qq"
         f" && apt-get {opts} source --download-only -qq {SOURCE_PACKAGE}; fi"),
        f"rm -rf {folder} && mkdir -p {folder}",
        f"tar -xf $(ls {SOURCE_PACKAGE}_*.orig.tar.* | head -n 1) --strip-components=1 -C {folder}",
        f"cd {folder}",
        " ".join(shlex.quote(word) for word in configure_command(build)),
        f"make -s -j{jobs}",
        "make -s install",
        # the free-threaded build installs python3.14t; the GIL build python3.14
        f"test -x {build.executable}",
    ]
    return "\n".join(steps) + "\n"


def ensure_cpython(
    root: roots.Root, build: CPythonBuild, reporter: Reporter | None = None, run: roots.Run = roots._run
) -> str:
    """`build`'s interpreter inside `root` (made first if missing; needs root)."""
    if root.has(build.executable):
        return build.executable
    root.ensure_packages(BUILD_PACKAGES, reporter, run)
    try:
        sources = root.host_path("/etc/apt/sources.list").read_text(encoding="utf-8")
    except OSError:
        sources = ""
    deb_src = deb_src_line(sources) or f"deb-src {roots.mirror()} {root.suite.name} main"
    if reporter:
        reporter.line(f"{root.suite.name} root: building {build.name} from Debian's {SOURCE_PACKAGE} source "
                      f"into {build.prefix} (once, ~10 min)")
    result = root.run(["sh", "-c", build_script(build, deb_src, roots.apt_options(root.suite))], run)
    if result.returncode != 0 or not root.has(build.executable):
        tail = (result.stderr or result.stdout or "").strip()[-600:]
        raise roots.RootError(f"{root.suite.name} root: building {build.name} failed: {tail}")
    return build.executable
