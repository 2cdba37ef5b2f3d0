#include "variants.h"

int prunelab_isa_supported(int isa) {
    switch (isa) {
    case PRUNELAB_ISA_BASELINE: return 1;
#if defined(__x86_64__)
    case PRUNELAB_ISA_AVX2: return __builtin_cpu_supports("x86-64-v3");
    case PRUNELAB_ISA_AVX512: return __builtin_cpu_supports("x86-64-v4");
#endif
    default: return 0;
    }
}

int prunelab_best_isa(void) {
    if (prunelab_isa_supported(PRUNELAB_ISA_AVX512)) return PRUNELAB_ISA_AVX512;
    if (prunelab_isa_supported(PRUNELAB_ISA_AVX2)) return PRUNELAB_ISA_AVX2;
    return PRUNELAB_ISA_BASELINE;
}

int prunelab_usable_isa(int isa) {
    return prunelab_isa_supported(isa) ? isa : prunelab_best_isa();
}
