// Access to the Orthanc context received in OrthancPluginInitialize(), and
// the gate that every call from Python into Orthanc goes through.
//
// Orthanc may stop and start the plugin several times in one process: POST
// /tools/reset calls OrthancPluginFinalize(), unloads the plugin, loads it
// again and calls OrthancPluginInitialize() with a new context.  Python keeps
// running across these restarts (Interpreter.h), so Python threads can
// outlive the Orthanc they called.  Each span from OrthancPluginInitialize()
// to OrthancPluginFinalize() is a "run".  A thread belongs to the run in
// which it first called Orthanc, or in which Orthanc last called it (a
// callback): the threads of an ended run may no longer call Orthanc.
#pragma once

#include <orthanc/OrthancCPlugin.h>

// The context of the running Orthanc.  Outside a run, a stand-in whose every
// service fails (OrthancPluginErrorCode_BadSequenceOfCalls), so that a late
// call from C++ never reaches an Orthanc that has unloaded the plugin.
OrthancPluginContext* PluginContext();

// OrthancPluginInitialize(): a new run with `context`; the calling thread
// (Orthanc's main thread) belongs to it.
void StartRun(OrthancPluginContext* context);

// OrthancPluginFinalize(), or a failed OrthancPluginInitialize(), without the
// GIL: refuses new calls from Python, waits (bounded) for the calls still in
// Orthanc, then PluginContext() is the stand-in.
void EndRun();

// True while PluginContext() is a running Orthanc's (until EndRun() has
// waited for the calls in flight): the plugin's own messages go to Orthanc's
// log then, else to stderr.
bool OrthancReachable();

// Orthanc runs a callback on this thread (or the plugin's own thread enters
// Python for the current run): the thread belongs to the current run.
void JoinRun();

// One call from Python into Orthanc, held for its whole duration (with the
// GIL when it starts and ends).  Every function and method of the orthanc
// module holds one: the generated wrappers and the trampolines of the
// hand-written ones.  A refused call sets orthanc.OrthancException
// (BadSequenceOfCalls) with a message that says why.
class OrthancCall
{
public:
  OrthancCall();

  // A deallocator freeing an SDK handle: refused, without an exception, only
  // outside a run (a handle of an ended run is then left to the process).
  struct Release
  {
  };
  explicit OrthancCall(Release);

  ~OrthancCall();
  OrthancCall(const OrthancCall&) = delete;
  OrthancCall& operator=(const OrthancCall&) = delete;

  explicit operator bool() const { return admitted_; }

private:
  bool admitted_;
};
