// The Orthanc that runs the plugin: the plugin may be built against a newer
// SDK header than this Orthanc, so what a newer release brought is checked
// before it is used.
#pragma once

#include "PythonHeaders.h"

#include <string>

// True when the running Orthanc is `major.minor.revision` or newer (a
// "mainline" build counts as newest). Otherwise raises orthanc.OrthancException
// naming `function` and the release it needs, and returns false.
bool RequireOrthanc(const char* function, int major, int minor, int revision);

// The same test without raising.
bool OrthancIsAtLeast(int major, int minor, int revision);

// "1.12.7", as Orthanc reports it.
std::string RunningOrthancVersion();
