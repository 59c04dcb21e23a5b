// The stack switch of PythonStack.h on x86-64 Linux: a call on another stack
// without ucontext, whose getcontext/swapcontext/setcontext save and restore
// the signal mask (3 system calls per callback, for a mask that never changes).
#include "PythonStack.h"

#if ORTHANC_PYTHON_STACK_ASM

// orthanc_python_call_on_stack(top, function, argument): calls
// function(argument) with the stack pointer at `top` (16-byte aligned), then
// returns on the caller's stack. rbp keeps the caller's stack pointer (it is
// callee-saved) and is the CFA, so debuggers unwind through the switch.
// `function` must not throw: Python runs inside a catch-all (PythonStack.h).
asm(R"(
    .text
    .globl  orthanc_python_call_on_stack
    .hidden orthanc_python_call_on_stack
    .type   orthanc_python_call_on_stack, @function
orthanc_python_call_on_stack:
    .cfi_startproc
    pushq   %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq    %rsp, %rbp
    .cfi_def_cfa_register %rbp
    movq    %rdi, %rsp
    movq    %rdx, %rdi
    callq   *%rsi
    movq    %rbp, %rsp
    popq    %rbp
    .cfi_def_cfa %rsp, 8
    ret
    .cfi_endproc
    .size   orthanc_python_call_on_stack, .-orthanc_python_call_on_stack
)");

#endif
