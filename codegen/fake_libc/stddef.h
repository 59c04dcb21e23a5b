/* Minimal stand-in for <stddef.h>: the codegen parses the Orthanc SDK header
   with -nostdinc so that the result does not depend on the host's libc. */
#ifndef CODEGEN_FAKE_STDDEF_H
#define CODEGEN_FAKE_STDDEF_H
typedef unsigned long size_t;
typedef long ptrdiff_t;
#define NULL ((void*) 0)
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
