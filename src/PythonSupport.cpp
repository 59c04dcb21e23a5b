// The plugin's own Python helpers (module `_orthanc_plugin`): the bridge from
// Python's logging to Orthanc's log, the event loop that runs `async def`
// callbacks, and the re-import of the scripts.  Written in Python because
// they drive Python libraries (logging, asyncio, importlib).
#include "PythonSupport.h"

#include "Errors.h"
#include "PyRef.h"

#include <stdexcept>
#include <string>

namespace
{
const char kModuleName[] = "_orthanc_plugin";

const char kCode[] = R"PY(
import logging
import sys
import threading

import orthanc

# ---- logging -> Orthanc's log ----------------------------------------------

_ORTHANC_LEVELS = {"default": logging.WARNING, "verbose": logging.INFO, "trace": logging.DEBUG}


def _log_message_function():
    # Orthanc 1.12.4+ takes a level and a category (GENERIC: the SDK reserves PLUGINS for Orthanc itself).
    log = getattr(orthanc, "LogMessage", None)
    if log is None or not hasattr(orthanc, "LogCategory") or not hasattr(orthanc, "LogLevel"):
        return None
    return log


class OrthancLogHandler(logging.Handler):
    """Writes each record to Orthanc's log: ERROR and CRITICAL as errors,
    WARNING as warnings, INFO as info, DEBUG as trace."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self._log_message = _log_message_function()

    def emit(self, record):
        try:
            line = self.format(record)
            level = record.levelno
            if self._log_message is not None:
                try:
                    if level >= logging.ERROR:
                        orthanc_level = orthanc.LogLevel.ERROR
                    elif level >= logging.WARNING:
                        orthanc_level = orthanc.LogLevel.WARNING
                    elif level >= logging.INFO:
                        orthanc_level = orthanc.LogLevel.INFO
                    else:
                        orthanc_level = orthanc.LogLevel.TRACE
                    self._log_message(line, "python", record.pathname or "", record.lineno or 0,
                                      orthanc.LogCategory.GENERIC, orthanc_level)
                    return
                except orthanc.OrthancException as error:
                    if _refused(error):
                        raise
                    self._log_message = None  # this Orthanc is older than the SDK: fall back below
            if level >= logging.ERROR:
                orthanc.LogError(line)
            elif level >= logging.WARNING:
                orthanc.LogWarning(line)
            elif level >= logging.INFO:
                orthanc.LogInfo(line)
            else:
                orthanc.LogInfo("[DEBUG] " + line)  # shown only when Orthanc traces (level sync)
        except orthanc.OrthancException as error:
            if not _refused(error):
                self.handleError(record)
            elif record.levelno >= logging.WARNING:
                # Orthanc is stopping or restarting, or this thread is one of a
                # previous run (orthanc.OrthancException tells which): stderr.
                sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _refused(error):
    """True if Orthanc refused a call because it is not running for this thread."""
    return bool(error.args) and error.args[0] == orthanc.ErrorCode.BAD_SEQUENCE_OF_CALLS


_handler = None
_managed_level = None  # the root level the bridge set last; None: the script took over


def _set_root_level(level):
    global _managed_level
    root = logging.getLogger()
    if _handler not in root.handlers or (_managed_level is not None and root.level != _managed_level):
        _managed_level = None  # the script configured logging itself: its configuration wins
        return False
    if root.level != level:
        root.setLevel(level)
    _managed_level = level
    return True


def follow_orthanc_level(name):
    """Orthanc's verbosity is `name` ("default", "verbose", "trace"): the root
    level follows it, unless the script configured logging itself."""
    if _handler is not None and name in _ORTHANC_LEVELS:
        _set_root_level(_ORTHANC_LEVELS[name])


def start_logging(initial):
    global _handler, _managed_level
    stop_logging()
    _handler = OrthancLogHandler()
    root = logging.getLogger()
    root.addHandler(_handler)
    _managed_level = root.level
    _set_root_level(_ORTHANC_LEVELS.get(initial, logging.WARNING))


def stop_logging():
    """Orthanc stops: the handler goes (the next start adds its own)."""
    global _handler, _managed_level
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
        _managed_level = None

# ---- the event loop of async callbacks ------------------------------------

_loop = None
_loop_thread = None
_loop_lock = threading.Lock()


def _event_loop():
    global _loop, _loop_thread
    with _loop_lock:
        if _loop is None:
            import asyncio

            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            thread = threading.Thread(target=run, name="orthanc-asyncio", daemon=True)
            thread.start()
            ready.wait()
            _loop, _loop_thread = loop, thread
        return _loop


class CoroutineTimeout(TimeoutError):
    """A callback's coroutine ran longer than "Python.AsyncTimeout"."""


def run_coroutine(awaitable, timeout, where):
    """Runs `awaitable` on the plugin's event loop; returns its result or raises its exception."""
    import asyncio
    import concurrent.futures

    future = asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), _event_loop())
    try:
        return True, future.result(timeout)
    except concurrent.futures.TimeoutError:
        if not future.done():
            future.cancel()
            return False, CoroutineTimeout(
                "the coroutine of %s did not finish within %g s (\"Python.AsyncTimeout\" in Orthanc's "
                "configuration); it was cancelled" % (where, timeout))
        error = sys.exc_info()[1]
    except BaseException as caught:
        error = caught
    # Reported as the exception of a plain callback: from the callback's own
    # frames, without those of this helper, asyncio and concurrent.futures.
    tb = error.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename == "<orthanc python plugin>" or
                              tb.tb_frame.f_globals.get("__name__", "").startswith(("asyncio", "concurrent."))):
        tb = tb.tb_next
    return False, error.with_traceback(tb)


async def _as_coroutine(awaitable):
    return await awaitable


def stop_event_loop():
    global _loop, _loop_thread
    with _loop_lock:
        loop, thread = _loop, _loop_thread
        _loop = _loop_thread = None
    if loop is None:
        return
    import asyncio

    async def cancel_all():
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(5)
    except Exception:
        pass
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    if not thread.is_alive():
        loop.close()

# ---- the scripts ----------------------------------------------------------

def import_scripts(scripts, fresh):
    """Imports each (module name, path), in order.  `fresh`: a reload, where
    the modules are imported again from their source; if one fails, the
    modules imported before stay in place.  Returns the exception, or None."""
    import importlib
    import importlib.util
    import os

    saved = {}
    if fresh:
        importlib.invalidate_caches()
        for name, path in scripts:
            saved[name] = sys.modules.pop(name, None)
            try:  # a script edited within the same second would otherwise come from its old .pyc
                os.remove(importlib.util.cache_from_source(path))
            except (OSError, NotImplementedError, ValueError):
                pass
    try:
        for name, path in scripts:
            folder = os.path.dirname(path) or "."
            if folder not in sys.path:
                sys.path.insert(0, folder)
            module = importlib.import_module(name)
            found = os.path.realpath(getattr(module, "__file__", "") or "")
            if found != os.path.realpath(path):
                raise ImportError("the script %s was imported as module %r, but that name is %s: rename "
                                  "the script" % (path, name, found or "a built-in module"), name=name)
    except BaseException as error:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        # The traceback from the script's own frames (importlib's are noise).
        paths = {os.path.realpath(path) for _, path in scripts}
        tb = error.__traceback__
        while tb is not None and os.path.realpath(tb.tb_frame.f_code.co_filename) not in paths:
            tb = tb.tb_next
        return error.with_traceback(tb)  # raised by the caller: no frame of this helper on top
    return None


def end_scripts(names):
    """Orthanc stops the plugin: the scripts' modules go (the next start
    imports them again), with what only they kept, collected now while
    Orthanc still answers the finalizers that call it.  The process pools
    and executors of their module globals are shut down, as the end of
    Python would: their threads keep them alive otherwise, and their worker
    processes would pile up at each reset (the Orthanc Book's
    multiprocessing sample keeps its Pool in a global)."""
    import gc

    pool = sys.modules.get("multiprocessing.pool")
    futures = sys.modules.get("concurrent.futures")
    for name in names:
        module = sys.modules.pop(name, None)
        for value in list(vars(module).values()) if module is not None else ():
            try:
                if pool is not None and isinstance(value, pool.Pool):
                    value.terminate()
                elif futures is not None and isinstance(value, futures.Executor):
                    if sys.version_info >= (3, 9):
                        value.shutdown(wait=False, cancel_futures=True)
                    else:
                        value.shutdown(wait=False)
            except Exception:
                sys.excepthook(*sys.exc_info())
    gc.collect()


def script_of(callable_object):
    """The file name of the script that defines `callable_object` (for messages)."""
    import os

    module = sys.modules.get(getattr(callable_object, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if not path:
        code = getattr(callable_object, "__code__", None)
        path = getattr(code, "co_filename", None)
    return os.path.basename(path) if path else "an unknown script"
)PY";

PyRef supportModule_;

PyRef Call(const char* function, PyObject* args)
{
  PyRef module = SupportModule();
  if (!module)
  {
    return PyRef();
  }
  PyRef callable = PyRef::Steal(PyObject_GetAttrString(module.get(), function));
  return callable ? PyRef::Steal(PyObject_CallObject(callable.get(), args)) : PyRef();
}
}  // namespace

PyRef SupportModule()
{
  if (supportModule_)
  {
    return supportModule_;
  }
  PyRef module = PyRef::Steal(PyModule_New(kModuleName));
  if (!module || PyModule_AddStringConstant(module.get(), "__file__", "<orthanc python plugin>") < 0)
  {
    return PyRef();
  }
  PyObject* globals = PyModule_GetDict(module.get());  // borrowed
  if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0)
  {
    return PyRef();
  }
  PyRef code = PyRef::Steal(Py_CompileString(kCode, "<orthanc python plugin>", Py_file_input));
  PyRef done = code ? PyRef::Steal(PyEval_EvalCode(code.get(), globals, globals)) : PyRef();
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  if (!done || PyDict_SetItemString(modules, kModuleName, module.get()) < 0)
  {
    return PyRef();
  }
  supportModule_ = module;
  return supportModule_;
}

void StartLoggingBridge(const std::string& orthancLevel)
{
  PyRef args = PyRef::Steal(Py_BuildValue("(s)", orthancLevel.c_str()));
  if (!args || !Call("start_logging", args.get()))
  {
    ReportPythonError("the set-up of the logging bridge (Python.Logging)");
    throw std::runtime_error("cannot send Python's logging to Orthanc's log (set \"Python\": {\"Logging\": false} "
                             "to run without it)");
  }
}

void StopEventLoop()
{
  if (supportModule_ && !Call("stop_event_loop", nullptr))
  {
    ReportPythonError("the stop of the event loop");
  }
}

void StopLoggingBridge()
{
  if (supportModule_ && !Call("stop_logging", nullptr))
  {
    ReportPythonError("the stop of the logging bridge");
  }
}

void ReleaseSupport()
{
  supportModule_ = PyRef();
}

std::string ScriptOf(PyObject* callable)
{
  PyRef args = PyRef::Steal(Py_BuildValue("(O)", callable));
  PyRef name = args ? Call("script_of", args.get()) : PyRef();
  const char* text = name ? PyUnicode_AsUTF8(name.get()) : nullptr;
  if (text == nullptr)
  {
    PyErr_Clear();
    return "an unknown script";
  }
  return text;
}

bool ImportScripts(const std::vector<std::pair<std::string, std::string>>& scripts, bool fresh)
{
  PyRef list = PyRef::Steal(PyList_New(0));
  if (!list)
  {
    return false;
  }
  for (const auto& [name, path] : scripts)
  {
    PyRef item = PyRef::Steal(Py_BuildValue("(sN)", name.c_str(), PyUnicode_DecodeFSDefault(path.c_str())));
    if (!item || PyList_Append(list.get(), item.get()) < 0)
    {
      return false;
    }
  }
  PyRef args = PyRef::Steal(Py_BuildValue("(OO)", list.get(), fresh ? Py_True : Py_False));
  PyRef error = args ? Call("import_scripts", args.get()) : PyRef();
  if (!error)
  {
    return false;
  }
  if (error.get() == Py_None)
  {
    return true;
  }
  PyErr_Restore(PyRef::Borrow(reinterpret_cast<PyObject*>(Py_TYPE(error.get()))).release(),
                PyRef::Borrow(error.get()).release(), PyException_GetTraceback(error.get()));
  return false;
}

void EndScripts(const std::vector<std::pair<std::string, std::string>>& scripts)
{
  PyRef names = PyRef::Steal(PyList_New(0));
  bool ok = static_cast<bool>(names);
  for (size_t i = 0; ok && i < scripts.size(); i++)
  {
    PyRef name = PyRef::Steal(PyUnicode_FromString(scripts[i].first.c_str()));
    ok = name && PyList_Append(names.get(), name.get()) == 0;
  }
  PyRef args = ok ? PyRef::Steal(Py_BuildValue("(O)", names.get())) : PyRef();
  if (!args || !Call("end_scripts", args.get()))
  {
    ReportPythonError("the end of the scripts' run");
  }
}

PyRef RunCoroutine(PyObject* awaitable, double timeout, const std::string& where)
{
  PyRef args = PyRef::Steal(Py_BuildValue("(Ods)", awaitable, timeout, where.c_str()));
  PyRef outcome = args ? Call("run_coroutine", args.get()) : PyRef();
  if (!outcome || !PyTuple_Check(outcome.get()) || PyTuple_GET_SIZE(outcome.get()) != 2)
  {
    return PyRef();
  }
  PyObject* value = PyTuple_GET_ITEM(outcome.get(), 1);  // borrowed
  if (PyTuple_GET_ITEM(outcome.get(), 0) == Py_True)
  {
    return PyRef::Borrow(value);
  }
  // The coroutine's exception, raised here with its own traceback.
  PyErr_Restore(PyRef::Borrow(reinterpret_cast<PyObject*>(Py_TYPE(value))).release(), PyRef::Borrow(value).release(),
                PyException_GetTraceback(value));
  return PyRef();
}

namespace
{
double asyncTimeout_ = 60;
}

void SetAsyncTimeout(double seconds)
{
  asyncTimeout_ = seconds;
}

PyRef AwaitIfCoroutine(PyRef result, const std::string& where)
{
  if (!result || !IsAwaitable(result.get()))
  {
    return result;
  }
  return RunCoroutine(result.get(), asyncTimeout_, where);
}

bool IsCoroutineTimeoutPending()
{
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);  // the lookup below must not run with an exception set
  PyRef module = SupportModule();
  PyRef timeout = module ? PyRef::Steal(PyObject_GetAttrString(module.get(), "CoroutineTimeout")) : PyRef();
  PyErr_Clear();
  const bool matches = type != nullptr && timeout && PyErr_GivenExceptionMatches(type, timeout.get());
  PyErr_Restore(type, value, traceback);
  return matches;
}

void FollowOrthancLogLevel(const std::string& level)
{
  PyRef args = PyRef::Steal(Py_BuildValue("(s)", level.c_str()));
  if (!args || !Call("follow_orthanc_level", args.get()))
  {
    ReportPythonError("the logging bridge (following Orthanc's log level)");
  }
}
