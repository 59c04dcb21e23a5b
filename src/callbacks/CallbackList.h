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

  // A reload imports the scripts again, and they register anew: Save() puts
  // the current callables aside (Orthanc's own registrations stay: they
  // cannot be removed), Restore() brings them back if the new scripts fail to
  // import, Discard() drops them once they did.  With the GIL held.
  virtual void Save() {}
  virtual void Restore() {}
  virtual void Discard() {}

  // With the GIL held, at plugin shutdown.
  static void ForgetAll();
  static void SaveAll();
  static void RestoreAll();
  static void DiscardAll();
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

  // True the first time only: the one C callback must then be registered in Orthanc.
  bool FirstRegistration()
  {
    SharedLock lock(mutex_);
    return !std::exchange(registeredInOrthanc_, true);
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
  void Forget() override
  {
    std::vector<PyRef> dropped, droppedSaved;  // released after the lock
    {
      SharedLock lock(mutex_);
      dropped.swap(callables_);
      droppedSaved.swap(saved_);
      registeredInOrthanc_ = false;
    }
  }
  void Save() override
  {
    SharedLock lock(mutex_);
    saved_ = std::exchange(callables_, {});
  }
  void Restore() override
  {
    std::vector<PyRef> dropped;  // the new scripts' callables, released after the lock
    {
      SharedLock lock(mutex_);
      dropped = std::exchange(callables_, std::exchange(saved_, {}));
    }
  }
  void Discard() override
  {
    std::vector<PyRef> dropped;
    {
      SharedLock lock(mutex_);
      dropped.swap(saved_);
    }
  }

private:
  mutable SharedMutex mutex_;
  std::vector<PyRef> callables_;
  std::vector<PyRef> saved_;
  bool registeredInOrthanc_ = false;
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

  // The file name of the script that registered the callable (for messages).
  const std::string& owner() const { return owner_; }

  // True the first time only: the C callback must then be registered in Orthanc.
  bool FirstRegistration()
  {
    SharedLock lock(mutex_);
    return !std::exchange(registeredInOrthanc_, true);
  }

  // A new reference to the callable, empty after ForgetPythonCallbacks().
  PyRef Get() const
  {
    SharedLock lock(mutex_);
    return callable_;
  }

  void Forget() override
  {
    PyRef dropped, droppedSaved;  // released after the lock: a finalizer may run
    SharedLock lock(mutex_);
    dropped = std::move(callable_);
    droppedSaved = std::move(saved_);
    registered_ = savedRegistered_ = registeredInOrthanc_ = false;
  }
  void Save() override
  {
    SharedLock lock(mutex_);
    saved_ = std::exchange(callable_, PyRef());
    savedOwner_ = owner_;
    savedRegistered_ = std::exchange(registered_, false);
  }
  void Restore() override
  {
    PyRef dropped;
    SharedLock lock(mutex_);
    dropped = std::exchange(callable_, std::exchange(saved_, PyRef()));
    owner_ = savedOwner_;
    registered_ = savedRegistered_;
  }
  void Discard() override
  {
    PyRef dropped;
    SharedLock lock(mutex_);
    dropped = std::exchange(saved_, PyRef());
  }

private:
  const char* description_;
  mutable SharedMutex mutex_;
  bool registered_ = false;
  bool registeredInOrthanc_ = false;
  PyRef callable_;
  std::string owner_;
  PyRef saved_;
  std::string savedOwner_;
  bool savedRegistered_ = false;
};

// True while POST /plugins/python/reload imports the scripts again (with the GIL).
inline bool reloadInProgress = false;

// Chunked REST routes and WebDAV collections cannot be re-registered by a
// reload (Orthanc keeps the old ones and cannot replace them): false with
// RuntimeError set during a reload.
inline bool CheckNotReloading(const char* function)
{
  if (reloadInProgress)
  {
    PyErr_Format(PyExc_RuntimeError,
                 "%s cannot run again in a reload (Orthanc cannot replace what it registered): restart Orthanc "
                 "(or POST /tools/reset) to change it", function);
    return false;
  }
  return true;
}

// Sets RuntimeError for a second registration in a single slot, naming the
// scripts of both (`callable` is the second one) and returns false.
bool SlotTaken(const CallbackSlot& slot, PyObject* callable, const char* function, const char* description);

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
  if (!slot.FirstRegistration())  // a reload: Orthanc calls the slot already
  {
    Py_RETURN_NONE;
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
  const bool first = list.FirstRegistration();
  list.Add(callable);
  if (first)
  {
    GilRelease nogil;
    registerInOrthanc();
  }
  Py_RETURN_NONE;
}

// A Python list of str from a C array (new reference; empty with an exception set on failure).
PyRef ListOfStrings(const char* const* items, uint32_t count);
