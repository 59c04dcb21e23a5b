"""Hand-written functions of the SDK 1.11.3 - 1.12.10 against the real Orthanc:
the DICOM SCP callbacks that receive the DicomConnection (RegisterFindCallback2,
RegisterWorklistCallback2, RegisterMoveCallback3,
RegisterStorageCommitmentScpCallback2) driven by real DICOM peers
(pynetdicom), RegisterStorageArea3 with custom data, RegisterHttpAuthentication,
RegisterAuditLogHandler and CreateJob2.

Each test needs the plugin built against an SDK header that has the function
and an Orthanc that has it: it is skipped otherwise, with the reason."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Mapping, Optional

import pytest
from dicom_network import StoragePeer
from dicom_scu import CommitmentPeer, c_find, c_move
from orthanc_packaging.dicom_factory import make_dataset, orthanc_instance_id, to_bytes
from orthanc_server import OrthancServer, StartOrthanc
from pydicom.dataset import Dataset

OPEN_SCP = {"DicomAlwaysAllowFind": True, "DicomAlwaysAllowFindWorklist": True, "DicomAlwaysAllowMove": True}


def _version_key(version: str) -> tuple[int, ...]:
    if version == "mainline":
        return (999,)
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def _require(server: OrthancServer, release: str, function: str,
             headers: Optional[Mapping[str, str]] = None) -> None:
    """Skip unless the running Orthanc is `release` or newer and the plugin has `function`."""
    # From the log first: GET /system may need the very authentication under test.
    logged = re.search(r"Orthanc version: (\S+)", server.log_text())
    version = logged.group(1) if logged else server.get("/system", headers=dict(headers or {})).json()["Version"]
    if _version_key(version) < _version_key(release):
        pytest.skip(f"orthanc.{function} needs Orthanc >= {release}; the Orthanc under test is {version}")
    if f"missing {function}" in server.log_text():
        pytest.skip(f"the plugin is built against an SDK header older than {release}: no orthanc.{function}")


# The scripts print "missing X" when the plugin does not have X (older SDK
# header), and leave X alone when the running Orthanc is older than `release`
# (it would raise at import and stop Orthanc: the test then skips).
GUARD = """\
import json
import orthanc
def Has(name, release):
    if not hasattr(orthanc, name):
        print('missing %s' % name)
        return False
    return bool(orthanc.CheckVersionAdvanced(*[int(part) for part in release.split('.')]))
"""

# --- C-FIND and worklists with the connection ----------------------------------------

FIND2 = GUARD + """\

def OnFind(answers, query, connection):
    print('C-FIND2 from %s at %s to %s' % (connection.GetConnectionRemoteAet(),
                                           connection.GetConnectionRemoteIp(),
                                           connection.GetConnectionCalledAet()))
    answers.FindAddAnswer(orthanc.CreateDicom(json.dumps({
        'PatientID': 'P1', 'StudyInstanceUID': '1.2.3.1', 'QueryRetrieveLevel': 'STUDY',
        'StudyDescription': connection.GetConnectionRemoteAet(),
    }), None, orthanc.CreateDicomFlags.NONE))
    global KEPT
    KEPT = connection

def AfterCall(output, uri, **request):
    try:
        KEPT.GetConnectionRemoteAet()
        output.AnswerBuffer('usable', 'text/plain')
    except Exception as e:
        output.AnswerBuffer('invalidated: %s' % type(e).__name__, 'text/plain')

def OnWorklist(answers, query, connection):
    print('worklist2 from %s at %s to %s' % (connection.GetConnectionRemoteAet(),
                                             connection.GetConnectionRemoteIp(),
                                             connection.GetConnectionCalledAet()))
    dicom = orthanc.CreateDicom(json.dumps({
        'PatientID': 'WL1',
        'ScheduledProcedureStepSequence': [{'Modality': 'CT',
                                            'ScheduledStationAETitle': connection.GetConnectionRemoteAet()}],
    }), None, orthanc.CreateDicomFlags.NONE)
    if query.WorklistIsMatch(dicom):
        answers.WorklistAddAnswer(query, dicom)

if Has('RegisterFindCallback2', '1.12.10'):
    orthanc.RegisterFindCallback2(OnFind)
    orthanc.RegisterWorklistCallback2(OnWorklist)
    orthanc.RegisterRestCallback('/after', AfterCall)
"""


@pytest.mark.ours
def test_find_and_worklist_callbacks_see_the_connection(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FIND2, OPEN_SCP)
    _require(server, "1.12.10", "RegisterFindCallback2")

    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = ""
    query.StudyDescription = ""
    status, answers = c_find(server.dicom_port, server.aet, query, calling_aet="FINDER2")
    assert status == 0x0000, hex(status)
    assert [str(a.StudyDescription) for a in answers] == ["FINDER2"]
    server.wait_for_log(r"C-FIND2 from FINDER2 at 127\.0\.0\.1 to ORTHANCTEST")
    # The connection is borrowed: unusable once the callback has returned.
    assert server.get("/after").text.startswith("invalidated")

    wl = Dataset()
    wl.PatientID = ""
    step = Dataset()
    step.Modality = "CT"
    step.ScheduledStationAETitle = ""
    wl.ScheduledProcedureStepSequence = [step]
    status, answers = c_find(server.dicom_port, server.aet, wl, worklist=True, calling_aet="SCANNER2")
    assert status == 0x0000, hex(status)
    assert [str(a.ScheduledProcedureStepSequence[0].ScheduledStationAETitle) for a in answers] == ["SCANNER2"]
    server.wait_for_log(r"worklist2 from SCANNER2 at 127\.0\.0\.1 to ORTHANCTEST")


# --- C-MOVE with the connection ----------------------------------------------------------

MOVE3 = GUARD + """\

class Driver:
    def __init__(self, request):
        connection = request['Connection']
        self.origin = (connection.GetConnectionRemoteAet(), connection.GetConnectionRemoteIp(),
                       connection.GetConnectionCalledAet())
        study = orthanc.LookupStudy(request['StudyInstanceUID'])
        self.instances = json.loads(orthanc.RestApiGet('/studies/%s/instances' % study))
        self.target = request['TargetAET'].lower()
        self.applied = 0
        print('C-MOVE3 %s of %s from %s at %s to %s' % (request['Level'], request['StudyInstanceUID'],
                                                         *self.origin))

def GetMoveSize(driver):
    return len(driver.instances)

def ApplyMove(driver):
    instance = driver.instances[driver.applied]
    driver.applied += 1
    orthanc.RestApiPost('/modalities/%s/store' % driver.target,
                        json.dumps({'Resources': [instance['ID']], 'Synchronous': True}))

def FreeMove(driver):
    print('C-MOVE3 driver freed after %d sub-operations' % driver.applied)

if Has('RegisterMoveCallback3', '1.12.10'):
    orthanc.RegisterMoveCallback3(lambda **request: Driver(request), GetMoveSize, ApplyMove, FreeMove)
"""


@pytest.mark.ours
def test_move_callback3_sees_the_connection(orthanc_server: StartOrthanc) -> None:
    peer = StoragePeer(aet="PEER").start()
    try:
        server = orthanc_server(MOVE3, {**OPEN_SCP, "DicomModalities": {"peer": ["PEER", "127.0.0.1", peer.port]}})
        _require(server, "1.12.10", "RegisterMoveCallback3")
        study_uid = "1.2.826.0.1.3680043.8.498.3001"
        for n in range(2):
            ds = make_dataset(patient_id="MOVED", study_uid=study_uid, series_uid=study_uid + ".1", rows=8, columns=8)
            ds.InstanceNumber = n + 1
            server.upload(to_bytes(ds))
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = study_uid
        result = c_move(server.dicom_port, server.aet, query, "PEER", calling_aet="MOVER3")
        assert (result.status, result.completed, result.failed) == (0x0000, 2, 0), result
        assert len(peer.wait_for(2, timeout=10)) == 2
        server.wait_for_log(rf"C-MOVE3 STUDY of {study_uid} from MOVER3 at 127\.0\.0\.1 to ORTHANCTEST")
        server.wait_for_log(r"C-MOVE3 driver freed after 2 sub-operations")
    finally:
        peer.stop()


# --- storage commitment with the connection ------------------------------------------------

COMMITMENT2 = GUARD + """\

def OnCommitment(jobId, transactionUid, sopClassUids, sopInstanceUids, connection):
    print('commitment2 %s from %s at %s to %s: %d' % (transactionUid, connection.GetConnectionRemoteAet(),
                                                      connection.GetConnectionRemoteIp(),
                                                      connection.GetConnectionCalledAet(), len(sopInstanceUids)))
    return {'job': jobId}

def OnLookup(sopClassUid, sopInstanceUid, driver):
    print('lookup2 %s' % sopInstanceUid)
    if sopInstanceUid.endswith('.2'):
        return orthanc.StorageCommitmentFailureReason.NO_SUCH_OBJECT_INSTANCE
    return orthanc.StorageCommitmentFailureReason.SUCCESS

if Has('RegisterStorageCommitmentScpCallback2', '1.12.10'):
    orthanc.RegisterStorageCommitmentScpCallback2(OnCommitment, OnLookup)
"""


@pytest.mark.ours
def test_storage_commitment_callback2_sees_the_connection(orthanc_server: StartOrthanc) -> None:
    peer = CommitmentPeer().start()
    try:
        server = orthanc_server(COMMITMENT2, {"DicomModalities": {"committer": [peer.aet, "127.0.0.1", peer.port]}})
        _require(server, "1.12.10", "RegisterStorageCommitmentScpCallback2")
        sop_class = "1.2.840.10008.5.1.4.1.1.7"
        instances = [(sop_class, f"1.2.826.0.1.3680043.8.498.78.{n}") for n in (1, 2)]
        transaction = "1.2.826.0.1.3680043.8.498.5100"
        assert peer.request(server.dicom_port, server.aet, transaction, instances) == 0x0000
        report = peer.wait_for_report(timeout=15)
        assert str(report.TransactionUID) == transaction
        assert [str(i.ReferencedSOPInstanceUID) for i in report.ReferencedSOPSequence] == [instances[0][1]]
        assert {str(i.ReferencedSOPInstanceUID): int(i.FailureReason)
                for i in report.FailedSOPSequence} == {instances[1][1]: 0x0112}
        server.wait_for_log(rf"commitment2 {transaction} from {peer.aet} at 127\.0\.0\.1 to ORTHANCTEST: 2")
        server.wait_for_log(r"lookup2 ", count=2)
    finally:
        peer.stop()


# --- storage area with custom data -------------------------------------------------------------

STORAGE3 = GUARD + """\
import os
FOLDER = FOLDER_PATH

def OnCreate(uuid, contentType, compressionType, content, dicomInstance):
    # The custom data is the file name, chosen here and handed back by Orthanc.
    name = 'file-%s-%d' % (uuid[:8], contentType)
    with open(os.path.join(FOLDER, name), 'wb') as f:
        f.write(content)
    print('storage3: created %s compression=%d dicom=%s' % (
        name, compressionType, 'yes:' + dicomInstance.GetInstanceRemoteAet() if dicomInstance else 'no'))
    return (orthanc.ErrorCode.SUCCESS, name.encode())

def OnRead(uuid, contentType, rangeStart, size, customData):
    print('storage3: read %s %d+%d' % (customData.decode(), rangeStart, size))
    with open(os.path.join(FOLDER, customData.decode()), 'rb') as f:
        f.seek(rangeStart)
        return (orthanc.ErrorCode.SUCCESS, f.read(size))

def OnRemove(uuid, contentType, customData):
    os.remove(os.path.join(FOLDER, customData.decode()))
    print('storage3: removed %s' % customData.decode())
    return orthanc.ErrorCode.SUCCESS

if Has('RegisterStorageArea3', '1.12.8'):
    orthanc.RegisterStorageArea3(OnCreate, OnRead, OnRemove)
    try:
        orthanc.RegisterStorageArea3(OnCreate, OnRead, OnRemove)
    except RuntimeError:
        print('second storage area refused')
"""


@pytest.mark.ours
def test_storage_area3_with_custom_data(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    folder = tmp_path / "area3"
    folder.mkdir()
    server = orthanc_server(STORAGE3.replace("FOLDER_PATH", repr(str(folder))), {"MaximumStorageCacheSize": 0})
    _require(server, "1.12.8", "RegisterStorageArea3")
    assert "second storage area refused" in server.log_text()

    ds = make_dataset(patient_id="AREA3", rows=16, columns=16)
    dicom = to_bytes(ds)
    instance_id = server.upload(dicom)["ID"]
    assert instance_id == orthanc_instance_id(ds)
    files = {f.name: f.read_bytes() for f in folder.iterdir()}
    assert dicom in files.values()
    server.wait_for_log(r"storage3: created file-\w+-\d+ compression=\d+ dicom=yes:")

    # Read back: the read callback finds the file through the custom data only.
    assert server.get(f"/instances/{instance_id}/file").content == dicom
    server.wait_for_log(r"storage3: read file-\w+-\d+ 0\+\d+")

    assert server.delete(f"/instances/{instance_id}").status_code == 200
    server.wait_for_log(r"storage3: removed file-\w+-\d+")
    assert not [f for f in folder.iterdir() if f.read_bytes() == dicom]


# --- HTTP authentication -------------------------------------------------------------------------

AUTHENTICATION = GUARD + """\
def Authenticate(uri, **request):
    token = request['headers'].get('authorization', '')
    if token == 'Bearer good-token':
        return (orthanc.HttpAuthenticationStatus.GRANTED, 'user=alice')
    if token == 'Bearer login':
        return (orthanc.HttpAuthenticationStatus.REDIRECT, '/app/login.html')
    if token == 'Bearer forbidden':
        return orthanc.HttpAuthenticationStatus.FORBIDDEN
    if token == 'Bearer bool':
        return False  # == GRANTED as an int: must be refused
    if token == 'Bearer raise':
        raise RuntimeError('authentication backend down')
    if token == 'Bearer garbage':
        return ('granted', None)
    return orthanc.HttpAuthenticationStatus.UNAUTHORIZED

if Has('RegisterHttpAuthentication', '1.12.9'):
    orthanc.RegisterHttpAuthentication(Authenticate)
"""


@pytest.mark.ours
def test_http_authentication_admits_one_token(orthanc_server: StartOrthanc) -> None:
    good = {"Authorization": "Bearer good-token"}
    server = orthanc_server(AUTHENTICATION, {"AuthenticationEnabled": True})
    _require(server, "1.12.9", "RegisterHttpAuthentication", headers=good)

    assert server.get("/system", headers=good).status_code == 200
    assert server.get("/patients", headers=good).json() == []
    for token in ("", "Bearer bad", "Bearer bool", "Bearer raise", "Bearer garbage"):
        r = server.get("/system", headers={"Authorization": token} if token else {})
        assert r.status_code == 401, (token, r.status_code)
    assert server.get("/system", headers={"Authorization": "Bearer forbidden"}).status_code == 403
    r = server.get("/system", headers={"Authorization": "Bearer login"}, allow_redirects=False)
    assert r.status_code == 307 and r.headers["Location"].endswith("/app/login.html"), (r.status_code, r.headers)
    server.wait_for_log(r"authentication backend down")


# --- audit logs ------------------------------------------------------------------------------------

AUDIT = GUARD + """\
def OnAudit(sourcePlugin, userId, resourceType, resourceId, action, logData):
    print('audit: %s %s %d %s %s %r' % (sourcePlugin, userId, resourceType, resourceId, action, logData))

def Emit(output, uri, **request):
    orthanc.EmitAuditLog('python-test', 'alice', orthanc.ResourceType.STUDY, 'study-1', 'viewed', b'{"n": 1}')
    output.AnswerBuffer('ok', 'text/plain')

if Has('RegisterAuditLogHandler', '1.12.9'):
    orthanc.RegisterAuditLogHandler(OnAudit)
    orthanc.RegisterAuditLogHandler(lambda *args: print('second audit handler: %s' % args[4]))
    orthanc.RegisterRestCallback('/emit', Emit)
"""


@pytest.mark.ours
def test_audit_log_handler_receives_entries(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(AUDIT)
    _require(server, "1.12.9", "RegisterAuditLogHandler")
    assert server.get("/emit").text == "ok"
    server.wait_for_log(r"audit: python-test alice 1 study-1 viewed b'\{\"n\": 1\}'")
    server.wait_for_log(r"second audit handler: viewed")


# --- CreateJob2 ---------------------------------------------------------------------------------------

JOB2 = GUARD + """\

class Job:
    def __init__(self):
        self.steps = 0
    def Step(self):
        self.steps += 1
        return orthanc.JobStepStatus.SUCCESS if self.steps == 3 else orthanc.JobStepStatus.CONTINUE
    def Stop(self, reason):
        pass
    def Reset(self):
        self.steps = 0
    def GetProgress(self):
        return self.steps / 3
    def GetContent(self):
        return {'steps': self.steps, 'kind': 'v2'}
    def GetSerialized(self):
        return {'steps': self.steps}

def Submit(output, uri, **request):
    job = orthanc.CreateJob2(Job(), 'PythonJob2')
    output.AnswerBuffer(job.SubmitJob(0), 'text/plain')

if Has('CreateJob2', '1.11.3'):
    orthanc.RegisterRestCallback('/submit', Submit)
"""


@pytest.mark.ours
def test_create_job2(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(JOB2)
    _require(server, "1.11.3", "CreateJob2")
    job_id = server.get("/submit").text
    deadline = time.monotonic() + 20
    while True:
        job: dict[str, Any] = server.get(f"/jobs/{job_id}").json()
        if job["State"] in ("Success", "Failure") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["State"] == "Success", job
    assert job["Type"] == "PythonJob2"
    assert job["Content"] == {"steps": 3, "kind": "v2"}
