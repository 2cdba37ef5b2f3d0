#include "variants.h"

// 32 floats: two zmm registers with AVX-512, four ymm with AVX2, eight xmm with SSE2.
typedef float tile_vector __attribute__((vector_size(PRUNELAB_TILE_WIDTH * sizeof(float))));

// Per nonzero weight: one broadcast and one multiply-add of a whole tile vector, so each index
// and weight load serves 32 samples. Independent sums hide the multiply-add latency: 8 vector
// chains with AVX2 (two sums of four ymm, the most its 16 registers hold beside the broadcast;
// at 16 samples a tile the loads, not the multiply-adds, were the limit) and with AVX-512 (four
// sums of two zmm); SSE2's 16 xmm registers hold only one sum (eight chains).
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
            for (; k + 2 <= end; k += 2) {
                a0 += values[k] * X(k);
                a0 += values[k + 1] * X(k + 1);
            }
        } else if (isa == PRUNELAB_ISA_AVX2) {
            for (; k + 2 <= end; k += 2) {
                a0 += values[k] * X(k);
                a1 += values[k + 1] * X(k + 1);
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
