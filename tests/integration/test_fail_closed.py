"""Callback results Orthanc acts on are checked strictly and fail closed
(src/callbacks/CallbackResult.h): a value of the wrong type refuses,
discards or fails, never succeeds, and logs one line naming the callback,
the type and what was expected.  And every REST request gets an answer."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

import pytest
from dicom_network import StoragePeer, c_store
from dicom_scu import c_find, c_move
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orthanc_packaging.dicom_factory import make_dataset, make_dicom, to_bytes
from orthanc_server import OrthancServer, StartOrthanc
from pydicom.dataset import Dataset

from .test_callbacks_dicom_scp import OPEN_SCP
from .test_callbacks_jobs import _wait_job

# Evaluated in the embedded Python: VALUE(expression) -> the object a callback returns.
PRELUDE = """\
import json
import re
import orthanc

class RaisingBool:
    # Asking for its truth or its int raises: the plugin must not ask.
    def _raise(self, *args):
        raise RuntimeError('RaisingBool was asked for its value')
    __bool__ = __index__ = __int__ = __float__ = __len__ = _raise

class Truthy:
    # Truthy and int-like, yet neither a bool nor an int.
    def __bool__(self):
        return True
    def __index__(self):
        return 0
    __int__ = __index__

NAMESPACE = {'RaisingBool': RaisingBool, 'Truthy': Truthy, 'orthanc': orthanc,
             'nan': float('nan'), 'inf': float('inf')}

def VALUE(expression):
    return eval(expression, dict(NAMESPACE))

def Select(values, text, prefix):
    # The value named in `text` after `prefix` (a URI, a PatientID...).
    match = re.search(prefix + r'([a-z0-9_]+)', text)
    return VALUE(values[match.group(1)]) if match else None
"""

# Wrong results where a bool is expected (the upstream plugin also refuses
# anything but a bool from the HTTP filter, so do we: even 1 and 0).
NOT_BOOLS = {
    "str_no": "'no'", "str_empty": "''", "none": "None", "int_1": "1", "int_0": "0", "float": "1.5",
    "raising": "RaisingBool()", "truthy": "Truthy()", "list": "[True]", "tuple": "(True,)",
}


def _one_line_each(log: str, where: Any, names: Any, types: dict[str, str]) -> None:
    """Each wrong value logged once, on one line, with the callback, its type and what was expected."""
    expected = Counter((where(name) if callable(where) else where, types[name]) for name in names)
    for (place, type_name), count in expected.items():
        pattern = rf"{place} returned {re.escape(type_name)} \(expected .*\); "
        lines = [line for line in log.splitlines() if re.search(pattern, line)]
        assert len(lines) == count, (place, type_name, count, lines)


TYPES = {"str_no": "str", "str_empty": "str", "none": "NoneType", "int_1": "int 1", "int_0": "int 0",
         "float": "float", "raising": "RaisingBool", "truthy": "Truthy", "list": "list", "tuple": "tuple"}


# --- HTTP request filter -----------------------------------------------------------

HTTP_FILTER = PRELUDE + """
VALUES = json.loads(%r)

def Filter(uri, **request):
    if uri.startswith('/probe/'):
        return Select(VALUES, uri, '/probe/')
    return True

def Probe(output, uri, **request):
    output.AnswerBuffer('admitted', 'text/plain')

orthanc.RegisterIncomingHttpRequestFilter(Filter)
orthanc.RegisterRestCallback('/probe/(.*)', Probe)
"""


def test_http_filter_refuses_what_is_not_a_bool(orthanc_server: StartOrthanc) -> None:
    values = {**NOT_BOOLS, "true": "True", "false": "False"}
    server = orthanc_server(HTTP_FILTER % json.dumps(values))
    assert server.get("/probe/true").text == "admitted"
    assert server.get("/probe/false").status_code == 403
    for name in NOT_BOOLS:
        r = server.get(f"/probe/{name}")
        assert r.status_code == 500, (name, r.status_code, r.text)
        assert "admitted" not in r.text
    log = server.log_text()
    _one_line_each(log, lambda name: rf"the incoming HTTP request filter \(for /probe/{name}\)", NOT_BOOLS, TYPES)
    assert "RaisingBool was asked" not in log
    assert "Traceback" not in log  # one line each, no Python exception behind them
    assert server.get("/system").status_code == 200


# --- hypothesis: arbitrary values from the filter ------------------------------------

FUZZED_FILTER = PRELUDE + """
RESULT = {'expression': 'False'}

def Filter(uri, **request):
    if uri == '/probe':
        return VALUE(RESULT['expression'])
    return True

def SetResult(output, uri, **request):
    RESULT['expression'] = request['body'].decode()
    output.AnswerBuffer('set', 'text/plain')

def Probe(output, uri, **request):
    output.AnswerBuffer('admitted', 'text/plain')

orthanc.RegisterIncomingHttpRequestFilter(Filter)
orthanc.RegisterRestCallback('/result', SetResult)
orthanc.RegisterRestCallback('/probe', Probe)
"""


def _literal(value: Any) -> str:
    """Python source for `value` (floats that repr cannot round-trip through eval included)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(_literal(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


_scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
            | st.binary(max_size=8) | st.complex_numbers(allow_nan=False, allow_infinity=False))
_values = st.recursive(_scalars, lambda children: st.lists(children, max_size=3)
                       | st.tuples(children, children)
                       | st.dictionaries(st.text(max_size=4), children, max_size=3), max_leaves=6)
_specials = st.sampled_from(["RaisingBool()", "Truthy()", "orthanc", "object()", "lambda: True", "bool",
                             "NotImplemented", "Ellipsis", "[RaisingBool()]", "(True, True)", "{True: True}"])
# (expression, the HTTP status the filter's result must give: 200 for True only)
_results = (_values.map(lambda v: (_literal(v), 200 if v is True else 403 if v is False else 500))
            | _specials.map(lambda e: (e, 500)))


def test_http_filter_admits_only_true_for_arbitrary_values(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FUZZED_FILTER)
    assert server.post("/result", data=b"True").text == "set"
    assert server.get("/probe").text == "admitted"
    seen = {"admitted": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(_results)
    def check(result: tuple[str, int]) -> None:
        expression, status = result
        assert server.post("/result", data=expression.encode()).text == "set"
        r = server.get("/probe")
        assert r.status_code == status, (expression, r.status_code)
        assert ("admitted" in r.text) == (status == 200), (expression, r.text)
        seen["admitted" if status == 200 else "refused"] += 1

    check()
    assert server.returncode is None
    assert server.get("/system").status_code == 200
    assert seen["refused"] > 0, seen


# --- incoming instances: received instance, C-STORE filter, DICOM instance filter ---

RECEIVED = PRELUDE + """
VALUES = json.loads(%r)

def OnReceived(dicom, origin):
    return Select(VALUES, dicom.decode('latin-1'), 'RI_')

orthanc.RegisterReceivedInstanceCallback(OnReceived)
"""

NOT_RECEIVED_ACTIONS = {
    "str": "'keep'", "none": "None", "float": "1.5", "short_tuple": "(1,)", "long_tuple": "(1, None, None)",
    "bool_action": "(True, None)", "str_action": "('1', None)", "unknown_action": "(99, None)",
    "raising_action": "(RaisingBool(), None)", "list": "[1, None]",
    "modify_str": "(orthanc.ReceivedInstanceAction.MODIFY, 'not bytes')",
    "modify_none": "(orthanc.ReceivedInstanceAction.MODIFY, None)", "bare_modify": "orthanc.ReceivedInstanceAction.MODIFY",
}


def _patient_ids(server: OrthancServer) -> set[str]:
    return {p["MainDicomTags"]["PatientID"] for p in server.get("/patients?expand").json()}


def test_received_instance_callback_discards_on_wrong_result(orthanc_server: StartOrthanc) -> None:
    values = {**NOT_RECEIVED_ACTIONS, "keep": "(orthanc.ReceivedInstanceAction.KEEP_AS_IS, None)",
              "discard": "(orthanc.ReceivedInstanceAction.DISCARD, None)"}
    server = orthanc_server(RECEIVED % json.dumps(values))
    assert server.upload(make_dicom(patient_id="RI_keep"))["Status"] == "Success"
    assert server.upload(make_dicom(patient_id="RI_discard"))["Status"] == "FilteredOut"
    for name in NOT_RECEIVED_ACTIONS:
        r = server.post("/instances", data=make_dicom(patient_id=f"RI_{name}"))
        assert r.status_code == 200 and r.json()["Status"] == "FilteredOut", (name, r.status_code, r.text)
    # By C-STORE too (Orthanc answers success to the peer for a discarded instance).
    c_store(server.dicom_port, server.aet, [make_dataset(patient_id="RI_str")])
    assert _patient_ids(server) == {"RI_keep"}
    log = server.log_text()
    lines = [line for line in log.splitlines() if "the received instance callback" in line]
    assert len(lines) == len(NOT_RECEIVED_ACTIONS) + 1, lines
    assert all("the instance is discarded" in line and "(expected " in line for line in lines), lines
    assert "RaisingBool was asked" not in log
    assert "Traceback" not in log


INSTANCE_FILTERS = PRELUDE + """
VALUES = json.loads(%r)

def CStoreFilter(dicom):
    pid = json.loads(dicom.GetInstanceSimplifiedJson())['PatientID']
    return Select(VALUES, pid, 'CS_') if pid.startswith('CS_') else 0

def InstanceFilter(dicom):
    pid = json.loads(dicom.GetInstanceSimplifiedJson())['PatientID']
    return Select(VALUES, pid, 'DF_') if pid.startswith('DF_') else True

orthanc.RegisterIncomingCStoreInstanceFilter(CStoreFilter)
orthanc.RegisterIncomingDicomInstanceFilter(InstanceFilter)
"""

# The C-STORE filter returns 0 (store) or a DIMSE status: an int.  bool is
# refused: False would store what a filter returning "False" meant to refuse.
NOT_STATUSES = {
    "str_zero": "'0'", "none": "None", "float_zero": "0.0", "false": "False", "true": "True", "float": "1.5",
    "negative": "-1", "too_big": "0x10000", "raising": "RaisingBool()", "truthy": "Truthy()",
}
STATUS_TYPES = {"str_zero": "str", "none": "NoneType", "float_zero": "float", "false": "bool", "true": "bool",
                "float": "float", "negative": "int -1", "too_big": "int 65536", "raising": "RaisingBool",
                "truthy": "Truthy"}


def test_cstore_and_instance_filters_refuse_wrong_results(orthanc_server: StartOrthanc) -> None:
    values = {**NOT_STATUSES, **NOT_BOOLS, "store": "0", "refuse": "0xA700", "yes": "True", "no": "False"}
    server = orthanc_server(INSTANCE_FILTERS % json.dumps(values))
    statuses = c_store(server.dicom_port, server.aet,
                       [make_dataset(patient_id=f"CS_{name}") for name in ("store", "refuse", *NOT_STATUSES)])
    assert statuses[:2] == [0, 0xA700]
    for name, status in zip(NOT_STATUSES, statuses[2:]):
        assert status not in (0, -1), (name, hex(status))  # refused, with a DIMSE failure status

    assert server.upload(make_dicom(patient_id="DF_yes"))["Status"] == "Success"
    assert server.upload(make_dicom(patient_id="DF_no"))["Status"] == "FilteredOut"
    for name in NOT_BOOLS:
        r = server.post("/instances", data=make_dicom(patient_id=f"DF_{name}"))
        assert r.status_code != 200 or r.json()["Status"] == "FilteredOut", (name, r.status_code, r.text)
    assert _patient_ids(server) == {"CS_store", "DF_yes"}
    log = server.log_text()
    _one_line_each(log, "the incoming C-STORE instance filter", NOT_STATUSES, STATUS_TYPES)
    _one_line_each(log, "the incoming DICOM instance filter", NOT_BOOLS, TYPES)
    assert "RaisingBool was asked" not in log
    assert "Traceback" not in log


# --- storage area reads ----------------------------------------------------------

STORAGE = PRELUDE + """
FILES = {}
READ = {'expression': None}

def Create(uuid, contentType, data):
    FILES[uuid] = bytes(data)

def Read(uuid, contentType):
    if READ['expression'] is not None:
        return VALUE(READ['expression'])
    return FILES[uuid]

def Remove(uuid, contentType):
    FILES.pop(uuid, None)

def SetRead(output, uri, **request):
    READ['expression'] = request['body'].decode() or None
    output.AnswerBuffer('set', 'text/plain')

orthanc.RegisterStorageArea(Create, Read, Remove)
orthanc.RegisterRestCallback('/read-result', SetRead)
"""

NOT_CONTENTS = {"str": "'text'", "none": "None", "int": "1", "list": "[1, 2]",
                "strided": "memoryview(b'abcdef')[::2]", "raising": "RaisingBool()"}


def test_storage_area_read_fails_on_wrong_result(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(STORAGE, {"MaximumStorageCacheSize": 0})
    instance = server.upload(make_dicom(patient_id="STORED"))["ID"]
    good = server.get(f"/instances/{instance}/file")
    assert good.status_code == 200 and good.content[128:132] == b"DICM"
    for name, expression in NOT_CONTENTS.items():
        assert server.post("/read-result", data=expression.encode()).text == "set"
        r = server.get(f"/instances/{instance}/file")
        assert r.status_code == 500, (name, r.status_code)
    assert server.post("/read-result", data=b"").text == "set"
    assert server.get(f"/instances/{instance}/file").content == good.content
    lines = [line for line in server.log_text().splitlines() if "the storage area (read) returned" in line]
    assert len(lines) == len(NOT_CONTENTS), lines
    assert all("(expected bytes)" in line for line in lines)
    assert "Traceback" not in server.log_text()


# --- C-FIND, worklist, C-MOVE ------------------------------------------------------

SCP = PRELUDE + """
RESULT = {'expression': 'None'}

def SetResult(output, uri, **request):
    RESULT['expression'] = request['body'].decode()
    output.AnswerBuffer('set', 'text/plain')

def OnFind(answers, query, issuerAet, calledAet):
    answers.FindAddAnswer(orthanc.CreateDicom(json.dumps({'PatientID': 'F1'}), None, orthanc.CreateDicomFlags.NONE))
    return VALUE(RESULT['expression'])

def OnWorklist(answers, query, issuerAet, calledAet):
    return VALUE(RESULT['expression'])

def CreateDriver(**request):
    return {'applied': 0}

def GetMoveSize(driver):
    return VALUE(RESULT['expression'])

def ApplyMove(driver):
    print('applyMove called')

def FreeMove(driver):
    pass

orthanc.RegisterRestCallback('/scp-result', SetResult)
orthanc.RegisterFindCallback(OnFind)
orthanc.RegisterWorklistCallback(OnWorklist)
orthanc.RegisterMoveCallback2(CreateDriver, GetMoveSize, ApplyMove, FreeMove)
"""


def _find_query() -> Dataset:
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = "*"
    query.StudyInstanceUID = ""
    return query


def test_dicom_scp_handlers_fail_on_wrong_results(orthanc_server: StartOrthanc) -> None:
    peer = StoragePeer(aet="PEER").start()
    try:
        server = orthanc_server(SCP, {**OPEN_SCP, "DicomModalities": {"peer": ["PEER", "127.0.0.1", peer.port]}})
        worklist = Dataset()
        worklist.PatientID = "*"
        move = Dataset()
        move.QueryRetrieveLevel = "STUDY"
        move.StudyInstanceUID = "1.2.3"

        status, answers = c_find(server.dicom_port, server.aet, _find_query())
        assert (status, len(answers)) == (0, 1)
        assert c_find(server.dicom_port, server.aet, worklist, worklist=True)[0] == 0

        # Handlers answer through `answers`: a returned value (answers that would be lost) fails.
        for expression in ("['F2']", "True", "0", "RaisingBool()"):
            assert server.post("/scp-result", data=expression.encode()).text == "set"
            assert c_find(server.dicom_port, server.aet, _find_query())[0] not in (0, -1), expression
            assert c_find(server.dicom_port, server.aet, worklist, worklist=True)[0] not in (0, -1), expression

        # getMoveSize: an int; anything else fails the C-MOVE (0 sub-operations would be a success).
        assert server.post("/scp-result", data=b"0").text == "set"
        assert c_move(server.dicom_port, server.aet, move, "PEER").status == 0
        for expression in ("'3'", "None", "1.5", "True", "-1", "RaisingBool()"):
            assert server.post("/scp-result", data=expression.encode()).text == "set"
            result = c_move(server.dicom_port, server.aet, move, "PEER")
            assert result.status not in (0, -1) and result.failed == 1, (expression, result)
        log = server.log_text()
        assert "applyMove called" not in log
        assert len(re.findall(r"the C-FIND SCP callback returned .*\(expected None", log)) == 4
        assert len(re.findall(r"the worklist callback returned .*\(expected None", log)) == 4
        assert len(re.findall(r"the C-MOVE SCP callback \(getMoveSize\) returned .*\(expected int", log)) == 6
        assert "RaisingBool was asked" not in log
    finally:
        peer.stop()


# --- decoder and transcoder --------------------------------------------------------

CODECS = PRELUDE + """
RESULT = {'expression': 'None'}

def SetResult(output, uri, **request):
    RESULT['expression'] = request['body'].decode()
    output.AnswerBuffer('set', 'text/plain')

def Decode(dicom, frame):
    return VALUE(RESULT['expression']) if b'PYCODEC' in dicom else None

def Transcode(dicom, syntaxes, allowNewSopInstanceUid):
    return VALUE(RESULT['expression']) if b'PYCODEC' in dicom else None

orthanc.RegisterRestCallback('/codec-result', SetResult)
orthanc.RegisterDecodeImageCallback(Decode)
orthanc.RegisterTranscoderCallback(Transcode)
"""


def test_decoder_and_transcoder_fail_on_wrong_results(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(CODECS)
    wrong = ("'image'", "b'not an image'", "1", "True", "RaisingBool()")
    for expression in wrong:
        assert server.post("/codec-result", data=expression.encode()).text == "set"
        # a new instance each time: Orthanc 1.12+ keeps decoded frames in a cache
        instance = server.upload(to_bytes(make_dataset(patient_id="PYCODEC", rows=8, columns=8, bits=8)))["ID"]
        server.get(f"/instances/{instance}/frames/0/image-uint8", headers={"Accept": "image/png"})
        server.post(f"/instances/{instance}/modify", json={"Transcode": "1.2.840.10008.1.2", "Force": True})
    log = server.log_text()
    assert len(re.findall(r"the decode image callback returned .*\(expected an orthanc\.Image or None\); "
                          r"the frame is not decoded", log)) >= len(wrong), log[-3000:]
    # Bytes are a transcoded file (not checked further here); the other four are not.
    assert len(re.findall(r"the transcoder callback returned .*\(expected bytes or None\); "
                          r"the instance is not transcoded", log)) >= len(wrong) - 1
    assert "RaisingBool was asked" not in log
    assert server.get("/system").status_code == 200


# --- jobs ------------------------------------------------------------------------

JOBS = PRELUDE + """
class Job:
    def __init__(self, expression):
        self.expression = expression
    def Step(self):
        return VALUE(self.expression)
    def Stop(self, reason):
        pass
    def Reset(self):
        pass

def Submit(output, uri, **request):
    job = orthanc.CreateJob(Job(request['body'].decode()), 'FailClosed')
    output.AnswerBuffer(json.dumps({'id': job.SubmitJob(0)}), 'application/json')

orthanc.RegisterRestCallback('/job', Submit)
"""

NOT_STEP_STATUSES = {"true": "True", "str": "'1'", "float": "1.0", "none": "None", "zero": "0", "four": "4",
                     "raising": "RaisingBool()", "truthy": "Truthy()"}


def test_job_step_fails_on_wrong_result(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(JOBS)
    ok = server.post("/job", data=b"orthanc.JobStepStatus.SUCCESS").json()["id"]
    assert _wait_job(server, ok, ("Success", "Failure"))["State"] == "Success"
    for name, expression in NOT_STEP_STATUSES.items():
        job = server.post("/job", data=expression.encode()).json()["id"]
        assert _wait_job(server, job, ("Success", "Failure"))["State"] == "Failure", name
    lines = [line for line in server.log_text().splitlines()
             if re.search(r"the job FailClosed \(Step\) returned .*\(expected an orthanc\.JobStepStatus\); "
                          r"the job fails", line)]
    assert len(lines) == len(NOT_STEP_STATUSES), lines


# --- WebDAV ------------------------------------------------------------------------

WEBDAV = PRELUDE + """
RESULT = {'expression': 'True'}

def SetResult(output, uri, **request):
    RESULT['expression'] = request['body'].decode()
    output.AnswerBuffer('set', 'text/plain')

def Result(*args):
    return VALUE(RESULT['expression'])

def ListFolder(path):
    return VALUE(RESULT['expression']) if path else ([], [])

orthanc.RegisterRestCallback('/dav-result', SetResult)
orthanc.RegisterWebDavCollection('/dav', Result, ListFolder, Result, Result, Result, Result)
"""


def test_webdav_callbacks_fail_on_wrong_results(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(WEBDAV)
    assert server.put("/dav/a/file.bin", data=b"x").status_code in (200, 201, 204)
    for name, expression in NOT_BOOLS.items():
        assert server.post("/dav-result", data=expression.encode()).text == "set"
        r = server.put("/dav/a/file.bin", data=b"x")
        assert r.status_code >= 400, (name, r.status_code)
        r = server.request("MKCOL", "/dav/a/new")
        assert r.status_code >= 400, (name, r.status_code)
        r = server.get("/dav/a/file.bin")
        assert r.status_code >= 400, (name, r.status_code)
    lines = server.log_text().splitlines()
    for callback in ("storeFile", "createFolder"):
        found = [line for line in lines if f"the WebDAV collection /dav/ ({callback}) returned" in line
                 or f"the WebDAV collection /dav ({callback}) returned" in line]
        assert len(found) == len(NOT_BOOLS), (callback, found)
    assert not any("RaisingBool was asked" in line for line in lines)
    assert server.get("/system").status_code == 200


# --- REST callbacks that do not answer --------------------------------------------

ROUTES = """\
import json
import orthanc

def Silent(output, uri, **request):
    pass

def HeaderOnly(output, uri, **request):
    output.SetHttpHeader('X-Half', 'done')

def Answered(output, uri, **request):
    output.AnswerBuffer('answered', 'text/plain')

def Big(output, uri, **request):
    output.AnswerBuffer('x' * 200000, 'text/plain')

def Status(output, uri, **request):
    output.SendHttpStatusCode(204)

def NestedThenSilent(output, uri, **request):
    orthanc.RestApiGetAfterPlugins('/answered')  # the inner route's answer is not this one's

def NestedThenAnswer(output, uri, **request):
    output.AnswerBuffer(orthanc.RestApiGetAfterPlugins('/answered'), 'text/plain')

def ChunkedSilent(output, uri, **request):
    pass

class SilentReader:
    def AddChunk(self, chunk):
        pass
    def Execute(self, output):
        pass

class Reader:
    def AddChunk(self, chunk):
        pass
    def Execute(self, output):
        output.AnswerBuffer('read', 'text/plain')

orthanc.RegisterRestCallback('/silent', Silent)
orthanc.RegisterRestCallback('/header-only', HeaderOnly)
orthanc.RegisterRestCallback('/answered', Answered)
orthanc.RegisterRestCallback('/big', Big)
orthanc.RegisterRestCallback('/status', Status)
orthanc.RegisterRestCallback('/nested-silent', NestedThenSilent)
orthanc.RegisterRestCallback('/nested', NestedThenAnswer)
orthanc.RegisterChunkedRestCallback('/chunked-silent', ChunkedSilent, lambda uri, **request: SilentReader(),
                                    None, None)
orthanc.RegisterChunkedRestCallback('/chunked', None, lambda uri, **request: Reader(), None, None)
"""


@pytest.mark.ours
def test_rest_callback_without_answer_gets_500(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ROUTES)
    assert server.get("/answered").text == "answered"
    assert len(server.get("/big").content) == 200000
    assert server.get("/status").status_code == 204
    assert server.get("/nested").text == "answered"
    assert server.post("/chunked", data=b"body").text == "read"
    silent = {"/silent": "GET", "/header-only": "GET", "/nested-silent": "GET", "/chunked-silent": "GET"}
    for path, method in silent.items():
        r = server.request(method, path)
        assert r.status_code == 500, (path, r.status_code)
        assert "returned without answering" in r.text, (path, r.text)
    r = server.post("/chunked-silent", data=b"body")
    assert r.status_code == 500 and "returned without answering" in r.text, r.text
    log = server.log_text()
    for where in ("the REST callback for /silent", "the REST callback for /header-only",
                  "the REST callback for /nested-silent", "the chunked REST callback for /chunked-silent",
                  "the chunked REST reader (Execute) for /chunked-silent"):
        assert log.count(f"{where} returned without answering; HTTP 500 sent") == 1, where
    # The routes that answered (/answered, /big, /status, /nested, /chunked) logged nothing.
    assert log.count("returned without answering") == 5
