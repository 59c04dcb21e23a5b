#include "HttpRequest.h"

#include "../LargeBlocks.h"
#include "../SharedState.h"

#include <array>
#include <atomic>
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

namespace
{
// The names of a REST callback's keywords, one tuple per shape, made once
// and kept for the life of the process. Lock-free: two threads may both
// make one the first time; one tuple is kept, the other dropped.
enum KeywordShape { kPlain, kWithGet, kWithBody, kShapes };
std::array<std::atomic<PyObject*>, kShapes> keywordNames{};

PyObject* KeywordNames(KeywordShape shape)
{
  if (PyObject* names = keywordNames[shape].load(std::memory_order_acquire))
  {
    return names;
  }
  const char* last = shape == kWithGet ? "get" : shape == kWithBody ? "body" : nullptr;
  PyRef made = PyRef::Steal(last != nullptr ? PyTuple_New(4) : PyTuple_New(3));
  if (!made)
  {
    return nullptr;
  }
  const char* keys[] = {"method", "groups", "headers", last};
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(made.get()); i++)
  {
    PyObject* key = LiteralString(keys[i]);
    if (key == nullptr)
    {
      return nullptr;
    }
    Py_INCREF(key);
    PyTuple_SET_ITEM(made.get(), i, key);  // steals the reference
  }
  PyObject* expected = nullptr;
  if (keywordNames[shape].compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel))
  {
    return made.release();  // kept for the life of the process
  }
  return expected;  // another thread's; `made` is dropped
}
}  // namespace

Keywords RestRequestKeywords(const OrthancPluginHttpRequest* request, bool withBody)
{
  PyRef groups = PyRef::Steal(PyTuple_New(request->groupsCount));
  if (!groups)
  {
    return Keywords();
  }
  for (uint32_t i = 0; i < request->groupsCount; i++)
  {
    PyObject* group = PyUnicode_FromString(request->groups[i]);
    if (group == nullptr)
    {
      return Keywords();
    }
    PyTuple_SET_ITEM(groups.get(), i, group);  // steals the reference
  }

  // As upstream: 'get' for GET only, 'body' (bytes) for POST and PUT only.
  const bool isGet = request->method == OrthancPluginHttpMethod_Get;
  const bool hasBody = withBody && (request->method == OrthancPluginHttpMethod_Post ||
                                    request->method == OrthancPluginHttpMethod_Put);
  Keywords keywords;
  keywords.values[0] = LiteralStr(HttpMethodName(request->method));
  keywords.values[1] = std::move(groups);
  keywords.values[2] = DictFromPairs(request->headersCount, request->headersKeys, request->headersValues);
  if (isGet)
  {
    keywords.values[3] = DictFromPairs(request->getCount, request->getKeys, request->getValues);
  }
  else if (hasBody)
  {
    keywords.values[3] = PyRef::Steal(BytesFromBuffer(request->body, static_cast<size_t>(request->bodySize)));
  }
  const KeywordShape shape = isGet ? kWithGet : hasBody ? kWithBody : kPlain;
  const size_t count = shape == kPlain ? 3 : 4;
  for (size_t i = 0; i < count; i++)
  {
    if (!keywords.values[i])
    {
      return Keywords();
    }
  }
  if (PyObject* names = KeywordNames(shape))
  {
    keywords.names = PyRef::Borrow(names);
  }
  return keywords;
}
