"""Build and test the Docker images of the plugin (behind ``nox -s docker``).

One image per Debian suite of roots.SUITES that the image matrix names
(trixie, the default tag; forky; bookworm), each built from
``docker/Dockerfile`` by a real dockerd with the suite's Orthanc, SDK and
Python, then tested with real containers (``tests/docker``): the whole
suite on the default tag, a smoke subset on the others. This module makes
that work on a bare Debian machine with no container registry:

* docker_engine: installs Debian's ``docker.io`` when missing (as root only)
  and starts ``dockerd`` in the background when none answers;
* docker_base: makes the base images (``debian:<suite>-slim``) with
  debootstrap when the daemon does not have them, so the Dockerfile stays
  the one that builds unchanged where Docker Hub is reachable;
* docker_mirror: pip inside the builds reaches PyPI through a local wheel
  mirror (containers here cannot verify the proxy's TLS certificates);
* docker_context: the build context, filtered by the .dockerignore rules.

Then it measures image sizes (the PostgreSQL plugin's layer apart) and the
rebuild time after a change of the script layer, and runs pytest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from .commands import run
from .deliverable import Artifact, DeliverableError
from .docker_base import DEBIAN_MIRROR, debian_suite, make_base_image, slim_rootfs
from .docker_context import (
    ContextEntry,
    context_files,
    context_filter,
    snapshot_context,
    write_context_tar,
)
from .docker_engine import Docker, DockerSetupError, ensure_docker, missing_packages
from .docker_mirror import (
    download_wheels,
    manylinux_platforms,
    serve_directory,
    write_simple_index,
)
from .report import Reporter, format_duration
from .roots import SUITES, Suite
from .version import PROJECT_ROOT, read_version

__all__ = [
    "DEBIAN_MIRROR", "ContextEntry", "Docker", "DockerSetupError", "context_files",
    "context_filter", "debian_suite", "make_base_image", "manylinux_platforms",
    "missing_packages", "slim_rootfs", "snapshot_context", "write_context_tar",
    "write_simple_index",
]

IMAGE_REPOSITORY = "orthanc-python"
EXAMPLE_REPOSITORY = "orthanc-python-pydicom-example"
POSTGRESQL_REPOSITORY = "orthanc-python-test-postgresql"
DOCKERFILE = Path("docker") / "Dockerfile"
EXAMPLE_DIR = Path("docker") / "examples" / "pydicom"
POSTGRESQL_DIR = Path("tests") / "docker" / "postgresql"
# docker/Dockerfile.dockerignore is an allow-list of what the Dockerfile
# copies (see docker_context).
DOCKERIGNORE = Path("docker") / "Dockerfile.dockerignore"
# The "script layer": the image's own Python scripts, copied last.
SCRIPT_LAYER_FILE = "docker/entrypoint.py"
EXAMPLE_SCRIPT_FILE = "decode.py"

MAX_IMAGE_BYTES = 300 * 1000 * 1000  # "300 MB" as `docker images` counts, default tag
MAX_SCRIPT_REBUILD_SECONDS = 30.0
BUILD_JOBS = "2"  # compile jobs in the builder stage: these machines are shared

# The image matrix: the first is the default tag (also :latest), tested in
# full; the others get the smoke subset (pytest -m smoke).
IMAGE_SUITES: tuple[str, ...] = ("trixie", "forky", "bookworm")
# The PostgreSQL server of the two-node test: the default suite's postgresql.
POSTGRESQL_SUITE = IMAGE_SUITES[0]


# --------------------------------------------------------------------------
# Names


def image_tag(
    version: str, python_minor: str, suite: str, repository: str = IMAGE_REPOSITORY
) -> str:
    """orthanc-python:<plugin version>-py<X.Y>-<Debian suite>."""
    return f"{repository}:{version}-py{python_minor}-{suite}"


def base_image(suite: Suite) -> str:
    return f"debian:{suite.name}-slim"


def build_args(suite: Suite, version: str) -> dict[str, str]:
    """What the Dockerfile needs to build for `suite`."""
    return {
        "BASE_IMAGE": base_image(suite),
        "PYTHON_VERSION": suite.python,
        "PLUGIN_VERSION": version,
        "BUILD_JOBS": BUILD_JOBS,
    }


_ARG_RE = re.compile(r"^\s*ARG\s+(\w+)=(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_FROM_RE = re.compile(r"^\s*FROM\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def dockerfile_base_image(text: str) -> str:
    """The image the first FROM names, with ${ARG} defaults filled in (the
    base image a plain `docker build` of the Dockerfile uses)."""
    defaults = dict(_ARG_RE.findall(text))
    match = _FROM_RE.search(text)
    if match is None:
        raise ValueError("the Dockerfile has no FROM line")

    def fill(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in defaults:
            raise ValueError(f"FROM uses ${{{name}}}, which has no ARG default")
        return defaults[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", fill, match.group(1))


# --------------------------------------------------------------------------
# Builds and measurements


@dataclass(frozen=True)
class BuildSpec:
    context: Path
    dockerfile: str  # relative to the context
    tag: str
    build_args: Mapping[str, str] = field(default_factory=dict)
    extra_tags: tuple[str, ...] = ()
    ignore_file: str | None = None  # .dockerignore rules, relative to the context
    snapshot: tuple[ContextEntry, ...] = ()  # filled by with_snapshot()

    def with_snapshot(self) -> BuildSpec:
        """This spec with its context read now (see snapshot_context)."""
        ignore = (
            (self.context / self.ignore_file).read_text() if self.ignore_file else None
        )
        files = context_files(self.context, ignore)
        return dataclasses.replace(self, snapshot=snapshot_context(self.context, files))

    def command(self) -> list[str]:
        # The context comes on stdin as a tar (see write_context_tar);
        # --network host: the wheel mirror listens on the host's loopback.
        cmd = ["build", "--network", "host", "-f", self.dockerfile, "-t", self.tag]
        for extra in self.extra_tags:
            cmd += ["-t", extra]
        for key, value in sorted(self.build_args.items()):
            cmd += ["--build-arg", f"{key}={value}"]
        return cmd + ["-"]


def build_image(
    docker: Docker,
    spec: BuildSpec,
    log_path: Path,
    reporter: Reporter,
    changes: Mapping[str, bytes] | None = None,
) -> float:
    """Run one docker build, its output to `log_path`; returns the seconds
    (the making of the context included, as `docker build .` would)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    reporter.line(f"docker build {spec.tag} (log {log_path})")
    start = time.monotonic()
    with tempfile.TemporaryFile() as context, open(log_path, "w") as log:
        write_context_tar(
            spec.snapshot or spec.with_snapshot().snapshot, context, changes
        )
        context.seek(0)
        code = subprocess.run(
            [docker.executable, *spec.command()],
            stdin=context,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=docker.env,
            check=False,
        ).returncode
    seconds = time.monotonic() - start
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        raise DockerSetupError(
            f"docker build {spec.tag} failed (exit {code}); log ends with:\n{tail}"
        )
    return seconds


def timed_script_rebuild(
    docker: Docker, spec: BuildSpec, script: str, log_path: Path, reporter: Reporter
) -> float:
    """Seconds to rebuild `spec` after a change of `script` only.

    The change is made in the snapshot of the context that `spec` was built
    from, not in the tree (others work there): the build cache must serve
    every earlier layer from that build. The probe image is removed afterwards.
    """
    if not spec.snapshot:
        spec = spec.with_snapshot()
    probe_tag = spec.tag.split(":", 1)[0] + ":script-rebuild-probe"
    probe = dataclasses.replace(spec, tag=probe_tag, extra_tags=())
    original = next(e.data for e in spec.snapshot if e.info.name == script)
    assert original is not None, f"{script} is not a file of the context"
    changed = original + f"\n# rebuild probe {time.time()}\n".encode()
    try:
        return build_image(docker, probe, log_path, reporter, {script: changed})
    finally:
        docker("rmi", probe_tag, check=False)


# --------------------------------------------------------------------------
# The session


@dataclass
class TagReport:
    """One image of the matrix."""

    suite: str
    tag: str
    default: bool = False
    size: int | None = None
    postgresql_bytes: int | None = None  # the layer of orthanc-postgresql
    build_seconds: float | None = None
    tests: str = "not run"

    def line(self) -> str:
        size = "-" if self.size is None else f"{self.size / 1e6:.0f} MB"
        pg = "-" if self.postgresql_bytes is None else f"{self.postgresql_bytes / 1e6:.1f} MB"
        return (f"{self.tag:<42} {size:>7} (PostgreSQL plugin layer {pg}), built in "
                f"{format_duration(self.build_seconds)}, tests: {self.tests}")


@dataclass
class Measurements:
    tags: list[TagReport] = field(default_factory=list)
    rebuild_seconds: float | None = None
    example_rebuild_seconds: float | None = None

    def lines(self) -> list[str]:
        return [t.line() for t in self.tags] + [
            f"size limit            {MAX_IMAGE_BYTES / 1e6:.0f} MB for the default tag",
            (
                f"script-layer rebuild  {format_duration(self.rebuild_seconds)} image, "
                f"{format_duration(self.example_rebuild_seconds)} derived pydicom example "
                f"(limit {MAX_SCRIPT_REBUILD_SECONDS:.0f}s)"
            ),
        ]


def check_limits(m: Measurements) -> list[str]:
    problems = []
    for t in m.tags:
        if t.default and t.size is not None and t.size > MAX_IMAGE_BYTES:
            problems.append(
                f"the default image {t.tag} is {t.size / 1e6:.0f} MB, over {MAX_IMAGE_BYTES / 1e6:.0f} MB"
            )
    for what, seconds in (
        ("image", m.rebuild_seconds),
        ("example", m.example_rebuild_seconds),
    ):
        if seconds is not None and seconds > MAX_SCRIPT_REBUILD_SECONDS:
            problems.append(
                f"the script-layer rebuild of the {what} took {seconds:.0f}s, "
                f"over {MAX_SCRIPT_REBUILD_SECONDS:.0f}s"
            )
    return problems


def layer_bytes(docker: Docker, image: str, marker: str) -> int | None:
    """The size of the layer whose command mentions `marker` (docker history)."""
    done = docker("history", "--no-trunc", "--human=false", "--format", "{{json .}}", image)
    for line in done.stdout.splitlines():
        row = json.loads(line)
        if marker in row.get("CreatedBy", ""):
            return int(row["Size"])
    return None


def image_matrix(version: str) -> list[TagReport]:
    return [
        TagReport(name, image_tag(version, SUITES[name].python, name), default=i == 0)
        for i, name in enumerate(IMAGE_SUITES)
    ]


def test_env(report: TagReport, version: str, extra: Mapping[str, str]) -> dict[str, str]:
    """What tests/docker reads to find the images."""
    suite = SUITES[report.suite]
    return dict(
        os.environ,
        ORTHANC_DOCKER_IMAGE=report.tag,
        ORTHANC_DOCKER_SUITE=suite.name,
        ORTHANC_DOCKER_PYTHON=suite.python,
        ORTHANC_DOCKER_ORTHANC=suite.orthanc,
        ORTHANC_DOCKER_PLUGIN_VERSION=version,
        DOCKER_BUILDKIT="0",
        **extra,
    )


class DockerImages:
    """The image matrix as a deliverable: bases, images, the derived example
    and the test PostgreSQL server are built; sizes and the script-layer
    rebuild time are checked; tests/docker runs against each image (in full
    on the default tag, the smoke subset on the others)."""

    name = "docker"

    def __init__(
        self,
        root: Path = PROJECT_ROOT,
        tools_python: str = sys.executable,
        reporter: Reporter | None = None,
        pytest_args: Sequence[str] = (),
    ) -> None:
        self.root = Path(root)
        self.tools_python = tools_python
        self.reporter = reporter or Reporter(prefix="docker")
        self.pytest_args = tuple(pytest_args)
        self.work = self.root / "build" / "docker"
        self.version = read_version(self.root)
        self.m = Measurements(tags=image_matrix(self.version))
        self.default = self.m.tags[0]
        self.wheelhouse = self.work / "wheelhouse"
        self.example_tag = image_tag(
            self.version, SUITES[self.default.suite].python, self.default.suite, EXAMPLE_REPOSITORY
        )
        self.postgresql_tag = f"{POSTGRESQL_REPOSITORY}:{POSTGRESQL_SUITE}"
        self.docker: Docker | None = None

    def prepare(self) -> None:
        """dockerd, the debootstrap bases, the wheel mirror's wheels."""
        try:
            self.docker = ensure_docker(self.root, self.reporter)
            for name in dict.fromkeys([*IMAGE_SUITES, POSTGRESQL_SUITE]):
                if not self.docker.has_image(base_image(SUITES[name])):
                    make_base_image(self.docker, base_image(SUITES[name]), self.work, self.reporter)
            download_wheels(
                self.tools_python,
                [self.root / EXAMPLE_DIR / "requirements.txt"],
                self.wheelhouse,
                SUITES[self.default.suite].python,
                self.reporter,
            )
            write_simple_index(self.wheelhouse)
        except (DockerSetupError, OSError) as error:
            raise DeliverableError(str(error)) from error

    def build(self) -> list[Artifact]:
        docker = self._engine()
        try:
            with serve_directory(self.wheelhouse) as url:
                for report in self.m.tags:
                    spec = self._image_spec(report)
                    report.build_seconds = build_image(
                        docker, spec, self.work / f"build-{report.suite}.log", self.reporter
                    )
                    report.size = docker.image_size(report.tag)
                    report.postgresql_bytes = layer_bytes(docker, report.tag, "orthanc-postgresql")
                    if report.default:
                        self._build_default_extras(docker, spec, url)
        except (DockerSetupError, ValueError, OSError) as error:
            raise DeliverableError(str(error)) from error
        return [Artifact(r.tag, size=r.size) for r in self.m.tags]

    def _engine(self) -> Docker:
        if self.docker is None:
            raise DeliverableError("docker: build before prepare")
        return self.docker

    def _image_spec(self, report: TagReport) -> BuildSpec:
        return BuildSpec(
            self.root,
            DOCKERFILE.as_posix(),
            report.tag,
            build_args(SUITES[report.suite], self.version),
            extra_tags=(f"{IMAGE_REPOSITORY}:latest",) if report.default else (),
            ignore_file=DOCKERIGNORE.as_posix(),
        ).with_snapshot()

    def _build_default_extras(self, docker: Docker, spec: BuildSpec, url: str) -> None:
        """The derived pydicom example, the script-layer rebuild times and
        the PostgreSQL server of the two-node test."""
        example = BuildSpec(
            self.root / EXAMPLE_DIR,
            "Dockerfile",
            self.example_tag,
            {"PIP_INDEX_URL": f"{url}/simple/", "ORTHANC_PYTHON_IMAGE": spec.tag},
        ).with_snapshot()
        build_image(docker, example, self.work / "build-example.log", self.reporter)
        self.m.rebuild_seconds = timed_script_rebuild(
            docker, spec, SCRIPT_LAYER_FILE, self.work / "rebuild-image.log", self.reporter
        )
        self.m.example_rebuild_seconds = timed_script_rebuild(
            docker, example, EXAMPLE_SCRIPT_FILE, self.work / "rebuild-example.log", self.reporter
        )
        postgresql = BuildSpec(
            self.root / POSTGRESQL_DIR,
            "Dockerfile",
            self.postgresql_tag,
            {"BASE_IMAGE": base_image(SUITES[POSTGRESQL_SUITE])},
        ).with_snapshot()
        build_image(docker, postgresql, self.work / "build-postgresql.log", self.reporter)

    def check(self, artifacts: Sequence[Artifact]) -> list[str]:
        return check_limits(self.m)

    def smoke_test(self, artifacts: Sequence[Artifact]) -> list[str]:
        extra = {
            "ORTHANC_DOCKER_EXAMPLE_IMAGE": self.example_tag,
            "ORTHANC_DOCKER_POSTGRESQL_IMAGE": self.postgresql_tag,
            "ORTHANC_DOCKER_WHEELHOUSE": str(self.wheelhouse),
        }
        problems = []
        for report in self.m.tags:
            kind = "full" if report.default else "smoke"
            self.reporter.line(f"tests/docker ({kind}) against {report.tag}")
            selection = [] if report.default else ["-m", "smoke"]
            code = run(
                [self.tools_python, "-m", "pytest", "tests/docker", "-q", *selection, *self.pytest_args],
                cwd=self.root,
                env=test_env(report, self.version, extra),
            ).returncode
            report.tests = f"{kind}, {'passed' if code == 0 else f'FAILED (pytest exit {code})'}"
            if code != 0:
                problems.append(f"tests/docker ({kind}) failed on {report.tag}")
        return problems

    def summary(self) -> list[str]:
        return self.m.lines()
