// Security callbacks (SDK 1.12.9+):
//   orthanc.RegisterHttpAuthentication()   decides whether each HTTP request is authenticated
//   orthanc.RegisterAuditLogHandler()      receives the audit logs that plugins emit
#include "../Errors.h"
#include "../Gil.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#if ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 9)

#include <cstring>
#include <string>

namespace
{
CallbackSlot authentication_("HTTP authentication callback");
CallbackList auditLogHandlers_;

// {key: value} from two C arrays (new reference; empty with an exception set on failure).
PyRef DictOfStrings(uint32_t count, const char* const* keys, const char* const* values)
{
  PyRef dict = PyRef::Steal(PyDict_New());
  for (uint32_t i = 0; dict && i < count; i++)
  {
    PyRef value = PyRef::Steal(PyUnicode_FromString(values[i] != nullptr ? values[i] : ""));
    if (!value || keys[i] == nullptr || PyDict_SetItemString(dict.get(), keys[i], value.get()) < 0)
    {
      return PyRef();
    }
  }
  return dict;
}

// Copies `data` into a buffer that Orthanc frees.
bool FillBuffer(OrthancPluginMemoryBuffer* target, const char* data, Py_ssize_t size)
{
  if (size <= 0)
  {
    return true;
  }
  if (static_cast<uint64_t>(size) > UINT32_MAX ||
      OrthancPluginCreateMemoryBuffer(PluginContext(), target, static_cast<uint32_t>(size)) !=
          OrthancPluginErrorCode_Success)
  {
    return false;
  }
  memcpy(target->data, data, static_cast<size_t>(size));
  return true;
}

// Reads the Python answer into the C outputs; false (and a log) if it is not well formed.
bool ReadAnswer(PyObject* result, OrthancPluginHttpAuthenticationStatus* status,
                OrthancPluginMemoryBuffer* customPayload, OrthancPluginMemoryBuffer* redirection, const char* where)
{
  PyObject* code = result;
  PyObject* data = Py_None;
  if (PyTuple_Check(result))
  {
    if (PyTuple_GET_SIZE(result) != 2)
    {
      LogError(std::string("Python plugin: ") + where + " must return a status or (status, data): request refused");
      return false;
    }
    code = PyTuple_GET_ITEM(result, 0);
    data = PyTuple_GET_ITEM(result, 1);
  }
  // A bool is an int in Python (False == GRANTED): refused, like None.
  if (!PyLong_Check(code) || PyBool_Check(code))
  {
    LogError(std::string("Python plugin: ") + where + " must return an orthanc.HttpAuthenticationStatus, not '" +
             Py_TYPE(code)->tp_name + "': request refused");
    return false;
  }
  const long value = PyLong_AsLong(code);  // -1 on overflow: an unknown status below
  PyErr_Clear();
  switch (value)
  {
    case OrthancPluginHttpAuthenticationStatus_Granted:
    {
      const char* bytes = nullptr;
      Py_ssize_t size = 0;
      if (PyUnicode_Check(data))
      {
        bytes = PyUnicode_AsUTF8AndSize(data, &size);
      }
      else if (PyBytes_Check(data))
      {
        bytes = PyBytes_AS_STRING(data);
        size = PyBytes_GET_SIZE(data);
      }
      else if (data != Py_None)
      {
        LogError(std::string("Python plugin: ") + where + ": the payload of GRANTED must be str, bytes or None: "
                 "request refused");
        return false;
      }
      if (bytes == nullptr && data != Py_None)
      {
        PyErr_Clear();
        return false;
      }
      if (!FillBuffer(customPayload, bytes, size))
      {
        return false;
      }
      *status = OrthancPluginHttpAuthenticationStatus_Granted;
      return true;
    }
    case OrthancPluginHttpAuthenticationStatus_Redirect:
    {
      Py_ssize_t size = 0;
      const char* path = PyUnicode_Check(data) ? PyUnicode_AsUTF8AndSize(data, &size) : nullptr;
      if (path == nullptr || size == 0)
      {
        PyErr_Clear();
        LogError(std::string("Python plugin: ") + where + ": REDIRECT needs the path (str): request refused");
        return false;
      }
      if (!FillBuffer(redirection, path, size))
      {
        return false;
      }
      *status = OrthancPluginHttpAuthenticationStatus_Redirect;
      return true;
    }
    case OrthancPluginHttpAuthenticationStatus_Unauthorized:
    case OrthancPluginHttpAuthenticationStatus_Forbidden:
      *status = static_cast<OrthancPluginHttpAuthenticationStatus>(value);
      return true;
    default:
      LogError(std::string("Python plugin: ") + where + " returned an unknown status " + std::to_string(value) +
               ": request refused");
      return false;
  }
}

OrthancPluginErrorCode CallAuthentication(OrthancPluginHttpAuthenticationStatus* status,
                                    OrthancPluginMemoryBuffer* customPayload, OrthancPluginMemoryBuffer* redirection,
                                    const char* uri, const char* ip, uint32_t headersCount,
                                    const char* const* headersKeys, const char* const* headersValues,
                                    uint32_t getCount, const char* const* getKeys, const char* const* getValues)
{
  const char* where = "the HTTP authentication callback";
  // Fail closed: whatever goes wrong below leaves the request refused.
  *status = OrthancPluginHttpAuthenticationStatus_Unauthorized;
  GilHold gil;
  PyRef callback = authentication_.Get();
  if (!callback)
  {
    ReportMissingCallable(where);
    return OrthancPluginErrorCode_Success;  // refused (401)
  }
  PyRef headers = DictOfStrings(headersCount, headersKeys, headersValues);
  PyRef get = DictOfStrings(getCount, getKeys, getValues);
  PyRef kwargs = (headers && get) ? PyRef::Steal(Py_BuildValue("{s:s,s:O,s:O}", "ip", ip != nullptr ? ip : "",
                                                               "headers", headers.get(), "get", get.get()))
                                  : PyRef();
  PyRef result = kwargs ? CallPython(callback.get(), where, {Str(uri != nullptr ? uri : "").get()}, kwargs.get())
                        : PyRef();
  if (!result)
  {
    if (!kwargs)
    {
      ReportPythonError(where);
    }
    return OrthancPluginErrorCode_Success;  // refused (401)
  }
  if (!ReadAnswer(result.get(), status, customPayload, redirection, where))
  {
    *status = OrthancPluginHttpAuthenticationStatus_Unauthorized;
  }
  return OrthancPluginErrorCode_Success;
}

// Called on Orthanc's HTTP threads (small stacks): Python runs on the big one,
// as for the other HTTP-thread callbacks (PythonStack.h).
OrthancPluginErrorCode Authenticate(OrthancPluginHttpAuthenticationStatus* status,
                                    OrthancPluginMemoryBuffer* customPayload, OrthancPluginMemoryBuffer* redirection,
                                    const char* uri, const char* ip, uint32_t headersCount,
                                    const char* const* headersKeys, const char* const* headersValues,
                                    uint32_t getCount, const char* const* getKeys, const char* const* getValues)
{
  return python_stack::Run([&] {
    return CallAuthentication(status, customPayload, redirection, uri, ip, headersCount, headersKeys, headersValues,
                              getCount, getKeys, getValues);
  });
}

OrthancPluginErrorCode OnAuditLog(const char* sourcePlugin, const char* userId, OrthancPluginResourceType resourceType,
                                  const char* resourceId, const char* action, const void* logData,
                                  uint32_t logDataSize)
{
  GilHold gil;
  auto text = [](const char* value) { return Str(value != nullptr ? value : ""); };
  PyRef source = text(sourcePlugin);
  PyRef user = text(userId);
  PyRef type = Int(resourceType);
  PyRef resource = text(resourceId);
  PyRef actionObject = text(action);
  PyRef data = PyRef::Steal(PyBytes_FromStringAndSize(logData != nullptr ? static_cast<const char*>(logData) : "",
                                                      static_cast<Py_ssize_t>(logData != nullptr ? logDataSize : 0)));
  OrthancPluginErrorCode code = OrthancPluginErrorCode_Success;
  for (const PyRef& handler : auditLogHandlers_.Snapshot())
  {
    if (!CallPython(handler.get(), "the audit log handler",
                    {source.get(), user.get(), type.get(), resource.get(), actionObject.get(), data.get()}))
    {
      code = OrthancPluginErrorCode_Plugin;
    }
  }
  return code;
}
}  // namespace

PyObject* RegisterHttpAuthentication(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, authentication_, "RegisterHttpAuthentication", [] {
    return OrthancPluginRegisterHttpAuthentication(PluginContext(), Authenticate);
  });
}

PyObject* RegisterAuditLogHandler(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, auditLogHandlers_, "RegisterAuditLogHandler", [] {
    return OrthancPluginRegisterAuditLogHandler(PluginContext(), OnAuditLog);
  });
}

#endif  // ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 9)
