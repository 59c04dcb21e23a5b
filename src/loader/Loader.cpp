// The loader's entry points: choose a Python, load the bundle's module built for it
// (python3.X/ beside this file) and forward Orthanc's four entry points to it.
#include "../FileSystem.h"
#include "../Json.h"
#include "../PythonVersion.h"
#include "PythonChoice.h"

#include <orthanc/OrthancCPlugin.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <dirent.h>
#  include <dlfcn.h>
#endif

#ifndef ORTHANC_PYTHON_VERSION
#  error ORTHANC_PYTHON_VERSION must be defined by the build (from the VERSION file)
#endif

namespace
{
using InitializeFunction = int32_t (*)(OrthancPluginContext*);
using FinalizeFunction = void (*)();
using StringFunction = const char* (*)();

struct Module
{
  InitializeFunction initialize = nullptr;
  FinalizeFunction finalize = nullptr;
  StringFunction getName = nullptr;
  StringFunction getVersion = nullptr;
};

Module module_;

#ifdef _WIN32
const char* kModuleName = "OrthancPython.dll";
#else
const char* kModuleName = "libOrthancPython.so";
#endif

using file_system::IsFile;
using file_system::Join;

// The folder holding this loader: the bundle's modules are in its python3.X/ subfolders.
std::string LoaderDirectory()
{
  return file_system::Directory(file_system::ModuleFileContaining(reinterpret_cast<const void*>(&LoaderDirectory)));
}

std::vector<std::string> Subfolders(const std::string& dir)
{
  std::vector<std::string> names;
#ifdef _WIN32
  WIN32_FIND_DATAA data;
  HANDLE find = FindFirstFileA(Join(dir, "python3.*").c_str(), &data);
  if (find != INVALID_HANDLE_VALUE)
  {
    do
    {
      if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
      {
        names.push_back(data.cFileName);
      }
    } while (FindNextFileA(find, &data));
    FindClose(find);
  }
#else
  if (DIR* d = opendir(dir.c_str()))
  {
    while (const dirent* entry = readdir(d))
    {
      names.push_back(entry->d_name);
    }
    closedir(d);
  }
#endif
  return names;
}

// The versions this bundle holds a module for, oldest first: python3.X/<module>.
std::vector<std::string> BundledVersions(const std::string& dir)
{
  std::vector<std::string> versions;
  for (const std::string& name : Subfolders(dir))
  {
    if (name.compare(0, 6, "python") == 0 && python_version::MajorMinor(name.substr(6)) == name.substr(6) &&
        IsFile(Join(Join(dir, name), kModuleName)))
    {
      versions.push_back(name.substr(6));
    }
  }
  std::sort(versions.begin(), versions.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(a.substr(2)) < std::stoi(b.substr(2));
  });
  return versions;
}

// The member `name` of `object` if it is a string, else "".
std::string StringMember(const JsonValue& object, const char* name)
{
  const JsonValue* member = object.Find(name);
  return member != nullptr && member->kind() == JsonValue::Kind::String ? member->AsString() : std::string();
}

loader::PythonSettings ReadSettings(OrthancPluginContext* context)
{
  char* json = OrthancPluginGetConfiguration(context);
  if (json == nullptr)
  {
    throw std::runtime_error("cannot read Orthanc's configuration");
  }
  const std::string text(json);
  OrthancPluginFreeString(context, json);
  const JsonValue root = JsonValue::Parse(text);
  loader::PythonSettings settings;
  const JsonValue* python = root.Find("Python");
  if (python != nullptr && python->IsObject())
  {
    settings.executable = StringMember(*python, "Executable");
    settings.version = StringMember(*python, "Version");
    settings.virtualEnv = StringMember(*python, "VirtualEnv");
  }
  return settings;
}

std::string LastError()
{
#ifdef _WIN32
  return "error " + std::to_string(GetLastError());
#else
  const char* error = dlerror();
  return error != nullptr ? error : "unknown error";
#endif
}

// The version whose module an earlier start of Orthanc in this process
// loaded, or "": its Python keeps running across Orthanc's restarts (POST
// /tools/reset), and a second Python cannot start in the same process.
std::string LoadedVersion(const std::string& dir, const std::vector<std::string>& bundled)
{
  for (const std::string& version : bundled)
  {
    const std::string path = Join(Join(dir, "python" + version), kModuleName);
#ifdef _WIN32
    if (GetModuleHandleA(path.c_str()) != nullptr)
#else
    if (dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD) != nullptr)  // the module stays loaded: no dlclose needed
#endif
    {
      return version;
    }
  }
  return "";
}

// The chosen Python's library first, by its full path, so that the module's
// dependency on libpython3.X / python3X.dll resolves to it and not to the
// Python the module was built with; then the module.  A module loaded by an
// earlier start (`loaded`) is only looked up.
bool LoadModule(const loader::PythonCandidate& python, const std::string& path, bool loaded, std::string& error)
{
#ifdef _WIN32
  if (!loaded && LoadLibraryExA(python.library.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH) == nullptr)
  {
    error = "cannot load " + python.library + " (" + LastError() + ")";
    return false;
  }
  HMODULE handle = LoadLibraryExA(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  auto symbol = [&](const char* name) { return reinterpret_cast<void*>(GetProcAddress(handle, name)); };
#else
  if (!loaded && dlopen(python.library.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE) == nullptr)
  {
    error = "cannot load " + python.library + " (" + LastError() + ")";
    return false;
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  auto symbol = [&](const char* name) { return dlsym(handle, name); };
#endif
  if (handle == nullptr)
  {
    error = "cannot load " + path + " (" + LastError() + ")";
    return false;
  }
  module_.initialize = reinterpret_cast<InitializeFunction>(symbol("OrthancPluginInitialize"));
  module_.finalize = reinterpret_cast<FinalizeFunction>(symbol("OrthancPluginFinalize"));
  module_.getName = reinterpret_cast<StringFunction>(symbol("OrthancPluginGetName"));
  module_.getVersion = reinterpret_cast<StringFunction>(symbol("OrthancPluginGetVersion"));
  if (!module_.initialize || !module_.finalize || !module_.getName || !module_.getVersion)
  {
    module_ = Module();
    error = path + " lacks Orthanc's plugin entry points";
    return false;
  }
  return true;
}

}  // namespace

extern "C"
{
ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  const std::string prefix = "Python plugin loader: ";
  try
  {
    const std::string dir = LoaderDirectory();
    const std::vector<std::string> bundled = BundledVersions(dir);
    if (bundled.empty())
    {
      OrthancPluginLogError(context, (prefix + "no python3.X/" + kModuleName + " beside " + dir +
                                      ": unpack the whole bundle, not only the loader").c_str());
      return -1;
    }
    const std::string loaded = LoadedVersion(dir, bundled);
    if (!loaded.empty())
    {
      const std::string path = Join(Join(dir, "python" + loaded), kModuleName);
      OrthancPluginLogWarning(context, (prefix + "Python " + loaded + " keeps running since Orthanc's previous "
                                        "start in this process (" + path + "); a change of the choice of Python "
                                        "takes effect when Orthanc's process starts again").c_str());
      std::string error;
      if (!LoadModule(loader::PythonCandidate(), path, true, error))
      {
        OrthancPluginLogError(context, (prefix + error).c_str());
        return -1;
      }
      return module_.initialize(context);
    }
    const loader::Choice choice =
        loader::ChoosePython(ReadSettings(context), bundled, static_cast<int>(8 * sizeof(void*)));
    if (!choice.ok)
    {
      OrthancPluginLogError(context, (prefix + choice.reason).c_str());
      return -1;
    }
    const std::string path = Join(Join(dir, "python" + choice.python.version), kModuleName);
    OrthancPluginLogWarning(context, (prefix + "chose " + choice.python.Describe() + " because " + choice.reason +
                                      "; its library " + choice.python.library + "; loading " + path +
                                      " (this bundle holds Python " + loader::ListOrNone(bundled) + ")")
                                         .c_str());
    std::string error;
    if (!LoadModule(choice.python, path, false, error))
    {
      OrthancPluginLogError(context, (prefix + error).c_str());
      return -1;
    }
    return module_.initialize(context);
  }
  catch (const std::exception& e)
  {
    OrthancPluginLogError(context, (prefix + e.what()).c_str());
    return -1;
  }
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize()
{
  if (module_.finalize != nullptr)
  {
    module_.finalize();
  }
}

// Orthanc asks for the name and version before initializing: the loader answers
// as the modules do, until one is loaded.
ORTHANC_PLUGINS_API const char* OrthancPluginGetName()
{
  return module_.getName != nullptr ? module_.getName() : "python";
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion()
{
  return module_.getVersion != nullptr ? module_.getVersion() : ORTHANC_PYTHON_VERSION;
}
}
