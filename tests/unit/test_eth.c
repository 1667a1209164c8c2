/* Tests for node/rpc/eth.c and codec.c: the JSON-RPC methods of a dev node,
 * driven as a client drives them, with request bodies through
 * rpc_dispatch_body() and assertions on the JSON that comes back.  Each
 * test builds the chain chainbox-node --dev builds: anvil's ten dev
 * accounts with 10000 ether each, chain id 31337, a 30M gas limit and a
 * 1 gwei genesis base fee.
 *
 * Assertions report the caller's line, so a failure names the request.
 * TEST_ETH_TRACE=1 prints every request and response. */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "chain/tx.h"
#include "harness.h"
#include "harness_node.h"
#include "hdwallet.h"
#include "hex.h"
#include "keccak.h"
#include "rpc/dispatch.h"
#include "rpc/eth.h"
#include "secp.h"
#include "xalloc.h"

#define MNEMONIC "test test test test test test test test test test test junk"
#define NACCTS 10
#define GENESIS_TIME 1700000000
#define GWEI 1000000000ULL
/* Responses a node keeps for the test to read; older ones are freed. */
#define KEPT 32

/* 10000 ether, each dev account's balance. */
#define DEV_BALANCE "0x21e19e0c9bab2400000"
#define ZERO_ADDRESS "0x0000000000000000000000000000000000000000"
/* Where the first contract account 0 creates goes (nonce 0). */
#define FIRST_CONTRACT "0x5fbdb2315678afecb367f032d93f642f64180aa3"
#define ZERO_BLOOM_LEN (2 + 2 * 256)

/* Hand-assembled code.  CONST returns the word 42; its initcode copies
 * the 10 bytes after its own 11 and returns them. */
#define CONST_RUNTIME "602a60005260206000f3"
#define CONST_INITCODE "600a80600b6000396000f3" CONST_RUNTIME
#define WORD_42 "0x000000000000000000000000000000000000000000000000000000000000002a"
/* Reverts with Error("nope"): selector, offset 0x20, length 4, text. */
#define NOPE_RUNTIME "6308c379a060e01b600052" "6020600452" "6004602452" \
	"636e6f706560e01b604452" "60646000fd"
#define NOPE_DATA "0x08c379a0" \
	"0000000000000000000000000000000000000000000000000000000000000020" \
	"0000000000000000000000000000000000000000000000000000000000000004" \
	"6e6f706500000000000000000000000000000000000000000000000000000000"
/* Reverts with the custom error selector 0xdeadbeef and nothing else. */
#define CUSTOM_RUNTIME "63deadbeef60e01b60005260046000fd"
/* Reverts with the custom error 0xdeadbeef and the argument 7. */
#define CUSTOM_ARG_RUNTIME "63deadbeef60e01b600052" "6007600452" "60246000fd"
#define CUSTOM_ARG_DATA "0xdeadbeef" \
	"0000000000000000000000000000000000000000000000000000000000000007"
/* Reverts with no data. */
#define EMPTY_REVERT_RUNTIME "60006000fd"
/* LOG2 of the word 42 with topics 0xaa and the call's first word. */
#define EMIT_RUNTIME "602a600052" "600035" "60aa" "60206000a2" "00"
#define TOPIC_AA "0x00000000000000000000000000000000000000000000000000000000000000aa"
#define WORD(n) "0x00000000000000000000000000000000000000000000000000000000000000" n

/* Arachnid's deterministic deployment proxy, in every anvil genesis. */
#define CREATE2_DEPLOYER "4e59b44847b379578588920ca78fbf26c0b4956c"
#define CREATE2_DEPLOYER_CODE                                                   \
	"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe036" \
	"01600081602082378035828234f58015156039578182fd5b808252505050601460" \
	"0cf3"

#define CONTRACT_A "0x1000000000000000000000000000000000000001"
#define CONTRACT_B "0x1000000000000000000000000000000000000002"
#define STRANGER "0x2000000000000000000000000000000000000002"
#define MAX_U256 "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static struct secp *secp;
static struct hdwallet_account accts[NACCTS];
/* accts[i].addr as JSON shows it: 0x and 40 lowercase digits. */
static char addr[NACCTS][43];

struct node {
	struct chain *chain;
	struct eth *eth;
	struct rpc_dispatch *d;
	json_t *kept[KEPT];
	size_t next;
};

/* --- checks that name the caller's line ----------------------------------- */

static bool PRINTFLIKE(3, 4)
check_at(bool ok, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, __FILE__, "",
				CU_FALSE);
	free(msg);
	return ok;
}

static bool
expect_str_at(int line, const char *what, const char *got, const char *want)
{
	return check_at(got != NULL && strcmp(got, want) == 0, line, "%s is \"%s\", want \"%s\"",
			what, got != NULL ? got : "(not a string)", want);
}

#define EXPECT_STR(got, want) expect_str_at(__LINE__, #got, (got), (want))
#define EXPECT(cond) check_at((cond), __LINE__, "%s", #cond)

/* jansson's json_is_*() evaluate their argument twice, which would send a
 * request twice; these evaluate it once. */
static bool
is_null(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_NULL;
}

static bool
is_true(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_TRUE;
}

static bool
is_false(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_FALSE;
}

static bool
is_array(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_ARRAY;
}

static bool
is_object(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_OBJECT;
}

static bool
is_integer(const json_t *v)
{
	return v != NULL && json_typeof(v) == JSON_INTEGER;
}

/* Returns: whether s holds sub; s may be NULL. */
static bool
has_text(const char *s, const char *sub)
{
	return s != NULL && strstr(s, sub) != NULL;
}

/* Returns: the QUANTITY s, or 0 when s is NULL. */
static uint64_t
quantity(const char *s)
{
	return s != NULL ? strtoull(s, NULL, 16) : 0;
}

/* Returns: o's member key as a string, or NULL. */
static const char *
fs(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Returns: a new "0x..." string of p's bytes (caller frees). */
static char *
hexstr(const uint8_t *p, size_t len)
{
	char *s = xmalloc(2 * len + 3);

	s[0] = '0';
	s[1] = 'x';
	hex_encode(s + 2, p, len);
	return s;
}

/* --- a node ----------------------------------------------------------------- */

/* Returns: a node as chainbox-node --dev makes it (--no-mining when not
 * automine), with the CREATE2 deployer in its genesis too. */
static struct node *
node_new(bool automine)
{
	uint8_t deployer_code[sizeof(CREATE2_DEPLOYER_CODE) / 2];
	struct chain_alloc alloc[NACCTS + 1];
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(GWEI),
		.timestamp = GENESIS_TIME, .alloc = alloc, .nalloc = NACCTS + 1,
		.automine = automine,
	};
	struct node *n = xcalloc(1, sizeof(*n));
	const struct rpc_method *methods;
	char *cause = NULL;
	size_t nmethods;

	memset(alloc, 0, sizeof(alloc));
	for (size_t i = 0; i < NACCTS; i++) {
		memcpy(alloc[i].address, accts[i].addr, 20);
		alloc[i].balance = harness_u256("10000000000000000000000");
	}
	harness_unhex(alloc[NACCTS].address, 20, CREATE2_DEPLOYER);
	harness_unhex(deployer_code, sizeof deployer_code, CREATE2_DEPLOYER_CODE);
	alloc[NACCTS].code = deployer_code;
	alloc[NACCTS].code_len = sizeof deployer_code;
	n->chain = chain_new(&cfg, &cause);
	if (n->chain != NULL)
		n->eth = eth_new(n->chain, accts, NACCTS, &cause);
	check_at(n->eth != NULL, __LINE__, "the node starts: %s", cause != NULL ? cause : "");
	free(cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n->eth);
	methods = eth_methods(&nmethods);
	n->d = rpc_dispatch_new(methods, nmethods, n->eth);
	return n;
}

static void
node_free(struct node *n)
{
	for (size_t i = 0; i < KEPT; i++)
		json_decref(n->kept[i]);
	rpc_dispatch_free(n->d);
	eth_free(n->eth);
	chain_free(n->chain);
	free(n);
}

/* Sends body.  Returns: the parsed response, kept by the node for the
 * next KEPT calls; NULL when there was none. */
static const json_t *
node_body(struct node *n, int line, const char *body)
{
	char *out = rpc_dispatch_body(n->d, body, strlen(body));
	json_t *j = out != NULL ? json_loads(out, JSON_DECODE_ANY, NULL) : NULL;

	check_at(out == NULL || j != NULL, line, "the response is JSON: %s",
		 out != NULL ? out : "");
	if (getenv("TEST_ETH_TRACE") != NULL)
		fprintf(stderr, "%d: %s\n   -> %s\n", line, body, out != NULL ? out : "(none)");
	free(out);
	json_decref(n->kept[n->next]);
	n->kept[n->next] = j;
	n->next = (n->next + 1) % KEPT;
	return j;
}

/* Sends {"method": method, "params": params}, params formatted. */
static const json_t * PRINTFLIKE(4, 0)
node_vcall(struct node *n, int line, const char *method, const char *fmt, va_list ap)
{
	char *params, *body;
	const json_t *r;

	xvasprintf(&params, fmt, ap);
	xasprintf(&body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method,
		  params);
	r = node_body(n, line, body);
	free(body);
	free(params);
	return r;
}

/* Returns: the result of a call that must succeed (kept by the node), or
 * NULL after failing the test. */
static const json_t * PRINTFLIKE(4, 5)
result_at(int line, struct node *n, const char *method, const char *fmt, ...)
{
	const json_t *r, *e;
	va_list ap;

	va_start(ap, fmt);
	r = node_vcall(n, line, method, fmt, ap);
	va_end(ap);
	e = json_object_get(r, "error");
	if (!check_at(r != NULL && e == NULL && json_object_get(r, "result") != NULL, line,
		      "%s succeeds (error %d \"%s\")", method,
		      (int)json_integer_value(json_object_get(e, "code")),
		      fs(e, "message") != NULL ? fs(e, "message") : ""))
		return NULL;
	return json_object_get(r, "result");
}

/* Returns: the error of a call that must fail with code and, unless it is
 * NULL, message; NULL when it did not fail. */
static const json_t * PRINTFLIKE(6, 7)
error_at(int line, struct node *n, int code, const char *message, const char *method,
	 const char *fmt, ...)
{
	const json_t *r, *e;
	va_list ap;
	int got;

	va_start(ap, fmt);
	r = node_vcall(n, line, method, fmt, ap);
	va_end(ap);
	e = json_object_get(r, "error");
	if (!check_at(e != NULL, line, "%s fails with %d \"%s\"", method, code,
		      message != NULL ? message : "..."))
		return NULL;
	got = (int)json_integer_value(json_object_get(e, "code"));
	check_at(got == code, line, "%s: error code %d, want %d (\"%s\")", method, got, code,
		 fs(e, "message") != NULL ? fs(e, "message") : "");
	if (message != NULL)
		expect_str_at(line, "error message", fs(e, "message"), message);
	return e;
}

#define RESULT(n, method, ...) result_at(__LINE__, (n), (method), __VA_ARGS__)
#define STR(n, method, ...) json_string_value(RESULT((n), (method), __VA_ARGS__))
#define RPC_ERROR(n, code, message, method, ...) \
	error_at(__LINE__, (n), (code), (message), (method), __VA_ARGS__)

/* Copies a string result into buf (empty when there is none). */
static void
keep_str(char *buf, size_t size, const char *s)
{
	snprintf(buf, size, "%s", s != NULL ? s : "");
}

/* Returns: the block's field key (kept by the node). */
static const char *
block_field(struct node *n, int line, const char *block, const char *key)
{
	return fs(result_at(line, n, "eth_getBlockByNumber", "[\"%s\", false]", block), key);
}

/* Sends value wei from dev account `from` with eth_sendTransaction.
 * Out: hash (empty when it failed, after failing the test). */
static void
send_from(struct node *n, int line, char hash[67], size_t from, const char *to,
	  const char *value)
{
	keep_str(hash, 67, json_string_value(result_at(line, n, "eth_sendTransaction",
		 "[{\"from\":\"%s\",\"to\":\"%s\",\"value\":\"%s\"}]", addr[from], to, value)));
}

/* Signs tx with key.  Returns: its "0x..." network encoding (caller
 * frees). */
static char *
signed_hex(struct tx *tx, const uint8_t key[32])
{
	uint8_t *raw = NULL;
	size_t len = 0;
	char *s;

	CU_ASSERT_EQUAL_FATAL(tx_sign(secp, tx, key), 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(&raw, &len, tx), 0);
	s = hexstr(raw, len);
	free(raw);
	return s;
}

/* Out: tx, a 21000-gas EIP-1559 transfer of 1 wei to accts[1]: tip 1 gwei,
 * fee cap 3 gwei, chain 31337. */
static void
transfer_tx(struct tx *tx, uint64_t nonce)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = TX_DYNAMIC_FEE;
	tx->chain_id = u256_from_u64(31337);
	tx->nonce = nonce;
	tx->max_priority_fee = u256_from_u64(GWEI);
	tx->max_fee = u256_from_u64(3 * GWEI);
	tx->gas_limit = 21000;
	memcpy(tx->to, accts[1].addr, 20);
	tx->value = u256_from_u64(1);
}

/* --- identity ---------------------------------------------------------------- */

static void
test_eth_identity(void)
{
	struct node *n = node_new(true);
	const json_t *list;
	const char *v;

	EXPECT_STR(STR(n, "eth_chainId", "[]"), "0x7a69");
	EXPECT_STR(STR(n, "net_version", "[]"), "31337");
	v = STR(n, "web3_clientVersion", "[]");
	EXPECT(v != NULL && strncmp(v, "anvil", 5) == 0);
	EXPECT_STR(v, ETH_CLIENT_VERSION);
	list = RESULT(n, "eth_accounts", "[]");
	EXPECT(json_array_size(list) == NACCTS);
	EXPECT_STR(json_string_value(json_array_get(list, 0)),
		   "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	EXPECT_STR(json_string_value(json_array_get(list, 1)),
		   "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	EXPECT_STR(json_string_value(json_array_get(list, 9)),
		   "0xa0ee7a142d267c1f36714e4a8f75612f20a79720");
	EXPECT(json_equal(RESULT(n, "eth_requestAccounts", "[]"), list));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	EXPECT(is_false(RESULT(n, "eth_syncing", "[]")));
	EXPECT(is_true(RESULT(n, "net_listening", "[]")));
	EXPECT_STR(STR(n, "eth_coinbase", "[]"), ZERO_ADDRESS);
	EXPECT_STR(STR(n, "web3_sha3", "[\"0x\"]"),
		   "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	EXPECT_STR(STR(n, "web3_sha3", "[\"0x68656c6c6f\"]"),
		   "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
	/* The genesis block as geth shows it. */
	EXPECT_STR(block_field(n, __LINE__, "earliest", "number"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "0x0", "baseFeePerGas"), "0x3b9aca00");
	EXPECT_STR(block_field(n, __LINE__, "0x0", "gasLimit"), "0x1c9c380");
	EXPECT_STR(block_field(n, __LINE__, "0x0", "timestamp"), "0x6553f100");
	EXPECT_STR(block_field(n, __LINE__, "0x0", "miner"), ZERO_ADDRESS);
	EXPECT_STR(STR(n, "eth_getCode", "[\"0x" CREATE2_DEPLOYER "\"]"),
		   "0x" CREATE2_DEPLOYER_CODE);
	node_free(n);
}

/* --- state reads ---------------------------------------------------------- */

static void
test_eth_get_balance(void)
{
	struct node *n = node_new(true);
	char hash[67], genesis[67];

	keep_str(genesis, sizeof genesis, block_field(n, __LINE__, "latest", "hash"));
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[0]), DEV_BALANCE);
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"latest\"]", addr[3]), DEV_BALANCE);
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", null]", addr[3]), DEV_BALANCE);
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"latest\"]", STRANGER), "0x0");
	/* Checksummed and upper-case addresses are the same address. */
	EXPECT_STR(STR(n, "eth_getBalance", "[\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\"]"),
		   DEV_BALANCE);
	EXPECT_STR(STR(n, "eth_getBalance", "[\"0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266\"]"),
		   DEV_BALANCE);

	/* One ether to a stranger: block 1 at 2 gwei a gas (base 1 + tip 1). */
	send_from(n, __LINE__, hash, 0, STRANGER, "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x1");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"latest\"]", STRANGER), "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"0x1\"]", STRANGER), "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", 1]", STRANGER), "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"pending\"]", STRANGER),
		   "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"safe\"]", STRANGER), "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"finalized\"]", STRANGER),
		   "0xde0b6b3a7640000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"0x0\"]", STRANGER), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"0x00\"]", STRANGER), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"earliest\"]", STRANGER), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", {\"blockNumber\": \"0x0\"}]", STRANGER),
		   "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", {\"blockHash\": \"%s\"}]", STRANGER, genesis),
		   "0x0");
	/* 10000 ether - 1 ether - 21000 gas * 2 gwei. */
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[0]), "0x21e0bffecd427c76000");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\", \"0x0\"]", addr[0]), DEV_BALANCE);
	/* The coinbase gets the tip: 21000 gas * 1 gwei. */
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", ZERO_ADDRESS), "0x1319718a5000");

	RPC_ERROR(n, -32602, "BlockOutOfRangeError: block height is 1 but requested was 5",
		  "eth_getBalance", "[\"%s\", \"0x5\"]", addr[0]);
	RPC_ERROR(n, -32602, "invalid argument 1 (block): expected a block number or one of "
		  "latest, pending, earliest, safe, finalized, got \"latests\"",
		  "eth_getBalance", "[\"%s\", \"latests\"]", addr[0]);
	RPC_ERROR(n, -32000, "header for hash not found", "eth_getBalance",
		  "[\"%s\", {\"blockHash\": \"0x%064d\"}]", addr[0], 7);
	node_free(n);
}

static void
test_eth_get_transaction_count(void)
{
	struct node *n = node_new(false);
	char hash[67];

	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", addr[0]), "0x0");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[0]), "0x0");
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	send_from(n, __LINE__, hash, 2, addr[1], "0x1");
	/* Pending counts what waits in the pool; latest does not. */
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[0]), "0x2");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[2]), "0x1");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"latest\"]", addr[0]), "0x0");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[1]), "0x0");
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"latest\"]", addr[0]), "0x2");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[0]), "0x2");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"earliest\"]", addr[0]), "0x0");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"0x1\"]", addr[2]), "0x1");
	node_free(n);
}

/* --- sending and looking up ------------------------------------------------- */

static void
test_eth_send_transaction(void)
{
	struct node *n = node_new(true);
	char hash[67], bhash[67], genesis[67];
	const json_t *r, *t, *b, *list;

	keep_str(genesis, sizeof genesis, block_field(n, __LINE__, "0x0", "hash"));
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	EXPECT(strlen(hash) == 66);

	r = RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	EXPECT_STR(fs(r, "status"), "0x1");
	EXPECT_STR(fs(r, "type"), "0x2");
	EXPECT_STR(fs(r, "gasUsed"), "0x5208");
	EXPECT_STR(fs(r, "cumulativeGasUsed"), "0x5208");
	EXPECT_STR(fs(r, "from"), addr[0]);
	EXPECT_STR(fs(r, "to"), addr[1]);
	EXPECT(is_null(json_object_get(r, "contractAddress")));
	EXPECT_STR(fs(r, "blockNumber"), "0x1");
	EXPECT_STR(fs(r, "transactionHash"), hash);
	EXPECT_STR(fs(r, "transactionIndex"), "0x0");
	EXPECT(fs(r, "logsBloom") != NULL && strlen(fs(r, "logsBloom")) == ZERO_BLOOM_LEN);
	EXPECT(json_array_size(json_object_get(r, "logs")) == 0);
	/* Block 1 keeps the genesis base fee: 1 gwei and a 1 gwei tip. */
	EXPECT_STR(fs(r, "effectiveGasPrice"), "0x77359400");
	keep_str(bhash, sizeof bhash, fs(r, "blockHash"));

	t = RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	EXPECT_STR(fs(t, "hash"), hash);
	EXPECT_STR(fs(t, "from"), addr[0]);
	EXPECT_STR(fs(t, "to"), addr[1]);
	EXPECT_STR(fs(t, "value"), "0x1");
	EXPECT_STR(fs(t, "nonce"), "0x0");
	EXPECT_STR(fs(t, "gas"), "0x5208");
	EXPECT_STR(fs(t, "type"), "0x2");
	EXPECT_STR(fs(t, "input"), "0x");
	EXPECT_STR(fs(t, "chainId"), "0x7a69");
	EXPECT_STR(fs(t, "blockNumber"), "0x1");
	EXPECT_STR(fs(t, "blockHash"), bhash);
	EXPECT_STR(fs(t, "transactionIndex"), "0x0");
	EXPECT_STR(fs(t, "maxPriorityFeePerGas"), "0x3b9aca00");
	/* The node fills the fee cap as twice the next base fee plus the tip. */
	EXPECT_STR(fs(t, "maxFeePerGas"), "0xb2d05e00");
	EXPECT_STR(fs(t, "gasPrice"), "0x77359400");
	EXPECT(json_array_size(json_object_get(t, "accessList")) == 0);
	EXPECT(fs(t, "yParity") != NULL && fs(t, "v") != NULL &&
	       strcmp(fs(t, "yParity"), fs(t, "v")) == 0);
	EXPECT(fs(t, "r") != NULL && strlen(fs(t, "r")) > 3);
	EXPECT(fs(t, "s") != NULL && strlen(fs(t, "s")) > 3);

	/* The block, with hashes and with full transactions. */
	b = RESULT(n, "eth_getBlockByNumber", "[\"0x1\", false]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	EXPECT_STR(fs(b, "hash"), bhash);
	EXPECT_STR(fs(b, "number"), "0x1");
	EXPECT_STR(fs(b, "parentHash"), genesis);
	EXPECT_STR(fs(b, "gasUsed"), "0x5208");
	EXPECT_STR(fs(b, "gasLimit"), "0x1c9c380");
	EXPECT_STR(fs(b, "baseFeePerGas"), "0x3b9aca00");
	EXPECT_STR(fs(b, "miner"), ZERO_ADDRESS);
	EXPECT(fs(b, "logsBloom") != NULL && strlen(fs(b, "logsBloom")) == ZERO_BLOOM_LEN);
	EXPECT(json_array_size(json_object_get(b, "uncles")) == 0);
	list = json_object_get(b, "transactions");
	EXPECT(json_array_size(list) == 1);
	EXPECT_STR(json_string_value(json_array_get(list, 0)), hash);
	EXPECT(json_equal(RESULT(n, "eth_getBlockByHash", "[\"%s\", false]", bhash), b));
	EXPECT(json_equal(RESULT(n, "eth_getBlockByNumber", "[\"latest\"]"), b));
	b = RESULT(n, "eth_getBlockByHash", "[\"%s\", true]", bhash);
	list = json_object_get(b, "transactions");
	EXPECT(json_array_size(list) == 1);
	EXPECT(json_equal(json_array_get(list, 0), t));
	EXPECT(json_equal(RESULT(n, "eth_getBlockByNumber", "[\"0x1\", true]"), b));

	/* The same transaction by block and index, and the counts. */
	EXPECT(json_equal(RESULT(n, "eth_getTransactionByBlockNumberAndIndex",
				 "[\"0x1\", \"0x0\"]"), t));
	EXPECT(json_equal(RESULT(n, "eth_getTransactionByBlockHashAndIndex",
				 "[\"%s\", \"0x0\"]", bhash), t));
	EXPECT(is_null(RESULT(n, "eth_getTransactionByBlockNumberAndIndex", "[\"0x1\", \"0x1\"]")));
	EXPECT_STR(STR(n, "eth_getBlockTransactionCountByNumber", "[\"0x1\"]"), "0x1");
	EXPECT_STR(STR(n, "eth_getBlockTransactionCountByNumber", "[\"0x0\"]"), "0x0");
	EXPECT_STR(STR(n, "eth_getBlockTransactionCountByHash", "[\"%s\"]", bhash), "0x1");

	/* Receipts of the whole block. */
	list = RESULT(n, "eth_getBlockReceipts", "[\"0x1\"]");
	EXPECT(json_array_size(list) == 1);
	EXPECT(json_equal(json_array_get(list, 0), r));
	EXPECT(json_equal(RESULT(n, "eth_getBlockReceipts", "[\"latest\"]"), list));
	EXPECT(json_array_size(RESULT(n, "eth_getBlockReceipts", "[\"0x0\"]")) == 0);
	EXPECT(is_array(RESULT(n, "eth_getBlockReceipts", "[\"0x0\"]")));
	EXPECT(is_null(RESULT(n, "eth_getBlockReceipts", "[\"0x7\"]")));

	/* What does not exist is null, not an error. */
	EXPECT(is_null(RESULT(n, "eth_getBlockByNumber", "[\"0x9\", false]")));
	EXPECT(is_null(RESULT(n, "eth_getBlockByHash", "[\"0x%064d\", false]", 1)));
	EXPECT(is_null(RESULT(n, "eth_getTransactionByHash", "[\"0x%064d\"]", 1)));
	EXPECT(is_null(RESULT(n, "eth_getTransactionReceipt", "[\"0x%064d\"]", 1)));
	EXPECT(is_null(RESULT(n, "eth_getBlockTransactionCountByNumber", "[\"0x9\"]")));

	/* No key for the sender. */
	RPC_ERROR(n, -32602, "No Signer available", "eth_sendTransaction",
		  "[{\"from\":\"%s\",\"to\":\"%s\"}]", STRANGER, addr[1]);
	/* No from: the first account sends, with the next nonce. */
	keep_str(hash, sizeof hash, STR(n, "eth_sendTransaction", "[{\"to\":\"%s\"}]", addr[2]));
	t = RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash);
	EXPECT_STR(fs(t, "from"), addr[0]);
	EXPECT_STR(fs(t, "nonce"), "0x1");
	/* A legacy transaction when gasPrice is given. */
	keep_str(hash, sizeof hash, STR(n, "eth_sendTransaction",
		 "[{\"from\":\"%s\",\"to\":\"%s\",\"gasPrice\":\"0x77359400\"}]", addr[1],
		 addr[2]));
	t = RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash);
	EXPECT_STR(fs(t, "type"), "0x0");
	EXPECT_STR(fs(t, "gasPrice"), "0x77359400");
	EXPECT_STR(fs(t, "chainId"), "0x7a69");
	EXPECT(json_object_get(t, "maxFeePerGas") == NULL);
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash), "status"), "0x1");
	RPC_ERROR(n, -32602, "invalid argument 0 (transaction): both gasPrice and (maxFeePerGas or "
		  "maxPriorityFeePerGas) specified", "eth_sendTransaction",
		  "[{\"to\":\"%s\",\"gasPrice\":\"0x1\",\"maxFeePerGas\":\"0x1\"}]", addr[2]);
	RPC_ERROR(n, -32000, "chainId does not match node's (have=1, want=31337)",
		  "eth_sendTransaction", "[{\"to\":\"%s\",\"chainId\":\"0x1\"}]", addr[2]);
	/* More than the account has. */
	RPC_ERROR(n, -32000, "insufficient funds for gas * price + value", "eth_sendTransaction",
		  "[{\"to\":\"%s\",\"value\":\"%s\"}]", addr[2], MAX_U256);
	node_free(n);
}

static void
test_eth_send_raw_transaction(void)
{
	struct node *n = node_new(true);
	static const uint8_t poor_key[32] = { [31] = 1 };
	uint8_t *raw = NULL, h[32];
	char *hex, *hash;
	struct tx tx;
	size_t len = 0;
	const json_t *t;

	/* A transfer signed elsewhere: its hash is keccak of its bytes. */
	CU_ASSERT_EQUAL_FATAL(harness_signed_tx(&raw, &len, secp, accts[0].key, 0, accts[1].addr, 5,
						NULL, 0, 21000), 0);
	hex = hexstr(raw, len);
	keccak256(h, raw, len);
	hash = hexstr(h, 32);
	EXPECT_STR(STR(n, "eth_sendRawTransaction", "[\"%s\"]", hex), hash);
	t = RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash);
	EXPECT_STR(fs(t, "from"), addr[0]);
	EXPECT_STR(fs(t, "value"), "0x5");
	EXPECT_STR(fs(t, "maxFeePerGas"), "0xb2d05e00");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash), "status"), "0x1");
	/* The same bytes again, then another transaction with a used nonce. */
	RPC_ERROR(n, -32000, "already known", "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	free(hash);
	free(raw);
	raw = NULL;
	CU_ASSERT_EQUAL_FATAL(harness_signed_tx(&raw, &len, secp, accts[0].key, 0, accts[1].addr, 6,
						NULL, 0, 21000), 0);
	hex = hexstr(raw, len);
	RPC_ERROR(n, -32000, "nonce too low", "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	free(raw);

	/* A key without funds. */
	transfer_tx(&tx, 0);
	hex = signed_hex(&tx, poor_key);
	RPC_ERROR(n, -32000, "insufficient funds for gas * price + value",
		  "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);
	/* A fee cap below the base fee, as EIP-1559 and as legacy. */
	transfer_tx(&tx, 1);
	tx.max_fee = u256_from_u64(1);
	tx.max_priority_fee = u256_from_u64(0);
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "max fee per gas less than block base fee", "eth_sendRawTransaction",
		  "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);
	transfer_tx(&tx, 1);
	tx.type = TX_LEGACY;
	tx.gas_price = u256_from_u64(1);
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "max fee per gas less than block base fee", "eth_sendRawTransaction",
		  "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);
	/* A tip above the fee cap. */
	transfer_tx(&tx, 1);
	tx.max_priority_fee = u256_from_u64(4 * GWEI);
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "max priority fee per gas higher than max fee per gas",
		  "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);
	/* Too little gas, and more than a block holds. */
	transfer_tx(&tx, 1);
	tx.gas_limit = 20999;
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "intrinsic gas too low", "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);
	transfer_tx(&tx, 1);
	tx.gas_limit = 30000001;
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "exceeds block gas limit", "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	tx_release(&tx);

	/* Malformed: not RLP, a truncated transaction, an unknown type. */
	RPC_ERROR(n, -32602, NULL, "eth_sendRawTransaction", "[\"0x02c0\"]");
	EXPECT(has_text(fs(RPC_ERROR(n, -32602, NULL, "eth_sendRawTransaction", "[\"0xf8\"]"),
			 "message"), "Failed to decode transaction"));
	EXPECT(has_text(fs(RPC_ERROR(n, -32602, NULL, "eth_sendRawTransaction", "[\"0x\"]"),
			 "message"), "Failed to decode transaction"));
	EXPECT(has_text(fs(RPC_ERROR(n, -32602, NULL, "eth_sendRawTransaction", "[\"0x09c0\"]"),
			 "message"), "Failed to decode transaction"));
	RPC_ERROR(n, -32602, "invalid argument 0 (data): hex data has an odd number of digits",
		  "eth_sendRawTransaction", "[\"0x02c\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (data): expected hex data starting with 0x, "
		  "got \"02c0\"", "eth_sendRawTransaction", "[\"02c0\"]");

	/* A signature from which no sender can be recovered: r is in range
	 * but no point on the curve has it as x. */
	transfer_tx(&tx, 1);
	CU_ASSERT_EQUAL_FATAL(tx_sign(secp, &tx, accts[0].key), 0);
	{
		uint8_t sender[20];
		uint64_t k = 1;

		do
			tx.r = u256_from_u64(++k);
		while (tx_sender(sender, &tx) == 0 && k < 100);
		CU_ASSERT_TRUE_FATAL(k < 100);
	}
	CU_ASSERT_EQUAL_FATAL(tx_encode(&raw, &len, &tx), 0);
	hex = hexstr(raw, len);
	RPC_ERROR(n, -32000, "invalid sender", "eth_sendRawTransaction", "[\"%s\"]", hex);
	free(hex);
	free(raw);
	tx_release(&tx);

	/* Nothing above went into a block or changed a nonce. */
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x1");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", addr[0]), "0x1");
	node_free(n);
}

/* A transaction for another chain; geth and anvil both say "invalid chain
 * id for signer" (anvil with -32003, geth -32000). */
static void
test_eth_send_raw_wrong_chain(void)
{
	struct node *n = node_new(true);
	const json_t *e;
	struct tx tx;
	char *hex;

	transfer_tx(&tx, 0);
	tx.chain_id = u256_from_u64(1);
	hex = signed_hex(&tx, accts[0].key);
	e = RPC_ERROR(n, -32000, NULL, "eth_sendRawTransaction", "[\"%s\"]", hex);
	EXPECT(e != NULL && fs(e, "message") != NULL);
	free(hex);
	tx_release(&tx);
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	node_free(n);
}

/* --- running code ------------------------------------------------------------ */

static void
test_eth_call_and_estimate(void)
{
	struct node *n = node_new(true);
	const json_t *r, *e;
	char hash[67];

	/* Deploy the constant contract with a creation transaction. */
	keep_str(hash, sizeof hash, STR(n, "eth_sendTransaction",
		 "[{\"from\":\"%s\",\"data\":\"0x" CONST_INITCODE "\"}]", addr[0]));
	r = RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash);
	EXPECT_STR(fs(r, "status"), "0x1");
	EXPECT_STR(fs(r, "contractAddress"), FIRST_CONTRACT);
	EXPECT(is_null(json_object_get(r, "to")));
	EXPECT(is_null(json_object_get(RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash),
					    "to")));
	EXPECT_STR(STR(n, "eth_getCode", "[\"%s\", \"latest\"]", FIRST_CONTRACT),
		   "0x" CONST_RUNTIME);
	EXPECT_STR(STR(n, "eth_getCode", "[\"%s\", \"0x0\"]", FIRST_CONTRACT), "0x");

	EXPECT_STR(STR(n, "eth_call", "[{\"to\":\"%s\"}]", FIRST_CONTRACT), WORD_42);
	EXPECT_STR(STR(n, "eth_call", "[{\"to\":\"%s\",\"data\":\"0x\"}, \"latest\"]",
		       FIRST_CONTRACT), WORD_42);
	EXPECT_STR(STR(n, "eth_call", "[{\"from\":\"%s\",\"to\":\"%s\",\"input\":\"0x1234\"}]",
		       addr[3], FIRST_CONTRACT), WORD_42);
	/* Before the deployment there was no code there. */
	EXPECT_STR(STR(n, "eth_call", "[{\"to\":\"%s\"}, \"0x0\"]", FIRST_CONTRACT), "0x");
	/* 21000 and 18 gas of code: four PUSH1, MSTORE with a word of memory. */
	EXPECT_STR(STR(n, "eth_estimateGas", "[{\"to\":\"%s\"}]", FIRST_CONTRACT), "0x521a");
	EXPECT_STR(STR(n, "eth_estimateGas", "[{\"from\":\"%s\",\"to\":\"%s\",\"value\":\"0x1\"}]",
		       addr[0], addr[1]), "0x5208");
	/* A plain transfer from an account with nothing, and to nothing. */
	EXPECT_STR(STR(n, "eth_estimateGas", "[{\"to\":\"%s\"}]", STRANGER), "0x5208");

	/* Error(string) "nope": code 3, the reason, the data. */
	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" NOPE_RUNTIME "\"]", CONTRACT_A)));
	e = RPC_ERROR(n, 3, "execution reverted: nope", "eth_call", "[{\"to\":\"%s\"}]",
		      CONTRACT_A);
	EXPECT_STR(fs(e, "data"), NOPE_DATA);
	e = RPC_ERROR(n, 3, "execution reverted: nope", "eth_estimateGas", "[{\"to\":\"%s\"}]",
		      CONTRACT_A);
	EXPECT_STR(fs(e, "data"), NOPE_DATA);
	/* A custom error is named by its selector.  (Without arguments, see
	 * test_eth_custom_error_short.) */
	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" CUSTOM_ARG_RUNTIME "\"]",
				   CONTRACT_B)));
	e = RPC_ERROR(n, 3, NULL, "eth_call", "[{\"to\":\"%s\"}]", CONTRACT_B);
	EXPECT(e != NULL && fs(e, "message") != NULL &&
	       strncmp(fs(e, "message"), "execution reverted: custom error 0xdeadbeef", 43) == 0);
	EXPECT_STR(fs(e, "data"), CUSTOM_ARG_DATA);
	e = RPC_ERROR(n, 3, NULL, "eth_estimateGas", "[{\"to\":\"%s\"}]", CONTRACT_B);
	EXPECT(e != NULL && fs(e, "message") != NULL &&
	       strncmp(fs(e, "message"), "execution reverted: custom error 0xdeadbeef", 43) == 0);
	EXPECT_STR(fs(e, "data"), CUSTOM_ARG_DATA);
	/* A revert without data. */
	EXPECT(is_null(RESULT(n, "hardhat_setCode", "[\"%s\", \"0x" EMPTY_REVERT_RUNTIME "\"]",
				   STRANGER)));
	e = RPC_ERROR(n, 3, "execution reverted", "eth_call", "[{\"to\":\"%s\"}]", STRANGER);
	EXPECT_STR(fs(e, "data"), "0x");
	/* Too little gas for the constant contract. */
	RPC_ERROR(n, -32000, "out of gas", "eth_call", "[{\"to\":\"%s\",\"gas\":\"0x5210\"}]",
		  FIRST_CONTRACT);
	RPC_ERROR(n, -32602, "invalid argument 2 (stateOverrides): state overrides are not "
		  "supported yet", "eth_call", "[{\"to\":\"%s\"}, \"latest\", {}]", FIRST_CONTRACT);

	/* Sent without gas, a reverting transaction is still mined, and
	 * fails, as anvil does it. */
	keep_str(hash, sizeof hash, STR(n, "eth_sendTransaction",
					"[{\"from\":\"%s\",\"to\":\"%s\"}]", addr[1], CONTRACT_A));
	r = RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash);
	EXPECT_STR(fs(r, "status"), "0x0");
	EXPECT_STR(fs(r, "blockNumber"), "0x2");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", addr[1]), "0x1");
	node_free(n);
}

/* --- logs and filters ----------------------------------------------------------- */

static void
test_eth_get_logs(void)
{
	struct node *n = node_new(true);
	const json_t *logs, *l, *r;
	char h1[67], h3[67], b2[67];

	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" EMIT_RUNTIME "\"]", CONTRACT_A)));
	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" EMIT_RUNTIME "\"]", CONTRACT_B)));
	keep_str(h1, sizeof h1, STR(n, "eth_sendTransaction", "[{\"to\":\"%s\",\"data\":\"%s\"}]",
				    CONTRACT_A, WORD("01")));
	STR(n, "eth_sendTransaction", "[{\"to\":\"%s\",\"data\":\"%s\"}]", CONTRACT_B, WORD("02"));
	keep_str(h3, sizeof h3, STR(n, "eth_sendTransaction", "[{\"to\":\"%s\",\"data\":\"%s\"}]",
				    CONTRACT_A, WORD("03")));
	keep_str(b2, sizeof b2, block_field(n, __LINE__, "0x2", "hash"));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x3");

	/* The receipt carries the log, and the bloom is no longer empty. */
	r = RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h1);
	EXPECT(json_array_size(json_object_get(r, "logs")) == 1);
	EXPECT(fs(r, "logsBloom") != NULL && strspn(fs(r, "logsBloom") + 2, "0") != 512);
	l = json_array_get(json_object_get(r, "logs"), 0);
	EXPECT_STR(fs(l, "address"), CONTRACT_A);
	EXPECT_STR(json_string_value(json_array_get(json_object_get(l, "topics"), 0)), TOPIC_AA);
	EXPECT_STR(json_string_value(json_array_get(json_object_get(l, "topics"), 1)), WORD("01"));
	EXPECT_STR(fs(l, "data"), WORD_42);
	EXPECT_STR(fs(l, "blockNumber"), "0x1");
	EXPECT_STR(fs(l, "transactionHash"), h1);
	EXPECT_STR(fs(l, "transactionIndex"), "0x0");
	EXPECT_STR(fs(l, "logIndex"), "0x0");
	EXPECT(is_false(json_object_get(l, "removed")));

	/* No range: the head block only. */
	logs = RESULT(n, "eth_getLogs", "[{}]");
	EXPECT(json_array_size(logs) == 1);
	EXPECT_STR(fs(json_array_get(logs, 0), "transactionHash"), h3);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"earliest\"}]")) == 3);
	/* By address. */
	logs = RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\",\"toBlock\":\"latest\","
		      "\"address\":\"%s\"}]", CONTRACT_A);
	EXPECT(json_array_size(logs) == 2);
	EXPECT_STR(fs(json_array_get(logs, 0), "blockNumber"), "0x1");
	EXPECT_STR(fs(json_array_get(logs, 1), "blockNumber"), "0x3");
	EXPECT(json_equal(json_array_get(logs, 0), l));
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"address\":[\"%s\",\"%s\"]}]", CONTRACT_A,
				      CONTRACT_B)) == 3);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"address\":\"%s\"}]", STRANGER)) == 0);
	/* By topic: a wildcard, a list of choices, and too many positions. */
	logs = RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\",\"topics\":[null,\"%s\"]}]",
		      WORD("02"));
	EXPECT(json_array_size(logs) == 1);
	EXPECT_STR(fs(json_array_get(logs, 0), "address"), CONTRACT_B);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"topics\":[[\"%s\"],[\"%s\",\"%s\"]]}]", TOPIC_AA,
				      WORD("01"), WORD("03"))) == 2);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"topics\":[\"%s\"]}]", WORD("01"))) == 0);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"topics\":[null,null,null]}]")) == 0);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x0\","
				      "\"topics\":[\"%s\"],\"address\":\"%s\"}]", TOPIC_AA,
				      CONTRACT_B)) == 1);
	/* By range and by block hash. */
	logs = RESULT(n, "eth_getLogs", "[{\"fromBlock\":\"0x2\",\"toBlock\":\"0x2\"}]");
	EXPECT(json_array_size(logs) == 1);
	EXPECT_STR(fs(json_array_get(logs, 0), "blockHash"), b2);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs",
				      "[{\"fromBlock\":\"0x1\",\"toBlock\":\"0x2\"}]")) == 2);
	EXPECT(json_array_size(RESULT(n, "eth_getLogs",
				      "[{\"fromBlock\":\"0x0\",\"toBlock\":\"0x0\"}]")) == 0);
	logs = RESULT(n, "eth_getLogs", "[{\"blockHash\":\"%s\"}]", b2);
	EXPECT(json_array_size(logs) == 1);
	EXPECT_STR(fs(json_array_get(logs, 0), "blockNumber"), "0x2");

	RPC_ERROR(n, -32000, "invalid block range params", "eth_getLogs",
		  "[{\"fromBlock\":\"0x3\",\"toBlock\":\"0x1\"}]");
	RPC_ERROR(n, -32602, "invalid argument 0 (filter): blockHash cannot be given with "
		  "fromBlock or toBlock", "eth_getLogs",
		  "[{\"blockHash\":\"%s\",\"fromBlock\":\"0x1\"}]", b2);
	RPC_ERROR(n, -32000, "unknown block", "eth_getLogs", "[{\"blockHash\":\"0x%064d\"}]", 5);
	RPC_ERROR(n, -32602, "invalid argument 0 (filter): expected a filter object, "
		  "got \"latest\"", "eth_getLogs", "[\"latest\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (topics): expected an array of at most 4 topics, "
		  "got an array", "eth_getLogs", "[{\"topics\":[null,null,null,null,null]}]");
	RPC_ERROR(n, -32602, "invalid argument 0 (topics): expected a 32-byte hash: 0x and 64 hex "
		  "digits, got \"0xaa\"", "eth_getLogs", "[{\"topics\":[\"0xaa\"]}]");
	RPC_ERROR(n, -32602, "invalid argument 0 (address): expected an address: 0x and 40 hex "
		  "digits, got \"0x12\"", "eth_getLogs", "[{\"address\":\"0x12\"}]");
	node_free(n);
}

static void
test_eth_filters(void)
{
	struct node *n = node_new(true);
	char logf[32], blockf[32], pendf[32], b1[67], b2[67];
	const json_t *ch;

	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" EMIT_RUNTIME "\"]", CONTRACT_A)));
	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" EMIT_RUNTIME "\"]", CONTRACT_B)));
	keep_str(logf, sizeof logf, STR(n, "eth_newFilter", "[{\"address\":\"%s\"}]", CONTRACT_A));
	keep_str(blockf, sizeof blockf, STR(n, "eth_newBlockFilter", "[]"));
	keep_str(pendf, sizeof pendf, STR(n, "eth_newPendingTransactionFilter", "[]"));
	EXPECT_STR(logf, "0x1");
	EXPECT_STR(blockf, "0x2");
	EXPECT_STR(pendf, "0x3");
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", logf)) == 0);
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", blockf)) == 0);

	STR(n, "eth_sendTransaction", "[{\"to\":\"%s\",\"data\":\"%s\"}]", CONTRACT_A, WORD("01"));
	STR(n, "eth_sendTransaction", "[{\"to\":\"%s\",\"data\":\"%s\"}]", CONTRACT_B, WORD("02"));
	keep_str(b1, sizeof b1, block_field(n, __LINE__, "0x1", "hash"));
	keep_str(b2, sizeof b2, block_field(n, __LINE__, "0x2", "hash"));
	/* The log filter sees A's log only, once. */
	ch = RESULT(n, "eth_getFilterChanges", "[\"%s\"]", logf);
	EXPECT(json_array_size(ch) == 1);
	EXPECT_STR(fs(json_array_get(ch, 0), "address"), CONTRACT_A);
	EXPECT_STR(json_string_value(json_array_get(
			   json_object_get(json_array_get(ch, 0), "topics"), 1)), WORD("01"));
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", logf)) == 0);
	/* eth_getFilterLogs gives the whole range again. */
	EXPECT(json_array_size(RESULT(n, "eth_getFilterLogs", "[\"%s\"]", logf)) == 1);
	/* The block filter sees both blocks, in order, once. */
	ch = RESULT(n, "eth_getFilterChanges", "[\"%s\"]", blockf);
	EXPECT(json_array_size(ch) == 2);
	EXPECT_STR(json_string_value(json_array_get(ch, 0)), b1);
	EXPECT_STR(json_string_value(json_array_get(ch, 1)), b2);
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", blockf)) == 0);
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	ch = RESULT(n, "eth_getFilterChanges", "[\"%s\"]", blockf);
	EXPECT(json_array_size(ch) == 1);
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", logf)) == 0);
	EXPECT(json_array_size(RESULT(n, "eth_getFilterChanges", "[\"%s\"]", pendf)) == 0);
	/* A filter for topic 0x..02 from block 0 on. */
	keep_str(logf, sizeof logf, STR(n, "eth_newFilter", "[{\"fromBlock\":\"0x0\","
					"\"topics\":[null,\"%s\"]}]", WORD("02")));
	EXPECT_STR(logf, "0x4");
	EXPECT(json_array_size(RESULT(n, "eth_getFilterLogs", "[\"%s\"]", logf)) == 1);
	EXPECT_STR(fs(json_array_get(RESULT(n, "eth_getFilterLogs", "[\"%s\"]", logf), 0),
		      "address"), CONTRACT_B);

	/* Uninstalled: true once, then false, and the filter is gone. */
	EXPECT(is_true(RESULT(n, "eth_uninstallFilter", "[\"%s\"]", blockf)));
	EXPECT(is_false(RESULT(n, "eth_uninstallFilter", "[\"%s\"]", blockf)));
	RPC_ERROR(n, -32000, "filter not found", "eth_getFilterChanges", "[\"%s\"]", blockf);
	RPC_ERROR(n, -32000, "filter not found", "eth_getFilterChanges", "[\"0x99\"]");
	RPC_ERROR(n, -32000, "filter not found", "eth_getFilterLogs", "[\"%s\"]", pendf);
	RPC_ERROR(n, -32602, "invalid argument 0 (id): expected a quantity like \"0x1a\", got a "
		  "boolean", "eth_getFilterChanges", "[true]");
	node_free(n);
}

/* --- fees ------------------------------------------------------------------------- */

static void
test_eth_fees(void)
{
	struct node *n = node_new(true);
	const json_t *fh, *a;
	char hash[67];

	/* At genesis: anvil's answers. */
	EXPECT_STR(STR(n, "eth_gasPrice", "[]"), "0x77359400");
	EXPECT_STR(STR(n, "eth_maxPriorityFeePerGas", "[]"), "0x3b9aca00");
	EXPECT_STR(STR(n, "eth_blobBaseFee", "[]"), "0x1");
	fh = RESULT(n, "eth_feeHistory", "[\"0x1\", \"latest\", [25, 75]]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
	EXPECT_STR(fs(fh, "oldestBlock"), "0x0");
	a = json_object_get(fh, "baseFeePerGas");
	EXPECT(json_array_size(a) == 2);
	EXPECT_STR(json_string_value(json_array_get(a, 0)), "0x3b9aca00");
	EXPECT_STR(json_string_value(json_array_get(a, 1)), "0x3b9aca00");
	a = json_object_get(fh, "baseFeePerBlobGas");
	EXPECT(json_array_size(a) == 2);
	EXPECT_STR(json_string_value(json_array_get(a, 0)), "0x1");
	a = json_object_get(fh, "gasUsedRatio");
	EXPECT(json_array_size(a) == 1 && json_number_value(json_array_get(a, 0)) == 0);
	EXPECT(json_array_size(json_object_get(fh, "blobGasUsedRatio")) == 1);
	a = json_object_get(fh, "reward");
	EXPECT(json_array_size(a) == 1 && json_array_size(json_array_get(a, 0)) == 2);
	EXPECT_STR(json_string_value(json_array_get(json_array_get(a, 0), 0)), "0x0");
	EXPECT_STR(json_string_value(json_array_get(json_array_get(a, 0), 1)), "0x0");

	/* Block 1 (21000 gas) keeps the genesis base fee; block 2 has
	 * 1e9 - 1e9 * (15e6 - 21000) / 15e6 / 8, then empty blocks take an
	 * eighth off each time. */
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	EXPECT_STR(STR(n, "eth_gasPrice", "[]"), "0x6fc4e658"); /* 875175000 + 1 gwei */
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "0x1", "baseFeePerGas"), "0x3b9aca00");
	EXPECT_STR(block_field(n, __LINE__, "0x2", "baseFeePerGas"), "0x342a1c58");
	EXPECT_STR(block_field(n, __LINE__, "0x3", "baseFeePerGas"), "0x2da4d8cd");
	EXPECT_STR(STR(n, "eth_gasPrice", "[]"), "0x638b07b4"); /* 670055860 + 1 gwei */
	EXPECT_STR(STR(n, "eth_maxPriorityFeePerGas", "[]"), "0x3b9aca00");

	fh = RESULT(n, "eth_feeHistory", "[\"0x4\", \"latest\", [50]]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
	EXPECT_STR(fs(fh, "oldestBlock"), "0x0");
	a = json_object_get(fh, "baseFeePerGas");
	EXPECT(json_array_size(a) == 5);
	EXPECT_STR(json_string_value(json_array_get(a, 1)), "0x3b9aca00");
	EXPECT_STR(json_string_value(json_array_get(a, 2)), "0x342a1c58");
	EXPECT_STR(json_string_value(json_array_get(a, 3)), "0x2da4d8cd");
	EXPECT_STR(json_string_value(json_array_get(a, 4)), "0x27f03db4");
	a = json_object_get(fh, "gasUsedRatio");
	EXPECT(json_array_size(a) == 4);
	EXPECT(json_number_value(json_array_get(a, 1)) == 21000.0 / 30000000.0);
	EXPECT(json_number_value(json_array_get(a, 2)) == 0);
	a = json_object_get(fh, "reward");
	EXPECT(json_array_size(a) == 4);
	EXPECT_STR(json_string_value(json_array_get(json_array_get(a, 0), 0)), "0x0");
	EXPECT_STR(json_string_value(json_array_get(json_array_get(a, 1), 0)), "0x3b9aca00");
	EXPECT_STR(json_string_value(json_array_get(json_array_get(a, 2), 0)), "0x0");
	/* More blocks than there are; an older newest block; no percentiles. */
	fh = RESULT(n, "eth_feeHistory", "[100, \"0x2\"]");
	EXPECT_STR(fs(fh, "oldestBlock"), "0x0");
	EXPECT(json_array_size(json_object_get(fh, "baseFeePerGas")) == 4);
	EXPECT_STR(json_string_value(json_array_get(json_object_get(fh, "baseFeePerGas"), 3)),
		   "0x2da4d8cd");
	EXPECT(json_object_get(fh, "reward") == NULL);
	fh = RESULT(n, "eth_feeHistory", "[\"0x2\", \"latest\"]");
	EXPECT_STR(fs(fh, "oldestBlock"), "0x2");
	fh = RESULT(n, "eth_feeHistory", "[\"0x0\", \"latest\"]");
	EXPECT(json_array_size(json_object_get(fh, "baseFeePerGas")) == 0);

	RPC_ERROR(n, -32602, "request beyond head block: requested 9, head 3", "eth_feeHistory",
		  "[\"0x1\", \"0x9\"]");
	RPC_ERROR(n, -32602, "invalid argument 2 (rewardPercentiles): expected numbers from 0 to "
		  "100 in increasing order", "eth_feeHistory", "[\"0x1\", \"latest\", [75, 25]]");
	RPC_ERROR(n, -32602, "invalid argument 2 (rewardPercentiles): expected numbers from 0 to "
		  "100 in increasing order", "eth_feeHistory", "[\"0x1\", \"latest\", [101]]");
	RPC_ERROR(n, -32602, "eth_feeHistory expects 2 to 3 params, got 1", "eth_feeHistory",
		  "[\"0x1\"]");
	node_free(n);
}

/* --- mining control ------------------------------------------------------------------ */

static void
test_eth_manual_mining(void)
{
	struct node *n = node_new(true);
	char h1[67], h2[67];
	const json_t *b, *st;

	EXPECT(is_true(RESULT(n, "anvil_getAutomine", "[]")));
	EXPECT(is_null(RESULT(n, "evm_setAutomine", "[false]")));
	EXPECT(is_false(RESULT(n, "anvil_getAutomine", "[]")));
	EXPECT(is_false(RESULT(n, "hardhat_getAutomine", "[]")));
	st = RESULT(n, "txpool_status", "[]");
	EXPECT_STR(fs(st, "pending"), "0x0");
	EXPECT_STR(fs(st, "queued"), "0x0");

	send_from(n, __LINE__, h1, 0, addr[1], "0x1");
	send_from(n, __LINE__, h2, 0, addr[1], "0x2");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	EXPECT(is_null(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h1)));
	st = RESULT(n, "txpool_status", "[]");
	EXPECT_STR(fs(st, "pending"), "0x2");
	EXPECT_STR(fs(st, "queued"), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[1]), DEV_BALANCE);

	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x1");
	EXPECT_STR(fs(RESULT(n, "txpool_status", "[]"), "pending"), "0x0");
	b = RESULT(n, "eth_getBlockByNumber", "[\"latest\", false]");
	EXPECT(json_array_size(json_object_get(b, "transactions")) == 2);
	EXPECT_STR(json_string_value(json_array_get(json_object_get(b, "transactions"), 0)), h1);
	EXPECT_STR(json_string_value(json_array_get(json_object_get(b, "transactions"), 1)), h2);
	EXPECT_STR(fs(b, "gasUsed"), "0xa410");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h2), "cumulativeGasUsed"),
		   "0xa410");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h2), "transactionIndex"),
		   "0x1");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h2), "gasUsed"), "0x5208");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", h1), "status"), "0x1");
	/* An empty block when nothing waits. */
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "latest", "gasUsed"), "0x0");
	/* Ganache's form: several blocks at once. */
	EXPECT_STR(STR(n, "evm_mine", "[{\"blocks\": 3}]"), "0x0");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x5");

	EXPECT(is_null(RESULT(n, "anvil_setAutomine", "[true]")));
	EXPECT(is_true(RESULT(n, "anvil_getAutomine", "[]")));
	send_from(n, __LINE__, h1, 0, addr[1], "0x1");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x6");
	RPC_ERROR(n, -32602, "invalid argument 0 (enabled): expected true or false, got \"true\"",
		  "evm_setAutomine", "[\"true\"]");
	RPC_ERROR(n, -32602, "evm_setAutomine expects 1 param, got 0", "evm_setAutomine", "[]");
	node_free(n);
}

static void
test_eth_anvil_mine(void)
{
	struct node *n = node_new(true);
	uint64_t ts[12];
	char num[8];

	EXPECT(is_null(RESULT(n, "anvil_mine", "[\"0xa\", \"0xc\"]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0xa");
	for (unsigned i = 1; i <= 10; i++) {
		snprintf(num, sizeof num, "0x%x", i);
		ts[i] = quantity(block_field(n, __LINE__, num, "timestamp"));
	}
	for (unsigned i = 2; i <= 10; i++)
		check_at(ts[i] == ts[i - 1] + 12, __LINE__, "block %u is 12 s after block %u", i,
			 i - 1);
	EXPECT(ts[1] + 2 >= (uint64_t)time(NULL) - 2);
	/* Numbers, no interval, no count. */
	EXPECT(is_null(RESULT(n, "anvil_mine", "[5]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0xf");
	EXPECT(is_null(RESULT(n, "hardhat_mine", "[]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x10");
	EXPECT(is_null(RESULT(n, "hardhat_mine", "[\"0x2\", 1]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x12");
	EXPECT(is_null(RESULT(n, "anvil_mine", "[\"0x0\"]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x12");
	RPC_ERROR(n, -32602, "invalid argument 0 (blocks): at most 100000 blocks can be mined at "
		  "once", "anvil_mine", "[\"0x186a1\"]");
	RPC_ERROR(n, -32602, "invalid argument 1 (interval): at most 4294967295 seconds",
		  "anvil_mine", "[1, \"0x100000000\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (blocks): expected a quantity like \"0x1a\", got "
		  "\"ten\"", "anvil_mine", "[\"ten\"]");
	node_free(n);
}

static void
test_eth_snapshot_revert(void)
{
	struct node *n = node_new(true);
	char hash[67], s0[16], s1[16], filter[16];
	const json_t *ch;

	keep_str(s0, sizeof s0, STR(n, "evm_snapshot", "[]"));
	EXPECT_STR(s0, "0x0");
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	keep_str(s1, sizeof s1, STR(n, "evm_snapshot", "[]"));
	EXPECT_STR(s1, "0x1");
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x2");
	keep_str(filter, sizeof filter, STR(n, "eth_newBlockFilter", "[]"));

	/* Back to the first: blocks, balances, nonces and the transaction
	 * go, and the later snapshot is used up with it. */
	EXPECT(is_true(RESULT(n, "evm_revert", "[\"%s\"]", s0)));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[1]), DEV_BALANCE);
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", addr[0]), "0x0");
	EXPECT(is_null(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash)));
	EXPECT(is_null(RESULT(n, "eth_getBlockByNumber", "[\"0x1\", false]")));
	EXPECT(is_false(RESULT(n, "evm_revert", "[\"%s\"]", s1)));
	EXPECT(is_false(RESULT(n, "evm_revert", "[\"%s\"]", s0)));
	EXPECT(is_false(RESULT(n, "evm_revert", "[\"0x99\"]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	/* Ids keep counting. */
	EXPECT_STR(STR(n, "evm_snapshot", "[]"), "0x2");
	/* The chain goes on from there: the same transaction is block 1,
	 * and a block filter made before the revert reports it. */
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	EXPECT_STR(fs(RESULT(n, "eth_getTransactionReceipt", "[\"%s\"]", hash), "blockNumber"),
		   "0x1");
	ch = RESULT(n, "eth_getFilterChanges", "[\"%s\"]", filter);
	EXPECT(json_array_size(ch) == 1);
	EXPECT_STR(json_string_value(json_array_get(ch, 0)),
		   block_field(n, __LINE__, "0x1", "hash"));
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[1]), "0x21e19e0c9bab2400001");
	/* anvil_ spellings, and a revert that changes nothing. */
	EXPECT_STR(STR(n, "anvil_snapshot", "[]"), "0x3");
	EXPECT(is_true(RESULT(n, "anvil_revert", "[\"0x3\"]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x1");
	EXPECT(is_true(RESULT(n, "evm_revert", "[\"0x2\"]")));
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	RPC_ERROR(n, -32602, "evm_revert expects 1 param, got 0", "evm_revert", "[]");
	node_free(n);
}

static void
test_eth_time(void)
{
	struct node *n = node_new(true);
	const json_t *v;
	uint64_t ts, now;
	char hash[67];

	v = RESULT(n, "evm_increaseTime", "[3600]");
	EXPECT(is_integer(v) && json_integer_value(v) == 3600);
	v = RESULT(n, "evm_increaseTime", "[\"0x10\"]");
	EXPECT(is_integer(v) && json_integer_value(v) == 3616);
	now = (uint64_t)time(NULL);
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	ts = quantity(block_field(n, __LINE__, "latest", "timestamp"));
	check_at(ts >= now + 3616 && ts <= (uint64_t)time(NULL) + 3616, __LINE__,
		 "the block's timestamp %" PRIu64 " is the clock plus 3616 (%" PRIu64 ")", ts,
		 now + 3616);

	/* The next block gets exactly the timestamp set, the one after it
	 * at least a second more. */
	EXPECT(is_null(RESULT(n, "evm_setNextBlockTimestamp", "[4000000000]")));
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xee6b2800");
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xee6b2801");
	EXPECT(is_null(RESULT(n, "evm_setNextBlockTimestamp", "[\"0xee6b2810\"]")));
	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xee6b2810");
	RPC_ERROR(n, -32602, "timestamp 5 is not after the latest block's (4000000016)",
		  "evm_setNextBlockTimestamp", "[5]");
	/* evm_mine with a timestamp. */
	EXPECT_STR(STR(n, "evm_mine", "[4100000000]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xf4610900");
	EXPECT_STR(STR(n, "evm_mine", "[{\"timestamp\": 4100000100}]"), "0x0");
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xf4610964");
	RPC_ERROR(n, -32602, "invalid argument 0 (seconds): expected a quantity like \"0x1a\", got "
		  "-5", "evm_increaseTime", "[-5]");
	RPC_ERROR(n, -32602, "invalid argument 0 (timestamp): number too large: it must fit in 64 "
		  "bits", "evm_setNextBlockTimestamp", "[\"0x10000000000000000\"]");
	node_free(n);
}

/* Hardhat's time.increase is evm_setNextBlockTimestamp then hardhat_mine:
 * the block mined gets that timestamp; and anvil_mine's blocks count the
 * evm_increaseTime offset, as evm_mine's do. */
static void
test_eth_mine_timestamp(void)
{
	struct node *n = node_new(true);
	uint64_t ts, now;

	EXPECT(is_null(RESULT(n, "evm_setNextBlockTimestamp", "[4000000000]")));
	EXPECT(is_null(RESULT(n, "hardhat_mine", "[]")));
	EXPECT_STR(block_field(n, __LINE__, "latest", "timestamp"), "0xee6b2800");
	/* With an interval, the blocks after the first follow it. */
	EXPECT(is_null(RESULT(n, "evm_setNextBlockTimestamp", "[4100000000]")));
	EXPECT(is_null(RESULT(n, "anvil_mine", "[3, 10]")));
	EXPECT_STR(block_field(n, __LINE__, "0x2", "timestamp"), "0xf4610900");
	EXPECT_STR(block_field(n, __LINE__, "0x3", "timestamp"), "0xf461090a");
	EXPECT_STR(block_field(n, __LINE__, "0x4", "timestamp"), "0xf4610914");
	node_free(n);

	n = node_new(true);
	RESULT(n, "evm_increaseTime", "[86400]");
	now = (uint64_t)time(NULL);
	EXPECT(is_null(RESULT(n, "anvil_mine", "[\"0x2\"]")));
	ts = quantity(block_field(n, __LINE__, "0x1", "timestamp"));
	check_at(ts >= now + 86400 && ts <= (uint64_t)time(NULL) + 86400, __LINE__,
		 "block 1 at %" PRIu64 " counts the day added (%" PRIu64 ")", ts, now + 86400);
	EXPECT(quantity(block_field(n, __LINE__, "0x2", "timestamp")) == ts + 1);
	node_free(n);
}

static void
test_eth_setters(void)
{
	struct node *n = node_new(true);
	const char *slot_val = "0x00000000000000000000000000000000000000000000000000000000000004d2";

	EXPECT(is_null(RESULT(n, "anvil_setBalance", "[\"%s\", \"0x3e8\"]", STRANGER)));
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", STRANGER), "0x3e8");
	EXPECT(is_null(RESULT(n, "hardhat_setBalance", "[\"%s\", \"2000\"]", STRANGER)));
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", STRANGER), "0x7d0");
	EXPECT(is_null(RESULT(n, "anvil_setBalance", "[\"%s\", \"0x%064x\"]", addr[5], 0)));
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[5]), "0x0");

	EXPECT(is_null(RESULT(n, "anvil_setNonce", "[\"%s\", \"0x5\"]", STRANGER)));
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", STRANGER), "0x5");
	EXPECT(is_null(RESULT(n, "hardhat_setNonce", "[\"%s\", 7]", STRANGER)));
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", STRANGER), "0x7");

	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x6001\"]", CONTRACT_A)));
	EXPECT_STR(STR(n, "eth_getCode", "[\"%s\"]", CONTRACT_A), "0x6001");
	EXPECT(is_null(RESULT(n, "hardhat_setCode", "[\"%s\", \"0x\"]", CONTRACT_A)));
	EXPECT_STR(STR(n, "eth_getCode", "[\"%s\"]", CONTRACT_A), "0x");

	EXPECT(is_true(RESULT(n, "anvil_setStorageAt", "[\"%s\", \"0x0\", \"%s\"]", CONTRACT_B,
				   slot_val)));
	EXPECT_STR(STR(n, "eth_getStorageAt", "[\"%s\", \"0x0\", \"latest\"]", CONTRACT_B),
		   slot_val);
	EXPECT(is_true(RESULT(n, "hardhat_setStorageAt", "[\"%s\", \"0x1\", \"%s\"]",
				   CONTRACT_B, slot_val)));
	EXPECT_STR(STR(n, "eth_getStorageAt", "[\"%s\", \"0x01\"]", CONTRACT_B), slot_val);
	EXPECT_STR(STR(n, "eth_getStorageAt", "[\"%s\", \"0x2\"]", CONTRACT_B), WORD("00"));
	RPC_ERROR(n, -32602, "invalid string length", "anvil_setStorageAt",
		  "[\"%s\", \"0x0\", \"0x4d2\"]", CONTRACT_B);

	/* The changes stay after the next block. */
	EXPECT_STR(STR(n, "evm_mine", "[]"), "0x0");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", STRANGER), "0x7d0");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", STRANGER), "0x7");
	EXPECT_STR(STR(n, "eth_getStorageAt", "[\"%s\", \"0x1\"]", CONTRACT_B), slot_val);
	/* An account whose balance was set to nothing cannot pay. */
	RPC_ERROR(n, -32000, "insufficient funds for gas * price + value", "eth_sendTransaction",
		  "[{\"from\":\"%s\",\"to\":\"%s\",\"gas\":\"0x5208\"}]", addr[5], addr[1]);
	RPC_ERROR(n, -32602, "anvil_setBalance expects 2 params, got 1", "anvil_setBalance",
		  "[\"%s\"]", STRANGER);
	node_free(n);
}

/* --- bad requests ---------------------------------------------------------------- */

static void
test_eth_bad_params(void)
{
	struct node *n = node_new(true);
	const json_t *r;
	char big[2 + 65 + 1];

	memset(big, 'f', sizeof big - 1);
	big[0] = '0';
	big[1] = 'x';
	big[sizeof big - 1] = '\0';

	RPC_ERROR(n, -32602, "eth_getBalance expects 1 to 2 params, got 0", "eth_getBalance", "[]");
	RPC_ERROR(n, -32602, "eth_getBalance expects 1 to 2 params, got 3", "eth_getBalance",
		  "[\"%s\", \"latest\", 1]", addr[0]);
	RPC_ERROR(n, -32602, "invalid argument 0 (address): expected an address: 0x and 40 hex "
		  "digits, got 123", "eth_getBalance", "[123]");
	RPC_ERROR(n, -32602, "invalid argument 0 (address): expected an address: 0x and 40 hex "
		  "digits, got \"0x1234\"", "eth_getBalance", "[\"0x1234\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (address): expected an address: 0x and 40 hex "
		  "digits, got null", "eth_getBalance", "[null]");
	RPC_ERROR(n, -32602, "eth_getBalance takes its params as an array, not an object",
		  "eth_getBalance", "{\"address\":\"%s\"}", addr[0]);
	RPC_ERROR(n, -32602, "eth_chainId takes no params, got 1", "eth_chainId", "[1]");
	/* Numbers too large for 256 and for 64 bits, negative, fractional. */
	RPC_ERROR(n, -32602, "invalid argument 0 (block): number too large: it must fit in "
		  "256 bits", "eth_getBlockByNumber", "[\"%s\", false]", big);
	RPC_ERROR(n, -32602, "invalid argument 0 (block): number too large: it must fit in 64 bits",
		  "eth_getBlockByNumber", "[\"0x10000000000000000\", false]");
	RPC_ERROR(n, -32602, "invalid argument 1 (balance): number too large: it must fit in 256 "
		  "bits", "anvil_setBalance", "[\"%s\", \"%s\"]", STRANGER, big);
	RPC_ERROR(n, -32602, "invalid argument 0 (value): number too large: it must fit in "
		  "256 bits", "eth_call", "[{\"to\":\"%s\",\"value\":\"%s\"}]", STRANGER, big);
	RPC_ERROR(n, -32602, "invalid argument 0 (gas): number too large: it must fit in 64 bits",
		  "eth_estimateGas", "[{\"to\":\"%s\",\"gas\":\"0x1%016d\"}]", STRANGER, 0);
	RPC_ERROR(n, -32602, "invalid argument 0 (block): expected a quantity like \"0x1a\", "
		  "got -1", "eth_getBlockByNumber", "[-1, false]");
	RPC_ERROR(n, -32602, "invalid argument 0 (block): expected a block number or one of "
		  "latest, pending, earliest, safe, finalized, got a fractional number",
		  "eth_getBlockByNumber", "[1.5, false]");
	RPC_ERROR(n, -32602, "invalid argument 0 (block): expected a quantity like \"0x1a\", got "
		  "\"0xzz\"", "eth_getBlockByNumber", "[\"0xzz\", false]");
	RPC_ERROR(n, -32602, "invalid argument 1 (fullTransactions): expected true or false, got "
		  "\"yes\"", "eth_getBlockByNumber", "[\"0x0\", \"yes\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (hash): expected a 32-byte hash: 0x and 64 hex "
		  "digits, got \"0x1234\"", "eth_getTransactionByHash", "[\"0x1234\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (blockHash): expected a 32-byte hash: 0x and 64 "
		  "hex digits, got 7", "eth_getBlockByHash", "[7, false]");
	/* Transaction objects. */
	RPC_ERROR(n, -32602, "invalid argument 0 (transaction): expected a transaction object, got "
		  "\"call\"", "eth_call", "[\"call\"]");
	RPC_ERROR(n, -32602, "invalid argument 0 (to): expected an address: 0x and 40 hex digits, "
		  "got \"0x12\"", "eth_call", "[{\"to\":\"0x12\"}]");
	RPC_ERROR(n, -32602, "invalid argument 0 (transaction): both \"data\" and \"input\" are "
		  "set and not equal; use \"input\" to pass transaction call data", "eth_call",
		  "[{\"to\":\"%s\",\"data\":\"0x01\",\"input\":\"0x02\"}]", STRANGER);
	RPC_ERROR(n, -32602, "invalid argument 0 (input): hex data has a character that is not a "
		  "hex digit", "eth_call", "[{\"to\":\"%s\",\"input\":\"0xzz\"}]", STRANGER);
	RPC_ERROR(n, -32602, "eth_call expects 1 to 3 params, got 0", "eth_call", "[]");
	RPC_ERROR(n, -32602, "eth_sendTransaction expects 1 param, got 0", "eth_sendTransaction",
		  "[]");
	RPC_ERROR(n, -32602, "invalid argument 0 (type): transaction type 3 cannot be sent with "
		  "eth_sendTransaction", "eth_sendTransaction",
		  "[{\"to\":\"%s\",\"type\":\"0x3\"}]", STRANGER);
	/* The same body with no params member at all. */
	r = node_body(n, __LINE__, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\"}");
	EXPECT(json_integer_value(json_object_get(json_object_get(r, "error"), "code")) == -32602);
	/* Nothing bad changed the chain. */
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	node_free(n);
}

static void
test_eth_bad_requests(void)
{
	struct node *n = node_new(true);
	const json_t *r, *e;

	RPC_ERROR(n, -32601, "the method foo_bar does not exist/is not available", "foo_bar", "[]");
	/* viem falls back to single calls on -32601. */
	RPC_ERROR(n, -32601, "the method eth_fillTransaction does not exist/is not available",
		  "eth_fillTransaction", "[{\"to\":\"%s\"}]", addr[1]);
	r = node_body(n, __LINE__, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"");
	e = json_object_get(r, "error");
	EXPECT(json_integer_value(json_object_get(e, "code")) == -32700);
	EXPECT(is_null(json_object_get(r, "id")));
	EXPECT(fs(e, "message") != NULL && strncmp(fs(e, "message"), "parse error: ", 13) == 0);
	r = node_body(n, __LINE__, "");
	EXPECT(json_integer_value(json_object_get(json_object_get(r, "error"), "code")) == -32700);
	r = node_body(n, __LINE__, "[]");
	EXPECT(json_integer_value(json_object_get(json_object_get(r, "error"), "code")) == -32600);

	/* A batch: answers in order, none for the notification. */
	r = node_body(n, __LINE__, "["
		      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]},"
		      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope_nope\",\"params\":[]},"
		      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_getBalance\",\"params\":[1]},"
		      "{\"jsonrpc\":\"2.0\",\"method\":\"evm_mine\",\"params\":[]},"
		      "5,"
		      "{\"jsonrpc\":\"2.0\",\"id\":\"four\",\"method\":\"eth_blockNumber\"}"
		      "]");
	CU_ASSERT_FATAL(is_array(r));
	EXPECT(json_array_size(r) == 5);
	EXPECT(json_integer_value(json_object_get(json_array_get(r, 0), "id")) == 1);
	EXPECT_STR(fs(json_array_get(r, 0), "result"), "0x7a69");
	EXPECT(json_integer_value(json_object_get(json_array_get(r, 1), "id")) == 2);
	EXPECT(json_integer_value(json_object_get(json_object_get(json_array_get(r, 1), "error"),
						  "code")) == -32601);
	EXPECT(json_integer_value(json_object_get(json_array_get(r, 2), "id")) == 3);
	EXPECT(json_integer_value(json_object_get(json_object_get(json_array_get(r, 2), "error"),
						  "code")) == -32602);
	EXPECT(is_null(json_object_get(json_array_get(r, 3), "id")));
	EXPECT(json_integer_value(json_object_get(json_object_get(json_array_get(r, 3), "error"),
						  "code")) == -32600);
	EXPECT_STR(fs(json_array_get(r, 4), "id"), "four");
	/* The notification ran: its block is there. */
	EXPECT_STR(fs(json_array_get(r, 4), "result"), "0x1");
	/* Only notifications: no answer at all. */
	r = node_body(n, __LINE__, "{\"jsonrpc\":\"2.0\",\"method\":\"evm_mine\",\"params\":[]}");
	EXPECT(r == NULL);
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x2");
	node_free(n);
}

/* A transaction with a nonce gap waits in the pool as queued, not pending,
 * as anvil reports it; the gap filled, both are mined. */
static void
test_eth_txpool_queued(void)
{
	struct node *n = node_new(true);
	uint8_t *raw = NULL;
	size_t len = 0;
	char *hex;
	const json_t *st;

	CU_ASSERT_EQUAL_FATAL(harness_signed_tx(&raw, &len, secp, accts[0].key, 5, accts[1].addr, 1,
						NULL, 0, 21000), 0);
	hex = hexstr(raw, len);
	RESULT(n, "eth_sendRawTransaction", "[\"%s\"]", hex);
	st = RESULT(n, "txpool_status", "[]");
	EXPECT_STR(fs(st, "pending"), "0x0");
	EXPECT_STR(fs(st, "queued"), "0x1");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x0");
	/* As anvil's, the pending nonce is past the highest pooled one. */
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"pending\"]", addr[0]), "0x6");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\", \"latest\"]", addr[0]), "0x0");
	free(hex);
	free(raw);
	for (uint64_t nonce = 0; nonce < 5; nonce++) {
		CU_ASSERT_EQUAL_FATAL(harness_signed_tx(&raw, &len, secp, accts[0].key, nonce,
							accts[2].addr, 1, NULL, 0, 21000), 0);
		hex = hexstr(raw, len);
		RESULT(n, "eth_sendRawTransaction", "[\"%s\"]", hex);
		free(hex);
		free(raw);
	}
	st = RESULT(n, "txpool_status", "[]");
	EXPECT_STR(fs(st, "pending"), "0x0");
	EXPECT_STR(fs(st, "queued"), "0x0");
	EXPECT_STR(STR(n, "eth_blockNumber", "[]"), "0x6");
	EXPECT_STR(STR(n, "eth_getTransactionCount", "[\"%s\"]", addr[0]), "0x6");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[1]), "0x21e19e0c9bab2400001");
	EXPECT_STR(STR(n, "eth_getBalance", "[\"%s\"]", addr[2]), "0x21e19e0c9bab2400005");
	node_free(n);
}

/* --- answers that once differed from anvil's and geth's -------------------------- */

/* anvil and geth both say "invalid chain id for signer", not the test
 * suite's name for it, "TransactionException.INVALID_CHAINID". */
static void
test_eth_wrong_chain_message(void)
{
	struct node *n = node_new(true);
	struct tx tx;
	char *hex;

	transfer_tx(&tx, 0);
	tx.chain_id = u256_from_u64(1);
	hex = signed_hex(&tx, accts[0].key);
	RPC_ERROR(n, -32000, "invalid chain id for signer", "eth_sendRawTransaction", "[\"%s\"]",
		  hex);
	free(hex);
	tx_release(&tx);
	node_free(n);
}

/* anvil answers a malformed raw transaction with -32602 "Failed to decode
 * transaction"; the node adds what was wrong in words, never the test
 * suite's exception name. */
static void
test_eth_decode_message(void)
{
	struct node *n = node_new(true);
	const char *msg = fs(RPC_ERROR(n, -32602, NULL, "eth_sendRawTransaction", "[\"0xf8\"]"),
			     "message");

	EXPECT(has_text(msg, "Failed to decode transaction: "));
	EXPECT(!has_text(msg, "Exception"));
	EXPECT(!has_text(msg, "_"));
	node_free(n);
}

/* Revert data of 4 to 7 bytes, such as a custom error without arguments:
 * codec.c once read 8 bytes of it after checking for 4, an over-read that
 * ASan reports. */
static void
test_eth_custom_error_short(void)
{
	struct node *n = node_new(true);
	const json_t *e;

	EXPECT(is_null(RESULT(n, "anvil_setCode", "[\"%s\", \"0x" CUSTOM_RUNTIME "\"]",
				   CONTRACT_B)));
	e = RPC_ERROR(n, 3, "execution reverted: custom error 0xdeadbeef", "eth_call",
		      "[{\"to\":\"%s\"}]", CONTRACT_B);
	EXPECT_STR(fs(e, "data"), "0xdeadbeef");
	e = RPC_ERROR(n, 3, "execution reverted: custom error 0xdeadbeef", "eth_estimateGas",
		      "[{\"to\":\"%s\"}]", CONTRACT_B);
	EXPECT_STR(fs(e, "data"), "0xdeadbeef");
	node_free(n);
}

/* With automine off anvil shows a pooled transaction, with blockNumber
 * null; ethers' JsonRpcSigner polls eth_getTransactionByHash after
 * eth_sendTransaction until it is not null. */
static void
test_eth_pending_tx_by_hash(void)
{
	struct node *n = node_new(false);
	const json_t *t;
	char hash[67];

	send_from(n, __LINE__, hash, 0, addr[1], "0x1");
	t = RESULT(n, "eth_getTransactionByHash", "[\"%s\"]", hash);
	EXPECT(is_object(t));
	EXPECT_STR(fs(t, "hash"), hash);
	EXPECT(is_null(json_object_get(t, "blockNumber")));
	node_free(n);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_eth_identity),
		HARNESS_TEST(test_eth_get_balance),
		HARNESS_TEST(test_eth_get_transaction_count),
		HARNESS_TEST(test_eth_send_transaction),
		HARNESS_TEST(test_eth_send_raw_transaction),
		HARNESS_TEST(test_eth_send_raw_wrong_chain),
		HARNESS_TEST(test_eth_call_and_estimate),
		HARNESS_TEST(test_eth_get_logs),
		HARNESS_TEST(test_eth_filters),
		HARNESS_TEST(test_eth_fees),
		HARNESS_TEST(test_eth_manual_mining),
		HARNESS_TEST(test_eth_anvil_mine),
		HARNESS_TEST(test_eth_snapshot_revert),
		HARNESS_TEST(test_eth_time),
		HARNESS_TEST(test_eth_mine_timestamp),
		HARNESS_TEST(test_eth_setters),
		HARNESS_TEST(test_eth_bad_params),
		HARNESS_TEST(test_eth_bad_requests),
		HARNESS_TEST(test_eth_txpool_queued),
		HARNESS_TEST(test_eth_wrong_chain_message),
		HARNESS_TEST(test_eth_decode_message),
		HARNESS_TEST(test_eth_custom_error_short),
		HARNESS_TEST(test_eth_pending_tx_by_hash),
		HARNESS_END,
	};
	char *cause = NULL;
	int rc = 1;

	secp = secp_new();
	if (secp == NULL ||
	    hdwallet_accounts(secp, accts, NACCTS, &cause, MNEMONIC, NULL, NULL, 0) != 0) {
		fprintf(stderr, "test_eth: cannot derive the dev accounts: %s\n",
			cause != NULL ? cause : "no signing context");
		goto out;
	}
	for (size_t i = 0; i < NACCTS; i++) {
		char *s = hexstr(accts[i].addr, 20);

		snprintf(addr[i], sizeof addr[i], "%s", s);
		free(s);
	}
	rc = harness_run("eth", tests);
out:
	for (size_t i = 0; i < NACCTS; i++)
		hdwallet_account_release(&accts[i]);
	secp_free(secp);
	free(cause);
	return rc;
}
