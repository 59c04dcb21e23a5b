// The Python callables registered for one kind of callback.  Reads and
// writes happen with the GIL held (an attached thread state), and under a
// SharedMutex for the free-threaded builds, where the GIL serializes nothing.
#pragma once

#include "../Convert.h"
#include "../Gil.h"
#include "../PyRef.h"
#include "../SharedState.h"

#include <orthanc/OrthancCPlugin.h>

#include <string>
#include <utility>
#include <vector>

// False with TypeError set (naming `function`) if `callable` cannot be called.
inline bool CheckCallable(PyObject* callable, const char* function)
{
  if (!PyCallable_Check(callable))
  {
    PyErr_Format(PyExc_TypeError, "%s: the callback must be callable, not '%.100s'", function,
                 Py_TYPE(callable)->tp_name);
    return false;
  }
  return true;
}

// The same for an optional callback: None is accepted.
inline bool CheckOptionalCallable(PyObject* callable, const char* function)
{
  return callable == Py_None || CheckCallable(callable, function);
}

// Every registered Python callable is kept in a CallbackList or a
// CallbackSlot; both drop their references in ForgetPythonCallbacks(),
// before the interpreter is finalized.
class Forgettable
{
public:
  Forgettable();  // registers `this` (objects with static storage duration only)
  virtual ~Forgettable() = default;
  Forgettable(const Forgettable&) = delete;
  Forgettable& operator=(const Forgettable&) = delete;

  virtual void Forget() = 0;

  // With the GIL held, at plugin shutdown.
  static void ForgetAll();
};

// Several callables, all called (RegisterOnChangeCallback...).
class CallbackList : public Forgettable
{
public:
  // True if `callable` is the first one.
  bool Add(PyObject* callable)
  {
    PyRef kept = PyRef::Borrow(callable);
    SharedLock lock(mutex_);
    callables_.push_back(std::move(kept));
    return callables_.size() == 1;
  }

  bool empty() const
  {
    SharedLock lock(mutex_);
    return callables_.empty();
  }

  // A copy, so that a callback may register another one while the list is walked.
  std::vector<PyRef> Snapshot() const
  {
    SharedLock lock(mutex_);
    return callables_;
  }

  void Clear()
  {
    std::vector<PyRef> dropped;  // released after the lock: a finalizer may run
    {
      SharedLock lock(mutex_);
      dropped.swap(callables_);
    }
  }
  void Forget() override { Clear(); }

private:
  mutable SharedMutex mutex_;
  std::vector<PyRef> callables_;
};

// One callable that can be registered once (as upstream: a second
// registration raises RuntimeError "Can only register one ...").
class CallbackSlot : public Forgettable
{
public:
  explicit CallbackSlot(const char* description) : description_(description) {}

  // Checks and keeps `callable`; false with an exception set if it is not
  // callable or if a callable was registered already.
  bool Set(PyObject* callable, const char* function);

  bool IsSet() const
  {
    SharedLock lock(mutex_);
    return registered_;
  }

  // A new reference to the callable, empty after ForgetPythonCallbacks().
  PyRef Get() const
  {
    SharedLock lock(mutex_);
    return callable_;
  }

  void Forget() override
  {
    PyRef dropped;  // released after the lock: a finalizer may run
    SharedLock lock(mutex_);
    dropped = std::move(callable_);
  }

private:
  const char* description_;
  mutable SharedMutex mutex_;
  bool registered_ = false;
  PyRef callable_;
};

// The one argument of `orthanc.<function>(callback)`, checked to be callable;
// nullptr with an exception set on failure.
inline PyObject* ParseCallable(PyObject* args, const char* function)
{
  PyObject* callable = nullptr;
  const std::string format = std::string("O:") + function;
  if (!PyArg_ParseTuple(args, format.c_str(), &callable) || !CheckCallable(callable, function))
  {
    return nullptr;
  }
  return callable;
}

// orthanc.<function>(callback) for a callback that can be registered once:
// keeps the callable in `slot`, then calls registerInOrthanc() (which returns
// an OrthancPluginErrorCode) without the GIL.
template <typename Register>
PyObject* RegisterSlotCallback(PyObject* args, CallbackSlot& slot, const char* function, Register registerInOrthanc)
{
  PyObject* callable = ParseCallable(args, function);
  if (callable == nullptr || !slot.Set(callable, function))
  {
    return nullptr;
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = registerInOrthanc();
  }
  return ResultFromErrorCode(code);
}

// orthanc.<function>(callback) for a callback that can be registered several
// times: adds the callable to `list`; the first one also calls
// registerInOrthanc() without the GIL (one C callback calls them all).
template <typename Register>
PyObject* RegisterListCallback(PyObject* args, CallbackList& list, const char* function, Register registerInOrthanc)
{
  PyObject* callable = ParseCallable(args, function);
  if (callable == nullptr)
  {
    return nullptr;
  }
  if (list.Add(callable))
  {
    GilRelease nogil;
    registerInOrthanc();
  }
  Py_RETURN_NONE;
}

// A Python list of str from a C array (new reference; empty with an exception set on failure).
PyRef ListOfStrings(const char* const* items, uint32_t count);
