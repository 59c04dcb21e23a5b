// The Python callables registered for one kind of callback.  Reads and
// writes happen with the GIL held, which is what serializes them.
#pragma once

#include "../PyRef.h"

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

class CallbackList
{
public:
  void Add(PyObject* callable) { callables_.push_back(PyRef::Borrow(callable)); }

  bool empty() const { return callables_.empty(); }

  // A copy, so that a callback may register another one while the list is walked.
  std::vector<PyRef> Snapshot() const { return callables_; }

  void Clear() { callables_.clear(); }

private:
  std::vector<PyRef> callables_;
};
