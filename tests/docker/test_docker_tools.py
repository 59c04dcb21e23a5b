"""packaging/orthanc_packaging/docker/ without a daemon: names, the build
context, the wheel mirror, the debootstrap slimming, the limits."""

from __future__ import annotations

import io
import re
import stat
import tarfile
import types
from pathlib import Path

import pytest
from orthanc_packaging.roots import SUITES

ROOT = Path(__file__).resolve().parents[2]


def test_tag_carries_plugin_python_and_base(docker_tools: types.ModuleType) -> None:
    assert docker_tools.image_tag("4.1.0", "3.11", "bookworm") == "orthanc-python:4.1.0-py3.11-bookworm"


def test_image_matrix_comes_from_the_suite_table(docker_tools: types.ModuleType) -> None:
    tags = docker_tools.image_matrix("4.1.0")
    assert [(t.tag, t.default) for t in tags] == [
        ("orthanc-python:4.1.0-py3.13-trixie", True),
        ("orthanc-python:4.1.0-py3.14-forky", False),
        ("orthanc-python:4.1.0-py3.11-bookworm", False),
    ]
    args = docker_tools.build_args(SUITES["forky"], "4.1.0")
    assert args["BASE_IMAGE"] == "debian:forky-slim" and args["PYTHON_VERSION"] == "3.14"
    assert args["BUILD_JOBS"] == "2"


def test_dockerfile_defaults_match_the_default_tag(docker_tools: types.ModuleType) -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    default = SUITES[docker_tools.IMAGE_SUITES[0]]
    assert text.count(f"ARG PYTHON_VERSION={default.python}\n") == 2  # builder and runtime


def test_base_image_is_read_from_the_dockerfile(docker_tools: types.ModuleType) -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    # A plain `docker build` of the Dockerfile gives the default tag's suite.
    assert docker_tools.dockerfile_base_image(text) == f"debian:{docker_tools.IMAGE_SUITES[0]}-slim"
    assert docker_tools.dockerfile_base_image("ARG B=debian:trixie-slim\nFROM $B AS x\n") == "debian:trixie-slim"
    with pytest.raises(ValueError, match="no ARG default"):
        docker_tools.dockerfile_base_image("ARG B\nFROM ${B}\n")


@pytest.mark.parametrize("image, suite", [("debian:bookworm-slim", "bookworm"), ("debian:trixie", "trixie")])
def test_debian_suite(docker_tools: types.ModuleType, image: str, suite: str) -> None:
    assert docker_tools.debian_suite(image) == suite


def test_debian_suite_refuses_other_images(docker_tools: types.ModuleType) -> None:
    with pytest.raises(ValueError):
        docker_tools.debian_suite("ubuntu:24.04")


@pytest.fixture(scope="module")
def ignore_text() -> str:
    return (ROOT / "docker" / "Dockerfile.dockerignore").read_text()


@pytest.mark.parametrize("path, sent", [
    ("CMakeLists.txt", True), ("VERSION", True), ("src/Plugin.cpp", True),
    ("codegen/templates/x.j2", True), ("docker/entrypoint.py", True),
    ("build/libOrthancPython.so", False), (".nox/lint/bin/ruff", False), ("dist/x.so", False),
    (".git/HEAD", False), ("noxfile.py", False), ("tests/conftest.py", False),
    ("docker/examples/pydicom/Dockerfile", False), ("src/__pycache__/x.pyc", False),
    ("codegen/x.pyc", False),
])
def test_context_allow_list(docker_tools: types.ModuleType, ignore_text: str, path: str,
                            sent: bool) -> None:
    assert docker_tools.context_filter(ignore_text)(path) is sent


def test_context_holds_every_copy_source_of_the_dockerfile(docker_tools: types.ModuleType,
                                                           ignore_text: str) -> None:
    files = docker_tools.context_files(ROOT, ignore_text)
    assert not any(f.startswith(("build/", ".nox/", ".git/", "dist/")) for f in files)
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text().replace("\\\n", " ")
    sources = []
    for line in dockerfile.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    assert sources
    for source in sources:
        assert any(f == source or f.startswith(source.rstrip("/") + "/") for f in files), source


def test_context_tar_starts_with_a_file_and_applies_changes(docker_tools: types.ModuleType,
                                                            tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "entrypoint.py").write_text("print(1)\n")
    (tmp_path / "VERSION").write_text("1.2.3\n")
    (tmp_path / "VERSION").chmod(0o640)
    snapshot = docker_tools.snapshot_context(tmp_path, ["VERSION", "docker/entrypoint.py"])
    # Edits after the snapshot (others work in the tree) do not reach the builds.
    (tmp_path / "VERSION").write_text("9.9.9\n")
    buffer = io.BytesIO()
    docker_tools.write_context_tar(snapshot, buffer, {"docker/entrypoint.py": b"print(2)\n"})
    # The docker CLI tells a tar from a Dockerfile by its first header.
    assert buffer.getvalue()[:7] == b"VERSION"
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile("docker/entrypoint.py").read() == b"print(2)\n"  # type: ignore[union-attr]
        assert tar.extractfile("VERSION").read() == b"1.2.3\n"  # type: ignore[union-attr]
    assert stat.S_IMODE(members["VERSION"].mode) == 0o640
    assert {m.uid for m in members.values()} == {0}
    # The snapshot itself is left as it was, for the next build.
    again = io.BytesIO()
    docker_tools.write_context_tar(snapshot, again)
    again.seek(0)
    with tarfile.open(fileobj=again) as tar:
        assert tar.extractfile("docker/entrypoint.py").read() == b"print(1)\n"  # type: ignore[union-attr]


def test_simple_index_lists_wheels_with_hashes(docker_tools: types.ModuleType, tmp_path: Path) -> None:
    (tmp_path / "MarkupSafe-3.0.4-cp311-cp311-manylinux2014_x86_64.whl").write_bytes(b"a")
    (tmp_path / "jinja2-3.1.6-py3-none-any.whl").write_bytes(b"b")
    (tmp_path / "notes.txt").write_text("not a distribution")
    simple = docker_tools.write_simple_index(tmp_path)
    assert sorted(p.name for p in simple.iterdir() if p.is_dir()) == ["jinja2", "markupsafe"]
    page = (simple / "markupsafe" / "index.html").read_text()
    sha_of_a = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    assert f'href="../../MarkupSafe-3.0.4-cp311-cp311-manylinux2014_x86_64.whl#sha256={sha_of_a}"' in page
    assert 'href="markupsafe/"' in (simple / "index.html").read_text()


def test_manylinux_platforms_reach_old_tags(docker_tools: types.ModuleType) -> None:
    tags = docker_tools.manylinux_platforms("x86_64")
    # libclang 18.1.1 ships manylinux2010 wheels only.
    assert {"manylinux_2_36_x86_64", "manylinux_2_17_x86_64", "manylinux2010_x86_64"} <= set(tags)
    assert not any("aarch64" in t for t in tags)


def test_slim_rootfs(docker_tools: types.ModuleType, tmp_path: Path) -> None:
    for folder in ("usr/sbin", "etc/apt", "usr/share/doc/bash", "usr/share/man/man1",
                   "var/lib/apt/lists", "var/cache/apt/archives"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "usr/share/doc/bash/copyright").write_text("GPL")
    (tmp_path / "usr/share/doc/bash/changelog.gz").write_text("long")
    (tmp_path / "usr/share/man/man1/bash.1.gz").write_text("man")
    (tmp_path / "var/lib/apt/lists/deb.debian.org_Packages").write_text("big")
    (tmp_path / "var/cache/apt/archives/x.deb").write_text("deb")
    (tmp_path / "etc/apt/sources.list").write_text("deb http://deb.debian.org/debian bookworm main\n")
    docker_tools.slim_rootfs(tmp_path, "bookworm")
    policy = tmp_path / "usr/sbin/policy-rc.d"
    assert policy.stat().st_mode & 0o111 and "exit 101" in policy.read_text()
    assert [p.name for p in (tmp_path / "usr/share/doc/bash").iterdir()] == ["copyright"]
    assert not any((tmp_path / "usr/share/man").iterdir())
    assert [p.name for p in (tmp_path / "var/lib/apt/lists").iterdir()] == ["partial"]
    assert not (tmp_path / "var/cache/apt/archives/x.deb").exists()
    assert not (tmp_path / "etc/apt/sources.list").exists()
    sources = (tmp_path / "etc/apt/sources.list.d/debian.sources").read_text()
    assert "Suites: bookworm bookworm-updates" in sources
    assert "URIs: http://deb.debian.org/debian-security" in sources
    assert "path-include /usr/share/doc/*/copyright" in (tmp_path / "etc/dpkg/dpkg.cfg.d/docker-slim").read_text()
    assert not (tmp_path / "etc/apt/apt.conf.d/99no-check-valid-until").exists()


def test_slim_testing_rootfs_ignores_valid_until(docker_tools: types.ModuleType, tmp_path: Path) -> None:
    for folder in ("usr/sbin", "etc/apt"):
        (tmp_path / folder).mkdir(parents=True)
    docker_tools.slim_rootfs(tmp_path, "forky")
    assert "Check-Valid-Until" in (tmp_path / "etc/apt/apt.conf.d/99no-check-valid-until").read_text()


def test_missing_packages(docker_tools: types.ModuleType) -> None:
    def which_only(*present: str):  # type: ignore[no-untyped-def]
        return lambda name: f"/usr/bin/{name}" if name in present else None

    assert docker_tools.missing_packages(which_only("docker", "dockerd", "debootstrap")) == []
    # A docker client without its daemon (this machine before apt-get).
    assert docker_tools.missing_packages(which_only("docker")) == ["docker.io", "debootstrap"]
    assert docker_tools.missing_packages(which_only("docker"), need_daemon=False,
                                         need_debootstrap=False) == []


def test_build_command_reads_the_context_from_stdin(docker_tools: types.ModuleType) -> None:
    spec = docker_tools.BuildSpec(ROOT, "docker/Dockerfile", "orthanc-python:1-py3.11-bookworm",
                                  {"PIP_INDEX_URL": "http://127.0.0.1:1/simple/"}, ("orthanc-python:latest",))
    cmd = spec.command()
    assert cmd[-1] == "-" and cmd[cmd.index("-f") + 1] == "docker/Dockerfile"
    assert "--build-arg" in cmd and "PIP_INDEX_URL=http://127.0.0.1:1/simple/" in cmd
    assert cmd.count("-t") == 2


def test_limits(docker_tools: types.ModuleType) -> None:
    default = docker_tools.TagReport("trixie", "t:1", default=True, size=240_000_000)
    other = docker_tools.TagReport("forky", "t:2", size=320_000_000)  # only the default is held to it
    m = docker_tools.Measurements([default, other], rebuild_seconds=1.0, example_rebuild_seconds=0.5)
    assert docker_tools.check_limits(m) == []
    default.size, m.rebuild_seconds = 301_000_000, 31.0
    problems = docker_tools.check_limits(m)
    assert len(problems) == 2 and re.search(r"301 MB, over 300 MB", problems[0])
    assert any("320 MB" in line for line in m.lines())
