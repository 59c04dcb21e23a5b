// orthanc.RegisterChunkedRestCallback(): REST routes whose POST and PUT
// bodies reach Python chunk by chunk.  As for RegisterRestCallback, Orthanc
// gives the C callbacks no user data, so each route gets its own entry
// points ("slots").  The reader made for one request carries its Python object.
#include "../DeferredAnswer.h"
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "HttpRequest.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <array>
#include <string>
#include <utility>

namespace
{
constexpr size_t kMaxRoutes = 64;

struct Route
{
  std::string regex;
  PyRef get;     // callback(output, uri, **request), or empty
  PyRef post;    // factory(uri, **request) -> reader, or empty
  PyRef remove;  // DELETE: callback(output, uri, **request), or empty
  PyRef put;     // factory(uri, **request) -> reader, or empty
};

// Slot i -> the route registered i-th (HTTP threads read it while others
// register: a SharedMutex, as no GIL may serialize them).
class Routes : public Forgettable
{
public:
  // The slot of `route`, or kMaxRoutes when every slot is taken.
  size_t Add(Route route)
  {
    SharedLock lock(mutex_);
    if (count_ == kMaxRoutes)
    {
      return kMaxRoutes;  // `route` is released after the lock
    }
    std::swap(routes_[count_], route);
    return count_++;
  }

  Route Get(size_t slot) const
  {
    SharedLock lock(mutex_);
    return routes_[slot];
  }

  // Orthanc stops, and its registrations with it: the next run starts from slot 0.
  void Forget() override
  {
    std::array<Route, kMaxRoutes> dropped;  // released after the lock: finalizers may run
    SharedLock lock(mutex_);
    dropped.swap(routes_);
    count_ = 0;
  }

private:
  mutable SharedMutex mutex_;
  std::array<Route, kMaxRoutes> routes_;
  size_t count_ = 0;
};

Routes routes_;

// The reader of one POST or PUT request: the object the Python factory returned.
struct Reader
{
  PyRef object;  // destroyed with the GIL held (Finalize)
  std::string uri;
};

OrthancPluginErrorCode HandleGetOrDelete(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                         const OrthancPluginHttpRequest* request)
{
  GilHold gil;
  const std::string where = std::string("the chunked REST callback for ") + url;
  const Route route = routes_.Get(slot);
  PyRef callback = (request->method == OrthancPluginHttpMethod_Delete) ? route.remove : route.get;
  if (!callback)
  {
    return ReportMissingCallable(where.c_str());
  }
  BorrowedHandle outputObject(PyRef::Steal(generated::Wrap_RestOutput(output, false)));
  Keywords keywords = RestRequestKeywords(request, false);
  if (!keywords.names)
  {
    return ReportPythonError(where.c_str());
  }
  return CallPython(callback.get(), where, {outputObject.get(), Str(url).get()}, keywords)
             ? OrthancPluginErrorCode_Success
             : OrthancPluginErrorCode_Plugin;
}

OrthancPluginErrorCode CreateReader(size_t slot, OrthancPluginServerChunkedRequestReader** reader, const char* url,
                                    const OrthancPluginHttpRequest* request)
{
  GilHold gil;
  const std::string where = std::string("the chunked REST callback for ") + url;
  const Route route = routes_.Get(slot);
  PyRef factory = (request->method == OrthancPluginHttpMethod_Put) ? route.put : route.post;
  if (!factory)
  {
    return ReportMissingCallable(where.c_str());
  }
  Keywords keywords = RestRequestKeywords(request, false);
  if (!keywords.names)
  {
    return ReportPythonError(where.c_str());
  }
  PyRef object = CallPython(factory.get(), where, {Str(url).get()}, keywords);
  if (!object)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  *reader = reinterpret_cast<OrthancPluginServerChunkedRequestReader*>(new Reader{std::move(object), url});
  return OrthancPluginErrorCode_Success;
}

Reader& ReaderOf(OrthancPluginServerChunkedRequestReader* reader)
{
  return *reinterpret_cast<Reader*>(reader);
}

// reader.<method>(argument), through CallPython.
OrthancPluginErrorCode CallReaderMethod(Reader& reader, const char* method, PyObject* argument)
{
  const std::string where = std::string("the chunked REST reader (") + method + ") for " + reader.uri;
  PyRef function = PyRef::Steal(PyObject_GetAttrString(reader.object.get(), method));
  if (!function)
  {
    return ReportPythonError(where.c_str());
  }
  return CallPython(function.get(), where, {argument}) ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}

OrthancPluginErrorCode AddChunk(OrthancPluginServerChunkedRequestReader* handle, const void* data, uint32_t size)
{
  Reader& reader = ReaderOf(handle);
  GilHold gil;
  PyRef chunk = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size)));
  return CallReaderMethod(reader, "AddChunk", chunk.get());
}

OrthancPluginErrorCode ExecutePython(Reader& reader, OrthancPluginRestOutput* output)
{
  GilHold gil;
  BorrowedHandle outputObject(PyRef::Steal(generated::Wrap_RestOutput(output, false)));
  return CallReaderMethod(reader, "Execute", outputObject.get());
}

OrthancPluginErrorCode Execute(OrthancPluginServerChunkedRequestReader* handle, OrthancPluginRestOutput* output)
{
  Reader& reader = ReaderOf(handle);
  return AnswerOnce(output, "the chunked REST reader (Execute)", reader.uri.c_str(),
                    [&] { return ExecutePython(reader, output); });
}

void Finalize(OrthancPluginServerChunkedRequestReader* handle)
{
  GilHold gil;
  delete &ReaderOf(handle);
}

template <size_t Slot>
OrthancPluginErrorCode GetOrDeleteSlot(OrthancPluginRestOutput* output, const char* url,
                                       const OrthancPluginHttpRequest* request)
{
  return AnswerOnce(output, "the chunked REST callback", url,
                    [&] { return HandleGetOrDelete(Slot, output, url, request); });
}

template <size_t Slot>
OrthancPluginErrorCode FactorySlot(OrthancPluginServerChunkedRequestReader** reader, const char* url,
                                   const OrthancPluginHttpRequest* request)
{
  return CreateReader(Slot, reader, url, request);
}

template <size_t... Slots>
constexpr auto MakeRestSlots(std::index_sequence<Slots...>)
{
  return std::array<OrthancPluginRestCallback, sizeof...(Slots)>{&GetOrDeleteSlot<Slots>...};
}

template <size_t... Slots>
constexpr auto MakeFactorySlots(std::index_sequence<Slots...>)
{
  return std::array<OrthancPluginServerChunkedRequestReaderFactory, sizeof...(Slots)>{&FactorySlot<Slots>...};
}

constexpr auto kRestSlots = MakeRestSlots(std::make_index_sequence<kMaxRoutes>());
constexpr auto kFactorySlots = MakeFactorySlots(std::make_index_sequence<kMaxRoutes>());

PyRef Optional(PyObject* callable)
{
  return callable == Py_None ? PyRef() : PyRef::Borrow(callable);
}
}  // namespace

PyObject* RegisterChunkedRestCallback(PyObject* /* module */, PyObject* args)
{
  const char* function = "RegisterChunkedRestCallback";
  if (!CheckNotReloading(function))
  {
    return nullptr;
  }
  const char* regex = nullptr;
  PyObject* get = nullptr;
  PyObject* post = nullptr;
  PyObject* remove = nullptr;
  PyObject* put = nullptr;
  if (!PyArg_ParseTuple(args, "sOOOO:RegisterChunkedRestCallback", &regex, &get, &post, &remove, &put) ||
      !CheckOptionalCallable(get, function) || !CheckOptionalCallable(post, function) ||
      !CheckOptionalCallable(remove, function) || !CheckOptionalCallable(put, function))
  {
    return nullptr;
  }
  const Route route{regex, Optional(get), Optional(post), Optional(remove), Optional(put)};
  const size_t slot = routes_.Add(route);
  if (slot == kMaxRoutes)
  {
    return PyErr_Format(PyExc_RuntimeError, "%s: at most %d chunked REST routes can be registered", function,
                        static_cast<int>(kMaxRoutes));
  }
  {
    // A handler left to NULL makes Orthanc answer 405 Method Not Allowed.
    GilRelease nogil;
    OrthancPluginRegisterChunkedRestCallback(
        PluginContext(), regex, route.get ? kRestSlots[slot] : nullptr, route.post ? kFactorySlots[slot] : nullptr,
        route.remove ? kRestSlots[slot] : nullptr, route.put ? kFactorySlots[slot] : nullptr, AddChunk, Execute,
        Finalize);
  }
  Py_RETURN_NONE;
}
