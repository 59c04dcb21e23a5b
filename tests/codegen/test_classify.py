"""classify.py: type mapping, functions vs. methods, and the reasons for what is not wrapped."""

from __future__ import annotations

from codegen import bindings as b
from codegen.classify import classify
from codegen.handwritten import Handwritten
from codegen.handwritten_plan import text_signature

CONTEXT = b.CallSlot(b.CallSlotKind.CONTEXT)
TARGET = b.CallSlot(b.CallSlotKind.TARGET)
SELF = b.CallSlot(b.CallSlotKind.SELF)


def _status(plan, sdk_name):
    entry = next(e for e in plan.coverage if e.sdk_name == sdk_name)
    return entry.status, entry.reason


def _wrapper(plan, qualified):
    for w in plan.functions:
        if w.qualified_name == qualified:
            return w
    for cls in plan.classes:
        for w in cls.methods:
            if w.qualified_name == qualified:
                return w
    raise KeyError(qualified)


# --- the synthetic header: one case of each shape --------------------------


def test_mini_statuses(mini_plan):
    expected = {
        "OrthancPluginGetName": "not wrapped",
        "OrthancPluginFreeString": "not wrapped",
        "OrthancPluginLogWarning": "orthanc.LogWarning",
        "OrthancPluginComputeMd5": "orthanc.ComputeMd5",
        "OrthancPluginHttpGet": "orthanc.HttpGet",
        "OrthancPluginCreateImage": "orthanc.CreateImage",
        "OrthancPluginFreeImage": "destructor of orthanc.Image",
        "OrthancPluginGetImageWidth": "orthanc.Image.GetImageWidth",
        "OrthancPluginGetImagePixelFormat": "orthanc.Image.GetImagePixelFormat",
        "OrthancPluginAnswerBuffer": "orthanc.RestOutput.AnswerBuffer",
        "OrthancPluginSendHttpStatus": "orthanc.RestOutput.SendHttpStatus",
        "OrthancPluginGetErrorDescription": "orthanc.GetErrorDescription",
        "OrthancPluginRegisterSomeCallback": "not wrapped",
        "OrthancPluginGetTag": "orthanc.GetTag",
        "OrthancPluginSetHeaders": "not wrapped",
        "OrthancPluginLookupDictionary": "not wrapped",
        "OrthancPluginGetImageBuffer": "not wrapped",
        "OrthancPluginDrawPixels": "not wrapped",
    }
    assert {e.sdk_name: e.status for e in mini_plan.coverage} == expected


def test_mini_reasons(mini_plan):
    assert "entry point" in _status(mini_plan, "OrthancPluginGetName")[1]
    assert "frees a string or buffer" in _status(mini_plan, "OrthancPluginFreeString")[1]
    assert "callback parameter `callback` (OrthancPluginSomeCallback)" in _status(
        mini_plan, "OrthancPluginRegisterSomeCallback")[1]
    # An output parameter becomes the result.
    tag = _wrapper(mini_plan, "GetTag")
    assert (tag.args, tag.result.kind, tag.result.py_type) == ([], b.ResultKind.OUTPUTS, "int")
    assert tag.call == [CONTEXT, b.CallSlot(b.CallSlotKind.OUTPUT, 0)]
    assert "array parameter `keys` (const char *const *)" in _status(mini_plan, "OrthancPluginSetHeaders")[1]
    assert "struct parameter `target` (OrthancPluginDictionaryEntry *)" in _status(
        mini_plan, "OrthancPluginLookupDictionary")[1]
    assert "raw `void *`" in _status(mini_plan, "OrthancPluginGetImageBuffer")[1]
    assert "no size parameter" in _status(mini_plan, "OrthancPluginDrawPixels")[1]
    for entry in mini_plan.coverage:
        assert bool(entry.reason) == (not entry.wrapped), entry


def test_memory_buffer_target_and_scalar_arguments(mini_plan):
    w = _wrapper(mini_plan, "HttpGet")
    assert w.result.kind == b.ResultKind.MEMORY_BUFFER and w.result.py_type == "bytes"
    assert w.call == [CONTEXT, TARGET, *(b.CallSlot(b.CallSlotKind.ARG, i) for i in range(5))]
    assert [(a.name, a.kind, a.format, a.py_type) for a in w.args] == [
        ("url", b.ArgKind.STRING, "s", "str"),
        ("username", b.ArgKind.STRING, "z", "Optional[str]"),  # "can be NULL" in its doc
        ("format", b.ArgKind.ENUM, "i", "int"),
        ("timeout", b.ArgKind.NATIVE, "L", "int"),
        ("ratio", b.ArgKind.NATIVE, "f", "float"),
    ]
    assert w.args[2].doc_type == "PixelFormat"
    assert w.text_signature == "($module, url, username, format, timeout, ratio, /)"


def test_buffer_with_size_is_one_argument(mini_plan):
    md5 = _wrapper(mini_plan, "ComputeMd5")
    assert [(a.name, a.kind, a.size_type) for a in md5.args] == [("buffer", b.ArgKind.BUFFER, "uint32_t")]
    assert md5.result.kind == b.ResultKind.OWNED_STRING

    answer = _wrapper(mini_plan, "RestOutput.AnswerBuffer")
    assert answer.self_handle is not None and answer.self_handle.c_type == "OrthancPluginRestOutput*"
    assert answer.call == [CONTEXT, SELF, *(b.CallSlot(b.CallSlotKind.ARG, i) for i in range(4))]
    assert [(a.name, a.kind) for a in answer.args] == [
        ("answer", b.ArgKind.BUFFER), ("mimeType", b.ArgKind.STRING), ("image", b.ArgKind.HANDLE), ("red", b.ArgKind.NATIVE),
    ]
    image = answer.args[2]
    assert image.nullable and image.handle_class == "Image" and image.c_type == "const OrthancPluginImage*"
    assert answer.args[3].format == "b"  # uint8_t: range-checked by CPython

    # const char* + <name>Size is a buffer too (SendHttpStatus's body).
    status = _wrapper(mini_plan, "RestOutput.SendHttpStatus")
    assert [(a.name, a.kind, a.c_type) for a in status.args] == [("body", b.ArgKind.BUFFER, "const char*")]


def test_results(mini_plan):
    create = _wrapper(mini_plan, "CreateImage")
    assert create.result.kind == b.ResultKind.HANDLE and create.result.handle_class == "Image"
    assert [(a.kind, a.local_type) for a in create.args] == [
        (b.ArgKind.ENUM, "int"), (b.ArgKind.UNSIGNED, "uint32_t"), (b.ArgKind.UNSIGNED, "uint16_t"),
    ]
    width = _wrapper(mini_plan, "Image.GetImageWidth")
    assert width.result.kind == b.ResultKind.INTEGER and width.result.from_c == "PyLong_FromUnsignedLong"
    assert width.self_handle.c_type == "const OrthancPluginImage*"
    assert _wrapper(mini_plan, "Image.GetImagePixelFormat").result.kind == b.ResultKind.ENUM
    assert _wrapper(mini_plan, "GetErrorDescription").result.kind == b.ResultKind.CONST_STRING
    assert _wrapper(mini_plan, "LogWarning").result.kind == b.ResultKind.VOID


def test_classes(mini_plan):
    image, rest_output = mini_plan.classes
    assert (image.name, image.c_type, image.destructor) == ("Image", "OrthancPluginImage", "OrthancPluginFreeImage")
    assert [w.py_name for w in image.methods] == ["GetImageWidth", "GetImagePixelFormat"]
    assert rest_output.destructor == ""
    assert image.docstring == "Opaque structure that represents an image."


def test_handwritten_tables(mini_module):
    plan = classify(
        mini_module,
        handwritten_functions=[
            Handwritten("RegisterSomeCallback", "RegisterSomeCallback", "(callback: Callable[[], None]) -> None",
                        "Registers.", ("OrthancPluginRegisterSomeCallback",)),
            Handwritten("HelperByHand", "HelperByHand", "(name: str, count: int = 0) -> str", "Helps.",
                        keywords=True),
        ],
        handwritten_methods={
            "Image": [
                Handwritten("GetImageWidth", "Image_GetImageWidthByHand", "() -> int", "Width."),
                Handwritten("GetTag", "Image_GetTag", "(index: int) -> int", "Tag.", ("OrthancPluginGetTag",)),
            ],
            "NoSuchHandle": [Handwritten("Ignored", "Ignored", "() -> None", "Not in this header.")],
        },
        internal={"OrthancPluginFreeString": "freed by the wrappers"},
    )
    assert _status(plan, "OrthancPluginRegisterSomeCallback")[0] == "hand-written: orthanc.RegisterSomeCallback"
    # A hand-written method replaces the generated one of the same name.
    assert _status(plan, "OrthancPluginGetImageWidth")[0] == "hand-written: orthanc.Image.GetImageWidth"
    # An SDK function that the generator cannot map is reached by a hand-written method.
    assert _status(plan, "OrthancPluginGetTag")[0] == "hand-written: orthanc.Image.GetTag"
    assert _status(plan, "OrthancPluginFreeString") == ("used by the wrappers", "freed by the wrappers")
    image = plan.classes[0]
    assert [w.py_name for w in image.methods] == ["GetImagePixelFormat"]
    assert [(h.name, h.symbol, h.sdk_names, h.signature, h.text_signature) for h in image.handwritten] == [
        ("GetImageWidth", "Image_GetImageWidthByHand", ["OrthancPluginGetImageWidth"], "(self) -> int",
         "($self, /)"),
        ("GetTag", "Image_GetTag", ["OrthancPluginGetTag"], "(self, index: int) -> int", "($self, index, /)"),
    ]
    assert [h.py_name for h in plan.handwritten_functions] == ["RegisterSomeCallback", "HelperByHand"]
    helper = plan.handwritten_functions[1]
    assert (helper.text_signature, helper.keywords) == ("($module, name, count=0)", True)
    assert plan.handwritten_functions[0].docstring.startswith("Registers.")
    assert plan.stub_types  # the callback protocols of orthanc.pyi


def test_text_signature():
    assert text_signature("() -> None", "$module", False) == "($module, /)"
    assert text_signature("(a: int, b: Optional[str] = None, c: bool = False) -> int", "$self", True) == (
        "($self, a, b=None, c=False)")


# --- the real header ----------------------------------------------------------


def test_real_functions_and_methods(real_plan):
    assert _status(real_plan, "OrthancPluginGetInstanceSize")[0] == "orthanc.DicomInstance.GetInstanceSize"
    assert _status(real_plan, "OrthancPluginGetDicomForInstance")[0] == "orthanc.GetDicomForInstance"
    assert _status(real_plan, "OrthancPluginCheckVersion")[0] == "orthanc.CheckVersion"
    assert _status(real_plan, "OrthancPluginCheckVersionAdvanced")[0] == "orthanc.CheckVersionAdvanced"
    # The handle after a MemoryBuffer target still makes a method (as upstream).
    assert _status(real_plan, "OrthancPluginWorklistGetDicomQuery")[0] == "orthanc.WorklistQuery.WorklistGetDicomQuery"
    # Upstream's names since its release 6.0, the older ones kept as aliases.
    assert _status(real_plan, "OrthancPluginStorageAreaRead")[0] == "orthanc.StorageArea.Read"
    assert _wrapper(real_plan, "StorageArea.Read").deprecated_aliases == ["StorageAreaRead"]
    assert _wrapper(real_plan, "FindMatcher.IsMatch").deprecated_aliases == ["FindMatcherIsMatch"]
    assert _status(real_plan, "OrthancPluginCreateMemoryBuffer64")[0] == "orthanc.CreateMemoryBuffer64"
    assert _wrapper(real_plan, "CreateMemoryBuffer64").result.kind == b.ResultKind.MEMORY_BUFFER64


def test_real_destructors(real_plan):
    destructors = {c.name: c.destructor for c in real_plan.classes if c.destructor}
    assert destructors == {
        "DicomInstance": "OrthancPluginFreeDicomInstance",
        "Image": "OrthancPluginFreeImage",
        "FindMatcher": "OrthancPluginFreeFindMatcher",
        "Peers": "OrthancPluginFreePeers",
        "Job": "OrthancPluginFreeJob",
    }
    assert _status(real_plan, "OrthancPluginFreeImage")[0] == "destructor of orthanc.Image"


def test_real_handwritten(real_plan):
    assert _status(real_plan, "OrthancPluginRegisterRestCallback")[0] == "hand-written: orthanc.RegisterRestCallback"
    assert _status(real_plan, "OrthancPluginRegisterRestCallbackNoLock")[0] == (
        "hand-written: orthanc.RegisterRestCallback")
    assert _status(real_plan, "OrthancPluginRegisterIncomingHttpRequestFilter2")[0] == (
        "hand-written: orthanc.RegisterIncomingHttpRequestFilter")
    assert _status(real_plan, "OrthancPluginGetFindQueryTag")[0] == (
        "hand-written: orthanc.FindQuery.GetFindQueryTagGroup")
    assert _status(real_plan, "OrthancPluginRegisterMoveCallback")[0] == "hand-written: orthanc.RegisterMoveCallback"
    names = [h.py_name for h in real_plan.handwritten_functions]
    assert names[:4] == [
        "RegisterRestCallback", "RegisterOnChangeCallback", "RegisterOnStoredInstanceCallback",
        "RegisterIncomingHttpRequestFilter",
    ]
    for name in ("RegisterFindCallback", "RegisterMoveCallback2", "RegisterStorageArea", "CreateImageFromBuffer",
                 "LookupDictionary", "RegisterWebDavCollection", "CreateJob"):
        assert name in names
    # Every SDK function a hand-written entry claims exists in the header.
    known = {f.sdk_name for f in real_plan.coverage}
    for h in real_plan.handwritten_functions:
        assert set(h.sdk_names) <= known


def test_real_coverage(real_plan):
    """Everything but the plugin's entry point is reachable from Python."""
    not_wrapped = [e.sdk_name for e in real_plan.coverage if not e.wrapped]
    assert not_wrapped == ["OrthancPluginGetName"]
    assert real_plan.entry_points == ["OrthancPluginGetName"]
    assert real_plan.wrapped_percent >= 97.0
    assert _status(real_plan, "OrthancPluginFreeMemoryBuffer64")[0] == "used by the wrappers"


def test_real_not_wrapped_reasons(bare_real_plan):
    plan = bare_real_plan  # the generator alone
    assert "callback parameter" in _status(plan, "OrthancPluginRegisterWorklistCallback")[1]
    tag = _wrapper(plan, "FindQuery.GetFindQueryTag")
    assert ([o.name for o in tag.result.outputs], tag.result.py_type) == (["group", "element"], "Tuple[int, int]")
    assert "OrthancPluginDictionaryEntry" in _status(plan, "OrthancPluginLookupDictionary")[1]
    assert "untyped `void *`" in _status(plan, "OrthancPluginCreateJob")[1]
    # Several output buffers and a status: a tuple (hand-written in src/ for upstream's shape).
    client = _wrapper(plan, "HttpClient")
    assert [o.kind for o in client.result.outputs] == [b.OutputKind.BYTES, b.OutputKind.BYTES, b.OutputKind.INTEGER]
    assert "raw `const void *`" in _status(plan, "OrthancPluginGetInstanceData")[1]
    assert _status(plan, "OrthancPluginFreeMemoryBuffer64")[0] == "not wrapped"


def test_string_maps_and_image_buffers(real_plan):
    get2 = _wrapper(real_plan, "RestApiGet2")
    assert [(a.name, a.kind, a.py_type) for a in get2.args] == [
        ("uri", b.ArgKind.STRING, "str"), ("headers", b.ArgKind.STRING_MAP, "Mapping[str, str]"),
        ("afterPlugins", b.ArgKind.NATIVE, "int"),
    ]
    assert get2.call == [CONTEXT, TARGET, *(b.CallSlot(b.CallSlotKind.ARG, i) for i in range(3))]
    item = _wrapper(real_plan, "RestOutput.SendMultipartItem2")
    assert [a.kind for a in item.args] == [b.ArgKind.BUFFER, b.ArgKind.STRING_MAP]
    for name in ("CompressPngImage", "CompressJpegImage", "RestOutput.CompressAndAnswerPngImage",
                 "RestOutput.CompressAndAnswerJpegImage"):
        w = _wrapper(real_plan, name)
        buffer = next(a for a in w.args if a.name == "buffer")
        assert buffer.kind == b.ArgKind.IMAGE_BUFFER, name
        assert buffer.image_locals == ["format", "width", "height", "pitch"]


def test_submit_job_consumes_its_handle(real_plan):
    submit = _wrapper(real_plan, "Job.SubmitJob")
    assert submit.self_handle.consumed
    assert not _wrapper(real_plan, "Image.DrawText").self_handle.consumed


def test_integer_arguments_are_range_checked(real_plan):
    draw = _wrapper(real_plan, "Image.DrawText")
    assert [(a.name, a.format) for a in draw.args] == [
        ("fontIndex", "O&"), ("utf8Text", "s"), ("x", "i"), ("y", "i"), ("r", "b"), ("g", "b"), ("b", "b"),
    ]
    store = _wrapper(real_plan, "StorageArea.Create")
    assert [(a.name, a.kind, a.size_type) for a in store.args][1] == ("content", b.ArgKind.BUFFER, "uint64_t")
    status = _wrapper(real_plan, "RestOutput.SendHttpStatusCode")
    assert (status.args[0].kind, status.args[0].local_type) == (b.ArgKind.UNSIGNED, "uint16_t")


def test_docstrings(real_plan):
    w = _wrapper(real_plan, "GetDicomForInstance")
    assert w.docstring.startswith("Retrieve a DICOM instance using its Orthanc identifier.\n\n")
    assert "Args:\n  instanceId (str): The Orthanc identifier of the DICOM instance of\n    interest." in w.docstring
    assert "context" not in w.docstring.split("Args:")[1]
    assert w.docstring.endswith("Returns:\n  bytes")
    size = _wrapper(real_plan, "DicomInstance.GetInstanceSize")
    assert "Returns:\n  int: The size of the file, -1 in case of error." in size.docstring
    assert "instance (" not in size.docstring  # self is not an argument


def test_newer_functions_check_the_running_orthanc(mini_module):
    plan = classify(mini_module, [
        Handwritten("RegisterLater", "RegisterLater", "() -> None", "Later.", ("OrthancPluginCreateImage",)),
        Handwritten("RegisterAbsent", "RegisterAbsent", "() -> None", "Absent.", ("OrthancPluginNotInThisHeader",)),
    ], {})
    assert _wrapper(plan, "GetTag").since == [9, 1, 0]
    assert _wrapper(plan, "GetErrorDescription").since == []  # as old as the oldest supported Orthanc
    assert [h.py_name for h in plan.handwritten_functions] == ["RegisterLater"]
    assert plan.handwritten_functions[0].since == [9, 2, 0]
    assert [(left.python_name, left.missing) for left in plan.left_out] == [
        ("orthanc.RegisterAbsent", ["OrthancPluginNotInThisHeader"])]
