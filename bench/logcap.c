/* bench/logcap: how fast, and at what CPU cost, the supervisor captures
 * node output.  It prints figures; it is not a test and passes or fails
 * nothing.
 *
 * Writer processes (16 by default) flood their stdout, a pipe, as fast as
 * they can; logcap (orchestrator/logcap.c) copies every pipe to its own log
 * file through one loop.  Two cases: "bulk", 64 MiB per writer in 4 KiB
 * writes, and "lines", 8 MiB per writer in 256-byte lines.  Each case runs
 * on the io_uring path (multishot reads where the kernel has them), on
 * io_uring with re-armed reads, and on the poll path, --runs times each in
 * rotating order, and the medians are printed:
 *   GiB/s	 bytes captured over wall time, from the moment the writers are
 *		 let go until every pipe reached end of file and every write
 *		 completed;
 *   cpu_s/GiB	 the supervisor's CPU time (getrusage(RUSAGE_SELF): user and
 *		 system, io_uring's io-wq workers included) per GiB;
 *   lost	 bytes written by the writers less the bytes in the files
 *		 (must be 0);
 *   rounds/GiB	 loop rounds (wake-ups) per GiB;
 *   threads	 the most threads the supervisor had (io-wq workers + 1).
 * Then the ratio of io_uring to poll.  Log files go to --dir, or to a new
 * directory under $TMPDIR or /tmp unless that is a tmpfs, then under the
 * current directory: the figures are meant for a disk file system. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logcap.h"
#include "loop.h"
#include "xalloc.h"

#define EXIT_USAGE 2
#define TMPFS_MAGIC_ 0x01021994
#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * 1024.0 * 1024.0)

struct workload {
	const char *name;
	size_t write_size;
	uint64_t bytes; /* per writer */
};

struct method {
	const char *name;
	enum loop_backend backend;
};

/* --batch NR[,USEC]: loop_set_batch() for every loop; 0 keeps its default. */
static unsigned batch_nr, batch_usec = 1000;

static const struct method methods[] = {
	{ "io_uring", LOOP_URING },
	{ "io_uring-rearm", LOOP_URING_REARM },
	{ "poll", LOOP_POLL },
};

struct result {
	double wall_s, cpu_s, gibps, cpu_per_gib, rounds_per_gib;
	int64_t lost;
	unsigned threads;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static unsigned
count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

/* A writer: waits for the gate to open, then floods stdout. */
static void
writer(int gate, const struct workload *w, unsigned k)
{
	char *buf = xmalloc(w->write_size);
	char c;

	for (size_t i = 0; i < w->write_size; i++)
		buf[i] = (char)('a' + (i + k) % 26);
	buf[w->write_size - 1] = '\n';
	if (read(gate, &c, 1) < 0)
		_exit(2);
	for (uint64_t off = 0; off < w->bytes;) {
		size_t n = w->bytes - off < w->write_size ? (size_t)(w->bytes - off) : w->write_size;
		ssize_t r = write(STDOUT_FILENO, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(3);
		off += (uint64_t)r;
	}
	_exit(0);
}

static void
on_tick(struct loop_timer *t, void *arg)
{
	unsigned *threads = arg, n = count_threads();

	if (n > *threads)
		*threads = n;
}

/* One capture of nwriters writers with method m into dir.  Returns: 0, or
 * -1 after saying why. */
static int
run_once(struct result *res, const struct method *m, const struct workload *w, unsigned nwriters,
	 const char *dir)
{
	struct logcap_config cfg = { 0, 0 };
	struct loop *loop;
	struct logcap *cap;
	struct loop_timer *tick;
	char *cause = NULL, **paths = xcalloc(nwriters, sizeof(*paths));
	pid_t *pids = xcalloc(nwriters, sizeof(*pids));
	int gate[2], rc = -1;
	uint64_t rounds = 0, total = (uint64_t)nwriters * w->bytes, in_files = 0;
	double t0, c0;
	unsigned threads = 0;

	if ((loop = loop_new(m->backend, &cause)) == NULL) {
		fprintf(stderr, "bench/logcap: %s: %s\n", m->name, cause);
		free(cause);
		free(paths);
		free(pids);
		return -1;
	}
	if (batch_nr != 0)
		loop_set_batch(loop, batch_nr, batch_usec);
	cap = logcap_new(loop, &cfg, NULL, NULL);
	if (pipe2(gate, O_CLOEXEC) == -1) {
		perror("bench/logcap: pipe");
		exit(1);
	}
	for (unsigned k = 0; k < nwriters; k++) {
		int p[2];
		unsigned id;

		xasprintf(&paths[k], "%s/writer%u.log", dir, k);
		unlink(paths[k]);
		if (pipe2(p, O_CLOEXEC) == -1) {
			perror("bench/logcap: pipe");
			exit(1);
		}
		pids[k] = fork();
		if (pids[k] == -1) {
			perror("bench/logcap: fork");
			exit(1);
		}
		if (pids[k] == 0) {
			close(gate[1]);
			close(p[0]);
			if (dup2(p[1], STDOUT_FILENO) == -1)
				_exit(2);
			writer(gate[0], w, k);
		}
		close(p[1]);
		if (logcap_add(cap, &id, &cause, p[0], paths[k], NULL) < 0) {
			fprintf(stderr, "bench/logcap: %s\n", cause);
			exit(1);
		}
	}
	close(gate[0]);
	tick = loop_timer_new(loop, on_tick, &threads);
	loop_timer_start(tick, 50, 50);

	c0 = cpu_s();
	t0 = now_s();
	close(gate[1]); /* go */
	while (logcap_active(cap) > 0) {
		if (loop_run_once(loop, -1) < 0) {
			perror("bench/logcap: loop");
			exit(1);
		}
		rounds++;
	}
	res->wall_s = now_s() - t0;
	res->cpu_s = cpu_s() - c0;
	on_tick(tick, &threads);
	res->threads = threads;

	rc = 0;
	for (unsigned k = 0; k < nwriters; k++) {
		struct stat st;
		int status;

		if (waitpid(pids[k], &status, 0) != pids[k] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench/logcap: writer %u failed\n", k);
			rc = -1;
		}
		if (stat(paths[k], &st) == 0)
			in_files += (uint64_t)st.st_size;
		unlink(paths[k]);
		free(paths[k]);
	}
	res->lost = (int64_t)total - (int64_t)in_files;
	res->gibps = (double)total / GIB / res->wall_s;
	res->cpu_per_gib = res->cpu_s / ((double)total / GIB);
	res->rounds_per_gib = (double)rounds / ((double)total / GIB);
	loop_timer_free(tick);
	logcap_free(cap);
	loop_free(loop);
	free(paths);
	free(pids);
	return rc;
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

/* Returns: a directory for the logs (caller frees; removed at the end). */
static char *
pick_dir(const char *given, bool *made)
{
	struct statfs sf;
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *dir;

	*made = false;
	if (given != NULL)
		return xstrdup(given);
	if (statfs(base, &sf) == 0 && sf.f_type == TMPFS_MAGIC_)
		base = ".";
	xasprintf(&dir, "%s/chainbox-bench-logcap-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench/logcap: cannot create '%s': %s\n", dir, strerror(errno));
		exit(1);
	}
	*made = true;
	return dir;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench/logcap [--dir DIR] [--runs N] [--writers N] [--only bulk|lines]\n"
		   "                    [--bulk-mib N] [--lines-mib N] [--batch NR[,USEC]]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "runs", required_argument, NULL, 'r' },
		{ "writers", required_argument, NULL, 'w' }, { "only", required_argument, NULL, 'o' },
		{ "bulk-mib", required_argument, NULL, 'b' }, { "lines-mib", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'B' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct workload workloads[] = {
		{ "bulk", 4096, 64ull << 20 },
		{ "lines", 256, 8ull << 20 },
	};
	const char *given = NULL, *only = NULL;
	unsigned runs = 5, nwriters = 16;
	struct statfs sf;
	bool made;
	char *dir, *end;
	int c;

	log_init("bench/logcap");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			given = optarg;
			break;
		case 'r':
			runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			nwriters = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			only = optarg;
			break;
		case 'b':
			workloads[0].bytes = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'l':
			workloads[1].bytes = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'B':
			batch_nr = (unsigned)strtoul(optarg, &end, 10);
			if (*end == ',')
				batch_usec = (unsigned)strtoul(end + 1, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || runs == 0 || nwriters == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	dir = pick_dir(given, &made);
	printf("logs in %s (%s), %u writers, median of %u runs, %ld CPUs\n", dir,
	       statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC_ ? "tmpfs" : "not tmpfs", nwriters,
	       runs, sysconf(_SC_NPROCESSORS_ONLN));

	for (size_t wi = 0; wi < ARRAY_SIZE(workloads); wi++) {
		const struct workload *w = &workloads[wi];
		double v[ARRAY_SIZE(methods)][5][64];
		int64_t lost[ARRAY_SIZE(methods)] = { 0 };
		unsigned threads[ARRAY_SIZE(methods)] = { 0 };
		double med[ARRAY_SIZE(methods)][5];
		bool ok[ARRAY_SIZE(methods)];

		if (only != NULL && strcmp(only, w->name) != 0)
			continue;
		if (runs > 64)
			runs = 64;
		printf("\ncase %s: %u writers x %.0f MiB, %zu-byte writes (%.2f GiB)\n", w->name,
		       nwriters, (double)w->bytes / MIB, w->write_size,
		       (double)w->bytes * nwriters / GIB);
		for (size_t m = 0; m < ARRAY_SIZE(methods); m++)
			ok[m] = true;
		/* Rotate the order, so that no method always runs first. */
		for (unsigned r = 0; r < runs; r++) {
			for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
				size_t m = (i + r) % ARRAY_SIZE(methods);
				struct result res;

				if (!ok[m])
					continue;
				if (run_once(&res, &methods[m], w, nwriters, dir) < 0) {
					ok[m] = false;
					continue;
				}
				v[m][0][r] = res.gibps;
				v[m][1][r] = res.cpu_per_gib;
				v[m][2][r] = res.wall_s;
				v[m][3][r] = res.rounds_per_gib;
				lost[m] += res.lost;
				if (res.threads > threads[m])
					threads[m] = res.threads;
			}
		}
		printf("  %-15s %8s %8s %10s %12s %10s %8s\n", "method", "wall_s", "GiB/s",
		       "cpu_s/GiB", "rounds/GiB", "lost_B", "threads");
		for (size_t m = 0; m < ARRAY_SIZE(methods); m++) {
			if (!ok[m]) {
				printf("  %-15s unavailable\n", methods[m].name);
				continue;
			}
			for (int k = 0; k < 4; k++)
				med[m][k] = median(v[m][k], runs);
			printf("  %-15s %8.3f %8.2f %10.3f %12.0f %10lld %8u\n", methods[m].name,
			       med[m][2], med[m][0], med[m][1], med[m][3], (long long)lost[m],
			       threads[m]);
		}
		if (ok[0] && ok[2])
			printf("  io_uring/poll: GiB/s x%.2f, cpu_s/GiB x%.2f\n", med[0][0] / med[2][0],
			       med[0][1] / med[2][1]);
	}
	if (made)
		rmdir(dir);
	free(dir);
	return 0;
}
