"""Fixtures of the code generator's tests (run from the project root:
python -m pytest tests/codegen)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict

import pytest
from orthanc_packaging import sdk_headers

from codegen.bindings import Plan
from codegen.classify import classify
from codegen.model import Module
from codegen.parse import parse_header
from codegen.render import render

ROOT = Path(__file__).resolve().parents[2]

DATA = Path(__file__).resolve().parent / "data"
MINI_HEADER = DATA / "mini_sdk.h"
# The figures of these tests are those of the SDK 1.10.1 header, pinned
# (Debian's orthanc-dev 1.10.1, whatever this machine's own /usr/include holds).
REAL_HEADER_OVERRIDE = os.environ.get("ORTHANC_SDK_HEADER")
UPSTREAM_API = ROOT.parent / "shared" / "reference" / "upstream-4.0-api.json"


@pytest.fixture(scope="session")
def real_header() -> Path:
    if REAL_HEADER_OVERRIDE:
        return Path(REAL_HEADER_OVERRIDE)
    return sdk_headers.sdk_dir("1.10.1") / "orthanc" / sdk_headers.HEADER


@pytest.fixture(scope="session")
def real_module(real_header: Path) -> Module:
    return parse_header(real_header)


@pytest.fixture(scope="session")
def real_plan(real_module: Module) -> Plan:
    return classify(real_module)


@pytest.fixture(scope="session")
def real_outputs(real_plan: Plan, real_module: Module) -> Dict[str, str]:
    return render(real_plan, real_module)


@pytest.fixture(scope="session")
def real_output_dir(real_outputs: Dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    for name, content in real_outputs.items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def mini_module() -> Module:
    return parse_header(MINI_HEADER)


@pytest.fixture(scope="session")
def mini_plan(mini_module: Module) -> Plan:
    return classify(mini_module, handwritten_functions=[], handwritten_methods={}, internal={})


@pytest.fixture(scope="session")
def bare_real_plan(real_module: Module) -> Plan:
    """The real header with no hand-written table: what the generator alone does."""
    return classify(real_module, handwritten_functions=[], handwritten_methods={}, internal={})


@pytest.fixture(scope="session")
def upstream_api() -> dict:
    if not UPSTREAM_API.is_file():
        pytest.skip(f"reference {UPSTREAM_API} not available")
    data = json.loads(UPSTREAM_API.read_text(encoding="utf-8"))
    # The module loader and the members OrthancException inherits are not part of the API.
    data["classes"].pop("__loader__", None)
    data["classes"].pop("OrthancException", None)
    return data
