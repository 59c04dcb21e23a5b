#include "CallbackList.h"

#include "Callbacks.h"

namespace
{
std::vector<Forgettable*>& Registry()
{
  static std::vector<Forgettable*> registry;  // constructed on first use: no static initialization order issue
  return registry;
}
}  // namespace

Forgettable::Forgettable()
{
  Registry().push_back(this);
}

void Forgettable::ForgetAll()
{
  for (Forgettable* item : Registry())
  {
    item->Forget();
  }
}

bool CallbackSlot::Set(PyObject* callable, const char* function)
{
  if (!CheckCallable(callable, function))
  {
    return false;
  }
  PyRef kept = PyRef::Borrow(callable);
  {
    SharedLock lock(mutex_);
    if (!registered_)
    {
      callable_ = std::move(kept);
      registered_ = true;
      return true;
    }
  }
  PyErr_Format(PyExc_RuntimeError, "%s: can only register one %s", function, description_);
  return false;
}

void ForgetPythonCallbacks()
{
  Forgettable::ForgetAll();
}

PyRef ListOfStrings(const char* const* items, uint32_t count)
{
  PyRef list = PyRef::Steal(PyList_New(count));
  if (!list)
  {
    return list;
  }
  for (uint32_t i = 0; i < count; i++)
  {
    PyObject* item = PyUnicode_FromString(items[i] != nullptr ? items[i] : "");
    if (item == nullptr)
    {
      return PyRef();
    }
    PyList_SET_ITEM(list.get(), i, item);  // steals the reference
  }
  return list;
}
