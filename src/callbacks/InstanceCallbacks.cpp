// Filters of incoming instances:
//   orthanc.RegisterReceivedInstanceCallback()      keep, modify or discard any received instance
//   orthanc.RegisterIncomingCStoreInstanceFilter()  accept a C-STORE, or refuse it with a DIMSE status
//   orthanc.RegisterIncomingDicomInstanceFilter()   accept or discard any received instance
// Orthanc calls them synchronously, from the thread that receives the instance.
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"

#include <cstring>
#include <string>

namespace
{
CallbackSlot receivedInstance_("received instance callback");
CallbackSlot cstoreFilter_("incoming C-STORE instance filter");
CallbackSlot dicomFilter_("incoming DICOM instance filter");

// Copies `data` (bytes-like) into a buffer that Orthanc allocates and later frees.
bool CopyToOrthancBuffer(PyObject* data, OrthancPluginMemoryBuffer64* target)
{
  Py_buffer view;
  if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
  {
    return false;
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginCreateMemoryBuffer64(PluginContext(), target, static_cast<uint64_t>(view.len));
    if (code == OrthancPluginErrorCode_Success && view.len > 0)
    {
      memcpy(target->data, view.buf, static_cast<size_t>(view.len));
    }
  }
  PyBuffer_Release(&view);
  if (code != OrthancPluginErrorCode_Success)
  {
    RaiseOrthancError(code);
    return false;
  }
  return true;
}

OrthancPluginReceivedInstanceAction OnReceivedInstance(OrthancPluginMemoryBuffer64* modified, const void* data,
                                                       uint64_t size, OrthancPluginInstanceOrigin origin)
{
  const char* where = "the received instance callback";
  GilHold gil;
  PyRef callback = receivedInstance_.Get();
  if (!callback)
  {
    return OrthancPluginReceivedInstanceAction_KeepAsIs;
  }
  PyRef dicom = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size)));
  PyRef result = dicom ? PyRef::Steal(PyObject_CallFunction(callback.get(), "Oi", dicom.get(), static_cast<int>(origin)))
                       : PyRef();
  if (!result)
  {
    // As upstream: the instance is kept as it is.
    ReportPythonError(where);
    return OrthancPluginReceivedInstanceAction_KeepAsIs;
  }

  // (action, modified DICOM or None); a bare action is accepted too.
  PyObject* action = result.get();
  PyObject* modifiedDicom = Py_None;
  if (PyTuple_Check(result.get()))
  {
    if (PyTuple_GET_SIZE(result.get()) != 2)
    {
      LogError("Python plugin: the received instance callback must return (orthanc.ReceivedInstanceAction, "
               "bytes or None); the instance is kept as it is");
      return OrthancPluginReceivedInstanceAction_KeepAsIs;
    }
    action = PyTuple_GET_ITEM(result.get(), 0);
    modifiedDicom = PyTuple_GET_ITEM(result.get(), 1);
  }
  const long value = PyLong_Check(action) ? PyLong_AsLong(action) : -1;
  switch (value)
  {
    case OrthancPluginReceivedInstanceAction_KeepAsIs:
    case OrthancPluginReceivedInstanceAction_Discard:
      return static_cast<OrthancPluginReceivedInstanceAction>(value);
    case OrthancPluginReceivedInstanceAction_Modify:
      if (modifiedDicom == Py_None || !CopyToOrthancBuffer(modifiedDicom, modified))
      {
        if (!PyErr_Occurred())
        {
          PyErr_SetString(PyExc_TypeError, "ReceivedInstanceAction.MODIFY needs the modified DICOM file (bytes)");
        }
        ReportPythonError(where);
        return OrthancPluginReceivedInstanceAction_KeepAsIs;
      }
      return OrthancPluginReceivedInstanceAction_Modify;
    default:
      PyErr_Clear();
      LogError("Python plugin: the received instance callback returned an unknown action (expected an "
               "orthanc.ReceivedInstanceAction); the instance is kept as it is");
      return OrthancPluginReceivedInstanceAction_KeepAsIs;
  }
}

// 1: store the instance, 0: discard it (with *dimseStatus), -1: error.
int32_t OnIncomingCStore(uint16_t* dimseStatus, const OrthancPluginDicomInstance* instance)
{
  const char* where = "the incoming C-STORE instance filter";
  GilHold gil;
  PyRef callback = cstoreFilter_.Get();
  if (!callback)
  {
    return 1;
  }
  BorrowedHandle dicom(PyRef::Steal(generated::Wrap_DicomInstance(instance, false)));
  PyRef result = dicom.get() != nullptr ? PyRef::Steal(PyObject_CallFunctionObjArgs(callback.get(), dicom.get(), nullptr))
                                        : PyRef();
  if (!result)
  {
    ReportPythonError(where);
    return -1;
  }
  const long status = PyLong_Check(result.get()) ? PyLong_AsLong(result.get()) : -1;
  if (status == 0)
  {
    return 1;
  }
  if (status > 0 && status <= 0xffff)
  {
    *dimseStatus = static_cast<uint16_t>(status);
    return 0;
  }
  PyErr_Clear();
  LogError("Python plugin: the incoming C-STORE instance filter must return 0 (store the instance) or a DIMSE "
           "status between 1 and 0xffff (refuse it)");
  return -1;
}

// 1: store the instance, 0: discard it, -1: error.
int32_t OnIncomingDicomInstance(const OrthancPluginDicomInstance* instance)
{
  GilHold gil;
  PyRef callback = dicomFilter_.Get();
  if (!callback)
  {
    return 1;
  }
  BorrowedHandle dicom(PyRef::Steal(generated::Wrap_DicomInstance(instance, false)));
  PyRef result = dicom.get() != nullptr ? PyRef::Steal(PyObject_CallFunctionObjArgs(callback.get(), dicom.get(), nullptr))
                                        : PyRef();
  const int accepted = result ? PyObject_IsTrue(result.get()) : -1;
  if (accepted < 0)
  {
    ReportPythonError("the incoming DICOM instance filter");
    return -1;
  }
  return accepted;
}

}  // namespace

PyObject* RegisterReceivedInstanceCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, receivedInstance_, "RegisterReceivedInstanceCallback", [] {
    return OrthancPluginRegisterReceivedInstanceCallback(PluginContext(), OnReceivedInstance);
  });
}

PyObject* RegisterIncomingCStoreInstanceFilter(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, cstoreFilter_, "RegisterIncomingCStoreInstanceFilter", [] {
    return OrthancPluginRegisterIncomingCStoreInstanceFilter(PluginContext(), OnIncomingCStore);
  });
}

PyObject* RegisterIncomingDicomInstanceFilter(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, dicomFilter_, "RegisterIncomingDicomInstanceFilter", [] {
    return OrthancPluginRegisterIncomingDicomInstanceFilter(PluginContext(), OnIncomingDicomInstance);
  });
}
