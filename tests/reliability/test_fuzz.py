"""Fuzzed arguments to every function and method of the `orthanc` module:
Python exceptions, never a crash.

The calls run inside the plugin (scripts/fuzz.py: POST /fuzz/call runs one
call and answers what it did); hypothesis generates the arguments here.
First a deterministic sweep gives every target the same set of wrong
arguments, then hypothesis draws targets and arguments at random.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orthanc_packaging.dicom_factory import make_dicom

from .conftest import StartQuiet
from .support import Client, script

EXAMPLES = int(os.environ.get("ORTHANC_RELIABILITY_FUZZ_EXAMPLES", "2500"))
SPECIALS = ("image", "gray_image", "dicom_instance", "dicom_bytes", "stale_output", "callable",
            "object", "module", "enum", "exception")
BOUNDARY_INTS = (0, 1, -1, 2, 255, 256, 65535, 65536, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
                 2**32 - 1, 2**32, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, 2**100, -2**100)
ODD_STRINGS = ("", "\x00", "a\x00b", "\udcff", "\ud800x", "é" * 300, "%s%n%x", "/system",
               "/instances", "/tools/find", "0" * 5000, "\U0001F600", "1.2.840.10008.1.2.1",
               "0010,0010", "PatientName", "../../../etc/passwd")

# Exceptions that mean "the plugin misused the C API" rather than "bad arguments".
BUGS = {"SystemError"}


def encode(value: Any) -> dict[str, Any]:
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, bytes):
        return {"t": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return {"t": "list", "v": [encode(item) for item in value]}
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == "<special>":
            return {"t": "special", "v": value[1]}
        return {"t": "tuple", "v": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": {key: encode(item) for key, item in value.items()}}
    raise TypeError(value)


ints = st.one_of(st.integers(-300, 300), st.sampled_from(BOUNDARY_INTS))
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from((0.0, -0.0, 1e308, float("nan"))))
texts = st.one_of(st.text(max_size=40), st.sampled_from(ODD_STRINGS))
specials = st.sampled_from(SPECIALS).map(lambda name: ("<special>", name))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts,
                    st.binary(max_size=300), specials)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.tuples(children, children),
                               st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=6)



def typed(kind: str | None) -> st.SearchStrategy[Any]:
    """Arguments of the documented type (then the plugin's own checks and
    Orthanc are reached, not only the argument parsing), or anything."""
    if kind is None:
        return values
    options = []
    for part in kind.split(" or "):
        part = part.strip()
        if part == "str":
            options.append(texts)
        elif part == "int":
            options.append(ints)
        elif part == "float":
            options.append(floats)
        elif part == "bool":
            options.append(st.booleans())
        elif part == "bytes":
            options += [st.binary(max_size=300), st.just(("<special>", "dicom_bytes"))]
        elif part == "dict":
            options.append(st.dictionaries(st.text(max_size=8), scalars, max_size=3))
        elif part == "None":
            options.append(st.none())
        elif part == "Image":
            options.append(st.sampled_from((("<special>", "image"), ("<special>", "gray_image"))))
        elif part == "DicomInstance":
            options.append(st.just(("<special>", "dicom_instance")))
        elif part[:1].isupper():  # an enumeration (int) or another class
            options += [st.integers(-2, 40), specials]
    return st.one_of(*options) if options else values


def arguments(params: list[list[str]]) -> st.SearchStrategy[list[Any]]:
    """Mostly the documented parameters with typed values; sometimes one
    less, one more, or anything."""
    exact = st.tuples(*[typed(kind) for _, kind in params]).map(list)

    def variant(mode: int) -> st.SearchStrategy[list[Any]]:
        if mode == 7:
            return exact.map(lambda args: args[:-1])
        if mode == 8:
            return st.tuples(exact, values).map(lambda pair: pair[0] + [pair[1]])
        if mode == 9:
            return st.lists(values, max_size=6)
        return exact

    return st.integers(0, 9).flatmap(variant)


class Fuzzer:
    def __init__(self, client: Client, server: Any) -> None:
        self.client = client
        self.server = server
        self.outcomes: dict[str, int] = {}
        self.crash = ""  # the first call that got no answer

    def call(self, target: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> dict:
        query = {"target": target, "args": [encode(a) for a in args],
                 "kwargs": {k: encode(v) for k, v in (kwargs or {}).items()}}
        described = f"orthanc.{target}(*{args!r:.300}, **{kwargs!r:.100})"
        if self.crash:
            pytest.fail(self.crash, pytrace=False)
        try:
            status, body = self.client.request("POST", "/fuzz/call", json.dumps(query).encode())
        except OSError as error:
            time.sleep(0.5)
            code = self.server.returncode
            self.crash = (f"no answer to {described} ({error}); Orthanc "
                          + (f"exited with code {code}" if code is not None else "still runs"))
            pytest.fail(self.crash, pytrace=False)
        if status != 200:
            pytest.fail(f"{described}: HTTP {status} {body[:300]!r}", pytrace=False)
        answer = json.loads(body)
        key = f"{answer['outcome']} {answer.get('type', '')}".strip()
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        if answer["outcome"] == "raised":
            assert answer["is_exception"], f"{described} raised {answer}"
            assert answer["type"] not in BUGS, f"{described} raised {answer}"
        return answer


SWEEP = [
    [], [None], [0], [-1], [2**64], [""], ["\udcff"], [b""], [1.5], [[]], [{}],
    [("<special>", "object")], [("<special>", "stale_output")], [("<special>", "image")],
    [("<special>", "dicom_instance")], [None, None, None], [0, 0, 0, 0], ["", "", ""],
    [("<special>", "dicom_bytes"), 0, 0], [0] * 8, [b"\x00" * 64, "", 2**31],
    [1], [2**31], [2**32 - 1], [-2**31], [0, 2**31], [2**31, 2**31, 2**31],
]


@pytest.mark.slow
def test_fuzz_every_function_and_method(quiet_orthanc: StartQuiet) -> None:
    server = quiet_orthanc(script("fuzz.py"))
    client = Client(server.setup.http_port, timeout=60)
    status, body = client.request("POST", "/fuzz/setup", make_dicom(patient_id="FUZZ"))
    assert status == 200, body
    signatures = json.loads(body)
    targets = sorted(signatures)
    assert len(targets) > 50, targets
    fuzzer = Fuzzer(client, server)

    for target in targets:  # deterministic sweep: the same wrong arguments everywhere
        for args in SWEEP:
            fuzzer.call(target, args)
        fuzzer.call(target, [], {"unexpected": 1})

    swept = dict(fuzzer.outcomes)
    fuzzer.outcomes.clear()
    call = st.sampled_from(targets).flatmap(
        lambda target: st.tuples(st.just(target), arguments(signatures[target]),
                                 st.integers(0, 9).flatmap(
                                     lambda mode: st.just({}) if mode else st.dictionaries(
                                         st.sampled_from(("uri", "body", "image", "x")),
                                         values, min_size=1, max_size=2))))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(call=call)
    def fuzz(call: tuple[str, list[Any], dict[str, Any]]) -> None:
        fuzzer.call(*call)

    fuzz()
    print(f"\n{len(targets)} targets\nsweep: {dict(sorted(swept.items()))}\n"
          f"hypothesis: {dict(sorted(fuzzer.outcomes.items()))}")
    assert server.returncode is None
    status, _ = client.request("GET", "/system")
    assert status == 200
    calls = client.json("/fuzz/stats")["calls"]
    assert calls >= len(targets) * len(SWEEP)


# Orthanc 1.10 reads argv[index + 1] without a bound check: with the upstream
# plugin, GetCommandLineArgument(2**31) is a SIGSEGV and an index equal to the
# count throws a C++ exception through libpython.  Ours checks the index.
@pytest.mark.parametrize("target", ["GetCommandLineArgument"])
def test_index_out_of_range_raises(quiet_orthanc: StartQuiet, target: str) -> None:
    server = quiet_orthanc(script("fuzz.py"))
    client = Client(server.setup.http_port)
    assert client.request("POST", "/fuzz/setup", make_dicom(patient_id="FUZZ"))[0] == 200
    for value in (1000, 2**31, 2**32 - 1):
        query = {"target": target, "args": [encode(value)], "kwargs": {}}
        try:
            status, body = client.request("POST", "/fuzz/call", json.dumps(query).encode())
        except OSError:
            server.terminate()  # already dead: keep the fixture from reporting it twice
            pytest.fail(f"orthanc.{target}({value}) crashed Orthanc", pytrace=False)
        assert status == 200, body
        answer = json.loads(body)
        assert (answer["outcome"], answer.get("type")) == ("raised", "OrthancException"), answer
