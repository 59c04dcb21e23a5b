// Virtual environments: "Python.VirtualEnv" (or, when the option is absent,
// the VIRTUAL_ENV environment variable) names a venv whose site-packages are
// put first on sys.path, as site.addsitedir() does (so .pth files work).
#pragma once

#include <optional>
#include <string>

struct VirtualEnv
{
  std::string path;          // the venv's folder
  std::string sitePackages;  // <venv>/lib/pythonX.Y/site-packages (Lib\site-packages on Windows)
  std::string interpreter;   // <venv>/bin/python (Scripts\python.exe), or empty if absent
  bool fromEnvironment;      // true: found through $VIRTUAL_ENV
};

// The venv to use, checked against the embedded Python (version X.Y).
// A venv configured with the option that is missing, incomplete or made for
// another Python throws std::runtime_error (the plugin does not start); one
// found through $VIRTUAL_ENV is ignored with one error in the log.
std::optional<VirtualEnv> FindVirtualEnv(const std::string& option);

// With the GIL held, before the script is imported: site.addsitedir() on
// the venv's site-packages, whose entries then go first on sys.path, and
// sys.executable set to the venv's interpreter.  Throws std::runtime_error.
void ActivateVirtualEnv(const VirtualEnv& venv);
