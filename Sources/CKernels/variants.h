// How a kernel becomes one function per instruction set (private to CKernels).
//
// A kernel is written once, as an always-inline body taking the instruction set as a constant
// first argument; PRUNELAB_KERNEL compiles that body into one function per instruction set and
// defines the public entry point, which runs the variant asked for when the CPU supports it
// and the best supported one otherwise (never an illegal instruction).
#ifndef PRUNELAB_VARIANTS_H
#define PRUNELAB_VARIANTS_H

#include "CKernels.h"

#define PRUNELAB_BODY static inline __attribute__((always_inline))
#define PRUNELAB_EXPAND(...) __VA_ARGS__

/// The instruction set to run with: `isa` when this CPU supports it, else the best it does.
int prunelab_usable_isa(int isa);

#if defined(__x86_64__)
// AVX-512 variants use 512-bit vectors (clang prefers 256 for x86-64-v4 unless told).
#define PRUNELAB_X86_VARIANTS(body, params, args)                                                  \
    __attribute__((target("arch=x86-64-v4"), min_vector_width(512)))                               \
    static void body##_avx512 params { body(PRUNELAB_ISA_AVX512, PRUNELAB_EXPAND args); }          \
    __attribute__((target("arch=x86-64-v3")))                                                      \
    static void body##_avx2 params { body(PRUNELAB_ISA_AVX2, PRUNELAB_EXPAND args); }
#define PRUNELAB_X86_CASES(body, args)                                                             \
    case PRUNELAB_ISA_AVX512: body##_avx512 args; return;                                          \
    case PRUNELAB_ISA_AVX2: body##_avx2 args; return;
#else
#define PRUNELAB_X86_VARIANTS(body, params, args)
#define PRUNELAB_X86_CASES(body, args)
#endif

/// Defines `void name(int isa, params...)` running `body(isa, args...)` built for that `isa`.
/// `params` and `args` are parenthesised lists: `(float *x, int64_t n)` and `(x, n)`.
#define PRUNELAB_KERNEL(name, body, params, args)                                                  \
    PRUNELAB_X86_VARIANTS(body, params, args)                                                      \
    static void body##_baseline params { body(PRUNELAB_ISA_BASELINE, PRUNELAB_EXPAND args); }     \
    void name(int isa, PRUNELAB_EXPAND params) {                                                   \
        switch (prunelab_usable_isa(isa)) {                                                        \
        PRUNELAB_X86_CASES(body, args)                                                             \
        default: body##_baseline args; return;                                                     \
        }                                                                                          \
    }

#endif
