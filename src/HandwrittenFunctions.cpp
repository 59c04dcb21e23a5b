// Hand-written module functions and methods that are not callbacks: those
// whose SDK function has several outputs or outputs a struct.
//   orthanc.LookupDictionary(), orthanc.HttpClient(), orthanc.ChunkedHttpClient(),
//   orthanc.CallRestApi(), orthanc.Peers.CallPeerApi(), orthanc.DicomInstance.GetInstanceData(),
//   orthanc.FindQuery.GetFindQueryTagGroup() / GetFindQueryTagElement(),
//   orthanc.GetCommandLineArgument() (checks the index, which Orthanc 1.10 does not)
#include "Arguments.h"
#include "Convert.h"
#include "Errors.h"
#include "Gil.h"
#include "HandleObject.h"
#include "OrthancGenerated.h"
#include "PluginContext.h"
#include "PyRef.h"

#include <map>
#include <string>

namespace
{
// Frees an OrthancPluginMemoryBuffer filled by the SDK (RAII; no Python inside).
class OrthancBuffer
{
public:
  OrthancBuffer() = default;
  ~OrthancBuffer()
  {
    if (buffer_.data != nullptr)
    {
      OrthancPluginFreeMemoryBuffer(PluginContext(), &buffer_);
    }
  }
  OrthancBuffer(const OrthancBuffer&) = delete;
  OrthancBuffer& operator=(const OrthancBuffer&) = delete;

  OrthancPluginMemoryBuffer* operator&() { return &buffer_; }
  const char* data() const { return static_cast<const char*>(buffer_.data); }
  Py_ssize_t size() const { return buffer_.data != nullptr ? static_cast<Py_ssize_t>(buffer_.size) : 0; }

private:
  OrthancPluginMemoryBuffer buffer_{};
};

// The answer headers as a dict: `json` is a JSON object, or `headers` already parsed.
PyRef HeadersFromJson(const char* json, Py_ssize_t size)
{
  if (size == 0)
  {
    return PyRef::Steal(PyDict_New());
  }
  PyRef module = PyRef::Steal(PyImport_ImportModule("json"));
  PyRef text = PyRef::Steal(PyUnicode_DecodeUTF8(json, size, "replace"));
  return (module && text) ? PyRef::Steal(PyObject_CallMethod(module.get(), "loads", "O", text.get())) : PyRef();
}

// (status, headers, body), or orthanc.OrthancException if no HTTP answer came.
PyObject* HttpAnswer(OrthancPluginErrorCode code, uint16_t status, PyRef headers, const char* body, Py_ssize_t size)
{
  if (code != OrthancPluginErrorCode_Success && status == 0)
  {
    return RaiseOrthancError(code);  // network error, timeout...: no HTTP status to report
  }
  PyRef bodyObject = PyRef::Steal(PyBytes_FromStringAndSize(body != nullptr ? body : "", size));
  if (!headers || !bodyObject)
  {
    return nullptr;
  }
  return Py_BuildValue("(iOO)", static_cast<int>(status), headers.get(), bodyObject.get());
}

// Optional bytes-like body (None: no body).
int ConvertOptionalBuffer(PyObject* object, void* target)
{
  return object == Py_None ? 1 : BufferArg::Convert(object, target);
}

int ConvertBool(PyObject* object, void* target)
{
  const int truth = PyObject_IsTrue(object);
  if (truth < 0)
  {
    return 0;
  }
  *static_cast<uint8_t*>(target) = static_cast<uint8_t>(truth);
  return 1;
}

// --- ChunkedHttpClient: the request body comes from a Python iterable ------------

class ChunkedRequest
{
public:
  explicit ChunkedRequest(PyObject* iterable)
  {
    if (iterable != Py_None)
    {
      iterator_ = PyRef::Steal(PyObject_GetIter(iterable));
    }
  }

  bool ok() const { return iterator_ || !PyErr_Occurred(); }

  // The C callbacks run in the thread of the SDK call, without the GIL.
  static uint8_t IsDone(void* self)
  {
    auto& request = *static_cast<ChunkedRequest*>(self);
    if (!request.started_)
    {
      request.started_ = true;
      request.Advance();
    }
    return request.done_ ? 1 : 0;
  }

  static OrthancPluginErrorCode Next(void* self)
  {
    auto& request = *static_cast<ChunkedRequest*>(self);
    request.Advance();
    return request.error_ ? OrthancPluginErrorCode_Plugin : OrthancPluginErrorCode_Success;
  }

  static const void* ChunkData(void* self) { return static_cast<ChunkedRequest*>(self)->chunk_.data(); }

  static uint32_t ChunkSize(void* self)
  {
    return static_cast<uint32_t>(static_cast<ChunkedRequest*>(self)->chunk_.size());
  }

  // With the GIL, after the SDK call: re-raises what the iterable raised.
  bool RestoreError()
  {
    if (error_)
    {
      PyErr_Restore(errorType_.release(), errorValue_.release(), errorTraceback_.release());
      return true;
    }
    return false;
  }

private:
  void Advance()
  {
    GilHold gil;
    chunk_.clear();
    if (!iterator_ || error_)
    {
      done_ = true;
      return;
    }
    PyRef item = PyRef::Steal(PyIter_Next(iterator_.get()));
    if (!item)
    {
      done_ = true;
      KeepError();
      return;
    }
    BufferArg buffer;
    if (!BufferArg::Convert(item.get(), &buffer))
    {
      done_ = true;
      KeepError();
      return;
    }
    chunk_.assign(static_cast<const char*>(buffer.data()), static_cast<size_t>(buffer.size()));
  }

  void KeepError()
  {
    if (PyErr_Occurred() != nullptr)
    {
      PyObject* type = nullptr;
      PyObject* value = nullptr;
      PyObject* traceback = nullptr;
      PyErr_Fetch(&type, &value, &traceback);
      errorType_ = PyRef::Steal(type);
      errorValue_ = PyRef::Steal(value);
      errorTraceback_ = PyRef::Steal(traceback);
      error_ = true;
    }
  }

  PyRef iterator_;
  bool started_ = false;
  bool done_ = false;
  bool error_ = false;
  std::string chunk_;
  PyRef errorType_;
  PyRef errorValue_;
  PyRef errorTraceback_;
};

struct ChunkedAnswer
{
  std::map<std::string, std::string> headers;
  std::string body;

  static OrthancPluginErrorCode AddHeader(void* self, const char* key, const char* value)
  {
    static_cast<ChunkedAnswer*>(self)->headers[key] = value;
    return OrthancPluginErrorCode_Success;
  }

  static OrthancPluginErrorCode AddChunk(void* self, const void* data, uint32_t size)
  {
    static_cast<ChunkedAnswer*>(self)->body.append(static_cast<const char*>(data), size);
    return OrthancPluginErrorCode_Success;
  }
};

// Any object, kept as it is (the iterable body of ChunkedHttpClient).
int ConvertObject(PyObject* object, void* target)
{
  *static_cast<PyObject**>(target) = object;
  return 1;
}

// The arguments of HttpClient() and ChunkedHttpClient(), all but the body,
// which each converts in its own way.
struct HttpClientArguments
{
  int method = 0;
  const char* url = nullptr;
  StringMapArg headers;
  const char* username = nullptr;
  const char* password = nullptr;
  uint32_t timeout = 0;
  const char* certificateFile = nullptr;
  const char* certificateKeyFile = nullptr;
  const char* certificateKeyPassword = nullptr;
  uint8_t pkcs11 = 0;

  bool Parse(PyObject* args, PyObject* kwargs, const char* function, int (*convertBody)(PyObject*, void*),
             void* body)
  {
    static const char* keywords[] = {"method", "url", "headers", "body", "username", "password", "timeout",
                                     "certificateFile", "certificateKeyFile", "certificateKeyPassword", "pkcs11",
                                     nullptr};
    const std::string format = std::string("is|O&O&zzO&zzzO&:") + function;
    return PyArg_ParseTupleAndKeywords(args, kwargs, format.c_str(), const_cast<char**>(keywords), &method, &url,
                                       &StringMapArg::Convert, &headers, convertBody, body, &username, &password,
                                       &generated::ConvertUnsigned<uint32_t>, &timeout, &certificateFile,
                                       &certificateKeyFile, &certificateKeyPassword, &ConvertBool, &pkcs11) != 0;
  }
};

// The answer of an HTTP call that the SDK writes into two memory buffers.
struct BufferedAnswer
{
  OrthancBuffer body;
  OrthancBuffer headers;
  uint16_t status = 0;

  PyObject* ToPython(OrthancPluginErrorCode code) const
  {
    return HttpAnswer(code, status, HeadersFromJson(headers.data(), headers.size()), body.data(), body.size());
  }
};
}  // namespace

PyObject* LookupDictionary(PyObject* /* module */, PyObject* args)
{
  const char* name = nullptr;
  if (!PyArg_ParseTuple(args, "s:LookupDictionary", &name))
  {
    return nullptr;
  }
  OrthancPluginDictionaryEntry entry{};
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginLookupDictionary(PluginContext(), &entry, name);
  }
  if (code != OrthancPluginErrorCode_Success)
  {
    return RaiseOrthancError(code);
  }
  return Py_BuildValue("{s:i,s:i,s:i,s:k,s:k}", "Group", static_cast<int>(entry.group), "Element",
                       static_cast<int>(entry.element), "ValueRepresentation", static_cast<int>(entry.vr),
                       "MinMultiplicity", static_cast<unsigned long>(entry.minMultiplicity), "MaxMultiplicity",
                       static_cast<unsigned long>(entry.maxMultiplicity));
}

PyObject* GetCommandLineArgument(PyObject* /* module */, PyObject* args)
{
  uint32_t index = 0;
  if (!PyArg_ParseTuple(args, "O&:GetCommandLineArgument", &generated::ConvertUnsigned<uint32_t>, &index))
  {
    return nullptr;
  }
  char* value = nullptr;
  {
    GilRelease nogil;
    // Orthanc 1.10 reads argv[index + 1] without a bound check: an index out
    // of range crashes the server (the upstream plugin's too).
    if (index < OrthancPluginGetCommandLineArgumentsCount(PluginContext()))
    {
      value = OrthancPluginGetCommandLineArgument(PluginContext(), index);
    }
  }
  if (value == nullptr)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_ParameterOutOfRange);
  }
  return ResultFromOwnedString(value, OrthancPluginErrorCode_InternalError);
}

PyObject* HttpClient(PyObject* /* module */, PyObject* args, PyObject* kwargs)
{
  HttpClientArguments request;
  BufferArg body;
  if (!request.Parse(args, kwargs, "HttpClient", &ConvertOptionalBuffer, &body) ||
      !generated::CheckBufferSize<uint32_t>(body, "body"))
  {
    return nullptr;
  }
  BufferedAnswer answer;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginHttpClient(PluginContext(), &answer.body, &answer.headers, &answer.status,
                                   static_cast<OrthancPluginHttpMethod>(request.method), request.url,
                                   request.headers.count(), request.headers.keys(), request.headers.values(),
                                   static_cast<const char*>(body.data()), static_cast<uint32_t>(body.size()),
                                   request.username, request.password, request.timeout, request.certificateFile,
                                   request.certificateKeyFile, request.certificateKeyPassword, request.pkcs11);
  }
  return answer.ToPython(code);
}

PyObject* ChunkedHttpClient(PyObject* /* module */, PyObject* args, PyObject* kwargs)
{
  HttpClientArguments arguments;
  PyObject* body = Py_None;
  if (!arguments.Parse(args, kwargs, "ChunkedHttpClient", &ConvertObject, &body))
  {
    return nullptr;
  }
  ChunkedRequest request(body);
  if (!request.ok())
  {
    return nullptr;
  }
  ChunkedAnswer answer;
  uint16_t status = 0;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginChunkedHttpClient(
        PluginContext(), &answer, ChunkedAnswer::AddChunk, ChunkedAnswer::AddHeader, &status,
        static_cast<OrthancPluginHttpMethod>(arguments.method), arguments.url, arguments.headers.count(),
        arguments.headers.keys(), arguments.headers.values(), &request, ChunkedRequest::IsDone,
        ChunkedRequest::ChunkData, ChunkedRequest::ChunkSize, ChunkedRequest::Next, arguments.username,
        arguments.password, arguments.timeout, arguments.certificateFile, arguments.certificateKeyFile,
        arguments.certificateKeyPassword, arguments.pkcs11);
  }
  if (request.RestoreError())
  {
    return nullptr;
  }
  PyRef headerDict = PyRef::Steal(PyDict_New());
  for (const auto& [key, value] : answer.headers)
  {
    PyRef text = PyRef::Steal(PyUnicode_DecodeUTF8(value.data(), static_cast<Py_ssize_t>(value.size()), "replace"));
    if (!headerDict || !text || PyDict_SetItemString(headerDict.get(), key.c_str(), text.get()) < 0)
    {
      return nullptr;
    }
  }
  return HttpAnswer(code, status, std::move(headerDict), answer.body.data(),
                    static_cast<Py_ssize_t>(answer.body.size()));
}

PyObject* CallRestApi(PyObject* /* module */, PyObject* args, PyObject* kwargs)
{
  static const char* keywords[] = {"method", "uri", "headers", "body", "afterPlugins", nullptr};
  int method = 0;
  const char* uri = nullptr;
  StringMapArg headers;
  BufferArg body;
  uint8_t afterPlugins = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "is|O&O&O&:CallRestApi", const_cast<char**>(keywords), &method, &uri,
                                   &StringMapArg::Convert, &headers, &ConvertOptionalBuffer, &body, &ConvertBool,
                                   &afterPlugins) ||
      !generated::CheckBufferSize<uint32_t>(body, "body"))
  {
    return nullptr;
  }
  BufferedAnswer answer;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginCallRestApi(PluginContext(), &answer.body, &answer.headers, &answer.status,
                                    static_cast<OrthancPluginHttpMethod>(method), uri, headers.count(), headers.keys(),
                                    headers.values(), body.data(), static_cast<uint32_t>(body.size()), afterPlugins);
  }
  return answer.ToPython(code);
}

PyObject* Peers_CallPeerApi(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static const char* keywords[] = {"peerIndex", "method", "uri", "additionalHeaders", "body", "timeout", nullptr};
  auto* peers = static_cast<const OrthancPluginPeers*>(HandleOf(self, generated::Peers_Type()));
  if (peers == nullptr)
  {
    return nullptr;
  }
  uint32_t peerIndex = 0;
  int method = 0;
  const char* uri = nullptr;
  StringMapArg headers;
  BufferArg body;
  uint32_t timeout = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&is|O&O&O&:CallPeerApi", const_cast<char**>(keywords),
                                   &generated::ConvertUnsigned<uint32_t>, &peerIndex, &method, &uri,
                                   &StringMapArg::Convert, &headers, &ConvertOptionalBuffer, &body,
                                   &generated::ConvertUnsigned<uint32_t>, &timeout) ||
      !generated::CheckBufferSize<uint32_t>(body, "body"))
  {
    return nullptr;
  }
  BufferedAnswer answer;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginCallPeerApi(PluginContext(), &answer.body, &answer.headers, &answer.status, peers, peerIndex,
                                    static_cast<OrthancPluginHttpMethod>(method), uri, headers.count(), headers.keys(),
                                    headers.values(), body.data(), static_cast<uint32_t>(body.size()), timeout);
  }
  return answer.ToPython(code);
}

PyObject* DicomInstance_GetInstanceData(PyObject* self, PyObject* args)
{
  auto* instance = static_cast<const OrthancPluginDicomInstance*>(HandleOf(self, generated::DicomInstance_Type()));
  if (instance == nullptr || !PyArg_ParseTuple(args, ":GetInstanceData"))
  {
    return nullptr;
  }
  const void* data;
  int64_t size;
  {
    GilRelease nogil;
    data = OrthancPluginGetInstanceData(PluginContext(), instance);
    size = OrthancPluginGetInstanceSize(PluginContext(), instance);
  }
  if (data == nullptr && size != 0)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_InternalError);
  }
  return PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size));
}

namespace
{
PyObject* GetFindQueryTag(PyObject* self, PyObject* args, bool group, const char* format)
{
  auto* query = static_cast<const OrthancPluginFindQuery*>(HandleOf(self, generated::FindQuery_Type()));
  uint32_t index = 0;
  if (query == nullptr || !PyArg_ParseTuple(args, format, &generated::ConvertUnsigned<uint32_t>, &index))
  {
    return nullptr;
  }
  uint16_t tagGroup = 0;
  uint16_t tagElement = 0;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginGetFindQueryTag(PluginContext(), &tagGroup, &tagElement, query, index);
  }
  if (code != OrthancPluginErrorCode_Success)
  {
    return RaiseOrthancError(code);
  }
  return PyLong_FromLong(group ? tagGroup : tagElement);
}
}  // namespace

PyObject* FindQuery_GetFindQueryTagGroup(PyObject* self, PyObject* args)
{
  return GetFindQueryTag(self, args, true, "O&:GetFindQueryTagGroup");
}

PyObject* FindQuery_GetFindQueryTagElement(PyObject* self, PyObject* args)
{
  return GetFindQueryTag(self, args, false, "O&:GetFindQueryTagElement");
}
