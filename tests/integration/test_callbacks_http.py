"""HTTP-related parts of the module against the real Orthanc: chunked REST
callbacks (RegisterChunkedRestCallback), a WebDAV collection
(RegisterWebDavCollection), Orthanc's HTTP clients (HttpClient,
ChunkedHttpClient, CallRestApi, RestApiGet2, Peers.CallPeerApi), DICOMweb
conversions with a binary-tag callback, and the DICOM dictionary."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_packaging.ports import free_port
from orthanc_server import StartOrthanc

CHUNKED = """\
import json
import orthanc

class Reader:
    def __init__(self, uri, method):
        self.uri = uri
        self.method = method
        self.chunks = []

    def AddChunk(self, chunk):
        self.chunks.append(chunk)

    def Execute(self, output):
        body = b''.join(self.chunks)
        output.AnswerBuffer(json.dumps({'method': self.method, 'chunks': len(self.chunks),
                                        'size': len(body), 'start': body[:10].decode()}), 'application/json')

def OnGet(output, uri, **request):
    output.AnswerBuffer('get %s %s' % (request['method'], request['groups'][0]), 'text/plain')

def OnDelete(output, uri, **request):
    output.AnswerBuffer('deleted %s' % request['groups'][0], 'text/plain')

def OnPost(uri, **request):
    return Reader(uri, request['method'])

orthanc.RegisterChunkedRestCallback('/chunked/(.*)', OnGet, OnPost, OnDelete, None)
"""


@pytest.mark.ours
def test_chunked_rest_callback(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(CHUNKED)
    assert server.get("/chunked/a").text == "get GET a"
    assert server.delete("/chunked/b").text == "deleted b"
    assert server.put("/chunked/c", data=b"x").status_code == 405  # no PUT handler

    # A body sent with chunked transfer encoding reaches Python chunk by chunk.
    def body():
        for n in range(5):
            yield bytes([ord("a") + n]) * 1000

    r = server.post("/chunked/d", data=body())
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["method"], answer["size"], answer["start"]) == ("POST", 5000, "a" * 10)
    assert answer["chunks"] >= 1

    r = server.post("/chunked/e", data=b"plain body")
    assert r.json()["size"] == len(b"plain body")


WEBDAV = """\
import orthanc

FILES = {('folder', 'hello.txt'): b'Hello from Python'}
FOLDERS = {(), ('folder',), ('readonly',)}
DATE = '20240131T120000'

def IsExistingFolder(path):
    return tuple(path) in FOLDERS

def ListFolder(path):
    if tuple(path) not in FOLDERS:
        return None
    depth = len(path)
    folders = [(f[-1], DATE) for f in FOLDERS if len(f) == depth + 1 and list(f[:depth]) == path]
    files = [(name[-1], len(content), 'text/plain', DATE) for (name, content) in FILES.items()
             if len(name) == depth + 1 and list(name[:depth]) == path]
    return folders, files

def RetrieveFile(path):
    content = FILES.get(tuple(path))
    return None if content is None else (content, 'text/plain', DATE)

def StoreFile(path, content):
    if path[0] == 'readonly':
        return False  # refused
    FILES[tuple(path)] = content
    print('webdav: stored %s (%d bytes)' % ('/'.join(path), len(content)))
    return True

def CreateFolder(path):
    FOLDERS.add(tuple(path))
    return True

def DeleteItem(path):
    FILES.pop(tuple(path), None)
    FOLDERS.discard(tuple(path))
    return True

orthanc.RegisterWebDavCollection('/pydav', IsExistingFolder, ListFolder, RetrieveFile, StoreFile, CreateFolder,
                                 DeleteItem)
"""


def _propfind(server, path: str) -> list[str]:
    r = server.request("PROPFIND", path, headers={"Depth": "1"})
    assert r.status_code == 207, (r.status_code, r.text)
    tree = ET.fromstring(r.content)
    # (Orthanc writes the folders of plugin collections without the final slash.)
    return sorted((href.text or "").rstrip("/") for href in tree.iter("{DAV:}href"))


@pytest.mark.ours
def test_webdav_collection(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(WEBDAV, {"WebDavEnabled": True})
    assert _propfind(server, "/pydav/") == ["/pydav", "/pydav/folder", "/pydav/readonly"]
    assert _propfind(server, "/pydav/folder/") == ["/pydav/folder", "/pydav/folder/hello.txt"]
    r = server.get("/pydav/folder/hello.txt")
    assert (r.status_code, r.content) == (200, b"Hello from Python")
    assert server.get("/pydav/folder/missing.txt").status_code == 404

    assert server.put("/pydav/folder/new.bin", data=b"\x00\x01\x02").status_code in (200, 201, 204)
    server.wait_for_log(r"webdav: stored folder/new\.bin \(3 bytes\)")
    assert server.put("/pydav/readonly/refused.bin", data=b"x").status_code == 403
    assert server.get("/pydav/folder/new.bin").content == b"\x00\x01\x02"
    assert server.request("MKCOL", "/pydav/other").status_code in (200, 201)
    assert "/pydav/other" in _propfind(server, "/pydav/")
    assert server.delete("/pydav/folder/new.bin").status_code in (200, 204)
    assert "/pydav/folder/new.bin" not in _propfind(server, "/pydav/folder/")


CLIENTS = """\
import json
import orthanc

def Binary(levels, group, element, vr):
    print('binary tag %04x,%04x vr %d at depth %d' % (group, element, vr, len(levels)))
    if (group, element) == (0x7fe0, 0x0010):
        return orthanc.DicomWebBinaryMode.BULK_DATA_URI, 'http://example.com/pixels'
    return orthanc.DicomWebBinaryMode.IGNORE

def Failing(levels, group, element, vr):
    raise KeyError('binary callback failed')

def OnRest(output, uri, **request):
    base = 'http://127.0.0.1:%d' % PORT
    result = {}
    status, headers, body = orthanc.HttpClient(orthanc.HttpMethod.GET, base + '/system', {'X-Test': '1'})
    result['http'] = [status, json.loads(body)['Name'], headers.get('Content-Type')]
    status, headers, body = orthanc.HttpClient(orthanc.HttpMethod.GET, base + '/no-such-route')
    result['http_404'] = status
    try:
        orthanc.HttpClient(orthanc.HttpMethod.GET, 'http://127.0.0.1:%d/' % CLOSED_PORT, timeout=5)
    except orthanc.OrthancException as e:
        result['http_down'] = e.args[0]
    status, headers, body = orthanc.ChunkedHttpClient(
        orthanc.HttpMethod.POST, base + '/tools/find', {}, [b'{"Level": "Patient",', b' "Query": {}}'])
    result['chunked'] = [status, json.loads(body)]
    status, headers, body = orthanc.CallRestApi(orthanc.HttpMethod.GET, '/patients')
    result['rest'] = [status, json.loads(body)]
    result['rest_404'] = orthanc.CallRestApi(orthanc.HttpMethod.GET, '/no-such-route')[0]
    try:
        result['rest_unknown'] = ['answer', orthanc.CallRestApi(orthanc.HttpMethod.GET, '/patients/nope')[0]]
    except orthanc.OrthancException as e:
        result['rest_unknown'] = ['exception', e.args[0]]
    result['get2'] = json.loads(orthanc.RestApiGet2('/system', {'X-Test': '1'}, 0))['Name']

    peers = orthanc.GetPeers()
    result['peers'] = [peers.GetPeersCount(), peers.GetPeerName(0), peers.GetPeerUrl(0),
                       peers.GetPeerUserProperty(0, 'Color')]
    status, headers, body = peers.CallPeerApi(0, orthanc.HttpMethod.GET, '/system')
    result['peer_call'] = [status, json.loads(body)['Name']]

    dicom = orthanc.GetDicomForInstance(json.loads(orthanc.RestApiGet('/instances'))[0])
    for (name, function) in (('json', orthanc.EncodeDicomWebJson), ('json2', orthanc.EncodeDicomWebJson2)):
        encoded = json.loads(function(dicom, Binary))
        result[name] = [encoded['00100020']['Value'], encoded['7FE00010']]
    result['inline'] = 'InlineBinary' in json.loads(orthanc.EncodeDicomWebJson(dicom))['7FE00010']
    result['xml'] = 'BulkData' in orthanc.EncodeDicomWebXml2(dicom, Binary)
    try:
        orthanc.EncodeDicomWebXml(dicom, Failing)
    except KeyError as e:
        result['failing_callback'] = str(e)
    # A mode of the wrong type or value fails the encoding: no tag is written as if chosen.
    result['wrong_modes'] = []
    for wrong in (7, -1, 'ignore', 1.0, (1.5, None)):
        try:
            orthanc.EncodeDicomWebJson(dicom, lambda levels, group, element, vr, wrong=wrong: wrong)
            result['wrong_modes'].append('encoded')
        except (TypeError, ValueError) as e:
            result['wrong_modes'].append(type(e).__name__)

    result['dictionary'] = orthanc.LookupDictionary('PatientName')
    result['dictionary_number'] = orthanc.LookupDictionary('0008,0060')['ValueRepresentation']
    try:
        orthanc.LookupDictionary('NoSuchTagName')
    except orthanc.OrthancException as e:
        result['dictionary_unknown'] = e.args[0]
    result['tag_name'] = orthanc.GetTagName(0x0010, 0x0010, None)
    result['registered'] = orthanc.LookupDictionary('PythonPluginTag')
    output.AnswerBuffer(json.dumps(result), 'application/json')

orthanc.RegisterDictionaryTag(0x4444, 0x0001, orthanc.ValueRepresentation.LO, 'PythonPluginTag', 1, 1)
orthanc.RegisterRestCallback('/clients', OnRest)
"""


@pytest.mark.ours
def test_http_clients_dicomweb_and_dictionary(orthanc_server: StartOrthanc, orthanc_version) -> None:
    port = free_port()
    closed = free_port()
    script = CLIENTS.replace("CLOSED_PORT", str(closed)).replace("PORT", str(port))
    server = orthanc_server(script, {
        "HttpPort": port,
        "OrthancPeers": {"myself": {"Url": f"http://127.0.0.1:{port}/", "Color": "blue"}},
    })
    instance = server.upload(make_dicom(patient_id="CLIENT"))
    r = server.get("/clients")
    assert r.status_code == 200, r.text
    result = r.json()

    assert result["http"] == [200, "python-plugin-tests", "application/json; charset=utf-8"]
    assert result["http_404"] == 404
    assert result["http_down"] == 9  # ErrorCode.NETWORK_PROTOCOL: no HTTP answer at all
    assert result["chunked"] == [200, [instance["ParentPatient"]]]
    assert result["rest"] == [200, [instance["ParentPatient"]]]
    assert result["rest_404"] == 404
    if orthanc_version >= (1, 13, 0):
        assert result["rest_unknown"] == ["answer", 404]  # Orthanc 1.13 answers the unknown resource
    else:
        assert result["rest_unknown"] == ["exception", 17]  # Orthanc's error, without an HTTP answer
    assert result["get2"] == "python-plugin-tests"
    assert result["peers"] == [1, "myself", f"http://127.0.0.1:{port}/", "blue"]
    assert result["peer_call"] == [200, "python-plugin-tests"]

    for name in ("json", "json2"):
        assert result[name] == [["CLIENT"], {"vr": "OW", "BulkDataURI": "http://example.com/pixels"}], name
    assert result["inline"] is True
    assert result["xml"] is True
    assert result["failing_callback"] == "'binary callback failed'"
    assert result["wrong_modes"] == ["ValueError", "ValueError", "TypeError", "TypeError", "TypeError"]
    log = server.log_text()
    assert re.search(r"binary tag 7fe0,0010 vr \d+ at depth 0", log)

    assert result["dictionary"] == {"Group": 0x10, "Element": 0x10, "ValueRepresentation": 16,  # PN
                                    "MinMultiplicity": 1, "MaxMultiplicity": 1}
    assert result["dictionary_number"] == 4  # CS
    assert result["dictionary_unknown"] == 27  # ErrorCode.UNKNOWN_DICOM_TAG
    assert result["tag_name"] == "PatientName"
    assert result["registered"] == {"Group": 0x4444, "Element": 1, "ValueRepresentation": 11,  # LO
                                    "MinMultiplicity": 1, "MaxMultiplicity": 1}
