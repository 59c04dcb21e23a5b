// Reading a virtual environment's pyvenv.cfg: "key = value" lines, as written
// by `python -m venv` ("version = 3.12.1") and virtualenv or uv
// ("version_info = 3.12.1.final.0").
#include "Pyvenv.h"

#include "FileSystem.h"
#include "PythonVersion.h"

#include <fstream>

namespace pyvenv
{
namespace
{
std::string Trim(const std::string& text)
{
  const size_t first = text.find_first_not_of(" \t\r\n");
  const size_t last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}
}  // namespace

Config Read(const std::string& venv)
{
  Config config;
  std::ifstream file(file_system::Join(venv, "pyvenv.cfg"));
  config.found = static_cast<bool>(file);
  std::string line, version, versionInfo;
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
      config.home = value;
    }
    else if (key == "version")
    {
      version = value;
    }
    else if (key == "version_info")
    {
      versionInfo = value;
    }
  }
  config.version = python_version::MajorMinor(versionInfo.empty() ? version : versionInfo);
  return config;
}
}  // namespace pyvenv
