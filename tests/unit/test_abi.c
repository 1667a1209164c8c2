/* Tests for lib/abi.c.
 *
 * The SPEC_* encodings are the examples of the Solidity documentation's
 * "Contract ABI Specification" (docs/abi-spec.rst: Foo's baz, bar and sam,
 * "Use of Dynamic Types" for f and g), byte for byte.  The ETHERS_* ones
 * were computed once with ethers 6.17.0 (AbiCoder and Interface, in node 20
 * with the compat cache's node_modules) from the same arguments as the
 * tests give. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "xalloc.h"

#define SPEC_BAZ                                                                   \
	"0xcdcd77c0"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000045"         \
	"0000000000000000000000000000000000000000000000000000000000000001"
#define SPEC_BAR                                                                   \
	"0xfce353f6"                                                               \
	"6162630000000000000000000000000000000000000000000000000000000000"         \
	"6465660000000000000000000000000000000000000000000000000000000000"
#define SPEC_SAM                                                                   \
	"0xa5643bf2"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000060"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"00000000000000000000000000000000000000000000000000000000000000a0"         \
	"0000000000000000000000000000000000000000000000000000000000000004"         \
	"6461766500000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000003"
#define SPEC_F                                                                     \
	"0x8be65246"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000123"         \
	"0000000000000000000000000000000000000000000000000000000000000080"         \
	"3132333435363738393000000000000000000000000000000000000000000000"         \
	"00000000000000000000000000000000000000000000000000000000000000e0"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000456"         \
	"0000000000000000000000000000000000000000000000000000000000000789"         \
	"000000000000000000000000000000000000000000000000000000000000000d"         \
	"48656c6c6f2c20776f726c642100000000000000000000000000000000000000"
#define SPEC_G                                                                     \
	"0x2289b18c"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"0000000000000000000000000000000000000000000000000000000000000140"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"00000000000000000000000000000000000000000000000000000000000000a0"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"0000000000000000000000000000000000000000000000000000000000000060"         \
	"00000000000000000000000000000000000000000000000000000000000000a0"         \
	"00000000000000000000000000000000000000000000000000000000000000e0"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"6f6e650000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"74776f0000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000005"         \
	"7468726565000000000000000000000000000000000000000000000000000000"

/* transfer(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 1000) */
#define ETHERS_TRANSFER                                                            \
	"0xa9059cbb"                                                               \
	"00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"         \
	"00000000000000000000000000000000000000000000000000000000000003e8"
/* NESTED_SIG with NESTED_ARGS. */
#define ETHERS_NESTED                                                              \
	"0xf7640692"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000020"         \
	"00000000000000000000000000000000000000000000000000000000000000e0"         \
	"000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"         \
	"abababababababababababababababababababababababababababababababab"         \
	"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffb"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000240"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"00000000000000000000000000000000000000000000000000000000000000c0"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"6f6e650000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"74776f0000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"0000000000000000000000000000000000000000000000000000000000000060"         \
	"0000000000000000000000000000000000000000000000000000000000000140"         \
	"0000000000000000000000000000000000000000000000000000000000000160"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"0000000000000000000000000000000000000000000000000000000000000080"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"6100000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"6263000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000020"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"6465660000000000000000000000000000000000000000000000000000000000"
/* InsufficientBalance(100, 250) */
#define ETHERS_ERROR                                                               \
	"0xcf479181"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000064"         \
	"00000000000000000000000000000000000000000000000000000000000000fa"
/* (int8,int256,uint8,int16) of (-128, -2^255, 255, -1) */
#define ETHERS_INTS                                                                \
	"0x"                                                                       \
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80"         \
	"8000000000000000000000000000000000000000000000000000000000000000"         \
	"00000000000000000000000000000000000000000000000000000000000000ff"         \
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
/* constructor(string,string) of ("Token", "TOK") */
#define ETHERS_CTOR                                                                \
	"0x"                                                                       \
	"0000000000000000000000000000000000000000000000000000000000000040"         \
	"0000000000000000000000000000000000000000000000000000000000000080"         \
	"0000000000000000000000000000000000000000000000000000000000000005"         \
	"546f6b656e000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"544f4b0000000000000000000000000000000000000000000000000000000000"
/* Error("Insufficient balance") */
#define ETHERS_REASON                                                              \
	"0x08c379a0"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000020"         \
	"0000000000000000000000000000000000000000000000000000000000000014"         \
	"496e73756666696369656e742062616c616e6365000000000000000000000000"
/* The spec's JSON example f(S, T, uint) of ((1, [2, 3], [(4, 5)]), (6, 7), 8). */
#define ETHERS_SPEC_JSON_F                                                         \
	"0x6f2be728"                                                               \
	"0000000000000000000000000000000000000000000000000000000000000080"         \
	"0000000000000000000000000000000000000000000000000000000000000006"         \
	"0000000000000000000000000000000000000000000000000000000000000007"         \
	"0000000000000000000000000000000000000000000000000000000000000008"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000060"         \
	"00000000000000000000000000000000000000000000000000000000000000c0"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000002"         \
	"0000000000000000000000000000000000000000000000000000000000000003"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000004"         \
	"0000000000000000000000000000000000000000000000000000000000000005"

#define NESTED_SIG                                                                 \
	"function f(((uint256 id, string tag)[] items, (address who, bytes32 salt, "   \
	"(int8 n, bool[2] flags) inner) meta, string[][] names) x)"
#define NESTED_ARGS                                                                \
	"[{'items':[{'id':1,'tag':'one'},{'id':'0x2','tag':'two'}],"                   \
	"'meta':{'who':'0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',"                  \
	"'salt':'0xabababababababababababababababababababababababababababababababab'," \
	"'inner':{'n':-5,'flags':[true,false]}},'names':[['a','bc'],[],['def']]}]"
/* What NESTED_ARGS decode back to. */
#define NESTED_JSON                                                                \
	"{'x':{'items':[{'id':'1','tag':'one'},{'id':'2','tag':'two'}],"               \
	"'meta':{'who':'0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',"                  \
	"'salt':'0xabababababababababababababababababababababababababababababababab'," \
	"'inner':{'n':'-5','flags':[true,false]}},'names':[['a','bc'],[],['def']]}}"

#define ERC20_ABI                                                                  \
	"{'contractName':'Token','abi':["                                              \
	"{'type':'constructor','inputs':[{'name':'name','type':'string'},"             \
	"{'name':'symbol','type':'string'}],'stateMutability':'nonpayable'},"          \
	"{'type':'function','name':'transfer','inputs':[{'name':'to','type':'address',"  \
	"'internalType':'address'},{'name':'amount','type':'uint256'}],"               \
	"'outputs':[{'name':'','type':'bool'}],'stateMutability':'nonpayable'},"       \
	"{'type':'function','name':'approve','inputs':[{'name':'spender','type':'address'}," \
	"{'name':'value','type':'uint256'}],'outputs':[{'name':'','type':'bool'}],"    \
	"'stateMutability':'nonpayable'},"                                             \
	"{'type':'function','name':'balanceOf','inputs':[{'name':'owner','type':'address'}]," \
	"'outputs':[{'name':'','type':'uint256'}],'stateMutability':'view'},"          \
	"{'type':'event','name':'Transfer','anonymous':false,'inputs':["               \
	"{'name':'from','type':'address','indexed':true},"                             \
	"{'name':'to','type':'address','indexed':true},"                               \
	"{'name':'value','type':'uint256','indexed':false}]},"                         \
	"{'type':'event','name':'Approval','inputs':["                                 \
	"{'name':'owner','type':'address','indexed':true},"                            \
	"{'name':'spender','type':'address','indexed':true},"                          \
	"{'name':'value','type':'uint256','indexed':false}]},"                         \
	"{'type':'error','name':'InsufficientBalance','inputs':["                      \
	"{'name':'available','type':'uint256'},{'name':'required','type':'uint256'}]}]," \
	"'bytecode':'0x'}"

#define ACCOUNT0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define ACCOUNT1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
#define TRANSFER_TOPIC "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#define WORD0 "0000000000000000000000000000000000000000000000000000000000000000"

/* Returns: s parsed as JSON after turning every ' into " (caller frees);
 * a parse error fails the test. */
static json_t *
j(const char *s)
{
	char *text = xstrdup(s);
	json_error_t jerr;
	json_t *v;

	for (char *p = text; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

/* Returns: "0x" and the hex of p[0..n) (caller frees). */
static char *
to_hex(const uint8_t *p, size_t n)
{
	char *s = xmalloc(2 * n + 3);

	memcpy(s, "0x", 2);
	hex_encode(s + 2, p, n);
	return s;
}

/* Returns: the bytes of the hex in s (caller frees); bad hex fails the
 * test.  Out: *n, their number. */
static uint8_t *
from_hex(size_t *n, const char *s)
{
	uint8_t *p = xmalloc(strlen(s) / 2 + 1);

	*n = strlen(s) / 2;
	CU_ASSERT_EQUAL_FATAL(hex_decode(p, n, s, strlen(s)), 0);
	return p;
}

/* Returns: whether got equals the JSON in want (with ' for "); prints both
 * when not.  Takes over got. */
static bool
json_is(json_t *got, const char *want)
{
	json_t *w = j(want);
	bool eq = got != NULL && json_equal(got, w);

	if (!eq) {
		char *g = got != NULL ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		fprintf(stderr, "\n  got  %s\n", g != NULL ? g : "(null)");
		free(g);
		g = json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(stderr, "  want %s\n", g);
		free(g);
	}
	json_decref(w);
	json_decref(got);
	return eq;
}

/* Returns: whether *cause holds want; prints it when not.  Frees *cause
 * and sets it to NULL. */
static bool
cause_has(char **cause, const char *want)
{
	bool ok = *cause != NULL && strstr(*cause, want) != NULL;

	if (!ok)
		fprintf(stderr, "\n  cause '%s'\n  wants '%s'\n", *cause ? *cause : "(null)", want);
	free(*cause);
	*cause = NULL;
	return ok;
}

/* Returns: whether *cause is exactly want; as cause_has(). */
static bool
cause_is(char **cause, const char *want)
{
	bool ok = *cause != NULL && strcmp(*cause, want) == 0;

	if (!ok)
		fprintf(stderr, "\n  cause '%s'\n  wants '%s'\n", *cause ? *cause : "(null)", want);
	free(*cause);
	*cause = NULL;
	return ok;
}

/* Returns: the entry for signature text; a parse error fails the test. */
static struct abi_entry *
sig(const char *text)
{
	struct abi_entry *e = NULL;
	char *cause = NULL;

	if (abi_entry_parse(&e, &cause, text) != 0)
		fprintf(stderr, "\n  %s\n", cause);
	free(cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

/* Returns: the ABI in json (with ' for "); an error fails the test. */
static struct abi *
abi_of(const char *json)
{
	struct abi *abi = NULL;
	char *cause = NULL;
	json_t *v = j(json);

	if (abi_from_json(&abi, &cause, v) != 0)
		fprintf(stderr, "\n  %s\n", cause);
	free(cause);
	json_decref(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(abi);
	return abi;
}

/* Encodes a call of signature with args (JSON with ' for ", or NULL).
 * Returns: abi_encode_call()'s code.  Out: *hex (caller frees), on
 * success; *cause, on failure. */
static int
encode(char **hex, char **cause, const char *signature, const char *args)
{
	struct abi_entry *e = sig(signature);
	json_t *a = args != NULL ? j(args) : NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	*hex = NULL;
	rc = abi_encode_call(&data, &len, cause, e, a);
	if (rc == 0)
		*hex = to_hex(data, len);
	free(data);
	json_decref(a);
	abi_entry_free(e);
	return rc;
}

/* Returns: whether encoding signature with args gives want (hex). */
static bool
encodes_to(const char *signature, const char *args, const char *want)
{
	char *hex = NULL, *cause = NULL;
	bool ok;

	if (encode(&hex, &cause, signature, args) != 0)
		fprintf(stderr, "\n  %s: %s\n", signature, cause);
	ok = hex != NULL && strcmp(hex, want) == 0;
	if (!ok && hex != NULL)
		fprintf(stderr, "\n  got  %s\n  want %s\n", hex, want);
	free(hex);
	free(cause);
	return ok;
}

/* Returns: the calldata in hex decoded as fn's arguments, as JSON. */
static json_t *
decode_args(const struct abi_entry *fn, const char *hex)
{
	struct abi_value *v = NULL;
	char *cause = NULL;
	uint8_t *data;
	size_t n;
	json_t *out = NULL;

	data = from_hex(&n, hex);
	CU_ASSERT_FATAL(n >= 4);
	CU_ASSERT_EQUAL(memcmp(data, fn->hash, 4), 0);
	if (abi_decode(&v, &cause, fn->inputs, data + 4, n - 4) == 0)
		out = abi_value_to_json(v);
	else
		fprintf(stderr, "\n  %s\n", cause);
	free(cause);
	abi_value_free(v);
	free(data);
	return out;
}

/* The examples of the Solidity ABI specification, encoded and decoded. */
static void
test_abi_spec_examples(void)
{
	struct abi_entry *e;

	CU_ASSERT(encodes_to("baz(uint32,bool)", "[69,true]", SPEC_BAZ));
	CU_ASSERT(encodes_to("bar(bytes3[2])", "[['0x616263','0x646566']]", SPEC_BAR));
	CU_ASSERT(encodes_to("function sam(bytes memory, bool, uint[] memory) public pure",
			     "['0x64617665',true,[1,2,3]]", SPEC_SAM));
	CU_ASSERT(encodes_to("f(uint,uint32[],bytes10,bytes)",
			     "['0x123',['0x456','0x789'],'0x31323334353637383930',"
			     "'0x48656c6c6f2c20776f726c6421']", SPEC_F));
	CU_ASSERT(encodes_to("g(uint[][],string[])", "[[[1,2],[3]],['one','two','three']]",
			     SPEC_G));

	e = sig("baz(uint32 x, bool y)");
	CU_ASSERT_STRING_EQUAL(e->signature, "baz(uint32,bool)");
	CU_ASSERT(json_is(decode_args(e, SPEC_BAZ), "{'x':'69','y':true}"));
	abi_entry_free(e);
	e = sig("bar(bytes3[2])");
	CU_ASSERT(json_is(decode_args(e, SPEC_BAR), "[['0x616263','0x646566']]"));
	abi_entry_free(e);
	e = sig("sam(bytes,bool,uint[])");
	CU_ASSERT(json_is(decode_args(e, SPEC_SAM), "['0x64617665',true,['1','2','3']]"));
	abi_entry_free(e);
	e = sig("f(uint,uint32[],bytes10,bytes)");
	CU_ASSERT(json_is(decode_args(e, SPEC_F),
			  "['291',['1110','1929'],'0x31323334353637383930',"
			  "'0x48656c6c6f2c20776f726c6421']"));
	abi_entry_free(e);
	e = sig("g(uint[][],string[])");
	CU_ASSERT(json_is(decode_args(e, SPEC_G), "[[['1','2'],['3']],['one','two','three']]"));
	abi_entry_free(e);
}

/* An ERC-20 from a Hardhat artifact: lookups, selectors, transfer
 * calldata, the return data of balanceOf and transfer. */
static void
test_abi_erc20(void)
{
	struct abi *abi = abi_of(ERC20_ABI);
	const struct abi_entry *e = NULL;
	struct abi_value *v = NULL;
	char *cause = NULL, *hex;
	uint8_t *data = NULL, word[32] = { 0 };
	json_t *args;
	size_t len;

	CU_ASSERT_EQUAL(abi->nentries, 7);
	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "transfer"), 0);
	CU_ASSERT_STRING_EQUAL(e->signature, "transfer(address,uint256)");
	CU_ASSERT_EQUAL(e->mutability, ABI_NONPAYABLE);
	args = j("['" ACCOUNT1 "',1000]");
	CU_ASSERT_EQUAL_FATAL(abi_encode_call(&data, &len, &cause, e, args), 0);
	hex = to_hex(data, len);
	CU_ASSERT_STRING_EQUAL(hex, ETHERS_TRANSFER);
	free(hex);
	free(data);
	json_decref(args);
	/* By name, and with the amount as a string. */
	args = j("{'amount':'1000','to':'" ACCOUNT1 "'}");
	CU_ASSERT_EQUAL_FATAL(abi_encode_call(&data, &len, &cause, e, args), 0);
	hex = to_hex(data, len);
	CU_ASSERT_STRING_EQUAL(hex, ETHERS_TRANSFER);
	free(hex);
	free(data);
	json_decref(args);

	word[31] = 1;
	CU_ASSERT_EQUAL_FATAL(abi_decode_output(&v, &cause, e, word, 32), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "[true]"));
	abi_value_free(v);

	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "balanceOf"), 0);
	CU_ASSERT_EQUAL(e->mutability, ABI_VIEW);
	CU_ASSERT_EQUAL(memcmp(e->hash, "\x70\xa0\x82\x31", 4), 0);
	word[30] = 0x03;
	word[31] = 0xe8;
	CU_ASSERT_EQUAL_FATAL(abi_decode_output(&v, &cause, e, word, 32), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "['1000']"));
	abi_value_free(v);

	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "approve"), 0);
	CU_ASSERT_EQUAL(memcmp(e->hash, "\x09\x5e\xa7\xb3", 4), 0);
	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_EVENT, "Approval"), 0);
	hex = to_hex(e->hash, 32);
	CU_ASSERT_STRING_EQUAL(hex, "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925");
	free(hex);
	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_EVENT, "Transfer"), 0);
	hex = to_hex(e->hash, 32);
	CU_ASSERT_STRING_EQUAL(hex, TRANSFER_TOPIC);
	free(hex);
	CU_ASSERT_STRING_EQUAL(abi_constructor(abi)->signature, "constructor(string,string)");
	CU_ASSERT_PTR_NULL(cause);
	abi_free(abi);
}

/* Type text: canonical forms, layout, names. */
static void
test_abi_types(void)
{
	static const struct {
		const char *text, *canonical;
		bool dynamic;
		size_t head;
		unsigned depth;
	} cases[] = {
		{ "uint", "uint256", false, 32, 1 },
		{ "int", "int256", false, 32, 1 },
		{ "uint8", "uint8", false, 32, 1 },
		{ "int136", "int136", false, 32, 1 },
		{ "address", "address", false, 32, 1 },
		{ "bool", "bool", false, 32, 1 },
		{ "bytes1", "bytes1", false, 32, 1 },
		{ "bytes32", "bytes32", false, 32, 1 },
		{ "bytes", "bytes", true, 32, 1 },
		{ "string", "string", true, 32, 1 },
		{ "address[]", "address[]", true, 32, 2 },
		{ "uint256[3]", "uint256[3]", false, 96, 2 },
		{ "string[2]", "string[2]", true, 32, 2 },
		{ "uint8[2][3]", "uint8[2][3]", false, 192, 3 },
		{ "(address,uint256)[]", "(address,uint256)[]", true, 32, 3 },
		{ "tuple(address to, uint amount)[2][]", "(address,uint256)[2][]", true, 32, 4 },
		{ " ( uint8 , ( bool , bytes4 ) [ 2 ] ) ", "(uint8,(bool,bytes4)[2])", false, 160, 4 },
		{ "(string)", "(string)", true, 32, 2 },
		{ "(uint256 calldata a)", "(uint256)", false, 32, 2 },
	};
	struct abi_type *t = NULL;
	char *cause = NULL, *s;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, &cause, cases[i].text), 0);
		s = abi_type_format(t);
		CU_ASSERT_STRING_EQUAL(s, cases[i].canonical);
		CU_ASSERT_EQUAL(t->dynamic, cases[i].dynamic);
		CU_ASSERT_EQUAL(t->head, cases[i].head);
		CU_ASSERT_EQUAL(t->depth, cases[i].depth);
		free(s);
		abi_type_free(t);
	}
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, &cause, "tuple(address to, uint amount)[2]"), 0);
	CU_ASSERT_EQUAL(t->kind, ABI_FIXED_ARRAY);
	CU_ASSERT_EQUAL(t->len, 2);
	CU_ASSERT_EQUAL(t->elem->kind, ABI_TUPLE);
	CU_ASSERT_STRING_EQUAL(t->elem->fields[0].name, "to");
	CU_ASSERT_STRING_EQUAL(t->elem->fields[1].name, "amount");
	CU_ASSERT_EQUAL(t->elem->fields[1].type->size, 256);
	CU_ASSERT(t->elem->named);
	abi_type_free(t);
	abi_type_free(NULL);
	CU_ASSERT_PTR_NULL(cause);
}

/* Every way a type can be wrong, and the limits. */
static void
test_abi_type_errors(void)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{ "uint257", -EINVAL, "unknown type 'uint257'" },
		{ "uint7", -EINVAL, "unknown type 'uint7'" },
		{ "uint08", -EINVAL, "unknown type 'uint08'" },
		{ "bytes0", -EINVAL, "unknown type 'bytes0'" },
		{ "bytes33", -EINVAL, "unknown type 'bytes33'" },
		{ "unit256", -EINVAL, "unknown type 'unit256' (did you mean 'uint256'?)" },
		{ "xyzzy", -EINVAL, "unknown type 'xyzzy' (column 1)" },
		{ "Address", -EINVAL, "unknown type 'Address' (did you mean 'address'?)" },
		{ "fixed128x18", -EINVAL, "fixed-point types such as 'fixed128x18' are not supported" },
		{ "ufixed", -EINVAL, "fixed-point types" },
		{ "function", -EINVAL, "the function type is not supported" },
		{ "", -EINVAL, "expected a type" },
		{ "[]", -EINVAL, "expected a type" },
		{ "uint256[0]", -EINVAL, "bad array length '0'" },
		{ "uint256[01]", -EINVAL, "bad array length '01'" },
		{ "uint256[x]", -EINVAL, "bad array length 'x'" },
		{ "uint256[32769]", -EINVAL, "bad array length '32769'" },
		{ "uint256[2][16385]", -EINVAL, "bad array length '16385'" },
		{ "uint256[", -EINVAL, "expected ']'" },
		{ "uint256]", -EINVAL, "unexpected ']'" },
		{ "uint256 x", -EINVAL, "unexpected 'x'" },
		{ "()", -EINVAL, "empty tuple type '()'" },
		{ "(uint256,())", -EINVAL, "empty tuple type '()'" },
		{ "(uint256", -EINVAL, "expected ',' or ')'" },
		{ "(uint256,)", -EINVAL, "expected a type" },
		{ "(uint256 a b)", -EINVAL, "expected ',' or ')' after the name 'a'" },
		{ "(uint256 indexed a)", -EINVAL, "'indexed' outside an event's parameters" },
		{ "(uint256 1a)", -EINVAL, "bad parameter name '1a'" },
		{ "tuple", -EINVAL, "unknown type 'tuple'" },
		{ "(uint256[32768],uint256)", -E2BIG, "the head is more than 1048576 bytes" },
		{ "uint8 $", -EINVAL, "unexpected '$'" },
		{ "uint8 ~", -EINVAL, "unexpected '~'" },
	};
	struct abi_entry *e = NULL;
	struct abi_type *t = NULL;
	char *cause = NULL, *text;
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, cases[i].text), cases[i].rc);
		CU_ASSERT_PTR_NULL(t);
		CU_ASSERT(cause_has(&cause, cases[i].msg));
	}
	/* The whole message, with the column. */
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, "(address,uint257)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "bad type '(address,uint257)': unknown type 'uint257' (did "
			   "you mean 'uint256'?) (column 10)"));
	CU_ASSERT_EQUAL(abi_type_parse(&t, NULL, "uint257"), -EINVAL);

	/* 32 levels are allowed, 33 are not, by arrays or tuples. */
	text = xcalloc(1, 1024);
	strcpy(text, "uint8");
	for (int i = 0; i < 31; i++)
		strcat(text, "[]");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), 0);
	abi_type_free(t);
	t = NULL;
	strcat(text, "[2]");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "types nest more than 32 deep"));
	n = 0;
	for (int i = 0; i < 31; i++)
		text[n++] = '(';
	memcpy(text + n, "bool", 4);
	n += 4;
	for (int i = 0; i < 31; i++)
		text[n++] = ')';
	text[n] = '\0';
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), 0);
	CU_ASSERT_EQUAL(t->depth, 32);
	abi_type_free(t);
	t = NULL;
	memmove(text + 1, text, n + 1);
	text[0] = '(';
	strcat(text, ")");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "types nest more than 32 deep"));
	/* Tuples inside arrays count too. */
	strcpy(text, "(uint8[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][])[]");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "types nest more than 32 deep"));
	free(text);
	/* Deep nesting is refused before it recurses. */
	text = xmalloc(200001);
	memset(text, '(', 200000);
	text[200000] = '\0';
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "longer than 65536 bytes"));
	text[60000] = '\0';
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "types nest more than 32 deep"));
	free(text);
	/* A tuple of 257 components. */
	text = xcalloc(1, 4096);
	strcpy(text, "(bool");
	for (int i = 1; i < 257; i++)
		strcat(text, ",bool");
	strcat(text, ")");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "more than 256 parameters or components"));
	text[strlen(text) - 6] = ')';
	text[strlen(text) - 5] = '\0';
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), 0);
	CU_ASSERT_EQUAL(t->nfields, 256);
	abi_type_free(t);
	free(text);
	/* 51 KiB of "uint" that would print as 82 KiB of "uint256". */
	text = xcalloc(1, 60000);
	strcpy(text, "(");
	for (int i = 0; i < 40; i++) {
		strcat(text, i > 0 ? ",(uint" : "(uint");
		for (int k = 1; k < 256; k++)
			strcat(text, ",uint");
		strcat(text, ")");
	}
	strcat(text, ")");
	CU_ASSERT_EQUAL(abi_type_parse(&t, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "the canonical text is longer than 65536 bytes"));
	text[0] = 'f';
	memmove(text + 2, text + 1, strlen(text));
	text[1] = '(';
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "the signature is longer than 65536 bytes"));
	free(text);
	CU_ASSERT_PTR_NULL(cause);
}

/* Human-readable signatures of every kind. */
static void
test_abi_signatures(void)
{
	struct abi_entry *e;
	char *hex;

	e = sig("transfer(address,uint256)");
	CU_ASSERT_EQUAL(e->kind, ABI_FUNCTION);
	CU_ASSERT_STRING_EQUAL(e->name, "transfer");
	CU_ASSERT_STRING_EQUAL(e->signature, "transfer(address,uint256)");
	CU_ASSERT_EQUAL(memcmp(e->hash, "\xa9\x05\x9c\xbb", 4), 0);
	CU_ASSERT_EQUAL(e->mutability, ABI_NONPAYABLE);
	CU_ASSERT_EQUAL(e->outputs->nfields, 0);
	CU_ASSERT_STRING_EQUAL(e->inputs->fields[0].name, "");
	abi_entry_free(e);

	e = sig("function balanceOf(address owner) view returns (uint256)");
	CU_ASSERT_STRING_EQUAL(e->signature, "balanceOf(address)");
	CU_ASSERT_STRING_EQUAL(e->inputs->fields[0].name, "owner");
	CU_ASSERT_EQUAL(e->mutability, ABI_VIEW);
	CU_ASSERT_EQUAL_FATAL(e->outputs->nfields, 1);
	CU_ASSERT_EQUAL(e->outputs->fields[0].type->kind, ABI_UINT);
	abi_entry_free(e);

	e = sig("event Transfer(address indexed from, address indexed to, uint256 value)");
	CU_ASSERT_EQUAL(e->kind, ABI_EVENT);
	CU_ASSERT_STRING_EQUAL(e->signature, "Transfer(address,address,uint256)");
	CU_ASSERT(e->inputs->fields[0].indexed);
	CU_ASSERT(e->inputs->fields[1].indexed);
	CU_ASSERT(!e->inputs->fields[2].indexed);
	CU_ASSERT_STRING_EQUAL(e->inputs->fields[2].name, "value");
	CU_ASSERT(!e->anonymous);
	hex = to_hex(e->hash, 32);
	CU_ASSERT_STRING_EQUAL(hex, TRANSFER_TOPIC);
	free(hex);
	abi_entry_free(e);

	e = sig("error InsufficientBalance(uint256 available, uint256 required)");
	CU_ASSERT_EQUAL(e->kind, ABI_ERROR);
	CU_ASSERT_EQUAL(memcmp(e->hash, "\xcf\x47\x91\x81", 4), 0);
	abi_entry_free(e);

	e = sig("constructor(string name, string symbol)");
	CU_ASSERT_EQUAL(e->kind, ABI_CONSTRUCTOR);
	CU_ASSERT_STRING_EQUAL(e->name, "");
	CU_ASSERT_STRING_EQUAL(e->signature, "constructor(string,string)");
	abi_entry_free(e);

	e = sig("  function  f ( uint[] calldata xs , string memory s )\n external pure "
		"returns (bytes32 h, bool)");
	CU_ASSERT_STRING_EQUAL(e->signature, "f(uint256[],string)");
	CU_ASSERT_EQUAL(e->mutability, ABI_PURE);
	CU_ASSERT_STRING_EQUAL(e->outputs->fields[0].name, "h");
	CU_ASSERT_STRING_EQUAL(e->outputs->fields[1].name, "");
	abi_entry_free(e);

	e = sig("function deposit() external payable");
	CU_ASSERT_EQUAL(e->mutability, ABI_PAYABLE);
	abi_entry_free(e);
	e = sig("function old() constant returns (uint)");
	CU_ASSERT_EQUAL(e->mutability, ABI_VIEW);
	abi_entry_free(e);
	e = sig("event Anon(uint indexed a, uint indexed b, uint indexed c, uint indexed d) "
		"anonymous");
	CU_ASSERT(e->anonymous);
	abi_entry_free(e);
	e = sig("receive() external payable");
	CU_ASSERT_EQUAL(e->kind, ABI_RECEIVE);
	CU_ASSERT_STRING_EQUAL(e->signature, "receive()");
	abi_entry_free(e);
	e = sig("fallback() external");
	CU_ASSERT_EQUAL(e->kind, ABI_FALLBACK);
	abi_entry_free(e);
	/* Words that are not keywords may be names. */
	e = sig("function returns(uint8) returns (uint8)");
	CU_ASSERT_STRING_EQUAL(e->signature, "returns(uint8)");
	CU_ASSERT_EQUAL(e->outputs->nfields, 1);
	abi_entry_free(e);
	e = sig("function swap((address tokenIn, uint24 fee)[] calldata path, bytes32[2] memory)");
	CU_ASSERT_STRING_EQUAL(e->signature, "swap((address,uint24)[],bytes32[2])");
	abi_entry_free(e);
	abi_entry_free(NULL);
}

/* Every way a signature can be wrong. */
static void
test_abi_signature_errors(void)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{ "event E(uint indexed a, uint indexed b, uint indexed c, uint indexed d)", -EINVAL,
		  "4 indexed parameters; an event may have 3" },
		{ "event E(uint indexed a, uint indexed b, uint indexed c, uint indexed d, "
		  "uint indexed e) anonymous", -EINVAL,
		  "5 indexed parameters; an anonymous event may have 4" },
		{ "function f(uint indexed a)", -EINVAL, "'indexed' outside an event's parameters" },
		{ "error E() returns (uint)", -EINVAL, "unexpected 'returns'" },
		{ "function f() returns (uint) returns (uint)", -EINVAL, "unexpected 'returns'" },
		{ "function f() view pure", -EINVAL, "more than one state mutability" },
		{ "event E() view", -EINVAL, "'view' after an event" },
		{ "error E() payable", -EINVAL, "'payable' after an error" },
		{ "function f() anonymous", -EINVAL, "'anonymous' after a function" },
		{ "function f() returns", -EINVAL, "expected '('" },
		{ "function f() internal", -EINVAL, "unexpected 'internal'" },
		{ "receive(uint256)", -EINVAL, "receive takes no parameters in an ABI" },
		{ "fallback() returns (bytes)", -EINVAL, "unexpected 'returns'" },
		{ "function (uint)", -EINVAL, "expected a name" },
		{ "(uint)", -EINVAL, "expected a name" },
		{ "", -EINVAL, "expected a name" },
		{ "1f()", -EINVAL, "expected a name" },
		{ "function constructor(uint8)", -EINVAL, "expected a name" },
		{ "error(uint8)", -EINVAL, "expected a name" },
		{ "f", -EINVAL, "expected '('" },
		{ "f(uint) junk", -EINVAL, "unexpected 'junk'" },
		{ "f(uint);", -EINVAL, "unexpected ';'" },
		{ "f(uint257)", -EINVAL, "unknown type 'uint257'" },
		{ "f(uint", -EINVAL, "expected ',' or ')'" },
	};
	struct abi_entry *e = NULL;
	char *cause = NULL, *text;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, cases[i].text), cases[i].rc);
		CU_ASSERT_PTR_NULL(e);
		CU_ASSERT(cause_has(&cause, cases[i].msg));
	}
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, "function f(uint indexed a)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "bad signature 'function f(uint indexed a)': 'indexed' "
			   "outside an event's parameters (column 17)"));
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, "event E(uint indexed a, uint indexed b, "
					"uint indexed c, uint indexed d)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "bad signature 'event E(uint indexed a, uint indexed b, uint "
			   "indexed c, uint indexed d)': 4 indexed parameters; an event may have 3"));
	CU_ASSERT_EQUAL(abi_entry_parse(&e, NULL, "f("), -EINVAL);
	/* Limits: the text, a name. */
	text = xmalloc(ABI_MAX_TEXT + 2);
	memset(text, 'a', ABI_MAX_TEXT + 1);
	text[ABI_MAX_TEXT + 1] = '\0';
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "longer than 65536 bytes"));
	memcpy(text + ABI_MAX_NAME + 1, "()", 3);
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "expected a name"));
	memcpy(text + ABI_MAX_NAME, "()", 3);
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, text), 0);
	abi_entry_free(e);
	e = NULL;
	memset(text, 'a', ABI_MAX_TEXT + 1);
	memcpy(text, "f(uint ", 7);
	memcpy(text + 7 + ABI_MAX_NAME + 1, ")", 2);
	CU_ASSERT_EQUAL(abi_entry_parse(&e, &cause, text), -E2BIG);
	CU_ASSERT(cause_has(&cause, "bad parameter name 'aaaa"));
	free(text);
}

/* JSON ABIs: the spec's tuple example, artifacts, old solc's string form,
 * human-readable entries among JSON ones. */
static void
test_abi_json(void)
{
	static const char spec_abi[] =
		"[{'name':'f','type':'function','inputs':["
		"{'name':'s','type':'tuple','components':[{'name':'a','type':'uint256'},"
		"{'name':'b','type':'uint256[]'},{'name':'c','type':'tuple[]','components':["
		"{'name':'x','type':'uint256'},{'name':'y','type':'uint256'}]}]},"
		"{'name':'t','type':'tuple','components':[{'name':'x','type':'uint256'},"
		"{'name':'y','type':'uint256'}]},{'name':'a','type':'uint256'}],'outputs':[]}]";
	const struct abi_entry *e = NULL;
	struct abi *abi = abi_of(spec_abi);
	char *cause = NULL, *hex;
	uint8_t *data;
	json_t *args, *v;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "f"), 0);
	CU_ASSERT_STRING_EQUAL(e->signature,
			       "f((uint256,uint256[],(uint256,uint256)[]),(uint256,uint256),uint256)");
	args = j("[[1,[2,3],[[4,5]]],{'x':6,'y':7},8]");
	CU_ASSERT_EQUAL_FATAL(abi_encode_call(&data, &len, &cause, e, args), 0);
	hex = to_hex(data, len);
	CU_ASSERT_STRING_EQUAL(hex, ETHERS_SPEC_JSON_F);
	CU_ASSERT(json_is(decode_args(e, hex), "{'s':{'a':'1','b':['2','3'],'c':[{'x':'4',"
				   "'y':'5'}]},'t':{'x':'6','y':'7'},'a':'8'}"));
	free(hex);
	free(data);
	json_decref(args);
	abi_free(abi);

	/* solc --combined-json before 0.8.10 gave the ABI as a JSON string. */
	v = json_string("[{\"type\":\"function\",\"name\":\"g\",\"inputs\":[],\"outputs\":[],"
			"\"constant\":true}]");
	CU_ASSERT_EQUAL_FATAL(abi_from_json(&abi, &cause, v), 0);
	CU_ASSERT_EQUAL(abi->entries[0]->mutability, ABI_VIEW);
	abi_free(abi);
	json_decref(v);

	/* Human-readable entries, fallback and receive, an entry without type. */
	abi = abi_of("['function a(uint x) payable','event E(string indexed s)',"
		     "{'name':'b','inputs':[{'type':'bytes'}]},{'type':'fallback'},"
		     "{'type':'receive','stateMutability':'payable'},"
		     "{'type':'function','name':'c','inputs':[{'name':'','type':'uint8'}],"
		     "'payable':true},"
		     "{'type':'event','name':'A','anonymous':true,'inputs':["
		     "{'name':'x','type':'uint8','indexed':true}]}]");
	CU_ASSERT_EQUAL_FATAL(abi->nentries, 7);
	CU_ASSERT_EQUAL(abi->entries[0]->mutability, ABI_PAYABLE);
	CU_ASSERT(abi->entries[1]->inputs->fields[0].indexed);
	CU_ASSERT_STRING_EQUAL(abi->entries[2]->signature, "b(bytes)");
	CU_ASSERT_EQUAL(abi->entries[3]->kind, ABI_FALLBACK);
	CU_ASSERT_EQUAL(abi->entries[4]->kind, ABI_RECEIVE);
	CU_ASSERT_EQUAL(abi->entries[4]->mutability, ABI_PAYABLE);
	CU_ASSERT_EQUAL(abi->entries[5]->mutability, ABI_PAYABLE);
	CU_ASSERT(abi->entries[6]->anonymous);
	/* Without one, the constructor is Solidity's default. */
	CU_ASSERT_STRING_EQUAL(abi_constructor(abi)->signature, "constructor()");
	CU_ASSERT_STRING_EQUAL(abi_constructor(NULL)->signature, "constructor()");
	abi_free(abi);
	abi_free(NULL);
	CU_ASSERT_PTR_NULL(cause);
}

/* Every way a JSON ABI can be wrong, and its limits. */
static void
test_abi_json_errors(void)
{
	static const struct {
		const char *json;
		int rc;
		const char *msg;
	} cases[] = {
		{ "5", -EINVAL, "the ABI must be an array of entries, or an artifact with one as "
		  "'abi', not a number" },
		{ "{'bytecode':'0x'}", -EINVAL, "not an object" },
		{ "{'abi':{'abi':[]}}", -EINVAL, "not an object" },
		{ "[5]", -EINVAL, "ABI entry 1: must be an object or a signature, not a number" },
		{ "[{'type':'foo'}]", -EINVAL, "ABI entry 1: unknown type 'foo'" },
		{ "[{'type':3}]", -EINVAL, "ABI entry 1: 'type' must be a string, not a number" },
		{ "[{'type':'function'}]", -EINVAL,
		  "ABI entry 1: a function needs a 'name' that is an identifier and not a keyword" },
		{ "[{'type':'function','name':'receive'}]", -EINVAL,
		  "ABI entry 1: a function needs a 'name' that is an identifier and not a keyword" },
		{ "[{'type':'event','name':'a b'}]", -EINVAL,
		  "ABI entry 1: an event needs a 'name' that is an identifier" },
		{ "[{'name':'f','stateMutability':'cheap'}]", -EINVAL,
		  "ABI entry 1 (f): bad stateMutability" },
		{ "[{'name':'f','inputs':{}}]", -EINVAL,
		  "ABI entry 1 (f): parameters must be an array, not an object" },
		{ "[{'name':'f','inputs':[5]}]", -EINVAL, "ABI entry 1 (f): parameter 1: must be an "
		  "object with a string 'type' and a string 'name'" },
		{ "[{'name':'f','inputs':[{'name':5,'type':'uint8'}]}]", -EINVAL,
		  "must be an object with a string 'type'" },
		{ "[{'name':'f','inputs':[{'name':'x y','type':'uint8'}]}]", -EINVAL,
		  "ABI entry 1 (f): parameter 1: bad name 'x y'" },
		{ "[{'name':'f','inputs':[{'name':'a','type':'uint8'},{'name':'b','type':'uint257'}]}]",
		  -EINVAL, "ABI entry 1 (f): parameter 2: bad type 'uint257': unknown type 'uint257' "
		  "(did you mean 'uint256'?) (column 1)" },
		{ "[{'name':'f','inputs':[{'name':'a','type':'tuple'}]}]", -EINVAL,
		  "ABI entry 1 (f): parameter 1: type 'tuple' without a 'components' array" },
		{ "[{'name':'f','inputs':[{'name':'a','type':'tuple[x]','components':"
		  "[{'type':'bool'}]}]}]", -EINVAL, "bad array length 'x'" },
		{ "[{'name':'f','inputs':[{'name':'a','type':'tuple[] x','components':"
		  "[{'type':'bool'}]}]}]", -EINVAL, "unexpected 'x'" },
		{ "[{'name':'f','inputs':[{'name':'a','type':'tuple','components':[]}]}]", -EINVAL,
		  "ABI entry 1 (f): parameter 1: empty tuple type '()'" },
		{ "[{'name':'f','outputs':[{'name':'a','type':'tuple','components':"
		  "[{'type':'uint9'}]}]}]", -EINVAL, "ABI entry 1 (f): parameter 1: parameter 1: bad "
		  "type 'uint9'" },
		{ "[{'type':'event','name':'E','inputs':[{'type':'uint8','indexed':true},"
		  "{'type':'uint8','indexed':true},{'type':'uint8','indexed':true},"
		  "{'type':'uint8','indexed':true}]}]", -EINVAL,
		  "ABI entry 1 (E): 4 indexed parameters; an event may have 3" },
		{ "[{'type':'fallback','inputs':[{'type':'bytes'}]}]", -EINVAL,
		  "ABI entry 1 (fallback): fallback takes no parameters in an ABI" },
		{ "['function f(uint)','f(uint256)']", -EINVAL,
		  "the ABI has function f(uint256) twice" },
		{ "['event E(uint)','function E(uint)','event E(uint indexed)']", -EINVAL,
		  "the ABI has event E(uint256) twice" },
		{ "['constructor()','constructor(uint)']", -EINVAL,
		  "the ABI has more than one constructor" },
		{ "['function f(uint)','event g(uint) view']", -EINVAL,
		  "ABI entry 2: bad signature 'event g(uint) view': 'view' after an event" },
		{ "[{'type':'event','name':'E','inputs':[{'type':'uint8','indexed':true},"
		  "{'type':'uint8','indexed':true},{'type':'uint8','indexed':true},"
		  "{'type':'uint8','indexed':true},{'type':'uint8','indexed':true}],"
		  "'anonymous':true}]", -EINVAL, "5 indexed parameters; an anonymous event may have 4" },
		{ "['event E(uint indexed a, uint indexed b, uint indexed c, uint indexed d)']",
		  -EINVAL, "ABI entry 1: bad signature 'event E(uint indexed a, uint indexed b, uint "
		  "indexed c, uint indexed d)': 4 indexed parameters; an event may have 3" },
	};
	struct abi *abi = NULL;
	char *cause = NULL, *text;
	json_t *v, *list, *params, *entry, *inner;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		v = j(cases[i].json);
		CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), cases[i].rc);
		CU_ASSERT_PTR_NULL(abi);
		CU_ASSERT(cause_has(&cause, cases[i].msg));
		json_decref(v);
	}
	v = json_string("[{\"type\":");
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -EINVAL);
	CU_ASSERT(cause_has(&cause, "the ABI is not valid JSON"));
	json_decref(v);
	v = json_string("\"[]\"");	/* a string holding a string */
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -EINVAL);
	CU_ASSERT(cause_has(&cause, "not a string"));
	json_decref(v);
	v = j("[5]");
	CU_ASSERT_EQUAL(abi_from_json(&abi, NULL, v), -EINVAL);
	json_decref(v);

	/* Entries, parameters, types and nesting past the limits. */
	list = json_array();
	for (int i = 0; i <= ABI_MAX_ENTRIES; i++)
		json_array_append_new(list, json_string("function f()"));
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, list), -E2BIG);
	CU_ASSERT(cause_has(&cause, "the ABI has 4097 entries, more than 4096"));
	json_decref(list);
	params = json_array();
	for (int i = 0; i <= ABI_MAX_FIELDS; i++)
		json_array_append_new(params, json_pack("{s:s}", "type", "uint8"));
	v = json_pack("[{s:s, s:O}]", "name", "f", "inputs", params);
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "ABI entry 1 (f): 257 parameters or components, more than 256"));
	json_decref(v);
	json_array_remove(params, 0);
	list = json_array();
	for (int i = 0; i < 300; i++) {
		text = NULL;
		xasprintf(&text, "f%d", i);
		json_array_append_new(list, json_pack("{s:s, s:O}", "name", text, "inputs", params));
		free(text);
	}
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, list), -E2BIG);
	CU_ASSERT(cause_has(&cause, "more than 65536 types"));
	json_decref(list);
	json_decref(params);
	inner = json_pack("[{s:s}]", "type", "uint8");
	for (int i = 0; i < 40; i++) {
		entry = json_pack("[{s:s, s:o}]", "type", "tuple", "components", inner);
		inner = entry;
	}
	v = json_pack("[{s:s, s:o}]", "name", "f", "inputs", inner);
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "types nest more than 32 deep"));
	json_decref(v);
	/* 256 tuples of 40 uint256: a signature of 82 KiB. */
	inner = json_array();
	for (int i = 0; i < 40; i++)
		json_array_append_new(inner, json_pack("{s:s}", "type", "uint256"));
	params = json_array();
	for (int i = 0; i < 256; i++)
		json_array_append_new(params, json_pack("{s:s, s:O}", "type", "tuple",
							"components", inner));
	v = json_pack("[{s:s, s:o}]", "name", "f", "inputs", params);
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "ABI entry 1 (f): the signature is longer than 65536 bytes"));
	json_decref(v);
	json_decref(inner);
	/* A tuple around a type 32 deep is 33 deep. */
	v = j("[{'name':'f','inputs':[{'type':'tuple','components':[{'type':'uint8[][][][][][][]"
	      "[][][][][][][][][][][][][][][][][][][][][][][][]'}]}]}]");
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "ABI entry 1 (f): parameter 1: type nested more than 32 deep"));
	json_decref(v);
	v = j("[{'name':'f','inputs':[{'type':'uint256[32768]'},{'type':'uint256[32768]'}]}]");
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "ABI entry 1 (f): the head is more than 1048576 bytes"));
	json_decref(v);
	text = xmalloc(ABI_MAX_JSON + 1);
	memset(text, ' ', ABI_MAX_JSON + 1);
	v = json_stringn(text, ABI_MAX_JSON + 1);
	free(text);
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, v), -E2BIG);
	CU_ASSERT(cause_has(&cause, "the ABI's JSON text is larger than 16777216 bytes"));
	json_decref(v);
	v = json_stringn("\0", 1);
	list = json_pack("[o]", v);
	CU_ASSERT_EQUAL(abi_from_json(&abi, &cause, list), -EINVAL);
	CU_ASSERT(cause_has(&cause, "holding a NUL"));
	json_decref(list);
}

/* Lookups by name and by signature, overloads, hints. */
static void
test_abi_find(void)
{
	struct abi *abi = abi_of("['function transfer(address to, uint256 amount)',"
				 "'function transfer(address to, uint256 amount, bytes data)',"
				 "'function balanceOf(address) view returns (uint256)',"
				 "'event Transfer(address indexed from, address indexed to, uint256 v)',"
				 "'error Low(uint256 have, uint256 want)']");
	const struct abi_entry *e = NULL;
	char *cause = NULL, *long_sig;
	uint8_t topics[3][32] = { { 0 } };

	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "transfer"), -EINVAL);
	CU_ASSERT_PTR_NULL(e);
	CU_ASSERT(cause_is(&cause, "function 'transfer' is overloaded: transfer(address,uint256), "
			   "transfer(address,uint256,bytes); give the whole signature"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "transfer(address,uint256)"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[0]);
	e = NULL;
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION,
				 "function transfer(address to, uint amount, bytes calldata)"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[1]);
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "balanceOf"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[2]);
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_EVENT, "Transfer"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[3]);
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_EVENT,
				 "Transfer(address indexed, address indexed, uint)"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[3]);
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_ERROR, "Low"), 0);
	CU_ASSERT_PTR_EQUAL(e, abi->entries[4]);
	CU_ASSERT_PTR_NULL(cause);

	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "trasnfer"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no function 'trasnfer' in the ABI (did you mean 'transfer'?)"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "Low"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no function 'Low' in the ABI (there is an error of that "
			   "name)"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_ERROR, "balanceOf"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no error 'balanceOf' in the ABI (there is a function of that "
			   "name)"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_EVENT, "Approval"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no event 'Approval' in the ABI"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "transfer(address)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no function transfer(address) in the ABI (it has "
			   "transfer(address,uint256), transfer(address,uint256,bytes))"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "balanceOff(address)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no function 'balanceOff(address)' in the ABI (did you mean "
			   "'balanceOf'?)"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "nothing(uint256)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "no function 'nothing(uint256)' in the ABI"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION,
				 "event Transfer(address,address,uint256)"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "'event Transfer(address,address,uint256)' is an event, not "
			   "a function"));
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, "transfer(address"), -EINVAL);
	CU_ASSERT(cause_has(&cause, "bad signature 'transfer(address': expected ',' or ')'"));
	CU_ASSERT_EQUAL(abi_find(&e, NULL, abi, ABI_FUNCTION, "transfer"), -EINVAL);
	CU_ASSERT_EQUAL(abi_find(&e, NULL, abi, ABI_FUNCTION, "nope"), -EINVAL);
	CU_ASSERT_EQUAL(abi_find(&e, NULL, abi, ABI_FUNCTION, "nope(uint8)"), -EINVAL);
	CU_ASSERT_EQUAL(abi_find(&e, NULL, abi, ABI_FUNCTION, "transfer(uint8)"), -EINVAL);
	long_sig = xmalloc(ABI_MAX_TEXT + 8);
	memset(long_sig, 'a', ABI_MAX_TEXT + 5);
	memcpy(long_sig + ABI_MAX_TEXT + 5, "()", 3);
	CU_ASSERT_EQUAL(abi_find(&e, &cause, abi, ABI_FUNCTION, long_sig), -E2BIG);
	CU_ASSERT(cause_has(&cause, "longer than 65536 bytes"));
	free(long_sig);

	/* By topic0 and selector. */
	memcpy(topics[0], abi->entries[3]->hash, 32);
	CU_ASSERT_PTR_EQUAL(abi_find_event(abi, (const uint8_t (*)[32])topics, 3), abi->entries[3]);
	CU_ASSERT_PTR_EQUAL(abi_find_event(abi, (const uint8_t (*)[32])topics, 4), abi->entries[3]);
	CU_ASSERT_PTR_NULL(abi_find_event(abi, (const uint8_t (*)[32])topics, 0));
	topics[0][0] ^= 1;
	CU_ASSERT_PTR_NULL(abi_find_event(abi, (const uint8_t (*)[32])topics, 3));
	CU_ASSERT_PTR_NULL(abi_find_event(NULL, (const uint8_t (*)[32])topics, 3));
	CU_ASSERT_PTR_EQUAL(abi_find_error(abi, abi->entries[4]->hash), abi->entries[4]);
	CU_ASSERT_PTR_NULL(abi_find_error(abi, abi->entries[0]->hash));
	CU_ASSERT_PTR_NULL(abi_find_error(NULL, abi->entries[4]->hash));
	abi_free(abi);
}

/* Returns: abi_value_from_json()'s code for JSON value json (with ' for ")
 * as type; with *cause on failure. */
static int
value_rc(char **cause, const char *type, const char *json)
{
	struct abi_type *t = NULL;
	struct abi_value *v = NULL;
	json_t *jv = j(json);
	int rc;

	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, type), 0);
	rc = abi_value_from_json(&v, cause, t, jv);
	CU_ASSERT((rc == 0) == (v != NULL));
	abi_value_free(v);
	abi_type_free(t);
	json_decref(jv);
	return rc;
}

/* Returns: whether JSON value json (with ' for ") as type encodes to want
 * and decodes back to the JSON in back. */
static bool
value_is(const char *type, const char *json, const char *want, const char *back)
{
	struct abi_value *v = NULL, *w = NULL;
	struct abi_type *t = NULL;
	char *cause = NULL, *hex = NULL;
	uint8_t *enc = NULL;
	json_t *jv = j(json);
	size_t len;
	bool ok = false;

	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, type), 0);
	if (abi_value_from_json(&v, &cause, t, jv) != 0) {
		fprintf(stderr, "\n  %s: %s\n", json, cause);
		goto out;
	}
	enc = abi_encode(&len, v);
	hex = to_hex(enc, len);
	if (strcmp(hex, want) != 0) {
		fprintf(stderr, "\n  got  %s\n  want %s\n", hex, want);
		goto out;
	}
	if (abi_decode(&w, &cause, t, enc, len) != 0) {
		fprintf(stderr, "\n  %s\n", cause);
		goto out;
	}
	ok = abi_value_eq(v, w) && json_is(abi_value_to_json(w), back);
out:
	free(cause);
	free(hex);
	free(enc);
	abi_value_free(v);
	abi_value_free(w);
	abi_type_free(t);
	json_decref(jv);
	return ok;
}

/* Values from JSON: every kind, range limits, and how they come back. */
static void
test_abi_values(void)
{
	static const char max_hex[] =
		"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
	struct abi_type *t = NULL;
	struct abi_value *v = NULL;
	char *cause = NULL, *text;
	json_t *jv;

	CU_ASSERT(value_is("uint8", "255",
			   "0x00000000000000000000000000000000000000000000000000000000000000ff",
			   "'255'"));
	CU_ASSERT(value_is("uint8", "'0xff'",
			   "0x00000000000000000000000000000000000000000000000000000000000000ff",
			   "'255'"));
	CU_ASSERT(value_is("uint256", "'0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'",
			   max_hex, "'115792089237316195423570985008687907853269984665640564039457584007913129639935'"));
	CU_ASSERT(value_is("uint64", "1e15",
			   "0x00000000000000000000000000000000000000000000000000038d7ea4c68000",
			   "'1000000000000000'"));
	CU_ASSERT(value_is("int8", "-128",
			   "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80",
			   "'-128'"));
	CU_ASSERT(value_is("int8", "'127'",
			   "0x000000000000000000000000000000000000000000000000000000000000007f",
			   "'127'"));
	CU_ASSERT(value_is("int256", "'-0x8000000000000000000000000000000000000000000000000000000000000000'",
			   "0x8000000000000000000000000000000000000000000000000000000000000000",
			   "'-57896044618658097711785492504343953926634992332820282019728792003956564819968'"));
	CU_ASSERT(value_is("int256", "'-0'", "0x" WORD0, "'0'"));
	CU_ASSERT(value_is("(int8,int256,uint8,int16)",
			   "[-128,'-57896044618658097711785492504343953926634992332820282019728792003956564819968',255,-1]",
			   ETHERS_INTS,
			   "['-128','-57896044618658097711785492504343953926634992332820282019728792003956564819968','255','-1']"));
	CU_ASSERT(value_is("address", "'0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'",
			   "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
			   "'" ACCOUNT0 "'"));
	CU_ASSERT(value_is("address", "'0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266'",
			   "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
			   "'" ACCOUNT0 "'"));
	CU_ASSERT(value_is("bool", "false", "0x" WORD0, "false"));
	CU_ASSERT(value_is("bytes4", "'0xDEADbeef'",
			   "0xdeadbeef00000000000000000000000000000000000000000000000000000000",
			   "'0xdeadbeef'"));
	CU_ASSERT(value_is("bytes", "'0x'", "0x" WORD0, "'0x'"));
	CU_ASSERT(value_is("string", "'h\\u00e9'",
			   "0x0000000000000000000000000000000000000000000000000000000000000003"
			   "68c3a90000000000000000000000000000000000000000000000000000000000",
			   "'h\\u00e9'"));
	CU_ASSERT(value_is("uint8[]", "[]", "0x" WORD0, "[]"));
	CU_ASSERT(value_is("(bool,string)", "[true,'']",
			   "0x0000000000000000000000000000000000000000000000000000000000000001"
			   "0000000000000000000000000000000000000000000000000000000000000040"
			   WORD0, "[true,'']"));

	/* Out of range, malformed, of the wrong kind. */
	static const struct {
		const char *type, *json, *msg;
	} bad[] = {
		{ "uint8", "256", "expected an unsigned integer below 2^8, got 256" },
		{ "uint8", "-1", "expected an unsigned integer below 2^8, got -1" },
		{ "uint256", "'-1'", "expected an unsigned integer below 2^256, got \"-1\"" },
		{ "uint256", "'0x10000000000000000000000000000000000000000000000000000000000000000'",
		  "expected an unsigned integer below 2^256, got \"0x1000000000000000" },
		{ "uint256", "'1.5 ether'", "got \"1.5 ether\"" },
		{ "uint256", "'12a'", "got \"12a\"" },
		{ "uint256", "''", "got \"\"" },
		{ "uint256", "'-'", "got \"-\"" },
		{ "uint256", "1.5", "got 1.5" },
		{ "uint256", "1e300", "below 2^256, got 1." },
		{ "uint256", "true", "got true" },
		{ "uint256", "null", "got null" },
		{ "uint256", "[1]", "got an array of 1 element" },
		{ "uint256", "{}", "got an object" },
		{ "int8", "'-129'", "expected an integer from -2^7 to 2^7-1, got \"-129\"" },
		{ "int8", "128", "expected an integer from -2^7 to 2^7-1, got 128" },
		{ "int256", "'0x8000000000000000000000000000000000000000000000000000000000000000'",
		  "expected an integer from -2^255 to 2^255-1" },
		{ "int256", "'-0x8000000000000000000000000000000000000000000000000000000000000001'",
		  "expected an integer from -2^255 to 2^255-1" },
		{ "address", "'0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226'",
		  "expected an address (0x and 40 hex digits), got \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226\"" },
		{ "address", "'f39fd6e51aad88f6f4ce6ab8827279cfffb9226611'", "expected an address" },
		{ "address", "'0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266'", "expected an address" },
		{ "address", "'0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266'",
		  "address \"0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266\" has a bad EIP-55 checksum "
		  "(it would be " ACCOUNT0 ")" },
		{ "address", "1", "expected an address" },
		{ "bool", "'true'", "expected true or false, got \"true\"" },
		{ "bool", "1", "expected true or false, got 1" },
		{ "bytes4", "'0x010203'", "expected bytes4 as 0x and 8 hex digits, got \"0x010203\"" },
		{ "bytes4", "'0x0102030405'", "expected bytes4 as 0x and 8 hex digits" },
		{ "bytes4", "'01020304'", "expected bytes4 as 0x and 8 hex digits" },
		{ "bytes", "'0x0'", "expected bytes as 0x and an even number of hex digits" },
		{ "bytes", "'0xzz'", "expected bytes as 0x and an even number of hex digits" },
		{ "bytes", "'0X00'", "expected bytes as 0x and an even number of hex digits" },
		{ "bytes", "[1]", "expected bytes as 0x" },
		{ "string", "5", "expected a string, got 5" },
		{ "uint8[]", "'x'", "expected an array, got \"x\"" },
		{ "uint8[2]", "[1]", "expected an array of 2 elements, got an array of 1 element" },
		{ "uint8[2]", "[1,300]", "[1]: expected an unsigned integer below 2^8, got 300" },
		{ "(uint8,bool)", "[1]", "expected a tuple of 2 components as an array, got an array "
		  "of 1 element" },
		{ "(uint8 a,bool b)", "5", "expected a tuple of 2 components as an array or an "
		  "object, got 5" },
		{ "(uint8 a,bool b)", "{'a':1}", "missing component 'b'" },
		{ "(uint8 amount,bool b)", "{'amount':1,'b':true,'amont':2}",
		  "unknown component 'amont' (did you mean 'amount'?)" },
		{ "(uint8 a,bool b)", "{'a':1,'b':true,'zzzzzz':2}", "unknown component 'zzzzzz'" },
		{ "(uint8,bool)", "{'a':1}", "the components are not all named (or not uniquely); "
		  "give the tuple as an array" },
		{ "(uint8 a,bool a)", "{'a':1}", "not all named" },
		{ "(address to,(uint256 id,string tag)[] items)",
		  "{'to':'" ACCOUNT0 "','items':[{'id':1,'tag':'a'},{'id':-1,'tag':'b'}]}",
		  "items[1].id: expected an unsigned integer below 2^256, got -1" },
		{ "((uint8,bool)[2])", "[[[1,true],[2,3]]]",
		  "[0][1][1]: expected true or false, got 3" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CU_ASSERT_EQUAL(value_rc(&cause, bad[i].type, bad[i].json), -EINVAL);
		if (!cause_has(&cause, bad[i].msg)) {
			fprintf(stderr, "  in case %zu\n", i);
			CU_FAIL("wrong message");
		}
	}
	CU_ASSERT_EQUAL(value_rc(NULL, "uint8", "256"), -EINVAL);

	/* As text for messages. */
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, "(bytes,bytes2,int8,bool,string[])"), 0);
	jv = j("['0x00ff','0xabcd',-3,true,['a\\\\b','\\n']]");
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&v, &cause, t, jv), 0);
	text = abi_value_format(v);
	CU_ASSERT_STRING_EQUAL(text, "(0x00ff, 0xabcd, -3, true, [\"a\\\\b\", \"\\n\"])");
	free(text);
	abi_value_free(v);
	abi_type_free(t);
	json_decref(jv);
}

/* Call arguments: the messages name the argument and the function. */
static void
test_abi_call_errors(void)
{
	static const struct {
		const char *sig, *args, *msg;
	} cases[] = {
		{ "transfer(address to, uint256 amount)", "['" ACCOUNT1 "','-1']",
		  "argument 2 (amount) of transfer(address,uint256): expected an unsigned integer "
		  "below 2^256, got \"-1\"" },
		{ "transfer(address,uint256)", "['" ACCOUNT1 "',true]",
		  "argument 2 of transfer(address,uint256): expected an unsigned integer below 2^256, "
		  "got true" },
		{ "f((uint256 id, string tag)[] items)", "[[{'id':1,'tag':'a'},{'id':'x','tag':'b'}]]",
		  "argument 1 (items[1].id) of f((uint256,string)[]): expected an unsigned integer "
		  "below 2^256, got \"x\"" },
		{ "f((uint256, string)[])", "[[[1,'a'],[2,3]]]",
		  "argument 1 ([1][1]) of f((uint256,string)[]): expected a string, got 3" },
		{ "f((uint8 a, bool b))", "[{'a':300,'b':true}]",
		  "argument 1 (a) of f((uint8,bool)): expected an unsigned integer below 2^8, got 300" },
		{ "transfer(address to, uint256 amount)", "['" ACCOUNT1 "']",
		  "transfer(address,uint256): expected 2 arguments, got 1" },
		{ "f(uint8 a)", "[1,2]", "f(uint8): expected 1 argument, got 2" },
		{ "transfer(address to, uint256 amount)", "'x'",
		  "transfer(address,uint256): the arguments must be an array or an object, not a "
		  "string" },
		{ "transfer(address to, uint256 amount)", "{'to':'" ACCOUNT1 "','amont':1}",
		  "transfer(address,uint256): unknown argument 'amont' (did you mean 'amount'?)" },
		{ "transfer(address to, uint256 amount)", "{'to':'" ACCOUNT1 "'}",
		  "transfer(address,uint256): missing argument 'amount'" },
		{ "transfer(address, uint256)", "{'to':'" ACCOUNT1 "'}",
		  "transfer(address,uint256): the parameters are not all named (or not uniquely); "
		  "give the arguments as an array" },
		{ "error Low(uint8 have)", "[300]",
		  "argument 1 (have) of error Low(uint8): expected an unsigned integer below 2^8, "
		  "got 300" },
		{ "constructor(string name)", "[1]",
		  "argument 1 (name) of constructor(string): expected a string, got 1" },
	};
	char *hex = NULL, *cause = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL(encode(&hex, &cause, cases[i].sig, cases[i].args), -EINVAL);
		CU_ASSERT_PTR_NULL(hex);
		CU_ASSERT(cause_is(&cause, cases[i].msg));
	}
	CU_ASSERT_EQUAL(encode(&hex, &cause, "transfer(address,uint256)", NULL), -EINVAL);
	CU_ASSERT(cause_is(&cause, "transfer(address,uint256): expected 2 arguments, got 0"));
	CU_ASSERT_EQUAL(encode(&hex, NULL, "transfer(address,uint256)", "[]"), -EINVAL);
	/* No arguments, and an error's selector. */
	CU_ASSERT(encodes_to("function totalSupply() view returns (uint256)", NULL, "0x18160ddd"));
	CU_ASSERT(encodes_to("totalSupply()", "{}", "0x18160ddd"));
	CU_ASSERT(encodes_to("error InsufficientBalance(uint256 available, uint256 required)",
			     "{'required':250,'available':100}", ETHERS_ERROR));
}

/* Constructors: their arguments without a selector, and the default one. */
static void
test_abi_constructor(void)
{
	struct abi *abi = abi_of("['function f()']");
	const struct abi_entry *ctor = abi_constructor(abi);
	uint8_t *data = NULL;
	char *cause = NULL;
	json_t *args;
	size_t len = 99;

	CU_ASSERT(encodes_to("constructor(string name, string symbol)", "['Token','TOK']",
			     ETHERS_CTOR));
	CU_ASSERT_EQUAL_FATAL(abi_encode_call(&data, &len, &cause, ctor, NULL), 0);
	CU_ASSERT_EQUAL(len, 0);
	free(data);
	data = NULL;
	args = j("[1]");
	CU_ASSERT_EQUAL(abi_encode_call(&data, &len, &cause, ctor, args), -EINVAL);
	CU_ASSERT_PTR_NULL(data);
	CU_ASSERT(cause_is(&cause, "constructor(): expected 0 arguments, got 1"));
	json_decref(args);
	abi_free(abi);
}

/* A struct of arrays of structs, with dynamic and static parts, encoded as
 * ethers does and decoded back; equality and text. */
static void
test_abi_nested_roundtrip(void)
{
	struct abi_entry *e = sig(NESTED_SIG);
	struct abi_value *v = NULL, *w = NULL, *x = NULL;
	json_t *args = j(NESTED_ARGS), *back;
	char *cause = NULL, *hex, *text;
	uint8_t *data = NULL, *enc;
	size_t len, n;

	CU_ASSERT_STRING_EQUAL(e->signature,
			       "f(((uint256,string)[],(address,bytes32,(int8,bool[2])),string[][]))");
	CU_ASSERT_EQUAL_FATAL(abi_encode_call(&data, &len, &cause, e, args), 0);
	hex = to_hex(data, len);
	CU_ASSERT_STRING_EQUAL(hex, ETHERS_NESTED);
	free(hex);
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&v, &cause, e->inputs, args), 0);
	CU_ASSERT_EQUAL_FATAL(abi_decode(&w, &cause, e->inputs, data + 4, len - 4), 0);
	CU_ASSERT(abi_value_eq(v, w));
	back = abi_value_to_json(w);
	CU_ASSERT(json_is(json_incref(back), NESTED_JSON));
	/* The JSON it gives back makes the same value. */
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&x, &cause, e->inputs, back), 0);
	CU_ASSERT(abi_value_eq(v, x));
	enc = abi_encode(&n, x);
	CU_ASSERT_EQUAL(n, len - 4);
	CU_ASSERT_EQUAL(memcmp(enc, data + 4, n), 0);
	free(enc);
	text = abi_value_format(w);
	CU_ASSERT_STRING_EQUAL(text, "(([(1, \"one\"), (2, \"two\")], (" ACCOUNT0 ", "
			       "0xabababababababababababababababababababababababababababababababab, "
			       "(-5, [true, false])), [[\"a\", \"bc\"], [], [\"def\"]]))");
	free(text);
	/* One bit flipped is another value. */
	abi_value_free(x);
	x = NULL;
	data[len - 32] ^= 1;
	CU_ASSERT_EQUAL_FATAL(abi_decode(&x, &cause, e->inputs, data + 4, len - 4), 0);
	CU_ASSERT(!abi_value_eq(v, x));
	CU_ASSERT_PTR_NULL(cause);
	json_decref(back);
	json_decref(args);
	abi_value_free(v);
	abi_value_free(w);
	abi_value_free(x);
	abi_value_free(NULL);
	free(data);
	abi_entry_free(e);
}

/* Equality across types, and of strings and bytes that differ in length. */
static void
test_abi_value_eq(void)
{
	struct abi_type *t8 = NULL, *t16 = NULL, *ts = NULL;
	struct abi_value *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	json_t *one = json_integer(1), *s1 = json_string("ab"), *s2 = json_string("abc"), *tj;

	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t8, NULL, "uint8"), 0);
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t16, NULL, "uint16"), 0);
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&ts, NULL, "string"), 0);
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&a, NULL, t8, one), 0);
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&b, NULL, t16, one), 0);
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&c, NULL, ts, s1), 0);
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&d, NULL, ts, s2), 0);
	CU_ASSERT(abi_value_eq(a, a));
	CU_ASSERT(!abi_value_eq(a, b));
	CU_ASSERT(!abi_value_eq(c, d));
	CU_ASSERT(!abi_value_eq(a, c));
	abi_value_free(a);
	abi_value_free(b);
	a = b = NULL;
	abi_type_free(t8);
	abi_type_free(t16);
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t8, NULL, "(uint8,bool[2])"), 0);
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t16, NULL, "(uint8,bool[3])"), 0);
	tj = j("[1,[true,false]]");
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&a, NULL, t8, tj), 0);
	json_decref(tj);
	tj = j("[1,[true,false,true]]");
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&b, NULL, t16, tj), 0);
	json_decref(tj);
	CU_ASSERT(!abi_value_eq(a, b));
	CU_ASSERT(!abi_value_eq(a, c));
	CU_ASSERT(!abi_value_eq(c, a));
	abi_value_free(a);
	abi_value_free(b);
	abi_value_free(c);
	abi_value_free(d);
	abi_type_free(t8);
	abi_type_free(t16);
	abi_type_free(ts);
	json_decref(one);
	json_decref(s1);
	json_decref(s2);
}

/* Returns: abi_decode()'s code for the hex data as type; *cause on
 * failure. */
static int
decode_rc(char **cause, const char *type, const char *hex)
{
	struct abi_type *t = NULL;
	struct abi_value *v = NULL;
	uint8_t *data;
	size_t n;
	int rc;

	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, type), 0);
	data = from_hex(&n, hex);
	rc = abi_decode(&v, cause, t, data, n);
	CU_ASSERT((rc == 0) == (v != NULL));
	abi_value_free(v);
	abi_type_free(t);
	free(data);
	return rc;
}

/* Data that does not decode as its type, and the budget. */
static void
test_abi_decode_errors(void)
{
	static const struct {
		const char *type, *hex, *msg;
	} cases[] = {
		{ "(uint256)", "00", "the data (1 byte) is too short for the 32-byte head at byte 0" },
		{ "uint256", "00", "the data (1 byte) ends before the word at byte 0" },
		{ "(uint256,uint256)", WORD0, "the data (32 bytes) is too short for the 64-byte head" },
		{ "(string)", "0000000000000000000000000000000000000000000000000000000000001000",
		  "offset 0x1000 at byte 0 is past the end of the data (32 bytes)" },
		{ "(string)", "8000000000000000000000000000000000000000000000000000000000000000",
		  "offset 0x8000000000000000000000000000000000000000000000000000000000000000 at byte "
		  "0 is past the end of the data (32 bytes)" },
		{ "(string)", "0000000000000000000000000000000000000000000000000000000000000020",
		  "the data (32 bytes) ends before the length at byte 32" },
		{ "(string)", "0000000000000000000000000000000000000000000000000000000000000020"
		  "0000000000000000000000000000000000000000000000000000000000000021" WORD0,
		  "33 bytes from byte 64 run past the end of the data (96 bytes)" },
		{ "(uint8[])", "0000000000000000000000000000000000000000000000000000000000000020"
		  "0000000000000000000000000000000000000000000000000000000000000002" WORD0,
		  "2 elements from byte 64 run past the end of the data (96 bytes)" },
		{ "(uint8[])", "0000000000000000000000000000000000000000000000000000000000000020"
		  "0000000000000000000000000000000000000000000000000000000000000061" WORD0,
		  "array length 0x61 at byte 32 is past the end of the data (96 bytes)" },
		{ "(bool)", "0000000000000000000000000000000000000000000000000000000000000002",
		  "0x0000000000000000000000000000000000000000000000000000000000000002 is not a valid "
		  "bool" },
		{ "(address)", "000000000000000000000001f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
		  "is not a valid address" },
		{ "(uint8)", "0000000000000000000000000000000000000000000000000000000000000100",
		  "is not a valid uint8" },
		{ "(int8)", "0000000000000000000000000000000000000000000000000000000000000080",
		  "is not a valid int8" },
		{ "(int8)", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		  "is not a valid int8" },
		{ "(bytes4)", "0102030405000000000000000000000000000000000000000000000000000000",
		  "0x0102030405000000000000000000000000000000000000000000000000000000 is not a valid "
		  "bytes4" },
		{ "(uint8 a,(bool b,string c)[] d)",
		  "0000000000000000000000000000000000000000000000000000000000000001"
		  "0000000000000000000000000000000000000000000000000000000000000040"
		  "0000000000000000000000000000000000000000000000000000000000000001"
		  "0000000000000000000000000000000000000000000000000000000000000020"
		  "0000000000000000000000000000000000000000000000000000000000000003"
		  "0000000000000000000000000000000000000000000000000000000000000040" WORD0,
		  "d[0].b: 0x0000000000000000000000000000000000000000000000000000000000000003 is not a "
		  "valid bool" },
	};
	char *cause = NULL;
	size_t n, pos;
	struct abi_type *t = NULL;
	struct abi_value *v = NULL;
	uint8_t *data;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL(decode_rc(&cause, cases[i].type, cases[i].hex), -EINVAL);
		if (!cause_has(&cause, cases[i].msg)) {
			fprintf(stderr, "  in case %zu\n", i);
			CU_FAIL("wrong message");
		}
	}
	CU_ASSERT_EQUAL(decode_rc(NULL, "(bool)", "02"), -EINVAL);
	/* Bytes after the value are ignored. */
	CU_ASSERT_EQUAL(decode_rc(&cause, "(uint8)",
				  "0000000000000000000000000000000000000000000000000000000000000001"
				  "ff"), 0);
	/* 2048 inner offsets that all point at one array of 2048 words: 4M
	 * values from 128 KiB, refused once they pass the budget. */
	n = 32 + 32 + 2048 * 32 + 32 + 2048 * 32;
	data = xcalloc(1, n);
	data[31] = 0x20;
	data[32 + 30] = 0x08;
	pos = 64;
	for (int i = 0; i < 2048; i++, pos += 32) {
		data[pos + 29] = (2048 * 32) >> 16;
		data[pos + 30] = (uint8_t)((2048 * 32) >> 8);
	}
	data[pos + 30] = 0x08;
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, "(uint256[][])"), 0);
	CU_ASSERT_EQUAL(abi_decode(&v, &cause, t, data, n), -E2BIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT(cause_has(&cause, "the value would take more than 32 MiB"));
	/* 1000 strings that share 64 KiB of text. */
	free(data);
	abi_type_free(t);
	n = 64 + 1000 * 32 + 32 + 65536;
	data = xcalloc(1, n);
	data[31] = 0x20;
	data[32 + 30] = 1000 >> 8;
	data[32 + 31] = 1000 & 0xff;
	for (int i = 0; i < 1000; i++) {
		data[64 + 32 * i + 30] = (1000 * 32) >> 8;
		data[64 + 32 * i + 31] = (1000 * 32) & 0xff;
	}
	data[64 + 1000 * 32 + 29] = 1;	/* 65536 */
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, "(string[])"), 0);
	CU_ASSERT_EQUAL(abi_decode(&v, &cause, t, data, n), -E2BIG);
	CU_ASSERT(cause_has(&cause, "[0]["));
	data[32 + 30] = 0;
	data[32 + 31] = 100;
	CU_ASSERT_EQUAL(abi_decode(&v, &cause, t, data, n), 0);
	CU_ASSERT_EQUAL(v->list.items[0].list.items[99].bytes.len, 65536);
	abi_value_free(v);
	v = NULL;
	abi_type_free(t);
	free(data);
	/* Back to the arrays: with 16 inner arrays they decode. */
	n = 32 + 32 + 2048 * 32 + 32 + 2048 * 32;
	data = xcalloc(1, n);
	data[31] = 0x20;
	pos = 64;
	for (int i = 0; i < 2048; i++, pos += 32) {
		data[pos + 29] = (2048 * 32) >> 16;
		data[pos + 30] = (uint8_t)((2048 * 32) >> 8);
	}
	data[pos + 30] = 0x08;
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, "(uint256[][])"), 0);
	data[32 + 30] = 0;
	data[32 + 31] = 16;
	CU_ASSERT_EQUAL(abi_decode(&v, &cause, t, data, n), 0);
	CU_ASSERT_EQUAL(v->list.items[0].list.n, 16);
	CU_ASSERT_EQUAL(v->list.items[0].list.items[15].list.n, 2048);
	abi_value_free(v);
	abi_type_free(t);
	free(data);
}

/* The budget holds for values from JSON too, even when the JSON shares
 * one array many times. */
static void
test_abi_value_budget(void)
{
	json_t *inner = json_array(), *outer = json_array();
	struct abi_value *v = NULL;
	struct abi_type *t = NULL;
	char *cause = NULL;

	for (int i = 0; i < 1000; i++)
		json_array_append_new(inner, json_integer(i % 256));
	for (int i = 0; i < 1000; i++)
		json_array_append(outer, inner);
	CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, "uint8[][]"), 0);
	CU_ASSERT_EQUAL(abi_value_from_json(&v, &cause, t, outer), -E2BIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT(cause_has(&cause, "]: the value would take more than 32 MiB"));
	json_array_clear(outer);
	for (int i = 0; i < 10; i++)
		json_array_append(outer, inner);
	CU_ASSERT_EQUAL(abi_value_from_json(&v, &cause, t, outer), 0);
	abi_value_free(v);
	abi_type_free(t);
	json_decref(inner);
	json_decref(outer);
	CU_ASSERT_PTR_NULL(cause);
}

/* Returns: 32 bytes from hex (with or without 0x). */
static void
word_of(uint8_t out[32], const char *hex)
{
	size_t n = 32;

	CU_ASSERT_EQUAL_FATAL(hex_decode(out, &n, hex, strlen(hex)), 0);
	CU_ASSERT_EQUAL_FATAL(n, 32);
}

/* Logs: Transfer with its indexed addresses, hashed indexed values,
 * anonymous events, and logs that do not match. */
static void
test_abi_events(void)
{
	struct abi *abi = abi_of(ERC20_ABI);
	struct abi_entry *note = sig("event Note(string indexed text, bytes32 indexed h, uint8 k)");
	struct abi_entry *anon = sig("event A(uint256 indexed x, uint256 y) anonymous");
	const struct abi_entry *ev;
	struct abi_value *v = NULL, *want = NULL;
	uint8_t topics[4][32], data[64] = { 0 }, topic[32];
	char *cause = NULL, *text;
	json_t *wj;

	word_of(topics[0], TRANSFER_TOPIC);
	word_of(topics[1], "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	word_of(topics[2], "00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8");
	data[30] = 0x03;
	data[31] = 0xe8;
	ev = abi_find_event(abi, (const uint8_t (*)[32])topics, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_STRING_EQUAL(ev->name, "Transfer");
	CU_ASSERT_EQUAL_FATAL(abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics, 3,
					     data, 32), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "{'from':'" ACCOUNT0 "','to':'" ACCOUNT1 "',"
				  "'value':'1000'}"));
	text = abi_value_format(v);
	CU_ASSERT_STRING_EQUAL(text, "(" ACCOUNT0 ", " ACCOUNT1 ", 1000)");
	free(text);
	abi_value_free(v);
	v = NULL;

	/* Logs that are not this event's. */
	CU_ASSERT_EQUAL(abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics, 2, data, 32),
			-EINVAL);
	CU_ASSERT(cause_is(&cause, "the log of event Transfer(address,address,uint256): 2 topics, "
			   "where the event has 3"));
	CU_ASSERT_EQUAL(abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics + 1, 3, data,
				       32), -EINVAL);
	CU_ASSERT(cause_has(&cause, "topic0 0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279"
			    "cfffb92266 is not the event's"));
	CU_ASSERT_EQUAL(abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics, 3, data, 31),
			-EINVAL);
	CU_ASSERT(cause_is(&cause, "the log of event Transfer(address,address,uint256): the data "
			   "(31 bytes) is too short for the 32-byte head at byte 0"));
	topics[2][0] = 1;
	CU_ASSERT_EQUAL(abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics, 3, data, 32),
			-EINVAL);
	CU_ASSERT(cause_has(&cause, "argument 2 (to) of event Transfer(address,address,uint256): "
			    "0x0100000000000000000000"));
	CU_ASSERT_EQUAL(abi_decode_log(&v, NULL, ev, (const uint8_t (*)[32])topics, 3, data, 32),
			-EINVAL);
	CU_ASSERT_PTR_NULL(v);

	/* An indexed string leaves only its hash: keccak256("hello"). */
	memcpy(topics[0], note->hash, 32);
	word_of(topics[1], "1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
	memset(topics[2], 0xab, 32);
	memset(data, 0, 32);
	data[31] = 7;
	CU_ASSERT_EQUAL_FATAL(abi_decode_log(&v, &cause, note, (const uint8_t (*)[32])topics, 3,
					     data, 32), 0);
	CU_ASSERT(v->list.items[0].hashed);
	CU_ASSERT(!v->list.items[1].hashed);
	CU_ASSERT(json_is(abi_value_to_json(v), "{'text':'0x1c8aff950685c2ed4bc3174f3472287b56d9"
				  "517b9c948127319a09a7a36deac8','h':'0xabababababababababababab"
				  "abababababababababababababababababababab','k':'7'}"));
	text = abi_value_format(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "(hash 0x1c8aff95"));
	free(text);
	/* It equals the value it is the hash of, and only that one. */
	wj = j("['hello','0xabababababababababababababababababababababababababababababababab',7]");
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&want, &cause, note->inputs, wj), 0);
	CU_ASSERT(abi_value_eq(v, want));
	CU_ASSERT(abi_value_eq(want, v));
	abi_value_topic(topic, &want->list.items[0]);
	CU_ASSERT_EQUAL(memcmp(topic, topics[1], 32), 0);
	abi_value_free(want);
	json_decref(wj);
	wj = j("['hellO','0xabababababababababababababababababababababababababababababababab',7]");
	CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&want, &cause, note->inputs, wj), 0);
	CU_ASSERT(!abi_value_eq(v, want));
	abi_value_free(want);
	json_decref(wj);
	abi_value_free(v);
	v = NULL;

	/* Anonymous: no topic0. */
	memset(topics[0], 0, 32);
	topics[0][31] = 5;
	data[31] = 6;
	CU_ASSERT_EQUAL_FATAL(abi_decode_log(&v, &cause, anon, (const uint8_t (*)[32])topics, 1,
					     data, 32), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "{'x':'5','y':'6'}"));
	abi_value_free(v);
	v = NULL;
	CU_ASSERT_EQUAL(abi_decode_log(&v, &cause, anon, (const uint8_t (*)[32])topics, 2, data, 32),
			-EINVAL);
	CU_ASSERT(cause_has(&cause, "2 topics, where the event has 1"));
	CU_ASSERT_PTR_NULL(cause);
	abi_entry_free(note);
	abi_entry_free(anon);
	abi_free(abi);
}

/* Topics of indexed values of every kind (the spec's "Encoding of Indexed
 * Event Parameters"). */
static void
test_abi_topics(void)
{
	static const struct {
		const char *type, *json, *topic;
	} cases[] = {
		{ "uint8", "7", "0x0000000000000000000000000000000000000000000000000000000000000007" },
		{ "int8", "-1", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
		{ "bytes2", "'0x0102'", "0x0102000000000000000000000000000000000000000000000000000000000000" },
		/* keccak256("hello"), and of nothing. */
		{ "string", "'hello'", "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8" },
		{ "bytes", "'0x'", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" },
		/* keccak256(word(1) || word(2)), from ethers. */
		{ "uint256[]", "[1,2]", "0xe90b7bceb6e7df5418fb78d8ee546e97c83a08bbccc01a0644d599ccd2a7c2e0" },
		{ "uint256[2]", "[1,2]", "0xe90b7bceb6e7df5418fb78d8ee546e97c83a08bbccc01a0644d599ccd2a7c2e0" },
		/* keccak256("ab" padded to 32 || word(1)): strings inside are padded. */
		{ "(string,uint256)", "['ab',1]", "0x1c4950077252742b678ce3cfeffe2f56e79a61be432b34d8a382e032b883c322" },
	};
	struct abi_type *t = NULL;
	struct abi_value *v = NULL;
	uint8_t topic[32];
	char *hex;
	json_t *jv;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL_FATAL(abi_type_parse(&t, NULL, cases[i].type), 0);
		jv = j(cases[i].json);
		CU_ASSERT_EQUAL_FATAL(abi_value_from_json(&v, NULL, t, jv), 0);
		abi_value_topic(topic, v);
		hex = to_hex(topic, 32);
		CU_ASSERT_STRING_EQUAL(hex, cases[i].topic);
		free(hex);
		abi_value_free(v);
		abi_type_free(t);
		json_decref(jv);
	}
}

/* Returns: abi_decode_revert()'s code for the hex data with abi. */
static int
revert_rc(struct abi_revert *r, char **cause, const struct abi *abi, const char *hex)
{
	uint8_t *data;
	size_t n;
	int rc;

	data = from_hex(&n, hex);
	rc = abi_decode_revert(r, cause, abi, data, n);
	free(data);
	return rc;
}

/* Returns: whether r reads as want; releases r. */
static bool
revert_says(struct abi_revert *r, const char *want)
{
	char *text = abi_revert_format(r);
	bool ok = strcmp(text, want) == 0;

	if (!ok)
		fprintf(stderr, "\n  got  %s\n  want %s\n", text, want);
	free(text);
	abi_revert_release(r);
	return ok;
}

/* Revert data: Error(string), Panic(uint256), custom errors, unknown
 * selectors, and data that does not decode. */
static void
test_abi_revert(void)
{
	static const uint8_t codes[] = { 0x01, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32, 0x41, 0x51 };
	struct abi *abi = abi_of(ERC20_ABI);
	struct abi_revert r;
	uint8_t sel[32];
	char *cause = NULL;
	struct u256 code;

	/* The built-in selectors. */
	keccak256(sel, "Error(string)", 13);
	CU_ASSERT_EQUAL(memcmp(sel, "\x08\xc3\x79\xa0", 4), 0);
	keccak256(sel, "Panic(uint256)", 14);
	CU_ASSERT_EQUAL(memcmp(sel, "\x4e\x48\x7b\x71", 4), 0);

	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, ""), 0);
	CU_ASSERT_EQUAL(r.kind, ABI_REVERT_EMPTY);
	CU_ASSERT(revert_says(&r, "reverted without a reason"));

	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, ETHERS_REASON), 0);
	CU_ASSERT_EQUAL(r.kind, ABI_REVERT_REASON);
	CU_ASSERT_STRING_EQUAL(r.reason, "Insufficient balance");
	CU_ASSERT_EQUAL(r.reason_len, 20);
	CU_ASSERT_EQUAL(r.len, 100);
	CU_ASSERT(revert_says(&r, "reverted with reason \"Insufficient balance\""));
	/* A reason with quotes, a newline and bytes that are not UTF-8. */
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, NULL,
				  "08c379a0"
				  "0000000000000000000000000000000000000000000000000000000000000020"
				  "0000000000000000000000000000000000000000000000000000000000000008"
				  "220a61ff5cc3a9e20000000000000000000000000000000000000000000000000"
				  "0"), 0);
	CU_ASSERT(revert_says(&r, "reverted with reason \"\\\"\\na\\xff\\\\\xc3\xa9\\xe2\""));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, NULL,
				  "08c379a0"
				  "0000000000000000000000000000000000000000000000000000000000000020"
				  "0000000000000000000000000000000000000000000000000000000000000003"
				  "c328090000000000000000000000000000000000000000000000000000000000"), 0);
	CU_ASSERT(revert_says(&r, "reverted with reason \"\\xc3(\\x09\""));

	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "4e487b71"
				  "0000000000000000000000000000000000000000000000000000000000000011"), 0);
	CU_ASSERT_EQUAL(r.kind, ABI_REVERT_PANIC);
	CU_ASSERT(harness_u256_is(r.panic_code, 0x11));
	CU_ASSERT(revert_says(&r, "panicked with code 0x11 (arithmetic overflow or underflow)"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "4e487b71"
				  "0000000000000000000000000000000000000000000000000000000000000032"), 0);
	CU_ASSERT(revert_says(&r, "panicked with code 0x32 (array index out of bounds)"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "4e487b71"
				  "0000000000000000000000000000000000000000000000000000000000000099"), 0);
	CU_ASSERT_PTR_NULL(r.panic_meaning);
	CU_ASSERT(revert_says(&r, "panicked with code 0x99 (not a code Solidity uses)"));
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		code = u256_from_u64(codes[i]);
		CU_ASSERT_PTR_NOT_NULL(abi_panic_meaning(&code));
	}
	code = u256_from_u64(0x1000000000000001ull);
	CU_ASSERT_PTR_NULL(abi_panic_meaning(&code));
	code = u256_from_u64(0x01);
	CU_ASSERT_STRING_EQUAL(abi_panic_meaning(&code), "assertion failed");
	code = u256_from_u64(0x12);
	CU_ASSERT_STRING_EQUAL(abi_panic_meaning(&code), "division or modulo by zero");

	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, ETHERS_ERROR), 0);
	CU_ASSERT_EQUAL(r.kind, ABI_REVERT_CUSTOM);
	CU_ASSERT_STRING_EQUAL(r.error->name, "InsufficientBalance");
	CU_ASSERT(json_is(abi_value_to_json(r.args), "{'available':'100','required':'250'}"));
	CU_ASSERT(revert_says(&r, "reverted with InsufficientBalance(100, 250)"));
	/* Without the ABI the same data is an unknown error. */
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, NULL, ETHERS_ERROR), 0);
	CU_ASSERT_EQUAL(r.kind, ABI_REVERT_UNKNOWN);
	CU_ASSERT_EQUAL(memcmp(r.selector, "\xcf\x47\x91\x81", 4), 0);
	CU_ASSERT(revert_says(&r, "reverted with unknown error 0xcf479181 (68 bytes)"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "deadbeef"), 0);
	CU_ASSERT(revert_says(&r, "reverted with unknown error 0xdeadbeef (4 bytes)"));

	/* Data that does not decode. */
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "08c379"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "revert data of 3 bytes is too short for a selector"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "aa"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "revert data of 1 byte is too short for a selector"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "08c379a0"
				  "0000000000000000000000000000000000000000000000000000000000000040"),
			-EINVAL);
	CU_ASSERT(cause_is(&cause, "argument 1 (reason) of Error(string): offset 0x40 at byte 0 is "
			   "past the end of the data (32 bytes)"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "08c379a0"), -EINVAL);
	CU_ASSERT(cause_is(&cause, "the revert data of Error(string): the data (0 bytes) is too "
			   "short for the 32-byte head at byte 0"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "4e487b7100"), -EINVAL);
	CU_ASSERT(cause_has(&cause, "the revert data of Panic(uint256): the data (1 byte)"));
	CU_ASSERT_EQUAL(revert_rc(&r, &cause, abi, "cf479181"
				  "0000000000000000000000000000000000000000000000000000000000000064"),
			-EINVAL);
	CU_ASSERT(cause_is(&cause, "the revert data of error InsufficientBalance(uint256,uint256): "
			   "the data (32 bytes) is too short for the 64-byte head at byte 0"));
	CU_ASSERT_EQUAL(revert_rc(&r, NULL, abi, "08c379a0"), -EINVAL);
	abi_free(abi);
}

/* Return data: values named and not, and the messages. */
static void
test_abi_output(void)
{
	struct abi_entry *e = sig("function get() view returns (uint8 a, string b)");
	struct abi_entry *u = sig("function name() view returns (string)");
	struct abi_value *v = NULL;
	char *cause = NULL;
	uint8_t *data;
	size_t n;

	data = from_hex(&n, "0000000000000000000000000000000000000000000000000000000000000007"
			    "0000000000000000000000000000000000000000000000000000000000000040"
			    "0000000000000000000000000000000000000000000000000000000000000002"
			    "6869000000000000000000000000000000000000000000000000000000000000");
	CU_ASSERT_EQUAL_FATAL(abi_decode_output(&v, &cause, e, data, n), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "{'a':'7','b':'hi'}"));
	abi_value_free(v);
	v = NULL;
	CU_ASSERT_EQUAL(abi_decode_output(&v, &cause, u, data, n), -EINVAL);
	/* Offset 7 is in the data (offsets need not be aligned); the length
	 * read there is not. */
	CU_ASSERT(cause_is(&cause, "return value 1 of name(): length 0x700000000000000 at byte 7 "
			   "is past the end of the data (128 bytes)"));
	CU_ASSERT_EQUAL(abi_decode_output(&v, &cause, e, data, 20), -EINVAL);
	CU_ASSERT(cause_is(&cause, "the return data of get(): the data (20 bytes) is too short for "
			   "the 64-byte head at byte 0"));
	data[31] = 0;
	data[95] = 0x81;
	CU_ASSERT_EQUAL(abi_decode_output(&v, &cause, e, data, n), -EINVAL);
	CU_ASSERT(cause_is(&cause, "return value 2 (b) of get(): length 0x81 at byte 64 is past the "
			   "end of the data (128 bytes)"));
	data[95] = 0x41;
	CU_ASSERT_EQUAL(abi_decode_output(&v, &cause, e, data, n), -EINVAL);
	CU_ASSERT(cause_is(&cause, "return value 2 (b) of get(): 65 bytes from byte 96 run past the "
			   "end of the data (128 bytes)"));
	/* Strings that are not UTF-8 come out with U+FFFD. */
	data[95] = 3;
	data[96] = 0xff;
	data[97] = 0xc3;
	data[98] = 0xa9;
	CU_ASSERT_EQUAL_FATAL(abi_decode_output(&v, &cause, e, data, n), 0);
	CU_ASSERT(json_is(abi_value_to_json(v), "{'a':'0','b':'\\ufffd\\u00e9'}"));
	abi_value_free(v);
	free(data);
	abi_entry_free(e);
	abi_entry_free(u);
	CU_ASSERT_PTR_NULL(cause);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_abi_spec_examples),
		HARNESS_TEST(test_abi_erc20),
		HARNESS_TEST(test_abi_types),
		HARNESS_TEST(test_abi_type_errors),
		HARNESS_TEST(test_abi_signatures),
		HARNESS_TEST(test_abi_signature_errors),
		HARNESS_TEST(test_abi_json),
		HARNESS_TEST(test_abi_json_errors),
		HARNESS_TEST(test_abi_find),
		HARNESS_TEST(test_abi_values),
		HARNESS_TEST(test_abi_call_errors),
		HARNESS_TEST(test_abi_constructor),
		HARNESS_TEST(test_abi_nested_roundtrip),
		HARNESS_TEST(test_abi_value_eq),
		HARNESS_TEST(test_abi_decode_errors),
		HARNESS_TEST(test_abi_value_budget),
		HARNESS_TEST(test_abi_events),
		HARNESS_TEST(test_abi_topics),
		HARNESS_TEST(test_abi_revert),
		HARNESS_TEST(test_abi_output),
		HARNESS_END,
	};

	return harness_run("abi", tests);
}
