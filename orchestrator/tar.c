/* Tar archives of regular files (see tar.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>

#include "tar.h"
#include "xalloc.h"

/* gzip's output goes to the fd in pieces of this size. */
#define GZ_CHUNK (64 * 1024)
/* deflate() takes at most this much input at a time (avail_in is a uInt). */
#define GZ_MAX_IN (1u << 30)

struct tar_writer {
	int fd;
	bool gzip;
	int err; /* the first write error, sticky */
	z_stream z;
	uint8_t *out; /* gzip's output buffer */
};

static const uint8_t zeros[2 * TAR_BLOCK];

/* Writes all of buf to fd.  Returns: 0 or -errno. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EIO : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* zlib allocates through the x allocators, so that deflateInit2() cannot
 * fail for want of memory. */
static voidpf
gz_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return xcalloc(items, size);
}

static void
gz_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

struct tar_writer *
tar_writer_new(int fd, bool gzip)
{
	struct tar_writer *w = xcalloc(1, sizeof(*w));

	w->fd = fd;
	w->gzip = gzip;
	if (gzip) {
		w->z.zalloc = gz_alloc;
		w->z.zfree = gz_free;
		/* 15 + 16: a 32 KiB window, and a gzip header and trailer
		 * rather than zlib's. */
		if (deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			BUG("deflateInit2 refused its constant arguments");
		w->out = xmalloc(GZ_CHUNK);
	}
	return w;
}

void
tar_writer_free(struct tar_writer *w)
{
	if (w == NULL)
		return;
	if (w->gzip)
		deflateEnd(&w->z);
	free(w->out);
	free(w);
}

/* Feeds len bytes to deflate with flush, writing what comes out.
 * Returns: 0 or -errno. */
static int
gz_put(struct tar_writer *w, const void *buf, size_t len, int flush)
{
	const uint8_t *p = buf;
	int zrc, rc;

	do {
		size_t in = len < GZ_MAX_IN ? len : GZ_MAX_IN;
		int f = in == len ? flush : Z_NO_FLUSH;

		w->z.next_in = p;
		w->z.avail_in = (uInt)in;
		/* As zlib's zpipe.c: run deflate until it leaves room in
		 * the output, which means it took all the input; to the
		 * stream's end when finishing. */
		do {
			size_t have;

			w->z.next_out = w->out;
			w->z.avail_out = GZ_CHUNK;
			zrc = deflate(&w->z, f);
			if (zrc == Z_STREAM_ERROR)
				BUG("deflate's stream is inconsistent");
			have = GZ_CHUNK - w->z.avail_out;
			if (have > 0 && (rc = write_all(w->fd, w->out, have)) != 0)
				return rc;
		} while (w->z.avail_out == 0 || (f == Z_FINISH && zrc != Z_STREAM_END));
		p += in;
		len -= in;
	} while (len > 0);
	return 0;
}

/* Appends len bytes to the archive, or returns the sticky error. */
static int
put(struct tar_writer *w, const void *buf, size_t len)
{
	if (w->err == 0)
		w->err = w->gzip ? gz_put(w, buf, len, Z_NO_FLUSH) : write_all(w->fd, buf, len);
	return w->err;
}

/* Writes v to a header field of width bytes: width - 1 octal digits and a
 * NUL, as tar writes them. */
static void
octal(uint8_t *field, size_t width, uint64_t v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i > 0; i--, v >>= 3)
		field[i - 1] = (uint8_t)('0' + (v & 7));
}

/* Fills a ustar header for a regular file.  Returns: 0, or -ENAMETOOLONG
 * for a path that fits neither the name field nor prefix/name. */
static int
fill_header(uint8_t h[TAR_BLOCK], const char *path, uint64_t size, time_t mtime, unsigned mode)
{
	size_t len = strlen(path), split = 0;
	unsigned sum = 0;

	memset(h, 0, TAR_BLOCK);
	if (len > 100) {
		/* The first '/' that leaves a name of at most 100 bytes. */
		const char *s = strchr(path + len - 101, '/');

		if (s == NULL || s == path || (size_t)(s - path) > 155 || s[1] == '\0')
			return -ENAMETOOLONG;
		split = (size_t)(s - path);
		memcpy(h + 345, path, split);
		path += split + 1;
		len -= split + 1;
	}
	memcpy(h, path, len);
	octal(h + 100, 8, mode & 07777);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	if (size < (uint64_t)1 << 33) {
		octal(h + 124, 12, size);
	} else {
		/* GNU's base-256 for sizes of 8 GiB and more. */
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (uint8_t)(size >> (8 * i));
	}
	/* Eleven octal digits reach the year 6053. */
	octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
	return 0;
}

int
tar_write_header(struct tar_writer *w, const char *path, uint64_t size, time_t mtime,
		 unsigned mode)
{
	uint8_t h[TAR_BLOCK];
	int rc;

	if (w->err != 0)
		return w->err;
	if ((rc = fill_header(h, path, size, mtime, mode)) != 0)
		return rc;
	return put(w, h, TAR_BLOCK);
}

int
tar_write(struct tar_writer *w, const void *buf, size_t len)
{
	return put(w, buf, len);
}

int
tar_write_pad(struct tar_writer *w, uint64_t size)
{
	if (size % TAR_BLOCK == 0)
		return w->err;
	return put(w, zeros, TAR_BLOCK - size % TAR_BLOCK);
}

int
tar_write_end(struct tar_writer *w)
{
	if (put(w, zeros, sizeof zeros) == 0 && w->gzip)
		w->err = gz_put(w, NULL, 0, Z_FINISH);
	return w->err;
}

int
tar_read(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tar_next(int fd, char path[TAR_PATH_MAX], uint64_t *size)
{
	uint8_t h[TAR_BLOCK];
	unsigned sum = 0, want;
	char field[13];
	int rc = tar_read(fd, h, TAR_BLOCK);

	if (rc != 0)
		return rc;
	if (memcmp(h, zeros, TAR_BLOCK) == 0)
		return 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	memcpy(field, h + 148, 8);
	field[8] = '\0';
	want = (unsigned)strtoul(field, NULL, 8);
	if (sum != want || memcmp(h + 257, "ustar", 5) != 0)
		return -EBADMSG;
	if (h[156] != '0' && h[156] != '\0')
		return -EMEDIUMTYPE;
	if (h[124] & 0x80) {
		*size = 0;
		for (int i = 128; i < 136; i++)
			*size = *size << 8 | h[i];
	} else {
		memcpy(field, h + 124, 12);
		field[12] = '\0';
		*size = strtoull(field, NULL, 8);
	}
	snprintf(path, TAR_PATH_MAX, "%.155s%s%.100s", (char *)h + 345, h[345] ? "/" : "", (char *)h);
	return 1;
}

int
tar_skip_pad(int fd, uint64_t size)
{
	uint8_t pad[TAR_BLOCK];

	if (size % TAR_BLOCK == 0)
		return 0;
	return tar_read(fd, pad, TAR_BLOCK - size % TAR_BLOCK);
}
