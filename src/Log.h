// The plugin's own messages, written to Orthanc's log.  Callable with or
// without the GIL (and before Python starts): a thread that holds the GIL
// lets other Python threads run while Orthanc writes the message.  Outside a
// run of Orthanc (PluginContext.h: once Orthanc has stopped), to stderr.
#pragma once

#include "Gil.h"
#include "PluginContext.h"

#include <cstdio>
#include <string>

namespace detail
{
// True if Python runs and this thread holds the GIL (the only case where it can be released).
inline bool HoldsGil()
{
  return Py_IsInitialized() && PyGILState_GetThisThreadState() != nullptr && PyGILState_Check() == 1;
}

template <void (*Log)(OrthancPluginContext*, const char*)>
void Write(const std::string& message)
{
  if (!OrthancReachable())
  {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
  }
  else if (HoldsGil())
  {
    GilRelease nogil;
    Log(PluginContext(), message.c_str());
  }
  else
  {
    Log(PluginContext(), message.c_str());
  }
}
}  // namespace detail

inline void LogInfo(const std::string& message)
{
  detail::Write<OrthancPluginLogInfo>(message);
}

inline void LogWarning(const std::string& message)
{
  detail::Write<OrthancPluginLogWarning>(message);
}

inline void LogError(const std::string& message)
{
  detail::Write<OrthancPluginLogError>(message);
}
