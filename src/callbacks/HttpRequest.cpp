#include "HttpRequest.h"

#include "../LargeBlocks.h"
#include "../SharedState.h"

#include <array>
#include <cstring>
#include <utility>

namespace
{
// The keys given to SetItem() are string literals: each one becomes an
// interned str once, instead of a new str (and an intern lookup) per request.
// Several HTTP threads fill the cache at once when no GIL serializes them: a
// SharedMutex, never held while Python allocates.
SharedMutex literalsMutex;
std::array<std::pair<const char*, PyObject*>, 32> literals{};  // guarded by literalsMutex

// The cached str of `literal` (borrowed), nullptr when absent; `free`: a
// slot is left for it.
PyObject* CachedLiteral(const char* literal, bool& free)
{
  SharedLock lock(literalsMutex);
  for (auto& entry : literals)
  {
    if (entry.first == literal || entry.first == nullptr)
    {
      free = entry.first == nullptr;
      return entry.second;
    }
  }
  free = false;
  return nullptr;
}

PyObject* LiteralString(const char* literal)
{
  bool free = false;
  if (PyObject* cached = CachedLiteral(literal, free); cached != nullptr || !free)
  {
    return cached;
  }
  PyRef text = PyRef::Steal(PyUnicode_InternFromString(literal));
  if (!text)
  {
    return nullptr;
  }
  SharedLock lock(literalsMutex);
  for (auto& entry : literals)
  {
    if (entry.first == literal)
    {
      return entry.second;  // another thread came first; `text` is dropped (still interned)
    }
    if (entry.first == nullptr)
    {
      entry = {literal, text.release()};  // kept for the life of the process
      return entry.second;
    }
  }
  return nullptr;
}

PyRef LiteralStr(const char* literal)
{
  PyObject* text = LiteralString(literal);
  return text != nullptr ? PyRef::Borrow(text) : PyRef::Steal(PyUnicode_FromString(literal));
}
}  // namespace

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
    PyRef key = value ? PyRef::Steal(PyUnicode_FromString(keys[i])) : PyRef();
    if (!key || PyDict_SetItem(dict.get(), key.get(), value.get()) < 0)
    {
      return PyRef();
    }
  }
  return dict;
}

bool SetItem(PyObject* dict, const char* key, PyRef value)
{
  if (!value)
  {
    return false;
  }
  PyObject* name = LiteralString(key);
  return (name != nullptr ? PyDict_SetItem(dict, name, value.get())
                          : PyDict_SetItemString(dict, key, value.get())) == 0;
}

PyRef RestRequestKeywords(const OrthancPluginHttpRequest* request, bool withBody)
{
  PyRef kwargs = PyRef::Steal(PyDict_New());
  if (!kwargs)
  {
    return kwargs;
  }
  PyRef groups = PyRef::Steal(PyTuple_New(request->groupsCount));
  if (!groups)
  {
    return PyRef();
  }
  for (uint32_t i = 0; i < request->groupsCount; i++)
  {
    PyObject* group = PyUnicode_FromString(request->groups[i]);
    if (group == nullptr)
    {
      return PyRef();
    }
    PyTuple_SET_ITEM(groups.get(), i, group);  // steals the reference
  }

  const bool ok =
      SetItem(kwargs.get(), "method", LiteralStr(HttpMethodName(request->method))) &&
      SetItem(kwargs.get(), "groups", std::move(groups)) &&
      SetItem(kwargs.get(), "headers", DictFromPairs(request->headersCount, request->headersKeys,
                                                     request->headersValues));
  if (!ok)
  {
    return PyRef();
  }
  // As upstream: 'get' for GET only, 'body' (bytes) for POST and PUT only.
  if (request->method == OrthancPluginHttpMethod_Get &&
      !SetItem(kwargs.get(), "get", DictFromPairs(request->getCount, request->getKeys, request->getValues)))
  {
    return PyRef();
  }
  if (withBody && (request->method == OrthancPluginHttpMethod_Post || request->method == OrthancPluginHttpMethod_Put))
  {
    PyRef body = PyRef::Steal(BytesFromBuffer(request->body, static_cast<size_t>(request->bodySize)));
    if (!SetItem(kwargs.get(), "body", std::move(body)))
    {
      return PyRef();
    }
  }
  return kwargs;
}
