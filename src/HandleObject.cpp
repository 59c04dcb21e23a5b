#include "HandleObject.h"

#include "Errors.h"

void* HandleOf(PyObject* object, PyTypeObject* type)
{
  if (!PyObject_TypeCheck(object, type))
  {
    PyErr_Format(PyExc_TypeError, "expected an %.100s object, not '%.100s'",
                 type->tp_name, Py_TYPE(object)->tp_name);
    return nullptr;
  }
  void* handle = reinterpret_cast<HandleObject*>(object)->handle;
  if (handle == nullptr)
  {
    // The object outlived the callback that received it, or was already freed.
    RaiseOrthancError(OrthancPluginErrorCode_BadSequenceOfCalls);
    return nullptr;
  }
  return handle;
}

void InvalidateHandle(PyObject* object)
{
  auto* wrapper = reinterpret_cast<HandleObject*>(object);
  wrapper->handle = nullptr;
  wrapper->owned = false;
}

void* TakeOwnedHandle(PyObject* object, PyTypeObject* type)
{
  void* handle = HandleOf(object, type);
  if (handle == nullptr)
  {
    return nullptr;
  }
  auto* wrapper = reinterpret_cast<HandleObject*>(object);
  if (!wrapper->owned)
  {
    PyErr_Format(PyExc_ValueError, "this %.100s belongs to Orthanc (it was given to a callback) and cannot be "
                 "handed over", type->tp_name);
    return nullptr;
  }
  if (wrapper->keepAlive != nullptr)
  {
    PyErr_Format(PyExc_ValueError, "this %.100s uses the memory of a Python object (CreateImageAccessor) and "
                 "cannot be handed over to Orthanc: use CreateImageFromBuffer", type->tp_name);
    return nullptr;
  }
  InvalidateHandle(object);
  return handle;
}
