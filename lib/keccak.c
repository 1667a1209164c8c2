/* Keccak-f[1600] and the keccak-256 sponge, written from FIPS 202 section 3
 * (round constants, and rotation offsets from its rho step). */
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

static inline uint64_t
rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

/* The permutation with every step unrolled and the 25 lanes in locals, so
 * that the compiler keeps them in registers; lane (x, y) is a[x + 5y].
 * It is inlined into two entry points below, one compiled for BMI, whose
 * ANDN does chi's ~b & c in one instruction.
 * theta mixes columns through c and d, rho and pi rotate each lane and move
 * it to b[y + 5((2x + 3y) mod 5)], chi combines each row, iota adds the
 * round constant. */
static inline __attribute__((always_inline)) void
keccak_f1600_body(uint64_t s[25])
{
	uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4];
	uint64_t a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8], a9 = s[9];
	uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
	uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
	uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
	uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12;
	uint64_t b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
	uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

	for (int round = 0; round < 24; round++) {
		c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
		c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
		c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
		c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
		c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
		d0 = c4 ^ rotl64(c1, 1);
		d1 = c0 ^ rotl64(c2, 1);
		d2 = c1 ^ rotl64(c3, 1);
		d3 = c2 ^ rotl64(c4, 1);
		d4 = c3 ^ rotl64(c0, 1);
		b0 = a0 ^ d0;
		b16 = rotl64(a5 ^ d0, 36);
		b7 = rotl64(a10 ^ d0, 3);
		b23 = rotl64(a15 ^ d0, 41);
		b14 = rotl64(a20 ^ d0, 18);
		b10 = rotl64(a1 ^ d1, 1);
		b1 = rotl64(a6 ^ d1, 44);
		b17 = rotl64(a11 ^ d1, 10);
		b8 = rotl64(a16 ^ d1, 45);
		b24 = rotl64(a21 ^ d1, 2);
		b20 = rotl64(a2 ^ d2, 62);
		b11 = rotl64(a7 ^ d2, 6);
		b2 = rotl64(a12 ^ d2, 43);
		b18 = rotl64(a17 ^ d2, 15);
		b9 = rotl64(a22 ^ d2, 61);
		b5 = rotl64(a3 ^ d3, 28);
		b21 = rotl64(a8 ^ d3, 55);
		b12 = rotl64(a13 ^ d3, 25);
		b3 = rotl64(a18 ^ d3, 21);
		b19 = rotl64(a23 ^ d3, 56);
		b15 = rotl64(a4 ^ d4, 27);
		b6 = rotl64(a9 ^ d4, 20);
		b22 = rotl64(a14 ^ d4, 39);
		b13 = rotl64(a19 ^ d4, 8);
		b4 = rotl64(a24 ^ d4, 14);
		a0 = b0 ^ (~b1 & b2);
		a1 = b1 ^ (~b2 & b3);
		a2 = b2 ^ (~b3 & b4);
		a3 = b3 ^ (~b4 & b0);
		a4 = b4 ^ (~b0 & b1);
		a5 = b5 ^ (~b6 & b7);
		a6 = b6 ^ (~b7 & b8);
		a7 = b7 ^ (~b8 & b9);
		a8 = b8 ^ (~b9 & b5);
		a9 = b9 ^ (~b5 & b6);
		a10 = b10 ^ (~b11 & b12);
		a11 = b11 ^ (~b12 & b13);
		a12 = b12 ^ (~b13 & b14);
		a13 = b13 ^ (~b14 & b10);
		a14 = b14 ^ (~b10 & b11);
		a15 = b15 ^ (~b16 & b17);
		a16 = b16 ^ (~b17 & b18);
		a17 = b17 ^ (~b18 & b19);
		a18 = b18 ^ (~b19 & b15);
		a19 = b19 ^ (~b15 & b16);
		a20 = b20 ^ (~b21 & b22);
		a21 = b21 ^ (~b22 & b23);
		a22 = b22 ^ (~b23 & b24);
		a23 = b23 ^ (~b24 & b20);
		a24 = b24 ^ (~b20 & b21);

		a0 ^= keccak_rc[round];
	}
	s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4;
	s[5] = a5, s[6] = a6, s[7] = a7, s[8] = a8, s[9] = a9;
	s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14;
	s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19;
	s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

static void
keccak_f1600_generic(uint64_t s[25])
{
	keccak_f1600_body(s);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("bmi,bmi2"))) static void
keccak_f1600_bmi(uint64_t s[25])
{
	keccak_f1600_body(s);
}
#endif

/* Picks the entry point once, by what the CPU has: BMI makes the
 * permutation about a fifth faster.  The cached pointer only ever holds
 * one of two values, so a relaxed atomic is all it needs. */
static void
keccak_f1600(uint64_t s[25])
{
	static void (*impl)(uint64_t *);
	void (*f)(uint64_t *) = __atomic_load_n(&impl, __ATOMIC_RELAXED);

	if (f == NULL) {
		f = keccak_f1600_generic;
#if defined(__x86_64__) && defined(__GNUC__)
		__builtin_cpu_init();
		if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2"))
			f = keccak_f1600_bmi;
#endif
		__atomic_store_n(&impl, f, __ATOMIC_RELAXED);
	}
	f(s);
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
