// Files and folders in standard C++ and the platform's own calls, no Python.
#include "FileSystem.h"

#ifdef _WIN32
#  include <windows.h>
#else
#  include <dlfcn.h>
#  include <sys/stat.h>
#endif

namespace file_system
{
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

bool IsDirectory(const std::string& path)
{
#ifdef _WIN32
  const DWORD attributes = GetFileAttributesA(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
#else
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
#endif
}

std::string Directory(const std::string& path)
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

std::string ModuleFileContaining(const void* address)
{
#ifdef _WIN32
  HMODULE module = nullptr;
  char path[MAX_PATH] = "";
  if (GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                         static_cast<LPCSTR>(address), &module))
  {
    GetModuleFileNameA(module, path, MAX_PATH);
  }
  return path;
#else
  Dl_info info;
  if (dladdr(address, &info) != 0 && info.dli_fname != nullptr)
  {
    return info.dli_fname;
  }
  return "";
#endif
}
}  // namespace file_system
