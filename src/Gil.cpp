#include "Gil.h"

#include <mutex>

namespace
{
std::mutex finalizingMutex;
bool finalizing = false;  // guarded by finalizingMutex

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

// Defined in this one file: MinGW cannot link an inline thread_local with a
// destructor used from several files.
thread_local KeptThreadState keptThreadState;
}  // namespace

void ThreadStateKeeper::Keep()
{
  KeptThreadState& kept = keptThreadState;
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

void ThreadStateKeeper::Finalizing()
{
  std::lock_guard<std::mutex> lock(finalizingMutex);
  finalizing = true;
}
