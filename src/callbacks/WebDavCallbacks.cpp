// orthanc.RegisterWebDavCollection(): a WebDAV folder tree served by Python.
// The Python callbacks receive the path as a list of str and answer with
// plain values; this file turns them into the SDK's out-parameters and
// addFile/addFolder/retrieveFile calls.
#include "../Errors.h"
#include "../Gil.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <memory>
#include <string>
#include <vector>

namespace
{
struct Collection
{
  std::string uri;
  PyRef isExistingFolder;
  PyRef listFolder;
  PyRef retrieveFile;
  PyRef storeFile;
  PyRef createFolder;
  PyRef deleteItem;
};

// The callables are read by Orthanc's threads while the plugin may forget
// them (shutdown): a SharedMutex, as no GIL may serialize them.
class Collections : public Forgettable
{
public:
  // Orthanc keeps a pointer to each collection (the payload) until it stops.
  void Add(std::unique_ptr<Collection> collection)
  {
    SharedLock lock(mutex_);
    items_.push_back(std::move(collection));
  }

  // A new reference to one callable of a collection (empty once forgotten).
  PyRef Get(const PyRef& callable) const
  {
    SharedLock lock(mutex_);
    return callable;
  }

  // At the plugin's stop, once Orthanc no longer calls the collections.
  void Forget() override
  {
    std::vector<std::unique_ptr<Collection>> dropped;  // released after the lock: finalizers may run
    SharedLock lock(mutex_);
    dropped.swap(items_);
  }

private:
  mutable SharedMutex mutex_;
  std::vector<std::unique_ptr<Collection>> items_;
};

Collections collections_;

Collection& CollectionOf(void* payload)
{
  return *static_cast<Collection*>(payload);
}

std::string Where(const Collection& collection, const char* callback)
{
  return "the WebDAV collection " + collection.uri + " (" + callback + ")";
}

// callback(path[, extra]) with the GIL held, through CallPython (failures reported there).
PyRef CallWithPath(const PyRef& callback, const std::string& where, uint32_t pathSize, const char* const* pathItems,
                   PyObject* extra = nullptr)
{
  PyRef path = ListOfStrings(pathItems, pathSize);
  return extra != nullptr ? CallPython(callback.get(), where, {path.get(), extra})
                          : CallPython(callback.get(), where, {path.get()});
}

// Sets *flag from `result`, True or False; the error code for Orthanc.  For
// storeFile, createFolder and deleteItem the SDK calls the flag "isReadOnly",
// but Orthanc (1.10 to 1.12) reads it as "the change was made": the Python
// callbacks return True for a change made, which is passed on as is.
OrthancPluginErrorCode SetFlag(uint8_t* flag, const PyRef& result, const std::string& where)
{
  *flag = 0;
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;  // reported by CallPython
  }
  bool value = false;
  if (!callback_result::StrictBool(result.get(), where, "the WebDAV request fails", value))
  {
    return OrthancPluginErrorCode_Plugin;
  }
  *flag = value ? 1 : 0;
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode IsExistingFolder(uint8_t* isExisting, uint32_t pathSize, const char* const* pathItems,
                                        void* payload)
{
  Collection& c = CollectionOf(payload);
  GilHold gil;
  const std::string where = Where(c, "isExistingFolder");
  return SetFlag(isExisting, CallWithPath(collections_.Get(c.isExistingFolder), where, pathSize, pathItems), where);
}

OrthancPluginErrorCode ListFolder(uint8_t* isExisting, OrthancPluginWebDavCollection* collection,
                                  OrthancPluginWebDavAddFile addFile, OrthancPluginWebDavAddFolder addFolder,
                                  uint32_t pathSize, const char* const* pathItems, void* payload)
{
  Collection& c = CollectionOf(payload);
  const std::string where = Where(c, "listFolder");
  GilHold gil;
  PyRef result = CallWithPath(collections_.Get(c.listFolder), where, pathSize, pathItems);
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (result.get() == Py_None)
  {
    *isExisting = 0;
    return OrthancPluginErrorCode_Success;
  }

  // (folders, files): folders are (name, dateTime), files (name, size, mimeType, dateTime).
  struct Folder { std::string name, dateTime; };
  struct File { std::string name; unsigned long long size; std::string mimeType, dateTime; };
  std::vector<Folder> folders;
  std::vector<File> files;
  PyObject* folderList = nullptr;
  PyObject* fileList = nullptr;
  const char* expected = "None or (folders, files), folders a list of (name, dateTime) and files of "
                         "(name, size, mimeType, dateTime)";
  const char* failed = "the WebDAV request fails";
  if (!PyTuple_Check(result.get()) || !PyArg_ParseTuple(result.get(), "OO", &folderList, &fileList))
  {
    callback_result::LogUnexpected(where, result.get(), expected, failed);
    return OrthancPluginErrorCode_Plugin;
  }
  PyRef folderItems = PyRef::Steal(PySequence_Fast(folderList, "the folders must be a list of (name, dateTime)"));
  PyRef fileItems = PyRef::Steal(PySequence_Fast(fileList, "the files must be a list of (name, size, mimeType, dateTime)"));
  if (!folderItems || !fileItems)
  {
    callback_result::LogUnexpected(where, result.get(), expected, failed);
    return OrthancPluginErrorCode_Plugin;
  }
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(folderItems.get()); i++)
  {
    const char* name = nullptr;
    const char* dateTime = nullptr;
    PyObject* item = PySequence_Fast_GET_ITEM(folderItems.get(), i);
    if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "ss", &name, &dateTime))
    {
      callback_result::LogUnexpected(where + " (a folder)", item, "(name, dateTime)", failed);
      return OrthancPluginErrorCode_Plugin;
    }
    folders.push_back(Folder{name, dateTime});
  }
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fileItems.get()); i++)
  {
    const char* name = nullptr;
    unsigned long long size = 0;
    const char* mimeType = nullptr;
    const char* dateTime = nullptr;
    PyObject* item = PySequence_Fast_GET_ITEM(fileItems.get(), i);
    if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "sKzs", &name, &size, &mimeType, &dateTime))
    {
      callback_result::LogUnexpected(where + " (a file)", item, "(name, size, mimeType, dateTime)", failed);
      return OrthancPluginErrorCode_Plugin;
    }
    files.push_back(File{name, size, mimeType != nullptr ? mimeType : "", dateTime});
  }

  GilRelease nogil;
  for (const Folder& folder : folders)
  {
    const OrthancPluginErrorCode code = addFolder(collection, folder.name.c_str(), folder.dateTime.c_str());
    if (code != OrthancPluginErrorCode_Success)
    {
      return code;
    }
  }
  for (const File& file : files)
  {
    const OrthancPluginErrorCode code = addFile(collection, file.name.c_str(), file.size, file.mimeType.c_str(),
                                                file.dateTime.c_str());
    if (code != OrthancPluginErrorCode_Success)
    {
      return code;
    }
  }
  *isExisting = 1;
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode RetrieveFile(OrthancPluginWebDavCollection* collection,
                                    OrthancPluginWebDavRetrieveFile retrieveFile, uint32_t pathSize,
                                    const char* const* pathItems, void* payload)
{
  Collection& c = CollectionOf(payload);
  const std::string where = Where(c, "retrieveFile");
  GilHold gil;
  PyRef result = CallWithPath(collections_.Get(c.retrieveFile), where, pathSize, pathItems);
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (result.get() == Py_None)
  {
    return OrthancPluginErrorCode_UnknownResource;  // no such file: Orthanc answers 404
  }
  Py_buffer content;
  const char* mimeType = nullptr;
  const char* dateTime = nullptr;
  if (!PyTuple_Check(result.get()) || !PyArg_ParseTuple(result.get(), "y*zs", &content, &mimeType, &dateTime))
  {
    callback_result::LogUnexpected(where, result.get(), "None or (content bytes, mimeType, dateTime)",
                                   "the WebDAV request fails");
    return OrthancPluginErrorCode_Plugin;
  }
  const std::string mime = mimeType != nullptr ? mimeType : "";
  const std::string date = dateTime;
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = retrieveFile(collection, content.buf, static_cast<uint64_t>(content.len), mime.c_str(), date.c_str());
  }
  PyBuffer_Release(&content);
  return code;
}

OrthancPluginErrorCode StoreFile(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                 const void* data, uint64_t size, void* payload)
{
  Collection& c = CollectionOf(payload);
  GilHold gil;
  PyRef content = PyRef::Steal(PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size)));
  const std::string where = Where(c, "storeFile");
  if (!content)
  {
    *isReadOnly = 0;
    return ReportPythonError(where.c_str());
  }
  return SetFlag(isReadOnly, CallWithPath(collections_.Get(c.storeFile), where, pathSize, pathItems, content.get()),
                 where);
}

OrthancPluginErrorCode CreateFolder(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                    void* payload)
{
  Collection& c = CollectionOf(payload);
  GilHold gil;
  const std::string where = Where(c, "createFolder");
  return SetFlag(isReadOnly, CallWithPath(collections_.Get(c.createFolder), where, pathSize, pathItems), where);
}

OrthancPluginErrorCode DeleteItem(uint8_t* isReadOnly, uint32_t pathSize, const char* const* pathItems,
                                  void* payload)
{
  Collection& c = CollectionOf(payload);
  GilHold gil;
  const std::string where = Where(c, "deleteItem");
  return SetFlag(isReadOnly, CallWithPath(collections_.Get(c.deleteItem), where, pathSize, pathItems), where);
}
}  // namespace

PyObject* RegisterWebDavCollection(PyObject* /* module */, PyObject* args)
{
  const char* function = "RegisterWebDavCollection";
  if (!CheckNotReloading(function))
  {
    return nullptr;
  }
  const char* uri = nullptr;
  PyObject* callables[6] = {};
  if (!PyArg_ParseTuple(args, "sOOOOOO:RegisterWebDavCollection", &uri, &callables[0], &callables[1], &callables[2],
                        &callables[3], &callables[4], &callables[5]))
  {
    return nullptr;
  }
  for (PyObject* callable : callables)
  {
    if (!CheckCallable(callable, function))
    {
      return nullptr;
    }
  }
  auto collection = std::make_unique<Collection>(Collection{
      uri, PyRef::Borrow(callables[0]), PyRef::Borrow(callables[1]), PyRef::Borrow(callables[2]),
      PyRef::Borrow(callables[3]), PyRef::Borrow(callables[4]), PyRef::Borrow(callables[5])});
  Collection* payload = collection.get();
  collections_.Add(std::move(collection));
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginRegisterWebDavCollection(PluginContext(), uri, IsExistingFolder, ListFolder, RetrieveFile,
                                                 StoreFile, CreateFolder, DeleteItem, payload);
  }
  return ResultFromErrorCode(code);
}
