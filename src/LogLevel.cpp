#include "LogLevel.h"

#include "Gil.h"
#include "PluginContext.h"
#include "PythonSupport.h"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace
{
// Reads of the level still to make: a PUT is applied after the filters ran,
// so it is read a few times, a little later.
constexpr int kReadsPerChange = 3;
constexpr auto kReadDelay = std::chrono::milliseconds(300);

std::mutex mutex_;
std::condition_variable wakeUp_;
int readsLeft_ = 0;       // guarded by mutex_
bool stopping_ = false;   // guarded by mutex_
bool filterRegistered_ = false;
std::thread thread_;

std::string ReadOrthancLevel()
{
  OrthancPluginMemoryBuffer buffer;
  if (OrthancPluginRestApiGet(PluginContext(), &buffer, "/tools/log-level") != OrthancPluginErrorCode_Success)
  {
    return "";  // the REST API is not up yet, or this Orthanc is too old to have the route
  }
  std::string level(static_cast<const char*>(buffer.data), buffer.size);
  OrthancPluginFreeMemoryBuffer(PluginContext(), &buffer);
  while (!level.empty() && (level.back() == '\n' || level.back() == ' '))
  {
    level.pop_back();
  }
  return level;
}

void Run()
{
  std::string current;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;)
  {
    wakeUp_.wait(lock, [] { return stopping_ || readsLeft_ > 0; });
    if (stopping_ || wakeUp_.wait_for(lock, kReadDelay, [] { return stopping_; }))
    {
      return;
    }
    readsLeft_--;
    lock.unlock();
    const std::string level = ReadOrthancLevel();
    if (!level.empty() && level != current)
    {
      current = level;
      GilHold gil;
      FollowOrthancLogLevel(level);
    }
    lock.lock();
  }
}

void ReadSoon()
{
  {
    std::lock_guard<std::mutex> lock(mutex_);
    readsLeft_ = kReadsPerChange;
  }
  wakeUp_.notify_all();
}

// Admits every request; only notes the ones that change Orthanc's log level.
int32_t NoticeLevelChange(OrthancPluginHttpMethod method, const char* uri, const char* /* ip */,
                          uint32_t /* headersCount */, const char* const* /* headersKeys */,
                          const char* const* /* headersValues */, uint32_t /* getArgumentsCount */,
                          const char* const* /* getArgumentsKeys */, const char* const* /* getArgumentsValues */)
{
  if (method == OrthancPluginHttpMethod_Put && uri != nullptr && std::strcmp(uri, "/tools/log-level") == 0)
  {
    ReadSoon();
  }
  return 1;
}

// Orthanc's REST API answers only once Orthanc has started.
OrthancPluginErrorCode NoticeStart(OrthancPluginChangeType change, OrthancPluginResourceType /* level */,
                                   const char* /* resource */)
{
  if (change == OrthancPluginChangeType_OrthancStarted)
  {
    ReadSoon();
  }
  return OrthancPluginErrorCode_Success;
}
}  // namespace

void StartFollowingLogLevel()
{
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  if (!filterRegistered_)
  {
    filterRegistered_ = true;
    OrthancPluginRegisterIncomingHttpRequestFilter2(PluginContext(), NoticeLevelChange);
    OrthancPluginRegisterOnChangeCallback(PluginContext(), NoticeStart);
  }
  thread_ = std::thread(Run);
}

void StopFollowingLogLevel()
{
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wakeUp_.notify_all();
  if (thread_.joinable())
  {
    thread_.join();
  }
  filterRegistered_ = false;  // Orthanc drops the plugin's registrations when it stops it
}
