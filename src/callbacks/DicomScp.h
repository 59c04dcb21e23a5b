// What the DICOM SCP callbacks of both SDK generations share
// (DicomScpCallbacks.cpp defines it, DicomScpCallbacks2.cpp uses it too).
#pragma once

#include "../PyRef.h"
#include "CallbackList.h"

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>

namespace dicom_scp
{
// A C-FIND or worklist handler answers through `answers`: its result must be
// None (anything else fails the C-FIND, with one log line).
OrthancPluginErrorCode CheckAnsweredThroughObject(const PyRef& result, const char* where);

// Orthanc has one C-MOVE handler: RegisterMoveCallback2 and RegisterMoveCallback3
// fill these slots, RegisterMoveCallback its own; a second registration fails.
extern CallbackSlot moveDriverFactory;
extern CallbackSlot getMoveSize;
extern CallbackSlot applyMove;
extern CallbackSlot freeMove;
bool CheckNoMoveHandler(const char* function);  // false with RuntimeError set when one is there

// The C-MOVE driver that the Python factory made.
struct PythonMoveDriver
{
  PyRef driver;         // destroyed with the GIL held (FreeMove2)
  bool failed = false;  // getMoveSize returned no count: its one sub-operation fails
};

// The C-MOVE callbacks that drive a PythonMoveDriver (getMoveSize, applyMove, freeMove).
uint32_t GetMoveSize2(void* driver);
OrthancPluginErrorCode ApplyMove2(void* driver);
void FreeMove2(void* driver);
}  // namespace dicom_scp
