// Conversions of Python arguments that need more than a PyArg format unit,
// shared by the generated wrappers and the hand-written functions.  They only
// use the Python C API (no SDK call), with the GIL held.
#pragma once

#include "Convert.h"

#include <orthanc/OrthancCPlugin.h>

#include <string>
#include <vector>

// A Python mapping of str to str (HTTP headers...) as the SDK's three
// parameters `count, keys, values`.  Converter for PyArg_ParseTuple's "O&";
// None gives an empty mapping.  The strings are copies: valid while the
// StringMapArg lives, with or without the GIL.
class StringMapArg
{
public:
  static int Convert(PyObject* object, void* self);

  uint32_t count() const { return static_cast<uint32_t>(keys_.size()); }
  const char* const* keys() const { return keys_.empty() ? nullptr : keys_.data(); }
  const char* const* values() const { return values_.empty() ? nullptr : values_.data(); }

private:
  std::vector<std::string> storage_;  // keys and values, interleaved
  std::vector<const char*> keys_;
  std::vector<const char*> values_;
};

// Bytes per pixel of an SDK pixel format; 0 for an unknown format.
unsigned int BytesPerPixel(OrthancPluginPixelFormat format);

// Checks that `buffer` can hold an image of the given format and size whose
// rows are `pitch` bytes apart: pitch covers a row of pixels and the buffer
// holds at least pitch * height bytes.  ValueError naming `name` otherwise.
bool CheckImageBuffer(const BufferArg& buffer, OrthancPluginPixelFormat format, uint32_t width, uint32_t height,
                      uint32_t pitch, const char* name);
bool CheckImageBufferSize(Py_ssize_t size, OrthancPluginPixelFormat format, uint32_t width, uint32_t height,
                          uint32_t pitch, const char* name);
