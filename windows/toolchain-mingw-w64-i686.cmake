# Cross compiling the plugin for 32-bit Windows on Linux with MinGW-w64
# (Debian: apt-get install mingw-w64).
#
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=windows/toolchain-mingw-w64-i686.cmake \
#         -DPYTHON_WINDOWS_ROOT=<dev root> -DSTATIC_BUILD=ON -DORTHANC_CODEGEN_PYTHON=<host python>
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR X86)

set(_triple i686-w64-mingw32)
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
