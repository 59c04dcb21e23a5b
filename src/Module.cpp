#include "Module.h"

#include "Errors.h"
#include "OrthancGenerated.h"
#include "PyRef.h"
#include "callbacks/Callbacks.h"

#include <vector>

namespace
{
PyMethodDef kHandwrittenFunctions[] = {
    {"RegisterRestCallback", RegisterRestCallback, METH_VARARGS,
     "RegisterRestCallback(pathRegex, callback)\n\n"
     "Serves the URIs matching the regular expression pathRegex with callback(output, uri, **request);\n"
     "request holds 'method', 'groups' (the regex groups), 'get', 'headers' and, for POST and PUT, 'body'."},
    {"RegisterOnChangeCallback", RegisterOnChangeCallback, METH_VARARGS,
     "RegisterOnChangeCallback(callback)\n\n"
     "Calls callback(changeType, level, resourceId) for every change in Orthanc (orthanc.ChangeType),\n"
     "from a dedicated thread, so the callback may use the REST API."},
    {"RegisterOnStoredInstanceCallback", RegisterOnStoredInstanceCallback, METH_VARARGS,
     "RegisterOnStoredInstanceCallback(callback)\n\n"
     "Calls callback(dicom, instanceId) whenever an instance is stored; dicom is an orthanc.DicomInstance\n"
     "valid during the call only."},
    {"RegisterIncomingHttpRequestFilter", RegisterIncomingHttpRequestFilter, METH_VARARGS,
     "RegisterIncomingHttpRequestFilter(callback)\n\n"
     "Calls callback(uri, **request) for every HTTP request (request holds 'method', 'ip', 'headers'\n"
     "and 'get'); returning False answers 403 Forbidden."},
};

// Generated functions first, then the hand-written ones, then the sentinel.
std::vector<PyMethodDef> AllFunctions()
{
  std::vector<PyMethodDef> all;
  for (const PyMethodDef* f = generated::kModuleFunctions; f->ml_name != nullptr; f++)
  {
    all.push_back(*f);
  }
  for (const PyMethodDef& f : kHandwrittenFunctions)
  {
    all.push_back(f);
  }
  all.push_back(PyMethodDef{nullptr, nullptr, 0, nullptr});
  return all;
}
}  // namespace

PyObject* PyInitOrthancModule()
{
  static std::vector<PyMethodDef> functions = AllFunctions();
  static PyModuleDef definition = {
      PyModuleDef_HEAD_INIT, "orthanc",
      "Access to the Orthanc plugin SDK from Python (the Python plugin for Orthanc).",
      -1, functions.data(), nullptr, nullptr, nullptr, nullptr};

  PyRef module = PyRef::Steal(PyModule_Create(&definition));
  if (!module || !RegisterOrthancException(module.get()) || !generated::AddEnums(module.get()) ||
      !generated::AddClasses(module.get()))
  {
    return nullptr;
  }
  return module.release();
}
