/* Tests for lib/suggest.c. */
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "suggest.h"

static void
test_suggest_distance(void)
{
	char longer[80];

	CU_ASSERT_EQUAL(suggest_distance("kitten", "sitting"), 3);
	CU_ASSERT_EQUAL(suggest_distance("", "abc"), 3);
	CU_ASSERT_EQUAL(suggest_distance("same", "same"), 0);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CU_ASSERT_EQUAL(suggest_distance(longer, "a"), SIZE_MAX);
}

static void
test_suggest_closest(void)
{
	static const char *const keys[] = { "validators", "nodes", "chain", "accounts" };

	CU_ASSERT_STRING_EQUAL(suggest_closest("valdators", keys, 4), "validators");
	CU_ASSERT_STRING_EQUAL(suggest_closest("nodse", keys, 4), "nodes");
	CU_ASSERT_PTR_NULL(suggest_closest("zzzzzz", keys, 4));
	CU_ASSERT_PTR_NULL(suggest_closest("x", keys, 4));
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_suggest_distance),
		HARNESS_TEST(test_suggest_closest),
		HARNESS_END,
	};
	return harness_run("suggest", tests);
}
