#include "Module.h"

#include "Errors.h"
#include "OrthancGenerated.h"
#include "PyRef.h"

PyObject* PyInitOrthancModule()
{
  // generated::kModuleFunctions lists the generated wrappers, then the
  // hand-written functions of src/ (codegen/handwritten/).
  static PyModuleDef definition = {
      PyModuleDef_HEAD_INIT, "orthanc",
      "Access to the Orthanc plugin SDK from Python (the Python plugin for Orthanc).",
      -1, generated::kModuleFunctions, nullptr, nullptr, nullptr, nullptr};

  PyRef module = PyRef::Steal(PyModule_Create(&definition));
  if (!module || !RegisterOrthancException(module.get()) || !generated::AddEnums(module.get()) ||
      !generated::AddClasses(module.get()))
  {
    return nullptr;
  }
#ifdef Py_GIL_DISABLED
  // A free-threaded Python keeps the GIL off: the plugin's shared state has
  // its own locks (SharedState.h), Python objects theirs.
  if (PyUnstable_Module_SetGIL(module.get(), Py_MOD_GIL_NOT_USED) < 0)
  {
    return nullptr;
  }
#endif
  return module.release();
}
