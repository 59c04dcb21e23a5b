"""The docker session's deliverable (behind ``nox -s docker``): the bases, the
images of the matrix, the derived example and the test PostgreSQL server are
built, measured and checked, then tests/docker runs against each image."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

from ..commands import run
from ..deliverable import Artifact, DeliverableError
from ..report import Reporter
from ..roots import SUITES
from ..version import PROJECT_ROOT, read_version
from .base import make_base_image
from .build import BuildSpec, build_image, timed_script_rebuild
from .engine import Docker, DockerSetupError, ensure_docker
from .images import (
    DOCKERFILE,
    DOCKERIGNORE,
    EXAMPLE_DIR,
    EXAMPLE_REPOSITORY,
    EXAMPLE_SCRIPT_FILE,
    IMAGE_REPOSITORY,
    IMAGE_SUITES,
    POSTGRESQL_DIR,
    POSTGRESQL_REPOSITORY,
    POSTGRESQL_SUITE,
    SCRIPT_LAYER_FILE,
    base_image,
    build_args,
    image_tag,
)
from .measurements import (
    Measurements,
    TagReport,
    check_limits,
    image_matrix,
    layer_bytes,
)
from .mirror import download_wheels, serve_directory, write_simple_index


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
