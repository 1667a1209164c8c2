/* Transactions: the rules that need no state, the network encoding,
 * signing and sender recovery (see tx.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "evm/evm.h"
#include "keccak.h"
#include "rlp.h"
#include "secp.h"
#include "tx.h"

#define BLOB_BASE_FEE_UPDATE_FRACTION 3338477
#define MIN_BLOB_BASE_FEE 1

/* Error names as the Ethereum tests spell them, so that a test runner can
 * compare them with its vectors' "exception" values. */
#define EXC(name) "TransactionException." name

void
tx_release(struct tx *tx)
{
	free(tx->data);
	for (size_t i = 0; i < tx->naccess; i++)
		free(tx->access_list[i].keys);
	free(tx->access_list);
	free(tx->blob_hashes);
	memset(tx, 0, sizeof(*tx));
}

uint64_t
tx_intrinsic_gas(const struct tx *tx)
{
	uint64_t gas = TX_G_BASE, zeros = 0;

	for (size_t i = 0; i < tx->data_len; i++)
		zeros += tx->data[i] == 0;
	gas += zeros * TX_G_DATA_ZERO + (tx->data_len - zeros) * TX_G_DATA_NONZERO;
	if (tx->is_create)
		gas += TX_G_CREATE + TX_G_INITCODE_WORD * ((tx->data_len + 31) / 32);
	for (size_t i = 0; i < tx->naccess; i++)
		gas += TX_G_ACCESS_ADDRESS + TX_G_ACCESS_KEY * tx->access_list[i].nkeys;
	return gas;
}

/* factor * e^(numerator / denominator), approximated by its Taylor series
 * in integers exactly as EIP-4844 specifies, so that every client agrees. */
struct u256
tx_blob_base_fee(uint64_t excess_blob_gas)
{
	const uint64_t frac = BLOB_BASE_FEE_UPDATE_FRACTION;
	struct u256 output = u256_from_u64(0), acc, num = u256_from_u64(excess_blob_gas);

	acc = u256_from_u64(MIN_BLOB_BASE_FEE * frac);
	for (uint64_t i = 1; !u256_is_zero(&acc); i++) {
		struct u256 den = u256_from_u64(frac * i);

		(void)u256_add(&output, &output, &acc);
		u256_mul(&acc, &acc, &num);
		u256_div(&acc, &acc, &den);
	}
	u256_div(&output, &output, &(struct u256){ { frac, 0, 0, 0 } });
	return output;
}

/* --- fields -------------------------------------------------------------- */

/* The fields of the encodings, in the order of EIP-155, EIP-2930, EIP-1559
 * and EIP-4844.  F_ZERO is the empty string that stands in for r and s in
 * EIP-155's signing preimage. */
enum field {
	F_CHAIN_ID,
	F_NONCE,
	F_GAS_PRICE,
	F_PRIORITY_FEE,
	F_MAX_FEE,
	F_GAS_LIMIT,
	F_TO,
	F_VALUE,
	F_DATA,
	F_ACCESS_LIST,
	F_BLOB_FEE,
	F_BLOB_HASHES,
	F_V,
	F_R,
	F_S,
	F_ZERO,
};

enum kind { K_U64, K_U256, K_TO, K_DATA, K_ACCESS_LIST, K_BLOB_HASHES, K_ZERO };

/* How each field is read, and the name of each way it can be malformed:
 * the wrong kind of item (a list for a string or the reverse), an integer
 * with a leading zero byte, a non-canonical item header, and an integer
 * too large for its field. */
static const struct field_info {
	enum kind kind;
	size_t off; /* of the integer in struct tx, for K_U64 and K_U256 */
	const char *wrong_kind, *zeros, *size, *too_big;
} field_info[] = {
#define NAMES(k, z)                                                            \
	EXC("RLP_INVALID_" k), EXC("RLP_LEADING_ZEROS_" z),                    \
		EXC("RLP_LEADING_ZEROS_" z "_SIZE")
	[F_CHAIN_ID] = { K_U256, offsetof(struct tx, chain_id),
			 NAMES("CHAINID", "CHAINID"), EXC("INVALID_CHAINID") },
	[F_NONCE] = { K_U64, offsetof(struct tx, nonce), NAMES("NONCE", "NONCE"),
		      EXC("NONCE_OVERFLOW") },
	[F_GAS_PRICE] = { K_U256, offsetof(struct tx, gas_price),
			  NAMES("GASPRICE", "GASPRICE"), EXC("GASPRICE_OVERFLOW") },
	[F_PRIORITY_FEE] = { K_U256, offsetof(struct tx, max_priority_fee),
			     NAMES("PRIORITY_FEE", "PRIORITY_FEE"),
			     EXC("PRIORITY_OVERFLOW") },
	[F_MAX_FEE] = { K_U256, offsetof(struct tx, max_fee),
			NAMES("BASEFEE", "BASEFEE"), EXC("GASPRICE_OVERFLOW") },
	[F_GAS_LIMIT] = { K_U64, offsetof(struct tx, gas_limit),
			  NAMES("GASLIMIT", "GASLIMIT"), EXC("GASLIMIT_OVERFLOW") },
	[F_TO] = { K_TO, 0, NAMES("TO", "TO"), NULL },
	[F_VALUE] = { K_U256, offsetof(struct tx, value), NAMES("VALUE", "VALUE"),
		      EXC("VALUE_OVERFLOW") },
	[F_DATA] = { K_DATA, 0, NAMES("DATA", "DATA"), NULL },
	[F_ACCESS_LIST] = { K_ACCESS_LIST, 0,
			    NAMES("ACCESS_LIST", "ACCESS_LIST"), NULL },
	[F_BLOB_FEE] = { K_U256, offsetof(struct tx, max_fee_per_blob_gas),
			 NAMES("MAX_FEE_PER_BLOB_GAS", "MAX_FEE_PER_BLOB_GAS"),
			 EXC("MAX_FEE_PER_BLOB_GAS_OVERFLOW") },
	[F_BLOB_HASHES] = { K_BLOB_HASHES, 0,
			    NAMES("BLOB_VERSIONED_HASHES", "BLOB_VERSIONED_HASHES"),
			    NULL },
	[F_V] = { K_U256, offsetof(struct tx, v), NAMES("SIGNATURE_V", "V"),
		  EXC("INVALID_SIGNATURE_VRS") },
	[F_R] = { K_U256, offsetof(struct tx, r), NAMES("SIGNATURE_R", "R"),
		  EXC("INVALID_SIGNATURE_VRS") },
	[F_S] = { K_U256, offsetof(struct tx, s), NAMES("SIGNATURE_S", "S"),
		  EXC("INVALID_SIGNATURE_VRS") },
	[F_ZERO] = { K_ZERO, 0, NULL, NULL, NULL, NULL },
#undef NAMES
};

static const enum field legacy_fields[] = {
	F_NONCE, F_GAS_PRICE, F_GAS_LIMIT, F_TO, F_VALUE, F_DATA, F_V, F_R, F_S,
};
/* EIP-155's signing preimage: the first 6 fields, then chain_id, 0, 0. */
static const enum field eip155_fields[] = {
	F_NONCE, F_GAS_PRICE, F_GAS_LIMIT, F_TO, F_VALUE, F_DATA,
	F_CHAIN_ID, F_ZERO, F_ZERO,
};
static const enum field access_list_fields[] = {
	F_CHAIN_ID, F_NONCE, F_GAS_PRICE, F_GAS_LIMIT, F_TO, F_VALUE, F_DATA,
	F_ACCESS_LIST, F_V, F_R, F_S,
};
static const enum field dynamic_fee_fields[] = {
	F_CHAIN_ID, F_NONCE, F_PRIORITY_FEE, F_MAX_FEE, F_GAS_LIMIT, F_TO,
	F_VALUE, F_DATA, F_ACCESS_LIST, F_V, F_R, F_S,
};
static const enum field blob_fields[] = {
	F_CHAIN_ID, F_NONCE, F_PRIORITY_FEE, F_MAX_FEE, F_GAS_LIMIT, F_TO,
	F_VALUE, F_DATA, F_ACCESS_LIST, F_BLOB_FEE, F_BLOB_HASHES, F_V, F_R, F_S,
};

/* The signed encoding of each type; the signature is always the last
 * SIG_FIELDS fields, and the signing preimage of a typed transaction is
 * the rest. */
static const struct layout {
	const enum field *fields;
	size_t n;
} layouts[] = {
	[TX_LEGACY] = { legacy_fields, ARRAY_SIZE(legacy_fields) },
	[TX_ACCESS_LIST] = { access_list_fields, ARRAY_SIZE(access_list_fields) },
	[TX_DYNAMIC_FEE] = { dynamic_fee_fields, ARRAY_SIZE(dynamic_fee_fields) },
	[TX_BLOB] = { blob_fields, ARRAY_SIZE(blob_fields) },
};

#define SIG_FIELDS 3
#define FIELDS_MAX ARRAY_SIZE(blob_fields)
#define LEGACY_UNSIGNED_FIELDS 6

/* Sizes of the fixed-size items with their one-byte headers. */
#define ADDRESS_ITEM_LEN 21
#define KEY_ITEM_LEN 33

/* secp256k1's group order n, and n / 2, the largest s EIP-2 allows. */
static const struct u256 secp_n = { { 0xbfd25e8cd0364141, 0xbaaedce6af48a03b,
				      0xfffffffffffffffe, 0xffffffffffffffff } };
static const struct u256 secp_half_n = { { 0xdfe92f46681b20a0, 0x5d576e7357a4501d,
					   0xffffffffffffffff, 0x7fffffffffffffff } };

/* Types 0 to 3: Cancun knows no others. */
static bool
is_known_type(enum tx_type type)
{
	return (unsigned)type < ARRAY_SIZE(layouts);
}

/* The integer field that fi describes, in tx. */
static struct u256 *
field_u256(struct tx *tx, const struct field_info *fi)
{
	return (struct u256 *)(void *)((char *)tx + fi->off);
}

/* The same for a const tx. */
static const struct u256 *
field_u256_const(const struct tx *tx, const struct field_info *fi)
{
	return (const struct u256 *)(const void *)((const char *)tx + fi->off);
}

/* --- encoding ------------------------------------------------------------ */

/* Where encoded bytes go: into a hash, into a buffer of the right size, or
 * nowhere, only counted.  Encoding this way needs no allocation, so the
 * signing hash cannot fail, and tx_encode() allocates once, exactly. */
struct sink {
	struct keccak *k; /* absorbs the bytes when not NULL */
	uint8_t *buf;     /* receives them when not NULL */
	size_t len;       /* bytes written so far */
};

/* Sends n bytes wherever s leads; n may be 0 with p NULL. */
static void
sink_write(struct sink *s, const void *p, size_t n)
{
	if (s->k != NULL && n > 0)
		keccak_update(s->k, p, n);
	if (s->buf != NULL && n > 0)
		memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* Writes an RLP header for a string or list of len payload bytes. */
static void
put_header(struct sink *s, bool is_list, size_t len)
{
	uint8_t h[RLP_HEADER_MAX];

	sink_write(s, h, rlp_header_write(h, is_list, len));
}

/* A single byte below 0x80 is its own encoding, without a header. */
static void
put_bytes(struct sink *s, const uint8_t *p, size_t n)
{
	if (n != 1 || p[0] >= 0x80)
		put_header(s, false, n);
	sink_write(s, p, n);
}

/* Integers are big-endian without leading zeros; 0 is the empty string. */
static void
put_u256(struct sink *s, const struct u256 *v)
{
	uint8_t be[32];
	size_t skip = 32 - u256_byte_len(v);

	u256_to_be(be, v);
	put_bytes(s, be + skip, 32 - skip);
}

/* Writes a 64-bit integer as put_u256() does. */
static void
put_u64(struct sink *s, uint64_t v)
{
	struct u256 w = u256_from_u64(v);

	put_u256(s, &w);
}

/* Returns: the payload length of an access-list entry's list. */
static size_t
access_entry_len(const struct tx_access *a)
{
	size_t keys = KEY_ITEM_LEN * a->nkeys;

	return ADDRESS_ITEM_LEN + rlp_header_len(keys) + keys;
}

/* Writes [[address, [key, ...]], ...]; the lengths follow from the counts. */
static void
put_access_list(struct sink *s, const struct tx *tx)
{
	size_t total = 0;

	for (size_t i = 0; i < tx->naccess; i++) {
		size_t n = access_entry_len(&tx->access_list[i]);

		total += rlp_header_len(n) + n;
	}
	put_header(s, true, total);
	for (size_t i = 0; i < tx->naccess; i++) {
		const struct tx_access *a = &tx->access_list[i];

		put_header(s, true, access_entry_len(a));
		put_bytes(s, a->address, sizeof(a->address));
		put_header(s, true, KEY_ITEM_LEN * a->nkeys);
		for (size_t j = 0; j < a->nkeys; j++)
			put_bytes(s, a->keys[j], 32);
	}
}

/* Writes one field of tx as its encodings have it. */
static void
put_field(struct sink *s, const struct tx *tx, enum field f)
{
	const struct field_info *fi = &field_info[f];

	switch (fi->kind) {
	case K_U64:
		put_u64(s, *(const uint64_t *)(const void *)((const char *)tx + fi->off));
		break;
	case K_U256:
		put_u256(s, field_u256_const(tx, fi));
		break;
	case K_TO:
		put_bytes(s, tx->to, tx->is_create ? 0 : sizeof(tx->to));
		break;
	case K_DATA:
		put_bytes(s, tx->data, tx->data_len);
		break;
	case K_ACCESS_LIST:
		put_access_list(s, tx);
		break;
	case K_BLOB_HASHES:
		put_header(s, true, KEY_ITEM_LEN * tx->nblob_hashes);
		for (size_t i = 0; i < tx->nblob_hashes; i++)
			put_bytes(s, tx->blob_hashes[i], 32);
		break;
	case K_ZERO:
		put_bytes(s, NULL, 0);
		break;
	}
}

/* Writes the list of fields f[0..n), measuring it first for its header. */
static void
put_fields(struct sink *s, const struct tx *tx, const enum field *f, size_t n)
{
	struct sink count = { NULL, NULL, 0 };

	for (size_t i = 0; i < n; i++)
		put_field(&count, tx, f[i]);
	put_header(s, true, count.len);
	for (size_t i = 0; i < n; i++)
		put_field(s, tx, f[i]);
}

/* Writes the network encoding: the type byte of a typed transaction, then
 * the RLP list. */
static void
put_tx(struct sink *s, const struct tx *tx)
{
	const struct layout *l = &layouts[tx->type];
	uint8_t type = (uint8_t)tx->type;

	if (tx->type != TX_LEGACY)
		sink_write(s, &type, 1);
	put_fields(s, tx, l->fields, l->n);
}

/* Returns: 0, or -EINVAL when tx has no encoding that decodes to it. */
static int
check_encodable(const struct tx *tx)
{
	bool ok = is_known_type(tx->type) && !(tx->type == TX_BLOB && tx->is_create);

	return ok ? 0 : -EINVAL;
}

int
tx_encode(uint8_t **out, size_t *len, const struct tx *tx)
{
	struct sink count = { NULL, NULL, 0 }, s = { NULL, NULL, 0 };
	int rc;

	rc = check_encodable(tx);
	if (rc != 0)
		goto out;
	put_tx(&count, tx);
	s.buf = malloc(count.len);
	if (s.buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	put_tx(&s, tx);
	if (s.len != count.len)
		BUG("the encoding changed length between two passes");
	*out = s.buf;
	*len = s.len;
out:
	return rc;
}

void
tx_signing_hash(uint8_t out[32], const struct tx *tx)
{
	struct keccak k;
	struct sink s = { &k, NULL, 0 };
	uint8_t type = (uint8_t)tx->type;

	keccak_init(&k);
	if (tx->type == TX_LEGACY) {
		if (u256_is_zero(&tx->chain_id))
			put_fields(&s, tx, legacy_fields, LEGACY_UNSIGNED_FIELDS);
		else
			put_fields(&s, tx, eip155_fields, ARRAY_SIZE(eip155_fields));
	} else if (is_known_type(tx->type)) {
		sink_write(&s, &type, 1);
		put_fields(&s, tx, layouts[tx->type].fields,
			   layouts[tx->type].n - SIG_FIELDS);
	} else {
		BUG("a transaction of unknown type");
	}
	keccak_final(&k, out);
}

/* --- decoding ------------------------------------------------------------ */

/* Sets the reason of a rejection.  Returns: -EINVAL. */
static int
reject(const char **why, const char *name)
{
	*why = name;
	return -EINVAL;
}

/* Names an error of the RLP decoder met inside field fi. */
static int
reject_rlp(const char **why, int rc, const struct field_info *fi)
{
	return reject(why, rc == -EINVAL ? fi->size : EXC("RLP_ERROR_SIZE"));
}

/* Reads the items of the transaction's list, exactly as many as the type
 * has fields, so that the error names the field it is in. */
static int
split_fields(struct rlp_item *items, const char **why, const struct layout *l,
	     const struct rlp_item *list)
{
	struct rlp_item cur = *list, extra;
	int rc = 0;

	for (size_t i = 0; i < l->n; i++) {
		rc = rlp_list_next(&items[i], &cur);
		if (rc < 0) {
			rc = reject_rlp(why, rc, &field_info[l->fields[i]]);
			goto out;
		}
		if (rc == 0) {
			rc = reject(why, EXC("RLP_TOO_FEW_ELEMENTS"));
			goto out;
		}
	}
	rc = rlp_list_next(&extra, &cur);
	if (rc != 0)
		rc = reject(why, EXC("RLP_TOO_MANY_ELEMENTS"));
out:
	return rc;
}

/* Checks a fixed-size string: an address or a 32-byte key. */
static int
check_fixed(const char **why, const struct rlp_item *it, size_t want,
	    const char *wrong_kind, const char *too_short, const char *too_long)
{
	int rc = 0;

	if (it->is_list)
		rc = reject(why, wrong_kind);
	else if (it->len < want)
		rc = reject(why, too_short);
	else if (it->len > want)
		rc = reject(why, too_long);
	return rc;
}

/* Checks an access list [[address, [key, ...]], ...] all the way down
 * before anything is allocated for it.  Returns: 0 or -EINVAL.
 * Out: *n, its number of entries. */
static int
check_access_list(size_t *n, const char **why, const struct rlp_item *it)
{
	const struct field_info *fi = &field_info[F_ACCESS_LIST];
	struct rlp_item cur = *it, entry, parts[2], keys, key;
	int rc;

	*n = 0;
	if (!it->is_list) {
		rc = reject(why, fi->wrong_kind);
		goto out;
	}
	while ((rc = rlp_list_next(&entry, &cur)) > 0) {
		rc = rlp_list_split(parts, 2, &entry);
		if (rc == -EPROTO)
			rc = reject(why, EXC("RLP_INVALID_ACCESS_LIST_ENTRY"));
		else if (rc != 0)
			rc = reject_rlp(why, rc, fi);
		if (rc != 0)
			goto out;
		rc = check_fixed(why, &parts[0], 20,
				 EXC("RLP_INVALID_ACCESS_LIST_ADDRESS"),
				 EXC("RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT"),
				 EXC("RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG"));
		if (rc != 0)
			goto out;
		if (!parts[1].is_list) {
			rc = reject(why, EXC("RLP_INVALID_ACCESS_LIST_STORAGE"));
			goto out;
		}
		keys = parts[1];
		while ((rc = rlp_list_next(&key, &keys)) > 0) {
			rc = check_fixed(why, &key, 32,
					 EXC("RLP_INVALID_ACCESS_LIST_STORAGE"),
					 EXC("RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT"),
					 EXC("RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG"));
			if (rc != 0)
				goto out;
		}
		if (rc < 0) {
			rc = reject_rlp(why, rc, fi);
			goto out;
		}
		(*n)++;
	}
	if (rc < 0)
		rc = reject_rlp(why, rc, fi);
out:
	return rc;
}

/* Copies a checked access list of n entries into tx.  Every entry and key
 * took at least as many input bytes as it takes memory here, so the input
 * bounds what is allocated.  Returns: 0 or -ENOMEM. */
static int
get_access_list(struct tx *tx, const struct rlp_item *it, size_t n)
{
	struct rlp_item cur = *it, entry, parts[2], key;
	int rc = 0;

	if (n == 0)
		goto out;
	tx->access_list = calloc(n, sizeof(*tx->access_list));
	if (tx->access_list == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	tx->naccess = n;
	for (size_t i = 0; i < n; i++) {
		struct tx_access *a = &tx->access_list[i];

		if (rlp_list_next(&entry, &cur) != 1 ||
		    rlp_list_split(parts, 2, &entry) != 0)
			BUG("a checked access list no longer reads");
		memcpy(a->address, parts[0].p, sizeof(a->address));
		a->nkeys = parts[1].len / KEY_ITEM_LEN;
		if (a->nkeys == 0)
			continue;
		a->keys = calloc(a->nkeys, sizeof(*a->keys));
		if (a->keys == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < a->nkeys; j++) {
			if (rlp_list_next(&key, &parts[1]) != 1)
				BUG("a checked access list no longer reads");
			memcpy(a->keys[j], key.p, 32);
		}
	}
out:
	return rc;
}

/* Reads the blob hashes, all checked before they are allocated. */
static int
get_blob_hashes(struct tx *tx, const char **why, const struct rlp_item *it)
{
	const struct field_info *fi = &field_info[F_BLOB_HASHES];
	struct rlp_item cur = *it, h;
	size_t n = 0;
	int rc;

	if (!it->is_list) {
		rc = reject(why, fi->wrong_kind);
		goto out;
	}
	while ((rc = rlp_list_next(&h, &cur)) > 0) {
		rc = check_fixed(why, &h, 32, EXC("RLP_INVALID_BLOB_VERSIONED_HASH"),
				 EXC("RLP_INVALID_BLOB_VERSIONED_HASH_TOO_SHORT"),
				 EXC("RLP_INVALID_BLOB_VERSIONED_HASH_TOO_LONG"));
		if (rc != 0)
			goto out;
		n++;
	}
	if (rc < 0) {
		rc = reject_rlp(why, rc, fi);
		goto out;
	}
	if (n == 0)
		goto out;
	/* 32 bytes for each 33 of input. */
	tx->blob_hashes = calloc(n, sizeof(*tx->blob_hashes));
	if (tx->blob_hashes == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	tx->nblob_hashes = n;
	cur = *it;
	for (size_t i = 0; i < n; i++) {
		if (rlp_list_next(&h, &cur) != 1)
			BUG("checked blob hashes no longer read");
		memcpy(tx->blob_hashes[i], h.p, 32);
	}
out:
	return rc;
}

/* Reads item into field f of tx, naming what is wrong with it if anything. */
static int
get_field(struct tx *tx, const char **why, enum field f, const struct rlp_item *it)
{
	const struct field_info *fi = &field_info[f];
	size_t n;
	int rc = 0;

	switch (fi->kind) {
	case K_U64:
		rc = rlp_item_u64((uint64_t *)(void *)((char *)tx + fi->off), it);
		break;
	case K_U256:
		rc = rlp_item_u256(field_u256(tx, fi), it);
		break;
	case K_TO:
		if (it->is_list)
			rc = reject(why, fi->wrong_kind);
		else if (it->len == 0 && tx->type == TX_BLOB)
			rc = reject(why, EXC("TYPE_3_TX_CONTRACT_CREATION"));
		else if (it->len == 0)
			tx->is_create = true;
		else if (it->len < sizeof(tx->to))
			rc = reject(why, EXC("ADDRESS_TOO_SHORT"));
		else if (it->len > sizeof(tx->to))
			rc = reject(why, EXC("ADDRESS_TOO_LONG"));
		else
			memcpy(tx->to, it->p, sizeof(tx->to));
		goto out;
	case K_DATA:
		if (it->is_list) {
			rc = reject(why, fi->wrong_kind);
		} else if (it->len > 0) {
			/* At most the input's size. */
			tx->data = malloc(it->len);
			if (tx->data == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(tx->data, it->p, it->len);
			tx->data_len = it->len;
		}
		goto out;
	case K_ACCESS_LIST:
		rc = check_access_list(&n, why, it);
		if (rc == 0)
			rc = get_access_list(tx, it, n);
		goto out;
	case K_BLOB_HASHES:
		rc = get_blob_hashes(tx, why, it);
		goto out;
	case K_ZERO:
		BUG("F_ZERO is never decoded");
	}
	/* The integer readers' errors. */
	if (rc == -EPROTO)
		rc = reject(why, fi->wrong_kind);
	else if (rc == -EINVAL)
		rc = reject(why, fi->zeros);
	else if (rc == -ERANGE)
		rc = reject(why, fi->too_big);
out:
	return rc;
}

/* Checks v, r and s (EIP-155, EIP-2).  Returns: NULL, or the reason they
 * are invalid.  Out: *chain_id, the chain id that a legacy v stands for
 * (zero without EIP-155), tx->chain_id for a typed transaction; *recid,
 * the recovery id. */
static const char *
check_signature(struct u256 *chain_id, int *recid, const struct tx *tx, bool stand_in)
{
	const struct u256 *v = &tx->v;
	const char *why = NULL;

	*chain_id = tx->chain_id;
	*recid = 0;
	if (tx->type != TX_LEGACY) {
		if (!u256_fits_u64(v) || u256_to_u64(v) > 1)
			why = EXC("INVALID_SIGNATURE_VRS");
		else
			*recid = (int)u256_to_u64(v);
	} else if (u256_fits_u64(v) && (u256_to_u64(v) == 27 || u256_to_u64(v) == 28)) {
		*chain_id = u256_from_u64(0);
		*recid = (int)(u256_to_u64(v) - 27);
	} else if (u256_fits_u64(v) && u256_to_u64(v) <= 1) {
		/* A bare recovery id with no chain id: the tests file this
		 * under a bad signature, not a bad chain. */
		why = EXC("INVALID_SIGNATURE_VRS");
	} else if (u256_fits_u64(v) && u256_to_u64(v) < 37) {
		/* 35 and 36 would stand for chain id 0, which no chain has
		 * and which would read as "no EIP-155" in struct tx. */
		why = EXC("INVALID_CHAINID");
	} else {
		struct u256 t, k35 = u256_from_u64(35), one = u256_from_u64(1);

		(void)u256_sub(&t, v, &k35);
		*recid = (int)(t.w[0] & 1);
		u256_shr(chain_id, &one, &t);
	}
	if (why != NULL)
		return why;
	if (stand_in ? !u256_is_zero(&tx->r) || !u256_is_zero(&tx->s)
		     : u256_is_zero(&tx->r) || !u256_lt(&tx->r, &secp_n) ||
			       u256_is_zero(&tx->s) || u256_gt(&tx->s, &secp_half_n))
		why = EXC("INVALID_SIGNATURE_VRS");
	return why;
}

/* anvil's hash of a transaction with the stand-in signature: keccak-256 of
 * its RLP encoding (a typed one as an RLP string around type || payload),
 * then the sender, so that two senders' otherwise equal transactions get
 * two hashes.  In: raw, the network encoding. */
static void
impersonated_hash(uint8_t out[32], const uint8_t *raw, size_t len, const uint8_t sender[20])
{
	struct keccak k;
	struct sink s = { &k, NULL, 0 };

	keccak_init(&k);
	if (len > 0 && raw[0] < 0xc0)
		put_header(&s, false, len);
	sink_write(&s, raw, len);
	sink_write(&s, sender, 20);
	keccak_final(&k, out);
}

/* tx_decode() and tx_decode_impersonated(): with as NULL the signature must
 * be a real one, else the stand-in, and the hash is anvil's for as. */
static int
decode(struct tx *tx, const char **why, const uint8_t *buf, size_t len, const uint8_t *as)
{
	struct rlp_item list, items[FIELDS_MAX];
	const struct layout *l;
	const char *bad;
	struct u256 chain_id;
	size_t used, off = 0;
	int recid, rc;

	memset(tx, 0, sizeof(*tx));
	/* EIP-2718: a first byte from 0xc0 starts a legacy list, one up to
	 * 0x7f is a type; what lies between is neither. */
	if (len == 0) {
		rc = reject(why, EXC("RLP_ERROR_EOF"));
		goto out;
	}
	if (buf[0] >= 0xc0) {
		tx->type = TX_LEGACY;
	} else if (buf[0] >= 0x80 || buf[0] == TX_LEGACY ||
		   !is_known_type((enum tx_type)buf[0])) {
		rc = reject(why, EXC("TYPE_NOT_SUPPORTED"));
		goto out;
	} else {
		tx->type = (enum tx_type)buf[0];
		off = 1;
	}
	l = &layouts[tx->type];

	rc = rlp_decode_item(&list, &used, buf + off, len - off);
	if (rc != 0) {
		rc = reject(why, rc == -EINVAL ? EXC("RLP_ERROR_SIZE_LEADING_ZEROS")
					       : EXC("RLP_ERROR_SIZE"));
		goto out;
	}
	if (!list.is_list) {
		rc = reject(why, EXC("RLP_INVALID_HEADER"));
		goto out;
	}
	if (used != len - off) {
		rc = reject(why, EXC("RLP_ERROR_SIZE"));
		goto out;
	}
	rc = split_fields(items, why, l, &list);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < l->n; i++) {
		rc = get_field(tx, why, l->fields[i], &items[i]);
		if (rc != 0)
			goto out;
	}
	bad = check_signature(&chain_id, &recid, tx, as != NULL);
	if (bad != NULL) {
		rc = reject(why, bad);
		goto out;
	}
	tx->chain_id = chain_id;
	if (as != NULL) {
		impersonated_hash(tx->hash, buf, len, as);
		tx->impersonated = true;
	} else {
		keccak256(tx->hash, buf, len);
	}
out:
	if (rc != 0)
		tx_release(tx);
	return rc;
}

int
tx_decode(struct tx *tx, const char **why, const uint8_t *buf, size_t len)
{
	return decode(tx, why, buf, len, NULL);
}

int
tx_decode_impersonated(struct tx *tx, const char **why, const uint8_t *buf, size_t len,
		       const uint8_t sender[20])
{
	return decode(tx, why, buf, len, sender);
}

/* --- rules, signing, recovery -------------------------------------------- */

int
tx_check(const struct tx *tx, const char **why, uint64_t chain_id)
{
	const struct u256 *cap = tx_has_dynamic_fee(tx) ? &tx->max_fee : &tx->gas_price;
	struct u256 want = u256_from_u64(chain_id), t;
	int rc = 0;

	if (!(tx->type == TX_LEGACY && u256_is_zero(&tx->chain_id)) &&
	    !u256_eq(&tx->chain_id, &want))
		rc = reject(why, EXC("INVALID_CHAINID"));
	else if (tx->nonce == UINT64_MAX)
		rc = reject(why, EXC("NONCE_TOO_BIG"));
	else if (u256_mul_u64(&t, cap, tx->gas_limit))
		rc = reject(why, EXC("GASLIMIT_PRICE_PRODUCT_OVERFLOW"));
	else if (tx_has_dynamic_fee(tx) && u256_gt(&tx->max_priority_fee, &tx->max_fee))
		rc = reject(why, EXC("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS"));
	else if (tx_intrinsic_gas(tx) > tx->gas_limit)
		rc = reject(why, EXC("INTRINSIC_GAS_TOO_LOW"));
	else if (tx->is_create && tx->data_len > EVM_MAX_INITCODE_SIZE)
		rc = reject(why, EXC("INITCODE_SIZE_EXCEEDED"));
	if (rc != 0 || tx->type != TX_BLOB)
		goto out;
	if (tx->is_create)
		rc = reject(why, EXC("TYPE_3_TX_CONTRACT_CREATION"));
	else if (tx->nblob_hashes == 0)
		rc = reject(why, EXC("TYPE_3_TX_ZERO_BLOBS"));
	else if (tx->nblob_hashes > TX_MAX_BLOB_GAS_PER_BLOCK / TX_BLOB_GAS_PER_BLOB)
		rc = reject(why, EXC("TYPE_3_TX_BLOB_COUNT_EXCEEDED"));
	for (size_t i = 0; rc == 0 && i < tx->nblob_hashes; i++) {
		if (tx->blob_hashes[i][0] != TX_BLOB_HASH_VERSION)
			rc = reject(why, EXC("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH"));
	}
out:
	return rc;
}

int
tx_sender(uint8_t sender[20], const struct tx *tx)
{
	uint8_t hash[32], sig[65], pub[64];
	struct u256 chain_id;
	int recid, rc = -EINVAL;

	if (!is_known_type(tx->type) || check_signature(&chain_id, &recid, tx, false) != NULL)
		goto out;
	/* The signing hash takes the chain id from tx->chain_id, so a legacy
	 * v must agree with it. */
	if (!u256_eq(&chain_id, &tx->chain_id))
		goto out;
	tx_signing_hash(hash, tx);
	u256_to_be(sig, &tx->r);
	u256_to_be(sig + 32, &tx->s);
	sig[64] = (uint8_t)recid;
	rc = secp_recover(pub, hash, sig);
	if (rc != 0)
		goto out;
	secp_address(sender, pub);
out:
	return rc;
}

int
tx_sign(const struct secp *ctx, struct tx *tx, const uint8_t key[32])
{
	uint8_t hash[32], sig[65];
	struct keccak k;
	struct sink s = { &k, NULL, 0 };
	struct u256 v;
	int rc;

	rc = check_encodable(tx);
	if (rc != 0)
		goto out;
	tx_signing_hash(hash, tx);
	rc = secp_sign(ctx, sig, hash, key);
	if (rc != 0)
		goto out;
	v = u256_from_u64(sig[64]);
	if (tx->type == TX_LEGACY && u256_is_zero(&tx->chain_id)) {
		v = u256_from_u64(27u + sig[64]);
	} else if (tx->type == TX_LEGACY) {
		struct u256 add = u256_from_u64(35u + sig[64]);

		/* v = chain_id * 2 + 35 + recovery id, which must fit. */
		if (u256_add(&v, &tx->chain_id, &tx->chain_id) || u256_add(&v, &v, &add)) {
			rc = -EINVAL;
			goto out;
		}
	}
	tx->v = v;
	u256_from_be32(&tx->r, sig);
	u256_from_be32(&tx->s, sig + 32);
	keccak_init(&k);
	put_tx(&s, tx);
	keccak_final(&k, tx->hash);
out:
	return rc;
}

int
tx_impersonate(struct tx *tx, const uint8_t sender[20])
{
	uint8_t *raw = NULL;
	size_t len;
	int rc;

	tx->v = u256_from_u64(0);
	if (tx->type == TX_LEGACY && u256_is_zero(&tx->chain_id)) {
		tx->v = u256_from_u64(27);
	} else if (tx->type == TX_LEGACY) {
		struct u256 k35 = u256_from_u64(35);

		/* EIP-155's v with y parity 0: chain_id * 2 + 35. */
		if (u256_add(&tx->v, &tx->chain_id, &tx->chain_id) ||
		    u256_add(&tx->v, &tx->v, &k35)) {
			rc = -EINVAL;
			goto out;
		}
	}
	tx->r = u256_from_u64(0);
	tx->s = u256_from_u64(0);
	if ((rc = tx_encode(&raw, &len, tx)) != 0)
		goto out;
	impersonated_hash(tx->hash, raw, len, sender);
	tx->impersonated = true;
out:
	free(raw);
	return rc;
}

bool
tx_is_impersonated(const struct tx *tx)
{
	return tx->impersonated;
}
