/* libFuzzer target for contract test suites (orchestrator/suite.c): YAML,
 * the keys and types of every step, networks by template, file or inline
 * spec, artifacts, ABI look-ups and the alias checks.
 *
 * Each input is read as DIR/fuzz.yaml, where DIR is a scratch directory
 * made at start-up that holds what the example suites refer to: the
 * supply-chain example's network.yaml (four tbft validators and a full
 * node, enough for all three) and the examples' artifacts at the paths
 * their suites give, linked from the source tree ($TOP_SRCDIR, else the
 * one this was built from).  So the examples, as seeds, load to the end.
 *
 * A suite that loads must hold what testrun.c takes for granted when it
 * runs one; a step that breaks it aborts, naming the step and the broken
 * rule.  FUZZ_SUITE_NO_CHECKS=1 turns that off, to look for memory errors
 * past a known breach.
 *
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_suite -max_total_time=300 -max_len=65536 CORPUS_DIR SEEDS
 * with SEEDS a directory holding copies of examples/NAME/suite.yaml
 * (ci/ci.sh makes one). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "log.h"
#include "suite.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dir;
static char *file;
static FILE *sink;
static bool checks = true;

/* What DIR holds: the path a suite names, and where it is in the tree. */
static const struct {
	const char *path, *src;
} links[] = {
	{ "network.yaml", "examples/supply-chain/network.yaml" },
	{ "artifacts/ChainboxToken.json", "examples/token/artifacts/ChainboxToken.json" },
	{ "artifacts/token.json", "examples/token/artifacts/token.json" },
	{ "artifacts/evidence.json", "examples/evidence/artifacts/evidence.json" },
	{ "artifacts/supply-chain.json", "examples/supply-chain/artifacts/supply-chain.json" },
	{ "out/SupplyChain.sol/SupplyChain.json",
	  "examples/supply-chain/out/SupplyChain.sol/SupplyChain.json" },
};

static void
cleanup(void)
{
	char *p;

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		xasprintf(&p, "%s/%s", dir, links[i].path);
		unlink(p);
		free(p);
	}
	xasprintf(&p, "%s/out/SupplyChain.sol", dir);
	rmdir(p);
	free(p);
	xasprintf(&p, "%s/out", dir);
	rmdir(p);
	free(p);
	xasprintf(&p, "%s/artifacts", dir);
	rmdir(p);
	free(p);
	rmdir(dir);
}

/* Makes DIR once.  A link that cannot be made only costs coverage. */
static void
setup(void)
{
	const char *top = getenv("TOP_SRCDIR");
	char *p, *base;

	if (dir != NULL)
		return;
#ifdef FUZZ_SRCDIR
	if (top == NULL)
		top = FUZZ_SRCDIR;
#endif
	if (top == NULL)
		top = ".";
	if (top[0] == '/') {
		base = xstrdup(top);
	} else {
		char *cwd = getcwd(NULL, 0);

		xasprintf(&base, "%s/%s", cwd != NULL ? cwd : ".", top);
		free(cwd);
	}
	xasprintf(&dir, "%s/chainbox-fuzz-suite-XXXXXX",
		  getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_suite: mkdtemp");
		abort();
	}
	xasprintf(&file, "%s/fuzz.yaml", dir);
	xasprintf(&p, "%s/artifacts", dir);
	(void)mkdir(p, 0755);
	free(p);
	xasprintf(&p, "%s/out", dir);
	(void)mkdir(p, 0755);
	free(p);
	xasprintf(&p, "%s/out/SupplyChain.sol", dir);
	(void)mkdir(p, 0755);
	free(p);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char *src, *dst;

		xasprintf(&src, "%s/%s", base, links[i].src);
		xasprintf(&dst, "%s/%s", dir, links[i].path);
		if (symlink(src, dst) != 0)
			fprintf(stderr, "fuzz_suite: cannot link %s to %s\n", dst, src);
		free(src);
		free(dst);
	}
	free(base);
	atexit(cleanup);
	sink = fopen("/dev/null", "w");
	/* An input may name /dev/stdin as an artifact: let it read nothing. */
	if (freopen("/dev/null", "r", stdin) == NULL)
		abort();
	if (getenv("FUZZ_SUITE_NO_CHECKS") != NULL)
		checks = false;
}

/* Aborts when a loaded step breaks a rule testrun.c relies on. */
static void
need(bool ok, const struct suite_step *st, const char *rule)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_suite: step '%s' at %u:%u loaded, but %s\n",
		st->what != NULL ? st->what : "?", st->at != NULL ? st->at->line : 0,
		st->at != NULL ? st->at->col : 0, rule);
	abort();
}

static bool
is_scalar(const struct ynode *n)
{
	return n != NULL && n->kind == YNODE_SCALAR && n->str != NULL;
}

/* The rules: what testrun.c dereferences, or reads as text, without a
 * check of its own. */
static void
check_step(const struct suite *s, const struct suite_step *st)
{
	need(st->what != NULL && st->at != NULL, st, "it has no description or position");
	switch (st->kind) {
	case STEP_DEPLOY:
		need(st->contract != NULL && st->contract->code_len > 0, st,
		     "it has no contract with code");
		/* fallthrough */
	case STEP_SEND:
	case STEP_CALL:
		need(st->fn != NULL, st, "it has no function");
		need(st->kind == STEP_DEPLOY || is_scalar(st->to), st,
		     "its 'to' is not a value");
		need(st->from == NULL || is_scalar(st->from), st, "its 'from' is not a value");
		need(st->value == NULL || is_scalar(st->value), st, "its 'value' is not a value");
		need(st->revert == NULL || is_scalar(st->revert), st,
		     "its revert reason is not a value");
		need(st->op == CMP_NONE || st->expect != NULL, st, "it compares with nothing");
		for (size_t i = 0; i < st->nemits; i++)
			need(st->emits[i].event != NULL && st->emits[i].contract != NULL, st,
			     "an expected event has no entry");
		break;
	case STEP_BALANCE:
	case STEP_NONCE:
		need(is_scalar(st->of), st, "its 'of' is not a value");
		need(st->op != CMP_NONE && is_scalar(st->expect), st,
		     "it does not compare with a value");
		break;
	case STEP_KILL:
	case STEP_RESTART:
	case STEP_STOP:
	case STEP_START:
	case STEP_PAUSE:
	case STEP_RESUME:
	case STEP_DELAY:
		need(st->nnodes == 1 && st->nodes[0] != NULL, st, "it names no node");
		break;
	case STEP_PARTITION:
		need(st->nnodes >= 2, st, "it has fewer than two groups");
		break;
	default:
		break;
	}
	if (st->node != NULL) {
		bool found = false;

		for (size_t i = 0; i < s->spec.nnodes; i++)
			found |= strcmp(s->spec.nodes[i].name, st->node) == 0;
		need(found, st, "its node is not the network's");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct suite s;
	struct diag d;

	setup();
	diag_init(&d);
	if (suite_load_buffer(&s, &d, file, (const char *)data, size) == 0) {
		for (size_t i = 0; checks && i < s.setup.nsteps; i++)
			check_step(&s, &s.setup.steps[i]);
		for (size_t t = 0; checks && t < s.ntests; t++) {
			for (size_t i = 0; i < s.tests[t].nsteps; i++)
				check_step(&s, &s.tests[t].steps[i]);
		}
		suite_release(&s);
	}
	/* Formatting every message exercises the positions and texts too. */
	log_set_output(sink, false);
	diag_print(&d);
	diag_release(&d);
	return 0;
}
