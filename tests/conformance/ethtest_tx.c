/* ethtest tx: TransactionTests.  Each test is
 *   {"txbytes": "0x...", "result": {FORK: r, ...}}
 * and is judged by the rules of Cancun: result.Cancun, or where a test has
 * none (older ttWrongRLP and ttSignature tests), Shanghai, else London,
 * which agree with Cancun wherever both exist.  The chain id is 1.
 *   r = {hash, sender, intrinsicGas}   txbytes must decode, pass tx_check(),
 *                                      recover sender, hash to hash and
 *                                      cost intrinsicGas
 *   r = {exception, intrinsicGas}      txbytes must be rejected: by
 *                                      tx_decode(), tx_check() or sender
 *                                      recovery (EC_RECOVERY_FAIL)
 * The vectors' exception names are compared in --trace output only: the
 * reference clients name one error several ways across these files, so a
 * mismatch is no failure.  When an invalid transaction still decodes, its
 * non-zero intrinsicGas must match too.
 *
 * BasicTests' keyaddrtest.json and txtest.json are top-level arrays:
 *   {key, addr}                        the key's address must be addr
 *   {key, nonce, gasprice, startgas,   the legacy transaction without
 *    to, value, data, unsigned,        EIP-155 must encode unsigned (its
 *    signed}                           signature fields empty) and, signed
 *                                      with key, encode signed (or its
 *                                      high-s twin: the vectors predate
 *                                      EIP-2) and recover the key's
 *                                      address
 * Other array entries are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "ethtest.h"
#include "secp.h"
#include "xalloc.h"

#define CHAIN_ID 1

static const char *const forks[] = { "Cancun", "Shanghai", "London" };

/* secp256k1's group order. */
static const struct u256 secp_n = { { 0xbfd25e8cd0364141, 0xbaaedce6af48a03b,
				      0xfffffffffffffffe, 0xffffffffffffffff } };

/* Reads a "0x..." string of exactly want bytes.  Returns: 0 or -EINVAL. */
static int
json_fixed(uint8_t *out, size_t want, const json_t *v)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc = -EINVAL;

	if (!json_is_string(v) ||
	    ethtest_hex_decode(&buf, &len, json_string_value(v), json_string_length(v)) != 0 ||
	    len != want)
		goto out;
	memcpy(out, buf, want);
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Reads a "0x..." quantity that fits in 64 bits.  Returns: 0 or -EINVAL. */
static int
json_u64(uint64_t *out, const json_t *v)
{
	struct u256 x;

	if (!json_is_string(v) ||
	    u256_parse(&x, json_string_value(v), json_string_length(v)) != 0 ||
	    !u256_fits_u64(&x))
		return -EINVAL;
	*out = u256_to_u64(&x);
	return 0;
}

/* Runs a test whose result is valid. */
static void
run_valid(struct ethtest *t, const char *file, const char *name,
	  const uint8_t *raw, size_t len, const json_t *r)
{
	uint8_t want_hash[32], want_sender[20], sender[20];
	uint64_t want_gas, gas;
	const char *why = NULL;
	struct tx tx;
	int rc;

	if (json_fixed(want_hash, 32, json_object_get(r, "hash")) != 0 ||
	    json_fixed(want_sender, 20, json_object_get(r, "sender")) != 0 ||
	    json_u64(&want_gas, json_object_get(r, "intrinsicGas")) != 0) {
		ethtest_fail(t, file, name, "malformed test: no hash, sender or intrinsicGas");
		return;
	}
	rc = tx_decode(&tx, &why, raw, len);
	if (rc != 0) {
		ethtest_fail(t, file, name, "expected a valid transaction, decoding failed: %s",
			     rc == -EINVAL ? why : strerror(-rc));
		return;
	}
	ethtest_trace(t, "type %d, %zu bytes of data, %zu access-list entries",
		      tx.type, tx.data_len, tx.naccess);
	gas = tx_intrinsic_gas(&tx);
	if (tx_check(&tx, &why, CHAIN_ID) != 0)
		ethtest_fail(t, file, name, "expected a valid transaction, got %s", why);
	else if (tx_sender(sender, &tx) != 0)
		ethtest_fail(t, file, name, "expected sender, recovery failed");
	else if (memcmp(sender, want_sender, 20) != 0)
		ethtest_fail_bytes(t, file, name, "sender", want_sender, 20, sender, 20);
	else if (memcmp(tx.hash, want_hash, 32) != 0)
		ethtest_fail_bytes(t, file, name, "hash", want_hash, 32, tx.hash, 32);
	else if (gas != want_gas)
		ethtest_fail(t, file, name, "intrinsicGas: expected %llu, got %llu",
			     (unsigned long long)want_gas, (unsigned long long)gas);
	else
		ethtest_pass(t, file, name);
	tx_release(&tx);
}

/* Runs a test whose result is an exception. */
static void
run_invalid(struct ethtest *t, const char *file, const char *name,
	    const uint8_t *raw, size_t len, const json_t *r)
{
	const char *want = json_string_value(json_object_get(r, "exception"));
	const char *why = NULL, *stage;
	uint8_t sender[20];
	uint64_t want_gas = 0;
	struct tx tx;
	bool decoded = false;
	int rc;

	if (want == NULL) {
		ethtest_fail(t, file, name, "malformed test: the exception is not a string");
		return;
	}
	(void)json_u64(&want_gas, json_object_get(r, "intrinsicGas"));
	rc = tx_decode(&tx, &why, raw, len);
	if (rc == -ENOMEM) {
		ethtest_fail(t, file, name, "decoding: %s", strerror(-rc));
		return;
	}
	stage = "decoding";
	if (rc == 0) {
		decoded = true;
		stage = "validation";
		rc = tx_check(&tx, &why, CHAIN_ID);
	}
	if (rc == 0 && tx_sender(sender, &tx) != 0) {
		stage = "sender recovery";
		why = "TransactionException.EC_RECOVERY_FAIL";
		rc = -EINVAL;
	}
	if (rc == 0) {
		char *hex = ethtest_hex_str(sender, 20);

		ethtest_fail(t, file, name, "expected %s, but the transaction is valid (sender %s)",
			     want, hex);
		free(hex);
	} else if (decoded && want_gas != 0 && tx_intrinsic_gas(&tx) != want_gas) {
		ethtest_fail(t, file, name, "rejected, but intrinsicGas: expected %llu, got %llu",
			     (unsigned long long)want_gas,
			     (unsigned long long)tx_intrinsic_gas(&tx));
	} else {
		ethtest_trace(t, "rejected in %s: %s%s%s", stage, why,
			      strcmp(why, want) == 0 ? "" : ", the vector says ",
			      strcmp(why, want) == 0 ? "" : want);
		ethtest_pass(t, file, name);
	}
	if (decoded)
		tx_release(&tx);
}

static void
run_test(struct ethtest *t, const char *file, const char *name, const json_t *test)
{
	const json_t *txbytes = json_object_get(test, "txbytes");
	const json_t *result = json_object_get(test, "result"), *r = NULL;
	const char *fork = NULL;
	uint8_t *raw = NULL;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(forks) && r == NULL; i++) {
		fork = forks[i];
		r = json_object_get(result, fork);
	}
	if (r == NULL) {
		ethtest_skip(t, file, name, "no Cancun, Shanghai or London result");
		return;
	}
	if (!json_is_object(r) || !json_is_string(txbytes) ||
	    ethtest_hex_decode(&raw, &len, json_string_value(txbytes),
			       json_string_length(txbytes)) != 0) {
		ethtest_fail(t, file, name, "malformed test: no txbytes hex or %s object", fork);
		return;
	}
	ethtest_trace(t, "%s result, %zu bytes", fork, len);
	if (json_object_get(r, "exception") != NULL)
		run_invalid(t, file, name, raw, len, r);
	else
		run_valid(t, file, name, raw, len, r);
	free(raw);
}

/* Reads a JSON integer that is not negative.  Returns: 0 or -EINVAL. */
static int
json_nonneg(uint64_t *out, const json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Returns: whether tx encodes to raw[0..len), or -errno. */
static int
encodes_to(const struct tx *tx, const uint8_t *raw, size_t len)
{
	uint8_t *enc = NULL;
	size_t n;
	int rc;

	rc = tx_encode(&enc, &n, tx);
	if (rc == 0)
		rc = n == len && memcmp(enc, raw, len) == 0;
	free(enc);
	return rc;
}

/* Compares tx's encoding with the hex string want, or failing that, when
 * twin is not NULL, twin's.  Returns: whether one was equal, after counting
 * a failure if not. */
static bool
check_encoding(struct ethtest *t, const char *file, const char *name,
	       const char *what, const struct tx *tx, const struct tx *twin,
	       const json_t *want)
{
	uint8_t *enc = NULL, *raw = NULL;
	size_t len, raw_len;
	bool ok = false;
	int rc;

	if (!json_is_string(want) ||
	    ethtest_hex_decode(&raw, &raw_len, json_string_value(want),
			       json_string_length(want)) != 0) {
		ethtest_fail(t, file, name, "malformed test: '%s' is not hex", what);
		goto out;
	}
	rc = encodes_to(tx, raw, raw_len);
	if (rc == 0 && twin != NULL) {
		rc = encodes_to(twin, raw, raw_len);
		if (rc > 0)
			ethtest_trace(t, "'%s' has the high-s twin of our signature", what);
	}
	if (rc < 0) {
		ethtest_fail(t, file, name, "encoding: %s", strerror(-rc));
		goto out;
	}
	if (rc == 0) {
		if (tx_encode(&enc, &len, tx) != 0)
			len = 0;
		ethtest_fail_bytes(t, file, name, what, raw, raw_len, enc, len);
		goto out;
	}
	ok = true;
out:
	free(enc);
	free(raw);
	return ok;
}

/* Runs one BasicTests entry: keyaddrtest's or txtest's. */
static void
run_basic(struct ethtest *t, const struct secp *ctx, const char *file,
	  const char *name, const json_t *test)
{
	uint8_t key[32], want[20], pub[64], addr[20], sender[20];
	const json_t *to = json_object_get(test, "to");
	const char *why = NULL;
	struct tx tx, back, twin;
	uint64_t gas_price, value;
	uint8_t *data = NULL, *enc = NULL;
	bool decoded = false;
	size_t len;
	int rc;

	memset(&tx, 0, sizeof(tx));
	if (json_fixed(key, 32, json_object_get(test, "key")) != 0 ||
	    secp_pubkey(ctx, pub, key) != 0) {
		ethtest_fail(t, file, name, "malformed test: 'key' is not a secret key");
		goto out;
	}
	secp_address(addr, pub);
	if (json_object_get(test, "signed") == NULL) {
		if (json_fixed(want, 20, json_object_get(test, "addr")) != 0)
			ethtest_skip(t, file, name, "neither 'addr' nor 'signed'");
		else if (memcmp(addr, want, 20) != 0)
			ethtest_fail_bytes(t, file, name, "address", want, 20, addr, 20);
		else
			ethtest_pass(t, file, name);
		goto out;
	}

	/* txtest: a legacy transaction without EIP-155. */
	if (json_nonneg(&tx.nonce, json_object_get(test, "nonce")) != 0 ||
	    json_nonneg(&gas_price, json_object_get(test, "gasprice")) != 0 ||
	    json_nonneg(&tx.gas_limit, json_object_get(test, "startgas")) != 0 ||
	    json_nonneg(&value, json_object_get(test, "value")) != 0 ||
	    !json_is_string(to) || !json_is_string(json_object_get(test, "data")) ||
	    ethtest_hex_decode(&data, &tx.data_len,
			       json_string_value(json_object_get(test, "data")),
			       json_string_length(json_object_get(test, "data"))) != 0 ||
	    (json_string_length(to) > 0 && json_fixed(tx.to, 20, to) != 0)) {
		ethtest_fail(t, file, name, "malformed test: bad nonce, gasprice, startgas, "
					    "value, to or data");
		goto out;
	}
	tx.type = TX_LEGACY;
	tx.gas_price = u256_from_u64(gas_price);
	tx.value = u256_from_u64(value);
	tx.is_create = json_string_length(to) == 0;
	tx.data = data;
	data = NULL;
	if (!check_encoding(t, file, name, "unsigned", &tx, NULL,
			    json_object_get(test, "unsigned")))
		goto out;
	rc = tx_sign(ctx, &tx, key);
	if (rc != 0) {
		ethtest_fail(t, file, name, "signing: %s", strerror(-rc));
		goto out;
	}
	/* These vectors predate EIP-2: one has s above n/2, which libsecp256k1
	 * never produces.  Its twin, n - s with the other parity, is the same
	 * signature made canonical. */
	twin = tx;
	(void)u256_sub(&twin.s, &secp_n, &tx.s);
	twin.v = u256_from_u64(u256_to_u64(&tx.v) == 27 ? 28 : 27);
	if (!check_encoding(t, file, name, "signed", &tx, &twin,
			    json_object_get(test, "signed")))
		goto out;
	/* check_encoding() has just encoded tx, so this cannot fail but for
	 * memory. */
	rc = tx_encode(&enc, &len, &tx);
	if (rc == 0)
		rc = tx_decode(&back, &why, enc, len);
	if (rc != 0) {
		ethtest_fail(t, file, name, "decoding 'signed': %s",
			     rc == -EINVAL ? why : strerror(-rc));
		goto out;
	}
	decoded = true;
	if (tx_sender(sender, &back) != 0)
		ethtest_fail(t, file, name, "decoding 'signed': recovery failed");
	else if (memcmp(sender, addr, 20) != 0)
		ethtest_fail_bytes(t, file, name, "sender", addr, 20, sender, 20);
	else
		ethtest_pass(t, file, name);
out:
	if (decoded)
		tx_release(&back);
	free(enc);
	free(data);
	tx_release(&tx);
	explicit_bzero(key, sizeof(key));
}

/* BasicTests files are arrays; their tests are named by index. */
static void
run_basic_file(struct ethtest *t, const char *file, const json_t *root)
{
	struct secp *ctx = secp_new();
	char name[32];
	size_t i;
	json_t *test;

	if (ctx == NULL) {
		ethtest_fail(t, file, "*", "cannot create a secp256k1 context: %s",
			     strerror(errno));
		return;
	}
	json_array_foreach(root, i, test) {
		snprintf(name, sizeof(name), "#%zu", i);
		if (!json_is_object(test))
			ethtest_fail(t, file, name, "malformed test: not an object");
		else
			run_basic(t, ctx, file, name, test);
	}
	secp_free(ctx);
}

void
ethtest_tx_file(struct ethtest *t, const char *file, const json_t *root)
{
	const char *name;
	json_t *test;

	if (json_is_array(root)) {
		run_basic_file(t, file, root);
		return;
	}
	json_object_foreach((json_t *)root, name, test) {
		if (!json_is_object(test)) {
			ethtest_fail(t, file, name, "malformed test: not an object");
			continue;
		}
		run_test(t, file, name, test);
	}
}
