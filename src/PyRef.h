// Owning reference to a Python object (RAII).  The destructor drops the
// reference, so callbacks never call Py_DECREF by hand.  The GIL must be held
// whenever a PyRef is created, copied or destroyed.
#pragma once

#include "PythonHeaders.h"

#include <utility>

class PyRef
{
public:
  PyRef() = default;

  // Takes over a new reference (the usual result of the C API); nullptr is allowed.
  static PyRef Steal(PyObject* object) { return PyRef(object); }

  // Adds a reference to a borrowed object.
  static PyRef Borrow(PyObject* object)
  {
    Py_XINCREF(object);
    return PyRef(object);
  }

  PyRef(const PyRef& other) : object_(other.object_) { Py_XINCREF(object_); }
  PyRef(PyRef&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}

  PyRef& operator=(PyRef other) noexcept
  {
    std::swap(object_, other.object_);
    return *this;
  }

  ~PyRef() { Py_XDECREF(object_); }

  PyObject* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }

  // Hands the reference to the caller (e.g. to return it to Python).
  PyObject* release() { return std::exchange(object_, nullptr); }

private:
  explicit PyRef(PyObject* object) : object_(object) {}

  PyObject* object_ = nullptr;
};
