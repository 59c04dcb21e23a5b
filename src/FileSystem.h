// Files and folders in standard C++ and the platform's own calls, no Python:
// shared by the plugin and the loader (src/loader), which links no libpython.
#pragma once

#include <string>

namespace file_system
{
#ifdef _WIN32
const char kDirSeparator = '\\';
#else
const char kDirSeparator = '/';
#endif

bool IsFile(const std::string& path);

bool IsDirectory(const std::string& path);

// The folder holding `path` ("." when it names none).
std::string Directory(const std::string& path);

// `dir` and `name` with one separator between them.
std::string Join(const std::string& dir, const std::string& name);

// The file of the loaded library (or executable) holding `address`, e.g. a
// function of its own; "" when the system cannot tell.
std::string ModuleFileContaining(const void* address);
}  // namespace file_system
