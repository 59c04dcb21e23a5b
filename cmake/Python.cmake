# The Python to embed, found by CMake's FindPython3 (Interpreter + Development.Embed),
# or on Windows from PYTHON_WINDOWS_ROOT (cmake/PythonWindows.cmake).
if(WIN32)
  include("${CMAKE_CURRENT_LIST_DIR}/PythonWindows.cmake")
  if(TARGET Python3::Python)
    return()
  endif()
endif()

set(_python_request "")
if(PYTHON_VERSION)
  if(NOT PYTHON_VERSION MATCHES "^3\\.[0-9]+$")
    message(FATAL_ERROR "PYTHON_VERSION must look like 3.12 (major.minor), not '${PYTHON_VERSION}'")
  endif()
  set(_python_request ${PYTHON_VERSION} EXACT)
endif()

find_package(Python3 ${_python_request} COMPONENTS Interpreter Development.Embed)
if(NOT Python3_FOUND)
  message(FATAL_ERROR
    "Python ${PYTHON_VERSION} with its embedding files (headers and a shared libpython) was not found. "
    "Pass -DPython3_ROOT_DIR=<prefix of that Python> (for pyenv: $(pyenv root)/versions/<version>), "
    "or install it (Debian: apt-get install python${PYTHON_VERSION}-dev).")
endif()

# Python3_EXECUTABLE may be a launcher (pyenv shim): ask the interpreter for its real path.
execute_process(
  COMMAND "${Python3_EXECUTABLE}" -c "import sys; print(sys.executable)"
  OUTPUT_VARIABLE PYTHON_REAL_EXECUTABLE OUTPUT_STRIP_TRAILING_WHITESPACE)
