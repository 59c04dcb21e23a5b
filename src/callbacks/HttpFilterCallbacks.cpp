// orthanc.RegisterIncomingHttpRequestFilter(): the Python filter returns
// True to let a request through, False to answer 403 Forbidden.  Any other
// result (even a truthy one) refuses the request, as an exception does.
#include "Callbacks.h"

#include "../Errors.h"
#include "../Gil.h"
#include "../PythonSupport.h"
#include "../PluginContext.h"
#include "../PythonStack.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "HttpRequest.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <string>

namespace
{
CallbackList filters_;  // guarded by the GIL

// 1: allowed, 0: forbidden, -1: error (Orthanc then refuses the request).
int32_t RunFilters(OrthancPluginHttpMethod method, const char* uri, const char* ip, uint32_t headersCount,
               const char* const* headersKeys, const char* const* headersValues, uint32_t getArgumentsCount,
               const char* const* getArgumentsKeys, const char* const* getArgumentsValues)
{
  GilHold gil;
  const std::string where = std::string("the incoming HTTP request filter (for ") + uri + ")";

  PyRef kwargs = PyRef::Steal(PyDict_New());
  const bool ok = kwargs &&
      SetItem(kwargs.get(), "method", PyRef::Steal(PyLong_FromLong(method))) &&
      SetItem(kwargs.get(), "ip", PyRef::Steal(PyUnicode_FromString(ip))) &&
      SetItem(kwargs.get(), "headers", DictFromPairs(headersCount, headersKeys, headersValues)) &&
      (method != OrthancPluginHttpMethod_Get ||  // as upstream: 'get' for GET only
       SetItem(kwargs.get(), "get", DictFromPairs(getArgumentsCount, getArgumentsKeys, getArgumentsValues)));
  PyRef uriObject = Str(uri);
  if (!ok || !uriObject)
  {
    ReportPythonError(where.c_str());
    return -1;
  }

  for (const PyRef& filter : filters_.Snapshot())
  {
    PyRef result = CallPython(filter.get(), where, {uriObject.get()}, kwargs.get(), Coroutine::kAwaited);
    if (!result)
    {
      return -1;
    }
    bool allowed = false;
    if (!callback_result::StrictBool(result.get(), where, "the request is refused", allowed))
    {
      return -1;
    }
    if (!allowed)
    {
      return 0;
    }
  }
  return 1;
}

// On Orthanc's HTTP threads (100 KiB stacks), on a big stack (PythonStack.h).
int32_t Filter(OrthancPluginHttpMethod method, const char* uri, const char* ip, uint32_t headersCount,
               const char* const* headersKeys, const char* const* headersValues, uint32_t getArgumentsCount,
               const char* const* getArgumentsKeys, const char* const* getArgumentsValues)
{
  return python_stack::Run([&] {
    return RunFilters(method, uri, ip, headersCount, headersKeys, headersValues, getArgumentsCount, getArgumentsKeys,
                      getArgumentsValues);
  });
}
}  // namespace

PyObject* RegisterIncomingHttpRequestFilter(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, filters_, "RegisterIncomingHttpRequestFilter", [] {
    OrthancPluginRegisterIncomingHttpRequestFilter2(PluginContext(), Filter);
  });
}
