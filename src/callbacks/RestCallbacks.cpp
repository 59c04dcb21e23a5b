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
#include "../PythonSupport.h"
#include "../SharedState.h"
#include "../DeferredAnswer.h"
#include "CallbackList.h"
#include "HttpRequest.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <array>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace
{
constexpr size_t kMaxRoutes = 512;

// Slot i -> the Python callable registered i-th.  A reload registers the
// same regular expression in the same slot: Orthanc's registrations cannot be
// removed, and a slot left without a callable answers 404.  HTTP threads read
// slots while scripts register: a SharedMutex, as no GIL may serialize them.
class Routes : public Forgettable
{
public:
  enum class Added { kNew, kReused, kFull };

  // Puts `callable` in the slot of `pathRegex` that a reload left empty, else
  // in a new slot (`slot` says which).
  Added Add(const std::string& pathRegex, PyObject* callable, size_t& slot)
  {
    PyRef kept = PyRef::Borrow(callable);
    SharedLock lock(mutex_);
    const auto known = slotOfRegex_.find(pathRegex);
    if (known != slotOfRegex_.end() && !callables_[known->second])
    {
      slot = known->second;
      callables_[slot] = std::move(kept);
      return Added::kReused;
    }
    if (count_ == kMaxRoutes)
    {
      return Added::kFull;
    }
    slot = count_++;
    callables_[slot] = std::move(kept);
    slotOfRegex_.emplace(pathRegex, slot);
    return Added::kNew;
  }

  PyRef Get(size_t slot) const
  {
    SharedLock lock(mutex_);
    return callables_[slot];
  }

  // Each drops its references after the lock: finalizers may run.
  void Forget() override
  {
    std::array<PyRef, kMaxRoutes> dropped, droppedSaved;
    SharedLock lock(mutex_);
    dropped.swap(callables_);
    droppedSaved.swap(saved_);
    slotOfRegex_.clear();
    count_ = 0;
  }
  void Save() override
  {
    SharedLock lock(mutex_);
    for (size_t i = 0; i < count_; i++)
    {
      saved_[i] = std::exchange(callables_[i], PyRef());
    }
  }
  void Restore() override
  {
    std::array<PyRef, kMaxRoutes> dropped;
    SharedLock lock(mutex_);
    for (size_t i = 0; i < count_; i++)
    {
      dropped[i] = std::exchange(callables_[i], std::exchange(saved_[i], PyRef()));
    }
  }
  void Discard() override
  {
    std::array<PyRef, kMaxRoutes> dropped;
    SharedLock lock(mutex_);
    dropped.swap(saved_);
  }

private:
  mutable SharedMutex mutex_;
  std::array<PyRef, kMaxRoutes> callables_;
  std::array<PyRef, kMaxRoutes> saved_;
  std::map<std::string, size_t> slotOfRegex_;
  size_t count_ = 0;
};

Routes routes_;
SharedMutex pendingMutex_;  // no GIL serializes a free-threaded build
std::vector<std::pair<std::string, size_t>> pendingRoutes_;
std::vector<std::thread> registering_;  // joined at plugin shutdown (never in a REST callback)

OrthancPluginErrorCode RunRoute(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                  const OrthancPluginHttpRequest* request)
{
  GilHold gil;
  const CallbackName name("the REST callback for ", url);
  auto where = [&name] { return name.str(); };

  BorrowedHandle outputObject(PyRef::Steal(generated::Wrap_RestOutput(output, false)));
  Keywords keywords = RestRequestKeywords(request, true);
  if (outputObject.get() == nullptr || !keywords.names)
  {
    return ReportPythonError(where().c_str());
  }
  PyRef callable = routes_.Get(slot);
  if (!callable)
  {
    // The reloaded scripts no longer register this route (or the plugin is stopping).
    FlushDeferredAnswer(output, true);
    GilRelease nogil;
    OrthancPluginSendHttpStatusCode(PluginContext(), output, 404);
    return OrthancPluginErrorCode_Success;
  }
  // The coroutine of an `async def` route is awaited here, not by CallPython:
  // it answers from the event loop's thread, and a timeout answers 504.
  PyRef result = CallPython(callable.get(), name, {outputObject.get(), Str(url).get()}, keywords);
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;  // reported by CallPython
  }
  if (IsAwaitable(result.get()))
  {
    ShareDeferredAnswer shared;  // the coroutine answers from the event loop's thread
    result = AwaitIfCoroutine(std::move(result), where());
    if (!result && IsCoroutineTimeoutPending())
    {
      // A timeout answer (504), not the 500 of a failed callback.
      ReportPythonError(where().c_str());
      FlushDeferredAnswer(output, true);
      const std::string body = "Python plugin: " + where() +
                               " did not finish in time (\"Python.AsyncTimeout\"); see Orthanc's log\n";
      GilRelease nogil;
      OrthancPluginSendHttpStatus(PluginContext(), output, 504, body.data(), static_cast<uint32_t>(body.size()));
      return OrthancPluginErrorCode_Success;
    }
    if (!result)
    {
      return ReportPythonError(where().c_str());
    }
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode CallRoute(size_t slot, OrthancPluginRestOutput* output, const char* url,
                                 const OrthancPluginHttpRequest* request)
{
  return AnswerOnce(output, "the REST callback", url, [&] { return RunRoute(slot, output, url, request); });
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
  size_t slot = 0;
  switch (routes_.Add(pathRegex, callable, slot))
  {
    case Routes::Added::kReused:
      Py_RETURN_NONE;  // a reload: Orthanc calls this slot already
    case Routes::Added::kFull:
      return PyErr_Format(PyExc_RuntimeError, "RegisterRestCallback: at most %d REST routes can be registered",
                          static_cast<int>(kMaxRoutes));
    case Routes::Added::kNew:
      break;
  }
  if (reloadInProgress)
  {
    // The reload runs in a REST callback, while Orthanc holds the lock that
    // registering a route needs: registered once the reload has answered.
    SharedLock lock(pendingMutex_);
    pendingRoutes_.emplace_back(pathRegex, slot);
    Py_RETURN_NONE;
  }
  {
    GilRelease nogil;
    // "NoLock": Orthanc may run several REST callbacks at once; the GIL (if
    // any) serializes Python, and it is released whenever Python waits.
    OrthancPluginRegisterRestCallbackNoLock(PluginContext(), pathRegex, kSlots[slot]);
  }
  Py_RETURN_NONE;
}

void RegisterRoutesAfterReload()
{
  std::vector<std::pair<std::string, size_t>> pending;
  {
    SharedLock lock(pendingMutex_);
    pending.swap(pendingRoutes_);
  }
  if (pending.empty())
  {
    return;
  }
  // Waits, in Orthanc, until the reload's own REST callback has returned.
  registering_.emplace_back([pending] {
    for (const auto& [regex, slot] : pending)
    {
      OrthancPluginRegisterRestCallbackNoLock(PluginContext(), regex.c_str(), kSlots[slot]);
    }
  });
}

void JoinRouteRegistration()
{
  for (std::thread& thread : registering_)
  {
    thread.join();
  }
  registering_.clear();
}
