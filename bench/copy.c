/* bench/copy: how fast copy_files() (orchestrator/copy.c) copies a
 * directory, each way it has, beside cp -a and tar | tar.  It prints
 * figures; it is not a test and passes or fails nothing.
 *
 *   bench/copy [--runs N] [--dir DIR] --make SIZE
 *	makes a source tree in DIR: big/ with one file of SIZE (4G, 256M,
 *	64K or bytes) and small/ with 1000 files of 4 KiB, and times each
 *	of the two (--only big or --only small: one of them);
 *   bench/copy [--runs N] [--dir DIR] SRCDIR
 *	times copies of SRCDIR (regular files and directories; anything else
 *	is skipped);
 *   --tune	also tries io_uring depths 8/16/32/64 with 128K/256K/1M blocks;
 *   --sweep	also times io_uring, read/write and copy_file_range with its
 *		checksum pass on files of 4 KiB to 64 MiB (32 MiB, at most 4096
 *		files, of each size), which is what COPY_CFR_MIN (never) comes
 *		from.
 *
 * Every method runs --runs times (5 by default) in rotating order, into a
 * new directory each time, and the medians are printed: wall seconds, MiB/s
 * (bytes of the files over wall time), the speed against cp -a (above 1:
 * faster), and CPU seconds (ours and our children's: cp and tar, and the
 * io_uring workers).  A copy_files() run includes walking the tree and
 * creating its directories, as cp does.  Nothing is fsynced except by
 * "defaults+fsync", which is copy_files() as a snapshot calls it.
 *
 * The figures are for cached files: every source is read once before the
 * runs, and the page cache cannot be dropped on a shared machine.  Copies
 * of files of 1 MiB or more are removed right after their run (to bound the
 * space used); smaller ones are kept until the end, because ext4 without a
 * journal avoids reusing inodes freed in the last minute, which made
 * copies of many small files 2-5 times slower
 * (shared/reference/sandbox-and-io_uring.md, B.2). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "copy.h"
#include "log.h"
#include "xalloc.h"

#define EXIT_USAGE 2
#define TMPFS_MAGIC_ 0x01021994
#define MIB (1024.0 * 1024.0)
#define RUNS_MAX 64
/* Copies of files this large are removed right after their run. */
#define KEEP_BELOW (1024 * 1024)
#define SMALL_FILES 1000
#define SMALL_SIZE 4096
/* --sweep copies this much of each size, in at most SWEEP_FILES files:
 * more dirty pages would have the kernel's writeback throttle us. */
#define SWEEP_BYTES (32u << 20)
#define SWEEP_FILES 4096u

enum shell { NOT_SHELL, CP_A, TAR_TAR };

struct method {
	const char *name;
	enum shell shell;
	struct copy_options o;
};

static const struct method methods[] = {
	{ "io_uring", NOT_SHELL, { .cfr_min = UINT64_MAX, .no_fsync = true } },
	{ "read/write", NOT_SHELL, { .no_uring = true, .cfr_min = UINT64_MAX, .no_fsync = true } },
	{ "cfr+checksum", NOT_SHELL, { .cfr_min = 1, .no_fsync = true } },
	{ "cfr+read", NOT_SHELL, { .no_uring = true, .cfr_min = 1, .no_fsync = true } },
	{ "io_uring+fsync", NOT_SHELL, { .cfr_min = UINT64_MAX } },
	{ "cfr+fsync", NOT_SHELL, { .cfr_min = 1 } },
	{ "defaults+fsync", NOT_SHELL, { 0 } },
	{ "cp -a", CP_A, { 0 } },
	{ "tar|tar", TAR_TAR, { 0 } },
};
#define M_CP 7 /* the reference for the ratios */

struct result {
	double wall, cpu;
};

static char *workdir;
static unsigned serial; /* names the copies */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Returns: CPU seconds of this process (io_uring workers included) and of
 * its waited-for children. */
static double
cpu_s(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return tv_s(self.ru_utime) + tv_s(self.ru_stime) + tv_s(kids.ru_utime) +
	       tv_s(kids.ru_stime);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Returns: path in single quotes for sh (caller frees). */
static char *
shell_quote(const char *path)
{
	char *q = xmalloc(strlen(path) * 4 + 3), *p = q;

	*p++ = '\'';
	for (; *path != '\0'; path++) {
		if (*path == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *path;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

static void
run_shell(const char *name, const char *cmd)
{
	int st = system(cmd);

	if (st != 0) {
		fprintf(stderr, "bench/copy: %s failed (status %d): %s\n", name, st, cmd);
		exit(1);
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) == -1 && errno != ENOENT)
		fprintf(stderr, "bench/copy: cannot remove '%s': %s\n", path, strerror(errno));
	return 0;
}

static void
rmtree(const char *path)
{
	nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

static int
rm_big(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F && st->st_size >= KEEP_BELOW)
		unlink(path);
	return 0;
}

/* The tree being walked by collect(), for nftw's callback. */
static struct {
	const char *src, *dst;
	size_t srclen;
	struct copy_file *files;
	size_t n, cap;
	uint64_t bytes;
	bool mkdirs;
} walk;

static int
collect_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char *dst;

	if (flag != FTW_F && flag != FTW_D)
		return 0;
	if (flag == FTW_F && !S_ISREG(st->st_mode))
		return 0;
	xasprintf(&dst, "%s%s", walk.dst, path + walk.srclen);
	if (flag == FTW_D) {
		if (walk.mkdirs && mkdir(dst, 0755) == -1) {
			fprintf(stderr, "bench/copy: cannot create '%s': %s\n", dst, strerror(errno));
			exit(1);
		}
		free(dst);
		return 0;
	}
	if (walk.n == walk.cap) {
		walk.cap = walk.cap * 2 + 64;
		walk.files = xreallocarray(walk.files, walk.cap, sizeof(*walk.files));
	}
	memset(&walk.files[walk.n], 0, sizeof(walk.files[0]));
	walk.files[walk.n].src = xstrdup(path);
	walk.files[walk.n].dst = dst;
	walk.files[walk.n].len = COPY_WHOLE;
	walk.n++;
	walk.bytes += (uint64_t)st->st_size;
	return 0;
}

/* Lists the regular files under src, with their paths under dst, and
 * creates dst's directories when mkdirs is set.  Returns: the files
 * (free with free_files()); *n of them, *bytes in all. */
static struct copy_file *
collect(const char *src, const char *dst, bool mkdirs, size_t *n, uint64_t *bytes)
{
	memset(&walk, 0, sizeof(walk));
	walk.src = src;
	walk.dst = dst;
	walk.srclen = strlen(src);
	walk.mkdirs = mkdirs;
	if (nftw(src, collect_one, 64, FTW_PHYS) == -1) {
		fprintf(stderr, "bench/copy: cannot walk '%s': %s\n", src, strerror(errno));
		exit(1);
	}
	*n = walk.n;
	*bytes = walk.bytes;
	return walk.files;
}

static void
free_files(struct copy_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)f[i].src);
		free((char *)f[i].dst);
	}
	free(f);
}

/* Out: how, "N way, M way" for the ways the files were copied. */
static void
count_ways(char *how, size_t howlen, const struct copy_file *f, size_t n)
{
	const char *seen[4] = { NULL };
	size_t count[4] = { 0 }, k, off = 0;

	for (size_t i = 0; i < n; i++) {
		for (k = 0; k < 4 && seen[k] != NULL && strcmp(seen[k], f[i].how) != 0; k++)
			;
		if (k < 4) {
			seen[k] = f[i].how;
			count[k]++;
		}
	}
	how[0] = '\0';
	for (k = 0; k < 4 && seen[k] != NULL && off < howlen; k++)
		off += (size_t)snprintf(how + off, howlen - off, "%s%zu %s", k > 0 ? ", " : "",
					count[k], seen[k]);
}

/* Copies src to a new directory with m (and o) and times it.  Out: how,
 * the ways copy_files() took, when it is not NULL. */
static struct result
run_once(const struct method *m, const struct copy_options *o, const char *src, char *how,
	 size_t howlen)
{
	struct copy_file *f = NULL;
	struct result r;
	char *dst, *qs, *qd, *cmd = NULL, *cause = NULL;
	uint64_t bytes;
	size_t n = 0;
	double t0, c0;

	xasprintf(&dst, "%s/out/%u", workdir, serial++);
	qs = shell_quote(src);
	qd = shell_quote(dst);
	if (m->shell == CP_A)
		xasprintf(&cmd, "cp -a %s %s", qs, qd);
	else if (m->shell == TAR_TAR)
		xasprintf(&cmd, "mkdir %s && tar -C %s -cf - . | tar -C %s -xf -", qd, qs, qd);
	c0 = cpu_s();
	t0 = now_s();
	if (cmd != NULL) {
		run_shell(m->name, cmd);
	} else {
		f = collect(src, dst, true, &n, &bytes);
		if (copy_files(f, n, o, &cause) < 0) {
			fprintf(stderr, "bench/copy: %s: %s\n", m->name, cause);
			exit(1);
		}
	}
	r.wall = now_s() - t0;
	r.cpu = cpu_s() - c0;
	if (f != NULL && how != NULL)
		count_ways(how, howlen, f, n);
	free_files(f, n);
	nftw(dst, rm_big, 64, FTW_PHYS);
	free(cmd);
	free(dst);
	free(qs);
	free(qd);
	return r;
}

/* Reads every file under src once, so that all methods find it cached. */
static uint64_t
warm(const char *src, size_t *nfiles)
{
	uint64_t bytes, size, xxh3;
	size_t n;
	struct copy_file *f = collect(src, "", false, &n, &bytes);
	char *cause = NULL;

	for (size_t i = 0; i < n; i++) {
		if (copy_checksum(f[i].src, &size, &xxh3, NULL, &cause) < 0) {
			fprintf(stderr, "bench/copy: %s\n", cause);
			exit(1);
		}
	}
	free_files(f, n);
	*nfiles = n;
	return bytes;
}

/* Times every method on src and prints the table. */
static void
bench_set(const char *label, const char *src, unsigned runs)
{
	size_t nm = ARRAY_SIZE(methods), nfiles;
	static double wall[ARRAY_SIZE(methods)][RUNS_MAX], cpu[ARRAY_SIZE(methods)][RUNS_MAX];
	double med_wall[ARRAY_SIZE(methods)], med_cpu[ARRAY_SIZE(methods)];
	char how[ARRAY_SIZE(methods)][160];
	uint64_t bytes = warm(src, &nfiles);

	printf("\n%s: %s, %zu files, %.1f MiB (cached)\n", label, src, nfiles, (double)bytes / MIB);
	fflush(stdout);
	for (unsigned r = 0; r < runs; r++) {
		for (size_t i = 0; i < nm; i++) {
			size_t m = (i + r) % nm;
			struct result res = run_once(&methods[m], &methods[m].o, src, how[m],
						     sizeof(how[m]));

			wall[m][r] = res.wall;
			cpu[m][r] = res.cpu;
		}
	}
	printf("  %-16s %8s %9s %8s %8s  %s\n", "method", "wall_s", "MiB/s", "x cp -a", "cpu_s",
	       "ways");
	for (size_t m = 0; m < nm; m++) {
		med_wall[m] = median(wall[m], runs);
		med_cpu[m] = median(cpu[m], runs);
	}
	for (size_t m = 0; m < nm; m++)
		printf("  %-16s %8.4f %9.0f %8.2f %8.4f  %s\n", methods[m].name, med_wall[m],
		       (double)bytes / MIB / med_wall[m], med_wall[M_CP] / med_wall[m], med_cpu[m],
		       methods[m].shell == NOT_SHELL ? how[m] : "");
	fflush(stdout);
}

/* --tune: io_uring's depth and block size. */
static void
tune_set(const char *label, const char *src, unsigned runs)
{
	static const unsigned depths[] = { 8, 16, 32, 64 };
	static const size_t blocks[] = { 128 * 1024, 256 * 1024, 1024 * 1024 };
	static double v[ARRAY_SIZE(depths)][ARRAY_SIZE(blocks)][RUNS_MAX];
	size_t nfiles, nd = ARRAY_SIZE(depths), nb = ARRAY_SIZE(blocks);
	uint64_t bytes = warm(src, &nfiles);

	printf("\ntune io_uring on %s (%zu files, %.1f MiB): MiB/s, median of %u\n", label, nfiles,
	       (double)bytes / MIB, runs);
	for (unsigned r = 0; r < runs; r++) {
		for (size_t i = 0; i < nd * nb; i++) {
			size_t k = (i + r) % (nd * nb), d = k / nb, b = k % nb;
			struct copy_options o = methods[0].o;

			o.depth = depths[d];
			o.block = blocks[b];
			v[d][b][r] = run_once(&methods[0], &o, src, NULL, 0).wall;
		}
	}
	printf("  %-8s", "depth");
	for (size_t b = 0; b < nb; b++)
		printf(" %8zuK", blocks[b] / 1024);
	printf("\n");
	for (size_t d = 0; d < nd; d++) {
		printf("  %-8u", depths[d]);
		for (size_t b = 0; b < nb; b++)
			printf(" %9.0f", (double)bytes / MIB / median(v[d][b], runs));
		printf("\n");
	}
	fflush(stdout);
}

static void
make_file(const char *path, uint64_t size, uint64_t seed)
{
	static uint64_t buf[128 * 1024];
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd == -1) {
		fprintf(stderr, "bench/copy: cannot create '%s': %s\n", path, strerror(errno));
		exit(1);
	}
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);

		for (size_t i = 0; i < ARRAY_SIZE(buf); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			fprintf(stderr, "bench/copy: cannot write '%s': %s\n", path, strerror(errno));
			exit(1);
		}
		off += n;
	}
	close(fd);
}

/* Makes dir with count files of size bytes.  Returns: dir (caller frees). */
static char *
make_set(const char *name, size_t count, uint64_t size)
{
	char *dir, *path;

	xasprintf(&dir, "%s/src/%s", workdir, name);
	if (mkdir(dir, 0755) == -1) {
		fprintf(stderr, "bench/copy: cannot create '%s': %s\n", dir, strerror(errno));
		exit(1);
	}
	for (size_t i = 0; i < count; i++) {
		xasprintf(&path, "%s/%04zu", dir, i);
		make_file(path, size, i + 1);
		free(path);
	}
	return dir;
}

/* --sweep: where copy_file_range and a checksum pass beat the single pass. */
static void
sweep(unsigned runs)
{
	static const uint64_t sizes[] = { 4 << 10,   16 << 10, 64 << 10, 256 << 10,
					  1 << 20,   4 << 20,  16 << 20, 64 << 20 };
	static const size_t ms[] = { 0, 2, 1, 3 }; /* io_uring, cfr+checksum, read/write, cfr+read */
	static double v[ARRAY_SIZE(ms)][RUNS_MAX];

	printf("\nsweep: %u MiB (at most %u files) of each size; MiB/s, median of %u\n",
	       SWEEP_BYTES >> 20, SWEEP_FILES, runs);
	printf("  %-8s %6s %10s %13s %11s %9s %9s\n", "size", "files", "io_uring", "cfr+checksum",
	       "read/write", "cfr+read", "cfr/uring");
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		char name[32], *dir;
		size_t count = (size_t)(SWEEP_BYTES / sizes[s]), nfiles;
		double med[ARRAY_SIZE(ms)];
		uint64_t total;

		if (count > SWEEP_FILES)
			count = SWEEP_FILES;
		if (count == 0)
			count = 1;
		total = count * sizes[s];
		snprintf(name, sizeof(name), "%" PRIu64 "K", sizes[s] >> 10);
		dir = make_set(name, count, sizes[s]);
		warm(dir, &nfiles);
		for (unsigned r = 0; r < runs; r++) {
			for (size_t i = 0; i < ARRAY_SIZE(ms); i++) {
				size_t k = (i + r) % ARRAY_SIZE(ms);

				v[k][r] = run_once(&methods[ms[k]], &methods[ms[k]].o, dir, NULL, 0)
						  .wall;
			}
		}
		for (size_t k = 0; k < ARRAY_SIZE(ms); k++)
			med[k] = (double)total / MIB / median(v[k], runs);
		printf("  %-8s %6zu %10.0f %13.0f %11.0f %9.0f %9.2f\n", name, count, med[0],
		       med[1], med[2], med[3], med[1] / med[0]);
		fflush(stdout);
		/* Removing the files now would slow the next sizes down. */
		free(dir);
	}
}

/* Returns: SIZE ("4G", "256M", "64K", bytes) in bytes, or 0 when it is not
 * one. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	return *end == '\0' ? v : 0;
}

/* Returns: a new directory to work in (caller frees): under DIR, else
 * $TMPDIR or /tmp unless that is a tmpfs, else the current directory. */
static char *
pick_dir(const char *given)
{
	struct statfs sf;
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *dir;

	if (given != NULL)
		base = given;
	else if (statfs(base, &sf) == 0 && sf.f_type == TMPFS_MAGIC_)
		base = ".";
	xasprintf(&dir, "%s/chainbox-bench-copy-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench/copy: cannot create '%s': %s\n", dir, strerror(errno));
		exit(1);
	}
	return dir;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench/copy [--runs N] [--dir DIR] [--tune] [--sweep]\n"
		   "                  (--make SIZE [--only big|small] | SRCDIR)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' }, { "dir", required_argument, NULL, 'd' },
		{ "make", required_argument, NULL, 'm' }, { "tune", no_argument, NULL, 't' },
		{ "sweep", no_argument, NULL, 's' },	  { "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *given = NULL, *srcdir = NULL, *only = NULL;
	uint64_t make = 0;
	unsigned runs = 5;
	bool tune = false, do_sweep = false;
	struct statfs sf;
	char *path;
	int c;

	log_init("bench/copy");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			given = optarg;
			break;
		case 'm':
			if ((make = parse_size(optarg)) == 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			break;
		case 't':
			tune = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 's':
			do_sweep = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		srcdir = argv[optind++];
	if (optind != argc || runs == 0 || runs > RUNS_MAX ||
	    (make == 0 && srcdir == NULL && !do_sweep) || (make != 0 && srcdir != NULL)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	workdir = pick_dir(given);
	xasprintf(&path, "%s/src", workdir);
	mkdir(path, 0755);
	free(path);
	xasprintf(&path, "%s/out", workdir);
	mkdir(path, 0755);
	free(path);
	printf("bench/copy: work in %s (%s), median of %u runs, %ld CPUs\n", workdir,
	       statfs(workdir, &sf) == 0 && sf.f_type == TMPFS_MAGIC_ ? "tmpfs" : "not tmpfs", runs,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("measures cached files: each source is read once before its runs (the page cache\n"
	       "is not dropped); copies are not fsynced except by defaults+fsync\n");
	printf("defaults: depth %u, block %u KiB, copy_file_range ", COPY_DEPTH, COPY_BLOCK / 1024);
	if (COPY_CFR_MIN == UINT64_MAX)
		printf("never\n");
	else
		printf("from %" PRIu64 " KiB\n", (uint64_t)COPY_CFR_MIN / 1024);

	if (make != 0) {
		bool do_big = only == NULL || strcmp(only, "big") == 0;
		bool do_small = only == NULL || strcmp(only, "small") == 0;
		char *big = do_big ? make_set("big", 1, make) : NULL;
		char *small = do_small ? make_set("small", SMALL_FILES, SMALL_SIZE) : NULL;

		if (do_big)
			bench_set("big", big, runs);
		if (do_small)
			bench_set("small", small, runs);
		if (tune && do_big)
			tune_set("big", big, runs);
		if (tune && do_small)
			tune_set("small", small, runs);
		free(big);
		free(small);
	} else if (srcdir != NULL) {
		bench_set("tree", srcdir, runs);
		if (tune)
			tune_set(srcdir, srcdir, runs);
	}
	if (do_sweep)
		sweep(runs);
	rmtree(workdir);
	free(workdir);
	return 0;
}
