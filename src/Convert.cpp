#include "Convert.h"

#include "Errors.h"
#include "Gil.h"
#include "LargeBlocks.h"
#include "PluginContext.h"

PyObject* ResultFromErrorCode(OrthancPluginErrorCode code)
{
  if (code != OrthancPluginErrorCode_Success)
  {
    return RaiseOrthancError(code);
  }
  Py_RETURN_NONE;
}

namespace
{
// The buffer's bytes, then the buffer freed by `free` (the SDK's function for
// its kind: 32- or 64-bit sizes).
template <typename Buffer>
PyObject* BytesOfFreedBuffer(OrthancPluginErrorCode code, Buffer& buffer,
                             void (*free)(OrthancPluginContext*, Buffer*))
{
  if (code != OrthancPluginErrorCode_Success)
  {
    return RaiseOrthancError(code);
  }
  PyObject* result = BytesFromBuffer(buffer.data, static_cast<size_t>(buffer.size));
  {
    GilRelease nogil;
    free(PluginContext(), &buffer);
  }
  return result;
}
}  // namespace

PyObject* ResultFromMemoryBuffer(OrthancPluginErrorCode code, OrthancPluginMemoryBuffer& buffer)
{
  return BytesOfFreedBuffer(code, buffer, OrthancPluginFreeMemoryBuffer);
}

OutputBuffers::OutputBuffers(std::initializer_list<OrthancPluginMemoryBuffer*> buffers) : buffers_(buffers)
{
}

OutputBuffers::~OutputBuffers()
{
  for (OrthancPluginMemoryBuffer* buffer : buffers_)
  {
    if (buffer->data != nullptr)
    {
      OrthancPluginFreeMemoryBuffer(PluginContext(), buffer);
    }
  }
}

PyObject* OutputBuffers::Bytes(const OrthancPluginMemoryBuffer* buffer)
{
  return BytesFromBuffer(buffer->data, static_cast<size_t>(buffer->size));
}

PyObject* OutputBuffers::Text(const OrthancPluginMemoryBuffer* buffer)
{
  const char* data = static_cast<const char*>(buffer->data);
  Py_ssize_t size = static_cast<Py_ssize_t>(buffer->size);
  while (size > 0 && data[size - 1] == '\0')
  {
    --size;  // a C string copied with its terminator
  }
  return PyUnicode_DecodeUTF8(data != nullptr ? data : "", size, "replace");
}

PyObject* ResultFromMemoryBuffer64(OrthancPluginErrorCode code, OrthancPluginMemoryBuffer64& buffer)
{
  return BytesOfFreedBuffer(code, buffer, OrthancPluginFreeMemoryBuffer64);
}

PyObject* ResultFromOwnedString(char* value, OrthancPluginErrorCode errorIfNull)
{
  if (value == nullptr)
  {
    return RaiseOrthancError(errorIfNull);
  }
  PyObject* result = PyUnicode_FromString(value);
  {
    GilRelease nogil;
    OrthancPluginFreeString(PluginContext(), value);
  }
  return result;
}

PyObject* ResultFromConstString(const char* value, OrthancPluginErrorCode errorIfNull)
{
  if (value == nullptr)
  {
    return RaiseOrthancError(errorIfNull);
  }
  return PyUnicode_FromString(value);
}

BufferArg::~BufferArg()
{
  if (filled_)
  {
    PyBuffer_Release(&view_);
  }
}

int BufferArg::Convert(PyObject* object, void* self)
{
  auto* arg = static_cast<BufferArg*>(self);
  if (PyUnicode_Check(object))
  {
    // Same as PyArg_ParseTuple's "s*": the UTF-8 form, owned by the str object.
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(object, &size);
    if (utf8 == nullptr ||
        PyBuffer_FillInfo(&arg->view_, object, const_cast<char*>(utf8), size, 1, PyBUF_SIMPLE) < 0)
    {
      return 0;
    }
  }
  else if (PyObject_GetBuffer(object, &arg->view_, PyBUF_SIMPLE) < 0)
  {
    PyErr_Format(PyExc_TypeError, "a bytes-like object or str is required, not '%.100s'",
                 Py_TYPE(object)->tp_name);
    return 0;
  }
  arg->filled_ = true;
  return 1;
}
