/* BLS12-381: the groups G1 and G2, their compressed encodings and the
 * optimal ate pairing, as EIP-4844's point evaluation needs them.  Debian
 * ships no library for the curve, so it is written here.  Nothing is
 * constant-time: every input is public, and the module only verifies. */
#ifndef CHAINBOX_BLS12_381_H
#define CHAINBOX_BLS12_381_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* The sizes of a compressed point (the zcash encoding every Ethereum
 * client uses) and of a scalar. */
#define BLS12_381_G1_LEN 48
#define BLS12_381_G2_LEN 96
#define BLS12_381_SCALAR_LEN 32

/* The types below are complete so that callers can keep points on the
 * stack; their fields belong to bls12_381.c.  An element of Fp is six
 * limbs in Montgomery form, and a point is in Jacobian coordinates, with
 * z = 0 at infinity. */
struct bls12_381_fp {
	uint64_t l[6];
};

struct bls12_381_fp2 {
	struct bls12_381_fp c0, c1; /* c0 + c1 u, u^2 = -1 */
};

struct bls12_381_g1 {
	struct bls12_381_fp x, y, z;
};

struct bls12_381_g2 {
	struct bls12_381_fp2 x, y, z;
};

/* Out: r, the standard generator of G1 or G2. */
void bls12_381_g1_generator(struct bls12_381_g1 *r);
void bls12_381_g2_generator(struct bls12_381_g2 *r);

/* Reads a compressed point: the top three bits of the first byte are the
 * compression flag (must be set), the infinity flag and the sign of y,
 * and the rest is x (for G2 the imaginary part of x, then the real part).
 * Returns: 0; -EINVAL for a cleared compression flag, an infinity with any
 * other bit set, a coordinate not below p, an x with no point on the
 * curve, or a point outside the order-r subgroup.
 * Out: r, a point of G1 or G2; on failure, nothing of use. */
int bls12_381_g1_decompress(struct bls12_381_g1 *r, const uint8_t in[BLS12_381_G1_LEN]) WARN_UNUSED;
int bls12_381_g2_decompress(struct bls12_381_g2 *r, const uint8_t in[BLS12_381_G2_LEN]) WARN_UNUSED;

/* Out: out, the canonical compressed encoding of a, which decompress
 * reads back to the same point. */
void bls12_381_g1_compress(uint8_t out[BLS12_381_G1_LEN], const struct bls12_381_g1 *a);
void bls12_381_g2_compress(uint8_t out[BLS12_381_G2_LEN], const struct bls12_381_g2 *a);

/* Group operations.  Out: r, which may alias an input. */
void bls12_381_g1_add(struct bls12_381_g1 *r, const struct bls12_381_g1 *a,
    const struct bls12_381_g1 *b);
void bls12_381_g1_neg(struct bls12_381_g1 *r, const struct bls12_381_g1 *a);
void bls12_381_g2_add(struct bls12_381_g2 *r, const struct bls12_381_g2 *a,
    const struct bls12_381_g2 *b);
void bls12_381_g2_neg(struct bls12_381_g2 *r, const struct bls12_381_g2 *a);

/* Out: r = k a, with k a 32-byte big-endian number of any value (it is
 * not reduced mod r first). */
void bls12_381_g1_mul(struct bls12_381_g1 *r, const struct bls12_381_g1 *a,
    const uint8_t k[BLS12_381_SCALAR_LEN]);
void bls12_381_g2_mul(struct bls12_381_g2 *r, const struct bls12_381_g2 *a,
    const uint8_t k[BLS12_381_SCALAR_LEN]);

/* Returns: whether e(p[0], q[0]) * ... * e(p[n - 1], q[n - 1]) is 1; true
 * for n = 0.  A pair with a point at infinity contributes 1.
 * In: p and q, n points each (NULL when n is 0), of G1 and G2 as
 * decompress and the operations above give them; anything else is a bug. */
bool bls12_381_pairing_check(const struct bls12_381_g1 *p, const struct bls12_381_g2 *q, size_t n);

#endif
