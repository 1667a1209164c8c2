/* 256-bit unsigned arithmetic (see u256.h). */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "u256.h"

typedef unsigned __int128 u256_u128;

int
u256_cmp(const struct u256 *a, const struct u256 *b)
{
	for (int i = 3; i >= 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

bool
u256_mul_u64(struct u256 *r, const struct u256 *a, uint64_t m)
{
	u256_u128 carry = 0;

	for (int i = 0; i < 4; i++) {
		carry += (u256_u128)a->w[i] * m;
		r->w[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return carry != 0;
}

/* Truncated schoolbook product, unrolled: the products that land wholly at
 * or above 2^256 are never formed, and those whose high half would land
 * there need only a 64-bit multiply. */
void
u256_mul(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
	uint64_t b0 = b->w[0], b1 = b->w[1], b2 = b->w[2], b3 = b->w[3];
	uint64_t r0, r1, r2, r3;
	u256_u128 t;

	/* Each step adds at most two limbs to a 64x64 product, which cannot
	 * overflow 128 bits: (2^64 - 1)^2 + 2 (2^64 - 1) = 2^128 - 1. */
	t = (u256_u128)a0 * b0;
	r0 = (uint64_t)t;
	t = (u256_u128)a0 * b1 + (uint64_t)(t >> 64);
	r1 = (uint64_t)t;
	t = (u256_u128)a0 * b2 + (uint64_t)(t >> 64);
	r2 = (uint64_t)t;
	r3 = a0 * b3 + (uint64_t)(t >> 64);

	t = (u256_u128)a1 * b0 + r1;
	r1 = (uint64_t)t;
	t = (u256_u128)a1 * b1 + r2 + (uint64_t)(t >> 64);
	r2 = (uint64_t)t;
	r3 += a1 * b2 + (uint64_t)(t >> 64);

	t = (u256_u128)a2 * b0 + r2;
	r2 = (uint64_t)t;
	r3 += a2 * b1 + (uint64_t)(t >> 64);

	r3 += a3 * b0;

	r->w[0] = r0;
	r->w[1] = r1;
	r->w[2] = r2;
	r->w[3] = r3;
}

/* Full product of two 4-limb numbers into 8 limbs, for MULMOD. */
static void
u256_mul_full(uint64_t out[8], const struct u256 *a, const struct u256 *b)
{
	memset(out, 0, 8 * sizeof(out[0]));
	for (int i = 0; i < 4; i++) {
		u256_u128 carry = 0;

		for (int j = 0; j < 4; j++) {
			carry += (u256_u128)a->w[i] * b->w[j] + out[i + j];
			out[i + j] = (uint64_t)carry;
			carry >>= 64;
		}
		out[i + 4] = (uint64_t)carry;
	}
}

/* Returns: the number of limbs of u[0..n) up to the highest non-zero one. */
static int
u256_limbs(const uint64_t *u, int n)
{
	while (n > 0 && u[n - 1] == 0)
		n--;
	return n;
}

/* Divides hi:lo by d, which the caller guarantees is above hi so that the
 * quotient fits in 64 bits.  On x86-64 that is one DIV instruction; the
 * compiler cannot know the quotient fits and would call __udivti3.
 * Out: *rem.  Returns: the quotient. */
static inline uint64_t
u256_div_2by1(uint64_t *rem, uint64_t hi, uint64_t lo, uint64_t d)
{
#if defined(__x86_64__)
	uint64_t q, r;

	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d) : "cc");
	*rem = r;
	return q;
#else
	u256_u128 n = (u256_u128)hi << 64 | lo;
	uint64_t q = (uint64_t)(n / d);

	*rem = (uint64_t)(n - (u256_u128)q * d);
	return q;
#endif
}

/* Divides u[0..m) by the single limb d != 0.
 * Out: q[0..m), the quotient, unless q is NULL.  Returns: the remainder. */
static uint64_t
u256_div_limb(uint64_t *q, const uint64_t *u, int m, uint64_t d)
{
	uint64_t rem = 0;

	for (int i = m - 1; i >= 0; i--) {
		/* rem < d keeps every quotient digit within one limb. */
		uint64_t digit = u256_div_2by1(&rem, rem, u[i], d);

		if (q != NULL)
			q[i] = digit;
	}
	return rem;
}

/* Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit digits: divides u[0..m)
 * by v[0..n), where 2 <= n <= 4, n <= m <= 8 and v[n - 1] != 0.
 * Out: q[0..m - n], the quotient, unless q is NULL; r[0..n), the remainder. */
static void
u256_div_knuth(uint64_t *q, uint64_t *r, const uint64_t *u, int m,
	       const uint64_t *v, int n)
{
	uint64_t un[9], vn[4];
	int s = __builtin_clzll(v[n - 1]);

	/* Shift both so the divisor's top bit is set: then the estimate from
	 * the top two digits of the remainder is at most two too large.  A
	 * shift by 64 - 0 would be undefined, hence the separate copy. */
	if (s != 0) {
		for (int i = n - 1; i > 0; i--)
			vn[i] = v[i] << s | v[i - 1] >> (64 - s);
		vn[0] = v[0] << s;
		un[m] = u[m - 1] >> (64 - s);
		for (int i = m - 1; i > 0; i--)
			un[i] = u[i] << s | u[i - 1] >> (64 - s);
		un[0] = u[0] << s;
	} else {
		memcpy(vn, v, (size_t)n * sizeof(v[0]));
		memcpy(un, u, (size_t)m * sizeof(u[0]));
		un[m] = 0;
	}

	for (int j = m - n; j >= 0; j--) {
		u256_u128 num = (u256_u128)un[j + n] << 64 | un[j + n - 1];
		u256_u128 qhat, rhat;
		uint64_t r64;

		if (un[j + n] < vn[n - 1]) {
			qhat = u256_div_2by1(&r64, un[j + n], un[j + n - 1], vn[n - 1]);
			rhat = r64;
		} else {
			/* The estimate would not fit in a limb (rare). */
			qhat = num / vn[n - 1];
			rhat = num - qhat * vn[n - 1];
		}
		uint64_t borrow = 0, top;
		u256_u128 carry = 0;

		/* Refine the estimate with the next divisor digit; this leaves
		 * it at most one too large, and rarely so. */
		while ((qhat >> 64) != 0 ||
		       qhat * vn[n - 2] > (rhat << 64 | un[j + n - 2])) {
			qhat--;
			rhat += vn[n - 1];
			if ((rhat >> 64) != 0)
				break;
		}

		/* un[j..j+n] -= qhat * vn. */
		for (int i = 0; i < n; i++) {
			uint64_t lo, x = un[i + j];

			carry += qhat * vn[i];
			lo = (uint64_t)carry;
			carry >>= 64;
			un[i + j] = x - lo - borrow;
			borrow = (x < lo) | (x - lo < borrow);
		}
		top = un[j + n];
		un[j + n] = top - (uint64_t)carry - borrow;
		borrow = (top < (uint64_t)carry) | (top - (uint64_t)carry < borrow);

		/* The estimate was one too large: add one divisor back. */
		if (borrow != 0) {
			carry = 0;
			qhat--;
			for (int i = 0; i < n; i++) {
				carry += (u256_u128)un[i + j] + vn[i];
				un[i + j] = (uint64_t)carry;
				carry >>= 64;
			}
			un[j + n] += (uint64_t)carry;
		}
		if (q != NULL)
			q[j] = (uint64_t)qhat;
	}

	if (s != 0) {
		for (int i = 0; i < n - 1; i++)
			r[i] = un[i] >> s | un[i + 1] << (64 - s);
		r[n - 1] = un[n - 1] >> s;
	} else {
		memcpy(r, un, (size_t)n * sizeof(un[0]));
	}
}

/* Reduces u[0..m) (m <= 8) modulo the non-zero d. */
static void
u256_reduce(struct u256 *r, const uint64_t *u, int m, const struct u256 *d)
{
	int n = u256_limbs(d->w, 4);
	uint64_t rem[4] = { 0, 0, 0, 0 };

	m = u256_limbs(u, m);
	if (m < n) {
		/* Fewer digits than the modulus: already reduced. */
		memcpy(rem, u, (size_t)m * sizeof(u[0]));
	} else if (n == 1) {
		rem[0] = u256_div_limb(NULL, u, m, d->w[0]);
	} else {
		u256_div_knuth(NULL, rem, u, m, d->w, n);
	}
	memcpy(r->w, rem, sizeof(rem));
}

void
u256_divmod(struct u256 *q, struct u256 *rem, const struct u256 *a,
	    const struct u256 *b)
{
	uint64_t qw[4] = { 0, 0, 0, 0 }, rw[4] = { 0, 0, 0, 0 };
	int m, n;

	if (u256_is_zero(b)) {
		/* The EVM defines x / 0 and x mod 0 as 0. */
	} else if (u256_fits_u64(a) && u256_fits_u64(b)) {
		qw[0] = u256_div_2by1(&rw[0], 0, a->w[0], b->w[0]);
	} else if (u256_lt(a, b)) {
		memcpy(rw, a->w, sizeof(rw));
	} else {
		m = u256_limbs(a->w, 4);
		n = u256_limbs(b->w, 4);
		if (n == 1)
			rw[0] = u256_div_limb(qw, a->w, m, b->w[0]);
		else
			u256_div_knuth(qw, rw, a->w, m, b->w, n);
	}
	/* Store only now: q or rem may alias a or b. */
	if (q != NULL)
		memcpy(q->w, qw, sizeof(qw));
	if (rem != NULL)
		memcpy(rem->w, rw, sizeof(rw));
}

/* Out: *r = |a| as an unsigned number; -2^255 maps to 2^255.
 * Returns: whether a was negative. */
static bool
u256_abs(struct u256 *r, const struct u256 *a)
{
	bool neg = u256_is_negative(a);

	if (neg)
		u256_neg(r, a);
	else
		*r = *a;
	return neg;
}

void
u256_sdiv(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	struct u256 ua, ub;
	bool neg = u256_abs(&ua, a) != u256_abs(&ub, b);

	/* Dividing the magnitudes and negating the result also gives the
	 * EVM's -2^255 / -1 = -2^255: 2^255 / 1 negates to itself. */
	u256_divmod(r, NULL, &ua, &ub);
	if (neg)
		u256_neg(r, r);
}

void
u256_smod(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	struct u256 ua, ub;
	bool neg = u256_abs(&ua, a);

	u256_abs(&ub, b);
	u256_divmod(NULL, r, &ua, &ub);
	if (neg)
		u256_neg(r, r);
}

void
u256_addmod(struct u256 *r, const struct u256 *a, const struct u256 *b,
	    const struct u256 *m)
{
	uint64_t sum[5];
	struct u256 s;
	bool carry;

	if (u256_is_zero(m)) {
		*r = u256_from_u64(0);
		return;
	}
	carry = u256_add(&s, a, b);
	if (u256_lt(a, m) && u256_lt(b, m)) {
		/* The common case: the true sum is below 2m, so one
		 * subtraction reduces it, and wrapping at 2^256 cancels the
		 * lost carry. */
		if (carry || !u256_lt(&s, m))
			u256_sub(&s, &s, m);
		*r = s;
		return;
	}
	memcpy(sum, s.w, sizeof(s.w));
	sum[4] = carry;
	u256_reduce(r, sum, 5, m);
}

void
u256_mulmod(struct u256 *r, const struct u256 *a, const struct u256 *b,
	    const struct u256 *m)
{
	uint64_t prod[8];

	if (u256_is_zero(m)) {
		*r = u256_from_u64(0);
		return;
	}
	u256_mul_full(prod, a, b);
	u256_reduce(r, prod, 8, m);
}

/* Right-to-left square-and-multiply: at most 256 squarings and products. */
void
u256_exp(struct u256 *r, const struct u256 *base, const struct u256 *exponent)
{
	struct u256 acc = u256_from_u64(1), sq = *base;
	unsigned bits = u256_bit_len(exponent);

	for (unsigned i = 0; i < bits; i++) {
		if ((exponent->w[i / 64] >> (i % 64)) & 1)
			u256_mul(&acc, &acc, &sq);
		if (i + 1 < bits)
			u256_mul(&sq, &sq, &sq);
	}
	*r = acc;
}

void
u256_signextend(struct u256 *r, const struct u256 *b, const struct u256 *x)
{
	unsigned bit, limb;
	uint64_t mask, fill;

	if (!u256_fits_u64(b) || b->w[0] >= 31) {
		/* Byte 31 already holds bit 255: nothing to extend. */
		*r = *x;
		return;
	}
	bit = 8 * (unsigned)b->w[0] + 7;
	limb = bit / 64;
	fill = (x->w[limb] >> (bit % 64)) & 1 ? UINT64_MAX : 0;
	/* Bits above the sign bit within its limb; bit % 64 <= 63, and the
	 * shift below is by 1..64 split in two to stay defined. */
	mask = (UINT64_MAX << (bit % 64)) << 1;
	r->w[limb] = (x->w[limb] & ~mask) | (fill & mask);
	for (unsigned i = 0; i < limb; i++)
		r->w[i] = x->w[i];
	for (unsigned i = limb + 1; i < 4; i++)
		r->w[i] = fill;
}

void
u256_byte(struct u256 *r, const struct u256 *i, const struct u256 *x)
{
	uint64_t v = 0;

	if (u256_fits_u64(i) && i->w[0] < 32) {
		unsigned k = 31 - (unsigned)i->w[0];

		v = (x->w[k / 8] >> (8 * (k % 8))) & 0xff;
	}
	*r = u256_from_u64(v);
}

/* Returns: the shift amount, or 256 for anything at or above 256. */
static unsigned
u256_shift_amount(const struct u256 *shift)
{
	return u256_fits_u64(shift) && shift->w[0] < 256 ?
		(unsigned)shift->w[0] : 256;
}

void
u256_shl(struct u256 *r, const struct u256 *shift, const struct u256 *value)
{
	unsigned n = u256_shift_amount(shift), limbs = n / 64, bits = n % 64;
	uint64_t t[4] = { 0, 0, 0, 0 };

	for (unsigned i = limbs; i < 4; i++) {
		t[i] = value->w[i - limbs] << bits;
		/* A shift by 64 - 0 would be undefined. */
		if (bits != 0 && i > limbs)
			t[i] |= value->w[i - limbs - 1] >> (64 - bits);
	}
	memcpy(r->w, t, sizeof(t));
}

void
u256_shr(struct u256 *r, const struct u256 *shift, const struct u256 *value)
{
	unsigned n = u256_shift_amount(shift), limbs = n / 64, bits = n % 64;
	uint64_t t[4] = { 0, 0, 0, 0 };

	for (unsigned i = 0; i + limbs < 4; i++) {
		t[i] = value->w[i + limbs] >> bits;
		if (bits != 0 && i + limbs + 1 < 4)
			t[i] |= value->w[i + limbs + 1] << (64 - bits);
	}
	memcpy(r->w, t, sizeof(t));
}

void
u256_sar(struct u256 *r, const struct u256 *shift, const struct u256 *value)
{
	struct u256 t;

	if (!u256_is_negative(value)) {
		u256_shr(r, shift, value);
		return;
	}
	/* For negative x, x >> n with sign fill is ~(~x >> n) with zero
	 * fill; a shift of 256 or more leaves ~0, that is -1. */
	u256_not(&t, value);
	u256_shr(&t, shift, &t);
	u256_not(r, &t);
}

void
u256_from_be(struct u256 *r, const uint8_t *in, size_t len)
{
	uint8_t buf[32];

	if (len > sizeof(buf))
		BUG("u256_from_be: more than 32 bytes");
	memset(buf, 0, sizeof(buf) - len);
	if (len != 0)
		memcpy(buf + sizeof(buf) - len, in, len);
	u256_from_be32(r, buf);
}

int
u256_parse(struct u256 *r, const char *s, size_t len)
{
	struct u256 v = u256_from_u64(0), d;
	unsigned base = 10;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int digit = hex_digit(s[i]);

		if (digit < 0 || (unsigned)digit >= base)
			return -EINVAL;
		d = u256_from_u64((uint64_t)digit);
		if (u256_mul_u64(&v, &v, base) || u256_add(&v, &v, &d))
			return -ERANGE;
	}
	*r = v;
	return 0;
}

/* Divides a by 10^19 in place, the largest power of ten in a limb.
 * Returns: the remainder. */
static uint64_t
u256_div_1e19(struct u256 *a)
{
	return u256_div_limb(a->w, a->w, 4, 10000000000000000000ULL);
}

void
u256_to_dec(char buf[U256_DEC_MAX], const struct u256 *a)
{
	struct u256 v = *a;
	char tmp[U256_DEC_MAX];
	size_t n = 0;

	/* Peel 19 digits per division instead of one. */
	do {
		uint64_t chunk = u256_div_1e19(&v);
		bool last = u256_is_zero(&v);

		for (int i = 0; i < 19 && (!last || chunk != 0 || n == 0); i++) {
			tmp[n++] = (char)('0' + chunk % 10);
			chunk /= 10;
		}
	} while (!u256_is_zero(&v));
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

void
u256_to_hex(char buf[U256_HEX_MAX], const struct u256 *a)
{
	uint8_t be[32];
	char digits[65];
	const char *p;

	u256_to_be(be, a);
	hex_encode(digits, be, sizeof(be));
	p = digits;
	while (*p == '0' && p[1] != '\0')
		p++;
	buf[0] = '0';
	buf[1] = 'x';
	strcpy(buf + 2, p);
}
