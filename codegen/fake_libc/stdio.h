/* Minimal stand-in for <stdio.h>: only what the Orthanc SDK header uses. */
#ifndef CODEGEN_FAKE_STDIO_H
#define CODEGEN_FAKE_STDIO_H
#include <stddef.h>
typedef struct _CodegenFakeFile FILE;
int sscanf(const char* str, const char* format, ...);
int printf(const char* format, ...);
#endif
