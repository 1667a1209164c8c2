/* Headers, receipts, blooms and fee evolution (see block.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/block.h"
#include "keccak.h"
#include "rlp.h"
#include "state/mpt.h"

#define BASE_FEE_MAX_CHANGE_DENOMINATOR 8
#define ELASTICITY_MULTIPLIER 2

/* keccak256(rlp([])), the hash of an empty ommers list. */
static const uint8_t empty_ommers_hash[32] = {
	0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67,
	0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13,
	0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
};

void
block_header_init(struct block_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->ommers_hash, empty_ommers_hash, 32);
	memcpy(h->tx_root, mpt_empty_root, 32);
	memcpy(h->receipts_root, mpt_empty_root, 32);
	memcpy(h->withdrawals_root, mpt_empty_root, 32);
	h->has_base_fee = h->has_withdrawals_root = true;
	h->has_blob_gas = h->has_beacon_root = true;
}

static void
header_encode(struct rlp_enc *e, const struct block_header *h)
{
	size_t mark = rlp_enc_list_begin(e);

	rlp_enc_bytes(e, h->parent_hash, 32);
	rlp_enc_bytes(e, h->ommers_hash, 32);
	rlp_enc_bytes(e, h->coinbase, 20);
	rlp_enc_bytes(e, h->state_root, 32);
	rlp_enc_bytes(e, h->tx_root, 32);
	rlp_enc_bytes(e, h->receipts_root, 32);
	rlp_enc_bytes(e, h->bloom, BLOCK_BLOOM_LEN);
	rlp_enc_u256(e, &h->difficulty);
	rlp_enc_u64(e, h->number);
	rlp_enc_u64(e, h->gas_limit);
	rlp_enc_u64(e, h->gas_used);
	rlp_enc_u64(e, h->timestamp);
	rlp_enc_bytes(e, h->extra, h->extra_len);
	rlp_enc_bytes(e, h->mix_hash, 32);
	rlp_enc_bytes(e, h->nonce, 8);
	if (h->has_base_fee)
		rlp_enc_u256(e, &h->base_fee);
	if (h->has_withdrawals_root)
		rlp_enc_bytes(e, h->withdrawals_root, 32);
	if (h->has_blob_gas) {
		rlp_enc_u64(e, h->blob_gas_used);
		rlp_enc_u64(e, h->excess_blob_gas);
	}
	if (h->has_beacon_root)
		rlp_enc_bytes(e, h->beacon_root, 32);
	rlp_enc_list_end(e, mark);
}

int
block_header_encode(uint8_t **out, size_t *len, const struct block_header *h)
{
	struct rlp_enc e;
	int rc;

	rlp_enc_init(&e);
	header_encode(&e, h);
	if ((rc = rlp_enc_error(&e)) != 0) {
		rlp_enc_release(&e);
		return rc;
	}
	*out = rlp_enc_detach(&e, len);
	return 0;
}

int
block_header_hash(uint8_t hash[32], const struct block_header *h)
{
	uint8_t *buf;
	size_t len;
	int rc = block_header_encode(&buf, &len, h);

	if (rc != 0)
		return rc;
	keccak256(hash, buf, len);
	free(buf);
	return 0;
}

/* Copies a string item of exactly n bytes.  Returns: 0 or -EINVAL. */
static int
item_fixed(uint8_t *out, size_t n, const struct rlp_item *it)
{
	if (it->is_list || it->len != n)
		return -EINVAL;
	memcpy(out, it->p, n);
	return 0;
}

int
block_header_decode(struct block_header *h, const uint8_t *buf, size_t len)
{
	struct rlp_item list, it[20];
	size_t n;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = rlp_decode(&list, buf, len)) != 0)
		return rc;
	if (!list.is_list)
		return -EINVAL;
	if ((rc = rlp_list_count(&n, &list)) != 0)
		return rc;
	/* Frontier 15 fields, London 16, Shanghai 17, Cancun 20. */
	if (n != 15 && n != 16 && n != 17 && n != 20)
		return -EINVAL;
	if ((rc = rlp_list_split(it, n, &list)) != 0)
		return rc;
	if (item_fixed(h->parent_hash, 32, &it[0]) || item_fixed(h->ommers_hash, 32, &it[1]) ||
	    item_fixed(h->coinbase, 20, &it[2]) || item_fixed(h->state_root, 32, &it[3]) ||
	    item_fixed(h->tx_root, 32, &it[4]) || item_fixed(h->receipts_root, 32, &it[5]) ||
	    item_fixed(h->bloom, BLOCK_BLOOM_LEN, &it[6]) ||
	    rlp_item_u256(&h->difficulty, &it[7]) || rlp_item_u64(&h->number, &it[8]) ||
	    rlp_item_u64(&h->gas_limit, &it[9]) || rlp_item_u64(&h->gas_used, &it[10]) ||
	    rlp_item_u64(&h->timestamp, &it[11]) || it[12].is_list ||
	    it[12].len > BLOCK_EXTRA_MAX || item_fixed(h->mix_hash, 32, &it[13]) ||
	    item_fixed(h->nonce, 8, &it[14]))
		return -EINVAL;
	memcpy(h->extra, it[12].p, it[12].len);
	h->extra_len = it[12].len;
	if (n >= 16) {
		h->has_base_fee = true;
		if (rlp_item_u256(&h->base_fee, &it[15]))
			return -EINVAL;
	}
	if (n >= 17) {
		h->has_withdrawals_root = true;
		if (item_fixed(h->withdrawals_root, 32, &it[16]))
			return -EINVAL;
	}
	if (n == 20) {
		h->has_blob_gas = h->has_beacon_root = true;
		if (rlp_item_u64(&h->blob_gas_used, &it[17]) ||
		    rlp_item_u64(&h->excess_blob_gas, &it[18]) ||
		    item_fixed(h->beacon_root, 32, &it[19]))
			return -EINVAL;
	}
	return 0;
}

/* The three bits of data in a 2048-bit bloom, from the first six bytes of
 * its hash, counted from the filter's last byte (yellow paper, M3:2048). */
static void
bloom_bits(unsigned bits[3], const uint8_t *data, size_t len)
{
	uint8_t h[32];

	keccak256(h, data, len);
	for (int i = 0; i < 3; i++)
		bits[i] = ((unsigned)h[2 * i] << 8 | h[2 * i + 1]) & 2047;
}

void
block_bloom_add(uint8_t bloom[BLOCK_BLOOM_LEN], const uint8_t *data, size_t len)
{
	unsigned bits[3];

	bloom_bits(bits, data, len);
	for (int i = 0; i < 3; i++)
		bloom[BLOCK_BLOOM_LEN - 1 - bits[i] / 8] |= (uint8_t)(1 << (bits[i] % 8));
}

bool
block_bloom_test(const uint8_t bloom[BLOCK_BLOOM_LEN], const uint8_t *data, size_t len)
{
	unsigned bits[3];

	bloom_bits(bits, data, len);
	for (int i = 0; i < 3; i++) {
		if (!(bloom[BLOCK_BLOOM_LEN - 1 - bits[i] / 8] & (1 << (bits[i] % 8))))
			return false;
	}
	return true;
}

void
block_bloom_logs(uint8_t bloom[BLOCK_BLOOM_LEN], const struct exec_log *logs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		block_bloom_add(bloom, logs[i].address, 20);
		for (size_t k = 0; k < logs[i].ntopics; k++)
			block_bloom_add(bloom, logs[i].topics[k], 32);
	}
}

int
block_receipt_encode(uint8_t **out, size_t *len, unsigned type, bool success,
		     uint64_t cumulative_gas, const uint8_t bloom[BLOCK_BLOOM_LEN],
		     const struct exec_log *logs, size_t nlogs)
{
	struct rlp_enc e;
	size_t outer, list, log, topics;
	uint8_t t = (uint8_t)type;
	int rc;

	rlp_enc_init(&e);
	if (type != 0)
		rlp_enc_raw(&e, &t, 1);
	outer = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, success ? 1 : 0);
	rlp_enc_u64(&e, cumulative_gas);
	rlp_enc_bytes(&e, bloom, BLOCK_BLOOM_LEN);
	list = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < nlogs; i++) {
		log = rlp_enc_list_begin(&e);
		rlp_enc_bytes(&e, logs[i].address, 20);
		topics = rlp_enc_list_begin(&e);
		for (size_t k = 0; k < logs[i].ntopics; k++)
			rlp_enc_bytes(&e, logs[i].topics[k], 32);
		rlp_enc_list_end(&e, topics);
		rlp_enc_bytes(&e, logs[i].data, logs[i].len);
		rlp_enc_list_end(&e, log);
	}
	rlp_enc_list_end(&e, list);
	rlp_enc_list_end(&e, outer);
	if ((rc = rlp_enc_error(&e)) != 0) {
		rlp_enc_release(&e);
		return rc;
	}
	*out = rlp_enc_detach(&e, len);
	return 0;
}

int
block_list_root(uint8_t root[32], const uint8_t *const *items, const size_t *lens, size_t n)
{
	struct mpt *t = mpt_new(0);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rlp_enc key;

		rlp_enc_init(&key);
		rlp_enc_u64(&key, i);
		rc = rlp_enc_error(&key);
		if (rc == 0)
			rc = mpt_put(t, key.data, key.len, items[i], lens[i]);
		rlp_enc_release(&key);
	}
	if (rc == 0)
		mpt_root(t, root);
	mpt_free(t);
	return rc;
}

struct u256
block_next_base_fee(const struct block_header *parent)
{
	uint64_t target = parent->gas_limit / ELASTICITY_MULTIPLIER;
	struct u256 fee = parent->base_fee, delta;

	if (target == 0 || parent->gas_used == target)
		return fee;
	if (parent->gas_used > target) {
		u256_mul(&delta, &fee, &(struct u256){ { parent->gas_used - target, 0, 0, 0 } });
		u256_div(&delta, &delta, &(struct u256){ { target, 0, 0, 0 } });
		u256_div(&delta, &delta,
			 &(struct u256){ { BASE_FEE_MAX_CHANGE_DENOMINATOR, 0, 0, 0 } });
		if (u256_is_zero(&delta))
			delta = u256_from_u64(1);
		(void)u256_add(&fee, &fee, &delta);
	} else {
		u256_mul(&delta, &fee, &(struct u256){ { target - parent->gas_used, 0, 0, 0 } });
		u256_div(&delta, &delta, &(struct u256){ { target, 0, 0, 0 } });
		u256_div(&delta, &delta,
			 &(struct u256){ { BASE_FEE_MAX_CHANGE_DENOMINATOR, 0, 0, 0 } });
		(void)u256_sub(&fee, &fee, &delta);
	}
	return fee;
}

uint64_t
block_next_excess_blob_gas(const struct block_header *parent)
{
	uint64_t sum = parent->excess_blob_gas + parent->blob_gas_used;

	return sum < BLOCK_TARGET_BLOB_GAS ? 0 : sum - BLOCK_TARGET_BLOB_GAS;
}
