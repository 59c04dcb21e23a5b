"""orthanc_packaging/wheels.py and wheel_checks.py without building the
plugin: Python choice, commands, auditwheel output, the SDK pin, the link
stub and the wheel checks (on wheels assembled here around small real ELF
libraries)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Sequence

import pytest
from orthanc_packaging import discovery, sdk_headers, wheel_build
from wheel_env import ROOT, wheel_checks, wheels

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def test_minors_are_those_of_the_release_tools() -> None:
    # Wheels stop at 3.13 for now: cibuildwheel's build list (pyproject.toml) and this
    # machine's pyenv have no CPython 3.14; 3.14 comes from Debian's forky root only.
    assert discovery.SUPPORTED_MINORS == (*wheels.MINORS, "3.14")


def test_backend_pins_are_those_of_pyproject() -> None:
    from packaging.requirements import Requirement

    with open(ROOT / "pyproject.toml", "rb") as f:
        requires = tomllib.load(f)["build-system"]["requires"]
    for minor in wheels.MINORS:
        env = {"python_version": minor, "python_full_version": minor + ".0"}
        backend = [
            str(r).split(";")[0]
            for r in map(Requirement, requires)
            if r.name == "scikit-build-core"
            and (r.marker is None or r.marker.evaluate(env))
        ]
        assert backend == [wheel_build.backend_requirement(minor)], minor


def test_portable_flags_are_those_of_the_manylinux_builds() -> None:
    with open(ROOT / "pyproject.toml", "rb") as f:
        cmake_args = tomllib.load(f)["tool"]["cibuildwheel"]["linux"]["environment"][
            "CMAKE_ARGS"
        ]
    stub_command = (
        "$(python /project/packaging/orthanc_packaging/wheel_checks.py"
        " link-stub /tmp/orthanc-python-link)"
    )
    assert stub_command in cmake_args
    assert cmake_args.replace(stub_command, "STUB") == wheel_build.portable_cmake_args(
        Path("STUB")
    )


def test_version_comes_from_the_version_file() -> None:
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["tool"]["scikit-build"]["metadata"]["version"]
    assert version["input"] == "VERSION"
    m = re.match(version["regex"], (ROOT / "VERSION").read_text(encoding="utf-8"))
    assert (
        m and m.group("value") == (ROOT / "VERSION").read_text(encoding="utf-8").strip()
    )


def _found(minor: str, executable: str, libpython: str | None, source: str = "pyenv") -> discovery.FoundPython:
    return discovery.FoundPython(version=minor + ".1", minor=minor, abi="", executable=executable, prefix="/p",
                                 include_dir="/p/include", libpython=libpython, source=source)


def test_find_pythons_takes_the_preferred_python_with_a_shared_libpython() -> None:
    found = discovery.DiscoveryResult([
        _found("3.10", "/pyenv/3.10/bin/python3.10", "/pyenv/3.10/lib/libpython3.10.so"),
        _found("3.10", "/usr/bin/python3.10", "/usr/lib/libpython3.10.so", source="path"),
        _found("3.12", "/pyenv/3.12/bin/python3.12", None),
    ])
    assert wheels.find_pythons(["3.10", "3.12", "3.13"], found) == {"3.10": Path("/pyenv/3.10/bin/python3.10")}


def test_wheel_minor() -> None:
    assert (
        wheel_checks.wheel_minor(
            Path("orthanc_python_plugin-0.1.0-cp313-cp313-manylinux_2_35_x86_64.whl")
        )
        == "3.13"
    )
    assert wheel_checks.wheel_minor(Path("x-0.1.0-cp38-cp38-win_amd64.whl")) == "3.8"
    assert wheel_checks.wheel_minor(Path("x-0.1.0-cp38-abi3-linux_x86_64.whl")) is None


def test_wheel_command_builds_in_place_without_isolation(tmp_path: Path) -> None:
    cmd = wheel_build.wheel_command(
        Path("/env/bin/python"),
        ROOT,
        tmp_path / "out",
        tmp_path / "build",
        "/tools/python",
        tmp_path / "cache",
        "ccache",
        "/sdk",
    )
    assert cmd[:5] == ["/env/bin/python", "-m", "pip", "wheel", "--no-build-isolation"]
    assert f"--config-settings=build-dir={tmp_path / 'build'}" in cmd
    assert "--config-settings=cmake.define.ORTHANC_CODEGEN_PYTHON=/tools/python" in cmd
    assert "--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache" in cmd
    assert "--config-settings=cmake.define.ORTHANC_SDK_PATH=/sdk" in cmd
    assert cmd[-1] == str(ROOT)


def test_auditwheel_repair_excludes_libpython(tmp_path: Path) -> None:
    show, repair = wheel_build.auditwheel_commands(
        "auditwheel", tmp_path / "w.whl", tmp_path / "dist"
    )
    assert show == ["auditwheel", "show", str(tmp_path / "w.whl")]
    assert repair[:4] == ["auditwheel", "repair", "--exclude", "libpython3.*.so.1.0"]


AUDITWHEEL_SHOW = """
orthanc_python_plugin-0.1.0-cp312-cp312-linux_x86_64.whl is consistent
with the following platform tag: "linux_x86_64".

The wheel references external versioned symbols in these
system-provided shared libraries: libc.so.6 with versions {'GLIBC_2.34'}

This constrains the platform tag to "manylinux_2_35_x86_64". In order
to achieve a more compatible tag, you would need to recompile a new
wheel from source on a system with earlier versions of these
libraries, such as a recent manylinux image.
"""


def test_parse_policy() -> None:
    assert wheel_build.parse_policy(AUDITWHEEL_SHOW) == "manylinux_2_35_x86_64"
    assert wheel_build.parse_policy(
        'is consistent with the following platform tag: "manylinux_2_17_x86_64".'
    ) == ("manylinux_2_17_x86_64")


def test_sdk_header_pin(tmp_path: Path) -> None:
    header = tmp_path / "orthanc" / "OrthancCPlugin.h"
    header.parent.mkdir()
    header.write_text("/* not the header */\n")
    problems = wheel_checks.check_sdk(tmp_path)
    assert len(problems) == 1 and "expected " + wheel_checks.SDK_SHA256 in problems[0]
    digest = hashlib.sha256(header.read_bytes()).hexdigest()
    assert wheel_checks.check_sdk(tmp_path, expected=digest) == []
    assert "no OrthancCPlugin.h" in wheel_checks.check_sdk(tmp_path / "nowhere")[0]


def test_sdk_pin_is_debians_1_10_1_header() -> None:
    # wheel_checks is standard library only (it runs in cibuildwheel's
    # environment): its pin is checked against the release library's here.
    assert wheel_checks.SDK_SHA256 == sdk_headers.PINNED["1.10.1"].header_sha256
    assert wheel_checks.check_sdk(sdk_headers.sdk_dir("1.10.1")) == []


# --------------------------------------------------------------------------
# Real ELF libraries, linked against the stub as in the manylinux builds


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (
        sys.platform.startswith("linux")
        and shutil.which("cc")
        and shutil.which("readelf")
    ):
        pytest.skip("needs Linux with cc and readelf")
    return wheel_checks.link_stub(tmp_path_factory.mktemp("orthanc-python-link"))


def _plugin(folder: Path, stub: Path, runpath: str = "$ORIGIN/../../..") -> Path:
    """A shared library that calls into Python and links the stub, like
    the plugin in a manylinux build."""
    source = folder / "plugin.c"
    source.write_text(
        "extern int Py_IsInitialized(void);\nint OrthancPluginInitialize(void *c) { return Py_IsInitialized(); }\n"
    )
    out = folder / "libOrthancPython.so"
    subprocess.run(
        [
            "cc",
            "-shared",
            "-fPIC",
            "-o",
            str(out),
            str(source),
            "-Wl,--no-as-needed",
            str(stub),
            f"-Wl,-rpath,{runpath}",
            "-Wl,--enable-new-dtags",
        ],
        check=True,
    )
    return out


def test_link_stub_names_this_pythons_libpython(stub: Path) -> None:
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert stub.name == f"libpython{minor}.so"  # FindPython3 reads the version here
    text = subprocess.run(
        ["readelf", "-d", str(stub)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Library soname: [libpython{minor}.so.1.0]" in text


def test_plugin_linked_to_the_stub_needs_the_real_soname(
    stub: Path, tmp_path: Path
) -> None:
    needed, runpath = wheel_checks.elf_dynamic(_plugin(tmp_path, stub))
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"libpython{minor}.so.1.0" in needed
    assert runpath == ["$ORIGIN/../../.."]


def _wheel(
    folder: Path,
    library: Path | None,
    tag: str,
    extra: dict[str, bytes] | None = None,
    skip: Sequence[str] = (),
) -> Path:
    path = folder / f"orthanc_python_plugin-0.1.0-{tag}.whl"
    members = {
        "orthanc_python/__init__.py": b"",
        "orthanc_python/orthanc.pyi": b"",
        "orthanc-stubs/__init__.pyi": b"",
        "orthanc_python_plugin-0.1.0.dist-info/entry_points.txt": b"[console_scripts]\northanc-python-plugin = orthanc_python._cli:main\n",
    }
    if library is not None:
        members["orthanc_python/libOrthancPython.so"] = library.read_bytes()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name not in skip:
                archive.writestr(name, data)
    return path


def _tag() -> str:
    nodot = f"{sys.version_info[0]}{sys.version_info[1]}"
    return f"cp{nodot}-cp{nodot}-manylinux_2_28_x86_64"


def test_good_wheel(stub: Path, tmp_path: Path) -> None:
    report = wheel_checks.check_wheel(
        _wheel(tmp_path, _plugin(tmp_path, stub), _tag()), require_manylinux=True
    )
    assert report.ok, report.problems


def test_wheel_without_the_library(tmp_path: Path) -> None:
    report = wheel_checks.check_wheel(_wheel(tmp_path, None, _tag()))
    assert any("if(SKBUILD) install rules" in p for p in report.problems)


def test_wheel_problems(stub: Path, tmp_path: Path) -> None:
    plugin = _plugin(tmp_path, stub)
    bundled = _wheel(
        tmp_path,
        plugin,
        _tag(),
        extra={"orthanc_python_plugin.libs/libpython3.12.so.1.0": b""},
    )
    assert any(
        "bundles a Python library" in p for p in wheel_checks.check_wheel(bundled).problems
    )
    (tmp_path / "abi3").mkdir()
    abi3 = _wheel(tmp_path / "abi3", plugin, "cp38-abi3-linux_x86_64")
    assert any("cpXY-cpXY" in p for p in wheel_checks.check_wheel(abi3).problems)
    (tmp_path / "unrepaired").mkdir()
    unrepaired = _wheel(
        tmp_path / "unrepaired", plugin, _tag().replace("manylinux_2_28", "linux")
    )
    assert any(
        "manylinux" in p
        for p in wheel_checks.check_wheel(unrepaired, require_manylinux=True).problems
    )
    (tmp_path / "nostubs").mkdir()
    nostubs = _wheel(
        tmp_path / "nostubs", plugin, _tag(), skip=["orthanc-stubs/__init__.pyi"]
    )
    assert (
        "orthanc-stubs/__init__.pyi is missing" in wheel_checks.check_wheel(nostubs).problems
    )


def test_wheel_whose_runpath_keeps_the_stub(stub: Path, tmp_path: Path) -> None:
    plugin = _plugin(tmp_path, stub, runpath=f"$ORIGIN/../../..:{stub.parent}")
    report = wheel_checks.check_wheel(_wheel(tmp_path, plugin, _tag()))
    assert any("link stub" in p for p in report.problems)


def test_wheel_of_another_python(stub: Path, tmp_path: Path) -> None:
    report = wheel_checks.check_wheel(
        _wheel(tmp_path, _plugin(tmp_path, stub), "cp38-cp38-manylinux_2_28_x86_64")
    )
    if sys.version_info[:2] != (3, 8):
        assert any("expected libpython3.8.so.1.0" in p for p in report.problems)
