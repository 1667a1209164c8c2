/* Keccak-f[1600] and the keccak-256 sponge, written from FIPS 202 section 3
 * and the Keccak reference (round constants and rotation offsets). */
#include <endian.h>
#include <string.h>

#include "keccak.h"

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets and lane order for the combined rho and pi steps,
 * walking the lanes along pi's cycle starting from lane 1. */
static const unsigned keccak_rho[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
	27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const unsigned keccak_pi[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
	15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static inline uint64_t
rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void
keccak_f1600(uint64_t a[25])
{
	uint64_t c[5], d, t, u;

	for (int round = 0; round < 24; round++) {
		/* theta */
		for (int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (int x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				a[y + x] ^= d;
		}
		/* rho and pi */
		t = a[1];
		for (int i = 0; i < 24; i++) {
			u = a[keccak_pi[i]];
			a[keccak_pi[i]] = rotl64(t, keccak_rho[i]);
			t = u;
		}
		/* chi */
		for (int y = 0; y < 25; y += 5) {
			for (int x = 0; x < 5; x++)
				c[x] = a[y + x];
			for (int x = 0; x < 5; x++)
				a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
		}
		/* iota */
		a[0] ^= keccak_rc[round];
	}
}

void
keccak_init(struct keccak *k)
{
	memset(k, 0, sizeof(*k));
}

/* XORs one byte into the state at byte offset pos, little-endian lanes. */
static inline void
keccak_xor_byte(struct keccak *k, size_t pos, uint8_t b)
{
	k->state[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

void
keccak_update(struct keccak *k, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* Whole aligned lanes go in 8 bytes at a time. */
	while (len > 0) {
		if (k->pos % 8 == 0 && len >= 8) {
			uint64_t lane;

			memcpy(&lane, p, 8);
			k->state[k->pos / 8] ^= le64toh(lane);
			k->pos += 8;
			p += 8;
			len -= 8;
		} else {
			keccak_xor_byte(k, k->pos++, *p++);
			len--;
		}
		if (k->pos == KECCAK256_RATE) {
			keccak_f1600(k->state);
			k->pos = 0;
		}
	}
}

void
keccak_final(struct keccak *k, uint8_t out[32])
{
	keccak_xor_byte(k, k->pos, 0x01);
	keccak_xor_byte(k, KECCAK256_RATE - 1, 0x80);
	keccak_f1600(k->state);
	for (int i = 0; i < 4; i++) {
		uint64_t lane = k->state[i];

		for (int j = 0; j < 8; j++)
			out[8 * i + j] = (uint8_t)(lane >> (8 * j));
	}
}

void
keccak256(uint8_t out[32], const void *data, size_t len)
{
	struct keccak k;

	keccak_init(&k);
	keccak_update(&k, data, len);
	keccak_final(&k, out);
}
