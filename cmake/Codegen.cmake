# Bindings generated from the SDK header (codegen/, libclang + Jinja2) into the build tree.
# The generator keeps a cache keyed by the header's hash, so a matrix of Python
# versions generates once per header.
#
# The generator's interpreter (ORTHANC_CODEGEN_PYTHON), when not given: the
# first Python that imports clang.cindex and jinja2 and whose libclang loads,
# among the Python being built for, python3 on PATH, and Debian's own
# /usr/bin/python3 and /usr/bin/python3.X (python3-clang, python3-jinja2:
# Debian forbids pip into them, PEP 668); else a venv in the build tree with
# codegen/requirements.txt from PyPI.
set(_codegen_requirements "${CMAKE_CURRENT_SOURCE_DIR}/codegen/requirements.txt")
# Debian's python3-clang-N finds its libclang-N.so by itself; Index.create()
# is what loads it (importing clang.cindex alone succeeds without it).
set(_codegen_probe [=[import clang.cindex as c, jinja2; c.Index.create(); print("%s, libclang %s, Jinja2 %s" % (c.__file__, c.conf.get_filename(), jinja2.__version__))]=])

function(_codegen_python_works interpreter result)
  execute_process(COMMAND "${interpreter}" -c "${_codegen_probe}"
    RESULT_VARIABLE _status OUTPUT_VARIABLE _found OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_status EQUAL 0)
    set(${result} "${_found}" PARENT_SCOPE)
  else()
    set(${result} "" PARENT_SCOPE)
  endif()
endfunction()

# A venv of its own, with the pinned libclang and Jinja2 from PyPI, made from
# the first candidate that can make one (Debian's python3 needs python3-venv).
function(_codegen_venv candidates result)
  set(_venv "${CMAKE_CURRENT_BINARY_DIR}/codegen-venv")
  if(WIN32)
    set(_python "${_venv}/Scripts/python.exe")
  else()
    set(_python "${_venv}/bin/python")
  endif()
  set(${result} "" PARENT_SCOPE)
  if(NOT EXISTS "${_python}")
    foreach(_base IN LISTS candidates)
      execute_process(COMMAND "${_base}" -m venv "${_venv}"
        RESULT_VARIABLE _status OUTPUT_QUIET ERROR_QUIET)
      if(_status EQUAL 0 AND EXISTS "${_python}")
        break()
      endif()
      file(REMOVE_RECURSE "${_venv}")
    endforeach()
    if(NOT EXISTS "${_python}")
      return()
    endif()
  endif()
  message(STATUS "Code generator: installing ${_codegen_requirements} into ${_venv} (pip)")
  execute_process(
    COMMAND "${_python}" -m pip install --disable-pip-version-check --quiet --retries 2
            -r "${_codegen_requirements}"
    RESULT_VARIABLE _status)
  if(_status EQUAL 0)
    set(${result} "${_python}" PARENT_SCOPE)
  endif()
endfunction()

if(ORTHANC_CODEGEN_PYTHON)
  message(STATUS "Code generator: ${ORTHANC_CODEGEN_PYTHON}")
else()
  find_program(_path_python NAMES python3 python NO_CACHE)
  set(_candidates "${Python3_EXECUTABLE}" "${_path_python}")
  if(CMAKE_HOST_SYSTEM_NAME STREQUAL "Linux")
    # (not on macOS: /usr/bin/python3 is Xcode's stub there)
    list(APPEND _candidates /usr/bin/python3)
    if(Python3_VERSION_MAJOR EQUAL 3)
      list(APPEND _candidates "/usr/bin/python3.${Python3_VERSION_MINOR}")
    endif()
  endif()
  set(_existing "")
  foreach(_candidate IN LISTS _candidates)
    if(_candidate AND EXISTS "${_candidate}" AND NOT _candidate IN_LIST _existing)
      list(APPEND _existing "${_candidate}")
    endif()
  endforeach()
  set(_codegen_found "")
  foreach(_candidate IN LISTS _existing)
    _codegen_python_works("${_candidate}" _codegen_found)
    if(_codegen_found)
      set(_codegen_python "${_candidate}")
      break()
    endif()
  endforeach()
  if(NOT _codegen_found)
    _codegen_venv("${_existing}" _codegen_python)
    if(_codegen_python)
      _codegen_python_works("${_codegen_python}" _codegen_found)
    endif()
  endif()
  if(NOT _codegen_found)
    string(REPLACE ";" ", " _tried "${_existing}")
    message(FATAL_ERROR
      "The code generator needs a Python with libclang (clang.cindex) and Jinja2; none of "
      "${_tried} has them, and no venv with ${_codegen_requirements} could be made "
      "(it needs PyPI, and python3-venv on Debian). "
      "On Debian: apt-get install python3-clang python3-jinja2. "
      "Or pass -DORTHANC_CODEGEN_PYTHON=<python that has them>.")
  endif()
  set(ORTHANC_CODEGEN_PYTHON "${_codegen_python}" CACHE FILEPATH
    "Python interpreter with libclang and Jinja2, for the code generator" FORCE)
  message(STATUS "Code generator: ${_codegen_python} (${_codegen_found})")
endif()

set(GENERATED_DIR "${CMAKE_CURRENT_BINARY_DIR}/generated")
set(GENERATED_SOURCES
  "${GENERATED_DIR}/OrthancFunctions.cpp"
  "${GENERATED_DIR}/OrthancClasses.cpp"
  "${GENERATED_DIR}/OrthancEnums.cpp")
set(_generated_files ${GENERATED_SOURCES}
  "${GENERATED_DIR}/OrthancGenerated.h"
  "${GENERATED_DIR}/orthanc.pyi"
  "${GENERATED_DIR}/coverage.md"
  "${GENERATED_DIR}/coverage.json"
  "${GENERATED_DIR}/model.json")

file(GLOB_RECURSE _codegen_inputs CONFIGURE_DEPENDS
  "${CMAKE_CURRENT_SOURCE_DIR}/codegen/*.py"
  "${CMAKE_CURRENT_SOURCE_DIR}/codegen/*.j2"
  "${CMAKE_CURRENT_SOURCE_DIR}/codegen/*.h")

set(_cache_args "")
if(ORTHANC_CODEGEN_CACHE)
  set(_cache_args --cache-dir "${ORTHANC_CODEGEN_CACHE}")
endif()

add_custom_command(
  OUTPUT ${_generated_files}
  COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}"
          "${ORTHANC_CODEGEN_PYTHON}" -m codegen
          --header "${ORTHANC_SDK_HEADER}" --output-dir "${GENERATED_DIR}" ${_cache_args}
  DEPENDS "${ORTHANC_SDK_HEADER}" ${_codegen_inputs}
  COMMENT "Generating the orthanc module from ${ORTHANC_SDK_HEADER}"
  VERBATIM)
add_custom_target(orthanc_codegen DEPENDS ${_generated_files})
