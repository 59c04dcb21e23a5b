"""Debian package checks and installation, with a fake command runner."""

from __future__ import annotations

import subprocess
from typing import Sequence

import pytest
from orthanc_packaging import system


class FakeApt:
    def __init__(self, installed: Sequence[str], apt_fails: bool = False) -> None:
        self.installed = set(installed)
        self.apt_fails = apt_fails
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str], **_: object) -> subprocess.CompletedProcess[str]:
        command = list(command)
        self.commands.append(command)
        if command[0] == "dpkg-query":
            ok = command[-1] in self.installed
            return subprocess.CompletedProcess(command, 0 if ok else 1, "install ok installed" if ok else "", "")
        if self.apt_fails:
            return subprocess.CompletedProcess(command, 100, "", "E: Unable to locate package orthanc")
        if "install" in command:
            self.installed.update(c for c in command[command.index("install") + 1:] if not c.startswith("-"))
        return subprocess.CompletedProcess(command, 0, "", "")


def test_nothing_happens_when_everything_is_installed() -> None:
    apt = FakeApt(["orthanc", "orthanc-dev"])
    system.ensure_packages(["orthanc", "orthanc-dev"], run=apt, is_root=True, has_apt=True)
    assert all(c[0] == "dpkg-query" for c in apt.commands)


def test_root_installs_only_the_missing_packages() -> None:
    apt = FakeApt(["orthanc"])
    system.ensure_packages(["orthanc", "orthanc-dev"], run=apt, is_root=True, has_apt=True)
    installs = [c for c in apt.commands if "install" in c]
    assert installs and installs[0][-1] == "orthanc-dev" and "orthanc" not in installs[0][:-1]
    assert apt.installed == {"orthanc", "orthanc-dev"}


def test_non_root_gets_one_line_with_the_command() -> None:
    apt = FakeApt([])
    with pytest.raises(system.SystemSetupError) as error:
        system.ensure_packages(["orthanc", "orthanc-dev"], run=apt, is_root=False, has_apt=True)
    message = str(error.value)
    assert "\n" not in message
    assert "apt-get update && apt-get install -y orthanc orthanc-dev" in message
    assert not [c for c in apt.commands if "install" in c]


def test_failed_apt_names_the_command_to_run_by_hand() -> None:
    apt = FakeApt([], apt_fails=True)
    with pytest.raises(system.SystemSetupError, match="apt-get install -y orthanc"):
        system.ensure_packages(["orthanc"], run=apt, is_root=True, has_apt=True)


def test_a_package_of_another_architecture_adds_it_to_dpkg_first() -> None:
    apt = FakeApt([])
    system.ensure_packages(["wine32:i386"], run=apt, is_root=True, has_apt=True)
    steps = [c for c in apt.commands if c[0] != "dpkg-query"]
    # FakeApt knows no foreign architecture: i386 is added before apt-get update reads its index.
    assert steps[0] == ["dpkg", "--print-foreign-architectures"]
    assert steps[1] == ["dpkg", "--add-architecture", "i386"]
    assert "update" in steps[2] and "install" in steps[3] and steps[3][-1] == "wine32:i386"


def test_the_command_by_hand_adds_the_architecture_too() -> None:
    assert system.install_command(["wine32:i386", "wine64"]) == (
        "dpkg --add-architecture i386 && apt-get update && apt-get install -y wine32:i386 wine64")
