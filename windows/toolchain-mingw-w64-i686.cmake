# Cross compiling the plugin for 32-bit Windows on Linux with MinGW-w64
# (Debian: apt-get install mingw-w64).
#
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=windows/toolchain-mingw-w64-i686.cmake \
#         -DPYTHON_WINDOWS_ROOT=<dev root> -DSTATIC_BUILD=ON -DORTHANC_CODEGEN_PYTHON=<host python>
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR X86)

set(_triple i686-w64-mingw32)
include("${CMAKE_CURRENT_LIST_DIR}/toolchain-mingw-w64-common.cmake")
