"""The loader DLL (src/loader) in the smoke-test host under Wine (or natively):
it chooses the Windows Python the configuration or PATH names, loads the
bundle's module for it, and the script runs; a Python the bundle has no module
for, or none at all, gives the one error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from windows_env import Built, missing, windows

SCRIPT = """\
import sys
import orthanc

print('Hello from Python %d.%d, %d-bit' % (sys.version_info[0], sys.version_info[1],
                                          64 if sys.maxsize > 2**32 else 32))

def OnRest(output, uri, **request):
    output.AnswerBuffer('chosen %d.%d\\n' % sys.version_info[:2], 'text/plain')

orthanc.RegisterRestCallback('/loader', OnRest)
"""
LOADER = "[host] plugin warning: Python plugin loader: "
ERROR = "[host] plugin error: Python plugin loader: "


@pytest.fixture(scope="module")
def loader() -> Path:
    path = Path(os.environ.get(windows.ENV_LOADER) or
                windows.windows_build_dir(Path(__file__).resolve().parents[2]) / "loader-mingw" / "OrthancPython.dll")
    if not path.is_file():
        missing(f"no loader at {path}: run 'nox -s windows-3.11' first")
    return path


@pytest.fixture
def bundle(built: Built, loader: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    (folder / f"python{built.minor}").mkdir(parents=True)
    shutil.copyfile(loader, folder / "OrthancPython.dll")
    shutil.copyfile(built.plugin, folder / f"python{built.minor}" / "OrthancPython.dll")
    return folder


def run(built: Built, bundle: Path, tmp_path: Path, python: dict[str, str]) -> windows.SmokeRun:
    result = windows.run_smoke_host(built.host, bundle / "OrthancPython.dll", built.python_home, SCRIPT,
                                    tmp_path / "work", "/loader", "/loader", wine_prefix=built.wine_prefix,
                                    extra_config={"Python": python} if python else None)
    print(result.output)
    return result


def _windows_path(built: Built, path: Path) -> str:
    return windows.windows_path(path, built.wine_prefix is not None)


def test_executable_in_the_configuration(built: Built, bundle: Path, tmp_path: Path) -> None:
    exe = _windows_path(built, built.python_home / "python.exe")
    result = run(built, bundle, tmp_path, {"Executable": exe})
    assert result.returncode == 0
    assert f"{LOADER}chose Python {built.minor} ({exe}, 64-bit) because Python.Executable is" in result.output
    assert f"Hello from Python {built.minor}, 64-bit" in result.output
    assert f"chosen {built.minor}\n" in result.output


def test_version_found_on_path(built: Built, bundle: Path, tmp_path: Path) -> None:
    # The host's PATH (WINEPATH under Wine) holds the embeddable Python's folder.
    result = run(built, bundle, tmp_path, {"Version": built.minor})
    assert result.returncode == 0
    assert f'{LOADER}chose Python {built.minor} (' in result.output
    assert f'because Python.Version is "{built.minor}" in the configuration (python.exe found in' in result.output
    assert f"chosen {built.minor}\n" in result.output


def test_first_python_on_path(built: Built, bundle: Path, tmp_path: Path) -> None:
    result = run(built, bundle, tmp_path, {})
    assert result.returncode == 0
    assert "because it is the first python.exe on PATH" in result.output
    assert f"chosen {built.minor}\n" in result.output


def test_python_outside_the_bundle_is_one_error(built: Built, bundle: Path, tmp_path: Path) -> None:
    # Another installed Python: a copy of the embeddable one whose DLL says 3.99.
    other = tmp_path / "other-python"
    shutil.copytree(built.python_home, other, ignore=shutil.ignore_patterns("*.zip", "Lib", "libs", "include"))
    tag = windows.python_tag(built.minor)
    (other / f"python{tag}.dll").rename(other / "python399.dll")
    exe = _windows_path(built, other / "python.exe")
    result = run(built, bundle, tmp_path, {"Executable": exe})
    assert result.returncode == 4  # OrthancPluginInitialize failed
    errors = [line for line in result.output.splitlines() if line.startswith(ERROR)]
    assert len(errors) == 1, result.output
    assert f"Python 3.99 ({exe}, 64-bit): this bundle holds no module for Python 3.99" in errors[0]
    assert f"this bundle holds modules for Python {built.minor}." in errors[0]


def test_missing_version_is_one_error(built: Built, bundle: Path, tmp_path: Path) -> None:
    result = run(built, bundle, tmp_path, {"Version": "3.99"})
    assert result.returncode == 4
    errors = [line for line in result.output.splitlines() if line.startswith(ERROR)]
    assert len(errors) == 1, result.output
    assert "not 3.99" in errors[0] and f"this bundle holds modules for Python {built.minor}." in errors[0]


def _cross_built(built: Built) -> list[tuple[str, Path, Path]]:
    """(minor, plugin DLL, Python home) of every minor that a windows-3.X
    session cross-built here, the tested one first."""
    work = windows.windows_build_dir(Path(__file__).resolve().parents[2])
    found = [(built.minor, built.plugin, built.python_home)]
    for home in sorted(work.glob("devroot/py3.*")):
        minor = home.name[2:]
        dll = work / f"py{minor}-release" / "OrthancPython.dll"
        if minor != built.minor and dll.is_file() and (home / f"python{windows.python_tag(minor)}.dll").is_file():
            found.append((minor, dll, home))
    return found


def test_choice_between_two_installed_pythons(built: Built, loader: Path, tmp_path: Path) -> None:
    pythons = _cross_built(built)
    if len(pythons) < 2:
        pytest.skip(f"only Python {built.minor} is cross-built here: another windows-3.X session builds a "
                    "second one (the README's test command runs windows-3.8 before windows-3.11)")
    folder = tmp_path / "bundle"
    folder.mkdir()
    shutil.copyfile(loader, folder / "OrthancPython.dll")
    for minor, dll, _ in pythons:
        (folder / f"python{minor}").mkdir()
        shutil.copyfile(dll, folder / f"python{minor}" / "OrthancPython.dll")
    for minor, _, home in pythons:
        exe = _windows_path(built, home / "python.exe")
        result = windows.run_smoke_host(built.host, folder / "OrthancPython.dll", pythons[0][2], SCRIPT,
                                        tmp_path / f"work{minor}", "/loader", "/loader",
                                        wine_prefix=built.wine_prefix,
                                        extra_config={"Python": {"Executable": exe}})
        print(result.output)
        assert result.returncode == 0
        assert f"{LOADER}chose Python {minor} ({exe}, 64-bit)" in result.output
        assert f"chosen {minor}\n" in result.output


def test_32bit_loader_refuses_a_64bit_python(built_any: Built, tmp_path: Path) -> None:
    # No 32-bit Windows Python is reachable here (PyPI's embeddable ones are
    # 64-bit): the 32-bit bundle holds the module the session built (x86 in
    # windows-3.X-x86, else the 64-bit one, only to be listed) and the loader
    # refuses the 64-bit Python before loading any module.
    built = built_any
    loader_x86 = os.environ.get(windows.ENV_LOADER_X86)
    host_x86 = os.environ.get(windows.ENV_HOST_X86)
    if not loader_x86 or not host_x86:
        pytest.skip(f"no 32-bit loader or host: {windows.ENV_LOADER_X86}/{windows.ENV_HOST_X86} unset "
                    "(nox -s windows-3.X builds them when the i686 MinGW compilers are installed)")
    wine32 = windows.wine32_command()
    if built.wine_prefix is not None and wine32 is None:
        reason = ("32-bit Wine is not installed: dpkg --add-architecture i386 && apt-get update "
                  "&& apt-get install wine32:i386")
        if built.arch is windows.X86:
            missing(reason)  # the x86 session installs it: its absence is a failure there
        pytest.skip(reason)
    folder = tmp_path / "bundle-x86"
    (folder / f"python{built.minor}").mkdir(parents=True)
    shutil.copyfile(loader_x86, folder / "OrthancPython.dll")
    shutil.copyfile(built.plugin, folder / f"python{built.minor}" / "OrthancPython.dll")
    exe = _windows_path(built, built.python_home / "python.exe")
    prefix = None if built.wine_prefix is None else windows.wine32_prefix(built.wine_prefix)
    result = windows.run_smoke_host(Path(host_x86), folder / "OrthancPython.dll", built.python_home, SCRIPT,
                                    tmp_path / "work", wine_prefix=prefix,
                                    extra_config={"Python": {"Executable": exe}},
                                    launcher=wine32 if built.wine_prefix is not None else None)
    print(result.output)
    assert result.returncode == 4
    errors = [line for line in result.output.splitlines() if line.startswith(ERROR)]
    assert len(errors) == 1, result.output
    assert (f"Python {built.minor} ({exe}, 64-bit): it is a 64-bit Python and this plugin is 32-bit "
            "(download the 64-bit bundle)") in errors[0]
