/* Tests for orchestrator/diag.c and orchestrator/templates.c. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "harness.h"
#include "log.h"
#include "templates.h"

static char *
printed(const struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	log_set_output(f, false);
	diag_print(d);
	fclose(f);
	log_set_output(NULL, false);
	return buf;
}

/* Entries print sorted by file and position, warnings marked. */
static void
test_diag_print_sorted(void)
{
	struct diag d;
	char *out;

	log_init("chainbox");
	diag_init(&d);
	diag_add(&d, DIAG_ERROR, "b.yaml", 1, 1, "third");
	diag_add(&d, DIAG_WARNING, "a.yaml", 9, 2, "second");
	diag_add(&d, DIAG_ERROR, "a.yaml", 3, 7, "first");
	diag_add(&d, DIAG_ERROR, NULL, 0, 0, "no place");
	CU_ASSERT_EQUAL(d.nerrors, 3);
	CU_ASSERT_EQUAL(d.nwarnings, 1);
	out = printed(&d);
	CU_ASSERT_STRING_EQUAL(out,
		"chainbox: no place\n"
		"chainbox: a.yaml:3:7: first\n"
		"chainbox: a.yaml:9:2: warning: second\n"
		"chainbox: b.yaml:1:1: third\n");
	free(out);
	diag_release(&d);
}

static void
test_diag_cap(void)
{
	struct diag d;
	char *out;

	diag_init(&d);
	for (int i = 0; i < DIAG_MAX_ERRORS + 3; i++) {
		CU_ASSERT_EQUAL(diag_is_full(&d), i >= DIAG_MAX_ERRORS);
		diag_add(&d, DIAG_ERROR, "x.yaml", (unsigned)i + 1, 1, "e%d", i);
	}
	diag_add(&d, DIAG_WARNING, "x.yaml", 1, 1, "warnings are still kept");
	CU_ASSERT_EQUAL(d.nerrors, DIAG_MAX_ERRORS);
	CU_ASSERT_EQUAL(d.dropped, 3);
	CU_ASSERT_EQUAL(d.nwarnings, 1);
	out = printed(&d);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "chainbox: 3 more errors not shown\n"));
	free(out);
	diag_release(&d);
}

static void
test_templates_lookup(void)
{
	char summary[128];

	CU_ASSERT_TRUE(templates_count >= 3);
	CU_ASSERT_PTR_NOT_NULL(templates_find("dev"));
	CU_ASSERT_PTR_NOT_NULL(templates_find("bft4"));
	CU_ASSERT_PTR_NULL(templates_find("nope"));
	templates_summary(summary, sizeof(summary), templates_find("dev"));
	CU_ASSERT_STRING_EQUAL(summary, "one node, solo consensus, a block for every transaction (automine)");
	templates_summary(summary, 9, templates_find("dev"));
	CU_ASSERT_STRING_EQUAL(summary, "one node");
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_diag_print_sorted),
		HARNESS_TEST(test_diag_cap),
		HARNESS_TEST(test_templates_lookup),
		HARNESS_END,
	};
	return harness_run("diag", tests);
}
