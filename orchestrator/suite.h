/* Contract test suites: the language (docs/chainbox-suite.5), read from
 * YAML into steps that testrun.c runs against a network.
 *
 * Reading checks everything that does not need a network: every key and
 * its type, that contracts load from their artifacts, that each function,
 * event and error exists in its contract's ABI (overloads resolved by
 * signature, with a "did you mean"), that account and contract aliases are
 * known where they are used, and argument counts.  Every problem is
 * reported as FILE:LINE:COL.  Values are kept as YAML nodes: they are made
 * into ABI values when the step runs, once references such as
 * ${token.address} have values. */
#ifndef CHAINBOX_SUITE_H
#define CHAINBOX_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "compat.h"
#include "diag.h"
#include "spec.h"
#include "yamltree.h"

#define SUITE_MAX_STEPS 10000

enum step_kind {
	STEP_DEPLOY,
	STEP_SEND,
	STEP_CALL,
	STEP_BALANCE,
	STEP_NONCE,
	STEP_WAIT,
	STEP_KILL,
	STEP_RESTART,
	STEP_STOP,
	STEP_START,
	STEP_PAUSE,
	STEP_RESUME,
	STEP_PARTITION,
	STEP_HEAL,
	STEP_DELAY,
	STEP_EXPECT_NETWORK,
};

/* A comparison of a value: equals, or for numbers gt, gte, lt, lte. */
enum cmp_op { CMP_NONE, CMP_EQ, CMP_GT, CMP_GTE, CMP_LT, CMP_LTE };

struct suite_contract {
	char *name; /* the suite's name for it */
	char *file; /* the artifact */
	struct abi *abi;
	uint8_t *code; /* creation code */
	size_t code_len;
};

/* An expected event: its entry and, when given, its arguments (a list in
 * order, or a mapping by name). */
struct suite_emit {
	const struct suite_contract *contract; /* whose ABI has the event */
	const struct abi_entry *event;
	const struct ynode *args; /* NULL: any */
	const struct ynode *at;
};

struct suite_step {
	enum step_kind kind;
	const struct ynode *at; /* for messages */
	char *what; /* "deploy Token", "send transfer(address,uint256)" */
	/* deploy, send, call */
	const struct suite_contract *contract; /* deploy: what; send, call: whose ABI */
	const struct ynode *to; /* send, call: an alias, ${ref} or address */
	const struct abi_entry *fn; /* send, call; deploy: the constructor */
	const struct ynode *args; /* a list or a mapping; NULL: none */
	const struct ynode *value; /* wei to send; NULL: none */
	const struct ynode *from; /* an account alias or index; NULL: the first */
	const char *node; /* the node to send through; NULL: the first with RPC */
	const char *as; /* a name for the result */
	/* expectations */
	enum cmp_op op;
	const struct ynode *expect; /* equals and the comparisons */
	bool reverts; /* a revert is expected */
	const struct ynode *revert; /* NULL: any revert; a reason string, or an error */
	const struct abi_entry *revert_error; /* a custom error, when named */
	const struct ynode *revert_args;
	struct suite_emit *emits;
	size_t nemits;
	/* balance, nonce: of whom */
	const struct ynode *of;
	/* wait */
	uint64_t blocks, ms, timeout_ms;
	/* faults */
	char **nodes; /* kill...resume: one; partition: groups "a,b" */
	size_t nnodes;
	uint64_t delay_ms, jitter_ms;
	/* expect_network */
	bool agree;
	uint64_t advances, within_ms;
};

struct suite_test {
	char *name;
	const struct ynode *at;
	struct suite_step *steps;
	size_t nsteps;
};

struct suite_account {
	char *alias;
	unsigned index;
};

enum suite_isolation { SUITE_FRESH, SUITE_SHARED };

struct suite {
	char *file;
	char *name;
	struct ytree *tree; /* the suite's YAML, which steps point into */
	struct spec spec; /* the network */
	bool have_spec;
	char *spec_ref; /* a template name or a spec file, when not inline */
	struct suite_contract *contracts;
	size_t ncontracts;
	struct suite_account *accounts;
	size_t naccounts;
	enum suite_isolation isolation;
	struct suite_test setup; /* steps run once, before the tests */
	struct suite_test *tests;
	size_t ntests;
};

/* Reads a suite from file.  Returns: 0, or -EINVAL with every problem
 * added to d.  Out: s, released with suite_release() on success. */
int suite_load(struct suite *s, struct diag *d, const char *file) WARN_UNUSED;
/* As suite_load(), from memory (file names it in messages and anchors
 * relative paths). */
int suite_load_buffer(struct suite *s, struct diag *d, const char *file, const char *buf,
		      size_t len) WARN_UNUSED;
void suite_release(struct suite *s);

/* Returns: the contract of that name, or NULL. */
const struct suite_contract *suite_contract(const struct suite *s, const char *name);
/* Returns: the index of account alias, or -1. */
int suite_account(const struct suite *s, const char *alias);

#endif
