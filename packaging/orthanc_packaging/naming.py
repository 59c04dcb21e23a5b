"""Platform tags and the file names of built and released plugin binaries."""

from __future__ import annotations

import platform as _platform
from dataclasses import dataclass

# platform.machine() spells the same CPU differently per OS.
_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x86_64": "x86_64",
    "x64": "x86_64",
    "i386": "x86",
    "i686": "x86",
    "x86": "x86",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "armv7",
}

_OS_ALIASES = {"linux": "linux", "darwin": "macos", "windows": "windows"}


@dataclass(frozen=True)
class PlatformTag:
    os: str  # "linux", "macos" or "windows"
    arch: str  # "x86_64", "arm64", ...

    def __str__(self) -> str:
        return f"{self.os}-{self.arch}"


def detect_platform(
    system: str | None = None, machine: str | None = None
) -> PlatformTag:
    """Map ``platform.system()``/``platform.machine()`` values to a tag."""
    system = _platform.system() if system is None else system
    machine = _platform.machine() if machine is None else machine
    os_name = _OS_ALIASES.get(system.lower())
    if os_name is None:
        raise ValueError(
            f"unsupported operating system {system!r} (expected Linux, Darwin or Windows)"
        )
    arch = _ARCH_ALIASES.get(machine.lower(), machine.lower() or "unknown")
    if os_name == "linux" and arch == "arm64":
        arch = "aarch64"  # the name Linux distributions use
    return PlatformTag(os_name, arch)


def built_library_name(platform: PlatformTag) -> str:
    """What the CMake project writes into its build folder."""
    if platform.os == "windows":
        return "OrthancPython.dll"
    if platform.os == "macos":
        return "libOrthancPython.dylib"
    return "libOrthancPython.so"


def artifact_name(version: str, minor: str, platform: PlatformTag) -> str:
    """Released file name; it carries the Python minor because each binary
    embeds exactly one libpython."""
    if platform.os == "windows":
        # Orthanc's historical Windows naming, without an architecture for
        # the 64-bit DLLs; the 32-bit ones say so.
        suffix = "" if platform.arch == "x86_64" else f"-{platform.arch}"
        return f"OrthancPython-Python{minor}-{version}{suffix}.dll"
    if platform.os == "macos":
        return f"libOrthancPython-{version}-py{minor}-macos-{platform.arch}.dylib"
    return f"libOrthancPython-{version}-py{minor}-{platform.os}-{platform.arch}.so"
