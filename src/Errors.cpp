#include "Errors.h"

#include "Gil.h"
#include "Log.h"
#include "PyRef.h"

#include <string>

namespace
{
// orthanc.OrthancException; owned by the module, kept alive for the process.
PyObject* orthancException_ = nullptr;

std::string Utf8(PyObject* text)
{
  const char* utf8 = (text != nullptr) ? PyUnicode_AsUTF8(text) : nullptr;
  if (utf8 == nullptr)
  {
    PyErr_Clear();
    return "(no text)";
  }
  return utf8;
}

// "Traceback (most recent call last): ..." as Python would print it.
std::string FormatException(PyObject* type, PyObject* value, PyObject* traceback)
{
  PyRef module = PyRef::Steal(PyImport_ImportModule("traceback"));
  PyRef lines;
  if (module)
  {
    lines = PyRef::Steal(PyObject_CallMethod(module.get(), "format_exception", "OOO",
                                             type, value != nullptr ? value : Py_None,
                                             traceback != nullptr ? traceback : Py_None));
  }
  if (!lines)
  {
    PyErr_Clear();
    return Utf8(PyRef::Steal(PyObject_Str(value)).get());
  }
  PyRef empty = PyRef::Steal(PyUnicode_FromString(""));
  PyRef joined = PyRef::Steal(PyUnicode_Join(empty.get(), lines.get()));
  return Utf8(joined.get());
}

}  // namespace

PyObject* RaiseOrthancErrorMessage(OrthancPluginErrorCode code, const std::string& description)
{
  PyRef args = PyRef::Steal(Py_BuildValue("(is)", static_cast<int>(code), description.c_str()));
  if (args)
  {
    PyErr_SetObject(orthancException_ != nullptr ? orthancException_ : PyExc_RuntimeError, args.get());
  }
  return nullptr;
}

PyObject* RaiseOrthancError(OrthancPluginErrorCode code)
{
  const char* description;
  {
    GilRelease nogil;
    description = OrthancPluginGetErrorDescription(PluginContext(), code);
  }
  return RaiseOrthancErrorMessage(code, description != nullptr ? description : "Unknown error");
}

OrthancPluginErrorCode ReportPythonError(const char* where)
{
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (type == nullptr)
  {
    LogError(std::string("Python plugin: error in ") + where + " (no Python exception was set)");
    return OrthancPluginErrorCode_Plugin;
  }
  PyErr_NormalizeException(&type, &value, &traceback);
  PyRef ownedType = PyRef::Steal(type);
  PyRef ownedValue = PyRef::Steal(value);
  PyRef ownedTraceback = PyRef::Steal(traceback);

  LogError(std::string("Python plugin: exception in ") + where + ":\n" +
           FormatException(type, value, traceback));
  return OrthancPluginErrorCode_Plugin;
}

OrthancPluginErrorCode ReportMissingCallable(const char* where)
{
  LogWarning(std::string("Python plugin: no Python callable for ") + where +
             " (the plugin is stopping, or a reload of the scripts removed it)");
  return OrthancPluginErrorCode_Plugin;
}

std::string TakePythonError()
{
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (type == nullptr)
  {
    return "(no Python exception was set)";
  }
  PyErr_NormalizeException(&type, &value, &traceback);
  PyRef ownedType = PyRef::Steal(type);
  PyRef ownedValue = PyRef::Steal(value);
  PyRef ownedTraceback = PyRef::Steal(traceback);
  return FormatException(type, value, traceback);
}

bool RegisterOrthancException(PyObject* module)
{
  if (orthancException_ == nullptr)
  {
    orthancException_ = PyErr_NewExceptionWithDoc(
        "orthanc.OrthancException",
        "Error reported by Orthanc. args[0] is the Orthanc error code (orthanc.ErrorCode), "
        "args[1] its description.",
        nullptr, nullptr);
    if (orthancException_ == nullptr)
    {
      return false;
    }
  }
  Py_INCREF(orthancException_);
  if (PyModule_AddObject(module, "OrthancException", orthancException_) < 0)
  {
    Py_DECREF(orthancException_);
    return false;
  }
  return true;
}
