// The "X.Y" of a Python version as written in configurations, pyvenv.cfg and
// folder names: the part that must match for a module built for one Python to
// load into another.
#pragma once

#include <string>

namespace python_version
{
// "3.12.1" -> "3.12", "3.12.1.final.0" -> "3.12"; "" when `text` does not start
// with a version (white space around it is allowed).
std::string MajorMinor(const std::string& text);
}  // namespace python_version
