// The Python object behind every wrapper class (orthanc.DicomInstance,
// orthanc.RestOutput, ...).  It holds one opaque SDK handle.
//
// * owned handles (returned by an SDK function such as CreateImage) are freed
//   by the class's Free function when the Python object dies;
// * borrowed handles (given to a callback, e.g. the RestOutput of a REST
//   callback) are invalidated when the callback returns, so that a script
//   that kept the object gets an exception instead of a crash.
#pragma once

#include "PyRef.h"

struct HandleObject
{
  PyObject_HEAD
  void* handle;         // nullptr once freed or invalidated
  bool owned;           // true: free the handle in tp_dealloc
  PyObject* keepAlive;  // owned reference to what the handle points into (CreateImageAccessor), or nullptr;
                        // dropped after the handle is freed
};

// Returns the handle of `object` if it is an instance of `type` that is still
// valid; otherwise sets TypeError / orthanc.OrthancException and returns nullptr.
void* HandleOf(PyObject* object, PyTypeObject* type);

// Makes `object` (a HandleObject) unusable from now on.
void InvalidateHandle(PyObject* object);

// Hands the handle of `object` over to Orthanc (e.g. the image that a decoder
// callback returns): returns it and invalidates `object`, which will not free
// it.  Sets an exception and returns nullptr if `object` is not a valid
// `type` that owns its handle, or if the handle points into Python memory.
void* TakeOwnedHandle(PyObject* object, PyTypeObject* type);

// A borrowed handle wrapped for the duration of one callback: the wrapper is
// invalidated when this guard goes out of scope (with the GIL held).
class BorrowedHandle
{
public:
  explicit BorrowedHandle(PyRef wrapper) : wrapper_(std::move(wrapper)) {}
  ~BorrowedHandle()
  {
    if (wrapper_)
    {
      InvalidateHandle(wrapper_.get());
    }
  }
  BorrowedHandle(const BorrowedHandle&) = delete;
  BorrowedHandle& operator=(const BorrowedHandle&) = delete;

  PyObject* get() const { return wrapper_.get(); }

private:
  PyRef wrapper_;
};
