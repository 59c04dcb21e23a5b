// bytes objects made from large C buffers, copied without the GIL.
//
// A 10 MiB request body or SDK result takes ~1-2 ms to copy; with the GIL
// held, that copy serializes every callback of the plugin.  The bytes object
// is allocated with the GIL (Python's allocator needs it), then filled with
// the GIL released: no other thread can see the object before it is returned.
// On Linux a block of 4 MiB or more is first advised for transparent huge
// pages, which cuts the page faults of its fresh memory (bench/README.md, (g)).
#pragma once

#include "PythonHeaders.h"

#include <cstddef>

// New reference (nullptr with MemoryError set); the GIL is held on entry and exit.
PyObject* BytesFromBuffer(const void* data, size_t size);
