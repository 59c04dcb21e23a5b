#include "PluginContext.h"

#include "Errors.h"
#include "Log.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace
{
// How long OrthancPluginFinalize() waits for Python threads still in a call
// to Orthanc: Orthanc frees what they use once the plugin is finalized.  Such
// calls end quickly there (Orthanc has already stopped its server context),
// but an HTTP client call may take until its own timeout.
constexpr auto kCallsWait = std::chrono::seconds(10);

OrthancPluginErrorCode RefuseService(OrthancPluginContext* /* context */, _OrthancPluginService /* service */,
                                     const void* /* params */)
{
  return OrthancPluginErrorCode_BadSequenceOfCalls;
}

// Orthanc's own Free may belong to another C runtime (Windows): what the
// stand-in would free can only come from an ended run, and is left.
void FreeNothing(void* /* buffer */)
{
}

OrthancPluginContext standIn_ = {nullptr, "0.0.0", FreeNothing, RefuseService};

std::atomic<OrthancPluginContext*> context_{&standIn_};
std::atomic<uint64_t> run_{0};     // the current run's number; 0 outside a run
uint64_t lastRun_ = 0;             // Orthanc's main thread only (initialize, finalize)
std::atomic<int64_t> inFlight_{0};  // OrthancCall objects alive

// The run this thread belongs to; 0: none yet (it joins the run of its first call).
thread_local uint64_t threadRun_ = 0;

const char kNotRunning[] =
    "Orthanc is not running: it is stopping, or restarting (POST /tools/reset); the scripts are imported again "
    "when it has restarted";
const char kEndedRun[] =
    "this thread called Orthanc before Orthanc restarted (POST /tools/reset): the threads of the scripts' "
    "previous run can no longer call Orthanc (stop them on orthanc.ChangeType.ORTHANC_STOPPED)";
}  // namespace

OrthancPluginContext* PluginContext()
{
  return context_.load(std::memory_order_acquire);
}

void StartRun(OrthancPluginContext* context)
{
  context_.store(context, std::memory_order_release);
  const uint64_t run = ++lastRun_;
  run_.store(run);
  threadRun_ = run;
}

void EndRun()
{
  // The store and the loads below, and those of OrthancCall's constructor,
  // are sequentially consistent: either a call sees the run ended, or this
  // sees the call in flight.
  run_.store(0);
  const auto deadline = std::chrono::steady_clock::now() + kCallsWait;
  while (inFlight_.load() > 0)
  {
    if (std::chrono::steady_clock::now() > deadline)
    {
      LogWarning("Python plugin: " + std::to_string(inFlight_.load()) +
                 " call(s) from Python threads still in Orthanc after " +
                 std::to_string(std::chrono::seconds(kCallsWait).count()) + " s; Orthanc goes on stopping");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  context_.store(&standIn_, std::memory_order_release);
}

bool OrthancReachable()
{
  return context_.load(std::memory_order_acquire) != &standIn_;
}

void JoinRun()
{
  threadRun_ = run_.load(std::memory_order_relaxed);
}

OrthancCall::OrthancCall() : admitted_(false)
{
  inFlight_.fetch_add(1);
  const uint64_t run = run_.load();
  if (run != 0 && (threadRun_ == run || threadRun_ == 0))
  {
    threadRun_ = run;
    admitted_ = true;
    return;
  }
  inFlight_.fetch_sub(1);
  RaiseOrthancErrorMessage(OrthancPluginErrorCode_BadSequenceOfCalls, run == 0 ? kNotRunning : kEndedRun);
}

OrthancCall::OrthancCall(Release) : admitted_(false)
{
  inFlight_.fetch_add(1);
  if (run_.load() != 0)
  {
    admitted_ = true;
    return;
  }
  inFlight_.fetch_sub(1);
}

OrthancCall::~OrthancCall()
{
  if (admitted_)
  {
    inFlight_.fetch_sub(1);
  }
}
