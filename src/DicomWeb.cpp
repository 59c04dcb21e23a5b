// DICOMweb conversions with an optional Python callback that decides how the
// binary tags are written: orthanc.EncodeDicomWebJson(), EncodeDicomWebXml(),
// their "2" variants, and orthanc.DicomInstance.GetInstanceDicomWebJson() / Xml().
#include "Convert.h"
#include "Errors.h"
#include "Gil.h"
#include "HandleObject.h"
#include "OrthancGenerated.h"
#include "PluginContext.h"
#include "PyRef.h"

#include <string>

namespace
{
// One conversion: the Python callback, and the first exception it raised.
struct BinaryCallback
{
  PyObject* callable = nullptr;  // borrowed from the arguments of the call
  PyRef errorType;
  PyRef errorValue;
  PyRef errorTraceback;
  bool failed = false;
};

// The callback of the SDK's first version has no payload: the conversion in
// progress on this thread.
thread_local BinaryCallback* current_ = nullptr;

void CallBinaryCallback(BinaryCallback& callback, OrthancPluginDicomWebNode* node,
                        OrthancPluginDicomWebSetBinaryNode setter, uint32_t levelDepth, const uint16_t* levelTagGroup,
                        const uint16_t* levelTagElement, const uint32_t* levelIndex, uint16_t tagGroup,
                        uint16_t tagElement, OrthancPluginValueRepresentation vr)
{
  int mode = OrthancPluginDicomWebBinaryMode_Ignore;
  std::string uri;
  {
    GilHold gil;
    if (callback.failed)
    {
      return;  // the first exception is what the caller gets; the rest of the tags are ignored
    }
    PyRef levels = PyRef::Steal(PyList_New(levelDepth));
    for (uint32_t i = 0; levels && i < levelDepth; i++)
    {
      PyObject* level = Py_BuildValue("(iik)", static_cast<int>(levelTagGroup[i]), static_cast<int>(levelTagElement[i]),
                                      static_cast<unsigned long>(levelIndex[i]));
      if (level == nullptr)
      {
        levels = PyRef();
        break;
      }
      PyList_SET_ITEM(levels.get(), i, level);
    }
    PyRef result = levels ? PyRef::Steal(PyObject_CallFunction(callback.callable, "Oiii", levels.get(),
                                                               static_cast<int>(tagGroup),
                                                               static_cast<int>(tagElement), static_cast<int>(vr)))
                          : PyRef();
    const char* uriText = nullptr;
    bool ok = static_cast<bool>(result);
    PyObject* modeObject = result.get();
    if (ok && PyTuple_Check(result.get()))
    {
      ok = PyArg_ParseTuple(result.get(), "Oz", &modeObject, &uriText);
    }
    // Strictly a DicomWebBinaryMode or its int value (a bool too, as the
    // upstream plugin reads an int): anything else (7, "ignore", 1.0) fails
    // the encoding instead of choosing a mode.
    if (ok && !PyLong_Check(modeObject))
    {
      PyErr_Format(PyExc_TypeError, "the DICOMweb binary callback must return an orthanc.DicomWebBinaryMode "
                   "(or (mode, uri)), not '%.100s'", Py_TYPE(modeObject)->tp_name);
      ok = false;
    }
    if (ok)
    {
      const long value = PyLong_AsLong(modeObject);
      ok = !(value == -1 && PyErr_Occurred() != nullptr);
      if (ok && value != OrthancPluginDicomWebBinaryMode_Ignore && value != OrthancPluginDicomWebBinaryMode_InlineBinary &&
          value != OrthancPluginDicomWebBinaryMode_BulkDataUri)
      {
        PyErr_Format(PyExc_ValueError, "the DICOMweb binary callback returned %ld, not an orthanc.DicomWebBinaryMode",
                     value);
        ok = false;
      }
      mode = static_cast<int>(value);
    }
    if (ok && mode == OrthancPluginDicomWebBinaryMode_BulkDataUri && uriText == nullptr)
    {
      PyErr_SetString(PyExc_ValueError, "DicomWebBinaryMode.BULK_DATA_URI needs a URI: return (mode, uri)");
      ok = false;
    }
    if (!ok)
    {
      PyObject* type = nullptr;
      PyObject* value = nullptr;
      PyObject* traceback = nullptr;
      PyErr_Fetch(&type, &value, &traceback);
      callback.errorType = PyRef::Steal(type);
      callback.errorValue = PyRef::Steal(value);
      callback.errorTraceback = PyRef::Steal(traceback);
      callback.failed = true;
      return;
    }
    uri = uriText != nullptr ? uriText : "";
  }
  setter(node, static_cast<OrthancPluginDicomWebBinaryMode>(mode), uri.c_str());
}

void BinaryCallback1(OrthancPluginDicomWebNode* node, OrthancPluginDicomWebSetBinaryNode setter, uint32_t levelDepth,
                     const uint16_t* levelTagGroup, const uint16_t* levelTagElement, const uint32_t* levelIndex,
                     uint16_t tagGroup, uint16_t tagElement, OrthancPluginValueRepresentation vr)
{
  CallBinaryCallback(*current_, node, setter, levelDepth, levelTagGroup, levelTagElement, levelIndex, tagGroup,
                     tagElement, vr);
}

void BinaryCallback2(OrthancPluginDicomWebNode* node, OrthancPluginDicomWebSetBinaryNode setter, uint32_t levelDepth,
                     const uint16_t* levelTagGroup, const uint16_t* levelTagElement, const uint32_t* levelIndex,
                     uint16_t tagGroup, uint16_t tagElement, OrthancPluginValueRepresentation vr, void* payload)
{
  CallBinaryCallback(*static_cast<BinaryCallback*>(payload), node, setter, levelDepth, levelTagGroup,
                     levelTagElement, levelIndex, tagGroup, tagElement, vr);
}

// The optional callback argument (None or absent: binary tags inline).
bool ParseCallback(PyObject* object, BinaryCallback& callback)
{
  if (object == nullptr || object == Py_None)
  {
    return true;
  }
  if (!PyCallable_Check(object))
  {
    PyErr_Format(PyExc_TypeError, "the callback must be callable or None, not '%.100s'", Py_TYPE(object)->tp_name);
    return false;
  }
  callback.callable = object;
  return true;
}

// The converted text, or the exception of the callback, or orthanc.OrthancException.
PyObject* Result(char* text, BinaryCallback& callback)
{
  if (callback.failed)
  {
    if (text != nullptr)
    {
      GilRelease nogil;
      OrthancPluginFreeString(PluginContext(), text);
    }
    PyErr_Restore(callback.errorType.release(), callback.errorValue.release(), callback.errorTraceback.release());
    return nullptr;
  }
  return ResultFromOwnedString(text, OrthancPluginErrorCode_BadFileFormat);
}

enum class Version { First, Second };

PyObject* Encode(PyObject* args, const char* format, bool json, Version version)
{
  BufferArg dicom;
  PyObject* callbackObject = nullptr;
  BinaryCallback callback;
  if (!PyArg_ParseTuple(args, format, &BufferArg::Convert, &dicom, &callbackObject) ||
      !generated::CheckBufferSize<uint32_t>(dicom, "dicom") || !ParseCallback(callbackObject, callback))
  {
    return nullptr;
  }
  const auto size = static_cast<uint32_t>(dicom.size());
  char* text;
  {
    GilRelease nogil;
    if (version == Version::First)
    {
      BinaryCallback* previous = current_;
      current_ = &callback;
      auto* function = callback.callable != nullptr ? BinaryCallback1 : nullptr;
      text = json ? OrthancPluginEncodeDicomWebJson(PluginContext(), dicom.data(), size, function)
                  : OrthancPluginEncodeDicomWebXml(PluginContext(), dicom.data(), size, function);
      current_ = previous;
    }
    else
    {
      auto* function = callback.callable != nullptr ? BinaryCallback2 : nullptr;
      text = json ? OrthancPluginEncodeDicomWebJson2(PluginContext(), dicom.data(), size, function, &callback)
                  : OrthancPluginEncodeDicomWebXml2(PluginContext(), dicom.data(), size, function, &callback);
    }
  }
  return Result(text, callback);
}

PyObject* InstanceToDicomWeb(PyObject* self, PyObject* args, const char* format, bool json)
{
  auto* instance = static_cast<const OrthancPluginDicomInstance*>(HandleOf(self, generated::DicomInstance_Type()));
  PyObject* callbackObject = nullptr;
  BinaryCallback callback;
  if (instance == nullptr || !PyArg_ParseTuple(args, format, &callbackObject) ||
      !ParseCallback(callbackObject, callback))
  {
    return nullptr;
  }
  char* text;
  {
    GilRelease nogil;
    auto* function = callback.callable != nullptr ? BinaryCallback2 : nullptr;
    text = json ? OrthancPluginGetInstanceDicomWebJson(PluginContext(), instance, function, &callback)
                : OrthancPluginGetInstanceDicomWebXml(PluginContext(), instance, function, &callback);
  }
  return Result(text, callback);
}
}  // namespace

PyObject* EncodeDicomWebJson(PyObject* /* module */, PyObject* args)
{
  return Encode(args, "O&|O:EncodeDicomWebJson", true, Version::First);
}

PyObject* EncodeDicomWebXml(PyObject* /* module */, PyObject* args)
{
  return Encode(args, "O&|O:EncodeDicomWebXml", false, Version::First);
}

PyObject* EncodeDicomWebJson2(PyObject* /* module */, PyObject* args)
{
  return Encode(args, "O&|O:EncodeDicomWebJson2", true, Version::Second);
}

PyObject* EncodeDicomWebXml2(PyObject* /* module */, PyObject* args)
{
  return Encode(args, "O&|O:EncodeDicomWebXml2", false, Version::Second);
}

PyObject* DicomInstance_GetInstanceDicomWebJson(PyObject* self, PyObject* args)
{
  return InstanceToDicomWeb(self, args, "|O:GetInstanceDicomWebJson", true);
}

PyObject* DicomInstance_GetInstanceDicomWebXml(PyObject* self, PyObject* args)
{
  return InstanceToDicomWeb(self, args, "|O:GetInstanceDicomWebXml", false);
}
