// The plugin's own messages, written to Orthanc's log.
#pragma once

#include "PluginContext.h"

#include <string>

inline void LogInfo(const std::string& message)
{
  OrthancPluginLogInfo(PluginContext(), message.c_str());
}

inline void LogWarning(const std::string& message)
{
  OrthancPluginLogWarning(PluginContext(), message.c_str());
}

inline void LogError(const std::string& message)
{
  OrthancPluginLogError(PluginContext(), message.c_str());
}
