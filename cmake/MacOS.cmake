# macOS: which Python the plugin links, never the stub of Xcode or of the
# Command Line Tools ("not an allowed client"), and how the built library
# finds that Python again on a user's machine (@rpath + LC_RPATH).
#
# The same rules as macos/python_layout.py, whose docstring says why;
# tests/macos runs both on the same synthetic layouts and compares them.
#
# Inputs, all optional:
#   PYTHON_VERSION       X.Y (else read from the inputs below)
#   PYTHON_LIBRARY       the Python library, e.g. .../Python.framework/Versions/3.12/lib/libpython3.12.dylib
#   PYTHON_INCLUDE_DIR   the folder holding its Python.h
#                        (both as in the OS X note of the plugin's documentation;
#                        scikit-build-core passes them too)
#   Python3_ROOT_DIR     a framework version folder, a Homebrew python@X.Y prefix or a
#                        pyenv/uv prefix; else the base prefix of Python3_EXECUTABLE
#
# Included before cmake/Python.cmake (it sets FindPython3's Python3_LIBRARY,
# Python3_INCLUDE_DIR and Python3_FIND_FRAMEWORK); then call
#   orthanc_python_macos_validate()        after FindPython3
#   orthanc_python_macos_target(<target>)  after add_library()
# Without APPLE (cmake -P, tests) only the functions are defined.

function(_orthanc_python_macos_refusal path out_code out_message)
  set(${out_code} "" PARENT_SCOPE)
  set(_p "${path}/")
  set(_what "")
  if(_p MATCHES "^/Applications/Xcode[^/]*\\.app/")
    set(_code xcode)
    set(_what "Xcode's Python3.framework")
  elseif(_p MATCHES "^/Library/Developer/CommandLineTools/")
    set(_code xcode)
    set(_what "the Command Line Tools' Python3.framework")
  elseif(_p MATCHES "/Python3\\.framework/")
    set(_code xcode)
    set(_what "Apple's Python3.framework")
  elseif(_p MATCHES "^/System/Library/Frameworks/Python\\.framework/")
    set(_code system)
    set(_what "Apple's /System Python framework")
  endif()
  if(_what)
    set(${out_code} ${_code} PARENT_SCOPE)
    set(${out_message}
      "${path} is ${_what}, which only Apple's own binaries may link (\"not an allowed client\"): install Python "
      "from python.org or Homebrew, or pass -DPython3_ROOT_DIR=<its prefix> or -DPYTHON_LIBRARY/-DPYTHON_INCLUDE_DIR"
      PARENT_SCOPE)
  endif()
endfunction()

# <out>_DIR and <out>_VERSION: the framework version folder holding `path`
# (inside a framework, a Python.framework folder, or a Homebrew prefix).
function(_orthanc_python_macos_framework_dir path version out)
  string(REGEX REPLACE "/+$" "" _path "${path}")
  set(${out}_DIR "" PARENT_SCOPE)
  set(${out}_VERSION "" PARENT_SCOPE)
  if("${_path}/" MATCHES "^(.*/Python\\.framework/Versions/([0-9]+\\.[0-9]+))/")
    set(${out}_DIR "${CMAKE_MATCH_1}" PARENT_SCOPE)
    set(${out}_VERSION "${CMAKE_MATCH_2}" PARENT_SCOPE)
    return()
  endif()
  if(NOT version)
    return()
  endif()
  set(_candidates "")
  if(_path MATCHES "/Python\\.framework$")
    list(APPEND _candidates "${_path}/Versions/${version}")
  endif()
  list(APPEND _candidates "${_path}/Frameworks/Python.framework/Versions/${version}")
  foreach(_candidate IN LISTS _candidates)
    if(IS_DIRECTORY "${_candidate}")
      set(${out}_DIR "${_candidate}" PARENT_SCOPE)
      set(${out}_VERSION "${version}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

macro(_orthanc_python_macos_fail code message)
  set(${ARG_PREFIX}_ERROR_CODE "${code}" PARENT_SCOPE)
  set(${ARG_PREFIX}_ERROR "${message}" PARENT_SCOPE)
  return()
endmacro()

# orthanc_python_macos_choose(<prefix> [VERSION x.y] [LIBRARY f] [INCLUDE_DIR d] [ROOT_DIR d])
# Sets <prefix>_KIND (framework, dylib, or empty: nothing given, FindPython3
# searches), _VERSION, _LIBRARY, _INCLUDE_DIR, _FIND_FRAMEWORK, _LINK_NAME,
# _RPATH (list), or _ERROR_CODE and _ERROR.
function(orthanc_python_macos_choose prefix)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "VERSION;LIBRARY;INCLUDE_DIR;ROOT_DIR" "")
  set(ARG_PREFIX ${prefix})
  foreach(_name KIND VERSION LIBRARY INCLUDE_DIR FIND_FRAMEWORK LINK_NAME RPATH ERROR_CODE ERROR)
    set(${prefix}_${_name} "" PARENT_SCOPE)
  endforeach()
  foreach(_given IN ITEMS "${ARG_LIBRARY}" "${ARG_INCLUDE_DIR}" "${ARG_ROOT_DIR}")
    if(_given)
      _orthanc_python_macos_refusal("${_given}" _code _message)
      if(_code)
        _orthanc_python_macos_fail(${_code} "${_message}")
      endif()
    endif()
  endforeach()

  set(_version "${ARG_VERSION}")
  set(_kind "")
  if(ARG_LIBRARY)
    if(NOT EXISTS "${ARG_LIBRARY}" OR IS_DIRECTORY "${ARG_LIBRARY}")
      _orthanc_python_macos_fail(missing-library "PYTHON_LIBRARY ${ARG_LIBRARY} does not exist")
    endif()
    _orthanc_python_macos_framework_dir("${ARG_LIBRARY}" "${_version}" _fw)
    set(_of_library "${_fw_VERSION}")
    if(NOT _fw_DIR)
      get_filename_component(_name "${ARG_LIBRARY}" NAME)
      if(_name MATCHES "python([0-9]+\\.[0-9]+)")
        set(_of_library "${CMAKE_MATCH_1}")
      endif()
    endif()
    if(_version AND _of_library AND NOT _of_library STREQUAL _version)
      _orthanc_python_macos_fail(version "${ARG_LIBRARY} is Python ${_of_library}, not PYTHON_VERSION ${_version}")
    endif()
    if(NOT _version)
      set(_version "${_of_library}")
    endif()
    if(NOT _version)
      _orthanc_python_macos_fail(version "cannot tell the Python version of ${ARG_LIBRARY}: set PYTHON_VERSION")
    endif()
    if(_fw_DIR)
      set(_kind framework)
    else()
      set(_kind dylib)
      get_filename_component(_prefix "${ARG_LIBRARY}" DIRECTORY)
      get_filename_component(_prefix "${_prefix}" DIRECTORY)
      set(_library "${ARG_LIBRARY}")
    endif()
  elseif(ARG_ROOT_DIR)
    _orthanc_python_macos_framework_dir("${ARG_ROOT_DIR}" "${_version}" _fw)
    if(_fw_DIR)
      if(_version AND _fw_VERSION AND NOT _fw_VERSION STREQUAL _version)
        _orthanc_python_macos_fail(version "${ARG_ROOT_DIR} is Python ${_fw_VERSION}, not PYTHON_VERSION ${_version}")
      endif()
      if(NOT _version)
        set(_version "${_fw_VERSION}")
      endif()
      set(_kind framework)
    else()
      if(NOT _version)
        _orthanc_python_macos_fail(version "cannot tell the Python version of ${ARG_ROOT_DIR}: set PYTHON_VERSION")
      endif()
      set(_kind dylib)
      string(REGEX REPLACE "/+$" "" _prefix "${ARG_ROOT_DIR}")
      set(_library "")
    endif()
  else()
    return()
  endif()

  if(_kind STREQUAL "framework")
    # Always the framework's own dylib (see python_layout._framework).
    set(_library "${_fw_DIR}/lib/libpython${_version}.dylib")
    if(NOT EXISTS "${_library}" OR IS_DIRECTORY "${_library}")
      _orthanc_python_macos_fail(missing-library "no ${_library}: not a complete Python ${_version} framework")
    endif()
    set(_include "${ARG_INCLUDE_DIR}")
    if(NOT _include)
      set(_include "${_fw_DIR}/include/python${_version}")
    endif()
    string(REGEX REPLACE "/Python\\.framework/.*$" "" _parent "${_fw_DIR}")
    string(REPLACE "." "\\." _escaped "${_version}")
    if(_parent MATCHES "^(.*)/Cellar/python@${_escaped}/[^/]+/Frameworks$")
      set(_parent "${CMAKE_MATCH_1}/opt/python@${_version}/Frameworks")
    endif()
    set(_rpath "@loader_path/../../../../../../.." "${_parent}" "/Library/Frameworks"
      "/opt/homebrew/opt/python@${_version}/Frameworks" "/usr/local/opt/python@${_version}/Frameworks")
    set(_find_framework FIRST)
    set(_link_name "@rpath/Python.framework/Versions/${_version}/Python")
  else()
    if(NOT _library)
      set(_library "${_prefix}/lib/libpython${_version}.dylib")
    endif()
    if(NOT _library MATCHES "\\.dylib$" OR NOT EXISTS "${_library}" OR IS_DIRECTORY "${_library}")
      _orthanc_python_macos_fail(static
        "no shared library ${_library}: this Python was built without --enable-shared "
        "(pyenv: env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install ${_version})")
    endif()
    set(_include "${ARG_INCLUDE_DIR}")
    if(NOT _include)
      set(_include "${_prefix}/include/python${_version}")
    endif()
    get_filename_component(_libdir "${_library}" DIRECTORY)
    set(_rpath "@loader_path/../../.." "${_libdir}")
    set(_find_framework NEVER)
    set(_link_name "@rpath/libpython${_version}.dylib")
  endif()
  if(NOT EXISTS "${_include}/Python.h")
    _orthanc_python_macos_fail(missing-headers "no Python.h in ${_include}")
  endif()
  list(REMOVE_DUPLICATES _rpath)

  set(${prefix}_KIND "${_kind}" PARENT_SCOPE)
  set(${prefix}_VERSION "${_version}" PARENT_SCOPE)
  set(${prefix}_LIBRARY "${_library}" PARENT_SCOPE)
  set(${prefix}_INCLUDE_DIR "${_include}" PARENT_SCOPE)
  set(${prefix}_FIND_FRAMEWORK "${_find_framework}" PARENT_SCOPE)
  set(${prefix}_LINK_NAME "${_link_name}" PARENT_SCOPE)
  set(${prefix}_RPATH "${_rpath}" PARENT_SCOPE)
endfunction()

# After FindPython3: whatever it found must not be Apple's stub; the choice
# is made from the found library when nothing was given beforehand.
function(orthanc_python_macos_validate)
  foreach(_found IN LISTS Python3_LIBRARIES Python3_INCLUDE_DIRS)
    _orthanc_python_macos_refusal("${_found}" _code _message)
    if(_code)
      message(FATAL_ERROR "FindPython3 chose ${_message}")
    endif()
  endforeach()
  if(NOT ORTHANC_PYTHON_MACOS_KIND)
    # FindPython3 names a framework by its folder (linked as -framework).
    if(IS_DIRECTORY "${Python3_LIBRARIES}")
      set(_given ROOT_DIR "${Python3_LIBRARIES}")
    else()
      set(_given LIBRARY "${Python3_LIBRARIES}")
    endif()
    orthanc_python_macos_choose(ORTHANC_PYTHON_MACOS VERSION "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}"
      ${_given} INCLUDE_DIR "${Python3_INCLUDE_DIRS}")
    if(ORTHANC_PYTHON_MACOS_ERROR)
      message(FATAL_ERROR "${ORTHANC_PYTHON_MACOS_ERROR}")
    endif()
    foreach(_name KIND LIBRARY LINK_NAME RPATH)
      set(ORTHANC_PYTHON_MACOS_${_name} "${ORTHANC_PYTHON_MACOS_${_name}}" PARENT_SCOPE)
    endforeach()
  endif()
endfunction()

# The plugin's load command for Python becomes @rpath/..., found through
# LC_RPATH entries (ORTHANC_PYTHON_MACOS_RPATH); the library it was linked
# against is recorded under its own install name, read here with otool.
function(orthanc_python_macos_target target)
  execute_process(COMMAND otool -D "${ORTHANC_PYTHON_MACOS_LIBRARY}"
    OUTPUT_VARIABLE _otool RESULT_VARIABLE _status ERROR_QUIET)
  string(REGEX REPLACE "^[^\n]*\n" "" _install_name "${_otool}")
  string(STRIP "${_install_name}" _install_name)
  if(NOT _status EQUAL 0 OR NOT _install_name)
    message(FATAL_ERROR "cannot read the install name of ${ORTHANC_PYTHON_MACOS_LIBRARY} (otool -D)")
  endif()
  set_target_properties(${target} PROPERTIES
    INSTALL_NAME_DIR "@rpath"
    BUILD_WITH_INSTALL_RPATH ON
    INSTALL_RPATH "${ORTHANC_PYTHON_MACOS_RPATH}")
  if(NOT _install_name STREQUAL ORTHANC_PYTHON_MACOS_LINK_NAME)
    # install_name_tool invalidates the linker's ad-hoc signature, which
    # arm64 requires: sign again.
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND install_name_tool -change "${_install_name}" "${ORTHANC_PYTHON_MACOS_LINK_NAME}" "$<TARGET_FILE:${target}>"
      COMMAND codesign --force --sign - "$<TARGET_FILE:${target}>"
      VERBATIM)
  endif()
  message(STATUS "OrthancPython (macOS): ${ORTHANC_PYTHON_MACOS_KIND} Python, load command "
                 "${ORTHANC_PYTHON_MACOS_LINK_NAME}, LC_RPATH ${ORTHANC_PYTHON_MACOS_RPATH}")
endfunction()

if(APPLE AND NOT CMAKE_SCRIPT_MODE_FILE)
  set(PYTHON_LIBRARY "" CACHE FILEPATH "macOS: the Python library to link (framework or libpythonX.Y.dylib)")
  set(PYTHON_INCLUDE_DIR "" CACHE PATH "macOS: the folder holding that Python's Python.h")
  set(_orthanc_macos_version "${PYTHON_VERSION}")
  set(_orthanc_macos_root "${Python3_ROOT_DIR}")
  if(NOT PYTHON_LIBRARY AND Python3_EXECUTABLE AND (NOT _orthanc_macos_root OR NOT _orthanc_macos_version))
    # A venv's interpreter (scikit-build-core) knows where its base Python is.
    execute_process(
      COMMAND "${Python3_EXECUTABLE}" -c "import sys; print(sys.base_prefix); print('%d.%d' % sys.version_info[:2])"
      OUTPUT_VARIABLE _orthanc_macos_probe RESULT_VARIABLE _orthanc_macos_status ERROR_QUIET)
    if(_orthanc_macos_status EQUAL 0)
      string(REPLACE "\n" ";" _orthanc_macos_probe "${_orthanc_macos_probe}")
      list(GET _orthanc_macos_probe 0 _orthanc_macos_base)
      list(GET _orthanc_macos_probe 1 _orthanc_macos_minor)
      if(NOT _orthanc_macos_root)
        set(_orthanc_macos_root "${_orthanc_macos_base}")
      endif()
      if(NOT _orthanc_macos_version)
        set(_orthanc_macos_version "${_orthanc_macos_minor}")
      endif()
    endif()
  endif()
  orthanc_python_macos_choose(ORTHANC_PYTHON_MACOS VERSION "${_orthanc_macos_version}"
    LIBRARY "${PYTHON_LIBRARY}" INCLUDE_DIR "${PYTHON_INCLUDE_DIR}" ROOT_DIR "${_orthanc_macos_root}")
  if(ORTHANC_PYTHON_MACOS_ERROR)
    message(FATAL_ERROR "${ORTHANC_PYTHON_MACOS_ERROR}")
  endif()
  if(ORTHANC_PYTHON_MACOS_KIND)
    # FindPython3 takes these as given (its artifacts), and does not look for
    # frameworks first when the Python is a dylib (pyenv).
    set(Python3_FIND_FRAMEWORK ${ORTHANC_PYTHON_MACOS_FIND_FRAMEWORK})
    set(Python3_LIBRARY "${ORTHANC_PYTHON_MACOS_LIBRARY}")
    set(Python3_INCLUDE_DIR "${ORTHANC_PYTHON_MACOS_INCLUDE_DIR}")
    if(NOT PYTHON_VERSION)
      set(PYTHON_VERSION "${ORTHANC_PYTHON_MACOS_VERSION}")
    endif()
  endif()
endif()
