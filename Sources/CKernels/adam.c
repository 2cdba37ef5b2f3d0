#include "variants.h"

// Seven float streams per parameter, a square root and a division: once vectorised (which
// needs -fno-math-errno, set in Package.swift) it is bound by memory bandwidth. The mask and
// the zeroing ride along in the same pass: a separate mask pass, and OpenBLAS zeroing the next
// step's gradients before its product, each cost another trip through memory.
#define ADAM_STEP(GRADIENT)                                                   \
    for (int64_t i = 0; i < count; i++) {                                     \
        const float g = GRADIENT;                                             \
        gradients[i] = 0;                                                     \
        const float mi = beta1 * m[i] + c1 * g;                               \
        const float vi = beta2 * v[i] + c2 * (g * g);                         \
        m[i] = mi;                                                            \
        v[i] = vi;                                                            \
        weights[i] -= alpha * mi / (__builtin_sqrtf(vi) + epsilon);           \
    }

PRUNELAB_BODY void adam_update(const int isa, float *restrict weights, float *restrict m, float *restrict v,
                               float *restrict gradients, const float *restrict mask, int64_t count,
                               float beta1, float beta2, float epsilon, float alpha) {
#pragma clang fp contract(off)
    (void)isa;
    const float c1 = 1 - beta1, c2 = 1 - beta2;
    if (mask) {
        ADAM_STEP(gradients[i] * mask[i])
    } else {
        ADAM_STEP(gradients[i])
    }
}

PRUNELAB_KERNEL(prunelab_adam_update, adam_update,
                (float *weights, float *m, float *v, float *gradients, const float *mask, int64_t count,
                 float beta1, float beta2, float epsilon, float alpha),
                (weights, m, v, gradients, mask, count, beta1, beta2, epsilon, alpha))
