"""pyproject.toml [tool.cibuildwheel]: what cibuildwheel would build on each
platform, asked of cibuildwheel itself (no build)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest
from wheel_env import ROOT, tool, wheels

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the test tools run on 3.11+
    tomllib = pytest.importorskip("tomli")

PYTHON_TAGS = {f"cp3{m.split('.')[1]}" for m in wheels.MINORS}  # cp38 ... cp313
# The platform part of the identifiers: no musllinux, no 32-bit, no other arch.
PLATFORMS = {
    "linux": re.compile(r"^manylinux_x86_64$"),
    "windows": re.compile(r"^win_amd64$"),
    # archs = native: the runner's own (arm64 on macos-14; x86_64 here).
    "macos": re.compile(r"^macosx_(x86_64|arm64)$"),
}


def _pinned_version() -> str:
    text = (ROOT / "tests" / "wheels" / "requirements-cibuildwheel.txt").read_text(
        encoding="utf-8"
    )
    m = re.search(r"^cibuildwheel==(\S+)", text, re.MULTILINE)
    assert m, "cibuildwheel is not pinned"
    return m.group(1)


@pytest.fixture(scope="module")
def cibuildwheel() -> str:
    exe = tool("cibuildwheel")
    if exe is None:
        pytest.skip(
            "cibuildwheel is not installed (pip install -r tests/wheels/requirements.txt)"
        )
    installed = metadata.version("cibuildwheel")
    if installed != _pinned_version():
        pytest.skip(
            f"cibuildwheel {installed} is installed, the project pins {_pinned_version()}"
        )
    return exe


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_identifiers_are_cp38_to_cp313(cibuildwheel: str, platform: str) -> None:
    proc = subprocess.run(
        [cibuildwheel, "--print-build-identifiers", "--platform", platform],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    identifiers = proc.stdout.split()
    tags = [i.split("-", 1)[0] for i in identifiers]
    assert sorted(tags) == sorted(PYTHON_TAGS), identifiers
    for identifier in identifiers:
        assert PLATFORMS[platform].match(identifier.split("-", 1)[1]), identifier


def _config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["cibuildwheel"]


def test_linux_keeps_libpython_external() -> None:
    linux = _config()["linux"]
    assert (
        "auditwheel repair --exclude 'libpython3.*.so.1.0'"
        in linux["repair-wheel-command"]
    )
    assert "check-wheel" in linux["repair-wheel-command"]
    # manylinux Pythons are static: link the stub, keep its folder out of RUNPATH.
    cmake_args = linux["environment"]["CMAKE_ARGS"]
    assert "wheel_checks.py link-stub" in cmake_args
    assert "-DORTHANC_PYTHON_WHEEL_BUILD_RPATH=OFF" in cmake_args


def test_macos_keeps_the_framework_external_and_its_rpaths() -> None:
    repair = _config()["macos"]["repair-wheel-command"]
    assert "--exclude Python.framework" in repair
    assert "--no-sanitize-rpaths" in repair


def test_every_platform_checks_the_sdk_header() -> None:
    config = _config()
    assert "check-sdk" in config["linux"]["before-all"]
    assert "check-sdk" in config["macos"]["before-build"]
    assert "check-sdk" in config["windows"]["before-build"]
