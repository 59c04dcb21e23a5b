#include "Options.h"

#include "Json.h"

#include <stdexcept>

namespace
{
const JsonValue* Lookup(const JsonValue* section, const char* key)
{
  return (section != nullptr && section->IsObject()) ? section->Find(key) : nullptr;
}

bool ReadBool(const JsonValue* value, const std::string& name, bool defaultValue)
{
  if (value == nullptr)
  {
    return defaultValue;
  }
  if (value->kind() != JsonValue::Kind::Bool)
  {
    throw std::runtime_error("the configuration option \"" + name + "\" must be true or false");
  }
  return value->AsBool();
}

std::string ReadString(const JsonValue* value, const std::string& name)
{
  if (value == nullptr)
  {
    return "";
  }
  if (value->kind() != JsonValue::Kind::String)
  {
    throw std::runtime_error("the configuration option \"" + name + "\" must be a string (a path)");
  }
  return value->AsString();
}
// A path or a list of paths (several scripts, imported in order).
std::vector<std::string> ReadScripts(const JsonValue* value, const std::string& name)
{
  if (value == nullptr || value->kind() != JsonValue::Kind::Array)
  {
    const std::string path = ReadString(value, name);
    return path.empty() ? std::vector<std::string>() : std::vector<std::string>{path};
  }
  std::vector<std::string> paths;
  for (const JsonValue& item : value->AsArray())
  {
    if (item.kind() != JsonValue::Kind::String || item.AsString().empty())
    {
      throw std::runtime_error("the configuration option \"" + name +
                               "\" must be a path or a list of paths (strings), e.g. [\"/etc/orthanc/a.py\", "
                               "\"/etc/orthanc/b.py\"]");
    }
    paths.push_back(item.AsString());
  }
  return paths;
}

double ReadSeconds(const JsonValue* value, const std::string& name, double defaultValue)
{
  if (value == nullptr)
  {
    return defaultValue;
  }
  if (value->kind() != JsonValue::Kind::Number || !(value->AsNumber() > 0))
  {
    throw std::runtime_error("the configuration option \"" + name + "\" must be a number of seconds above 0");
  }
  return value->AsNumber();
}
}  // namespace

PluginOptions ReadPluginOptions(const std::string& configurationJson)
{
  const JsonValue root = JsonValue::Parse(configurationJson);
  const JsonValue* python = root.Find("Python");
  if (python != nullptr && !python->IsObject())
  {
    throw std::runtime_error("the configuration option \"Python\" must be an object");
  }

  PluginOptions options;
  options.scripts = ReadScripts(root.Find("PythonScript"), "PythonScript");
  if (options.scripts.empty())
  {
    options.scripts = ReadScripts(Lookup(python, "Path"), "Python.Path");
  }
  options.verbose = ReadBool(root.Find("PythonVerbose"), "PythonVerbose", false) ||
                    ReadBool(Lookup(python, "Verbose"), "Python.Verbose", false);
  options.allowThreads = ReadBool(Lookup(python, "AllowThreads"), "Python.AllowThreads", true);
  options.displayMemoryUsage = ReadBool(Lookup(python, "DisplayMemoryUsage"), "Python.DisplayMemoryUsage", false);
  options.virtualEnv = ReadString(Lookup(python, "VirtualEnv"), "Python.VirtualEnv");
  options.logging = ReadBool(Lookup(python, "Logging"), "Python.Logging", true);
  options.allowReload = ReadBool(Lookup(python, "AllowReload"), "Python.AllowReload", false);
  const JsonValue* remote = root.Find("RemoteAccessAllowed");
  const JsonValue* authentication = root.Find("AuthenticationEnabled");
  options.unauthenticatedRemoteAccess = remote != nullptr && remote->kind() == JsonValue::Kind::Bool &&
                                        remote->AsBool() && authentication != nullptr &&
                                        authentication->kind() == JsonValue::Kind::Bool && !authentication->AsBool();
  options.asyncTimeout = ReadSeconds(Lookup(python, "AsyncTimeout"), "Python.AsyncTimeout", 60);
  return options;
}
