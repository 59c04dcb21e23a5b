"""One shape for every deliverable: prepare, build, check, smoke test.

A deliverable (the Windows DLL, the Docker images, the wheels, the Conan
packages, the type stubs) is a class with these four steps; ``produce``
runs them in order, times each, stops at the first step that fails and
prints one summary. A step fails by raising DeliverableError (the message
says what is wrong and what to do) or by returning problems.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence

from .report import Reporter, format_duration, format_size


class DeliverableError(RuntimeError):
    """A step cannot go on; the message names the problem and the fix."""


@dataclass(frozen=True)
class Artifact:
    """A file a deliverable made (a DLL, an image, a wheel, a package)."""

    label: str
    path: Path | None = None  # None for what lives elsewhere (a Docker image)
    size: int | None = None

    def line(self) -> str:
        where = "" if self.path is None else f" {self.path}"
        return f"{self.label}{where} ({format_size(self.size)})"


class Deliverable(Protocol):
    name: str

    def prepare(self) -> None:
        """Install or make what the build needs (packages, tools, bases)."""

    def build(self) -> Sequence[Artifact]:
        """Build the artifacts."""

    def check(self, artifacts: Sequence[Artifact]) -> Sequence[str]:
        """Static checks of the artifacts (layout, exports, sizes): problems."""

    def smoke_test(self, artifacts: Sequence[Artifact]) -> Sequence[str]:
        """Run the artifacts for real (in Orthanc, under Wine, in a container): problems."""

    def summary(self) -> Sequence[str]:
        """Measurements worth printing after the steps (may be empty)."""


@dataclass
class StepResult:
    name: str
    seconds: float
    problems: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    steps: list[StepResult] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and not any(s.problems for s in self.steps)


def produce(
    deliverable: Deliverable,
    reporter: Reporter,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """prepare, build, check, smoke test; stops at the first step with problems."""
    outcome = Outcome()

    def step(name: str, action: Callable[[], Sequence[str]]) -> bool:
        reporter.line(f"{deliverable.name}: {name}")
        began = clock()
        try:
            problems = list(action())
        except DeliverableError as error:
            problems = [str(error)]
        outcome.steps.append(StepResult(name, clock() - began, problems))
        return not problems

    def build() -> Sequence[str]:
        outcome.artifacts = list(deliverable.build())
        return []

    def prepare() -> Sequence[str]:
        deliverable.prepare()
        return []

    (
        step("prepare", prepare)
        and step("build", build)
        and step("check", lambda: deliverable.check(outcome.artifacts))
        and step("smoke test", lambda: deliverable.smoke_test(outcome.artifacts))
    )
    reporter.block(f"{deliverable.name} summary:", summary_lines(deliverable, outcome))
    return outcome


def summary_lines(deliverable: Deliverable, outcome: Outcome) -> list[str]:
    lines = []
    for s in outcome.steps:
        state = "ok" if not s.problems else "FAILED"
        lines.append(f"{s.name:<11} {format_duration(s.seconds):>7}  {state}")
        lines += [f"    {p}" for p in s.problems]
    lines += [a.line() for a in outcome.artifacts]
    lines += list(deliverable.summary())
    return lines


def exit_code(outcome: Outcome) -> int:
    return 0 if outcome.ok else 1
