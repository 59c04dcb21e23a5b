# Windows builds: the Python to embed, the C/C++ runtime, the DLL's name and
# version resource.  Included by cmake/Python.cmake when WIN32.
#
#   PYTHON_WINDOWS_ROOT              a Python install laid out as on Windows: include/ (Python.h,
#                                    pyconfig.h), libs/ (pythonXY.lib), pythonXY.dll next to python.exe.
#                                    Empty: CMake's FindPython3 looks for one instead.
#   PYTHON_LIBRARY_NAME              import library name without ".lib" (default: pythonXY)
#   PYTHON_WINDOWS_USE_RELEASE_LIBS  ON (default): an MSVC Debug build still links the release
#                                    pythonXY.lib and does not turn on Py_DEBUG, so the standard
#                                    Python distribution is enough.  OFF: Debug links pythonXY_d.lib.
#   STATIC_BUILD                     link the C++ runtime into the DLL (MSVC /MT; MinGW -static),
#                                    so users need no compiler runtime DLL.
#
# With PYTHON_WINDOWS_ROOT this file defines what FindPython3 would: the
# Python3::Python imported target and Python3_VERSION, Python3_LIBRARIES,
# Python3_RUNTIME_LIBRARY_DIRS, PYTHON_REAL_EXECUTABLE (empty when cross
# compiling: the root's python.exe cannot run on the build machine).
# orthanc_python_windows_target(<target>) then finishes the plugin target.

set(PYTHON_WINDOWS_ROOT "" CACHE PATH "Windows Python install (include/, libs/) to embed")
set(PYTHON_LIBRARY_NAME "" CACHE STRING "Python import library name without .lib (default: pythonXY)")
option(PYTHON_WINDOWS_USE_RELEASE_LIBS "MSVC Debug builds link the release Python library" ON)
option(STATIC_BUILD "Link the C/C++ runtime statically into the plugin DLL" OFF)

# MSVC picks its runtime per target from this variable (policy CMP0091, NEW
# since cmake_minimum_required 3.15): /MT or /MTd with STATIC_BUILD, else /MD(d).
if(STATIC_BUILD)
  set(CMAKE_MSVC_RUNTIME_LIBRARY "MultiThreaded$<$<CONFIG:Debug>:Debug>")
else()
  set(CMAKE_MSVC_RUNTIME_LIBRARY "MultiThreaded$<$<CONFIG:Debug>:Debug>DLL")
endif()

# Whether this build links the debug Python (pythonXY_d.lib) in Debug.
if(MSVC AND NOT PYTHON_WINDOWS_USE_RELEASE_LIBS)
  set(_orthanc_python_debug_libs TRUE)
else()
  set(_orthanc_python_debug_libs FALSE)
endif()

if(PYTHON_WINDOWS_ROOT)
  file(TO_CMAKE_PATH "${PYTHON_WINDOWS_ROOT}" _root)
  set(_patchlevel "${_root}/include/patchlevel.h")
  if(NOT EXISTS "${_patchlevel}" OR NOT EXISTS "${_root}/include/pyconfig.h")
    message(FATAL_ERROR
      "PYTHON_WINDOWS_ROOT=${PYTHON_WINDOWS_ROOT} has no include/patchlevel.h and include/pyconfig.h: "
      "point it at a Windows Python install (the folder of python.exe), installed with its headers "
      "and libraries (the official installer's defaults).")
  endif()

  # The version comes from the headers: the compiled code depends on them.
  file(STRINGS "${_patchlevel}" _lines REGEX "^#define[ \t]+PY_(MAJOR|MINOR|MICRO)_VERSION[ \t]")
  foreach(_part MAJOR MINOR MICRO)
    string(REGEX MATCH "PY_${_part}_VERSION[ \t]+([0-9]+)" _match "${_lines}")
    set(Python3_VERSION_${_part} "${CMAKE_MATCH_1}")
  endforeach()
  set(Python3_VERSION "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}.${Python3_VERSION_MICRO}")
  if(PYTHON_VERSION AND NOT PYTHON_VERSION STREQUAL "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
    message(FATAL_ERROR "PYTHON_VERSION is ${PYTHON_VERSION} but ${PYTHON_WINDOWS_ROOT} holds Python ${Python3_VERSION}")
  endif()

  if(PYTHON_LIBRARY_NAME)
    set(_name "${PYTHON_LIBRARY_NAME}")
  else()
    set(_name "python${Python3_VERSION_MAJOR}${Python3_VERSION_MINOR}")
  endif()
  # MSVC names import libraries *.lib; MinGW also reads those, and its own lib*.a.
  set(_release_lib "")
  foreach(_candidate "${_name}.lib" "lib${_name}.a" "lib${_name}.dll.a")
    if(NOT _release_lib AND EXISTS "${_root}/libs/${_candidate}")
      set(_release_lib "${_root}/libs/${_candidate}")
    endif()
  endforeach()
  if(NOT _release_lib)
    message(FATAL_ERROR "No ${_name}.lib in ${_root}/libs (set PYTHON_LIBRARY_NAME if it is named otherwise)")
  endif()

  add_library(Python3::Python SHARED IMPORTED)
  set_target_properties(Python3::Python PROPERTIES
    IMPORTED_IMPLIB "${_release_lib}"
    IMPORTED_LOCATION "${_root}/${_name}.dll"
    INTERFACE_INCLUDE_DIRECTORIES "${_root}/include"
    # pyconfig.h names the library with #pragma comment(lib): MSVC must find it by name.
    INTERFACE_LINK_DIRECTORIES "${_root}/libs")
  set(Python3_LIBRARIES "${_release_lib}")

  if(_orthanc_python_debug_libs)
    set(_debug_lib "${_root}/libs/${_name}_d.lib")
    if(NOT EXISTS "${_debug_lib}")
      message(FATAL_ERROR
        "PYTHON_WINDOWS_USE_RELEASE_LIBS=OFF needs ${_debug_lib} (the installer's \"Download debug "
        "binaries\" option); or keep it ON to link the release Python in Debug builds.")
    endif()
    # RELEASE first: configurations without their own entry (RelWithDebInfo,
    # MinSizeRel) fall back to the first one listed.
    set_target_properties(Python3::Python PROPERTIES
      IMPORTED_CONFIGURATIONS "RELEASE;DEBUG"
      IMPORTED_IMPLIB_RELEASE "${_release_lib}"
      IMPORTED_LOCATION_RELEASE "${_root}/${_name}.dll"
      IMPORTED_IMPLIB_DEBUG "${_debug_lib}"
      IMPORTED_LOCATION_DEBUG "${_root}/${_name}_d.dll")
    set(Python3_LIBRARIES optimized "${_release_lib}" debug "${_debug_lib}")
  endif()

  # What MinGW's GCC must be told for python3X.dll's ABI, which MSVC gets by
  # itself: PC/pyconfig.h defines MS_WIN64 (64-bit sizes, Py_ssize_t) only for
  # MSVC before 3.12; 32-bit MinGW-w64 (msvcrt) makes time_t 32-bit unless
  # __MINGW_USE_VC2005_COMPAT is defined, and the DLL's is 64-bit.
  if(NOT MSVC AND CMAKE_SIZEOF_VOID_P EQUAL 8)
    set_property(TARGET Python3::Python APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS MS_WIN64)
  elseif(NOT MSVC)
    set_property(TARGET Python3::Python APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS __MINGW_USE_VC2005_COMPAT)
  endif()

  set(Python3_FOUND TRUE)
  set(Python3_INCLUDE_DIRS "${_root}/include")
  set(Python3_RUNTIME_LIBRARY_DIRS "${_root}")
  set(PYTHON_REAL_EXECUTABLE "")
  if(NOT CMAKE_CROSSCOMPILING AND EXISTS "${_root}/python.exe")
    set(PYTHON_REAL_EXECUTABLE "${_root}/python.exe")
  endif()
  set(Python3_EXECUTABLE "${PYTHON_REAL_EXECUTABLE}")
  message(STATUS "Windows Python ${Python3_VERSION} from ${_root} (${_release_lib})")
endif()

# Finishes the plugin target: Windows file name, export macro, runtime, version resource.
function(orthanc_python_windows_target target)
  # "OrthancPython.dll" as with MSVC; MinGW would call it libOrthancPython.dll.
  set_target_properties(${target} PROPERTIES PREFIX "" IMPORT_PREFIX "")

  # OrthancCPlugin.h marks the entry points __declspec(dllexport) only under
  # "#ifdef WIN32": MSVC's default flags define it, GCC in strict -std=c++17 does not.
  target_compile_definitions(${target} PRIVATE WIN32)

  if(_orthanc_python_debug_libs)
    # src/PythonHeaders.h then keeps _DEBUG, so pyconfig.h asks for pythonXY_d.lib and Py_DEBUG.
    target_compile_definitions(${target} PRIVATE ORTHANC_PYTHON_USE_DEBUG_LIBS)
  endif()

  if(MINGW AND STATIC_BUILD)
    # -static makes the linker take libwinpthread, libgcc and libstdc++ from
    # their .a archives, so the DLL imports none of the MinGW runtime DLLs
    # (a Windows user does not have them).  Python stays a DLL import: its
    # import library is named by full path.
    target_link_options(${target} PRIVATE -static -static-libgcc -static-libstdc++)
  endif()

  # Version resource (Explorer's Properties > Details, and what tells the
  # released DLLs apart): numbers from project(VERSION), text from the VERSION file.
  foreach(_part MAJOR MINOR PATCH TWEAK)
    set(_value "${PROJECT_VERSION_${_part}}")
    if(_value STREQUAL "")
      set(_value 0)
    endif()
    set(ORTHANC_PYTHON_RC_${_part} "${_value}")
  endforeach()
  set(ORTHANC_PYTHON_RC_VERSION "${ORTHANC_PYTHON_VERSION}")
  set(ORTHANC_PYTHON_RC_PYTHON "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
  set(_rc "${CMAKE_CURRENT_BINARY_DIR}/OrthancPythonVersion.rc")
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../windows/OrthancPython.rc.in" "${_rc}" @ONLY)
  target_sources(${target} PRIVATE "${_rc}")
endfunction()
