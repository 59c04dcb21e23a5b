"""Pure helpers of orthanc_packaging.conan: command lines, server.conf,
parsing of Conan's JSON and of nm.  No Conan needed."""

from __future__ import annotations

import configparser
import hashlib
from pathlib import Path

import pytest
from orthanc_packaging import conan
from orthanc_packaging.conan import server as conan_server

ROOT = Path(__file__).resolve().parents[2]


def _plan(**changes: object) -> conan.Plan:
    values: dict[str, object] = {
        "root": Path("/src"),
        "conan": ("/venv/bin/python", "-m", "conans.conan"),
        "python_version": "3.11",
        "python_root": "/py/3.11.7",
        "codegen_python": "/venv/bin/python",
        "sdk_dir": "/usr/include/orthanc",
        "plugin_version": "1.2.3",
        "jobs": 4,
    }
    values.update(changes)
    return conan.Plan(**values)  # type: ignore[arg-type]


def test_layout_stays_under_build_conan() -> None:
    layout = conan.layout_for(Path("/src"))
    assert layout.home == Path("/src/build/conan/home")
    assert layout.server_dir == Path("/src/build/conan/server")
    assert layout.logs.parent == layout.base


def test_conan_env_isolates_the_home_and_drops_credentials() -> None:
    env = conan.conan_env(
        Path("/h"), {"PATH": "/bin", "CONAN_HOME": "/root/.conan2", "CONAN_PASSWORD": "x"}
    )
    assert env["CONAN_HOME"] == "/h"
    assert env["PATH"] == "/bin"
    assert "CONAN_PASSWORD" not in env


def test_server_conf_is_readable_and_limits_access_to_one_user(tmp_path: Path) -> None:
    text = conan_server.server_conf(4242, "alice", "s3cret", tmp_path / "data", "jwt", "updown")
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep "*/*@*/*" keys as written
    parser.read_string(text)
    assert parser["server"]["port"] == "4242"
    assert parser["server"]["host_name"] == "127.0.0.1"
    assert parser["server"]["disk_storage_path"] == str(tmp_path / "data")
    assert parser["users"]["alice"] == "s3cret"
    assert parser["write_permissions"]["*/*@*/*"] == "alice"
    assert parser["read_permissions"]["*/*@*/*"] == "alice"


def test_sdk_create_uses_the_local_header() -> None:
    args = conan.sdk_create_args(_plan())
    assert args[:2] == ["create", "/src/recipes/orthanc-sdk"]
    assert "user.orthanc_sdk:local_path=/usr/include/orthanc" in args
    assert args[args.index("--version") + 1] == conan.SDK_VERSION


def test_plugin_create_passes_python_codegen_and_jobs() -> None:
    args = conan.plugin_create_args(_plan())
    assert args[:2] == ["create", "/src/recipes/orthanc-python"]
    assert "orthanc-python/*:python_version=3.11" in args
    assert "user.orthanc_python:python_root=/py/3.11.7" in args
    assert "user.orthanc_python:codegen_python=/venv/bin/python" in args
    assert "tools.build:jobs=4" in args


def test_plugin_create_without_python_root_lets_cmake_search() -> None:
    args = conan.plugin_create_args(_plan(python_root=None))
    assert not any(a.startswith("user.orthanc_python:python_root") for a in args)


def test_install_never_builds_and_reads_the_test_remote() -> None:
    args = conan.install_args(_plan(), Path("/src/build/conan/install"))
    assert "--requires=orthanc-python/1.2.3" in args
    assert "--output-folder=/src/build/conan/install" in args
    assert "--build=never" in args
    assert args[args.index("-r") + 1] == conan.REMOTE
    assert "--format=json" in args


def test_upload_confirms_without_prompt() -> None:
    assert conan.upload_args("orthanc-sdk/*") == ["upload", "orthanc-sdk/*", "-r", conan.REMOTE, "-c"]


GRAPH = {
    "graph": {
        "nodes": {
            "0": {"ref": "conanfile", "name": None, "binary": None},
            "1": {"name": "orthanc-python", "recipe": "Downloaded", "binary": "Download",
                  "package_folder": "/p/1"},
            "2": {"name": "orthanc-sdk", "recipe": "Downloaded", "binary": "Skip",
                  "package_folder": None},
            "3": {"name": "other", "recipe": "Cache", "binary": "Cache", "package_folder": "/p/3"},
        }
    }
}


def test_find_node_and_download_check() -> None:
    plugin = conan.find_node(GRAPH, "orthanc-python")
    assert plugin is not None and plugin["package_folder"] == "/p/1"
    assert conan.downloaded_problem(plugin, "orthanc-python") is None
    sdk = conan.find_node(GRAPH, "orthanc-sdk")
    # A header-only dependency of a shared library: only its recipe is fetched.
    assert conan.downloaded_problem(sdk, "orthanc-sdk", need_binary=False) is None
    assert "'Skip'" in (conan.downloaded_problem(sdk, "orthanc-sdk") or "")
    assert "'Cache'" in (conan.downloaded_problem(conan.find_node(GRAPH, "other"), "other") or "")
    assert "not in the install graph" in (conan.downloaded_problem(None, "x") or "")


def test_binaries_by_name_counts_packages_per_recipe() -> None:
    listing: dict[str, object] = {
        conan.REMOTE: {
            "orthanc-sdk/1.10.1": {"revisions": {"r1": {"packages": {"da39": {}}}}},
            "orthanc-python/0.1.0": {
                "revisions": {"r2": {"packages": {"a": {}, "b": {}}}, "r3": {}}
            },
        },
        "other-remote": {"x/1": {"revisions": {"r": {"packages": {"p": {}}}}}},
    }
    assert conan.binaries_by_name(listing) == {"orthanc-sdk": 1, "orthanc-python": 2}
    assert conan.binaries_by_name({conan.REMOTE: {"error": "not found"}}) == {"error": 0}
    assert conan.binaries_by_name({}) == {}


def test_plugin_file_follows_the_cmake_install_rules() -> None:
    base = Path("/pkg")
    assert conan.plugin_file(base, "linux") == base / "share/orthanc/plugins/libOrthancPython.so"
    assert conan.plugin_file(base, "macos").name == "libOrthancPython.dylib"
    assert conan.plugin_file(base, "windows") == base / "bin/OrthancPython.dll"


def test_host_os() -> None:
    assert conan.host_os("linux") == "linux"
    assert conan.host_os("darwin") == "macos"
    assert conan.host_os("win32") == "windows"


def test_exported_symbols_ignores_undefined_and_versions() -> None:
    nm = (
        "0000000000012340 T OrthancPluginInitialize\n"
        "0000000000012380 T OrthancPluginGetName@@ORTHANC_1\n"
        "                 U PyErr_Print\n"
        "                 w __gmon_start__\n"
    )
    assert conan.exported_symbols(nm) == {"OrthancPluginInitialize", "OrthancPluginGetName"}


def test_conandata_pins_the_local_debian_header() -> None:
    """The pin documented in conandata.yml is the sha256 of orthanc-dev 1.10.1's header."""
    yaml = pytest.importorskip("yaml")  # comes with conan; not in the unit venv
    data = yaml.safe_load((ROOT / "recipes/orthanc-sdk/conandata.yml").read_text())
    pinned = data["sources"][conan.SDK_VERSION]
    assert len(pinned["urls"]) >= 2 and all(u.startswith("https://") for u in pinned["urls"])
    assert all(u.endswith("/OrthancCPlugin.h") and "1.10.1" in u for u in pinned["urls"])
    header = Path("/usr/include/orthanc/OrthancCPlugin.h")
    if header.is_file() and b"MINIMAL_MINOR_NUMBER     10\n" in header.read_bytes():
        assert hashlib.sha256(header.read_bytes()).hexdigest() == pinned["sha256"]


def test_plugin_recipe_requires_the_sdk_version_the_round_trip_creates() -> None:
    text = (ROOT / "recipes/orthanc-python/conanfile.py").read_text()
    assert f'SDK_VERSION = "{conan.SDK_VERSION}"' in text


def test_profiles_exist_for_every_target() -> None:
    profiles = ROOT / "recipes" / "profiles"
    for name, os_name in (
        ("linux-gcc", "Linux"),
        ("windows-msvc", "Windows"),
        ("windows-mingw", "Windows"),
        ("macos-clang", "Macos"),
    ):
        assert f"os={os_name}" in (profiles / name).read_text()
    assert "toolchain-mingw-w64-x86_64.cmake" in (profiles / "windows-mingw").read_text()


def test_redact_hides_the_server_password() -> None:
    args = ["remote", "login", "r", "u", "-p", "secret"]
    assert conan.redact(args) == ["remote", "login", "r", "u", "-p", "***"]
    assert conan.redact(["x", "--password=secret"]) == ["x", "--password=***"]
    assert conan.redact(["-o", "p"]) == ["-o", "p"]
