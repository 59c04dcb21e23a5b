// DICOM SCP callbacks:
//   orthanc.RegisterFindCallback()       C-FIND SCP (patients, studies...)
//   orthanc.RegisterWorklistCallback()   C-FIND SCP for modality worklists
//   orthanc.RegisterMoveCallback()       C-MOVE SCP, one sub-operation per request (as upstream)
//   orthanc.RegisterMoveCallback2()      C-MOVE SCP with a Python driver and its own sub-operation count
// Orthanc calls them from its DICOM server threads.
#include "../Errors.h"
#include "../Gil.h"
#include "../HandleObject.h"
#include "../Log.h"
#include "../PluginContext.h"
#include "CallbackList.h"
#include "CallbackResult.h"
#include "DicomScp.h"
#include "OrthancGenerated.h"
#include "PythonCall.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>

namespace
{
CallbackSlot find_("C-FIND SCP callback");
CallbackSlot worklist_("worklist callback");

CallbackSlot move_("C-MOVE SCP callback");
}  // namespace

namespace dicom_scp
{
CallbackSlot moveDriverFactory("C-MOVE SCP callback");
CallbackSlot getMoveSize("C-MOVE SCP callback");
CallbackSlot applyMove("C-MOVE SCP callback");
CallbackSlot freeMove("C-MOVE SCP callback");

// The C-FIND handlers answer through `answers`; a value they return would
// be matches that never reach the peer, which would see "no match" as a
// success: it fails the C-FIND instead.
OrthancPluginErrorCode CheckAnsweredThroughObject(const PyRef& result, const char* where)
{
  if (!result)
  {
    return OrthancPluginErrorCode_Plugin;  // reported by CallPython
  }
  if (!callback_result::StrictNone(result.get(), where, "None: the answers are added with answers.*AddAnswer()",
                                   "the C-FIND fails"))
  {
    return OrthancPluginErrorCode_Plugin;
  }
  return OrthancPluginErrorCode_Success;
}

// A C-FIND or worklist callback: callable(answers, query, issuerAet, calledAet).
template <typename Answers, typename Query, typename WrapAnswers, typename WrapQuery>
OrthancPluginErrorCode CallQueryCallback(const CallbackSlot& slot, const char* where, Answers* answers,
                                         const Query* query, const char* issuerAet, const char* calledAet,
                                         WrapAnswers wrapAnswers, WrapQuery wrapQuery)
{
  GilHold gil;
  BorrowedHandle answersObject(PyRef::Steal(wrapAnswers(answers, false)));
  BorrowedHandle queryObject(PyRef::Steal(wrapQuery(query, false)));
  PyRef result = CallPython(slot, where, {answersObject.get(), queryObject.get(), Str(issuerAet).get(),
                                          Str(calledAet).get()});
  return CheckAnsweredThroughObject(result, where);
}

OrthancPluginErrorCode OnFind(OrthancPluginFindAnswers* answers, const OrthancPluginFindQuery* query,
                              const char* issuerAet, const char* calledAet)
{
  return CallQueryCallback(find_, "the C-FIND SCP callback", answers, query, issuerAet, calledAet,
                           generated::Wrap_FindAnswers, generated::Wrap_FindQuery);
}

OrthancPluginErrorCode OnWorklist(OrthancPluginWorklistAnswers* answers, const OrthancPluginWorklistQuery* query,
                                  const char* issuerAet, const char* calledAet)
{
  return CallQueryCallback(worklist_, "the worklist callback", answers, query, issuerAet, calledAet,
                           generated::Wrap_WorklistAnswers, generated::Wrap_WorklistQuery);
}

// --- C-MOVE -------------------------------------------------------------------

// What a C-MOVE request asks for, copied from Orthanc's arguments.
struct MoveRequest
{
  OrthancPluginResourceType level;
  std::string patientId;
  std::string accessionNumber;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string sopInstanceUid;
  std::string originatorAet;
  std::string sourceAet;
  std::string targetAet;
  uint16_t originatorId;

  static std::string Copy(const char* value) { return value != nullptr ? value : ""; }

  // The keyword arguments of the Python callback (as upstream).
  PyRef Keywords() const
  {
    const char* levelName = nullptr;
    switch (level)
    {
      case OrthancPluginResourceType_Patient: levelName = "PATIENT"; break;
      case OrthancPluginResourceType_Study: levelName = "STUDY"; break;
      case OrthancPluginResourceType_Series: levelName = "SERIES"; break;
      case OrthancPluginResourceType_Instance: levelName = "INSTANCE"; break;
      default:
        PyErr_Format(PyExc_ValueError, "unknown C-MOVE level %d", static_cast<int>(level));
        return PyRef();
    }
    return PyRef::Steal(Py_BuildValue(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "Level", levelName, "PatientID", patientId.c_str(),
        "AccessionNumber", accessionNumber.c_str(), "StudyInstanceUID", studyInstanceUid.c_str(),
        "SeriesInstanceUID", seriesInstanceUid.c_str(), "SOPInstanceUID", sopInstanceUid.c_str(),
        "OriginatorAET", originatorAet.c_str(), "SourceAET", sourceAet.c_str(), "TargetAET", targetAet.c_str(),
        "OriginatorID", static_cast<int>(originatorId)));
  }
};

MoveRequest* NewMoveRequest(OrthancPluginResourceType level, const char* patientId, const char* accessionNumber,
                            const char* studyInstanceUid, const char* seriesInstanceUid, const char* sopInstanceUid,
                            const char* originatorAet, const char* sourceAet, const char* targetAet,
                            uint16_t originatorId)
{
  return new MoveRequest{level,
                         MoveRequest::Copy(patientId),
                         MoveRequest::Copy(accessionNumber),
                         MoveRequest::Copy(studyInstanceUid),
                         MoveRequest::Copy(seriesInstanceUid),
                         MoveRequest::Copy(sopInstanceUid),
                         MoveRequest::Copy(originatorAet),
                         MoveRequest::Copy(sourceAet),
                         MoveRequest::Copy(targetAet),
                         originatorId};
}

// Version 1: the driver is the request; the Python callback runs as the one sub-operation.
void* CreateMove(OrthancPluginResourceType level, const char* patientId, const char* accessionNumber,
                 const char* studyInstanceUid, const char* seriesInstanceUid, const char* sopInstanceUid,
                 const char* originatorAet, const char* sourceAet, const char* targetAet, uint16_t originatorId)
{
  return NewMoveRequest(level, patientId, accessionNumber, studyInstanceUid, seriesInstanceUid, sopInstanceUid,
                        originatorAet, sourceAet, targetAet, originatorId);
}

uint32_t GetMoveSize(void* /* driver */)
{
  return 1;
}

OrthancPluginErrorCode ApplyMove(void* driver)
{
  const char* where = "the C-MOVE SCP callback";
  GilHold gil;
  PyRef kwargs = static_cast<MoveRequest*>(driver)->Keywords();
  if (!kwargs)
  {
    return ReportPythonError(where);
  }
  return CallPython(move_, where, {}, kwargs.get()) ? OrthancPluginErrorCode_Success : OrthancPluginErrorCode_Plugin;
}

void FreeMove(void* driver)
{
  delete static_cast<MoveRequest*>(driver);  // no Python object inside
}

// Version 2: the driver is a Python object made by the Python factory (DicomScp.h).

void* CreateMove2(OrthancPluginResourceType level, const char* patientId, const char* accessionNumber,
                  const char* studyInstanceUid, const char* seriesInstanceUid, const char* sopInstanceUid,
                  const char* originatorAet, const char* sourceAet, const char* targetAet, uint16_t originatorId)
{
  std::unique_ptr<MoveRequest> request(NewMoveRequest(level, patientId, accessionNumber, studyInstanceUid,
                                                      seriesInstanceUid, sopInstanceUid, originatorAet, sourceAet,
                                                      targetAet, originatorId));
  GilHold gil;
  const char* where = "the C-MOVE SCP callback (creation of the driver)";
  PyRef kwargs = request->Keywords();
  PyRef driver = kwargs ? CallPython(moveDriverFactory, where, {}, kwargs.get()) : PyRef();
  if (!driver)
  {
    if (!kwargs)
    {
      ReportPythonError(where);
    }
    return nullptr;  // Orthanc answers the C-MOVE with a failure
  }
  return new PythonMoveDriver{std::move(driver), false};
}

uint32_t GetMoveSize2(void* driver)
{
  const char* where = "the C-MOVE SCP callback (getMoveSize)";
  GilHold gil;
  PyRef result = CallPython(getMoveSize, where, {static_cast<PythonMoveDriver*>(driver)->driver.get()});
  // Without a count, 0 would report the C-MOVE as done: instead one
  // sub-operation runs, and fails (ApplyMove2), so that the peer sees a failure.
  if (!result)
  {
    static_cast<PythonMoveDriver*>(driver)->failed = true;
    return 1;
  }
  long size = 0;
  if (!callback_result::StrictInt(result.get(), where, 0, static_cast<long>(std::min<uint64_t>(UINT32_MAX, LONG_MAX)),
                                  "int: the number of sub-operations", "the C-MOVE fails", size))
  {
    static_cast<PythonMoveDriver*>(driver)->failed = true;
    return 1;
  }
  return static_cast<uint32_t>(size);
}

OrthancPluginErrorCode ApplyMove2(void* driver)
{
  const char* where = "the C-MOVE SCP callback (applyMove)";
  if (static_cast<PythonMoveDriver*>(driver)->failed)
  {
    return OrthancPluginErrorCode_Plugin;
  }
  GilHold gil;
  return CallPython(applyMove, where, {static_cast<PythonMoveDriver*>(driver)->driver.get()})
             ? OrthancPluginErrorCode_Success
             : OrthancPluginErrorCode_Plugin;
}

void FreeMove2(void* driver)
{
  GilHold gil;
  std::unique_ptr<PythonMoveDriver> owned(static_cast<PythonMoveDriver*>(driver));
  CallPython(freeMove, "the C-MOVE SCP callback (freeMove)", {owned->driver.get()});
}  // `owned` (and the Python driver) go away here, with the GIL held

bool CheckNoMoveHandler(const char* function)
{
  if (move_.IsSet() || moveDriverFactory.IsSet())
  {
    const std::string& owner = move_.IsSet() ? move_.owner() : moveDriverFactory.owner();
    PyErr_Format(PyExc_RuntimeError, "%s: can only register one C-MOVE SCP callback (RegisterMoveCallback, "
                 "RegisterMoveCallback2 or RegisterMoveCallback3), and %s registered one already (the Orthanc "
                 "SDK has a single slot for it: keep it in one script)", function, owner.c_str());
    return false;
  }
  return true;
}
}  // namespace dicom_scp

using namespace dicom_scp;

PyObject* RegisterFindCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, find_, "RegisterFindCallback", [] {
    return OrthancPluginRegisterFindCallback(PluginContext(), OnFind);
  });
}

PyObject* RegisterWorklistCallback(PyObject* /* module */, PyObject* args)
{
  return RegisterSlotCallback(args, worklist_, "RegisterWorklistCallback", [] {
    return OrthancPluginRegisterWorklistCallback(PluginContext(), OnWorklist);
  });
}

PyObject* RegisterMoveCallback(PyObject* /* module */, PyObject* args)
{
  if (!CheckNoMoveHandler("RegisterMoveCallback"))
  {
    return nullptr;
  }
  return RegisterSlotCallback(args, move_, "RegisterMoveCallback", [] {
    return OrthancPluginRegisterMoveCallback(PluginContext(), CreateMove, GetMoveSize, ApplyMove, FreeMove);
  });
}

PyObject* RegisterMoveCallback2(PyObject* /* module */, PyObject* args)
{
  PyObject* factory = nullptr;
  PyObject* getMoveSize = nullptr;
  PyObject* applyMove = nullptr;
  PyObject* freeMove = nullptr;
  const char* function = "RegisterMoveCallback2";
  if (!PyArg_ParseTuple(args, "OOOO:RegisterMoveCallback2", &factory, &getMoveSize, &applyMove, &freeMove) ||
      !CheckNoMoveHandler(function) || !CheckCallable(factory, function) || !CheckCallable(getMoveSize, function) ||
      !CheckCallable(applyMove, function) || !CheckCallable(freeMove, function))
  {
    return nullptr;
  }
  dicom_scp::moveDriverFactory.Set(factory, function);
  dicom_scp::getMoveSize.Set(getMoveSize, function);
  dicom_scp::applyMove.Set(applyMove, function);
  dicom_scp::freeMove.Set(freeMove, function);
  OrthancPluginErrorCode code;
  {
    GilRelease nogil;
    code = OrthancPluginRegisterMoveCallback(PluginContext(), CreateMove2, GetMoveSize2, ApplyMove2, FreeMove2);
  }
  return ResultFromErrorCode(code);
}
