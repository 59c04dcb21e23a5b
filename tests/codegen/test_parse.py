"""parse.py: the real SDK header and the synthetic one, read by libclang."""

from __future__ import annotations

import hashlib

from codegen import model as m


def test_real_header_counts(real_module, real_header):
    assert real_module.sdk_version == "1.10.1"
    assert real_module.header == "OrthancCPlugin.h"
    assert real_module.header_sha256 == hashlib.sha256(real_header.read_bytes()).hexdigest()
    assert len(real_module.functions) == 167
    # Only OrthancPluginGetName is a declaration for the plugin to implement.
    assert [f.name for f in real_module.functions if not f.is_inline] == ["OrthancPluginGetName"]
    assert len(real_module.enums) == 23  # 21 public + _OrthancPluginService, _OrthancPluginProperty


def test_real_header_handle_types(real_module):
    assert [c.name for c in real_module.classes] == [
        "OrthancPluginRestOutput", "OrthancPluginDicomInstance", "OrthancPluginImage",
        "OrthancPluginStorageArea", "OrthancPluginWorklistQuery", "OrthancPluginWorklistAnswers",
        "OrthancPluginFindQuery", "OrthancPluginFindAnswers", "OrthancPluginFindMatcher",
        "OrthancPluginPeers", "OrthancPluginJob", "OrthancPluginDicomWebNode",
        "OrthancPluginServerChunkedRequestReader", "OrthancPluginWebDavCollection",
    ]
    assert "OrthancPluginContext" in [s.name for s in real_module.structs]


def test_real_header_function_types(real_module):
    f = real_module.function("OrthancPluginGetInstanceSize")
    assert f.return_type.kind == m.INTEGER and f.return_type.name == "int64_t"
    assert f.return_type.bits == 64 and f.return_type.signed
    instance = f.params[1].type
    assert instance.kind == m.POINTER and instance.pointee.kind == m.OPAQUE
    assert instance.pointee.name == "OrthancPluginDicomInstance" and instance.pointee.is_const

    callback = real_module.function("OrthancPluginRegisterRestCallback").params[2].type
    assert callback.kind == m.POINTER and callback.name == "OrthancPluginRestCallback"
    assert callback.pointee.kind == m.FUNCTION

    keys = real_module.function("OrthancPluginRestApiGet2").params[4].type
    assert keys.pointee.kind == m.POINTER and keys.pointee.is_const
    assert keys.pointee.pointee.name == "char"


def test_real_header_docs(real_module):
    doc = real_module.function("OrthancPluginGetDicomForInstance").doc
    assert doc.brief == "Retrieve a DICOM instance using its Orthanc identifier."
    assert [p.name for p in doc.params] == ["context", "target", "instanceId"]
    assert doc.returns.startswith("0 if success")
    error_code = next(e for e in real_module.enums if e.name == "OrthancPluginErrorCode")
    assert error_code.values[0].name == "OrthancPluginErrorCode_InternalError"
    assert error_code.values[0].value == -1 and error_code.values[0].doc == "Internal error"


def test_mini_header(mini_module):
    assert mini_module.sdk_version == "9.8.7"
    assert [c.name for c in mini_module.classes] == ["OrthancPluginImage", "OrthancPluginRestOutput"]
    assert [e.name for e in mini_module.enums] == [
        "OrthancPluginErrorCode", "OrthancPluginPixelFormat", "_OrthancPluginService",
    ]
    assert [s.name for s in mini_module.structs] == [
        "OrthancPluginMemoryBuffer", "OrthancPluginDictionaryEntry", "OrthancPluginContext",
    ]
    pixel = mini_module.enums[1]
    assert pixel.doc.brief == "The pixel formats."
    assert pixel.doc.details == ["Second paragraph of the enum documentation."]

    http_get = mini_module.function("OrthancPluginHttpGet")
    kinds = [(p.name, p.type.kind, p.type.name) for p in http_get.params]
    assert kinds == [
        ("context", m.POINTER, ""),
        ("target", m.POINTER, ""),
        ("url", m.POINTER, ""),
        ("username", m.POINTER, ""),
        ("format", m.ENUM, "OrthancPluginPixelFormat"),
        ("timeout", m.INTEGER, "int64_t"),
        ("ratio", m.FLOAT, "float"),
    ]
    assert http_get.params[1].type.pointee.kind == m.STRUCT
    assert http_get.params[1].type.pointee.name == "OrthancPluginMemoryBuffer"
    height = mini_module.function("OrthancPluginCreateImage").params[3].type
    assert (height.name, height.bits, height.signed) == ("uint16_t", 16, False)


def test_since_comes_from_the_header(mini_module, real_module):
    # ORTHANC_PLUGIN_SINCE_SDK (headers 1.12.8 and later), else the comment of the service invoked.
    assert mini_module.function("OrthancPluginCreateImage").since == "9.2.0"
    assert mini_module.function("OrthancPluginGetTag").since == "9.1.0"
    assert mini_module.function("OrthancPluginGetName").since == ""  # an entry point, not a service
    assert real_module.function("OrthancPluginRegisterWebDavCollection").since == "1.10.1"
    assert real_module.function("OrthancPluginLogInfo").since == ""  # older than any comment


def test_parse_is_independent_of_the_host_libc(mini_module):
    # The fake libc defines the fixed-width types; the model keeps their typedef names.
    size = mini_module.function("OrthancPluginComputeMd5").params[2].type
    assert size.name == "uint32_t" and size.bits == 32
