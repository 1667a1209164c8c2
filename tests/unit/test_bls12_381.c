/* Tests for node/evm/bls12_381.c and for the point evaluation precompile
 * (0x0a) built on it.
 *
 * Like libsecp256k1's tests.c, this file includes the implementation, so
 * that the field arithmetic under the public API can be checked against
 * its definitions: the constants, inverses, square roots, Frobenius maps.
 * The KZG vectors come from c-kzg-4844's tests/verify_kzg_proof
 * (kzg-mainnet), which the consensus-specs generate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"
#include "hex.h"
#include "evm/bls12_381.c"
#include "evm/precompiles.h"

/* ------------------------------------------------------------------------
 * Helpers */

/* A fixed xorshift64* stream, so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Out: r, a pseudo-random element: a number below 2^380 < p. */
static void
fp_random(fp_t *r)
{
	fp_t x;
	int i;

	for (i = 0; i < FP_LIMBS; i++)
		x.l[i] = rng_next();
	x.l[FP_LIMBS - 1] &= 0x0fffffffffffffffULL;
	fp_mul(r, &x, &FP_R2);
}

static void
fp2_random(fp2_t *r)
{
	fp_random(&r->c0);
	fp_random(&r->c1);
}

static void
fp12_random(fp12_t *r)
{
	fp2_random(&r->c0.c0);
	fp2_random(&r->c0.c1);
	fp2_random(&r->c0.c2);
	fp2_random(&r->c1.c0);
	fp2_random(&r->c1.c1);
	fp2_random(&r->c1.c2);
}

static void
fp_from_u64(fp_t *r, uint64_t v)
{
	fp_t x = { { v } };

	fp_mul(r, &x, &FP_R2);
}

static void
scalar_random(uint8_t k[32])
{
	int i;

	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)rng_next();
	k[0] &= 0x3f; /* below r */
}

static void
scalar_from_u64(uint8_t k[32], uint64_t v)
{
	int i;

	memset(k, 0, 32);
	for (i = 0; i < 8; i++)
		k[31 - i] = (uint8_t)(v >> (8 * i));
}

static void
scalar_to_be(uint8_t k[32], const uint64_t l[4])
{
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			k[(3 - i) * 8 + j] = (uint8_t)(l[i] >> (56 - 8 * j));
}

/* Out: q = a / d for a of n limbs.  Returns: the remainder. */
static uint64_t
limbs_div_small(uint64_t *q, const uint64_t *a, int n, uint64_t d)
{
	unsigned __int128 rem = 0;
	int i;

	for (i = n - 1; i >= 0; i--) {
		unsigned __int128 cur = rem << 64 | a[i];

		q[i] = (uint64_t)(cur / d);
		rem = cur % d;
	}
	return (uint64_t)rem;
}

/* Out: r = a b, a of n limbs and b of m, r of n + m. */
static void
limbs_mul(uint64_t *r, const uint64_t *a, int n, const uint64_t *b, int m)
{
	int i, j;

	memset(r, 0, sizeof *r * (size_t)(n + m));
	for (i = 0; i < n; i++) {
		uint64_t carry = 0;

		for (j = 0; j < m; j++) {
			unsigned __int128 t = (unsigned __int128)a[i] * b[j] + r[i + j] + carry;

			r[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		r[i + m] = carry;
	}
}

static void
fp2_pow(fp2_t *r, const fp2_t *a, const uint64_t *e, int n)
{
	fp2_t acc, base = *a;
	int i;

	memset(&acc, 0, sizeof acc);
	acc.c0 = FP_ONE;
	for (i = 64 * n - 1; i >= 0; i--) {
		fp2_sqr(&acc, &acc);
		if (e[i / 64] >> (i % 64) & 1)
			fp2_mul(&acc, &acc, &base);
	}
	*r = acc;
}

static bool
fp12_eq(const fp12_t *a, const fp12_t *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* e(P, Q) itself, which the module only ever compares with 1. */
static void
pairing(fp12_t *r, const g1_t *p, const g2_t *q)
{
	fp_t px, py;
	fp2_t qx, qy;

	g1_to_affine(&px, &py, p);
	g2_to_affine(&qx, &qy, q);
	miller_loop(r, &px, &py, &qx, &qy);
	final_exp(r, r);
}

static bool
g1_eq(const g1_t *a, const g1_t *b)
{
	uint8_t x[48], y[48];

	bls12_381_g1_compress(x, a);
	bls12_381_g1_compress(y, b);
	return memcmp(x, y, sizeof x) == 0;
}

static bool
g2_eq(const g2_t *a, const g2_t *b)
{
	uint8_t x[96], y[96];

	bls12_381_g2_compress(x, a);
	bls12_381_g2_compress(y, b);
	return memcmp(x, y, sizeof x) == 0;
}

static bool
g1_is_on_curve(const g1_t *a)
{
	fp_t x, y, lhs, rhs;

	g1_to_affine(&x, &y, a);
	fp_sqr(&lhs, &y);
	fp_sqr(&rhs, &x);
	fp_mul(&rhs, &rhs, &x);
	fp_add(&rhs, &rhs, &FP_B);
	return fp_eq(&lhs, &rhs);
}

static bool
g2_is_on_curve(const g2_t *a)
{
	fp2_t x, y, lhs, rhs, b = { FP_B, FP_B };

	g2_to_affine(&x, &y, a);
	fp2_sqr(&lhs, &y);
	fp2_sqr(&rhs, &x);
	fp2_mul(&rhs, &rhs, &x);
	fp2_add(&rhs, &rhs, &b);
	return fp2_eq(&lhs, &rhs);
}

/* Out: out, exactly len bytes from hex; a bad vector stops the test. */
static void
unhex(uint8_t *out, size_t len, const char *hex)
{
	size_t n = len;

	CU_ASSERT_FATAL(hex_decode(out, &n, hex, strlen(hex)) == 0);
	CU_ASSERT_FATAL(n == len);
}

static const char G1_GENERATOR_HEX[] =
	"97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
static const char G2_GENERATOR_HEX[] =
	"93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
	"024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8";
static const char P_HEX[] =
	"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

/* ------------------------------------------------------------------------
 * Constants */

static void
test_bls12_381_constants(void)
{
	static const uint8_t one_be[48] = { [47] = 1 };
	uint64_t t[FP_LIMBS + 1], e[2 * FP_LIMBS], q[2 * FP_LIMBS], plain[FP_LIMBS];
	uint8_t p_be[48], buf[96];
	unsigned __int128 x1 = (unsigned __int128)BLS_X_ABS[0] + 1, lambda;
	fp2_t xi, g, c;
	fp_t f, n;
	g1_t g1;
	g2_t g2;
	int k;

	/* p as published, and -p^-1 mod 2^64. */
	unhex(p_be, sizeof p_be, P_HEX);
	CU_ASSERT_FALSE(fp_from_be(&f, p_be));
	CU_ASSERT_EQUAL(FP_INV * FP_P.l[0], UINT64_MAX);
	/* 1 is 2^384 mod p, and moving 1 into Montgomery form (by R2) gives it. */
	fp_to_plain(plain, &FP_ONE);
	CU_ASSERT_TRUE(limbs_is_one(plain));
	CU_ASSERT_TRUE(fp_from_be(&f, one_be));
	CU_ASSERT_TRUE(fp_eq(&f, &FP_ONE));
	fp_from_u64(&f, 4);
	CU_ASSERT_TRUE(fp_eq(&f, &FP_B));
	/* 2 (p - 1) / 2 + 1 = p and 4 (p + 1) / 4 - 1 = p. */
	limbs_add(t, FP_HALF, FP_HALF);
	t[0] += 1;
	CU_ASSERT_EQUAL(memcmp(t, FP_P.l, sizeof FP_P.l), 0);
	limbs_add(t, FP_SQRT_EXP, FP_SQRT_EXP);
	limbs_add(t, t, t);
	t[0] -= 1;
	CU_ASSERT_EQUAL(memcmp(t, FP_P.l, sizeof FP_P.l), 0);
	/* r, as EIP-4844 gives BLS_MODULUS, and 3 lambda = (x - 1)^2. */
	unhex(buf, 32, "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
	scalar_from_be(t, buf);
	CU_ASSERT_EQUAL(memcmp(t, GROUP_ORDER, sizeof GROUP_ORDER), 0);
	lambda = (unsigned __int128)HARD_LAMBDA[1] << 64 | HARD_LAMBDA[0];
	CU_ASSERT_TRUE(lambda * 3 == x1 * x1);

	/* FROB1[k - 1] = xi^(k (p - 1) / 6) and FROB2[k - 1] =
	 * xi^(k (p^2 - 1) / 6), which is FROB1[k - 1]^(p + 1), its norm. */
	memcpy(t, FP_P.l, sizeof FP_P.l);
	t[0] -= 1;
	CU_ASSERT_EQUAL(limbs_div_small(e, t, FP_LIMBS, 6), 0);
	xi.c0 = FP_ONE;
	xi.c1 = FP_ONE;
	for (k = 1; k <= 5; k++) {
		uint64_t kk = (uint64_t)k;

		limbs_mul(q, e, FP_LIMBS, &kk, 1);
		fp2_pow(&g, &xi, q, FP_LIMBS + 1);
		CU_ASSERT_TRUE(fp2_eq(&g, &FROB1[k - 1]));
		fp_sqr(&n, &g.c0);
		fp_sqr(&f, &g.c1);
		fp_add(&n, &n, &f);
		CU_ASSERT_TRUE(fp_eq(&n, &FROB2[k - 1]));
	}
	/* A check of the check: xi^(p - 1) = conj(xi) / xi. */
	fp2_sqr(&c, &FROB1[2]);
	fp2_mul(&c, &c, &xi);
	fp2_conj(&g, &xi);
	CU_ASSERT_TRUE(fp2_eq(&c, &g));

	/* The generators encode as everyone publishes them. */
	bls12_381_g1_generator(&g1);
	bls12_381_g1_compress(buf, &g1);
	unhex(buf + 48, 48, G1_GENERATOR_HEX);
	CU_ASSERT_EQUAL(memcmp(buf, buf + 48, 48), 0);
	bls12_381_g2_generator(&g2);
	{
		uint8_t want[96], got[96];

		bls12_381_g2_compress(got, &g2);
		unhex(want, sizeof want, G2_GENERATOR_HEX);
		CU_ASSERT_EQUAL(memcmp(got, want, sizeof want), 0);
	}
}

/* ------------------------------------------------------------------------
 * Fields */

static void
test_bls12_381_fp_arithmetic(void)
{
	static const fp_t zero;
	fp_t a, b, c, s, t, minus_one;
	uint64_t e[FP_LIMBS];
	uint8_t be[48], be2[48];
	int i;

	fp_from_u64(&a, 3);
	fp_from_u64(&b, 5);
	fp_mul(&c, &a, &b);
	fp_from_u64(&t, 15);
	CU_ASSERT_TRUE(fp_eq(&c, &t));
	fp_sub(&c, &a, &b);
	fp_add(&c, &c, &b);
	CU_ASSERT_TRUE(fp_eq(&c, &a));

	/* p - 2 and p - 1 as exponents: Fermat's little theorem. */
	memcpy(e, FP_P.l, sizeof e);
	e[0] -= 1;
	fp_neg(&minus_one, &FP_ONE);
	for (i = 0; i < 50; i++) {
		fp_random(&a);
		fp_random(&b);
		fp_random(&c);
		/* a (b + c) = a b + a c */
		fp_add(&s, &b, &c);
		fp_mul(&s, &a, &s);
		fp_mul(&t, &a, &b);
		fp_mul(&b, &a, &c);
		fp_add(&t, &t, &b);
		CU_ASSERT_TRUE(fp_eq(&s, &t));
		/* a - a = 0, a + (-a) = 0 */
		fp_neg(&t, &a);
		fp_add(&t, &t, &a);
		CU_ASSERT_TRUE(fp_is_zero(&t));
		/* a a^-1 = 1, and a^(p - 1) = 1 */
		fp_inv(&t, &a);
		fp_mul(&t, &t, &a);
		CU_ASSERT_TRUE(fp_eq(&t, &FP_ONE));
		if (i < 5) {
			fp_pow(&t, &a, e, FP_LIMBS);
			CU_ASSERT_TRUE(fp_eq(&t, &FP_ONE));
		}
		/* a^2 has the root a or -a, and -a^2 has none (-1 is no square). */
		fp_sqr(&s, &a);
		CU_ASSERT_TRUE(fp_sqrt(&t, &s));
		fp_neg(&b, &a);
		CU_ASSERT_TRUE(fp_eq(&t, &a) || fp_eq(&t, &b));
		fp_neg(&s, &s);
		CU_ASSERT_FALSE(fp_sqrt(&t, &s));
		/* halving, and the byte round trip */
		fp_half(&t, &a);
		fp_add(&t, &t, &t);
		CU_ASSERT_TRUE(fp_eq(&t, &a));
		fp_to_be(be, &a);
		CU_ASSERT_TRUE(fp_from_be(&t, be));
		CU_ASSERT_TRUE(fp_eq(&t, &a));
		/* exactly one of a and -a is the "larger" */
		CU_ASSERT_TRUE(fp_is_lex_largest(&a) != fp_is_lex_largest(&b));
	}
	fp_inv(&t, &zero);
	CU_ASSERT_TRUE(fp_is_zero(&t));
	CU_ASSERT_FALSE(fp_sqrt(&t, &minus_one));
	CU_ASSERT_TRUE(fp_sqrt(&t, &zero) && fp_is_zero(&t));
	/* p - 1 reads back, p does not. */
	unhex(be, sizeof be, P_HEX);
	CU_ASSERT_FALSE(fp_from_be(&t, be));
	be[47] -= 1;
	CU_ASSERT_TRUE(fp_from_be(&t, be));
	CU_ASSERT_TRUE(fp_eq(&t, &minus_one));
	fp_to_be(be2, &t);
	CU_ASSERT_EQUAL(memcmp(be, be2, sizeof be), 0);
	CU_ASSERT_TRUE(fp_is_lex_largest(&minus_one));
	CU_ASSERT_FALSE(fp_is_lex_largest(&FP_ONE));
	CU_ASSERT_FALSE(fp_is_lex_largest(&zero));
}

static void
test_bls12_381_fp2_arithmetic(void)
{
	fp2_t a, b, c, xi;
	int i;

	xi.c0 = FP_ONE;
	xi.c1 = FP_ONE;
	for (i = 0; i < 20; i++) {
		fp2_random(&a);
		fp2_random(&b);
		/* squaring and multiplication agree, and so do both xi products */
		fp2_sqr(&c, &a);
		fp2_mul(&b, &a, &a);
		CU_ASSERT_TRUE(fp2_eq(&b, &c));
		fp2_mul_xi(&c, &a);
		fp2_mul(&b, &a, &xi);
		CU_ASSERT_TRUE(fp2_eq(&b, &c));
		/* a a^-1 = 1 */
		fp2_inv(&b, &a);
		fp2_mul(&b, &b, &a);
		CU_ASSERT_TRUE(fp_eq(&b.c0, &FP_ONE) && fp_is_zero(&b.c1));
		/* a^p = conj(a) */
		fp2_pow(&b, &a, FP_P.l, FP_LIMBS);
		fp2_conj(&c, &a);
		CU_ASSERT_TRUE(fp2_eq(&b, &c));
		/* a^2 has a root, a or -a; xi a^2 has none */
		fp2_sqr(&b, &a);
		CU_ASSERT_TRUE(fp2_sqrt(&c, &b));
		fp2_sqr(&c, &c);
		CU_ASSERT_TRUE(fp2_eq(&c, &b));
		fp2_mul_xi(&b, &b);
		CU_ASSERT_FALSE(fp2_sqrt(&c, &b));
		/* exactly one of a and -a is the "larger" */
		fp2_neg(&b, &a);
		CU_ASSERT_TRUE(fp2_is_lex_largest(&a) != fp2_is_lex_largest(&b));
		/* roots of elements of Fp, which every element of Fp2 has */
		memset(&b, 0, sizeof b);
		b.c0 = a.c0;
		CU_ASSERT_TRUE(fp2_sqrt(&c, &b));
		fp2_sqr(&c, &c);
		CU_ASSERT_TRUE(fp2_eq(&c, &b));
	}
	CU_ASSERT_FALSE(fp2_sqrt(&c, &xi));
}

/* The Frobenius maps against plain powers, and inverses in Fp6 and Fp12. */
static void
test_bls12_381_fp12_arithmetic(void)
{
	fp12_t a, b, c, one;
	fp6_t x, y;
	int i;

	fp12_set_one(&one);
	for (i = 0; i < 3; i++) {
		fp12_random(&a);
		fp12_sqr(&b, &a);
		fp12_mul(&c, &a, &a);
		CU_ASSERT_TRUE(fp12_eq(&b, &c));
		fp12_inv(&b, &a);
		fp12_mul(&b, &b, &a);
		CU_ASSERT_TRUE(fp12_is_one(&b));
		fp6_inv(&x, &a.c0);
		fp6_mul(&y, &x, &a.c0);
		CU_ASSERT_TRUE(fp_eq(&y.c0.c0, &FP_ONE) && fp_is_zero(&y.c0.c1) &&
			       fp2_is_zero(&y.c1) && fp2_is_zero(&y.c2));
		/* a^p, a^(p^2), and a^(p^6) as the conjugate */
		fp12_pow(&b, &a, FP_P.l, FP_LIMBS);
		fp12_frob1(&c, &a);
		CU_ASSERT_TRUE(fp12_eq(&b, &c));
		fp12_pow(&b, &b, FP_P.l, FP_LIMBS);
		fp12_frob2(&c, &a);
		CU_ASSERT_TRUE(fp12_eq(&b, &c));
		fp12_frob2(&c, &c);
		fp12_frob2(&c, &c);
		fp12_conj(&b, &a);
		CU_ASSERT_TRUE(fp12_eq(&b, &c));
	}
	CU_ASSERT_TRUE(fp12_is_one(&one));
	CU_ASSERT_FALSE(fp12_is_one(&a));
}

/* ------------------------------------------------------------------------
 * Groups */

static void
test_bls12_381_g1_group(void)
{
	uint8_t ka[32], kb[32], kc[32], r_minus_1[32];
	g1_t g, a, b, c, inf;
	uint64_t la[4], lb[4], lc[4], carry = 0;
	int i;

	memset(&inf, 0, sizeof inf);
	bls12_381_g1_generator(&g);
	CU_ASSERT_TRUE(g1_is_on_curve(&g));
	CU_ASSERT_TRUE(g1_is_in_subgroup(&g));
	/* [r - 1]G = -G, so [r]G is infinity */
	unhex(r_minus_1, 32, "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
	bls12_381_g1_mul(&a, &g, r_minus_1);
	bls12_381_g1_neg(&b, &g);
	CU_ASSERT_TRUE(g1_eq(&a, &b));
	bls12_381_g1_add(&a, &a, &g);
	CU_ASSERT_TRUE(fp_is_zero(&a.z));
	/* G + G = 2G, G + O = G */
	scalar_from_u64(ka, 2);
	bls12_381_g1_mul(&a, &g, ka);
	bls12_381_g1_add(&b, &g, &g);
	CU_ASSERT_TRUE(g1_eq(&a, &b));
	bls12_381_g1_add(&b, &g, &inf);
	CU_ASSERT_TRUE(g1_eq(&b, &g));
	bls12_381_g1_add(&b, &inf, &g);
	CU_ASSERT_TRUE(g1_eq(&b, &g));
	/* [a]G + [b]G = [a + b]G, with a and b below 2^254 */
	scalar_random(ka);
	scalar_random(kb);
	scalar_from_be(la, ka);
	scalar_from_be(lb, kb);
	for (i = 0; i < 4; i++) {
		unsigned __int128 s = (unsigned __int128)la[i] + lb[i] + carry;

		lc[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	scalar_to_be(kc, lc);
	bls12_381_g1_mul(&a, &g, ka);
	bls12_381_g1_mul(&b, &g, kb);
	bls12_381_g1_add(&a, &a, &b);
	bls12_381_g1_mul(&c, &g, kc);
	CU_ASSERT_TRUE(g1_eq(&a, &c));
	CU_ASSERT_TRUE(g1_is_on_curve(&c));
	CU_ASSERT_TRUE(g1_is_in_subgroup(&c));
}

static void
test_bls12_381_g2_group(void)
{
	uint8_t ka[32], kb[32], kab[32], r_minus_1[32];
	uint64_t la[4], lb[4], lab[8];
	g2_t g, a, b, c, inf;

	memset(&inf, 0, sizeof inf);
	bls12_381_g2_generator(&g);
	CU_ASSERT_TRUE(g2_is_on_curve(&g));
	CU_ASSERT_TRUE(g2_is_in_subgroup(&g));
	unhex(r_minus_1, 32, "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
	bls12_381_g2_mul(&a, &g, r_minus_1);
	bls12_381_g2_neg(&b, &g);
	CU_ASSERT_TRUE(g2_eq(&a, &b));
	bls12_381_g2_add(&a, &a, &g);
	CU_ASSERT_TRUE(fp2_is_zero(&a.z));
	scalar_from_u64(ka, 2);
	bls12_381_g2_mul(&a, &g, ka);
	bls12_381_g2_add(&b, &g, &g);
	CU_ASSERT_TRUE(g2_eq(&a, &b));
	bls12_381_g2_add(&b, &g, &inf);
	CU_ASSERT_TRUE(g2_eq(&b, &g));
	/* [a]([b]G) = [a b]G, with a b below 2^128 */
	scalar_from_u64(ka, rng_next());
	scalar_from_u64(kb, rng_next() >> 1);
	scalar_from_be(la, ka);
	scalar_from_be(lb, kb);
	limbs_mul(lab, la, 4, lb, 4);
	scalar_to_be(kab, lab);
	bls12_381_g2_mul(&a, &g, kb);
	bls12_381_g2_mul(&a, &a, ka);
	bls12_381_g2_mul(&c, &g, kab);
	CU_ASSERT_TRUE(g2_eq(&a, &c));
	CU_ASSERT_TRUE(g2_is_on_curve(&c));
	CU_ASSERT_TRUE(g2_is_in_subgroup(&c));
}

/* ------------------------------------------------------------------------
 * Compressed points */

static void
test_bls12_381_compress_round_trip(void)
{
	uint8_t k[32], enc[96], enc2[96];
	g1_t g1, a1, b1;
	g2_t g2, a2, b2;
	int i;

	bls12_381_g1_generator(&g1);
	bls12_381_g2_generator(&g2);
	for (i = 0; i < 6; i++) {
		if (i == 0)
			scalar_from_u64(k, 1);
		else
			scalar_random(k);
		bls12_381_g1_mul(&a1, &g1, k);
		bls12_381_g1_compress(enc, &a1);
		CU_ASSERT_EQUAL(enc[0] & 0xc0, 0x80);
		CU_ASSERT_EQUAL(bls12_381_g1_decompress(&b1, enc), 0);
		CU_ASSERT_TRUE(g1_eq(&a1, &b1));
		bls12_381_g1_compress(enc2, &b1);
		CU_ASSERT_EQUAL(memcmp(enc, enc2, 48), 0);
		/* the sign bit picks -P */
		enc[0] ^= 0x20;
		CU_ASSERT_EQUAL(bls12_381_g1_decompress(&b1, enc), 0);
		bls12_381_g1_neg(&a1, &a1);
		CU_ASSERT_TRUE(g1_eq(&a1, &b1));

		bls12_381_g2_mul(&a2, &g2, k);
		bls12_381_g2_compress(enc, &a2);
		CU_ASSERT_EQUAL(enc[0] & 0xc0, 0x80);
		CU_ASSERT_EQUAL(bls12_381_g2_decompress(&b2, enc), 0);
		CU_ASSERT_TRUE(g2_eq(&a2, &b2));
		bls12_381_g2_compress(enc2, &b2);
		CU_ASSERT_EQUAL(memcmp(enc, enc2, 96), 0);
		enc[0] ^= 0x20;
		CU_ASSERT_EQUAL(bls12_381_g2_decompress(&b2, enc), 0);
		bls12_381_g2_neg(&a2, &a2);
		CU_ASSERT_TRUE(g2_eq(&a2, &b2));
	}
	/* infinity is 0xc0 and zeros */
	memset(&a1, 0, sizeof a1);
	bls12_381_g1_compress(enc, &a1);
	CU_ASSERT_EQUAL(enc[0], 0xc0);
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&b1, enc), 0);
	CU_ASSERT_TRUE(fp_is_zero(&b1.z));
	memset(&a2, 0, sizeof a2);
	bls12_381_g2_compress(enc, &a2);
	CU_ASSERT_EQUAL(enc[0], 0xc0);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&b2, enc), 0);
	CU_ASSERT_TRUE(fp2_is_zero(&b2.z));
	/* the published encodings of the generators */
	unhex(enc, 48, G1_GENERATOR_HEX);
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&b1, enc), 0);
	CU_ASSERT_TRUE(g1_eq(&b1, &g1));
	unhex(enc, 96, G2_GENERATOR_HEX);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&b2, enc), 0);
	CU_ASSERT_TRUE(g2_eq(&b2, &g2));
}

/* Out: x, the first of 0, 1, 2, ... (up to 999) whose x^3 + 4 is a square
 * (want_square) or is not; y, a root of it when it is; enc, x compressed
 * with the sign bit clear. */
static void
g1_find_x(uint8_t enc[48], fp_t *x, fp_t *y, bool want_square)
{
	fp_t rhs;
	uint64_t k;

	for (k = 0; k < 1000; k++) {
		fp_from_u64(x, k);
		fp_sqr(&rhs, x);
		fp_mul(&rhs, &rhs, x);
		fp_add(&rhs, &rhs, &FP_B);
		if (fp_sqrt(y, &rhs) == want_square)
			break;
	}
	CU_ASSERT_FATAL(k < 1000);
	fp_to_be(enc, x);
	enc[0] |= 0x80;
}

/* The same on the twist, for x = u, 1 + u, 2 + u, ... */
static void
g2_find_x(uint8_t enc[96], fp2_t *x, fp2_t *y, bool want_square)
{
	fp2_t rhs, b = { FP_B, FP_B };
	uint64_t k;

	x->c1 = FP_ONE;
	for (k = 0; k < 1000; k++) {
		fp_from_u64(&x->c0, k);
		fp2_sqr(&rhs, x);
		fp2_mul(&rhs, &rhs, x);
		fp2_add(&rhs, &rhs, &b);
		if (fp2_sqrt(y, &rhs) == want_square)
			break;
	}
	CU_ASSERT_FATAL(k < 1000);
	fp_to_be(enc, &x->c1);
	fp_to_be(enc + 48, &x->c0);
	enc[0] |= 0x80;
}

static void
test_bls12_381_decompress_rejects(void)
{
	uint8_t enc[96], good1[48], good2[96];
	g1_t p1;
	g2_t p2;
	fp_t x1, y1;
	fp2_t x2, y2;

	unhex(good1, 48, G1_GENERATOR_HEX);
	unhex(good2, 96, G2_GENERATOR_HEX);

	/* No compression flag: the 96-byte uncompressed form is not taken. */
	memcpy(enc, good1, 48);
	enc[0] &= 0x7f;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	memcpy(enc, good2, 96);
	enc[0] &= 0x7f;
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);

	/* Infinity with the sign bit, with a stray bit of x, or uncompressed. */
	memset(enc, 0, sizeof enc);
	enc[0] = 0xe0;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[0] = 0xc1;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[0] = 0xc0;
	enc[47] = 1;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[47] = 0;
	enc[95] = 1;
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[95] = 0;
	enc[0] = 0x40;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[0] = 0xc0;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), 0);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), 0);

	/* x = p, and x = 2^381 - 1: not below p. */
	unhex(enc, 48, P_HEX);
	enc[0] |= 0x80;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	memset(enc, 0xff, 48);
	enc[0] = 0x9f;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	/* For G2, in either half of x. */
	memcpy(enc, good2, 96);
	unhex(enc + 48, 48, P_HEX);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	memcpy(enc, good2, 96);
	unhex(enc, 48, P_HEX);
	enc[0] |= 0x80;
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);

	/* An x with no point on the curve. */
	g1_find_x(enc, &x1, &y1, false);
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	g2_find_x(enc, &x2, &y2, false);
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);

	/* A point on the curve outside the order-r subgroup: the cofactors
	 * are large, so the first x that has a point will do, as the asserts
	 * on p1 and p2 confirm. */
	g1_find_x(enc, &x1, &y1, true);
	p1.x = x1;
	p1.y = y1;
	p1.z = FP_ONE;
	CU_ASSERT_TRUE(g1_is_on_curve(&p1));
	CU_ASSERT_FALSE(g1_is_in_subgroup(&p1));
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);
	enc[0] |= 0x20;
	CU_ASSERT_EQUAL(bls12_381_g1_decompress(&p1, enc), -EINVAL);

	g2_find_x(enc, &x2, &y2, true);
	p2.x = x2;
	p2.y = y2;
	memset(&p2.z, 0, sizeof p2.z);
	p2.z.c0 = FP_ONE;
	CU_ASSERT_TRUE(g2_is_on_curve(&p2));
	CU_ASSERT_FALSE(g2_is_in_subgroup(&p2));
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
	enc[0] |= 0x20;
	CU_ASSERT_EQUAL(bls12_381_g2_decompress(&p2, enc), -EINVAL);
}

/* ------------------------------------------------------------------------
 * The pairing */

static void
test_bls12_381_pairing_bilinear(void)
{
	uint8_t ka[32], kb[32];
	uint64_t la[4], lb[4], lab[8], lr[4];
	fp12_t e, e_ab, t;
	g1_t p, ap, neg_p;
	g2_t q, bq, aq, inf2;
	g1_t ps[3];
	g2_t qs[3];

	bls12_381_g1_generator(&p);
	bls12_381_g2_generator(&q);
	pairing(&e, &p, &q);
	/* non-degenerate, of order r */
	CU_ASSERT_FALSE(fp12_is_one(&e));
	memcpy(lr, GROUP_ORDER, sizeof lr);
	fp12_pow(&t, &e, lr, 4);
	CU_ASSERT_TRUE(fp12_is_one(&t));

	/* e(aP, bQ) = e(P, Q)^(ab), a and b of 255 bits, ab not reduced */
	scalar_random(ka);
	scalar_random(kb);
	scalar_from_be(la, ka);
	scalar_from_be(lb, kb);
	limbs_mul(lab, la, 4, lb, 4);
	bls12_381_g1_mul(&ap, &p, ka);
	bls12_381_g2_mul(&bq, &q, kb);
	pairing(&e_ab, &ap, &bq);
	fp12_pow(&t, &e, lab, 8);
	CU_ASSERT_TRUE(fp12_eq(&t, &e_ab));
	/* and e(aP, Q) = e(P, aQ) */
	bls12_381_g2_mul(&aq, &q, ka);
	pairing(&t, &ap, &q);
	pairing(&e_ab, &p, &aq);
	CU_ASSERT_TRUE(fp12_eq(&t, &e_ab));

	/* The check the KZG proof needs: e(aP, Q) e(-P, aQ) = 1. */
	bls12_381_g1_neg(&neg_p, &p);
	ps[0] = ap;
	qs[0] = q;
	ps[1] = neg_p;
	qs[1] = aq;
	CU_ASSERT_TRUE(bls12_381_pairing_check(ps, qs, 2));
	CU_ASSERT_FALSE(bls12_381_pairing_check(ps, qs, 1));
	qs[1] = bq;
	CU_ASSERT_FALSE(bls12_381_pairing_check(ps, qs, 2));
	/* A pair with infinity counts as 1, as does no pair at all. */
	memset(&inf2, 0, sizeof inf2);
	qs[1] = aq;
	ps[2] = p;
	qs[2] = inf2;
	CU_ASSERT_TRUE(bls12_381_pairing_check(ps, qs, 3));
	memset(&ps[2], 0, sizeof ps[2]);
	qs[2] = q;
	CU_ASSERT_TRUE(bls12_381_pairing_check(ps, qs, 3));
	CU_ASSERT_TRUE(bls12_381_pairing_check(ps, qs, 0));
}

/* ------------------------------------------------------------------------
 * The point evaluation precompile */

struct kzg_vector {
	const char *name;
	const char *commitment, *z, *y, *proof;
	bool valid;
};

/* From c-kzg-4844 tests/verify_kzg_proof/kzg-mainnet/verify_kzg_proof_case_*:
 * output true, false, or null (an input error).  Either of the last two
 * makes the precompile fail. */
static const struct kzg_vector kzg_vectors[] = {
	{ "correct_proof_3_2",
	  "b49d88afcd7f6c61a8ea69eff5f609d2432b47e7e4cd50b02cdddb4e0c1460517e8df02e4e64dc55e3d8ca192d57193a",
	  "0000000000000000000000000000000000000000000000000000000000000002",
	  "6a75e4fe63e5e148c853462a680c3e3ccedea34719d28f19bf1b35ae4eea37d6",
	  "a38758fca85407078c0a7e5fd6d38b34340c809baa0e1fed9deaabb11aa503062acbbe23fcbe620a21b40a83bfa71b89",
	  true },
	{ "correct_proof_point_at_infinity_for_twos_poly_1",
	  "a572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e",
	  "0000000000000000000000000000000000000000000000000000000000000001",
	  "0000000000000000000000000000000000000000000000000000000000000002",
	  "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  true },
	{ "correct_proof_0_0",
	  "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  true },
	{ "incorrect_proof_3_2",
	  "b49d88afcd7f6c61a8ea69eff5f609d2432b47e7e4cd50b02cdddb4e0c1460517e8df02e4e64dc55e3d8ca192d57193a",
	  "0000000000000000000000000000000000000000000000000000000000000002",
	  "6a75e4fe63e5e148c853462a680c3e3ccedea34719d28f19bf1b35ae4eea37d6",
	  "861a2aef7aa82db033bfa125b9f756afecaf1db28384925d5007bcf7dff1a53b72bdf522610303075aeecab41685d720",
	  false },
	{ "incorrect_proof_0_0",
	  "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
	  false },
	{ "invalid_commitment_2",
	  "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "0000000000000000000000000000000000000000000000000000000000000001",
	  "1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe",
	  "b0c829a8d2d3405304fecbea193e6c67f7c3912a6adc7c3737ad3f8a3b750425c1531a7426f03033a3994bc82a10609f",
	  false },
	{ "invalid_proof_2",
	  "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06",
	  "0000000000000000000000000000000000000000000000000000000000000001",
	  "1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe",
	  "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  false },
	{ "invalid_y_0",
	  "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7",
	  "0000000000000000000000000000000000000000000000000000000000000001",
	  "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001",
	  "b30b3d1e4faccc380557792c9a0374d58fa286f5f75fea48870585393f890909cd3c53cfe4897e799fb211b4be531e43",
	  false },
	{ "invalid_z_3",
	  "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7",
	  "ffffffffffffffffffffffffffffffff00000000000000000000000000000000",
	  "60f840641ec0d0c0d2b77b2d5a393b329442721fad05ab78c7b98f2aa3c20ec9",
	  "b30b3d1e4faccc380557792c9a0374d58fa286f5f75fea48870585393f890909cd3c53cfe4897e799fb211b4be531e43",
	  false },
};

/* FIELD_ELEMENTS_PER_BLOB and BLS_MODULUS, as two words. */
static const char POINT_EVALUATION_OUTPUT[] =
	"0000000000000000000000000000000000000000000000000000000000001000"
	"73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";

/* Out: in, the 192-byte input for v: 0x01 || sha256(commitment)[1:], z,
 * y, commitment and proof. */
static void
kzg_input(uint8_t in[192], const struct kzg_vector *v)
{
	unsigned int n = 0;

	unhex(in + 32, 32, v->z);
	unhex(in + 64, 32, v->y);
	unhex(in + 96, 48, v->commitment);
	unhex(in + 144, 48, v->proof);
	CU_ASSERT_FATAL(EVP_Digest(in + 96, 48, in, &n, EVP_sha256(), NULL) && n == 32);
	in[0] = 0x01;
}

/* Returns: whether the call succeeded; a failure must take all the gas. */
static bool
point_evaluation(const uint8_t *in, size_t len)
{
	struct precompile_call c = { .id = PRECOMPILE_POINT_EVALUATION, .input = in,
		.input_len = len, .gas = 60000 };
	struct precompile_result r;
	uint8_t want[64];
	bool ok;

	CU_ASSERT_FATAL(precompile_run(&r, &c) == 0);
	ok = r.success;
	if (ok) {
		unhex(want, sizeof want, POINT_EVALUATION_OUTPUT);
		CU_ASSERT_EQUAL(r.gas_used, 50000);
		CU_ASSERT_EQUAL(r.output_len, 64);
		CU_ASSERT_TRUE(r.output != NULL && memcmp(r.output, want, 64) == 0);
	} else {
		CU_ASSERT_EQUAL(r.gas_used, 60000);
		CU_ASSERT_PTR_NULL(r.output);
	}
	precompile_result_release(&r);
	return ok;
}

static void
test_bls12_381_point_evaluation_vectors(void)
{
	uint8_t in[193];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kzg_vectors); i++) {
		kzg_input(in, &kzg_vectors[i]);
		if (point_evaluation(in, 192) != kzg_vectors[i].valid)
			CU_FAIL(kzg_vectors[i].name);
	}
}

/* Each way a good input can be spoiled. */
static void
test_bls12_381_point_evaluation_invalid(void)
{
	uint8_t in[193], bad[193];

	kzg_input(in, &kzg_vectors[0]);
	in[192] = 0;
	CU_ASSERT_TRUE(point_evaluation(in, 192));
	/* the length must be exactly 192 */
	CU_ASSERT_FALSE(point_evaluation(in, 191));
	CU_ASSERT_FALSE(point_evaluation(in, 193));
	CU_ASSERT_FALSE(point_evaluation(NULL, 0));
	/* the version byte and the rest of the hash */
	memcpy(bad, in, sizeof bad);
	bad[0] = 0x00;
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
	memcpy(bad, in, sizeof bad);
	bad[31] ^= 1;
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
	/* z or y changed: the proof no longer holds */
	memcpy(bad, in, sizeof bad);
	bad[63] ^= 1;
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
	memcpy(bad, in, sizeof bad);
	bad[95] ^= 1;
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
	/* the proof's sign bit: a valid point, the wrong one */
	memcpy(bad, in, sizeof bad);
	bad[144] ^= 0x20;
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
	/* y = r - 1 + r: the same field element, but not canonical */
	memcpy(bad, in, sizeof bad);
	unhex(bad + 64, 32, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	CU_ASSERT_FALSE(point_evaluation(bad, 192));
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_bls12_381_constants),
		HARNESS_TEST(test_bls12_381_fp_arithmetic),
		HARNESS_TEST(test_bls12_381_fp2_arithmetic),
		HARNESS_TEST(test_bls12_381_fp12_arithmetic),
		HARNESS_TEST(test_bls12_381_g1_group),
		HARNESS_TEST(test_bls12_381_g2_group),
		HARNESS_TEST(test_bls12_381_compress_round_trip),
		HARNESS_TEST(test_bls12_381_decompress_rejects),
		HARNESS_TEST(test_bls12_381_pairing_bilinear),
		HARNESS_TEST(test_bls12_381_point_evaluation_vectors),
		HARNESS_TEST(test_bls12_381_point_evaluation_invalid),
		HARNESS_END,
	};

	return harness_run("bls12_381", tests);
}
