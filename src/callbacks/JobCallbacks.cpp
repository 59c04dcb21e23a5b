// Jobs written in Python:
//   orthanc.CreateJob(job, jobType)        an orthanc.Job whose steps are the Python object's methods
//   orthanc.RegisterJobsUnserializer()     recreate saved jobs when Orthanc starts
// Orthanc's job engine calls the methods from its worker threads (and from
// the REST API threads for the progress and the content).
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>

namespace
{
CallbackSlot unserializer_("jobs unserializer");

// The `void* job` given to Orthanc.
struct PythonJob
{
  PyRef object;            // the Python job; destroyed with the GIL held (Finalize)
  std::string type;
  std::mutex textMutex;    // Orthanc may ask for the content from several threads
  std::string content;     // what GetContent() last returned (must outlive the call)
  std::string serialized;  // what GetSerialized() last returned
};

PythonJob& JobOf(void* job)
{
  return *static_cast<PythonJob*>(job);
}

std::string Where(const PythonJob& job, const char* method)
{
  return "the job " + job.type + " (" + method + ")";
}

// Calls job.<method>(argument) (no argument if nullptr) through CallPython, which reports a failure.
// Empty if it failed, or if the method is optional and absent (then `absent` is set, nothing is reported).
PyRef CallMethod(PythonJob& job, const char* method, bool optional, PyObject* argument = nullptr,
                 bool* absent = nullptr)
{
  const std::string where = Where(job, method);
  PyRef function = PyRef::Steal(PyObject_GetAttrString(job.object.get(), method));
  if (!function && optional && PyErr_ExceptionMatches(PyExc_AttributeError))
  {
    PyErr_Clear();
    if (absent != nullptr)
    {
      *absent = true;
    }
    return PyRef();
  }
  if (!function)
  {
    ReportPythonError(where.c_str());
    return PyRef();
  }
  return argument != nullptr ? CallPython(function.get(), where, {argument}) : CallPython(function.get(), where, {});
}

// str as is; any other object (dict, list...) through json.dumps(); nullptr with an exception on failure.
const char* KeepJsonText(PyObject* value, std::string& target)
{
  PyRef text;
  if (PyUnicode_Check(value))
  {
    text = PyRef::Borrow(value);
  }
  else
  {
    PyRef json = PyRef::Steal(PyImport_ImportModule("json"));
    text = json ? PyRef::Steal(PyObject_CallMethod(json.get(), "dumps", "O", value)) : PyRef();
  }
  const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  if (utf8 == nullptr)
  {
    return nullptr;
  }
  target = utf8;
  return target.c_str();
}

void Finalize(void* job)
{
  GilHold gil;
  delete static_cast<PythonJob*>(job);
}

float GetProgress(void* handle)
{
  PythonJob& job = JobOf(handle);
  GilHold gil;
  PyRef result = CallMethod(job, "GetProgress", true);
  if (!result)
  {
    return 0;
  }
  if (PyBool_Check(result.get()) || !(PyFloat_Check(result.get()) || PyLong_Check(result.get())))
  {
    callback_result::LogUnexpected(Where(job, "GetProgress"), result.get(), "float from 0 to 1",
                                   "the progress is shown as 0");
    return 0;
  }
  const double progress = PyFloat_AsDouble(result.get());
  if (progress == -1.0 && PyErr_Occurred() != nullptr)
  {
    ReportPythonError(Where(job, "GetProgress").c_str());
    return 0;
  }
  return static_cast<float>(progress);
}

const char* GetContent(void* handle)
{
  PythonJob& job = JobOf(handle);
  std::lock_guard<std::mutex> lock(job.textMutex);  // before the GIL: never wait for it while holding the GIL
  GilHold gil;
  PyRef result = CallMethod(job, "GetContent", true);
  const char* text = result ? KeepJsonText(result.get(), job.content) : nullptr;
  if (text == nullptr)
  {
    if (PyErr_Occurred() != nullptr)  // KeepJsonText failed
    {
      ReportPythonError(Where(job, "GetContent").c_str());
    }
    job.content = "{}";
    text = job.content.c_str();
  }
  return text;
}

const char* GetSerialized(void* handle)
{
  PythonJob& job = JobOf(handle);
  std::lock_guard<std::mutex> lock(job.textMutex);  // before the GIL: never wait for it while holding the GIL
  GilHold gil;
  PyRef result = CallMethod(job, "GetSerialized", true);
  if (!result || result.get() == Py_None)
  {
    return nullptr;  // the job cannot be serialized (or GetSerialized failed: reported)
  }
  const char* text = KeepJsonText(result.get(), job.serialized);
  if (text == nullptr)
  {
    ReportPythonError(Where(job, "GetSerialized").c_str());
  }
  return text;
}

OrthancPluginJobStepStatus Step(void* handle)
{
  PythonJob& job = JobOf(handle);
  GilHold gil;
  PyRef result = CallMethod(job, "Step", false);
  if (!result)
  {
    return OrthancPluginJobStepStatus_Failure;
  }
  long status = 0;
  if (!callback_result::StrictInt(result.get(), Where(job, "Step"), OrthancPluginJobStepStatus_Success,
                                  OrthancPluginJobStepStatus_Continue, "an orthanc.JobStepStatus",
                                  "the job fails", status))
  {
    return OrthancPluginJobStepStatus_Failure;
  }
  return static_cast<OrthancPluginJobStepStatus>(status);
}

OrthancPluginErrorCode Stop(void* handle, OrthancPluginJobStopReason reason)
{
  PythonJob& job = JobOf(handle);
  GilHold gil;
  PyRef argument = PyRef::Steal(PyLong_FromLong(reason));
  if (!argument)
  {
    return ReportPythonError(Where(job, "Stop").c_str());
  }
  return CallMethod(job, "Stop", false, argument.get()) ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}

OrthancPluginErrorCode Reset(void* handle)
{
  PythonJob& job = JobOf(handle);
  GilHold gil;
  return CallMethod(job, "Reset", false) ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}

OrthancPluginJob* Unserialize(const char* jobType, const char* serialized)
{
  GilHold gil;
  PyRef result = CallPython(unserializer_, "the jobs unserializer", {Str(jobType).get(), Str(serialized).get()});
  if (!result)
  {
    return nullptr;
  }
  if (result.get() == Py_None)
  {
    return nullptr;  // not a job of this plugin
  }
  if (!callback_result::StrictInstance(result.get(), generated::Job_Type(), "the jobs unserializer",
                                       "an orthanc.Job or None", "the job is not restored"))
  {
    return nullptr;
  }
  void* job = TakeOwnedHandle(result.get(), generated::Job_Type());
  if (job == nullptr)
  {
    ReportPythonError("the jobs unserializer");
  }
  return static_cast<OrthancPluginJob*>(job);
}

// orthanc.<function>(job, jobType): checks the job's methods, then `create(job, type)`
// (OrthancPluginCreateJob or CreateJob2) without the GIL.
template <typename Create>
PyObject* CreateJobWith(PyObject* args, const char* function, Create create)
{
  PyObject* object = nullptr;
  const char* type = nullptr;
  const std::string format = std::string("Os:") + function;
  if (!PyArg_ParseTuple(args, format.c_str(), &object, &type))
  {
    return nullptr;
  }
  for (const char* method : {"Step", "Stop", "Reset"})
  {
    if (!PyObject_HasAttrString(object, method))
    {
      return PyErr_Format(PyExc_TypeError, "%s: the job must have a %s() method", function, method);
    }
  }
  auto job = std::make_unique<PythonJob>();
  job->object = PyRef::Borrow(object);
  job->type = type;

  PythonJob* raw = job.get();
  OrthancPluginJob* handle;
  {
    GilRelease nogil;
    handle = create(raw, type);
  }
  if (handle == nullptr)
  {
    return RaiseOrthancError(OrthancPluginErrorCode_InternalError);  // `job` is still ours: freed here
  }
  job.release();  // Orthanc calls Finalize() when it frees the job
  // Owned: if the job is never submitted, the Python object frees it (OrthancPluginFreeJob).
  return generated::Wrap_Job(handle, true);
}
}  // namespace

PyObject* CreateJob(PyObject* /* module */, PyObject* args)
{
  return CreateJobWith(args, "CreateJob", [](void* job, const char* type) {
    return OrthancPluginCreateJob(PluginContext(), job, Finalize, type, GetProgress, GetContent, GetSerialized, Step,
                                  Stop, Reset);
  });
}

PyObject* RegisterJobsUnserializer(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, unserializer_, "RegisterJobsUnserializer", [] {
    OrthancPluginRegisterJobsUnserializer(PluginContext(), Unserialize);
    return OrthancPluginErrorCode_Success;
  });
}

#if ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 11, 3)
// orthanc.CreateJob2(): the same Python job, through the SDK's second version
// of the content and serialization callbacks (Orthanc owns the buffers).
namespace
{
bool CopyToBuffer(OrthancPluginMemoryBuffer* target, const std::string& text)
{
  if (OrthancPluginCreateMemoryBuffer(PluginContext(), target, static_cast<uint32_t>(text.size())) !=
      OrthancPluginErrorCode_Success)
  {
    return false;
  }
  if (!text.empty())
  {
    memcpy(target->data, text.data(), text.size());
  }
  return true;
}

OrthancPluginErrorCode GetContent2(OrthancPluginMemoryBuffer* target, void* handle)
{
  PythonJob& job = JobOf(handle);
  std::string content;
  {
    GilHold gil;
    PyRef result = CallMethod(job, "GetContent", true);
    if (!result || KeepJsonText(result.get(), content) == nullptr)
    {
      if (PyErr_Occurred() != nullptr)  // KeepJsonText failed
      {
        ReportPythonError(Where(job, "GetContent").c_str());
      }
      content = "{}";
    }
  }
  return CopyToBuffer(target, content) ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_NotEnoughMemory;
}

int32_t GetSerialized2(OrthancPluginMemoryBuffer* target, void* handle)
{
  PythonJob& job = JobOf(handle);
  std::string serialized;
  {
    GilHold gil;
    bool absent = false;
    PyRef result = CallMethod(job, "GetSerialized", true, nullptr, &absent);
    if (!result)
    {
      return absent ? 0 : -1;  // no GetSerialized(): the job cannot be serialized; else it failed (reported)
    }
    if (result.get() == Py_None)
    {
      return 0;  // the job cannot be serialized
    }
    if (KeepJsonText(result.get(), serialized) == nullptr)
    {
      ReportPythonError(Where(job, "GetSerialized").c_str());
      return -1;
    }
  }
  return CopyToBuffer(target, serialized) ? 1 : -1;
}
}  // namespace

PyObject* CreateJob2(PyObject* /* module */, PyObject* args)
{
  return CreateJobWith(args, "CreateJob2", [](void* job, const char* type) {
    return OrthancPluginCreateJob2(PluginContext(), job, Finalize, type, GetProgress, GetContent2, GetSerialized2,
                                   Step, Stop, Reset);
  });
}
#endif  // ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 11, 3)
