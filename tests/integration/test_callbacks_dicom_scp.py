"""DICOM SCP callbacks against the real Orthanc, driven by real DICOM peers
(pynetdicom): C-FIND (RegisterFindCallback, FindQuery, FindAnswers,
FindMatcher), modality worklists (RegisterWorklistCallback), C-MOVE
(RegisterMoveCallback and RegisterMoveCallback2, with their sub-operation
counts)."""

from __future__ import annotations

import pytest
from dicom_network import StoragePeer
from dicom_scu import c_find, c_move
from orthanc_packaging.dicom_factory import make_dataset, to_bytes
from orthanc_server import StartOrthanc
from pydicom.dataset import Dataset

# Orthanc answers C-FIND and C-MOVE from modalities of its configuration only, by default.
OPEN_SCP = {"DicomAlwaysAllowFind": True, "DicomAlwaysAllowFindWorklist": True, "DicomAlwaysAllowMove": True}

FIND = """\
import json
import orthanc

def OnFind(answers, query, issuerAet, calledAet):
    tags = []
    for i in range(query.GetFindQuerySize()):
        tags.append([query.GetFindQueryTagGroup(i), query.GetFindQueryTagElement(i),
                     query.GetFindQueryTagName(i), query.GetFindQueryValue(i)])
    print('C-FIND from %s to %s: %s' % (issuerAet, calledAet, json.dumps(tags)))
    try:
        query.GetFindQueryTagGroup(query.GetFindQuerySize())
    except orthanc.OrthancException as e:
        print('out of range: %s' % e.args[1])
    for n in range(3):
        answers.FindAddAnswer(orthanc.CreateDicom(json.dumps({
            'PatientID': 'P%d' % n,
            'StudyDescription': 'answer %d' % n,
            'StudyInstanceUID': '1.2.3.%d' % n,
            'QueryRetrieveLevel': 'STUDY',
        }), None, orthanc.CreateDicomFlags.NONE))
    answers.FindMarkIncomplete()

def OnMatch(output, uri, **request):
    query = orthanc.CreateDicom(json.dumps({'PatientID': 'P*', 'StudyDescription': '*1'}), None,
                                orthanc.CreateDicomFlags.NONE)
    matcher = orthanc.CreateFindMatcher(query)
    results = {}
    for description in ('answer 1', 'answer 2'):
        dicom = orthanc.CreateDicom(json.dumps({'PatientID': 'P7', 'StudyDescription': description}), None,
                                    orthanc.CreateDicomFlags.NONE)
        results[description] = matcher.FindMatcherIsMatch(dicom)
    output.AnswerBuffer(json.dumps(results), 'application/json')

orthanc.RegisterFindCallback(OnFind)
orthanc.RegisterRestCallback('/match', OnMatch)
"""


@pytest.mark.ours
def test_c_find_scp(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FIND, OPEN_SCP)
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = "P*"
    query.StudyDescription = ""
    query.StudyInstanceUID = ""
    status, answers = c_find(server.dicom_port, server.aet, query, calling_aet="FINDER")
    # FindMarkIncomplete(): Orthanc 1.10 ends with 0xFE00 (matching terminated).
    assert status in (0x0000, 0xFE00), hex(status)
    assert sorted(str(a.StudyDescription) for a in answers) == ["answer 0", "answer 1", "answer 2"]

    log = server.wait_for_log(r"C-FIND from FINDER to ORTHANCTEST")
    assert '[16, 32, "PatientID", "P*"]' in log  # (0010,0020), through GetFindQueryTagGroup/Element
    assert '[8, 4144, "StudyDescription", ""]' in log  # (0008,1030)
    assert "out of range: " in log

    # FindMatcher, from a REST route.
    assert server.get("/match").json() == {"answer 1": 1, "answer 2": 0}


WORKLIST = """\
import json
import orthanc

WORKLISTS = []

def OnChange(changeType, level, resource):
    pass

def MakeWorklists():
    for (patient, modality) in (('WL1', 'CT'), ('WL2', 'MR'), ('WL3', 'CT')):
        WORKLISTS.append(orthanc.CreateDicom(json.dumps({
            'PatientID': patient,
            'PatientName': 'Worklist^%s' % patient,
            'ScheduledProcedureStepSequence': [{'Modality': modality, 'ScheduledStationAETitle': 'SCANNER'}],
        }), None, orthanc.CreateDicomFlags.NONE))

def OnWorklist(answers, query, issuerAet, calledAet):
    if not WORKLISTS:
        MakeWorklists()
    print('worklist query from %s (%d bytes)' % (issuerAet, len(query.WorklistGetDicomQuery())))
    for dicom in WORKLISTS:
        if query.WorklistIsMatch(dicom):
            answers.WorklistAddAnswer(query, dicom)

orthanc.RegisterWorklistCallback(OnWorklist)
"""


def test_worklist_scp(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(WORKLIST, OPEN_SCP)
    query = Dataset()
    query.PatientID = ""
    query.PatientName = ""
    step = Dataset()
    step.Modality = "CT"
    step.ScheduledStationAETitle = ""
    query.ScheduledProcedureStepSequence = [step]
    status, answers = c_find(server.dicom_port, server.aet, query, worklist=True, calling_aet="SCANNER")
    assert status == 0x0000, hex(status)
    assert sorted(str(a.PatientID) for a in answers) == ["WL1", "WL3"]
    assert {str(a.ScheduledProcedureStepSequence[0].Modality) for a in answers} == {"CT"}
    server.wait_for_log(r"worklist query from SCANNER \(\d+ bytes\)")


MOVE_V1 = """\
import json
import orthanc

def OnMove(**request):
    print('C-MOVE %s %s to %s' % (request['Level'], request['StudyInstanceUID'], request['TargetAET']))
    study = orthanc.LookupStudy(request['StudyInstanceUID'])
    orthanc.RestApiPost('/modalities/%s/store' % request['TargetAET'].lower(),
                        json.dumps({'Resources': [study], 'Synchronous': True}))

orthanc.RegisterMoveCallback(OnMove)
try:
    orthanc.RegisterMoveCallback2(OnMove, len, print, print)
except RuntimeError as e:
    print('second C-MOVE handler refused')
"""

MOVE_V2 = """\
import json
import orthanc

class Driver:
    def __init__(self, request):
        study = orthanc.LookupStudy(request['StudyInstanceUID'])
        self.instances = json.loads(orthanc.RestApiGet('/studies/%s/instances' % study))
        self.target = request['TargetAET'].lower()
        self.applied = 0
        # A study with an instance number 99 fails on its last sub-operation.
        self.fail_last = any(i['MainDicomTags'].get('InstanceNumber') == '99' for i in self.instances)

def CreateDriver(**request):
    print('C-MOVE driver for %s' % request['StudyInstanceUID'])
    return Driver(request)

def GetMoveSize(driver):
    return len(driver.instances)

def ApplyMove(driver):
    instance = driver.instances[driver.applied]
    driver.applied += 1
    if driver.fail_last and driver.applied == len(driver.instances):
        raise RuntimeError('this sub-operation fails')
    orthanc.RestApiPost('/modalities/%s/store' % driver.target,
                        json.dumps({'Resources': [instance['ID']], 'Synchronous': True}))

def FreeMove(driver):
    print('C-MOVE driver freed after %d sub-operations' % driver.applied)

orthanc.RegisterMoveCallback2(CreateDriver, GetMoveSize, ApplyMove, FreeMove)
"""


def _study(count: int, study_uid: str, failing: int | None = None) -> list[Dataset]:
    series = f"{study_uid}.1"
    datasets = []
    for n in range(count):
        ds = make_dataset(patient_id="MOVED", study_uid=study_uid, series_uid=series, rows=8, columns=8)
        ds.InstanceNumber = 99 if n == failing else n + 1
        datasets.append(ds)
    return datasets


@pytest.mark.ours
def test_c_move_scp_one_suboperation(orthanc_server: StartOrthanc) -> None:
    peer = StoragePeer(aet="PEER").start()
    try:
        server = orthanc_server(MOVE_V1, {**OPEN_SCP, "DicomModalities": {"peer": ["PEER", "127.0.0.1", peer.port]}})
        assert "second C-MOVE handler refused" in server.log_text()
        study_uid = "1.2.826.0.1.3680043.8.498.1001"
        for ds in _study(3, study_uid):
            server.upload(to_bytes(ds))
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = study_uid
        result = c_move(server.dicom_port, server.aet, query, "PEER")
        # One Python call is one sub-operation, whatever it sent.
        assert (result.status, result.completed, result.failed) == (0x0000, 1, 0), result
        assert len(peer.wait_for(3, timeout=10)) == 3
        server.wait_for_log(rf"C-MOVE STUDY {study_uid} to PEER")
    finally:
        peer.stop()


@pytest.mark.ours
def test_c_move_scp_driver_counts_suboperations(orthanc_server: StartOrthanc) -> None:
    peer = StoragePeer(aet="PEER").start()
    try:
        server = orthanc_server(MOVE_V2, {**OPEN_SCP, "DicomModalities": {"peer": ["PEER", "127.0.0.1", peer.port]}})
        good_uid = "1.2.826.0.1.3680043.8.498.2001"
        bad_uid = "1.2.826.0.1.3680043.8.498.2002"
        for ds in _study(4, good_uid) + _study(3, bad_uid, failing=1):
            server.upload(to_bytes(ds))

        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = good_uid
        result = c_move(server.dicom_port, server.aet, query, "PEER")
        assert (result.status, result.completed, result.failed) == (0x0000, 4, 0), result
        assert len(peer.wait_for(4, timeout=10)) == 4
        server.wait_for_log(r"C-MOVE driver freed after 4 sub-operations")

        query.StudyInstanceUID = bad_uid
        result = c_move(server.dicom_port, server.aet, query, "PEER")
        # The last of the three sub-operations raised: Orthanc 1.10 answers 0xB000
        # (sub-operations complete, one or more failures), counting the three
        # sub-operations it ran (getMoveSize) as completed, one of them failed.
        assert (result.status, result.completed, result.failed) == (0xB000, 3, 1), result
        assert len(peer.wait_for(6, timeout=10)) == 6  # 4 + the 2 that did not fail
        server.wait_for_log(r"RuntimeError: this sub-operation fails")
        server.wait_for_log(r"C-MOVE driver freed after 3 sub-operations")
    finally:
        peer.stop()
