/* Tests for lib/eip712.c and eth_signTypedData_v4 (node/rpc/sign.c).
 *
 * The "Mail" figures come from the EIP itself (assets/eip-712/Example.js in
 * ethereum/EIPs, the version with the four-field EIP712Domain).  The other
 * expected values were computed once by hand with ethers 6.17.0
 * (TypedDataEncoder.encodeType, hashDomain, hash, and Wallet.signTypedData
 * with anvil's first key, in node 20 with the compat cache's node_modules);
 * anvil 1.x gave the same signatures for the same requests. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "eip55.h"
#include "eip712.h"
#include "harness.h"
#include "hdwallet.h"
#include "hex.h"
#include "keccak.h"
#include "rpc/dispatch.h"
#include "rpc/eth.h"
#include "secp.h"
#include "xalloc.h"

/* JSON written with ' for ", to keep the C strings readable. */
#define MAIL_TYPES                                                                         \
	"{'EIP712Domain':[{'name':'name','type':'string'},{'name':'version','type':'string'}," \
	"{'name':'chainId','type':'uint256'},{'name':'verifyingContract','type':'address'}],"  \
	"'Person':[{'name':'name','type':'string'},{'name':'wallet','type':'address'}],"       \
	"'Mail':[{'name':'from','type':'Person'},{'name':'to','type':'Person'},"                \
	"{'name':'contents','type':'string'}]}"
#define MAIL_DOMAIN                                                                        \
	"{'name':'Ether Mail','version':'1','chainId':1,"                                      \
	"'verifyingContract':'0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC'}"
#define MAIL_MESSAGE                                                                       \
	"{'from':{'name':'Cow','wallet':'0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'},"        \
	"'to':{'name':'Bob','wallet':'0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB'},"           \
	"'contents':'Hello, Bob!'}"
#define MAIL                                                                               \
	"{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN                   \
	",'message':" MAIL_MESSAGE "}"

#define MAIL_DOMAIN_HASH "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"
#define MAIL_STRUCT_HASH "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"
#define MAIL_DIGEST "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
/* ethers: Wallet(anvil key 0).signTypedData(domain, {Person, Mail}, message). */
#define MAIL_SIG_ACCOUNT0                                                                  \
	"0x6ea8bb309a3401225701f3565e32519f94a0ea91a5910ce9229fe488e773584c"                   \
	"0390416a2190d9560219dab757ecca2029e63fa9d1c2aebf676cc25b9f03126a1b"

/* Arrays (fixed, dynamic, nested, of structs and of strings), a struct
 * inside a struct, negative and extreme integers, bytes and bytesN, with a
 * five-field domain. */
#define ORDER                                                                              \
	"{'types':{'EIP712Domain':[{'name':'name','type':'string'},"                           \
	"{'name':'version','type':'string'},{'name':'chainId','type':'uint256'},"              \
	"{'name':'verifyingContract','type':'address'},{'name':'salt','type':'bytes32'}],"     \
	"'Order':[{'name':'maker','type':'address'},{'name':'zeta','type':'Zeta'},"            \
	"{'name':'assets','type':'Asset[]'},{'name':'pair','type':'Asset[2]'},"                \
	"{'name':'ids','type':'uint8[2][]'},{'name':'delta','type':'int256'},"                 \
	"{'name':'small','type':'int8'},{'name':'data','type':'bytes'},"                       \
	"{'name':'tag','type':'bytes4'},{'name':'ok','type':'bool'},"                          \
	"{'name':'names','type':'string[]'},{'name':'grid','type':'int16[][2]'},"              \
	"{'name':'min','type':'int256'},{'name':'max','type':'uint256'}],"                     \
	"'Zeta':[{'name':'inner','type':'Asset'},{'name':'note','type':'string'}],"            \
	"'Asset':[{'name':'token','type':'address'},{'name':'amount','type':'uint256'}]},"     \
	"'primaryType':'Order','domain':{'name':'Test','version':'2','chainId':31337,"         \
	"'verifyingContract':'0x5FbDB2315678afecb367f032d93F642f64180aa3',"                    \
	"'salt':'0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'},"       \
	"'message':{'maker':'0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',"                     \
	"'zeta':{'inner':{'token':'0x70997970C51812dc3A010C7d01b50e0d17dc79C8',"               \
	"'amount':'1000000000000000000'},'note':'nested'},"                                    \
	"'assets':[{'token':'0x70997970C51812dc3A010C7d01b50e0d17dc79C8',"                     \
	"'amount':'1000000000000000000'},"                                                     \
	"{'token':'0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC','amount':5},"                   \
	"{'token':'0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC','amount':5}],"                  \
	"'pair':[{'token':'0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC','amount':5},"           \
	"{'token':'0x70997970C51812dc3A010C7d01b50e0d17dc79C8',"                               \
	"'amount':'1000000000000000000'}],"                                                    \
	"'ids':[[1,2],[255,0]],'delta':'-123456789012345678901234567890','small':-128,"        \
	"'data':'0xdeadbeef','tag':'0x01020304','ok':true,'names':['a','bc',''],"              \
	"'grid':[[-1,2],[3]],"                                                                 \
	"'min':'-0x8000000000000000000000000000000000000000000000000000000000000000',"         \
	"'max':'0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'}}"
#define ORDER_ENCODE_TYPE                                                                  \
	"Order(address maker,Zeta zeta,Asset[] assets,Asset[2] pair,uint8[2][] ids,"           \
	"int256 delta,int8 small,bytes data,bytes4 tag,bool ok,string[] names,"                \
	"int16[][2] grid,int256 min,uint256 max)"                                              \
	"Asset(address token,uint256 amount)Zeta(Asset inner,string note)"
#define ORDER_DOMAIN_HASH "295d6f46d557113888c3136c9640aecba287eee8fefbf346b1973e72d57285b0"
#define ORDER_STRUCT_HASH "b9fa92c0b53ae44def14e27b353690ba0d685ec547afb53b5987bd0cc5f9010a"
#define ORDER_DIGEST "f3746aca6989dd002aee6c884b673f7dfd4d5204d0b3906c9ce1d12e9bf56451"
#define ORDER_SIG_ACCOUNT0                                                                 \
	"0xaf69612a3b52b1262c42e3d397ad3f6a402968a409b720c47cdb39fcaf72b2e5"                   \
	"4aea0c60a2eee965799673a4a6eb5ad99eb086a82a366758234efccf1f0978781b"
/* ethers: the same message with every array empty (grid: [[], []]) and
 * data '0x'. */
#define ORDER_EMPTY_STRUCT_HASH                                                            \
	"89cb6644c78cf2ad89e4dca9dbe286046dddadf3d98ba2ed773d9a32e686778a"

/* anvil's first dev account. */
#define ACCOUNT0_KEY "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define ACCOUNT0 "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"

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

/* Returns: whether got holds the 32 bytes in hex. */
static bool
is_hex32(const uint8_t got[32], const char *hex)
{
	uint8_t want[32];

	harness_unhex(want, 32, hex);
	return memcmp(got, want, 32) == 0;
}

/* Returns: hashStruct of the one-field type T(type v) with value (JSON),
 * with rc its return code, and *cause (caller frees) when it fails. */
static int
hash_one(uint8_t out[32], char **cause, const char *type, const char *value)
{
	char *types_text, *data_text;
	json_t *types, *data;
	int rc;

	xasprintf(&types_text, "{'T':[{'name':'v','type':'%s'}]}", type);
	xasprintf(&data_text, "{'v':%s}", value);
	types = j(types_text);
	data = j(data_text);
	rc = eip712_hash_struct(out, cause, types, "T", data);
	json_decref(types);
	json_decref(data);
	free(types_text);
	free(data_text);
	return rc;
}

/* Checks that value (JSON) of type encodes to the word in hex (64
 * digits): hashStruct(T) = keccak256(keccak256("T(type v)") || word). */
static void
check_word(const char *type, const char *value, const char *word_hex)
{
	uint8_t got[32], pre[64], want[32];
	char *enc, *cause = NULL;

	xasprintf(&enc, "T(%s v)", type);
	keccak256(pre, enc, strlen(enc));
	harness_unhex(pre + 32, 32, word_hex);
	keccak256(want, pre, sizeof(pre));
	CU_ASSERT_EQUAL(hash_one(got, &cause, type, value), 0);
	if (cause != NULL)
		fprintf(stderr, "%s %s: %s\n", type, value, cause);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	free(cause);
	free(enc);
}

/* Checks that value (JSON) of type is refused with -EINVAL and a message
 * that contains want. */
static void
check_bad_value(const char *type, const char *value, const char *want)
{
	char *cause = NULL;
	uint8_t got[32];

	CU_ASSERT_EQUAL(hash_one(got, &cause, type, value), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (strstr(cause, want) == NULL) {
		fprintf(stderr, "%s %s: got '%s', want '%s'\n", type, value, cause, want);
		CU_FAIL("wrong message");
	}
	free(cause);
}

/* Checks that typed data (JSON, ' for ") is refused with want_rc and a
 * message that contains want. */
static void
check_error(const char *td_text, int want_rc, const char *want)
{
	json_t *td = j(td_text);
	struct eip712_digest d;
	char *cause = NULL;

	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, td), want_rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (strstr(cause, want) == NULL) {
		fprintf(stderr, "got '%s', want '%s'\n", cause, want);
		CU_FAIL("wrong message");
	}
	free(cause);
	json_decref(td);
}

static void
test_eip712_mail_spec(void)
{
	json_t *td = j(MAIL), *text;
	struct eip712_digest d;
	char *cause = NULL, *enc = NULL;
	uint8_t h[32];

	CU_ASSERT_EQUAL_FATAL(eip712_hash(&d, &cause, td), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_TRUE(is_hex32(d.domain, MAIL_DOMAIN_HASH));
	CU_ASSERT_TRUE(is_hex32(d.message, MAIL_STRUCT_HASH));
	CU_ASSERT_TRUE(is_hex32(d.digest, MAIL_DIGEST));

	CU_ASSERT_EQUAL_FATAL(eip712_encode_type(&enc, &cause, json_object_get(td, "types"),
						 "Mail"), 0);
	CU_ASSERT_STRING_EQUAL(enc, "Mail(Person from,Person to,string contents)"
				    "Person(string name,address wallet)");
	free(enc);
	/* typeHash(Mail), from the EIP's Example.js. */
	enc = "Mail(Person from,Person to,string contents)Person(string name,address wallet)";
	keccak256(h, enc, strlen(enc));
	CU_ASSERT_TRUE(is_hex32(h, "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"));
	CU_ASSERT_EQUAL(eip712_hash_struct(h, &cause, json_object_get(td, "types"), "Mail",
					   json_object_get(td, "message")), 0);
	CU_ASSERT_TRUE(is_hex32(h, MAIL_STRUCT_HASH));

	/* The same object as a JSON string, as MetaMask sends it. */
	enc = json_dumps(td, JSON_COMPACT);
	text = json_string(enc);
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, text), 0);
	CU_ASSERT_TRUE(is_hex32(d.digest, MAIL_DIGEST));
	json_decref(text);
	free(enc);

	/* Without EIP712Domain in types, the domain's own fields define it,
	 * as ethers and anvil do. */
	json_object_del(json_object_get(td, "types"), "EIP712Domain");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, td), 0);
	CU_ASSERT_TRUE(is_hex32(d.domain, MAIL_DOMAIN_HASH));
	CU_ASSERT_TRUE(is_hex32(d.digest, MAIL_DIGEST));
	CU_ASSERT_EQUAL(eip712_hash_struct(h, &cause, json_object_get(td, "types"), "EIP712Domain",
					   json_object_get(td, "domain")), 0);
	CU_ASSERT_TRUE(is_hex32(h, MAIL_DOMAIN_HASH));
	json_decref(td);
}

/* The EIP's own signature of Mail: the key is keccak256("cow"), the
 * address 0xcd2a3d9f..., v 28. */
static void
test_eip712_mail_cow_signature(void)
{
	json_t *td = j(MAIL);
	struct eip712_digest d;
	uint8_t key[32], sig[65], pub[64], addr[20], want[20];
	struct secp *secp = secp_new();
	char *cause = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(secp);
	CU_ASSERT_EQUAL_FATAL(eip712_hash(&d, &cause, td), 0);
	keccak256(key, "cow", 3);
	CU_ASSERT_EQUAL_FATAL(secp_pubkey(secp, pub, key), 0);
	secp_address(addr, pub);
	harness_unhex(want, 20, "cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
	CU_ASSERT_EQUAL(memcmp(addr, want, 20), 0);
	CU_ASSERT_EQUAL_FATAL(secp_sign(secp, sig, d.digest, key), 0);
	CU_ASSERT_TRUE(is_hex32(sig, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"));
	CU_ASSERT_TRUE(is_hex32(sig + 32,
				"07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"));
	CU_ASSERT_EQUAL(sig[64] + 27, 28);
	explicit_bzero(key, sizeof(key));
	secp_free(secp);
	json_decref(td);
}

static void
test_eip712_arrays_and_nesting(void)
{
	json_t *td = j(ORDER), *msg;
	struct eip712_digest d;
	char *cause = NULL, *enc = NULL;
	uint8_t h[32];

	CU_ASSERT_EQUAL_FATAL(eip712_hash(&d, &cause, td), 0);
	CU_ASSERT_TRUE(is_hex32(d.domain, ORDER_DOMAIN_HASH));
	CU_ASSERT_TRUE(is_hex32(d.message, ORDER_STRUCT_HASH));
	CU_ASSERT_TRUE(is_hex32(d.digest, ORDER_DIGEST));
	CU_ASSERT_EQUAL_FATAL(eip712_encode_type(&enc, &cause, json_object_get(td, "types"),
						 "Order"), 0);
	CU_ASSERT_STRING_EQUAL(enc, ORDER_ENCODE_TYPE);
	free(enc);
	CU_ASSERT_EQUAL_FATAL(eip712_encode_type(&enc, &cause, json_object_get(td, "types"),
						 "Zeta"), 0);
	CU_ASSERT_STRING_EQUAL(enc, "Zeta(Asset inner,string note)Asset(address token,uint256 amount)");
	free(enc);

	/* Empty dynamic arrays hash as keccak256 of nothing. */
	msg = json_object_get(td, "message");
	json_object_set_new(msg, "assets", json_array());
	json_object_set_new(msg, "names", json_array());
	json_object_set_new(msg, "ids", json_array());
	json_object_set_new(msg, "grid", j("[[],[]]"));
	json_object_set_new(msg, "data", json_string("0x"));
	CU_ASSERT_EQUAL(eip712_hash_struct(h, &cause, json_object_get(td, "types"), "Order", msg), 0);
	CU_ASSERT_TRUE(is_hex32(h, ORDER_EMPTY_STRUCT_HASH));
	CU_ASSERT_PTR_NULL(cause);
	json_decref(td);
}

/* Signing the domain alone: keccak256(0x1901 || domainSeparator). */
static void
test_eip712_domain_only(void)
{
	json_t *td = j(MAIL);
	struct eip712_digest d;
	uint8_t pre[34] = { 0x19, 0x01 }, want[32];
	char *cause = NULL;

	json_object_set_new(td, "primaryType", json_string("EIP712Domain"));
	json_object_del(td, "message");
	CU_ASSERT_EQUAL_FATAL(eip712_hash(&d, &cause, td), 0);
	CU_ASSERT_TRUE(is_hex32(d.domain, MAIL_DOMAIN_HASH));
	harness_unhex(pre + 2, 32, MAIL_DOMAIN_HASH);
	keccak256(want, pre, sizeof(pre));
	CU_ASSERT_EQUAL(memcmp(d.digest, want, 32), 0);
	json_decref(td);
}

static void
test_eip712_integers(void)
{
	static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
	static const char ones[] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

	check_word("uint8", "255", "00000000000000000000000000000000000000000000000000000000000000ff");
	check_word("uint8", "'0xff'", "00000000000000000000000000000000000000000000000000000000000000ff");
	check_word("uint256", "'0'", zero);
	check_word("uint256", "'-0'", zero);
	check_word("uint256", "'" "0x" "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" "'",
		   ones);
	check_word("uint", "7", "0000000000000000000000000000000000000000000000000000000000000007");
	check_word("uint64", "1.0", "0000000000000000000000000000000000000000000000000000000000000001");
	check_word("uint64", "9007199254740991",
		   "000000000000000000000000000000000000000000000000001fffffffffffff");
	check_word("int8", "-128", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
	check_word("int8", "'-0x80'", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
	check_word("int8", "127", "000000000000000000000000000000000000000000000000000000000000007f");
	check_word("int16", "'-1'", ones);
	check_word("int", "-2", "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe");
	check_word("int64", "-9223372036854775808",
		   "ffffffffffffffffffffffffffffffffffffffffffffffff8000000000000000");
	check_word("int256",
		   "'-57896044618658097711785492504343953926634992332820282019728792003956564819968'",
		   "8000000000000000000000000000000000000000000000000000000000000000");
	check_word("int256",
		   "'57896044618658097711785492504343953926634992332820282019728792003956564819967'",
		   "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

	check_bad_value("uint8", "256", "data.v: value 256 out of range for uint8");
	check_bad_value("uint8", "-1", "value -1 out of range for uint8");
	check_bad_value("uint256", "'0x10000000000000000000000000000000000000000000000000000000000000000'",
			"out of range for uint256");
	check_bad_value("int8", "-129", "value -129 out of range for int8");
	check_bad_value("int8", "128", "value 128 out of range for int8");
	check_bad_value("int256",
			"'57896044618658097711785492504343953926634992332820282019728792003956564819968'",
			"out of range for int256");
	check_bad_value("int256",
			"'-57896044618658097711785492504343953926634992332820282019728792003956564819969'",
			"out of range for int256");
	check_bad_value("uint8", "1.5", "1.5 is not a whole number below 2^53 for uint8");
	check_bad_value("uint256", "1e300", "is not a whole number below 2^53");
	check_bad_value("uint8", "''", "'' is not a number for uint8");
	check_bad_value("uint8", "'12a'", "'12a' is not a number");
	check_bad_value("uint8", "'0x'", "is not a number");
	check_bad_value("int8", "'--1'", "is not a number");
	check_bad_value("uint8", "true", "expected a number for uint8, got a boolean");
}

static void
test_eip712_atomic_values(void)
{
	uint8_t want[32];

	check_word("bool", "true", "0000000000000000000000000000000000000000000000000000000000000001");
	check_word("bool", "'false'", "0000000000000000000000000000000000000000000000000000000000000000");
	check_word("bytes4", "'0x01020304'", "0102030400000000000000000000000000000000000000000000000000000000");
	/* Shorter bytesN values are padded on the right, as anvil does. */
	check_word("bytes4", "'0x01'", "0100000000000000000000000000000000000000000000000000000000000000");
	check_word("bytes32", "'0x" "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" "'",
		   "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
	check_word("address", "'0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'",
		   "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	/* The checksum case is not checked, as anvil does not check it. */
	check_word("address", "'0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266'",
		   "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	/* string and bytes are hashed; bytes may leave out 0x. */
	keccak256(want, "Hello, Bob!", 11);
	{
		char hex[65];

		hex_encode(hex, want, 32);
		check_word("string", "'Hello, Bob!'", hex);
		keccak256(want, "\xde\xad\xbe\xef", 4);
		hex_encode(hex, want, 32);
		check_word("bytes", "'0xDEADbeef'", hex);
		check_word("bytes", "'deadbeef'", hex);
		keccak256(want, "", 0);
		hex_encode(hex, want, 32);
		check_word("bytes", "'0x'", hex);
		check_word("string", "''", hex);
	}

	check_bad_value("bool", "1", "expected true or false for bool, got a number");
	check_bad_value("bool", "'yes'", "expected true or false");
	check_bad_value("address", "'0x12'", "data.v: bad address '0x12': 0x and 40 hex digits");
	check_bad_value("address", "'0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266'", "bad address");
	check_bad_value("address", "'f39fd6e51aad88f6f4ce6ab8827279cfffb9226600'", "bad address");
	check_bad_value("address", "5", "expected an address string, got a number");
	check_bad_value("bytes4", "'0x0102030405'", "'0x0102030405' is longer than 4 bytes for bytes4");
	check_bad_value("bytes4", "'0x0g'", "is not hex bytes for bytes4");
	check_bad_value("bytes", "'hello'", "'hello' is not hex bytes");
	check_bad_value("bytes", "'0x123'", "odd number of digits");
	check_bad_value("bytes", "[]", "expected hex bytes for bytes, got an array");
	check_bad_value("string", "5", "expected a string, got a number");
}

static void
test_eip712_array_errors(void)
{
	check_bad_value("uint8[3]", "[1,2]", "data.v: array length 2 does not match type uint8[3]");
	check_bad_value("uint8[2][]", "[[1,2],[3]]", "data.v[1]: array length 1 does not match type uint8[2]");
	check_bad_value("uint8[]", "5", "expected an array for uint8[], got a number");
	check_bad_value("uint8[][]", "[[1],[2,300]]", "data.v[1][1]: value 300 out of range for uint8");
}

static void
test_eip712_struct_errors(void)
{
	/* A field left out, or null, is missing. */
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN
		    ",'message':{'from':{'name':'Cow','wallet':'0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'},"
		    "'to':{'name':'Bob'},'contents':'x'}}",
		    -EINVAL, "message.to: missing field 'wallet' (address) of Person");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN
		    ",'message':{'from':null,'to':null,'contents':'x'}}",
		    -EINVAL, "message: missing field 'from' (Person) of Mail");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN
		    ",'message':{'from':'Cow','to':null,'contents':'x'}}",
		    -EINVAL, "message.from: expected an object of type Person, got a string");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN "}",
		    -EINVAL, "message: expected an object of type Mail, got nothing");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':{'name':'x'},"
		    "'message':" MAIL_MESSAGE "}",
		    -EINVAL, "domain: missing field 'version' (string) of EIP712Domain");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN
		    ",'message':{'from':{'name':'Cow','wallet':'0x12'},'to':null,'contents':'x'}}",
		    -EINVAL, "message.from.wallet: bad address '0x12'");
}

static void
test_eip712_type_errors(void)
{
	/* Unknown and malformed types, bad names. */
	check_error("{'types':{'Mail':[{'name':'from','type':'Persn'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "types.Mail: field 'from': unknown type 'Persn'");
	check_error("{'types':{'Mail':[{'name':'a','type':'uint7'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "field 'a': unknown type 'uint7'");
	check_error("{'types':{'Mail':[{'name':'a','type':'uint8['}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "types.Mail: field 'a': bad type 'uint8['");
	check_error("{'types':{'Mail':[{'name':'a','type':'uint8[0]'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "bad type 'uint8[0]'");
	check_error("{'types':{'Mail':[{'name':'a','type':'uint8[01]'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "bad type 'uint8[01]'");
	check_error("{'types':{'Mail':[{'name':'a b','type':'uint8'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "types.Mail: field 0: bad name 'a b'");
	check_error("{'types':{'Mail':[{'name':'a','type':'uint8'},{'name':'a','type':'bool'}]},"
		    "'primaryType':'Mail','domain':{},'message':{}}",
		    -EINVAL, "types.Mail: duplicate field 'a'");
	check_error("{'types':{'Mail':[{'name':'a'}]},'primaryType':'Mail','domain':{},'message':{}}",
		    -EINVAL, "types.Mail: field 0 must be an object with a string 'name' and a string 'type'");
	check_error("{'types':{'Mail':{}},'primaryType':'Mail','domain':{},'message':{}}",
		    -EINVAL, "types.Mail: must be an array of {name, type} objects, not an object");
	check_error("{'types':{'Ma-il':[]},'primaryType':'Ma-il','domain':{},'message':{}}",
		    -EINVAL, "types: bad type name 'Ma-il'");
	check_error("{'types':{'uint256':[]},'primaryType':'uint256','domain':{},'message':{}}",
		    -EINVAL, "types: 'uint256' is an atomic type, not a struct name");
	/* Even a type the message does not use must be well formed. */
	check_error("{'types':{'Mail':[],'Junk':[{'name':'x','type':'Nope'}]},'primaryType':'Mail',"
		    "'domain':{},'message':{}}",
		    -EINVAL, "types.Junk: field 'x': unknown type 'Nope'");
}

static void
test_eip712_cycles_and_depth(void)
{
	char *types_text = NULL, *p;
	struct eip712_digest d;
	json_t *types, *td, *v;
	char *cause = NULL;
	uint8_t h[32];

	check_error("{'types':{'Mail':[{'name':'to','type':'Person'}],"
		    "'Person':[{'name':'last','type':'Mail[]'}]},"
		    "'primaryType':'Mail','domain':{},'message':{}}",
		    -ELOOP, "cyclic type reference: Mail -> Person -> Mail");
	check_error("{'types':{'Node':[{'name':'kids','type':'Node[]'}]},"
		    "'primaryType':'Node','domain':{},'message':{'kids':[]}}",
		    -ELOOP, "cyclic type reference: Node -> Node");

	/* A chain of EIP712_MAX_DEPTH + 1 struct types, each holding the
	 * next, is fine as types but too deep as a value. */
	types = json_object();
	for (int i = 0; i <= EIP712_MAX_DEPTH; i++) {
		char name[16], next[16];

		snprintf(name, sizeof(name), "T%d", i);
		snprintf(next, sizeof(next), "T%d", i + 1);
		json_object_set_new(types, name, i < EIP712_MAX_DEPTH
				    ? json_pack("[{s:s, s:s}]", "name", "n", "type", next)
				    : json_array());
	}
	v = json_object();
	for (int i = 0; i < EIP712_MAX_DEPTH; i++)
		v = json_pack("{s:o}", "n", v);
	CU_ASSERT_EQUAL(eip712_hash_struct(h, &cause, types, "T1", json_object_get(v, "n")), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL(eip712_hash_struct(h, &cause, types, "T0", v), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "nested deeper than 64 structs and arrays"));
	free(cause);
	cause = NULL;
	json_decref(v);
	json_decref(types);

	/* Too many array suffixes for one type. */
	xasprintf(&types_text, "{'T':[{'name':'v','type':'uint8%*s'}]}", 2 * (EIP712_MAX_DEPTH + 1), "");
	for (p = strstr(types_text, "uint8") + 5; *p == ' '; p += 2)
		memcpy(p, "[]", 2);
	types = j(types_text);
	td = json_pack("{s:O, s:s, s:{}, s:{}}", "types", types, "primaryType", "T", "domain",
		       "message");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, td), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "bad type 'uint8[][]") : NULL);
	free(cause);
	json_decref(td);
	json_decref(types);
	free(types_text);
}

static void
test_eip712_limits(void)
{
	json_t *types = json_object(), *fields = json_array(), *td, *s;
	struct eip712_digest d;
	char *cause = NULL, *big;

	for (int i = 0; i <= EIP712_MAX_TYPES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "T%d", i);
		json_object_set_new(types, name, json_array());
	}
	td = json_pack("{s:o, s:s, s:{}, s:{}}", "types", types, "primaryType", "T0", "domain",
		       "message");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, td), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "'types' has 257 types, more than 256") : NULL);
	free(cause);
	cause = NULL;
	json_decref(td);

	for (int i = 0; i <= EIP712_MAX_FIELDS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		json_array_append_new(fields, json_pack("{s:s, s:s}", "name", name, "type", "bool"));
	}
	td = json_pack("{s:{s:o}, s:s, s:{}, s:{}}", "types", "T", fields, "primaryType", "T",
		       "domain", "message");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, td), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "types.T: 257 fields, more than 256") : NULL);
	free(cause);
	cause = NULL;
	json_decref(td);

	/* 70 types that each refer to one 64 KiB type H: a message of empty
	 * arrays of H makes 70 encodeType texts of 64 KiB each to hash. */
	types = json_object();
	fields = json_array();
	for (int i = 0; i < EIP712_MAX_FIELDS; i++) {
		char name[EIP712_MAX_NAME + 1], num[8];

		/* "f000001fff...", EIP712_MAX_NAME long. */
		memset(name, 'f', EIP712_MAX_NAME);
		name[EIP712_MAX_NAME] = '\0';
		snprintf(num, sizeof(num), "%06d", i);
		memcpy(name + 1, num, 6);
		json_array_append_new(fields, json_pack("{s:s, s:s}", "name", name, "type", "bool"));
	}
	json_object_set_new(types, "H", fields);
	fields = json_array();
	td = json_object();
	for (int i = 0; i < 70; i++) {
		char name[16];

		snprintf(name, sizeof(name), "T%d", i);
		json_object_set_new(types, name, json_pack("[{s:s, s:s}]", "name", "h", "type", "H[]"));
		json_array_append_new(fields, json_pack("{s:s, s:s}", "name", name, "type", name));
		json_object_set_new(td, name, json_pack("{s:[]}", "h"));
	}
	json_object_set_new(types, "Top", fields);
	cause = NULL;
	CU_ASSERT_EQUAL(eip712_hash_struct(d.digest, &cause, types, "Top", td), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "the encodeType texts of the types used "
						      "add up to more than") : NULL);
	free(cause);
	cause = NULL;
	/* Fewer of them are fine. */
	for (int i = 0; i < 20; i++)
		json_array_remove(json_object_get(types, "Top"), 0);
	CU_ASSERT_EQUAL(eip712_hash_struct(d.digest, &cause, types, "Top", td), 0);
	CU_ASSERT_PTR_NULL(cause);
	json_decref(td);
	json_decref(types);

	big = xmalloc(EIP712_MAX_JSON + 2);
	memset(big, ' ', EIP712_MAX_JSON + 1);
	big[EIP712_MAX_JSON + 1] = '\0';
	s = json_string(big);
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, s), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "is larger than") : NULL);
	free(cause);
	json_decref(s);
	free(big);
}

static void
test_eip712_input_errors(void)
{
	json_t *s;
	struct eip712_digest d;
	char *cause = NULL;

	s = json_string("{\"types\":");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, s), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "typed data is not valid JSON") : NULL);
	free(cause);
	cause = NULL;
	json_decref(s);
	/* Two values for one key: which one would be signed? */
	s = json_string("{\"types\":{},\"types\":{}}");
	CU_ASSERT_EQUAL(eip712_hash(&d, &cause, s), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "duplicate object key") : NULL);
	free(cause);
	cause = NULL;
	json_decref(s);
	/* Errors may go unexplained. */
	s = json_integer(5);
	CU_ASSERT_EQUAL(eip712_hash(&d, NULL, s), -EINVAL);
	json_decref(s);

	check_error("5", -EINVAL, "typed data must be an object with types, primaryType, domain "
		    "and message, not a number");
	check_error("{'primaryType':'Mail'}", -EINVAL, "'types' must be an object, not nothing");
	check_error("{'types':{'Mail':[]},'domain':{},'message':{}}", -EINVAL,
		    "'primaryType' must be a string, not nothing");
	check_error("{'types':{'Mail':[]},'primaryType':'Mall','domain':{},'message':{}}", -EINVAL,
		    "primaryType 'Mall' is not in types");
	check_error("{'types':{'Mail':[]},'primaryType':'Mail','message':{}}", -EINVAL,
		    "'domain' must be an object, not nothing");
	check_error("{'types':{'Mail':[]},'primaryType':'Mail','domain':{'name':'x','origin':'y'},"
		    "'message':{}}", -EINVAL,
		    "domain: field 'origin' is none of name, version, chainId, verifyingContract and "
		    "salt, so 'types' must define EIP712Domain");
	check_error("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':[],'message':{}}",
		    -EINVAL, "domain: expected an object of type EIP712Domain, got an array");
	{
		json_t *types = j(MAIL_TYPES);
		char *text = NULL;

		CU_ASSERT_EQUAL(eip712_encode_type(&text, &cause, types, "Letter"), -EINVAL);
		CU_ASSERT_PTR_NULL(text);
		CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "type 'Letter' is not in types")
					: NULL);
		free(cause);
		json_decref(types);
	}
}

/* --- eth_signTypedData_v4 ------------------------------------------------ */

static struct chain *rpc_chain;
static struct eth *rpc_eth;
static struct rpc_dispatch *rpc_dispatch;

/* Starts a dev chain whose eth context holds anvil's first account. */
static void
rpc_setup(void)
{
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(1000000000),
		.timestamp = 1700000000, .automine = true,
	};
	const struct rpc_method *methods;
	struct hdwallet_account acct;
	struct secp *secp = secp_new();
	uint8_t pub[64];
	char *cause = NULL;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(secp);
	harness_unhex(acct.key, 32, ACCOUNT0_KEY);
	CU_ASSERT_EQUAL_FATAL(secp_pubkey(secp, pub, acct.key), 0);
	secp_address(acct.addr, pub);
	eip55_format(acct.addr_hex, acct.addr);
	secp_free(secp);
	rpc_chain = chain_new(&cfg, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rpc_chain);
	rpc_eth = eth_new(rpc_chain, &acct, 1, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rpc_eth);
	explicit_bzero(&acct, sizeof(acct));
	/* Not eth_methods(&n), n: the order arguments are read in is unspecified. */
	methods = eth_methods(&n);
	rpc_dispatch = rpc_dispatch_new(methods, n, rpc_eth);
}

/* Frees what rpc_setup() made. */
static void
rpc_teardown(void)
{
	rpc_dispatch_free(rpc_dispatch);
	eth_free(rpc_eth);
	chain_free(rpc_chain);
}

/* Calls eth_signTypedData_v4 with params.  Returns: the response (caller
 * frees). */
static json_t *
rpc_sign(json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1, "method",
				"eth_signTypedData_v4", "params", params);
	char *body = json_dumps(req, JSON_COMPACT), *out;
	json_t *resp;

	out = rpc_dispatch_body(rpc_dispatch, body, strlen(body));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	resp = json_loads(out, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	free(out);
	free(body);
	json_decref(req);
	return resp;
}

/* Returns: the string result of resp, or "(none)". */
static const char *
result_of(const json_t *resp)
{
	const char *s = json_string_value(json_object_get(resp, "result"));

	return s != NULL ? s : "(none)";
}

/* Returns: the error code of resp, 0 for none. */
static int
error_code(const json_t *resp)
{
	return (int)json_integer_value(json_object_get(json_object_get(resp, "error"), "code"));
}

/* Returns: the error message of resp, or "(none)". */
static const char *
error_message(const json_t *resp)
{
	const char *s = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));

	return s != NULL ? s : "(none)";
}

static void
test_eip712_rpc_sign(void)
{
	json_t *resp, *order = j(ORDER);
	char *text;

	rpc_setup();
	/* The object, as viem sends it. */
	resp = rpc_sign(json_pack("[s, o]", ACCOUNT0, j(MAIL)));
	CU_ASSERT_STRING_EQUAL(result_of(resp), MAIL_SIG_ACCOUNT0);
	json_decref(resp);
	/* A JSON string, as ethers and MetaMask send it, and a checksummed
	 * address. */
	text = json_dumps(order, JSON_COMPACT);
	resp = rpc_sign(json_pack("[s, s]", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", text));
	CU_ASSERT_STRING_EQUAL(result_of(resp), ORDER_SIG_ACCOUNT0);
	json_decref(resp);
	free(text);
	json_decref(order);
	rpc_teardown();
}

static void
test_eip712_rpc_errors(void)
{
	json_t *resp;

	rpc_setup();
	resp = rpc_sign(json_pack("[s, o]", "0x0000000000000000000000000000000000000001", j(MAIL)));
	CU_ASSERT_EQUAL(error_code(resp), RPC_INVALID_PARAMS);
	CU_ASSERT_STRING_EQUAL(error_message(resp), "No Signer available");
	json_decref(resp);

	resp = rpc_sign(json_pack("[s, o]", ACCOUNT0,
				  j("{'types':" MAIL_TYPES ",'primaryType':'Mail','domain':" MAIL_DOMAIN
				    ",'message':{'from':null,'to':null,'contents':'x'}}")));
	CU_ASSERT_EQUAL(error_code(resp), RPC_INVALID_PARAMS);
	CU_ASSERT_STRING_EQUAL(error_message(resp),
			       "invalid typed data: message: missing field 'from' (Person) of Mail");
	json_decref(resp);

	resp = rpc_sign(json_pack("[s, s]", ACCOUNT0, "{"));
	CU_ASSERT_EQUAL(error_code(resp), RPC_INVALID_PARAMS);
	CU_ASSERT_PTR_NOT_NULL(strstr(error_message(resp), "typed data is not valid JSON"));
	json_decref(resp);

	resp = rpc_sign(json_pack("[s]", ACCOUNT0));
	CU_ASSERT_EQUAL(error_code(resp), RPC_INVALID_PARAMS);
	json_decref(resp);

	resp = rpc_sign(json_pack("[s, o]", "0x12", j(MAIL)));
	CU_ASSERT_EQUAL(error_code(resp), RPC_INVALID_PARAMS);
	json_decref(resp);
	rpc_teardown();
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_eip712_mail_spec),
		HARNESS_TEST(test_eip712_mail_cow_signature),
		HARNESS_TEST(test_eip712_arrays_and_nesting),
		HARNESS_TEST(test_eip712_domain_only),
		HARNESS_TEST(test_eip712_integers),
		HARNESS_TEST(test_eip712_atomic_values),
		HARNESS_TEST(test_eip712_array_errors),
		HARNESS_TEST(test_eip712_struct_errors),
		HARNESS_TEST(test_eip712_type_errors),
		HARNESS_TEST(test_eip712_cycles_and_depth),
		HARNESS_TEST(test_eip712_limits),
		HARNESS_TEST(test_eip712_input_errors),
		HARNESS_TEST(test_eip712_rpc_sign),
		HARNESS_TEST(test_eip712_rpc_errors),
		HARNESS_END,
	};
	return harness_run("eip712", tests);
}
