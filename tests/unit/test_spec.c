/* Tests for orchestrator/spec.c: the schema, defaults, extends, the checks
 * across fields, and the effective spec written back out. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "harness.h"
#include "spec.h"
#include "templates.h"
#include "xalloc.h"

static int
load(struct spec *spec, struct diag *d, const char *text)
{
	diag_init(d);
	return spec_load_buffer(spec, d, "net.yaml", text, strlen(text), 0);
}

/* Returns: whether d holds an entry at line:col whose text contains s. */
static int
has(const struct diag *d, unsigned line, unsigned col, const char *s)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].line == line && d->v[i].col == col &&
		    strstr(d->v[i].msg, s) != NULL)
			return 1;
	}
	return 0;
}

static void
test_spec_templates_are_valid(void)
{
	for (size_t i = 0; i < templates_count; i++) {
		struct spec spec;
		struct diag d;

		diag_init(&d);
		CU_ASSERT_EQUAL(spec_load(&spec, &d, templates[i].name), 0);
		CU_ASSERT_EQUAL(d.nerrors, 0);
		CU_ASSERT_EQUAL(d.nwarnings, 0);
		CU_ASSERT_STRING_EQUAL(spec.name, templates[i].name);
		spec_release(&spec);
		diag_release(&d);
	}
}

static void
test_spec_defaults(void)
{
	struct spec spec;
	struct diag d;
	char dec[U256_DEC_MAX];

	CU_ASSERT_EQUAL_FATAL(load(&spec, &d, "version: 1\nnodes: [{name: node}]\n"), 0);
	CU_ASSERT_STRING_EQUAL(spec.name, "net");
	CU_ASSERT_EQUAL(spec.chain.id, 31337);
	CU_ASSERT_EQUAL(spec.chain.consensus, SPEC_SOLO);
	CU_ASSERT_EQUAL(spec.chain.block_time_ms, 0);
	CU_ASSERT_EQUAL(spec.chain.gas_limit, 30000000);
	CU_ASSERT_EQUAL(spec.chain.base_fee.w[0], 1000000000);
	CU_ASSERT_TRUE(spec.chain.empty_blocks);
	CU_ASSERT_STRING_EQUAL(spec.accounts.mnemonic,
			       "test test test test test test test test test test test junk");
	CU_ASSERT_EQUAL(spec.accounts.count, 10);
	u256_to_dec(dec, &spec.accounts.balance);
	CU_ASSERT_STRING_EQUAL(dec, "10000000000000000000000");
	CU_ASSERT_EQUAL(spec.nnodes, 1);
	CU_ASSERT_STRING_EQUAL(spec.nodes[0].name, "node");
	CU_ASSERT_TRUE(spec.groups[0].rpc);
	CU_ASSERT_EQUAL(spec.groups[0].rpc_port, 0);
	CU_ASSERT_EQUAL(spec.sandbox.seccomp, SPEC_SECCOMP_STRICT);
	CU_ASSERT_STRING_EQUAL(spec.logs.dir, "logs");
	CU_ASSERT_EQUAL(spec.logs.max_size, 64ULL << 20);
	spec_release(&spec);
	diag_release(&d);
}

static void
test_spec_full(void)
{
	struct spec spec;
	struct diag d;
	const char *text =
		"version: 1\nname: full-net\nseed: 42\n"
		"chain: {id: 0x539, consensus: tbft, block_time: 200ms, empty_blocks: false,\n"
		"        gas_limit: 60000000, base_fee: 0.5 gwei, hardfork: cancun}\n"
		"accounts:\n"
		"  mnemonic: abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n"
		"  count: 3\n  balance: 1.5 ether\n"
		"  alloc:\n"
		"    - address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n"
		"      balance: 0x10\n      nonce: 2\n      code: 0x6001\n"
		"      storage: {0x0: 1, '2': 0xff}\n"
		"nodes:\n"
		"  - {name: validator, count: 4, restart: on-failure,\n"
		"     resources: {memory: 256MiB, cpu: 0.5, pids: 64, files: 1024}}\n"
		"  - {name: rpc, role: full, rpc: 8545, args: [--verbose], env: {RUST_LOG: debug}}\n"
		"sandbox: {seccomp: log, network: netns, filesystem: shared}\n"
		"logs: {dir: out, max_size: 1MiB, keep: 5}\n"
		"snapshots: {dir: snaps}\n";

	CU_ASSERT_EQUAL_FATAL(load(&spec, &d, text), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(spec.seed, 42);
	CU_ASSERT_EQUAL(spec.chain.id, 1337);
	CU_ASSERT_EQUAL(spec.chain.block_time_ms, 200);
	CU_ASSERT_FALSE(spec.chain.empty_blocks);
	CU_ASSERT_EQUAL(spec.chain.base_fee.w[0], 500000000);
	CU_ASSERT_EQUAL_FATAL(spec.accounts.nalloc, 1);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].address[0], 0x5a);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].balance.w[0], 16);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].nonce, 2);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].code_len, 2);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].nstorage, 2);
	CU_ASSERT_EQUAL(spec.accounts.alloc[0].storage[1].value.w[0], 255);
	CU_ASSERT_EQUAL_FATAL(spec.nnodes, 5);
	CU_ASSERT_STRING_EQUAL(spec.nodes[0].name, "validator-1");
	CU_ASSERT_STRING_EQUAL(spec.nodes[3].name, "validator-4");
	CU_ASSERT_STRING_EQUAL(spec.nodes[4].name, "rpc");
	CU_ASSERT_EQUAL(spec.groups[0].resources.memory, 256ULL << 20);
	CU_ASSERT_EQUAL(spec.groups[0].resources.cpu_milli, 500);
	CU_ASSERT_EQUAL(spec.groups[0].restart, SPEC_RESTART_ON_FAILURE);
	CU_ASSERT_EQUAL(spec.groups[1].rpc_port, 8545);
	CU_ASSERT_STRING_EQUAL(spec.groups[1].args[0], "--verbose");
	CU_ASSERT_STRING_EQUAL(spec.groups[1].env[0], "RUST_LOG=debug");
	CU_ASSERT_EQUAL(spec.sandbox.network, SPEC_NET_NETNS);
	CU_ASSERT_EQUAL(spec.logs.keep, 5);
	CU_ASSERT_STRING_EQUAL(spec.snapshots.dir, "snaps");
	spec_release(&spec);
	diag_release(&d);
}

/* Three mistakes give three errors, each at its own line, and no spec. */
static void
test_spec_three_mistakes(void)
{
	struct spec spec;
	struct diag d;
	const char *text =
		"version: 1\n"
		"chain:\n"
		"  consensus: tbft\n"
		"  block_time: 2\n"
		"nodes:\n"
		"  - name: validator\n"
		"    cuont: 4\n"
		"    role: leader\n";

	CU_ASSERT_EQUAL(load(&spec, &d, text), -EINVAL);
	CU_ASSERT_EQUAL(d.nerrors, 3);
	CU_ASSERT_TRUE(has(&d, 4, 15, "expected a duration like 200ms"));
	CU_ASSERT_TRUE(has(&d, 7, 5, "unknown key 'cuont' (did you mean 'count'?)"));
	CU_ASSERT_TRUE(has(&d, 8, 11, "unknown role 'leader': expected validator or full"));
	diag_release(&d);
}

static void
test_spec_type_errors(void)
{
	struct spec spec;
	struct diag d;
	const char *text =
		"version: 2\n"                       /* 1 */
		"name: Bad Name\n"                   /* 2 */
		"seed: [1]\n"                        /* 3 */
		"chain: {id: 0, empty_blocks: yes}\n" /* 4 */
		"accounts:\n"                        /* 5 */
		"  mnemonic: one two three\n"        /* 6 */
		"  balance: 1.5\n"                   /* 7 */
		"  alloc: [{balance: 1}]\n"          /* 8 */
		"nodes: {name: x}\n"                 /* 9 */
		"sandbox: {seccomp: strcit}\n"       /* 10 */
		"logs: {max_size: 1KiB, keep: -1}\n" /* 11 */
		"block_time: 1s\n";                  /* 12 */

	CU_ASSERT_EQUAL(load(&spec, &d, text), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "'version' must be 1"));
	CU_ASSERT_TRUE(has(&d, 2, 7, "invalid name 'Bad Name'"));
	CU_ASSERT_TRUE(has(&d, 3, 7, "expected a whole number, got a list"));
	CU_ASSERT_TRUE(has(&d, 4, 13, "expected a whole number from 1 to"));
	CU_ASSERT_TRUE(has(&d, 4, 30, "expected true or false for 'empty_blocks'"));
	CU_ASSERT_TRUE(has(&d, 6, 13, "12, 15, 18, 21 or 24 words, not 3"));
	CU_ASSERT_TRUE(has(&d, 7, 12, "expected an amount like 10000 ether"));
	CU_ASSERT_TRUE(has(&d, 8, 11, "needs an 'address'"));
	CU_ASSERT_TRUE(has(&d, 9, 8, "expected a list of node groups, got a mapping"));
	CU_ASSERT_TRUE(has(&d, 10, 20, "did you mean 'strict'?"));
	CU_ASSERT_TRUE(has(&d, 11, 18, "'max_size' must be at least 4KiB"));
	CU_ASSERT_TRUE(has(&d, 11, 30, "expected a whole number from 0 to 100"));
	CU_ASSERT_TRUE(has(&d, 12, 1, "it belongs under 'chain'"));
	diag_release(&d);
}

/* A mistyped mnemonic word is caught when the spec is checked. */
static void
test_spec_mnemonic_word(void)
{
	struct spec spec;
	struct diag d;

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nnodes: [{name: v}]\n"
				       "accounts: {mnemonic: test test test test test test test test test test tesr junk}\n"),
			-EINVAL);
	CU_ASSERT_TRUE(has(&d, 3, 22, "'tesr', is not in the BIP-39 English word list; did you mean 'test'?"));
	diag_release(&d);
}

static void
test_spec_network_checks(void)
{
	struct spec spec;
	struct diag d;

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nnodes: [{name: v, count: 2}]\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 1, "solo consensus has one block producer"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nnodes: [{name: f, role: full}]\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 2, 8, "at least one node with role: validator"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nnodes: []\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 2, 8, "at least one node group"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "nodes: [{name: v}]\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 1, "missing 'version: 1'"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nchain: {consensus: tbft, block_time: 0}\n"
				       "nodes: [{name: v, count: 4}]\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 2, 38, "tbft needs a block_time of at least 50ms"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nchain: {consensus: tbft}\n"
				       "nodes: [{name: v, count: 4, rpc: 8545}, {name: w, role: full, rpc: 8545}]\n"),
			-EINVAL);
	CU_ASSERT_TRUE(has(&d, 3, 34, "a fixed rpc port needs a group of one node"));
	CU_ASSERT_TRUE(has(&d, 3, 68, "rpc port 8545 is already given to 'v'"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "version: 1\nchain: {consensus: tbft}\n"
				       "nodes: [{name: v, count: 2}, {name: v-1, role: full}]\n"),
			-EINVAL);
	CU_ASSERT_TRUE(has(&d, 3, 37, "node name 'v-1' is used twice"));
	diag_release(&d);
}

/* A tbft network of fewer than four validators is allowed, with a warning. */
static void
test_spec_small_tbft_warns(void)
{
	struct spec spec;
	struct diag d;

	CU_ASSERT_EQUAL_FATAL(load(&spec, &d, "version: 1\nchain: {consensus: tbft}\n"
					     "nodes: [{name: v, count: 3}]\n"), 0);
	CU_ASSERT_EQUAL(d.nerrors, 0);
	CU_ASSERT_EQUAL(d.nwarnings, 1);
	CU_ASSERT_TRUE(has(&d, 3, 8, "tolerates no faulty validator"));
	CU_ASSERT_EQUAL(spec.chain.block_time_ms, 1000);
	spec_release(&spec);
	diag_release(&d);
}

static void
test_spec_extends_template(void)
{
	struct spec spec;
	struct diag d;

	CU_ASSERT_EQUAL_FATAL(load(&spec, &d, "extends: bft4\nnodes:\n  - {name: validator, count: 7}\n"), 0);
	CU_ASSERT_EQUAL(spec.nnodes, 7);
	CU_ASSERT_EQUAL(spec.chain.consensus, SPEC_TBFT);
	CU_ASSERT_EQUAL(spec.chain.block_time_ms, 1000);
	CU_ASSERT_STRING_EQUAL(spec.name, "net"); /* the name is not inherited */
	spec_release(&spec);
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "extends: bft5\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "unknown template 'bft5' (did you mean 'bft4'?)"));
	diag_release(&d);

	CU_ASSERT_EQUAL(load(&spec, &d, "extends: [bft4]\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "expected a template name or a path"));
	diag_release(&d);
}

static void
test_spec_extends_files(void)
{
	char *dir = harness_tmpdir(), *base, *top, *loop, *missing;
	struct spec spec;
	struct diag d;

	base = harness_write(dir, "base.yaml", "version: 1\nchain: {id: 7}\nnodes: [{name: v}]\n");
	top = harness_write(dir, "top.yaml", "extends: base.yaml\nchain: {gas_limit: 1000000}\n");
	loop = harness_write(dir, "loop.yaml", "extends: loop.yaml\n");
	missing = harness_write(dir, "missing.yaml", "version: 1\nextends: ./nope.yaml\n");

	diag_init(&d);
	CU_ASSERT_EQUAL_FATAL(spec_load(&spec, &d, top), 0);
	CU_ASSERT_EQUAL(spec.chain.id, 7);
	CU_ASSERT_EQUAL(spec.chain.gas_limit, 1000000);
	CU_ASSERT_STRING_EQUAL(spec.name, "top");
	spec_release(&spec);
	diag_release(&d);

	diag_init(&d);
	CU_ASSERT_EQUAL(spec_load(&spec, &d, loop), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "is there a cycle?"));
	diag_release(&d);

	diag_init(&d);
	CU_ASSERT_EQUAL(spec_load(&spec, &d, missing), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 2, 10, "No such file or directory"));
	diag_release(&d);

	/* Fuzzing and other untrusted input may not reach the file system. */
	diag_init(&d);
	CU_ASSERT_EQUAL(spec_load_buffer(&spec, &d, top, "extends: base.yaml\n", 19, SPEC_NO_FILES),
			-EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 10, "only a built-in template"));
	diag_release(&d);

	/* A file over the 1 MiB limit is refused before it is parsed. */
	{
		char *huge = xmalloc(2 << 20), *path;

		memset(huge, '#', (2 << 20) - 1);
		huge[(2 << 20) - 1] = '\0';
		path = harness_write(dir, "huge.yaml", huge);
		diag_init(&d);
		CU_ASSERT_EQUAL(spec_load(&spec, &d, path), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "larger than the 1 MiB"));
		diag_release(&d);
		free(path);
		free(huge);
	}

	diag_init(&d);
	CU_ASSERT_EQUAL(spec_load(&spec, &d, "no-such-dir/x.yaml"), -EINVAL);
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "cannot read 'no-such-dir/x.yaml'"));
	diag_release(&d);

	harness_rmtree(dir);
	free(base);
	free(top);
	free(loop);
	free(missing);
	free(dir);
}

static void
test_spec_not_a_mapping(void)
{
	struct spec spec;
	struct diag d;

	CU_ASSERT_EQUAL(load(&spec, &d, "- a\n- b\n"), -EINVAL);
	CU_ASSERT_TRUE(has(&d, 1, 1, "expected a mapping at the top"));
	diag_release(&d);
	CU_ASSERT_EQUAL(load(&spec, &d, "# nothing\n"), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "the spec is empty"));
	diag_release(&d);
}

/* More than DIAG_MAX_ERRORS mistakes: the first twenty are kept. */
static void
test_spec_error_cap(void)
{
	char *text = xstrdup("version: 1\nnodes: [{name: v}]\n"), *tmp;
	struct spec spec;
	struct diag d;

	for (int i = 0; i < 30; i++) {
		xasprintf(&tmp, "%sbogus%d: 1\n", text, i);
		free(text);
		text = tmp;
	}
	CU_ASSERT_EQUAL(load(&spec, &d, text), -EINVAL);
	CU_ASSERT_EQUAL(d.nerrors, DIAG_MAX_ERRORS);
	CU_ASSERT_EQUAL(d.dropped, 10);
	diag_release(&d);
	free(text);
}

/* The effective spec, written as YAML, reads back to the same spec. */
static void
test_spec_yaml_round_trip(void)
{
	const char *refs[] = { "dev", "bft4", "bft7" };

	for (size_t i = 0; i < 3; i++) {
		struct spec a, b;
		struct diag d;
		json_t *ja, *jb;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		diag_init(&d);
		CU_ASSERT_EQUAL_FATAL(spec_load(&a, &d, refs[i]), 0);
		spec_write_yaml(f, &a);
		fclose(f);
		CU_ASSERT_EQUAL_FATAL(spec_load_buffer(&b, &d, "printed.yaml", buf, len, 0), 0);
		ja = spec_to_json(&a);
		jb = spec_to_json(&b);
		CU_ASSERT_TRUE(json_equal(ja, jb));
		json_decref(ja);
		json_decref(jb);
		spec_release(&a);
		spec_release(&b);
		diag_release(&d);
		free(buf);
	}
}

static void
test_spec_ref_is_path(void)
{
	CU_ASSERT_FALSE(spec_ref_is_path("bft4"));
	CU_ASSERT_TRUE(spec_ref_is_path("net.yaml"));
	CU_ASSERT_TRUE(spec_ref_is_path("net.yml"));
	CU_ASSERT_TRUE(spec_ref_is_path("./net"));
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_spec_templates_are_valid),
		HARNESS_TEST(test_spec_defaults),
		HARNESS_TEST(test_spec_full),
		HARNESS_TEST(test_spec_three_mistakes),
		HARNESS_TEST(test_spec_type_errors),
		HARNESS_TEST(test_spec_mnemonic_word),
		HARNESS_TEST(test_spec_network_checks),
		HARNESS_TEST(test_spec_small_tbft_warns),
		HARNESS_TEST(test_spec_extends_template),
		HARNESS_TEST(test_spec_extends_files),
		HARNESS_TEST(test_spec_not_a_mapping),
		HARNESS_TEST(test_spec_error_cap),
		HARNESS_TEST(test_spec_yaml_round_trip),
		HARNESS_TEST(test_spec_ref_is_path),
		HARNESS_END,
	};
	return harness_run("spec", tests);
}
