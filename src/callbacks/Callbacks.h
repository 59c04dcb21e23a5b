// The hand-written part of the `orthanc` module lives in src/ (callbacks in
// src/callbacks/); codegen/handwritten/ lists it, and the generated
// OrthancGenerated.h declares each function and puts it in the method
// tables.  This header only has the plugin's life-cycle hooks.
#pragma once

#include "../PythonHeaders.h"

// At plugin shutdown, with the GIL NOT held: delivers the change events still
// queued, then stops the thread that runs the change callbacks.
void DrainAndStopChangeThread();

// At plugin shutdown, with the GIL held: drops the references to every
// registered Python callable (before the interpreter is finalized).
void ForgetPythonCallbacks();

// After POST /plugins/python/reload has answered, without the GIL: registers
// in Orthanc the routes that the reloaded scripts added (in a thread).
void RegisterRoutesAfterReload();

// At plugin shutdown: waits for that registration.
void JoinRouteRegistration();
