#include "HttpRequest.h"

const char* HttpMethodName(OrthancPluginHttpMethod method)
{
  switch (method)
  {
    case OrthancPluginHttpMethod_Get: return "GET";
    case OrthancPluginHttpMethod_Post: return "POST";
    case OrthancPluginHttpMethod_Put: return "PUT";
    case OrthancPluginHttpMethod_Delete: return "DELETE";
    default: return "UNKNOWN";
  }
}

PyRef DictFromPairs(uint32_t count, const char* const* keys, const char* const* values)
{
  PyRef dict = PyRef::Steal(PyDict_New());
  if (!dict)
  {
    return dict;
  }
  for (uint32_t i = 0; i < count; i++)
  {
    PyRef value = PyRef::Steal(PyUnicode_DecodeUTF8(values[i], static_cast<Py_ssize_t>(strlen(values[i])),
                                                    "replace"));
    if (!value || PyDict_SetItemString(dict.get(), keys[i], value.get()) < 0)
    {
      return PyRef();
    }
  }
  return dict;
}

bool SetItem(PyObject* dict, const char* key, PyRef value)
{
  return value && PyDict_SetItemString(dict, key, value.get()) == 0;
}
