"""The other hand-written functions (src/Images.cpp, src/HandwrittenFunctions.cpp) and the
hand-written methods of the handle classes."""

from __future__ import annotations

from typing import Dict, List

from .entry import SDK_PREFIX as _P
from .entry import Handwritten
from .entry import function as _f  # short names keep the tables readable
from .entry import method as _m

SERVICE_FUNCTIONS: List[Handwritten] = [
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
