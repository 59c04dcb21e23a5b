// The `orthanc` Python module: generated functions, enums and classes, plus
// the hand-written callback registrations.
#pragma once

#include "PythonHeaders.h"

// Module init function, registered with PyImport_AppendInittab("orthanc", ...).
PyObject* PyInitOrthancModule();
