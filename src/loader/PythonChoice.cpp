// Finding Pythons and telling their version and shared library, per platform, and the
// order in which the loader considers them.
#include "PythonChoice.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <dirent.h>
#  include <fcntl.h>
#  include <spawn.h>
#  include <sys/stat.h>
#  include <sys/wait.h>
#  include <unistd.h>
extern char** environ;
#endif

namespace loader
{
namespace
{
#ifdef _WIN32
const char kPathSeparator = ';';
const char kDirSeparator = '\\';
#else
const char kPathSeparator = ':';
const char kDirSeparator = '/';
#endif

bool IsFile(const std::string& path)
{
#ifdef _WIN32
  const DWORD attributes = GetFileAttributesA(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
#else
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
#endif
}

std::string Parent(const std::string& path)
{
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string Join(const std::string& dir, const std::string& name)
{
  if (dir.empty() || dir.back() == '/' || dir.back() == '\\')
  {
    return dir + name;
  }
  return dir + kDirSeparator + name;
}

std::string Trim(const std::string& text)
{
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
  {
    return "";
  }
  const size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> PathDirectories()
{
  std::vector<std::string> dirs;
  const char* path = std::getenv("PATH");
  std::stringstream stream(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(stream, dir, kPathSeparator))
  {
    if (!dir.empty())
    {
      dirs.push_back(dir);
    }
  }
  return dirs;
}

std::string FindOnPath(const std::string& name)
{
  for (const std::string& dir : PathDirectories())
  {
    const std::string candidate = Join(dir, name);
    if (IsFile(candidate))
    {
      return candidate;
    }
  }
  return "";
}

#ifdef _WIN32
// The Python DLL beside a Windows interpreter (python312.dll; python3.dll is
// only the stable-ABI forwarder) gives its version without running it.
std::string PythonDllIn(const std::string& dir, std::string& version)
{
  WIN32_FIND_DATAA data;
  HANDLE find = FindFirstFileA(Join(dir, "python3*.dll").c_str(), &data);
  if (find == INVALID_HANDLE_VALUE)
  {
    return "";
  }
  std::string found;
  do
  {
    std::string name = data.cFileName;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // python3XY.dll, never python3.dll
    if (name.size() > 11 && name.compare(0, 7, "python3") == 0 && name.compare(name.size() - 4, 4, ".dll") == 0)
    {
      const std::string minor = name.substr(7, name.size() - 11);
      if (!minor.empty() && std::all_of(minor.begin(), minor.end(), [](unsigned char c) { return std::isdigit(c); }))
      {
        version = "3." + minor;
        found = Join(dir, data.cFileName);
        break;
      }
    }
  } while (FindNextFileA(find, &data));
  FindClose(find);
  return found;
}

// 32 or 64 from a PE file's header (0 when it is not one).
int PeBits(const std::string& path)
{
  std::ifstream file(path, std::ios::binary);
  char header[64];
  if (!file.read(header, sizeof(header)) || header[0] != 'M' || header[1] != 'Z')
  {
    return 0;
  }
  const uint32_t offset = static_cast<unsigned char>(header[0x3C]) | (static_cast<unsigned char>(header[0x3D]) << 8) |
                          (static_cast<unsigned char>(header[0x3E]) << 16) |
                          (static_cast<uint32_t>(static_cast<unsigned char>(header[0x3F])) << 24);
  char pe[6];
  file.seekg(offset);
  if (!file.read(pe, sizeof(pe)) || pe[0] != 'P' || pe[1] != 'E')
  {
    return 0;
  }
  const unsigned machine = static_cast<unsigned char>(pe[4]) | (static_cast<unsigned char>(pe[5]) << 8);
  if (machine == 0x8664 || machine == 0xAA64)
  {
    return 64;
  }
  return machine == 0x14C ? 32 : 0;
}

PythonCandidate Probe(const std::string& executable)
{
  PythonCandidate c;
  c.executable = executable;
  if (!IsFile(executable))
  {
    c.problem = "no such file";
    return c;
  }
  c.library = PythonDllIn(Parent(executable), c.version);
  if (c.library.empty())
  {
    c.problem = "no python3X.dll beside it";
    return c;
  }
  c.bits = PeBits(c.library);
  return c;
}

std::string RegistryString(HKEY key, const char* subkey, const char* name)
{
  char buffer[2048];
  DWORD size = sizeof(buffer);
  if (RegGetValueA(key, subkey, name, RRF_RT_REG_SZ, nullptr, buffer, &size) != ERROR_SUCCESS)
  {
    return "";
  }
  return buffer;
}

// PEP 514: HKCU, then HKLM (64-bit view, then 32-bit view), Software\Python\PythonCore\<tag>.
std::vector<PythonCandidate> RegisteredPythons()
{
  std::vector<PythonCandidate> found;
  struct Hive { HKEY root; REGSAM view; };
  const Hive hives[] = {{HKEY_CURRENT_USER, 0}, {HKEY_LOCAL_MACHINE, KEY_WOW64_64KEY}, {HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY}};
  for (const Hive& hive : hives)
  {
    HKEY core;
    if (RegOpenKeyExA(hive.root, "Software\\Python\\PythonCore", 0, KEY_READ | hive.view, &core) != ERROR_SUCCESS)
    {
      continue;
    }
    char tag[256];
    for (DWORD i = 0;; ++i)
    {
      DWORD size = sizeof(tag);
      if (RegEnumKeyExA(core, i, tag, &size, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS)
      {
        break;
      }
      const std::string installPath = std::string(tag) + "\\InstallPath";
      std::string executable = RegistryString(core, installPath.c_str(), "ExecutablePath");
      if (executable.empty())
      {
        const std::string home = RegistryString(core, installPath.c_str(), nullptr);
        if (home.empty())
        {
          continue;
        }
        executable = Join(home, "python.exe");
      }
      if (std::none_of(found.begin(), found.end(), [&](const PythonCandidate& c) { return c.executable == executable; }))
      {
        found.push_back(Probe(executable));
      }
    }
    RegCloseKey(core);
  }
  return found;
}

std::string InterpreterNamed(const std::string& dir, const std::string& /* version */)
{
  return Join(dir, "python.exe");
}

std::vector<std::string> DefaultNames(const std::string& version)
{
  (void) version;
  return {"python.exe", "python3.exe"};
}
#else
// Runs `argv` and returns what it wrote on its standard output ("" on failure).
std::string Capture(const std::vector<std::string>& argv)
{
  int fds[2];
  if (pipe(fds) != 0)
  {
    return "";
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const std::string& arg : argv)
  {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string output;
  if (spawned == 0)
  {
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0)
    {
      output.append(buffer, static_cast<size_t>(n));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      output.clear();
    }
  }
  close(fds[0]);
  return output;
}

// The interpreter reports its version, pointer size, whether it is free-threaded
// and where its shared libpython is: its build's LIBDIR when it was not moved,
// else <prefix>/lib or <prefix>/lib/<multiarch>.
const char* kProbeScript =
    "import os, struct, sys, sysconfig as s\n"
    "v = s.get_config_var\n"
    "name = v('INSTSONAME') or ''\n"
    "dirs = []\n"
    "if os.path.realpath(sys.base_prefix) == os.path.realpath(v('prefix') or ''): dirs.append(v('LIBDIR') or '')\n"
    "dirs += [os.path.join(sys.base_prefix, 'lib'), os.path.join(sys.base_prefix, 'lib', v('MULTIARCH') or '')]\n"
    "lib = next((os.path.join(d, name) for d in dirs if d and name.endswith('.so.1.0') and "
    "os.path.isfile(os.path.join(d, name))), '')\n"
    "print('%d.%d' % sys.version_info[:2]); print(8 * struct.calcsize('P')); print(lib)\n"
    "print(1 if v('Py_GIL_DISABLED') else 0); print(sys.executable)\n";

PythonCandidate Probe(const std::string& executable)
{
  PythonCandidate c;
  c.executable = executable;
  if (!IsFile(executable))
  {
    c.problem = "no such file";
    return c;
  }
  std::stringstream lines(Capture({executable, "-I", "-c", kProbeScript}));
  std::string bits, freeThreaded;
  if (!std::getline(lines, c.version) || !std::getline(lines, bits) || !std::getline(lines, c.library) ||
      !std::getline(lines, freeThreaded))
  {
    c.version.clear();
    c.problem = "it did not run as a Python 3 interpreter";
    return c;
  }
  c.bits = std::atoi(bits.c_str());
  std::string real;
  if (std::getline(lines, real) && !real.empty())
  {
    c.executable = real;  // a shim or a link found on PATH: the interpreter it runs
  }
  if (freeThreaded == "1")
  {
    c.problem = "it is a free-threaded build (" + Parent(executable) + "), the bundle's modules need the default build";
  }
  return c;
}

std::vector<PythonCandidate> RegisteredPythons()
{
  return {};
}

// pyenv's installs of X.Y ($PYENV_ROOT, else ~/.pyenv): versions/X.Y.Z/bin, newest first.
std::vector<std::string> PyenvDirectories(const std::string& version)
{
  std::vector<std::string> roots;
  if (const char* root = std::getenv("PYENV_ROOT"))
  {
    roots.push_back(root);
  }
  if (const char* home = std::getenv("HOME"))
  {
    roots.push_back(Join(home, ".pyenv"));
  }
  std::vector<std::string> dirs;
  for (const std::string& root : roots)
  {
    std::vector<std::string> names;
    if (DIR* d = opendir(Join(root, "versions").c_str()))
    {
      while (const dirent* entry = readdir(d))
      {
        const std::string name = entry->d_name;
        if (name.compare(0, version.size() + 1, version + ".") == 0)
        {
          names.push_back(name);
        }
      }
      closedir(d);
    }
    std::sort(names.rbegin(), names.rend());
    for (const std::string& name : names)
    {
      dirs.push_back(Join(Join(Join(root, "versions"), name), "bin"));
    }
  }
  return dirs;
}

std::string InterpreterNamed(const std::string& dir, const std::string& version)
{
  const std::string exact = Join(dir, "python" + version);
  return IsFile(exact) ? exact : Join(dir, "python3");
}

std::vector<std::string> DefaultNames(const std::string& version)
{
  if (!version.empty())
  {
    return {"python" + version};
  }
  return {"python3"};
}
#endif

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

const char* kFix =
    "Install one of these Pythons (with its shared library), or name one in the configuration: "
    "\"Python\" : { \"Version\" : \"3.X\" } or { \"Executable\" : \"/path/to/python3.X\" }";

// pyvenv.cfg: "home = <folder of the base interpreter>", "version = 3.12.1"
// (or virtualenv's "version_info = 3.12.1.final.0").
bool ReadPyvenv(const std::string& venv, std::string& home, std::string& version)
{
  std::ifstream file(Join(venv, "pyvenv.cfg"));
  if (!file)
  {
    return false;
  }
  std::string line;
  while (std::getline(file, line))
  {
    const size_t equal = line.find('=');
    if (equal == std::string::npos)
    {
      continue;
    }
    const std::string key = Trim(line.substr(0, equal));
    const std::string value = Trim(line.substr(equal + 1));
    if (key == "home")
    {
      home = value;
    }
    else if ((key == "version" || key == "version_info") && version.empty())
    {
      version = MajorMinor(value);
    }
  }
  return !home.empty();
}
}  // namespace

std::string MajorMinor(const std::string& text)
{
  const std::string t = Trim(text);
  const size_t dot = t.find('.');
  if (dot == std::string::npos || dot == 0)
  {
    return "";
  }
  size_t end = dot + 1;
  while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end])))
  {
    ++end;
  }
  if (end == dot + 1 || !std::all_of(t.begin(), t.begin() + static_cast<long>(dot), [](unsigned char c) { return std::isdigit(c); }))
  {
    return "";
  }
  return t.substr(0, end);
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
  const std::string wanted = MajorMinor(settings.version);
  if (!settings.version.empty() && wanted.empty())
  {
    return Failure({"Python.Version \"" + settings.version + "\", which is not a version X.Y"}, bundled,
                   "Write it as \"3.12\".");
  }

  // 1. The configuration names the interpreter, or its version.
  if (!settings.executable.empty())
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
  if (!wanted.empty())
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
    std::vector<std::string> dirs = PathDirectories();
#ifndef _WIN32
    dirs.push_back("/usr/local/bin");
    dirs.push_back("/usr/bin");
    for (const std::string& dir : PyenvDirectories(wanted))
    {
      dirs.push_back(dir);
    }
#endif
    for (const std::string& dir : dirs)
    {
      for (const std::string& name : DefaultNames(wanted))
      {
        const std::string path = Join(dir, name);
        if (!IsFile(path) || std::find(probed.begin(), probed.end(), path) != probed.end())
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
      found.push_back("no Python " + wanted + " on PATH" +
#ifndef _WIN32
                      std::string(", /usr/local/bin or /usr/bin") +
#else
                      std::string(" or in the registry") +
#endif
                      " (Python.Version is \"" + settings.version + "\")");
    }
    return Failure(found, bundled, kFix);
  }

  // 2. The virtual environment the plugin will use.
  if (!settings.virtualEnv.empty())
  {
    std::string home, version;
    if (!ReadPyvenv(settings.virtualEnv, home, version))
    {
      return Failure({"Python.VirtualEnv \"" + settings.virtualEnv + "\" without a pyvenv.cfg naming its home"},
                     bundled, "Point Python.VirtualEnv at a folder made by `python3 -m venv`.");
    }
    PythonCandidate c = Probe(InterpreterNamed(home, version));
    if (c.problem.empty() && !version.empty() && c.version != version)
    {
      c.problem = "pyvenv.cfg says " + version;
    }
    if (!CheckUsable(c, bundled, loaderBits))
    {
      return Failure({"the base Python of Python.VirtualEnv: " + c.Describe()}, bundled, kFix);
    }
    return Chosen(c, "Python.VirtualEnv \"" + settings.virtualEnv + "\" is built on it (pyvenv.cfg)");
  }

  // 3. The registered Pythons (Windows), then 4. the first Python on PATH.
  std::vector<std::string> found;
  for (PythonCandidate& c : RegisteredPythons())
  {
    if (CheckUsable(c, bundled, loaderBits))
    {
      return Chosen(c, "it is the first registered Python (PEP 514) that this bundle holds a module for");
    }
    found.push_back("registered " + c.Describe());
  }
  for (const std::string& name : DefaultNames(""))
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
