// Filters of incoming instances:
//   orthanc.RegisterReceivedInstanceCallback()      keep, modify or discard any received instance
//   orthanc.RegisterIncomingCStoreInstanceFilter()  accept a C-STORE, or refuse it with a DIMSE status
//   orthanc.RegisterIncomingDicomInstanceFilter()   accept or discard any received instance
// Orthanc calls them synchronously, from the thread that receives the instance.
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

#include <cstring>
#include <string>

namespace
{
CallbackSlot receivedInstance_("received instance callback");
CallbackSlot cstoreFilter_("incoming C-STORE instance filter");
CallbackSlot dicomFilter_("incoming DICOM instance filter");

// Copies `view` into a buffer that Orthanc allocates and later frees.
bool CopyToOrthancBuffer(const Py_buffer& view, OrthancPluginMemoryBuffer64* target)
{
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginCreateMemoryBuffer64(PluginContext(), target, static_cast<uint64_t>(view.len));
    if (code == OrthancPluginErrorCode_Success && view.len > 0)
    {
      memcpy(target->data, view.buf, static_cast<size_t>(view.len));
    }
  }
  if (code != OrthancPluginErrorCode_Success)
  {
    RaiseOrthancError(code);
    return false;
  }
  return true;
}

OrthancPluginReceivedInstanceAction CallReceivedInstance(OrthancPluginMemoryBuffer64* modified, const void* data,
                                                         uint64_t size, OrthancPluginInstanceOrigin origin)
{
  const char* where = "the received instance callback";
  GilHold gil;
  PyRef callback = receivedInstance_.Get();
  if (!callback)
  {
    return OrthancPluginReceivedInstanceAction_KeepAsIs;  // no longer registered (a reload): kept as it is
  }
  PyRef dicom = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size)));
  PyRef originObject = Int(origin);
  PyRef result = CallPython(callback.get(), where, {dicom.get(), originObject.get()}, nullptr, Coroutine::kAwaited);
  if (!result)
  {
    return OrthancPluginReceivedInstanceAction_KeepAsIs;  // as upstream: the instance is kept as it is
  }

  // (action, modified DICOM or None); a bare action is accepted too.  A
  // result that cannot be read discards the instance: the callback may be
  // there to anonymize or fix it, so keeping it unchanged is not safe.
  const char* expected = "a pair (orthanc.ReceivedInstanceAction, bytes or None)";
  const char* discarded = "the instance is discarded";
  PyObject* action = result.get();
  PyObject* modifiedDicom = Py_None;
  if (PyTuple_Check(result.get()))
  {
    if (PyTuple_GET_SIZE(result.get()) != 2)
    {
      callback_result::LogUnexpected(where, result.get(), expected, discarded);
      return OrthancPluginReceivedInstanceAction_Discard;
    }
    action = PyTuple_GET_ITEM(result.get(), 0);
    modifiedDicom = PyTuple_GET_ITEM(result.get(), 1);
  }
  long value = 0;
  if (!callback_result::StrictInt(action, std::string(where) + " (action)", OrthancPluginReceivedInstanceAction_KeepAsIs,
                                  OrthancPluginReceivedInstanceAction_Discard, "an orthanc.ReceivedInstanceAction",
                                  discarded, value))
  {
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  if (value != OrthancPluginReceivedInstanceAction_Modify)
  {
    return static_cast<OrthancPluginReceivedInstanceAction>(value);
  }
  Py_buffer view;
  if (!callback_result::StrictBuffer(modifiedDicom, std::string(where) + " (modified DICOM of MODIFY)",
                                     "bytes", discarded, view))
  {
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  const bool copied = CopyToOrthancBuffer(view, modified);
  PyBuffer_Release(&view);
  if (!copied)
  {
    ReportPythonError(where);
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  return OrthancPluginReceivedInstanceAction_Modify;
}

// Calls the incoming instance filter in `slot` and lets `decide` read its
// result: 1 store the instance, 0 discard it, -1 error.  None registered (as
// after a reload that removed it): the instance is stored.
template <typename Decide>
int32_t RunIncomingFilter(const CallbackSlot& slot, const char* where, const OrthancPluginDicomInstance* instance,
                          Decide decide)
{
  GilHold gil;
  PyRef callback = slot.Get();
  if (!callback)
  {
    return 1;
  }
  PyRef result;
  {
    BorrowedHandle dicom(PyRef::Steal(generated::Wrap_DicomInstance(instance, false)));
    result = CallPython(callback.get(), where, {dicom.get()}, nullptr, Coroutine::kAwaited);
  }
  return result ? decide(result.get()) : -1;
}

int32_t CallIncomingCStore(uint16_t* dimseStatus, const OrthancPluginDicomInstance* instance)
{
  const char* where = "the incoming C-STORE instance filter";
  return RunIncomingFilter(cstoreFilter_, where, instance, [&](PyObject* result) -> int32_t {
    long status = 0;
    if (!callback_result::StrictInt(result, where, 0, 0xffff,
                                    "int: 0 to store the instance, or a DIMSE status from 1 to 0xffff to refuse it",
                                    "the instance is refused", status))
    {
      return -1;
    }
    if (status == 0)
    {
      return 1;
    }
    *dimseStatus = static_cast<uint16_t>(status);
    return 0;
  });
}

int32_t CallIncomingDicomInstance(const OrthancPluginDicomInstance* instance)
{
  const char* where = "the incoming DICOM instance filter";
  return RunIncomingFilter(dicomFilter_, where, instance, [&](PyObject* result) -> int32_t {
    bool accepted = false;
    if (!callback_result::StrictBool(result, where, "the instance is refused", accepted))
    {
      return -1;
    }
    return accepted ? 1 : 0;
  });
}

// Orthanc calls these on its HTTP threads too (uploads through the REST API),
// whose stacks are small: Python runs on the big stack (PythonStack.h).
OrthancPluginReceivedInstanceAction OnReceivedInstance(OrthancPluginMemoryBuffer64* modified, const void* data,
                                                       uint64_t size, OrthancPluginInstanceOrigin origin)
{
  return python_stack::Run([&] { return CallReceivedInstance(modified, data, size, origin); });
}

int32_t OnIncomingCStore(uint16_t* dimseStatus, const OrthancPluginDicomInstance* instance)
{
  return python_stack::Run([&] { return CallIncomingCStore(dimseStatus, instance); });
}

int32_t OnIncomingDicomInstance(const OrthancPluginDicomInstance* instance)
{
  return python_stack::Run([&] { return CallIncomingDicomInstance(instance); });
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
