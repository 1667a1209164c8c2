/* Per-node cgroups: find the hierarchies at run time, make
 * chainbox/<network>/<node> below our own cgroup in each writable one that
 * has memory, pids or cpu (and in v2 for cgroup.freeze), write the limits,
 * and remove the groups when the node is gone.
 *
 * Debian 12 on this kind of machine mounts a hybrid layout: cgroup v2 at
 * /sys/fs/cgroup/unified with no controllers but hugetlb, and memory, pids
 * and cpu in v1 hierarchies (reference section A.8).  So v1 files are
 * written there, and v2 is used only for freezing.  Groups go below the
 * cgroup we run in, not at the root: the supervisor may itself be confined
 * (the memory cgroup a CI runner or a systemd unit gave it), and a node
 * must not escape that. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "xalloc.h"

enum {
	CG_MEMORY,
	CG_PIDS,
	CG_CPU,
	CG_NCTRL,
};

static const char *const cgroup_ctrl_names[CG_NCTRL] = { "memory", "pids", "cpu" };

/* The CFS period for cpu limits: 100 ms, the kernel's default. */
#define CGROUP_CPU_PERIOD 100000

/* One mounted hierarchy, and where our own cgroup is in it. */
struct cgroup_mount {
	char *base; /* mount point + our cgroup's path */
	bool v2;
	unsigned int ctrls; /* 1 << CG_*, v1 only */
};

struct cgroup_group {
	char *base; /* our own cgroup's directory */
	char *dir; /* base/chainbox/<network>/<node> */
	bool v2;
	unsigned int ctrls; /* what this group enforces, 1 << CG_* */
};

struct cgroup_set {
	struct cgroup_group groups[CG_NCTRL + 1];
	size_t ngroups;
	int v2; /* index of the v2 group, or -1 */
	char *network;
	char *node;
	uint64_t memory;
	char *desc;
	bool removed;
};

/* Returns: whether list, words separated by sep, has word. */
static bool
cgroup_has_word(const char *list, char sep, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, word, n) == 0 &&
		    (p[n] == sep || p[n] == '\0' || p[n] == '\n'))
			return true;
		p = strchr(p, sep);
		if (p != NULL)
			p++;
	}
	return false;
}

/* Returns: our cgroup's path in the hierarchy whose /proc/self/cgroup line
 * names ctrl (NULL for v2's "0::" line), or NULL (caller frees). */
static char *
cgroup_own_path(const char *ctrl)
{
	char *line = NULL, *path = NULL, *ctrls, *p;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return NULL;
	while (path == NULL && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		ctrls = strchr(line, ':');
		if (ctrls == NULL || (p = strchr(++ctrls, ':')) == NULL)
			continue;
		*p++ = '\0';
		if (ctrl == NULL ? strncmp(line, "0:", 2) == 0 && *ctrls == '\0'
				 : cgroup_has_word(ctrls, ',', ctrl))
			path = xstrdup(p);
	}
	free(line);
	fclose(f);
	return path;
}

/* Returns: the directory of our own cgroup in a hierarchy mounted at mnt
 * whose root is root, or NULL when we are outside it (caller frees). */
static char *
cgroup_own_dir(const char *mnt, const char *root, const char *ctrl)
{
	char *own, *dir = NULL;
	size_t n = strlen(root);

	own = cgroup_own_path(ctrl);
	if (own == NULL)
		return NULL;
	if (strcmp(root, "/") == 0)
		xasprintf(&dir, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
	else if (strncmp(own, root, n) == 0 && (own[n] == '/' || own[n] == '\0'))
		xasprintf(&dir, "%s%s", mnt, own + n);
	free(own);
	return dir;
}

/* Finds the cgroup hierarchies in /proc/self/mountinfo.
 * Returns: how many were stored in m (at most max). */
static size_t
cgroup_find_mounts(struct cgroup_mount *m, size_t max)
{
	char *line = NULL, *f[6], *sep, *fstype, *super, *save, *dir;
	size_t cap = 0, n = 0, i;
	unsigned int ctrls;
	ssize_t len;
	FILE *fp;

	fp = fopen("/proc/self/mountinfo", "re");
	if (fp == NULL)
		return 0;
	while (n < max && (len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		/* id parent maj:min root mountpoint options ... - fstype
		 * source superoptions */
		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " ", &save);
		super = strtok_r(NULL, " ", &save) != NULL ? strtok_r(NULL, " ", &save)
							    : NULL;
		if (fstype == NULL || super == NULL)
			continue;
		f[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 6 && f[i - 1] != NULL; i++)
			f[i] = strtok_r(NULL, " ", &save);
		if (f[4] == NULL)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			dir = cgroup_own_dir(f[4], f[3], NULL);
			if (dir != NULL)
				m[n++] = (struct cgroup_mount){ dir, true, 0 };
			continue;
		}
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		ctrls = 0;
		for (i = 0; i < CG_NCTRL; i++) {
			if (cgroup_has_word(super, ',', cgroup_ctrl_names[i]))
				ctrls |= 1u << i;
		}
		if (ctrls == 0)
			continue;
		for (i = 0; !(ctrls & (1u << i)); i++)
			;
		dir = cgroup_own_dir(f[4], f[3], cgroup_ctrl_names[i]);
		if (dir != NULL)
			m[n++] = (struct cgroup_mount){ dir, false, ctrls };
	}
	free(line);
	fclose(fp);
	return n;
}

/* Writes value to dir/file.
 * Returns: 0, or -errno with *cause set when cause is not NULL. */
static int
cgroup_write(char **cause, const char *dir, const char *file,
	     const char *value)
{
	char *path;
	ssize_t n;
	int fd, rc = 0;

	xasprintf(&path, "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1) {
		rc = -errno;
	} else {
		n = TEMP_FAILURE_RETRY_INT(write(fd, value, strlen(value)));
		if (n == -1)
			rc = -errno;
		close(fd);
	}
	if (rc < 0 && cause != NULL)
		xasprintf(cause, "cannot write '%s' to '%s': %s", value, path,
			  strerror(-rc));
	free(path);
	return rc;
}

/* Reads dir/file (at most 4 KiB, NUL-terminated) into buf.
 * Returns: 0 or -errno. */
static int
cgroup_read(char *buf, size_t size, const char *dir, const char *file)
{
	char *path;
	ssize_t n;
	int fd, rc = 0;

	xasprintf(&path, "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return -errno;
	n = TEMP_FAILURE_RETRY_INT(read(fd, buf, size - 1));
	if (n == -1)
		rc = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return rc;
}

/* Returns: the number after "key " at the start of a line of text, or 0. */
static uint64_t
cgroup_key(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p != NULL) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* Makes base/chainbox and base/chainbox/<network>.
 * Returns: 0 or -errno. */
static int
cgroup_mkdir_parents(const char *base, const char *network)
{
	char *path;
	int rc = 0;

	xasprintf(&path, "%s/chainbox", base);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		rc = -errno;
	free(path);
	if (rc < 0)
		return rc;
	xasprintf(&path, "%s/chainbox/%s", base, network);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		rc = -errno;
	free(path);
	return rc;
}

/* Enables each controller of want in v2 down to chainbox/<network>.
 * Returns: the controllers that could be enabled. */
static unsigned int
cgroup_v2_enable(const char *base, const char *network, unsigned int want)
{
	char *chainbox, *net, value[16];
	unsigned int ok = 0;
	size_t i;

	xasprintf(&chainbox, "%s/chainbox", base);
	xasprintf(&net, "%s/chainbox/%s", base, network);
	for (i = 0; i < CG_NCTRL; i++) {
		if (!(want & (1u << i)))
			continue;
		snprintf(value, sizeof(value), "+%s", cgroup_ctrl_names[i]);
		/* Our own cgroup refuses when it has processes and is not
		 * the root (cgroup v2's no-internal-process rule). */
		if (cgroup_write(NULL, base, "cgroup.subtree_control", value) == 0 &&
		    cgroup_write(NULL, chainbox, "cgroup.subtree_control", value) == 0 &&
		    cgroup_write(NULL, net, "cgroup.subtree_control", value) == 0)
			ok |= 1u << i;
	}
	free(chainbox);
	free(net);
	return ok;
}

/* Creates dir, replacing a group of the same name that a supervisor that
 * died left behind.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
cgroup_mkdir_leaf(char **cause, const char *dir, const char *network,
		  const char *node)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && rmdir(dir) == 0 && mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EBUSY) {
		xasprintf(cause, "cgroup '%s' is in use: is node '%s' of network "
				 "'%s' already running?", dir, node, network);
		return -EBUSY;
	}
	xasprintf(cause, "cannot create cgroup '%s': %s", dir, strerror(errno));
	return -errno;
}

/* Writes the limits a group enforces.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
cgroup_write_limits(char **cause, const struct cgroup_group *g,
		    const struct cgroup_limits *lim)
{
	char value[64];
	int rc = 0;

	if ((g->ctrls & (1u << CG_MEMORY)) && lim->memory != 0) {
		snprintf(value, sizeof(value), "%" PRIu64, lim->memory);
		rc = cgroup_write(cause, g->dir,
				  g->v2 ? "memory.max" : "memory.limit_in_bytes",
				  value);
		/* No swap either, where swap is accounted: a limit that
		 * swaps is only slow, not a limit. */
		if (rc == 0 && g->v2)
			(void)cgroup_write(NULL, g->dir, "memory.swap.max", "0");
		else if (rc == 0)
			(void)cgroup_write(NULL, g->dir,
					   "memory.memsw.limit_in_bytes", value);
	}
	if (rc == 0 && (g->ctrls & (1u << CG_PIDS)) && lim->pids != 0) {
		snprintf(value, sizeof(value), "%" PRIu64, lim->pids);
		rc = cgroup_write(cause, g->dir, "pids.max", value);
	}
	if (rc == 0 && (g->ctrls & (1u << CG_CPU)) && lim->cpu_milli != 0) {
		uint64_t quota = lim->cpu_milli * (CGROUP_CPU_PERIOD / 1000);

		if (quota < 1000) /* the kernel's minimum: 1 ms */
			quota = 1000;
		if (g->v2) {
			snprintf(value, sizeof(value), "%" PRIu64 " %d", quota,
				 CGROUP_CPU_PERIOD);
			rc = cgroup_write(cause, g->dir, "cpu.max", value);
		} else {
			snprintf(value, sizeof(value), "%d", CGROUP_CPU_PERIOD);
			rc = cgroup_write(cause, g->dir, "cpu.cfs_period_us", value);
			snprintf(value, sizeof(value), "%" PRIu64, quota);
			if (rc == 0)
				rc = cgroup_write(cause, g->dir, "cpu.cfs_quota_us",
						  value);
		}
	}
	return rc;
}

/* Appends the names of the controllers in ctrls to *s. */
static void
cgroup_desc_ctrls(char **s, unsigned int ctrls, const char *sep)
{
	char *old;
	size_t i;

	for (i = 0; i < CG_NCTRL; i++) {
		if (!(ctrls & (1u << i)))
			continue;
		old = *s;
		xasprintf(s, "%s%s%s", old, sep, cgroup_ctrl_names[i]);
		free(old);
		sep = ",";
	}
}

/* Sets set->desc from the groups made and the limits asked for. */
static void
cgroup_describe(struct cgroup_set *set, const struct cgroup_limits *lim)
{
	unsigned int v1 = 0, v2 = 0, missing = 0;
	char *s = xstrdup(""), *old;
	size_t i;

	for (i = 0; i < set->ngroups; i++) {
		if (set->groups[i].v2)
			v2 |= set->groups[i].ctrls;
		else
			v1 |= set->groups[i].ctrls;
	}
	if (lim->memory != 0 && !((v1 | v2) & (1u << CG_MEMORY)))
		missing |= 1u << CG_MEMORY;
	if (lim->pids != 0 && !((v1 | v2) & (1u << CG_PIDS)))
		missing |= 1u << CG_PIDS;
	if (lim->cpu_milli != 0 && !((v1 | v2) & (1u << CG_CPU)))
		missing |= 1u << CG_CPU;
	if ((v1 | v2) == 0) {
		free(s);
		s = xstrdup(set->v2 >= 0 ? "rlimits only: no writable cgroup "
					   "hierarchy has memory, pids or cpu "
					   "(cgroup v2 freeze)"
					 : "rlimits only: no writable cgroup "
					   "hierarchy");
	} else {
		if (v1 != 0)
			cgroup_desc_ctrls(&s, v1, "cgroup v1 ");
		if (v2 != 0) {
			old = s;
			xasprintf(&s, "%s%scgroup v2", old, v1 != 0 ? " + " : "");
			free(old);
			cgroup_desc_ctrls(&s, v2, " ");
			old = s;
			xasprintf(&s, "%s,freeze", old);
			free(old);
		} else if (set->v2 >= 0) {
			old = s;
			xasprintf(&s, "%s + v2 freeze", old);
			free(old);
		}
	}
	if (missing != 0) {
		cgroup_desc_ctrls(&s, missing, "; not enforced: ");
	}
	set->desc = s;
}

/* Makes the node's group in the hierarchy whose own cgroup is base, and
 * adds it to set.  A hierarchy we cannot write to is not an error.
 * Returns: 0; -EACCES (or another -errno) when not writable; -EBUSY with
 * *cause set (caller frees) when the group has processes. */
static int
cgroup_add_group(struct cgroup_set *set, char **cause, const char *base,
		 bool v2, unsigned int ctrls)
{
	struct cgroup_group *g = &set->groups[set->ngroups];
	char *why = NULL;
	int rc;

	xasprintf(&g->dir, "%s/chainbox/%s/%s", base, set->network, set->node);
	rc = cgroup_mkdir_leaf(&why, g->dir, set->network, set->node);
	if (rc < 0) {
		if (rc == -EBUSY)
			*cause = why;
		else
			free(why);
		free(g->dir);
		g->dir = NULL;
		return rc;
	}
	g->base = xstrdup(base);
	g->v2 = v2;
	g->ctrls = ctrls;
	set->ngroups++;
	return 0;
}

int
cgroup_create(struct cgroup_set **setp, char **cause, const char *network,
	      const char *node, const struct cgroup_limits *lim)
{
	struct cgroup_mount m[16];
	struct cgroup_set *set;
	unsigned int want = (1u << CG_NCTRL) - 1, v2ctrls = 0, done = 0;
	char text[256];
	size_t n, i, j;
	int rc = 0;

	set = xcalloc(1, sizeof(*set));
	set->v2 = -1;
	set->network = xstrdup(network);
	set->node = xstrdup(node);
	n = cgroup_find_mounts(m, ARRAY_SIZE(m));

	/* cgroup v2 first: its group also serves cgroup.freeze. */
	for (i = 0; i < n && set->v2 < 0; i++) {
		if (!m[i].v2 || cgroup_mkdir_parents(m[i].base, network) < 0)
			continue;
		if (cgroup_read(text, sizeof(text), m[i].base, "cgroup.controllers") == 0) {
			for (j = 0; j < CG_NCTRL; j++) {
				if (cgroup_has_word(text, ' ', cgroup_ctrl_names[j]))
					v2ctrls |= 1u << j;
			}
		}
		v2ctrls = cgroup_v2_enable(m[i].base, network, v2ctrls & want);
		rc = cgroup_add_group(set, cause, m[i].base, true, v2ctrls);
		if (rc == -EBUSY)
			goto out;
		if (rc == 0) {
			set->v2 = (int)set->ngroups - 1;
			done |= v2ctrls;
		}
		rc = 0;
	}
	/* Then a v1 hierarchy for each controller v2 cannot give us. */
	for (i = 0; i < n; i++) {
		unsigned int ctrls = m[i].ctrls & want & ~done;

		if (m[i].v2 || ctrls == 0 ||
		    cgroup_mkdir_parents(m[i].base, network) < 0)
			continue;
		rc = cgroup_add_group(set, cause, m[i].base, false, ctrls);
		if (rc == -EBUSY)
			goto out;
		if (rc == 0)
			done |= ctrls;
		rc = 0;
	}
	for (i = 0; i < set->ngroups && rc == 0; i++)
		rc = cgroup_write_limits(cause, &set->groups[i], lim);
	if (done & (1u << CG_MEMORY))
		set->memory = lim->memory;
	cgroup_describe(set, lim);
out:
	for (i = 0; i < n; i++)
		free(m[i].base);
	if (rc < 0) {
		char *ignored = NULL;

		(void)cgroup_remove(set, &ignored);
		free(ignored);
		cgroup_free(set);
		return rc;
	}
	*setp = set;
	return 0;
}

struct cgroup_set *
cgroup_none(const char *why)
{
	struct cgroup_set *set;

	set = xcalloc(1, sizeof(*set));
	set->v2 = -1;
	set->desc = xstrdup(why);
	set->removed = true;
	return set;
}

int
cgroup_attach(const struct cgroup_set *set, char **cause, pid_t pid)
{
	char value[32];
	size_t i;
	int rc = 0;

	snprintf(value, sizeof(value), "%d", (int)pid);
	for (i = 0; i < set->ngroups && rc == 0; i++)
		rc = cgroup_write(cause, set->groups[i].dir, "cgroup.procs", value);
	return rc;
}

bool
cgroup_can_freeze(const struct cgroup_set *set)
{
	return set->v2 >= 0;
}

/* Returns: milliseconds on the monotonic clock. */
static int64_t
cgroup_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cgroup_freeze(const struct cgroup_set *set, char **cause, bool frozen,
	      int timeout_ms)
{
	const char *dir;
	struct pollfd pfd;
	char *path = NULL, text[256];
	int64_t deadline;
	ssize_t n;
	int rc;

	if (set->v2 < 0)
		return -EOPNOTSUPP;
	dir = set->groups[set->v2].dir;
	rc = cgroup_write(cause, dir, "cgroup.freeze", frozen ? "1" : "0");
	if (rc < 0 || !frozen)
		return rc;
	/* Freezing is asynchronous: cgroup.events says when it is done,
	 * and a change of it wakes poll() with POLLPRI. */
	xasprintf(&path, "%s/cgroup.events", dir);
	pfd.fd = open(path, O_RDONLY | O_CLOEXEC);
	pfd.events = POLLPRI;
	if (pfd.fd == -1) {
		rc = -errno;
		xasprintf(cause, "cannot open '%s': %s", path, strerror(-rc));
		goto out;
	}
	deadline = cgroup_now_ms() + timeout_ms;
	for (;;) {
		n = TEMP_FAILURE_RETRY_INT(pread(pfd.fd, text, sizeof(text) - 1, 0));
		if (n == -1) {
			rc = -errno;
			xasprintf(cause, "cannot read '%s': %s", path, strerror(-rc));
			goto out;
		}
		text[n] = '\0';
		if (cgroup_key(text, "frozen") == 1)
			break;
		if (cgroup_now_ms() >= deadline) {
			rc = -ETIMEDOUT;
			xasprintf(cause, "'%s' still says it is not frozen after %d ms",
				  path, timeout_ms);
			goto out;
		}
		(void)poll(&pfd, 1, (int)(deadline - cgroup_now_ms()));
	}
out:
	if (pfd.fd != -1)
		close(pfd.fd);
	free(path);
	return rc;
}

uint64_t
cgroup_oom_kills(const struct cgroup_set *set)
{
	char text[1024];
	size_t i;

	for (i = 0; i < set->ngroups; i++) {
		const struct cgroup_group *g = &set->groups[i];

		if (!(g->ctrls & (1u << CG_MEMORY)))
			continue;
		if (cgroup_read(text, sizeof(text), g->dir,
				g->v2 ? "memory.events" : "memory.oom_control") == 0)
			return cgroup_key(text, "oom_kill");
	}
	return 0;
}

uint64_t
cgroup_memory_limit(const struct cgroup_set *set)
{
	return set->memory;
}

const char *
cgroup_desc(const struct cgroup_set *set)
{
	return set->desc;
}

/* Removes dir, waiting a little while the last task of the group is still
 * being released after its parent reaped it.
 * Returns: 0 or -errno. */
static int
cgroup_rmdir(const char *dir)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int tries;

	for (tries = 0; tries < 40; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}

int
cgroup_remove(struct cgroup_set *set, char **cause)
{
	char *path;
	size_t i;
	int rc = 0, r;

	if (set->removed)
		return 0;
	for (i = 0; i < set->ngroups; i++) {
		const struct cgroup_group *g = &set->groups[i];

		r = cgroup_rmdir(g->dir);
		if (r < 0 && rc == 0) {
			rc = r;
			xasprintf(cause, "cannot remove cgroup '%s': %s", g->dir,
				  strerror(-r));
		}
		/* Shared with the network's other nodes: only when empty. */
		xasprintf(&path, "%s/chainbox/%s", g->base, set->network);
		(void)rmdir(path);
		free(path);
		xasprintf(&path, "%s/chainbox", g->base);
		(void)rmdir(path);
		free(path);
	}
	if (rc == 0)
		set->removed = true;
	return rc;
}

void
cgroup_free(struct cgroup_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ngroups; i++) {
		free(set->groups[i].base);
		free(set->groups[i].dir);
	}
	free(set->network);
	free(set->node);
	free(set->desc);
	free(set);
}
