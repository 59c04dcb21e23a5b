// Runs Python on a big enough C stack.
//
// Orthanc's HTTP threads (civetweb) have 100 KiB stacks on Debian, while
// Python's recursion limit (1000) assumes megabytes: C-level recursion in a
// callback (json.dumps of nested data, repr, pickle, Python -> C -> Python
// calls) overflows them and crashes Orthanc.  On such threads the callback
// runs on a per-thread 8 MiB stack (mmap'd, committed lazily, guard page),
// switched to by a few instructions on x86-64 Linux (PythonStack.cpp), by
// swapcontext() elsewhere.  Python 3.8-3.13 count recursion and
// never look at the stack pointer; 3.14 compares it with the thread's stack
// bounds, so while Python runs on this stack it is given this stack's bounds
// (StackBounds, used by GilHold).
#pragma once

#include "PythonHeaders.h"

// x86-64 Linux switches stacks with PythonStack.cpp's few instructions;
// elsewhere (and with -DORTHANC_PYTHON_UCONTEXT_STACK) with ucontext.
#if defined(__x86_64__) && defined(__linux__) && !defined(ORTHANC_PYTHON_UCONTEXT_STACK)
#define ORTHANC_PYTHON_STACK_ASM 1
#else
#define ORTHANC_PYTHON_STACK_ASM 0
#endif

#ifdef _WIN32

namespace python_stack
{
// Windows threads get 1 MiB stacks (Orthanc's too): used as they are.
template <typename Function>
auto Run(Function&& f) -> decltype(f())
{
  return f();
}

class StackBounds
{
public:
  void Enter() {}
  void Leave() {}
};
}  // namespace python_stack

#else

#include <cstdint>
#include <dlfcn.h>
#include <exception>
#include <pthread.h>
#include <sys/mman.h>
#include <type_traits>
#include <ucontext.h>
#include <unistd.h>

namespace python_stack
{
constexpr size_t kSize = size_t(8) << 20;
constexpr size_t kMinimum = size_t(1) << 20;  // smaller stacks are switched

struct ThreadStack
{
  bool checked = false;
  char* base = nullptr;  // nullptr: the thread's own stack is used

  ~ThreadStack()
  {
    if (base != nullptr)
    {
      munmap(base, kSize);
    }
  }
};

inline thread_local ThreadStack threadStack;
inline thread_local char* runningOn = nullptr;  // the big stack while a callback runs on it

// Python 3.14 checks the stack pointer against the bounds it read from the
// thread (pthread): on the big stack, Python is given its bounds while this
// thread holds the GIL, and the thread's own bounds back after (outermost
// GilHold only). PyUnstable_ThreadState_SetStackProtection came in a 3.14
// bug-fix release: looked up at run time, so that an older 3.14 still loads
// the plugin (then deep C recursion on these threads is not caught).
class StackBounds
{
public:
  void Enter()
  {
#if PY_VERSION_HEX >= 0x030E0000
    if (runningOn == nullptr || depth_++ > 0)
    {
      return;
    }
    static const auto set = reinterpret_cast<int (*)(PyThreadState*, void*, size_t)>(
        dlsym(RTLD_DEFAULT, "PyUnstable_ThreadState_SetStackProtection"));
    if (set != nullptr)
    {
      const size_t guard = static_cast<size_t>(sysconf(_SC_PAGESIZE));
      if (set(PyThreadState_Get(), runningOn + guard, kSize - guard) == 0)
      {
        set_ = true;
      }
      else
      {
        PyErr_Clear();
      }
    }
#endif
  }

  void Leave()
  {
#if PY_VERSION_HEX >= 0x030E0000
    if (runningOn == nullptr || depth_ == 0 || --depth_ > 0 || !set_)
    {
      return;
    }
    static const auto reset = reinterpret_cast<void (*)(PyThreadState*)>(
        dlsym(RTLD_DEFAULT, "PyUnstable_ThreadState_ResetStackProtection"));
    if (reset != nullptr)
    {
      reset(PyThreadState_Get());
    }
    set_ = false;
#endif
  }

private:
  static inline thread_local int depth_ = 0;
  static inline thread_local bool set_ = false;
};

inline size_t CurrentStackSize()
{
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0)
  {
    return 0;
  }
  void* address = nullptr;
  size_t size = 0;
  pthread_attr_getstack(&attr, &address, &size);
  pthread_attr_destroy(&attr);
  return size;
}

inline char* StackOfThisThread()
{
  ThreadStack& stack = threadStack;
  if (!stack.checked)
  {
    stack.checked = true;
    const size_t current = CurrentStackSize();
    if (current != 0 && current < kMinimum)
    {
      void* memory = mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
      if (memory != MAP_FAILED)
      {
        mprotect(memory, static_cast<size_t>(sysconf(_SC_PAGESIZE)), PROT_NONE);  // guard page
        stack.base = static_cast<char*>(memory);
      }
    }
  }
  return stack.base;
}

#if ORTHANC_PYTHON_STACK_ASM
extern "C" void orthanc_python_call_on_stack(char* top, void (*function)(void*), void* argument);
#endif

template <typename Function>
struct Call
{
  Function* function;
  decltype((*function)()) result{};
  std::exception_ptr error;

  static void Run(void* self) noexcept
  {
    auto* call = static_cast<Call*>(self);
    try
    {
      call->result = (*call->function)();
    }
    catch (...)
    {
      call->error = std::current_exception();
    }
  }

  // makecontext() passes int arguments only.
  static void RunHalves(unsigned int high, unsigned int low)
  {
    Run(reinterpret_cast<void*>((static_cast<uintptr_t>(high) << 32) | low));
  }  // returns to uc_link
};

// f() on a big stack; f's result is default-constructible and copyable.
template <typename Function>
auto Run(Function&& f) -> decltype(f())
{
  char* base = StackOfThisThread();
  char here;
  if (base == nullptr || (&here >= base && &here < base + kSize))  // big enough, or nested
  {
    return f();
  }
  using Self = Call<std::remove_reference_t<Function>>;
  Self call{&f, {}, nullptr};
  runningOn = base;
#if ORTHANC_PYTHON_STACK_ASM
  orthanc_python_call_on_stack(base + kSize, &Self::Run, &call);
#else
  ucontext_t caller;
  ucontext_t callee;
  getcontext(&callee);
  callee.uc_stack.ss_sp = base;
  callee.uc_stack.ss_size = kSize;
  callee.uc_link = &caller;
  const uintptr_t pointer = reinterpret_cast<uintptr_t>(&call);
  makecontext(&callee, reinterpret_cast<void (*)()>(&Self::RunHalves), 2,
              static_cast<unsigned int>(pointer >> 32), static_cast<unsigned int>(pointer & 0xffffffffu));
  swapcontext(&caller, &callee);
#endif
  runningOn = nullptr;
  if (call.error)
  {
    std::rethrow_exception(call.error);
  }
  return call.result;
}
}  // namespace python_stack

#endif  // _WIN32
