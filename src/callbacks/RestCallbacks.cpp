// orthanc.RegisterRestCallback().
//
// Orthanc's REST callback receives no user data, so the plugin cannot tell
// from the call which Python function to run.  Instead of matching the URI
// against every registered regular expression again, each registration gets
// its own C entry point (a "slot"): RestSlot<0>, RestSlot<1>, ...
#include "Callbacks.h"

#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "HttpRequest.h"
#include "OrthancGenerated.h"

#include <array>
#include <string>
#include <utility>

namespace
{
constexpr size_t kMaxRoutes = 512;

// Slot i -> the Python callable registered i-th (written once, with the GIL).
std::array<PyRef, kMaxRoutes> routes_;
size_t routesCount_ = 0;

PyRef BuildRequestKeywords(const OrthancPluginHttpRequest* request)
{
  PyRef kwargs = PyRef::Steal(PyDict_New());
  if (!kwargs)
  {
    return kwargs;
  }
  PyRef groups = PyRef::Steal(PyTuple_New(request->groupsCount));
  if (!groups)
  {
    return PyRef();
  }
  for (uint32_t i = 0; i < request->groupsCount; i++)
  {
    PyObject* group = PyUnicode_FromString(request->groups[i]);
    if (group == nullptr)
    {
      return PyRef();
    }
    PyTuple_SET_ITEM(groups.get(), i, group);  // steals the reference
  }

  const bool ok =
      SetItem(kwargs.get(), "method", PyRef::Steal(PyUnicode_FromString(HttpMethodName(request->method)))) &&
      SetItem(kwargs.get(), "groups", std::move(groups)) &&
      SetItem(kwargs.get(), "headers", DictFromPairs(request->headersCount, request->headersKeys,
                                                     request->headersValues));
  if (!ok)
  {
    return PyRef();
  }
  // As upstream: 'get' for GET only, 'body' (bytes) for POST and PUT only.
  if (request->method == OrthancPluginHttpMethod_Get &&
      !SetItem(kwargs.get(), "get", DictFromPairs(request->getCount, request->getKeys, request->getValues)))
  {
    return PyRef();
  }
  if (request->method == OrthancPluginHttpMethod_Post || request->method == OrthancPluginHttpMethod_Put)
  {
    PyRef body = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(request->body),
                                                        static_cast<Py_ssize_t>(request->bodySize)));
    if (!SetItem(kwargs.get(), "body", std::move(body)))
    {
      return PyRef();
    }
  }
  return kwargs;
}

OrthancPluginErrorCode HandleRest(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                  const OrthancPluginHttpRequest* request)
{
  GilHold gil;
  const std::string where = std::string("the REST callback for ") + url;

  BorrowedHandle outputObject(PyRef::Steal(generated::Wrap_RestOutput(output, false)));
  PyRef kwargs = BuildRequestKeywords(request);
  if (outputObject.get() == nullptr || !kwargs)
  {
    return ReportPythonError(where.c_str());
  }
  PyRef args = PyRef::Steal(Py_BuildValue("(Os)", outputObject.get(), url));
  PyRef result = args ? PyRef::Steal(PyObject_Call(routes_[slot].get(), args.get(), kwargs.get())) : PyRef();
  if (!result)
  {
    return ReportPythonError(where.c_str());
  }
  return OrthancPluginErrorCode_Success;
}

template <size_t Slot>
OrthancPluginErrorCode RestSlot(OrthancPluginRestOutput* output, const char* url,
                                const OrthancPluginHttpRequest* request)
{
  return HandleRest(Slot, output, url, request);
}

template <size_t... Slots>
constexpr std::array<OrthancPluginRestCallback, sizeof...(Slots)> MakeSlots(std::index_sequence<Slots...>)
{
  return {&RestSlot<Slots>...};
}

constexpr auto kSlots = MakeSlots(std::make_index_sequence<kMaxRoutes>());
}  // namespace

PyObject* RegisterRestCallback(PyObject* /*self*/, PyObject* args)
{
  const char* pathRegex = nullptr;
  PyObject* callable = nullptr;
  if (!PyArg_ParseTuple(args, "sO:RegisterRestCallback", &pathRegex, &callable))
  {
    return nullptr;
  }
  if (!CheckCallable(callable, "RegisterRestCallback"))
  {
    return nullptr;
  }
  if (routesCount_ == kMaxRoutes)
  {
    return PyErr_Format(PyExc_RuntimeError, "RegisterRestCallback: at most %d REST routes can be registered",
                        static_cast<int>(kMaxRoutes));
  }
  const size_t slot = routesCount_++;
  routes_[slot] = PyRef::Borrow(callable);
  {
    GilRelease nogil;
    // "NoLock": Orthanc may run several REST callbacks at once; the GIL is
    // what serializes Python, and it is released whenever Python waits.
    OrthancPluginRegisterRestCallbackNoLock(PluginContext(), pathRegex, kSlots[slot]);
  }
  Py_RETURN_NONE;
}

void ForgetRestCallbacks()
{
  for (PyRef& route : routes_)
  {
    route = PyRef();
  }
}
