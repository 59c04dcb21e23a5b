// Life cycle of the embedded Python interpreter.
#pragma once

#include "Options.h"

#include <string>

// Starts Python, makes the `orthanc` module importable, puts the script's
// folder on sys.path and imports the script.  Returns with the GIL released.
// Throws std::runtime_error with a message for the log (the Python traceback
// when the script fails to import).
void StartPython(const PluginOptions& options);

// Stops the interpreter started by StartPython (no-op otherwise).
void StopPython();

// POST /plugins/python/reload ("Python.AllowReload"), with the GIL held:
// imports the scripts again; their callbacks replace the previous ones.  True
// with a summary in `report`; false with the traceback in `report`, the
// previous scripts' callbacks still in place.
bool ReloadScripts(std::string& report);
