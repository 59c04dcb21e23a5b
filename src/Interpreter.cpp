#include "Interpreter.h"

#include "Errors.h"
#include "FileSystem.h"
#include "Gil.h"
#include "Log.h"
#include "Module.h"
#include "PluginContext.h"
#include "PythonSupport.h"
#include "PyRef.h"
#include "VirtualEnv.h"
#include "callbacks/CallbackList.h"
#include "callbacks/Callbacks.h"

#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <dlfcn.h>
#endif

namespace
{
PyThreadState* mainThreadState_ = nullptr;

#ifndef _WIN32
std::string PythonVersion()
{
  return std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);
}
#endif

using file_system::Directory;
using file_system::IsFile;

std::string FileName(const std::string& path)
{
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The file holding the Python runtime this plugin is linked to
// (libpython3.X.so, pythonXY.dll), found from one of its symbols.
std::string PythonLibraryPath()
{
  return file_system::ModuleFileContaining(reinterpret_cast<const void*>(&Py_InitializeFromConfig));
}

// C extensions (numpy, Pillow, pydicom's helpers) expect the Python symbols
// to be global, as in the python executable.  Orthanc loads plugins with
// local symbols, so libpython is loaded again, globally, and kept loaded
// even when Orthanc unloads the plugin (Python threads may still be parked in it).
void MakePythonSymbolsGlobal(const std::string& libraryPath)
{
#ifndef _WIN32
  if (!libraryPath.empty() &&
      dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD | RTLD_NODELETE) == nullptr)
  {
    LogWarning("Python plugin: cannot make the symbols of " + libraryPath + " global (" + dlerror() +
               "); C extensions may fail to import");
  }
#else
  (void) libraryPath;
#endif
}

// A real interpreter of the same Python, for sys.executable: Python derives
// its prefix (the standard library) from it, and multiprocessing's "spawn"
// runs it.  Next to the library first (relocatable installs: <prefix>/lib,
// or a Debian-style multiarch <prefix>/lib/<triplet>), then the interpreter
// the plugin was built with.
std::string FindInterpreter(const std::string& libraryPath)
{
  if (!libraryPath.empty())
  {
    const std::string libraryDir = Directory(libraryPath);
#ifdef _WIN32
    const std::string candidates[] = {libraryDir + "\\python.exe"};
#else
    const std::string name = "/bin/python" + PythonVersion();
    const std::string candidates[] = {Directory(libraryDir) + name, Directory(Directory(libraryDir)) + name};
#endif
    for (const std::string& candidate : candidates)
    {
      if (IsFile(candidate))
      {
        return candidate;
      }
    }
  }
#ifdef ORTHANC_PYTHON_BUILD_INTERPRETER
  if (IsFile(ORTHANC_PYTHON_BUILD_INTERPRETER))
  {
    return ORTHANC_PYTHON_BUILD_INTERPRETER;
  }
#endif
  return "";
}

void CheckStatus(PyStatus status, PyConfig& config, const char* what)
{
  if (PyStatus_Exception(status))
  {
    PyConfig_Clear(&config);
    throw std::runtime_error(std::string(what) + ": " +
                             (status.err_msg != nullptr ? status.err_msg : "unknown error"));
  }
}

void InitializeInterpreter(const PluginOptions& options, const std::string& interpreter)
{
  if (PyImport_AppendInittab("orthanc", PyInitOrthancModule) < 0)
  {
    throw std::runtime_error("cannot register the orthanc module");
  }

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;  // Ctrl-C and SIGTERM belong to Orthanc
  config.parse_argv = 0;
  config.buffered_stdio = 0;           // print() reaches Orthanc's log at once
  config.verbose = options.verbose ? 1 : 0;
  if (!interpreter.empty())
  {
    CheckStatus(PyConfig_SetBytesString(&config, &config.program_name, interpreter.c_str()), config,
                "cannot set the program name");
    CheckStatus(PyConfig_SetBytesString(&config, &config.executable, interpreter.c_str()), config,
                "cannot set sys.executable");
  }
  CheckStatus(Py_InitializeFromConfig(&config), config, "cannot initialize Python");
  PyConfig_Clear(&config);
}

// A child that multiprocessing forks from Orthanc's process inherits the C
// handlers that Orthanc installed for SIGTERM, SIGINT, SIGHUP and SIGQUIT,
// which only ask Orthanc to stop: such a child would survive
// Pool.terminate(), whose join() would then wait forever.  Forked children
// get the handlers of a Python program back.  ('spawn' and 'forkserver'
// children exec a new interpreter, which resets them anyway.)  Until the
// child has run its after-fork hook it still has Orthanc's handlers, so
// these signals are blocked across fork(): one sent at once to a new child
// (Pool.terminate() right after the pool started, the child not yet
// scheduled) stays pending until the child has reset the handlers, instead
// of being swallowed by Orthanc's handler.
void ResetSignalsInForkedChildren()
{
  static const char kCode[] =
      "import os, signal, threading\n"
      "_names = ('SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGINT')\n"
      "_signals = {getattr(signal, n) for n in _names if hasattr(signal, n)}\n"
      "_saved = threading.local()  # the mask of the forking thread\n"
      "def _orthanc_before_fork():\n"
      "    _saved.mask = signal.pthread_sigmask(signal.SIG_BLOCK, _signals)\n"
      "def _orthanc_after_fork_in_parent():\n"
      "    mask = getattr(_saved, 'mask', None)\n"
      "    if mask is not None:\n"
      "        _saved.mask = None\n"
      "        signal.pthread_sigmask(signal.SIG_SETMASK, mask)\n"
      "def _orthanc_after_fork_in_child():\n"
      "    for name in ('SIGTERM', 'SIGHUP', 'SIGQUIT'):\n"
      "        if hasattr(signal, name):\n"
      "            signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
      "    signal.signal(signal.SIGINT, signal.default_int_handler)\n"
      "    _orthanc_after_fork_in_parent()\n"
      "if hasattr(os, 'register_at_fork') and hasattr(signal, 'pthread_sigmask'):\n"
      "    os.register_at_fork(before=_orthanc_before_fork, after_in_parent=_orthanc_after_fork_in_parent,\n"
      "                        after_in_child=_orthanc_after_fork_in_child)\n"
      // Python 3.14 made forkserver the default on Linux: its server imports the
      // script's module by name, outside Orthanc, where `import orthanc` fails,
      // so the Orthanc Book's Pool samples would break. 'fork' stays the default
      // (not set: a script may still choose with set_start_method()).
      "import sys\n"
      "if sys.version_info >= (3, 14) and sys.platform.startswith('linux'):\n"
      "    import multiprocessing.context as _context\n"
      "    if _context._default_context._actual_context is None:\n"
      "        _context._default_context._default_context = _context._concrete_contexts['fork']\n";
  PyRef globals = PyRef::Steal(PyDict_New());
  const bool ok = globals && PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins()) == 0 &&
                  PyRef::Steal(PyRun_String(kCode, Py_file_input, globals.get(), globals.get()));
  if (!ok)
  {
    ReportPythonError("the set-up of multiprocessing (fork)");
    throw std::runtime_error("cannot prepare Python for multiprocessing");
  }
}

// The scripts of "PythonScript", as (module name, path), in import order.
std::vector<std::pair<std::string, std::string>> scripts_;

// Checks the paths of "PythonScript" (each exists, is a .py, none hides the
// orthanc module, no two share a module name); throws with the fix.
std::vector<std::pair<std::string, std::string>> CheckScripts(const std::vector<std::string>& paths)
{
  std::vector<std::pair<std::string, std::string>> scripts;
  for (size_t i = 0; i < paths.size(); i++)
  {
    const std::string& script = paths[i];
    const std::string which = paths.size() > 1 ? " (item " + std::to_string(i + 1) + " of \"PythonScript\")" : "";
    if (FileName(script) == "orthanc.py")
    {
      throw std::runtime_error("the Python script must not be named orthanc.py, as it would hide the orthanc "
                               "module: rename " + script + which);
    }
    if (script.size() < 4 || script.compare(script.size() - 3, 3, ".py") != 0)
    {
      throw std::runtime_error("the Python script must be a .py file: " + script + which);
    }
    if (!IsFile(script))
    {
      throw std::runtime_error("the Python script does not exist: " + script + which +
                               " (check the \"PythonScript\" option; relative paths start from Orthanc's "
                               "working directory)");
    }
    const std::string file = FileName(script);
    const std::string moduleName = file.substr(0, file.size() - 3);
    for (const auto& [otherName, otherPath] : scripts)
    {
      if (otherName == moduleName)
      {
        throw std::runtime_error("the Python scripts " + otherPath + " and " + script +
                                 " would both be imported as module '" + moduleName +
                                 "': each script is its own module, rename one of them");
      }
    }
    scripts.emplace_back(moduleName, script);
  }
  return scripts;
}

// Imports the scripts as modules, in order, each with its folder on sys.path;
// `fresh`: again from their source (a run of Orthanc after a reset).
void ImportAll(const std::vector<std::pair<std::string, std::string>>& scripts, bool fresh)
{
  for (const auto& script : scripts)
  {
    if (!ImportScripts({script}, fresh))
    {
      ReportPythonError(("the import of the script " + script.second).c_str());
      throw std::runtime_error("the Python script " + script.second +
                               " could not be imported (see the traceback above); fix it and restart Orthanc");
    }
  }
}

// Orthanc's verbosity at start, from its command line ("--verbose", "--trace").
std::string OrthancLogLevelAtStart()
{
  std::string level = "default";
  OrthancPluginContext* context = PluginContext();
  const uint32_t count = OrthancPluginGetCommandLineArgumentsCount(context);
  for (uint32_t i = 0; i < count; i++)
  {
    char* argument = OrthancPluginGetCommandLineArgument(context, i);
    if (argument == nullptr)
    {
      continue;
    }
    const std::string text(argument);
    OrthancPluginFreeString(context, argument);
    if (text == "--trace")
    {
      level = "trace";
    }
    else if (text == "--verbose" && level != "trace")
    {
      level = "verbose";
    }
  }
  return level;
}

// "Python.DisplayMemoryUsage": logs the memory Python allocated (tracemalloc) every few seconds.
class MemoryUsageReporter
{
public:
  void Start()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = false;  // stopped by a previous run of Orthanc
    }
    PyRef tracemalloc = PyRef::Steal(PyImport_ImportModule("tracemalloc"));
    PyRef started = tracemalloc ? PyRef::Steal(PyObject_CallMethod(tracemalloc.get(), "start", nullptr)) : PyRef();
    if (!started)
    {
      ReportPythonError("the start of tracemalloc (Python.DisplayMemoryUsage)");
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }

  void Stop()
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
  }

private:
  void Run()
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wakeUp_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; }))
    {
      GilHold gil;
      PyRef tracemalloc = PyRef::Steal(PyImport_ImportModule("tracemalloc"));
      PyRef usage = tracemalloc ? PyRef::Steal(PyObject_CallMethod(tracemalloc.get(), "get_traced_memory", nullptr))
                                : PyRef();
      long long current = 0;
      long long peak = 0;
      if (!usage || !PyArg_ParseTuple(usage.get(), "LL", &current, &peak))
      {
        ReportPythonError("Python.DisplayMemoryUsage");
        continue;
      }
      LogWarning("Python memory usage: " + std::to_string(current / 1024) + " KiB (peak " +
                 std::to_string(peak / 1024) + " KiB)");
    }
  }

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool stopping_ = false;
};

MemoryUsageReporter memoryUsage_;

#ifndef _WIN32
// Non-daemon Python threads still alive (Py_FinalizeEx would wait for them forever).
std::string LiveThreads()
{
  PyRef threading = PyRef::Steal(PyImport_ImportModule("threading"));
  PyRef names = threading ? PyRef::Steal(PyRun_String(
                                "', '.join(t.name for t in threading.enumerate() "
                                "if not t.daemon and t is not threading.main_thread())",
                                Py_eval_input, PyModule_GetDict(threading.get()), nullptr))
                          : PyRef();
  if (!names)
  {
    PyErr_Clear();
    return "";
  }
  const char* text = PyUnicode_AsUTF8(names.get());
  return text != nullptr ? text : "";
}
#endif

// What the first run's options fixed for the whole process.
struct StartedWith
{
  std::string virtualEnv;
  bool verbose = false;
};
StartedWith startedWith_;

// Python keeps references into this library for as long as it runs (the
// orthanc module's functions and types, the code of every callback), and it
// runs across Orthanc's restarts, which unload the plugin: the library stays
// loaded until the process exits, and its state (this Python) with it.
void KeepPluginLoaded()
{
#ifdef _WIN32
  HMODULE module = nullptr;
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                          reinterpret_cast<LPCSTR>(&KeepPluginLoaded), &module))
  {
    throw std::runtime_error("cannot keep the plugin's DLL loaded (GetModuleHandleEx: error " +
                             std::to_string(GetLastError()) + ")");
  }
#else
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&KeepPluginLoaded), &info) == 0 || info.dli_fname == nullptr)
  {
    throw std::runtime_error("cannot keep the plugin's library loaded: dladdr() does not find it");
  }
  if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == nullptr)
  {
    const char* error = dlerror();
    throw std::runtime_error(std::string("cannot keep the plugin's library loaded: ") +
                             (error != nullptr ? error : info.dli_fname));
  }
#endif
}

#ifndef _WIN32
// The process exits (after Orthanc's last OrthancPluginFinalize(), which
// cannot be told apart from a reset's): Python ends as a Python program
// does, its non-daemon threads joined, its atexit handlers run (multiprocessing
// stops its pools there), its streams flushed.  Orthanc is gone by then: a
// call into it raises orthanc.OrthancException, and the plugin's own lines
// go to stderr.
void FinalizePythonAtExit()
{
  if (mainThreadState_ == nullptr)
  {
    return;
  }
  ThreadStateKeeper::Finalizing();
  PyEval_RestoreThread(mainThreadState_);
  mainThreadState_ = nullptr;
  ForgetPythonCallbacks();  // already done by OrthancPluginFinalize(), unless Orthanc exited without it
  ReleaseSupport();

  const std::string threads = LiveThreads();
  if (!threads.empty())
  {
    // Finalizing would wait for these threads forever.  The GIL stays taken,
    // so they never run again; the process is about to exit.
    LogWarning("Python plugin: Python threads still running at exit (" + threads +
               "); the interpreter is left without finalization");
    return;
  }
  if (Py_FinalizeEx() < 0)
  {
    LogWarning("Python plugin: errors while finalizing Python (buffered data may be lost)");
  }
}
#endif

// The first run of Orthanc with scripts: Python starts, for the process.
// Returns with the GIL held.
void StartInterpreter(const PluginOptions& options)
{
  // Checked before Python starts: a wrong venv stops the plugin with one message.
  const std::optional<VirtualEnv> venv = FindVirtualEnv(options.virtualEnv);

  const std::string library = PythonLibraryPath();
  MakePythonSymbolsGlobal(library);
  const std::string interpreter = FindInterpreter(library);
  KeepPluginLoaded();

  const std::string version = Py_GetVersion();
#ifdef Py_GIL_DISABLED
  const char* const build = " (free-threaded: no GIL)";
#else
  const char* const build = "";
#endif
  LogWarning("Python plugin: using Python " + version.substr(0, version.find(' ')) + build + " from " +
             (library.empty() ? "(unknown)" : library));
  InitializeInterpreter(options, interpreter);
  LogWarning("Python plugin: sys.executable is " + (interpreter.empty() ? "(not found)" : interpreter));
  startedWith_ = {options.virtualEnv, options.verbose};
#ifndef _WIN32
  // On Windows, a DLL's exit handlers run once the process has terminated
  // its other threads (DLL_PROCESS_DETACH), where finalizing Python could
  // wait for a lock that a terminated thread held: Python is left as it is.
  std::atexit(FinalizePythonAtExit);
#endif
  try
  {
    if (venv)
    {
      ActivateVirtualEnv(*venv);
    }
    ResetSignalsInForkedChildren();
  }
  catch (...)
  {
    mainThreadState_ = PyEval_SaveThread();
    throw;
  }
}

// What a later run's options cannot change: Python was set up by the first.
void WarnAboutFixedOptions(const PluginOptions& options)
{
  if (options.virtualEnv != startedWith_.virtualEnv)
  {
    LogWarning("Python plugin: the change of \"Python.VirtualEnv\" takes effect when Orthanc's process "
               "starts again (Python keeps running across POST /tools/reset)");
  }
  if (options.verbose != startedWith_.verbose)
  {
    LogWarning("Python plugin: the change of \"PythonVerbose\" takes effect when Orthanc's process starts "
               "again (Python keeps running across POST /tools/reset)");
  }
}
}  // namespace

void StartScripts(const PluginOptions& options)
{
  const std::vector<std::pair<std::string, std::string>> scripts = CheckScripts(options.scripts);
  const bool first = !PythonStarted();
  GilRelease::SetEnabled(options.allowThreads);
  for (const auto& script : scripts)
  {
    LogWarning("Python plugin: script \"" + FileName(script.second) + "\" from directory " +
               Directory(script.second));
  }
  if (first)
  {
    StartInterpreter(options);  // the GIL is held from here
  }
  else
  {
    WarnAboutFixedOptions(options);
    LogWarning("Python plugin: Python keeps running since Orthanc's previous start; the scripts are "
               "imported again");
    PyEval_RestoreThread(mainThreadState_);
  }

  if (options.displayMemoryUsage)
  {
    memoryUsage_.Start();
  }
  try
  {
    SetAsyncTimeout(options.asyncTimeout);
    if (options.logging)
    {
      StartLoggingBridge(OrthancLogLevelAtStart());
    }
    scripts_ = scripts;  // also what a failed import leaves to end
    ImportAll(scripts, !first);
  }
  catch (...)
  {
    mainThreadState_ = PyEval_SaveThread();
    throw;
  }
  mainThreadState_ = PyEval_SaveThread();
}

bool PythonStarted()
{
  return mainThreadState_ != nullptr;
}

void StopScripts()
{
  if (mainThreadState_ == nullptr)
  {
    return;
  }
  memoryUsage_.Stop();
  PyEval_RestoreThread(mainThreadState_);
  StopEventLoop();
  // The callables first: they hold the scripts' globals.  What the scripts
  // kept then goes with their modules, while Orthanc still answers the
  // finalizers that call it.
  ForgetPythonCallbacks();
  EndScripts(scripts_);
  StopLoggingBridge();
  mainThreadState_ = PyEval_SaveThread();
}

void ForgetScripts()
{
  if (mainThreadState_ == nullptr)
  {
    return;
  }
  PyEval_RestoreThread(mainThreadState_);
  ForgetPythonCallbacks();  // what a thread registered during the stop
  mainThreadState_ = PyEval_SaveThread();
}

bool ReloadScripts(std::string& report)
{
  Forgettable::SaveAll();
  reloadInProgress = true;
  const bool imported = ImportScripts(scripts_, true);
  reloadInProgress = false;
  if (!imported)
  {
    report = TakePythonError();
    Forgettable::RestoreAll();
    return false;
  }
  Forgettable::DiscardAll();
  report = "reloaded";
  for (const auto& script : scripts_)
  {
    report += " " + FileName(script.second);
  }
  return true;
}
