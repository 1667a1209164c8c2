/* The Ethereum JSON-RPC methods of a dev node (see eth.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "rpc/codec.h"
#include "rpc/eth.h"
#include "rpc/eth_int.h"
#include "secp.h"
#include "u256.h"
#include "xalloc.h"

#define GWEI 1000000000ULL
/* geth's cap on eth_feeHistory's block count. */
#define FEE_HISTORY_MAX_BLOCKS 1024
#define FEE_HISTORY_MAX_PERCENTILES 100
/* Each block anvil_mine makes is a real block with its own state root, so
 * one call may not ask for an unbounded number of them. */
#define MINE_MAX_BLOCKS 100000
/* Caps that keep a block's timestamp, a u64, from wrapping: one at the cap
 * and a call's most blocks at the widest interval stay below 2^64. */
#define MINE_MAX_TIMESTAMP INT64_MAX
#define MINE_MAX_INTERVAL UINT32_MAX
/* eth_getLogs refuses a query with more results, as hosted nodes do. */
#define LOGS_MAX_RESULTS 10000
#define LOGS_MAX_TOPICS 4
/* Filters nobody polls go after five minutes, as in geth, and there may
 * be only so many at once. */
#define FILTER_TIMEOUT 300
#define FILTERS_MAX 10000


static void filters_free(struct eth *e);
static void filters_rewind(struct eth *e);

struct eth *
eth_new(struct chain *c, const struct hdwallet_account *accts, size_t n, char **cause)
{
	struct eth *e = xcalloc(1, sizeof(*e));

	e->chain = c;
	e->secp = secp_new();
	if (e->secp == NULL) {
		xasprintf(cause, "cannot create a signing context: %s", strerror(errno));
		eth_free(e);
		e = NULL;
		goto out;
	}
	if (n > 0) {
		e->accts = xreallocarray(NULL, n, sizeof(*e->accts));
		memcpy(e->accts, accts, n * sizeof(*accts));
	}
	e->naccts = n;
	/* The id only has to differ between runs; the clock will do when the
	 * kernel has no randomness to give. */
	if (getrandom(e->instance_id, sizeof e->instance_id, GRND_NONBLOCK) !=
	    (ssize_t)sizeof e->instance_id) {
		uint64_t seed[2] = { (uint64_t)time(NULL), (uint64_t)getpid() };

		keccak256(e->instance_id, seed, sizeof seed);
	}
out:
	return e;
}

void
eth_free(struct eth *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->naccts; i++)
		hdwallet_account_release(&e->accts[i]);
	free(e->accts);
	secp_free(e->secp);
	filters_free(e);
	free(e);
}

/* --- the pool's nonces ---------------------------------------------------- */

/* Returns: addr's next nonce counting its transactions in the pool. */
uint64_t
pending_nonce(struct eth *e, const uint8_t addr[20])
{
	return chain_pool_nonce(e->chain, addr);
}

/* Says what became of a transaction the chain was given.  Returns: 0 or
 * -1. */
static int
submitted(struct eth *e, struct rpc_error *err, int rc, const char *why)
{
	if (rc == -EINVAL)
		return rpc_error_set(err, RPC_SERVER_ERROR, "%s",
				     why != NULL ? why : "transaction rejected");
	if (rc != 0) {
		if (why == NULL)
			why = chain_store_error(e->chain);
		return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot take the transaction: %s",
				     why != NULL ? why : strerror(-rc));
	}
	return 0;
}

/* Hands a signed transaction to the chain.  Returns: 0 or -1.
 * Out: hash. */
int
submit(struct eth *e, struct rpc_error *err, uint8_t hash[32], const uint8_t *raw, size_t len)
{
	const char *why = NULL;
	int rc = chain_send_raw(e->chain, hash, &why, raw, len);

	return submitted(e, err, rc, why);
}

/* --- methods: the node and the chain ------------------------------------- */

static int
rpc_web3_client_version(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "web3_clientVersion", 0, 0) != 0)
		return -1;
	return rpc_ok(result, json_string(ETH_CLIENT_VERSION));
}

static int
rpc_web3_sha3(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	uint8_t *data = NULL, hash[32];
	size_t len;
	int rc = -1;

	if (check_params(err, params, "web3_sha3", 1, 1) != 0 ||
	    parse_bytes(err, &data, &len, json_array_get(params, 0), 0, "data") != 0)
		goto out;
	keccak256(hash, data, len);
	rc = rpc_ok(result, jhash(hash));
out:
	free(data);
	return rc;
}

static int
rpc_net_version(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	char buf[24];

	if (check_params(err, params, "net_version", 0, 0) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%" PRIu64, chain_id(e->chain));
	return rpc_ok(result, json_string(buf));
}

static int
rpc_net_listening(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "net_listening", 0, 0) != 0)
		return -1;
	return rpc_ok(result, json_true());
}

static int
rpc_eth_chain_id(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_chainId", 0, 0) != 0)
		return -1;
	return rpc_ok(result, jsonhex_u64(chain_id(e->chain)));
}

static int
rpc_eth_block_number(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_blockNumber", 0, 0) != 0)
		return -1;
	return rpc_ok(result, jsonhex_u64(chain_head(e->chain)->header.number));
}

static int
rpc_eth_syncing(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "eth_syncing", 0, 0) != 0)
		return -1;
	return rpc_ok(result, json_false());
}

static int
rpc_eth_coinbase(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_coinbase", 0, 0) != 0)
		return -1;
	return rpc_ok(result, jaddr(chain_head(e->chain)->header.coinbase));
}

static int
rpc_eth_accounts(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	json_t *list;

	if (check_params(err, params, "eth_accounts", 0, 0) != 0)
		return -1;
	list = json_array();
	for (size_t i = 0; i < e->naccts; i++)
		json_array_append_new(list, jaddr(e->accts[i].addr));
	return rpc_ok(result, list);
}

/* --- methods: state ------------------------------------------------------- */

static int
rpc_eth_get_balance(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	struct u256 v;
	uint64_t n;

	if (check_params(err, params, "eth_getBalance", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    block_state(e->chain, err, &n, &st, params, 1) != 0)
		return -1;
	v = state_balance(st, addr);
	return rpc_ok(result, jsonhex_u256(&v));
}

/* "pending" counts the transactions this node put in the pool (see
 * pending_nonce()); every other block names the head. */
static int
rpc_eth_get_transaction_count(void *ctx, const json_t *params, json_t **result,
			      struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	uint64_t n;

	if (check_params(err, params, "eth_getTransactionCount", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		return -1;
	if (is_tag(json_array_get(params, 1), "pending"))
		return rpc_ok(result, jsonhex_u64(pending_nonce(e, addr)));
	if (block_state(e->chain, err, &n, &st, params, 1) != 0)
		return -1;
	return rpc_ok(result, jsonhex_u64(state_nonce(st, addr)));
}

static int
rpc_eth_get_code(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	const uint8_t *code;
	uint64_t n;
	size_t len;

	if (check_params(err, params, "eth_getCode", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    block_state(e->chain, err, &n, &st, params, 1) != 0)
		return -1;
	code = state_code(st, addr, &len);
	return rpc_ok(result, jsonhex_bytes(code, len));
}

/* eth_getStorageAt: the slot as a 32-byte word. */
static int
rpc_eth_get_storage_at(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20], word[32];
	struct u256 slot, v;
	uint64_t n;

	if (check_params(err, params, "eth_getStorageAt", 2, 3) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &slot, json_array_get(params, 1), 1, "slot") != 0 ||
	    block_state(e->chain, err, &n, &st, params, 2) != 0)
		return -1;
	v = state_storage(st, addr, &slot);
	u256_to_be(word, &v);
	return rpc_ok(result, jhash(word));
}

/* --- methods: fees -------------------------------------------------------- */

/* eth_gasPrice: the next base fee and a 1 gwei tip, as anvil answers. */
static int
rpc_eth_gas_price(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct u256 price = chain_next_base_fee(e->chain), tip = u256_from_u64(GWEI);

	if (check_params(err, params, "eth_gasPrice", 0, 0) != 0)
		return -1;
	u256_add(&price, &price, &tip);
	return rpc_ok(result, jsonhex_u256(&price));
}

static int
rpc_eth_max_priority_fee(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	if (check_params(err, params, "eth_maxPriorityFeePerGas", 0, 0) != 0)
		return -1;
	return rpc_ok(result, jsonhex_u64(GWEI));
}

static int
rpc_eth_blob_base_fee(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct u256 fee;

	if (check_params(err, params, "eth_blobBaseFee", 0, 0) != 0)
		return -1;
	fee = tx_blob_base_fee(block_next_excess_blob_gas(&chain_head(e->chain)->header));
	return rpc_ok(result, jsonhex_u256(&fee));
}

struct tip {
	struct u256 reward;
	uint64_t gas;
};

static int
tip_cmp(const void *a, const void *b)
{
	return u256_cmp(&((const struct tip *)a)->reward, &((const struct tip *)b)->reward);
}

/* Returns: the priority fees paid at each percentile of b's gas, as geth
 * computes them: transactions sorted by their tip, each weighing its gas. */
static json_t *
block_rewards(const struct chain_block *b, const double *pct, size_t npct)
{
	json_t *out = json_array();
	struct tip *tips = NULL;
	uint64_t sum;
	size_t i = 0;

	if (b->ntxs == 0 || b->header.gas_used == 0) {
		for (size_t k = 0; k < npct; k++)
			json_array_append_new(out, jsonhex_u64(0));
		goto out;
	}
	tips = xreallocarray(NULL, b->ntxs, sizeof(*tips));
	for (size_t k = 0; k < b->ntxs; k++) {
		const struct chain_tx *t = b->txs[k];

		if (u256_sub(&tips[k].reward, &t->effective_gas_price, &b->header.base_fee))
			tips[k].reward = u256_from_u64(0);
		tips[k].gas = t->receipt.gas_used;
	}
	qsort(tips, b->ntxs, sizeof(*tips), tip_cmp);
	sum = tips[0].gas;
	for (size_t k = 0; k < npct; k++) {
		uint64_t threshold = (uint64_t)((double)b->header.gas_used * pct[k] / 100);

		while (sum < threshold && i < b->ntxs - 1)
			sum += tips[++i].gas;
		json_array_append_new(out, jsonhex_u256(&tips[i].reward));
	}
out:
	free(tips);
	return out;
}

/* eth_feeHistory: [blockCount, newestBlock, rewardPercentiles?]. */
static int
rpc_eth_fee_history(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);
	const json_t *jpct;
	json_t *o = NULL, *base_fees, *ratios, *blob_fees, *blob_ratios, *rewards = NULL;
	double pct[FEE_HISTORY_MAX_PERCENTILES];
	size_t npct = 0;
	uint64_t count, newest;
	struct u256 next_fee, next_blob_fee;
	int rc = -1;

	if (check_params(err, params, "eth_feeHistory", 2, 3) != 0 ||
	    parse_u64(err, &count, json_array_get(params, 0), 0, "blockCount") != 0 ||
	    parse_block(e->chain, err, &newest, json_array_get(params, 1), 1) != 0)
		goto out;
	if (newest > head->header.number) {
		rpc_error_set(err, RPC_INVALID_PARAMS,
			      "request beyond head block: requested %" PRIu64 ", head %" PRIu64,
			      newest, head->header.number);
		goto out;
	}
	if ((jpct = opt_param(params, 2)) != NULL) {
		if (!json_is_array(jpct) || json_array_size(jpct) > FEE_HISTORY_MAX_PERCENTILES) {
			param_expected(err, 2, "rewardPercentiles", "an array of at most 100 numbers", jpct);
			goto out;
		}
		for (npct = 0; npct < json_array_size(jpct); npct++) {
			const json_t *p = json_array_get(jpct, npct);

			pct[npct] = json_number_value(p);
			if (!json_is_number(p) || pct[npct] < 0 || pct[npct] > 100 ||
			    (npct > 0 && pct[npct] < pct[npct - 1])) {
				bad_param(err, 2, "rewardPercentiles",
					  "expected numbers from 0 to 100 in increasing order");
				goto out;
			}
		}
	}
	o = json_object();
	base_fees = json_array();
	ratios = json_array();
	blob_fees = json_array();
	blob_ratios = json_array();
	if (jpct != NULL)
		rewards = json_array();
	if (count == 0) {
		jset(o, "oldestBlock", jsonhex_u64(0));
		goto done;
	}
	if (count > FEE_HISTORY_MAX_BLOCKS)
		count = FEE_HISTORY_MAX_BLOCKS;
	if (count > newest + 1)
		count = newest + 1;
	jset(o, "oldestBlock", jsonhex_u64(newest + 1 - count));
	for (uint64_t n = newest + 1 - count; n <= newest; n++) {
		const struct chain_block *b = chain_block(e->chain, n);
		const struct block_header *h = &b->header;
		struct u256 blob_fee = tx_blob_base_fee(h->excess_blob_gas);

		json_array_append_new(base_fees, jsonhex_u256(&h->base_fee));
		json_array_append_new(ratios, json_real(h->gas_limit > 0 ? (double)h->gas_used /
									    (double)h->gas_limit
									  : 0));
		json_array_append_new(blob_fees, jsonhex_u256(&blob_fee));
		json_array_append_new(blob_ratios, json_real((double)h->blob_gas_used /
							     TX_MAX_BLOB_GAS_PER_BLOCK));
		if (rewards != NULL)
			json_array_append_new(rewards, block_rewards(b, pct, npct));
	}
	/* The arrays of fees hold one more entry: the block after newest. */
	if (newest == head->header.number) {
		next_fee = chain_next_base_fee(e->chain);
		next_blob_fee = tx_blob_base_fee(block_next_excess_blob_gas(&head->header));
	} else {
		const struct block_header *h = &chain_block(e->chain, newest + 1)->header;

		next_fee = h->base_fee;
		next_blob_fee = tx_blob_base_fee(h->excess_blob_gas);
	}
	json_array_append_new(base_fees, jsonhex_u256(&next_fee));
	json_array_append_new(blob_fees, jsonhex_u256(&next_blob_fee));
done:
	jset(o, "baseFeePerGas", base_fees);
	jset(o, "gasUsedRatio", ratios);
	jset(o, "baseFeePerBlobGas", blob_fees);
	jset(o, "blobGasUsedRatio", blob_ratios);
	if (rewards != NULL)
		jset(o, "reward", rewards);
	rc = rpc_ok(result, o);
out:
	return rc;
}

/* --- methods: running code ------------------------------------------------ */

/* eth_call: [call, block?]; a revert is error 3 with its data. */
static int
rpc_eth_call(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct chain_call call;
	struct exec_receipt r = { 0 };
	const char *why = NULL;
	const struct state *st;
	uint64_t n;
	int rc = -1, ret;

	if (check_params(err, params, "eth_call", 1, 3) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0 ||
	    block_state(e->chain, err, &n, &st, params, 1) != 0)
		goto out;
	if (opt_param(params, 2) != NULL) {
		bad_param(err, 2, "stateOverrides", "state overrides are not supported yet");
		goto out;
	}
	txreq_call(&call, &q);
	ret = chain_call_at(e->chain, n, &r, &why, &call);
	if (ret != 0) {
		rpc_error_set(err, ret == -EINVAL || ret == -ENOENT ? RPC_SERVER_ERROR
								    : RPC_INTERNAL_ERROR,
			      "%s", why != NULL ? why : strerror(-ret));
		goto out;
	}
	if (r.status != EVM_SUCCESS) {
		run_failure(err, &r, 0);
		goto out;
	}
	rc = rpc_ok(result, jsonhex_bytes(r.output, r.output_len));
out:
	exec_receipt_release(&r);
	txreq_release(&q);
	return rc;
}

/* eth_estimateGas: [call, block?]; a revert is error 3, as for eth_call. */
static int
rpc_eth_estimate_gas(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct chain_call call;
	struct exec_receipt r = { 0 };
	const char *why = NULL;
	uint64_t gas;
	const struct state *st;
	uint64_t n;
	int rc = -1, ret;

	if (check_params(err, params, "eth_estimateGas", 1, 3) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0 ||
	    block_state(e->chain, err, &n, &st, params, 1) != 0)
		goto out;
	if (n != chain_head(e->chain)->header.number) {
		rpc_error_set(err, RPC_SERVER_ERROR,
			      "eth_estimateGas runs on the latest block only, for now");
		goto out;
	}
	if (opt_param(params, 2) != NULL) {
		bad_param(err, 2, "stateOverrides", "state overrides are not supported yet");
		goto out;
	}
	txreq_call(&call, &q);
	ret = chain_estimate_gas(e->chain, &gas, &r, &why, &call);
	if (ret == -EINVAL && why == NULL) {
		run_failure(err, &r, q.has_gas ? q.gas : chain_head(e->chain)->header.gas_limit);
		goto out;
	}
	if (ret != 0) {
		rpc_error_set(err, ret == -EINVAL ? RPC_SERVER_ERROR : RPC_INTERNAL_ERROR, "%s",
			      why != NULL ? why : strerror(-ret));
		goto out;
	}
	rc = rpc_ok(result, jsonhex_u64(gas));
out:
	exec_receipt_release(&r);
	txreq_release(&q);
	return rc;
}

/* --- methods: transactions ------------------------------------------------ */

/* Returns: the dev account with address addr, or NULL. */
const struct hdwallet_account *
find_account(const struct eth *e, const uint8_t addr[20])
{
	for (size_t i = 0; i < e->naccts; i++) {
		if (memcmp(e->accts[i].addr, addr, 20) == 0)
			return &e->accts[i];
	}
	return NULL;
}

/* Fills in a transaction from q as anvil would send it for sender from:
 * EIP-1559 by default with a 1 gwei tip and twice the next base fee on top,
 * legacy when a gasPrice is given, the nonce past from's pooled
 * transactions, and the gas from an estimate, or the block's gas limit when
 * the estimate fails (anvil's fallback: the transaction is then mined and
 * fails).
 * Returns: 0 or -1.  Out: tx (released with tx_release() either way); q's
 * data and access list move into it. */
static int
fill_tx(struct eth *e, struct rpc_error *err, struct tx *tx, struct txreq *q,
	const uint8_t from[20])
{
	struct u256 base = chain_next_base_fee(e->chain), gwei = u256_from_u64(GWEI), id;
	uint64_t type;

	memset(tx, 0, sizeof(*tx));
	id = u256_from_u64(chain_id(e->chain));
	if (q->has_gas_price && (q->has_max_fee || q->has_prio))
		return bad_param(err, 0, "transaction",
				 "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
	if (q->has_type)
		type = q->type;
	else if (q->has_gas_price)
		type = q->has_access ? TX_ACCESS_LIST : TX_LEGACY;
	else
		type = TX_DYNAMIC_FEE;
	if (type > TX_DYNAMIC_FEE)
		return bad_param(err, 0, "type",
				 "transaction type %" PRIu64 " cannot be sent with eth_sendTransaction",
				 type);
	if (type != TX_DYNAMIC_FEE && (q->has_max_fee || q->has_prio))
		return bad_param(err, 0, "type", "a type %" PRIu64 " transaction takes gasPrice, "
				 "not maxFeePerGas or maxPriorityFeePerGas", type);
	if (type == TX_DYNAMIC_FEE && q->has_gas_price)
		return bad_param(err, 0, "type", "a type 2 transaction takes maxFeePerGas and "
				 "maxPriorityFeePerGas, not gasPrice");
	if (q->has_chain_id && !u256_eq(&q->chain_id, &id)) {
		char have[U256_DEC_MAX];

		u256_to_dec(have, &q->chain_id);
		return rpc_error_set(err, RPC_SERVER_ERROR,
				     "chainId does not match node's (have=%s, want=%" PRIu64 ")", have,
				     chain_id(e->chain));
	}
	tx->type = (enum tx_type)type;
	tx->chain_id = id;
	tx->nonce = q->has_nonce ? q->nonce : pending_nonce(e, from);
	if (type == TX_DYNAMIC_FEE) {
		if (q->has_prio)
			tx->max_priority_fee = q->prio;
		else if (q->has_max_fee && u256_lt(&q->max_fee, &gwei))
			tx->max_priority_fee = q->max_fee;
		else
			tx->max_priority_fee = gwei;
		if (q->has_max_fee) {
			tx->max_fee = q->max_fee;
		} else if (u256_add(&tx->max_fee, &base, &base) ||
			   u256_add(&tx->max_fee, &tx->max_fee, &tx->max_priority_fee)) {
			return rpc_error_set(err, RPC_SERVER_ERROR, "base fee too large to pay");
		}
	} else if (q->has_gas_price) {
		tx->gas_price = q->gas_price;
	} else if (u256_add(&tx->gas_price, &base, &gwei)) {
		return rpc_error_set(err, RPC_SERVER_ERROR, "base fee too large to pay");
	}
	tx->is_create = !q->has_to;
	memcpy(tx->to, q->to, 20);
	tx->value = q->value;
	tx->data = q->data;
	tx->data_len = q->data_len;
	q->data = NULL;
	q->data_len = 0;
	if (type != TX_LEGACY) {
		tx->access_list = q->access;
		tx->naccess = q->naccess;
		q->access = NULL;
		q->naccess = 0;
	}
	if (q->has_gas) {
		tx->gas_limit = q->gas;
	} else {
		struct chain_call call;
		struct exec_receipt r = { 0 };
		const char *why = NULL;
		uint64_t gas;
		int rc;

		txreq_call(&call, q);
		memcpy(call.from, from, 20);
		call.data = tx->data;
		call.data_len = tx->data_len;
		rc = chain_estimate_gas(e->chain, &gas, &r, &why, &call);
		exec_receipt_release(&r);
		if (rc == -EINVAL) {
			gas = chain_head(e->chain)->header.gas_limit;
		} else if (rc != 0) {
			return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot estimate gas: %s",
					     why != NULL ? why : strerror(-rc));
		} else {
			/* chain_call() runs without the access list, so the
			 * estimate lacks what the list costs up front. */
			for (size_t i = 0; i < tx->naccess; i++)
				gas += TX_G_ACCESS_ADDRESS +
				       TX_G_ACCESS_KEY * (uint64_t)tx->access_list[i].nkeys;
		}
		tx->gas_limit = gas;
	}
	return 0;
}

/* eth_sendTransaction: signs for a dev account and submits; or, for an
 * impersonated sender (anvil_impersonateAccount), dev account or not,
 * submits without a signature, as anvil does. */
static int
rpc_eth_send_transaction(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct tx tx = { 0 };
	const struct hdwallet_account *acct;
	const char *why = NULL;
	uint8_t *raw = NULL, hash[32], from[20];
	size_t raw_len;
	int rc = -1, sent;

	if (check_params(err, params, "eth_sendTransaction", 1, 1) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0)
		goto out;
	if (q.has_from && chain_is_impersonated(e->chain, q.from)) {
		memcpy(from, q.from, 20);
		if (fill_tx(e, err, &tx, &q, from) != 0)
			goto out;
		sent = chain_send_as(e->chain, hash, &why, &tx, from);
		if (submitted(e, err, sent, why) != 0)
			goto out;
		rc = rpc_ok(result, jhash(hash));
		goto out;
	}
	acct = q.has_from ? find_account(e, q.from) : e->naccts > 0 ? &e->accts[0] : NULL;
	if (acct == NULL) {
		/* anvil's words, which its users search for. */
		rpc_error_set(err, RPC_INVALID_PARAMS, "No Signer available");
		goto out;
	}
	if (fill_tx(e, err, &tx, &q, acct->addr) != 0)
		goto out;
	if (tx_sign(e->secp, &tx, acct->key) != 0 || tx_encode(&raw, &raw_len, &tx) != 0) {
		rpc_error_set(err, RPC_SERVER_ERROR, "cannot sign the transaction");
		goto out;
	}
	if (submit(e, err, hash, raw, raw_len) != 0)
		goto out;
	rc = rpc_ok(result, jhash(hash));
out:
	free(raw);
	tx_release(&tx);
	txreq_release(&q);
	return rc;
}

/* Out: buf, an exception name from the official tests' vocabulary
 * ("TransactionException.RLP_ERROR_SIZE") as words ("rlp error size"). */
static void
exception_words(char *buf, size_t size, const char *why)
{
	const char *dot = why != NULL ? strrchr(why, '.') : NULL;
	size_t i;

	why = dot != NULL ? dot + 1 : why != NULL ? why : "malformed";
	for (i = 0; why[i] != '\0' && i + 1 < size; i++)
		buf[i] = why[i] == '_' ? ' ' : (char)tolower((unsigned char)why[i]);
	buf[i] = '\0';
}

/* eth_sendRawTransaction: submits a signed transaction as it is. */
static int
rpc_eth_send_raw_transaction(void *ctx, const json_t *params, json_t **result,
			     struct rpc_error *err)
{
	struct eth *e = ctx;
	struct tx tx = { 0 };
	uint8_t *raw = NULL, hash[32];
	const char *why = NULL;
	size_t len;
	int rc = -1;

	if (check_params(err, params, "eth_sendRawTransaction", 1, 1) != 0 ||
	    parse_bytes(err, &raw, &len, json_array_get(params, 0), 0, "data") != 0)
		goto out;
	/* Decoded here as well as in the chain, to tell a malformed
	 * transaction (-32602, as anvil answers) from one the pool refuses. */
	if (tx_decode(&tx, &why, raw, len) != 0) {
		char words[96];

		exception_words(words, sizeof words, why);
		rpc_error_set(err, RPC_INVALID_PARAMS, "Failed to decode transaction: %s", words);
		goto out;
	}
	if (submit(e, err, hash, raw, len) != 0)
		goto out;
	rc = rpc_ok(result, jhash(hash));
out:
	tx_release(&tx);
	free(raw);
	return rc;
}

/* Signs an EIP-191 personal message with a dev account's key.
 * Returns: 0 or -1.  Out: *result, the 65-byte signature r || s || v. */
static int
sign_message(struct eth *e, struct rpc_error *err, json_t **result, const json_t *jaddress,
	     size_t addr_idx, const json_t *jmsg, size_t msg_idx)
{
	const struct hdwallet_account *acct;
	uint8_t addr[20], *msg = NULL, hash[32], sig[65];
	char prefix[64];
	struct keccak k;
	size_t len;
	int rc = -1;

	if (parse_address(err, addr, jaddress, addr_idx, "address") != 0 ||
	    parse_bytes(err, &msg, &len, jmsg, msg_idx, "message") != 0)
		goto out;
	if ((acct = find_account(e, addr)) == NULL) {
		rpc_error_set(err, RPC_INVALID_PARAMS, "No Signer available");
		goto out;
	}
	snprintf(prefix, sizeof prefix, "\x19" "Ethereum Signed Message:\n%zu", len);
	keccak_init(&k);
	keccak_update(&k, prefix, strlen(prefix));
	keccak_update(&k, msg, len);
	keccak_final(&k, hash);
	if (secp_sign(e->secp, sig, hash, acct->key) != 0) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot sign the message");
		goto out;
	}
	sig[64] += 27;
	rc = rpc_ok(result, jsonhex_bytes(sig, sizeof sig));
out:
	free(msg);
	return rc;
}

/* eth_sign: [address, message]. */
static int
rpc_eth_sign(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "eth_sign", 2, 2) != 0)
		return -1;
	return sign_message(ctx, err, result, json_array_get(params, 0), 0,
			    json_array_get(params, 1), 1);
}

/* personal_sign: [message, address, password?]; the password is ignored. */
static int
rpc_personal_sign(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "personal_sign", 2, 3) != 0)
		return -1;
	return sign_message(ctx, err, result, json_array_get(params, 1), 1,
			    json_array_get(params, 0), 0);
}

/* eth_getTransactionByHash: a mined transaction, or one waiting in the
 * pool (with null block fields), or null. */
static int
rpc_eth_get_transaction_by_hash(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_tx *t;
	struct chain_pooled p;
	uint8_t hash[32];

	if (check_params(err, params, "eth_getTransactionByHash", 1, 1) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "hash") != 0)
		return -1;
	t = chain_tx(e->chain, hash);
	if (t != NULL)
		return rpc_ok(result, tx_json(t, chain_block(e->chain, t->block_number)));
	/* ethers' signer polls for a sent transaction until it is found. */
	if (chain_pool_get(e->chain, &p, hash))
		return rpc_ok(result, pooled_json(&p));
	return rpc_ok(result, json_null());
}

/* eth_getTransactionReceipt: null for a hash not mined. */
static int
rpc_eth_get_transaction_receipt(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_tx *t;
	uint8_t hash[32];

	if (check_params(err, params, "eth_getTransactionReceipt", 1, 1) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "hash") != 0)
		return -1;
	t = chain_tx(e->chain, hash);
	if (t == NULL)
		return rpc_ok(result, json_null());
	return rpc_ok(result, receipt_json(t, chain_block(e->chain, t->block_number)));
}

/* --- methods: blocks ------------------------------------------------------ */

/* Finds the block a param names by number or tag.  Returns: 0 with *b set
 * (NULL past the head), or -1. */
static int
block_by_number_param(struct eth *e, struct rpc_error *err, const struct chain_block **b,
		      const json_t *params, size_t idx)
{
	uint64_t n;

	if (json_is_object(json_array_get(params, idx)))
		return param_expected(err, idx, "block", "a block number or tag",
				json_array_get(params, idx));
	if (parse_block(e->chain, err, &n, json_array_get(params, idx), idx) != 0)
		return -1;
	*b = chain_block(e->chain, n);
	return 0;
}

/* Finds the block a hash param names.  Returns: 0 with *b set (NULL when
 * unknown), or -1. */
static int
block_by_hash_param(struct eth *e, struct rpc_error *err, const struct chain_block **b,
		    const json_t *params, size_t idx)
{
	uint8_t hash[32];

	if (parse_hash(err, hash, json_array_get(params, idx), idx, "blockHash") != 0)
		return -1;
	*b = chain_block_by_hash(e->chain, hash);
	return 0;
}

/* Answers a block lookup: the block with its transactions as objects when
 * param 1 is true, or null. */
static int
block_result(struct rpc_error *err, json_t **result, const struct chain_block *b,
	     const json_t *params)
{
	const json_t *jfull = opt_param(params, 1);
	bool full = false;

	if (jfull != NULL && parse_bool(err, &full, jfull, 1, "fullTransactions") != 0)
		return -1;
	return rpc_ok(result, b != NULL ? block_json(b, full) : json_null());
}

static int
rpc_eth_get_block_by_number(void *ctx, const json_t *params, json_t **result,
			    struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockByNumber", 1, 2) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return block_result(err, result, b, params);
}

static int
rpc_eth_get_block_by_hash(void *ctx, const json_t *params, json_t **result,
			  struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockByHash", 1, 2) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return block_result(err, result, b, params);
}

static int
rpc_eth_get_block_tx_count_by_number(void *ctx, const json_t *params, json_t **result,
				     struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockTransactionCountByNumber", 1, 1) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return rpc_ok(result, b != NULL ? jsonhex_u64(b->ntxs) : json_null());
}

static int
rpc_eth_get_block_tx_count_by_hash(void *ctx, const json_t *params, json_t **result,
				   struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockTransactionCountByHash", 1, 1) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return rpc_ok(result, b != NULL ? jsonhex_u64(b->ntxs) : json_null());
}

/* Answers transaction param 1 of block b, or null. */
static int
tx_at_index(struct rpc_error *err, json_t **result, const struct chain_block *b,
	    const json_t *params)
{
	uint64_t i;

	if (parse_u64(err, &i, json_array_get(params, 1), 1, "index") != 0)
		return -1;
	if (b == NULL || i >= b->ntxs)
		return rpc_ok(result, json_null());
	return rpc_ok(result, tx_json(b->txs[i], b));
}

static int
rpc_eth_get_tx_by_block_number_and_index(void *ctx, const json_t *params, json_t **result,
					 struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getTransactionByBlockNumberAndIndex", 2, 2) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return tx_at_index(err, result, b, params);
}

static int
rpc_eth_get_tx_by_block_hash_and_index(void *ctx, const json_t *params, json_t **result,
				       struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getTransactionByBlockHashAndIndex", 2, 2) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return tx_at_index(err, result, b, params);
}

/* eth_getBlockReceipts: every receipt of a block, or null. */
static int
rpc_eth_get_block_receipts(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *b;
	json_t *list;
	uint64_t n;

	if (check_params(err, params, "eth_getBlockReceipts", 1, 1) != 0 ||
	    parse_block(e->chain, err, &n, json_array_get(params, 0), 0) != 0)
		return -1;
	if ((b = chain_block(e->chain, n)) == NULL)
		return rpc_ok(result, json_null());
	list = json_array();
	for (size_t i = 0; i < b->ntxs; i++)
		json_array_append_new(list, receipt_json(b->txs[i], b));
	return rpc_ok(result, list);
}

/* --- methods: logs -------------------------------------------------------- */

struct log_filter {
	uint64_t from, to;
	uint8_t (*addrs)[20];
	size_t naddrs;
	uint8_t (*topics[LOGS_MAX_TOPICS])[32]; /* per position; none: any */
	size_t ntopic[LOGS_MAX_TOPICS];
	size_t npos; /* positions given, wildcards included */
	bool to_latest; /* the range ends at the head, wherever it is */
};

enum filter_kind {
	FILTER_LOGS,
	FILTER_BLOCKS,
	FILTER_PENDING,
};

/* An installed filter: eth_getFilterChanges reports from block next on. */
struct filter {
	uint64_t id;
	enum filter_kind kind;
	struct log_filter logs; /* FILTER_LOGS's */
	uint64_t next;
	time_t last_poll;
};

/* Frees what f owns and clears it. */
static void
log_filter_release(struct log_filter *f)
{
	free(f->addrs);
	for (size_t i = 0; i < LOGS_MAX_TOPICS; i++)
		free(f->topics[i]);
	memset(f, 0, sizeof(*f));
}

/* Parses one topic position: null for any, a hash, or a list of hashes of
 * which one must match. */
static int
parse_topic_position(struct rpc_error *err, struct log_filter *f, size_t pos, const json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;

	if (json_is_null(v))
		return 0;
	f->topics[pos] = xreallocarray(NULL, n + 1, sizeof(*f->topics[pos]));
	for (size_t i = 0; i < n; i++) {
		const json_t *t = json_is_array(v) ? json_array_get(v, i) : v;

		/* A null inside the list matches anything, as in geth. */
		if (json_is_null(t)) {
			free(f->topics[pos]);
			f->topics[pos] = NULL;
			f->ntopic[pos] = 0;
			return 0;
		}
		if (parse_hash(err, f->topics[pos][f->ntopic[pos]], t, 0, "topics") != 0)
			return -1;
		f->ntopic[pos]++;
	}
	return 0;
}

/* Parses eth_getLogs's filter: a block range or a blockHash, addresses
 * and topics.  Returns: 0 or -1.  Out: f, released either way. */
static int
parse_log_filter(struct eth *e, struct rpc_error *err, struct log_filter *f, const json_t *v)
{
	const json_t *addr = opt_field(v, "address"), *topics = opt_field(v, "topics");
	const json_t *from = opt_field(v, "fromBlock"), *to = opt_field(v, "toBlock");
	const json_t *bhash = opt_field(v, "blockHash");
	uint64_t head = chain_head(e->chain)->header.number;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(v))
		return param_expected(err, 0, "filter", "a filter object", v);
	if (bhash != NULL) {
		uint8_t h[32];
		const struct chain_block *b;

		if (from != NULL || to != NULL)
			return bad_param(err, 0, "filter", "blockHash cannot be given with "
					 "fromBlock or toBlock");
		if (parse_hash(err, h, bhash, 0, "blockHash") != 0)
			return -1;
		if ((b = chain_block_by_hash(e->chain, h)) == NULL)
			return rpc_error_set(err, RPC_SERVER_ERROR, "unknown block");
		f->from = f->to = b->header.number;
	} else {
		f->from = f->to = head;
		if (from != NULL && parse_block(e->chain, err, &f->from, from, 0) != 0)
			return -1;
		if (to != NULL && parse_block(e->chain, err, &f->to, to, 0) != 0)
			return -1;
		f->to_latest = to == NULL || is_tag(to, "latest") || is_tag(to, "pending") ||
			       is_tag(to, "safe") || is_tag(to, "finalized");
	}
	if (addr != NULL) {
		size_t n = json_is_array(addr) ? json_array_size(addr) : 1;

		f->addrs = xreallocarray(NULL, n + 1, sizeof(*f->addrs));
		for (size_t i = 0; i < n; i++) {
			if (parse_address(err, f->addrs[i],
					  json_is_array(addr) ? json_array_get(addr, i) : addr, 0,
					  "address") != 0)
				return -1;
			f->naddrs = i + 1;
		}
	}
	if (topics != NULL) {
		if (!json_is_array(topics) || json_array_size(topics) > LOGS_MAX_TOPICS)
			return param_expected(err, 0, "topics", "an array of at most 4 topics", topics);
		f->npos = json_array_size(topics);
		for (size_t i = 0; i < f->npos; i++) {
			if (parse_topic_position(err, f, i, json_array_get(topics, i)) != 0)
				return -1;
		}
	}
	return 0;
}

/* Returns: whether l passes f.  As in geth, a filter with more topic
 * positions than the log has topics never matches. */
static bool
log_matches(const struct log_filter *f, const struct exec_log *l)
{
	bool found = f->naddrs == 0;

	for (size_t i = 0; i < f->naddrs && !found; i++)
		found = memcmp(f->addrs[i], l->address, 20) == 0;
	if (!found || f->npos > l->ntopics)
		return false;
	for (size_t p = 0; p < f->npos; p++) {
		found = f->ntopic[p] == 0;
		for (size_t i = 0; i < f->ntopic[p] && !found; i++)
			found = memcmp(f->topics[p][i], l->topics[p], 32) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* eth_getLogs: every matching log of the range, in chain order. */
/* Appends to out the logs of blocks from to to (clamped to the head) that
 * pass f.  Returns: 0, or -1 when there are more than LOGS_MAX_RESULTS. */
static int
collect_logs(struct eth *e, struct rpc_error *err, json_t *out, const struct log_filter *f,
	     uint64_t from, uint64_t to)
{
	uint64_t head = chain_head(e->chain)->header.number;
	size_t count = json_array_size(out);

	if (to > head)
		to = head;
	for (uint64_t n = from; n <= to; n++) {
		const struct chain_block *b = chain_block(e->chain, n);

		for (size_t i = 0; i < b->ntxs; i++) {
			const struct chain_tx *t = b->txs[i];

			for (size_t k = 0; k < t->receipt.nlogs; k++) {
				if (!log_matches(f, &t->receipt.logs[k]))
					continue;
				if (++count > LOGS_MAX_RESULTS)
					return rpc_error_set(err, RPC_SERVER_ERROR,
							     "query returned more than %d results",
							     LOGS_MAX_RESULTS);
				json_array_append_new(out, log_json(t, b, k));
			}
		}
		if (n == UINT64_MAX)
			break;
	}
	return 0;
}

/* eth_getLogs: every matching log of the range, in chain order. */
static int
rpc_eth_get_logs(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct log_filter f;
	json_t *out = NULL;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (check_params(err, params, "eth_getLogs", 1, 1) != 0 ||
	    parse_log_filter(e, err, &f, json_array_get(params, 0)) != 0)
		goto out;
	if (f.from > f.to) {
		rpc_error_set(err, RPC_SERVER_ERROR, "invalid block range params");
		goto out;
	}
	out = json_array();
	if (collect_logs(e, err, out, &f, f.from, f.to) != 0)
		goto out;
	rc = rpc_ok(result, out);
	out = NULL;
out:
	json_decref(out);
	log_filter_release(&f);
	return rc;
}

/* --- methods: filters ------------------------------------------------------ */

/* Frees every filter. */
static void
filters_free(struct eth *e)
{
	for (size_t i = 0; i < e->nfilters; i++)
		log_filter_release(&e->filters[i].logs);
	free(e->filters);
	e->filters = NULL;
	e->nfilters = 0;
}

/* After evm_revert: no filter waits past the block after the new head,
 * except a log filter for a fromBlock still to come. */
static void
filters_rewind(struct eth *e)
{
	uint64_t next = chain_head(e->chain)->header.number + 1;

	for (size_t i = 0; i < e->nfilters; i++) {
		struct filter *f = &e->filters[i];

		if (f->next > next && !(f->kind == FILTER_LOGS && f->next == f->logs.from))
			f->next = next;
	}
}

/* Drops the filters nobody polled for FILTER_TIMEOUT seconds, as geth
 * does, so that clients that went away do not keep theirs forever. */
static void
filters_expire(struct eth *e)
{
	time_t now = time(NULL);
	size_t k = 0;

	for (size_t i = 0; i < e->nfilters; i++) {
		if (now - e->filters[i].last_poll > FILTER_TIMEOUT) {
			log_filter_release(&e->filters[i].logs);
			continue;
		}
		e->filters[k++] = e->filters[i];
	}
	e->nfilters = k;
}

/* Installs a filter that reports from the next block on (or from the log
 * filter's fromBlock when that is later).  Returns: 0 with its id as the
 * result, or -1.  In: logs, for FILTER_LOGS, moved into the filter. */
static int
filter_install(struct eth *e, struct rpc_error *err, json_t **result, enum filter_kind kind,
	       struct log_filter *logs)
{
	uint64_t head = chain_head(e->chain)->header.number;
	struct filter *f;

	filters_expire(e);
	if (e->nfilters >= FILTERS_MAX)
		return rpc_error_set(err, RPC_SERVER_ERROR, "too many filters (%d): uninstall "
				     "some with eth_uninstallFilter", FILTERS_MAX);
	e->filters = xreallocarray(e->filters, e->nfilters + 1, sizeof(*e->filters));
	f = &e->filters[e->nfilters++];
	memset(f, 0, sizeof(*f));
	f->id = ++e->filter_ids;
	f->kind = kind;
	f->next = head + 1;
	f->last_poll = time(NULL);
	if (logs != NULL) {
		f->logs = *logs;
		memset(logs, 0, sizeof(*logs));
		if (f->logs.from > f->next)
			f->next = f->logs.from;
	}
	return rpc_ok(result, jsonhex_u64(f->id));
}

/* Returns: the filter param idx names, or NULL after reporting that there
 * is none (anvil's and geth's "filter not found"). */
static struct filter *
filter_param(struct eth *e, struct rpc_error *err, const json_t *params, size_t idx)
{
	struct u256 id;

	if (parse_u256(err, &id, json_array_get(params, idx), idx, "id") != 0)
		return NULL;
	filters_expire(e);
	for (size_t i = 0; u256_fits_u64(&id) && i < e->nfilters; i++) {
		if (e->filters[i].id == id.w[0])
			return &e->filters[i];
	}
	rpc_error_set(err, RPC_SERVER_ERROR, "filter not found");
	return NULL;
}

/* eth_newFilter: [filter]; changes are the matching logs of new blocks. */
static int
rpc_eth_new_filter(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct log_filter f;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (check_params(err, params, "eth_newFilter", 1, 1) != 0 ||
	    parse_log_filter(ctx, err, &f, json_array_get(params, 0)) != 0)
		goto out;
	rc = filter_install(ctx, err, result, FILTER_LOGS, &f);
out:
	log_filter_release(&f);
	return rc;
}

/* eth_newBlockFilter: changes are the hashes of new blocks. */
static int
rpc_eth_new_block_filter(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	if (check_params(err, params, "eth_newBlockFilter", 0, 0) != 0)
		return -1;
	return filter_install(ctx, err, result, FILTER_BLOCKS, NULL);
}

/* eth_newPendingTransactionFilter: the pool is not visible through the
 * chain's interface, so its changes are always empty. */
static int
rpc_eth_new_pending_filter(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	if (check_params(err, params, "eth_newPendingTransactionFilter", 0, 0) != 0)
		return -1;
	return filter_install(ctx, err, result, FILTER_PENDING, NULL);
}

/* eth_getFilterChanges: [id]; what came since the last poll. */
static int
rpc_eth_get_filter_changes(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t head = chain_head(e->chain)->header.number;
	struct filter *f;
	json_t *out = NULL;
	int rc = -1;

	if (check_params(err, params, "eth_getFilterChanges", 1, 1) != 0 ||
	    (f = filter_param(e, err, params, 0)) == NULL)
		goto out;
	out = json_array();
	if (f->kind == FILTER_BLOCKS) {
		for (uint64_t n = f->next; n <= head; n++)
			json_array_append_new(out, jhash(chain_block(e->chain, n)->hash));
	} else if (f->kind == FILTER_LOGS &&
		   collect_logs(e, err, out, &f->logs, f->next,
				f->logs.to_latest ? head : f->logs.to) != 0) {
		goto out;
	}
	if (head + 1 > f->next)
		f->next = head + 1;
	f->last_poll = time(NULL);
	rc = rpc_ok(result, out);
	out = NULL;
out:
	json_decref(out);
	return rc;
}

/* eth_getFilterLogs: [id]; every log of a log filter's range. */
static int
rpc_eth_get_filter_logs(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct filter *f;
	json_t *out = NULL;
	int rc = -1;

	if (check_params(err, params, "eth_getFilterLogs", 1, 1) != 0 ||
	    (f = filter_param(e, err, params, 0)) == NULL)
		goto out;
	if (f->kind != FILTER_LOGS) {
		rpc_error_set(err, RPC_SERVER_ERROR, "filter not found");
		goto out;
	}
	f->last_poll = time(NULL);
	out = json_array();
	if (collect_logs(e, err, out, &f->logs, f->logs.from,
			 f->logs.to_latest ? UINT64_MAX : f->logs.to) != 0)
		goto out;
	rc = rpc_ok(result, out);
	out = NULL;
out:
	json_decref(out);
	return rc;
}

/* eth_uninstallFilter: [id]; false for an unknown id. */
static int
rpc_eth_uninstall_filter(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	struct eth *e = ctx;
	struct filter *f;

	if (check_params(err, params, "eth_uninstallFilter", 1, 1) != 0)
		return -1;
	if ((f = filter_param(e, err, params, 0)) == NULL) {
		if (err->code != RPC_SERVER_ERROR)
			return -1;
		return rpc_ok(result, json_false());
	}
	log_filter_release(&f->logs);
	*f = e->filters[--e->nfilters];
	return rpc_ok(result, json_true());
}

/* --- methods: mining and the node ----------------------------------------- */

/* Mines count blocks: the first at ts, the others interval seconds
 * apart (1 when 0); the chain keeps timestamps increasing.
 * Returns: 0 or -1. */
static int
mine_blocks(struct eth *e, struct rpc_error *err, uint64_t count, uint64_t ts,
	    uint64_t interval)
{
	int rc = count == 1 ? chain_mine(e->chain, ts)
			    : chain_mine_many(e->chain, count, ts, interval);

	if (rc != 0) {
		const char *why = chain_store_error(e->chain);

		return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot mine: %s",
				     why != NULL ? why : strerror(-rc));
	}
	return 0;
}

/* evm_mine: [], [timestamp], or Ganache's [{timestamp, blocks}]. */
static int
rpc_evm_mine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	const json_t *v;
	uint64_t ts = 0, count = 1; /* 0: the chain's clock */

	if (check_params(err, params, "evm_mine", 0, 1) != 0)
		return -1;
	if ((v = opt_param(params, 0)) != NULL && json_is_object(v)) {
		const json_t *jts = opt_field(v, "timestamp"), *jn = opt_field(v, "blocks");

		if (jts != NULL && parse_u64(err, &ts, jts, 0, "timestamp") != 0)
			return -1;
		if (jn != NULL && parse_u64(err, &count, jn, 0, "blocks") != 0)
			return -1;
	} else if (v != NULL && parse_u64(err, &ts, v, 0, "timestamp") != 0) {
		return -1;
	}
	if (count > MINE_MAX_BLOCKS)
		return bad_param(err, 0, "blocks", "at most %d blocks can be mined at once",
				 MINE_MAX_BLOCKS);
	if (ts > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "timestamp", "at most %" PRIu64 " seconds",
				 (uint64_t)MINE_MAX_TIMESTAMP);
	if (count > 0 && mine_blocks(ctx, err, count, ts, 1) != 0)
		return -1;
	return rpc_ok(result, json_string("0x0"));
}

/* anvil_mine and hardhat_mine: [blocks?, interval?]. */
static int
rpc_anvil_mine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	const json_t *jn, *jint;
	uint64_t count = 1, interval = 1;

	if (check_params(err, params, "anvil_mine", 0, 2) != 0)
		return -1;
	if ((jn = opt_param(params, 0)) != NULL && parse_u64(err, &count, jn, 0, "blocks") != 0)
		return -1;
	if ((jint = opt_param(params, 1)) != NULL &&
	    parse_u64(err, &interval, jint, 1, "interval") != 0)
		return -1;
	if (count > MINE_MAX_BLOCKS)
		return bad_param(err, 0, "blocks", "at most %d blocks can be mined at once",
				 MINE_MAX_BLOCKS);
	if (interval > MINE_MAX_INTERVAL)
		return bad_param(err, 1, "interval", "at most %u seconds", MINE_MAX_INTERVAL);
	/* The first block takes the chain's clock (evm_setNextBlockTimestamp,
	 * evm_increaseTime), as anvil's does; the rest follow at interval. */
	if (count > 0 && mine_blocks(ctx, err, count, 0, interval) != 0)
		return -1;
	return rpc_ok(result, json_null());
}

/* evm_setAutomine and anvil_setAutomine: [enabled]. */
static int
rpc_evm_set_automine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	bool on = false;

	if (check_params(err, params, "evm_setAutomine", 1, 1) != 0 ||
	    parse_bool(err, &on, json_array_get(params, 0), 0, "enabled") != 0)
		return -1;
	chain_set_automine(e->chain, on);
	return rpc_ok(result, json_null());
}

/* evm_snapshot: ids are hex strings, since Hardhat's helpers check that
 * they are strings. */
static int
rpc_evm_snapshot(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "evm_snapshot", 0, 0) != 0)
		return -1;
	return rpc_ok(result, jsonhex_u64(chain_snapshot(e->chain)));
}

/* evm_revert: true, or false for an unknown or used-up id. */
static int
rpc_evm_revert(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t id;

	if (check_params(err, params, "evm_revert", 1, 1) != 0 ||
	    parse_u64(err, &id, json_array_get(params, 0), 0, "id") != 0)
		return -1;
	if (!chain_revert(e->chain, id))
		return rpc_ok(result, json_false());
	/* Filters report the blocks mined from now on, which take the
	 * numbers of those that went. */
	filters_rewind(e);
	return rpc_ok(result, json_true());
}

/* anvil_getAutomine and hardhat_getAutomine. */
static int
rpc_anvil_get_automine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "anvil_getAutomine", 0, 0) != 0)
		return -1;
	return rpc_ok(result, json_boolean(chain_automine(e->chain)));
}

/* anvil_nodeInfo: what cast and hardhat-viem probe to detect anvil. */
static int
rpc_anvil_node_info(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);
	struct u256 base = chain_next_base_fee(e->chain), price, gwei = u256_from_u64(GWEI);

	if (check_params(err, params, "anvil_nodeInfo", 0, 0) != 0)
		return -1;
	u256_add(&price, &base, &gwei);
	return rpc_ok(result,
		  json_pack("{s:o, s:I, s:o, s:s, s:s, s:{s:o, s:I, s:I, s:o}, s:{s:n, s:n, s:n}}",
			    "currentBlockNumber", jsonhex_u64(head->header.number),
			    "currentBlockTimestamp", (json_int_t)head->header.timestamp,
			    "currentBlockHash", jhash(head->hash),
			    "hardFork", "Cancun",
			    "transactionOrder", "fifo",
			    "environment",
			    "baseFee", jnum_u256(&base),
			    "chainId", (json_int_t)chain_id(e->chain),
			    "gasLimit", (json_int_t)head->header.gas_limit,
			    "gasPrice", jnum_u256(&price),
			    "forkConfig", "forkUrl", "forkBlockNumber", "forkRetryBackoff"));
}

/* anvil_metadata, and hardhat_metadata, its alias in anvil. */
static int
rpc_anvil_metadata(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);

	if (check_params(err, params, "anvil_metadata", 0, 0) != 0)
		return -1;
	return rpc_ok(result, json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:o, s:n, s:{}}",
				    "clientVersion", ETH_CLIENT_VERSION,
				    "clientSemver", PACKAGE_VERSION,
				    "clientCommitSha", "",
				    "chainId", (json_int_t)chain_id(e->chain),
				    "instanceId", jhash(e->instance_id),
				    "latestBlockNumber", (json_int_t)head->header.number,
				    "latestBlockHash", jhash(head->hash),
				    "forkedNetwork",
				    "snapshots"));
}


/* --- methods: test control ------------------------------------------------- */

/* anvil_setBalance / hardhat_setBalance: [address, wei]; null, as anvil. */
static int
rpc_set_balance(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];
	struct u256 v;

	if (check_params(err, params, "anvil_setBalance", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &v, json_array_get(params, 1), 1, "balance") != 0)
		return -1;
	chain_set_balance(e->chain, addr, &v);
	return rpc_ok(result, json_null());
}

/* anvil_setNonce / hardhat_setNonce: [address, nonce]; null. */
static int
rpc_set_nonce(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];
	uint64_t n;

	if (check_params(err, params, "anvil_setNonce", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u64(err, &n, json_array_get(params, 1), 1, "nonce") != 0)
		return -1;
	chain_set_nonce(e->chain, addr, n);
	return rpc_ok(result, json_null());
}

/* anvil_setCode / hardhat_setCode: [address, code]; null. */
static int
rpc_set_code(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20], *code = NULL;
	size_t len = 0;

	if (check_params(err, params, "anvil_setCode", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_bytes(err, &code, &len, json_array_get(params, 1), 1, "code") != 0)
		return -1;
	chain_set_code(e->chain, addr, code, len);
	free(code);
	return rpc_ok(result, json_null());
}

/* anvil_setStorageAt / hardhat_setStorageAt: [address, slot, word]; true.
 * The value must be a whole 32-byte word, as anvil insists. */
static int
rpc_set_storage_at(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20], word[32];
	struct u256 slot, v;

	if (check_params(err, params, "anvil_setStorageAt", 3, 3) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &slot, json_array_get(params, 1), 1, "slot") != 0)
		return -1;
	if (json_string_length(json_array_get(params, 2)) != 66)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "invalid string length");
	if (parse_hash(err, word, json_array_get(params, 2), 2, "value") != 0)
		return -1;
	u256_from_be32(&v, word);
	chain_set_storage(e->chain, addr, &slot, &v);
	return rpc_ok(result, json_true());
}

/* evm_increaseTime: [seconds]; the total offset, a JSON number as anvil's. */
static int
rpc_evm_increase_time(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t secs;

	if (check_params(err, params, "evm_increaseTime", 1, 1) != 0 ||
	    parse_u64(err, &secs, json_array_get(params, 0), 0, "seconds") != 0)
		return -1;
	if (secs > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "seconds", "at most %" PRIu64, (uint64_t)MINE_MAX_TIMESTAMP);
	return rpc_ok(result, json_integer((json_int_t)chain_increase_time(e->chain, (int64_t)secs)));
}

/* evm_setNextBlockTimestamp: [timestamp]; null.  The next block gets
 * exactly that timestamp, which Hardhat's time.increase relies on. */
static int
rpc_evm_set_next_block_timestamp(void *ctx, const json_t *params, json_t **result,
				 struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t ts;

	if (check_params(err, params, "evm_setNextBlockTimestamp", 1, 1) != 0 ||
	    parse_u64(err, &ts, json_array_get(params, 0), 0, "timestamp") != 0)
		return -1;
	if (ts > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "timestamp", "at most %" PRIu64,
				 (uint64_t)MINE_MAX_TIMESTAMP);
	if (chain_set_next_timestamp(e->chain, ts) != 0)
		return rpc_error_set(err, RPC_INVALID_PARAMS,
				     "timestamp %" PRIu64 " is not after the latest block's (%" PRIu64 ")",
				     ts, chain_head(e->chain)->header.timestamp);
	return rpc_ok(result, json_null());
}

static const struct rpc_method methods[] = {
	{ "anvil_autoImpersonateAccount", rpc_anvil_auto_impersonate_account },
	{ "anvil_dropAllTransactions", rpc_anvil_drop_all_transactions },
	{ "anvil_dropTransaction", rpc_anvil_drop_transaction },
	{ "anvil_dumpState", rpc_anvil_dump_state },
	{ "anvil_getAutomine", rpc_anvil_get_automine },
	{ "anvil_impersonateAccount", rpc_anvil_impersonate_account },
	{ "anvil_loadState", rpc_anvil_load_state },
	{ "anvil_metadata", rpc_anvil_metadata },
	{ "anvil_mine", rpc_anvil_mine },
	{ "anvil_nodeInfo", rpc_anvil_node_info },
	{ "anvil_removePoolTransactions", rpc_anvil_remove_pool_transactions },
	{ "anvil_revert", rpc_evm_revert },
	{ "anvil_setAutomine", rpc_evm_set_automine },
	{ "anvil_snapshot", rpc_evm_snapshot },
	{ "anvil_stopImpersonatingAccount", rpc_anvil_stop_impersonating_account },
	{ "debug_traceCall", rpc_debug_trace_call },
	{ "debug_traceTransaction", rpc_debug_trace_transaction },
	{ "eth_accounts", rpc_eth_accounts },
	{ "eth_blobBaseFee", rpc_eth_blob_base_fee },
	{ "eth_blockNumber", rpc_eth_block_number },
	{ "eth_call", rpc_eth_call },
	{ "eth_chainId", rpc_eth_chain_id },
	{ "eth_coinbase", rpc_eth_coinbase },
	{ "eth_estimateGas", rpc_eth_estimate_gas },
	{ "eth_feeHistory", rpc_eth_fee_history },
	{ "eth_gasPrice", rpc_eth_gas_price },
	{ "eth_getBalance", rpc_eth_get_balance },
	{ "eth_getBlockByHash", rpc_eth_get_block_by_hash },
	{ "eth_getBlockByNumber", rpc_eth_get_block_by_number },
	{ "eth_getBlockReceipts", rpc_eth_get_block_receipts },
	{ "eth_getBlockTransactionCountByHash", rpc_eth_get_block_tx_count_by_hash },
	{ "eth_getBlockTransactionCountByNumber", rpc_eth_get_block_tx_count_by_number },
	{ "eth_getCode", rpc_eth_get_code },
	{ "eth_getFilterChanges", rpc_eth_get_filter_changes },
	{ "eth_getFilterLogs", rpc_eth_get_filter_logs },
	{ "eth_getLogs", rpc_eth_get_logs },
	{ "eth_getStorageAt", rpc_eth_get_storage_at },
	{ "eth_getTransactionByBlockHashAndIndex", rpc_eth_get_tx_by_block_hash_and_index },
	{ "eth_getTransactionByBlockNumberAndIndex", rpc_eth_get_tx_by_block_number_and_index },
	{ "eth_getTransactionByHash", rpc_eth_get_transaction_by_hash },
	{ "eth_getTransactionCount", rpc_eth_get_transaction_count },
	{ "eth_getTransactionReceipt", rpc_eth_get_transaction_receipt },
	{ "eth_maxPriorityFeePerGas", rpc_eth_max_priority_fee },
	{ "eth_newBlockFilter", rpc_eth_new_block_filter },
	{ "eth_newFilter", rpc_eth_new_filter },
	{ "eth_newPendingTransactionFilter", rpc_eth_new_pending_filter },
	{ "eth_requestAccounts", rpc_eth_accounts },
	{ "eth_sendRawTransaction", rpc_eth_send_raw_transaction },
	{ "eth_sendTransaction", rpc_eth_send_transaction },
	{ "eth_sign", rpc_eth_sign },
	{ "eth_signTypedData_v4", rpc_eth_sign_typed_data_v4 },
	{ "eth_syncing", rpc_eth_syncing },
	{ "eth_uninstallFilter", rpc_eth_uninstall_filter },
	{ "evm_increaseTime", rpc_evm_increase_time },
	{ "evm_mine", rpc_evm_mine },
	{ "evm_setNextBlockTimestamp", rpc_evm_set_next_block_timestamp },
	{ "anvil_setBalance", rpc_set_balance },
	{ "anvil_setCode", rpc_set_code },
	{ "anvil_setNonce", rpc_set_nonce },
	{ "anvil_setStorageAt", rpc_set_storage_at },
	{ "hardhat_setBalance", rpc_set_balance },
	{ "hardhat_setCode", rpc_set_code },
	{ "hardhat_setNonce", rpc_set_nonce },
	{ "hardhat_setStorageAt", rpc_set_storage_at },
	{ "evm_revert", rpc_evm_revert },
	{ "evm_setAutomine", rpc_evm_set_automine },
	{ "evm_snapshot", rpc_evm_snapshot },
	{ "hardhat_autoImpersonateAccount", rpc_anvil_auto_impersonate_account },
	{ "hardhat_dropAllTransactions", rpc_anvil_drop_all_transactions },
	{ "hardhat_dropTransaction", rpc_anvil_drop_transaction },
	{ "hardhat_dumpState", rpc_anvil_dump_state },
	{ "hardhat_getAutomine", rpc_anvil_get_automine },
	{ "hardhat_impersonateAccount", rpc_anvil_impersonate_account },
	{ "hardhat_loadState", rpc_anvil_load_state },
	{ "hardhat_metadata", rpc_anvil_metadata },
	{ "hardhat_mine", rpc_anvil_mine },
	{ "hardhat_stopImpersonatingAccount", rpc_anvil_stop_impersonating_account },
	{ "net_listening", rpc_net_listening },
	{ "net_version", rpc_net_version },
	{ "personal_sign", rpc_personal_sign },
	{ "txpool_content", rpc_txpool_content },
	{ "txpool_inspect", rpc_txpool_inspect },
	{ "txpool_status", rpc_txpool_status },
	{ "web3_clientVersion", rpc_web3_client_version },
	{ "web3_sha3", rpc_web3_sha3 },
};

/* Methods that change the chain or its clock on one node alone: on a
 * network whose blocks come from consensus they would fork it. */
static const char *const local_only[] = {
	"anvil_loadState", "anvil_mine", "anvil_revert", "anvil_setAutomine",
	"anvil_setBalance", "anvil_setCode", "anvil_setNonce", "anvil_setStorageAt",
	"anvil_snapshot", "evm_increaseTime", "evm_mine", "evm_revert", "evm_setAutomine",
	"evm_setNextBlockTimestamp", "evm_snapshot", "hardhat_loadState", "hardhat_mine",
	"hardhat_setBalance", "hardhat_setCode", "hardhat_setNonce", "hardhat_setStorageAt",
};

static int
rpc_refuse_local(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	return rpc_error_set(err, RPC_SERVER_ERROR,
			     "not available on a network whose blocks come from consensus: this "
			     "method would change one node's chain alone");
}

struct rpc_method *
eth_methods_consensus(size_t *n)
{
	const struct rpc_method *all = eth_methods(n);
	struct rpc_method *m = xcalloc(*n + 1, sizeof(*m));

	for (size_t i = 0; i < *n; i++) {
		m[i] = all[i];
		for (size_t k = 0; k < ARRAY_SIZE(local_only); k++) {
			if (strcmp(all[i].name, local_only[k]) == 0)
				m[i].fn = rpc_refuse_local;
		}
	}
	return m;
}

const struct rpc_method *
eth_methods(size_t *n)
{
	*n = ARRAY_SIZE(methods);
	return methods;
}
