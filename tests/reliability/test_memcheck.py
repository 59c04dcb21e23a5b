"""A representative subset of the integration tests, with every Orthanc under
valgrind memcheck: no invalid access in the plugin, no definite leak from it.

The subset runs in a pytest subprocess whose harness starts Orthanc through
valgrind/orthanc-memcheck.sh (ORTHANC_BINARY), with PYTHONMALLOC=malloc so
that Python objects are separate heap blocks that memcheck can see.  Orthanc
under memcheck starts in about 10 s and answers in milliseconds: the subset
takes one to two minutes.

What counts (parse_log):
  * invalid reads, writes and frees, overlapping copies, bad syscall
    arguments, jumps to invalid addresses: when a frame of the stack is in
    the plugin or in libpython (Python objects are the plugin's business;
    Orthanc's and DCMTK's own errors are reported but do not fail);
  * uninitialised values: when the top frame is in the plugin (CPython 3.11
    has known false positives, python-orthanc.supp);
  * "definitely lost" blocks allocated through the plugin.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import orthanc_server as harness
import run_settings

HERE = Path(__file__).resolve().parent
WRAPPER = HERE / "valgrind" / "orthanc-memcheck.sh"
TESTS = HERE.parent

SUBSET = [
    "integration/test_hello_and_rest.py::test_rest_routes_with_regex_groups",
    "integration/test_request_arguments.py",
    "integration/test_errors.py::test_exception_in_rest_callback",
    "integration/test_errors.py::test_wrong_argument_types_raise_type_error",
    "integration/test_errors.py::test_exception_in_change_and_stored_callbacks",
    "integration/test_stored_instance.py::test_instance_received_through_dicom",
    "integration/test_configuration.py::test_nested_rest_call_with_and_without_allow_threads",
    "integration/test_callbacks_rest_output.py",
    "integration/test_callbacks_instances.py::test_every_dicom_instance_method",
    "reliability/test_raising.py::test_every_callback_raising_keeps_orthanc_answering",
    # POST /tools/reset, which Python outlives: the stand-in context, refused
    # calls, the scripts imported again, Python finalized at the process's exit.
    "integration/test_reset_and_reload.py::test_a_thread_of_an_ended_run_gets_orthanc_exception",
]

PLUGIN = "libOrthancPython"
PYTHON = "libpython3"
ACCESS_ERRORS = ("Invalid read", "Invalid write", "Invalid free", "Mismatched free",
                 "Source and destination overlap", "Syscall param", "Jump to the invalid",
                 "Process terminating")
UNINITIALISED = ("Conditional jump", "Use of uninitialised")


@dataclass
class Findings:
    processes: int = 0
    flagged: list[str] = field(default_factory=list)
    others: dict[str, int] = field(default_factory=dict)


def _blocks(text: str) -> list[list[str]]:
    """The records of a memcheck log, as lists of lines without the ==pid== prefix."""
    blocks, current = [], []
    for raw in text.splitlines():
        line = re.sub(r"^==\d+== ?", "", raw)
        if not line.strip():
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def parse_log(text: str, findings: Findings, name: str) -> None:
    if "ERROR SUMMARY" not in text:
        findings.flagged.append(f"{name}: no ERROR SUMMARY (valgrind did not finish)")
        return
    findings.processes += 1
    for block in _blocks(text):
        head = block[0]
        frames = [line.strip() for line in block[1:] if re.match(r"\s+(at|by) 0x", line)]
        in_plugin = any(PLUGIN in f for f in frames)
        in_python = any(PYTHON in f for f in frames)
        top = frames[0] if frames else ""
        summary = f"{head} | {re.sub(r'^(at|by) 0x[0-9A-F]+: ', '', top)}"
        if "definitely lost in loss record" in head:
            if in_plugin:
                findings.flagged.append(f"{name}: {head}\n  " + "\n  ".join(frames[:15]))
            else:
                findings.others[summary] = findings.others.get(summary, 0) + 1
        elif head.startswith(ACCESS_ERRORS):
            if in_plugin or in_python:
                findings.flagged.append(f"{name}: {head}\n  " + "\n  ".join(frames[:15]))
            else:
                findings.others[summary] = findings.others.get(summary, 0) + 1
        elif head.startswith(UNINITIALISED):
            if PLUGIN in top:
                findings.flagged.append(f"{name}: {head}\n  " + "\n  ".join(frames[:15]))
            else:
                findings.others[summary] = findings.others.get(summary, 0) + 1


def test_parse_log_flags_only_the_plugin() -> None:
    """The parser itself, on a made-up log."""
    log = """==1== Invalid read of size 8
==1==    at 0x1: Wrap_RestOutput (in /x/libOrthancPython.so)
==1==    by 0x2: main (in /usr/sbin/Orthanc)
==1==
==1== Invalid write of size 4
==1==    at 0x3: DcmItem::foo (in /usr/lib/libdcmdata.so)
==1==
==1== Conditional jump or move depends on uninitialised value(s)
==1==    at 0x4: maybe_small_long (in /usr/lib/libpython3.11.so.1.0)
==1==    by 0x5: StartPython (in /x/libOrthancPython.so)
==1==
==1== 24 bytes in 1 blocks are definitely lost in loss record 3 of 9
==1==    at 0x6: malloc (in vgpreload_memcheck.so)
==1==    by 0x7: HandleRest (in /x/libOrthancPython.so)
==1==
==1== ERROR SUMMARY: 3 errors from 3 contexts
"""
    findings = Findings()
    parse_log(log, findings, "made-up")
    assert len(findings.flagged) == 2
    assert "Invalid read" in findings.flagged[0] and "definitely lost" in findings.flagged[1]
    assert len(findings.others) == 2


@pytest.mark.slow
def test_integration_subset_under_memcheck(tmp_path: Path) -> None:
    root = os.environ.get("ORTHANC_TESTS_ROOT")
    if root:
        # The wrapper enters the root with unshare and chroot: valgrind started
        # on the host would check that shell, not Orthanc (it does not follow exec).
        pytest.skip(f"Orthanc runs inside the Debian {root} root: memcheck checks this "
                    "host's Orthanc only (the tests session runs it there)")
    assert shutil.which("valgrind"), "valgrind is missing: apt-get install -y valgrind"
    assert run_settings.plugin_path().is_file(), run_settings.MISSING_PLUGIN_MESSAGE
    logs = tmp_path / "memcheck"
    logs.mkdir()
    env = dict(os.environ, ORTHANC_BINARY=str(WRAPPER), MEMCHECK_LOG_DIR=str(logs), ORTHANC_TEST_START_TIMEOUT="180",
               MEMCHECK_ORTHANC=str(harness.ORTHANC_BINARY),
               ORTHANC_PYTHON_PLUGIN=str(run_settings.plugin_path()))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *[str(TESTS / item) for item in SUBSET]],
        cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"the subset failed under memcheck:\n{run.stdout[-6000:]}"

    findings = Findings()
    for path in sorted(logs.glob("memcheck.*.log")):
        parse_log(path.read_text(encoding="utf-8", errors="replace"), findings, path.name)
    print(f"\n{findings.processes} Orthanc processes checked; not the plugin's: "
          f"{findings.others or 'nothing'}")
    assert findings.processes >= len(SUBSET)
    assert findings.flagged == [], "\n\n".join(findings.flagged[:10])
