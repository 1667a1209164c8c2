/* Transaction execution and the EVM host (see exec.h).  The structure
 * follows Cancun's specification: validate, buy gas, run the message (a
 * call or a create, each in a journal scope that a failure reverts), refund,
 * pay the coinbase, and clear what EIP-161 and EIP-6780 say to clear. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec.h"
#include "keccak.h"
#include "evm/precompiles.h"
#include "xalloc.h"

#define REFUND_QUOTIENT 5 /* EIP-3529 */
#define G_CODE_DEPOSIT 200

struct jd_entry {
	uint8_t hash[32];
	uint8_t *bitmap; /* NULL marks a free slot */
};

struct exec {
	struct state *state;
	struct evm_host host;
	struct evm_env env;
	void (*block_hash)(void *arg, uint64_t number, uint8_t hash[32]);
	void *block_hash_arg;
	struct exec_hooks hooks; /* a tracer's, all NULL without one */
	void *hooks_arg;
	struct exec_log *logs;
	size_t nlogs, alogs;
	struct jd_entry *jd;
	size_t jd_cap, jd_n;
	/* Set when something this node cannot do was reached (an allocation
	 * that failed, a modexp operand over its cap): the transaction is then
	 * undone whole rather than given a result that may be wrong. */
	int abort_rc;
	const char *abort_why;
};

static const uint8_t ripemd_address[20] = { [19] = 3 };

/* --- The JUMPDEST cache, keyed by code hash --------------------------- */

static struct jd_entry *
jd_slot(struct jd_entry *v, size_t cap, const uint8_t hash[32])
{
	size_t i;

	memcpy(&i, hash, sizeof(i)); /* keccak output is already uniform */
	i &= cap - 1;
	while (v[i].bitmap != NULL && memcmp(v[i].hash, hash, 32) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* Returns: the JUMPDEST bitmap of addr's code, analysed once per hash. */
static const uint8_t *
jumpdests(struct exec *x, const uint8_t addr[20], const uint8_t *code, size_t len)
{
	uint8_t hash[32];
	struct jd_entry *e;

	if (len == 0)
		return NULL;
	if (4 * (x->jd_n + 1) > 3 * x->jd_cap) {
		size_t cap = x->jd_cap ? 2 * x->jd_cap : 64;
		struct jd_entry *v = xcalloc(cap, sizeof(*v));

		for (size_t i = 0; i < x->jd_cap; i++) {
			if (x->jd[i].bitmap != NULL)
				*jd_slot(v, cap, x->jd[i].hash) = x->jd[i];
		}
		free(x->jd);
		x->jd = v;
		x->jd_cap = cap;
	}
	state_code_hash(x->state, addr, hash);
	e = jd_slot(x->jd, x->jd_cap, hash);
	if (e->bitmap == NULL) {
		memcpy(e->hash, hash, 32);
		e->bitmap = xmalloc(evm_jumpdests_size(len));
		evm_analyze(e->bitmap, code, len);
		x->jd_n++;
	}
	return e->bitmap;
}

/* --- Logs, truncated when the frame that wrote them fails ------------- */

static void
logs_truncate(struct exec *x, size_t n)
{
	while (x->nlogs > n)
		free(x->logs[--x->nlogs].data);
}

/* --- The host the interpreter calls ---------------------------------- */

static bool
h_is_alive(void *ctx, const uint8_t addr[20])
{
	return state_is_alive(((struct exec *)ctx)->state, addr);
}

static struct u256
h_balance(void *ctx, const uint8_t addr[20])
{
	return state_balance(((struct exec *)ctx)->state, addr);
}

static const uint8_t *
h_code(void *ctx, const uint8_t addr[20], size_t *len)
{
	return state_code(((struct exec *)ctx)->state, addr, len);
}

static void
h_code_hash(void *ctx, const uint8_t addr[20], uint8_t hash[32])
{
	struct exec *x = ctx;

	/* EXTCODEHASH of an empty account is zero, as of one that is absent. */
	if (state_is_alive(x->state, addr))
		state_code_hash(x->state, addr, hash);
	else
		memset(hash, 0, 32);
}

static struct u256
h_sload(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	return state_storage(((struct exec *)ctx)->state, addr, key);
}

static struct u256
h_sload_original(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	return state_storage_original(((struct exec *)ctx)->state, addr, key);
}

static void
h_sstore(void *ctx, const uint8_t addr[20], const struct u256 *key, const struct u256 *value)
{
	state_set_storage(((struct exec *)ctx)->state, addr, key, value);
}

static struct u256
h_tload(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	return state_tload(((struct exec *)ctx)->state, addr, key);
}

static void
h_tstore(void *ctx, const uint8_t addr[20], const struct u256 *key, const struct u256 *value)
{
	state_tstore(((struct exec *)ctx)->state, addr, key, value);
}

static bool
h_access_account(void *ctx, const uint8_t addr[20])
{
	return state_warm_address(((struct exec *)ctx)->state, addr);
}

static bool
h_access_storage(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	return state_warm_slot(((struct exec *)ctx)->state, addr, key);
}

static void
h_emit_log(void *ctx, const uint8_t addr[20], const struct u256 *topics, size_t ntopics,
	   const uint8_t *data, size_t len)
{
	struct exec *x = ctx;
	struct exec_log *l;

	if (x->nlogs == x->alogs) {
		x->alogs = x->alogs ? 2 * x->alogs : 16;
		x->logs = xreallocarray(x->logs, x->alogs, sizeof(*x->logs));
	}
	l = &x->logs[x->nlogs++];
	memcpy(l->address, addr, 20);
	l->ntopics = ntopics;
	for (size_t i = 0; i < ntopics; i++)
		u256_to_be(l->topics[i], &topics[i]);
	l->len = len;
	l->data = len ? xmalloc(len) : NULL;
	if (len)
		memcpy(l->data, data, len);
	if (x->hooks.log != NULL)
		x->hooks.log(x->hooks_arg, l);
}

/* Moves value from one account to another; the caller checked the funds. */
static void
move_ether(struct state *s, const uint8_t from[20], const uint8_t to[20], const struct u256 *value)
{
	if (state_sub_balance(s, from, value) != 0)
		BUG("move_ether without the funds");
	if (state_add_balance(s, to, value) != 0)
		BUG("balance passed 2^256");
}

static void
h_selfdestruct(void *ctx, const uint8_t addr[20], const uint8_t beneficiary[20])
{
	struct exec *x = ctx;
	struct u256 bal = state_balance(x->state, addr);

	if (x->hooks.selfdestruct != NULL)
		x->hooks.selfdestruct(x->hooks_arg, addr, beneficiary, &bal);
	move_ether(x->state, addr, beneficiary, &bal);
	/* EIP-6780: only an account made in this transaction goes away; its
	 * balance is burnt even when it names itself as beneficiary. */
	if (state_is_created(x->state, addr)) {
		state_set_balance(x->state, addr, &(struct u256){ { 0 } });
		state_mark_destructed(x->state, addr);
	}
	if (state_exists(x->state, beneficiary) && state_is_empty(x->state, beneficiary))
		state_touch(x->state, beneficiary);
}

static void
h_block_hash(void *ctx, uint64_t number, uint8_t hash[32])
{
	struct exec *x = ctx;

	if (x->block_hash != NULL)
		x->block_hash(x->block_hash_arg, number, hash);
	else
		memset(hash, 0, 32);
}

static void
h_trace(void *ctx, const struct evm_trace_step *step)
{
	struct exec *x = ctx;

	x->hooks.step(x->hooks_arg, step);
}

static void
h_fault(void *ctx, const struct evm_trace_step *step)
{
	struct exec *x = ctx;

	x->hooks.fault(x->hooks_arg, step);
}

/* Tells a tracer that msg's frame begins. */
static inline void
trace_enter(struct exec *x, const struct evm_message *msg)
{
	if (x->hooks.enter != NULL)
		x->hooks.enter(x->hooks_arg, msg);
}

/* Tells a tracer how msg's frame ended; why is set for one that never
 * started. */
static inline void
trace_exit(struct exec *x, const struct evm_message *msg, const struct evm_result *out,
	   const char *why)
{
	struct exec_frame_end end;

	if (x->hooks.exit == NULL)
		return;
	end = (struct exec_frame_end){ out->status, out->gas_left, out->output, out->output_len,
				       why };
	/* A create that succeeded returns no data: its code is the output. */
	if ((msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2) && out->status == EVM_SUCCESS)
		end.output = state_code(x->state, msg->recipient, &end.output_len);
	x->hooks.exit(x->hooks_arg, &end);
}

static void h_call(void *ctx, const struct evm_message *msg, struct evm_result *out);

/* Runs a precompile in place of code.  A failure is an exceptional halt. */
static void
run_precompile(struct exec *x, unsigned id, const struct evm_message *msg,
	       struct evm_result *out)
{
	struct precompile_call in = { id, msg->input, msg->input_len, (uint64_t)msg->gas };
	struct precompile_result pr = { 0 };
	int rc = precompile_run(&pr, &in);

	if (rc != 0 && x->abort_rc == 0) {
		x->abort_rc = rc;
		x->abort_why = "a precompile could not run on this node (out of memory, or a modexp "
			       "operand over its size cap)";
	}
	if (rc != 0 || !pr.success) {
		out->status = EVM_PRECOMPILE_FAILURE;
		out->gas_left = 0;
	} else {
		out->status = EVM_SUCCESS;
		out->gas_left = msg->gas - (int64_t)pr.gas_used;
		out->output = pr.output;
		out->output_len = pr.output_len;
		pr.output = NULL;
	}
	precompile_result_release(&pr);
}

/* Runs a message in a journal scope of its own: touch the recipient, move
 * the value, run the code (or precompile), and undo it all on failure. */
static void
process_message(struct exec *x, const struct evm_message *msg, const uint8_t *code,
		size_t code_len, const uint8_t *jd, struct evm_result *out)
{
	state_snap_t snap = state_snapshot(x->state);
	size_t nlogs = x->nlogs;
	bool transfers = msg->kind != EVM_DELEGATECALL && msg->kind != EVM_STATICCALL;
	unsigned id;

	memset(out, 0, sizeof(*out));
	state_touch(x->state, msg->recipient);
	if (transfers && !u256_is_zero(&msg->value))
		move_ether(x->state, msg->caller, msg->recipient, &msg->value);
	id = msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2 ? 0
	     : precompile_lookup(msg->code_address);
	if (id != 0) {
		run_precompile(x, id, msg, out);
	} else if (code_len == 0) {
		out->status = EVM_SUCCESS;
		out->gas_left = msg->gas;
	} else {
		evm_execute(&x->host, &x->env, msg, code, code_len, jd, out);
	}
	if (out->status != EVM_SUCCESS) {
		state_revert(x->state, snap);
		logs_truncate(x, nlogs);
		/* The mainnet anomaly of block 2675119, kept by the spec: a
		 * failed call leaves an empty RIPEMD-160 account touched. */
		if (memcmp(msg->recipient, ripemd_address, 20) == 0 &&
		    state_exists(x->state, ripemd_address) &&
		    state_is_empty(x->state, ripemd_address))
			state_touch(x->state, ripemd_address);
	}
}

/* Runs the initcode in msg->input at msg->recipient and installs the code
 * it returns. */
static void
process_create(struct exec *x, const struct evm_message *msg, struct evm_result *out)
{
	state_snap_t snap = state_snapshot(x->state);
	size_t nlogs = x->nlogs;
	enum evm_status fail = EVM_SUCCESS;
	struct evm_message run = *msg;

	/* The initcode runs as code, with no calldata. */
	run.input = NULL;
	run.input_len = 0;
	state_clear_storage(x->state, msg->recipient);
	state_mark_created(x->state, msg->recipient);
	state_set_nonce(x->state, msg->recipient, 1);
	process_message(x, &run, msg->input, msg->input_len, NULL, out);
	if (out->status != EVM_SUCCESS) {
		state_revert(x->state, snap);
		return;
	}
	if (out->output_len > 0 && out->output[0] == 0xef)
		fail = EVM_INVALID_CODE_PREFIX;
	else if (out->gas_left < (int64_t)(G_CODE_DEPOSIT * out->output_len))
		fail = EVM_OUT_OF_GAS;
	else if (out->output_len > EVM_MAX_CODE_SIZE)
		fail = EVM_CODE_TOO_LARGE;
	if (fail != EVM_SUCCESS) {
		state_revert(x->state, snap);
		logs_truncate(x, nlogs);
		evm_result_release(out);
		out->status = fail;
		out->gas_left = 0;
		out->gas_refund = 0;
		return;
	}
	out->gas_left -= (int64_t)(G_CODE_DEPOSIT * out->output_len);
	state_set_code(x->state, msg->recipient, out->output, out->output_len);
	memcpy(out->create_address, msg->recipient, 20);
	evm_result_release(out); /* a successful create returns no data */
}

static bool
is_collision(const struct state *s, const uint8_t addr[20])
{
	size_t len;

	(void)state_code(s, addr, &len);
	return len != 0 || state_nonce(s, addr) != 0 || state_has_storage(s, addr);
}

/* CREATE and CREATE2 from a running frame. */
static void
h_create(struct exec *x, const struct evm_message *msg, struct evm_result *out)
{
	struct evm_message child = *msg;
	uint64_t nonce = state_nonce(x->state, msg->caller);
	struct u256 bal = state_balance(x->state, msg->caller);
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (msg->kind == EVM_CREATE)
		exec_create_address(child.recipient, msg->caller, nonce);
	else
		exec_create2_address(child.recipient, msg->caller, &msg->salt, msg->input,
				     msg->input_len);
	memcpy(child.code_address, child.recipient, 20);
	(void)state_warm_address(x->state, child.recipient);
	trace_enter(x, &child);
	/* The checks in geth's order, which names the first that fails. */
	if (msg->depth > EVM_MAX_DEPTH)
		why = "max call depth exceeded";
	else if (u256_lt(&bal, &msg->value))
		why = "insufficient balance for transfer";
	else if (nonce == UINT64_MAX)
		why = "nonce uint64 overflow";
	if (why != NULL) {
		out->status = EVM_CALL_NOT_STARTED;
		out->gas_left = msg->gas;
	} else {
		state_set_nonce(x->state, msg->caller, nonce + 1);
		if (is_collision(x->state, child.recipient)) {
			out->status = EVM_ADDRESS_COLLISION;
			out->gas_left = 0;
		} else {
			process_create(x, &child, out);
		}
	}
	trace_exit(x, &child, out, why);
}

/* Runs a message call (not a create) from a frame.  Out: *out; *why, for
 * a call that never started.  Inlined in both of h_call's paths, so that
 * the untraced one costs what it did before there were hooks. */
static inline __attribute__((always_inline)) void
run_call(struct exec *x, const struct evm_message *msg, struct evm_result *out, const char **why)
{
	const uint8_t *code;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (msg->depth > EVM_MAX_DEPTH) {
		*why = "max call depth exceeded";
	} else if (msg->kind == EVM_CALL || msg->kind == EVM_CALLCODE) {
		struct u256 bal = state_balance(x->state, msg->caller);

		if (u256_lt(&bal, &msg->value))
			*why = "insufficient balance for transfer";
	}
	if (*why != NULL) {
		out->status = EVM_CALL_NOT_STARTED;
		out->gas_left = msg->gas;
		return;
	}
	code = state_code(x->state, msg->code_address, &len);
	process_message(x, msg, code, len, jumpdests(x, msg->code_address, code, len), out);
}

static void
h_call(void *ctx, const struct evm_message *msg, struct evm_result *out)
{
	struct exec *x = ctx;
	const char *why = NULL;

	if (msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2) {
		h_create(x, msg, out);
		return;
	}
	/* One test on the way for the untraced. */
	if (x->hooks.enter == NULL) {
		run_call(x, msg, out, &why);
		return;
	}
	x->hooks.enter(x->hooks_arg, msg);
	run_call(x, msg, out, &why);
	trace_exit(x, msg, out, why);
}

struct exec *
exec_new(struct state *state)
{
	struct exec *x = xcalloc(1, sizeof(*x));

	x->state = state;
	x->host = (struct evm_host){
		.ctx = x,
		.is_alive = h_is_alive,
		.balance = h_balance,
		.code = h_code,
		.code_hash = h_code_hash,
		.sload = h_sload,
		.sload_original = h_sload_original,
		.sstore = h_sstore,
		.tload = h_tload,
		.tstore = h_tstore,
		.access_account = h_access_account,
		.access_storage = h_access_storage,
		.emit_log = h_emit_log,
		.selfdestruct = h_selfdestruct,
		.call = h_call,
		.block_hash = h_block_hash,
	};
	return x;
}

void
exec_free(struct exec *x)
{
	if (x == NULL)
		return;
	logs_truncate(x, 0);
	free(x->logs);
	for (size_t i = 0; i < x->jd_cap; i++)
		free(x->jd[i].bitmap);
	free(x->jd);
	free(x);
}

void
exec_set_block_hash(struct exec *x, void (*fn)(void *arg, uint64_t number, uint8_t hash[32]),
		    void *arg)
{
	x->block_hash = fn;
	x->block_hash_arg = arg;
}

void
exec_set_tracer(struct exec *x, void (*fn)(void *arg, const struct evm_trace_step *step),
		void *arg)
{
	exec_set_hooks(x, &(struct exec_hooks){ .step = fn }, arg);
}

void
exec_set_hooks(struct exec *x, const struct exec_hooks *h, void *arg)
{
	if (h != NULL)
		x->hooks = *h;
	else
		memset(&x->hooks, 0, sizeof(x->hooks));
	if ((x->hooks.enter == NULL) != (x->hooks.exit == NULL))
		BUG("frame hooks come in pairs: enter and exit");
	x->hooks_arg = arg;
	x->host.trace = x->hooks.step != NULL ? h_trace : NULL;
	x->host.fault = x->hooks.fault != NULL ? h_fault : NULL;
}

void
exec_receipt_release(struct exec_receipt *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		free(r->logs[i].data);
	free(r->logs);
	free(r->output);
	memset(r, 0, sizeof(*r));
}

void
exec_create_address(uint8_t addr[20], const uint8_t sender[20], uint64_t nonce)
{
	uint8_t buf[1 + 21 + 9], hash[32];
	size_t n = 0, nlen = 0;

	/* rlp([sender, nonce]) by hand: it is short and fixed in shape. */
	while (nlen < 8 && (nonce >> (8 * nlen)) != 0)
		nlen++;
	buf[n++] = 0; /* the list header, filled in below */
	buf[n++] = 0x80 + 20;
	memcpy(buf + n, sender, 20);
	n += 20;
	if (nonce == 0) {
		buf[n++] = 0x80;
	} else if (nonce < 0x80) {
		buf[n++] = (uint8_t)nonce;
	} else {
		buf[n++] = (uint8_t)(0x80 + nlen);
		for (size_t i = nlen; i > 0; i--)
			buf[n++] = (uint8_t)(nonce >> (8 * (i - 1)));
	}
	buf[0] = (uint8_t)(0xc0 + n - 1);
	keccak256(hash, buf, n);
	memcpy(addr, hash + 12, 20);
}

void
exec_create2_address(uint8_t addr[20], const uint8_t sender[20], const struct u256 *salt,
		     const uint8_t *initcode, size_t len)
{
	uint8_t buf[1 + 20 + 32 + 32], hash[32];

	buf[0] = 0xff;
	memcpy(buf + 1, sender, 20);
	u256_to_be(buf + 21, salt);
	keccak256(buf + 53, initcode, len);
	keccak256(hash, buf, sizeof(buf));
	memcpy(addr, hash + 12, 20);
}

/* Returns: a * b, or false when it passes 2^256. */
static bool
mul_u64_checked(struct u256 *r, const struct u256 *a, uint64_t b)
{
	return !u256_mul_u64(r, a, b);
}

/* Checks tx against the rules of Cancun.  Returns: NULL when valid, else
 * the reason.  Out: *price, the effective gas price; *priority, what the
 * coinbase gets per gas. */
static const char *
validate(const struct exec *x, const struct exec_block *b, const struct tx *tx,
	 const uint8_t sender[20], uint64_t gas_available, uint64_t blob_gas_available,
	 const struct u256 *blob_fee, struct u256 *price, struct u256 *priority)
{
	struct u256 max_cost, t, bal;
	size_t code_len;

	if (tx_intrinsic_gas(tx) > tx->gas_limit)
		return "TransactionException.INTRINSIC_GAS_TOO_LOW";
	if (tx->nonce == UINT64_MAX)
		return "TransactionException.NONCE_IS_MAX";
	if (tx->is_create && tx->data_len > EVM_MAX_INITCODE_SIZE)
		return "TransactionException.INITCODE_SIZE_EXCEEDED";
	if (tx->gas_limit > gas_available)
		return "TransactionException.GAS_ALLOWANCE_EXCEEDED";
	if (tx_has_dynamic_fee(tx)) {
		if (u256_lt(&tx->max_fee, &tx->max_priority_fee))
			return "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS";
		if (u256_lt(&tx->max_fee, &b->base_fee))
			return "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS";
		(void)u256_sub(&t, &tx->max_fee, &b->base_fee);
		*priority = u256_lt(&tx->max_priority_fee, &t) ? tx->max_priority_fee : t;
		(void)u256_add(price, priority, &b->base_fee);
		if (!mul_u64_checked(&max_cost, &tx->max_fee, tx->gas_limit))
			return "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS";
	} else {
		if (u256_lt(&tx->gas_price, &b->base_fee))
			return "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS";
		*price = tx->gas_price;
		(void)u256_sub(priority, &tx->gas_price, &b->base_fee);
		if (!mul_u64_checked(&max_cost, &tx->gas_price, tx->gas_limit))
			return "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS";
	}
	if (tx->type == TX_BLOB) {
		if (tx->is_create)
			return "TransactionException.TYPE_3_TX_CONTRACT_CREATION";
		if (tx->nblob_hashes == 0)
			return "TransactionException.TYPE_3_TX_ZERO_BLOBS";
		for (size_t i = 0; i < tx->nblob_hashes; i++) {
			if (tx->blob_hashes[i][0] != TX_BLOB_HASH_VERSION)
				return "TransactionException.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH";
		}
		if (tx_blob_gas(tx) > blob_gas_available)
			return "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED";
		if (u256_lt(&tx->max_fee_per_blob_gas, blob_fee))
			return "TransactionException.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS";
		if (!mul_u64_checked(&t, &tx->max_fee_per_blob_gas, tx_blob_gas(tx)) ||
		    u256_add(&max_cost, &max_cost, &t))
			return "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS";
	}
	bal = state_balance(x->state, sender);
	if (u256_add(&max_cost, &max_cost, &tx->value) || u256_lt(&bal, &max_cost))
		return "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS";
	if (state_nonce(x->state, sender) != tx->nonce)
		return state_nonce(x->state, sender) > tx->nonce
			       ? "TransactionException.NONCE_MISMATCH_TOO_LOW"
			       : "TransactionException.NONCE_MISMATCH_TOO_HIGH";
	/* EIP-3607; an impersonated contract may send, as anvil lets it. */
	(void)state_code(x->state, sender, &code_len);
	if (code_len != 0 && !tx_is_impersonated(tx))
		return "TransactionException.SENDER_NOT_EOA";
	return NULL;
}

/* Sets the environment every frame of tx sees. */
static void
begin_env(struct exec *x, const struct exec_block *b, const struct tx *tx,
	  const uint8_t sender[20], const struct u256 *price, const struct u256 *blob_fee)
{
	x->abort_rc = 0;
	x->env = (struct evm_env){
		.gas_price = *price, .number = b->number, .timestamp = b->timestamp,
		.gas_limit = b->gas_limit, .prevrandao = b->prevrandao, .base_fee = b->base_fee,
		.chain_id = b->chain_id, .blob_base_fee = *blob_fee,
		.blob_hashes = (const uint8_t(*)[32])tx->blob_hashes,
		.nblob_hashes = tx->nblob_hashes,
	};
	memcpy(x->env.origin, sender, 20);
	memcpy(x->env.coinbase, b->coinbase, 20);
}

/* Warms what EIP-2929, EIP-2930 and EIP-3651 make warm, then runs tx's
 * top-level call or create.  nonce is the sender's before the transaction,
 * which names a created contract.  Out: *res; r's created and
 * contract_address. */
static void
run_top(struct exec *x, struct exec_receipt *r, struct evm_result *res,
	const struct exec_block *b, const struct tx *tx, const uint8_t sender[20], uint64_t nonce)
{
	struct evm_message msg = { 0 };
	struct state *s = x->state;

	(void)state_warm_address(s, b->coinbase);
	(void)state_warm_address(s, sender);
	for (unsigned i = 1; i <= PRECOMPILE_MAX; i++)
		(void)state_warm_address(s, (uint8_t[20]){ [19] = (uint8_t)i });
	for (size_t i = 0; i < tx->naccess; i++) {
		const struct tx_access *a = &tx->access_list[i];

		(void)state_warm_address(s, a->address);
		for (size_t k = 0; k < a->nkeys; k++) {
			struct u256 key;

			u256_from_be32(&key, a->keys[k]);
			(void)state_warm_slot(s, a->address, &key);
		}
	}

	msg.kind = tx->is_create ? EVM_CREATE : EVM_CALL;
	msg.gas = (int64_t)(tx->gas_limit - tx_intrinsic_gas(tx));
	memcpy(msg.caller, sender, 20);
	msg.value = tx->value;
	msg.input = tx->data;
	msg.input_len = tx->data_len;
	if (tx->is_create) {
		exec_create_address(msg.recipient, sender, nonce);
		memcpy(msg.code_address, msg.recipient, 20);
		(void)state_warm_address(s, msg.recipient);
		trace_enter(x, &msg);
		if (is_collision(s, msg.recipient)) {
			res->status = EVM_ADDRESS_COLLISION;
			res->gas_left = 0;
		} else {
			process_create(x, &msg, res);
		}
		r->created = res->status == EVM_SUCCESS;
		memcpy(r->contract_address, msg.recipient, 20);
	} else {
		const uint8_t *code;
		size_t len;

		memcpy(msg.recipient, tx->to, 20);
		memcpy(msg.code_address, tx->to, 20);
		(void)state_warm_address(s, tx->to);
		trace_enter(x, &msg);
		code = state_code(s, tx->to, &len);
		process_message(x, &msg, code, len, jumpdests(x, tx->to, code, len), res);
	}
	trace_exit(x, &msg, res, NULL);
}

int
exec_tx(struct exec *x, struct exec_receipt *r, const char **why, const struct exec_block *b,
	const struct tx *tx, const uint8_t sender[20], uint64_t gas_available,
	uint64_t blob_gas_available)
{
	struct u256 price, priority, blob_fee = tx_blob_base_fee(b->excess_blob_gas), cost, t;
	struct evm_result res = { 0 };
	struct state *s = x->state;
	int64_t gas_left;
	uint64_t gas_used, refund;

	memset(r, 0, sizeof(*r));
	*why = validate(x, b, tx, sender, gas_available, blob_gas_available, &blob_fee, &price,
			&priority);
	if (*why != NULL)
		return -EINVAL;

	state_begin_tx(s);
	begin_env(x, b, tx, sender, &price, &blob_fee);

	/* Buy the gas (and blob gas) and take the nonce. */
	(void)u256_mul_u64(&cost, &price, tx->gas_limit);
	(void)u256_mul_u64(&t, &blob_fee, tx_blob_gas(tx));
	(void)u256_add(&cost, &cost, &t);
	if (state_sub_balance(s, sender, &cost) != 0)
		BUG("validated sender cannot pay");
	state_set_nonce(s, sender, tx->nonce + 1);
	run_top(x, r, &res, b, tx, sender, tx->nonce);

	if (x->abort_rc != 0) {
		/* Undo the transaction whole: nonce, gas purchase and all. */
		state_revert(s, 0);
		state_end_tx(s);
		evm_result_release(&res);
		logs_truncate(x, 0);
		*why = x->abort_why;
		return x->abort_rc;
	}

	/* Refund (EIP-3529), return the unused gas, pay the coinbase. */
	gas_left = res.gas_left;
	gas_used = tx->gas_limit - (uint64_t)gas_left;
	refund = res.status == EVM_SUCCESS && res.gas_refund > 0 ? (uint64_t)res.gas_refund : 0;
	if (refund > gas_used / REFUND_QUOTIENT)
		refund = gas_used / REFUND_QUOTIENT;
	gas_left += (int64_t)refund;
	gas_used = tx->gas_limit - (uint64_t)gas_left;
	(void)u256_mul_u64(&t, &price, (uint64_t)gas_left);
	if (state_add_balance(s, sender, &t) != 0)
		BUG("refund passed 2^256");
	(void)u256_mul_u64(&t, &priority, gas_used);
	{
		struct u256 cb = state_balance(s, b->coinbase);

		(void)u256_add(&cb, &cb, &t);
		if (!u256_is_zero(&cb))
			state_set_balance(s, b->coinbase, &cb);
		else if (state_exists(s, b->coinbase) && state_is_empty(s, b->coinbase))
			state_destroy(s, b->coinbase);
	}
	state_end_tx(s);

	r->status = res.status;
	r->gas_used = gas_used;
	r->blob_gas_used = tx_blob_gas(tx);
	r->output = res.output;
	r->output_len = res.output_len;
	res.output = NULL;
	if (res.status == EVM_SUCCESS) {
		r->logs = x->logs;
		r->nlogs = x->nlogs;
		x->logs = NULL;
		x->nlogs = x->alogs = 0;
	} else {
		logs_truncate(x, 0);
	}
	return 0;
}

int
exec_call(struct exec *x, struct exec_receipt *r, const char **why, const struct exec_block *b,
	  const struct tx *tx, const uint8_t sender[20])
{
	struct u256 zero = u256_from_u64(0), bal, blob_fee = tx_blob_base_fee(b->excess_blob_gas);
	struct evm_result res = { 0 };
	struct state *s = x->state;
	uint64_t nonce = state_nonce(s, sender), refund;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (tx_intrinsic_gas(tx) > tx->gas_limit) {
		*why = "intrinsic gas too low";
		return -EINVAL;
	}
	bal = state_balance(s, sender);
	if (u256_lt(&bal, &tx->value)) {
		*why = "insufficient funds for transfer";
		return -EINVAL;
	}
	state_begin_tx(s);
	begin_env(x, b, tx, sender, &zero, &blob_fee);
	if (nonce < UINT64_MAX)
		state_set_nonce(s, sender, nonce + 1);
	run_top(x, r, &res, b, tx, sender, nonce);
	r->status = res.status;
	refund = res.status == EVM_SUCCESS && res.gas_refund > 0 ? (uint64_t)res.gas_refund : 0;
	r->gas_used = tx->gas_limit - (uint64_t)res.gas_left;
	if (refund > r->gas_used / REFUND_QUOTIENT)
		refund = r->gas_used / REFUND_QUOTIENT;
	r->gas_used -= refund;
	r->output = res.output;
	r->output_len = res.output_len;
	if (res.status == EVM_SUCCESS) {
		r->logs = x->logs;
		r->nlogs = x->nlogs;
		x->logs = NULL;
		x->nlogs = x->alogs = 0;
	} else {
		logs_truncate(x, 0);
	}
	/* Forget every effect: this was only a question. */
	state_revert(s, 0);
	state_end_tx(s);
	if (x->abort_rc != 0) {
		exec_receipt_release(r);
		*why = x->abort_why;
		return x->abort_rc;
	}
	return 0;
}

const char *
exec_check(const struct exec *x, const struct exec_block *b, const struct tx *tx,
	   const uint8_t sender[20], uint64_t gas_available, uint64_t blob_gas_available)
{
	struct u256 blob_fee = tx_blob_base_fee(b->excess_blob_gas), price, priority;

	return validate(x, b, tx, sender, gas_available, blob_gas_available, &blob_fee, &price,
			&priority);
}
