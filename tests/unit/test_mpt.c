/* Tests for node/state/mpt.c.  Besides hand-built tries, the trie is
 * checked against a reference written here from the yellow paper's
 * definition: the root computed from scratch, by recursion over the sorted
 * keys, after each of a few thousand random writes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "keccak.h"
#include "rlp.h"
#include "state/mpt.h"

static void
put(struct mpt *t, const char *key, const char *val)
{
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)key, strlen(key),
				(const uint8_t *)val, strlen(val)), 0);
}

static void
test_mpt_empty(void)
{
	static const uint8_t empty_rlp = 0x80;
	struct mpt *t = mpt_new(0);
	uint8_t root[32], want[32];

	keccak256(want, &empty_rlp, 1);
	CU_ASSERT_EQUAL(memcmp(mpt_empty_root, want, 32), 0);
	mpt_root(t, root);
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
	CU_ASSERT_EQUAL(mpt_count(t), 0);
	/* Back to empty after a put and a delete. */
	put(t, "dog", "puppy");
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"dog", 3), 0);
	mpt_root(t, root);
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
	mpt_free(t);
	mpt_free(NULL);
}

/* The examples of the Ethereum wiki's Patricia tree page. */
static void
test_mpt_hex_prefix(void)
{
	static const uint8_t a[] = { 1, 2, 3, 4, 5 };
	static const uint8_t b[] = { 0, 1, 2, 3, 4, 5 };
	static const uint8_t c[] = { 0, 15, 1, 12, 11, 8 };
	static const uint8_t d[] = { 15, 1, 12, 11, 8 };
	uint8_t out[8];

	CU_ASSERT_EQUAL(mpt_hex_prefix(out, a, 5, false), 3);
	CU_ASSERT(memcmp(out, "\x11\x23\x45", 3) == 0);
	CU_ASSERT_EQUAL(mpt_hex_prefix(out, b, 6, false), 4);
	CU_ASSERT(memcmp(out, "\x00\x01\x23\x45", 4) == 0);
	CU_ASSERT_EQUAL(mpt_hex_prefix(out, c, 6, true), 4);
	CU_ASSERT(memcmp(out, "\x20\x0f\x1c\xb8", 4) == 0);
	CU_ASSERT_EQUAL(mpt_hex_prefix(out, d, 5, true), 3);
	CU_ASSERT(memcmp(out, "\x3f\x1c\xb8", 3) == 0);
	CU_ASSERT_EQUAL(mpt_hex_prefix(out, NULL, 0, true), 1);
	CU_ASSERT_EQUAL(out[0], 0x20);
	CU_ASSERT_EQUAL(mpt_hex_prefix(out, NULL, 0, false), 1);
	CU_ASSERT_EQUAL(out[0], 0x00);
}

/* Checks the root of t against keccak256 of the root node's encoding. */
static void
check_root(struct mpt *t, const uint8_t *node, size_t len)
{
	uint8_t root[32], want[32];

	keccak256(want, node, len);
	mpt_root(t, root);
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
}

/* Tries small enough to encode by hand. */
static void
test_mpt_shapes(void)
{
	/* One leaf: ["\x20" "A", "aaaa"]. */
	static const uint8_t leaf[] = { 0xc8, 0x82, 0x20, 'A', 0x84, 'a', 'a', 'a', 'a' };
	/* 0x01 -> "a", 0x02 -> "b": an extension of nibble 0 over a branch
	 * with leaves of empty paths at 1 and 2, everything embedded. */
	static const uint8_t ext[] = {
		0xd7, 0x10, 0xd5, 0x80, 0xc2, 0x20, 'a', 0xc2, 0x20, 'b',
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x80, 0x80, 0x80, 0x80,
	};
	uint8_t node[64], big[40], lh[32], bh[32];
	struct mpt *t = mpt_new(0);
	struct rlp_enc e;
	size_t mark;

	put(t, "A", "aaaa");
	check_root(t, leaf, sizeof(leaf));
	mpt_free(t);

	t = mpt_new(0);
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)"\x02", 1, (const uint8_t *)"b", 1), 0);
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)"\x01", 1, (const uint8_t *)"a", 1), 0);
	check_root(t, ext, sizeof(ext));

	/* A node of 32 bytes or more is referred to by its hash: here the
	 * leaf, and then the branch that holds it. */
	memset(big, 'x', sizeof(big));
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)"\x01", 1, big, sizeof(big)), 0);
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, (const uint8_t *)"\x20", 1);
	rlp_enc_bytes(&e, big, sizeof(big));
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_EQUAL_FATAL(e.len, 43);
	keccak256(lh, e.data, e.len);
	rlp_enc_reset(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, NULL, 0);
	rlp_enc_bytes(&e, lh, 32);
	rlp_enc_raw(&e, (const uint8_t *)"\xc2\x20" "b", 3);
	for (int i = 3; i < 17; i++)
		rlp_enc_bytes(&e, NULL, 0);
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_EQUAL_FATAL(e.len, 52);
	keccak256(bh, e.data, e.len);
	rlp_enc_reset(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, (const uint8_t *)"\x10", 1);
	rlp_enc_bytes(&e, bh, 32);
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_EQUAL_FATAL(rlp_enc_error(&e), 0);
	CU_ASSERT_FATAL(e.len <= sizeof(node));
	memcpy(node, e.data, e.len);
	check_root(t, node, e.len);
	rlp_enc_release(&e);
	mpt_free(t);
}

static void
test_mpt_get(void)
{
	struct mpt *t = mpt_new(0);
	const uint8_t *v = NULL;
	size_t vlen = 0;

	put(t, "do", "verb");
	put(t, "dog", "puppy");
	put(t, "doge", "coin");
	put(t, "horse", "stallion");
	CU_ASSERT_EQUAL(mpt_count(t), 4);
	CU_ASSERT_EQUAL_FATAL(mpt_get(t, &v, &vlen, (const uint8_t *)"dog", 3), 0);
	CU_ASSERT_EQUAL(vlen, 5);
	CU_ASSERT(memcmp(v, "puppy", 5) == 0);
	CU_ASSERT_EQUAL_FATAL(mpt_get(t, &v, &vlen, (const uint8_t *)"do", 2), 0);
	CU_ASSERT(memcmp(v, "verb", 4) == 0);
	CU_ASSERT_EQUAL_FATAL(mpt_get(t, &v, &vlen, (const uint8_t *)"horse", 5), 0);
	CU_ASSERT(memcmp(v, "stallion", 8) == 0);

	/* Absent keys: on a path with no value, past a leaf, off an
	 * extension, off a branch, and the empty key. */
	v = NULL;
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"d", 1), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"doges", 5), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"horses", 6), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"hors", 4), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"cat", 3), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"dox", 3), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, NULL, 0), -ENOENT);
	CU_ASSERT_PTR_NULL(v);

	/* Replacing a value keeps the count. */
	put(t, "dog", "hound");
	CU_ASSERT_EQUAL(mpt_count(t), 4);
	CU_ASSERT_EQUAL_FATAL(mpt_get(t, &v, &vlen, (const uint8_t *)"dog", 3), 0);
	CU_ASSERT(memcmp(v, "hound", 5) == 0);
	mpt_free(t);
}

static void
test_mpt_delete(void)
{
	struct mpt *t = mpt_new(0), *u = mpt_new(0);
	uint8_t r1[32], r2[32];
	const uint8_t *v;
	size_t vlen;

	put(t, "do", "verb");
	put(t, "dog", "puppy");
	put(t, "doge", "coin");
	put(t, "horse", "stallion");
	put(u, "doge", "coin");
	put(u, "horse", "stallion");

	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"dog", 3), 0);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"dog", 3), -ENOENT);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"d", 1), -ENOENT);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"doges", 5), -ENOENT);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"cat", 3), -ENOENT);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"dog", 3), -ENOENT);
	CU_ASSERT_EQUAL(mpt_count(t), 3);
	/* An empty value deletes, present or not. */
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)"do", 2, NULL, 0), 0);
	CU_ASSERT_EQUAL(mpt_put(t, (const uint8_t *)"do", 2, NULL, 0), 0);
	CU_ASSERT_EQUAL(mpt_count(t), 2);
	mpt_root(t, r1);
	mpt_root(u, r2);
	CU_ASSERT_EQUAL(memcmp(r1, r2, 32), 0);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, (const uint8_t *)"doge", 4), 0);

	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"doge", 4), 0);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"horse", 5), 0);
	CU_ASSERT_EQUAL(mpt_del(t, (const uint8_t *)"horse", 5), -ENOENT);
	mpt_root(t, r1);
	CU_ASSERT_EQUAL(memcmp(r1, mpt_empty_root, 32), 0);
	mpt_free(t);
	mpt_free(u);
}

static void
test_mpt_key_limit(void)
{
	static uint8_t key[MPT_KEY_MAX + 1];
	struct mpt *t = mpt_new(0), *s = mpt_new(MPT_SECURE);
	const uint8_t *v;
	uint8_t root[32];
	size_t vlen;

	/* The longest key works, also next to one it shares all but its
	 * last nibble with. */
	memset(key, 0xab, sizeof(key));
	CU_ASSERT_EQUAL(mpt_put(t, key, MPT_KEY_MAX, (const uint8_t *)"v", 1), 0);
	key[MPT_KEY_MAX - 1] = 0xac;
	CU_ASSERT_EQUAL(mpt_put(t, key, MPT_KEY_MAX, (const uint8_t *)"w", 1), 0);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, key, MPT_KEY_MAX), 0);
	CU_ASSERT_EQUAL(v[0], 'w');
	mpt_root(t, root);
	CU_ASSERT_EQUAL(mpt_put(t, key, MPT_KEY_MAX + 1, (const uint8_t *)"v", 1), -E2BIG);
	CU_ASSERT_EQUAL(mpt_put(t, key, MPT_KEY_MAX + 1, NULL, 0), -E2BIG);
	CU_ASSERT_EQUAL(mpt_del(t, key, MPT_KEY_MAX + 1), -E2BIG);
	CU_ASSERT_EQUAL(mpt_get(t, &v, &vlen, key, MPT_KEY_MAX + 1), -E2BIG);
	CU_ASSERT_EQUAL(mpt_count(t), 2);

	/* A secure trie hashes keys of any length to 32 bytes. */
	CU_ASSERT_EQUAL(mpt_put(s, key, sizeof(key), (const uint8_t *)"v", 1), 0);
	CU_ASSERT_EQUAL(mpt_get(s, &v, &vlen, key, sizeof(key)), 0);
	CU_ASSERT_EQUAL(mpt_del(s, key, sizeof(key)), 0);
	mpt_free(t);
	mpt_free(s);
}

/* --- the reference ------------------------------------------------------ */

#define REF_KEY_MAX 32

struct kv {
	uint8_t key[REF_KEY_MAX];
	size_t klen;
	uint8_t nib[2 * REF_KEY_MAX];
	uint8_t val[48];
	size_t vlen;
};

static int
kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static void ref_node(struct rlp_enc *e, const struct kv *kv, size_t n,
		     size_t depth);

/* Writes the hex-prefix form of nib[0..n) as a string. */
static void
ref_hp(struct rlp_enc *e, const uint8_t *nib, size_t n, bool leaf)
{
	uint8_t out[REF_KEY_MAX + 1];
	size_t o = 0;

	if (n % 2 == 1)
		out[o++] = (uint8_t)((leaf ? 0x30 : 0x10) | nib[0]);
	else
		out[o++] = leaf ? 0x20 : 0x00;
	for (size_t i = n % 2; i < n; i += 2)
		out[o++] = (uint8_t)(nib[i] << 4 | nib[i + 1]);
	rlp_enc_bytes(e, out, o);
}

/* Writes the reference to the node of kv[0..n) at depth. */
static void
ref_child(struct rlp_enc *e, const struct kv *kv, size_t n, size_t depth)
{
	struct rlp_enc c;
	uint8_t h[32];

	rlp_enc_init(&c);
	ref_node(&c, kv, n, depth);
	if (c.len < 32) {
		rlp_enc_raw(e, c.data, c.len);
	} else {
		keccak256(h, c.data, c.len);
		rlp_enc_bytes(e, h, 32);
	}
	rlp_enc_release(&c);
}

/* Writes the node holding the sorted keys kv[0..n), n >= 1, which all
 * share their first depth nibbles. */
static void
ref_node(struct rlp_enc *e, const struct kv *kv, size_t n, size_t depth)
{
	size_t mark = rlp_enc_list_begin(e), common = depth, i = 0;
	const struct kv *last = &kv[n - 1];

	if (n == 1) {
		ref_hp(e, kv->nib + depth, 2 * kv->klen - depth, true);
		rlp_enc_bytes(e, kv->val, kv->vlen);
		rlp_enc_list_end(e, mark);
		return;
	}
	while (common < 2 * kv->klen && common < 2 * last->klen &&
	       kv->nib[common] == last->nib[common])
		common++;
	if (common > depth) {
		ref_hp(e, kv->nib + depth, common - depth, false);
		ref_child(e, kv, n, common);
	} else {
		const struct kv *value = NULL;

		if (2 * kv->klen == depth)
			value = &kv[i++];
		for (uint8_t nib = 0; nib < 16; nib++) {
			size_t j = i;

			while (j < n && kv[j].nib[depth] == nib)
				j++;
			if (j > i)
				ref_child(e, kv + i, j - i, depth + 1);
			else
				rlp_enc_bytes(e, NULL, 0);
			i = j;
		}
		rlp_enc_bytes(e, value ? value->val : NULL, value ? value->vlen : 0);
	}
	rlp_enc_list_end(e, mark);
}

/* Out: root, the reference root of kv[0..n) (sorted here). */
static void
ref_root(uint8_t root[32], struct kv *kv, size_t n)
{
	struct rlp_enc e;

	if (n == 0) {
		memcpy(root, mpt_empty_root, 32);
		return;
	}
	qsort(kv, n, sizeof(*kv), kv_cmp);
	rlp_enc_init(&e);
	ref_node(&e, kv, n, 0);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), 0);
	keccak256(root, e.data, e.len);
	rlp_enc_release(&e);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*, seeded the same each run so failures repeat. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void
kv_set_key(struct kv *kv, const uint8_t *key, size_t klen)
{
	memcpy(kv->key, key, klen);
	kv->klen = klen;
	for (size_t i = 0; i < klen; i++) {
		kv->nib[2 * i] = key[i] >> 4;
		kv->nib[2 * i + 1] = key[i] & 15;
	}
}

/* Random writes over a small key space, so that keys are often prefixes of
 * each other and share nibbles, with short (embedded) and long (hashed)
 * values; the root is checked after every write, which also checks that
 * the cached hashes of unchanged nodes stay right. */
static void
test_mpt_against_reference(void)
{
	static const uint8_t alphabet[] = { 0x00, 0x01, 0x10, 0x12, 0xf0 };
	struct kv model[256];
	struct kv sorted[256];
	size_t n = 0, mismatches = 0;
	struct mpt *t = mpt_new(0);
	uint8_t got[32], want[32];

	for (int op = 0; op < 3000; op++) {
		uint8_t key[3], val[48];
		size_t klen = rng() % 4, vlen = 0, at;

		for (size_t i = 0; i < klen; i++)
			key[i] = alphabet[rng() % sizeof(alphabet)];
		if (rng() % 3 != 0) {
			vlen = 1 + rng() % (rng() % 2 ? 4 : sizeof(val));
			for (size_t i = 0; i < vlen; i++)
				val[i] = (uint8_t)rng();
		}
		CU_ASSERT_EQUAL_FATAL(mpt_put(t, key, klen, val, vlen), 0);

		for (at = 0; at < n; at++)
			if (model[at].klen == klen && memcmp(model[at].key, key, klen) == 0)
				break;
		if (vlen == 0) {
			if (at < n)
				model[at] = model[--n];
		} else {
			if (at == n)
				kv_set_key(&model[n++], key, klen);
			memcpy(model[at].val, val, vlen);
			model[at].vlen = vlen;
		}

		memcpy(sorted, model, n * sizeof(*model));
		ref_root(want, sorted, n);
		mpt_root(t, got);
		if (memcmp(got, want, 32) != 0)
			mismatches++;
		CU_ASSERT_EQUAL(mpt_count(t), n);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT(n > 20);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *v;
		size_t vlen;

		CU_ASSERT_EQUAL_FATAL(mpt_get(t, &v, &vlen, model[i].key, model[i].klen), 0);
		CU_ASSERT_EQUAL(vlen, model[i].vlen);
		CU_ASSERT(memcmp(v, model[i].val, vlen) == 0);
	}
	mpt_free(t);
}

/* A secure trie of random 20-byte keys equals the plain trie of their
 * hashes, and both the reference; deleting in another order than the
 * inserts gives the roots of the sets left. */
static void
test_mpt_secure(void)
{
	enum { N = 300 };
	static struct kv kv[N], sorted[N];
	struct mpt *s = mpt_new(MPT_SECURE), *p = mpt_new(0);
	uint8_t key[20], h[32], rs[32], rp[32], want[32];
	size_t n = N;

	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < sizeof(key); j++)
			key[j] = (uint8_t)rng();
		kv[i].vlen = 1 + rng() % 40;
		for (size_t j = 0; j < kv[i].vlen; j++)
			kv[i].val[j] = (uint8_t)rng();
		CU_ASSERT_EQUAL(mpt_put(s, key, sizeof(key), kv[i].val, kv[i].vlen), 0);
		keccak256(h, key, sizeof(key));
		CU_ASSERT_EQUAL(mpt_put(p, h, 32, kv[i].val, kv[i].vlen), 0);
		kv_set_key(&kv[i], h, 32);
	}
	while (n > 0) {
		mpt_root(s, rs);
		mpt_root(p, rp);
		memcpy(sorted, kv, n * sizeof(*kv));
		ref_root(want, sorted, n);
		CU_ASSERT_EQUAL(memcmp(rs, rp, 32), 0);
		CU_ASSERT_EQUAL(memcmp(rs, want, 32), 0);
		/* Delete a random tenth, straight from the plain trie. */
		for (size_t k = 0; k < 1 + N / 10 && n > 0; k++) {
			size_t at = rng() % n;

			CU_ASSERT_EQUAL(mpt_del(p, kv[at].key, 32), 0);
			kv[at] = kv[--n];
		}
		mpt_free(s);
		s = mpt_new(0);
		for (size_t i = 0; i < n; i++)
			CU_ASSERT_EQUAL(mpt_put(s, kv[n - 1 - i].key, 32, kv[n - 1 - i].val,
						kv[n - 1 - i].vlen), 0);
	}
	mpt_root(p, rp);
	CU_ASSERT_EQUAL(memcmp(rp, mpt_empty_root, 32), 0);
	mpt_free(s);
	mpt_free(p);
}

struct walk_log {
	char keys[8][8];
	size_t n;
	size_t stop_after;
};

static int
walk_record(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
	    size_t vlen)
{
	struct walk_log *w = arg;

	if (w->n == w->stop_after)
		return 7;
	CU_ASSERT_FATAL(klen < sizeof(w->keys[0]) && w->n < 8);
	memcpy(w->keys[w->n], key, klen);
	w->keys[w->n][klen] = '\0';
	CU_ASSERT_EQUAL(vlen, 1);
	CU_ASSERT_EQUAL(val[0], '.');
	w->n++;
	return 0;
}

static void
test_mpt_walk(void)
{
	static const char *const order[] = { "", "a", "ab", "abc", "abd", "b", "ba" };
	static const int ins[] = { 4, 0, 6, 2, 5, 1, 3 };
	struct walk_log w = { .n = 0, .stop_after = 100 };
	struct mpt *t = mpt_new(0);

	CU_ASSERT_EQUAL(mpt_walk(t, walk_record, &w), 0);
	CU_ASSERT_EQUAL(w.n, 0);
	for (size_t i = 0; i < ARRAY_SIZE(ins); i++)
		put(t, order[ins[i]], ".");
	CU_ASSERT_EQUAL(mpt_walk(t, walk_record, &w), 0);
	CU_ASSERT_EQUAL_FATAL(w.n, ARRAY_SIZE(order));
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		CU_ASSERT_STRING_EQUAL(w.keys[i], order[i]);

	/* A non-zero return stops the walk and is passed on. */
	w.n = 0;
	w.stop_after = 3;
	CU_ASSERT_EQUAL(mpt_walk(t, walk_record, &w), 7);
	CU_ASSERT_EQUAL(w.n, 3);
	mpt_free(t);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_mpt_empty),
		HARNESS_TEST(test_mpt_hex_prefix),
		HARNESS_TEST(test_mpt_shapes),
		HARNESS_TEST(test_mpt_get),
		HARNESS_TEST(test_mpt_delete),
		HARNESS_TEST(test_mpt_key_limit),
		HARNESS_TEST(test_mpt_against_reference),
		HARNESS_TEST(test_mpt_secure),
		HARNESS_TEST(test_mpt_walk),
		HARNESS_END,
	};
	return harness_run("mpt", tests);
}
