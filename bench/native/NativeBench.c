/* The limit: a minimal native plugin answering the benchmark's routes with
 * no interpreter in between (bench/run.py measures it beside the Python
 * plugins).  Its callbacks are registered without Orthanc's lock, as a
 * plugin that wants the most from the HTTP server would do. */
#include <orthanc/OrthancCPlugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LARGE_SIZE (10u << 20)

static OrthancPluginContext* context_ = NULL;
static char* large_ = NULL;

static OrthancPluginErrorCode Hello(OrthancPluginRestOutput* output, const char* url,
                                    const OrthancPluginHttpRequest* request)
{
  (void) url;
  (void) request;
  OrthancPluginAnswerBuffer(context_, output, "ok", 2, "text/plain");
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode Nested(OrthancPluginRestOutput* output, const char* url,
                                     const OrthancPluginHttpRequest* request)
{
  OrthancPluginMemoryBuffer answer;
  OrthancPluginErrorCode code;
  (void) url;
  (void) request;
  code = OrthancPluginRestApiGet(context_, &answer, "/system");
  if (code != OrthancPluginErrorCode_Success)
  {
    return code;
  }
  OrthancPluginAnswerBuffer(context_, output, (const char*) answer.data, answer.size, "application/json");
  OrthancPluginFreeMemoryBuffer(context_, &answer);
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode Large(OrthancPluginRestOutput* output, const char* url,
                                    const OrthancPluginHttpRequest* request)
{
  (void) url;
  (void) request;
  OrthancPluginAnswerBuffer(context_, output, large_, LARGE_SIZE, "application/octet-stream");
  return OrthancPluginErrorCode_Success;
}

static OrthancPluginErrorCode Body(OrthancPluginRestOutput* output, const char* url,
                                   const OrthancPluginHttpRequest* request)
{
  char text[32];
  int length;
  (void) url;
  length = snprintf(text, sizeof(text), "%u", (unsigned) request->bodySize);
  OrthancPluginAnswerBuffer(context_, output, text, (uint32_t) length, "text/plain");
  return OrthancPluginErrorCode_Success;
}

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  context_ = context;
  large_ = malloc(LARGE_SIZE);
  if (large_ == NULL)
  {
    return -1;
  }
  memset(large_, 'x', LARGE_SIZE);
  OrthancPluginRegisterRestCallbackNoLock(context, "/bench/hello", Hello);
  OrthancPluginRegisterRestCallbackNoLock(context, "/bench/nested", Nested);
  OrthancPluginRegisterRestCallbackNoLock(context, "/bench/large", Large);
  OrthancPluginRegisterRestCallbackNoLock(context, "/bench/body", Body);
  return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize(void)
{
  free(large_);
  large_ = NULL;
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetName(void)
{
  return "native-bench";
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion(void)
{
  return "1.0";
}
