"""Debian base images made with debootstrap, for machines without a registry.

The Dockerfiles name `debian:<suite>-slim`; where Docker Hub is reachable
that is the official image. Here the same name is given to a
`debootstrap --variant=minbase <suite>` tree, slimmed as the official images
are, and imported with `docker import`. The suite is always named (never the
host's): the facts of each suite are in roots.SUITES.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..report import Reporter
from ..roots import SUITES
from .engine import Docker, DockerSetupError, apt_install

DEBIAN_MIRROR = "http://deb.debian.org/debian"


def debian_suite(base_image: str) -> str:
    """debian:bookworm-slim -> bookworm (the suite debootstrap installs)."""
    name, _, tag = base_image.partition(":")
    if not name.endswith("debian") or not tag:
        raise ValueError(f"{base_image} is not a debian:<suite>[-slim] image")
    return tag.split("-", 1)[0]

POLICY_RC_D = "#!/bin/sh\n# No service starts while images are built.\nexit 101\n"
# Files image users never read; left out as the Docker official slim images do.
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
"""
APT_CLEAN = """\
// Downloaded .deb files and the binary caches are dead weight in a layer.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
"""


def debian_sources(suite: str, mirror: str = DEBIAN_MIRROR) -> str:
    """deb822 sources with updates and security, like the official images."""
    text = (
        f"Types: deb\nURIs: {mirror}\nSuites: {suite} {suite}-updates\n"
        "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    if mirror.rstrip("/").endswith("/debian"):
        security = mirror.rstrip("/") + "-security"
        text += (
            f"\nTypes: deb\nURIs: {security}\nSuites: {suite}-security\n"
            "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
    return text


def slim_rootfs(rootfs: Path, suite: str, mirror: str = DEBIAN_MIRROR) -> None:
    """Turn a debootstrap minbase tree into a container base."""
    (rootfs / "usr/sbin/policy-rc.d").write_text(POLICY_RC_D)
    (rootfs / "usr/sbin/policy-rc.d").chmod(0o755)
    (rootfs / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(DPKG_EXCLUDES)
    (rootfs / "etc/apt/apt.conf.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    (rootfs / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
        debian_sources(suite, mirror)
    )
    known = SUITES.get(suite)
    if known is not None and not known.check_valid_until:
        # testing's Release file outlives its Valid-Until date when the mirror
        # is a snapshot; apt in every layer built on this base needs this.
        (rootfs / "etc/apt/apt.conf.d/99no-check-valid-until").write_text(
            'Acquire::Check-Valid-Until "false";\n'
        )
    with contextlib.suppress(FileNotFoundError):
        (rootfs / "etc/apt/sources.list").unlink()
    # What dpkg installed before the excludes existed.
    doc = rootfs / "usr/share/doc"
    if doc.is_dir():
        for path in sorted(doc.rglob("*"), reverse=True):
            if path.name == "copyright" or path.is_dir() and any(path.iterdir()):
                continue
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
    for folder in (
        "usr/share/man",
        "usr/share/info",
        "usr/share/locale",
        "usr/share/groff",
        "usr/share/lintian",
        "var/lib/apt/lists",
        "var/cache/apt",
        "var/log",
    ):
        target = rootfs / folder
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    # The daemon writes the container's own resolv.conf, hosts and hostname.
    for name in ("etc/resolv.conf", "etc/hostname"):
        with contextlib.suppress(FileNotFoundError):
            (rootfs / name).write_text("")


def make_base_image(
    docker: Docker,
    name: str,
    workdir: Path,
    reporter: Reporter,
    mirror: str = DEBIAN_MIRROR,
) -> None:
    """debootstrap --variant=minbase <suite>, slimmed, imported as `name`."""
    suite = debian_suite(name)
    # debootstrap's script: older debootstraps know testing by sid's only.
    script = SUITES[suite].script if suite in SUITES else suite
    if shutil.which("debootstrap") is None:
        apt_install(["debootstrap"], reporter)
    if os.geteuid() != 0:
        raise DockerSetupError(
            f"{name} is missing and debootstrap needs root to make it"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=workdir))
    try:
        reporter.line(
            f"{name} is missing: debootstrap --variant=minbase {suite} (one time, a few minutes)"
        )
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", suite, str(rootfs), mirror, script],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise DockerSetupError(
                f"debootstrap failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
            )
        slim_rootfs(rootfs, suite, mirror)
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
            stdout=subprocess.PIPE,
        )
        imported = subprocess.run(
            [
                docker.executable,
                "import",
                "--change",
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change",
                'CMD ["bash"]',
                "-",
                name,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            check=False,
            env=docker.env,
        )
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            raise DockerSetupError(
                f"docker import of {name} failed: {imported.stderr.strip()}"
            )
        reporter.line(f"imported {name} ({docker.image_size(name) / 1e6:.0f} MB)")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
