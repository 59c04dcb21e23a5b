# What both MinGW-w64 toolchain files share; each sets _triple first.
# The "-posix" compilers: with GCC 12 the "-win32" thread model has no
# std::thread or std::mutex, which the plugin uses.  Their thread support
# (winpthread) is linked statically with STATIC_BUILD.
find_program(CMAKE_C_COMPILER NAMES ${_triple}-gcc-posix ${_triple}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${_triple}-g++-posix ${_triple}-g++ REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${_triple}-windres REQUIRED)

set(CMAKE_FIND_ROOT_PATH /usr/${_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # build tools run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)   # never link a Linux library
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# BOTH: the Orthanc SDK header is plain C shared by every platform and lives
# on the host (/usr/include/orthanc), outside the MinGW sysroot.
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
