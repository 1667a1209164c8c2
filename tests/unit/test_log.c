/* Tests for lib/log.c: levels, the line format and colour. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log.h"

static int evaluated;

static int
side_effect(void)
{
	return ++evaluated;
}

/* Returns: what was written to f since it was opened (caller frees). */
static char *
slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	buf = calloc(1, (size_t)n + 1);
	rewind(f);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	return buf;
}

static void
test_log_levels(void)
{
	FILE *f = tmpfile();
	char *out;

	log_set_output(f, false);
	log_set_level(LOG_WARN);
	evaluated = 0;
	log_debug("hidden %d", side_effect());
	CU_ASSERT_EQUAL(evaluated, 0); /* a disabled line evaluates nothing */
	log_warn("shown %d", 7);
	out = slurp(f);
	CU_ASSERT_PTR_NULL(strstr(out, "hidden"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "warn  test_log_levels: shown 7\n"));
	CU_ASSERT_PTR_NULL(strchr(out, '\033'));
	free(out);
	fclose(f);
	log_set_output(NULL, false);
}

static void
test_log_color(void)
{
	FILE *f = tmpfile();
	char *out;

	log_set_output(f, true);
	CU_ASSERT_TRUE(log_has_color());
	log_error("red");
	msg_warn("careful");
	out = slurp(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[1;31merror"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "warning: \033[0mcareful"));
	free(out);
	fclose(f);
	log_set_output(NULL, false);
}

static void
test_log_messages(void)
{
	FILE *f = tmpfile();
	char *out;

	log_init("/usr/bin/chainbox");
	CU_ASSERT_STRING_EQUAL(log_progname(), "chainbox");
	log_set_output(f, false);
	msg_error("cannot open '%s'", "x.yaml");
	msg_warn("tolerates no faults");
	out = slurp(f);
	CU_ASSERT_STRING_EQUAL(out, "chainbox: cannot open 'x.yaml'\n"
				    "chainbox: warning: tolerates no faults\n");
	free(out);
	fclose(f);
	log_set_output(NULL, false);
}

/* NO_COLOR turns colour off even where it would be on. */
static void
test_log_no_color(void)
{
	setenv("NO_COLOR", "1", 1);
	log_init("chainbox");
	CU_ASSERT_FALSE(log_has_color());
	unsetenv("NO_COLOR");
}

static void
test_log_parse_level(void)
{
	enum log_level l = LOG_ERROR;

	CU_ASSERT_EQUAL(log_parse_level(&l, "debug"), 0);
	CU_ASSERT_EQUAL(l, LOG_DEBUG);
	CU_ASSERT_EQUAL(log_parse_level(&l, "TRACE"), 0);
	CU_ASSERT_EQUAL(l, LOG_TRACE);
	CU_ASSERT_EQUAL(log_parse_level(&l, "loud"), -EINVAL);
	CU_ASSERT_EQUAL(l, LOG_TRACE);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_log_levels),
		HARNESS_TEST(test_log_color),
		HARNESS_TEST(test_log_messages),
		HARNESS_TEST(test_log_no_color),
		HARNESS_TEST(test_log_parse_level),
		HARNESS_END,
	};
	return harness_run("log", tests);
}
