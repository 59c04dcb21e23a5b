"""The types that the hand-written signatures use, written into orthanc.pyi
(private names: they do not exist at run time)."""

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

