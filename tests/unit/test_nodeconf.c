/* Tests for node/nodeconf.c: node.conf and geth-format genesis files. */
#include <stdlib.h>
#include <string.h>

#include "nodeconf.h"
#include "harness.h"

static const char genesis_text[] =
	"{\"config\": {\"chainId\": 1337, \"homesteadBlock\": 0, \"cancunTime\": 0,\n"
	"  \"chainbox\": {\"consensus\": \"solo\", \"blockTimeMs\": 250, \"emptyBlocks\": false,\n"
	"    \"validators\": [\"0x0000000000000000000000000000000000000001\",\n"
	"                   \"0x0000000000000000000000000000000000000002\"]}},\n"
	" \"alloc\": {\n"
	"  \"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\": {\"balance\": \"0x56bc75e2d63100000\"},\n"
	"  \"1111111111111111111111111111111111111111\": {\"balance\": \"7\", \"nonce\": \"0x3\",\n"
	"     \"code\": \"0x6001\", \"storage\": {\"0x01\": \"0x02\"}}},\n"
	" \"gasLimit\": \"0x1c9c380\", \"baseFeePerGas\": 7, \"timestamp\": \"0x6500\",\n"
	" \"extraData\": \"0x1234\", \"coinbase\": \"0x00000000000000000000000000000000000000aa\"}\n";

static void
test_genesis(void)
{
	char *dir = harness_tmpdir(), *path = harness_write(dir, "genesis.json", genesis_text);
	struct node_genesis g;
	char *cause = NULL;
	const struct chain_alloc *a;
	struct u256 want;

	CU_ASSERT_EQUAL_FATAL(node_genesis_load(&g, &cause, path), 0);
	CU_ASSERT_EQUAL(g.chain.chain_id, 1337);
	CU_ASSERT_EQUAL(g.chain.gas_limit, 30000000);
	CU_ASSERT_TRUE(harness_u256_is(g.chain.base_fee, 7));
	CU_ASSERT_EQUAL(g.chain.timestamp, 0x6500);
	CU_ASSERT_EQUAL(g.chain.extra_len, 2);
	CU_ASSERT_EQUAL(g.chain.extra[1], 0x34);
	CU_ASSERT_EQUAL(g.chain.coinbase[19], 0xaa);
	CU_ASSERT_FALSE(g.tbft);
	CU_ASSERT_EQUAL(g.block_time_ms, 250);
	CU_ASSERT_FALSE(g.empty_blocks);
	CU_ASSERT_EQUAL_FATAL(g.nvalidators, 2);
	CU_ASSERT_EQUAL(g.validators[1][19], 0x02);
	CU_ASSERT_EQUAL_FATAL(g.nalloc, 2);
	a = &g.alloc[0];
	CU_ASSERT_EQUAL(a->address[0], 0xf3);
	want = harness_u256("100000000000000000000");
	CU_ASSERT_TRUE(u256_eq(&a->balance, &want));
	a = &g.alloc[1];
	CU_ASSERT_EQUAL(a->address[19], 0x11);
	CU_ASSERT_TRUE(harness_u256_is(a->balance, 7));
	CU_ASSERT_EQUAL(a->nonce, 3);
	CU_ASSERT_EQUAL(a->code_len, 2);
	CU_ASSERT_EQUAL_FATAL(a->nstorage, 1);
	CU_ASSERT_TRUE(harness_u256_is(a->storage[0][0], 1));
	CU_ASSERT_TRUE(harness_u256_is(a->storage[0][1], 2));
	node_genesis_release(&g);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* Loads text as a genesis file.  Returns: the error (caller frees), or
 * NULL when it loaded. */
static char *
genesis_error(const char *text)
{
	char *dir = harness_tmpdir(), *path = harness_write(dir, "g.json", text);
	struct node_genesis g;
	char *cause = NULL;

	if (node_genesis_load(&g, &cause, path) == 0)
		CU_ASSERT_PTR_NULL(cause);
	node_genesis_release(&g);
	free(path);
	harness_rmtree(dir);
	free(dir);
	return cause;
}

/* Checks that text is refused with a message containing want. */
static void
refused(const char *text, const char *want)
{
	char *cause = genesis_error(text);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (strstr(cause, want) == NULL)
		fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", cause, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, want));
	free(cause);
}

static void
test_genesis_errors(void)
{
	refused("[1]", "expected a JSON object");
	refused("{\"config\": {\n\"chainId\": 1,,}}", "g.json:2:");
	refused("{}", "config: expected an object");
	refused("{\"config\": {}}", "config.chainId: missing");
	refused("{\"config\": {\"chainId\": \"x\"}}", "config.chainId: expected a number");
	refused("{\"config\": {\"chainId\": 0}}", "must not be 0");
	refused("{\"config\": {\"chainId\": 1}, \"gasLimit\": 5}", "gasLimit: at least 21000");
	refused("{\"config\": {\"chainId\": 1, \"chainbox\": {\"consensus\": \"pow\"}}}",
		"config.chainbox.consensus");
	refused("{\"config\": {\"chainId\": 1}, \"alloc\": {\"0x12\": {\"balance\": 1}}}",
		"alloc.0x12: expected 0x and 40 hex digits");
	refused("{\"config\": {\"chainId\": 1}, \"alloc\": "
		"{\"0x1111111111111111111111111111111111111111\": {}}}", ".balance: missing");
	refused("{\"config\": {\"chainId\": 1}, \"alloc\": "
		"{\"0x1111111111111111111111111111111111111111\": {\"balance\": 1, \"blance\": 2}}}",
		"unknown field 'blance'");
	refused("{\"config\": {\"chainId\": 1}, \"alloc\": "
		"{\"0x1111111111111111111111111111111111111111\": {\"balance\": 1, "
		"\"storage\": {\"0x01\": \"0xzz\"}}}}", "storage.0x01");
	refused("{\"config\": {\"chainId\": 1}, \"extraData\": \"0x"
		"000000000000000000000000000000000000000000000000000000000000000000\"}",
		"extraData: expected 0x-hex of at most 32 bytes");
	refused("{\"config\": {\"chainId\": 1}, \"config\": {\"chainId\": 2}}", "duplicate");
}

static void
test_node_config(void)
{
	char *dir = harness_tmpdir(), *conf, *gpath = harness_write(dir, "genesis.json",
								      genesis_text);
	struct node_config nc;
	char *cause = NULL, want[4096];

	conf = harness_write(dir, "node.conf",
			     "{\"name\": \"validator-2\", \"genesis\": \"genesis.json\",\n"
			     " \"data_dir\": \"data\", \"rpc\": {\"port\": 9545},\n"
			     " \"node_key\": \"0x0101010101010101010101010101010101010101010101010101010101010101\",\n"
			     " \"accounts\": {\"mnemonic\": \"test test\", \"count\": 3}}\n");
	CU_ASSERT_EQUAL_FATAL(node_config_load(&nc, &cause, conf), 0);
	CU_ASSERT_STRING_EQUAL(nc.name, "validator-2");
	snprintf(want, sizeof want, "%s/data", dir);
	CU_ASSERT_STRING_EQUAL(nc.data_dir, want);
	CU_ASSERT_TRUE(nc.rpc);
	CU_ASSERT_STRING_EQUAL(nc.rpc_host, "127.0.0.1");
	CU_ASSERT_EQUAL(nc.rpc_port, 9545);
	CU_ASSERT_TRUE(nc.has_node_key);
	CU_ASSERT_EQUAL(nc.node_key[31], 1);
	CU_ASSERT_STRING_EQUAL(nc.mnemonic, "test test");
	CU_ASSERT_EQUAL(nc.accounts, 3);
	CU_ASSERT_EQUAL(nc.genesis.chain.chain_id, 1337);
	node_config_release(&nc);
	free(conf);

	conf = harness_write(dir, "net.conf",
			     "{\"genesis\": \"genesis.json\", \"p2p\": {\"port\": 30303},\n"
			     " \"peers\": [{\"name\": \"v2\", \"host\": \"127.0.0.1\", \"port\": 30304,\n"
			     "   \"address\": \"0x00000000000000000000000000000000000000b2\"}],\n"
			     " \"control\": \"control.sock\", \"validator\": true}\n");
	CU_ASSERT_EQUAL_FATAL(node_config_load(&nc, &cause, conf), 0);
	CU_ASSERT_TRUE(nc.p2p);
	CU_ASSERT_STRING_EQUAL(nc.p2p_host, "127.0.0.1");
	CU_ASSERT_EQUAL(nc.p2p_port, 30303);
	CU_ASSERT_EQUAL_FATAL(nc.npeers, 1);
	CU_ASSERT_STRING_EQUAL(nc.peers[0].name, "v2");
	CU_ASSERT_EQUAL(nc.peers[0].port, 30304);
	CU_ASSERT_EQUAL(nc.peers[0].address[19], 0xb2);
	snprintf(want, sizeof want, "%s/control.sock", dir);
	CU_ASSERT_STRING_EQUAL(nc.control_path, want);
	CU_ASSERT_TRUE(nc.validator);
	node_config_release(&nc);
	free(conf);

	conf = harness_write(dir, "badpeer.conf", "{\"genesis\": \"genesis.json\", \"peers\": "
			     "[{\"name\": \"v2\", \"port\": 1, \"address\": \"0x12\"}]}");
	CU_ASSERT_NOT_EQUAL(node_config_load(&nc, &cause, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "peers[0].address: expected 0x and 40 hex digits"));
	free(cause);
	node_config_release(&nc);
	free(conf);

	conf = harness_write(dir, "bad.conf", "{\"genesis\": \"missing.json\"}");
	CU_ASSERT_NOT_EQUAL(node_config_load(&nc, &cause, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "missing.json"));
	free(cause);
	node_config_release(&nc);
	free(conf);

	conf = harness_write(dir, "bad2.conf", "{\"genesis\": \"genesis.json\", \"rpc\": "
			     "{\"port\": 70000}}");
	CU_ASSERT_NOT_EQUAL(node_config_load(&nc, &cause, conf), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "rpc.port: at most 65535"));
	free(cause);
	node_config_release(&nc);
	free(conf);
	free(gpath);
	harness_rmtree(dir);
	free(dir);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_genesis),
		HARNESS_TEST(test_genesis_errors),
		HARNESS_TEST(test_node_config),
		HARNESS_END,
	};

	return harness_run("nodeconf", tests);
}
