#include "PythonCall.h"

#include "../Errors.h"
#include "../PythonSupport.h"

#include <cstddef>

// Python 3.8 has the vectorcall functions under their provisional names.
#if PY_VERSION_HEX < 0x03090000
#  define PyObject_VectorcallDict _PyObject_FastCallDict
#endif

namespace
{
constexpr size_t kMaxArguments = 8;
}

PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args, PyObject* kwargs,
                 Coroutine coroutine)
{
  if (callable == nullptr)
  {
    PyErr_Clear();  // an argument that could not be built does not matter then
    ReportMissingCallable(where.str().c_str());
    return PyRef();
  }
  // One slot in front, that PY_VECTORCALL_ARGUMENTS_OFFSET lets a bound method use for `self`.
  PyObject* stack[kMaxArguments + 1] = {};
  size_t count = 0;
  for (PyObject* argument : args)
  {
    if (argument == nullptr || count == kMaxArguments)
    {
      if (!PyErr_Occurred())
      {
        PyErr_SetString(PyExc_SystemError, "CallPython: too many arguments");
      }
      ReportPythonError(where.str().c_str());
      return PyRef();
    }
    stack[++count] = argument;
  }
  PyRef result = PyRef::Steal(PyObject_VectorcallDict(callable, stack + 1, count | PY_VECTORCALL_ARGUMENTS_OFFSET, kwargs));
  if (result && coroutine == Coroutine::kAwaited && IsAwaitable(result.get()))
  {
    result = AwaitIfCoroutine(std::move(result), where.str());
  }
  if (!result)
  {
    ReportPythonError(where.str().c_str());
  }
  return result;
}
