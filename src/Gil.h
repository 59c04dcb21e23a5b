// RAII guards for the global interpreter lock.
#pragma once

#include "PythonHeaders.h"

// Takes the GIL on a thread that Orthanc owns (callbacks), gives it back on exit.
class GilHold
{
public:
  GilHold() : state_(PyGILState_Ensure()) {}
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
