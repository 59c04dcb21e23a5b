// Life cycle of the embedded Python interpreter.
#pragma once

#include "Options.h"

// Starts Python, makes the `orthanc` module importable, puts the script's
// folder on sys.path and imports the script.  Returns with the GIL released.
// Throws std::runtime_error with a message for the log (the Python traceback
// when the script fails to import).
void StartPython(const PluginOptions& options);

// Stops the interpreter started by StartPython (no-op otherwise).
void StopPython();
