/* The node's seccomp policy: an allowlist compiled to classic BPF with
 * libseccomp in the parent, and the never-allowed table the supervisor
 * consults when it answers a notification in log mode. */
#ifndef CHAINBOX_SANDBOX_POLICY_H
#define CHAINBOX_SANDBOX_POLICY_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* Compiles the allowlist for the native architecture.
 * Returns: 0, or -errno with *cause set (caller frees).
 * Out: *filter, *len instructions (caller frees *filter). */
int policy_compile(struct sock_filter **filter, size_t *len,
		   char **cause) WARN_UNUSED;

/* Returns: the errno to answer in log mode for a call the filter sent to
 * the supervisor: EPERM for the never-allowed ones (and clone with a
 * CLONE_NEW* flag), 0 to let it through.
 * In: name, as from policy_syscall_name(); args, the call's six arguments. */
int policy_never_errno(const char *name, const uint64_t args[6]);

/* Out: name, the syscall's name ("unknown" when libseccomp does not know
 * it), truncated to size. */
void policy_syscall_name(char *name, size_t size, uint32_t arch, int nr);

#endif
