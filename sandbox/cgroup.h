/* Per-node cgroups, chainbox/<network>/<node>, below the supervisor's own
 * cgroup in every writable hierarchy that has a controller we want:
 * cgroup v2 where its cgroup.controllers lists the controller and it can be
 * enabled, else the controller's v1 hierarchy (Debian's hybrid layout).  A
 * v2 group is made even without controllers, for cgroup.freeze.  Found at
 * run time from /proc/self/mountinfo and /proc/self/cgroup. */
#ifndef CHAINBOX_SANDBOX_CGROUP_H
#define CHAINBOX_SANDBOX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"

struct cgroup_limits {
	uint64_t memory; /* bytes; 0 = none */
	uint64_t cpu_milli; /* 0 = none */
	uint64_t pids; /* 0 = none */
};

struct cgroup_set;

/* Creates the groups and writes the limits.  Finding no writable hierarchy
 * is not an error: cgroup_desc() says so.
 * Returns: 0, or -errno with *cause set (caller frees): -EBUSY when a
 * group of that name still has processes, or the error of writing a limit.
 * Out: *setp, freed with cgroup_free(). */
int cgroup_create(struct cgroup_set **setp, char **cause, const char *network,
		  const char *node, const struct cgroup_limits *lim) WARN_UNUSED;
/* Returns: a set with no groups, described by why (copied). */
struct cgroup_set *cgroup_none(const char *why);

/* Moves pid into every group.
 * Returns: 0, or -errno with *cause set (caller frees). */
int cgroup_attach(const struct cgroup_set *set, char **cause,
		  pid_t pid) WARN_UNUSED;

/* Returns: whether there is a v2 group to freeze. */
bool cgroup_can_freeze(const struct cgroup_set *set);
/* Sets cgroup.freeze; when freezing, waits up to timeout_ms for
 * cgroup.events to say "frozen 1".
 * Returns: 0, -ETIMEDOUT, or -errno with *cause set (caller frees). */
int cgroup_freeze(const struct cgroup_set *set, char **cause, bool frozen,
		  int timeout_ms) WARN_UNUSED;

/* Returns: how many processes the OOM killer killed in the memory group
 * (0 when there is none). */
uint64_t cgroup_oom_kills(const struct cgroup_set *set);
/* Returns: the memory limit in bytes that a group enforces, else 0. */
uint64_t cgroup_memory_limit(const struct cgroup_set *set);

/* Returns: what enforces the limits ("cgroup v1 memory,pids,cpu + v2
 * freeze", "rlimits only: ..."); owned by set. */
const char *cgroup_desc(const struct cgroup_set *set);

/* Removes the groups, then chainbox/<network> and chainbox/ where empty.
 * Later calls do nothing.
 * Returns: 0, or -errno with *cause set (caller frees). */
int cgroup_remove(struct cgroup_set *set, char **cause);

/* Frees set without removing anything; NULL does nothing. */
void cgroup_free(struct cgroup_set *set);

#endif
