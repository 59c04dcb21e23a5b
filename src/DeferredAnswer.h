// The answer of a REST callback, sent once its Python callable has returned
// and the GIL is released: RestOutput.AnswerBuffer() would otherwise release
// the GIL for the send and take it back just to return to Python, one GIL
// hand-off more per request, the costliest step under concurrent requests.
// Only small answers (<= 64 KiB: one copy) to the running callback's own
// output are deferred; any other use of the output sends them first.
#pragma once

#include "Gil.h"
#include "PluginContext.h"

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>
#include <string>

struct DeferredAnswer
{
  OrthancPluginRestOutput* output = nullptr;
  bool pending = false;
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

// Sends a deferred answer now (before another call on the same output).
inline void FlushDeferredAnswer(OrthancPluginRestOutput* output);

inline bool DeferAnswer(OrthancPluginRestOutput* output, const void* data, uint32_t size,
                        const char* mimeType)
{
  DeferredAnswer* deferred = currentDeferredAnswer;
  if (deferred == nullptr || deferred->output != output)
  {
    return false;
  }
  if (deferred->pending || size > 65536)
  {
    FlushDeferredAnswer(output);  // a second answer: keep the order of the calls
    return false;
  }
  deferred->pending = true;
  deferred->body.assign(static_cast<const char*>(data), size);
  deferred->mimeType = mimeType;
  return true;
}

inline void FlushDeferredAnswer(OrthancPluginRestOutput* output)
{
  DeferredAnswer* deferred = currentDeferredAnswer;
  if (deferred != nullptr && deferred->output == output && deferred->pending)
  {
    GilRelease nogil;
    deferred->Send();
  }
}
