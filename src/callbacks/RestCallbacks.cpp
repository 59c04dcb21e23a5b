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
#include "../PythonStack.h"
#include "../SharedState.h"
#include "../DeferredAnswer.h"
#include "CallbackList.h"
#include "HttpRequest.h"
#include "OrthancGenerated.h"

#include <array>
#include <string>
#include <utility>

namespace
{
constexpr size_t kMaxRoutes = 512;

// Slot i -> the Python callable registered i-th (written once; HTTP threads
// read it while others register: a SharedMutex, as no GIL may serialize them).
class Routes : public Forgettable
{
public:
  // The slot of `callable`, or kMaxRoutes when every slot is taken.
  size_t Add(PyObject* callable)
  {
    PyRef kept = PyRef::Borrow(callable);
    SharedLock lock(mutex_);
    if (count_ == kMaxRoutes)
    {
      return kMaxRoutes;
    }
    callables_[count_] = std::move(kept);
    return count_++;
  }

  PyRef Get(size_t slot) const
  {
    SharedLock lock(mutex_);
    return callables_[slot];
  }

  void Forget() override
  {
    std::array<PyRef, kMaxRoutes> dropped;  // released after the lock: finalizers may run
    SharedLock lock(mutex_);
    dropped.swap(callables_);
  }

private:
  mutable SharedMutex mutex_;
  std::array<PyRef, kMaxRoutes> callables_;
  size_t count_ = 0;
};

Routes routes_;

OrthancPluginErrorCode CallPython(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                  const OrthancPluginHttpRequest* request)
{
  GilHold gil;
  auto where = [url] { return std::string("the REST callback for ") + url; };

  BorrowedHandle outputObject(PyRef::Steal(generated::Wrap_RestOutput(output, false)));
  PyRef kwargs = RestRequestKeywords(request, true);
  if (outputObject.get() == nullptr || !kwargs)
  {
    return ReportPythonError(where().c_str());
  }
  PyRef args = PyRef::Steal(Py_BuildValue("(Os)", outputObject.get(), url));
  PyRef callable = routes_.Get(slot);
  if (!callable)
  {
    return OrthancPluginErrorCode_Plugin;  // the plugin is stopping
  }
  PyRef result = args ? PyRef::Steal(PyObject_Call(callable.get(), args.get(), kwargs.get())) : PyRef();
  if (!result)
  {
    return ReportPythonError(where().c_str());
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode CallRoute(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                 const OrthancPluginHttpRequest* request)
{
  return AnswerOnce(output, "the REST callback", url, [&] { return CallPython(slot, output, url, request); });
}

// On Orthanc's HTTP threads (100 KiB stacks), on a big stack (PythonStack.h).
OrthancPluginErrorCode HandleRest(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                  const OrthancPluginHttpRequest* request)
{
  return python_stack::Run([&] { return CallRoute(slot, output, url, request); });
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
  const size_t slot = routes_.Add(callable);
  if (slot == kMaxRoutes)
  {
    return PyErr_Format(PyExc_RuntimeError, "RegisterRestCallback: at most %d REST routes can be registered",
                        static_cast<int>(kMaxRoutes));
  }
  {
    GilRelease nogil;
    // "NoLock": Orthanc may run several REST callbacks at once; the GIL (if
    // any) serializes Python, and it is released whenever Python waits.
    OrthancPluginRegisterRestCallbackNoLock(PluginContext(), pathRegex, kSlots[slot]);
  }
  Py_RETURN_NONE;
}
