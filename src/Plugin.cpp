// Entry points that Orthanc calls when it loads and unloads the plugin.
#include "Gil.h"
#include "Interpreter.h"
#include "Log.h"
#include "PluginContext.h"
#include "callbacks/Callbacks.h"

#include <stdexcept>
#include <string>

#ifndef ORTHANC_PYTHON_VERSION
#  error ORTHANC_PYTHON_VERSION must be defined by the build (from the VERSION file)
#endif

namespace
{
bool pythonStarted_ = false;

std::string ConfigurationJson(OrthancPluginContext* context)
{
  char* json = OrthancPluginGetConfiguration(context);
  if (json == nullptr)
  {
    throw std::runtime_error("cannot read Orthanc's configuration");
  }
  std::string result(json);
  OrthancPluginFreeString(context, json);
  return result;
}
}  // namespace

extern "C"
{
ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  SetPluginContext(context);
  if (!OrthancPluginCheckVersion(context))
  {
    LogError(std::string("Python plugin: this Orthanc (") + context->orthancVersion +
             ") is older than the SDK the plugin was built with (" +
             std::to_string(ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER) + "." +
             std::to_string(ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER) + "." +
             std::to_string(ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER) + "): upgrade Orthanc");
    return -1;
  }
  OrthancPluginSetDescription(context, "Run Python scripts in Orthanc (Python plugin, version "
                                       ORTHANC_PYTHON_VERSION ").");
  LogWarning("Python plugin is initializing");

  try
  {
    const PluginOptions options = ReadPluginOptions(ConfigurationJson(context));
    if (options.script.empty())
    {
      LogWarning("Python plugin: no \"PythonScript\" option in the configuration, the plugin stays idle");
      return 0;
    }
    StartPython(options);
    pythonStarted_ = true;
    return 0;
  }
  catch (const std::exception& e)
  {
    LogError(std::string("Python plugin: ") + e.what());
    // Orthanc does not call OrthancPluginFinalize() after a failed
    // initialization: stop what the script started before failing (the
    // change thread, references to Python callables) while Python still runs.
    DrainAndStopChangeThread();
    StopPython();
    return -1;
  }
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize()
{
  if (pythonStarted_)
  {
    LogWarning("Python plugin is finalizing");
    DrainAndStopChangeThread();
    StopPython();
    pythonStarted_ = false;
  }
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetName()
{
  return "python";
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion()
{
  return ORTHANC_PYTHON_VERSION;
}
}
