// PruneLab's innermost loops in C, for one reason: function multiversioning. Swift cannot
// compile one function for several instruction sets and pick one at run time, and in the
// portable x86-64 build (SSE2, no FMA) these loops ran at half speed or worse. Each kernel here
// is compiled for AVX-512, for AVX2 + FMA and for the baseline, and takes the instruction set
// to run with as its first argument (PruneKit passes the best one; tests pass each in turn).
// Everything around these loops (layouts, threading, choosing kernels) stays in Swift.
#ifndef PRUNELAB_CKERNELS_H
#define PRUNELAB_CKERNELS_H

#include <stdint.h>

/// Instruction sets the kernels are built for. x86-64-v4 (AVX-512 F/BW/CD/DQ/VL) and
/// x86-64-v3 (AVX2, FMA, BMI); the baseline is the target's default (SSE2 on x86-64).
#define PRUNELAB_ISA_BASELINE 0
#define PRUNELAB_ISA_AVX2 1
#define PRUNELAB_ISA_AVX512 2

/// Whether this CPU can run the kernels built for `isa`.
int prunelab_isa_supported(int isa);

/// The best instruction set this CPU supports.
int prunelab_best_isa(void);

/// Samples per tile of the sparse kernel: feature `f` of a tile's samples is 32 consecutive
/// floats at `tile + f * 32`, and a tile is 64-byte aligned. 32 rather than 16: each index and
/// weight loaded then serves twice the samples, which the AVX2 build needed more than L1 room.
#define PRUNELAB_TILE_WIDTH 32

/// One sparse layer over one tile: for every output `j`,
/// `output[j] = relu?(bias[j] + sum over k in row_starts[j] ..< row_starts[j + 1] of values[k] * input[offsets[k]])`,
/// each term a vector of the tile's `PRUNELAB_TILE_WIDTH` samples. `offsets[k]` is the float offset of the input
/// feature's vector (its column index times `PRUNELAB_TILE_WIDTH`). `bias` may be NULL. `input` and `output` are
/// 64-byte aligned tiles and do not overlap. Multiply-adds are fused where `isa` has FMA, so
/// results differ between instruction sets in the last bits.
void prunelab_sparse_tile_layer(int isa, const int64_t *row_starts, const int32_t *offsets, const float *values,
                                const float *bias, int64_t outputs, int relu, const float *input, float *output);

/// Copies `count` (at most `PRUNELAB_TILE_WIDTH`) consecutive samples of `features` floats each,
/// row-major at `rows`, into the feature-major `tile` (64-byte aligned); lanes past `count` are zero.
void prunelab_tile_load(int isa, const float *rows, int64_t features, int64_t count, float *tile);

/// The inverse of `prunelab_tile_load`: the first `count` samples of `tile` into rows at `rows`.
void prunelab_tile_store(int isa, const float *tile, int64_t features, int64_t count, float *rows);

/// A dense layer with few outputs, one row of samples at a time: for every row `r` of the row-major
/// `rows x inputs` `input` and every output `j`,
/// `output[r * outputs + j] = relu?(bias[j] + sum over k of input[r * inputs + k] * weights_t[j * inputs + k])`,
/// where `weights_t` is the layer's weight matrix transposed (`outputs x inputs`, row-major). `bias`
/// may be NULL. Each row's result depends only on that row, so splitting rows across threads gives
/// the same bits; the summation order (eight lanes, then their sum) differs from a BLAS product.
void prunelab_small_dense_layer(int isa, const float *input, int64_t rows, int64_t inputs, const float *weights_t,
                                const float *bias, int64_t outputs, int relu, float *output);

/// Adam's update of `count` parameters as TensorFlow computes it, with `g = gradients[i] * mask[i]`
/// (or `gradients[i]` when `mask` is NULL):
/// `m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; w -= alpha m / (sqrt(v) + epsilon)`,
/// leaving `gradients` zero. Every operation is rounded on its own (no fused multiply-add), so
/// every instruction set gives the same bits. The five arrays do not overlap.
void prunelab_adam_update(int isa, float *weights, float *m, float *v, float *gradients, const float *mask, int64_t count,
                          float beta1, float beta2, float epsilon, float alpha);

/// The rows `indices[0]`, ..., `indices[count - 1]` of the row-major byte matrix `pixels` (`features` bytes a row) as
/// consecutive float rows at `out`, each byte times `scale` (one rounding, so every instruction set gives
/// the same bits). Each row's cache lines are prefetched a few rows ahead. Indices must be in range.
void prunelab_gather_scaled_bytes(int isa, const uint8_t *pixels, const int64_t *indices, int64_t count, int64_t features,
                                  float scale, float *out);

/// The CPU's spin-wait hint (x86 `pause`): a thread polling a flag lets its sibling run and
/// leaves the loop without a memory-order mis-speculation. Nothing on other CPUs.
static inline void prunelab_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
