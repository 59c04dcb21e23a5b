// Callbacks that extend what Orthanc does with images and metrics:
//   orthanc.RegisterRefreshMetricsCallback()   update the metrics before Orthanc publishes them
//   orthanc.RegisterDecodeImageCallback()      decode DICOM frames in Python
//   orthanc.RegisterTranscoderCallback()       transcode DICOM instances in Python
#include "../Errors.h"
#include "../Gil.h"
#include "../PythonSupport.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <cstdint>
#include <cstring>

namespace
{
CallbackList refreshMetrics_;
CallbackSlot decodeImage_("decode image callback");
CallbackSlot transcoder_("transcoder callback");

void OnRefreshMetrics()
{
  GilHold gil;
  for (const PyRef& callback : refreshMetrics_.Snapshot())
  {
    CallPython(callback.get(), "the refresh metrics callback", {}, nullptr, Coroutine::kAwaited);
  }
}

OrthancPluginErrorCode OnDecodeImage(OrthancPluginImage** target, const void* dicom, const uint32_t size,
                                     uint32_t frameIndex)
{
  const char* where = "the decode image callback";
  GilHold gil;
  PyRef data = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(dicom), static_cast<Py_ssize_t>(size)));
  PyRef frame = PyRef::Steal(PyLong_FromUnsignedLong(frameIndex));
  PyRef result = CallPython(decodeImage_, where, {data.get(), frame.get()});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (result.get() == Py_None)
  {
    *target = nullptr;  // not decoded here: Orthanc tries its other decoders
    return OrthancPluginErrorCode_Success;
  }
  if (!callback_result::StrictInstance(result.get(), generated::Image_Type(), where, "an orthanc.Image or None",
                                       "the frame is not decoded"))
  {
    return OrthancPluginErrorCode_Plugin;
  }
  // The image becomes Orthanc's: the Python object is invalidated.
  void* image = TakeOwnedHandle(result.get(), generated::Image_Type());
  if (image == nullptr)
  {
    return ReportPythonError(where);
  }
  *target = static_cast<OrthancPluginImage*>(image);
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode OnTranscode(OrthancPluginMemoryBuffer* transcoded, const void* buffer, uint64_t size,
                                   const char* const* allowedSyntaxes, uint32_t countSyntaxes,
                                   uint8_t allowNewSopInstanceUid)
{
  const char* where = "the transcoder callback";
  GilHold gil;
  PyRef data = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(buffer), static_cast<Py_ssize_t>(size)));
  PyRef syntaxes = ListOfStrings(allowedSyntaxes, countSyntaxes);
  PyRef result = CallPython(transcoder_, where, {data.get(), syntaxes.get(), allowNewSopInstanceUid ? Py_True : Py_False});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (result.get() == Py_None)
  {
    // Not transcoded here: Orthanc tries its other transcoders.
    return OrthancPluginErrorCode_NotImplemented;
  }
  Py_buffer view;
  if (!callback_result::StrictBuffer(result.get(), where, "bytes or None", "the instance is not transcoded", view))
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (static_cast<unsigned long long>(view.len) > UINT32_MAX)
  {
    PyBuffer_Release(&view);
    PyErr_SetString(PyExc_OverflowError, "the transcoded DICOM file is too large for the Orthanc SDK (4 GB)");
    return ReportPythonError(where);
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginCreateMemoryBuffer(PluginContext(), transcoded, static_cast<uint32_t>(view.len));
    if (code == OrthancPluginErrorCode_Success && view.len > 0)
    {
      memcpy(transcoded->data, view.buf, static_cast<size_t>(view.len));
    }
  }
  PyBuffer_Release(&view);
  return code;
}
}  // namespace

PyObject* RegisterRefreshMetricsCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, refreshMetrics_, "RegisterRefreshMetricsCallback",
                              [] { OrthancPluginRegisterRefreshMetricsCallback(PluginContext(), OnRefreshMetrics); });
}

PyObject* RegisterDecodeImageCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, decodeImage_, "RegisterDecodeImageCallback", [] {
    return OrthancPluginRegisterDecodeImageCallback(PluginContext(), OnDecodeImage);
  });
}

PyObject* RegisterTranscoderCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, transcoder_, "RegisterTranscoderCallback", [] {
    return OrthancPluginRegisterTranscoderCallback(PluginContext(), OnTranscode);
  });
}
