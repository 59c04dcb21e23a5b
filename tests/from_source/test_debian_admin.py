"""README's "Building from source", run as a Debian admin would: verbatim, as
root, in clean Debian 12 and 13 roots (no pyenv, no pip into the system
Python), then the plugin loaded by that suite's Orthanc.

Each suite has a pristine minbase root made once with debootstrap (cached,
never written to); every run mounts an overlay over it in a private mount
namespace, so it starts clean and costs no copy. The repository's tracked
files are copied to /usr/local/src/orthanc-python inside, as a clone would be.

The commands come from README.md's code blocks, so the README and this test
cannot drift apart. The code generated there with Debian's libclang is then
compared with what PyPI's pinned libclang generates from the same header.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from orthanc_packaging import roots, system
from orthanc_packaging.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


# suite -> the python3 it must embed without -DPYTHON_VERSION
SUITES = {"bookworm": "3.11", "trixie": "3.13"}
SOURCE_INSIDE = "/usr/local/src/orthanc-python"
GENERATED = ("coverage.json", "model.json", "coverage.md", "orthanc.pyi", "OrthancFunctions.cpp",
             "OrthancClasses.cpp", "OrthancEnums.cpp", "OrthancGenerated.h")
HELLO = """import orthanc

print('Hello world!')

def OnRest(output, uri, **request):
    output.AnswerBuffer('ok\\n', 'text/plain')

orthanc.RegisterRestCallback('/(to)(t)o', OnRest)
"""
# An admin's root shell: nothing of the caller's environment (pyenv, venvs,
# CMAKE_*, PIP_*) gets in.
CLEAN_ENV = [
    "env", "-i", "HOME=/root", "LANG=C.UTF-8", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    # no dialogs from apt; the README's plain `cmake --build` on both cores
    "DEBIAN_FRONTEND=noninteractive", "CMAKE_BUILD_PARALLEL_LEVEL=2",
]
BUILD_TIMEOUT = 900
START_TIMEOUT = 60


def readme_blocks(readme: Path = ROOT / "README.md") -> list[list[str]]:
    """The shell blocks of the "Building from source" section, as lists of
    command lines (comments and blank lines dropped)."""
    text = readme.read_text(encoding="utf-8")
    section = re.search(r"^## Building from source\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## Building from source' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
    return [[line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
            for block in blocks]


def test_readme_blocks_build_then_load() -> None:
    build, load = readme_blocks()
    assert any(line.startswith("apt-get ") and " install " in line for line in build)
    assert build[-1] == "cmake -S . -B build && cmake --build build && cmake --install build"
    assert any(line.startswith("systemctl ") for line in load)


def test_overlay_command_mounts_the_overlay_first(tmp_path: Path) -> None:
    command = roots.overlay_command(Path("/pristine"), tmp_path, ["true"])
    script = command[-1]
    assert command[:4] == ["unshare", "--mount", "--propagation", "private"]
    assert script.startswith(f"mount -t overlay overlay -o lowerdir=/pristine,upperdir={tmp_path}/upper,"
                             f"workdir={tmp_path}/work {tmp_path}/root && ")
    assert script.index("-t overlay") < script.index("-t proc") < script.index(f"chroot {tmp_path}/root")
    assert all((tmp_path / name).is_dir() for name in ("root", "upper", "work"))


def _copy_sources(target: Path) -> None:
    """The tracked files as they are in the working tree (what a clone holds)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _pinned_libclang() -> str:
    for line in (ROOT / "codegen" / "requirements.txt").read_text().splitlines():
        if line.lower().startswith("libclang=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError("codegen/requirements.txt pins no libclang")


def _reference(header: Path, output: Path) -> None:
    """The generator's output for `header` with PyPI's pinned libclang (this
    test's own Python, the nox session's venv)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("libclang")
    except PackageNotFoundError:
        found = "none"
    assert found == _pinned_libclang(), (
        f"the reference needs PyPI's libclang {_pinned_libclang()} in {sys.executable} (found {found}): "
        "run this test with python3 -m nox -s from-source")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "codegen", "--no-cache", "--header", str(header),
                    "--output-dir", str(output)], env=env, check=True, capture_output=True, text=True)


def _tail(path: Path, lines: int = 60) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def as_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: debootstrap, chroot and overlay mounts (run python3 -m nox -s from-source as root)")
    system.ensure_packages(("debootstrap",))


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_readme_from_source(suite: str, as_root: None, tmp_path: Path) -> None:
    pristine = roots.ensure_root(suite, ROOT, base=roots.roots_dir() / "pristine").path
    scratch = tmp_path / "overlay"
    upper = scratch / "upper"
    source = upper / SOURCE_INSIDE.lstrip("/")
    source.mkdir(parents=True)
    _copy_sources(source)
    # dpkg without an fsync per file, as in Debian's Docker images: the
    # installs take minutes otherwise on a busy disk, and this root is thrown away.
    speedup = upper / "etc/dpkg/dpkg.cfg.d/unsafe-io"
    speedup.parent.mkdir(parents=True)
    speedup.write_text("force-unsafe-io\n")
    log = tmp_path / "build.log"
    build, load = readme_blocks()
    http_port, dicom_port = free_port(), free_port()

    # The README's blocks, then what the test needs: the hello world script,
    # and free ports instead of 8042/4242 (the machine runs other Orthancs).
    # systemctl is left out: there is no systemd in a chroot; the test
    # starts Orthanc below as the service does.
    script = "\n".join([
        "set -ex", f"cd {SOURCE_INSIDE}", *build,
        *(line for line in load if not line.startswith("systemctl ")),
        f"cat > /etc/orthanc/hello.py <<'EOF'\n{HELLO}EOF",
        f"sed -i -e 's/\"HttpPort\" : 8042/\"HttpPort\" : {http_port}/' "
        f"-e 's/\"DicomPort\" : 4242/\"DicomPort\" : {dicom_port}/' /etc/orthanc/orthanc.json",
        f"grep -q '\"HttpPort\" : {http_port}' /etc/orthanc/orthanc.json",
        f"grep -q '\"DicomPort\" : {dicom_port}' /etc/orthanc/orthanc.json",
    ])
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(roots.overlay_command(pristine, scratch, [*CLEAN_ENV, "sh", "-c", script]),
                                stdout=out, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT, check=False)
    built = time.monotonic() - started
    assert result.returncode == 0, f"README's commands failed in the {suite} root:\n{_tail(log)}"
    text = log.read_text(errors="replace")

    # Without -DPYTHON_VERSION: the suite's python3; the generator: Debian's.
    embedded = re.search(r"OrthancPython \S+: Python (\d+\.\d+)\.\d+ \((\S+)\)", text)
    assert embedded and embedded.group(1) == SUITES[suite], text[-3000:]
    generator = re.search(r"-- Code generator: (\S+) \((.*)\)", text)
    assert generator and generator.group(1).startswith("/usr/bin/python3"), text[-3000:]
    assert "/usr/lib/python3/dist-packages/clang/" in generator.group(2)
    assert (upper / "usr/local/share/orthanc/plugins/libOrthancPython.so").is_file()

    # The same header through PyPI's pinned libclang: the same code.
    reference = tmp_path / "reference"
    _reference(upper / "usr/include/orthanc/OrthancCPlugin.h", reference)
    generated = source / "build" / "generated"
    differing = [n for n in GENERATED if (generated / n).read_bytes() != (reference / n).read_bytes()]
    ours = json.loads((generated / "coverage.json").read_text())
    pinned = json.loads((reference / "coverage.json").read_text())
    print(f"{suite}: SDK {ours['sdk_version']}: Debian's {generator.group(2)}: wrapped {ours['wrapped']} of "
          f"{ours['total']}; PyPI's libclang {_pinned_libclang()}: wrapped {pinned['wrapped']} of "
          f"{pinned['total']}; built in {built:.0f} s")
    assert ours == pinned
    assert not differing, f"Debian's libclang generated other {differing} than PyPI's {_pinned_libclang()}"

    # Orthanc of that suite, from its own configuration folder, as its service
    # user (setpriv execs: the PID is Orthanc's).
    orthanc_log = tmp_path / "orthanc.log"
    serve = [*CLEAN_ENV, "setpriv", "--reuid=orthanc", "--regid=orthanc", "--init-groups",
             "/usr/sbin/Orthanc", "/etc/orthanc/"]
    with orthanc_log.open("w") as out:
        server = subprocess.Popen(roots.overlay_command(pristine, scratch, serve),
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{http_port}"
        plugins = _wait_json(f"{base}/plugins", server, orthanc_log)
        assert "python" in plugins, f"plugin not loaded: {plugins}\n{_tail(orthanc_log)}"
        with urllib.request.urlopen(f"{base}/toto", timeout=10) as answer:
            assert answer.read() == b"ok\n"
        assert "Hello world!" in orthanc_log.read_text(errors="replace"), _tail(orthanc_log)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # The overlay holds a whole Debian install (~1 GB): kept only when a test failed.
    shutil.rmtree(scratch)


def _wait_json(url: str, server: subprocess.Popen[bytes], log: Path) -> object:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"Orthanc exited ({server.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return json.loads(answer.read())
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"Orthanc did not answer {url} within {START_TIMEOUT} s:\n{_tail(log)}")

