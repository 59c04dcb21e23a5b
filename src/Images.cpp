// Hand-written image functions (the pixel buffers whose size the SDK does not
// give): orthanc.CreateImageFromBuffer(), orthanc.CreateImageAccessor(),
// orthanc.Image.GetImageBuffer().
#include "Arguments.h"
#include "Errors.h"
#include "Gil.h"
#include "HandleObject.h"
#include "OrthancGenerated.h"
#include "PluginContext.h"
#include "PyRef.h"

#include <algorithm>
#include <cstring>

namespace
{
struct ImageGeometry
{
  int format = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t pitch = 0;
};

bool ParseGeometry(PyObject* args, const char* format, ImageGeometry& geometry, PyObject** buffer)
{
  return PyArg_ParseTuple(args, format, &geometry.format, &generated::ConvertUnsigned<uint32_t>, &geometry.width,
                          &generated::ConvertUnsigned<uint32_t>, &geometry.height,
                          &generated::ConvertUnsigned<uint32_t>, &geometry.pitch, buffer);
}
}  // namespace

PyObject* CreateImageFromBuffer(PyObject* /* module */, PyObject* args)
{
  ImageGeometry g;
  PyObject* bufferObject = nullptr;
  BufferArg buffer;
  if (!ParseGeometry(args, "iO&O&O&O:CreateImageFromBuffer", g, &bufferObject) ||
      !BufferArg::Convert(bufferObject, &buffer))
  {
    return nullptr;
  }
  const auto format = static_cast<OrthancPluginPixelFormat>(g.format);
  if (!CheckImageBuffer(buffer, format, g.width, g.height, g.pitch, "buffer"))
  {
    return nullptr;
  }

  OrthancPluginImage* image;
  {
    GilRelease nogil;
    image = OrthancPluginCreateImage(PluginContext(), format, g.width, g.height);
    if (image != nullptr)
    {
      // Row by row: the pitch of the new image may differ from the buffer's.
      const uint32_t targetPitch = OrthancPluginGetImagePitch(PluginContext(), image);
      auto* target = static_cast<uint8_t*>(OrthancPluginGetImageBuffer(PluginContext(), image));
      const auto* source = static_cast<const uint8_t*>(buffer.data());
      const size_t row = static_cast<size_t>(g.width) * BytesPerPixel(format);
      for (uint32_t y = 0; y < g.height && target != nullptr; y++)
      {
        memcpy(target + static_cast<size_t>(y) * targetPitch, source + static_cast<size_t>(y) * g.pitch, row);
      }
    }
  }
  if (image == nullptr)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_NotEnoughMemory);
  }
  return generated::Wrap_Image(image, true);
}

PyObject* CreateImageAccessor(PyObject* /* module */, PyObject* args)
{
  ImageGeometry g;
  PyObject* bufferObject = nullptr;
  if (!ParseGeometry(args, "iO&O&O&O:CreateImageAccessor", g, &bufferObject))
  {
    return nullptr;
  }
  // A memoryview keeps the exporter's buffer alive and in place (a bytearray
  // cannot be resized while it is exported) for as long as the image lives.
  PyRef view = PyRef::Steal(PyMemoryView_FromObject(bufferObject));
  if (!view)
  {
    return nullptr;
  }
  Py_buffer* info = PyMemoryView_GET_BUFFER(view.get());
  if (info->readonly || !PyBuffer_IsContiguous(info, 'C'))
  {
    return PyErr_Format(PyExc_TypeError, "CreateImageAccessor needs a writable, contiguous buffer (e.g. a bytearray), "
                        "not '%.100s'", Py_TYPE(bufferObject)->tp_name);
  }
  const auto format = static_cast<OrthancPluginPixelFormat>(g.format);
  if (!CheckImageBufferSize(info->len, format, g.width, g.height, g.pitch, "buffer"))
  {
    return nullptr;
  }
  void* pixels = info->buf;
  OrthancPluginImage* image;
  {
    GilRelease nogil;
    image = OrthancPluginCreateImageAccessor(PluginContext(), format, g.width, g.height, g.pitch, pixels);
  }
  if (image == nullptr)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_InternalError);
  }
  PyObject* wrapper = generated::Wrap_Image(image, true);
  if (wrapper != nullptr)
  {
    reinterpret_cast<HandleObject*>(wrapper)->keepAlive = view.release();
  }
  return wrapper;
}

PyObject* Image_GetImageBuffer(PyObject* self, PyObject* args)
{
  auto* image = static_cast<const OrthancPluginImage*>(HandleOf(self, generated::Image_Type()));
  if (image == nullptr || !PyArg_ParseTuple(args, ":GetImageBuffer"))
  {
    return nullptr;
  }
  const void* pixels;
  size_t size;
  {
    GilRelease nogil;
    pixels = OrthancPluginGetImageBuffer(PluginContext(), image);
    size = static_cast<size_t>(OrthancPluginGetImagePitch(PluginContext(), image)) *
           OrthancPluginGetImageHeight(PluginContext(), image);
  }
  if (pixels == nullptr && size != 0)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_InternalError);
  }
  return PyBytes_FromStringAndSize(static_cast<const char*>(pixels), static_cast<Py_ssize_t>(size));
}
