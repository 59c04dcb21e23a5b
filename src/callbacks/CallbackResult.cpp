#include "CallbackResult.h"

#include "../Log.h"
#include "../PyRef.h"

namespace callback_result
{
namespace
{
// The message of the pending exception, cleared; empty if none.  Only the
// exceptions raised by the checks here (built-in types) get there.
std::string TakeExceptionMessage()
{
  if (PyErr_Occurred() == nullptr)
  {
    return "";
  }
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  PyRef ownedType = PyRef::Steal(type);
  PyRef ownedValue = PyRef::Steal(value);
  PyRef ownedTraceback = PyRef::Steal(traceback);
  PyRef text = value != nullptr ? PyRef::Steal(PyObject_Str(value)) : PyRef();
  const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  std::string message = utf8 != nullptr ? utf8 : "";
  PyErr_Clear();
  return message;
}

// The type of `value`, and the value itself for an int (the one case where
// it tells why it was refused: out of range).
std::string Describe(PyObject* value)
{
  std::string text = Py_TYPE(value)->tp_name;
  if (PyLong_CheckExact(value))
  {
    int overflow = 0;
    const long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow == 0 && !(number == -1 && PyErr_Occurred() != nullptr))
    {
      text += " " + std::to_string(number);
    }
    PyErr_Clear();
  }
  return text;
}
}  // namespace

void LogUnexpected(const std::string& where, PyObject* value, const char* expected, const char* outcome)
{
  const std::string message = TakeExceptionMessage();
  LogError("Python plugin: " + where + " returned " + Describe(value) + " (expected " + expected + ")" +
           (message.empty() ? "" : ": " + message) + "; " + outcome);
}

bool StrictBool(PyObject* value, const std::string& where, const char* outcome, bool& target)
{
  if (!PyBool_Check(value))
  {
    LogUnexpected(where, value, "bool: True or False", outcome);
    return false;
  }
  target = (value == Py_True);
  return true;
}

bool StrictInt(PyObject* value, const std::string& where, long min, long max, const char* expected,
               const char* outcome, long& target)
{
  if (!PyLong_Check(value) || PyBool_Check(value))
  {
    LogUnexpected(where, value, expected, outcome);
    return false;
  }
  int overflow = 0;
  const long number = PyLong_AsLongAndOverflow(value, &overflow);
  if (overflow != 0 || (number == -1 && PyErr_Occurred() != nullptr) || number < min || number > max)
  {
    PyErr_Clear();
    LogUnexpected(where, value, expected, outcome);
    return false;
  }
  target = number;
  return true;
}

bool StrictNone(PyObject* value, const std::string& where, const char* expected, const char* outcome)
{
  if (value != Py_None)
  {
    LogUnexpected(where, value, expected, outcome);
    return false;
  }
  return true;
}

bool StrictBuffer(PyObject* value, const std::string& where, const char* expected, const char* outcome,
                  Py_buffer& view)
{
  // str has no buffer; a non-contiguous memoryview fails PyBUF_SIMPLE.
  if (!PyObject_CheckBuffer(value) || PyObject_GetBuffer(value, &view, PyBUF_SIMPLE) < 0)
  {
    PyErr_Clear();
    LogUnexpected(where, value, expected, outcome);
    return false;
  }
  return true;
}

bool StrictInstance(PyObject* value, PyTypeObject* type, const std::string& where, const char* expected,
                    const char* outcome)
{
  if (!PyObject_TypeCheck(value, type))
  {
    LogUnexpected(where, value, expected, outcome);
    return false;
  }
  return true;
}
}  // namespace callback_result
