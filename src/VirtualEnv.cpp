// Finding the virtual environment named by "Python.VirtualEnv" or $VIRTUAL_ENV and putting it on sys.path.
#include "VirtualEnv.h"

#include "Errors.h"
#include "FileSystem.h"
#include "Log.h"
#include "PyRef.h"
#include "PythonHeaders.h"
#include "Pyvenv.h"

#include <cstdlib>
#include <stdexcept>

namespace
{
using file_system::IsDirectory;
using file_system::IsFile;
using file_system::Join;

// The venv at `path`, or an exception explaining what is wrong with it.
VirtualEnv Check(const std::string& path, bool fromEnvironment)
{
  const std::string where = fromEnvironment ? "the virtual environment of VIRTUAL_ENV (" + path + ")"
                                            : "the virtual environment of \"Python.VirtualEnv\" (" + path + ")";
  const std::string embedded = std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);
  if (!IsDirectory(path))
  {
    throw std::runtime_error(where + " does not exist");
  }
  const pyvenv::Config config = pyvenv::Read(path);
  if (!config.found)
  {
    throw std::runtime_error(where + " is not a virtual environment (no pyvenv.cfg): create it with python" +
                             embedded + " -m venv");
  }
  const std::string& version = config.version;
  if (version != embedded)
  {
    throw std::runtime_error(where + " was made for Python " + (version.empty() ? "(unknown)" : version) +
                             ", but this plugin embeds Python " + embedded + ": create it with python" + embedded +
                             " -m venv");
  }
#ifdef _WIN32
  const std::string sitePackages = Join(Join(path, "Lib"), "site-packages");
  const std::string interpreter = Join(Join(path, "Scripts"), "python.exe");
#else
  const std::string sitePackages = Join(Join(Join(path, "lib"), "python" + embedded), "site-packages");
  const std::string interpreter = Join(Join(path, "bin"), "python");
#endif
  if (!IsDirectory(sitePackages))
  {
    throw std::runtime_error(where + " has no " + sitePackages);
  }
  return VirtualEnv{path, sitePackages, IsFile(interpreter) ? interpreter : "", fromEnvironment};
}
}  // namespace

std::optional<VirtualEnv> FindVirtualEnv(const std::string& option)
{
  if (!option.empty())
  {
    return Check(option, false);
  }
  const char* environment = std::getenv("VIRTUAL_ENV");
  if (environment == nullptr || environment[0] == '\0')
  {
    return std::nullopt;
  }
  try
  {
    return Check(environment, true);
  }
  catch (const std::runtime_error& e)
  {
    // The variable may come from a shell where another venv was activated:
    // Orthanc still starts, without it.
    LogError(std::string("Python plugin: ") + e.what() + "; it is ignored (set \"Python.VirtualEnv\" to choose "
             "a virtual environment)");
    return std::nullopt;
  }
}

void ActivateVirtualEnv(const VirtualEnv& venv)
{
  // site.addsitedir() appends the folder and what its .pth files add; these
  // entries are then moved before the others.
  static const char kCode[] =
      "def _activate(site_packages, interpreter):\n"
      "    import site, sys\n"
      "    before = list(sys.path)\n"
      "    site.addsitedir(site_packages)\n"
      "    added = [p for p in sys.path if p not in before]\n"
      "    sys.path[:] = added + [p for p in sys.path if p not in added]\n"
      "    if interpreter:\n"
      "        sys.executable = interpreter\n";
  PyRef globals = PyRef::Steal(PyDict_New());
  PyRef builtins = PyRef::Borrow(PyEval_GetBuiltins());
  bool ok = globals && builtins && PyDict_SetItemString(globals.get(), "__builtins__", builtins.get()) == 0;
  PyRef defined = ok ? PyRef::Steal(PyRun_String(kCode, Py_file_input, globals.get(), globals.get())) : PyRef();
  PyObject* activate = defined ? PyDict_GetItemString(globals.get(), "_activate") : nullptr;  // borrowed
  PyRef result = activate != nullptr ? PyRef::Steal(PyObject_CallFunction(activate, "ss", venv.sitePackages.c_str(),
                                                                          venv.interpreter.c_str()))
                                     : PyRef();
  if (!result)
  {
    ReportPythonError(("the activation of the virtual environment " + venv.path).c_str());
    throw std::runtime_error("cannot use the virtual environment " + venv.path + " (see the traceback above)");
  }
  LogWarning("Python plugin: using the virtual environment " + venv.path + (venv.fromEnvironment ? " (VIRTUAL_ENV)" : "") +
             ": " + venv.sitePackages + " comes first on sys.path");
}
