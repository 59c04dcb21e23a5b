// Which Python the loader runs: the configuration's choice, a virtual environment,
// the Pythons registered on Windows (PEP 514), or the first python3 on PATH.
#pragma once

#include <string>
#include <vector>

namespace loader
{
struct PythonCandidate
{
  std::string version;     // "3.12"; empty when it could not be told
  std::string executable;  // the interpreter it was found as
  std::string library;     // its shared libpython3.X.so / python3X.dll; empty when it has none
  int bits = 0;            // 32 or 64; 0 when unknown
  std::string problem;     // why it cannot run here; empty when it can
  std::string Describe() const;
};

struct PythonSettings  // the "Python" section of Orthanc's configuration
{
  std::string executable;  // Python.Executable
  std::string version;     // Python.Version ("3.12", or "3.12.1": only X.Y counts)
  std::string virtualEnv;  // Python.VirtualEnv
};

struct Choice
{
  bool ok = false;
  PythonCandidate python;
  std::string reason;  // why this one (ok), or the one error naming what was found (not ok)
};

// `bundled`: the versions the bundle holds a module for ("3.8", ...);
// `loaderBits`: the loader's own pointer size, which the Python must share.
Choice ChoosePython(const PythonSettings& settings, const std::vector<std::string>& bundled, int loaderBits);

// "a, b, c", or "none" for an empty list (for messages).
std::string ListOrNone(const std::vector<std::string>& items);
}  // namespace loader
