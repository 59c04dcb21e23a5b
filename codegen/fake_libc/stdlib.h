/* Minimal stand-in for <stdlib.h>: only what the Orthanc SDK header uses. */
#ifndef CODEGEN_FAKE_STDLIB_H
#define CODEGEN_FAKE_STDLIB_H
#include <stddef.h>
void* malloc(size_t size);
void free(void* pointer);
#endif
