// Life cycle of the embedded Python interpreter.
//
// Python starts once per process, at the first start of the plugin with
// scripts, and ends when the process exits.  Orthanc may stop and start the
// plugin several times in between (POST /tools/reset restarts Orthanc in its
// process): each start imports the scripts again, from their source, in the
// same interpreter, as POST /plugins/python/reload does; each stop delivers
// what was queued and drops what the scripts registered.  Restarting Python
// instead would lose the C extensions that cannot be initialized twice
// (numpy), and some CPython releases leak or crash doing it.
#pragma once

#include "Options.h"

#include <string>

// OrthancPluginInitialize(), with scripts: the first time, starts Python,
// keeps the plugin's library loaded for the process, makes the `orthanc`
// module importable; then puts each script's folder on sys.path and imports
// the scripts.  Returns with the GIL released.  Throws std::runtime_error
// with a message for the log (the Python traceback when a script fails to
// import).
void StartScripts(const PluginOptions& options);

// True once Python has started (it then runs until the process exits).
bool PythonStarted();

// The stop of the plugin, without the GIL, once the plugin's threads that
// call Python have stopped: stops the event loop of async callbacks and the
// memory reporter, drops every registered Python callable, then the
// scripts' modules with what only they kept (PythonSupport.h: EndScripts),
// and takes the logging bridge off.  No-op before Python started.
void StopScripts();

// Then, once calls from Python into Orthanc are refused (EndRun()): drops
// what a Python thread registered in the meantime.  Without the GIL.
void ForgetScripts();

// POST /plugins/python/reload ("Python.AllowReload"), with the GIL held:
// imports the scripts again; their callbacks replace the previous ones.  True
// with a summary in `report`; false with the traceback in `report`, the
// previous scripts' callbacks still in place.
bool ReloadScripts(std::string& report);
