// The two directions of error conversion, each in one place.
#pragma once

#include "PythonHeaders.h"

#include <orthanc/OrthancCPlugin.h>

#include <string>

// Orthanc -> Python: sets orthanc.OrthancException with args (code, description)
// and returns nullptr, so that a wrapper can write `return RaiseOrthancError(code);`.
PyObject* RaiseOrthancError(OrthancPluginErrorCode code);

// The same with our own description instead of Orthanc's.
PyObject* RaiseOrthancErrorMessage(OrthancPluginErrorCode code, const std::string& description);

// Python -> Orthanc: logs the pending Python exception with its full traceback,
// prefixed by `where` (e.g. "the REST callback for /toto"), clears it and returns
// the code to hand back to Orthanc: always OrthancPluginErrorCode_Plugin (HTTP
// 500), even for an OrthancException, as the upstream plugin does.
OrthancPluginErrorCode ReportPythonError(const char* where);

// For a C callback whose Python callable is gone (the plugin is stopping, or
// a reload removed it): one log line naming `where`, and the Orthanc error.
OrthancPluginErrorCode ReportMissingCallable(const char* where);

// The pending Python exception as text ("Traceback ..."), cleared.
std::string TakePythonError();

// Creates orthanc.OrthancException in `module` (called once, at module init).
bool RegisterOrthancException(PyObject* module);
