// What the two storage commitment SCP registrations (RegisterStorageCommitmentScpCallback,
// and its SDK 1.12.10 form with the DICOM connection) share once their factory
// has run: the driver it returned, and the lookup of each instance against it.
#pragma once

#include "../PyRef.h"
#include "CallbackList.h"

#include <orthanc/OrthancCPlugin.h>

namespace storage_commitment
{
// Keeps `driver`, the factory's result (empty: it failed), as Orthanc's handler;
// None sets no handler: this plugin leaves the request to Orthanc.  With the GIL held.
OrthancPluginErrorCode KeepDriver(PyRef driver, void** handler);

// Orthanc's destructor of a handler made by KeepDriver.
void DestroyHandler(void* handler);

// Calls the lookup in `slot` with the instance's UIDs and the driver; a result
// that is not an orthanc.StorageCommitmentFailureReason reports the instance
// as a processing failure.
OrthancPluginErrorCode Lookup(const CallbackSlot& slot, OrthancPluginStorageCommitmentFailureReason* target,
                              void* handler, const char* sopClassUid, const char* sopInstanceUid);
}  // namespace storage_commitment
