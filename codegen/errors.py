"""Errors that the command line reports as one line (no traceback)."""

from __future__ import annotations

REQUIREMENTS_HINT = "pip install -r codegen/requirements.txt"


class CodegenError(Exception):
    """A problem of the environment or the input, with the way to fix it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        return f"codegen: error: {self.problem}; fix: {self.fix}"
