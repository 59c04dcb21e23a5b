// orthanc.RegisterOnStoredInstanceCallback(): called synchronously by
// Orthanc, with an orthanc.DicomInstance that is valid during the call only.
#include "Callbacks.h"

#include "../Errors.h"
#include "../Gil.h"
#include "../PythonSupport.h"
#include "../HandleObject.h"
#include "../PluginContext.h"
#include "../PythonStack.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

namespace
{
CallbackList callbacks_;  // guarded by the GIL

OrthancPluginErrorCode RunCallbacks(const OrthancPluginDicomInstance* instance, const char* instanceId)
{
  GilHold gil;
  const char* where = "the OnStoredInstance callback";
  BorrowedHandle dicom(PyRef::Steal(generated::Wrap_DicomInstance(instance, false)));
  PyRef id = Str(instanceId);
  if (dicom.get() == nullptr || !id)
  {
    return ReportPythonError(where);
  }
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  for (const PyRef& callback : callbacks_.Snapshot())
  {
    if (!CallPython(callback.get(), where, {dicom.get(), id.get()}, nullptr, Coroutine::kAwaited))
    {
      code = OrthancPluginErrorCode_Plugin;
    }
  }
  return code;
}

// On the HTTP thread of an upload (100 KiB stack), on a big stack (PythonStack.h).
OrthancPluginErrorCode OnStoredInstance(const OrthancPluginDicomInstance* instance, const char* instanceId)
{
  return python_stack::Run([&] { return RunCallbacks(instance, instanceId); });
}
}  // namespace

PyObject* RegisterOnStoredInstanceCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, callbacks_, "RegisterOnStoredInstanceCallback", [] {
    OrthancPluginRegisterOnStoredInstanceCallback(PluginContext(), OnStoredInstance);
  });
}
