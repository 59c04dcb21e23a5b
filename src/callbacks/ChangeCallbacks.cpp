// orthanc.RegisterOnChangeCallback().
//
// Orthanc signals changes from its own threads, sometimes while holding
// locks that its REST API needs too.  Calling Python there would deadlock a
// callback that calls orthanc.RestApiGet(), so each event is queued and a
// dedicated thread runs the Python callbacks.  The queue is drained before
// the plugin stops, so no event (ORTHANC_STOPPED included) is lost.
#include "Callbacks.h"

#include "../Errors.h"
#include "../Gil.h"
#include "../PythonSupport.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace
{
struct ChangeEvent
{
  OrthancPluginChangeType type;
  OrthancPluginResourceType level;
  std::string resourceId;
};

CallbackList callbacks_;  // guarded by the GIL

class ChangeQueue
{
public:
  void Push(ChangeEvent event)
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(event));
    }
    wakeUp_.notify_one();
  }

  // Blocks until an event is queued; false once stopped and drained.
  bool Pop(ChangeEvent& event)
  {
    std::unique_lock<std::mutex> lock(mutex_);
    wakeUp_.wait(lock, [this] { return stopping_ || !events_.empty(); });
    if (events_.empty())
    {
      return false;
    }
    event = std::move(events_.front());
    events_.pop_front();
    return true;
  }

  void Stop()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wakeUp_.notify_all();
  }

  // A new run of Orthanc after a reset (the queue was stopped and drained).
  void Start()
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }

private:
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  std::deque<ChangeEvent> events_;
  bool stopping_ = false;
};

ChangeQueue queue_;
std::thread worker_;

void Deliver(const ChangeEvent& event)
{
  GilHold gil;
  PyRef type = Int(event.type);
  PyRef level = Int(event.level);
  PyRef resourceId = Str(event.resourceId.c_str());
  for (const PyRef& callback : callbacks_.Snapshot())
  {
    CallPython(callback.get(), "the OnChange callback", {type.get(), level.get(), resourceId.get()}, nullptr,
               Coroutine::kAwaited);
  }
}

void RunWorker()
{
  ChangeEvent event;
  while (queue_.Pop(event))
  {
    Deliver(event);
  }
}

OrthancPluginErrorCode OnChange(OrthancPluginChangeType type, OrthancPluginResourceType level,
                                const char* resourceId)
{
  queue_.Push(ChangeEvent{type, level, resourceId != nullptr ? resourceId : ""});
  return OrthancPluginErrorCode_Success;
}
}  // namespace

PyObject* RegisterOnChangeCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterListCallback(args, callbacks_, "RegisterOnChangeCallback", [] {
    queue_.Start();
    worker_ = std::thread(RunWorker);
    OrthancPluginRegisterOnChangeCallback(PluginContext(), OnChange);
  });
}

void DrainAndStopChangeThread()
{
  queue_.Stop();
  if (worker_.joinable())
  {
    worker_.join();
  }
}
