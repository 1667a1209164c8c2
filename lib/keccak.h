/* Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not
 * the SHA3-256 padding (0x06) that FIPS 202 settled on. */
#ifndef CHAINBOX_KECCAK_H
#define CHAINBOX_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_RATE 136

struct keccak {
	uint64_t state[25];
	size_t pos; /* bytes absorbed into the current block */
};

void keccak_init(struct keccak *k);
void keccak_update(struct keccak *k, const void *data, size_t len);
/* Out: out, the 32-byte digest.  k must be initialised again before reuse. */
void keccak_final(struct keccak *k, uint8_t out[32]);
/* Out: out, keccak-256 of data. */
void keccak256(uint8_t out[32], const void *data, size_t len);

#endif
