# The Orthanc plugin SDK header: from ORTHANC_SDK_PATH or the system (orthanc-dev).
find_path(_orthanc_sdk_dir NAMES OrthancCPlugin.h orthanc/OrthancCPlugin.h
  HINTS "${ORTHANC_SDK_PATH}" "${ORTHANC_SDK_PATH}/include" "${ORTHANC_SDK_PATH}/include/orthanc"
  PATH_SUFFIXES orthanc
  NO_CACHE)
if(NOT _orthanc_sdk_dir)
  message(FATAL_ERROR
    "The Orthanc plugin SDK header OrthancCPlugin.h was not found. Install it (Debian: apt-get install "
    "orthanc-dev) or pass -DORTHANC_SDK_PATH=<folder holding OrthancCPlugin.h>.")
endif()
if(EXISTS "${_orthanc_sdk_dir}/OrthancCPlugin.h")
  set(ORTHANC_SDK_HEADER "${_orthanc_sdk_dir}/OrthancCPlugin.h")
else()
  set(ORTHANC_SDK_HEADER "${_orthanc_sdk_dir}/orthanc/OrthancCPlugin.h")
endif()

# The sources include <orthanc/OrthancCPlugin.h>: expose the header under that name.
set(ORTHANC_SDK_INCLUDE_DIR "${CMAKE_CURRENT_BINARY_DIR}/sdk")
configure_file("${ORTHANC_SDK_HEADER}" "${ORTHANC_SDK_INCLUDE_DIR}/orthanc/OrthancCPlugin.h" COPYONLY)
