// What a virtual environment's pyvenv.cfg says about the Python it was made
// from: the plugin checks a venv against its embedded Python with it, the
// loader (src/loader) chooses that Python with it.
#pragma once

#include <string>

namespace pyvenv
{
struct Config
{
  bool found = false;   // the venv has a readable pyvenv.cfg
  std::string home;     // "home": the folder of the base interpreter; empty when not said
  std::string version;  // "version_info", else "version", as X.Y; empty when not said
};

// `<venv>/pyvenv.cfg`.
Config Read(const std::string& venv);
}  // namespace pyvenv
