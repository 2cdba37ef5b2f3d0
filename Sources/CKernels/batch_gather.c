#include "variants.h"

// A training batch is rows at random indices of a byte dataset far larger than L2. Converting
// them one by one waited on one row's memory latency at a time (70 % of the loop's time went to
// its first load, measured on LeNet-300-100): each row's lines are now requested a few rows
// ahead, so several rows are on their way while one is converted.
enum { PREFETCH_ROWS_AHEAD = 4, CACHE_LINE = 64 };

PRUNELAB_BODY void prefetch_row(const uint8_t *row, int64_t features) {
    for (int64_t offset = 0; offset < features; offset += CACHE_LINE) __builtin_prefetch(row + offset);
    __builtin_prefetch(row + features - 1);   // a row need not start on a line
}

PRUNELAB_BODY void gather_scaled_bytes(const int isa, const uint8_t *restrict pixels, const int64_t *restrict indices,
                                       int64_t count, int64_t features, float scale, float *restrict out) {
    (void)isa;
    if (features <= 0) return;
    for (int64_t r = 0; r < count && r < PREFETCH_ROWS_AHEAD; r++) prefetch_row(pixels + indices[r] * features, features);
    for (int64_t r = 0; r < count; r++) {
        if (r + PREFETCH_ROWS_AHEAD < count) prefetch_row(pixels + indices[r + PREFETCH_ROWS_AHEAD] * features, features);
        const uint8_t *restrict row = pixels + indices[r] * features;
        float *restrict destination = out + r * features;
        for (int64_t j = 0; j < features; j++) destination[j] = (float)row[j] * scale;
    }
}

PRUNELAB_KERNEL(prunelab_gather_scaled_bytes, gather_scaled_bytes,
                (const uint8_t *pixels, const int64_t *indices, int64_t count, int64_t features, float scale, float *out),
                (pixels, indices, count, features, scale, out))
