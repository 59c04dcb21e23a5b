# Bindings generated from the SDK header (codegen/, libclang + Jinja2) into the build tree.
# The generator keeps a cache keyed by the header's hash, so a matrix of Python
# versions generates once per header.
function(_codegen_python_works interpreter result)
  execute_process(COMMAND "${interpreter}" -c "import clang.cindex, jinja2"
    RESULT_VARIABLE _status OUTPUT_QUIET ERROR_QUIET)
  if(_status EQUAL 0)
    set(${result} TRUE PARENT_SCOPE)
  else()
    set(${result} FALSE PARENT_SCOPE)
  endif()
endfunction()

if(NOT ORTHANC_CODEGEN_PYTHON)
  find_program(_path_python NAMES python3 python NO_CACHE)
  foreach(_candidate "${Python3_EXECUTABLE}" "${_path_python}")
    if(_candidate)
      _codegen_python_works("${_candidate}" _works)
      if(_works)
        set(ORTHANC_CODEGEN_PYTHON "${_candidate}" CACHE FILEPATH "" FORCE)
        break()
      endif()
    endif()
  endforeach()
endif()
if(NOT ORTHANC_CODEGEN_PYTHON)
  message(FATAL_ERROR
    "The code generator needs a Python with libclang and Jinja2. Run "
    "'python3 -m pip install -r ${CMAKE_CURRENT_SOURCE_DIR}/codegen/requirements.txt' "
    "or pass -DORTHANC_CODEGEN_PYTHON=<python that has them>.")
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
