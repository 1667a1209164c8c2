/* Tests for lib/hex.c. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hex.h"

static void
test_hex_encode(void)
{
	const uint8_t in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	hex_encode(out, in, sizeof(in));
	CU_ASSERT_STRING_EQUAL(out, "000fa5ff");
	hex_encode(out, in, 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void
test_hex_decode_prefix_and_case(void)
{
	uint8_t out[4];
	size_t len = sizeof(out);

	CU_ASSERT_EQUAL(hex_decode(out, &len, "0xA5fF", 6), 0);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(out[0], 0xa5);
	CU_ASSERT_EQUAL(out[1], 0xff);
	len = sizeof(out);
	CU_ASSERT_EQUAL(hex_decode(out, &len, "00010203", 8), 0);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(out[3], 3);
	len = sizeof(out);
	CU_ASSERT_EQUAL(hex_decode(out, &len, "0x", 2), 0);
	CU_ASSERT_EQUAL(len, 0);
}

static void
test_hex_decode_errors(void)
{
	uint8_t out[2];
	size_t len = sizeof(out);

	CU_ASSERT_EQUAL(hex_decode(out, &len, "abc", 3), -EINVAL);
	len = sizeof(out);
	CU_ASSERT_EQUAL(hex_decode(out, &len, "0xzz", 4), -EINVAL);
	len = sizeof(out);
	CU_ASSERT_EQUAL(hex_decode(out, &len, "000102", 6), -ENOSPC);
}

static void
test_hex_digit(void)
{
	CU_ASSERT_EQUAL(hex_digit('0'), 0);
	CU_ASSERT_EQUAL(hex_digit('a'), 10);
	CU_ASSERT_EQUAL(hex_digit('F'), 15);
	CU_ASSERT_EQUAL(hex_digit('g'), -1);
	CU_ASSERT_EQUAL(hex_digit('\0'), -1);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_hex_encode),
		HARNESS_TEST(test_hex_decode_prefix_and_case),
		HARNESS_TEST(test_hex_decode_errors),
		HARNESS_TEST(test_hex_digit),
		HARNESS_END,
	};
	return harness_run("hex", tests);
}
