"""Conan 2 recipe: the Orthanc plugin SDK header (OrthancCPlugin.h).

Online, the header is downloaded from the URLs pinned in conandata.yml and
checked against their sha256.  Offline, point the conf
``user.orthanc_sdk:local_path`` at a folder holding OrthancCPlugin.h (or
orthanc/OrthancCPlugin.h), e.g. /usr/include/orthanc from Debian's
orthanc-dev:

    conan create recipes/orthanc-sdk --version 1.10.1 \\
        -c user.orthanc_sdk:local_path=/usr/include/orthanc

A local header must still match the pinned sha256 when its version is in
conandata.yml; for other versions only its version macros are checked.
"""

from __future__ import annotations

import hashlib
import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.files import copy, download

HEADER = "OrthancCPlugin.h"
LOCAL_PATH_CONF = "user.orthanc_sdk:local_path"
_VERSION_MACROS = ("MAJOR", "MINOR", "REVISION")


def header_version(text: str) -> str | None:
    """X.Y.Z from the ORTHANC_PLUGINS_MINIMAL_*_NUMBER macros of the header."""
    parts = []
    for name in _VERSION_MACROS:
        match = re.search(
            rf"^\s*#\s*define\s+ORTHANC_PLUGINS_MINIMAL_{name}_NUMBER\s+(\d+)", text, re.MULTILINE
        )
        if not match:
            return None
        parts.append(match.group(1))
    return ".".join(parts)


def find_local_header(folder: str) -> str | None:
    for candidate in (
        os.path.join(folder, HEADER),
        os.path.join(folder, "orthanc", HEADER),
        os.path.join(folder, "include", "orthanc", HEADER),
    ):
        if os.path.isfile(candidate):
            return candidate
    return None


def sha256_of(path: str) -> str:
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


class OrthancSdkConan(ConanFile):
    name = "orthanc-sdk"
    description = "C header of the Orthanc DICOM server's plugin SDK"
    license = "GPL-3.0-or-later"
    url = "https://orthanc.uclouvain.be/hg/orthanc/"
    homepage = "https://www.orthanc-server.com/"
    topics = ("orthanc", "dicom", "plugin", "header-only")
    package_type = "header-library"
    # Plain C declarations, the same on every platform: one package for all.
    no_copy_source = True

    def _pinned(self) -> dict | None:
        return (self.conan_data or {}).get("sources", {}).get(str(self.version))

    def source(self) -> None:
        target = os.path.join(self.source_folder, "orthanc", HEADER)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        pinned = self._pinned()
        local = self.conf.get(LOCAL_PATH_CONF, check_type=str)
        if local:
            found = find_local_header(local)
            if not found:
                raise ConanException(f"{LOCAL_PATH_CONF}={local} holds no {HEADER}")
            self._check_header(found, pinned)
            copy(self, HEADER, os.path.dirname(found), os.path.dirname(target))
            return
        if not pinned:
            raise ConanInvalidConfiguration(
                f"no pinned source for orthanc-sdk/{self.version} in conandata.yml; "
                f"set -c {LOCAL_PATH_CONF}=<folder with {HEADER}>"
            )
        # A list of URLs: Conan falls back to the next one on failure, and
        # removes the file when the sha256 differs.
        download(self, pinned["urls"], target, sha256=pinned["sha256"])
        self._check_header(target, pinned)

    def _check_header(self, path: str, pinned: dict | None) -> None:
        with open(path, encoding="utf-8", errors="replace") as stream:
            found = header_version(stream.read())
        if found != str(self.version):
            raise ConanInvalidConfiguration(
                f"{path} is the SDK of Orthanc {found}, not {self.version}"
            )
        if pinned and sha256_of(path) != pinned["sha256"]:
            raise ConanInvalidConfiguration(
                f"{path} differs from the pinned Orthanc {self.version} header "
                f"(sha256 {sha256_of(path)}, expected {pinned['sha256']})"
            )

    def package(self) -> None:
        copy(self, HEADER, os.path.join(self.source_folder, "orthanc"),
             os.path.join(self.package_folder, "include", "orthanc"))

    def package_info(self) -> None:
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.includedirs = ["include"]
        self.cpp_info.set_property("cmake_file_name", "OrthancSDK")
        self.cpp_info.set_property("cmake_target_name", "OrthancSDK::OrthancSDK")
