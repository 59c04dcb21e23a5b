"""What the docker session measures of each image (size, the PostgreSQL
plugin's layer, build time, test outcome) and the limits it checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..report import format_duration
from ..roots import SUITES
from .engine import Docker
from .images import IMAGE_SUITES, image_tag

MAX_IMAGE_BYTES = 300 * 1000 * 1000  # "300 MB" as `docker images` counts, default tag
MAX_SCRIPT_REBUILD_SECONDS = 30.0


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

