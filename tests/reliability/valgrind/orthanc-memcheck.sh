#!/bin/sh
# Runs Orthanc under valgrind memcheck: point the test harness at this file
# (ORTHANC_BINARY=.../orthanc-memcheck.sh) and every Orthanc that a test
# starts runs under memcheck, with one log per process in $MEMCHECK_LOG_DIR.
#
# PYTHONMALLOC=malloc: Python's small-object allocator hides use-after-free
# and overflows from memcheck (and reads uninitialised memory on purpose).
set -e
: "${MEMCHECK_LOG_DIR:?set MEMCHECK_LOG_DIR}"
here=$(dirname "$0")
export PYTHONMALLOC=malloc
exec valgrind --tool=memcheck \
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=40 --error-limit=no --child-silent-after-fork=yes \
  --suppressions="$here/python-orthanc.supp" \
  --log-file="$MEMCHECK_LOG_DIR/memcheck.%p.log" \
  "${MEMCHECK_ORTHANC:-/usr/sbin/Orthanc}" "$@"
