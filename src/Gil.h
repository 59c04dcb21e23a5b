// RAII guards for the global interpreter lock.
#pragma once

#include "PythonHeaders.h"

#include <mutex>

// Keeps one PyThreadState per non-Python thread that runs callbacks (Orthanc's
// HTTP, DICOM and job threads, the plugin's own threads), from its first
// callback until the thread ends.  PyGILState_Ensure() alone creates and
// deletes a state on each callback; with Python 3.11 that is a gettid(), an
// mmap() and a munmap() of the 16 KiB frame stack (a TLB shoot-down on every
// core) and the runtime's lock, which cost more than a small callback.
namespace gil_detail
{
inline std::mutex finalizingMutex;
inline bool finalizing = false;  // guarded by finalizingMutex

struct KeptThreadState
{
  bool checked = false;
  PyThreadState* state = nullptr;

  ~KeptThreadState()  // the thread ends
  {
    if (state == nullptr)
    {
      return;
    }
    std::lock_guard<std::mutex> lock(finalizingMutex);
    if (!finalizing)  // else Py_FinalizeEx() has deleted it
    {
      PyEval_RestoreThread(state);
      PyGILState_Release(PyGILState_UNLOCKED);  // counter 1 -> 0: deletes the state, drops the GIL
    }
  }
};

inline thread_local KeptThreadState keptThreadState;
}  // namespace gil_detail

class ThreadStateKeeper
{
public:
  static void Keep()
  {
    gil_detail::KeptThreadState& kept = gil_detail::keptThreadState;
    if (!kept.checked)
    {
      kept.checked = true;
      if (PyGILState_GetThisThreadState() == nullptr)  // not a Python thread
      {
        PyGILState_Ensure();               // creates the state (gilstate counter 1)...
        kept.state = PyEval_SaveThread();  // ...which stays 1: it outlives each GilHold
      }
    }
  }

  // StopPython(), before Py_FinalizeEx() deletes the states still kept.
  static void Finalizing()
  {
    std::lock_guard<std::mutex> lock(gil_detail::finalizingMutex);
    gil_detail::finalizing = true;
  }
};

// Takes the GIL on a thread that Orthanc owns (callbacks), gives it back on exit.
class GilHold
{
public:
  GilHold() : state_((ThreadStateKeeper::Keep(), PyGILState_Ensure())) {}
  ~GilHold() { PyGILState_Release(state_); }
  GilHold(const GilHold&) = delete;
  GilHold& operator=(const GilHold&) = delete;

private:
  PyGILState_STATE state_;
};

// Lets other Python threads run while this thread is in Orthanc (an SDK call).
// Arguments must be converted to C values before, results converted after.
// Controlled by the "Python.AllowThreads" option (on by default).
class GilRelease
{
public:
  GilRelease() : state_(enabled_ ? PyEval_SaveThread() : nullptr) {}
  ~GilRelease()
  {
    if (state_ != nullptr)
    {
      PyEval_RestoreThread(state_);
    }
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

  static void SetEnabled(bool enabled) { enabled_ = enabled; }

private:
  static inline bool enabled_ = true;
  PyThreadState* state_;
};
