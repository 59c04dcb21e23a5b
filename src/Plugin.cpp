// Entry points that Orthanc calls when it loads and unloads the plugin.
#include "Gil.h"
#include "Interpreter.h"
#include "Log.h"
#include "LogLevel.h"
#include "OrthancGenerated.h"
#include "PluginContext.h"
#include "Reload.h"
#include "RunningOrthanc.h"
#include "callbacks/Callbacks.h"

#include <stdexcept>
#include <string>

#ifndef ORTHANC_PYTHON_VERSION
#  error ORTHANC_PYTHON_VERSION must be defined by the build (from the VERSION file)
#endif

namespace
{
bool scriptsRunning_ = false;

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

// The end of a run of Orthanc (OrthancPluginFinalize(), or a failed
// OrthancPluginInitialize(), after which Orthanc calls no finalization).
// Python keeps running: Orthanc may start the plugin again in this process.
void EndScriptsRun()
{
  StopFollowingLogLevel();
  JoinRouteRegistration();
  DrainAndStopChangeThread();  // every queued change event, ORTHANC_STOPPED included, while Orthanc answers
  StopScripts();
  EndRun();                    // from here on, calls from Python into Orthanc raise
  ForgetScripts();
  DrainAndStopChangeThread();  // the change thread of a registration made during the stop, if any
  scriptsRunning_ = false;
}
}  // namespace

extern "C"
{
ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  StartRun(context);
  // Built against a newer SDK, the plugin still runs in an older Orthanc: the
  // functions that Orthanc lacks raise when called (RunningOrthanc.h).
  const int* minimal = generated::kMinimalOrthanc;
  const std::string minimalText =
      std::to_string(minimal[0]) + "." + std::to_string(minimal[1]) + "." + std::to_string(minimal[2]);
  if (!OrthancIsAtLeast(minimal[0], minimal[1], minimal[2]))
  {
    LogError("Python plugin: this Orthanc (" + RunningOrthancVersion() + ") is older than " + minimalText +
             ", the oldest release the plugin runs in: upgrade Orthanc");
    EndRun();
    return -1;
  }
  const std::string versions = std::string("version " ORTHANC_PYTHON_VERSION ", Python " PY_VERSION
                                           ", built against the Orthanc SDK ") +
                               generated::kSdkVersion + ", running in Orthanc " + RunningOrthancVersion();
  OrthancPluginSetDescription(context, ("Run Python scripts in Orthanc (Python plugin " + versions + ").").c_str());
  LogWarning("Python plugin is initializing (" + versions + ")");

  try
  {
    const PluginOptions options = ReadPluginOptions(ConfigurationJson(context));
    if (options.scripts.empty())
    {
      LogWarning("Python plugin: no \"PythonScript\" option in the configuration, the plugin stays idle");
      return 0;
    }
    scriptsRunning_ = true;
    StartScripts(options);
    if (options.logging)
    {
      StartFollowingLogLevel();
    }
    if (options.allowReload)
    {
      RegisterReloadRoute(options.unauthenticatedRemoteAccess);
      LogWarning("Python plugin: POST /plugins/python/reload re-imports the scripts (\"Python.AllowReload\")");
    }
    return 0;
  }
  catch (const std::exception& e)
  {
    LogError(std::string("Python plugin: ") + e.what());
    // Stops what the scripts started before failing (the change thread,
    // references to Python callables) while Python still runs.
    if (scriptsRunning_)
    {
      EndScriptsRun();
    }
    EndRun();
    return -1;
  }
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize()
{
  if (scriptsRunning_)
  {
    LogWarning("Python plugin is finalizing");
    EndScriptsRun();
  }
  EndRun();
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
