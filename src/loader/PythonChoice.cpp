// The order in which the loader considers Pythons and what rules one out; the
// platforms' ways of finding them are in PythonProbe*.cpp.
#include "PythonChoice.h"

#include "../FileSystem.h"
#include "../PythonVersion.h"
#include "../Pyvenv.h"
#include "PythonProbe.h"
#include "SearchPath.h"

#include <algorithm>

namespace loader
{
namespace
{
const char* kFix =
    "Install one of these Pythons (with its shared library), or name one in the configuration: "
    "\"Python\" : { \"Version\" : \"3.X\" } or { \"Executable\" : \"/path/to/python3.X\" }";

bool Bundled(const std::vector<std::string>& bundled, const std::string& version)
{
  return std::find(bundled.begin(), bundled.end(), version) != bundled.end();
}

// Sets `problem` when the candidate cannot run with this bundle; true if it can.
bool CheckUsable(PythonCandidate& c, const std::vector<std::string>& bundled, int loaderBits)
{
  if (!c.problem.empty())
  {
    return false;
  }
  if (c.library.empty())
  {
    c.problem = "it has no shared libpython" + c.version +
                " (a statically linked Python: install its shared library, e.g. Debian's libpython" + c.version +
                ", or build it with --enable-shared)";
    return false;
  }
  if (c.bits != 0 && c.bits != loaderBits)
  {
    c.problem = "it is a " + std::to_string(c.bits) + "-bit Python and this plugin is " + std::to_string(loaderBits) +
                "-bit (download the " + std::to_string(c.bits) + "-bit bundle)";
    return false;
  }
  if (!Bundled(bundled, c.version))
  {
    c.problem = "this bundle holds no module for Python " + c.version;
    return false;
  }
  return true;
}

Choice Failure(const std::vector<std::string>& found, const std::vector<std::string>& bundled, const std::string& fix)
{
  Choice choice;
  choice.reason = "no Python to run: found " + ListOrNone(found) + "; this bundle holds modules for Python " + ListOrNone(bundled) +
                  ". " + fix;
  return choice;
}

Choice Chosen(const PythonCandidate& c, const std::string& reason)
{
  Choice choice;
  choice.ok = true;
  choice.python = c;
  choice.reason = reason;
  return choice;
}

// 1a. The configuration names the interpreter.
Choice ChooseExecutable(const PythonSettings& settings, const std::string& wanted,
                        const std::vector<std::string>& bundled, int loaderBits)
{
  PythonCandidate c = Probe(settings.executable);
  if (!wanted.empty() && c.problem.empty() && c.version != wanted)
  {
    c.problem = "Python.Version asks for " + wanted;
  }
  if (!CheckUsable(c, bundled, loaderBits))
  {
    return Failure({"Python.Executable: " + c.Describe()}, bundled, kFix);
  }
  return Chosen(c, "Python.Executable is \"" + settings.executable + "\" in the configuration");
}

// 1b. The configuration names the version: the registered Pythons, then by name
// in the platform's folders.
Choice ChooseVersion(const PythonSettings& settings, const std::string& wanted, const std::vector<std::string>& bundled,
                     int loaderBits)
{
  std::vector<std::string> found;
  for (PythonCandidate& c : RegisteredPythons())
  {
    if (c.version == wanted && CheckUsable(c, bundled, loaderBits))
    {
      return Chosen(c, "Python.Version is \"" + settings.version + "\" in the configuration (registered Python)");
    }
    found.push_back("registered " + c.Describe());
  }
  std::vector<std::string> probed;  // PATH may name a folder twice
  for (const std::string& dir : SearchDirectories(wanted))
  {
    for (const std::string& name : InterpreterNames(wanted))
    {
      const std::string path = file_system::Join(dir, name);
      if (!file_system::IsFile(path) || std::find(probed.begin(), probed.end(), path) != probed.end())
      {
        continue;
      }
      probed.push_back(path);
      PythonCandidate c = Probe(path);
      if (c.version == wanted && CheckUsable(c, bundled, loaderBits))
      {
        return Chosen(c, "Python.Version is \"" + settings.version + "\" in the configuration (" + name +
                             " found in " + dir + ")");
      }
      if (c.problem.empty() && c.version != wanted)
      {
        c.problem = "not " + wanted;
      }
      found.push_back(c.Describe());
    }
  }
  if (found.empty())
  {
    found.push_back("no Python " + wanted + " on PATH" + OtherSearchedPlaces() + " (Python.Version is \"" +
                    settings.version + "\")");
  }
  return Failure(found, bundled, kFix);
}

// 2. The virtual environment the plugin will use: the base Python its pyvenv.cfg names.
Choice ChooseVirtualEnv(const PythonSettings& settings, const std::vector<std::string>& bundled, int loaderBits)
{
  const pyvenv::Config venv = pyvenv::Read(settings.virtualEnv);
  if (venv.home.empty())
  {
    return Failure({"Python.VirtualEnv \"" + settings.virtualEnv + "\" without a pyvenv.cfg naming its home"},
                   bundled, "Point Python.VirtualEnv at a folder made by `python3 -m venv`.");
  }
  PythonCandidate c = Probe(InterpreterIn(venv.home, venv.version));
  if (c.problem.empty() && !venv.version.empty() && c.version != venv.version)
  {
    c.problem = "pyvenv.cfg says " + venv.version;
  }
  if (!CheckUsable(c, bundled, loaderBits))
  {
    return Failure({"the base Python of Python.VirtualEnv: " + c.Describe()}, bundled, kFix);
  }
  return Chosen(c, "Python.VirtualEnv \"" + settings.virtualEnv + "\" is built on it (pyvenv.cfg)");
}

// 3. The registered Pythons (Windows), then 4. the first Python on PATH.
Choice ChooseDefault(const std::vector<std::string>& bundled, int loaderBits)
{
  std::vector<std::string> found;
  for (PythonCandidate& c : RegisteredPythons())
  {
    if (CheckUsable(c, bundled, loaderBits))
    {
      return Chosen(c, "it is the first registered Python (PEP 514) that this bundle holds a module for");
    }
    found.push_back("registered " + c.Describe());
  }
  for (const std::string& name : InterpreterNames(""))
  {
    const std::string path = FindOnPath(name);
    if (path.empty())
    {
      continue;
    }
    PythonCandidate c = Probe(path);
    if (CheckUsable(c, bundled, loaderBits))
    {
      return Chosen(c, "it is the first " + name + " on PATH");
    }
    found.push_back(c.Describe());
    break;
  }
  if (found.empty())
  {
    found.push_back("no Python on PATH");
  }
  return Failure(found, bundled, kFix);
}
}  // namespace

PythonCandidate Probe(const std::string& executable)
{
  if (!file_system::IsFile(executable))
  {
    PythonCandidate c;
    c.executable = executable;
    c.problem = "no such file";
    return c;
  }
  return ProbeInterpreter(executable);
}

std::string PythonCandidate::Describe() const
{
  std::string text = "Python " + (version.empty() ? std::string("?") : version) + " (" + executable;
  if (bits != 0)
  {
    text += ", " + std::to_string(bits) + "-bit";
  }
  text += ")";
  if (!problem.empty())
  {
    text += ": " + problem;
  }
  return text;
}

Choice ChoosePython(const PythonSettings& settings, const std::vector<std::string>& bundled, int loaderBits)
{
  const std::string wanted = python_version::MajorMinor(settings.version);
  if (!settings.version.empty() && wanted.empty())
  {
    return Failure({"Python.Version \"" + settings.version + "\", which is not a version X.Y"}, bundled,
                   "Write it as \"3.12\".");
  }
  if (!settings.executable.empty())
  {
    return ChooseExecutable(settings, wanted, bundled, loaderBits);
  }
  if (!wanted.empty())
  {
    return ChooseVersion(settings, wanted, bundled, loaderBits);
  }
  if (!settings.virtualEnv.empty())
  {
    return ChooseVirtualEnv(settings, bundled, loaderBits);
  }
  return ChooseDefault(bundled, loaderBits);
}

std::string ListOrNone(const std::vector<std::string>& items)
{
  std::string out;
  for (const std::string& item : items)
  {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out.empty() ? "none" : out;
}
}  // namespace loader
