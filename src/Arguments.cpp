#include "Arguments.h"

#include "PyRef.h"

#include <limits>

int StringMapArg::Convert(PyObject* object, void* self)
{
  auto* arg = static_cast<StringMapArg*>(self);
  if (object == Py_None)
  {
    return 1;
  }
  if (!PyMapping_Check(object) || PyUnicode_Check(object))
  {
    PyErr_Format(PyExc_TypeError, "a mapping of str to str (e.g. a dict) is required, not '%.100s'",
                 Py_TYPE(object)->tp_name);
    return 0;
  }
  PyRef items = PyRef::Steal(PyMapping_Items(object));
  if (!items)
  {
    return 0;
  }
  const Py_ssize_t count = PyList_Size(items.get());
  arg->storage_.reserve(2 * static_cast<size_t>(count));
  for (Py_ssize_t i = 0; i < count; i++)
  {
    PyObject* item = PyList_GET_ITEM(items.get(), i);  // borrowed
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    if (!PyArg_ParseTuple(item, "OO", &key, &value))
    {
      return 0;
    }
    if (!PyUnicode_Check(key) || !PyUnicode_Check(value))
    {
      PyErr_Format(PyExc_TypeError, "the keys and values must be str, not '%.100s' and '%.100s'",
                   Py_TYPE(key)->tp_name, Py_TYPE(value)->tp_name);
      return 0;
    }
    const char* keyText = PyUnicode_AsUTF8(key);
    const char* valueText = PyUnicode_AsUTF8(value);
    if (keyText == nullptr || valueText == nullptr)
    {
      return 0;
    }
    arg->storage_.emplace_back(keyText);
    arg->storage_.emplace_back(valueText);
  }
  // Pointers taken once the vector no longer grows.
  for (size_t i = 0; i < arg->storage_.size(); i += 2)
  {
    arg->keys_.push_back(arg->storage_[i].c_str());
    arg->values_.push_back(arg->storage_[i + 1].c_str());
  }
  return 1;
}

unsigned int BytesPerPixel(OrthancPluginPixelFormat format)
{
  switch (format)
  {
    case OrthancPluginPixelFormat_Grayscale8:
      return 1;
    case OrthancPluginPixelFormat_Grayscale16:
    case OrthancPluginPixelFormat_SignedGrayscale16:
      return 2;
    case OrthancPluginPixelFormat_RGB24:
      return 3;
    case OrthancPluginPixelFormat_RGBA32:
    case OrthancPluginPixelFormat_BGRA32:
    case OrthancPluginPixelFormat_Grayscale32:
    case OrthancPluginPixelFormat_Float32:
      return 4;
    case OrthancPluginPixelFormat_RGB48:
      return 6;
    case OrthancPluginPixelFormat_Grayscale64:
      return 8;
    default:
      return 0;
  }
}

bool CheckImageBufferSize(Py_ssize_t size, OrthancPluginPixelFormat format, uint32_t width, uint32_t height,
                          uint32_t pitch, const char* name)
{
  const unsigned int bytesPerPixel = BytesPerPixel(format);
  if (bytesPerPixel == 0)
  {
    PyErr_Format(PyExc_ValueError, "unknown pixel format %d (see orthanc.PixelFormat)", static_cast<int>(format));
    return false;
  }
  const unsigned long long row = static_cast<unsigned long long>(width) * bytesPerPixel;
  if (pitch < row)
  {
    PyErr_Format(PyExc_ValueError, "pitch %u is smaller than a row of %u pixels (%llu bytes)", pitch, width, row);
    return false;
  }
  const unsigned long long needed = static_cast<unsigned long long>(pitch) * height;
  if (size < 0 || static_cast<unsigned long long>(size) < needed)
  {
    PyErr_Format(PyExc_ValueError, "'%s' holds %zd bytes, but pitch * height = %u * %u = %llu bytes are needed",
                 name, size, pitch, height, needed);
    return false;
  }
  return true;
}

bool CheckImageBuffer(const BufferArg& buffer, OrthancPluginPixelFormat format, uint32_t width, uint32_t height,
                      uint32_t pitch, const char* name)
{
  return CheckImageBufferSize(buffer.size(), format, width, height, pitch, name);
}
