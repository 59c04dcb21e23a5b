// POST /plugins/python/reload: imports the scripts again without restarting
// Orthanc ("Python.AllowReload", off by default).
#include "Reload.h"

#include "Errors.h"
#include "Gil.h"
#include "Interpreter.h"
#include "Log.h"
#include "PluginContext.h"
#include "PythonStack.h"
#include "callbacks/Callbacks.h"

#include <mutex>
#include <string>

namespace
{
bool refuseRemote_ = false;
std::mutex reloading_;  // one reload at a time

void Answer(OrthancPluginRestOutput* output, uint16_t status, const std::string& text)
{
  if (status == 200)
  {
    OrthancPluginAnswerBuffer(PluginContext(), output, text.data(), static_cast<uint32_t>(text.size()),
                              "text/plain");
  }
  else
  {
    OrthancPluginSendHttpStatus(PluginContext(), output, status, text.data(), static_cast<uint32_t>(text.size()));
  }
}

OrthancPluginErrorCode Reload(OrthancPluginRestOutput* output, const char* /* url */,
                              const OrthancPluginHttpRequest* request)
{
  if (request->method != OrthancPluginHttpMethod_Post)
  {
    OrthancPluginSendMethodNotAllowed(PluginContext(), output, "POST");
    return OrthancPluginErrorCode_Success;
  }
  if (refuseRemote_)
  {
    Answer(output, 403,
           "Python plugin: POST /plugins/python/reload is refused while \"RemoteAccessAllowed\" is true and "
           "\"AuthenticationEnabled\" is false: enable Orthanc's authentication to use it\n");
    return OrthancPluginErrorCode_Success;
  }
  std::lock_guard<std::mutex> lock(reloading_);
  std::string report;
  const bool ok = python_stack::Run([&] {
    GilHold gil;
    return ReloadScripts(report);
  });
  if (ok)
  {
    LogWarning("Python plugin: " + report);
    Answer(output, 200, report + "\n");
  }
  else
  {
    LogError("Python plugin: the reload failed, the previous scripts keep running:\n" + report);
    Answer(output, 500, "Python plugin: the reload failed, the previous scripts keep running:\n" + report);
  }
  RegisterRoutesAfterReload();
  return OrthancPluginErrorCode_Success;
}
}  // namespace

void RegisterReloadRoute(bool refuseRemote)
{
  refuseRemote_ = refuseRemote;
  OrthancPluginRegisterRestCallbackNoLock(PluginContext(), "/plugins/python/reload", Reload);
}
