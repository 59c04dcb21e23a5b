#include "CallbackList.h"

#include "Callbacks.h"

#include "../PythonSupport.h"

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

void Forgettable::SaveAll()
{
  for (Forgettable* item : Registry())
  {
    item->Save();
  }
}

void Forgettable::RestoreAll()
{
  for (Forgettable* item : Registry())
  {
    item->Restore();
  }
}

void Forgettable::DiscardAll()
{
  for (Forgettable* item : Registry())
  {
    item->Discard();
  }
}

bool SlotTaken(const CallbackSlot& slot, PyObject* callable, const char* function, const char* description)
{
  const std::string second = ScriptOf(callable);
  PyErr_Format(PyExc_RuntimeError,
               "%s: can only register one %s, and %s registered one already; %s cannot register another "
               "(the Orthanc SDK has a single slot for it: keep it in one script)",
               function, description, slot.owner().c_str(), second.c_str());
  return false;
}

bool CallbackSlot::Set(PyObject* callable, const char* function)
{
  if (!CheckCallable(callable, function))
  {
    return false;
  }
  PyRef kept = PyRef::Borrow(callable);
  std::string owner = ScriptOf(callable);  // Python code: never under the lock
  {
    SharedLock lock(mutex_);
    if (!registered_)
    {
      callable_ = std::move(kept);
      owner_ = std::move(owner);
      registered_ = true;
      return true;
    }
  }
  return SlotTaken(*this, callable, function, description_);
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
