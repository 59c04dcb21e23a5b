# cmake -DSOURCE_DIR=<repo> [-DVERSION=] [-DLIBRARY=] [-DINCLUDE_DIR=] [-DROOT_DIR=] -P choose.cmake
# Prints the choice of cmake/MacOS.cmake as NAME=value lines (stderr), for
# tests/macos/test_python_layout.py to compare with macos/python_layout.py.
include("${SOURCE_DIR}/cmake/MacOS.cmake")
orthanc_python_macos_choose(R VERSION "${VERSION}" LIBRARY "${LIBRARY}" INCLUDE_DIR "${INCLUDE_DIR}" ROOT_DIR "${ROOT_DIR}")
foreach(_name KIND VERSION LIBRARY INCLUDE_DIR FIND_FRAMEWORK LINK_NAME RPATH ERROR_CODE)
  message("${_name}=${R_${_name}}")
endforeach()
