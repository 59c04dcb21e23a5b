/* Minimal stand-in for <string.h>: only what the Orthanc SDK header uses. */
#ifndef CODEGEN_FAKE_STRING_H
#define CODEGEN_FAKE_STRING_H
#include <stddef.h>
void* memset(void* dest, int value, size_t count);
void* memcpy(void* dest, const void* src, size_t count);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
#endif
