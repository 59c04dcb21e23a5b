#include "LargeBlocks.h"

#include "Gil.h"

#include <cstdint>
#include <cstring>

#if defined(__linux__)
#  include <sys/mman.h>
#endif

namespace
{
// Below this, handing the GIL over costs more than the copy.
constexpr size_t kCopyWithoutGil = size_t(256) << 10;

#if defined(__linux__) && defined(MADV_HUGEPAGE)
// A block this large is a fresh mmap of glibc's, faulted in page by page
// during the copy (~2,500 faults for 10 MiB). Where transparent huge pages
// are "madvise" (Debian's default), asking for them turns those into a few
// 2 MiB faults. Only the whole huge pages inside the block are advised.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kAdviseHugePages = size_t(4) << 20;

void AdviseHugePages(char* data, size_t size)
{
  if (size < kAdviseHugePages)
  {
    return;
  }
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(kHugePage - 1);
  if (end > begin)
  {
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only: errors ignored
  }
}
#else
void AdviseHugePages(char*, size_t) {}
#endif
}  // namespace

PyObject* BytesFromBuffer(const void* data, size_t size)
{
  if (size < kCopyWithoutGil || data == nullptr)
  {
    return PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(size));
  }
  PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (bytes != nullptr)
  {
    GilRelease nogil;  // the object is not shared yet: filled without the GIL
    AdviseHugePages(PyBytes_AS_STRING(bytes), size);
    std::memcpy(PyBytes_AS_STRING(bytes), data, size);
  }
  return bytes;
}
