"""Callbacks on incoming instances, against the real Orthanc, with uploads
through the REST API and through C-STORE from a real DICOM peer (pynetdicom):
RegisterReceivedInstanceCallback (keep, modify, discard),
RegisterIncomingCStoreInstanceFilter, RegisterIncomingDicomInstanceFilter;
and every method of orthanc.DicomInstance."""

from __future__ import annotations

import re

import pytest
from orthanc_packaging.dicom_factory import make_dataset, make_dicom, orthanc_instance_id, to_bytes
from dicom_network import c_store
from orthanc_server import StartOrthanc

FILTERS = """\
import io
import json
import orthanc
import pydicom

def OnReceived(receivedDicom, origin):
    ds = pydicom.dcmread(io.BytesIO(receivedDicom))
    pid = str(ds.PatientID)
    print('received %s from origin %d' % (pid, origin))
    if pid.startswith('DISCARD'):
        return orthanc.ReceivedInstanceAction.DISCARD, None
    if pid.startswith('MODIFY'):
        ds.PatientName = 'Modified^ByPython'
        buffer = io.BytesIO()
        ds.save_as(buffer)
        return orthanc.ReceivedInstanceAction.MODIFY, buffer.getvalue()
    if pid == 'RAISE':
        raise ValueError('received instance callback failed')
    return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None

def CStoreFilter(dicom):
    pid = json.loads(dicom.GetInstanceSimplifiedJson())['PatientID']
    print('C-STORE filter saw %s from %s' % (pid, dicom.GetInstanceRemoteAet()))
    return 0xA700 if pid == 'REFUSED' else 0

def InstanceFilter(dicom):
    return json.loads(dicom.GetInstanceSimplifiedJson())['PatientID'] != 'FILTERED'

orthanc.RegisterReceivedInstanceCallback(OnReceived)
orthanc.RegisterIncomingCStoreInstanceFilter(CStoreFilter)
orthanc.RegisterIncomingDicomInstanceFilter(InstanceFilter)

# Only one of each.
for register in (orthanc.RegisterReceivedInstanceCallback, orthanc.RegisterIncomingCStoreInstanceFilter,
                 orthanc.RegisterIncomingDicomInstanceFilter):
    try:
        register(OnReceived)
    except RuntimeError as e:
        print('second registration refused: %s' % e)
"""


def _patients(server) -> dict[str, str]:
    """PatientID -> PatientName of the stored patients."""
    return {p["MainDicomTags"]["PatientID"]: p["MainDicomTags"]["PatientName"]
            for p in server.get("/patients?expand").json()}


@pytest.mark.ours
def test_received_instance_and_filters(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FILTERS)
    assert server.log_text().count("second registration refused: ") == 3

    # REST API (origin 3 = InstanceOrigin.REST_API).
    for pid in ("KEEP", "DISCARD1", "MODIFY1", "FILTERED", "RAISE"):
        r = server.post("/instances", data=make_dicom(patient_id=pid))
        assert r.status_code == 200, (pid, r.text)
        if pid in ("DISCARD1", "FILTERED"):
            assert r.json()["Status"] == "FilteredOut", pid

    # C-STORE from a real DICOM SCU (origin 2 = InstanceOrigin.DICOM_PROTOCOL).
    statuses = {pid: c_store(server.dicom_port, server.aet, [make_dataset(patient_id=pid)])[0]
                for pid in ("KEEP2", "DISCARD2", "MODIFY2", "FILTERED", "REFUSED")}
    assert statuses["REFUSED"] == 0xA700  # the DIMSE status the filter chose
    assert statuses["KEEP2"] == statuses["MODIFY2"] == 0

    assert _patients(server) == {
        "KEEP": "Doe^John", "MODIFY1": "Modified^ByPython", "RAISE": "Doe^John",  # an error keeps it as is
        "KEEP2": "Doe^John", "MODIFY2": "Modified^ByPython",
    }
    log = server.log_text()
    assert "received KEEP from origin 3" in log
    assert "received KEEP2 from origin 2" in log
    assert "C-STORE filter saw KEEP2 from TESTSCU" in log
    assert "C-STORE filter saw KEEP\n" not in log  # REST uploads do not reach the C-STORE filter
    assert re.search(r"ValueError: received instance callback failed", log)


DICOM_INSTANCE = """\
import json
import orthanc

RESULTS = {}
KEPT = []

def Describe(dicom):
    frame = dicom.GetInstanceDecodedFrame(0)
    return {
        'size': dicom.GetInstanceSize(),
        'data_length': len(dicom.GetInstanceData()),
        'data_prefix': dicom.GetInstanceData()[128:132].decode(),
        'remote_aet': dicom.GetInstanceRemoteAet(),
        'origin': dicom.GetInstanceOrigin(),
        'transfer_syntax': dicom.GetInstanceTransferSyntaxUid(),
        'has_pixel_data': dicom.HasInstancePixelData(),
        'frames': dicom.GetInstanceFramesCount(),
        'raw_frame_length': len(dicom.GetInstanceRawFrame(0)),
        'decoded': [frame.GetImageWidth(), frame.GetImageHeight(), frame.GetImagePixelFormat()],
        'simplified': json.loads(dicom.GetInstanceSimplifiedJson())['PatientID'],
        'json': json.loads(dicom.GetInstanceJson())['0010,0020']['Value'],
        'advanced': json.loads(dicom.GetInstanceAdvancedJson(orthanc.DicomToJsonFormat.SHORT,
                                                             orthanc.DicomToJsonFlags.NONE, 0))['0010,0020'],
        'serialized_length': len(dicom.SerializeDicomInstance()),
        'dicomweb_json': json.loads(dicom.GetInstanceDicomWebJson())['00100020']['Value'],
        'dicomweb_xml': '<DicomAttribute' in dicom.GetInstanceDicomWebXml(),
        'has_metadata': dicom.HasInstanceMetadata('IndexInSeries'),
    }

def OnStored(dicom, instanceId):
    RESULTS[instanceId] = Describe(dicom)
    if dicom.HasInstanceMetadata('IndexInSeries'):
        RESULTS[instanceId]['metadata'] = dicom.GetInstanceMetadata('IndexInSeries')
    KEPT.append(dicom)  # used after the callback: must raise, not crash

def OnRest(output, uri, **request):
    instanceId = request['groups'][0]
    answer = dict(RESULTS[instanceId])
    # An instance made by the plugin (owned, freed when the Python object dies).
    created = orthanc.CreateDicomInstance(orthanc.GetDicomForInstance(instanceId))
    answer['created'] = Describe(created)
    transcoded = orthanc.TranscodeDicomInstance(created.GetInstanceData(), '1.2.840.10008.1.2')
    answer['transcoded_syntax'] = transcoded.GetInstanceTransferSyntaxUid()
    try:
        KEPT[0].GetInstanceSize()
        answer['kept'] = 'no exception'
    except orthanc.OrthancException as e:
        answer['kept'] = list(e.args)
    output.AnswerBuffer(json.dumps(answer), 'application/json')

orthanc.RegisterOnStoredInstanceCallback(OnStored)
orthanc.RegisterRestCallback('/describe/(.*)', OnRest)
"""


@pytest.mark.ours
def test_every_dicom_instance_method(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(DICOM_INSTANCE)
    ds = make_dataset(patient_id="METHODS", rows=16, columns=24)
    instance_id = orthanc_instance_id(ds)
    dicom = to_bytes(ds)
    assert c_store(server.dicom_port, server.aet, [ds], calling_aet="MODALITY1") == [0]

    r = server.get(f"/describe/{instance_id}")
    assert r.status_code == 200, r.text
    answer = r.json()
    stored = server.get(f"/instances/{instance_id}/file").content
    for described, origin, aet in ((answer, 2, "MODALITY1"), (answer["created"], 4, "")):
        assert described["data_prefix"] == "DICM"
        assert described["size"] == described["data_length"] > 24 * 16 * 2
        assert described["origin"] == origin  # InstanceOrigin.DICOM_PROTOCOL, then PLUGIN
        assert described["remote_aet"] == aet
        assert described["transfer_syntax"] in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
        assert described["has_pixel_data"] == 1
        assert described["frames"] == 1
        assert described["raw_frame_length"] == 16 * 24 * 2
        assert described["decoded"] == [24, 16, 2]  # width, height, PixelFormat.GRAYSCALE16
        assert described["simplified"] == "METHODS"
        assert described["json"] == "METHODS"
        assert described["advanced"] == "METHODS"
        assert described["serialized_length"] > 0
        assert described["dicomweb_json"] == ["METHODS"]
        assert described["dicomweb_xml"] is True
    assert answer["created"]["data_length"] == len(stored)
    assert len(dicom) > 0
    assert answer["transcoded_syntax"] == "1.2.840.10008.1.2"
    # The DicomInstance of OnStoredInstance is Orthanc's, valid during the callback only.
    assert answer["kept"] == [6, "Bad sequence of calls"]  # ErrorCode.BAD_SEQUENCE_OF_CALLS
    # Metadata: the stored instance has its index in the series, an instance of the plugin none.
    assert (answer["has_metadata"], answer["metadata"]) == (1, "1")
    assert answer["created"]["has_metadata"] == 0
