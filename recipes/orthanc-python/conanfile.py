"""Conan 2 recipe: the Python plugin for Orthanc (one shared library that
embeds one Python version).

The sources are the project itself (this folder sits in <root>/recipes/), so
the recipe builds whatever is checked out; the version comes from <root>/VERSION.

    conan create recipes/orthanc-python -o "&:python_version=3.11" \\
        -c user.orthanc_python:python_root=$(pyenv root)/versions/3.11.7 \\
        -c user.orthanc_python:codegen_python=<python with libclang and Jinja2>

Confs (machine-specific paths, so never part of the package id):
  user.orthanc_python:python_root     prefix of the Python to embed (Python3_ROOT_DIR)
  user.orthanc_python:windows_root    Windows layout of that Python (PYTHON_WINDOWS_ROOT)
  user.orthanc_python:codegen_python  interpreter for codegen/ (else $ORTHANC_CODEGEN_PYTHON,
                                      else CMake looks for one)
"""

from __future__ import annotations

import os
from typing import ClassVar

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load

SDK_VERSION = "1.10.1"
CONF_PREFIX = "user.orthanc_python"
# What CMakeLists.txt needs; tests/, build trees and release tooling stay out
# so that the recipe revision only changes with the plugin's own sources.
SOURCE_PATTERNS = (
    "CMakeLists.txt",
    "VERSION",
    "LICENSE",
    "cmake/*",
    "src/*",
    "codegen/*",
    "windows/*.cmake",
    "windows/*.rc.in",
)


def project_root(recipe_folder: str) -> str:
    return os.path.abspath(os.path.join(recipe_folder, "..", ".."))


def valid_python_version(value: str) -> bool:
    major, _, minor = value.partition(".")
    return major == "3" and minor.isdigit()


class OrthancPythonConan(ConanFile):
    name = "orthanc-python"
    description = "Orthanc plugin that runs Python scripts inside the DICOM server"
    license = "AGPL-3.0-or-later"
    topics = ("orthanc", "dicom", "python", "plugin")
    # A module that Orthanc loads at run time: nothing links against it.
    package_type = "shared-library"
    settings = "os", "arch", "compiler", "build_type"
    options: ClassVar[dict[str, list[object]]] = {
        "python_version": ["ANY"],
        # Windows/MSVC only: Debug builds link the release pythonXY.lib.
        "use_release_libs": [True, False],
    }
    default_options: ClassVar[dict[str, object]] = {"python_version": "3.11", "use_release_libs": True}

    def set_version(self) -> None:
        if not self.version:
            path = os.path.join(project_root(self.recipe_folder), "VERSION")
            self.version = load(self, path).strip()

    def export_sources(self) -> None:
        root = project_root(self.recipe_folder)
        for pattern in SOURCE_PATTERNS:
            copy(self, pattern, root, self.export_sources_folder,
                 excludes=("*/__pycache__/*", "*.pyc"))

    def config_options(self) -> None:
        # Only MSVC has separate debug Python libraries; elsewhere the option
        # would just split package ids.
        if self.settings.os != "Windows" or self.settings.get_safe("compiler") != "msvc":
            del self.options.use_release_libs

    def layout(self) -> None:
        cmake_layout(self)

    def requirements(self) -> None:
        self.requires(f"orthanc-sdk/{SDK_VERSION}")

    def validate(self) -> None:
        if not valid_python_version(str(self.options.python_version)):
            raise ConanInvalidConfiguration(
                f"python_version must look like 3.11, not {self.options.python_version}"
            )
        if self.settings.get_safe("compiler.cppstd"):
            check_min_cppstd(self, 17)

    def generate(self) -> None:
        CMakeDeps(self).generate()
        tc = CMakeToolchain(self)
        sdk = self.dependencies["orthanc-sdk"].cpp_info
        cache = tc.cache_variables
        cache["PYTHON_VERSION"] = str(self.options.python_version)
        # OrthancSdk.cmake looks in <path>/orthanc too: the package's include dir.
        cache["ORTHANC_SDK_PATH"] = sdk.includedirs[0].replace("\\", "/")
        if self.options.get_safe("use_release_libs") is not None:
            cache["PYTHON_WINDOWS_USE_RELEASE_LIBS"] = bool(self.options.use_release_libs)
        for conf, variable in (
            ("python_root", "Python3_ROOT_DIR"),
            ("windows_root", "PYTHON_WINDOWS_ROOT"),
        ):
            value = self.conf.get(f"{CONF_PREFIX}:{conf}", check_type=str)
            if value:
                cache[variable] = value.replace("\\", "/")
        codegen = self.conf.get(f"{CONF_PREFIX}:codegen_python", check_type=str) or os.environ.get(
            "ORTHANC_CODEGEN_PYTHON"
        )
        if codegen:
            cache["ORTHANC_CODEGEN_PYTHON"] = codegen.replace("\\", "/")
        tc.generate()

    def build(self) -> None:
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self) -> None:
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        # share/orthanc/plugins/<lib> and share/orthanc/python/orthanc.pyi;
        # on Windows the DLL goes to bin/ (CMakeLists.txt install rules).
        CMake(self).install()

    def package_info(self) -> None:
        self.cpp_info.libdirs = []
        self.cpp_info.includedirs = []
        if self.settings.os == "Windows":
            self.cpp_info.bindirs = ["bin"]
            plugin = os.path.join(self.package_folder, "bin", "OrthancPython.dll")
        else:
            self.cpp_info.bindirs = []
            suffix = ".dylib" if self.settings.os == "Macos" else ".so"
            plugin = os.path.join(
                self.package_folder, "share", "orthanc", "plugins", f"libOrthancPython{suffix}"
            )
        self.cpp_info.resdirs = ["share"]
        # Consumers (e.g. an Orthanc configuration generator) find the plugin here.
        self.runenv_info.define_path("ORTHANC_PYTHON_PLUGIN", plugin)
        self.conf_info.define_path(f"{CONF_PREFIX}:plugin", plugin)
