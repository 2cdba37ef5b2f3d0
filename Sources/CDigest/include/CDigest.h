#ifndef CDIGEST_H
#define CDIGEST_H
#include <stddef.h>
#include <stdint.h>

/// SHA-256 (FIPS 180-4), incremental: init, update any number of times, final.
typedef struct {
    uint32_t state[8];
    uint64_t length;     /* bytes hashed so far */
    uint8_t block[64];
    size_t used;         /* bytes waiting in block */
} cdigest_sha256;

void cdigest_sha256_init(cdigest_sha256 *context);
void cdigest_sha256_update(cdigest_sha256 *context, const void *bytes, size_t count);
void cdigest_sha256_final(cdigest_sha256 *context, uint8_t digest[32]);

#endif
