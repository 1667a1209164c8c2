/* Tests for lib/u256.c: the EVM's edge cases by hand, then every operation
 * against GMP over random operands biased toward edge shapes. */
#include <errno.h>
#include <gmp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "u256.h"

#define MAX_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define MAX_HEX "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define MIN_HEX "0x8000000000000000000000000000000000000000000000000000000000000000"

/* Random operand pairs per operation in the differential tests. */
#define DIFF_ROUNDS 100000

/* Returns: the number in s: decimal, "0x" hex, or either after '-' for its
 * two's complement. */
static struct u256
num(const char *s)
{
	struct u256 v = u256_from_u64(0);
	bool neg = s[0] == '-';

	if (neg)
		s++;
	CU_ASSERT_EQUAL_FATAL(u256_parse(&v, s, strlen(s)), 0);
	if (neg)
		u256_neg(&v, &v);
	return v;
}

/* Returns: whether a holds the number in s (see num()). */
static bool
is(const struct u256 *a, const char *s)
{
	struct u256 want = num(s);

	return u256_eq(a, &want);
}

/* Returns: the limbs given most significant first, as they read in hex. */
static struct u256
limbs(uint64_t w3, uint64_t w2, uint64_t w1, uint64_t w0)
{
	return (struct u256){ { w0, w1, w2, w3 } };
}

static void
test_u256_parse_and_print(void)
{
	char dec[U256_DEC_MAX], hex[U256_HEX_MAX];
	struct u256 v;

	CU_ASSERT_EQUAL(u256_parse(&v, "12345", 5), 0);
	CU_ASSERT_EQUAL(v.w[0], 12345);
	CU_ASSERT_EQUAL(u256_parse(&v, "0xff", 4), 0);
	CU_ASSERT_EQUAL(v.w[0], 255);
	CU_ASSERT_EQUAL(u256_parse(&v, MAX_DEC, strlen(MAX_DEC)), 0);
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, MAX_DEC);
	u256_to_hex(hex, &v);
	CU_ASSERT_EQUAL(strlen(hex), 66);
	CU_ASSERT_EQUAL(strspn(hex + 2, "f"), 64);
	v = u256_from_u64(0);
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "0");
	u256_to_hex(hex, &v);
	CU_ASSERT_STRING_EQUAL(hex, "0x0");
	/* Chunks of 19 digits keep their inner zeros. */
	v = num("10000000000000000000");
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "10000000000000000000");
	v = num("100000000000000000000000000000000000000");
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "100000000000000000000000000000000000000");
	v = num("9999999999999999999");
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "9999999999999999999");
}

static void
test_u256_parse_errors(void)
{
	struct u256 v;
	char over[] = "115792089237316195423570985008687907853269984665640564039457584007913129639936";

	CU_ASSERT_EQUAL(u256_parse(&v, "", 0), -EINVAL);
	CU_ASSERT_EQUAL(u256_parse(&v, "0x", 2), -EINVAL);
	CU_ASSERT_EQUAL(u256_parse(&v, "12a", 3), -EINVAL);
	CU_ASSERT_EQUAL(u256_parse(&v, "-1", 2), -EINVAL);
	CU_ASSERT_EQUAL(u256_parse(&v, over, strlen(over)), -ERANGE);
	CU_ASSERT_EQUAL(u256_parse(&v, "0x1" "0000000000000000000000000000000000000000000000000000000000000000", 67), -ERANGE);
}

static void
test_u256_arith(void)
{
	struct u256 a = { { UINT64_MAX, UINT64_MAX, 0, 0 } }, one = u256_from_u64(1), r;

	CU_ASSERT_FALSE(u256_add(&r, &a, &one));
	CU_ASSERT_EQUAL(r.w[0], 0);
	CU_ASSERT_EQUAL(r.w[1], 0);
	CU_ASSERT_EQUAL(r.w[2], 1);
	a = (struct u256){ { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX } };
	CU_ASSERT_TRUE(u256_add(&r, &a, &one));
	CU_ASSERT_TRUE(u256_is_zero(&r));
	CU_ASSERT_TRUE(u256_mul_u64(&r, &a, 2));
	a = u256_from_u64(1ULL << 63);
	CU_ASSERT_FALSE(u256_mul_u64(&r, &a, 4));
	CU_ASSERT_EQUAL(r.w[1], 2);
	CU_ASSERT_EQUAL(u256_cmp(&r, &a), 1);
	CU_ASSERT_EQUAL(u256_cmp(&a, &r), -1);
	CU_ASSERT_EQUAL(u256_cmp(&a, &a), 0);
	CU_ASSERT_TRUE(u256_fits_u64(&a));
	CU_ASSERT_FALSE(u256_fits_u64(&r));
}

static void
test_u256_bytes(void)
{
	uint8_t be[32], in[3] = { 0x01, 0x02, 0x03 };
	struct u256 v;

	u256_from_be(&v, in, 3);
	CU_ASSERT_EQUAL(v.w[0], 0x010203);
	u256_to_be(be, &v);
	CU_ASSERT_EQUAL(be[29], 1);
	CU_ASSERT_EQUAL(be[31], 3);
	CU_ASSERT_EQUAL(be[0], 0);
	for (int i = 0; i < 32; i++)
		be[i] = (uint8_t)i;
	u256_from_be(&v, be, 32);
	CU_ASSERT_EQUAL(v.w[3], 0x0001020304050607ULL);
	CU_ASSERT_EQUAL(v.w[0], 0x18191a1b1c1d1e1fULL);
	u256_from_be32(&v, be);
	CU_ASSERT_EQUAL(v.w[3], 0x0001020304050607ULL);
	CU_ASSERT_EQUAL(v.w[1], 0x1011121314151617ULL);
	/* No bytes at all is zero, and in is not read. */
	u256_from_be(&v, NULL, 0);
	CU_ASSERT_TRUE(u256_is_zero(&v));
}

/* A len above 32 breaks the contract: u256_from_be() must abort rather than
 * write past the value. */
static void
test_u256_from_be_too_long_aborts(void)
{
	uint8_t in[33] = { 0 };
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid != -1);
	if (pid == 0) {
		struct u256 v;

		/* Keep the expected BUG() report out of the test output. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(2);
		u256_from_be(&v, in, sizeof(in));
		_exit(0);
	}
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void
test_u256_u64_helpers(void)
{
	struct u256 v = u256_from_u64(UINT64_MAX);

	CU_ASSERT_EQUAL(u256_to_u64(&v), UINT64_MAX);
	CU_ASSERT_EQUAL(u256_to_u64_clamped(&v), UINT64_MAX);
	v = u256_from_u64(12345);
	CU_ASSERT_EQUAL(u256_to_u64_clamped(&v), 12345);
	v = u256_from_u64(0);
	CU_ASSERT_EQUAL(u256_to_u64_clamped(&v), 0);
	/* Any higher limb clamps, however small the low one. */
	for (int i = 1; i < 4; i++) {
		v = u256_from_u64(7);
		v.w[i] = 1;
		CU_ASSERT_EQUAL(u256_to_u64_clamped(&v), UINT64_MAX);
		CU_ASSERT_EQUAL(u256_to_u64(&v), 7);
		CU_ASSERT_FALSE(u256_fits_u64(&v));
	}
}

static void
test_u256_sub_borrow(void)
{
	struct u256 a = u256_from_u64(0), b = u256_from_u64(1), r;

	CU_ASSERT_TRUE(u256_sub(&r, &a, &b));
	CU_ASSERT_TRUE(is(&r, MAX_HEX));
	CU_ASSERT_FALSE(u256_sub(&r, &b, &b));
	CU_ASSERT_TRUE(u256_is_zero(&r));
	/* The borrow ripples through every zero limb. */
	a = limbs(1, 0, 0, 0);
	CU_ASSERT_FALSE(u256_sub(&r, &a, &b));
	CU_ASSERT_TRUE(u256_eq(&r, &(struct u256){ { UINT64_MAX, UINT64_MAX, UINT64_MAX, 0 } }));
	/* A limb equal to its counterpart with a borrow coming in. */
	a = limbs(5, UINT64_MAX, 0, 0);
	b = limbs(4, UINT64_MAX, 0, 1);
	CU_ASSERT_FALSE(u256_sub(&r, &a, &b));
	CU_ASSERT_TRUE(u256_eq(&r, &(struct u256){ { UINT64_MAX, UINT64_MAX, UINT64_MAX, 0 } }));
	a = num(MIN_HEX);
	u256_neg(&r, &a);
	CU_ASSERT_TRUE(u256_eq(&r, &a));
	a = u256_from_u64(0);
	u256_neg(&r, &a);
	CU_ASSERT_TRUE(u256_is_zero(&r));
}

static void
test_u256_mul_wraps(void)
{
	struct u256 a = num(MAX_HEX), b = num(MAX_HEX), r;

	/* (2^256 - 1)^2 = 1 mod 2^256. */
	u256_mul(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "1"));
	a = num("0x100000000000000000000000000000000");
	u256_mul(&r, &a, &a);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	b = num("0x10000000000000000");
	u256_mul(&r, &a, &b);
	CU_ASSERT_TRUE(u256_eq(&r, &(struct u256){ { 0, 0, 0, 1 } }));
	a = num("-3");
	b = num("7");
	u256_mul(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "-21"));
	b = u256_from_u64(0);
	u256_mul(&r, &a, &b);
	CU_ASSERT_TRUE(u256_is_zero(&r));
}

static void
test_u256_div_by_zero(void)
{
	struct u256 a = num(MAX_HEX), zero = u256_from_u64(0), q, r;

	q = r = u256_from_u64(99);
	u256_divmod(&q, &r, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&q));
	CU_ASSERT_TRUE(u256_is_zero(&r));
	q = u256_from_u64(99);
	u256_div(&q, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&q));
	r = u256_from_u64(99);
	u256_mod(&r, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	u256_divmod(&q, &r, &zero, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&q) && u256_is_zero(&r));
	q = u256_from_u64(99);
	u256_sdiv(&q, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&q));
	r = u256_from_u64(99);
	u256_smod(&r, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&r));
}

static void
test_u256_divmod_paths(void)
{
	struct u256 a, b, q, r;

	/* Both in 64 bits. */
	a = u256_from_u64(100);
	b = u256_from_u64(7);
	u256_divmod(&q, &r, &a, &b);
	CU_ASSERT_TRUE(is(&q, "14") && is(&r, "2"));
	/* Dividend below divisor: quotient 0, remainder the dividend. */
	a = num("0x1000000000000000000000000");
	b = num("0x1000000000000000000000001");
	u256_divmod(&q, &r, &a, &b);
	CU_ASSERT_TRUE(u256_is_zero(&q) && u256_eq(&r, &a));
	/* Equal operands. */
	u256_divmod(&q, &r, &b, &b);
	CU_ASSERT_TRUE(is(&q, "1") && u256_is_zero(&r));
	/* One-limb divisor. */
	a = num(MAX_HEX);
	b = u256_from_u64(10);
	u256_divmod(&q, &r, &a, &b);
	CU_ASSERT_TRUE(is(&q, "11579208923731619542357098500868790785326998466564056403945758400791312963993"));
	CU_ASSERT_TRUE(is(&r, "5"));
	b = u256_from_u64(1);
	u256_divmod(&q, &r, &a, &b);
	CU_ASSERT_TRUE(u256_eq(&q, &a) && u256_is_zero(&r));
	/* Multi-limb divisor, already normalized (top bit set). */
	a = num(MAX_HEX);
	b = num(MIN_HEX);
	u256_divmod(&q, &r, &a, &b);
	CU_ASSERT_TRUE(is(&q, "1"));
	CU_ASSERT_TRUE(is(&r, "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
	/* Either output may be left out. */
	a = u256_from_u64(100);
	b = u256_from_u64(7);
	u256_divmod(&q, NULL, &a, &b);
	CU_ASSERT_TRUE(is(&q, "14"));
	u256_divmod(NULL, &r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "2"));
	u256_divmod(NULL, NULL, &a, &b);
	u256_div(&q, &a, &b);
	CU_ASSERT_TRUE(is(&q, "14"));
	u256_mod(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "2"));
}

/* Operands for the rare corrections in Knuth's division: the first needs
 * the quotient estimate refined with the second divisor digit; in the second
 * the refined estimate is still one too large, so the divisor is added back
 * (both checked by instrumenting the code once). */
static void
test_u256_div_knuth_add_back(void)
{
	static const struct {
		struct u256 a, b;
		const char *q, *r;
	} cases[] = {
		{ { { 0, 0xfffffffffffffffeULL, 0x8000000000000000ULL, 0 } },
		  { { 0xffffffffffffffffULL, 0x8000000000000000ULL, 0, 0 } },
		  "0xffffffffffffffff",
		  "0x7fffffffffffffffffffffffffffffff" },
		{ { { 3, 0, 0x8000000000000000ULL, 0 } },
		  { { 1, 0, 0x2000000000000000ULL, 0 } },
		  "3",
		  "0x200000000000000000000000000000000000000000000000" },
	};
	struct u256 q, r, back;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u256_divmod(&q, &r, &cases[i].a, &cases[i].b);
		CU_ASSERT_TRUE(is(&q, cases[i].q));
		CU_ASSERT_TRUE(is(&r, cases[i].r));
		u256_mul(&back, &q, &cases[i].b);
		u256_add(&back, &back, &r);
		CU_ASSERT_TRUE(u256_eq(&back, &cases[i].a));
	}
}

static void
test_u256_sdiv_min_by_minus_one(void)
{
	struct u256 min = num(MIN_HEX), m1 = num("-1"), r;

	/* The one quotient that does not fit overflows back to -2^255. */
	u256_sdiv(&r, &min, &m1);
	CU_ASSERT_TRUE(u256_eq(&r, &min));
	u256_smod(&r, &min, &m1);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	u256_sdiv(&r, &min, &min);
	CU_ASSERT_TRUE(is(&r, "1"));
	u256_sdiv(&r, &m1, &min);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	u256_smod(&r, &m1, &min);
	CU_ASSERT_TRUE(is(&r, "-1"));
}

static void
test_u256_sdiv_rounds_toward_zero(void)
{
	static const struct {
		const char *a, *b, *q, *r;
	} cases[] = {
		{ "7", "2", "3", "1" },
		{ "-7", "2", "-3", "-1" },
		{ "7", "-2", "-3", "1" },
		{ "-7", "-2", "3", "-1" },
		{ "-8", "2", "-4", "0" },
		{ "1", "-1", "-1", "0" },
		{ "0", "-5", "0", "0" },
		{ "-1", "2", "0", "-1" },
		{ "-" MIN_HEX, "3",
		  "-19298681539552699237261830834781317975544997444273427339909597334652188273322",
		  "-2" },
	};
	struct u256 a, b, r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		a = num(cases[i].a);
		b = num(cases[i].b);
		u256_sdiv(&r, &a, &b);
		CU_ASSERT_TRUE(is(&r, cases[i].q));
		u256_smod(&r, &a, &b);
		CU_ASSERT_TRUE(is(&r, cases[i].r));
	}
}

static void
test_u256_smod_sign_follows_dividend(void)
{
	struct u256 a = num("-10"), b = num("3"), r;

	u256_smod(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "-1"));
	b = num("-3");
	u256_smod(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "-1"));
	a = num("10");
	u256_smod(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "1"));
	/* Unsigned MOD of the same bits differs. */
	a = num("-10");
	b = num("3");
	u256_mod(&r, &a, &b);
	CU_ASSERT_TRUE(is(&r, "0"));
}

static void
test_u256_addmod(void)
{
	struct u256 max = num(MAX_HEX), zero = u256_from_u64(0), a, m, r;

	/* The sum needs bit 256: (2 * (2^256 - 1)) mod 10 = 2^257 - 2 mod 10. */
	m = u256_from_u64(10);
	u256_addmod(&r, &max, &max, &m);
	CU_ASSERT_TRUE(is(&r, "0"));
	m = u256_from_u64(7);
	u256_addmod(&r, &max, &max, &m);
	/* 2^256 = 2 mod 7, so 2^257 - 2 = 2. */
	CU_ASSERT_TRUE(is(&r, "2"));
	/* Modulus MAX with both below it: one subtraction after the carry. */
	a = num("-2");
	u256_addmod(&r, &a, &a, &max);
	CU_ASSERT_TRUE(is(&r, "-3"));
	u256_addmod(&r, &max, &max, &max);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	a = u256_from_u64(3);
	u256_addmod(&r, &a, &a, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	u256_addmod(&r, &max, &max, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	m = u256_from_u64(1);
	u256_addmod(&r, &max, &a, &m);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	m = u256_from_u64(8);
	u256_addmod(&r, &a, &a, &m);
	CU_ASSERT_TRUE(is(&r, "6"));
	a = u256_from_u64(5);
	u256_addmod(&r, &a, &a, &m);
	CU_ASSERT_TRUE(is(&r, "2"));
}

static void
test_u256_mulmod(void)
{
	struct u256 max = num(MAX_HEX), zero = u256_from_u64(0), a, m, r;

	/* (2^256 - 1)^2 mod 12: 2^256 = 4 mod 12, so (4 - 1)^2 = 9. */
	m = u256_from_u64(12);
	u256_mulmod(&r, &max, &max, &m);
	CU_ASSERT_TRUE(is(&r, "9"));
	u256_mulmod(&r, &max, &max, &max);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	m = num("-2");
	/* (m + 1)^2 = 1 mod m. */
	u256_mulmod(&r, &max, &max, &m);
	CU_ASSERT_TRUE(is(&r, "1"));
	a = num("0x100000000000000000000000000000000");
	m = num("0x100000000000000000000000000000001");
	/* 2^128 = -1 mod m, so its square is 1. */
	u256_mulmod(&r, &a, &a, &m);
	CU_ASSERT_TRUE(is(&r, "1"));
	u256_mulmod(&r, &max, &max, &zero);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	a = u256_from_u64(0);
	m = u256_from_u64(5);
	u256_mulmod(&r, &a, &max, &m);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	/* A product smaller than a multi-limb modulus stays as it is. */
	a = u256_from_u64(6);
	m = num("0x10000000000000000000000000000000");
	u256_mulmod(&r, &a, &a, &m);
	CU_ASSERT_TRUE(is(&r, "36"));
}

static void
test_u256_exp(void)
{
	static const struct {
		const char *base, *exponent, *want;
	} cases[] = {
		{ "0", "0", "1" },
		{ "0", "1", "0" },
		{ "0", MAX_HEX, "0" },
		{ MAX_HEX, "0", "1" },
		{ "1", MAX_HEX, "1" },
		{ "2", "255", MIN_HEX },
		{ "2", "256", "0" },
		{ "2", MAX_HEX, "0" },
		{ "-1", "3", "-1" },
		{ "-1", "4", "1" },
		{ "-1", MAX_HEX, "-1" },
		{ "3", "5", "243" },
		{ "10", "77", "100000000000000000000000000000000000000000000000000000000000000000000000000000" },
	};
	struct u256 b, e, r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		b = num(cases[i].base);
		e = num(cases[i].exponent);
		u256_exp(&r, &b, &e);
		CU_ASSERT_TRUE(is(&r, cases[i].want));
	}
	/* 3^(2^255) = 1 mod 2^256 because the group's exponent is 2^254. */
	b = u256_from_u64(3);
	e = num(MIN_HEX);
	u256_exp(&r, &b, &e);
	CU_ASSERT_TRUE(is(&r, "1"));
	/* Base and result may be the same object, and so may exponent. */
	b = u256_from_u64(2);
	e = u256_from_u64(10);
	u256_exp(&b, &b, &e);
	CU_ASSERT_TRUE(is(&b, "1024"));
	u256_exp(&e, &b, &e);
	CU_ASSERT_TRUE(is(&e, "0x10000000000000000000000000"));
}

static void
test_u256_exp_byte_len(void)
{
	struct u256 v = u256_from_u64(0);

	CU_ASSERT_EQUAL(u256_byte_len(&v), 0);
	v = u256_from_u64(1);
	CU_ASSERT_EQUAL(u256_byte_len(&v), 1);
	v = u256_from_u64(255);
	CU_ASSERT_EQUAL(u256_byte_len(&v), 1);
	v = u256_from_u64(256);
	CU_ASSERT_EQUAL(u256_byte_len(&v), 2);
	v = num("0x10000000000000000");
	CU_ASSERT_EQUAL(u256_byte_len(&v), 9);
	v = num(MIN_HEX);
	CU_ASSERT_EQUAL(u256_byte_len(&v), 32);
	v = num(MAX_HEX);
	CU_ASSERT_EQUAL(u256_byte_len(&v), 32);
}

static void
test_u256_bit_len_and_clz(void)
{
	struct u256 v = u256_from_u64(0);

	CU_ASSERT_EQUAL(u256_clz(&v), 256);
	CU_ASSERT_EQUAL(u256_bit_len(&v), 0);
	v = u256_from_u64(1);
	CU_ASSERT_EQUAL(u256_clz(&v), 255);
	CU_ASSERT_EQUAL(u256_bit_len(&v), 1);
	v = num("0x10000000000000000");
	CU_ASSERT_EQUAL(u256_clz(&v), 191);
	CU_ASSERT_EQUAL(u256_bit_len(&v), 65);
	v = num(MIN_HEX);
	CU_ASSERT_EQUAL(u256_clz(&v), 0);
	CU_ASSERT_EQUAL(u256_bit_len(&v), 256);
}

static void
test_u256_signextend(void)
{
	static const struct {
		const char *b, *x, *want;
	} cases[] = {
		{ "0", "0xff", "-1" },
		{ "0", "0x7f", "0x7f" },
		{ "0", "0x1280", "-128" },
		{ "0", "-0x81", "0x7f" },
		{ "1", "0x8000", "-32768" },
		{ "1", "0xffff7fff", "0x7fff" },
		{ "7", "0x8000000000000000", "-0x8000000000000000" },
		{ "7", "0x17fffffffffffffff", "0x7fffffffffffffff" },
		{ "8", "0x800000000000000000", "-0x800000000000000000" },
		{ "15", "0xff80000000000000000000000000000000", "-0x80000000000000000000000000000000" },
		{ "30", "0x0080" "000000000000000000000000000000000000000000000000000000000000", "0xff80" "000000000000000000000000000000000000000000000000000000000000" },
		{ "30", "0xff7f" "000000000000000000000000000000000000000000000000000000000000", "0x007f" "000000000000000000000000000000000000000000000000000000000000" },
		/* From byte 31 on, bit 255 is already the sign: no change. */
		{ "31", "0x80", "0x80" },
		{ "31", MIN_HEX, MIN_HEX },
		{ "32", "0xff", "0xff" },
		{ "0x10000000000000000", "0xff", "0xff" },
		{ MAX_HEX, "0x80", "0x80" },
	};
	struct u256 b, x, r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		b = num(cases[i].b);
		x = num(cases[i].x);
		u256_signextend(&r, &b, &x);
		CU_ASSERT_TRUE(is(&r, cases[i].want));
	}
}

static void
test_u256_byte(void)
{
	struct u256 x, i, r;
	uint8_t be[32];

	for (int k = 0; k < 32; k++)
		be[k] = (uint8_t)(0xa0 + k);
	u256_from_be32(&x, be);
	for (uint64_t k = 0; k < 32; k++) {
		i = u256_from_u64(k);
		u256_byte(&r, &i, &x);
		CU_ASSERT_TRUE(u256_fits_u64(&r) && r.w[0] == 0xa0 + k);
	}
	/* Past the word, BYTE is 0 however the index is written. */
	i = u256_from_u64(32);
	u256_byte(&r, &i, &x);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	i = u256_from_u64(UINT64_MAX);
	u256_byte(&r, &i, &x);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	i = limbs(0, 0, 1, 0);
	u256_byte(&r, &i, &x);
	CU_ASSERT_TRUE(u256_is_zero(&r));
}

static void
test_u256_shifts(void)
{
	static const struct {
		const char *shift, *value, *shl, *shr, *sar;
	} cases[] = {
		{ "0", "-1", "-1", "-1", "-1" },
		{ "1", "1", "2", "0", "0" },
		{ "1", MIN_HEX, "0", "0x4" "000000000000000000000000000000000000000000000000000000000000000", "0xc" "000000000000000000000000000000000000000000000000000000000000000" },
		{ "63", "3", "0x18000000000000000", "0", "0" },
		{ "64", "0x1234", "0x12340000000000000000", "0", "0" },
		{ "65", "0x30000000000000000", "0x600000000000000000000000000000000", "1", "1" },
		{ "128", "-2", "-0x200000000000000000000000000000000", "0xffffffffffffffffffffffffffffffff", "-1" },
		{ "255", "1", MIN_HEX, "0", "0" },
		{ "255", MIN_HEX, "0", "1", "-1" },
		{ "255", "-1", MIN_HEX, "1", "-1" },
		{ "255", "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", MIN_HEX, "0", "0" },
		/* From 256 on, everything is shifted out. */
		{ "256", "-1", "0", "0", "-1" },
		{ "256", MIN_HEX, "0", "0", "-1" },
		{ "256", "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0", "0", "0" },
		{ "257", "-5", "0", "0", "-1" },
		{ "0x10000000000000000", "-1", "0", "0", "-1" },
		{ "0x10000000000000001", "1", "0", "0", "0" },
		{ MAX_HEX, "-1", "0", "0", "-1" },
		{ MAX_HEX, "1", "0", "0", "0" },
	};
	struct u256 s, v, r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		s = num(cases[i].shift);
		v = num(cases[i].value);
		u256_shl(&r, &s, &v);
		CU_ASSERT_TRUE(is(&r, cases[i].shl));
		u256_shr(&r, &s, &v);
		CU_ASSERT_TRUE(is(&r, cases[i].shr));
		u256_sar(&r, &s, &v);
		CU_ASSERT_TRUE(is(&r, cases[i].sar));
	}
}

static void
test_u256_bitwise(void)
{
	struct u256 a = limbs(0xf0f0f0f0f0f0f0f0ULL, 0, UINT64_MAX, 0x0123456789abcdefULL);
	struct u256 b = limbs(0xff00ff00ff00ff00ULL, UINT64_MAX, 0, 0xfedcba9876543210ULL);
	struct u256 r, want;

	u256_and(&r, &a, &b);
	want = limbs(0xf000f000f000f000ULL, 0, 0, 0x0123456789abcdefULL & 0xfedcba9876543210ULL);
	CU_ASSERT_TRUE(u256_eq(&r, &want));
	u256_or(&r, &a, &b);
	want = limbs(0xfff0fff0fff0fff0ULL, UINT64_MAX, UINT64_MAX, 0x0123456789abcdefULL | 0xfedcba9876543210ULL);
	CU_ASSERT_TRUE(u256_eq(&r, &want));
	u256_xor(&r, &a, &a);
	CU_ASSERT_TRUE(u256_is_zero(&r));
	u256_xor(&r, &a, &b);
	want = limbs(0x0ff00ff00ff00ff0ULL, UINT64_MAX, UINT64_MAX, 0x0123456789abcdefULL ^ 0xfedcba9876543210ULL);
	CU_ASSERT_TRUE(u256_eq(&r, &want));
	u256_not(&r, &a);
	want = limbs(0x0f0f0f0f0f0f0f0fULL, UINT64_MAX, 0, 0xfedcba9876543210ULL);
	CU_ASSERT_TRUE(u256_eq(&r, &want));
	r = u256_from_u64(0);
	u256_not(&r, &r);
	CU_ASSERT_TRUE(is(&r, MAX_HEX));
}

static void
test_u256_compare(void)
{
	struct u256 zero = u256_from_u64(0), one = u256_from_u64(1);
	struct u256 m1 = num("-1"), min = num(MIN_HEX);
	struct u256 maxpos = num("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	struct u256 hi = limbs(1, 0, 0, 0), lo = limbs(0, UINT64_MAX, UINT64_MAX, UINT64_MAX);

	CU_ASSERT_TRUE(u256_lt(&zero, &one));
	CU_ASSERT_FALSE(u256_lt(&one, &one));
	CU_ASSERT_TRUE(u256_lt(&lo, &hi));
	CU_ASSERT_TRUE(u256_gt(&m1, &one));
	CU_ASSERT_FALSE(u256_gt(&one, &one));
	/* Signed: -1 < 0 < 1, and MIN < MAX though above it unsigned. */
	CU_ASSERT_TRUE(u256_slt(&m1, &zero));
	CU_ASSERT_TRUE(u256_sgt(&one, &m1));
	CU_ASSERT_TRUE(u256_slt(&min, &maxpos));
	CU_ASSERT_TRUE(u256_gt(&min, &maxpos));
	CU_ASSERT_TRUE(u256_slt(&min, &m1));
	CU_ASSERT_FALSE(u256_slt(&m1, &m1));
	CU_ASSERT_FALSE(u256_sgt(&min, &min));
	CU_ASSERT_TRUE(u256_sgt(&maxpos, &zero));
	CU_ASSERT_TRUE(u256_eq(&min, &min));
	CU_ASSERT_FALSE(u256_eq(&hi, &lo));
	CU_ASSERT_FALSE(u256_eq(&min, &zero));
	CU_ASSERT_TRUE(u256_is_zero(&zero));
	CU_ASSERT_FALSE(u256_is_zero(&min));
	CU_ASSERT_TRUE(u256_is_negative(&min));
	CU_ASSERT_TRUE(u256_is_negative(&m1));
	CU_ASSERT_FALSE(u256_is_negative(&maxpos));
}

/* Binary operations in the EVM's operand order, for the aliasing test. */
static void
alias_add(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	u256_add(r, a, b);
}

static void
alias_sub(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	u256_sub(r, a, b);
}

static void
alias_quotient(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	struct u256 rem;

	u256_divmod(r, &rem, a, b);
}

static void
alias_remainder(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	struct u256 q;

	u256_divmod(&q, r, a, b);
}

static void
test_u256_aliasing(void)
{
	static void (*const ops[])(struct u256 *, const struct u256 *,
				   const struct u256 *) = {
		alias_add, alias_sub, u256_mul, u256_div, u256_mod,
		alias_quotient, alias_remainder, u256_sdiv, u256_smod,
		u256_exp, u256_signextend, u256_byte, u256_shl, u256_shr,
		u256_sar, u256_and, u256_or, u256_xor,
	};
	static void (*const ops3[])(struct u256 *, const struct u256 *,
				    const struct u256 *, const struct u256 *) = {
		u256_addmod, u256_mulmod,
	};
	struct u256 pairs[][2] = {
		{ limbs(0xfedcba9876543210ULL, 1, 2, 3), limbs(0, 0, 5, 0x0123456789abcdefULL) },
		{ num("-7"), u256_from_u64(3) },
		{ u256_from_u64(5), num("-1") },
		{ u256_from_u64(200), num("-0x1234567890") },
		{ num(MAX_HEX), num("0xffffffffffffffffffffffffffffffffffff") },
	};
	struct u256 want, r, m = num("0x1000000000000000000000000000000000000007");

	for (size_t p = 0; p < ARRAY_SIZE(pairs); p++) {
		const struct u256 a = pairs[p][0], b = pairs[p][1];

		for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
			ops[i](&want, &a, &b);
			r = a;
			ops[i](&r, &r, &b);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
			r = b;
			ops[i](&r, &a, &r);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
			/* Both operands the same object as the result. */
			ops[i](&want, &a, &a);
			r = a;
			ops[i](&r, &r, &r);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
		}
		for (size_t i = 0; i < ARRAY_SIZE(ops3); i++) {
			ops3[i](&want, &a, &b, &m);
			r = a;
			ops3[i](&r, &r, &b, &m);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
			r = b;
			ops3[i](&r, &a, &r, &m);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
			r = m;
			ops3[i](&want, &a, &b, &r);
			ops3[i](&r, &a, &b, &r);
			CU_ASSERT_TRUE(u256_eq(&r, &want));
		}
		r = a;
		u256_neg(&want, &a);
		u256_neg(&r, &r);
		CU_ASSERT_TRUE(u256_eq(&r, &want));
		r = a;
		u256_not(&want, &a);
		u256_not(&r, &r);
		CU_ASSERT_TRUE(u256_eq(&r, &want));
	}
}

/* --- differential tests against GMP ------------------------------------- */

/* splitmix64 with a fixed seed: every run draws the same operands, so a
 * failure reproduces. */
static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Returns: a limb of an edge shape, or a random one. */
static uint64_t
rng_limb(void)
{
	switch (rng_next() % 8) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return rng_next() % 4;
	case 3:
		return 1ULL << (rng_next() % 64);
	case 4:
		return UINT64_MAX - rng_next() % 4;
	case 5:
		return 0x8000000000000000ULL + rng_next() % 4 - 2;
	default:
		return rng_next();
	}
}

/* Out: *r, a random operand: often zero, small, a power of two or one
 * less, near -1 or -2^255, limbs of edge shapes, or a random width. */
static void
rng_u256(struct u256 *r)
{
	unsigned k;

	switch (rng_next() % 16) {
	case 0:
		*r = u256_from_u64(0);
		break;
	case 1:
		*r = u256_from_u64(rng_next() % 300);
		break;
	case 2:
	case 3:
		k = (unsigned)(rng_next() % 256);
		*r = u256_from_u64(0);
		r->w[k / 64] = 1ULL << (k % 64);
		if (rng_next() % 2 == 0) {
			/* 2^k - 1: every lower limb full. */
			r->w[k / 64] -= 1;
			for (unsigned i = 0; i < k / 64; i++)
				r->w[i] = UINT64_MAX;
		}
		break;
	case 4:
		*r = u256_from_u64(rng_next() % 300);
		u256_neg(r, r);
		break;
	case 5:
		*r = u256_from_u64(rng_next() % 300);
		r->w[3] ^= 0x8000000000000000ULL;
		if (rng_next() % 2 == 0)
			u256_neg(r, r);
		break;
	case 6:
	case 7:
	case 8:
	case 9:
		for (int i = 0; i < 4; i++)
			r->w[i] = rng_limb();
		break;
	case 10:
	case 11:
		/* A random value of a random bit width. */
		k = (unsigned)(rng_next() % 257);
		for (unsigned i = 0; i < 4; i++) {
			uint64_t v = rng_next();

			if (k <= 64 * i)
				v = 0;
			else if (k < 64 * (i + 1))
				v &= (1ULL << (k - 64 * i)) - 1;
			r->w[i] = v;
		}
		break;
	default:
		for (int i = 0; i < 4; i++)
			r->w[i] = rng_next();
		break;
	}
}

/* Scratch values of the reference side; set up once in main(). */
static mpz_t ref_a, ref_b, ref_c, ref_t, ref_mod;

/* Out: z = a as an unsigned number. */
static void
ref_load(mpz_t z, const struct u256 *a)
{
	mpz_import(z, 4, -1, sizeof(a->w[0]), 0, 0, a->w);
}

/* Out: z = a read as two's complement. */
static void
ref_load_signed(mpz_t z, const struct u256 *a)
{
	ref_load(z, a);
	if (mpz_tstbit(z, 255))
		mpz_sub(z, z, ref_mod);
}

/* Out: *r = z mod 2^256, whatever z's sign or size. */
static void
ref_store(struct u256 *r, const mpz_t z)
{
	size_t count = 0;

	mpz_fdiv_r_2exp(ref_t, z, 256);
	*r = u256_from_u64(0);
	mpz_export(r->w, &count, -1, sizeof(r->w[0]), 0, 0, ref_t);
}

/* Returns: a shift or index operand as a machine number; anything at or
 * above 300 acts alike in every operation, so it becomes 300. */
static unsigned long
ref_small(const struct u256 *a)
{
	return u256_fits_u64(a) && a->w[0] < 300 ? (unsigned long)a->w[0] : 300;
}

/* One operation on both sides.  Out: *ours, and ref (compared mod 2^256).
 * Returns: whether any side result (a carry, a second output) agrees. */
typedef bool (*diff_fn)(struct u256 *ours, mpz_t ref, const struct u256 in[3]);

/* Operand shapes a diff_run() caller asks for. */
enum {
	/* in[0] is a shift or byte index: mostly below 300. */
	DIFF_INDEX = 1,
	/* in[0] is often a multiple of in[1] give or take a little, the
	 * dividends that exercise division's corrections. */
	DIFF_DIVIDEND = 2,
};

static void
diff_print(const char *what, const struct u256 *a)
{
	fprintf(stderr, " %s=%016" PRIx64 "_%016" PRIx64 "_%016" PRIx64 "_%016" PRIx64,
		what, a->w[3], a->w[2], a->w[1], a->w[0]);
}

/* Runs fn on DIFF_ROUNDS random operand triples from a seed of its own,
 * reporting the first few mismatches. */
static void
diff_run(const char *name, uint64_t seed, unsigned flags, diff_fn fn)
{
	struct u256 in[3], ours, want, t;
	unsigned long failed = 0;
	mpz_t ref;

	mpz_init(ref);
	rng_state = seed;
	for (unsigned long n = 0; n < DIFF_ROUNDS; n++) {
		bool side_ok;

		for (int i = 0; i < 3; i++)
			rng_u256(&in[i]);
		if ((flags & DIFF_INDEX) && rng_next() % 4 != 0)
			in[0] = u256_from_u64(rng_next() % 300);
		if ((flags & DIFF_DIVIDEND) && rng_next() % 3 == 0) {
			/* in[1] * in[2] + small, in[2] narrowed to keep it
			 * mostly free of wrapping. */
			unsigned keep = 256 - u256_bit_len(&in[1]);

			for (unsigned i = 0; i < 4; i++) {
				if (keep <= 64 * i)
					in[2].w[i] = 0;
				else if (keep < 64 * (i + 1))
					in[2].w[i] &= (1ULL << (keep - 64 * i)) - 1;
			}
			u256_mul(&in[0], &in[1], &in[2]);
			t = u256_from_u64(rng_next() % 3);
			if (rng_next() % 2 == 0)
				u256_add(&in[0], &in[0], &t);
			else
				u256_sub(&in[0], &in[0], &t);
		}
		side_ok = fn(&ours, ref, in);
		ref_store(&want, ref);
		if (side_ok && u256_eq(&ours, &want))
			continue;
		if (++failed <= 5) {
			fprintf(stderr, "\n%s: round %lu:", name, n);
			for (int i = 0; i < 3; i++)
				diff_print(i == 0 ? "a" : i == 1 ? "b" : "c", &in[i]);
			diff_print("got", &ours);
			diff_print("want", &want);
			fprintf(stderr, "%s\n", side_ok ? "" : " (side result)");
		}
	}
	mpz_clear(ref);
	CU_ASSERT_EQUAL(failed, 0);
}

static bool
diff_add(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	bool carry = u256_add(o, &in[0], &in[1]);

	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_add(ref, ref_a, ref_b);
	return carry == (mpz_cmp(ref, ref_mod) >= 0);
}

static bool
diff_sub(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	bool borrow = u256_sub(o, &in[0], &in[1]);

	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_sub(ref, ref_a, ref_b);
	return borrow == (mpz_sgn(ref) < 0);
}

static bool
diff_neg(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_neg(o, &in[0]);
	ref_load(ref_a, &in[0]);
	mpz_neg(ref, ref_a);
	return true;
}

static bool
diff_mul(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_mul(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_mul(ref, ref_a, ref_b);
	return true;
}

static bool
diff_mul_u64(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	struct u256 m = u256_from_u64(in[1].w[0]);
	bool wrapped = u256_mul_u64(o, &in[0], m.w[0]);

	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &m);
	mpz_mul(ref, ref_a, ref_b);
	return wrapped == (mpz_cmp(ref, ref_mod) >= 0);
}

static bool
diff_divmod(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	struct u256 rem, want_rem;

	u256_divmod(o, &rem, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	if (mpz_sgn(ref_b) == 0) {
		mpz_set_ui(ref, 0);
		mpz_set_ui(ref_c, 0);
	} else {
		mpz_tdiv_qr(ref, ref_c, ref_a, ref_b);
	}
	ref_store(&want_rem, ref_c);
	return u256_eq(&rem, &want_rem);
}

static bool
diff_div(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_div(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	if (mpz_sgn(ref_b) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_tdiv_q(ref, ref_a, ref_b);
	return true;
}

static bool
diff_mod(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_mod(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	if (mpz_sgn(ref_b) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_tdiv_r(ref, ref_a, ref_b);
	return true;
}

static bool
diff_sdiv(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_sdiv(o, &in[0], &in[1]);
	ref_load_signed(ref_a, &in[0]);
	ref_load_signed(ref_b, &in[1]);
	/* GMP's tdiv truncates toward zero like SDIV; -2^255 / -1 = 2^255
	 * wraps to -2^255 when stored. */
	if (mpz_sgn(ref_b) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_tdiv_q(ref, ref_a, ref_b);
	return true;
}

static bool
diff_smod(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_smod(o, &in[0], &in[1]);
	ref_load_signed(ref_a, &in[0]);
	ref_load_signed(ref_b, &in[1]);
	if (mpz_sgn(ref_b) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_tdiv_r(ref, ref_a, ref_b);
	return true;
}

static bool
diff_addmod(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_addmod(o, &in[0], &in[1], &in[2]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	ref_load(ref_c, &in[2]);
	mpz_add(ref, ref_a, ref_b);
	if (mpz_sgn(ref_c) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_mod(ref, ref, ref_c);
	return true;
}

static bool
diff_mulmod(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_mulmod(o, &in[0], &in[1], &in[2]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	ref_load(ref_c, &in[2]);
	mpz_mul(ref, ref_a, ref_b);
	if (mpz_sgn(ref_c) == 0)
		mpz_set_ui(ref, 0);
	else
		mpz_mod(ref, ref, ref_c);
	return true;
}

static bool
diff_exp(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_exp(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_powm(ref, ref_a, ref_b, ref_mod);
	return true;
}

static bool
diff_signextend(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	unsigned long b = ref_small(&in[0]);

	u256_signextend(o, &in[0], &in[1]);
	ref_load(ref_b, &in[1]);
	if (b >= 31) {
		mpz_set(ref, ref_b);
		return true;
	}
	/* The low b + 1 bytes as a signed number of that width. */
	mpz_fdiv_r_2exp(ref, ref_b, 8 * (b + 1));
	if (mpz_tstbit(ref, 8 * b + 7)) {
		mpz_set_ui(ref_c, 0);
		mpz_setbit(ref_c, 8 * (b + 1));
		mpz_sub(ref, ref, ref_c);
	}
	return true;
}

static bool
diff_byte(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	unsigned long i = ref_small(&in[0]);

	u256_byte(o, &in[0], &in[1]);
	ref_load(ref_b, &in[1]);
	mpz_set_ui(ref, 0);
	if (i < 32) {
		mpz_fdiv_q_2exp(ref, ref_b, 8 * (31 - i));
		mpz_fdiv_r_2exp(ref, ref, 8);
	}
	return true;
}

static bool
diff_shl(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_shl(o, &in[0], &in[1]);
	ref_load(ref_b, &in[1]);
	mpz_mul_2exp(ref, ref_b, ref_small(&in[0]));
	return true;
}

static bool
diff_shr(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_shr(o, &in[0], &in[1]);
	ref_load(ref_b, &in[1]);
	mpz_fdiv_q_2exp(ref, ref_b, ref_small(&in[0]));
	return true;
}

static bool
diff_sar(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_sar(o, &in[0], &in[1]);
	/* Floor division by 2^n is the arithmetic shift, -1 at the end. */
	ref_load_signed(ref_b, &in[1]);
	mpz_fdiv_q_2exp(ref, ref_b, ref_small(&in[0]));
	return true;
}

static bool
diff_and(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_and(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_and(ref, ref_a, ref_b);
	return true;
}

static bool
diff_or(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_or(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_ior(ref, ref_a, ref_b);
	return true;
}

static bool
diff_xor(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_xor(o, &in[0], &in[1]);
	ref_load(ref_a, &in[0]);
	ref_load(ref_b, &in[1]);
	mpz_xor(ref, ref_a, ref_b);
	return true;
}

static bool
diff_not(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	u256_not(o, &in[0]);
	ref_load(ref_a, &in[0]);
	/* -a - 1, which is 2^256 - 1 - a once stored. */
	mpz_com(ref, ref_a);
	return true;
}

/* The comparisons: ours as 0 or 1 against mpz_cmp() of either reading. */
static bool
diff_compare(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	const struct u256 *a = &in[0], *b = &in[1];
	int c, sc;

	/* Equal operands are rare at random; make them common. */
	if (rng_next() % 8 == 0)
		b = a;
	ref_load(ref_a, a);
	ref_load(ref_b, b);
	c = mpz_cmp(ref_a, ref_b);
	ref_load_signed(ref_a, a);
	ref_load_signed(ref_b, b);
	sc = mpz_cmp(ref_a, ref_b);
	*o = u256_from_u64((uint64_t)u256_lt(a, b) | (uint64_t)u256_gt(a, b) << 1 |
			   (uint64_t)u256_slt(a, b) << 2 | (uint64_t)u256_sgt(a, b) << 3 |
			   (uint64_t)u256_eq(a, b) << 4 | (uint64_t)(u256_cmp(a, b) + 1) << 5);
	mpz_set_ui(ref, (unsigned long)(c < 0) | (unsigned long)(c > 0) << 1 |
			(unsigned long)(sc < 0) << 2 | (unsigned long)(sc > 0) << 3 |
			(unsigned long)(c == 0) << 4 |
			(unsigned long)((c > 0) - (c < 0) + 1) << 5);
	return true;
}

/* The predicates and counts on one operand, packed into one number. */
static bool
diff_unary(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	const struct u256 *a = &in[0];
	unsigned long bits;

	ref_load(ref_a, a);
	bits = mpz_sgn(ref_a) == 0 ? 0 : mpz_sizeinbase(ref_a, 2);
	*o = u256_from_u64((uint64_t)u256_bit_len(a) | (uint64_t)u256_clz(a) << 16 |
			   (uint64_t)u256_byte_len(a) << 32 | (uint64_t)u256_is_zero(a) << 48 |
			   (uint64_t)u256_is_negative(a) << 49 | (uint64_t)u256_fits_u64(a) << 50);
	mpz_set_ui(ref, bits | (256 - bits) << 16 | ((bits + 7) / 8) << 32 |
			(unsigned long)(bits == 0) << 48 | (unsigned long)(bits == 256) << 49 |
			(unsigned long)(bits <= 64) << 50);
	return true;
}

static bool
diff_to_u64(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	struct u256 clamped, want_clamped = u256_from_u64(UINT64_MAX);

	*o = u256_from_u64(u256_to_u64(&in[0]));
	clamped = u256_from_u64(u256_to_u64_clamped(&in[0]));
	ref_load(ref_a, &in[0]);
	mpz_fdiv_r_2exp(ref, ref_a, 64);
	if (mpz_sizeinbase(ref_a, 2) <= 64)
		want_clamped = in[0];
	return u256_eq(&clamped, &want_clamped);
}

/* Big-endian bytes both ways, the full word and a PUSHn-like prefix. */
static bool
diff_be(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	uint8_t be[32], want_be[32], tmp[32];
	size_t len = (size_t)(rng_next() % 33), count = 0;
	struct u256 back;

	u256_to_be(be, &in[0]);
	memset(want_be, 0, sizeof(want_be));
	ref_load(ref_a, &in[0]);
	mpz_export(tmp, &count, 1, 1, 1, 0, ref_a);
	memcpy(want_be + 32 - count, tmp, count);
	u256_from_be32(&back, be);
	/* The last len bytes read as a number of that many bytes. */
	u256_from_be(o, be + 32 - len, len);
	mpz_import(ref, len, 1, 1, 1, 0, want_be + 32 - len);
	return memcmp(be, want_be, 32) == 0 && u256_eq(&back, &in[0]);
}

/* Decimal and hex text both ways against mpz_get_str(). */
static bool
diff_text(struct u256 *o, mpz_t ref, const struct u256 in[3])
{
	/* mpz_get_str() may need a digit more than there is, and the NUL. */
	char dec[U256_DEC_MAX], hex[U256_HEX_MAX], want[U256_DEC_MAX + 2];
	struct u256 from_hex = u256_from_u64(0);
	bool ok;

	ref_load(ref, &in[0]);
	u256_to_dec(dec, &in[0]);
	u256_to_hex(hex, &in[0]);
	mpz_get_str(want, 10, ref);
	ok = strcmp(dec, want) == 0;
	mpz_get_str(want + 2, 16, ref);
	want[0] = '0';
	want[1] = 'x';
	ok = ok && strcmp(hex, want) == 0;
	*o = u256_from_u64(0);
	ok = ok && u256_parse(o, dec, strlen(dec)) == 0;
	ok = ok && u256_parse(&from_hex, hex, strlen(hex)) == 0;
	return ok && u256_eq(&from_hex, o);
}

#define DIFF_TEST(op, flags)                                                   \
	static void test_u256_gmp_##op(void)                                   \
	{                                                                      \
		diff_run(#op, 0x5eed0000 + __LINE__, (flags), diff_##op);       \
	}

DIFF_TEST(add, 0)
DIFF_TEST(sub, 0)
DIFF_TEST(neg, 0)
DIFF_TEST(mul, 0)
DIFF_TEST(mul_u64, 0)
DIFF_TEST(divmod, DIFF_DIVIDEND)
DIFF_TEST(div, DIFF_DIVIDEND)
DIFF_TEST(mod, DIFF_DIVIDEND)
DIFF_TEST(sdiv, DIFF_DIVIDEND)
DIFF_TEST(smod, DIFF_DIVIDEND)
DIFF_TEST(addmod, 0)
DIFF_TEST(mulmod, 0)
DIFF_TEST(exp, 0)
DIFF_TEST(signextend, DIFF_INDEX)
DIFF_TEST(byte, DIFF_INDEX)
DIFF_TEST(shl, DIFF_INDEX)
DIFF_TEST(shr, DIFF_INDEX)
DIFF_TEST(sar, DIFF_INDEX)
DIFF_TEST(and, 0)
DIFF_TEST(or, 0)
DIFF_TEST(xor, 0)
DIFF_TEST(not, 0)
DIFF_TEST(compare, 0)
DIFF_TEST(unary, 0)
DIFF_TEST(to_u64, 0)
DIFF_TEST(be, 0)
DIFF_TEST(text, 0)

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_u256_parse_and_print),
		HARNESS_TEST(test_u256_parse_errors),
		HARNESS_TEST(test_u256_arith),
		HARNESS_TEST(test_u256_bytes),
		HARNESS_TEST(test_u256_from_be_too_long_aborts),
		HARNESS_TEST(test_u256_u64_helpers),
		HARNESS_TEST(test_u256_sub_borrow),
		HARNESS_TEST(test_u256_mul_wraps),
		HARNESS_TEST(test_u256_div_by_zero),
		HARNESS_TEST(test_u256_divmod_paths),
		HARNESS_TEST(test_u256_div_knuth_add_back),
		HARNESS_TEST(test_u256_sdiv_min_by_minus_one),
		HARNESS_TEST(test_u256_sdiv_rounds_toward_zero),
		HARNESS_TEST(test_u256_smod_sign_follows_dividend),
		HARNESS_TEST(test_u256_addmod),
		HARNESS_TEST(test_u256_mulmod),
		HARNESS_TEST(test_u256_exp),
		HARNESS_TEST(test_u256_exp_byte_len),
		HARNESS_TEST(test_u256_bit_len_and_clz),
		HARNESS_TEST(test_u256_signextend),
		HARNESS_TEST(test_u256_byte),
		HARNESS_TEST(test_u256_shifts),
		HARNESS_TEST(test_u256_bitwise),
		HARNESS_TEST(test_u256_compare),
		HARNESS_TEST(test_u256_aliasing),
		HARNESS_TEST(test_u256_gmp_add),
		HARNESS_TEST(test_u256_gmp_sub),
		HARNESS_TEST(test_u256_gmp_neg),
		HARNESS_TEST(test_u256_gmp_mul),
		HARNESS_TEST(test_u256_gmp_mul_u64),
		HARNESS_TEST(test_u256_gmp_divmod),
		HARNESS_TEST(test_u256_gmp_div),
		HARNESS_TEST(test_u256_gmp_mod),
		HARNESS_TEST(test_u256_gmp_sdiv),
		HARNESS_TEST(test_u256_gmp_smod),
		HARNESS_TEST(test_u256_gmp_addmod),
		HARNESS_TEST(test_u256_gmp_mulmod),
		HARNESS_TEST(test_u256_gmp_exp),
		HARNESS_TEST(test_u256_gmp_signextend),
		HARNESS_TEST(test_u256_gmp_byte),
		HARNESS_TEST(test_u256_gmp_shl),
		HARNESS_TEST(test_u256_gmp_shr),
		HARNESS_TEST(test_u256_gmp_sar),
		HARNESS_TEST(test_u256_gmp_and),
		HARNESS_TEST(test_u256_gmp_or),
		HARNESS_TEST(test_u256_gmp_xor),
		HARNESS_TEST(test_u256_gmp_not),
		HARNESS_TEST(test_u256_gmp_compare),
		HARNESS_TEST(test_u256_gmp_unary),
		HARNESS_TEST(test_u256_gmp_to_u64),
		HARNESS_TEST(test_u256_gmp_be),
		HARNESS_TEST(test_u256_gmp_text),
		HARNESS_END,
	};
	int rc;

	mpz_inits(ref_a, ref_b, ref_c, ref_t, ref_mod, NULL);
	mpz_setbit(ref_mod, 256);
	rc = harness_run("u256", tests);
	mpz_clears(ref_a, ref_b, ref_c, ref_t, ref_mod, NULL);
	return rc;
}
