// Windows: the Pythons registered under PEP 514 and on PATH, told apart without
// running them: the python3XY.dll beside an interpreter gives its version, the
// DLL's PE header its pointer size.
#include "PythonProbe.h"

#include "../FileSystem.h"
#include "SearchPath.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>

#include <windows.h>

namespace loader
{
namespace
{
using file_system::Join;

// python312.dll beside the interpreter (python3.dll is only the stable-ABI
// forwarder): its path, and `version` set from its name; "" when there is none.
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
}  // namespace

PythonCandidate ProbeInterpreter(const std::string& executable)
{
  PythonCandidate c;
  c.executable = executable;
  c.library = PythonDllIn(file_system::Directory(executable), c.version);
  if (c.library.empty())
  {
    c.problem = "no python3X.dll beside it";
    return c;
  }
  c.bits = PeBits(c.library);
  return c;
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

std::vector<std::string> SearchDirectories(const std::string& /* version */)
{
  return PathDirectories();
}

std::vector<std::string> InterpreterNames(const std::string& /* version */)
{
  return {"python.exe", "python3.exe"};
}

std::string InterpreterIn(const std::string& dir, const std::string& /* version */)
{
  return Join(dir, "python.exe");
}

std::string OtherSearchedPlaces()
{
  return " or in the registry";
}
}  // namespace loader
