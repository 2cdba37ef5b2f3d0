#include "variants.h"

// A dense layer with few outputs (unit-pruned networks, the last layer of any network): each
// output is a dot product of an input row, read straight from its row-major storage, with that
// output's weights (the layer's weight matrix transposed, `outputs x inputs`, small enough to
// stay in L1). Two rows and up to five outputs at a time: ten independent sums of eight lanes,
// and each load of a row or a weight vector serves five or two multiply-adds. OpenBLAS instead
// packs the whole input first and runs a kernel built for many outputs.
typedef float vec8 __attribute__((vector_size(8 * sizeof(float))));
typedef float vec8u __attribute__((vector_size(8 * sizeof(float)), aligned(4)));

#define LOAD(p) ((vec8)(*(const vec8u *)(p)))

PRUNELAB_BODY float lane_sum(const vec8 *p) {
    const vec8 v = *p;
    typedef float vec4 __attribute__((vector_size(4 * sizeof(float))));
    vec4 q = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    q += __builtin_shufflevector(q, q, 2, 3, 0, 1);
    q += __builtin_shufflevector(q, q, 1, 0, 3, 2);
    return q[0];
}

// One row (R == 1) or two (R == 2) against `J` (1...5) outputs starting at `wt`.
PRUNELAB_BODY void dot_block(const int R, const int J, const float *restrict x, int64_t inputs,
                             const float *restrict wt, float sums[2][5]) {
    const vec8 zero = {0};
    vec8 a[2][5] = {{zero, zero, zero, zero, zero}, {zero, zero, zero, zero, zero}};
    const int64_t blocked = inputs & ~(int64_t)7;
    for (int64_t k = 0; k < blocked; k += 8) {
        const vec8 x0 = LOAD(x + k);
        const vec8 x1 = R == 2 ? LOAD(x + inputs + k) : zero;
        for (int j = 0; j < J; j++) {
            const vec8 w = LOAD(wt + j * inputs + k);
            a[0][j] += x0 * w;
            if (R == 2) a[1][j] += x1 * w;
        }
    }
    for (int r = 0; r < R; r++) {
        for (int j = 0; j < J; j++) {
            float s = lane_sum(&a[r][j]);
            for (int64_t k = blocked; k < inputs; k++) s += x[r * inputs + k] * wt[j * inputs + k];
            sums[r][j] = s;
        }
    }
}

PRUNELAB_BODY void rows_block(const int R, const float *restrict x, int64_t inputs, const float *restrict wt,
                              const float *restrict bias, int64_t outputs, int relu, float *restrict y) {
    float sums[2][5];
    for (int64_t j0 = 0; j0 < outputs; j0 += 5) {
        const int64_t left = outputs - j0;
        const float *w = wt + j0 * inputs;
        switch (left >= 5 ? 5 : left) {
        case 5: dot_block(R, 5, x, inputs, w, sums); break;
        case 4: dot_block(R, 4, x, inputs, w, sums); break;
        case 3: dot_block(R, 3, x, inputs, w, sums); break;
        case 2: dot_block(R, 2, x, inputs, w, sums); break;
        default: dot_block(R, 1, x, inputs, w, sums); break;
        }
        const int J = left >= 5 ? 5 : (int)left;
        for (int r = 0; r < R; r++) {
            for (int j = 0; j < J; j++) {
                float s = sums[r][j];
                if (bias) s += bias[j0 + j];
                y[r * outputs + j0 + j] = relu && s < 0 ? 0 : s;
            }
        }
    }
}

PRUNELAB_BODY void small_dense_layer(const int isa, const float *restrict input, int64_t rows, int64_t inputs,
                                     const float *restrict weights_t, const float *restrict bias, int64_t outputs,
                                     int relu, float *restrict output) {
    (void)isa;
    int64_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        rows_block(2, input + r * inputs, inputs, weights_t, bias, outputs, relu, output + r * outputs);
    }
    if (r < rows) rows_block(1, input + r * inputs, inputs, weights_t, bias, outputs, relu, output + r * outputs);
}

PRUNELAB_KERNEL(prunelab_small_dense_layer, small_dense_layer,
                (const float *input, int64_t rows, int64_t inputs, const float *weights_t, const float *bias,
                 int64_t outputs, int relu, float *output),
                (input, rows, inputs, weights_t, bias, outputs, relu, output))
