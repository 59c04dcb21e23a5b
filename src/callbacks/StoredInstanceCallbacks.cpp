// orthanc.RegisterOnStoredInstanceCallback(): called synchronously by
// Orthanc, with an orthanc.DicomInstance that is valid during the call only.
#include "Callbacks.h"

#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"

namespace
{
CallbackList callbacks_;  // guarded by the GIL

OrthancPluginErrorCode OnStoredInstance(const OrthancPluginDicomInstance* instance, const char* instanceId)
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
    if (!result)
    {
      code = ReportPythonError("the OnStoredInstance callback");
    }
  }
  return code;
}
}  // namespace

PyObject* RegisterOnStoredInstanceCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, callbacks_, "RegisterOnStoredInstanceCallback", [] {
    OrthancPluginRegisterOnStoredInstanceCallback(PluginContext(), OnStoredInstance);
  });
}
