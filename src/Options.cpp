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
  options.script = ReadString(root.Find("PythonScript"), "PythonScript");
  if (options.script.empty())
  {
    options.script = ReadString(Lookup(python, "Path"), "Python.Path");
  }
  options.verbose = ReadBool(root.Find("PythonVerbose"), "PythonVerbose", false) ||
                    ReadBool(Lookup(python, "Verbose"), "Python.Verbose", false);
  options.allowThreads = ReadBool(Lookup(python, "AllowThreads"), "Python.AllowThreads", true);
  options.displayMemoryUsage = ReadBool(Lookup(python, "DisplayMemoryUsage"), "Python.DisplayMemoryUsage", false);
  options.virtualEnv = ReadString(Lookup(python, "VirtualEnv"), "Python.VirtualEnv");
  return options;
}
