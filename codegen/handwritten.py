"""What src/ implements by hand, so that the generator neither wraps it nor
reports it as missing, and so that the hand-written functions get the same
treatment as the generated ones: one method table, a docstring made from the
SDK documentation, a typed entry in orthanc.pyi.

Edit these tables together with the hand-written C++ code: every `symbol`
is a C++ function at global scope,
    PyObject* <symbol>(PyObject* self, PyObject* args)                      (keywords=False)
    PyObject* <symbol>(PyObject* self, PyObject* args, PyObject* kwargs)    (keywords=True)
that the generated OrthancGenerated.h declares and the generated method
tables list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple


@dataclass(frozen=True)
class Handwritten:
    """One hand-written module function or method."""

    name: str  # Python name
    symbol: str  # C++ function (see the module docstring)
    signature: str  # Python signature for orthanc.pyi, without the name: "(uri: str) -> bytes"
    doc: str  # what the Python function does (the SDK documentation of `sdk[0]` is appended)
    sdk: Tuple[str, ...] = ()  # the SDK functions that it makes reachable from Python
    keywords: bool = False  # METH_VARARGS | METH_KEYWORDS


def _f(name: str, signature: str, doc: str, sdk: Tuple[str, ...] = (), keywords: bool = False,
       symbol: str = "") -> Handwritten:
    return Handwritten(name=name, symbol=symbol or name, signature=signature, doc=doc, sdk=sdk,
                       keywords=keywords)


def _m(cls: str, name: str, signature: str, doc: str, sdk: Tuple[str, ...] = (),
       keywords: bool = False) -> Handwritten:
    return Handwritten(name=name, symbol=f"{cls}_{name}", signature=signature, doc=doc, sdk=sdk,
                       keywords=keywords)


_P = "OrthancPlugin"

# --- module functions ------------------------------------------------------------

FUNCTIONS: List[Handwritten] = [
    # Callbacks (src/callbacks/).
    _f("RegisterRestCallback", "(pathRegularExpression: str, callback: _RestCallback) -> None",
       "Serves the URIs matching the regular expression with callback(output, uri, **request); "
       "request holds 'method', 'groups' (the regex groups), 'headers', 'get' (GET only) and "
       "'body' (bytes, POST and PUT only). Several callbacks may run at once (the GIL is released "
       "whenever Python waits).",
       (_P + "RegisterRestCallback", _P + "RegisterRestCallbackNoLock")),
    _f("RegisterOnChangeCallback", "(callback: Callable[[int, int, str], None]) -> None",
       "Calls callback(changeType, level, resourceId) for every change in Orthanc "
       "(orthanc.ChangeType, orthanc.ResourceType), from a dedicated thread, so the callback may "
       "use the REST API.",
       (_P + "RegisterOnChangeCallback",)),
    _f("RegisterOnStoredInstanceCallback", "(callback: Callable[[DicomInstance, str], None]) -> None",
       "Calls callback(dicom, instanceId) whenever an instance is stored; dicom is an "
       "orthanc.DicomInstance valid during the call only.",
       (_P + "RegisterOnStoredInstanceCallback",)),
    _f("RegisterIncomingHttpRequestFilter", "(callback: _IncomingHttpRequestFilter) -> None",
       "Calls callback(uri, **request) for every HTTP request (request holds 'method' "
       "(orthanc.HttpMethod), 'ip', 'headers' and, for GET, 'get'); returning False answers "
       "403 Forbidden.",
       (_P + "RegisterIncomingHttpRequestFilter", _P + "RegisterIncomingHttpRequestFilter2")),
    _f("RegisterReceivedInstanceCallback",
       "(callback: Callable[[bytes, int], Tuple[int, Optional[bytes]]]) -> None",
       "Calls callback(receivedDicom, origin) for every DICOM instance Orthanc receives (REST API, "
       "C-STORE, ...) before it is stored; origin is an orthanc.InstanceOrigin. The callback returns "
       "(orthanc.ReceivedInstanceAction, bytes or None): KEEP_AS_IS, DISCARD, or MODIFY with the "
       "new DICOM file. Only one such callback can be registered.",
       (_P + "RegisterReceivedInstanceCallback",)),
    _f("RegisterIncomingCStoreInstanceFilter", "(callback: Callable[[DicomInstance], int]) -> None",
       "Calls callback(dicom) for every instance received through C-STORE; the callback returns 0 "
       "to accept the instance, or a DIMSE status (1 to 0xffff, e.g. 0xA700) that Orthanc sends back "
       "to the SCU instead of storing the instance. dicom is valid during the call only. Only one "
       "such filter can be registered.",
       (_P + "RegisterIncomingCStoreInstanceFilter",)),
    _f("RegisterIncomingDicomInstanceFilter", "(callback: Callable[[DicomInstance], bool]) -> None",
       "Calls callback(dicom) for every instance received (REST API, C-STORE, plugins) before it is "
       "stored; returning False discards the instance. dicom is valid during the call only. Only "
       "one such filter can be registered.",
       (_P + "RegisterIncomingDicomInstanceFilter",)),
    _f("RegisterFindCallback", "(callback: Callable[[FindAnswers, FindQuery, str, str], None]) -> None",
       "Answers C-FIND requests (other than worklists) with callback(answers, query, issuerAet, "
       "calledAet): the callback reads the query and adds its answers with "
       "answers.FindAddAnswer(dicom). answers and query are valid during the call only. Only one "
       "such callback can be registered.",
       (_P + "RegisterFindCallback",)),
    _f("RegisterWorklistCallback",
       "(callback: Callable[[WorklistAnswers, WorklistQuery, str, str], None]) -> None",
       "Answers modality worklist C-FIND requests with callback(answers, query, issuerAet, "
       "calledAet): typically `if query.WorklistIsMatch(dicom): answers.WorklistAddAnswer(query, "
       "dicom)` for each worklist. answers and query are valid during the call only. Only one such "
       "callback can be registered.",
       (_P + "RegisterWorklistCallback",)),
    _f("RegisterMoveCallback", "(callback: _MoveCallback) -> None",
       "Handles C-MOVE requests with callback(**request) (keywords Level, PatientID, "
       "AccessionNumber, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, OriginatorAET, "
       "SourceAET, TargetAET, OriginatorID), called once per request: the C-MOVE counts one "
       "sub-operation, failed if the callback raises. Use RegisterMoveCallback2 to report several "
       "sub-operations. Only one C-MOVE handler can be registered.",
       (_P + "RegisterMoveCallback",)),
    _f("RegisterMoveCallback2",
       "(callback: _MoveCallback, getMoveSize: Callable[[Any], int], applyMove: Callable[[Any], None], "
       "freeMove: Callable[[Any], None]) -> None",
       "Handles C-MOVE requests with a driver: callback(**request) (keywords as for "
       "RegisterMoveCallback) returns any Python object (the driver); getMoveSize(driver) gives the "
       "number of sub-operations, applyMove(driver) is called once per sub-operation (raising marks "
       "it failed), freeMove(driver) at the end. Only one C-MOVE handler can be registered.",
       (_P + "RegisterMoveCallback",)),
    _f("RegisterStorageCommitmentScpCallback",
       "(callback: Callable[[str, str, List[str], List[str], str, str], Any], "
       "lookup: Callable[[str, str, Any], int]) -> None",
       "Handles storage commitment requests: callback(jobId, transactionUid, sopClassUids, "
       "sopInstanceUids, remoteAet, calledAet) returns any Python object (the driver); then "
       "lookup(sopClassUid, sopInstanceUid, driver) is called for each instance and returns an "
       "orthanc.StorageCommitmentFailureReason (SUCCESS if the instance is committed). Only one "
       "such handler can be registered.",
       (_P + "RegisterStorageCommitmentScpCallback",)),
    _f("RegisterStorageArea",
       "(create: Callable[[str, int, bytes], None], read: Callable[[str, int], bytes], "
       "remove: Callable[[str, int], None]) -> None",
       "Replaces the storage area of Orthanc: create(uuid, contentType, data), "
       "read(uuid, contentType) -> bytes and remove(uuid, contentType), where contentType is an "
       "orthanc.ContentType. Must be called while the script is imported (plugin initialization); "
       "only one storage area can be registered.",
       (_P + "RegisterStorageArea",)),
    _f("RegisterStorageArea2",
       "(create: Callable[[str, int, bytes], None], readWhole: Callable[[str, int], bytes], "
       "readRange: Callable[[str, int, int, int], bytes], remove: Callable[[str, int], None]) -> None",
       "As RegisterStorageArea, with readRange(uuid, contentType, rangeStart, size) returning "
       "exactly `size` bytes starting at `rangeStart`, which Orthanc uses to read parts of files.",
       (_P + "RegisterStorageArea2",)),
    _f("RegisterRefreshMetricsCallback", "(callback: Callable[[], None]) -> None",
       "Calls callback() whenever Orthanc is about to publish its metrics (GET "
       "/tools/metrics-prometheus), so that it can update them with orthanc.SetMetricsValue().",
       (_P + "RegisterRefreshMetricsCallback",)),
    _f("RegisterDecodeImageCallback", "(callback: Callable[[bytes, int], Optional[Image]]) -> None",
       "Calls callback(dicom, frameIndex) whenever Orthanc must decode a frame; the callback "
       "returns an orthanc.Image (handed over to Orthanc), or None to let Orthanc's own decoder "
       "(or another plugin) do it.",
       (_P + "RegisterDecodeImageCallback",)),
    _f("RegisterTranscoderCallback", "(callback: Callable[[bytes, List[str], bool], Optional[bytes]]) -> None",
       "Calls callback(dicom, allowedSyntaxes, allowNewSopInstanceUid) whenever Orthanc must "
       "transcode an instance; the callback returns the transcoded DICOM file, whose transfer "
       "syntax is one of allowedSyntaxes, or None to let Orthanc's own transcoder (or another "
       "plugin) do it.",
       (_P + "RegisterTranscoderCallback",)),
    _f("RegisterChunkedRestCallback",
       "(pathRegularExpression: str, getHandler: Optional[_RestCallback], "
       "postHandler: Optional[_ChunkedReaderFactory], deleteHandler: Optional[_RestCallback], "
       "putHandler: Optional[_ChunkedReaderFactory]) -> None",
       "Serves the URIs matching the regular expression, receiving the body of POST and PUT "
       "requests in chunks. getHandler and deleteHandler are called as REST callbacks. "
       "postHandler(uri, **request) and putHandler(uri, **request) return a reader object "
       "whose AddChunk(chunk: bytes) is called for each chunk of the body, then "
       "Execute(output: RestOutput) once to answer. A None handler answers 405 Method Not Allowed.",
       (_P + "RegisterChunkedRestCallback",)),
    _f("RegisterWebDavCollection",
       "(uri: str, isExistingFolder: Callable[[List[str]], bool], "
       "listFolder: Callable[[List[str]], Optional[Tuple[List[Tuple[str, str]], "
       "List[Tuple[str, int, str, str]]]]], "
       "retrieveFile: Callable[[List[str]], Optional[Tuple[bytes, str, str]]], "
       "storeFile: Callable[[List[str], bytes], bool], createFolder: Callable[[List[str]], bool], "
       "deleteItem: Callable[[List[str]], bool]) -> None",
       "Maps a WebDAV collection onto `uri` (must be called while the script is imported). Each "
       "callback receives the path as a list of items: isExistingFolder(path) -> bool; "
       "listFolder(path) -> None if the folder does not exist, else (folders, files) with folders "
       "as (name, dateTime) and files as (name, size, mimeType, dateTime); retrieveFile(path) -> "
       "None if absent, else (content, mimeType, dateTime); storeFile(path, content), "
       "createFolder(path) and deleteItem(path) return True if the change was made, False if it "
       "was refused (read-only collection: Orthanc answers 403). dateTime is an ISO string in UTC "
       "such as '20240131T235959'.",
       (_P + "RegisterWebDavCollection",)),
    _f("CreateJob", "(job: _JobHandler, jobType: str) -> Job",
       "Creates a job run by Orthanc's job engine from a Python object with the methods Step() -> "
       "orthanc.JobStepStatus, Stop(reason: orthanc.JobStopReason), Reset(), and optionally "
       "GetProgress() -> float (0 to 1), GetContent() -> str (JSON object) and GetSerialized() -> "
       "str or None (JSON object, to save the job). Submit the returned orthanc.Job with "
       "job.SubmitJob(priority).",
       (_P + "CreateJob",)),
    _f("RegisterJobsUnserializer", "(callback: Callable[[str, str], Optional[Job]]) -> None",
       "Calls callback(jobType, serialized) when Orthanc reloads its saved jobs (option SaveJobs); "
       "the callback returns the orthanc.Job made with orthanc.CreateJob(), or None if the job type "
       "is not its own.",
       (_P + "RegisterJobsUnserializer",)),
    # SDK 1.11.3+ (src/callbacks/JobCallbacks.cpp).
    _f("CreateJob2", "(job: _JobHandler, jobType: str) -> Job",
       "As CreateJob, through the SDK's second version of the job callbacks (Orthanc copies the "
       "content and the serialized job into its own buffers): the same Python object with Step(), "
       "Stop(reason), Reset() and the optional GetProgress(), GetContent() and GetSerialized().",
       (_P + "CreateJob2",)),
    # SDK 1.12.8+ (src/callbacks/StorageArea3.cpp).
    _f("RegisterStorageArea3",
       "(create: Callable[[str, int, int, bytes, Optional[DicomInstance]], "
       "Union[None, bytes, Tuple[int, Optional[bytes]]]], "
       "read: Callable[[str, int, int, int, bytes], Union[bytes, Tuple[int, bytes]]], "
       "remove: Callable[[str, int, bytes], Optional[int]]) -> None",
       "Replaces the storage area of Orthanc, with custom data kept by Orthanc next to each "
       "attachment: create(uuid, contentType, compressionType, content, dicomInstance) stores the "
       "file (dicomInstance is the orthanc.DicomInstance being stored, valid during the call only, "
       "or None) and returns its custom data: (orthanc.ErrorCode, bytes or None) as upstream, or "
       "bytes / None directly; read(uuid, contentType, rangeStart, size, customData) returns exactly "
       "`size` bytes from `rangeStart`, as bytes or (orthanc.ErrorCode, bytes); remove(uuid, "
       "contentType, customData) returns None or an orthanc.ErrorCode. A raised exception or an "
       "error code other than SUCCESS fails the operation. Must be called while the script is "
       "imported; only one storage area can be registered.",
       (_P + "RegisterStorageArea3",)),
    # SDK 1.12.9+ (src/callbacks/SecurityCallbacks.cpp).
    _f("RegisterHttpAuthentication", "(callback: _HttpAuthenticationCallback) -> None",
       "Authenticates every HTTP request with callback(uri, **request), request holding 'ip', "
       "'headers' (dict, lower-case keys) and 'get' (dict of the GET arguments). The callback returns "
       "an orthanc.HttpAuthenticationStatus, or (status, data): for GRANTED, data is the custom "
       "payload (str or bytes) that Orthanc hands to the REST callbacks; for REDIRECT, data is the "
       "path (str) where Orthanc redirects the client (307). It fails closed: a raised exception, "
       "None, a bool or any other answer than a well-formed status refuses the request "
       "(UNAUTHORIZED, 401). Orthanc's built-in authentication (RegisteredUsers) is then disabled. "
       "Only one such callback can be registered.",
       (_P + "RegisterHttpAuthentication",)),
    _f("RegisterAuditLogHandler",
       "(callback: Callable[[str, str, int, str, str, bytes], None]) -> None",
       "Calls callback(sourcePlugin, userId, resourceType, resourceId, action, logData) for every "
       "audit log that a plugin emits (orthanc.EmitAuditLog); resourceType is an "
       "orthanc.ResourceType and logData the plugin's custom bytes. Several handlers may be "
       "registered.",
       (_P + "RegisterAuditLogHandler",)),
    # SDK 1.12.10+: the DICOM SCP callbacks with the connection (src/callbacks/DicomScpCallbacks2.cpp).
    _f("RegisterFindCallback2", "(callback: Callable[[FindAnswers, FindQuery, DicomConnection], None]) -> None",
       "As RegisterFindCallback, with callback(answers, query, connection): connection is the "
       "orthanc.DicomConnection of the request (remote AET, remote IP, called AET), valid during "
       "the call only, like answers and query. Only one C-FIND callback can be registered.",
       (_P + "RegisterFindCallback2",)),
    _f("RegisterWorklistCallback2",
       "(callback: Callable[[WorklistAnswers, WorklistQuery, DicomConnection], None]) -> None",
       "As RegisterWorklistCallback, with callback(answers, query, connection): connection is the "
       "orthanc.DicomConnection of the request, valid during the call only. Only one worklist "
       "callback can be registered.",
       (_P + "RegisterWorklistCallback2",)),
    _f("RegisterMoveCallback3",
       "(callback: _MoveCallback, getMoveSize: Callable[[Any], int], applyMove: Callable[[Any], None], "
       "freeMove: Callable[[Any], None]) -> None",
       "As RegisterMoveCallback2, through the SDK's OrthancPluginRegisterMoveCallback2: "
       "callback(**request) receives the keywords Connection (the orthanc.DicomConnection of the "
       "request, valid during this call only), Level, PatientID, AccessionNumber, StudyInstanceUID, "
       "SeriesInstanceUID, SOPInstanceUID, TargetAET and OriginatorID, and returns the driver; "
       "getMoveSize(driver), applyMove(driver) and freeMove(driver) as for RegisterMoveCallback2. "
       "Only one C-MOVE handler can be registered.",
       (_P + "RegisterMoveCallback2",)),
    _f("RegisterStorageCommitmentScpCallback2",
       "(callback: Callable[[str, str, List[str], List[str], DicomConnection], Any], "
       "lookup: Callable[[str, str, Any], int]) -> None",
       "As RegisterStorageCommitmentScpCallback, with callback(jobId, transactionUid, sopClassUids, "
       "sopInstanceUids, connection): connection is the orthanc.DicomConnection of the request, "
       "valid during this call only. Only one storage commitment handler can be registered.",
       (_P + "RegisterStorageCommitmentScpCallback2",)),
    # Images (src/Images.cpp).
    _f("CreateImageFromBuffer", "(format: int, width: int, height: int, pitch: int, buffer: _Buffer) -> Image",
       "Creates an image of the given orthanc.PixelFormat and size, and copies its pixels from "
       "buffer, `pitch` bytes per row. Raises ValueError if buffer holds fewer than pitch * height "
       "bytes or if pitch is smaller than a row of pixels."),
    _f("CreateImageAccessor",
       "(format: int, width: int, height: int, pitch: int, buffer: _WritableBuffer) -> Image",
       "Creates an image whose pixels are those of buffer (a writable bytes-like object such as a "
       "bytearray), without copying: drawing on the image changes buffer, which the image keeps "
       "alive. Raises ValueError if buffer holds fewer than pitch * height bytes or if pitch is "
       "smaller than a row of pixels.",
       (_P + "CreateImageAccessor",)),
    # Other functions (src/HandwrittenFunctions.cpp).
    _f("LookupDictionary", "(name: str) -> Dict[str, int]",
       "Information about a DICOM tag of Orthanc's dictionary, from its name (e.g. 'PatientName') or "
       "its number ('0010,0010'): a dict with the keys Group, Element, ValueRepresentation "
       "(orthanc.ValueRepresentation), MinMultiplicity and MaxMultiplicity (0 for no maximum). "
       "Raises orthanc.OrthancException for an unknown tag.",
       (_P + "LookupDictionary",)),
    _f("GetCommandLineArgument", "(argument: int) -> str",
       "The command-line argument of Orthanc at this index (0 to GetCommandLineArgumentsCount() - 1); "
       "raises orthanc.OrthancException (ParameterOutOfRange) for an index out of range.",
       (_P + "GetCommandLineArgument",)),
    _f("HttpClient",
       "(method: int, url: str, headers: Optional[Mapping[str, str]] = None, body: Optional[_Buffer] = None, "
       "username: Optional[str] = None, password: Optional[str] = None, timeout: int = 0, "
       "certificateFile: Optional[str] = None, certificateKeyFile: Optional[str] = None, "
       "certificateKeyPassword: Optional[str] = None, pkcs11: bool = False) -> Tuple[int, Dict[str, str], bytes]",
       "Makes an HTTP request with Orthanc's HTTP client (method is an orthanc.HttpMethod); returns "
       "(status, answer headers, answer body). timeout is in seconds (0: Orthanc's default).",
       (_P + "HttpClient",), keywords=True),
    _f("ChunkedHttpClient",
       "(method: int, url: str, headers: Optional[Mapping[str, str]] = None, "
       "body: Optional[Iterable[_Buffer]] = None, username: Optional[str] = None, "
       "password: Optional[str] = None, timeout: int = 0, certificateFile: Optional[str] = None, "
       "certificateKeyFile: Optional[str] = None, certificateKeyPassword: Optional[str] = None, "
       "pkcs11: bool = False) -> Tuple[int, Dict[str, str], bytes]",
       "As HttpClient, but the request body is sent in chunks (HTTP chunked transfer encoding), one "
       "per item of the iterable `body`, and the answer is received in chunks; returns (status, "
       "answer headers, answer body).",
       (_P + "ChunkedHttpClient",), keywords=True),
    _f("CallRestApi",
       "(method: int, uri: str, headers: Optional[Mapping[str, str]] = None, body: Optional[_Buffer] = None, "
       "afterPlugins: bool = False) -> Tuple[int, Dict[str, str], bytes]",
       "Calls Orthanc's REST API with any method (orthanc.HttpMethod) and HTTP headers; returns "
       "(status, answer headers, answer body) instead of raising on an HTTP error.",
       (_P + "CallRestApi",), keywords=True),
    _f("EncodeDicomWebJson", "(dicom: _Buffer, callback: Optional[_DicomWebBinaryCallback] = None) -> str",
       "Converts a DICOM file to DICOMweb JSON. The optional callback(levels, group, element, vr) "
       "decides how each binary tag is written (see DicomWebBinaryMode): it returns a "
       "DicomWebBinaryMode or (DicomWebBinaryMode.BULK_DATA_URI, uri); levels lists the "
       "(group, element, index) of the enclosing sequences.",
       (_P + "EncodeDicomWebJson",)),
    _f("EncodeDicomWebXml", "(dicom: _Buffer, callback: Optional[_DicomWebBinaryCallback] = None) -> str",
       "As EncodeDicomWebJson, to DICOMweb XML.", (_P + "EncodeDicomWebXml",)),
    _f("EncodeDicomWebJson2", "(dicom: _Buffer, callback: Optional[_DicomWebBinaryCallback] = None) -> str",
       "As EncodeDicomWebJson (through the SDK's second version, which passes the callback a payload).",
       (_P + "EncodeDicomWebJson2",)),
    _f("EncodeDicomWebXml2", "(dicom: _Buffer, callback: Optional[_DicomWebBinaryCallback] = None) -> str",
       "As EncodeDicomWebXml (through the SDK's second version, which passes the callback a payload).",
       (_P + "EncodeDicomWebXml2",)),
]

# --- methods -----------------------------------------------------------------------

METHODS: Dict[str, List[Handwritten]] = {
    "DicomInstance": [
        _m("DicomInstance", "GetInstanceData", "() -> bytes",
           "The DICOM file of the instance (GetInstanceSize() bytes).",
           (_P + "GetInstanceData",)),
        _m("DicomInstance", "GetInstanceDicomWebJson",
           "(callback: Optional[_DicomWebBinaryCallback] = None) -> str",
           "The instance in DICOMweb JSON; callback as for orthanc.EncodeDicomWebJson.",
           (_P + "GetInstanceDicomWebJson",)),
        _m("DicomInstance", "GetInstanceDicomWebXml",
           "(callback: Optional[_DicomWebBinaryCallback] = None) -> str",
           "The instance in DICOMweb XML; callback as for orthanc.EncodeDicomWebJson.",
           (_P + "GetInstanceDicomWebXml",)),
    ],
    "FindQuery": [
        _m("FindQuery", "GetFindQueryTagGroup", "(index: int) -> int",
           "The group of the index-th tag of the C-FIND query.", (_P + "GetFindQueryTag",)),
        _m("FindQuery", "GetFindQueryTagElement", "(index: int) -> int",
           "The element of the index-th tag of the C-FIND query.", (_P + "GetFindQueryTag",)),
    ],
    "Image": [
        _m("Image", "GetImageBuffer", "() -> bytes",
           "A copy of the pixels: GetImagePitch() * GetImageHeight() bytes.",
           (_P + "GetImageBuffer",)),
    ],
    "Peers": [
        _m("Peers", "CallPeerApi",
           "(peerIndex: int, method: int, uri: str, additionalHeaders: Optional[Mapping[str, str]] = None, "
           "body: Optional[_Buffer] = None, timeout: int = 0) -> Tuple[int, Dict[str, str], bytes]",
           "Calls the REST API of the index-th Orthanc peer (method is an orthanc.HttpMethod); "
           "returns (status, answer headers, answer body).",
           (_P + "CallPeerApi",), keywords=True),
    ],
}

# SDK functions that no Python function calls directly, but that every call
# of some Python functions uses: they count as reachable.
INTERNAL: Dict[str, str] = {
    _P + "FreeString": "called by the wrappers that return a str allocated by Orthanc",
    _P + "FreeMemoryBuffer": "called by the wrappers that return bytes allocated by Orthanc",
    _P + "FreeMemoryBuffer64": "called by the wrappers that return bytes allocated by Orthanc",
}

# SDK functions deliberately left out, with the reason the coverage report gives.
NOT_WRAPPED: Dict[str, str] = {
    _P + "RegisterDatabaseBackendV4":
        "deliberately not wrapped: a database back-end (index) serves every request of Orthanc "
        "through a protobuf protocol at C speed; writing one in Python makes no sense (use a "
        "database plugin such as PostgreSQL or ODBC)",
}

# Types that the signatures above use, written into orthanc.pyi (private names:
# they do not exist at run time).
STUB_TYPES = '''\
# A writable bytes-like object (bytearray, writable memoryview, array.array...).
_WritableBuffer = Union[bytearray, memoryview]


class _RestCallback(Protocol):
    """callback(output, uri, **request) of RegisterRestCallback."""
    def __call__(self, output: RestOutput, uri: str, **request: Any) -> None: ...


class _IncomingHttpRequestFilter(Protocol):
    """callback(uri, **request) of RegisterIncomingHttpRequestFilter: True lets the request in."""
    def __call__(self, uri: str, **request: Any) -> bool: ...


class _MoveCallback(Protocol):
    """callback(**request) of RegisterMoveCallback and RegisterMoveCallback2."""
    def __call__(self, **request: Any) -> Any: ...


class _HttpAuthenticationCallback(Protocol):
    """callback(uri, **request) of RegisterHttpAuthentication: an HttpAuthenticationStatus,
    or (status, payload or redirection path)."""
    def __call__(self, uri: str, **request: Any) -> Union[int, Tuple[int, Union[None, str, bytes]]]: ...


class _ChunkedReader(Protocol):
    """What the POST and PUT handlers of RegisterChunkedRestCallback return."""
    def AddChunk(self, chunk: bytes) -> None: ...
    def Execute(self, output: RestOutput) -> None: ...


class _ChunkedReaderFactory(Protocol):
    """postHandler(uri, **request) and putHandler(uri, **request) of RegisterChunkedRestCallback."""
    def __call__(self, uri: str, **request: Any) -> _ChunkedReader: ...


class _JobHandler(Protocol):
    """The Python object behind a job made by CreateJob (GetProgress, GetContent and
    GetSerialized are optional)."""
    def Step(self) -> int: ...
    def Stop(self, reason: int) -> None: ...
    def Reset(self) -> None: ...


# callback(levels, group, element, vr) of the DICOMweb functions: levels are the
# (group, element, index) of the enclosing sequences; returns a DicomWebBinaryMode
# or (DicomWebBinaryMode.BULK_DATA_URI, uri).
_DicomWebBinaryCallback = Callable[[List[Tuple[int, int, int]], int, int, int], Union[int, Tuple[int, str]]]
'''

