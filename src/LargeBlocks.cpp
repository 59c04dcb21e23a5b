#include "LargeBlocks.h"

#include "Gil.h"

#include <cstring>

namespace
{
// Below this, handing the GIL over costs more than the copy.
constexpr size_t kCopyWithoutGil = size_t(256) << 10;
}  // namespace

PyObject* BytesFromBuffer(const void* data, size_t size)
{
  if (size < kCopyWithoutGil || data == nullptr)
  {
    return PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size));
  }
  PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (bytes != nullptr)
  {
    GilRelease nogil;  // the object is not shared yet: filled without the GIL
    std::memcpy(PyBytes_AS_STRING(bytes), data, size);
  }
  return bytes;
}
