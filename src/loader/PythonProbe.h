// Finding Pythons and telling what each is, one implementation per platform
// (PythonProbePosix.cpp, PythonProbeWindows.cpp); PythonChoice.cpp decides among them.
#pragma once

#include "PythonChoice.h"

#include <string>
#include <vector>

namespace loader
{
// What the interpreter at `executable` is: ProbeInterpreter's answer, or the
// problem "no such file" (PythonChoice.cpp).
PythonCandidate Probe(const std::string& executable);

// What the interpreter at `executable`, an existing file, is: its version, shared
// library and pointer size, or the problem that rules it out.
PythonCandidate ProbeInterpreter(const std::string& executable);

// The Pythons registered with the system: PEP 514 on Windows, none elsewhere.
std::vector<PythonCandidate> RegisteredPythons();

// The folders where Python `version` ("3.12") is looked for by name, PATH's first.
std::vector<std::string> SearchDirectories(const std::string& version);

// The names Python `version` ("" for any) goes by in such a folder, preferred first.
std::vector<std::string> InterpreterNames(const std::string& version);

// The interpreter of Python `version` (may be empty) in `dir`: a venv's home.
std::string InterpreterIn(const std::string& dir, const std::string& version);

// Where SearchDirectories looks besides PATH and the registry, for messages:
// "on PATH" + this.
std::string OtherSearchedPlaces();
}  // namespace loader
