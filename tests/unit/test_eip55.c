/* Tests for lib/eip55.c, with the examples from EIP-55 itself. */
#include <errno.h>
#include <string.h>

#include "eip55.h"
#include "harness.h"

static const char *const examples[] = {
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", /* anvil's first account */
};

static void
test_eip55_round_trip(void)
{
	char out[EIP55_LEN + 1], lower[EIP55_LEN + 1];
	uint8_t addr[20];

	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(eip55_parse(addr, examples[i]), 0);
		eip55_format(out, addr);
		CU_ASSERT_STRING_EQUAL(out, examples[i]);
		/* A single case carries no checksum and is accepted. */
		for (int j = 0; j <= EIP55_LEN; j++)
			lower[j] = (char)(j > 1 && examples[i][j] >= 'A' && examples[i][j] <= 'F'
						  ? examples[i][j] + 32 : examples[i][j]);
		CU_ASSERT_EQUAL(eip55_parse(addr, lower), 0);
	}
}

static void
test_eip55_errors(void)
{
	uint8_t addr[20];

	CU_ASSERT_EQUAL(eip55_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), -EBADMSG);
	CU_ASSERT_EQUAL(eip55_parse(addr, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00"), -EINVAL);
	CU_ASSERT_EQUAL(eip55_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"), -EINVAL);
	CU_ASSERT_EQUAL(eip55_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd"), -EINVAL);
	CU_ASSERT_EQUAL(eip55_parse(addr, "0xgaaeb6053f3e94c9b9a09f33669435e7ef1beaed"), -EINVAL);
	CU_ASSERT_EQUAL(eip55_parse(addr, ""), -EINVAL);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_eip55_round_trip),
		HARNESS_TEST(test_eip55_errors),
		HARNESS_END,
	};
	return harness_run("eip55", tests);
}
