"""Artifact names for the three OSes and platform tag detection."""

from __future__ import annotations

import pytest
from orthanc_packaging.naming import (
    PlatformTag,
    artifact_name,
    built_library_name,
    detect_platform,
)


@pytest.mark.parametrize(
    "system, machine, tag",
    [
        ("Linux", "x86_64", PlatformTag("linux", "x86_64")),
        ("Linux", "aarch64", PlatformTag("linux", "aarch64")),
        ("Darwin", "arm64", PlatformTag("macos", "arm64")),
        ("Darwin", "x86_64", PlatformTag("macos", "x86_64")),
        ("Windows", "AMD64", PlatformTag("windows", "x86_64")),
        ("Windows", "ARM64", PlatformTag("windows", "arm64")),
    ],
)
def test_detect_platform(system: str, machine: str, tag: PlatformTag) -> None:
    assert detect_platform(system, machine) == tag


def test_detect_platform_rejects_unknown_os() -> None:
    with pytest.raises(ValueError, match="unsupported operating system 'SunOS'"):
        detect_platform("SunOS", "sparc")


def test_detect_platform_here_is_consistent() -> None:
    assert detect_platform().os in ("linux", "macos", "windows")


def test_linux_name() -> None:
    tag = PlatformTag("linux", "x86_64")
    assert (
        artifact_name("0.1.0", "3.12", tag)
        == "libOrthancPython-0.1.0-py3.12-linux-x86_64.so"
    )
    assert built_library_name(tag) == "libOrthancPython.so"


def test_windows_name() -> None:
    tag = PlatformTag("windows", "x86_64")
    assert artifact_name("0.1.0", "3.12", tag) == "OrthancPython-Python3.12-0.1.0.dll"
    assert built_library_name(tag) == "OrthancPython.dll"
    # The 32-bit DLLs share dist/ with the 64-bit ones: their name says so.
    x86 = PlatformTag("windows", "x86")
    assert artifact_name("0.1.0", "3.12", x86) == "OrthancPython-Python3.12-0.1.0-x86.dll"


def test_macos_name() -> None:
    tag = PlatformTag("macos", "arm64")
    assert (
        artifact_name("0.1.0", "3.9", tag)
        == "libOrthancPython-0.1.0-py3.9-macos-arm64.dylib"
    )
    assert built_library_name(tag) == "libOrthancPython.dylib"
    assert str(tag) == "macos-arm64"
