/* Network specs: the YAML file that describes a chainbox network, checked
 * against the schema in docs/chainbox-spec.5 and resolved (extends applied,
 * defaults filled in) into a struct spec. */
#ifndef CHAINBOX_SPEC_H
#define CHAINBOX_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compat.h"
#include "diag.h"
#include "yamltree.h"
#include "u256.h"

#define SPEC_MAX_NODES 256
#define SPEC_MAX_EXTENDS 8

enum spec_consensus { SPEC_SOLO, SPEC_TBFT };
enum spec_hardfork { SPEC_CANCUN };
enum spec_role { SPEC_VALIDATOR, SPEC_FULL };
enum spec_restart { SPEC_RESTART_NEVER, SPEC_RESTART_ON_FAILURE };
enum spec_seccomp { SPEC_SECCOMP_STRICT, SPEC_SECCOMP_LOG, SPEC_SECCOMP_OFF };
enum spec_network { SPEC_NET_LOOPBACK, SPEC_NET_NETNS };
enum spec_filesystem { SPEC_FS_PRIVATE, SPEC_FS_SHARED };

struct spec_slot {
	struct u256 key, value;
};

struct spec_alloc {
	uint8_t address[20];
	struct u256 balance;
	uint64_t nonce;
	uint8_t *code;
	size_t code_len;
	struct spec_slot *storage;
	size_t nstorage;
};

struct spec_resources {
	uint64_t memory; /* bytes; 0 = no limit */
	uint64_t cpu_milli; /* thousandths of a CPU; 0 = no limit */
	uint64_t pids; /* 0 = no limit */
	uint64_t files; /* open files; 0 = the sandbox's default */
};

struct spec_group {
	char *name;
	uint64_t count;
	enum spec_role role;
	bool rpc;
	uint64_t rpc_port; /* 0 = pick a free port */
	struct spec_resources resources;
	enum spec_restart restart;
	char **args;
	size_t nargs;
	char **env; /* "KEY=VALUE" */
	size_t nenv;
};

/* One node after groups are expanded: NAME-1 ... NAME-N, or NAME alone for a
 * group of one. */
struct spec_node {
	char *name;
	size_t group; /* index into spec->groups */
};

struct spec_chain {
	uint64_t id;
	enum spec_consensus consensus;
	uint64_t block_time_ms; /* 0 = automine (solo only) */
	bool empty_blocks;
	uint64_t gas_limit;
	struct u256 base_fee;
	enum spec_hardfork hardfork;
};

struct spec_accounts {
	char *mnemonic;
	uint64_t count;
	struct u256 balance;
	struct spec_alloc *alloc;
	size_t nalloc;
};

struct spec_sandbox {
	enum spec_seccomp seccomp;
	enum spec_network network;
	enum spec_filesystem filesystem;
};

struct spec_logs {
	char *dir;
	uint64_t max_size;
	uint64_t keep;
};

struct spec_snapshots {
	char *dir;
};

struct spec {
	char *file; /* where the spec came from, for messages */
	uint64_t version;
	char *name;
	uint64_t seed;
	struct spec_chain chain;
	struct spec_accounts accounts;
	struct spec_group *groups;
	size_t ngroups;
	struct spec_node *nodes;
	size_t nnodes;
	struct spec_sandbox sandbox;
	struct spec_logs logs;
	struct spec_snapshots snapshots;
};

/* Flags for spec_load_buffer(). */
#define SPEC_NO_FILES 0x1 /* extends may name only built-in templates */

/* Loads a spec from a file, or a built-in template when ref is a template
 * name ("dev", "bft4") rather than a path.
 * Returns: 0, or -EINVAL with every problem added to d (warnings may be
 * added on success too).  Out: spec, released with spec_release(). */
int spec_load(struct spec *spec, struct diag *d, const char *ref) WARN_UNUSED;
/* Loads a spec from memory.  In: file names it in messages and anchors
 * relative extends paths; flags is 0 or SPEC_NO_FILES. */
int spec_load_buffer(struct spec *spec, struct diag *d, const char *file,
		     const char *buf, size_t len, unsigned flags) WARN_UNUSED;
/* Loads a spec from a mapping inside another YAML document (a test
 * suite's inline network), with messages pointing into that document.
 * In: tree holds top and stays the caller's (merges are made in it). */
int spec_load_node(struct spec *spec, struct diag *d, struct ytree *tree,
		   const struct ynode *top) WARN_UNUSED;
void spec_release(struct spec *spec);

/* Returns: the effective spec as JSON, with the same keys as the YAML
 * (caller frees with json_decref()). */
json_t *spec_to_json(const struct spec *spec);
/* Writes the effective spec as YAML that spec_load() reads back to the
 * same spec. */
void spec_write_yaml(FILE *out, const struct spec *spec);

/* Returns: whether ref names a file rather than a built-in template: it has
 * a '/' or ends in .yaml or .yml. */
bool spec_ref_is_path(const char *ref);

#endif
