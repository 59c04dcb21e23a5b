// The one place that turns what a Python callback returned into what Orthanc
// acts on.  Each converter accepts only the documented types; anything else
// ("no" where a bool is expected, None, 1.5 for a status...) fails: it logs
// one line naming the callback, the type it got and what was expected, and
// the caller takes its fail-closed path (refuse, discard, fail), never the
// success path.  The value's __bool__, __int__ or __index__ are never
// called: they are user code that can raise or say anything.
#pragma once

#include "../PythonHeaders.h"

#include <string>

namespace callback_result
{
// "Python plugin: <where> returned <type> (expected <expected>); <outcome>",
// with the message of the pending Python exception, if any (then cleared).
void LogUnexpected(const std::string& where, PyObject* value, const char* expected, const char* outcome);

// True or False (an int, even 0 or 1, is refused).
bool StrictBool(PyObject* value, const std::string& where, const char* outcome, bool& target);

// An int between `min` and `max` (bool refused: True is never a status).
bool StrictInt(PyObject* value, const std::string& where, long min, long max, const char* expected,
               const char* outcome, long& target);

// None, for callbacks that answer through an object, not their result.
bool StrictNone(PyObject* value, const std::string& where, const char* expected, const char* outcome);

// A bytes-like object (bytes, bytearray, contiguous memoryview...): fills
// `view`, to be released with PyBuffer_Release by the caller.
bool StrictBuffer(PyObject* value, const std::string& where, const char* expected, const char* outcome,
                  Py_buffer& view);

// An instance of `type` (e.g. orthanc.Image).
bool StrictInstance(PyObject* value, PyTypeObject* type, const std::string& where, const char* expected,
                    const char* outcome);
}  // namespace callback_result
