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

// The one call path: reports a missing callable, puts the positional
// arguments on the stack, then `call(stack)` (a new reference, or nullptr
// with an exception set) and Finish.
template <typename Call>
PyRef CallWith(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args,
               Coroutine coroutine, Call&& call)
{
  if (callable == nullptr)
  {
    PyErr_Clear();  // an argument that could not be built does not matter then
    ReportMissingCallable(where.str().c_str());
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
  return Finish(PyRef::Steal(call(stack)), where, coroutine);
}
}  // namespace

PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args, PyObject* kwargs,
                 Coroutine coroutine)
{
  return CallWith(callable, where, args, coroutine, [&](ArgumentStack& stack) {
    return PyObject_VectorcallDict(callable, stack.Arguments(), stack.count | PY_VECTORCALL_ARGUMENTS_OFFSET, kwargs);
  });
}

PyRef CallPython(PyObject* callable, const CallbackName& where, std::initializer_list<PyObject*> args,
                 const Keywords& keywords, Coroutine coroutine)
{
  return CallWith(callable, where, args, coroutine, [&](ArgumentStack& stack) -> PyObject* {
    const size_t positional = stack.count;
    PyObject* names = keywords.names.get();
    const Py_ssize_t named = names != nullptr ? PyTuple_GET_SIZE(names) : 0;
    for (Py_ssize_t i = 0; i < named; i++)
    {
      if (static_cast<size_t>(i) >= Keywords::kMax || !stack.Push(keywords.values[i].get()))
      {
        if (!PyErr_Occurred())
        {
          PyErr_SetString(PyExc_SystemError, "CallPython: too many keywords");
        }
        return nullptr;
      }
    }
    return PyObject_Vectorcall(callable, stack.Arguments(), positional | PY_VECTORCALL_ARGUMENTS_OFFSET,
                               named > 0 ? names : nullptr);
  });
}
