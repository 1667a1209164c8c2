/* Tests for orchestrator/copy.c, each run through every way a file can be
 * copied: io_uring, read/write, and copy_file_range with its checksum pass
 * on io_uring and on read(2).  Every copy is compared byte for byte with
 * the data written, and its checksum with XXH3_64bits() over that data. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "copy.h"
#include "harness.h"
#include "log.h"
#include "xalloc.h"

struct variant {
	const char *name;
	struct copy_options o;
	const char *how; /* what copy_file.how says for a non-empty file */
};

/* Reflinks are off so that every variant takes its own way on any file
 * system; test_copy_defaults leaves them on. */
static const struct variant variants[] = {
	{ "io_uring", { .cfr_min = UINT64_MAX, .no_reflink = true }, "io_uring" },
	{ "read/write", { .no_uring = true, .cfr_min = UINT64_MAX, .no_reflink = true },
	  "read/write" },
	{ "copy_file_range, io_uring checksum", { .cfr_min = 1, .no_reflink = true },
	  "copy_file_range" },
	{ "copy_file_range, read checksum", { .no_uring = true, .cfr_min = 1, .no_reflink = true },
	  "copy_file_range" },
	/* Small odd blocks at a shallow depth: many blocks per file, buffers
	 * reused, completions out of order. */
	{ "io_uring, 1000-byte blocks, depth 3",
	  { .cfr_min = UINT64_MAX, .no_reflink = true, .depth = 3, .block = 1000 }, "io_uring" },
	{ "read/write, 1000-byte blocks",
	  { .no_uring = true, .cfr_min = UINT64_MAX, .no_reflink = true, .block = 1000 },
	  "read/write" },
};

/* The kernel refused io_uring: the io_uring variants fall back. */
static bool uring_refused;

static const char *
expected_how(const struct variant *v)
{
	return uring_refused && strcmp(v->how, "io_uring") == 0 ? "read/write" : v->how;
}

/* Fills buf with a pseudo-random pattern that depends on seed. */
static void
fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)(x >> 24);
	}
}

/* Writes n pattern bytes to dir/name.  Returns: the path (caller frees);
 * *data, the bytes (caller frees), when data is not NULL. */
static char *
make_file(const char *dir, const char *name, size_t n, uint64_t seed, uint8_t **data)
{
	uint8_t *buf = xmalloc(n);
	char *path;
	int fd;

	fill(buf, n, seed);
	xasprintf(&path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_FATAL(write(fd, buf, n) == (ssize_t)n);
	close(fd);
	if (data != NULL)
		*data = buf;
	else
		free(buf);
	return path;
}

/* Returns: whether path holds exactly the n bytes at want. */
static bool
has_content(const char *path, const uint8_t *want, size_t n)
{
	struct stat st;
	uint8_t *got;
	bool same;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return false;
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size != n) {
		close(fd);
		return false;
	}
	got = xmalloc(n);
	same = n == 0 || (read(fd, got, n) == (ssize_t)n && memcmp(got, want, n) == 0);
	free(got);
	close(fd);
	return same;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Copies one file of n bytes (len bytes of it) with every variant and
 * checks the copy, its size, checksum and way. */
static void
check_one(const char *dir, size_t n, uint64_t len)
{
	uint8_t *data;
	char *src = make_file(dir, "src", n, n + 7, &data), *dst;
	size_t want = len == COPY_WHOLE ? n : (size_t)len;

	xasprintf(&dst, "%s/dst", dir);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f = { .src = src, .dst = dst, .len = len };
		char *cause = NULL;
		int rc = copy_files(&f, 1, &variants[i].o, &cause);

		if (rc != 0)
			printf("\n  %s, %zu bytes: %s ", variants[i].name, n, cause);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(f.size, want);
		CU_ASSERT_EQUAL(f.xxh3, XXH3_64bits(data, want));
		CU_ASSERT(has_content(dst, data, want));
		if (want > 0)
			CU_ASSERT_STRING_EQUAL(f.how, expected_how(&variants[i]));
		CU_ASSERT_FATAL(unlink(dst) == 0);
	}
	unlink(src);
	free(src);
	free(dst);
	free(data);
}

static void
test_copy_empty(void)
{
	char *dir = harness_tmpdir();

	check_one(dir, 0, COPY_WHOLE);
	check_one(dir, 0, 0);
	harness_rmtree(dir);
	free(dir);
}

static void
test_copy_one_byte(void)
{
	char *dir = harness_tmpdir();

	check_one(dir, 1, COPY_WHOLE);
	harness_rmtree(dir);
	free(dir);
}

/* Sizes next to the 1000-byte blocks of two variants and next to
 * COPY_BLOCK, which the others use. */
static void
test_copy_block_boundaries(void)
{
	static const size_t sizes[] = {
		999,	    1000,	    1001,	    1999,	      2000,	     2001,
		3001,	    COPY_BLOCK - 1, COPY_BLOCK, COPY_BLOCK + 1, 2 * COPY_BLOCK - 1,
		2 * COPY_BLOCK, 2 * COPY_BLOCK + 1,
	};
	char *dir = harness_tmpdir();

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		check_one(dir, sizes[i], COPY_WHOLE);
	harness_rmtree(dir);
	free(dir);
}

static void
test_copy_64mib(void)
{
	char *dir = harness_tmpdir();

	check_one(dir, 64 * 1024 * 1024, COPY_WHOLE);
	harness_rmtree(dir);
	free(dir);
}

/* len below the file's size: the first len bytes, with their checksum. */
static void
test_copy_prefix(void)
{
	char *dir = harness_tmpdir();

	check_one(dir, 300000, 1);
	check_one(dir, 300000, 4096);
	check_one(dir, 300000, 299999);
	check_one(dir, 300000, 300000);
	harness_rmtree(dir);
	free(dir);
}

#define NSMALL 300

/* 300 files of sizes from 0 to 40 000 bytes in one call: many files in
 * flight on one ring. */
static void
test_copy_many_small(void)
{
	char *dir = harness_tmpdir(), *srcdir, *dstdir;
	struct copy_file f[NSMALL];
	uint8_t *data[NSMALL];
	size_t size[NSMALL];

	xasprintf(&srcdir, "%s/src", dir);
	xasprintf(&dstdir, "%s/dst", dir);
	CU_ASSERT_FATAL(mkdir(srcdir, 0755) == 0);
	for (size_t k = 0; k < NSMALL; k++) {
		char name[32];

		size[k] = k % 10 == 0 ? 0 : (k * 7919) % 40000;
		snprintf(name, sizeof(name), "f%zu", k);
		memset(&f[k], 0, sizeof(f[k]));
		f[k].src = make_file(srcdir, name, size[k], k, &data[k]);
		xasprintf((char **)&f[k].dst, "%s/%s", dstdir, name);
		f[k].len = COPY_WHOLE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		char *cause = NULL;
		int rc;

		CU_ASSERT_FATAL(mkdir(dstdir, 0755) == 0);
		rc = copy_files(f, NSMALL, &variants[i].o, &cause);
		if (rc != 0)
			printf("\n  %s: %s ", variants[i].name, cause);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		for (size_t k = 0; k < NSMALL; k++) {
			CU_ASSERT_EQUAL(f[k].size, size[k]);
			CU_ASSERT_EQUAL(f[k].xxh3, XXH3_64bits(data[k], size[k]));
			CU_ASSERT(has_content(f[k].dst, data[k], size[k]));
			if (size[k] > 0)
				CU_ASSERT_STRING_EQUAL(f[k].how, expected_how(&variants[i]));
		}
		harness_rmtree(dstdir);
	}
	for (size_t k = 0; k < NSMALL; k++) {
		free((char *)f[k].src);
		free((char *)f[k].dst);
		free(data[k]);
	}
	harness_rmtree(dir);
	free(dir);
	free(srcdir);
	free(dstdir);
}

/* Default options: reflink where the file system has it, else io_uring
 * at every size (COPY_CFR_MIN is never). */
static void
test_copy_defaults(void)
{
	char *dir = harness_tmpdir(), *dst[2];
	uint8_t *data[2];
	size_t size[2] = { 5000, 5 * 1024 * 1024 + 3 };
	struct copy_file f[2];
	char *cause = NULL;

	for (size_t k = 0; k < 2; k++) {
		char name[16];

		snprintf(name, sizeof(name), "src%zu", k);
		memset(&f[k], 0, sizeof(f[k]));
		f[k].src = make_file(dir, name, size[k], k, &data[k]);
		xasprintf(&dst[k], "%s/dst%zu", dir, k);
		f[k].dst = dst[k];
		f[k].len = COPY_WHOLE;
	}
	CU_ASSERT_EQUAL_FATAL(copy_files(f, 2, NULL, &cause), 0);
	for (size_t k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(f[k].xxh3, XXH3_64bits(data[k], size[k]));
		CU_ASSERT(has_content(dst[k], data[k], size[k]));
		if (strcmp(f[k].how, "reflink") != 0)
			CU_ASSERT_STRING_EQUAL(f[k].how, uring_refused ? "read/write" : "io_uring");
		free((char *)f[k].src);
		free(dst[k]);
		free(data[k]);
	}
	harness_rmtree(dir);
	free(dir);
}

/* Where $CHAINBOX_TEST_REFLINK_DIR names a directory on a file system with
 * reflinks (XFS with reflink=1, btrfs; make one on a loop device): whole
 * files and prefixes on a block boundary are cloned, other prefixes
 * copied, and heads, sizes and checksums come out the same.  Skipped
 * otherwise. */
static void
test_copy_reflink(void)
{
	static const struct {
		uint64_t len;
		size_t head_len;
		bool cloned;
	} cases[] = { { COPY_WHOLE, 0, true }, { 1 << 20, 0, true }, { 1 << 20, 8192, true },
		      { COPY_WHOLE, 100, true }, { (1 << 20) + 1, 0, false } };
	const char *base = getenv("CHAINBOX_TEST_REFLINK_DIR");
	static const struct copy_options opts[] = { { 0 }, { .no_uring = true } };
	size_t n = 3 * 1024 * 1024 + 5;
	char *dir, *src, *dst;
	uint8_t *data, *want, head[8192];

	if (base == NULL || *base == '\0') {
		printf("\n  (skipped: set CHAINBOX_TEST_REFLINK_DIR to a directory on XFS or btrfs) ");
		return;
	}
	xasprintf(&dir, "%s/chainbox-test-XXXXXX", base);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	src = make_file(dir, "src", n, 5, &data);
	want = xmalloc(n);
	fill(head, sizeof(head), 6);
	xasprintf(&dst, "%s/dst", dir);
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		size_t len = cases[k].len == COPY_WHOLE ? n : (size_t)cases[k].len;

		memcpy(want, data, len);
		memcpy(want, head, cases[k].head_len);
		for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
			struct copy_file f = { .src = src, .dst = dst, .len = cases[k].len,
					       .head = head, .head_len = cases[k].head_len };
			char *cause = NULL;

			CU_ASSERT_EQUAL_FATAL(copy_files(&f, 1, &opts[i], &cause), 0);
			CU_ASSERT_EQUAL(f.size, len);
			CU_ASSERT_EQUAL(f.xxh3, XXH3_64bits(want, len));
			CU_ASSERT(has_content(dst, want, len));
			CU_ASSERT_EQUAL(strcmp(f.how, "reflink") == 0, cases[k].cloned);
			CU_ASSERT_FATAL(unlink(dst) == 0);
		}
	}
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(dst);
	free(data);
	free(want);
}

/* CHAINBOX_NO_URING=1 gives read/write, as no_uring does. */
static void
test_copy_env_no_uring(void)
{
	char *dir = harness_tmpdir(), *src = make_file(dir, "src", 10, 1, NULL), *dst;
	struct copy_file f = { .len = COPY_WHOLE };
	char *cause = NULL;

	xasprintf(&dst, "%s/dst", dir);
	f.src = src;
	f.dst = dst;
	setenv("CHAINBOX_NO_URING", "1", 1);
	CU_ASSERT_EQUAL(copy_files(&f, 1, &variants[0].o, &cause), 0);
	unsetenv("CHAINBOX_NO_URING");
	CU_ASSERT_STRING_EQUAL(f.how, "read/write");
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(dst);
}

/* Asserts a failure: rc, a cause that contains both strings, and no dst
 * left of the n files. */
static void
check_failed(int rc, char *cause, int want_rc, const char *s1, const char *s2,
	     const struct copy_file *f, size_t n, const char *variant)
{
	CU_ASSERT_EQUAL(rc, want_rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (rc != want_rc || strstr(cause, s1) == NULL || strstr(cause, s2) == NULL)
		printf("\n  %s: rc %d, cause \"%s\" ", variant, rc, cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, s1));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, s2));
	for (size_t k = 0; k < n; k++)
		CU_ASSERT(!exists(f[k].dst));
	free(cause);
}

/* A src shorter than len is refused, naming src, and the files copied
 * before it in the same call are removed. */
static void
test_copy_src_short(void)
{
	char *dir = harness_tmpdir(), *ok = make_file(dir, "ok", 5000, 1, NULL);
	char *short_ = make_file(dir, "short", 5000, 2, NULL), *d1, *d2;

	xasprintf(&d1, "%s/d1", dir);
	xasprintf(&d2, "%s/d2", dir);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f[2] = { { .src = ok, .dst = d1, .len = COPY_WHOLE },
					  { .src = short_, .dst = d2, .len = 5001 } };
		char *cause = NULL;
		int rc = copy_files(f, 2, &variants[i].o, &cause);

		check_failed(rc, cause, -ENODATA, short_, "shorter than expected", f, 2,
			     variants[i].name);
	}
	harness_rmtree(dir);
	free(dir);
	free(ok);
	free(short_);
	free(d1);
	free(d2);
}

#define NMID 100

/* A failure in the middle of a call, with files before it done and others
 * in flight, removes every dst of the call. */
static void
test_copy_fail_midway(void)
{
	char *dir = harness_tmpdir(), *src[NMID], *dst[NMID];
	struct copy_file f[NMID];

	for (size_t k = 0; k < NMID; k++) {
		char name[16];

		snprintf(name, sizeof(name), "s%zu", k);
		src[k] = make_file(dir, name, 200000, k, NULL);
		xasprintf(&dst[k], "%s/d%zu", dir, k);
	}
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		char *cause = NULL;
		int rc;

		for (size_t k = 0; k < NMID; k++)
			f[k] = (struct copy_file){ .src = src[k], .dst = dst[k], .len = COPY_WHOLE };
		f[60].len = 200001;
		rc = copy_files(f, NMID, &variants[i].o, &cause);
		check_failed(rc, cause, -ENODATA, src[60], "shorter than expected", f, NMID,
			     variants[i].name);
	}
	for (size_t k = 0; k < NMID; k++) {
		free(src[k]);
		free(dst[k]);
	}
	harness_rmtree(dir);
	free(dir);
}

/* An existing dst is refused and left alone; the other dsts of the call
 * are removed. */
static void
test_copy_dst_exists(void)
{
	char *dir = harness_tmpdir(), *src = make_file(dir, "src", 3000, 1, NULL), *d1;
	uint8_t *old;
	char *d2 = make_file(dir, "d2", 77, 9, &old);

	xasprintf(&d1, "%s/d1", dir);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f[2] = { { .src = src, .dst = d1, .len = COPY_WHOLE },
					  { .src = src, .dst = d2, .len = COPY_WHOLE } };
		char *cause = NULL;
		int rc = copy_files(f, 2, &variants[i].o, &cause);

		check_failed(rc, cause, -EEXIST, d2, "File exists", f, 1, variants[i].name);
		CU_ASSERT(has_content(d2, old, 77));
	}
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(d1);
	free(d2);
	free(old);
}

/* A missing src, a src that is a directory, a dst in a missing
 * directory. */
static void
test_copy_open_errors(void)
{
	char *dir = harness_tmpdir(), *src = make_file(dir, "src", 10, 1, NULL);
	char *missing, *dst, *baddst;

	xasprintf(&missing, "%s/missing", dir);
	xasprintf(&dst, "%s/dst", dir);
	xasprintf(&baddst, "%s/nodir/dst", dir);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f = { .src = missing, .dst = dst, .len = COPY_WHOLE };
		char *cause = NULL;
		int rc = copy_files(&f, 1, &variants[i].o, &cause);

		check_failed(rc, cause, -ENOENT, missing, "No such file", &f, 1, variants[i].name);
		f.src = dir;
		cause = NULL;
		rc = copy_files(&f, 1, &variants[i].o, &cause);
		check_failed(rc, cause, -EINVAL, dir, "not a regular file", &f, 1,
			     variants[i].name);
		f.src = src;
		f.dst = baddst;
		cause = NULL;
		rc = copy_files(&f, 1, &variants[i].o, &cause);
		check_failed(rc, cause, -ENOENT, baddst, "cannot create", &f, 1, variants[i].name);
	}
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(missing);
	free(dst);
	free(baddst);
}

/* A head replaces dst's first bytes, across block boundaries too, and the
 * checksum is that of dst; a head longer than the copy is refused. */
static void
test_copy_head(void)
{
	static const struct {
		size_t head_len;
		uint64_t len;
	} cases[] = { { 0, COPY_WHOLE }, { 1, COPY_WHOLE }, { 2500, COPY_WHOLE }, { 2500, 4000 },
		      { 5000, COPY_WHOLE }, { 4000, 4000 } };
	char *dir = harness_tmpdir(), *dst;
	uint8_t *data, head[5000], want[5000];
	char *src = make_file(dir, "src", sizeof(want), 1, &data);

	fill(head, sizeof(head), 99);
	xasprintf(&dst, "%s/dst", dir);
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		size_t n = cases[k].len == COPY_WHOLE ? sizeof(want) : (size_t)cases[k].len;

		memcpy(want, data, n);
		memcpy(want, head, cases[k].head_len);
		for (size_t i = 0; i <= ARRAY_SIZE(variants); i++) {
			struct copy_file f = { .src = src, .dst = dst, .len = cases[k].len, .head = head,
					       .head_len = cases[k].head_len };
			char *cause = NULL;

			/* The last round has the defaults, reflinks included. */
			CU_ASSERT_EQUAL_FATAL(copy_files(&f, 1, i < ARRAY_SIZE(variants)
								? &variants[i].o : NULL, &cause), 0);
			CU_ASSERT_EQUAL(f.size, n);
			CU_ASSERT_EQUAL(f.xxh3, XXH3_64bits(want, n));
			CU_ASSERT(has_content(dst, want, n));
			CU_ASSERT_FATAL(unlink(dst) == 0);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f = { .src = src, .dst = dst, .len = 100, .head = head,
				       .head_len = 101 };
		char *cause = NULL;
		int rc = copy_files(&f, 1, &variants[i].o, &cause);

		check_failed(rc, cause, -EINVAL, dst, "longer than the copy", &f, 1,
			     variants[i].name);
	}
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(dst);
	free(data);
}

/* A write past RLIMIT_FSIZE fails with EFBIG (SIGXFSZ ignored), which is
 * how a full disk looks to the copy: the error names dst, and every dst of
 * the call, the partial one included, is removed. */
static void
test_copy_efbig(void)
{
	char *dir = harness_tmpdir(), *small = make_file(dir, "small", 1000, 1, NULL);
	char *big = make_file(dir, "big", 1024 * 1024, 2, NULL), *d1, *d2;
	struct rlimit old, lim;

	xasprintf(&d1, "%s/d1", dir);
	xasprintf(&d2, "%s/d2", dir);
	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f[2] = { { .src = small, .dst = d1, .len = COPY_WHOLE },
					  { .src = big, .dst = d2, .len = COPY_WHOLE } };
		char *cause = NULL;
		int rc = copy_files(f, 2, &variants[i].o, &cause);

		check_failed(rc, cause, -EFBIG, "cannot write", d2, f, 2, variants[i].name);
	}
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_DFL);
	harness_rmtree(dir);
	free(dir);
	free(small);
	free(big);
	free(d1);
	free(d2);
}

static bool
write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd != -1 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd != -1)
		close(fd);
	return ok;
}

#define SKIP 77

/* In a child with its own mount namespace (a user namespace too when not
 * privileged): a 256 KiB tmpfs at mnt, and a 1 MiB copy into it.
 * Returns: the exit status: 0, 1 when a check failed, SKIP when the
 * namespace or the mount is not allowed here. */
static int
enospc_child(const char *src, const char *mnt)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64], *dst;
	int failed = 0;

	if (unshare(CLONE_NEWNS) == -1) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1)
			return SKIP;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (!write_proc("/proc/self/uid_map", map) ||
		    !write_proc("/proc/self/setgroups", "deny"))
			return SKIP;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (!write_proc("/proc/self/gid_map", map))
			return SKIP;
	}
	/* "none": ignored here, but valgrind checks the strings. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=256k") == -1)
		return SKIP;
	xasprintf(&dst, "%s/dst", mnt);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct copy_file f = { .src = src, .dst = dst, .len = COPY_WHOLE };
		char *cause = NULL;
		int rc = copy_files(&f, 1, &variants[i].o, &cause);

		if (rc != -ENOSPC || cause == NULL || strstr(cause, dst) == NULL ||
		    strstr(cause, "No space left on device") == NULL || exists(dst)) {
			printf("\n  %s: rc %d, cause \"%s\" ", variants[i].name, rc,
			       cause != NULL ? cause : "(none)");
			failed = 1;
		}
		free(cause);
	}
	free(dst);
	return failed;
}

/* A real full disk, where a tmpfs can be mounted. */
static void
test_copy_enospc(void)
{
	char *dir = harness_tmpdir(), *src = make_file(dir, "src", 1024 * 1024, 3, NULL), *mnt;
	int status;
	pid_t pid;

	xasprintf(&mnt, "%s/mnt", dir);
	CU_ASSERT_FATAL(mkdir(mnt, 0755) == 0);
	fflush(stdout);
	pid = fork();
	CU_ASSERT_FATAL(pid != -1);
	if (pid == 0) {
		int st = enospc_child(src, mnt);

		fflush(stdout);
		free(dir);
		free(src);
		free(mnt);
		_exit(st);
	}
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP)
		printf("\n  (skipped: cannot mount a tmpfs here) ");
	else
		CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(mnt);
}

/* copy_checksum() agrees with XXH3_64bits() on both paths, and names the
 * file it cannot read. */
static void
test_copy_checksum(void)
{
	static const size_t sizes[] = { 0, 1, COPY_BLOCK + 1, 3 * 1024 * 1024 + 5 };
	char *dir = harness_tmpdir(), *missing;

	xasprintf(&missing, "%s/missing", dir);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint8_t *data;
		char *path = make_file(dir, "f", sizes[s], s, &data);

		for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
			uint64_t size = 1, xxh3 = 0;
			char *cause = NULL;

			CU_ASSERT_EQUAL(copy_checksum(path, &size, &xxh3, &variants[i].o, &cause), 0);
			CU_ASSERT_EQUAL(size, sizes[s]);
			CU_ASSERT_EQUAL(xxh3, XXH3_64bits(data, sizes[s]));
		}
		free(path);
		free(data);
	}
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		uint64_t size, xxh3;
		char *cause = NULL;

		CU_ASSERT_EQUAL(copy_checksum(missing, &size, &xxh3, &variants[i].o, &cause),
				-ENOENT);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, missing));
		free(cause);
		cause = NULL;
		CU_ASSERT_EQUAL(copy_checksum(dir, &size, &xxh3, &variants[i].o, &cause), -EINVAL);
		free(cause);
	}
	harness_rmtree(dir);
	free(dir);
	free(missing);
}

struct progress {
	unsigned calls;
	uint64_t last_done, last_total;
	bool backwards;
};

static void
on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;

	if (done < p->last_done || done > total)
		p->backwards = true;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

/* Progress never goes back and ends with done == total == the bytes. */
static void
test_copy_progress(void)
{
	char *dir = harness_tmpdir(), *s1 = make_file(dir, "s1", 3 * 1024 * 1024, 1, NULL);
	char *s2 = make_file(dir, "s2", 12345, 2, NULL), *d1, *d2;

	xasprintf(&d1, "%s/d1", dir);
	xasprintf(&d2, "%s/d2", dir);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct progress p = { 0 };
		struct copy_options o = variants[i].o;
		struct copy_file f[2] = { { .src = s1, .dst = d1, .len = COPY_WHOLE },
					  { .src = s2, .dst = d2, .len = 1000 } };
		char *cause = NULL;

		o.progress = on_progress;
		o.arg = &p;
		CU_ASSERT_EQUAL_FATAL(copy_files(f, 2, &o, &cause), 0);
		CU_ASSERT(p.calls >= 1);
		CU_ASSERT(!p.backwards);
		CU_ASSERT_EQUAL(p.last_done, 3 * 1024 * 1024 + 1000);
		CU_ASSERT_EQUAL(p.last_total, 3 * 1024 * 1024 + 1000);
		unlink(d1);
		unlink(d2);
	}
	harness_rmtree(dir);
	free(dir);
	free(s1);
	free(s2);
	free(d1);
	free(d2);
}

/* Runs first: finds out whether this kernel gives us io_uring, so that
 * the tests expect "read/write" where it does not (seccomp, the
 * kernel.io_uring_disabled sysctl). */
static void
test_copy_uring_or_fallback(void)
{
	char *dir = harness_tmpdir(), *src = make_file(dir, "src", 1, 1, NULL), *dst;
	struct copy_file f = { .len = COPY_WHOLE };
	char *cause = NULL;

	xasprintf(&dst, "%s/dst", dir);
	f.src = src;
	f.dst = dst;
	CU_ASSERT_EQUAL_FATAL(copy_files(&f, 1, &variants[0].o, &cause), 0);
	CU_ASSERT(strcmp(f.how, "io_uring") == 0 || strcmp(f.how, "read/write") == 0);
	if (strcmp(f.how, "read/write") == 0) {
		printf("\n  (io_uring unavailable: its tests run read/write) ");
		uring_refused = true;
	}
	harness_rmtree(dir);
	free(dir);
	free(src);
	free(dst);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_copy_uring_or_fallback),
		HARNESS_TEST(test_copy_empty),
		HARNESS_TEST(test_copy_one_byte),
		HARNESS_TEST(test_copy_block_boundaries),
		HARNESS_TEST(test_copy_64mib),
		HARNESS_TEST(test_copy_prefix),
		HARNESS_TEST(test_copy_many_small),
		HARNESS_TEST(test_copy_defaults),
		HARNESS_TEST(test_copy_reflink),
		HARNESS_TEST(test_copy_env_no_uring),
		HARNESS_TEST(test_copy_src_short),
		HARNESS_TEST(test_copy_fail_midway),
		HARNESS_TEST(test_copy_dst_exists),
		HARNESS_TEST(test_copy_open_errors),
		HARNESS_TEST(test_copy_head),
		HARNESS_TEST(test_copy_efbig),
		HARNESS_TEST(test_copy_enospc),
		HARNESS_TEST(test_copy_checksum),
		HARNESS_TEST(test_copy_progress),
		HARNESS_END,
	};

	log_set_level(LOG_ERROR);
	unsetenv("CHAINBOX_NO_URING");
	return harness_run("copy", tests);
}
