// The one way a C callback enters Python: call the callable with borrowed
// arguments (vectorcall: no argument tuple), run its coroutine if the
// callback accepts `async def`, and report a failure (ReportPythonError: the
// traceback in Orthanc's log) or a missing callable (ReportMissingCallable).
// With the GIL held (GilHold in the caller).
#pragma once

#include "../PyRef.h"
#include "CallbackList.h"

#include <array>
#include <initializer_list>
#include <string>

// Names a callback in log lines: `text` then `detail` (e.g. "the REST
// callback for " and the URI), joined only when a line is written.
struct CallbackName
{
  CallbackName(const char* text, const char* detail = "") : text(text), detail(detail) {}
  CallbackName(const std::string& text) : text(text.c_str()) {}  // the string must outlive the call
  std::string str() const { return std::string(text) + detail; }

  const char* text;
  const char* detail = "";
};

// What happens to an awaitable result: run to completion on the plugin's
// event loop (the callbacks README's "Async callbacks" lists), or returned as
// it is (the others, and RestCallbacks.cpp, which awaits it itself).
enum class Coroutine { kReturned, kAwaited };

// callable(*args, **kwargs); `kwargs` may be nullptr.  An argument that is
// nullptr (it could not be built: its exception is pending) fails the call.
// On failure: one report (see above), no exception left set, and an empty
// PyRef.  A nullptr `callable` is reported as missing.
PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args,
                 PyObject* kwargs = nullptr, Coroutine coroutine = Coroutine::kReturned);

// Keyword arguments as vectorcall takes them: `names`, a tuple of str, and
// as many `values`, in the same order. Saves the dictionary that a kwargs
// argument costs on every call (built here, then unpacked by CPython).
struct Keywords
{
  static constexpr size_t kMax = 4;

  PyRef names;                        // empty: could not be built (exception set)
  std::array<PyRef, kMax> values{};   // the first PyTuple_GET_SIZE(names)
};

// callable(*args, **keywords), as the other CallPython.
PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args,
                 const Keywords& keywords, Coroutine coroutine = Coroutine::kReturned);

// The same with the callable registered in `slot`.
inline PyRef CallPython(const CallbackSlot& slot, const CallbackName& where, std::initializer_list<PyObject*> args,
                        PyObject* kwargs = nullptr, Coroutine coroutine = Coroutine::kReturned)
{
  const PyRef callable = slot.Get();
  return CallPython(callable.get(), where, args, kwargs, coroutine);
}

// A str argument from C text; None for nullptr (as Py_BuildValue's "s").
inline PyRef Str(const char* text)
{
  return text != nullptr ? PyRef::Steal(PyUnicode_FromString(text)) : PyRef::Borrow(Py_None);
}

// An int argument.
inline PyRef Int(long value)
{
  return PyRef::Steal(PyLong_FromLong(value));
}
