// The storage commitment SCP's handler (the Python driver) and its lookups,
// shared by both registrations.
#include "StorageCommitment.h"

#include "../Gil.h"
#include "CallbackResult.h"
#include "PythonCall.h"

#include <utility>

namespace storage_commitment
{
namespace
{
struct Handler
{
  PyRef driver;  // destroyed with the GIL held (DestroyHandler)
};
}  // namespace

OrthancPluginErrorCode KeepDriver(PyRef driver, void** handler)
{
  *handler = nullptr;
  if (!driver)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  if (driver.get() != Py_None)
  {
    *handler = new Handler{std::move(driver)};
  }
  return OrthancPluginErrorCode_Success;
}

void DestroyHandler(void* handler)
{
  GilHold gil;
  delete static_cast<Handler*>(handler);
}

OrthancPluginErrorCode Lookup(const CallbackSlot& slot, OrthancPluginStorageCommitmentFailureReason* target,
                              void* handler, const char* sopClassUid, const char* sopInstanceUid)
{
  const char* where = "the storage commitment SCP lookup";
  GilHold gil;
  PyRef result = CallPython(slot, where, {Str(sopClassUid).get(), Str(sopInstanceUid).get(),
                                          static_cast<Handler*>(handler)->driver.get()});
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  long reason = 0;
  if (!callback_result::StrictInt(result.get(), where, OrthancPluginStorageCommitmentFailureReason_Success,
                                  OrthancPluginStorageCommitmentFailureReason_DuplicateTransactionUID,
                                  "an orthanc.StorageCommitmentFailureReason",
                                  "the instance is reported as a processing failure", reason))
  {
    reason = OrthancPluginStorageCommitmentFailureReason_ProcessingFailure;
  }
  *target = static_cast<OrthancPluginStorageCommitmentFailureReason>(reason);
  return OrthancPluginErrorCode_Success;
}
}  // namespace storage_commitment
