#include "VirtualEnv.h"

#include "Errors.h"
#include "Log.h"
#include "PyRef.h"
#include "PythonHeaders.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>

namespace
{
#ifdef _WIN32
const char kSeparator = '\\';
#else
const char kSeparator = '/';
#endif

bool IsDirectory(const std::string& path)
{
  struct stat info;
  return stat(path.c_str(), &info) == 0 && (info.st_mode & S_IFDIR) != 0;
}

bool IsFile(const std::string& path)
{
  struct stat info;
  return stat(path.c_str(), &info) == 0 && (info.st_mode & S_IFREG) != 0;
}

std::string Join(const std::string& a, const std::string& b)
{
  return (!a.empty() && (a.back() == '/' || a.back() == '\\')) ? a + b : a + kSeparator + b;
}

std::string Trim(const std::string& text)
{
  const size_t first = text.find_first_not_of(" \t\r\n");
  const size_t last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// "3.11" from "3.11.7" or "3.11.7.final.0"; empty if `version` has no minor number.
std::string MajorMinor(const std::string& version)
{
  const size_t first = version.find('.');
  if (first == std::string::npos)
  {
    return "";
  }
  const size_t second = version.find('.', first + 1);
  return version.substr(0, second);
}

// The Python version a venv was made with, from its pyvenv.cfg ("version" or "version_info").
std::string VenvPythonVersion(const std::string& config)
{
  std::ifstream file(config);
  std::string line;
  std::string version;
  while (std::getline(file, line))
  {
    const size_t equal = line.find('=');
    if (equal == std::string::npos)
    {
      continue;
    }
    const std::string key = Trim(line.substr(0, equal));
    if (key == "version_info" || (key == "version" && version.empty()))
    {
      version = Trim(line.substr(equal + 1));
    }
  }
  return MajorMinor(version);
}

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
  const std::string config = Join(path, "pyvenv.cfg");
  if (!IsFile(config))
  {
    throw std::runtime_error(where + " is not a virtual environment (no pyvenv.cfg): create it with python" +
                             embedded + " -m venv");
  }
  const std::string version = VenvPythonVersion(config);
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
