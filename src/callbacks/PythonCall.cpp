#include "PythonCall.h"

#include "../Errors.h"
#include "../PythonSupport.h"

#include <cstddef>
#include <utility>

// Python 3.8 has the vectorcall functions under their provisional names.
#if PY_VERSION_HEX < 0x03090000
#  define PyObject_VectorcallDict _PyObject_FastCallDict
#  define PyObject_Vectorcall _PyObject_Vectorcall
#endif

namespace
{
constexpr size_t kMaxArguments = 8;

// One slot in front, that PY_VECTORCALL_ARGUMENTS_OFFSET lets a bound method use for `self`.
struct ArgumentStack
{
  PyObject* items[kMaxArguments + 1] = {};
  size_t count = 0;

  // False (with an exception set) for an argument that could not be built, or one too many.
  bool Push(PyObject* argument)
  {
    if (argument == nullptr || count == kMaxArguments)
    {
      if (!PyErr_Occurred())
      {
        PyErr_SetString(PyExc_SystemError, "CallPython: too many arguments");
      }
      return false;
    }
    items[++count] = argument;
    return true;
  }

  PyObject* const* Arguments() const { return items + 1; }
};

// Awaits the result where the callback accepts `async def`, reports a failure.
PyRef Finish(PyRef result, const CallbackName& where, Coroutine coroutine)
{
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

bool CheckCallable(PyObject* callable, const CallbackName& where)
{
  if (callable == nullptr)
  {
    PyErr_Clear();  // an argument that could not be built does not matter then
    ReportMissingCallable(where.str().c_str());
    return false;
  }
  return true;
}
}  // namespace

PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args, PyObject* kwargs,
                 Coroutine coroutine)
{
  if (!CheckCallable(callable, where))
  {
    return PyRef();
  }
  ArgumentStack stack;
  for (PyObject* argument : args)
  {
    if (!stack.Push(argument))
    {
      return Finish(PyRef(), where, coroutine);
    }
  }
  return Finish(PyRef::Steal(PyObject_VectorcallDict(callable, stack.Arguments(),
                                                     stack.count | PY_VECTORCALL_ARGUMENTS_OFFSET, kwargs)),
                where, coroutine);
}

PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args,
                 const Keywords& keywords, Coroutine coroutine)
{
  if (!CheckCallable(callable, where))
  {
    return PyRef();
  }
  ArgumentStack stack;
  for (PyObject* argument : args)
  {
    if (!stack.Push(argument))
    {
      return Finish(PyRef(), where, coroutine);
    }
  }
  const size_t positional = stack.count;
  const size_t named = keywords.names ? static_cast<size_t>(PyTuple_GET_SIZE(keywords.names.get())) : 0;
  for (size_t i = 0; i < named && i < Keywords::kMax; i++)
  {
    if (!stack.Push(keywords.values[i].get()))
    {
      return Finish(PyRef(), where, coroutine);
    }
  }
  return Finish(PyRef::Steal(PyObject_Vectorcall(callable, stack.Arguments(),
                                                 positional | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                                 named > 0 ? keywords.names.get() : nullptr)),
                where, coroutine);
}
