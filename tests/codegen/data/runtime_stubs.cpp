// Test double for tests/codegen/test_runtime.py: minimal implementations of
// the helpers declared in src/*.h, and a fake Orthanc (an OrthancPluginContext
// whose InvokeService answers a few services), so that the generated wrappers
// can be built into a plain extension module named `orthanc` and called from
// Python.  Not the plugin's real implementations (those are in src/).

#include "Convert.h"
#include "Errors.h"
#include "HandleObject.h"
#include "PluginContext.h"

#include "OrthancGenerated.h"

#include <cstdlib>
#include <cstring>
#include <string>

// --- helpers of src/*.h -----------------------------------------------------

namespace
{
  OrthancPluginContext* g_context = nullptr;
}

OrthancPluginContext* PluginContext() { return g_context; }

// The fake Orthanc of this test is always running: every call is admitted.
bool OrthancReachable() { return true; }
OrthancCall::OrthancCall() : admitted_(true) {}
OrthancCall::OrthancCall(Release) : admitted_(true) {}
OrthancCall::~OrthancCall() = default;

// The fake Orthanc of this test offers every service of the header.
bool RequireOrthanc(const char*, int, int, int) { return true; }

PyObject* RaiseOrthancError(OrthancPluginErrorCode code)
{
  PyErr_Format(PyExc_RuntimeError, "orthanc error %d", static_cast<int>(code));
  return nullptr;
}

// ResultFrom*, OutputBuffers and BufferArg: the real src/Convert.cpp is built in.

void* HandleOf(PyObject* object, PyTypeObject* type)
{
  if (type == nullptr || !PyObject_TypeCheck(object, type))
  {
    PyErr_Format(PyExc_TypeError, "expected orthanc.%s, got %s",
                 type != nullptr ? type->tp_name : "?", Py_TYPE(object)->tp_name);
    return nullptr;
  }
  void* handle = reinterpret_cast<HandleObject*>(object)->handle;
  if (handle == nullptr)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_BadSequenceOfCalls);
  }
  return handle;
}

void InvalidateHandle(PyObject* object)
{
  reinterpret_cast<HandleObject*>(object)->handle = nullptr;
}

// --- the fake Orthanc ---------------------------------------------------------

namespace
{
  struct FakeImage
  {
    OrthancPluginPixelFormat format;
    uint32_t width;
    uint32_t height;
  };

  std::string g_lastLog;
  int g_freedImages = 0;
  int g_freedJobs = 0;
  bool g_gilHeldInSdk = false;
  int g_fakeJob = 42;

  char* Duplicate(const std::string& value)
  {
    char* copy = static_cast<char*>(malloc(value.size() + 1));
    memcpy(copy, value.c_str(), value.size() + 1);
    return copy;
  }

  void Fill(OrthancPluginMemoryBuffer* target, const std::string& value)
  {
    target->data = malloc(value.size() + 1);
    memcpy(target->data, value.data(), value.size());
    target->size = static_cast<uint32_t>(value.size());
  }

  OrthancPluginErrorCode InvokeService(OrthancPluginContext*, _OrthancPluginService service, const void* params)
  {
    if (PyGILState_Check())
    {
      g_gilHeldInSdk = true;  // the wrappers must release the GIL around SDK calls
    }

    switch (service)
    {
      case _OrthancPluginService_LogWarning:
        g_lastLog = static_cast<const char*>(params);
        return OrthancPluginErrorCode_Success;

      case _OrthancPluginService_CreateImage:
      {
        auto* p = static_cast<const _OrthancPluginCreateImage*>(params);
        *p->target = reinterpret_cast<OrthancPluginImage*>(new FakeImage{p->format, p->width, p->height});
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_GetImageWidth:
      case _OrthancPluginService_GetImageHeight:
      case _OrthancPluginService_GetImagePixelFormat:
      {
        auto* p = static_cast<const _OrthancPluginGetImageInfo*>(params);
        auto* image = reinterpret_cast<const FakeImage*>(p->image);
        if (service == _OrthancPluginService_GetImagePixelFormat)
        {
          *p->resultPixelFormat = image->format;
        }
        else
        {
          *p->resultUint32 = (service == _OrthancPluginService_GetImageWidth) ? image->width : image->height;
        }
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_FreeImage:
        delete reinterpret_cast<FakeImage*>(static_cast<const _OrthancPluginFreeImage*>(params)->image);
        g_freedImages++;
        return OrthancPluginErrorCode_Success;

      case _OrthancPluginService_ComputeMd5:
      {
        auto* p = static_cast<const _OrthancPluginComputeHash*>(params);
        *p->result = Duplicate("len=" + std::to_string(p->size));
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_RestApiGet:
      {
        auto* p = static_cast<const _OrthancPluginRestApiGet*>(params);
        Fill(p->target, p->uri);
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_CreateDicom:
      {
        auto* p = static_cast<const _OrthancPluginCreateDicom*>(params);
        Fill(p->target, std::string(p->json) + (p->pixelData == nullptr ? "+no-image" : "+image"));
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_SubmitJob:
      {
        auto* p = static_cast<const _OrthancPluginSubmitJob*>(params);
        *p->resultId = Duplicate("job-" + std::to_string(p->priority));
        return OrthancPluginErrorCode_Success;
      }

      case _OrthancPluginService_FreeJob:
        g_freedJobs++;
        return OrthancPluginErrorCode_Success;

      default:
        return OrthancPluginErrorCode_NotImplemented;
    }
  }

  OrthancPluginContext g_fakeContext = {nullptr, "1.10.1", free, InvokeService};

  // Test-only module functions.
  PyObject* LastLog(PyObject*, PyObject*) { return PyUnicode_FromString(g_lastLog.c_str()); }
  PyObject* FreedImages(PyObject*, PyObject*) { return PyLong_FromLong(g_freedImages); }
  PyObject* FreedJobs(PyObject*, PyObject*) { return PyLong_FromLong(g_freedJobs); }
  PyObject* GilHeldInSdk(PyObject*, PyObject*) { return PyBool_FromLong(g_gilHeldInSdk); }
  PyObject* MakeJob(PyObject*, PyObject*)
  {
    return generated::Wrap_Job(reinterpret_cast<OrthancPluginJob*>(&g_fakeJob), true);
  }

  PyMethodDef kTestFunctions[] = {
    {"_last_log", LastLog, METH_NOARGS, nullptr},
    {"_freed_images", FreedImages, METH_NOARGS, nullptr},
    {"_freed_jobs", FreedJobs, METH_NOARGS, nullptr},
    {"_gil_held_in_sdk", GilHeldInSdk, METH_NOARGS, nullptr},
    {"_make_job", MakeJob, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
  };

  PyModuleDef kModule = {PyModuleDef_HEAD_INIT, "orthanc", nullptr, -1, generated::kModuleFunctions,
                         nullptr, nullptr, nullptr, nullptr};
}

// An entry point of every plugin, called by OrthancPluginCheckVersionAdvanced().
extern "C" const char* OrthancPluginGetName()
{
  return "codegen-test";
}

PyMODINIT_FUNC PyInit_orthanc()
{
  g_context = &g_fakeContext;
  PyObject* module = PyModule_Create(&kModule);
  if (module == nullptr)
  {
    return nullptr;
  }
  if (PyModule_AddFunctions(module, kTestFunctions) != 0 ||
      !generated::AddEnums(module) ||
      !generated::AddClasses(module))
  {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
