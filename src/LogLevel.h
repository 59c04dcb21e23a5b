// Keeps the logging bridge's level in step with Orthanc's verbosity, which
// may change at run time (PUT /tools/log-level).
#pragma once

// At plugin start, without the GIL, once the bridge is installed: registers a
// C filter that notices PUT /tools/log-level and starts the thread that then
// reads the new level (Orthanc has no event for it).
void StartFollowingLogLevel();

// At plugin stop, without the GIL, before Python stops.
void StopFollowingLogLevel();
