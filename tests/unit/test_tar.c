/* Tests for orchestrator/tar.c: archives written plainly and through gzip
 * and read back, long paths, the errors tar_next() documents, sticky write
 * errors, and, where a tar program is installed, that it lists what was
 * written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "tar.h"
#include "xalloc.h"

#define MTIME 1700000000

struct member {
	const char *path;
	size_t size;
};

static const struct member members[] = {
	{ "empty", 0 },
	{ "dir/one-block", TAR_BLOCK },
	{ "dir/sub/odd.bin", 3 * TAR_BLOCK + 17 },
	{ "logs/validator-1.log.1", 1 },
};

static char *tmp;

/* Returns: a new file in tmp, open for reading and writing. */
static int
scratch(const char *name)
{
	char *path;
	int fd;

	xasprintf(&path, "%s/%s", tmp, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	CU_ASSERT_FATAL(fd >= 0);
	return fd;
}

/* Member i's byte at offset k: different in every member and position. */
static uint8_t
byte_at(size_t i, size_t k)
{
	return (uint8_t)(i * 31 + k * 7 + k / 251);
}

/* Writes members[] to fd and ends the archive. */
static void
write_members(int fd, bool gzip)
{
	struct tar_writer *w = tar_writer_new(fd, gzip);

	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		uint8_t *data = xmalloc(members[i].size + 1);

		for (size_t k = 0; k < members[i].size; k++)
			data[k] = byte_at(i, k);
		CU_ASSERT_EQUAL(tar_write_header(w, members[i].path, members[i].size, MTIME, 0644),
				0);
		/* The data in two writes, as a caller copying a file does. */
		CU_ASSERT_EQUAL(tar_write(w, data, members[i].size / 2), 0);
		CU_ASSERT_EQUAL(tar_write(w, data + members[i].size / 2,
					  members[i].size - members[i].size / 2), 0);
		CU_ASSERT_EQUAL(tar_write_pad(w, members[i].size), 0);
		free(data);
	}
	CU_ASSERT_EQUAL(tar_write_end(w), 0);
	tar_writer_free(w);
}

/* Reads members[] back from fd, at its start, through the archive's end. */
static void
read_members(int fd)
{
	char path[TAR_PATH_MAX];
	uint64_t size;

	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		uint8_t *data = xmalloc(members[i].size + 1);

		CU_ASSERT_EQUAL_FATAL(tar_next(fd, path, &size), 1);
		CU_ASSERT_STRING_EQUAL(path, members[i].path);
		CU_ASSERT_EQUAL(size, members[i].size);
		CU_ASSERT_EQUAL(tar_read(fd, data, members[i].size), 0);
		for (size_t k = 0; k < members[i].size; k++) {
			if (data[k] != byte_at(i, k)) {
				CU_FAIL("a member's data differs");
				break;
			}
		}
		CU_ASSERT_EQUAL(tar_skip_pad(fd, size), 0);
		free(data);
	}
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), 0);
}

/* Returns: the size of the archive members[] makes: a header and whole
 * blocks of data each, and two zero blocks. */
static off_t
archive_size(void)
{
	off_t n = 2 * TAR_BLOCK;

	for (size_t i = 0; i < ARRAY_SIZE(members); i++)
		n += TAR_BLOCK + (off_t)(members[i].size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	return n;
}

/* Returns: whether `tar -t` (with flag, "" or "z") of file lists exactly
 * members[]; true when no tar program is installed. */
static bool
tar_lists(const char *file, const char *flag)
{
	char *cmd, line[512];
	size_t i = 0;
	bool same = true;
	FILE *p;

	if (system("tar --version >/dev/null 2>&1") != 0)
		return true;
	xasprintf(&cmd, "tar -t%sf '%s' 2>&1", flag, file);
	p = popen(cmd, "r");
	free(cmd);
	CU_ASSERT_FATAL(p != NULL);
	while (fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (i >= ARRAY_SIZE(members) || strcmp(line, members[i].path) != 0)
			same = false;
		i++;
	}
	return pclose(p) == 0 && same && i == ARRAY_SIZE(members);
}

static void
test_tar_plain_roundtrip(void)
{
	int fd = scratch("plain.tar");
	struct stat st;
	char *path;

	write_members(fd, false);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, archive_size());
	read_members(fd);
	close(fd);
	xasprintf(&path, "%s/plain.tar", tmp);
	CU_ASSERT(tar_lists(path, ""));
	free(path);
}

static void
test_tar_gzip_roundtrip(void)
{
	int fd = scratch("logs.tar.gz"), out = scratch("unzipped.tar");
	uint8_t magic[2], buf[4096];
	char *path;
	gzFile gz;
	int n;

	write_members(fd, true);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(read(fd, magic, 2), 2);
	CU_ASSERT(magic[0] == 0x1f && magic[1] == 0x8b);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	gz = gzdopen(dup(fd), "rb");
	CU_ASSERT_FATAL(gz != NULL);
	while ((n = gzread(gz, buf, sizeof buf)) > 0)
		CU_ASSERT_EQUAL(write(out, buf, (size_t)n), n);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(gzclose(gz), Z_OK);
	CU_ASSERT_EQUAL(lseek(out, 0, SEEK_CUR), archive_size());
	read_members(out);
	close(out);
	close(fd);
	xasprintf(&path, "%s/logs.tar.gz", tmp);
	CU_ASSERT(tar_lists(path, "z"));
	free(path);
}

/* Paths of 100 bytes and more go in the prefix field, split at a '/'. */
static void
test_tar_long_paths(void)
{
	char long_ok[256], no_slash[120], too_long[300], path[TAR_PATH_MAX];
	struct tar_writer *w;
	uint64_t size;
	int fd = scratch("long.tar");

	memset(long_ok, 'a', sizeof long_ok - 1);
	long_ok[sizeof long_ok - 1] = '\0';
	long_ok[154] = '/';
	memset(no_slash, 'b', sizeof no_slash - 1);
	no_slash[sizeof no_slash - 1] = '\0';
	memset(too_long, 'c', sizeof too_long - 1);
	too_long[sizeof too_long - 1] = '\0';
	too_long[100] = '/';
	too_long[200] = '/';

	w = tar_writer_new(fd, false);
	CU_ASSERT_EQUAL(tar_write_header(w, no_slash, 0, MTIME, 0644), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(tar_write_header(w, too_long, 0, MTIME, 0644), -ENAMETOOLONG);
	/* Nothing was written, and the error does not stick. */
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_CUR), 0);
	CU_ASSERT_EQUAL(tar_write_header(w, long_ok, 2, MTIME, 0644), 0);
	CU_ASSERT_EQUAL(tar_write(w, "hi", 2), 0);
	CU_ASSERT_EQUAL(tar_write_pad(w, 2), 0);
	CU_ASSERT_EQUAL(tar_write_end(w), 0);
	tar_writer_free(w);

	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), 1);
	CU_ASSERT_STRING_EQUAL(path, long_ok);
	CU_ASSERT_EQUAL(size, 2);
	close(fd);
}

/* Writes one header of path into fd, with h[off] set to v (and the
 * checksum made right again when fix). */
static void
write_altered(int fd, size_t off, uint8_t v, bool fix)
{
	struct tar_writer *w = tar_writer_new(fd, false);
	uint8_t h[TAR_BLOCK];
	unsigned sum = 0;

	CU_ASSERT_EQUAL(tar_write_header(w, "x", 0, MTIME, 0644), 0);
	tar_writer_free(w);
	CU_ASSERT_FATAL(pread(fd, h, TAR_BLOCK, 0) == TAR_BLOCK);
	h[off] = v;
	if (fix) {
		memset(h + 148, ' ', 8);
		for (int i = 0; i < TAR_BLOCK; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
	}
	CU_ASSERT_FATAL(pwrite(fd, h, TAR_BLOCK, 0) == TAR_BLOCK);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
}

static void
test_tar_next_errors(void)
{
	char path[TAR_PATH_MAX];
	uint8_t buf[TAR_BLOCK];
	uint64_t size;
	int fd;

	fd = scratch("empty.tar");
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -ENODATA);
	close(fd);

	/* A header cut short, and data and padding that end early. */
	fd = scratch("short.tar");
	CU_ASSERT_FATAL(write(fd, "abc", 3) == 3);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -ENODATA);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(tar_read(fd, buf, 4), -ENODATA);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(tar_skip_pad(fd, 1), -ENODATA);
	CU_ASSERT_EQUAL(tar_skip_pad(fd, TAR_BLOCK), 0);
	close(fd);

	/* Not tar: a block of text. */
	fd = scratch("text.tar");
	memset(buf, 'x', sizeof buf);
	CU_ASSERT_FATAL(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -EBADMSG);
	close(fd);

	/* A damaged header: one byte of its name changed. */
	fd = scratch("damaged.tar");
	write_altered(fd, 0, 'y', false);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -EBADMSG);
	close(fd);

	/* A directory and a symbolic link are not regular files. */
	fd = scratch("dir.tar");
	write_altered(fd, 156, '5', true);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -EMEDIUMTYPE);
	close(fd);
	fd = scratch("link.tar");
	write_altered(fd, 156, '2', true);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -EMEDIUMTYPE);
	close(fd);

	/* A read error: fd open for writing only. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(tar_next(fd, path, &size), -EBADF);
	close(fd);
}

/* The first failed write's error sticks, plainly and through gzip. */
static void
test_tar_write_error_sticks(void)
{
	struct tar_writer *w;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return; /* no /dev/full here */
	w = tar_writer_new(fd, false);
	CU_ASSERT_EQUAL(tar_write_header(w, "a", 1, MTIME, 0644), -ENOSPC);
	CU_ASSERT_EQUAL(tar_write(w, "x", 1), -ENOSPC);
	CU_ASSERT_EQUAL(tar_write_pad(w, 1), -ENOSPC);
	CU_ASSERT_EQUAL(tar_write_header(w, "b", 0, MTIME, 0644), -ENOSPC);
	CU_ASSERT_EQUAL(tar_write_end(w), -ENOSPC);
	tar_writer_free(w);

	/* gzip may hold writes back: the error comes when output does, at
	 * the latest at the end. */
	w = tar_writer_new(fd, true);
	rc = tar_write_header(w, "a", 1, MTIME, 0644);
	CU_ASSERT(rc == 0 || rc == -ENOSPC);
	rc = tar_write(w, "x", 1);
	CU_ASSERT(rc == 0 || rc == -ENOSPC);
	CU_ASSERT_EQUAL(tar_write_end(w), -ENOSPC);
	CU_ASSERT_EQUAL(tar_write_pad(w, 1), -ENOSPC);
	tar_writer_free(w);
	close(fd);
}

static void
test_tar_writer_free_null(void)
{
	tar_writer_free(NULL);
	tar_writer_free(tar_writer_new(-1, true));
	CU_PASS("freeing NULL and an unused writer");
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_tar_plain_roundtrip),
		HARNESS_TEST(test_tar_gzip_roundtrip),
		HARNESS_TEST(test_tar_long_paths),
		HARNESS_TEST(test_tar_next_errors),
		HARNESS_TEST(test_tar_write_error_sticks),
		HARNESS_TEST(test_tar_writer_free_null),
		HARNESS_END,
	};
	int rc;

	tmp = harness_tmpdir();
	rc = harness_run("tar", tests);
	harness_rmtree(tmp);
	free(tmp);
	return rc;
}
