// The answer of a REST callback, sent once its Python callable has returned
// and the GIL is released: RestOutput.AnswerBuffer() would otherwise release
// the GIL for the send and take it back just to return to Python, one GIL
// hand-off more per request, the costliest step under concurrent requests.
// Only small answers (<= 64 KiB: one copy) to the running callback's own
// output are deferred; any other use of the output sends them first.
//
// It also notes whether the callback answered at all: Orthanc sends nothing
// for a callback that returns without answering (the client sees the
// connection closed), so the plugin answers 500 then.
#pragma once

#include "Gil.h"
#include "Log.h"
#include "PluginContext.h"

#include <orthanc/OrthancCPlugin.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

struct DeferredAnswer
{
  OrthancPluginRestOutput* output = nullptr;
  bool pending = false;
  bool answered = false;  // an answering RestOutput method was called
  std::string body;
  std::string mimeType;

  // Sends the pending answer; the caller does not hold the GIL.
  void Send()
  {
    pending = false;
    OrthancPluginAnswerBuffer(PluginContext(), output, body.data(), static_cast<uint32_t>(body.size()),
                              mimeType.c_str());
  }
};

// The deferral of the REST callback running on this thread (nested calls
// save and restore it), or nullptr.
inline thread_local DeferredAnswer* currentDeferredAnswer = nullptr;

// A REST callback written `async def` answers from the event loop's thread
// while its own thread waits: its deferral is found by output there.
struct AsyncDeferredAnswers
{
  std::mutex mutex;
  std::map<OrthancPluginRestOutput*, DeferredAnswer*> byOutput;  // guarded by mutex
  std::atomic<int> count{0};
};
inline AsyncDeferredAnswers asyncDeferredAnswers;

// While it lives, the deferral of this thread's REST callback is found from other threads.
class ShareDeferredAnswer
{
public:
  ShareDeferredAnswer() : deferred_(currentDeferredAnswer)
  {
    if (deferred_ != nullptr)
    {
      std::lock_guard<std::mutex> lock(asyncDeferredAnswers.mutex);
      asyncDeferredAnswers.byOutput[deferred_->output] = deferred_;
      asyncDeferredAnswers.count++;
    }
  }
  ~ShareDeferredAnswer()
  {
    if (deferred_ != nullptr)
    {
      std::lock_guard<std::mutex> lock(asyncDeferredAnswers.mutex);
      asyncDeferredAnswers.byOutput.erase(deferred_->output);
      asyncDeferredAnswers.count--;
    }
  }
  ShareDeferredAnswer(const ShareDeferredAnswer&) = delete;
  ShareDeferredAnswer& operator=(const ShareDeferredAnswer&) = delete;

private:
  DeferredAnswer* deferred_;
};

// The deferral of `output`: this thread's, else (rarely) an async callback's.
inline DeferredAnswer* FindDeferredAnswer(OrthancPluginRestOutput* output)
{
  DeferredAnswer* deferred = currentDeferredAnswer;
  if (deferred != nullptr && deferred->output == output)
  {
    return deferred;
  }
  if (asyncDeferredAnswers.count.load() == 0)
  {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(asyncDeferredAnswers.mutex);
  const auto found = asyncDeferredAnswers.byOutput.find(output);
  return found == asyncDeferredAnswers.byOutput.end() ? nullptr : found->second;
}

// Sends a deferred answer now (before another call on the same output);
// `answers`: that call answers (not SetHttpHeader, SetCookie...).
inline void FlushDeferredAnswer(OrthancPluginRestOutput* output, bool answers);

inline bool DeferAnswer(OrthancPluginRestOutput* output, const void* data, uint32_t size,
                        const char* mimeType)
{
  DeferredAnswer* deferred = FindDeferredAnswer(output);
  if (deferred == nullptr)
  {
    return false;
  }
  if (deferred->pending || size > 65536)
  {
    FlushDeferredAnswer(output, true);  // a second answer: keep the order of the calls
    return false;
  }
  deferred->answered = true;
  deferred->pending = true;
  deferred->body.assign(static_cast<const char*>(data), size);
  deferred->mimeType = mimeType;
  return true;
}

inline void FlushDeferredAnswer(OrthancPluginRestOutput* output, bool answers)
{
  DeferredAnswer* deferred = FindDeferredAnswer(output);
  if (deferred == nullptr)
  {
    return;
  }
  deferred->answered = deferred->answered || answers;
  if (deferred->pending)
  {
    GilRelease nogil;
    deferred->Send();
  }
}

// Runs `call()` (the REST callback, which takes the GIL itself) with the
// deferral of `output` in place, then, without the GIL, sends the pending
// answer, or answers 500 if the callback succeeded without answering.
// `what` and `uri` name the callback in the log.
template <typename Call>
OrthancPluginErrorCode AnswerOnce(OrthancPluginRestOutput* output, const char* what, const char* uri, Call call)
{
  DeferredAnswer deferred;
  deferred.output = output;
  DeferredAnswer* previous = currentDeferredAnswer;
  currentDeferredAnswer = &deferred;
  const OrthancPluginErrorCode code = call();
  currentDeferredAnswer = previous;
  if (deferred.pending)
  {
    deferred.Send();
  }
  else if (code == OrthancPluginErrorCode_Success && !deferred.answered)
  {
    const std::string message = std::string(what) + " for " + uri + " returned without answering";
    LogError("Python plugin: " + message + "; HTTP 500 sent");
    const std::string body = "Python plugin: " + message + "\n";
    OrthancPluginSendHttpStatus(PluginContext(), output, 500, body.data(), static_cast<uint32_t>(body.size()));
  }
  return code;
}
