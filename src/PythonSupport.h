// The plugin's Python-side helpers (PythonSupport.cpp): logging bridge,
// event loop for async callbacks, import of the scripts.  All with the GIL held.
#pragma once

#include "PyRef.h"

#include <string>
#include <utility>
#include <vector>

// The `_orthanc_plugin` module, made on first use (empty with an exception set on failure).
PyRef SupportModule();

// Adds the handler that sends Python's logging to Orthanc's log, its level
// following Orthanc's ("default", "verbose" or "trace" at start).  Throws std::runtime_error.
void StartLoggingBridge(const std::string& orthancLevel);

// Orthanc's verbosity changed ("default", "verbose", "trace"): the bridge's level follows.
void FollowOrthancLogLevel(const std::string& level);

// Orthanc stops the plugin: stops the event loop of async callbacks (a
// callback of the next run starts another).
void StopEventLoop();

// Orthanc stops the plugin: takes the logging bridge's handler off (the next
// run adds its own).
void StopLoggingBridge();

// At process exit, before Python is finalized: drops the plugin's reference to the module.
void ReleaseSupport();

// The file name of the script that defines `callable`, for messages.
std::string ScriptOf(PyObject* callable);

// Imports the scripts, (module name, path) in order; `fresh` re-imports them
// from source and puts the previous modules back if one fails.  False with
// the exception set on failure.
bool ImportScripts(const std::vector<std::pair<std::string, std::string>>& scripts, bool fresh);

// Orthanc stops the plugin, the scripts' callables dropped: removes the
// scripts' modules (module name, path) from sys.modules, shuts down the
// process pools and executors of their globals and collects what only they
// referenced.  Reports a failure in the log.
void EndScripts(const std::vector<std::pair<std::string, std::string>>& scripts);

// "Python.AsyncTimeout": how long a callback waits for its coroutine.
void SetAsyncTimeout(double seconds);

// True for what an `async def` callback returns (a coroutine, a task, a future).
inline bool IsAwaitable(PyObject* object)
{
  PyAsyncMethods* async = Py_TYPE(object)->tp_as_async;  // the C-level test: no attribute lookup
  return async != nullptr && async->am_await != nullptr;
}

// If a callback returned an awaitable (an `async def` callback), runs it on
// the plugin's event loop and returns its result (empty with the exception
// set if it raised or timed out); other results are returned as they are.
// `where` names the callback in the timeout message.
PyRef AwaitIfCoroutine(PyRef result, const std::string& where);

// True if the pending exception is the timeout of a callback's coroutine.
bool IsCoroutineTimeoutPending();
