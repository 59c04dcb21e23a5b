// The PATH environment variable: its folders, and the first file of a name in them.
#include "SearchPath.h"

#include "../FileSystem.h"

#include <cstdlib>
#include <sstream>

namespace loader
{
namespace
{
#ifdef _WIN32
const char kPathListSeparator = ';';
#else
const char kPathListSeparator = ':';
#endif
}  // namespace

std::vector<std::string> PathDirectories()
{
  std::vector<std::string> dirs;
  const char* path = std::getenv("PATH");
  std::stringstream stream(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(stream, dir, kPathListSeparator))
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
    const std::string candidate = file_system::Join(dir, name);
    if (file_system::IsFile(candidate))
    {
      return candidate;
    }
  }
  return "";
}
}  // namespace loader
