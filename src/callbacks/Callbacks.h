// The hand-written part of the `orthanc` module: registration of Python
// callbacks, which the generator cannot express (it has no C callback to
// hand to Orthanc).  Each Register* function follows the upstream signature.
#pragma once

#include "../PythonHeaders.h"

// orthanc.RegisterRestCallback(pathRegex, callback); callback(output, uri, **request)
PyObject* RegisterRestCallback(PyObject* self, PyObject* args);

// orthanc.RegisterOnChangeCallback(callback); callback(changeType, level, resourceId)
PyObject* RegisterOnChangeCallback(PyObject* self, PyObject* args);

// orthanc.RegisterOnStoredInstanceCallback(callback); callback(dicom, instanceId)
PyObject* RegisterOnStoredInstanceCallback(PyObject* self, PyObject* args);

// orthanc.RegisterIncomingHttpRequestFilter(callback); callback(uri, **request) -> bool
PyObject* RegisterIncomingHttpRequestFilter(PyObject* self, PyObject* args);

// At plugin shutdown, with the GIL NOT held: delivers the change events still
// queued, then stops the thread that runs the change callbacks.
void DrainAndStopChangeThread();

// At plugin shutdown, with the GIL held: drop the references to the
// registered Python callables (before the interpreter is finalized).
void ForgetRestCallbacks();
void ForgetChangeCallbacks();
void ForgetStoredInstanceCallbacks();
void ForgetHttpFilters();

inline void ForgetPythonCallbacks()
{
  ForgetRestCallbacks();
  ForgetChangeCallbacks();
  ForgetStoredInstanceCallbacks();
  ForgetHttpFilters();
}
