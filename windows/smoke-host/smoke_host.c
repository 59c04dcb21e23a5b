/*
 * A smoke-test host for OrthancPython.dll on Windows (or under Wine).
 * It is NOT Orthanc: no Orthanc for Windows can run on the Linux build
 * machines, so this program plays the few parts of Orthanc that the plugin
 * needs at start-up and for one REST call, through the real SDK types of
 * OrthancCPlugin.h:
 *
 *   smoke_host.exe [--resets N] PLUGIN.dll CONFIGURATION.json [ROUTE URI [GROUP...]]
 *
 * It loads the plugin with LoadLibrary (as Orthanc does), checks its four
 * entry points, calls OrthancPluginInitialize with a context whose
 * InvokeService answers configuration, logging and registration services,
 * then, if ROUTE is given, calls the REST callback registered with exactly
 * that regular expression (no regex matching here: the caller passes the
 * groups) with a GET request for URI, prints the answer, and finalizes.
 * With --resets N, it then does it N times more, as Orthanc's in-process
 * restart (POST /tools/reset) does: FreeLibrary, LoadLibrary, a new context.
 *
 * Exit code: 0 when every step worked, else the number of the failed step.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <orthanc/OrthancCPlugin.h>

#define MAX_ROUTES 64

enum
{
  EXIT_USAGE = 1,
  EXIT_LOAD = 2,
  EXIT_ENTRY_POINTS = 3,
  EXIT_INITIALIZE = 4,
  EXIT_NO_ROUTE = 5,
  EXIT_CALLBACK = 6,
  EXIT_NO_ANSWER = 7
};

typedef int32_t (*InitializeFunction)(OrthancPluginContext*);
typedef void (*FinalizeFunction)(void);
typedef const char* (*StringFunction)(void);

typedef struct
{
  char* regex;
  OrthancPluginRestCallback callback;
} Route;

/* What Orthanc would keep about the plugin. */
static Route routes_[MAX_ROUTES];
static int routesCount_ = 0;
static char* configuration_ = NULL;

/* Stands for Orthanc's HTTP answer: OrthancPluginRestOutput is opaque to plugins. */
typedef struct
{
  int answered;
} HostOutput;

static char* CopyString(const char* text)
{
  const size_t size = strlen(text) + 1;
  char* copy = (char*) malloc(size);
  if (copy != NULL)
  {
    memcpy(copy, text, size);
  }
  return copy;
}

/* Plugins free what the host allocated through context->Free: the host's own
   C runtime must release it (the plugin may use another one). */
static void HostFree(void* buffer)
{
  free(buffer);
}

static const char* PropertyName(int32_t property)
{
  switch (property)
  {
    case _OrthancPluginProperty_Description: return "Description";
    case _OrthancPluginProperty_RootUri: return "RootUri";
    case _OrthancPluginProperty_OrthancExplorer: return "OrthancExplorer";
    default: return "?";
  }
}

static OrthancPluginErrorCode InvokeService(OrthancPluginContext* context,
                                            _OrthancPluginService service,
                                            const void* params)
{
  (void) context;
  switch (service)
  {
    case _OrthancPluginService_LogInfo:
      printf("[host] plugin info: %s\n", (const char*) params);
      return OrthancPluginErrorCode_Success;

    case _OrthancPluginService_LogWarning:
      printf("[host] plugin warning: %s\n", (const char*) params);
      return OrthancPluginErrorCode_Success;

    case _OrthancPluginService_LogError:
      printf("[host] plugin error: %s\n", (const char*) params);
      return OrthancPluginErrorCode_Success;

    case _OrthancPluginService_GetConfiguration:
    {
      const _OrthancPluginRetrieveDynamicString* p = (const _OrthancPluginRetrieveDynamicString*) params;
      *p->result = CopyString(configuration_);
      return *p->result != NULL ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_NotEnoughMemory;
    }

    case _OrthancPluginService_SetPluginProperty:
    {
      const _OrthancPluginSetPluginProperty* p = (const _OrthancPluginSetPluginProperty*) params;
      printf("[host] plugin \"%s\" sets %s: %s\n", p->plugin, PropertyName(p->property), p->value);
      return OrthancPluginErrorCode_Success;
    }

    case _OrthancPluginService_RegisterRestCallback:
    case _OrthancPluginService_RegisterRestCallbackNoLock:
    {
      const _OrthancPluginRestCallback* p = (const _OrthancPluginRestCallback*) params;
      if (routesCount_ == MAX_ROUTES)
      {
        return OrthancPluginErrorCode_NotEnoughMemory;
      }
      routes_[routesCount_].regex = CopyString(p->pathRegularExpression);
      routes_[routesCount_].callback = p->callback;
      routesCount_++;
      printf("[host] REST route registered%s: %s\n",
             service == _OrthancPluginService_RegisterRestCallbackNoLock ? " (no lock)" : "",
             p->pathRegularExpression);
      return OrthancPluginErrorCode_Success;
    }

    case _OrthancPluginService_GetErrorDescription:
    {
      const _OrthancPluginGetErrorDescription* p = (const _OrthancPluginGetErrorDescription*) params;
      *p->target = p->error == OrthancPluginErrorCode_Success ? "Success" : "Error reported by the smoke-test host";
      return OrthancPluginErrorCode_Success;
    }

    case _OrthancPluginService_AnswerBuffer:
    {
      const _OrthancPluginAnswerBuffer* p = (const _OrthancPluginAnswerBuffer*) params;
      HostOutput* output = (HostOutput*) p->output;
      printf("[host] REST answer (%s, %u bytes): %.*s\n", p->mimeType, (unsigned) p->answerSize,
             (int) p->answerSize, (const char*) p->answer);
      output->answered = 1;
      return OrthancPluginErrorCode_Success;
    }

    default:
      /* Orthanc would serve it; this host only knows what the smoke test needs. */
      printf("[host] service %d is not implemented by the smoke-test host\n", (int) service);
      return OrthancPluginErrorCode_NotImplemented;
  }
}

static char* ReadTextFile(const char* path)
{
  FILE* f = fopen(path, "rb");
  char* content = NULL;
  long size;
  if (f == NULL)
  {
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
  {
    content = (char*) malloc((size_t) size + 1);
    if (content != NULL && fread(content, 1, (size_t) size, f) == (size_t) size)
    {
      content[size] = '\0';
    }
    else
    {
      free(content);
      content = NULL;
    }
  }
  fclose(f);
  return content;
}

static int CallRoute(const char* regex, const char* uri, int groupsCount, const char* const* groups)
{
  /* A GET request with one GET argument and one header, as Orthanc's HTTP server would pass. */
  static const char* getKeys[] = { "smoke" };
  static const char* getValues[] = { "1" };
  static const char* headerKeys[] = { "user-agent" };
  static const char* headerValues[] = { "orthanc-python-smoke-host" };
  OrthancPluginHttpRequest request;
  HostOutput output = { 0 };
  OrthancPluginErrorCode code;
  int i;

  for (i = 0; i < routesCount_; i++)
  {
    if (strcmp(routes_[i].regex, regex) == 0)
    {
      break;
    }
  }
  if (i == routesCount_)
  {
    printf("[host] no REST callback was registered for %s\n", regex);
    return EXIT_NO_ROUTE;
  }

  memset(&request, 0, sizeof(request));
  request.method = OrthancPluginHttpMethod_Get;
  request.groupsCount = (uint32_t) groupsCount;
  request.groups = groups;
  request.getCount = 1;
  request.getKeys = getKeys;
  request.getValues = getValues;
  request.headersCount = 1;
  request.headersKeys = headerKeys;
  request.headersValues = headerValues;

  printf("[host] GET %s\n", uri);
  fflush(stdout);
  code = routes_[i].callback((OrthancPluginRestOutput*) &output, uri, &request);
  printf("[host] REST callback returned %d\n", (int) code);
  if (code != OrthancPluginErrorCode_Success)
  {
    return EXIT_CALLBACK;
  }
  return output.answered ? 0 : EXIT_NO_ANSWER;
}

/* One run of Orthanc: load, initialize, call the route, finalize, unload. */
static int RunOnce(int run, const char* path, int argc, char* argv[])
{
  OrthancPluginContext context;
  HMODULE plugin;
  InitializeFunction initialize;
  FinalizeFunction finalize;
  StringFunction getName, getVersion;
  int32_t status;
  int result = 0;
  int i;

  plugin = LoadLibraryA(path);
  if (plugin == NULL)
  {
    printf("[host] LoadLibrary(%s) failed with error %lu\n", path, (unsigned long) GetLastError());
    return EXIT_LOAD;
  }
  initialize = (InitializeFunction) (void (*)(void)) GetProcAddress(plugin, "OrthancPluginInitialize");
  finalize = (FinalizeFunction) (void (*)(void)) GetProcAddress(plugin, "OrthancPluginFinalize");
  getName = (StringFunction) (void (*)(void)) GetProcAddress(plugin, "OrthancPluginGetName");
  getVersion = (StringFunction) (void (*)(void)) GetProcAddress(plugin, "OrthancPluginGetVersion");
  if (initialize == NULL || finalize == NULL || getName == NULL || getVersion == NULL)
  {
    printf("[host] %s lacks one of the four plugin entry points\n", path);
    return EXIT_ENTRY_POINTS;
  }
  printf("[host] loaded plugin \"%s\" version %s\n", getName(), getVersion());

  memset(&context, 0, sizeof(context));
  context.orthancVersion = "1.10.1";  /* the Orthanc whose SDK header the plugin is built with here */
  context.Free = HostFree;
  context.InvokeService = InvokeService;

  if (run > 0)
  {
    printf("[host] restart %d\n", run);
  }
  status = initialize(&context);
  printf("[host] OrthancPluginInitialize returned %d\n", (int) status);
  if (status != 0)
  {
    result = EXIT_INITIALIZE;
  }
  else if (argc >= 3)
  {
    result = CallRoute(argv[1], argv[2], argc - 3, (const char* const*) (argv + 3));
  }

  finalize();
  printf("[host] OrthancPluginFinalize done\n");
  FreeLibrary(plugin);
  /* Orthanc forgets the unloaded plugin's registrations. */
  for (i = 0; i < routesCount_; i++)
  {
    free(routes_[i].regex);
  }
  routesCount_ = 0;
  return result;
}

int main(int argc, char* argv[])
{
  int resets = 0;
  int result = 0;
  int run;

  /* Unbuffered, so that the host's lines and Python's print() (another C
     runtime, same handle) come out in the order they were written. */
  setvbuf(stdout, NULL, _IONBF, 0);

  if (argc >= 3 && strcmp(argv[1], "--resets") == 0)
  {
    resets = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if ((argc != 3 && argc < 5) || resets < 0)
  {
    fprintf(stderr, "usage: %s [--resets N] PLUGIN.dll CONFIGURATION.json [ROUTE URI [GROUP...]]\n", argv[0]);
    return EXIT_USAGE;
  }
  configuration_ = ReadTextFile(argv[2]);
  if (configuration_ == NULL)
  {
    fprintf(stderr, "[host] cannot read the configuration %s\n", argv[2]);
    return EXIT_USAGE;
  }

  for (run = 0; run <= resets && result == 0; run++)
  {
    result = RunOnce(run, argv[1], argc - 2, argv + 2);
  }
  free(configuration_);
  printf("[host] exit code %d\n", result);
  return result;
}
