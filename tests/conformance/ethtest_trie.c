/* ethtest trie: TrieTests.  Each test is {"in": ..., "root": "0x..."}:
 *   "in" an object   keys and values inserted in any order (trieanyorder*,
 *                    hex_encoded_securetrie_test)
 *   "in" a list      [key, value] pairs applied in order, a null value
 *                    deleting the key (trietest*)
 * A string starting with "0x" is hex, any other string its own bytes.  In
 * files whose name contains "securetrie" (any case) the trie is a secure
 * one: keys are hashed with keccak-256 first.  The root must equal "root".
 *
 * trietestnextprev.json instead lists keys in "in" and, in "tests",
 * [key, prev, next] triples: the keys just before and after key in the
 * trie's order, "" for none.  It is run against mpt_walk(), which gives the
 * keys in that order, rather than skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ethtest.h"
#include "hex.h"
#include "state/mpt.h"
#include "xalloc.h"

/* Reads a test string's bytes: hex after "0x", else the string itself.
 * Returns: 0 or -EINVAL.  Out: *out (caller frees), *len. */
static int
json_bytes(uint8_t **out, size_t *len, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (s == NULL)
		return -EINVAL;
	if (n >= 2 && s[0] == '0' && s[1] == 'x')
		return ethtest_hex_decode(out, len, s, n);
	*out = xmalloc(n + 1);
	memcpy(*out, s, n);
	*len = n;
	return 0;
}

/* Applies key -> val (NULL or JSON null: delete).  Returns: 0, or -EINVAL
 * with *why set (a static string). */
static int
apply(struct ethtest *t, struct mpt *trie, const json_t *key, const json_t *val,
      const char **why)
{
	uint8_t *k = NULL, *v = NULL;
	size_t klen, vlen = 0;
	int rc = -EINVAL;

	if (json_bytes(&k, &klen, key) != 0) {
		*why = "a key that is not a string or not hex";
		goto out;
	}
	if (val != NULL && !json_is_null(val) && json_bytes(&v, &vlen, val) != 0) {
		*why = "a value that is not a string, null or hex";
		goto out;
	}
	ethtest_trace(t, "%s %s%s%s", v == NULL ? "delete" : "put",
		      json_string_value(key), v == NULL ? "" : " = ",
		      v == NULL ? "" : json_string_value(val));
	rc = v == NULL ? mpt_put(trie, k, klen, NULL, 0) : mpt_put(trie, k, klen, v, vlen);
	if (rc != 0)
		*why = "a key longer than MPT_KEY_MAX";
out:
	free(k);
	free(v);
	return rc;
}

/* Loads "in" into trie.  Returns: 0, or -EINVAL with *why set. */
static int
load(struct ethtest *t, struct mpt *trie, const json_t *in, const char **why)
{
	const char *key;
	json_t *val, *pair;
	size_t i;
	int rc;

	if (json_is_object(in)) {
		json_object_foreach((json_t *)in, key, val) {
			json_t *k = json_string(key);

			rc = apply(t, trie, k, val, why);
			json_decref(k);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (!json_is_array(in)) {
		*why = "an 'in' that is neither an object nor a list";
		return -EINVAL;
	}
	json_array_foreach(in, i, pair) {
		if (!json_is_array(pair) || json_array_size(pair) != 2) {
			*why = "an 'in' item that is not a [key, value] pair";
			return -EINVAL;
		}
		rc = apply(t, trie, json_array_get(pair, 0), json_array_get(pair, 1), why);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
run_root_test(struct ethtest *t, const char *file, const char *name,
	      const json_t *test, bool secure)
{
	struct mpt *trie = mpt_new(secure ? MPT_SECURE : 0);
	const json_t *rootj = json_object_get(test, "root");
	uint8_t *want = NULL, got[32];
	const char *why = NULL;
	size_t wlen;

	if (!json_is_string(rootj) ||
	    ethtest_hex_decode(&want, &wlen, json_string_value(rootj),
			       json_string_length(rootj)) != 0 ||
	    wlen != 32) {
		ethtest_fail(t, file, name, "malformed test: 'root' is not 32 bytes of hex");
		goto out;
	}
	if (load(t, trie, json_object_get(test, "in"), &why) != 0) {
		ethtest_fail(t, file, name, "malformed test: %s", why);
		goto out;
	}
	mpt_root(trie, got);
	if (memcmp(got, want, 32) != 0) {
		ethtest_fail_bytes(t, file, name, "root", want, 32, got, 32);
		goto out;
	}
	ethtest_trace(t, "%zu keys, root %s", mpt_count(trie),
		      json_string_value(rootj));
	ethtest_pass(t, file, name);
out:
	free(want);
	mpt_free(trie);
}

/* The keys of a trie, in walk order. */
struct keys {
	struct key {
		uint8_t *p;
		size_t len;
	} *v;
	size_t n;
};

static int
collect_key(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
	    size_t vlen)
{
	struct keys *ks = arg;
	struct key *k;

	ks->v = xreallocarray(ks->v, ks->n + 1, sizeof(*ks->v));
	k = &ks->v[ks->n++];
	k->p = xmalloc(klen + 1);
	memcpy(k->p, key, klen);
	k->len = klen;
	return 0;
}

/* Returns: <0, 0 or >0 as a sorts before, with or after b in byte order,
 * a prefix first. */
static int
key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Returns: whether a neighbour found (NULL: none) is the expected string
 * ("" for none). */
static bool
same_key(const struct key *k, const json_t *want)
{
	size_t n = json_string_length(want);

	if (k == NULL)
		return n == 0;
	return k->len == n && memcmp(k->p, json_string_value(want), n) == 0;
}

static void
run_nextprev_test(struct ethtest *t, const char *file, const char *name,
		  const json_t *test)
{
	static const uint8_t one = 1;
	struct mpt *trie = mpt_new(0);
	const json_t *in = json_object_get(test, "in");
	const json_t *tests = json_object_get(test, "tests");
	struct keys ks = { NULL, 0 };
	json_t *v, *tri;
	size_t i;

	if (!json_is_array(in) || !json_is_array(tests)) {
		ethtest_fail(t, file, name, "malformed test: 'in' or 'tests' is not a list");
		goto out;
	}
	json_array_foreach(in, i, v) {
		if (!json_is_string(v) ||
		    mpt_put(trie, (const uint8_t *)json_string_value(v),
			    json_string_length(v), &one, 1) != 0) {
			ethtest_fail(t, file, name, "malformed test: key %zu", i);
			goto out;
		}
	}
	(void)mpt_walk(trie, collect_key, &ks);
	if (ks.n != mpt_count(trie)) {
		ethtest_fail(t, file, name, "walk: expected %zu keys, got %zu",
			     mpt_count(trie), ks.n);
		goto out;
	}
	for (i = 1; i < ks.n; i++) {
		if (key_cmp(ks.v[i - 1].p, ks.v[i - 1].len, ks.v[i].p, ks.v[i].len) >= 0) {
			ethtest_fail(t, file, name, "walk: key %zu is out of order", i);
			goto out;
		}
	}
	json_array_foreach(tests, i, tri) {
		const json_t *q = json_array_get(tri, 0);
		const struct key *prev = NULL, *next = NULL;

		if (json_array_size(tri) != 3 || !json_is_string(q) ||
		    !json_is_string(json_array_get(tri, 1)) ||
		    !json_is_string(json_array_get(tri, 2))) {
			ethtest_fail(t, file, name, "malformed test: 'tests' item %zu", i);
			goto out;
		}
		for (size_t j = 0; j < ks.n; j++) {
			int c = key_cmp(ks.v[j].p, ks.v[j].len,
					(const uint8_t *)json_string_value(q),
					json_string_length(q));

			if (c < 0)
				prev = &ks.v[j];
			else if (c > 0 && next == NULL)
				next = &ks.v[j];
		}
		if (!same_key(prev, json_array_get(tri, 1)) ||
		    !same_key(next, json_array_get(tri, 2))) {
			ethtest_fail(t, file, name,
				     "neighbours of '%s': expected '%s' and '%s', got '%.*s' and '%.*s'",
				     json_string_value(q),
				     json_string_value(json_array_get(tri, 1)),
				     json_string_value(json_array_get(tri, 2)),
				     prev ? (int)prev->len : 0, prev ? (const char *)prev->p : "",
				     next ? (int)next->len : 0, next ? (const char *)next->p : "");
			goto out;
		}
	}
	ethtest_trace(t, "%zu keys, %zu lookups", ks.n, json_array_size(tests));
	ethtest_pass(t, file, name);
out:
	for (i = 0; i < ks.n; i++)
		free(ks.v[i].p);
	free(ks.v);
	mpt_free(trie);
}

void
ethtest_trie_file(struct ethtest *t, const char *file, const json_t *root)
{
	const char *base = strrchr(file, '/');
	const char *name;
	json_t *test;
	bool secure;

	base = base != NULL ? base + 1 : file;
	secure = strcasestr(base, "securetrie") != NULL;
	json_object_foreach((json_t *)root, name, test) {
		if (!json_is_object(test))
			ethtest_fail(t, file, name, "malformed test: not an object");
		else if (json_object_get(test, "tests") != NULL)
			run_nextprev_test(t, file, name, test);
		else
			run_root_test(t, file, name, test, secure);
	}
}
