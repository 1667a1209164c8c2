/* Tests for lib/u256.c. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "u256.h"

#define MAX_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"

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
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_u256_parse_and_print),
		HARNESS_TEST(test_u256_parse_errors),
		HARNESS_TEST(test_u256_arith),
		HARNESS_TEST(test_u256_bytes),
		HARNESS_END,
	};
	return harness_run("u256", tests);
}
