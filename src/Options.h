// The plugin's configuration options, as in the upstream plugin:
//   "PythonScript" (or "Python": {"Path"}), "PythonVerbose" (or "Python": {"Verbose"}),
//   "Python": {"AllowThreads", "DisplayMemoryUsage", "VirtualEnv"}; and our own
//   "Python": {"Logging", "AllowReload", "AsyncTimeout"}.  "PythonScript" may be a list.
#pragma once

#include <string>
#include <vector>

struct PluginOptions
{
  std::vector<std::string> scripts; // empty: no script configured, the plugin stays idle
  bool verbose = false;             // Python's -v: trace imports
  bool allowThreads = true;         // release the GIL during SDK calls
  bool displayMemoryUsage = false;  // log Python's memory use periodically
  std::string virtualEnv;           // folder of a venv whose site-packages come first; empty: $VIRTUAL_ENV
  bool logging = true;              // Python's logging goes to Orthanc's log
  bool allowReload = false;         // POST /plugins/python/reload re-imports the scripts
  double asyncTimeout = 60;         // seconds a callback waits for its coroutine
  bool unauthenticatedRemoteAccess = false;  // "RemoteAccessAllowed" with "AuthenticationEnabled": false
};

// Reads the options from Orthanc's configuration (OrthancPluginGetConfiguration).
// Throws std::runtime_error naming the option when a value has the wrong type.
PluginOptions ReadPluginOptions(const std::string& configurationJson);
