// The one place Python.h is included from.
//
// With MSVC, a Debug build defines _DEBUG, and pyconfig.h then asks for the
// debug library (pythonXY_d.lib) and turns on Py_DEBUG.  Unless the build asks
// for the debug libraries (PYTHON_WINDOWS_USE_RELEASE_LIBS=OFF), _DEBUG is
// hidden while Python.h is read so that the release library is used.
#pragma once

#if defined(_MSC_VER) && defined(_DEBUG) && !defined(ORTHANC_PYTHON_USE_DEBUG_LIBS)
#  undef _DEBUG
#  define ORTHANC_PYTHON_RESTORE_DEBUG
#endif

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(ORTHANC_PYTHON_RESTORE_DEBUG)
#  define _DEBUG 1
#  undef ORTHANC_PYTHON_RESTORE_DEBUG
#endif
