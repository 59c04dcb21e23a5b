// Linux and other POSIX systems: Pythons are found by name on PATH, in
// /usr/local/bin and /usr/bin, and in pyenv's versions; each is asked what it is
// by running it (a child process, no shell).
#include "PythonProbe.h"

#include "../FileSystem.h"
#include "SearchPath.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace loader
{
namespace
{
using file_system::Join;

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
}  // namespace

PythonCandidate ProbeInterpreter(const std::string& executable)
{
  PythonCandidate c;
  c.executable = executable;
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
    c.problem = "it is a free-threaded build (" + file_system::Directory(executable) +
                "), the bundle's modules need the default build";
  }
  return c;
}

std::vector<PythonCandidate> RegisteredPythons()
{
  return {};
}

std::vector<std::string> SearchDirectories(const std::string& version)
{
  std::vector<std::string> dirs = PathDirectories();
  dirs.push_back("/usr/local/bin");
  dirs.push_back("/usr/bin");
  for (const std::string& dir : PyenvDirectories(version))
  {
    dirs.push_back(dir);
  }
  return dirs;
}

std::vector<std::string> InterpreterNames(const std::string& version)
{
  return {version.empty() ? std::string("python3") : "python" + version};
}

std::string InterpreterIn(const std::string& dir, const std::string& version)
{
  const std::string exact = Join(dir, "python" + version);
  return file_system::IsFile(exact) ? exact : Join(dir, "python3");
}

std::string OtherSearchedPlaces()
{
  return ", /usr/local/bin or /usr/bin";
}
}  // namespace loader
