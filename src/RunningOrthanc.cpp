#include "RunningOrthanc.h"

#include "Errors.h"
#include "PluginContext.h"

#include <orthanc/OrthancCPlugin.h>

bool OrthancIsAtLeast(int major, int minor, int revision)
{
  OrthancPluginContext* context = PluginContext();
  return context != nullptr && OrthancPluginCheckVersionAdvanced(context, major, minor, revision) != 0;
}

std::string RunningOrthancVersion()
{
  OrthancPluginContext* context = PluginContext();
  return (context != nullptr && context->orthancVersion != nullptr) ? context->orthancVersion : "unknown";
}

bool RequireOrthanc(const char* function, int major, int minor, int revision)
{
  if (OrthancIsAtLeast(major, minor, revision))
  {
    return true;
  }
  const std::string needed = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
  RaiseOrthancErrorMessage(OrthancPluginErrorCode_NotImplemented,
                           std::string(function) + " needs Orthanc " + needed + " or newer; this Orthanc is " +
                           RunningOrthancVersion() + ": upgrade Orthanc to use it");
  return false;
}
