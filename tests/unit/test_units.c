/* Tests for lib/units.c. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "units.h"

static void
test_units_duration(void)
{
	uint64_t ms;

	CU_ASSERT_EQUAL(units_parse_duration(&ms, "200ms"), 0);
	CU_ASSERT_EQUAL(ms, 200);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "2s"), 0);
	CU_ASSERT_EQUAL(ms, 2000);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "1.5s"), 0);
	CU_ASSERT_EQUAL(ms, 1500);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "2 m"), 0);
	CU_ASSERT_EQUAL(ms, 120000);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "1h"), 0);
	CU_ASSERT_EQUAL(ms, 3600000);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "0"), 0);
	CU_ASSERT_EQUAL(ms, 0);
}

static void
test_units_duration_errors(void)
{
	uint64_t ms;

	CU_ASSERT_EQUAL(units_parse_duration(&ms, "2"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "ms"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "1.0001s"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "5 days"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "1.s"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "-1s"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_duration(&ms, "99999999999999999999h"), -ERANGE);
}

static void
test_units_size(void)
{
	uint64_t b;

	CU_ASSERT_EQUAL(units_parse_size(&b, "256MiB"), 0);
	CU_ASSERT_EQUAL(b, 256ULL << 20);
	CU_ASSERT_EQUAL(units_parse_size(&b, "1.5 GiB"), 0);
	CU_ASSERT_EQUAL(b, 3ULL << 29);
	CU_ASSERT_EQUAL(units_parse_size(&b, "4096"), 0);
	CU_ASSERT_EQUAL(b, 4096);
	CU_ASSERT_EQUAL(units_parse_size(&b, "1GB"), 0);
	CU_ASSERT_EQUAL(b, 1000000000ULL);
	CU_ASSERT_EQUAL(units_parse_size(&b, "12XB"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_size(&b, "1.5B"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_size(&b, "20000000TiB"), -ERANGE);
}

static void
test_units_amount(void)
{
	char dec[U256_DEC_MAX];
	struct u256 v;

	CU_ASSERT_EQUAL(units_parse_amount(&v, "10000 ether"), 0);
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "10000000000000000000000");
	CU_ASSERT_EQUAL(units_parse_amount(&v, "1.5 gwei"), 0);
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "1500000000");
	CU_ASSERT_EQUAL(units_parse_amount(&v, "42"), 0);
	CU_ASSERT_EQUAL(v.w[0], 42);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "42 wei"), 0);
	CU_ASSERT_EQUAL(v.w[0], 42);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "0x2a"), 0);
	CU_ASSERT_EQUAL(v.w[0], 42);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "0.000000000000000001 ether"), 0);
	CU_ASSERT_EQUAL(v.w[0], 1);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "1.50 eth"), 0);
	u256_to_dec(dec, &v);
	CU_ASSERT_STRING_EQUAL(dec, "1500000000000000000");
}

static void
test_units_amount_errors(void)
{
	struct u256 v;

	CU_ASSERT_EQUAL(units_parse_amount(&v, "1.5"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "0.0000000000000000001 ether"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "3 dollars"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "ether"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "0xfg"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_amount(&v, "200000000000000000000000000000000000000000000000000000000000 ether"), -ERANGE);
}

static void
test_units_u64_and_milli(void)
{
	uint64_t v;

	CU_ASSERT_EQUAL(units_parse_u64(&v, "18446744073709551615"), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(units_parse_u64(&v, "0x10"), 0);
	CU_ASSERT_EQUAL(v, 16);
	CU_ASSERT_EQUAL(units_parse_u64(&v, "18446744073709551616"), -ERANGE);
	CU_ASSERT_EQUAL(units_parse_u64(&v, "1e3"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_milli(&v, "0.5"), 0);
	CU_ASSERT_EQUAL(v, 500);
	CU_ASSERT_EQUAL(units_parse_milli(&v, "2"), 0);
	CU_ASSERT_EQUAL(v, 2000);
	CU_ASSERT_EQUAL(units_parse_milli(&v, "0.0005"), -EINVAL);
	CU_ASSERT_EQUAL(units_parse_milli(&v, "2 cpus"), -EINVAL);
}

static void
test_units_format(void)
{
	char buf[96];
	struct u256 v;

	units_format_duration(buf, 1500);
	CU_ASSERT_STRING_EQUAL(buf, "1500ms");
	units_format_duration(buf, 2000);
	CU_ASSERT_STRING_EQUAL(buf, "2s");
	units_format_duration(buf, 0);
	CU_ASSERT_STRING_EQUAL(buf, "0");
	units_format_duration(buf, 7200000);
	CU_ASSERT_STRING_EQUAL(buf, "2h");
	units_format_size(buf, 64ULL << 20);
	CU_ASSERT_STRING_EQUAL(buf, "64MiB");
	units_format_size(buf, 1000);
	CU_ASSERT_STRING_EQUAL(buf, "1000B");
	units_format_milli(buf, 500);
	CU_ASSERT_STRING_EQUAL(buf, "0.5");
	units_format_milli(buf, 2000);
	CU_ASSERT_STRING_EQUAL(buf, "2");
	units_format_milli(buf, 1250);
	CU_ASSERT_STRING_EQUAL(buf, "1.25");
	CU_ASSERT_EQUAL(units_parse_amount(&v, "10000 ether"), 0);
	units_format_amount(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "10000 ether");
	v = u256_from_u64(1000000000);
	units_format_amount(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "1 gwei");
	v = u256_from_u64(42);
	units_format_amount(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "42 wei");
	v = u256_from_u64(0);
	units_format_amount(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "0 wei");
}

static void
test_units_format_ether(void)
{
	char buf[UNITS_ETHER_MAX];
	struct u256 v;

	CU_ASSERT_EQUAL(units_parse_amount(&v, "10000 ether"), 0);
	units_format_ether(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "10000.000000000000000000");
	v = u256_from_u64(1);
	units_format_ether(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "0.000000000000000001");
	v = u256_from_u64(0);
	units_format_ether(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "0.000000000000000000");
	memset(&v, 0xff, sizeof v);
	units_format_ether(buf, &v);
	CU_ASSERT_STRING_EQUAL(buf, "115792089237316195423570985008687907853269984665640564039457."
				    "584007913129639935");
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_units_duration),
		HARNESS_TEST(test_units_duration_errors),
		HARNESS_TEST(test_units_size),
		HARNESS_TEST(test_units_amount),
		HARNESS_TEST(test_units_amount_errors),
		HARNESS_TEST(test_units_u64_and_milli),
		HARNESS_TEST(test_units_format),
		HARNESS_TEST(test_units_format_ether),
		HARNESS_END,
	};
	return harness_run("units", tests);
}
