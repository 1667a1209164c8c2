/* Tests for node/chain/block.c.  The genesis header comes from the
 * official BasicTests, read at run time from $CHAINBOX_CONFORMANCE. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chain/block.h"
#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "state/mpt.h"
#include "xalloc.h"

/* Mainnet's genesis: rlp(header), decoded, encodes back to the same bytes
 * and hashes to the block hash everyone knows. */
static void
test_block_mainnet_genesis(void)
{
	const char *dir = getenv("CHAINBOX_CONFORMANCE");
	char *path, hex[65];
	json_t *j;
	const char *rlp_hex;
	uint8_t *rlp, *again, hash[32];
	size_t len, alen;
	struct block_header h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	xasprintf(&path, "%s/BasicTests/genesishashestest.json", dir);
	j = json_load_file(path, 0, NULL);
	free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	rlp_hex = json_string_value(json_object_get(j, "genesis_rlp_hex"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rlp_hex);
	len = strlen(rlp_hex) / 2;
	rlp = xmalloc(len);
	CU_ASSERT_EQUAL_FATAL(hex_decode(rlp, &len, rlp_hex, strlen(rlp_hex)), 0);
	/* The file holds a whole block: [header, transactions, ommers]. */
	CU_ASSERT_EQUAL_FATAL(rlp[0], 0xf9);
	CU_ASSERT_EQUAL_FATAL(block_header_decode(&h, rlp + 3, len - 3 - 2), 0);
	CU_ASSERT_FALSE(h.has_base_fee);
	CU_ASSERT_EQUAL(h.number, 0);
	CU_ASSERT_EQUAL(h.gas_limit, 5000);
	hex_encode(hex, h.state_root, 32);
	CU_ASSERT_STRING_EQUAL(hex, json_string_value(json_object_get(j, "genesis_state_root")));
	CU_ASSERT_EQUAL_FATAL(block_header_encode(&again, &alen, &h), 0);
	CU_ASSERT_EQUAL(alen, len - 5);
	CU_ASSERT_EQUAL(memcmp(again, rlp + 3, alen), 0);
	CU_ASSERT_EQUAL(block_header_hash(hash, &h), 0);
	hex_encode(hex, hash, 32);
	CU_ASSERT_STRING_EQUAL(hex, json_string_value(json_object_get(j, "genesis_hash")));
	free(again);
	free(rlp);
	json_decref(j);
}

static void
test_block_cancun_round_trip(void)
{
	struct block_header h, d;
	uint8_t *buf;
	size_t len;

	block_header_init(&h);
	h.number = 42;
	h.gas_limit = 30000000;
	h.gas_used = 21000;
	h.timestamp = 1700000000;
	h.base_fee = u256_from_u64(875000000);
	h.blob_gas_used = 131072;
	h.excess_blob_gas = 0;
	memcpy(h.extra, "chainbox", 8);
	h.extra_len = 8;
	CU_ASSERT_EQUAL_FATAL(block_header_encode(&buf, &len, &h), 0);
	CU_ASSERT_EQUAL_FATAL(block_header_decode(&d, buf, len), 0);
	CU_ASSERT_TRUE(d.has_base_fee && d.has_withdrawals_root && d.has_blob_gas && d.has_beacon_root);
	CU_ASSERT_EQUAL(d.number, 42);
	CU_ASSERT_EQUAL(d.base_fee.w[0], 875000000);
	CU_ASSERT_EQUAL(d.blob_gas_used, 131072);
	CU_ASSERT_EQUAL(d.extra_len, 8);
	CU_ASSERT_EQUAL(memcmp(d.tx_root, mpt_empty_root, 32), 0);
	/* Cut short, it is refused rather than misread. */
	CU_ASSERT_NOT_EQUAL(block_header_decode(&d, buf, len - 1), 0);
	free(buf);
}

static void
test_block_decode_errors(void)
{
	static const uint8_t not_list[] = { 0x83, 'a', 'b', 'c' };
	static const uint8_t short_list[] = { 0xc2, 0x80, 0x80 };
	struct block_header h;

	CU_ASSERT_EQUAL(block_header_decode(&h, not_list, sizeof(not_list)), -EINVAL);
	CU_ASSERT_EQUAL(block_header_decode(&h, short_list, sizeof(short_list)), -EINVAL);
}

static void
test_block_bloom(void)
{
	uint8_t bloom[BLOCK_BLOOM_LEN] = { 0 }, addr[20] = { 0x11 }, other[20] = { 0x22 };
	struct exec_log log = { .ntopics = 1 };
	int bits = 0;

	block_bloom_add(bloom, addr, 20);
	for (size_t i = 0; i < sizeof(bloom); i++)
		bits += __builtin_popcount(bloom[i]);
	CU_ASSERT_TRUE(bits >= 1 && bits <= 3);
	CU_ASSERT_TRUE(block_bloom_test(bloom, addr, 20));
	CU_ASSERT_FALSE(block_bloom_test(bloom, other, 20));
	memcpy(log.address, other, 20);
	memset(log.topics[0], 0xab, 32);
	block_bloom_logs(bloom, &log, 1);
	CU_ASSERT_TRUE(block_bloom_test(bloom, other, 20));
	CU_ASSERT_TRUE(block_bloom_test(bloom, log.topics[0], 32));
}

static void
test_block_base_fee(void)
{
	struct block_header p;
	struct u256 f;

	block_header_init(&p);
	p.gas_limit = 30000000;
	p.base_fee = u256_from_u64(1000000000);
	p.gas_used = 15000000;
	f = block_next_base_fee(&p);
	CU_ASSERT_EQUAL(f.w[0], 1000000000); /* at the target: unchanged */
	p.gas_used = 30000000;
	f = block_next_base_fee(&p);
	CU_ASSERT_EQUAL(f.w[0], 1125000000); /* full: +12.5% */
	p.gas_used = 0;
	f = block_next_base_fee(&p);
	CU_ASSERT_EQUAL(f.w[0], 875000000); /* empty: -12.5% */
	p.base_fee = u256_from_u64(7);
	p.gas_used = 15000001;
	f = block_next_base_fee(&p);
	CU_ASSERT_EQUAL(f.w[0], 8); /* above the target it always rises */
	p.excess_blob_gas = 0;
	p.blob_gas_used = 6 * 131072;
	CU_ASSERT_EQUAL(block_next_excess_blob_gas(&p), 3 * 131072);
	p.blob_gas_used = 131072;
	CU_ASSERT_EQUAL(block_next_excess_blob_gas(&p), 0);
}

static void
test_block_receipts_and_roots(void)
{
	uint8_t bloom[BLOCK_BLOOM_LEN] = { 0 }, root[32], *r0, *r1;
	const uint8_t *items[2];
	size_t lens[2];

	CU_ASSERT_EQUAL(block_list_root(root, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(memcmp(root, mpt_empty_root, 32), 0);
	CU_ASSERT_EQUAL_FATAL(block_receipt_encode(&r0, &lens[0], 0, true, 21000, bloom, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(block_receipt_encode(&r1, &lens[1], 2, false, 42000, bloom, NULL, 0), 0);
	CU_ASSERT_EQUAL(r0[0], 0xf9); /* legacy: the list itself */
	CU_ASSERT_EQUAL(r1[0], 0x02); /* typed: the type byte first */
	CU_ASSERT_EQUAL(lens[1], lens[0] + 1);
	items[0] = r0;
	items[1] = r1;
	CU_ASSERT_EQUAL(block_list_root(root, items, lens, 2), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(root, mpt_empty_root, 32), 0);
	free(r0);
	free(r1);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_block_mainnet_genesis),
		HARNESS_TEST(test_block_cancun_round_trip),
		HARNESS_TEST(test_block_decode_errors),
		HARNESS_TEST(test_block_bloom),
		HARNESS_TEST(test_block_base_fee),
		HARNESS_TEST(test_block_receipts_and_roots),
		HARNESS_END,
	};
	return harness_run("block", tests);
}
