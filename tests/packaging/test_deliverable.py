"""deliverable.produce: the four steps in order, stopping at the first
that fails, with the failure in the summary."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from orthanc_packaging.deliverable import Artifact, DeliverableError, exit_code, produce
from orthanc_packaging.report import Reporter


class FakeDeliverable:
    name = "fake"

    def __init__(self, fail_at: str | None = None, raise_at: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_at = fail_at
        self.raise_at = raise_at

    def _step(self, name: str) -> list[str]:
        self.calls.append(name)
        if self.raise_at == name:
            raise DeliverableError(f"{name}: install mingw-w64")
        return [f"{name} went wrong"] if self.fail_at == name else []

    def prepare(self) -> None:
        self._step("prepare")

    def build(self) -> Sequence[Artifact]:
        self._step("build")
        return [Artifact("the DLL", Path("/dist/x.dll"), 2048)]

    def check(self, artifacts: Sequence[Artifact]) -> Sequence[str]:
        assert [a.label for a in artifacts] == ["the DLL"]
        return self._step("check")

    def smoke_test(self, artifacts: Sequence[Artifact]) -> Sequence[str]:
        return self._step("smoke test")

    def summary(self) -> Sequence[str]:
        return ["measured: 1 s"]


def _produce(d: FakeDeliverable) -> tuple[int, str]:
    out = io.StringIO()
    outcome = produce(d, Reporter(out, prefix="t"))
    return exit_code(outcome), out.getvalue()


def test_all_steps_run_in_order_and_the_summary_lists_artifacts() -> None:
    d = FakeDeliverable()
    code, text = _produce(d)
    assert code == 0
    assert d.calls == ["prepare", "build", "check", "smoke test"]
    assert "the DLL /dist/x.dll (2.0 KiB)" in text and "measured: 1 s" in text


def test_a_failed_check_stops_before_the_smoke_test() -> None:
    d = FakeDeliverable(fail_at="check")
    code, text = _produce(d)
    assert code == 1
    assert d.calls == ["prepare", "build", "check"]
    assert "check went wrong" in text and "FAILED" in text


def test_an_error_in_prepare_is_one_message_and_nothing_is_built() -> None:
    d = FakeDeliverable(raise_at="prepare")
    code, text = _produce(d)
    assert code == 1
    assert d.calls == ["prepare"]
    assert "prepare: install mingw-w64" in text
