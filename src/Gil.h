// RAII guards for the global interpreter lock.
#pragma once

#include "PluginContext.h"
#include "PythonHeaders.h"
#include "PythonStack.h"

#include <atomic>

// Keeps one PyThreadState per non-Python thread that runs callbacks (Orthanc's
// HTTP, DICOM and job threads, the plugin's own threads), from its first
// callback until the thread ends (Gil.cpp).  PyGILState_Ensure() alone
// creates and deletes a state on each callback; with Python 3.11 that is a
// gettid(), an mmap() and a munmap() of the 16 KiB frame stack (a TLB
// shoot-down on every core) and the runtime's lock, which cost more than a
// small callback.
class ThreadStateKeeper
{
public:
  // Before taking the GIL on this thread: makes its state once.
  static void Keep();

  // At process exit, before Py_FinalizeEx() deletes the states still kept.
  static void Finalizing();
};

// Takes the GIL on a thread that Orthanc owns (callbacks), gives it back on
// exit.  Orthanc (or the plugin itself) enters Python on this thread for the
// current run, which the thread then belongs to (PluginContext.h).
class GilHold
{
public:
  GilHold() : state_((ThreadStateKeeper::Keep(), PyGILState_Ensure()))
  {
    bounds_.Enter();
    JoinRun();
  }
  ~GilHold()
  {
    bounds_.Leave();
    PyGILState_Release(state_);
  }
  GilHold(const GilHold&) = delete;
  GilHold& operator=(const GilHold&) = delete;

private:
  PyGILState_STATE state_;
  python_stack::StackBounds bounds_;
};

// Lets other Python threads run while this thread is in Orthanc (an SDK call).
// Arguments must be converted to C values before, results converted after.
// Controlled by the "Python.AllowThreads" option (on by default).
class GilRelease
{
public:
  GilRelease() : state_(enabled_.load(std::memory_order_relaxed) ? PyEval_SaveThread() : nullptr) {}
  ~GilRelease()
  {
    if (state_ != nullptr)
    {
      PyEval_RestoreThread(state_);
    }
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

  // At each start of Orthanc, while threads of the previous run may still call.
  static void SetEnabled(bool enabled) { enabled_.store(enabled, std::memory_order_relaxed); }

private:
  static inline std::atomic<bool> enabled_{true};
  PyThreadState* state_;
};
