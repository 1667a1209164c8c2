/* BLS12-381, for the KZG check of EIP-4844's point evaluation.
 *
 * The curve comes from the parameter x = -0xd201000000010000: the group
 * order is r = x^4 - x^2 + 1 (255 bits) and the base field prime is
 * p = (x - 1)^2 r / 3 + x (381 bits).  Fp elements are six 64-bit limbs,
 * least significant first, in Montgomery form (a is held as a 2^384 mod p)
 * and always fully reduced, so equal values have equal limbs.  The tower
 * is the usual one: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with
 * xi = 1 + u, and Fp12 = Fp6[w]/(w^2 - v), so w^6 = xi.  G1 is
 * y^2 = x^3 + 4 over Fp; G2 is the order-r subgroup of the twist
 * y^2 = x^3 + 4 xi over Fp2.  Every function allows its result to alias
 * an argument.  The constants below were worked out offline from these
 * definitions; the tests check each of them against its definition. */
#include <errno.h>
#include <string.h>

#include "bls12_381.h"

typedef struct bls12_381_fp fp_t;
typedef struct bls12_381_fp2 fp2_t;
typedef struct bls12_381_g1 g1_t;
typedef struct bls12_381_g2 g2_t;

typedef struct {
	fp2_t c0, c1, c2; /* c0 + c1 v + c2 v^2 */
} fp6_t;

typedef struct {
	fp6_t c0, c1; /* c0 + c1 w */
} fp12_t;

#define FP_LIMBS 6
#define FP_BYTES 48

/* p */
static const fp_t FP_P = { { 0xb9feffffffffaaabULL, 0x1eabfffeb153ffffULL, 0x6730d2a0f6b0f624ULL,
	0x64774b84f38512bfULL, 0x4b1ba7b6434bacd7ULL, 0x1a0111ea397fe69aULL } };
/* -p^-1 mod 2^64 */
static const uint64_t FP_INV = 0x89f3fffcfffcfffdULL;
/* 2^768 mod p, to move a number into Montgomery form. */
static const fp_t FP_R2 = { { 0xf4df1f341c341746ULL, 0x0a76e6a609d104f1ULL, 0x8de5476c4c95b6d5ULL,
	0x67eb88a9939d83c0ULL, 0x9a793e85b519952dULL, 0x11988fe592cae3aaULL } };
/* 2^1152 mod p, to bring an inverse computed outside Montgomery form back. */
static const fp_t FP_R3 = { { 0xed48ac6bd94ca1e0ULL, 0x315f831e03a7adf8ULL, 0x9a53352a615e29ddULL,
	0x34c04e5e921e1761ULL, 0x2512d43565724728ULL, 0x0aa6346091755d4dULL } };
/* 1 (2^384 mod p) */
static const fp_t FP_ONE = { { 0x760900000002fffdULL, 0xebf4000bc40c0002ULL, 0x5f48985753c758baULL,
	0x77ce585370525745ULL, 0x5c071a97a256ec6dULL, 0x15f65ec3fa80e493ULL } };
/* 4, G1's curve constant; G2's is 4 xi = 4 + 4u. */
static const fp_t FP_B = { { 0xaa270000000cfff3ULL, 0x53cc0032fc34000aULL, 0x478fe97a6b0a807fULL,
	0xb1d37ebee6ba24d7ULL, 0x8ec9733bbf78ab2fULL, 0x09d645513d83de7eULL } };
/* (p - 1) / 2, as a plain number: y is the "lexicographically largest" of
 * y and -y when it is above this. */
static const uint64_t FP_HALF[FP_LIMBS] = { 0xdcff7fffffffd555ULL, 0x0f55ffff58a9ffffULL,
	0xb39869507b587b12ULL, 0xb23ba5c279c2895fULL, 0x258dd3db21a5d66bULL, 0x0d0088f51cbff34dULL };
/* (p + 1) / 4: since p = 3 mod 4, a^((p + 1) / 4) is a square root of a
 * whenever a has one. */
static const uint64_t FP_SQRT_EXP[FP_LIMBS] = { 0xee7fbfffffffeaabULL, 0x07aaffffac54ffffULL,
	0xd9cc34a83dac3d89ULL, 0xd91dd2e13ce144afULL, 0x92c6e9ed90d2eb35ULL, 0x0680447a8e5ff9a6ULL };
/* xi^(k (p - 1) / 6) for k = 1..5: raising an Fp12 element to p
 * conjugates its coefficient of w^k and multiplies it by the k-th. */
static const fp2_t FROB1[5] = {
	{ { { 0x07089552b319d465ULL, 0xc6695f92b50a8313ULL, 0x97e83cccd117228fULL, 0xa35baecab2dc29eeULL,
	      0x1ce393ea5daace4dULL, 0x08f2220fb0fb66ebULL } },
	  { { 0xb2f66aad4ce5d646ULL, 0x5842a06bfc497cecULL, 0xcf4895d42599d394ULL, 0xc11b9cba40a8e8d0ULL,
	      0x2e3813cbe5a0de89ULL, 0x110eefda88847fafULL } } },
	{ { { 0 } },
	  { { 0xcd03c9e48671f071ULL, 0x5dab22461fcda5d2ULL, 0x587042afd3851b95ULL, 0x8eb60ebe01bacb9eULL,
	      0x03f97d6e83d050d2ULL, 0x18f0206554638741ULL } } },
	{ { { 0x7bcfa7a25aa30fdaULL, 0xdc17dec12a927e7cULL, 0x2f088dd86b4ebef1ULL, 0xd1ca2087da74d4a7ULL,
	      0x2da2596696cebc1dULL, 0x0e2b7eedbbfd87d2ULL } },
	  { { 0x7bcfa7a25aa30fdaULL, 0xdc17dec12a927e7cULL, 0x2f088dd86b4ebef1ULL, 0xd1ca2087da74d4a7ULL,
	      0x2da2596696cebc1dULL, 0x0e2b7eedbbfd87d2ULL } } },
	{ { { 0x890dc9e4867545c3ULL, 0x2af322533285a5d5ULL, 0x50880866309b7e2cULL, 0xa20d1b8c7e881024ULL,
	      0x14e4f04fe2db9068ULL, 0x14e56d3f1564853aULL } },
	  { { 0 } } },
	{ { { 0x82d83cf50dbce43fULL, 0xa2813e53df9d018fULL, 0xc6f0caa53c65e181ULL, 0x7525cf528d50fe95ULL,
	      0x4a85ed50f4798a6bULL, 0x171da0fd6cf8eebdULL } },
	  { { 0x3726c30af242c66cULL, 0x7c2ac1aad1b6fe70ULL, 0xa04007fbba4b14a2ULL, 0xef517c3266341429ULL,
	      0x0095ba654ed2226bULL, 0x02e370eccc86f7ddULL } } },
};
/* xi^(k (p^2 - 1) / 6) for k = 1..5, all in Fp: raising an Fp12 element
 * to p^2 multiplies its coefficient of w^k by the k-th.  The third is -1. */
static const fp_t FROB2[5] = {
	{ { 0xecfb361b798dba3aULL, 0xc100ddb891865a2cULL, 0x0ec08ff1232bda8eULL, 0xd5c13cc6f1ca4721ULL,
	    0x47222a47bf7b5c04ULL, 0x0110f184e51c5f59ULL } },
	{ { 0x30f1361b798a64e8ULL, 0xf3b8ddab7ece5a2aULL, 0x16a8ca3ac61577f7ULL, 0xc26a2ff874fd029bULL,
	    0x3636b76660701c6eULL, 0x051ba4ab241b6160ULL } },
	{ { 0x43f5fffffffcaaaeULL, 0x32b7fff2ed47fffdULL, 0x07e83a49a2e99d69ULL, 0xeca8f3318332bb7aULL,
	    0xef148d1ea0f4c069ULL, 0x040ab3263eff0206ULL } },
	{ { 0xcd03c9e48671f071ULL, 0x5dab22461fcda5d2ULL, 0x587042afd3851b95ULL, 0x8eb60ebe01bacb9eULL,
	    0x03f97d6e83d050d2ULL, 0x18f0206554638741ULL } },
	{ { 0x890dc9e4867545c3ULL, 0x2af322533285a5d5ULL, 0x50880866309b7e2cULL, 0xa20d1b8c7e881024ULL,
	    0x14e4f04fe2db9068ULL, 0x14e56d3f1564853aULL } },
};
/* r, the order of G1 and G2. */
static const uint64_t GROUP_ORDER[4] = { 0xffffffff00000001ULL, 0x53bda402fffe5bfeULL,
	0x3339d80809a1d805ULL, 0x73eda753299d7d48ULL };
/* |x|, the Miller loop's length; x itself is negative. */
static const uint64_t BLS_X_ABS[1] = { 0xd201000000010000ULL };
/* (x - 1)^2 / 3, a factor of the final exponentiation's hard part. */
static const uint64_t HARD_LAMBDA[2] = { 0x8c00aaab0000aaabULL, 0x396c8c005555e156ULL };

/* The generators, affine, from the IETF pairing-friendly-curves draft
 * (and the zcash specification), in Montgomery form. */
static const fp_t G1_X = { { 0x5cb38790fd530c16ULL, 0x7817fc679976fff5ULL, 0x154f95c7143ba1c1ULL,
	0xf0ae6acdf3d0e747ULL, 0xedce6ecc21dbf440ULL, 0x120177419e0bfb75ULL } };
static const fp_t G1_Y = { { 0xbaac93d50ce72271ULL, 0x8c22631a7918fd8eULL, 0xdd595f13570725ceULL,
	0x51ac582950405194ULL, 0x0e1c8c3fad0059c0ULL, 0x0bbc3efc5008a26aULL } };
static const fp2_t G2_X = {
	{ { 0xf5f28fa202940a10ULL, 0xb3f5fb2687b4961aULL, 0xa1a893b53e2ae580ULL, 0x9894999d1a3caee9ULL,
	    0x6f67b7631863366bULL, 0x058191924350bcd7ULL } },
	{ { 0xa5a9c0759e23f606ULL, 0xaaa0c59dbccd60c3ULL, 0x3bb17e18e2867806ULL, 0x1b1ab6cc8541b367ULL,
	    0xc2b6ed0ef2158547ULL, 0x11922a097360edf3ULL } },
};
static const fp2_t G2_Y = {
	{ { 0x4c730af860494c4aULL, 0x597cfa1f5e369c5aULL, 0xe7e6856caa0a635aULL, 0xbbefb5e96e0d495fULL,
	    0x07d3a975f0ef25a2ULL, 0x0083fd8e7e80dae5ULL } },
	{ { 0xadc0fc92df64b05dULL, 0x18aa270a2b1461dcULL, 0x86adac6a3be4eba0ULL, 0x79495c4ec93da33aULL,
	    0xe7175850a43ccaedULL, 0x0b2bc2a163de1bf2ULL } },
};

/* ------------------------------------------------------------------------
 * Fp */

/* Out: r = a - b over 384 bits.  Returns: the borrow. */
static uint64_t
limbs_sub(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS], const uint64_t b[FP_LIMBS])
{
	uint64_t borrow = 0;
	int i;

#pragma GCC unroll 6
	for (i = 0; i < FP_LIMBS; i++) {
		unsigned __int128 d = (unsigned __int128)a[i] - b[i] - borrow;

		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

/* Out: r = a + b over 384 bits.  Returns: the carry. */
static uint64_t
limbs_add(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS], const uint64_t b[FP_LIMBS])
{
	uint64_t carry = 0;
	int i;

#pragma GCC unroll 6
	for (i = 0; i < FP_LIMBS; i++) {
		unsigned __int128 s = (unsigned __int128)a[i] + b[i] + carry;

		r[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	return carry;
}

static bool
limbs_is_one(const uint64_t a[FP_LIMBS])
{
	return a[0] == 1 && (a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}

static void
limbs_shr1(uint64_t a[FP_LIMBS])
{
	int i;

#pragma GCC unroll 6
	for (i = 0; i < FP_LIMBS - 1; i++)
		a[i] = a[i] >> 1 | a[i + 1] << 63;
	a[FP_LIMBS - 1] >>= 1;
}

static bool
fp_is_zero(const fp_t *a)
{
	return (a->l[0] | a->l[1] | a->l[2] | a->l[3] | a->l[4] | a->l[5]) == 0;
}

static bool
fp_eq(const fp_t *a, const fp_t *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* p < 2^381, so the sum of two reduced values fits in 384 bits and one
 * conditional subtraction reduces it. */
static void
fp_add(fp_t *r, const fp_t *a, const fp_t *b)
{
	uint64_t t[FP_LIMBS], u[FP_LIMBS];

	limbs_add(t, a->l, b->l);
	if (limbs_sub(u, t, FP_P.l) == 0)
		memcpy(r->l, u, sizeof u);
	else
		memcpy(r->l, t, sizeof t);
}

static void
fp_sub(fp_t *r, const fp_t *a, const fp_t *b)
{
	uint64_t t[FP_LIMBS];

	if (limbs_sub(t, a->l, b->l) != 0)
		limbs_add(t, t, FP_P.l);
	memcpy(r->l, t, sizeof t);
}

static void
fp_neg(fp_t *r, const fp_t *a)
{
	static const fp_t zero;

	fp_sub(r, &zero, a);
}

/* Out: x / 2 mod p, for x < p: x + p stays below 2^382.  Halving commutes
 * with the Montgomery factor, so this works on either form. */
static void
limbs_half_mod(uint64_t x[FP_LIMBS])
{
	if (x[0] & 1)
		limbs_add(x, x, FP_P.l);
	limbs_shr1(x);
}

static void
fp_half(fp_t *r, const fp_t *a)
{
	*r = *a;
	limbs_half_mod(r->l);
}

/* Montgomery multiplication, coarsely integrated operand scanning: r =
 * a b / 2^384 mod p.  p's top limb is below 2^62, so the running total
 * never needs a seventh limb (the "no-carry" form) and stays below 2p. */
static void
fp_mul(fp_t *r, const fp_t *a, const fp_t *b)
{
	uint64_t t[FP_LIMBS] = { 0 }, u[FP_LIMBS], m, ca, cm;
	unsigned __int128 x;
	int i, j;

#pragma GCC unroll 6
	for (i = 0; i < FP_LIMBS; i++) {
		x = (unsigned __int128)a->l[0] * b->l[i] + t[0];
		ca = (uint64_t)(x >> 64);
		t[0] = (uint64_t)x;
		m = t[0] * FP_INV;
		x = (unsigned __int128)m * FP_P.l[0] + t[0];
		cm = (uint64_t)(x >> 64);
#pragma GCC unroll 6
		for (j = 1; j < FP_LIMBS; j++) {
			x = (unsigned __int128)a->l[j] * b->l[i] + t[j] + ca;
			ca = (uint64_t)(x >> 64);
			t[j] = (uint64_t)x;
			x = (unsigned __int128)m * FP_P.l[j] + t[j] + cm;
			cm = (uint64_t)(x >> 64);
			t[j - 1] = (uint64_t)x;
		}
		t[FP_LIMBS - 1] = ca + cm;
	}
	if (limbs_sub(u, t, FP_P.l) == 0)
		memcpy(r->l, u, sizeof u);
	else
		memcpy(r->l, t, sizeof t);
}

static void
fp_sqr(fp_t *r, const fp_t *a)
{
	fp_mul(r, a, a);
}

/* Out: r = a^e, e given as n limbs, least significant first. */
static void
fp_pow(fp_t *r, const fp_t *a, const uint64_t *e, int n)
{
	fp_t acc = FP_ONE, base = *a;
	int i;

	for (i = 64 * n - 1; i >= 0; i--) {
		fp_sqr(&acc, &acc);
		if (e[i / 64] >> (i % 64) & 1)
			fp_mul(&acc, &acc, &base);
	}
	*r = acc;
}

/* The inverse by binary extended Euclid, keeping x1 a = u and x2 a = v
 * (mod p) while u and v shrink to 1: some 800 shifts and subtractions,
 * cheaper than the 570 or so products of Fermat's a^(p - 2).  It works
 * on the Montgomery value a R as a plain number, so the result (a R)^-1
 * is multiplied by R^3 to give a^-1 R.  0 maps to 0. */
static void
fp_inv(fp_t *r, const fp_t *a)
{
	uint64_t u[FP_LIMBS], v[FP_LIMBS], t[FP_LIMBS];
	fp_t x1 = { { 1 } }, x2 = { { 0 } };

	if (fp_is_zero(a)) {
		*r = *a;
		return;
	}
	memcpy(u, a->l, sizeof u);
	memcpy(v, FP_P.l, sizeof v);
	while (!limbs_is_one(u) && !limbs_is_one(v)) {
		while ((u[0] & 1) == 0) {
			limbs_shr1(u);
			limbs_half_mod(x1.l);
		}
		while ((v[0] & 1) == 0) {
			limbs_shr1(v);
			limbs_half_mod(x2.l);
		}
		if (limbs_sub(t, u, v) == 0) {
			memcpy(u, t, sizeof t);
			fp_sub(&x1, &x1, &x2);
		} else {
			limbs_sub(v, v, u);
			fp_sub(&x2, &x2, &x1);
		}
	}
	fp_mul(r, limbs_is_one(u) ? &x1 : &x2, &FP_R3);
}

/* Returns: whether a is a square.  Out: r, a square root of a when it is
 * (and garbage when not). */
static bool
fp_sqrt(fp_t *r, const fp_t *a)
{
	fp_t s, c;
	bool ok;

	fp_pow(&s, a, FP_SQRT_EXP, FP_LIMBS);
	fp_sqr(&c, &s);
	ok = fp_eq(&c, a);
	*r = s;
	return ok;
}

/* Out: out, a as a plain number below p. */
static void
fp_to_plain(uint64_t out[FP_LIMBS], const fp_t *a)
{
	static const fp_t one = { { 1 } };
	fp_t x;

	fp_mul(&x, a, &one);
	memcpy(out, x.l, sizeof x.l);
}

/* Returns: whether a, taken as a number below p, is above (p - 1) / 2,
 * which makes it the larger of a and -a. */
static bool
fp_is_lex_largest(const fp_t *a)
{
	uint64_t x[FP_LIMBS], t[FP_LIMBS];

	fp_to_plain(x, a);
	return limbs_sub(t, FP_HALF, x) != 0;
}

/* Returns: false when the 48 big-endian bytes are not below p.
 * Out: r, in Montgomery form. */
static bool
fp_from_be(fp_t *r, const uint8_t in[FP_BYTES])
{
	fp_t x;
	uint64_t t[FP_LIMBS];
	int i, j;

	for (i = 0; i < FP_LIMBS; i++) {
		x.l[i] = 0;
		for (j = 0; j < 8; j++)
			x.l[i] = x.l[i] << 8 | in[(FP_LIMBS - 1 - i) * 8 + j];
	}
	if (limbs_sub(t, x.l, FP_P.l) == 0)
		return false;
	fp_mul(r, &x, &FP_R2);
	return true;
}

static void
fp_to_be(uint8_t out[FP_BYTES], const fp_t *a)
{
	uint64_t x[FP_LIMBS];
	int i, j;

	fp_to_plain(x, a);
	for (i = 0; i < FP_LIMBS; i++)
		for (j = 0; j < 8; j++)
			out[(FP_LIMBS - 1 - i) * 8 + j] = (uint8_t)(x[i] >> (56 - 8 * j));
}

/* ------------------------------------------------------------------------
 * Fp2 = Fp[u]/(u^2 + 1) */

static bool
fp2_is_zero(const fp2_t *a)
{
	return fp_is_zero(&a->c0) && fp_is_zero(&a->c1);
}

static bool
fp2_eq(const fp2_t *a, const fp2_t *b)
{
	return fp_eq(&a->c0, &b->c0) && fp_eq(&a->c1, &b->c1);
}

static void
fp2_add(fp2_t *r, const fp2_t *a, const fp2_t *b)
{
	fp_add(&r->c0, &a->c0, &b->c0);
	fp_add(&r->c1, &a->c1, &b->c1);
}

static void
fp2_sub(fp2_t *r, const fp2_t *a, const fp2_t *b)
{
	fp_sub(&r->c0, &a->c0, &b->c0);
	fp_sub(&r->c1, &a->c1, &b->c1);
}

static void
fp2_neg(fp2_t *r, const fp2_t *a)
{
	fp_neg(&r->c0, &a->c0);
	fp_neg(&r->c1, &a->c1);
}

/* The conjugate a0 - a1 u, which is also a^p. */
static void
fp2_conj(fp2_t *r, const fp2_t *a)
{
	r->c0 = a->c0;
	fp_neg(&r->c1, &a->c1);
}

/* Karatsuba: three Fp products instead of four. */
static void
fp2_mul(fp2_t *r, const fp2_t *a, const fp2_t *b)
{
	fp_t t0, t1, s, v;

	fp_mul(&t0, &a->c0, &b->c0);
	fp_mul(&t1, &a->c1, &b->c1);
	fp_add(&s, &a->c0, &a->c1);
	fp_add(&v, &b->c0, &b->c1);
	fp_mul(&s, &s, &v);
	fp_sub(&s, &s, &t0);
	fp_sub(&r->c1, &s, &t1);
	fp_sub(&r->c0, &t0, &t1);
}

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
static void
fp2_sqr(fp2_t *r, const fp2_t *a)
{
	fp_t s, d, m;

	fp_add(&s, &a->c0, &a->c1);
	fp_sub(&d, &a->c0, &a->c1);
	fp_mul(&m, &a->c0, &a->c1);
	fp_mul(&r->c0, &s, &d);
	fp_add(&r->c1, &m, &m);
}

static void
fp2_mul_fp(fp2_t *r, const fp2_t *a, const fp_t *b)
{
	fp_mul(&r->c0, &a->c0, b);
	fp_mul(&r->c1, &a->c1, b);
}

/* (1 + u)(a0 + a1 u) = (a0 - a1) + (a0 + a1) u */
static void
fp2_mul_xi(fp2_t *r, const fp2_t *a)
{
	fp_t t;

	fp_sub(&t, &a->c0, &a->c1);
	fp_add(&r->c1, &a->c0, &a->c1);
	r->c0 = t;
}

/* 1 / (a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2) */
static void
fp2_inv(fp2_t *r, const fp2_t *a)
{
	fp_t n, t;

	fp_sqr(&n, &a->c0);
	fp_sqr(&t, &a->c1);
	fp_add(&n, &n, &t);
	fp_inv(&n, &n);
	fp_mul(&r->c0, &a->c0, &n);
	fp_mul(&t, &a->c1, &n);
	fp_neg(&r->c1, &t);
}

/* Square roots through the norm.  If a = (x0 + x1 u)^2, then a0 = x0^2 -
 * x1^2, a1 = 2 x0 x1, and the norm a0^2 + a1^2 is (x0^2 + x1^2)^2, so
 * with n = x0^2 + x1^2 (either root of the norm) one of (a0 + n) / 2 and
 * (a0 - n) / 2 is x0^2, and x1 = a1 / (2 x0).  When a1 = 0, a0 or -a0
 * is a square in Fp (-1 is not one, as p = 3 mod 4), and u^2 = -1.
 * Returns: whether a is a square.  Out: r, a root when it is. */
static bool
fp2_sqrt(fp2_t *r, const fp2_t *a)
{
	fp_t n, t, x0, x1;
	fp2_t c;

	if (fp_is_zero(&a->c1)) {
		if (fp_sqrt(&x0, &a->c0)) {
			r->c0 = x0;
			memset(&r->c1, 0, sizeof r->c1);
			return true;
		}
		fp_neg(&t, &a->c0);
		if (!fp_sqrt(&x1, &t))
			return false;
		memset(&r->c0, 0, sizeof r->c0);
		r->c1 = x1;
		return true;
	}
	fp_sqr(&n, &a->c0);
	fp_sqr(&t, &a->c1);
	fp_add(&n, &n, &t);
	if (!fp_sqrt(&n, &n))
		return false;
	fp_add(&t, &a->c0, &n);
	fp_half(&t, &t);
	if (!fp_sqrt(&x0, &t)) {
		fp_sub(&t, &a->c0, &n);
		fp_half(&t, &t);
		if (!fp_sqrt(&x0, &t))
			return false;
	}
	fp_add(&t, &x0, &x0);
	fp_inv(&t, &t);
	fp_mul(&x1, &a->c1, &t);
	c.c0 = x0;
	c.c1 = x1;
	*r = c;
	fp2_sqr(&c, &c);
	return fp2_eq(&c, a);
}

/* The zcash order on Fp2: the imaginary part decides, unless it is 0. */
static bool
fp2_is_lex_largest(const fp2_t *a)
{
	if (!fp_is_zero(&a->c1))
		return fp_is_lex_largest(&a->c1);
	return fp_is_lex_largest(&a->c0);
}

/* ------------------------------------------------------------------------
 * Fp6 = Fp2[v]/(v^3 - xi) */

static void
fp6_add(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
	fp2_add(&r->c0, &a->c0, &b->c0);
	fp2_add(&r->c1, &a->c1, &b->c1);
	fp2_add(&r->c2, &a->c2, &b->c2);
}

static void
fp6_sub(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
	fp2_sub(&r->c0, &a->c0, &b->c0);
	fp2_sub(&r->c1, &a->c1, &b->c1);
	fp2_sub(&r->c2, &a->c2, &b->c2);
}

static void
fp6_neg(fp6_t *r, const fp6_t *a)
{
	fp2_neg(&r->c0, &a->c0);
	fp2_neg(&r->c1, &a->c1);
	fp2_neg(&r->c2, &a->c2);
}

/* Karatsuba over the three coefficients, with v^3 = xi folded in:
 * c0 = a0 b0 + xi (a1 b2 + a2 b1), c1 = a0 b1 + a1 b0 + xi a2 b2,
 * c2 = a0 b2 + a1 b1 + a2 b0. */
static void
fp6_mul(fp6_t *r, const fp6_t *a, const fp6_t *b)
{
	fp2_t t0, t1, t2, s, v, c0, c1, c2;

	fp2_mul(&t0, &a->c0, &b->c0);
	fp2_mul(&t1, &a->c1, &b->c1);
	fp2_mul(&t2, &a->c2, &b->c2);

	fp2_add(&s, &a->c1, &a->c2);
	fp2_add(&v, &b->c1, &b->c2);
	fp2_mul(&c0, &s, &v);
	fp2_sub(&c0, &c0, &t1);
	fp2_sub(&c0, &c0, &t2);
	fp2_mul_xi(&c0, &c0);
	fp2_add(&c0, &c0, &t0);

	fp2_add(&s, &a->c0, &a->c1);
	fp2_add(&v, &b->c0, &b->c1);
	fp2_mul(&c1, &s, &v);
	fp2_sub(&c1, &c1, &t0);
	fp2_sub(&c1, &c1, &t1);
	fp2_mul_xi(&s, &t2);
	fp2_add(&c1, &c1, &s);

	fp2_add(&s, &a->c0, &a->c2);
	fp2_add(&v, &b->c0, &b->c2);
	fp2_mul(&c2, &s, &v);
	fp2_sub(&c2, &c2, &t0);
	fp2_sub(&c2, &c2, &t2);
	fp2_add(&c2, &c2, &t1);

	r->c0 = c0;
	r->c1 = c1;
	r->c2 = c2;
}

/* (a0 + a1 v + a2 v^2) v = xi a2 + a0 v + a1 v^2 */
static void
fp6_mul_v(fp6_t *r, const fp6_t *a)
{
	fp2_t t;

	fp2_mul_xi(&t, &a->c2);
	r->c2 = a->c1;
	r->c1 = a->c0;
	r->c0 = t;
}

/* With A = a0^2 - xi a1 a2, B = xi a2^2 - a0 a1, C = a1^2 - a0 a2, the
 * product a (A + B v + C v^2) is F = a0 A + xi (a2 B + a1 C), in Fp2. */
static void
fp6_inv(fp6_t *r, const fp6_t *a)
{
	fp2_t A, B, C, F, t;

	fp2_sqr(&A, &a->c0);
	fp2_mul(&t, &a->c1, &a->c2);
	fp2_mul_xi(&t, &t);
	fp2_sub(&A, &A, &t);

	fp2_sqr(&B, &a->c2);
	fp2_mul_xi(&B, &B);
	fp2_mul(&t, &a->c0, &a->c1);
	fp2_sub(&B, &B, &t);

	fp2_sqr(&C, &a->c1);
	fp2_mul(&t, &a->c0, &a->c2);
	fp2_sub(&C, &C, &t);

	fp2_mul(&F, &a->c2, &B);
	fp2_mul(&t, &a->c1, &C);
	fp2_add(&F, &F, &t);
	fp2_mul_xi(&F, &F);
	fp2_mul(&t, &a->c0, &A);
	fp2_add(&F, &F, &t);
	fp2_inv(&F, &F);

	fp2_mul(&r->c0, &A, &F);
	fp2_mul(&r->c1, &B, &F);
	fp2_mul(&r->c2, &C, &F);
}

/* ------------------------------------------------------------------------
 * Fp12 = Fp6[w]/(w^2 - v).  Written in powers of w with coefficients in
 * Fp2, w^0, w^2 and w^4 are c0's coefficients and w^1, w^3 and w^5 are
 * c1's. */

static void
fp12_set_one(fp12_t *r)
{
	memset(r, 0, sizeof *r);
	r->c0.c0.c0 = FP_ONE;
}

static bool
fp12_is_one(const fp12_t *a)
{
	fp12_t one;

	fp12_set_one(&one);
	return memcmp(a, &one, sizeof one) == 0;
}

/* (a0 + a1 w)(b0 + b1 w) = (a0 b0 + v a1 b1) + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) w */
static void
fp12_mul(fp12_t *r, const fp12_t *a, const fp12_t *b)
{
	fp6_t t0, t1, s, v;

	fp6_mul(&t0, &a->c0, &b->c0);
	fp6_mul(&t1, &a->c1, &b->c1);
	fp6_add(&s, &a->c0, &a->c1);
	fp6_add(&v, &b->c0, &b->c1);
	fp6_mul(&s, &s, &v);
	fp6_sub(&s, &s, &t0);
	fp6_sub(&r->c1, &s, &t1);
	fp6_mul_v(&t1, &t1);
	fp6_add(&r->c0, &t0, &t1);
}

/* Complex squaring, two Fp6 products instead of three: with t = a0 a1,
 * (a0 + a1 w)^2 = ((a0 + a1)(a0 + v a1) - t - v t) + 2t w. */
static void
fp12_sqr(fp12_t *r, const fp12_t *a)
{
	fp6_t t, s, v;

	fp6_mul(&t, &a->c0, &a->c1);
	fp6_add(&s, &a->c0, &a->c1);
	fp6_mul_v(&v, &a->c1);
	fp6_add(&v, &v, &a->c0);
	fp6_mul(&s, &s, &v);
	fp6_sub(&s, &s, &t);
	fp6_mul_v(&v, &t);
	fp6_sub(&r->c0, &s, &v);
	fp6_add(&r->c1, &t, &t);
}

/* The conjugate a0 - a1 w is a^(p^6): the inverse, for the elements of
 * norm 1 that the final exponentiation works with. */
static void
fp12_conj(fp12_t *r, const fp12_t *a)
{
	r->c0 = a->c0;
	fp6_neg(&r->c1, &a->c1);
}

/* 1 / (a0 + a1 w) = (a0 - a1 w) / (a0^2 - v a1^2) */
static void
fp12_inv(fp12_t *r, const fp12_t *a)
{
	fp6_t n, t;

	fp6_mul(&n, &a->c0, &a->c0);
	fp6_mul(&t, &a->c1, &a->c1);
	fp6_mul_v(&t, &t);
	fp6_sub(&n, &n, &t);
	fp6_inv(&n, &n);
	fp6_mul(&r->c0, &a->c0, &n);
	fp6_mul(&t, &a->c1, &n);
	fp6_neg(&r->c1, &t);
}

/* a^p: (g w^k)^p = conj(g) w^k w^(k (p - 1)) = conj(g) w^k xi^(k (p - 1) / 6). */
static void
fp12_frob1(fp12_t *r, const fp12_t *a)
{
	fp12_t t;

	fp2_conj(&t.c0.c0, &a->c0.c0);
	fp2_conj(&t.c1.c0, &a->c1.c0);
	fp2_conj(&t.c0.c1, &a->c0.c1);
	fp2_conj(&t.c1.c1, &a->c1.c1);
	fp2_conj(&t.c0.c2, &a->c0.c2);
	fp2_conj(&t.c1.c2, &a->c1.c2);
	fp2_mul(&t.c1.c0, &t.c1.c0, &FROB1[0]);
	fp2_mul(&t.c0.c1, &t.c0.c1, &FROB1[1]);
	fp2_mul(&t.c1.c1, &t.c1.c1, &FROB1[2]);
	fp2_mul(&t.c0.c2, &t.c0.c2, &FROB1[3]);
	fp2_mul(&t.c1.c2, &t.c1.c2, &FROB1[4]);
	*r = t;
}

/* a^(p^2): as above, but the conjugations cancel, leaving w^k scaled by
 * xi^(k (p^2 - 1) / 6), which lies in Fp. */
static void
fp12_frob2(fp12_t *r, const fp12_t *a)
{
	*r = *a;
	fp2_mul_fp(&r->c1.c0, &a->c1.c0, &FROB2[0]);
	fp2_mul_fp(&r->c0.c1, &a->c0.c1, &FROB2[1]);
	fp2_mul_fp(&r->c1.c1, &a->c1.c1, &FROB2[2]);
	fp2_mul_fp(&r->c0.c2, &a->c0.c2, &FROB2[3]);
	fp2_mul_fp(&r->c1.c2, &a->c1.c2, &FROB2[4]);
}

/* Out: r = a^e, e given as n limbs, least significant first; e is not 0. */
static void
fp12_pow(fp12_t *r, const fp12_t *a, const uint64_t *e, int n)
{
	fp12_t acc = *a;
	int i = 64 * n - 1;

	while ((e[i / 64] >> (i % 64) & 1) == 0)
		i--;
	for (i--; i >= 0; i--) {
		fp12_sqr(&acc, &acc);
		if (e[i / 64] >> (i % 64) & 1)
			fp12_mul(&acc, &acc, a);
	}
	*r = acc;
}

/* Out: r = a^x for the negative curve parameter x; a must have norm 1. */
static void
fp12_pow_x(fp12_t *r, const fp12_t *a)
{
	fp12_pow(r, a, BLS_X_ABS, 1);
	fp12_conj(r, r);
}

/* ------------------------------------------------------------------------
 * The groups.  Arithmetic is Jacobian (x = X / Z^2, y = Y / Z^3, Z = 0 at
 * infinity) for curves y^2 = x^3 + b; the formulas need no curve constant,
 * so G1 and G2 only differ in field. */

/* Doubling, dbl-2009-l: A = X^2, B = Y^2, C = B^2,
 * D = 2((X + B)^2 - A - C), E = 3A, X3 = E^2 - 2D, Y3 = E(D - X3) - 8C,
 * Z3 = 2YZ. */
static void
g1_dbl(g1_t *r, const g1_t *a)
{
	fp_t A, B, C, D, E, t, x3, y3, z3;

	fp_sqr(&A, &a->x);
	fp_sqr(&B, &a->y);
	fp_sqr(&C, &B);
	fp_add(&D, &a->x, &B);
	fp_sqr(&D, &D);
	fp_sub(&D, &D, &A);
	fp_sub(&D, &D, &C);
	fp_add(&D, &D, &D);
	fp_add(&E, &A, &A);
	fp_add(&E, &E, &A);
	fp_sqr(&x3, &E);
	fp_sub(&x3, &x3, &D);
	fp_sub(&x3, &x3, &D);
	fp_sub(&y3, &D, &x3);
	fp_mul(&y3, &y3, &E);
	fp_add(&t, &C, &C);
	fp_add(&t, &t, &t);
	fp_add(&t, &t, &t);
	fp_sub(&y3, &y3, &t);
	fp_mul(&z3, &a->y, &a->z);
	fp_add(&z3, &z3, &z3);
	r->x = x3;
	r->y = y3;
	r->z = z3;
}

/* Addition: U1 = X1 Z2^2, U2 = X2 Z1^2, S1 = Y1 Z2^3, S2 = Y2 Z1^3,
 * H = U2 - U1, R = S2 - S1, X3 = R^2 - H^3 - 2 U1 H^2,
 * Y3 = R (U1 H^2 - X3) - S1 H^3, Z3 = Z1 Z2 H.  H = 0 means equal x: the
 * sum is then a doubling, or infinity. */
static void
g1_add(g1_t *r, const g1_t *a, const g1_t *b)
{
	fp_t z1z1, z2z2, u1, u2, s1, s2, h, R, hh, hhh, v, x3, y3, z3;

	if (fp_is_zero(&a->z)) {
		*r = *b;
		return;
	}
	if (fp_is_zero(&b->z)) {
		*r = *a;
		return;
	}
	fp_sqr(&z1z1, &a->z);
	fp_sqr(&z2z2, &b->z);
	fp_mul(&u1, &a->x, &z2z2);
	fp_mul(&u2, &b->x, &z1z1);
	fp_mul(&s1, &a->y, &b->z);
	fp_mul(&s1, &s1, &z2z2);
	fp_mul(&s2, &b->y, &a->z);
	fp_mul(&s2, &s2, &z1z1);
	fp_sub(&h, &u2, &u1);
	fp_sub(&R, &s2, &s1);
	if (fp_is_zero(&h)) {
		if (fp_is_zero(&R))
			g1_dbl(r, a);
		else
			memset(r, 0, sizeof *r);
		return;
	}
	fp_sqr(&hh, &h);
	fp_mul(&hhh, &hh, &h);
	fp_mul(&v, &u1, &hh);
	fp_sqr(&x3, &R);
	fp_sub(&x3, &x3, &hhh);
	fp_sub(&x3, &x3, &v);
	fp_sub(&x3, &x3, &v);
	fp_sub(&y3, &v, &x3);
	fp_mul(&y3, &y3, &R);
	fp_mul(&s1, &s1, &hhh);
	fp_sub(&y3, &y3, &s1);
	fp_mul(&z3, &a->z, &b->z);
	fp_mul(&z3, &z3, &h);
	r->x = x3;
	r->y = y3;
	r->z = z3;
}

/* Out: r = k a, k given as n limbs, least significant first.  Doubling
 * infinity is skipped: it is a waste of time for a short k. */
static void
g1_mul_limbs(g1_t *r, const g1_t *a, const uint64_t *k, int n)
{
	g1_t acc, base = *a;
	int i;

	memset(&acc, 0, sizeof acc);
	for (i = 64 * n - 1; i >= 0; i--) {
		if (!fp_is_zero(&acc.z))
			g1_dbl(&acc, &acc);
		if (k[i / 64] >> (i % 64) & 1)
			g1_add(&acc, &acc, &base);
	}
	*r = acc;
}

/* Out: x and y, a's affine coordinates; a is not infinity. */
static void
g1_to_affine(fp_t *x, fp_t *y, const g1_t *a)
{
	fp_t zi, zi2;

	fp_inv(&zi, &a->z);
	fp_sqr(&zi2, &zi);
	fp_mul(x, &a->x, &zi2);
	fp_mul(&zi2, &zi2, &zi);
	fp_mul(y, &a->y, &zi2);
}

/* G1 has cofactor (x - 1)^2 / 3, so points on the curve need the check
 * too: [r]P must be infinity. */
static bool
g1_is_in_subgroup(const g1_t *a)
{
	g1_t t;

	g1_mul_limbs(&t, a, GROUP_ORDER, 4);
	return fp_is_zero(&t.z);
}

static void
g2_dbl(g2_t *r, const g2_t *a)
{
	fp2_t A, B, C, D, E, t, x3, y3, z3;

	fp2_sqr(&A, &a->x);
	fp2_sqr(&B, &a->y);
	fp2_sqr(&C, &B);
	fp2_add(&D, &a->x, &B);
	fp2_sqr(&D, &D);
	fp2_sub(&D, &D, &A);
	fp2_sub(&D, &D, &C);
	fp2_add(&D, &D, &D);
	fp2_add(&E, &A, &A);
	fp2_add(&E, &E, &A);
	fp2_sqr(&x3, &E);
	fp2_sub(&x3, &x3, &D);
	fp2_sub(&x3, &x3, &D);
	fp2_sub(&y3, &D, &x3);
	fp2_mul(&y3, &y3, &E);
	fp2_add(&t, &C, &C);
	fp2_add(&t, &t, &t);
	fp2_add(&t, &t, &t);
	fp2_sub(&y3, &y3, &t);
	fp2_mul(&z3, &a->y, &a->z);
	fp2_add(&z3, &z3, &z3);
	r->x = x3;
	r->y = y3;
	r->z = z3;
}

static void
g2_add(g2_t *r, const g2_t *a, const g2_t *b)
{
	fp2_t z1z1, z2z2, u1, u2, s1, s2, h, R, hh, hhh, v, x3, y3, z3;

	if (fp2_is_zero(&a->z)) {
		*r = *b;
		return;
	}
	if (fp2_is_zero(&b->z)) {
		*r = *a;
		return;
	}
	fp2_sqr(&z1z1, &a->z);
	fp2_sqr(&z2z2, &b->z);
	fp2_mul(&u1, &a->x, &z2z2);
	fp2_mul(&u2, &b->x, &z1z1);
	fp2_mul(&s1, &a->y, &b->z);
	fp2_mul(&s1, &s1, &z2z2);
	fp2_mul(&s2, &b->y, &a->z);
	fp2_mul(&s2, &s2, &z1z1);
	fp2_sub(&h, &u2, &u1);
	fp2_sub(&R, &s2, &s1);
	if (fp2_is_zero(&h)) {
		if (fp2_is_zero(&R))
			g2_dbl(r, a);
		else
			memset(r, 0, sizeof *r);
		return;
	}
	fp2_sqr(&hh, &h);
	fp2_mul(&hhh, &hh, &h);
	fp2_mul(&v, &u1, &hh);
	fp2_sqr(&x3, &R);
	fp2_sub(&x3, &x3, &hhh);
	fp2_sub(&x3, &x3, &v);
	fp2_sub(&x3, &x3, &v);
	fp2_sub(&y3, &v, &x3);
	fp2_mul(&y3, &y3, &R);
	fp2_mul(&s1, &s1, &hhh);
	fp2_sub(&y3, &y3, &s1);
	fp2_mul(&z3, &a->z, &b->z);
	fp2_mul(&z3, &z3, &h);
	r->x = x3;
	r->y = y3;
	r->z = z3;
}

static void
g2_mul_limbs(g2_t *r, const g2_t *a, const uint64_t *k, int n)
{
	g2_t acc, base = *a;
	int i;

	memset(&acc, 0, sizeof acc);
	for (i = 64 * n - 1; i >= 0; i--) {
		if (!fp2_is_zero(&acc.z))
			g2_dbl(&acc, &acc);
		if (k[i / 64] >> (i % 64) & 1)
			g2_add(&acc, &acc, &base);
	}
	*r = acc;
}

static void
g2_to_affine(fp2_t *x, fp2_t *y, const g2_t *a)
{
	fp2_t zi, zi2;

	fp2_inv(&zi, &a->z);
	fp2_sqr(&zi2, &zi);
	fp2_mul(x, &a->x, &zi2);
	fp2_mul(&zi2, &zi2, &zi);
	fp2_mul(y, &a->y, &zi2);
}

/* The twist has points of many orders besides r; pairing one of them
 * would break the soundness of the KZG check, so [r]Q must be infinity. */
static bool
g2_is_in_subgroup(const g2_t *a)
{
	g2_t t;

	g2_mul_limbs(&t, a, GROUP_ORDER, 4);
	return fp2_is_zero(&t.z);
}

/* Out: k as four limbs, from 32 big-endian bytes. */
static void
scalar_from_be(uint64_t k[4], const uint8_t in[BLS12_381_SCALAR_LEN])
{
	int i, j;

	for (i = 0; i < 4; i++) {
		k[i] = 0;
		for (j = 0; j < 8; j++)
			k[i] = k[i] << 8 | in[(3 - i) * 8 + j];
	}
}

void
bls12_381_g1_generator(struct bls12_381_g1 *r)
{
	r->x = G1_X;
	r->y = G1_Y;
	r->z = FP_ONE;
}

void
bls12_381_g2_generator(struct bls12_381_g2 *r)
{
	r->x = G2_X;
	r->y = G2_Y;
	memset(&r->z, 0, sizeof r->z);
	r->z.c0 = FP_ONE;
}

void
bls12_381_g1_add(struct bls12_381_g1 *r, const struct bls12_381_g1 *a, const struct bls12_381_g1 *b)
{
	g1_add(r, a, b);
}

void
bls12_381_g1_neg(struct bls12_381_g1 *r, const struct bls12_381_g1 *a)
{
	*r = *a;
	fp_neg(&r->y, &a->y);
}

void
bls12_381_g2_add(struct bls12_381_g2 *r, const struct bls12_381_g2 *a, const struct bls12_381_g2 *b)
{
	g2_add(r, a, b);
}

void
bls12_381_g2_neg(struct bls12_381_g2 *r, const struct bls12_381_g2 *a)
{
	*r = *a;
	fp2_neg(&r->y, &a->y);
}

void
bls12_381_g1_mul(struct bls12_381_g1 *r, const struct bls12_381_g1 *a,
    const uint8_t k[BLS12_381_SCALAR_LEN])
{
	uint64_t l[4];

	scalar_from_be(l, k);
	g1_mul_limbs(r, a, l, 4);
}

void
bls12_381_g2_mul(struct bls12_381_g2 *r, const struct bls12_381_g2 *a,
    const uint8_t k[BLS12_381_SCALAR_LEN])
{
	uint64_t l[4];

	scalar_from_be(l, k);
	g2_mul_limbs(r, a, l, 4);
}

/* ------------------------------------------------------------------------
 * Compressed points (the zcash encoding, also in the IETF BLS signature
 * draft): the first byte's top bits are 0x80 (compressed), 0x40 (the
 * point at infinity, all other bits zero) and 0x20 (y is the larger of y
 * and -y); the other bits are x, big-endian, below p. */

#define FLAG_COMPRESSED 0x80
#define FLAG_INFINITY 0x40
#define FLAG_SIGN 0x20
#define FLAG_MASK 0xe0

/* Returns: whether in, len bytes, is the canonical encoding of infinity:
 * the two flags and nothing else. */
static bool
is_infinity_encoding(const uint8_t *in, size_t len)
{
	size_t i;

	if (in[0] != (FLAG_COMPRESSED | FLAG_INFINITY))
		return false;
	for (i = 1; i < len; i++)
		if (in[i] != 0)
			return false;
	return true;
}

int
bls12_381_g1_decompress(struct bls12_381_g1 *r, const uint8_t in[BLS12_381_G1_LEN])
{
	uint8_t buf[FP_BYTES];
	fp_t x, y, rhs;
	int rc = -EINVAL;

	if ((in[0] & FLAG_COMPRESSED) == 0)
		goto out;
	if (in[0] & FLAG_INFINITY) {
		if (!is_infinity_encoding(in, BLS12_381_G1_LEN))
			goto out;
		memset(r, 0, sizeof *r);
		rc = 0;
		goto out;
	}
	memcpy(buf, in, sizeof buf);
	buf[0] &= (uint8_t)~FLAG_MASK;
	if (!fp_from_be(&x, buf))
		goto out;
	fp_sqr(&rhs, &x);
	fp_mul(&rhs, &rhs, &x);
	fp_add(&rhs, &rhs, &FP_B);
	if (!fp_sqrt(&y, &rhs))
		goto out;
	if (fp_is_lex_largest(&y) != ((in[0] & FLAG_SIGN) != 0))
		fp_neg(&y, &y);
	r->x = x;
	r->y = y;
	r->z = FP_ONE;
	if (g1_is_in_subgroup(r))
		rc = 0;
out:
	return rc;
}

int
bls12_381_g2_decompress(struct bls12_381_g2 *r, const uint8_t in[BLS12_381_G2_LEN])
{
	uint8_t buf[FP_BYTES];
	fp2_t x, y, rhs, b;
	int rc = -EINVAL;

	if ((in[0] & FLAG_COMPRESSED) == 0)
		goto out;
	if (in[0] & FLAG_INFINITY) {
		if (!is_infinity_encoding(in, BLS12_381_G2_LEN))
			goto out;
		memset(r, 0, sizeof *r);
		rc = 0;
		goto out;
	}
	memcpy(buf, in, sizeof buf);
	buf[0] &= (uint8_t)~FLAG_MASK;
	if (!fp_from_be(&x.c1, buf) || !fp_from_be(&x.c0, in + FP_BYTES))
		goto out;
	b.c0 = FP_B;
	b.c1 = FP_B;
	fp2_sqr(&rhs, &x);
	fp2_mul(&rhs, &rhs, &x);
	fp2_add(&rhs, &rhs, &b);
	if (!fp2_sqrt(&y, &rhs))
		goto out;
	if (fp2_is_lex_largest(&y) != ((in[0] & FLAG_SIGN) != 0))
		fp2_neg(&y, &y);
	r->x = x;
	r->y = y;
	memset(&r->z, 0, sizeof r->z);
	r->z.c0 = FP_ONE;
	if (g2_is_in_subgroup(r))
		rc = 0;
out:
	return rc;
}

void
bls12_381_g1_compress(uint8_t out[BLS12_381_G1_LEN], const struct bls12_381_g1 *a)
{
	fp_t x, y;

	if (fp_is_zero(&a->z)) {
		memset(out, 0, BLS12_381_G1_LEN);
		out[0] = FLAG_COMPRESSED | FLAG_INFINITY;
		return;
	}
	g1_to_affine(&x, &y, a);
	fp_to_be(out, &x);
	out[0] |= FLAG_COMPRESSED;
	if (fp_is_lex_largest(&y))
		out[0] |= FLAG_SIGN;
}

void
bls12_381_g2_compress(uint8_t out[BLS12_381_G2_LEN], const struct bls12_381_g2 *a)
{
	fp2_t x, y;

	if (fp2_is_zero(&a->z)) {
		memset(out, 0, BLS12_381_G2_LEN);
		out[0] = FLAG_COMPRESSED | FLAG_INFINITY;
		return;
	}
	g2_to_affine(&x, &y, a);
	fp_to_be(out, &x.c1);
	fp_to_be(out + FP_BYTES, &x.c0);
	out[0] |= FLAG_COMPRESSED;
	if (fp2_is_lex_largest(&y))
		out[0] |= FLAG_SIGN;
}

/* ------------------------------------------------------------------------
 * The optimal ate pairing: e(P, Q) = f_{x,Q}(P)^((p^12 - 1) / r).
 *
 * The Miller loop keeps T affine on the twist: an Fp2 inversion per step
 * is slower than projective formulas but leaves little to get wrong, and
 * the two-pair check of a KZG proof still takes a few milliseconds.  The
 * twist maps into E(Fp12) by (x, y) -> (x / w^2, y / w^3) (as 4 xi / w^6
 * = 4), so a line of slope l on the twist has slope l / w on E, and the
 * line through T, evaluated at P = (x_P, y_P), is
 *     y_P - l x_P w^-1 + (l x_T - y_T) w^-3.
 * Times w^6 = xi, which lies in Fp2 and so vanishes in the final
 * exponentiation like every factor from a proper subfield, that is
 *     xi y_P + (l x_T - y_T) w^3 - l x_P w^5,
 * with no negative powers of w left.  A vertical line, x_P - x_T w^-2,
 * times xi lies in Fp6, so vertical lines are dropped altogether. */

/* Multiplies f by the line of slope l through T, evaluated at P. */
static void
line_mul(fp12_t *f, const fp2_t *l, const fp2_t *tx, const fp2_t *ty, const fp_t *px,
    const fp_t *py)
{
	fp12_t line;
	fp2_t t;

	memset(&line, 0, sizeof line);
	line.c0.c0.c0 = *py;
	line.c0.c0.c1 = *py;
	fp2_mul(&t, l, tx);
	fp2_sub(&line.c1.c1, &t, ty);
	fp2_mul_fp(&t, l, px);
	fp2_neg(&line.c1.c2, &t);
	fp12_mul(f, f, &line);
}

/* Multiplies f by the line through T and Q (the tangent when dbl), at P,
 * and sets T = T + Q.  For points of order r the loop never meets T = -Q
 * or a tangent at a point of order 2. */
static void
miller_step(fp12_t *f, fp2_t *tx, fp2_t *ty, const fp2_t *qx, const fp2_t *qy, bool dbl,
    const fp_t *px, const fp_t *py)
{
	fp2_t num, den, l, x3, y3;

	if (dbl) {
		fp2_sqr(&num, tx);
		fp2_add(&den, &num, &num);
		fp2_add(&num, &num, &den);
		fp2_add(&den, ty, ty);
	} else {
		fp2_sub(&num, qy, ty);
		fp2_sub(&den, qx, tx);
	}
	if (fp2_is_zero(&den))
		BUG("miller loop met a vertical line: a point outside the order-r subgroup");
	fp2_inv(&den, &den);
	fp2_mul(&l, &num, &den);
	line_mul(f, &l, tx, ty, px, py);

	fp2_sqr(&x3, &l);
	fp2_sub(&x3, &x3, tx);
	fp2_sub(&x3, &x3, qx);
	fp2_sub(&y3, tx, &x3);
	fp2_mul(&y3, &y3, &l);
	fp2_sub(&y3, &y3, ty);
	*tx = x3;
	*ty = y3;
}

/* f_{x,Q}(P) for affine P and Q, neither at infinity.  The loop runs over
 * |x|.  Since x < 0, f_{x,Q} = 1 / (f_{|x|,Q} v) for a vertical line v,
 * which the final exponentiation sends to 1; the conjugate f^(p^6) stands
 * in for the inverse, as the two agree after it. */
static void
miller_loop(fp12_t *f, const fp_t *px, const fp_t *py, const fp2_t *qx, const fp2_t *qy)
{
	fp2_t tx = *qx, ty = *qy;
	int i;

	fp12_set_one(f);
	for (i = 62; i >= 0; i--) {
		fp12_sqr(f, f);
		miller_step(f, &tx, &ty, &tx, &ty, true, px, py);
		if (BLS_X_ABS[0] >> i & 1)
			miller_step(f, &tx, &ty, qx, qy, false, px, py);
	}
	fp12_conj(f, f);
}

/* f^((p^12 - 1) / r).  The easy part, (p^6 - 1)(p^2 + 1), takes a
 * conjugation, an inversion and a Frobenius map, and leaves f with norm
 * 1, where the conjugate is the inverse.  The hard part,
 * (p^4 - p^2 + 1) / r, equals
 *     (x - 1)^2 / 3 * (x + p) * (x^2 + p^2 - 1) + 1
 * (Hayashida, Hayasaka and Teruya, "Efficient final exponentiation via
 * cyclotomic structure for pairings over families of elliptic curves",
 * 2020, divided by 3; (x - 1)^2 is a multiple of 3 for this x), so one
 * power by a 126-bit number and three by x replace one by a 1270-bit one. */
static void
final_exp(fp12_t *r, const fp12_t *f)
{
	fp12_t a, b, c, t;

	fp12_conj(&a, f);
	fp12_inv(&b, f);
	fp12_mul(&a, &a, &b);
	fp12_frob2(&b, &a);
	fp12_mul(&a, &a, &b); /* a = f^((p^6 - 1)(p^2 + 1)) */

	fp12_pow(&b, &a, HARD_LAMBDA, 2);
	fp12_pow_x(&t, &b);
	fp12_frob1(&b, &b);
	fp12_mul(&b, &b, &t); /* b = a^((x - 1)^2 / 3 * (x + p)) */

	fp12_pow_x(&t, &b);
	fp12_pow_x(&t, &t);
	fp12_frob2(&c, &b);
	fp12_mul(&t, &t, &c);
	fp12_conj(&c, &b);
	fp12_mul(&t, &t, &c); /* t = b^(x^2 + p^2 - 1) */
	fp12_mul(r, &t, &a);
}

bool
bls12_381_pairing_check(const struct bls12_381_g1 *p, const struct bls12_381_g2 *q, size_t n)
{
	fp12_t acc, f;
	fp_t px, py;
	fp2_t qx, qy;
	size_t i;

	fp12_set_one(&acc);
	for (i = 0; i < n; i++) {
		if (fp_is_zero(&p[i].z) || fp2_is_zero(&q[i].z))
			continue;
		g1_to_affine(&px, &py, &p[i]);
		g2_to_affine(&qx, &qy, &q[i]);
		miller_loop(&f, &px, &py, &qx, &qy);
		fp12_mul(&acc, &acc, &f);
	}
	final_exp(&acc, &acc);
	return fp12_is_one(&acc);
}
