/* Checks a Windows Python dev root's headers (above all its pyconfig.h,
 * which the MinGW cross build writes itself) against the compiler and
 * against the real python3X.dll.  Not part of the plugin.
 *
 * Compiling it checks every SIZEOF_* / ALIGNOF_* that pyconfig.h states
 * against the compiler (static assertions), for x64 and x86 alike.
 * Running it (x64 under Wine, with the embeddable Python on PATH) starts the
 * interpreter and compares what these headers compile to (struct sizes, the
 * offset of a PyTypeObject field, Py_ssize_t's range) with what the DLL
 * reports at run time.  Each comparison prints one line:
 *     check <name> compiled=<n> runtime=<n> ok|MISMATCH
 * and the exit code is the number of mismatches (100 + step if a step fails). */
#include <Python.h>

#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <wchar.h>

/* ---- compile time: pyconfig.h against the compiler ---- */
#define SAME_SIZE(macro, type) _Static_assert((macro) == sizeof(type), #macro " is not sizeof(" #type ")")
SAME_SIZE(SIZEOF_VOID_P, void *);
SAME_SIZE(SIZEOF_SIZE_T, size_t);
SAME_SIZE(SIZEOF_INT, int);
SAME_SIZE(SIZEOF_LONG, long);
SAME_SIZE(SIZEOF_LONG_LONG, long long);
SAME_SIZE(SIZEOF_SHORT, short);
SAME_SIZE(SIZEOF_FLOAT, float);
SAME_SIZE(SIZEOF_DOUBLE, double);
SAME_SIZE(SIZEOF_WCHAR_T, wchar_t);
SAME_SIZE(SIZEOF_TIME_T, time_t);
SAME_SIZE(SIZEOF_FPOS_T, fpos_t);
SAME_SIZE(SIZEOF__BOOL, _Bool);
SAME_SIZE(SIZEOF_SIZE_T, Py_ssize_t);
#ifdef ALIGNOF_SIZE_T
_Static_assert(ALIGNOF_SIZE_T == _Alignof(size_t), "ALIGNOF_SIZE_T");
#endif
#ifdef ALIGNOF_LONG
_Static_assert(ALIGNOF_LONG == _Alignof(long), "ALIGNOF_LONG");
#endif
#if defined(_WIN64) != defined(MS_WIN64)
#error "MS_WIN64 must be defined exactly for 64-bit Windows"
#endif
#if !defined(MS_WINDOWS) || !defined(Py_ENABLE_SHARED) || defined(Py_DEBUG) || defined(Py_TRACE_REFS)
#error "a release, shared-library Windows Python is expected"
#endif
#ifdef Py_GIL_DISABLED
#error "the embeddable Python is the GIL build"
#endif

/* ---- run time: these headers against python3X.dll ---- */
static int mismatches = 0;

static void check(const char *name, long long compiled, long long runtime)
{
  int same = compiled == runtime;
  printf("check %s compiled=%lld runtime=%lld %s\n", name, compiled, runtime, same ? "ok" : "MISMATCH");
  if (!same)
    mismatches++;
}

/* An integer the interpreter computes from a Python expression. */
static long long runtime_value(const char *expression, int *failed)
{
  PyObject *globals = PyDict_New();
  PyObject *result = NULL;
  long long value = -1;
  if (globals != NULL && PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0)
    result = PyRun_String(expression, Py_eval_input, globals, globals);
  if (result != NULL)
    value = PyLong_AsLongLong(result);
  if (result == NULL || PyErr_Occurred())
  {
    printf("error evaluating %s:\n", expression);
    PyErr_Print();
    *failed = 1;
  }
  Py_XDECREF(result);
  Py_XDECREF(globals);
  return value;
}

#define CHECK(name, compiled, expression)                            \
  do {                                                               \
    int failed_ = 0;                                                 \
    long long value_ = runtime_value(expression, &failed_);          \
    if (failed_)                                                     \
      return 101;                                                    \
    check(name, (long long)(compiled), value_);                      \
  } while (0)

int main(void)
{
  Py_Initialize();
  printf("Python %s\n", Py_GetVersion());

  /* Each type's instance size, as these headers lay the struct out and as
   * the interpreter created the type (tp_basicsize, read by the DLL). */
  CHECK("sizeof(PyObject)", sizeof(PyObject), "object.__basicsize__");
  CHECK("sizeof(PyFloatObject)", sizeof(PyFloatObject), "float.__basicsize__");
  CHECK("sizeof(PyListObject)", sizeof(PyListObject), "list.__basicsize__");
  CHECK("sizeof(PyDictObject)", sizeof(PyDictObject), "dict.__basicsize__");
  CHECK("sizeof(PySetObject)", sizeof(PySetObject), "set.__basicsize__");
  CHECK("sizeof(PyHeapTypeObject)", sizeof(PyHeapTypeObject), "type.__basicsize__");
  CHECK("sizeof(PyTupleObject) - item", sizeof(PyTupleObject) - sizeof(PyObject *), "tuple.__basicsize__");
  CHECK("tuple item size", sizeof(PyObject *), "tuple.__itemsize__");
  CHECK("offsetof(PyBytesObject, ob_sval) + 1", offsetof(PyBytesObject, ob_sval) + 1, "bytes.__basicsize__");

  /* Fields the DLL filled in, read through these headers' PyTypeObject:
   * a wrong layout reads the wrong words. */
  CHECK("PyLong_Type.tp_basicsize", PyLong_Type.tp_basicsize, "int.__basicsize__");
  CHECK("PyLong_Type.tp_flags", (long long)PyLong_Type.tp_flags, "int.__flags__");
  CHECK("PyDict_Type.tp_flags", (long long)PyDict_Type.tp_flags, "dict.__flags__");

  /* Scalar types. */
  CHECK("PY_SSIZE_T_MAX", PY_SSIZE_T_MAX, "__import__('sys').maxsize");
  CHECK("sizeof(Py_hash_t) * 8", sizeof(Py_hash_t) * 8, "__import__('sys').hash_info.width");
  CHECK("sizeof(void *)", sizeof(void *), "__import__('struct').calcsize('P')");
  CHECK("sizeof(long)", sizeof(long), "__import__('struct').calcsize('l')");
  CHECK("sizeof(wchar_t)", sizeof(wchar_t), "__import__('ctypes').sizeof(__import__('ctypes').c_wchar)");
  CHECK("sizeof(time_t)", sizeof(time_t), "__import__('ctypes').sizeof(__import__('ctypes').c_int64)");

  /* Objects made and used through the API and the macros of these headers. */
  {
    PyObject *tuple = Py_BuildValue("(is)", 42, "probe");
    if (tuple == NULL)
      return 102;
    check("PyTuple_GET_SIZE", PyTuple_GET_SIZE(tuple), 2);
    check("PyLong_AsLong(PyTuple_GET_ITEM(t, 0))", PyLong_AsLong(PyTuple_GET_ITEM(tuple, 0)), 42);
    check("Py_REFCNT(fresh tuple)", Py_REFCNT(tuple), 1);
    check("Py_TYPE(tuple) == &PyTuple_Type", Py_TYPE(tuple) == &PyTuple_Type, 1);
    Py_DECREF(tuple);
  }

  if (Py_FinalizeEx() != 0)
    return 103;
  printf("%d mismatch(es)\n", mismatches);
  return mismatches;
}
