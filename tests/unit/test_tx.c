/* Tests for node/chain/tx.c: decoding (every rejection tx.h documents),
 * the rules of tx_check(), intrinsic gas, signing hashes with EIP-155's own
 * example, and sign/encode/decode round trips for all four types. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "evm/evm.h"
#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "secp.h"

const char *__asan_default_options(void);
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);

/* tx_encode()'s -ENOMEM test asks for more memory than there is; under
 * ASan that must come back as NULL, as it does from glibc. */
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* The program links with -Wl,--wrap=malloc,--wrap=calloc, so the
 * allocations of tx.c (a static library) come here and a test can make
 * the Nth one fail.  -1 means never. */
static long fail_countdown = -1;

static bool
alloc_should_fail(void)
{
	if (fail_countdown < 0)
		return false;
	return fail_countdown-- == 0;
}

void *
__wrap_malloc(size_t n)
{
	return alloc_should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return alloc_should_fail() ? NULL : __real_calloc(n, size);
}

#define EXC(name) "TransactionException." name

/* Decodes hex (without "0x") into a new buffer.  Out: *len. */
static uint8_t *
unhex(size_t *len, const char *s)
{
	size_t n = strlen(s) / 2 + 1;
	uint8_t *buf = malloc(n);

	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_FATAL(hex_decode(buf, &n, s, strlen(s)) == 0);
	*len = n;
	return buf;
}

/* Decodes exactly sizeof(out) bytes of hex into out. */
static void
unhex_to(uint8_t *out, size_t want, const char *s)
{
	size_t n = want;

	CU_ASSERT_FATAL(hex_decode(out, &n, s, strlen(s)) == 0);
	CU_ASSERT_FATAL(n == want);
}

static void
u256_hex(struct u256 *v, const char *s)
{
	CU_ASSERT_FATAL(u256_parse(v, s, strlen(s)) == 0);
}

static struct secp *
secp(void)
{
	struct secp *ctx = secp_new();

	CU_ASSERT_FATAL(ctx != NULL);
	return ctx;
}

/* Returns: whether a and b hold the same transaction. */
static bool
tx_equal(const struct tx *a, const struct tx *b)
{
	if (a->type != b->type || !u256_eq(&a->chain_id, &b->chain_id) ||
	    a->nonce != b->nonce || !u256_eq(&a->gas_price, &b->gas_price) ||
	    !u256_eq(&a->max_priority_fee, &b->max_priority_fee) ||
	    !u256_eq(&a->max_fee, &b->max_fee) || a->gas_limit != b->gas_limit ||
	    a->is_create != b->is_create || !u256_eq(&a->value, &b->value) ||
	    a->data_len != b->data_len || a->naccess != b->naccess ||
	    !u256_eq(&a->max_fee_per_blob_gas, &b->max_fee_per_blob_gas) ||
	    a->nblob_hashes != b->nblob_hashes || !u256_eq(&a->v, &b->v) ||
	    !u256_eq(&a->r, &b->r) || !u256_eq(&a->s, &b->s) ||
	    memcmp(a->hash, b->hash, 32) != 0)
		return false;
	if (!a->is_create && memcmp(a->to, b->to, 20) != 0)
		return false;
	if (a->data_len > 0 && memcmp(a->data, b->data, a->data_len) != 0)
		return false;
	for (size_t i = 0; i < a->naccess; i++) {
		const struct tx_access *x = &a->access_list[i], *y = &b->access_list[i];

		if (memcmp(x->address, y->address, 20) != 0 || x->nkeys != y->nkeys ||
		    (x->nkeys > 0 && memcmp(x->keys, y->keys, 32 * x->nkeys) != 0))
			return false;
	}
	return a->nblob_hashes == 0 ||
	       memcmp(a->blob_hashes, b->blob_hashes, 32 * a->nblob_hashes) == 0;
}

/* --- EIP-155's example ------------------------------------------------------ */

static void
eip155_tx(struct tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = TX_LEGACY;
	tx->nonce = 9;
	tx->gas_price = u256_from_u64(20000000000);
	tx->gas_limit = 21000;
	memset(tx->to, 0x35, 20);
	tx->value = u256_from_u64(1000000000000000000);
	tx->chain_id = u256_from_u64(1);
}

static void
test_tx_eip155_example(void)
{
	static const char preimage[] =
		"ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080";
	static const char signed_tx[] =
		"f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025"
		"a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276"
		"a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
	uint8_t want[32], got[32], key[32], pub[64], addr[20], sender[20];
	struct secp *ctx = secp();
	struct tx tx, back;
	struct u256 r, s;
	const char *why = NULL;
	uint8_t *enc, *raw, *pre;
	size_t enc_len, raw_len, pre_len;

	/* The signing hash is keccak-256 of the preimage the EIP shows. */
	unhex_to(want, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
	pre = unhex(&pre_len, preimage);
	keccak256(got, pre, pre_len);
	CU_ASSERT(memcmp(got, want, 32) == 0);
	eip155_tx(&tx);
	tx_signing_hash(got, &tx);
	CU_ASSERT(memcmp(got, want, 32) == 0);

	/* RFC 6979 makes the signature the EIP's. */
	memset(key, 0x46, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(tx_sign(ctx, &tx, key), 0);
	u256_hex(&r, "18515461264373351373200002665853028612451056578545711640558177340181847433846");
	u256_hex(&s, "46948507304638947509940763649030358759909902576025900602547168820602576006531");
	CU_ASSERT(u256_eq(&tx.v, &(struct u256){ { 37, 0, 0, 0 } }));
	CU_ASSERT(u256_eq(&tx.r, &r));
	CU_ASSERT(u256_eq(&tx.s, &s));
	CU_ASSERT_EQUAL_FATAL(tx_encode(&enc, &enc_len, &tx), 0);
	raw = unhex(&raw_len, signed_tx);
	CU_ASSERT_EQUAL_FATAL(enc_len, raw_len);
	CU_ASSERT(memcmp(enc, raw, raw_len) == 0);
	keccak256(got, raw, raw_len);
	CU_ASSERT(memcmp(tx.hash, got, 32) == 0);

	/* Decoding gives the same transaction, signed by the key's address. */
	CU_ASSERT_EQUAL_FATAL(tx_decode(&back, &why, raw, raw_len), 0);
	CU_ASSERT(tx_equal(&tx, &back));
	CU_ASSERT_EQUAL_FATAL(secp_pubkey(ctx, pub, key), 0);
	secp_address(addr, pub);
	unhex_to(want, 20, "9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
	CU_ASSERT(memcmp(addr, want, 20) == 0);
	CU_ASSERT_EQUAL(tx_sender(sender, &back), 0);
	CU_ASSERT(memcmp(sender, addr, 20) == 0);
	CU_ASSERT_EQUAL(tx_check(&back, &why, 1), 0);

	tx_release(&back);
	tx_release(&tx);
	free(enc);
	free(raw);
	free(pre);
	secp_free(ctx);
}

/* Without a chain id the preimage is the RLP of the first six fields. */
static void
test_tx_signing_hash_pre155(void)
{
	static const char preimage[] =
		"e9098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080";
	uint8_t want[32], got[32], *pre;
	struct tx tx;
	size_t len;

	eip155_tx(&tx);
	tx.chain_id = u256_from_u64(0);
	pre = unhex(&len, preimage);
	keccak256(want, pre, len);
	tx_signing_hash(got, &tx);
	CU_ASSERT(memcmp(got, want, 32) == 0);
	free(pre);
}

/* A typed transaction signs type || rlp(payload without the signature). */
static void
test_tx_signing_hash_typed(void)
{
	/* [chain 1, nonce 9, prio 1, max 2, gas 21000, to, value 0, data "",
	 * access list []] */
	static const char preimage[] =
		"02" "df" "01" "09" "01" "02" "825208" "94" "3535353535353535353535353535353535353535"
		"80" "80" "c0";
	uint8_t want[32], got[32], *pre;
	struct tx tx;
	size_t len;

	memset(&tx, 0, sizeof(tx));
	tx.type = TX_DYNAMIC_FEE;
	tx.chain_id = u256_from_u64(1);
	tx.nonce = 9;
	tx.max_priority_fee = u256_from_u64(1);
	tx.max_fee = u256_from_u64(2);
	tx.gas_limit = 21000;
	memset(tx.to, 0x35, 20);
	tx.v = u256_from_u64(1);
	tx.r = u256_from_u64(5);
	tx.s = u256_from_u64(6);
	pre = unhex(&len, preimage);
	keccak256(want, pre, len);
	tx_signing_hash(got, &tx);
	CU_ASSERT(memcmp(got, want, 32) == 0);
	free(pre);
}

/* --- round trips ------------------------------------------------------------ */

/* Fills tx with every field its type has, data of data_len bytes and, for
 * typed transactions, an access list of naccess entries. */
static void
fill_tx(struct tx *tx, enum tx_type type, size_t data_len, size_t naccess,
	bool is_create)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = type;
	tx->chain_id = u256_from_u64(type == TX_LEGACY && is_create ? 0 : 1337);
	tx->nonce = 0x1234567;
	tx->gas_limit = 0xffffffffffffffff;
	tx->is_create = is_create;
	memset(tx->to, 0xab, 20);
	u256_hex(&tx->value, "0xde0b6b3a7640000");
	if (type == TX_LEGACY || type == TX_ACCESS_LIST) {
		tx->gas_price = u256_from_u64(7);
	} else {
		tx->max_priority_fee = u256_from_u64(2);
		u256_hex(&tx->max_fee, "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	}
	if (data_len > 0) {
		tx->data = malloc(data_len);
		CU_ASSERT_FATAL(tx->data != NULL);
		for (size_t i = 0; i < data_len; i++)
			tx->data[i] = (uint8_t)(i * 131 + 0x7f);
		tx->data_len = data_len;
	}
	if (type != TX_LEGACY && naccess > 0) {
		tx->access_list = calloc(naccess, sizeof(*tx->access_list));
		CU_ASSERT_FATAL(tx->access_list != NULL);
		tx->naccess = naccess;
		for (size_t i = 0; i < naccess; i++) {
			struct tx_access *a = &tx->access_list[i];

			memset(a->address, (int)i + 1, 20);
			a->nkeys = i;
			if (i == 0)
				continue;
			a->keys = calloc(i, 32);
			CU_ASSERT_FATAL(a->keys != NULL);
			for (size_t j = 0; j < i; j++)
				memset(a->keys[j], (int)(j + 0x10), 32);
		}
	}
	if (type == TX_BLOB) {
		tx->max_fee_per_blob_gas = u256_from_u64(1000);
		tx->nblob_hashes = 2;
		tx->blob_hashes = calloc(2, 32);
		CU_ASSERT_FATAL(tx->blob_hashes != NULL);
		tx->blob_hashes[0][0] = TX_BLOB_HASH_VERSION;
		tx->blob_hashes[1][0] = TX_BLOB_HASH_VERSION;
		tx->blob_hashes[1][31] = 0xff;
	}
}

static void
roundtrip(const struct secp *ctx, enum tx_type type, size_t data_len,
	  size_t naccess, bool is_create)
{
	uint8_t key[32], pub[64], addr[20], sender[20], hash[32], *enc, *again;
	struct tx tx, back;
	const char *why = NULL;
	size_t len, again_len;
	int rc;

	memset(key, 0x2a, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(secp_pubkey(ctx, pub, key), 0);
	secp_address(addr, pub);
	fill_tx(&tx, type, data_len, naccess, is_create);
	CU_ASSERT_EQUAL_FATAL(tx_sign(ctx, &tx, key), 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(&enc, &len, &tx), 0);
	CU_ASSERT_EQUAL(enc[0], type == TX_LEGACY ? enc[0] : (uint8_t)type);
	keccak256(hash, enc, len);
	CU_ASSERT(memcmp(hash, tx.hash, 32) == 0);

	rc = tx_decode(&back, &why, enc, len);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(tx_equal(&tx, &back));
	CU_ASSERT_EQUAL(tx_sender(sender, &back), 0);
	CU_ASSERT(memcmp(sender, addr, 20) == 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(&again, &again_len, &back), 0);
	CU_ASSERT_EQUAL_FATAL(again_len, len);
	CU_ASSERT(memcmp(again, enc, len) == 0);

	free(again);
	free(enc);
	tx_release(&back);
	tx_release(&tx);
}

static void
test_tx_roundtrip(void)
{
	static const size_t data_lens[] = { 0, 1, 55, 56, 1024 };
	struct secp *ctx = secp();

	for (enum tx_type type = TX_LEGACY; type <= TX_BLOB; type++) {
		for (size_t i = 0; i < ARRAY_SIZE(data_lens); i++) {
			roundtrip(ctx, type, data_lens[i], i, false);
			if (type != TX_BLOB)
				roundtrip(ctx, type, data_lens[i], i, true);
		}
	}
	secp_free(ctx);
}

/* One byte of data below 0x80 is its own encoding, without a header. */
static void
test_tx_roundtrip_small_data(void)
{
	struct secp *ctx = secp();
	uint8_t key[32], *enc;
	struct tx tx, back;
	const char *why;
	size_t len;

	memset(key, 1, sizeof(key));
	fill_tx(&tx, TX_LEGACY, 1, 0, false);
	tx.data[0] = 0x05;
	CU_ASSERT_EQUAL_FATAL(tx_sign(ctx, &tx, key), 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(&enc, &len, &tx), 0);
	CU_ASSERT_EQUAL_FATAL(tx_decode(&back, &why, enc, len), 0);
	CU_ASSERT(tx_equal(&tx, &back));
	free(enc);
	tx_release(&back);
	tx_release(&tx);
	secp_free(ctx);
}

/* --- rejections ------------------------------------------------------------- */

/* Valid transactions item by item (r = s = 1 is in range; decoding checks
 * ranges, not whether the signature recovers). */
#define TO "943535353535353535353535353535353535353535"
#define HASH32 "a00100000000000000000000000000000000000000000000000000000000000000"
static const char *const legacy_items[] = {
	"01", "01", "825208", TO, "01", "80", "1b", "01", "01",
};
static const char *const type1_items[] = {
	"01", "01", "01", "825208", TO, "01", "80", "c0", "80", "01", "01",
};
static const char *const type2_items[] = {
	"01", "01", "01", "01", "825208", TO, "01", "80", "c0", "80", "01", "01",
};
static const char *const type3_items[] = {
	"01", "01", "01", "01", "825208", TO, "01", "80", "c0", "01", ("e1" HASH32),
	"80", "01", "01",
};

static const struct {
	const char *const *items;
	size_t n;
} templates[] = {
	{ legacy_items, ARRAY_SIZE(legacy_items) },
	{ type1_items, ARRAY_SIZE(type1_items) },
	{ type2_items, ARRAY_SIZE(type2_items) },
	{ type3_items, ARRAY_SIZE(type3_items) },
};

/* Encodes the template of type with item `at` replaced by raw (already
 * RLP), or dropped when raw is NULL; `extra` items are appended.  Out:
 * *len; returns the bytes (caller frees). */
static uint8_t *
build(size_t *len, enum tx_type type, size_t at, const char *raw, size_t extra)
{
	struct rlp_enc e;
	size_t mark, n;
	uint8_t *item, *out, t = (uint8_t)type;

	rlp_enc_init(&e);
	if (type != TX_LEGACY)
		rlp_enc_raw(&e, &t, 1);
	mark = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < templates[type].n + extra; i++) {
		const char *s = i >= templates[type].n ? "01" : templates[type].items[i];

		if (i == at && raw == NULL)
			continue;
		item = unhex(&n, i == at ? raw : s);
		rlp_enc_raw(&e, item, n);
		free(item);
	}
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_FATAL(rlp_enc_error(&e) == 0);
	out = rlp_enc_detach(&e, len);
	rlp_enc_release(&e);
	return out;
}

/* Checks that buf is rejected with -EINVAL, for the reason want, and that
 * tx is left cleared. */
static void
expect_reject(const uint8_t *buf, size_t len, const char *want, const char *what)
{
	static const struct tx zero;
	const char *why = NULL;
	struct tx tx;
	int rc;

	memset(&tx, 0x5a, sizeof(tx));
	rc = tx_decode(&tx, &why, buf, len);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT(memcmp(&tx, &zero, sizeof(tx)) == 0);
	if (rc == 0)
		tx_release(&tx);
	if (want != NULL && (why == NULL || strcmp(why, want) != 0)) {
		fprintf(stderr, "%s: expected %s, got %s\n", what, want,
			why != NULL ? why : "(none)");
		CU_FAIL("wrong reason");
	}
}

static void
test_tx_decode_templates(void)
{
	const char *why = NULL;
	struct tx tx;
	uint8_t *buf;
	size_t len;

	for (enum tx_type t = TX_LEGACY; t <= TX_BLOB; t++) {
		buf = build(&len, t, SIZE_MAX, NULL, 0);
		CU_ASSERT_EQUAL(tx_decode(&tx, &why, buf, len), 0);
		CU_ASSERT_EQUAL(tx.type, t);
		tx_release(&tx);
		free(buf);
	}
}

#define N_MINUS_1 "a0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"
#define N "a0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
#define HALF_N "a07fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0"
#define HALF_N_PLUS_1 "a07fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1"
#define BIG33 "a1010000000000000000000000000000000000000000000000000000000000000000"
#define BIG9 "89010000000000000000"

/* One malformed field each: type, field index, the field's RLP, and the
 * reason (NULL: the field is valid after all). */
static const struct bad_field {
	enum tx_type type;
	size_t at;
	const char *raw;
	const char *why;
} bad_fields[] = {
	{ TX_LEGACY, 0, "820001", EXC("RLP_LEADING_ZEROS_NONCE") },
	{ TX_LEGACY, 0, "00", EXC("RLP_LEADING_ZEROS_NONCE") },
	{ TX_LEGACY, 0, "8101", EXC("RLP_LEADING_ZEROS_NONCE_SIZE") },
	{ TX_LEGACY, 0, "c0", EXC("RLP_INVALID_NONCE") },
	{ TX_LEGACY, 0, BIG9, EXC("NONCE_OVERFLOW") },
	{ TX_LEGACY, 0, "88ffffffffffffffff", NULL },
	{ TX_LEGACY, 1, "820001", EXC("RLP_LEADING_ZEROS_GASPRICE") },
	{ TX_LEGACY, 1, "c101", EXC("RLP_INVALID_GASPRICE") },
	{ TX_LEGACY, 1, BIG33, EXC("GASPRICE_OVERFLOW") },
	{ TX_LEGACY, 2, "820001", EXC("RLP_LEADING_ZEROS_GASLIMIT") },
	{ TX_LEGACY, 2, "c0", EXC("RLP_INVALID_GASLIMIT") },
	{ TX_LEGACY, 2, BIG9, EXC("GASLIMIT_OVERFLOW") },
	{ TX_LEGACY, 3, "93" "35353535353535353535353535353535353535", EXC("ADDRESS_TOO_SHORT") },
	{ TX_LEGACY, 3, "95" "00" "3535353535353535353535353535353535353535", EXC("ADDRESS_TOO_LONG") },
	{ TX_LEGACY, 3, "01", EXC("ADDRESS_TOO_SHORT") },
	{ TX_LEGACY, 3, "c0", EXC("RLP_INVALID_TO") },
	{ TX_LEGACY, 3, "80", NULL },
	{ TX_LEGACY, 4, "820001", EXC("RLP_LEADING_ZEROS_VALUE") },
	{ TX_LEGACY, 4, BIG33, EXC("VALUE_OVERFLOW") },
	{ TX_LEGACY, 4, "c0", EXC("RLP_INVALID_VALUE") },
	{ TX_LEGACY, 5, "c0", EXC("RLP_INVALID_DATA") },
	{ TX_LEGACY, 5, "b801ff", EXC("RLP_LEADING_ZEROS_DATA_SIZE") },
	{ TX_LEGACY, 5, "8100", EXC("RLP_LEADING_ZEROS_DATA_SIZE") },
	{ TX_LEGACY, 6, "80", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 6, "01", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 6, "02", EXC("INVALID_CHAINID") },
	{ TX_LEGACY, 6, "1a", EXC("INVALID_CHAINID") },
	{ TX_LEGACY, 6, "1c", NULL },
	{ TX_LEGACY, 6, "1d", EXC("INVALID_CHAINID") },
	{ TX_LEGACY, 6, "23", EXC("INVALID_CHAINID") },
	{ TX_LEGACY, 6, "24", EXC("INVALID_CHAINID") },
	{ TX_LEGACY, 6, "25", NULL },
	{ TX_LEGACY, 6, "26", NULL },
	{ TX_LEGACY, 6, "8901000000000000001b", NULL },
	{ TX_LEGACY, 6, "820025", EXC("RLP_LEADING_ZEROS_V") },
	{ TX_LEGACY, 6, "00", EXC("RLP_LEADING_ZEROS_V") },
	{ TX_LEGACY, 6, "c0", EXC("RLP_INVALID_SIGNATURE_V") },
	{ TX_LEGACY, 6, BIG33, EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 7, "80", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 7, N, EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 7, N_MINUS_1, NULL },
	{ TX_LEGACY, 7, BIG33, EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 7, "c0", EXC("RLP_INVALID_SIGNATURE_R") },
	{ TX_LEGACY, 7, "820001", EXC("RLP_LEADING_ZEROS_R") },
	{ TX_LEGACY, 8, "80", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 8, HALF_N, NULL },
	{ TX_LEGACY, 8, HALF_N_PLUS_1, EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 8, N_MINUS_1, EXC("INVALID_SIGNATURE_VRS") },
	{ TX_LEGACY, 8, "c0", EXC("RLP_INVALID_SIGNATURE_S") },
	{ TX_LEGACY, 8, "820001", EXC("RLP_LEADING_ZEROS_S") },
	/* A field that runs past the end of the list. */
	{ TX_LEGACY, 8, "a001", EXC("RLP_ERROR_SIZE") },

	{ TX_ACCESS_LIST, 0, "c0", EXC("RLP_INVALID_CHAINID") },
	{ TX_ACCESS_LIST, 0, "820001", EXC("RLP_LEADING_ZEROS_CHAINID") },
	{ TX_ACCESS_LIST, 0, BIG33, EXC("INVALID_CHAINID") },
	{ TX_ACCESS_LIST, 7, "80", EXC("RLP_INVALID_ACCESS_LIST") },
	{ TX_ACCESS_LIST, 7, "c180", EXC("RLP_INVALID_ACCESS_LIST_ENTRY") },
	{ TX_ACCESS_LIST, 7, "c1c0", EXC("RLP_INVALID_ACCESS_LIST_ENTRY") },
	{ TX_ACCESS_LIST, 7, "d8d7" "94" "3535353535353535353535353535353535353535" "c0" "01",
	  EXC("RLP_INVALID_ACCESS_LIST_ENTRY") },
	{ TX_ACCESS_LIST, 7, "d7d6" "94" "3535353535353535353535353535353535353535" "c0", NULL },
	{ TX_ACCESS_LIST, 7, "d6d5" "93" "35353535353535353535353535353535353535" "c0",
	  EXC("RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT") },
	{ TX_ACCESS_LIST, 7, "d8d7" "95" "003535353535353535353535353535353535353535" "c0",
	  EXC("RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG") },
	{ TX_ACCESS_LIST, 7, "c3c2c0c0", EXC("RLP_INVALID_ACCESS_LIST_ADDRESS") },
	{ TX_ACCESS_LIST, 7, "d7d6" "94" "3535353535353535353535353535353535353535" "80",
	  EXC("RLP_INVALID_ACCESS_LIST_STORAGE") },
	{ TX_ACCESS_LIST, 7, "d8d7" "94" "3535353535353535353535353535353535353535" "c180",
	  EXC("RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT") },
	{ TX_ACCESS_LIST, 7, "d8d7" "94" "3535353535353535353535353535353535353535" "c1c0",
	  EXC("RLP_INVALID_ACCESS_LIST_STORAGE") },
	{ TX_ACCESS_LIST, 7, "f7f6" "94" "3535353535353535353535353535353535353535" "e0"
	  "9f" "01010101010101010101010101010101010101010101010101010101010101",
	  EXC("RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT") },
	{ TX_ACCESS_LIST, 7, "f83af838" "94" "3535353535353535353535353535353535353535" "e2"
	  "a1" "010101010101010101010101010101010101010101010101010101010101010101",
	  EXC("RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG") },
	{ TX_ACCESS_LIST, 7, "f838f7" "94" "3535353535353535353535353535353535353535" "e1" HASH32, NULL },
	{ TX_ACCESS_LIST, 7, "f90038f7" "94" "3535353535353535353535353535353535353535" "e1" HASH32,
	  EXC("RLP_LEADING_ZEROS_ACCESS_LIST_SIZE") },
	{ TX_ACCESS_LIST, 8, "02", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_ACCESS_LIST, 8, "1b", EXC("INVALID_SIGNATURE_VRS") },
	{ TX_ACCESS_LIST, 8, "01", NULL },
	{ TX_ACCESS_LIST, 8, "00", EXC("RLP_LEADING_ZEROS_V") },

	{ TX_DYNAMIC_FEE, 2, BIG33, EXC("PRIORITY_OVERFLOW") },
	{ TX_DYNAMIC_FEE, 2, "820001", EXC("RLP_LEADING_ZEROS_PRIORITY_FEE") },
	{ TX_DYNAMIC_FEE, 2, "c0", EXC("RLP_INVALID_PRIORITY_FEE") },
	{ TX_DYNAMIC_FEE, 3, BIG33, EXC("GASPRICE_OVERFLOW") },
	{ TX_DYNAMIC_FEE, 3, "820001", EXC("RLP_LEADING_ZEROS_BASEFEE") },
	{ TX_DYNAMIC_FEE, 3, "c0", EXC("RLP_INVALID_BASEFEE") },
	{ TX_DYNAMIC_FEE, 5, "80", NULL },
	{ TX_DYNAMIC_FEE, 9, "02", EXC("INVALID_SIGNATURE_VRS") },

	{ TX_BLOB, 5, "80", EXC("TYPE_3_TX_CONTRACT_CREATION") },
	{ TX_BLOB, 9, BIG33, EXC("MAX_FEE_PER_BLOB_GAS_OVERFLOW") },
	{ TX_BLOB, 9, "820001", EXC("RLP_LEADING_ZEROS_MAX_FEE_PER_BLOB_GAS") },
	{ TX_BLOB, 10, "80", EXC("RLP_INVALID_BLOB_VERSIONED_HASHES") },
	{ TX_BLOB, 10, "c0", NULL },
	{ TX_BLOB, 10, "c180", EXC("RLP_INVALID_BLOB_VERSIONED_HASH_TOO_SHORT") },
	{ TX_BLOB, 10, "c1c0", EXC("RLP_INVALID_BLOB_VERSIONED_HASH") },
	{ TX_BLOB, 10, "e2" "a1" "010101010101010101010101010101010101010101010101010101010101010101",
	  EXC("RLP_INVALID_BLOB_VERSIONED_HASH_TOO_LONG") },
	{ TX_BLOB, 10, "c2a001", EXC("RLP_ERROR_SIZE") },
	{ TX_BLOB, 10, "f842" HASH32 HASH32, NULL },
	{ TX_BLOB, 11, "02", EXC("INVALID_SIGNATURE_VRS") },
};

static void
test_tx_decode_bad_fields(void)
{
	const char *why = NULL;
	char what[128];
	struct tx tx;
	uint8_t *buf;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(bad_fields); i++) {
		const struct bad_field *b = &bad_fields[i];

		snprintf(what, sizeof(what), "bad_fields[%zu] (type %d, item %zu, %s)",
			 i, b->type, b->at, b->raw);
		buf = build(&len, b->type, b->at, b->raw, 0);
		if (b->why != NULL) {
			expect_reject(buf, len, b->why, what);
		} else if (tx_decode(&tx, &why, buf, len) != 0) {
			fprintf(stderr, "%s: rejected: %s\n", what, why);
			CU_FAIL("a valid field was rejected");
		} else {
			tx_release(&tx);
		}
		free(buf);
	}
}

static void
test_tx_decode_structure(void)
{
	static const uint8_t empty[1];
	static const uint8_t types[] = { 0x00, 0x04, 0x05, 0x7f, 0x80, 0x94, 0xb8, 0xbf };
	uint8_t *buf, *longer;
	char what[64];
	size_t len;

	expect_reject(NULL, 0, EXC("RLP_ERROR_EOF"), "no bytes");
	expect_reject(empty, 0, EXC("RLP_ERROR_EOF"), "no bytes");

	for (enum tx_type t = TX_LEGACY; t <= TX_BLOB; t++) {
		/* Too few and too many items. */
		buf = build(&len, t, 0, NULL, 0);
		expect_reject(buf, len, EXC("RLP_TOO_FEW_ELEMENTS"), "too few");
		free(buf);
		buf = build(&len, t, SIZE_MAX, NULL, 1);
		expect_reject(buf, len, EXC("RLP_TOO_MANY_ELEMENTS"), "too many");
		free(buf);

		/* Trailing bytes, and every truncation. */
		buf = build(&len, t, SIZE_MAX, NULL, 0);
		longer = malloc(len + 1);
		CU_ASSERT_FATAL(longer != NULL);
		memcpy(longer, buf, len);
		longer[len] = 0;
		expect_reject(longer, len + 1, EXC("RLP_ERROR_SIZE"), "trailing byte");
		for (size_t n = 0; n < len; n++) {
			snprintf(what, sizeof(what), "type %d cut to %zu bytes", t, n);
			expect_reject(buf, n, NULL, what);
		}
		/* Every other type byte in front of a valid payload. */
		if (t != TX_LEGACY) {
			for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
				longer[0] = types[i];
				snprintf(what, sizeof(what), "type byte 0x%02x", types[i]);
				expect_reject(longer, len, EXC("TYPE_NOT_SUPPORTED"), what);
			}
		}
		free(longer);
		free(buf);
	}

	/* A typed payload must be a list. */
	buf = unhex(&len, "0280");
	expect_reject(buf, len, EXC("RLP_INVALID_HEADER"), "typed string");
	free(buf);
	/* A list length with a leading zero byte. */
	buf = unhex(&len, "f90003010101");
	expect_reject(buf, len, EXC("RLP_ERROR_SIZE_LEADING_ZEROS"), "list length 00");
	free(buf);
	/* A length far past the end. */
	buf = unhex(&len, "ff0f000000000000005f03");
	expect_reject(buf, len, EXC("RLP_ERROR_SIZE"), "huge list");
	free(buf);
}

/* Each allocation tx_decode() makes can fail: it returns -ENOMEM and
 * leaves tx cleared, with nothing leaked. */
static void
test_tx_decode_nomem(void)
{
	struct secp *ctx = secp();
	static const struct tx zero;
	uint8_t key[32], *enc;
	const char *why;
	struct tx tx, back;
	size_t len;
	int rc, fails = 0;

	memset(key, 3, sizeof(key));
	fill_tx(&tx, TX_BLOB, 40, 3, false);
	CU_ASSERT_EQUAL_FATAL(tx_sign(ctx, &tx, key), 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(&enc, &len, &tx), 0);
	for (long n = 0;; n++) {
		fail_countdown = n;
		rc = tx_decode(&back, &why, enc, len);
		fail_countdown = -1;
		if (rc == 0)
			break;
		CU_ASSERT_EQUAL_FATAL(rc, -ENOMEM);
		CU_ASSERT(memcmp(&back, &zero, sizeof(back)) == 0);
		fails++;
	}
	/* data, the access list, two entries' keys, the blob hashes. */
	CU_ASSERT_EQUAL(fails, 5);
	CU_ASSERT(tx_equal(&tx, &back));
	tx_release(&back);

	fail_countdown = 0;
	rc = tx_encode(&enc, &len, &tx);
	fail_countdown = -1;
	CU_ASSERT_EQUAL(rc, -ENOMEM);
	free(enc);
	tx_release(&tx);
	secp_free(ctx);
}

/* --- signatures ----------------------------------------------------------- */

static void
test_tx_sender_errors(void)
{
	uint8_t sender[20], key[32], *buf;
	struct secp *ctx = secp();
	const char *why = NULL;
	struct tx tx, good;
	size_t len;

	/* No point has x = n - 1: decoding accepts r, recovery cannot. */
	buf = build(&len, TX_LEGACY, 7, N_MINUS_1, 0);
	CU_ASSERT_EQUAL_FATAL(tx_decode(&tx, &why, buf, len), 0);
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx_release(&tx);
	free(buf);

	/* Transactions filled in by hand are checked as decoding checks. */
	memset(key, 7, sizeof(key));
	eip155_tx(&good);
	CU_ASSERT_EQUAL_FATAL(tx_sign(ctx, &good, key), 0);
	CU_ASSERT_EQUAL(tx_sender(sender, &good), 0);
	tx = good;
	tx.v = u256_from_u64(29);
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx = good;
	tx.chain_id = u256_from_u64(5); /* v says chain 1 */
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx = good;
	u256_sub(&tx.s, &(struct u256){ { 0xbfd25e8cd0364141, 0xbaaedce6af48a03b,
					   0xfffffffffffffffe, 0xffffffffffffffff } },
		 &tx.s); /* the high-s twin of a valid signature */
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx = good;
	tx.r = u256_from_u64(0);
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx = good;
	tx.type = TX_DYNAMIC_FEE; /* v = 37 is no y parity */
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	tx = good;
	tx.type = (enum tx_type)9;
	CU_ASSERT_EQUAL(tx_sender(sender, &tx), -EINVAL);
	secp_free(ctx);
}

static void
test_tx_sign_errors(void)
{
	static const struct u256 zero;
	struct secp *ctx = secp();
	uint8_t key[32], *out = NULL;
	struct tx tx;
	size_t len;

	eip155_tx(&tx);
	memset(key, 0, sizeof(key));
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), -EINVAL);
	memset(key, 0xff, sizeof(key));
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), -EINVAL);
	CU_ASSERT(u256_eq(&tx.v, &zero) && u256_eq(&tx.r, &zero));

	/* chain_id * 2 + 35 must fit in v. */
	memset(key, 1, sizeof(key));
	u256_hex(&tx.chain_id, "0x8000000000000000000000000000000000000000000000000000000000000000");
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), -EINVAL);
	u256_hex(&tx.chain_id, "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed");
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), 0);

	/* Nothing decodes to a blob creation or an unknown type. */
	fill_tx(&tx, TX_BLOB, 0, 0, true);
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), -EINVAL);
	CU_ASSERT_EQUAL(tx_encode(&out, &len, &tx), -EINVAL);
	tx_release(&tx);
	eip155_tx(&tx);
	tx.type = (enum tx_type)4;
	CU_ASSERT_EQUAL(tx_sign(ctx, &tx, key), -EINVAL);
	CU_ASSERT_EQUAL(tx_encode(&out, &len, &tx), -EINVAL);
	CU_ASSERT(out == NULL);

	/* Data too large to hold: the encoder measures before it reads. */
	eip155_tx(&tx);
	tx.data = key;
	tx.data_len = (size_t)1 << 62;
	CU_ASSERT_EQUAL(tx_encode(&out, &len, &tx), -ENOMEM);
	CU_ASSERT(out == NULL);
	secp_free(ctx);
}

/* --- rules -------------------------------------------------------------- */

static void
expect_check(const struct tx *tx, uint64_t chain_id, const char *want)
{
	const char *why = NULL;
	int rc = tx_check(tx, &why, chain_id);

	if (want == NULL) {
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0)
			fprintf(stderr, "tx_check: unexpected %s\n", why);
		return;
	}
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (strcmp(why, want) != 0)
		fprintf(stderr, "tx_check: expected %s, got %s\n", want, why);
	CU_ASSERT_STRING_EQUAL(why, want);
}

static void
test_tx_check(void)
{
	struct tx tx;
	uint8_t (*hashes)[32];

	eip155_tx(&tx);
	expect_check(&tx, 1, NULL);
	expect_check(&tx, 2, EXC("INVALID_CHAINID"));
	tx.chain_id = u256_from_u64(0);
	expect_check(&tx, 2, NULL); /* no EIP-155: any chain */
	tx.nonce = UINT64_MAX;
	expect_check(&tx, 2, EXC("NONCE_TOO_BIG"));
	tx.nonce = UINT64_MAX - 1;
	expect_check(&tx, 2, NULL);
	tx.gas_limit = 20999;
	expect_check(&tx, 2, EXC("INTRINSIC_GAS_TOO_LOW"));
	tx.gas_limit = 2;
	u256_hex(&tx.gas_price, "0x8000000000000000000000000000000000000000000000000000000000000000");
	expect_check(&tx, 2, EXC("GASLIMIT_PRICE_PRODUCT_OVERFLOW"));

	/* EIP-3860: 49152 bytes of initcode, not one more. */
	eip155_tx(&tx);
	tx.is_create = true;
	tx.data_len = EVM_MAX_INITCODE_SIZE;
	tx.data = calloc(tx.data_len + 1, 1);
	CU_ASSERT_FATAL(tx.data != NULL);
	tx.gas_limit = 10000000;
	expect_check(&tx, 1, NULL);
	tx.data_len++;
	expect_check(&tx, 1, EXC("INITCODE_SIZE_EXCEEDED"));
	tx_release(&tx);

	fill_tx(&tx, TX_DYNAMIC_FEE, 0, 0, false);
	tx.gas_limit = 21000;
	tx.max_fee = u256_from_u64(10);
	expect_check(&tx, 1337, NULL);
	expect_check(&tx, 1, EXC("INVALID_CHAINID"));
	tx.max_priority_fee = u256_from_u64(11);
	expect_check(&tx, 1337, EXC("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS"));
	tx_release(&tx);

	fill_tx(&tx, TX_BLOB, 0, 0, false);
	tx.gas_limit = 21000;
	tx.max_fee = u256_from_u64(10);
	expect_check(&tx, 1337, NULL);
	tx.blob_hashes[1][0] = 0x02;
	expect_check(&tx, 1337, EXC("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH"));
	tx.is_create = true;
	tx.gas_limit = 100000;
	expect_check(&tx, 1337, EXC("TYPE_3_TX_CONTRACT_CREATION"));
	tx.is_create = false;
	hashes = tx.blob_hashes;
	tx.nblob_hashes = 0;
	expect_check(&tx, 1337, EXC("TYPE_3_TX_ZERO_BLOBS"));
	tx.blob_hashes = calloc(7, 32);
	CU_ASSERT_FATAL(tx.blob_hashes != NULL);
	for (size_t i = 0; i < 7; i++)
		tx.blob_hashes[i][0] = TX_BLOB_HASH_VERSION;
	tx.nblob_hashes = 6;
	expect_check(&tx, 1337, NULL);
	tx.nblob_hashes = 7;
	expect_check(&tx, 1337, EXC("TYPE_3_TX_BLOB_COUNT_EXCEEDED"));
	free(hashes);
	tx_release(&tx);
}

static void
test_tx_intrinsic_gas(void)
{
	uint8_t data[64] = { 0 };
	struct tx tx;

	memset(&tx, 0, sizeof(tx));
	CU_ASSERT_EQUAL(tx_intrinsic_gas(&tx), 21000);
	/* EIP-2028: 4 per zero byte, 16 per other byte. */
	data[0] = 1;
	data[5] = 0xff;
	tx.data = data;
	tx.data_len = 10;
	CU_ASSERT_EQUAL(tx_intrinsic_gas(&tx), 21000 + 8 * 4 + 2 * 16);
	/* A creation adds 32000 and EIP-3860's 2 per 32-byte word. */
	tx.is_create = true;
	CU_ASSERT_EQUAL(tx_intrinsic_gas(&tx), 21000 + 8 * 4 + 2 * 16 + 32000 + 2);
	tx.data_len = 33;
	CU_ASSERT_EQUAL(tx_intrinsic_gas(&tx), 21000 + 31 * 4 + 2 * 16 + 32000 + 4);
	/* EIP-2930: 2400 per address, 1900 per key. */
	{
		struct tx_access al[2] = { { { 0 }, NULL, 0 }, { { 0 }, NULL, 3 } };

		memset(&tx, 0, sizeof(tx));
		tx.access_list = al;
		tx.naccess = 2;
		CU_ASSERT_EQUAL(tx_intrinsic_gas(&tx), 21000 + 2 * 2400 + 3 * 1900);
	}
}

static void
test_tx_blob_base_fee(void)
{
	struct u256 f;

	/* EIP-4844's fake_exponential(1, excess, 3338477). */
	f = tx_blob_base_fee(0);
	CU_ASSERT(u256_eq(&f, &(struct u256){ { 1, 0, 0, 0 } }));
	f = tx_blob_base_fee(3338477);
	CU_ASSERT(u256_eq(&f, &(struct u256){ { 2, 0, 0, 0 } }));
	f = tx_blob_base_fee(10 * 3338477);
	CU_ASSERT(u256_eq(&f, &(struct u256){ { 22026, 0, 0, 0 } }));
	f = tx_blob_base_fee(100000000);
	CU_ASSERT(u256_eq(&f, &(struct u256){ { 10203769476395, 0, 0, 0 } }));
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_tx_eip155_example),
		HARNESS_TEST(test_tx_signing_hash_pre155),
		HARNESS_TEST(test_tx_signing_hash_typed),
		HARNESS_TEST(test_tx_roundtrip),
		HARNESS_TEST(test_tx_roundtrip_small_data),
		HARNESS_TEST(test_tx_decode_templates),
		HARNESS_TEST(test_tx_decode_bad_fields),
		HARNESS_TEST(test_tx_decode_structure),
		HARNESS_TEST(test_tx_decode_nomem),
		HARNESS_TEST(test_tx_sender_errors),
		HARNESS_TEST(test_tx_sign_errors),
		HARNESS_TEST(test_tx_check),
		HARNESS_TEST(test_tx_intrinsic_gas),
		HARNESS_TEST(test_tx_blob_base_fee),
		HARNESS_END,
	};
	return harness_run("tx", tests);
}
