"""System packages the build and the tests need (Debian), installed on demand.

The README's commands must work on a fresh machine: when a package is
missing and we run as root with apt-get, it is installed; otherwise the
run stops with one line saying what to install.
"""

from __future__ import annotations

import os
import shutil
from typing import Sequence

from .commands import Runner, run
from .report import Reporter

# Orthanc itself, its plugin SDK header, the DICOM tools the tests use, and
# the load generator and memory checker of the reliability tests.
BUILD_AND_TEST_PACKAGES = (
    "orthanc", "orthanc-dev", "cmake", "g++", "dcmtk", "ccache", "wrk", "valgrind",
)
# The benchmarks also run the upstream plugin, and build ours against the same
# libpython (Debian's python3.11) so that only the plugins differ.
BENCH_PACKAGES = (*BUILD_AND_TEST_PACKAGES, "orthanc-python", "libpython3.11-dev")

APT_LOCK_TIMEOUT = "600"  # seconds apt waits for another apt/dpkg (a parallel session) to finish


def missing_packages(packages: Sequence[str], run: Runner = run) -> list[str]:
    """The Debian packages of `packages` that dpkg does not list as installed."""
    missing = []
    for package in packages:
        result = run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True)
        if result.returncode != 0 or "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def install_command(packages: Sequence[str]) -> str:
    add = "".join(f"dpkg --add-architecture {a} && " for a in foreign_architectures(packages))
    return add + "apt-get update && apt-get install -y " + " ".join(packages)


class SystemSetupError(RuntimeError):
    """What is missing and how to provide it, in one line."""


def foreign_architectures(packages: Sequence[str]) -> list[str]:
    """The architectures that `packages` name ("wine32:i386" -> "i386")."""
    return sorted({p.split(":", 1)[1] for p in packages if ":" in p})


def _add_architectures(wanted: Sequence[str], run: Runner) -> bool:
    """dpkg --add-architecture for each of `wanted` not yet known; True if one was added."""
    known = run(["dpkg", "--print-foreign-architectures"], capture_output=True)
    have = set((known.stdout or "").split()) if known.returncode == 0 else set()
    added = False
    for arch in wanted:
        if arch in have:
            continue
        result = run(["dpkg", "--add-architecture", arch], capture_output=True)
        if result.returncode != 0:
            raise SystemSetupError(f"'dpkg --add-architecture {arch}' failed ({result.stderr.strip()[-300:]})")
        added = True
    return added


def ensure_packages(
    packages: Sequence[str] = BUILD_AND_TEST_PACKAGES,
    reporter: Reporter | None = None,
    run: Runner = run,
    is_root: bool | None = None,
    has_apt: bool | None = None,
) -> None:
    """Install the missing Debian packages when possible, else raise SystemSetupError."""
    if shutil.which("dpkg-query") is None and has_apt is None:
        return  # not a Debian system: the build reports what it lacks by itself
    missing = missing_packages(packages, run)
    if not missing:
        return
    is_root = (os.geteuid() == 0) if is_root is None else is_root
    has_apt = (shutil.which("apt-get") is not None) if has_apt is None else has_apt
    if not (is_root and has_apt):
        raise SystemSetupError(
            f"missing Debian packages: {' '.join(missing)}; install them as root: {install_command(missing)}"
        )
    if reporter is not None:
        reporter.line(f"installing Debian packages: {' '.join(missing)}")
    # Packages of another architecture (Wine's 32-bit half, wine32:i386) need
    # dpkg to know it; apt-get update then reads that architecture's index too.
    _add_architectures(foreign_architectures(missing), run)
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    lock = ["-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"]
    for command in (["apt-get", *lock, "update", "-qq"], ["apt-get", *lock, "install", "-y", "-qq", *missing]):
        result = run([*env_prefix, *command], capture_output=True)
        if result.returncode != 0:
            raise SystemSetupError(
                f"'{' '.join(command)}' failed ({result.stderr.strip()[-300:]}); run {install_command(missing)} by hand"
            )
