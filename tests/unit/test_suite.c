/* Tests for orchestrator/suite.c: test suites that load (the three
 * artifact formats, the three ways to name a network, the examples), and
 * each kind of mistake, reported at its FILE:LINE:COL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "harness.h"
#include "suite.h"
#include "xalloc.h"

/* One contract's ABI: a constructor, a function with one result and one
 * with two, an overloaded function, an event and an error. */
#define ABI                                                                                        \
	"[{\"type\": \"constructor\", \"stateMutability\": \"nonpayable\","                        \
	"  \"inputs\": [{\"name\": \"supply\", \"type\": \"uint256\"}]},"                          \
	" {\"type\": \"function\", \"name\": \"f\", \"stateMutability\": \"view\","                \
	"  \"inputs\": [{\"name\": \"x\", \"type\": \"uint256\"}],"                                \
	"  \"outputs\": [{\"name\": \"\", \"type\": \"uint256\"}]},"                               \
	" {\"type\": \"function\", \"name\": \"pair\", \"stateMutability\": \"view\","             \
	"  \"inputs\": [],"                                                                        \
	"  \"outputs\": [{\"name\": \"a\", \"type\": \"uint256\"},"                                \
	"              {\"name\": \"b\", \"type\": \"address\"}]},"                                \
	" {\"type\": \"function\", \"name\": \"g\", \"stateMutability\": \"nonpayable\","          \
	"  \"inputs\": [{\"name\": \"x\", \"type\": \"uint256\"}], \"outputs\": []},"              \
	" {\"type\": \"function\", \"name\": \"g\", \"stateMutability\": \"nonpayable\","          \
	"  \"inputs\": [{\"name\": \"to\", \"type\": \"address\"}], \"outputs\": []},"             \
	" {\"type\": \"event\", \"name\": \"Moved\", \"anonymous\": false,"                        \
	"  \"inputs\": [{\"name\": \"who\", \"type\": \"address\", \"indexed\": true},"            \
	"              {\"name\": \"amount\", \"type\": \"uint256\", \"indexed\": false}]},"       \
	" {\"type\": \"error\", \"name\": \"TooMuch\","                                            \
	"  \"inputs\": [{\"name\": \"have\", \"type\": \"uint256\"},"                              \
	"              {\"name\": \"want\", \"type\": \"uint256\"}]}]"

/* A second contract, with an event of its own. */
#define OTHER_ABI                                                                                  \
	"[{\"type\": \"event\", \"name\": \"Ping\", \"inputs\": [], \"anonymous\": false}]"

static char *dir; /* the artifacts, written by main() */
static char *suite_file; /* DIR/suite.yaml: where the suites "are" */

static int
load(struct suite *s, struct diag *d, const char *text)
{
	diag_init(d);
	return suite_load_buffer(s, d, suite_file, text, strlen(text));
}

/* Returns: whether d holds an error at suite_file:line:col whose text
 * contains str. */
static int
has(const struct diag *d, unsigned line, unsigned col, const char *str)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].severity == DIAG_ERROR && d->v[i].file != NULL &&
		    strcmp(d->v[i].file, suite_file) == 0 && d->v[i].line == line &&
		    d->v[i].col == col && strstr(d->v[i].msg, str) != NULL)
			return 1;
	}
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  [%s:%u:%u: %s]\n", d->v[i].file ? d->v[i].file : "-",
			d->v[i].line, d->v[i].col, d->v[i].msg);
	fprintf(stderr, "  (wanted %u:%u: %s)\n", line, col, str);
	return 0;
}

/* Loads text, which must fail with exactly one error, at line:col and
 * containing str. */
static void
check_error(const char *text, unsigned line, unsigned col, const char *str)
{
	struct suite s;
	struct diag d;

	CU_ASSERT_EQUAL(load(&s, &d, text), -EINVAL);
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_TRUE(has(&d, line, col, str));
	/* A failed load leaves nothing to release. */
	CU_ASSERT_PTR_NULL(s.file);
	CU_ASSERT_PTR_NULL(s.tree);
	diag_release(&d);
}

/* The start of most suites below: a dev network (solo, one node named
 * "node", ten accounts), contract C deployed as c in the setup, and one
 * test whose steps follow from line 11, each "      - KIND: ..." (the
 * step's key at column 9). */
#define HEAD(network)                                                                              \
	"version: 1\n"                                  /* 1 */                                    \
	"network: " network "\n"                        /* 2 */                                    \
	"contracts:\n"                                  /* 3 */                                    \
	"  C: hardhat.json\n"                           /* 4 */                                    \
	"accounts: {alice: 1}\n"                        /* 5 */                                    \
	"setup:\n"                                      /* 6 */                                    \
	"  - deploy: {contract: C, args: [7], as: c}\n" /* 7 */                                    \
	"tests:\n"                                      /* 8 */                                    \
	"  - name: t\n"                                 /* 9 */                                    \
	"    steps:\n"                                  /* 10 */
#define SOLO HEAD("dev")
#define TBFT HEAD("bft4")

/* --- suites that load ---------------------------------------------------------------------- */

static void
test_suite_loads_every_step(void)
{
	struct suite s;
	struct diag d;
	const struct suite_test *t;
	const char *text = TBFT
		"      - send: {to: c, function: 'g(uint256)', args: [1], from: alice, as: tx,\n"
		"               value: 1.5 ether, node: validator-2, emits: [Moved]}\n"
		"      - call: {to: c, function: f, args: 1, equals: 2}\n"
		"      - call: {to: '${tx.address}', contract: C, function: pair,\n"
		"               equals: {a: 1, b: alice}}\n"
		"      - send: {to: c, function: 'g(address)', args: {to: c},\n"
		"               reverts: {error: TooMuch, args: [1, 2]}}\n"
		"      - call: {to: c, function: f, args: [1], gte: 0x10}\n"
		"      - balance: {of: alice, lt: 1 ether}\n"
		"      - nonce: {of: 0, equals: 0}\n"
		"      - wait: 200ms\n"
		"      - wait: {blocks: 2, timeout: 5s, node: validator-1}\n"
		"      - kill: validator-1\n"
		"      - restart: {node: validator-1}\n"
		"      - stop: validator-2\n"
		"      - start: validator-2\n"
		"      - pause: validator-3\n"
		"      - resume: validator-3\n"
		"      - partition: [[validator-1, validator-2], 'validator-3,validator-4']\n"
		"      - heal:\n"
		"      - delay: {node: validator-4, by: 50ms, jitter: 10ms}\n"
		"      - expect_network: {agree: true}\n"
		"      - expect_network: {advances: 3, within: 10s}\n"
		"      - send: {to: c, function: f, args: [1], reverts: true}\n"
		"      - send: {to: c, function: f, args: [1], reverts: TooMuch}\n"
		"      - send: {to: c, function: f, args: [1], reverts: not enough}\n"
		"      - send: {to: c, function: f, args: [1], reverts: {reason: no}}\n"
		"      - send: {to: c, function: f, args: [1],\n"
		"               emits: [{event: Moved, args: {who: alice}}, 'Moved(address,uint256)']}\n";
	static const enum step_kind kinds[] = {
		STEP_SEND, STEP_CALL, STEP_CALL, STEP_SEND, STEP_CALL, STEP_BALANCE, STEP_NONCE,
		STEP_WAIT, STEP_WAIT, STEP_KILL, STEP_RESTART, STEP_STOP, STEP_START, STEP_PAUSE,
		STEP_RESUME, STEP_PARTITION, STEP_HEAL, STEP_DELAY, STEP_EXPECT_NETWORK,
		STEP_EXPECT_NETWORK, STEP_SEND, STEP_SEND, STEP_SEND, STEP_SEND, STEP_SEND,
	};

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, text), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_STRING_EQUAL(s.name, "suite");
	CU_ASSERT_STRING_EQUAL(s.spec_ref, "bft4");
	CU_ASSERT_EQUAL(s.spec.chain.consensus, SPEC_TBFT);
	CU_ASSERT_EQUAL(s.isolation, SUITE_FRESH);
	CU_ASSERT_EQUAL(suite_account(&s, "alice"), 1);
	CU_ASSERT_EQUAL(suite_account(&s, "bob"), -1);
	CU_ASSERT_PTR_NOT_NULL(suite_contract(&s, "C"));
	CU_ASSERT_PTR_NULL(suite_contract(&s, "D"));
	CU_ASSERT_EQUAL_FATAL(s.setup.nsteps, 1);
	CU_ASSERT_EQUAL(s.setup.steps[0].kind, STEP_DEPLOY);
	CU_ASSERT_STRING_EQUAL(s.setup.steps[0].what, "deploy C");
	CU_ASSERT_STRING_EQUAL(s.setup.steps[0].fn->signature, "constructor(uint256)");
	CU_ASSERT_STRING_EQUAL(s.setup.steps[0].as, "c");
	CU_ASSERT_EQUAL_FATAL(s.ntests, 1);
	t = &s.tests[0];
	CU_ASSERT_STRING_EQUAL(t->name, "t");
	CU_ASSERT_EQUAL_FATAL(t->nsteps, ARRAY_SIZE(kinds));
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		CU_ASSERT_EQUAL(t->steps[i].kind, kinds[i]);
		CU_ASSERT_PTR_NOT_NULL(t->steps[i].what);
		CU_ASSERT_EQUAL(t->steps[i].at->line, 11 + i + (i > 0) + (i > 2) + (i > 3));
	}
	/* send: the overload by signature, the node, the event. */
	CU_ASSERT_STRING_EQUAL(t->steps[0].what, "send g(uint256)");
	CU_ASSERT_STRING_EQUAL(t->steps[0].node, "validator-2");
	CU_ASSERT_STRING_EQUAL(t->steps[0].as, "tx");
	CU_ASSERT_STRING_EQUAL(t->steps[0].value->str, "1.5 ether");
	CU_ASSERT_EQUAL_FATAL(t->steps[0].nemits, 1);
	CU_ASSERT_STRING_EQUAL(t->steps[0].emits[0].event->signature, "Moved(address,uint256)");
	CU_ASSERT_PTR_EQUAL(t->steps[0].emits[0].contract, suite_contract(&s, "C"));
	/* call: a lone argument, comparisons. */
	CU_ASSERT_EQUAL(t->steps[1].op, CMP_EQ);
	CU_ASSERT_STRING_EQUAL(t->steps[1].expect->str, "2");
	CU_ASSERT_EQUAL(t->steps[2].expect->kind, YNODE_MAP);
	CU_ASSERT_EQUAL(t->steps[4].op, CMP_GTE);
	/* reverts: a custom error with arguments, any, by name, a reason. */
	CU_ASSERT_TRUE(t->steps[3].reverts);
	CU_ASSERT_STRING_EQUAL(t->steps[3].revert_error->signature, "TooMuch(uint256,uint256)");
	CU_ASSERT_EQUAL(t->steps[3].revert_args->n, 2);
	CU_ASSERT_TRUE(t->steps[20].reverts);
	CU_ASSERT_PTR_NULL(t->steps[20].revert);
	CU_ASSERT_PTR_NULL(t->steps[20].revert_error);
	CU_ASSERT_PTR_NOT_NULL(t->steps[21].revert_error);
	CU_ASSERT_PTR_NULL(t->steps[22].revert_error);
	CU_ASSERT_STRING_EQUAL(t->steps[22].revert->str, "not enough");
	CU_ASSERT_STRING_EQUAL(t->steps[23].revert->str, "no");
	CU_ASSERT_EQUAL(t->steps[24].nemits, 2);
	/* balance, nonce, wait. */
	CU_ASSERT_EQUAL(t->steps[5].op, CMP_LT);
	CU_ASSERT_STRING_EQUAL(t->steps[5].of->str, "alice");
	CU_ASSERT_EQUAL(t->steps[7].ms, 200);
	CU_ASSERT_EQUAL(t->steps[8].blocks, 2);
	CU_ASSERT_EQUAL(t->steps[8].timeout_ms, 5000);
	CU_ASSERT_STRING_EQUAL(t->steps[8].node, "validator-1");
	/* Faults. */
	CU_ASSERT_STRING_EQUAL(t->steps[9].what, "kill validator-1");
	CU_ASSERT_STRING_EQUAL(t->steps[10].nodes[0], "validator-1");
	CU_ASSERT_EQUAL(t->steps[15].nnodes, 2);
	CU_ASSERT_EQUAL(t->steps[17].delay_ms, 50);
	CU_ASSERT_EQUAL(t->steps[17].jitter_ms, 10);
	CU_ASSERT_TRUE(t->steps[18].agree);
	CU_ASSERT_EQUAL(t->steps[19].advances, 3);
	CU_ASSERT_EQUAL(t->steps[19].within_ms, 10000);
	suite_release(&s);
	diag_release(&d);
}

/* A partition's groups, as lists of nodes or as "a,b", reach testrun.c
 * as "a,b". */
static void
test_suite_partition_groups(void)
{
	struct suite s;
	struct diag d;
	const struct suite_step *st;

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, TBFT "      - partition: [[validator-1, validator-2],\n"
					     "                    'validator-3,validator-4']\n"),
			      0);
	st = &s.tests[0].steps[0];
	CU_ASSERT_EQUAL(st->kind, STEP_PARTITION);
	CU_ASSERT_EQUAL_FATAL(st->nnodes, 2);
	CU_ASSERT_STRING_EQUAL(st->nodes[0], "validator-1,validator-2");
	CU_ASSERT_STRING_EQUAL(st->nodes[1], "validator-3,validator-4");
	suite_release(&s);
	diag_release(&d);
}

/* The three artifact formats, and a combined-json file with two
 * contracts, one picked with 'contract:'. */
static void
test_suite_artifact_formats(void)
{
	struct suite s;
	struct diag d;
	const char *text =
		"version: 1\n"
		"name: formats\n"
		"network: dev\n"
		"isolation: shared\n"
		"contracts:\n"
		"  Hardhat: hardhat.json\n"
		"  Foundry: foundry.json\n"
		"  Solc: solc.json\n"
		"  OldSolc: old-solc.json\n"
		"  Picked: {artifact: two.json, contract: Other}\n"
		"tests:\n"
		"  - name: deploys\n"
		"    steps:\n"
		"      - deploy: {contract: Hardhat, args: [1]}\n"
		"      - deploy: {contract: Foundry, args: [1]}\n"
		"      - deploy: {contract: Solc, args: [1]}\n"
		"      - deploy: {contract: OldSolc, args: [1]}\n"
		"      - deploy: {contract: Picked, as: p}\n"
		"      - send: {to: p, function: f, contract: Solc, args: [1],\n"
		"               emits: [Ping, {event: Moved, contract: Hardhat}]}\n";
	static const char *const names[] = { "Hardhat", "Foundry", "Solc", "OldSolc", "Picked" };
	const struct suite_step *st;

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, text), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_STRING_EQUAL(s.name, "formats");
	CU_ASSERT_EQUAL(s.isolation, SUITE_SHARED);
	CU_ASSERT_EQUAL_FATAL(s.ncontracts, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct suite_contract *k = suite_contract(&s, names[i]);
		char *file;

		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_PTR_NOT_NULL(k->abi);
		CU_ASSERT_EQUAL(k->code_len, i < 4 ? 2 : 3);
		CU_ASSERT_EQUAL(k->code[0], 0x60);
		xasprintf(&file, "%s/%s", dir,
			  (const char *[]){ "hardhat.json", "foundry.json", "solc.json",
					    "old-solc.json", "two.json" }[i]);
		CU_ASSERT_STRING_EQUAL(k->file, file);
		free(file);
	}
	CU_ASSERT_EQUAL(suite_contract(&s, "Picked")->code[2], 0x02);
	CU_ASSERT_EQUAL_FATAL(s.ntests, 1);
	CU_ASSERT_EQUAL_FATAL(s.tests[0].nsteps, 6);
	/* A contract without a constructor gets the default one. */
	CU_ASSERT_STRING_EQUAL(s.tests[0].steps[4].fn->signature, "constructor()");
	/* An event found in another contract's ABI, and one named by contract. */
	st = &s.tests[0].steps[5];
	CU_ASSERT_PTR_EQUAL(st->contract, suite_contract(&s, "Solc"));
	CU_ASSERT_EQUAL_FATAL(st->nemits, 2);
	CU_ASSERT_PTR_EQUAL(st->emits[0].contract, suite_contract(&s, "Picked"));
	CU_ASSERT_PTR_EQUAL(st->emits[1].contract, suite_contract(&s, "Hardhat"));
	suite_release(&s);
	diag_release(&d);
}

/* A network given inline, with errors in it pointing into the suite. */
static void
test_suite_inline_network(void)
{
	struct suite s;
	struct diag d;
	const char *text =
		"network:\n"
		"  version: 1\n"
		"  chain: {consensus: tbft, block_time: 100ms}\n"
		"  accounts: {count: 3}\n"
		"  nodes: [{name: v, count: 3}, {name: watcher, role: full}]\n"
		"accounts: {last: 2}\n"
		"tests:\n"
		"  - name: t\n"
		"    steps:\n"
		"      - kill: v-3\n"
		"      - wait: {blocks: 1, node: watcher}\n";

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, text), 0);
	CU_ASSERT_PTR_NULL(s.spec_ref);
	CU_ASSERT_TRUE(s.have_spec);
	CU_ASSERT_EQUAL(s.spec.chain.consensus, SPEC_TBFT);
	CU_ASSERT_EQUAL(s.spec.chain.block_time_ms, 100);
	CU_ASSERT_EQUAL(s.spec.nnodes, 4);
	CU_ASSERT_EQUAL(suite_account(&s, "last"), 2);
	suite_release(&s);
	diag_release(&d);

	check_error("network:\n"
		    "  version: 1\n"
		    "  nodes: [{name: v, cuont: 2}]\n"
		    "tests: [{name: t, steps: []}]\n",
		    3, 21, "unknown key 'cuont' (did you mean 'count'?)");
	/* Three accounts, numbered from 0. */
	check_error("network: {version: 1, accounts: {count: 3}, nodes: [{name: n}]}\n"
		    "accounts: {a: 0, b: 3}\n"
		    "tests: [{name: t, steps: []}]\n",
		    2, 21, "accounts: the network has 3 dev accounts, numbered from 0");
}

/* A template by name, and a spec file relative to the suite. */
static void
test_suite_network_by_name(void)
{
	struct suite s;
	struct diag d;
	char *want;

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, "network: bft7\ntests: [{name: t, steps: []}]\n"), 0);
	CU_ASSERT_STRING_EQUAL(s.spec_ref, "bft7");
	CU_ASSERT_EQUAL(s.spec.nnodes, 7);
	CU_ASSERT_EQUAL(s.ntests, 1);
	CU_ASSERT_EQUAL(s.tests[0].nsteps, 0);
	suite_release(&s);
	diag_release(&d);

	CU_ASSERT_EQUAL_FATAL(load(&s, &d, "network: net.yaml\ntests: [{name: t, steps: []}]\n"),
			      0);
	xasprintf(&want, "%s/net.yaml", dir);
	CU_ASSERT_STRING_EQUAL(s.spec_ref, want);
	CU_ASSERT_STRING_EQUAL(s.spec.name, "lab");
	CU_ASSERT_EQUAL(s.spec.nnodes, 2);
	free(want);
	suite_release(&s);
	diag_release(&d);

	/* A missing spec file: spec_load()'s error, and the suite's. */
	CU_ASSERT_EQUAL(load(&s, &d, "network: nonet.yaml\ntests: [{name: t, steps: []}]\n"),
			-EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "network: cannot load 'nonet.yaml'"));
	diag_release(&d);
	check_error("network: [dev]\ntests: [{name: t, steps: []}]\n", 1, 10,
		    "network: expected a template name, a spec file or a spec, got a list");
}

/* The examples under examples/ load, from the source tree. */
static void
test_suite_examples_load(void)
{
	static const char *const names[] = { "token", "supply-chain", "evidence" };
	const char *top = getenv("TOP_SRCDIR");

#ifdef SUITE_SRCDIR
	if (top == NULL)
		top = SUITE_SRCDIR;
#endif
	CU_ASSERT_PTR_NOT_NULL_FATAL(top);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct suite s;
		struct diag d;
		char *file;

		xasprintf(&file, "%s/examples/%s/suite.yaml", top, names[i]);
		diag_init(&d);
		CU_ASSERT_EQUAL(suite_load(&s, &d, file), 0);
		CU_ASSERT_EQUAL(d.n, 0);
		for (size_t k = 0; k < d.n; k++)
			fprintf(stderr, "  [%s:%u:%u: %s]\n", d.v[k].file ? d.v[k].file : "-",
				d.v[k].line, d.v[k].col, d.v[k].msg);
		if (d.nerrors == 0) {
			CU_ASSERT_STRING_EQUAL(s.name, names[i]);
			CU_ASSERT_EQUAL(s.ncontracts, 1);
			CU_ASSERT_TRUE(s.ntests >= 4);
			CU_ASSERT_EQUAL(s.isolation, SUITE_FRESH);
			suite_release(&s);
		}
		diag_release(&d);
		free(file);
	}
}

/* --- mistakes ------------------------------------------------------------------------------ */

static void
test_suite_unknown_top_level_key(void)
{
	check_error("version: 1\nnetwork: dev\ntest: []\n", 3, 1,
		    "suite: unknown key 'test' (expected one of: version, name, network, "
		    "contracts, accounts, isolation, setup, tests)");
	check_error("version: 2\nnetwork: dev\ntests: [{name: t, steps: []}]\n", 1, 10,
		    "version: this chainbox reads version 1 suites");
	check_error("- a\n", 1, 1, "expected a mapping at the top of the suite, got a list");
	check_error(SOLO "      - wait: 1s\nisolation: fresh-ish\n", 12, 12,
		    "isolation: expected fresh or shared, got 'fresh-ish'");
}

static void
test_suite_unknown_step(void)
{
	check_error(SOLO "      - wiat: 1s\n", 11, 9,
		    "unknown step 'wiat' (expected deploy, send, call, balance, nonce, wait, "
		    "kill, restart, stop, start, pause, resume, partition, heal, delay or "
		    "expect_network)");
	check_error(SOLO "      - {wait: 1s, kill: node}\n", 11, 9,
		    "a step is a mapping with one key, the step's kind");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], form: alice}\n", 11, 47,
		    "send: unknown key 'form'");
	/* call takes no emits; send takes no equals. */
	check_error(SOLO "      - call: {to: c, function: f, args: [1], emits: [Moved]}\n", 11, 47,
		    "call: unknown key 'emits'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], equals: 1}\n", 11, 47,
		    "send: unknown key 'equals'");
}

static void
test_suite_unknown_contract(void)
{
	check_error(SOLO "      - deploy: {contract: D}\n", 11, 28,
		    "deploy: no contract named 'D' (see 'contracts:')");
	check_error(SOLO "      - deploy: {args: [1]}\n", 11, 17,
		    "deploy: say which contract with 'contract:'");
	check_error(SOLO "      - call: {to: c, contract: K, function: f, args: [1]}\n", 11, 33,
		    "call: no contract named 'K'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1],\n"
		    "               emits: [{event: Moved, contract: K}]}\n",
		    12, 49, "emits: no contract named 'K'");
}

static void
test_suite_unknown_function(void)
{
	check_error(SOLO "      - call: {to: c, function: ff, args: [1]}\n", 11, 33,
		    "call: contract C: no function 'ff' in the ABI (did you mean 'f'?)");
	check_error(SOLO "      - call: {to: c, function: 'fx(uint256)', args: [1]}\n", 11, 33,
		    "call: contract C: no function 'fx(uint256)' in the ABI");
}

static void
test_suite_ambiguous_overload(void)
{
	check_error(SOLO "      - send: {to: c, function: g, args: [1]}\n", 11, 33,
		    "send: contract C: function 'g' is overloaded: g(uint256), g(address); give "
		    "the whole signature");
}

static void
test_suite_argument_count(void)
{
	check_error(SOLO "      - send: {to: c, function: f, args: [1, 2]}\n", 11, 42,
		    "send f(uint256) takes 1 argument, got 2");
	check_error(SOLO "      - call: {to: c, function: f}\n", 11, 15,
		    "call f(uint256) takes 1 argument; give them as 'args:'");
	check_error(SOLO "      - call: {to: c, function: pair, args: [1]}\n", 11, 45,
		    "call pair() takes 0 arguments, got 1");
	check_error("version: 1\nnetwork: dev\ncontracts: {C: hardhat.json}\n"
		    "setup:\n  - deploy: {contract: C}\ntests: [{name: t, steps: []}]\n",
		    5, 13, "deploy C takes 1 argument; give them as 'args:'");
	/* One argument alone may go without a list; two may not. */
	check_error(SOLO "      - send: {to: c, function: 'g(address)', args: alice}\n"
		    "      - call: {to: c, function: pair, args: alice}\n", 12, 45,
		    "call pair() takes 0 arguments: give them as a list");
	check_error(SOLO "      - send: {to: c, function: f, args: [1],\n"
		    "               reverts: {error: TooMuch, args: [1]}}\n", 12, 48,
		    "reverts: TooMuch(uint256,uint256) has 2 arguments, got 1");
	check_error(SOLO "      - send: {to: c, function: f, args: [1],\n"
		    "               emits: [{event: Moved, args: [alice]}]}\n", 12, 45,
		    "emits: Moved(address,uint256) has 2 arguments, got 1");
}

static void
test_suite_unknown_account(void)
{
	check_error(SOLO "      - send: {to: c, function: f, args: [1], from: carol}\n", 11, 53,
		    "from: 'carol' is no account alias (see 'accounts:'), contract alias or "
		    "address");
	check_error(SOLO "      - balance: {of: bob, equals: 0}\n", 11, 23,
		    "of: 'bob' is no account alias");
	/* A contract alias and an address are accounts too. */
	{
		struct suite s;
		struct diag d;

		CU_ASSERT_EQUAL(load(&s, &d, SOLO "      - balance: {of: c, equals: 0}\n"
					     "      - nonce: {of: '0x00000000000000000000000000000000"
					     "00000001', gt: 0}\n"
					     "      - balance: {of: '${c.address}', equals: 0}\n"),
				0);
		suite_release(&s);
		diag_release(&d);
	}
}

static void
test_suite_account_index_range(void)
{
	check_error("version: 1\nnetwork: dev\naccounts:\n  alice: 1\n  zed: 10\n"
		    "tests: [{name: t, steps: []}]\n",
		    5, 8, "accounts: the network has 10 dev accounts, numbered from 0");
	check_error("version: 1\nnetwork: dev\naccounts: {a: b}\ntests: [{name: t, steps: []}]\n",
		    3, 15, "accounts: expected a whole number, got 'b'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], from: 12}\n", 11, 53,
		    "from: the network has 10 dev accounts; 12 is not one");
	check_error(SOLO "      - nonce: {of: 10, equals: 0}\n", 11, 21,
		    "of: the network has 10 dev accounts; 10 is not one");
}

static void
test_suite_unknown_node(void)
{
	check_error(SOLO "      - kill: nod\n", 11, 15, "kill: the network has no node 'nod'");
	check_error(TBFT "      - restart: {node: validator-5}\n", 11, 25,
		    "restart: the network has no node 'validator-5'");
	check_error(TBFT "      - partition: [[validator-1, validator-9], [validator-2]]\n", 11,
		    35, "partition: the network has no node 'validator-9'");
	check_error(TBFT "      - partition: ['validator-1,nine', validator-2]\n", 11, 21,
		    "partition: the network has no node 'nine'");
	check_error(TBFT "      - delay: {node: v1, by: 10ms}\n", 11, 23,
		    "delay: the network has no node 'v1'");
	check_error(SOLO "      - call: {to: c, function: f, args: [1], node: rpc}\n", 11, 53,
		    "call: the network has no node 'rpc'");
	check_error(SOLO "      - wait: {blocks: 1, node: rpc}\n", 11, 33,
		    "wait: the network has no node 'rpc'");
	check_error(SOLO "      - balance: {of: 0, node: rpc, equals: 1}\n", 11, 32,
		    "balance: the network has no node 'rpc'");
}

/* A contract alias is known after its deploy, within its test (or in
 * every test, from the setup). */
static void
test_suite_alias_before_deploy(void)
{
	check_error(SOLO "      - call: {to: d, function: f, args: [1]}\n"
		    "      - deploy: {contract: C, args: [1], as: d}\n",
		    11, 20,
		    "call: 'd' is no contract alias made by an earlier deploy's 'as:'; for an "
		    "address, name its ABI with 'contract:'");
	check_error(SOLO "      - deploy: {contract: C, args: [1], as: d}\n"
		    "  - name: u\n"
		    "    steps:\n"
		    "      - send: {to: d, function: f, args: [1]}\n",
		    14, 20, "send: 'd' is no contract alias");
	/* An address, or a reference, needs its ABI named. */
	check_error(SOLO "      - call: {to: '${c.address}', function: f, args: [1]}\n", 11, 20,
		    "call: '${c.address}' is no contract alias");
	check_error(SOLO "      - send: {function: f, args: [1]}\n", 11, 15,
		    "send: say whom with 'to:'");
}

static void
test_suite_fault_on_solo(void)
{
	check_error(SOLO "      - partition: [[node], [node]]\n", 11, 9,
		    "partition: the network is solo, with no P2P layer to fault");
	check_error(SOLO "      - heal:\n", 11, 9,
		    "heal: the network is solo, with no P2P layer to fault");
	check_error(SOLO "      - delay: {node: node, by: 1s}\n", 11, 9,
		    "delay: the network is solo, with no P2P layer to fault");
	check_error(TBFT "      - partition: [[validator-1]]\n", 11, 20,
		    "partition: expected a list of at least two groups");
}

static void
test_suite_bad_durations(void)
{
	check_error(SOLO "      - wait: 5 secs\n", 11, 15,
		    "wait: expected a duration such as 500ms, 2s or 1m, got '5 secs'");
	check_error(SOLO "      - wait: {blocks: 2, timeout: soon}\n", 11, 36,
		    "wait.timeout: expected a duration such as 500ms, 2s or 1m, got 'soon'");
	check_error(SOLO "      - wait: {blocks: 1, timeout: 1.0001s}\n", 11, 36,
		    "wait.timeout: expected a duration such as 500ms, 2s or 1m, got '1.0001s'");
	check_error(SOLO "      - wait: {blocks: two, for: 1s}\n", 11, 24,
		    "wait.blocks: expected a whole number, got 'two'");
	check_error(SOLO "      - expect_network: {agree: true, advances: many}\n", 11, 49,
		    "advances: expected a whole number, got 'many'");
	check_error(SOLO "      - wait: {blocks: 2, for: 1s}\n", 11, 15,
		    "wait: give 'blocks: N' or 'for: DURATION'");
	check_error(SOLO "      - expect_network: {advances: 2, within: 1x}\n", 11, 47,
		    "within: expected a duration such as 500ms, 2s or 1m, got '1x'");
	check_error(SOLO "      - expect_network: {agree: false}\n", 11, 25,
		    "expect_network: expected agree: true or advances: N");
	check_error(TBFT "      - delay: {node: validator-1, by: 10ms, jitter: lots}\n", 11, 54,
		    "delay.jitter: expected a duration such as 500ms, 2s or 1m, got 'lots'");
	check_error(TBFT "      - delay: {node: validator-1, by: -1ms}\n", 11, 40,
		    "delay.by: expected a duration");
}

static void
test_suite_missing_artifact(void)
{
	char *want;

	xasprintf(&want, "contract C: cannot read %s/nope.json", dir);
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: nope.json\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, want);
	free(want);
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: {contract: X}\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, "contract C: expected an artifact's path");
	check_error("version: 1\nnetwork: dev\ncontracts: [a.json]\n"
		    "tests: [{name: t, steps: []}]\n",
		    3, 12, "contracts: expected a mapping of NAME: ARTIFACT, got a list");
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: {artifact: two.json, "
		    "contract: Third}\ntests: [{name: t, steps: []}]\n",
		    4, 6, "has no contract Third (it has: C, Other); say which with 'contract:'");
}

static void
test_suite_malformed_artifact(void)
{
	char *want;

	xasprintf(&want, "contract C: %s/broken.json:1:", dir);
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: broken.json\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, want);
	free(want);
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: nocode.json\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, "is not an artifact chainbox reads (solc --combined-json, Hardhat or "
		    "Foundry): no creation code (\"bytecode\")");
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: abstract.json\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, "has no creation code (an interface or abstract contract?)");
	check_error("version: 1\nnetwork: dev\ncontracts:\n  C: badabi.json\n"
		    "tests: [{name: t, steps: []}]\n",
		    4, 6, "contract C: ");
}

static void
test_suite_reverts_unknown_error(void)
{
	check_error(SOLO "      - send: {to: c, function: f, args: [1],\n"
		    "               reverts: {error: TooMch}}\n",
		    12, 25, "reverts: no error 'TooMch' in the ABI (did you mean 'TooMuch'?)");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], reverts: {args: [1]}}\n",
		    11, 56, "reverts: expected 'error:' or 'reason:'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], reverts: [x]}\n", 11, 56,
		    "reverts: expected true, a reason, an error's name, or {error, args}");
	check_error(SOLO "      - call: {to: c, function: f, args: [1], equals: 1, reverts: true}\n",
		    11, 15, "call: expect a value or a revert, not both");
}

static void
test_suite_emits_unknown_event(void)
{
	check_error(SOLO "      - send: {to: c, function: f, args: [1], emits: [Moving]}\n", 11,
		    55, "emits: no event 'Moving' in the ABI (did you mean 'Moved'?)");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], emits: [{args: [1]}]}\n",
		    11, 55, "emits: expected an event's name or signature, or {event, args}");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], emits: [{event: Moved, "
		    "arg: []}]}\n",
		    11, 70, "emits: unknown key 'arg'");
}

static void
test_suite_duplicate_test_name(void)
{
	check_error(SOLO "      - wait: 1s\n"
		    "  - name: u\n"
		    "    steps: []\n"
		    "  - name: t\n"
		    "    steps: []\n",
		    14, 11, "two tests are named 't'");
}

static void
test_suite_empty_tests(void)
{
	check_error("version: 1\nnetwork: dev\ntests: []\n", 3, 8,
		    "tests: expected a list of tests, each {name, steps}");
	check_error("version: 1\nnetwork: dev\ntests: [{name: t, steps: wait}]\n", 3, 26,
		    "steps: expected a list of steps, got a string");
	check_error("version: 1\nnetwork: dev\ntests: [{name: t, setps: []}]\n", 3, 19,
		    "tests: unknown key 'setps'");
	check_error("version: 1\nnetwork: dev\ntests: [t]\n", 3, 9,
		    "tests: each test is {name, steps}, got a string");
}

/* Comparisons, values and the other checks of one step. */
static void
test_suite_step_checks(void)
{
	check_error(SOLO "      - call: {to: c, function: f, args: [1], equals: 1, gt: 0}\n", 11,
		    62, "call: give one of equals, gt, gte, lt and lte");
	check_error(SOLO "      - call: {to: c, function: pair, gt: 1}\n", 11, 43,
		    "call: gt, gte, lt and lte compare one number, and pair() returns 2 values");
	check_error(SOLO "      - balance: {of: alice}\n", 11, 18,
		    "balance: expected equals, gt, gte, lt or lte");
	check_error(SOLO "      - nonce: {equals: 1}\n", 11, 16, "nonce: say whose with 'of:'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], value: lots}\n", 11, 54,
		    "value: expected an amount such as 1.5 ether or 100 gwei, got 'lots'");
	check_error(SOLO "      - send: {to: c, function: f, args: [1], value: 1.5 wei}\n", 11, 54,
		    "value: expected an amount");
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_suite_loads_every_step),
		HARNESS_TEST(test_suite_partition_groups),
		HARNESS_TEST(test_suite_artifact_formats),
		HARNESS_TEST(test_suite_inline_network),
		HARNESS_TEST(test_suite_network_by_name),
		HARNESS_TEST(test_suite_examples_load),
		HARNESS_TEST(test_suite_unknown_top_level_key),
		HARNESS_TEST(test_suite_unknown_step),
		HARNESS_TEST(test_suite_unknown_contract),
		HARNESS_TEST(test_suite_unknown_function),
		HARNESS_TEST(test_suite_ambiguous_overload),
		HARNESS_TEST(test_suite_argument_count),
		HARNESS_TEST(test_suite_unknown_account),
		HARNESS_TEST(test_suite_account_index_range),
		HARNESS_TEST(test_suite_unknown_node),
		HARNESS_TEST(test_suite_alias_before_deploy),
		HARNESS_TEST(test_suite_fault_on_solo),
		HARNESS_TEST(test_suite_bad_durations),
		HARNESS_TEST(test_suite_missing_artifact),
		HARNESS_TEST(test_suite_malformed_artifact),
		HARNESS_TEST(test_suite_reverts_unknown_error),
		HARNESS_TEST(test_suite_emits_unknown_event),
		HARNESS_TEST(test_suite_duplicate_test_name),
		HARNESS_TEST(test_suite_empty_tests),
		HARNESS_TEST(test_suite_step_checks),
		HARNESS_END,
	};
	int rc;

	dir = harness_tmpdir();
	xasprintf(&suite_file, "%s/suite.yaml", dir);
	free(harness_write(dir, "hardhat.json", "{\"contractName\": \"C\", \"abi\": " ABI ","
						" \"bytecode\": \"0x6001\"}"));
	free(harness_write(dir, "foundry.json", "{\"abi\": " ABI ", \"bytecode\": {\"object\": "
						"\"0x6001\", \"sourceMap\": \"\"}}"));
	free(harness_write(dir, "solc.json", "{\"contracts\": {\"c.sol:C\": {\"abi\": " ABI ","
					     " \"bin\": \"6001\"}}, \"version\": \"0.8.26\"}"));
	/* Old solc gives the ABI as JSON text. */
	{
		json_t *abi = json_loads(ABI, 0, NULL);
		char *text = json_dumps(abi, JSON_COMPACT), *file;
		json_t *j = json_pack("{s:{s:{s:s, s:s}}}", "contracts", "c.sol:C", "abi", text,
				      "bin", "6001");

		xasprintf(&file, "%s/old-solc.json", dir);
		if (j == NULL || json_dump_file(j, file, 0) != 0)
			return 1;
		json_decref(j);
		json_decref(abi);
		free(text);
		free(file);
	}
	free(harness_write(dir, "two.json",
			   "{\"contracts\": {"
			   "\"c.sol:C\": {\"abi\": " ABI ", \"bin\": \"6001\"},"
			   "\"o.sol:Other\": {\"abi\": " OTHER_ABI ", \"bin\": \"600102\"}}}"));
	free(harness_write(dir, "broken.json", "{\"abi\": [,\n"));
	free(harness_write(dir, "nocode.json", "{\"abi\": " ABI "}"));
	free(harness_write(dir, "abstract.json", "{\"abi\": " ABI ", \"bytecode\": \"0x\"}"));
	free(harness_write(dir, "badabi.json", "{\"abi\": [{\"type\": \"function\"}], "
					       "\"bytecode\": \"0x6001\"}"));
	free(harness_write(dir, "net.yaml", "version: 1\nname: lab\nnodes: [{name: a}, "
					    "{name: b, role: full}]\n"));
	rc = harness_run("suite", tests);
	harness_rmtree(dir);
	free(dir);
	free(suite_file);
	return rc;
}
