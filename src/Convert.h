// Conversions of SDK results to Python objects, shared by the generated
// wrappers and the hand-written ones.  Each function takes ownership of what
// Orthanc allocated and frees it, and expects the GIL to be held.
#pragma once

#include "PythonHeaders.h"

#include <orthanc/OrthancCPlugin.h>

#include <initializer_list>
#include <vector>

// None on success, orthanc.OrthancException otherwise.
PyObject* ResultFromErrorCode(OrthancPluginErrorCode code);

// `code` is what the SDK function returned after filling `buffer`:
// bytes on success (the buffer is freed), orthanc.OrthancException otherwise.
PyObject* ResultFromMemoryBuffer(OrthancPluginErrorCode code, OrthancPluginMemoryBuffer& buffer);
PyObject* ResultFromMemoryBuffer64(OrthancPluginErrorCode code, OrthancPluginMemoryBuffer64& buffer);

// A string allocated by Orthanc (to be freed with OrthancPluginFreeString):
// str, freed; nullptr means the call failed -> orthanc.OrthancException
// with `errorIfNull` (usually OrthancPluginErrorCode_InternalError).
PyObject* ResultFromOwnedString(char* value, OrthancPluginErrorCode errorIfNull);

// A string owned by Orthanc (not freed); nullptr -> orthanc.OrthancException.
PyObject* ResultFromConstString(const char* value, OrthancPluginErrorCode errorIfNull);

// The memory buffers that an SDK function filled as output parameters: freed
// when this goes out of scope, on success as on failure.
class OutputBuffers
{
public:
  OutputBuffers(std::initializer_list<OrthancPluginMemoryBuffer*> buffers);
  ~OutputBuffers();
  OutputBuffers(const OutputBuffers&) = delete;
  OutputBuffers& operator=(const OutputBuffers&) = delete;

  // New references: the content as bytes, or as str (an identifier, UTF-8).
  static PyObject* Bytes(const OrthancPluginMemoryBuffer* buffer);
  static PyObject* Text(const OrthancPluginMemoryBuffer* buffer);

private:
  std::vector<OrthancPluginMemoryBuffer*> buffers_;
};

// The buffer argument of an SDK function, as Python gives it: any object with
// the buffer protocol (bytes, bytearray, memoryview) or a str (encoded as
// UTF-8, as upstream accepts).  Fills `view`, returns false with TypeError set.
// Release with PyBuffer_Release (see BufferArg).
class BufferArg
{
public:
  BufferArg() = default;
  ~BufferArg();
  BufferArg(const BufferArg&) = delete;
  BufferArg& operator=(const BufferArg&) = delete;

  // Converter for PyArg_ParseTuple's "O&": PyArg_ParseTuple(args, "O&", &BufferArg::Convert, &arg)
  static int Convert(PyObject* object, void* self);

  const void* data() const { return view_.buf; }
  Py_ssize_t size() const { return view_.len; }

private:
  Py_buffer view_{};
  bool filled_ = false;
};
