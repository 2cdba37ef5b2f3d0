#include "variants.h"

// 16 floats: one zmm register with AVX-512, two ymm with AVX2, four xmm with SSE2.
typedef float tile_vector __attribute__((vector_size(PRUNELAB_TILE_WIDTH * sizeof(float))));

// Per nonzero weight: one broadcast and one multiply-add of a whole tile vector. Independent
// sums hide the multiply-add latency: four with AVX2/AVX-512 (4 or 8 chains), two with SSE2,
// whose 16 registers hold no more (2 x 4 xmm accumulators).
PRUNELAB_BODY void tile_layer(const int isa, const int64_t *restrict row_starts, const int32_t *restrict offsets,
                              const float *restrict values, const float *restrict bias, int64_t outputs, int relu,
                              const float *restrict input, float *restrict output) {
    const tile_vector zero = {0};
    tile_vector *out = (tile_vector *)output;
#define X(k) (*(const tile_vector *)(input + offsets[k]))
    for (int64_t j = 0; j < outputs; j++) {
        int64_t k = row_starts[j];
        const int64_t end = row_starts[j + 1];
        tile_vector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        if (isa == PRUNELAB_ISA_BASELINE) {
            for (; k + 4 <= end; k += 4) {
                a0 += values[k] * X(k);
                a1 += values[k + 1] * X(k + 1);
                a0 += values[k + 2] * X(k + 2);
                a1 += values[k + 3] * X(k + 3);
            }
        } else {
            for (; k + 4 <= end; k += 4) {
                a0 += values[k] * X(k);
                a1 += values[k + 1] * X(k + 1);
                a2 += values[k + 2] * X(k + 2);
                a3 += values[k + 3] * X(k + 3);
            }
        }
        for (; k < end; k++) a0 += values[k] * X(k);
        tile_vector sum = (a0 + a1) + (a2 + a3);
        if (bias) sum += bias[j];
        out[j] = relu ? __builtin_elementwise_max(sum, zero) : sum;
    }
#undef X
}

PRUNELAB_KERNEL(prunelab_sparse_tile_layer, tile_layer,
                (const int64_t *row_starts, const int32_t *offsets, const float *values, const float *bias,
                 int64_t outputs, int relu, const float *input, float *output),
                (row_starts, offsets, values, bias, outputs, relu, input, output))
