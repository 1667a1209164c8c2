/* ethtest rlp: RLPTests.  Each test is {"in": ..., "out": "0x..."}, and
 * its "in" says what kind it is:
 *   "INVALID"   out must be rejected by the strict decoder
 *               (invalidRLPTest.json; some of its outs lack "0x")
 *   "VALID"     out must decode (RandomRLPTests)
 *   otherwise   in is the value to encode: a string (its bytes), a
 *               non-negative integer, "#<decimal>" (a big integer) or a
 *               list of these; the encoding must equal out
 * Every out that decodes must also give back out when encoded again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ethtest.h"
#include "rlp.h"
#include "xalloc.h"

/* Converts decimal digits to a big-endian number without leading zeros,
 * of any size: "#115792089237316195423570985008687907853269984665640564039457584007913129639936"
 * is 2^256.  Returns: 0 or -EINVAL.  Out: *out (caller frees), *len. */
static int
decimal_to_be(uint8_t **out, size_t *len, const char *s, size_t n)
{
	/* Each digit adds under 4 bits, so n / 2 + 1 bytes always do. */
	size_t cap = n / 2 + 1, used = 0;
	uint8_t *le, *be;

	if (n == 0)
		return -EINVAL;
	le = xcalloc(cap, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned carry;

		if (s[i] < '0' || s[i] > '9') {
			free(le);
			return -EINVAL;
		}
		carry = (unsigned)(s[i] - '0');
		for (size_t j = 0; j < used || carry != 0; j++) {
			unsigned x = le[j] * 10u + carry;

			le[j] = (uint8_t)x;
			carry = x >> 8;
			if (j >= used)
				used = j + 1;
		}
	}
	be = xmalloc(used + 1);
	for (size_t i = 0; i < used; i++)
		be[i] = le[used - 1 - i];
	free(le);
	*out = be;
	*len = used;
	return 0;
}

/* Encodes a test's "in".  Returns: 0, or -EINVAL with *why set (a static
 * string). */
static int
encode_json(struct rlp_enc *e, const json_t *v, const char **why)
{
	const char *s;
	uint8_t *num;
	size_t i, n;
	json_t *item;
	int rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		if (n == 0 || s[0] != '#') {
			rlp_enc_bytes(e, (const uint8_t *)s, n);
			return 0;
		}
		if (decimal_to_be(&num, &n, s + 1, n - 1) != 0) {
			*why = "a '#' without a decimal number after it";
			return -EINVAL;
		}
		rlp_enc_bytes(e, num, n);
		free(num);
		return 0;
	case JSON_INTEGER:
		if (json_integer_value(v) < 0) {
			*why = "negative integer";
			return -EINVAL;
		}
		rlp_enc_u64(e, (uint64_t)json_integer_value(v));
		return 0;
	case JSON_ARRAY: {
		size_t mark = rlp_enc_list_begin(e);

		json_array_foreach(v, i, item) {
			rc = encode_json(e, item, why);
			if (rc != 0)
				return rc;
		}
		rlp_enc_list_end(e, mark);
		return 0;
	}
	default:
		*why = "a value that is not a string, integer or list";
		return -EINVAL;
	}
}

/* Encodes a decoded item again, item by item.  The input passed
 * rlp_decode(), so the recursion is at most RLP_DEPTH_MAX deep.
 * Returns: 0 or a decoder error. */
static int
reencode(struct rlp_enc *e, const struct rlp_item *it)
{
	struct rlp_item cur = *it, sub;
	size_t mark;
	int rc;

	if (!it->is_list) {
		rlp_enc_bytes(e, it->p, it->len);
		return 0;
	}
	mark = rlp_enc_list_begin(e);
	while ((rc = rlp_list_next(&sub, &cur)) > 0) {
		rc = reencode(e, &sub);
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	rlp_enc_list_end(e, mark);
	return 0;
}

/* Decodes out and checks that it encodes back to itself.  Returns: whether
 * it did, after counting a failure if not.  Out: *item, out decoded. */
static bool
check_roundtrip(struct ethtest *t, const char *file, const char *name,
		struct rlp_item *item, const uint8_t *out, size_t len)
{
	struct rlp_enc e;
	bool ok = false;
	int rc;

	rlp_enc_init(&e);
	rc = rlp_decode(item, out, len);
	if (rc != 0) {
		ethtest_fail(t, file, name, "decoding out: expected success, got %s",
			     strerror(-rc));
		goto out;
	}
	rc = reencode(&e, item);
	if (rc == 0)
		rc = rlp_enc_error(&e);
	if (rc != 0) {
		ethtest_fail(t, file, name, "encoding the decoded out: %s",
			     strerror(-rc));
		goto out;
	}
	if (e.len != len || memcmp(e.data, out, len) != 0) {
		ethtest_fail_bytes(t, file, name, "decoded and encoded again",
				   out, len, e.data, e.len);
		goto out;
	}
	ok = true;
out:
	rlp_enc_release(&e);
	return ok;
}

static void
run_test(struct ethtest *t, const char *file, const char *name,
	 const json_t *test)
{
	const json_t *in = json_object_get(test, "in");
	const json_t *outj = json_object_get(test, "out");
	const char *kind = json_is_string(in) ? json_string_value(in) : "";
	const char *why = NULL;
	struct rlp_item item;
	struct rlp_enc e;
	uint8_t *out = NULL;
	size_t len;
	int rc;

	rlp_enc_init(&e);
	if (in == NULL || !json_is_string(outj)) {
		ethtest_fail(t, file, name, "malformed test: no 'in' or no 'out' string");
		goto out;
	}
	if (ethtest_hex_decode(&out, &len, json_string_value(outj),
			       json_string_length(outj)) != 0) {
		ethtest_fail(t, file, name, "malformed test: 'out' is not hex: '%s'",
			     json_string_value(outj));
		goto out;
	}

	if (strcmp(kind, "INVALID") == 0) {
		rc = rlp_decode(&item, out, len);
		if (rc == 0) {
			ethtest_fail(t, file, name,
				     "expected an error, but %s decoded as a %s of %zu bytes",
				     json_string_value(outj),
				     item.is_list ? "list" : "string", item.len);
			goto out;
		}
		ethtest_trace(t, "rejected: %s", strerror(-rc));
		ethtest_pass(t, file, name);
		goto out;
	} else if (strcmp(kind, "VALID") == 0) {
		if (!check_roundtrip(t, file, name, &item, out, len))
			goto out;
	} else {
		if (encode_json(&e, in, &why) != 0) {
			ethtest_fail(t, file, name, "malformed test: 'in' has %s", why);
			goto out;
		}
		rc = rlp_enc_error(&e);
		if (rc != 0) {
			ethtest_fail(t, file, name, "encoding: %s", strerror(-rc));
			goto out;
		}
		if (e.len != len || memcmp(e.data, out, len) != 0) {
			ethtest_fail_bytes(t, file, name, "encoding", out, len,
					   e.data, e.len);
			goto out;
		}
		if (!check_roundtrip(t, file, name, &item, out, len))
			goto out;
	}
	ethtest_trace(t, "decoded back: a %s of %zu bytes",
		      item.is_list ? "list" : "string", item.len);
	ethtest_pass(t, file, name);
out:
	free(out);
	rlp_enc_release(&e);
}

void
ethtest_rlp_file(struct ethtest *t, const char *file, const json_t *root)
{
	const char *name;
	json_t *test;

	json_object_foreach((json_t *)root, name, test) {
		if (!json_is_object(test)) {
			ethtest_fail(t, file, name, "malformed test: not an object");
			continue;
		}
		run_test(t, file, name, test);
	}
}
