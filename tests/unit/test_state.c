/* Tests for node/state/state.c: reading and writing accounts, the journal
 * that call frames revert to, the marks that live for one transaction
 * (warm sets, transient storage, originals, EIP-161 touches, EIP-6780
 * creations and destructions), and the state root, checked against a root
 * from the Ethereum tests and against a trie built here with mpt.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "state/mpt.h"
#include "state/state.h"

/* keccak256 of the empty string: the code hash of an account with no code. */
static const char empty_code_hash_hex[] =
	"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
static const char empty_root_hex[] =
	"56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

/* Out: a, an address made from n that no precompile uses. */
static struct u256
u(uint64_t v)
{
	return u256_from_u64(v);
}

static void
test_state_new_free(void)
{
	struct state *s = state_new();
	uint8_t a[20], root[32], want[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	harness_address(a, 0xa0, 1);
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_EQUAL(state_root(s, root), 0);
	harness_unhex(want, 32, empty_root_hex);
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
	CU_ASSERT_EQUAL(memcmp(root, mpt_empty_root, 32), 0);
	state_free(s);
	state_free(NULL);
}

/* exists, EIP-161's empty and alive, for each way an account can be
 * non-empty. */
static void
test_state_exists_empty_alive(void)
{
	struct state *s = state_new();
	uint8_t a[20], b[20], c[20], d[20];
	static const uint8_t code[] = { 0x00 };

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	harness_address(c, 0xa0, 3);
	harness_address(d, 0xa0, 4);
	/* Absent: does not exist, is empty, is not alive. */
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_TRUE(state_is_empty(s, a));
	CU_ASSERT_FALSE(state_is_alive(s, a));
	/* Created with nothing: exists but is empty, so not alive. */
	state_create(s, a);
	CU_ASSERT_TRUE(state_exists(s, a));
	CU_ASSERT_TRUE(state_is_empty(s, a));
	CU_ASSERT_FALSE(state_is_alive(s, a));
	/* A balance, a nonce or code each make an account alive. */
	state_set_balance(s, b, &(struct u256){ { 1 } });
	CU_ASSERT_TRUE(state_exists(s, b));
	CU_ASSERT_FALSE(state_is_empty(s, b));
	CU_ASSERT_TRUE(state_is_alive(s, b));
	state_set_nonce(s, c, 1);
	CU_ASSERT_TRUE(state_is_alive(s, c));
	state_set_code(s, d, code, sizeof(code));
	CU_ASSERT_TRUE(state_is_alive(s, d));
	/* Storage alone does not: EIP-161 looks at nonce, balance and code. */
	state_destroy(s, a);
	CU_ASSERT_FALSE(state_exists(s, a));
	state_set_storage(s, a, &(struct u256){ { 1 } }, &(struct u256){ { 1 } });
	CU_ASSERT_TRUE(state_exists(s, a));
	CU_ASSERT_TRUE(state_is_empty(s, a));
	CU_ASSERT_TRUE(state_has_storage(s, a));
	/* Destroyed: gone again, and reads as zero everywhere. */
	state_destroy(s, d);
	CU_ASSERT_FALSE(state_exists(s, d));
	CU_ASSERT_TRUE(state_is_empty(s, d));
	CU_ASSERT_FALSE(state_is_alive(s, d));
	/* Destroying what does not exist does nothing. */
	harness_address(d, 0xa0, 99);
	state_destroy(s, d);
	CU_ASSERT_FALSE(state_exists(s, d));
	state_free(s);
}

static void
test_state_balance(void)
{
	struct state *s = state_new();
	struct u256 max, v;
	uint8_t a[20], b[20];

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 0));
	CU_ASSERT_EQUAL(state_add_balance(s, a, &(struct u256){ { 100 } }), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 100));
	CU_ASSERT_EQUAL(state_sub_balance(s, a, &(struct u256){ { 30 } }), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 70));
	/* A borrow across limbs. */
	v = (struct u256){ { 0, 1, 0, 0 } };
	state_set_balance(s, a, &v);
	CU_ASSERT_EQUAL(state_sub_balance(s, a, &(struct u256){ { 1 } }), 0);
	v = state_balance(s, a);
	CU_ASSERT_TRUE(v.w[0] == UINT64_MAX && v.w[1] == 0 && v.w[2] == 0 && v.w[3] == 0);
	state_set_balance(s, a, &(struct u256){ { 70 } });
	/* Underflow: -ERANGE and nothing changes. */
	CU_ASSERT_EQUAL(state_sub_balance(s, a, &(struct u256){ { 71 } }), -ERANGE);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 70));
	CU_ASSERT_EQUAL(state_sub_balance(s, a, &(struct u256){ { 70 } }), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 0));
	/* Underflow on an absent account does not create it. */
	CU_ASSERT_EQUAL(state_sub_balance(s, b, &(struct u256){ { 1 } }), -ERANGE);
	CU_ASSERT_FALSE(state_exists(s, b));
	/* Overflow past 2^256: -ERANGE and unchanged. */
	max = (struct u256){ { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX } };
	state_set_balance(s, a, &max);
	CU_ASSERT_EQUAL(state_add_balance(s, a, &(struct u256){ { 1 } }), -ERANGE);
	v = state_balance(s, a);
	CU_ASSERT_TRUE(u256_eq(&v, &max));
	CU_ASSERT_EQUAL(state_add_balance(s, a, &(struct u256){ { 0 } }), 0);
	CU_ASSERT_EQUAL(state_sub_balance(s, a, &max), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 0));
	/* Adding zero to an absent account creates it ("setting anything"). */
	CU_ASSERT_EQUAL(state_add_balance(s, b, &(struct u256){ { 0 } }), 0);
	CU_ASSERT_TRUE(state_exists(s, b));
	CU_ASSERT_TRUE(state_is_empty(s, b));
	state_free(s);
}

static void
test_state_nonce(void)
{
	struct state *s = state_new();
	uint8_t a[20];

	harness_address(a, 0xa0, 1);
	CU_ASSERT_EQUAL(state_nonce(s, a), 0);
	state_set_nonce(s, a, 7);
	CU_ASSERT_EQUAL(state_nonce(s, a), 7);
	CU_ASSERT_TRUE(state_exists(s, a));
	state_set_nonce(s, a, UINT64_MAX);
	CU_ASSERT_EQUAL(state_nonce(s, a), UINT64_MAX);
	state_destroy(s, a);
	CU_ASSERT_EQUAL(state_nonce(s, a), 0);
	state_free(s);
}

static void
test_state_code(void)
{
	struct state *s = state_new();
	uint8_t a[20], b[20], hash[32], want[32], buf[3] = { 0x60, 0x01, 0x00 };
	const uint8_t *code;
	size_t len = 99;

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	/* Absent: no code, and a zero hash (what EXTCODEHASH reports). */
	code = state_code(s, a, &len);
	CU_ASSERT_PTR_NULL(code);
	CU_ASSERT_EQUAL(len, 0);
	memset(hash, 0xff, 32);
	state_code_hash(s, a, hash);
	memset(want, 0, 32);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	/* Existing without code: keccak(""). */
	state_create(s, a);
	state_code_hash(s, a, hash);
	harness_unhex(want, 32, empty_code_hash_hex);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	len = 99;
	CU_ASSERT_PTR_NULL(state_code(s, a, &len));
	CU_ASSERT_EQUAL(len, 0);
	/* Code is copied; its hash is keccak of it. */
	state_set_code(s, b, buf, sizeof(buf));
	buf[0] = 0xff;
	code = state_code(s, b, &len);
	CU_ASSERT_EQUAL_FATAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(code, "\x60\x01\x00", 3), 0);
	state_code_hash(s, b, hash);
	keccak256(want, "\x60\x01\x00", 3);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	/* Setting empty code gives the empty hash again. */
	state_set_code(s, b, NULL, 0);
	state_code(s, b, &len);
	CU_ASSERT_EQUAL(len, 0);
	state_code_hash(s, b, hash);
	harness_unhex(want, 32, empty_code_hash_hex);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	/* Destroyed: absent again. */
	state_set_code(s, b, buf, sizeof(buf));
	state_destroy(s, b);
	state_code_hash(s, b, hash);
	memset(want, 0, 32);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	state_free(s);
}

/* Current and original values across transactions (EIP-2200). */
static void
test_state_storage_original(void)
{
	struct state *s = state_new();
	struct u256 k0 = u(0), k1 = u(1), big, got;
	uint8_t a[20];

	harness_address(a, 0xa0, 1);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k0), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 0));
	CU_ASSERT_FALSE(state_has_storage(s, a));

	/* Transaction 1: 0 -> 5 -> 6; the original stays 0 throughout. */
	state_begin_tx(s);
	state_set_storage(s, a, &k0, &(struct u256){ { 5 } });
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k0), 5));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 0));
	state_set_storage(s, a, &k0, &(struct u256){ { 6 } });
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k0), 6));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 0));
	CU_ASSERT_TRUE(state_has_storage(s, a));
	state_end_tx(s);

	/* Transaction 2: the original is what transaction 1 left. */
	state_begin_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 6));
	state_set_storage(s, a, &k0, &(struct u256){ { 0 } });
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k0), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 6));
	/* A slot never written reads 0 as both. */
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k1), 0));
	/* A full 256-bit key and value. */
	big = (struct u256){ { 1, 2, 3, 0x8000000000000000ull } };
	state_set_storage(s, a, &big, &big);
	got = state_storage(s, a, &big);
	CU_ASSERT_TRUE(u256_eq(&got, &big));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &big), 0));
	state_end_tx(s);

	/* Transaction 3: a slot cleared to zero is zero, and the account has
	 * storage only through the big key. */
	state_begin_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k0), 0));
	CU_ASSERT_TRUE(state_has_storage(s, a));
	state_set_storage(s, a, &big, &k0);
	CU_ASSERT_FALSE(state_has_storage(s, a));
	/* A reverted write keeps the original. */
	{
		state_snap_t snap = state_snapshot(s);

		state_set_storage(s, a, &k1, &(struct u256){ { 9 } });
		state_revert(s, snap);
		CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k1), 0));
		CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k1), 0));
	}
	state_end_tx(s);
	state_free(s);
}

/* Each kind of change, undone by state_revert(). */
static void
test_state_revert_each_kind(void)
{
	struct state *s = state_new();
	static const uint8_t code1[] = { 0x60, 0x00 }, code2[] = { 0x5f, 0x5f, 0x00 };
	struct u256 k = u(3), v;
	uint8_t a[20], b[20], hash[32], want[32];
	state_snap_t snap;
	const uint8_t *c;
	size_t len;

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	/* A committed starting point. */
	state_set_balance(s, a, &(struct u256){ { 10 } });
	state_set_nonce(s, a, 4);
	state_set_code(s, a, code1, sizeof(code1));
	state_set_storage(s, a, &k, &(struct u256){ { 30 } });
	state_end_tx(s);
	state_begin_tx(s);

	/* Creation. */
	snap = state_snapshot(s);
	state_create(s, b);
	CU_ASSERT_TRUE(state_exists(s, b));
	state_revert(s, snap);
	CU_ASSERT_FALSE(state_exists(s, b));

	/* Balance, nonce, code, storage. */
	snap = state_snapshot(s);
	state_set_balance(s, a, &(struct u256){ { 11 } });
	CU_ASSERT_EQUAL(state_add_balance(s, a, &(struct u256){ { 1 } }), 0);
	state_set_nonce(s, a, 5);
	state_set_code(s, a, code2, sizeof(code2));
	state_set_storage(s, a, &k, &(struct u256){ { 31 } });
	state_revert(s, snap);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 10));
	CU_ASSERT_EQUAL(state_nonce(s, a), 4);
	c = state_code(s, a, &len);
	CU_ASSERT_TRUE(len == sizeof(code1) && memcmp(c, code1, len) == 0);
	state_code_hash(s, a, hash);
	keccak256(want, code1, sizeof(code1));
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 30));

	/* Destruction, storage and all. */
	snap = state_snapshot(s);
	state_destroy(s, a);
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 0));
	state_revert(s, snap);
	CU_ASSERT_TRUE(state_exists(s, a));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 10));
	CU_ASSERT_EQUAL(state_nonce(s, a), 4);
	c = state_code(s, a, &len);
	CU_ASSERT_TRUE(len == sizeof(code1) && memcmp(c, code1, len) == 0);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 30));
	CU_ASSERT_TRUE(state_has_storage(s, a));

	/* Clearing storage. */
	snap = state_snapshot(s);
	state_clear_storage(s, a);
	CU_ASSERT_FALSE(state_has_storage(s, a));
	state_revert(s, snap);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 30));

	/* Warm address and warm slot: cold again after the revert. */
	snap = state_snapshot(s);
	CU_ASSERT_TRUE(state_warm_address(s, b));
	CU_ASSERT_FALSE(state_warm_address(s, b));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k));
	CU_ASSERT_FALSE(state_warm_slot(s, a, &k));
	state_revert(s, snap);
	CU_ASSERT_TRUE(state_warm_address(s, b));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k));
	/* Warming does not create the account. */
	CU_ASSERT_FALSE(state_exists(s, b));

	/* Transient storage. */
	state_tstore(s, a, &k, &(struct u256){ { 1 } });
	snap = state_snapshot(s);
	state_tstore(s, a, &k, &(struct u256){ { 2 } });
	state_tstore(s, b, &k, &(struct u256){ { 3 } });
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 2));
	state_revert(s, snap);
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 1));
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, b, &k), 0));

	/* Touch: a reverted touch does not clear the empty account. */
	state_create(s, b);
	snap = state_snapshot(s);
	state_touch(s, b);
	state_revert(s, snap);
	/* Destructed mark: reverted, so a survives the end of the tx. */
	state_mark_created(s, a);
	snap = state_snapshot(s);
	state_mark_destructed(s, a);
	state_revert(s, snap);
	state_end_tx(s);
	CU_ASSERT_TRUE(state_exists(s, b));
	CU_ASSERT_TRUE(state_exists(s, a));
	v = state_balance(s, a);
	CU_ASSERT_TRUE(harness_u256_is(v, 10));
	state_free(s);
}

/* Nested snapshots: reverting the inner one keeps the outer changes. */
static void
test_state_revert_nested(void)
{
	struct state *s = state_new();
	struct u256 k = u(1);
	uint8_t a[20], b[20];
	state_snap_t s0, s1, s2;

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	state_begin_tx(s);
	s0 = state_snapshot(s);
	state_set_balance(s, a, &(struct u256){ { 1 } });
	state_set_storage(s, a, &k, &(struct u256){ { 1 } });
	s1 = state_snapshot(s);
	state_set_balance(s, a, &(struct u256){ { 2 } });
	state_set_storage(s, a, &k, &(struct u256){ { 2 } });
	state_set_nonce(s, b, 1);
	s2 = state_snapshot(s);
	state_set_balance(s, a, &(struct u256){ { 3 } });
	state_set_storage(s, a, &k, &(struct u256){ { 3 } });
	state_destroy(s, b);
	CU_ASSERT_FALSE(state_exists(s, b));

	state_revert(s, s2);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 2));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 2));
	CU_ASSERT_EQUAL(state_nonce(s, b), 1);
	/* Reverting to the same point again does nothing more. */
	state_revert(s, s2);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 2));
	/* New work after an inner revert, then the middle one. */
	state_set_balance(s, a, &(struct u256){ { 4 } });
	state_revert(s, s1);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 1));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 1));
	CU_ASSERT_FALSE(state_exists(s, b));
	state_revert(s, s0);
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k), 0));
	state_end_tx(s);
	CU_ASSERT_FALSE(state_exists(s, a));
	state_free(s);
}

/* EIP-6780: the created-this-transaction mark survives a revert of the
 * frame that set it, and ends with the transaction. */
static void
test_state_mark_created_not_reverted(void)
{
	struct state *s = state_new();
	uint8_t a[20], b[20];
	state_snap_t snap;

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	state_begin_tx(s);
	CU_ASSERT_FALSE(state_is_created(s, a));
	snap = state_snapshot(s);
	state_mark_created(s, a);
	state_set_nonce(s, a, 1);
	CU_ASSERT_TRUE(state_is_created(s, a));
	state_revert(s, snap);
	CU_ASSERT_TRUE(state_is_created(s, a));
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_FALSE(state_is_created(s, b));
	state_end_tx(s);
	state_begin_tx(s);
	CU_ASSERT_FALSE(state_is_created(s, a));
	state_end_tx(s);
	state_free(s);
}

/* state_end_tx(): destructed accounts go whatever they hold; touched
 * empty ones go (EIP-161); touched non-empty and untouched empty stay. */
static void
test_state_end_tx_clearing(void)
{
	struct state *s = state_new();
	static const uint8_t code[] = { 0x00 };
	struct u256 k = u(1);
	uint8_t dead[20], empty_touched[20], full_touched[20], empty_untouched[20];
	uint8_t revived[20], both[20];

	harness_address(dead, 0xa0, 1);
	harness_address(empty_touched, 0xa0, 2);
	harness_address(full_touched, 0xa0, 3);
	harness_address(empty_untouched, 0xa0, 4);
	harness_address(revived, 0xa0, 5);
	harness_address(both, 0xa0, 6);
	state_set_balance(s, dead, &(struct u256){ { 5 } });
	state_set_code(s, dead, code, sizeof(code));
	state_set_storage(s, dead, &k, &(struct u256){ { 7 } });
	state_create(s, empty_touched);
	state_set_nonce(s, full_touched, 1);
	state_create(s, empty_untouched);
	state_create(s, revived);
	state_create(s, both);
	state_end_tx(s);

	state_begin_tx(s);
	state_mark_destructed(s, dead);
	state_mark_destructed(s, dead); /* twice is once */
	state_touch(s, empty_touched);
	state_touch(s, empty_touched);
	state_touch(s, full_touched);
	/* Touched while empty but given a balance later in the tx. */
	state_touch(s, revived);
	state_set_balance(s, revived, &(struct u256){ { 1 } });
	state_touch(s, both);
	state_mark_destructed(s, both);
	/* Nothing goes before the transaction ends. */
	CU_ASSERT_TRUE(state_exists(s, dead));
	CU_ASSERT_TRUE(state_exists(s, empty_touched));
	state_end_tx(s);

	CU_ASSERT_FALSE(state_exists(s, dead));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, dead, &k), 0));
	CU_ASSERT_FALSE(state_has_storage(s, dead));
	CU_ASSERT_FALSE(state_exists(s, empty_touched));
	CU_ASSERT_TRUE(state_exists(s, full_touched));
	CU_ASSERT_TRUE(state_exists(s, empty_untouched));
	CU_ASSERT_TRUE(state_exists(s, revived));
	CU_ASSERT_FALSE(state_exists(s, both));

	/* The marks were for that transaction only: touching nothing in the
	 * next one clears nothing. */
	state_begin_tx(s);
	state_create(s, empty_touched);
	state_end_tx(s);
	CU_ASSERT_TRUE(state_exists(s, empty_touched));
	/* A touched account that does not exist is not brought into being. */
	state_begin_tx(s);
	{
		uint8_t ghost[20];

		harness_address(ghost, 0xa0, 77);
		state_touch(s, ghost);
		state_end_tx(s);
		CU_ASSERT_FALSE(state_exists(s, ghost));
	}
	state_free(s);
}

/* EIP-1153: transient storage lasts one transaction. */
static void
test_state_transient_cleared_between_tx(void)
{
	struct state *s = state_new();
	struct u256 k = u(1);
	uint8_t a[20];

	harness_address(a, 0xa0, 1);
	state_begin_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 0));
	state_tstore(s, a, &k, &(struct u256){ { 42 } });
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 42));
	/* Transient storage does not create the account or touch storage. */
	CU_ASSERT_FALSE(state_exists(s, a));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 0));
	state_end_tx(s);
	state_begin_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 0));
	/* And a store in the new transaction starts from an empty table. */
	state_tstore(s, a, &(struct u256){ { 2 } }, &(struct u256){ { 1 } });
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 0));
	state_end_tx(s);
	/* begin_tx alone clears it too. */
	state_begin_tx(s);
	state_tstore(s, a, &k, &(struct u256){ { 9 } });
	state_begin_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_tload(s, a, &k), 0));
	state_end_tx(s);
	state_free(s);
}

/* state_begin_tx() alone clears the marks of a transaction that never
 * ended; state_end_tx() drops the journal, so nothing reverts past it. */
static void
test_state_begin_end_tx(void)
{
	struct state *s = state_new();
	struct u256 k = u(1);
	uint8_t a[20], b[20];
	state_snap_t snap;

	harness_address(a, 0xa0, 1);
	harness_address(b, 0xa0, 2);
	state_set_balance(s, a, &(struct u256){ { 5 } });
	state_create(s, b);
	state_end_tx(s);

	state_begin_tx(s);
	CU_ASSERT_TRUE(state_warm_address(s, a));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k));
	state_mark_destructed(s, a);
	state_touch(s, b);
	state_mark_created(s, a);
	state_set_storage(s, a, &k, &(struct u256){ { 3 } });
	/* A new transaction without an end to the old one. */
	state_begin_tx(s);
	CU_ASSERT_TRUE(state_warm_address(s, a));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k));
	CU_ASSERT_FALSE(state_is_created(s, a));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k), 3));
	state_end_tx(s);
	/* The destruction and the touch were the old transaction's. */
	CU_ASSERT_TRUE(state_exists(s, a));
	CU_ASSERT_TRUE(state_exists(s, b));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k), 3));

	/* Nothing before state_end_tx() can be reverted after it. */
	state_begin_tx(s);
	snap = state_snapshot(s);
	state_set_balance(s, a, &(struct u256){ { 6 } });
	state_end_tx(s);
	state_revert(s, snap);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(s, a), 6));
	CU_ASSERT_EQUAL(state_snapshot(s), 0);
	state_free(s);
}

/* Warm marks are per transaction, and state_clear_storage() keeps them. */
static void
test_state_warm_and_clear_storage(void)
{
	struct state *s = state_new();
	struct u256 k1 = u(1), k2 = u(2);
	uint8_t a[20];

	harness_address(a, 0xa0, 1);
	state_set_storage(s, a, &k1, &(struct u256){ { 10 } });
	state_set_storage(s, a, &k2, &(struct u256){ { 20 } });
	state_end_tx(s);

	state_begin_tx(s);
	CU_ASSERT_TRUE(state_warm_address(s, a));
	CU_ASSERT_FALSE(state_warm_address(s, a));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k1));
	CU_ASSERT_FALSE(state_warm_slot(s, a, &k1));
	/* The same key of another account is its own slot. */
	{
		uint8_t b[20];

		harness_address(b, 0xa0, 2);
		CU_ASSERT_TRUE(state_warm_slot(s, b, &k1));
	}
	state_clear_storage(s, a);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k1), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_storage(s, a, &k2), 0));
	CU_ASSERT_FALSE(state_has_storage(s, a));
	CU_ASSERT_TRUE(state_exists(s, a));
	/* Still warm, and the originals are what the tx began with. */
	CU_ASSERT_FALSE(state_warm_slot(s, a, &k1));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k2));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k1), 10));
	CU_ASSERT_TRUE(harness_u256_is(state_storage_original(s, a, &k2), 20));
	state_end_tx(s);

	/* A new transaction: cold again. */
	state_begin_tx(s);
	CU_ASSERT_TRUE(state_warm_address(s, a));
	CU_ASSERT_TRUE(state_warm_slot(s, a, &k1));
	state_end_tx(s);
	state_free(s);
}

/* add11 from GeneralStateTests/stExample: its Cancun post state, written
 * here account by account, has the root the test gives. */
static void
build_add11_post(struct state *s)
{
	static const uint8_t code[] = { 0x60, 0x01, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00 };
	struct u256 bal;
	uint8_t contract[20], coinbase[20], sender[20];

	harness_unhex(contract, 20, "095e7baea6a6c7c4c2dfeb977efac326af552d87");
	harness_unhex(coinbase, 20, "2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
	harness_unhex(sender, 20, "a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
	/* The contract: 1 ether + the 100000 wei sent, slot 0 = 2. */
	CU_ASSERT_EQUAL(u256_parse(&bal, "1000000000000100000", 19), 0);
	state_set_balance(s, contract, &bal);
	state_set_code(s, contract, code, sizeof(code));
	state_set_storage(s, contract, &(struct u256){ { 0 } }, &(struct u256){ { 2 } });
	/* The coinbase: nonce 1, and a zero priority fee (gas price == base fee). */
	state_set_nonce(s, coinbase, 1);
	/* The sender: 1 ether - 43112 gas * 10 wei - 100000 wei. */
	CU_ASSERT_EQUAL(u256_parse(&bal, "999999999999468880", 18), 0);
	state_set_balance(s, sender, &bal);
	state_set_nonce(s, sender, 1);
	state_end_tx(s);
}

/* Builds the state root of s the long way, with mpt.h. */
struct mpt_walk {
	const struct state *s;
	struct mpt *accounts;
	int rc;
};

static int
mpt_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	struct mpt *t = arg;
	struct rlp_enc e;
	uint8_t k[32];
	int rc;

	u256_to_be(k, key);
	rlp_enc_init(&e);
	rlp_enc_u256(&e, value);
	rc = rlp_enc_error(&e);
	if (rc == 0)
		rc = mpt_put(t, k, 32, e.data, e.len);
	rlp_enc_release(&e);
	return rc;
}

static int
mpt_account(void *arg, const struct state_account_view *a)
{
	struct mpt_walk *w = arg;
	struct mpt *storage = mpt_new(MPT_SECURE);
	uint8_t sroot[32], chash[32];
	struct rlp_enc e;
	size_t mark;
	int rc;

	rc = state_foreach_slot(w->s, a->address, mpt_slot, storage);
	mpt_root(storage, sroot);
	mpt_free(storage);
	keccak256(chash, a->code, a->code_len);
	CU_ASSERT_EQUAL(memcmp(chash, a->code_hash, 32), 0);
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, a->nonce);
	rlp_enc_u256(&e, &a->balance);
	rlp_enc_bytes(&e, sroot, 32);
	rlp_enc_bytes(&e, chash, 32);
	rlp_enc_list_end(&e, mark);
	if (rc == 0)
		rc = rlp_enc_error(&e);
	if (rc == 0)
		rc = mpt_put(w->accounts, a->address, 20, e.data, e.len);
	rlp_enc_release(&e);
	return rc;
}

static void
root_by_mpt(const struct state *s, uint8_t root[32])
{
	struct mpt_walk w = { s, mpt_new(MPT_SECURE), 0 };

	CU_ASSERT_EQUAL(state_foreach(s, mpt_account, &w), 0);
	mpt_root(w.accounts, root);
	mpt_free(w.accounts);
}

static void
test_state_root_known(void)
{
	struct state *s = state_new();
	uint8_t root[32], want[32], other[32];

	CU_ASSERT_EQUAL(state_root(s, root), 0);
	harness_unhex(want, 32, empty_root_hex);
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);

	build_add11_post(s);
	CU_ASSERT_EQUAL(state_root(s, root), 0);
	harness_unhex(want, 32, "e8010ce590f401c9d61fef8ab05bea9bcec24281b795e5868809bc4e515aa530");
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
	root_by_mpt(s, other);
	CU_ASSERT_EQUAL(memcmp(other, want, 32), 0);

	/* A zero slot and a destroyed account leave no trace in the root. */
	{
		uint8_t gone[20], c[20];

		harness_address(gone, 0xa0, 1);
		harness_unhex(c, 20, "095e7baea6a6c7c4c2dfeb977efac326af552d87");
		state_set_storage(s, c, &(struct u256){ { 5 } }, &(struct u256){ { 1 } });
		state_set_storage(s, c, &(struct u256){ { 5 } }, &(struct u256){ { 0 } });
		state_set_balance(s, gone, &(struct u256){ { 1 } });
		state_destroy(s, gone);
		state_end_tx(s);
		CU_ASSERT_EQUAL(state_root(s, root), 0);
		CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
		/* But an existing empty account does count. */
		state_create(s, gone);
		CU_ASSERT_EQUAL(state_root(s, root), 0);
		CU_ASSERT_NOT_EQUAL(memcmp(root, want, 32), 0);
		root_by_mpt(s, other);
		CU_ASSERT_EQUAL(memcmp(other, root, 32), 0);
	}
	state_free(s);
}

struct collect {
	uint8_t (*addrs)[20];
	size_t n, cap;
	size_t stop_at;
};

static int
collect_fn(void *arg, const struct state_account_view *a)
{
	struct collect *c = arg;

	if (c->n == c->stop_at)
		return 42;
	CU_ASSERT_FATAL(c->n < c->cap);
	memcpy(c->addrs[c->n++], a->address, 20);
	return 0;
}

static int
cmp20(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static int
count_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	(void)key;
	CU_ASSERT_FALSE(u256_is_zero(value));
	(*(size_t *)arg)++;
	return 0;
}

/* The same accounts written in opposite orders are visited as the same
 * set and give the same root. */
static void
test_state_foreach_order_independent(void)
{
	enum { N = 300 };
	struct state *s1 = state_new(), *s2 = state_new();
	struct collect c1 = { calloc(N, 20), 0, N, SIZE_MAX };
	struct collect c2 = { calloc(N, 20), 0, N, SIZE_MAX };
	uint8_t a[20], r1[32], r2[32];
	size_t nslots = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c1.addrs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2.addrs);
	for (uint32_t i = 0; i < N; i++) {
		harness_address(a, 0xa0, i);
		state_set_balance(s1, a, &(struct u256){ { i + 1 } });
		state_set_storage(s1, a, &(struct u256){ { i } }, &(struct u256){ { i + 7 } });
	}
	for (uint32_t i = N; i-- > 0;) {
		harness_address(a, 0xa0, i);
		state_set_storage(s2, a, &(struct u256){ { i } }, &(struct u256){ { i + 7 } });
		state_set_balance(s2, a, &(struct u256){ { i + 1 } });
	}
	/* A destroyed account and a zero slot are not visited. */
	harness_address(a, 0xa0, 5000);
	state_set_nonce(s2, a, 1);
	state_destroy(s2, a);
	harness_address(a, 0xa0, 0);
	state_set_storage(s2, a, &(struct u256){ { 999 } }, &(struct u256){ { 0 } });
	state_end_tx(s1);
	state_end_tx(s2);

	CU_ASSERT_EQUAL(state_foreach(s1, collect_fn, &c1), 0);
	CU_ASSERT_EQUAL(state_foreach(s2, collect_fn, &c2), 0);
	CU_ASSERT_EQUAL_FATAL(c1.n, N);
	CU_ASSERT_EQUAL_FATAL(c2.n, N);
	qsort(c1.addrs, N, 20, cmp20);
	qsort(c2.addrs, N, 20, cmp20);
	CU_ASSERT_EQUAL(memcmp(c1.addrs, c2.addrs, (size_t)N * 20), 0);
	CU_ASSERT_EQUAL(state_root(s1, r1), 0);
	CU_ASSERT_EQUAL(state_root(s2, r2), 0);
	CU_ASSERT_EQUAL(memcmp(r1, r2, 32), 0);
	CU_ASSERT_EQUAL(state_foreach_slot(s2, a, count_slot, &nslots), 0);
	CU_ASSERT_EQUAL(nslots, 1);

	/* fn's non-zero result stops the walk and is returned. */
	c1.n = 0;
	c1.stop_at = 10;
	CU_ASSERT_EQUAL(state_foreach(s1, collect_fn, &c1), 42);
	CU_ASSERT_EQUAL(c1.n, 10);
	free(c1.addrs);
	free(c2.addrs);
	state_free(s1);
	state_free(s2);
}

static int
stop_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	(void)arg;
	(void)key;
	(void)value;
	return -7;
}

/* 10,000 accounts and 10,000 slots of one account: the tables grow many
 * times, values survive it, and a revert across the growth undoes all. */
static void
test_state_large_tables(void)
{
	enum { N = 10000 };
	struct state *s = state_new();
	uint8_t a[20], owner[20], root[32], other[32];
	state_snap_t snap;
	size_t nslots = 0;
	bool ok = true;

	harness_address(owner, 0xa0, 0xffffff);
	for (uint32_t i = 0; i < N; i++) {
		harness_address(a, 0xa0, i);
		state_set_balance(s, a, &(struct u256){ { (uint64_t)i + 1 } });
		state_set_storage(s, owner, &(struct u256){ { i, 0, 0, i } },
				  &(struct u256){ { (uint64_t)i * 3 + 1 } });
	}
	state_end_tx(s);
	for (uint32_t i = 0; i < N && ok; i++) {
		harness_address(a, 0xa0, i);
		ok = harness_u256_is(state_balance(s, a), (uint64_t)i + 1) &&
		     harness_u256_is(state_storage(s, owner, &(struct u256){ { i, 0, 0, i } }),
			     (uint64_t)i * 3 + 1);
	}
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(state_foreach_slot(s, owner, count_slot, &nslots), 0);
	CU_ASSERT_EQUAL(nslots, N);
	CU_ASSERT_EQUAL(state_foreach_slot(s, owner, stop_slot, NULL), -7);
	CU_ASSERT_EQUAL(state_root(s, root), 0);
	root_by_mpt(s, other);
	CU_ASSERT_EQUAL(memcmp(root, other, 32), 0);

	/* In a transaction: 10,000 more of each, warmed and stored, then
	 * reverted; the journal finds its slots after the tables moved. */
	state_begin_tx(s);
	snap = state_snapshot(s);
	for (uint32_t i = N; i < 2 * N; i++) {
		harness_address(a, 0xa0, i);
		(void)state_warm_address(s, a);
		state_set_nonce(s, a, 1);
		(void)state_warm_slot(s, owner, &(struct u256){ { i, 0, 0, i } });
		state_set_storage(s, owner, &(struct u256){ { i, 0, 0, i } },
				  &(struct u256){ { 1 } });
		state_tstore(s, owner, &(struct u256){ { i } }, &(struct u256){ { i + 1 } });
	}
	/* Rewrite the old slots too, so their entries sit among moved ones. */
	for (uint32_t i = 0; i < N; i += 7)
		state_set_storage(s, owner, &(struct u256){ { i, 0, 0, i } },
				  &(struct u256){ { 0 } });
	state_revert(s, snap);
	ok = true;
	for (uint32_t i = N; i < 2 * N && ok; i++) {
		harness_address(a, 0xa0, i);
		ok = !state_exists(s, a) &&
		     harness_u256_is(state_storage(s, owner, &(struct u256){ { i, 0, 0, i } }), 0) &&
		     harness_u256_is(state_tload(s, owner, &(struct u256){ { i } }), 0) &&
		     state_warm_address(s, a);
	}
	CU_ASSERT_TRUE(ok);
	ok = true;
	for (uint32_t i = 0; i < N && ok; i++)
		ok = harness_u256_is(state_storage(s, owner, &(struct u256){ { i, 0, 0, i } }),
			     (uint64_t)i * 3 + 1);
	CU_ASSERT_TRUE(ok);
	state_end_tx(s);
	CU_ASSERT_EQUAL(state_root(s, other), 0);
	CU_ASSERT_EQUAL(memcmp(root, other, 32), 0);
	state_free(s);
}

/* A clone is deep: changing either side leaves the other as it was. */
static void
test_state_clone(void)
{
	struct state *s = state_new(), *c;
	uint8_t a[20];
	struct u256 k = u256_from_u64(5), v = u256_from_u64(9), z = u256_from_u64(0);
	static const uint8_t code[] = { 0x60, 0x01 };
	uint8_t r1[32], r2[32];
	size_t len;

	harness_address(a, 0xa0, 1);
	state_set_balance(s, a, &v);
	state_set_code(s, a, code, sizeof(code));
	state_set_storage(s, a, &k, &v);
	state_end_tx(s);
	c = state_clone(s);
	CU_ASSERT_EQUAL(state_root(s, r1), 0);
	CU_ASSERT_EQUAL(state_root(c, r2), 0);
	CU_ASSERT_EQUAL(memcmp(r1, r2, 32), 0);
	state_set_storage(s, a, &k, &z);
	state_set_code(s, a, NULL, 0);
	state_end_tx(s);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(c, a, &k), 9));
	CU_ASSERT_PTR_NOT_NULL(state_code(c, a, &len));
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(state_root(c, r2), 0);
	CU_ASSERT_EQUAL(memcmp(r1, r2, 32), 0);
	state_free(s);
	state_free(c);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_state_new_free),
		HARNESS_TEST(test_state_exists_empty_alive),
		HARNESS_TEST(test_state_balance),
		HARNESS_TEST(test_state_nonce),
		HARNESS_TEST(test_state_code),
		HARNESS_TEST(test_state_storage_original),
		HARNESS_TEST(test_state_revert_each_kind),
		HARNESS_TEST(test_state_revert_nested),
		HARNESS_TEST(test_state_mark_created_not_reverted),
		HARNESS_TEST(test_state_end_tx_clearing),
		HARNESS_TEST(test_state_transient_cleared_between_tx),
		HARNESS_TEST(test_state_begin_end_tx),
		HARNESS_TEST(test_state_warm_and_clear_storage),
		HARNESS_TEST(test_state_root_known),
		HARNESS_TEST(test_state_foreach_order_independent),
		HARNESS_TEST(test_state_large_tables),
		HARNESS_TEST(test_state_clone),
		HARNESS_END,
	};
	return harness_run("state", tests);
}
