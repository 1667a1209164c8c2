/* The shared CUnit runner (see harness.h). */
#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hex.h"
#include "xalloc.h"

int
harness_run(const char *name, const struct harness_test *tests)
{
	unsigned run, failed;
	CU_pSuite suite;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: cannot initialise CUnit\n", name);
		return 1;
	}
	suite = CU_add_suite(name, NULL, NULL);
	for (; suite != NULL && tests->name != NULL; tests++) {
		if (CU_add_test(suite, tests->name, tests->fn) == NULL)
			suite = NULL;
	}
	if (suite == NULL) {
		fprintf(stderr, "%s: cannot register tests\n", name);
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* CU_basic_run_tests() returns success even when tests fail. */
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	printf("\n%u passed, %u failed\n", run - failed, failed);
	return failed == 0 && run > 0 ? 0 : 1;
}

char *
harness_tmpdir(void)
{
	char *path;

	xasprintf(&path, "%s/chainbox-test-XXXXXX",
		  getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return path;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
harness_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
harness_write(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

void
harness_address(uint8_t a[20], uint8_t tag, uint32_t n)
{
	memset(a, 0, 20);
	a[0] = tag;
	a[16] = (uint8_t)(n >> 24);
	a[17] = (uint8_t)(n >> 16);
	a[18] = (uint8_t)(n >> 8);
	a[19] = (uint8_t)n;
}

struct u256
harness_u256(const char *s)
{
	struct u256 v = u256_from_u64(0);

	CU_ASSERT_FATAL(u256_parse(&v, s, strlen(s)) == 0);
	return v;
}

bool
harness_u256_is(struct u256 v, uint64_t want)
{
	struct u256 w = u256_from_u64(want);

	return u256_eq(&v, &w);
}

void
harness_unhex(uint8_t *out, size_t n, const char *s)
{
	size_t len = n;

	CU_ASSERT_FATAL(hex_decode(out, &len, s, strlen(s)) == 0 && len == n);
}
