// Storage:
//   orthanc.RegisterStorageArea() / RegisterStorageArea2()   a storage area written in Python
//   orthanc.RegisterStorageCommitmentScpCallback()           storage commitment SCP
#include "../Errors.h"
#include "../Gil.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"
#include "StorageCommitment.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace
{
// --- storage area -------------------------------------------------------------

CallbackSlot storageCreate_("storage area");
CallbackSlot storageRead_("storage area");
CallbackSlot storageReadRange_("storage area");
CallbackSlot storageRemove_("storage area");

OrthancPluginErrorCode StorageCreate(const char* uuid, const void* content, int64_t size, OrthancPluginContentType type)
{
  const char* where = "the storage area (create)";
  GilHold gil;
  PyRef id = Str(uuid);
  PyRef typeObject = Int(type);
  PyRef data = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(content), static_cast<Py_ssize_t>(size)));
  return CallPython(storageCreate_, where, {id.get(), typeObject.get(), data.get()}) ? OrthancPluginErrorCode_Success
                                                                                   : OrthancPluginErrorCode_Plugin;
}

// Calls read(uuid, type[, start, size]) and gives its bytes-like result to `consume(data, size)`.
template <typename Consume>
OrthancPluginErrorCode ReadFromPython(const CallbackSlot& slot, const char* where, PyRef args, Consume consume)
{
  PyRef callable = slot.Get();
  if (!callable)
  {
    return ReportMissingCallable(where);
  }
  PyRef result = args ? PyRef::Steal(PyObject_CallObject(callable.get(), args.get())) : PyRef();
  if (!result)
  {
    return ReportPythonError(where);
  }
  Py_buffer view;
  if (!callback_result::StrictBuffer(result.get(), where, "bytes", "the read fails", view))
  {
    return OrthancPluginErrorCode_Plugin;
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = consume(view.buf, static_cast<int64_t>(view.len));
  }
  PyBuffer_Release(&view);
  return code;
}

OrthancPluginErrorCode StorageRead(void** content, int64_t* size, const char* uuid, OrthancPluginContentType type)
{
  GilHold gil;
  return ReadFromPython(storageRead_, "the storage area (read)",
                        PyRef::Steal(Py_BuildValue("(si)", uuid, static_cast<int>(type))),
                        [&](const void* data, int64_t length) {
                          // Orthanc frees the content with free().
                          *content = malloc(length > 0 ? static_cast<size_t>(length) : 1);
                          if (*content == nullptr)
                          {
                            return OrthancPluginErrorCode_NotEnoughMemory;
                          }
                          memcpy(*content, data, static_cast<size_t>(length));
                          *size = length;
                          return OrthancPluginErrorCode_Success;
                        });
}

OrthancPluginErrorCode StorageReadWhole(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                        OrthancPluginContentType type)
{
  GilHold gil;
  return ReadFromPython(storageRead_, "the storage area (readWhole)",
                        PyRef::Steal(Py_BuildValue("(si)", uuid, static_cast<int>(type))),
                        [&](const void* data, int64_t length) {
                          const OrthancPluginErrorCode code = OrthancPluginCreateMemoryBuffer64(
                              PluginContext(), target, static_cast<uint64_t>(length));
                          if (code == OrthancPluginErrorCode_Success && length > 0)
                          {
                            memcpy(target->data, data, static_cast<size_t>(length));
                          }
                          return code;
                        });
}

OrthancPluginErrorCode StorageReadRange(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                        OrthancPluginContentType type, uint64_t rangeStart)
{
  // Orthanc allocated `target` with the size of the range.
  GilHold gil;
  const uint64_t wanted = target->size;
  return ReadFromPython(storageReadRange_, "the storage area (readRange)",
                        PyRef::Steal(Py_BuildValue("(siKK)", uuid, static_cast<int>(type),
                                                   static_cast<unsigned long long>(rangeStart),
                                                   static_cast<unsigned long long>(wanted))),
                        [&](const void* data, int64_t length) {
                          if (static_cast<uint64_t>(length) != wanted)
                          {
                            LogError("Python plugin: the storage area (readRange) returned " + std::to_string(length) +
                                     " bytes instead of " + std::to_string(wanted));
                            return OrthancPluginErrorCode_BadRange;
                          }
                          if (length > 0)
                          {
                            memcpy(target->data, data, static_cast<size_t>(length));
                          }
                          return OrthancPluginErrorCode_Success;
                        });
}

OrthancPluginErrorCode StorageRemove(const char* uuid, OrthancPluginContentType type)
{
  GilHold gil;
  PyRef id = Str(uuid);
  PyRef typeObject = Int(type);
  return CallPython(storageRemove_, "the storage area (remove)", {id.get(), typeObject.get()})
             ? OrthancPluginErrorCode_Success
             : OrthancPluginErrorCode_Plugin;
}

bool SetStorageCallbacks(const char* function, PyObject* create, PyObject* read, PyObject* readRange,
                         PyObject* remove)
{
  if (storageCreate_.IsSet())
  {
    return SlotTaken(storageCreate_, create, function, "storage area");
  }
  if (!CheckCallable(create, function) || !CheckCallable(read, function) ||
      (readRange != nullptr && !CheckCallable(readRange, function)) || !CheckCallable(remove, function))
  {
    return false;
  }
  storageCreate_.Set(create, function);
  storageRead_.Set(read, function);
  if (readRange != nullptr)
  {
    storageReadRange_.Set(readRange, function);
  }
  storageRemove_.Set(remove, function);
  return true;
}

// --- storage commitment SCP -----------------------------------------------------

CallbackSlot commitmentFactory_("storage commitment SCP callback");
CallbackSlot commitmentLookup_("storage commitment SCP callback");

OrthancPluginErrorCode CommitmentFactory(void** handler, const char* jobId, const char* transactionUid,
                                         const char* const* sopClassUids, const char* const* sopInstanceUids,
                                         uint32_t countInstances, const char* remoteAet, const char* calledAet)
{
  GilHold gil;
  PyRef classes = ListOfStrings(sopClassUids, countInstances);
  PyRef instances = ListOfStrings(sopInstanceUids, countInstances);
  return storage_commitment::KeepDriver(
      CallPython(commitmentFactory_, "the storage commitment SCP callback",
                 {Str(jobId).get(), Str(transactionUid).get(), classes.get(), instances.get(), Str(remoteAet).get(),
                  Str(calledAet).get()}),
      handler);
}

OrthancPluginErrorCode CommitmentLookup(OrthancPluginStorageCommitmentFailureReason* target, void* handler,
                                        const char* sopClassUid, const char* sopInstanceUid)
{
  return storage_commitment::Lookup(commitmentLookup_, target, handler, sopClassUid, sopInstanceUid);
}
}  // namespace

PyObject* RegisterStorageArea(PyObject* /* module */, PyObject* args)
{
  PyObject* create = nullptr;
  PyObject* read = nullptr;
  PyObject* remove = nullptr;
  if (!PyArg_ParseTuple(args, "OOO:RegisterStorageArea", &create, &read, &remove) ||
      !SetStorageCallbacks("RegisterStorageArea", create, read, nullptr, remove))
  {
    return nullptr;
  }
  if (storageCreate_.FirstRegistration())  // else a reload: Orthanc calls the storage area already
  {
    GilRelease nogil;
    OrthancPluginRegisterStorageArea(PluginContext(), StorageCreate, StorageRead, StorageRemove);
  }
  Py_RETURN_NONE;
}

PyObject* RegisterStorageArea2(PyObject* /* module */, PyObject* args)
{
  PyObject* create = nullptr;
  PyObject* readWhole = nullptr;
  PyObject* readRange = nullptr;
  PyObject* remove = nullptr;
  if (!PyArg_ParseTuple(args, "OOOO:RegisterStorageArea2", &create, &readWhole, &readRange, &remove) ||
      !SetStorageCallbacks("RegisterStorageArea2", create, readWhole, readRange, remove))
  {
    return nullptr;
  }
  if (storageCreate_.FirstRegistration())  // else a reload: Orthanc calls the storage area already
  {
    GilRelease nogil;
    OrthancPluginRegisterStorageArea2(PluginContext(), StorageCreate, StorageReadWhole, StorageReadRange,
                                      StorageRemove);
  }
  Py_RETURN_NONE;
}

PyObject* RegisterStorageCommitmentScpCallback(PyObject* /* module */, PyObject* args)
{
  PyObject* factory = nullptr;
  PyObject* lookup = nullptr;
  const char* function = "RegisterStorageCommitmentScpCallback";
  if (!PyArg_ParseTuple(args, "OO:RegisterStorageCommitmentScpCallback", &factory, &lookup) ||
      !CheckCallable(lookup, function) || !commitmentFactory_.Set(factory, function) ||
      !commitmentLookup_.Set(lookup, function))
  {
    return nullptr;
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginRegisterStorageCommitmentScpCallback(PluginContext(), CommitmentFactory,
                                                             storage_commitment::DestroyHandler,
                                                             CommitmentLookup);
  }
  return ResultFromErrorCode(code);
}
