// The lock of the plugin's own shared state (registered callables, caches).
//
// With the GIL, Python threads never touch these at the same time; a
// free-threaded Python (3.13t, 3.14t) runs callbacks truly in parallel, so
// each shared structure keeps one of these small mutexes.  Rules: held only
// for copies and pointer updates, never while Python code runs or while a
// reference that may free an object is dropped (a finalizer could wait for
// the same lock, or for a stop-the-world pause that a thread blocked here
// never reaches).  Uncontended, it costs ~20 ns, nothing next to a callback.
#pragma once

#include <mutex>

using SharedMutex = std::mutex;
using SharedLock = std::lock_guard<std::mutex>;
