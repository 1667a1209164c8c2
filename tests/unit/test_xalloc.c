/* Tests for lib/xalloc.c, including the exits it documents: each runs in a
 * child process whose status and message are checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "xalloc.h"

/* Runs fn in a child with stderr on a pipe.  Out: buf, what it printed.
 * Returns: the child's wait status. */
static int
in_child(void (*fn)(void), char *buf, size_t size)
{
	int fds[2], status = -1;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		log_init("chainbox");
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < size && (n = read(fds[0], buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

static void
overflow(void)
{
	(void)xreallocarray(NULL, SIZE_MAX / 2, 4);
}

static void
too_big(void)
{
	(void)xmalloc(SIZE_MAX - 4096);
}

static void
test_xalloc_overflow_exits(void)
{
	char out[256];
	int st = in_child(overflow, out, sizeof(out));

	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "chainbox: allocation of"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "overflows"));
}

static void
test_xalloc_oom_exits(void)
{
	char out[256];
	int st = in_child(too_big, out, sizeof(out));

	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "chainbox: out of memory"));
}

static void
test_xalloc_strings(void)
{
	char *s = xstrdup("abc"), *t = xstrndup("abcdef", 2), *u = NULL;
	int *z = xcalloc(4, sizeof(int));

	CU_ASSERT_STRING_EQUAL(s, "abc");
	CU_ASSERT_STRING_EQUAL(t, "ab");
	CU_ASSERT_EQUAL(xasprintf(&u, "%s-%d", s, 7), 5);
	CU_ASSERT_STRING_EQUAL(u, "abc-7");
	CU_ASSERT_EQUAL(z[0] | z[1] | z[2] | z[3], 0);
	z = xreallocarray(z, 0, sizeof(int)); /* zero size still gives memory */
	CU_ASSERT_PTR_NOT_NULL(z);
	free(s);
	free(t);
	free(u);
	free(z);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_xalloc_overflow_exits),
		HARNESS_TEST(test_xalloc_oom_exits),
		HARNESS_TEST(test_xalloc_strings),
		HARNESS_END,
	};
	return harness_run("xalloc", tests);
}
