// DICOM SCP callbacks that receive the DICOM connection (SDK 1.12.10+):
//   orthanc.RegisterFindCallback2()                   C-FIND SCP
//   orthanc.RegisterWorklistCallback2()               C-FIND SCP for modality worklists
//   orthanc.RegisterMoveCallback3()                   C-MOVE SCP (C OrthancPluginRegisterMoveCallback2)
//   orthanc.RegisterStorageCommitmentScpCallback2()   storage commitment SCP
// The connection is an orthanc.DicomConnection valid during the call only.
// Compiled only when the SDK header has these functions: the generated
// OrthancGenerated.h declares them then only.
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "DicomScp.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"
#include "StorageCommitment.h"

#if ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 10)

#include <memory>
#include <string>

namespace
{
CallbackSlot find2_("C-FIND SCP callback");
CallbackSlot worklist2_("worklist callback");
CallbackSlot commitmentFactory2_("storage commitment SCP callback");
CallbackSlot commitmentLookup2_("storage commitment SCP callback");

// A borrowed orthanc.DicomConnection, invalidated when this goes away.
BorrowedHandle Connection(const OrthancPluginDicomConnection* connection)
{
  return BorrowedHandle(PyRef::Steal(generated::Wrap_DicomConnection(connection, false)));
}

template <typename Answers, typename Query, typename WrapAnswers, typename WrapQuery>
OrthancPluginErrorCode CallQueryCallback(const CallbackSlot& slot, const char* where, Answers* answers,
                                         const Query* query, const OrthancPluginDicomConnection* connection,
                                         WrapAnswers wrapAnswers, WrapQuery wrapQuery)
{
  GilHold gil;
  BorrowedHandle answersObject(PyRef::Steal(wrapAnswers(answers, false)));
  BorrowedHandle queryObject(PyRef::Steal(wrapQuery(query, false)));
  BorrowedHandle connectionObject = Connection(connection);
  PyRef result = CallPython(slot, where, {answersObject.get(), queryObject.get(), connectionObject.get()});
  return dicom_scp::CheckAnsweredThroughObject(result, where);
}

OrthancPluginErrorCode OnFind2(OrthancPluginFindAnswers* answers, const OrthancPluginFindQuery* query,
                               const OrthancPluginDicomConnection* connection)
{
  return CallQueryCallback(find2_, "the C-FIND SCP callback", answers, query, connection, generated::Wrap_FindAnswers,
                           generated::Wrap_FindQuery);
}

OrthancPluginErrorCode OnWorklist2(OrthancPluginWorklistAnswers* answers, const OrthancPluginWorklistQuery* query,
                                   const OrthancPluginDicomConnection* connection)
{
  return CallQueryCallback(worklist2_, "the worklist callback", answers, query, connection,
                           generated::Wrap_WorklistAnswers, generated::Wrap_WorklistQuery);
}

// --- C-MOVE -------------------------------------------------------------------

const char* LevelName(OrthancPluginResourceType level)
{
  switch (level)
  {
    case OrthancPluginResourceType_Patient: return "PATIENT";
    case OrthancPluginResourceType_Study: return "STUDY";
    case OrthancPluginResourceType_Series: return "SERIES";
    case OrthancPluginResourceType_Instance: return "INSTANCE";
    default: return nullptr;
  }
}

const char* Text(const char* value)
{
  return value != nullptr ? value : "";
}

void* CreateMove3(OrthancPluginResourceType level, const char* patientId, const char* accessionNumber,
                  const char* studyInstanceUid, const char* seriesInstanceUid, const char* sopInstanceUid,
                  const OrthancPluginDicomConnection* connection, const char* targetAet, uint16_t originatorId)
{
  const char* where = "the C-MOVE SCP callback (creation of the driver)";
  GilHold gil;
  const char* levelName = LevelName(level);
  if (levelName == nullptr)
  {
    LogError(std::string("Python plugin: ") + where + ": unknown C-MOVE level " +
             std::to_string(static_cast<int>(level)));
    return nullptr;
  }
  BorrowedHandle connectionObject = Connection(connection);
  PyRef kwargs = connectionObject.get() != nullptr
                     ? PyRef::Steal(Py_BuildValue(
                           "{s:O,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "Connection", connectionObject.get(), "Level",
                           levelName, "PatientID", Text(patientId), "AccessionNumber", Text(accessionNumber),
                           "StudyInstanceUID", Text(studyInstanceUid), "SeriesInstanceUID", Text(seriesInstanceUid),
                           "SOPInstanceUID", Text(sopInstanceUid), "TargetAET", Text(targetAet), "OriginatorID",
                           static_cast<int>(originatorId)))
                     : PyRef();
  PyRef driver = kwargs ? CallPython(dicom_scp::moveDriverFactory, where, {}, kwargs.get()) : PyRef();
  if (!driver)
  {
    if (!kwargs)
    {
      ReportPythonError(where);
    }
    return nullptr;  // Orthanc answers the C-MOVE with a failure
  }
  return new dicom_scp::PythonMoveDriver{std::move(driver), false};
}

// --- storage commitment -----------------------------------------------------------

OrthancPluginErrorCode CommitmentFactory2(void** handler, const char* jobId, const char* transactionUid,
                                          const char* const* sopClassUids, const char* const* sopInstanceUids,
                                          uint32_t countInstances, const OrthancPluginDicomConnection* connection)
{
  GilHold gil;
  PyRef classes = ListOfStrings(sopClassUids, countInstances);
  PyRef instances = ListOfStrings(sopInstanceUids, countInstances);
  BorrowedHandle connectionObject = Connection(connection);
  return storage_commitment::KeepDriver(
      CallPython(commitmentFactory2_, "the storage commitment SCP callback",
                 {Str(Text(jobId)).get(), Str(Text(transactionUid)).get(), classes.get(), instances.get(),
                  connectionObject.get()}),
      handler);
}

OrthancPluginErrorCode CommitmentLookup2(OrthancPluginStorageCommitmentFailureReason* target, void* handler,
                                         const char* sopClassUid, const char* sopInstanceUid)
{
  return storage_commitment::Lookup(commitmentLookup2_, target, handler, sopClassUid, sopInstanceUid);
}
}  // namespace

PyObject* RegisterFindCallback2(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, find2_, "RegisterFindCallback2", [] {
    return OrthancPluginRegisterFindCallback2(PluginContext(), OnFind2);
  });
}

PyObject* RegisterWorklistCallback2(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, worklist2_, "RegisterWorklistCallback2", [] {
    return OrthancPluginRegisterWorklistCallback2(PluginContext(), OnWorklist2);
  });
}

PyObject* RegisterMoveCallback3(PyObject* /* module */, PyObject* args)
{
  PyObject* factory = nullptr;
  PyObject* getMoveSize = nullptr;
  PyObject* applyMove = nullptr;
  PyObject* freeMove = nullptr;
  const char* function = "RegisterMoveCallback3";
  if (!PyArg_ParseTuple(args, "OOOO:RegisterMoveCallback3", &factory, &getMoveSize, &applyMove, &freeMove) ||
      !CheckCallable(factory, function) || !CheckCallable(getMoveSize, function) ||
      !CheckCallable(applyMove, function) || !CheckCallable(freeMove, function) ||
      !dicom_scp::CheckNoMoveHandler(function) || !dicom_scp::moveDriverFactory.Set(factory, function))
  {
    return nullptr;
  }
  dicom_scp::getMoveSize.Set(getMoveSize, function);
  dicom_scp::applyMove.Set(applyMove, function);
  dicom_scp::freeMove.Set(freeMove, function);
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginRegisterMoveCallback2(PluginContext(), CreateMove3, dicom_scp::GetMoveSize2,
                                              dicom_scp::ApplyMove2, dicom_scp::FreeMove2);
  }
  return ResultFromErrorCode(code);
}

PyObject* RegisterStorageCommitmentScpCallback2(PyObject* /* module */, PyObject* args)
{
  PyObject* factory = nullptr;
  PyObject* lookup = nullptr;
  const char* function = "RegisterStorageCommitmentScpCallback2";
  if (!PyArg_ParseTuple(args, "OO:RegisterStorageCommitmentScpCallback2", &factory, &lookup) ||
      !CheckCallable(factory, function) || !CheckCallable(lookup, function) ||
      !commitmentFactory2_.Set(factory, function) || !commitmentLookup2_.Set(lookup, function))
  {
    return nullptr;
  }
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginRegisterStorageCommitmentScpCallback2(PluginContext(), CommitmentFactory2,
                                                              storage_commitment::DestroyHandler, CommitmentLookup2);
  }
  return ResultFromErrorCode(code);
}

#endif  // ORTHANC_PLUGINS_VERSION_IS_ABOVE(1, 12, 10)
