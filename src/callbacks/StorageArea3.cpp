// orthanc.RegisterStorageArea3(): a storage area written in Python, with the
// custom data that Orthanc keeps next to each attachment (SDK 1.12.8+).
// Python shapes as upstream 7.1: create() returns (ErrorCode, customData),
// read() returns (ErrorCode, bytes), remove() returns an ErrorCode; the plain
// forms (customData / bytes / None) are accepted too.
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#if ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 8)

#include <cstring>
#include <string>

namespace
{
CallbackSlot create3_("storage area");
CallbackSlot read3_("storage area");
CallbackSlot remove3_("storage area");

void LogShapeError(const char* where, const std::string& what)
{
  LogError(std::string("Python plugin: ") + where + " " + what);
}

// An orthanc.ErrorCode returned by Python (int, not bool); false if it is not one.
bool ErrorCodeOf(PyObject* value, OrthancPluginErrorCode& code)
{
  if (!PyLong_Check(value) || PyBool_Check(value))
  {
    return false;
  }
  const long number = PyLong_AsLong(value);
  if (number == -1 && PyErr_Occurred() != nullptr)
  {
    PyErr_Clear();
    return false;
  }
  code = static_cast<OrthancPluginErrorCode>(number);
  return true;
}

// Splits `result` into (code, data): (int, data) as upstream, or data alone (SUCCESS).
bool SplitResult(PyObject* result, OrthancPluginErrorCode& code, PyObject*& data)
{
  if (PyTuple_Check(result))
  {
    if (PyTuple_GET_SIZE(result) != 2 || !ErrorCodeOf(PyTuple_GET_ITEM(result, 0), code))
    {
      return false;
    }
    data = PyTuple_GET_ITEM(result, 1);
    return true;
  }
  code = OrthancPluginErrorCode_Success;
  data = result;
  return true;
}

PyRef BytesOf(const void* data, uint64_t size)
{
  return PyRef::Steal(PyBytes_FromStringAndSize(data != nullptr ? static_cast<const char*>(data) : "",
                                                static_cast<Py_ssize_t>(data != nullptr ? size : 0)));
}

OrthancPluginErrorCode Create3(OrthancPluginMemoryBuffer* customData, const char* uuid, const void* content,
                               uint64_t size, OrthancPluginContentType type,
                               OrthancPluginCompressionType compressionType,
                               const OrthancPluginDicomInstance* dicomInstance)
{
  const char* where = "the storage area (create)";
  GilHold gil;
  PyRef data = BytesOf(content, size);
  // None when Orthanc stores something else than a DICOM instance (never invalidated).
  BorrowedHandle instance(dicomInstance != nullptr ? PyRef::Steal(generated::Wrap_DicomInstance(dicomInstance, false))
                                                   : PyRef());
  PyObject* instanceArgument = dicomInstance != nullptr ? instance.get() : Py_None;
  PyRef result = CallPython(create3_, where, {Str(uuid).get(), Int(type).get(), Int(compressionType).get(), data.get(),
                                              instanceArgument});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  OrthancPluginErrorCode code;
  PyObject* custom = nullptr;
  if (!SplitResult(result.get(), code, custom) || (custom != Py_None && !PyBytes_Check(custom)))
  {
    LogShapeError(where, "must return (orthanc.ErrorCode, bytes or None), bytes or None");
    return OrthancPluginErrorCode_Plugin;
  }
  if (code != OrthancPluginErrorCode_Success)
  {
    return code;
  }
  if (custom != Py_None && PyBytes_GET_SIZE(custom) > 0)
  {
    const Py_ssize_t length = PyBytes_GET_SIZE(custom);
    if (static_cast<uint64_t>(length) > UINT32_MAX)
    {
      LogShapeError(where, "returned custom data larger than 4 GB");
      return OrthancPluginErrorCode_NotEnoughMemory;
    }
    // Orthanc frees `customData`.
    code = OrthancPluginCreateMemoryBuffer(PluginContext(), customData, static_cast<uint32_t>(length));
    if (code != OrthancPluginErrorCode_Success)
    {
      return code;
    }
    memcpy(customData->data, PyBytes_AS_STRING(custom), static_cast<size_t>(length));
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode ReadRange3(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                  OrthancPluginContentType type, uint64_t rangeStart, const void* customData,
                                  uint32_t customDataSize)
{
  // Orthanc allocated `target` with the size of the range.
  const char* where = "the storage area (read)";
  GilHold gil;
  const uint64_t wanted = target->size;
  PyRef custom = BytesOf(customData, customDataSize);
  PyRef start = PyRef::Steal(PyLong_FromUnsignedLongLong(rangeStart));
  PyRef length = PyRef::Steal(PyLong_FromUnsignedLongLong(wanted));
  PyRef result = CallPython(read3_, where, {Str(uuid).get(), Int(type).get(), start.get(), length.get(), custom.get()});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  OrthancPluginErrorCode code;
  PyObject* data = nullptr;
  if (!SplitResult(result.get(), code, data))
  {
    LogShapeError(where, "must return bytes or (orthanc.ErrorCode, bytes)");
    return OrthancPluginErrorCode_Plugin;
  }
  if (code != OrthancPluginErrorCode_Success)
  {
    return code;
  }
  Py_buffer view;
  if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
  {
    PyErr_Clear();
    LogShapeError(where, std::string("must return bytes, not '") + Py_TYPE(data)->tp_name + "'");
    return OrthancPluginErrorCode_Plugin;
  }
  if (static_cast<uint64_t>(view.len) != wanted)
  {
    LogShapeError(where, "returned " + std::to_string(view.len) + " bytes instead of " + std::to_string(wanted));
    code = OrthancPluginErrorCode_BadRange;
  }
  else if (view.len > 0)
  {
    memcpy(target->data, view.buf, static_cast<size_t>(view.len));
  }
  PyBuffer_Release(&view);
  return code;
}

OrthancPluginErrorCode Remove3(const char* uuid, OrthancPluginContentType type, const void* customData,
                               uint32_t customDataSize)
{
  const char* where = "the storage area (remove)";
  GilHold gil;
  PyRef custom = BytesOf(customData, customDataSize);
  PyRef result = CallPython(remove3_, where, {Str(uuid).get(), Int(type).get(), custom.get()});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (result.get() == Py_None)
  {
    return OrthancPluginErrorCode_Success;
  }
  OrthancPluginErrorCode code;
  if (!ErrorCodeOf(result.get(), code))
  {
    LogShapeError(where, "must return None or an orthanc.ErrorCode");
    return OrthancPluginErrorCode_Plugin;
  }
  return code;
}
}  // namespace

PyObject* RegisterStorageArea3(PyObject* /* module */, PyObject* args)
{
  PyObject* create = nullptr;
  PyObject* read = nullptr;
  PyObject* remove = nullptr;
  const char* function = "RegisterStorageArea3";
  if (!PyArg_ParseTuple(args, "OOO:RegisterStorageArea3", &create, &read, &remove) ||
      !CheckCallable(create, function) || !CheckCallable(read, function) || !CheckCallable(remove, function) ||
      !create3_.Set(create, function))
  {
    return nullptr;
  }
  read3_.Set(read, function);
  remove3_.Set(remove, function);
  {
    GilRelease nogil;
    OrthancPluginRegisterStorageArea3(PluginContext(), Create3, ReadRange3, Remove3);
  }
  Py_RETURN_NONE;
}

#endif  // ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 8)
