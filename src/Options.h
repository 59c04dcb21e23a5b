// The plugin's configuration options, as in the upstream plugin:
//   "PythonScript" (or "Python": {"Path"}), "PythonVerbose" (or "Python": {"Verbose"}),
//   "Python": {"AllowThreads", "DisplayMemoryUsage", "VirtualEnv"}.
#pragma once

#include <string>

struct PluginOptions
{
  std::string script;               // empty: no script configured, the plugin stays idle
  bool verbose = false;             // Python's -v: trace imports
  bool allowThreads = true;         // release the GIL during SDK calls
  bool displayMemoryUsage = false;  // log Python's memory use periodically
  std::string virtualEnv;           // folder of a venv whose site-packages come first; empty: $VIRTUAL_ENV
};

// Reads the options from Orthanc's configuration (OrthancPluginGetConfiguration).
// Throws std::runtime_error naming the option when a value has the wrong type.
PluginOptions ReadPluginOptions(const std::string& configurationJson);
