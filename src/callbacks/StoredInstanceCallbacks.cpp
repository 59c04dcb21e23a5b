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

namespace
{
CallbackList callbacks_;  // guarded by the GIL

OrthancPluginErrorCode CallPython(const OrthancPluginDicomInstance* instance, const char* instanceId)
{
  GilHold gil;
  BorrowedHandle dicom(PyRef::Steal(generated::Wrap_DicomInstance(instance, false)));
  if (dicom.get() == nullptr)
  {
    return ReportPythonError("the OnStoredInstance callback");
  }
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  for (const PyRef& callback : callbacks_.Snapshot())
  {
    PyRef result = PyRef::Steal(PyObject_CallFunction(callback.get(), "Os", dicom.get(), instanceId));
    result = AwaitIfCoroutine(std::move(result), "the OnStoredInstance callback");
    if (!result)
    {
      code = ReportPythonError("the OnStoredInstance callback");
    }
  }
  return code;
}

// On the HTTP thread of an upload (100 KiB stack), on a big stack (PythonStack.h).
OrthancPluginErrorCode OnStoredInstance(const OrthancPluginDicomInstance* instance, const char* instanceId)
{
  return python_stack::Run([&] { return CallPython(instance, instanceId); });
}
}  // namespace

PyObject* RegisterOnStoredInstanceCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, callbacks_, "RegisterOnStoredInstanceCallback", [] {
    OrthancPluginRegisterOnStoredInstanceCallback(PluginContext(), OnStoredInstance);
  });
}
