/* Tracing (see trace.h).  A tracer listens to the executor's hooks and
 * keeps what geth's struct logger or call tracer would.
 *
 * Geth works out a step's cost before it runs the step.  Here the dynamic
 * part is charged inside the instruction, so a step's cost is settled when
 * the next step of its frame arrives, from the gas the two saw (or, for the
 * frame's last step, when the frame ends).  A call or create in between
 * gave some gas back; geth counts the gas a call hands on as part of its
 * cost but not the gas a create hands on, so the settling adds back what
 * the callee returned and, for a create, takes off what it was given. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/trace.h"
#include "xalloc.h"

#define NONE SIZE_MAX
#define G_CODE_DEPOSIT 200
#define OP_STOP 0x00
#define OP_SLOAD 0x54
#define OP_SSTORE 0x55
#define OP_RETURN 0xf3
#define OP_REVERT 0xfd
#define OP_INVALID 0xfe
#define OP_SELFDESTRUCT 0xff

/* What a trace costs the node, counted against its cap: what it holds
 * here, then jansson's tree of its JSON and the text, as measured (a step
 * with a short stack came to 1.2 KiB of peak memory, a tenth of it text). */
#define COST_STEP 1100 /* a struct log without its stack, memory or storage */
#define COST_WORD 250 /* a stack item, or 32 bytes of memory */
#define COST_SLOT 450 /* a storage slot shown at a step */
#define COST_FRAME 1600 /* a call frame without its data, or a log */

/* The slots of one contract that the transaction has touched, sorted by
 * key, for the struct logger's storage field. */
struct seen {
	uint8_t addr[20];
	struct trace_slot *slots;
	size_t n, cap;
};

/* A frame as the tracer follows it. */
struct tframe {
	uint8_t addr[20]; /* whose storage its code sees */
	int64_t gas; /* what it was given */
	bool is_create;
	int64_t refund_base; /* the transaction's refund counter when it began */
	int64_t refund_now; /* the counter at its latest step */
	size_t pending; /* its kept step whose cost waits for the next step */
	size_t last; /* its latest step, when it was kept; else NONE */
	/* The frame the pending step began, once that frame has ended. */
	bool child_done, child_create;
	int64_t child_gas, child_left;
	/* The instruction it halted on, from the fault hook. */
	bool faulted, fault_ran;
	uint8_t fault_op;
	int64_t fault_gas;
	size_t fault_stack;
	uint32_t fault_bound;
	struct trace_frame call; /* what the call tracer builds */
};

struct tracer {
	const struct trace_opts *o;
	struct trace *t;
	const struct state *state;
	uint64_t gas_limit; /* the transaction's: the top frame's gas, as geth shows it */
	size_t bytes, max;
	bool over; /* past max: nothing more is kept, and the trace is refused */
	struct tframe *frames;
	size_t nframes, aframes;
	size_t hidden; /* onlyTopCall: frames open below the top one */
	size_t asteps;
	struct seen *seen;
	size_t nseen, aseen;
};

/* Counts n more bytes against the cap.  Returns: whether they fit. */
static bool
take(struct tracer *tr, size_t n)
{
	if (tr->over || n > tr->max - tr->bytes) {
		tr->over = true;
		return false;
	}
	tr->bytes += n;
	return true;
}

/* Returns: a copy of p's n bytes (caller frees), NULL for none. */
static uint8_t *
copy(const void *p, size_t n)
{
	uint8_t *q;

	if (n == 0)
		return NULL;
	q = xmalloc(n);
	memcpy(q, p, n);
	return q;
}

/* Returns: the running frame. */
static struct tframe *
top(struct tracer *tr)
{
	if (tr->nframes == 0)
		BUG("trace hook outside any frame");
	return &tr->frames[tr->nframes - 1];
}

/* Returns: op's constant gas as geth's tables have it, given ours: geth
 * counts the warm access EIP-2929 added to BALANCE, the EXTCODE*
 * instructions and the calls as constant, and SELFDESTRUCT's 5000 too. */
static uint64_t
geth_constant(uint8_t op, int64_t ours)
{
	switch (op) {
	case 0x31: /* BALANCE */
	case 0x3b: /* EXTCODESIZE */
	case 0x3c: /* EXTCODECOPY */
	case 0x3f: /* EXTCODEHASH */
	case 0xf1: /* CALL */
	case 0xf2: /* CALLCODE */
	case 0xf4: /* DELEGATECALL */
	case 0xfa: /* STATICCALL */
		return 100;
	case OP_SELFDESTRUCT:
		return 5000;
	default:
		return (uint64_t)ours;
	}
}

/* Returns: geth's words for how frame f ended with status (caller frees),
 * or NULL for a success.  In: why, for a frame that never started. */
static char *
halt_text(const struct tframe *f, enum evm_status status, const char *why)
{
	char *s = NULL;

	switch (status) {
	case EVM_SUCCESS:
		return NULL;
	case EVM_CALL_NOT_STARTED:
		return xstrdup(why != NULL ? why : evm_status_name(status));
	case EVM_REVERT:
		return xstrdup("execution reverted");
	case EVM_OUT_OF_GAS:
		/* The interpreter halted the frame, or else its create could
		 * not pay for the code it returned. */
		if (!f->faulted)
			return xstrdup("contract creation code storage out of gas");
		if (f->fault_op == OP_SSTORE && f->fault_ran && f->fault_gas <= EVM_CALL_STIPEND)
			return xstrdup("out of gas: not enough gas for reentrancy sentry");
		return xstrdup("out of gas");
	case EVM_INVALID_OPCODE:
		if (f->fault_op == OP_INVALID)
			return xstrdup("invalid opcode: INVALID");
		xasprintf(&s, "invalid opcode: opcode 0x%x not defined", f->fault_op);
		return s;
	case EVM_STACK_UNDERFLOW:
		xasprintf(&s, "stack underflow (%zu <=> %u)", f->fault_stack, f->fault_bound);
		return s;
	case EVM_STACK_OVERFLOW:
		xasprintf(&s, "stack limit reached %zu (%u)", f->fault_stack, f->fault_bound);
		return s;
	case EVM_BAD_JUMP:
		return xstrdup("invalid jump destination");
	case EVM_STATIC_VIOLATION:
		return xstrdup("write protection");
	case EVM_RETURNDATA_OUT_OF_BOUNDS:
		return xstrdup("return data out of bounds");
	case EVM_CODE_TOO_LARGE:
		return xstrdup("max code size exceeded");
	case EVM_INVALID_CODE_PREFIX:
		return xstrdup("invalid code: must not begin with 0xef");
	case EVM_ADDRESS_COLLISION:
		return xstrdup("contract address collision");
	default:
		return xstrdup(evm_status_name(status));
	}
}

/* --- The struct logger ---------------------------------------------------- */

/* Returns: the slots seen of addr, made empty the first time. */
static struct seen *
seen_of(struct tracer *tr, const uint8_t addr[20])
{
	for (size_t i = 0; i < tr->nseen; i++) {
		if (memcmp(tr->seen[i].addr, addr, 20) == 0)
			return &tr->seen[i];
	}
	if (tr->nseen == tr->aseen) {
		tr->aseen = tr->aseen ? 2 * tr->aseen : 8;
		tr->seen = xreallocarray(tr->seen, tr->aseen, sizeof(*tr->seen));
	}
	memset(&tr->seen[tr->nseen], 0, sizeof(tr->seen[0]));
	memcpy(tr->seen[tr->nseen].addr, addr, 20);
	return &tr->seen[tr->nseen++];
}

/* Sets key to value among sn's slots, keeping them sorted. */
static void
seen_set(struct seen *sn, const uint8_t key[32], const uint8_t value[32])
{
	size_t lo = 0, hi = sn->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = memcmp(sn->slots[mid].key, key, 32);

		if (d == 0) {
			memcpy(sn->slots[mid].value, value, 32);
			return;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? 2 * sn->cap : 8;
		sn->slots = xreallocarray(sn->slots, sn->cap, sizeof(*sn->slots));
	}
	memmove(&sn->slots[lo + 1], &sn->slots[lo], (sn->n - lo) * sizeof(*sn->slots));
	memcpy(sn->slots[lo].key, key, 32);
	memcpy(sn->slots[lo].value, value, 32);
	sn->n++;
}

/* Notes the slot an SLOAD (the value it will read) or SSTORE (the value
 * it writes) at st touches.  Returns: the contract's slots. */
static struct seen *
seen_note(struct tracer *tr, const struct tframe *f, const struct evm_trace_step *st)
{
	struct seen *sn = seen_of(tr, f->addr);
	const struct u256 *key = &st->stack[st->stack_len - 1];
	uint8_t k[32], v[32];

	u256_to_be(k, key);
	if (st->op == OP_SLOAD) {
		struct u256 cur = state_storage(tr->state, f->addr, key);

		u256_to_be(v, &cur);
	} else {
		u256_to_be(v, &st->stack[st->stack_len - 2]);
	}
	seen_set(sn, k, v);
	return sn;
}

/* Returns: what RETURN or REVERT at st pays to expand memory; 0 when it
 * cannot, which the fault that follows settles. */
static uint64_t
mem_expansion(const struct evm_trace_step *st)
{
	const struct u256 *off, *len;
	uint64_t end, words, old;

	if (st->stack_len < 2)
		return 0;
	off = &st->stack[st->stack_len - 1];
	len = &st->stack[st->stack_len - 2];
	if (u256_is_zero(len))
		return 0;
	if (!u256_fits_u64(off) || !u256_fits_u64(len) || off->w[0] > UINT32_MAX ||
	    len->w[0] > UINT32_MAX)
		return 0;
	end = off->w[0] + len->w[0];
	if (end <= st->mem_size)
		return 0;
	words = (end + 31) / 32;
	old = st->mem_size / 32;
	return 3 * words + words * words / 512 - (3 * old + old * old / 512);
}

/* Keeps st as a step of f, unless the trace is past its cap or its limit.
 * In: error, the step's (handed over).  Returns: the step's index, or
 * NONE. */
static size_t
keep_step(struct tracer *tr, struct tframe *f, const struct evm_trace_step *st, char *error)
{
	const struct trace_opts *o = tr->o;
	struct trace *t = tr->t;
	struct seen *sn = NULL;
	struct trace_step *s;
	size_t size = COST_STEP;

	if (tr->over || (o->limit != 0 && t->nsteps >= o->limit)) {
		free(error);
		return NONE;
	}
	if (!o->disable_storage && ((st->op == OP_SLOAD && st->stack_len >= 1) ||
				    (st->op == OP_SSTORE && st->stack_len >= 2)))
		sn = seen_note(tr, f, st);
	if (!o->disable_stack)
		size += st->stack_len * COST_WORD;
	if (o->enable_memory)
		size += st->mem_size / 32 * COST_WORD;
	if (o->enable_return_data)
		size += st->return_data_len * 4;
	if (sn != NULL)
		size += sn->n * COST_SLOT;
	if (error != NULL)
		size += strlen(error) + 100;
	if (!take(tr, size)) {
		free(error);
		return NONE;
	}
	if (t->nsteps == tr->asteps) {
		tr->asteps = tr->asteps ? 2 * tr->asteps : 256;
		t->steps = xreallocarray(t->steps, tr->asteps, sizeof(*t->steps));
	}
	s = &t->steps[t->nsteps];
	memset(s, 0, sizeof(*s));
	s->pc = st->pc;
	s->op = st->op;
	s->depth = st->depth;
	s->gas = st->gas > 0 ? (uint64_t)st->gas : 0;
	s->gas_cost = (uint64_t)st->gas_cost;
	s->refund = f->refund_now > 0 ? (uint64_t)f->refund_now : 0;
	s->error = error;
	if (!o->disable_stack) {
		s->stack = (struct u256 *)copy(st->stack, st->stack_len * sizeof(*st->stack));
		s->stack_len = st->stack_len;
	}
	if (o->enable_memory) {
		s->memory = copy(st->memory, st->mem_size);
		s->mem_len = st->mem_size;
	}
	if (o->enable_return_data) {
		s->return_data = copy(st->return_data, st->return_data_len);
		s->return_len = st->return_data_len;
	}
	if (sn != NULL) {
		s->storage = (struct trace_slot *)copy(sn->slots, sn->n * sizeof(*sn->slots));
		s->nstorage = sn->n;
	}
	return t->nsteps++;
}

/* Settles the cost of f's pending step from the gas its frame has next:
 * before its next instruction, or when it ends. */
static void
settle(struct tracer *tr, struct tframe *f, int64_t next_gas)
{
	if (f->pending != NONE) {
		struct trace_step *s = &tr->t->steps[f->pending];
		int64_t cost = (int64_t)s->gas - next_gas;

		if (f->child_done)
			cost += f->child_left - (f->child_create ? f->child_gas : 0);
		s->gas_cost = cost > 0 ? (uint64_t)cost : 0;
	}
	f->pending = NONE;
	f->child_done = false;
}

/* The step hook: settles the frame's step before, and keeps this one. */
static void
hook_step(void *arg, const struct evm_trace_step *st)
{
	struct tracer *tr = arg;
	struct tframe *f = top(tr);
	struct trace_step *s;

	settle(tr, f, st->gas);
	f->refund_now = f->refund_base + st->refund;
	f->last = keep_step(tr, f, st, NULL);
	if (f->last == NONE)
		return;
	s = &tr->t->steps[f->last];
	if (st->op == OP_RETURN || st->op == OP_REVERT)
		s->gas_cost = mem_expansion(st);
	else if (st->op != OP_STOP)
		f->pending = f->last;
}

/* The fault hook, for both tracers: the call tracer names the halt after
 * it; the struct logger, as geth's, shows a halt on gas or stack at its
 * step (any other halt comes after geth logged the step, and shows only in
 * the result), and costs a halting step at its constant gas. */
static void
hook_fault(void *arg, const struct evm_trace_step *st)
{
	struct tracer *tr = arg;
	struct tframe *f;
	char *error = NULL;
	size_t i;

	if (tr->hidden > 0)
		return;
	f = top(tr);
	f->faulted = true;
	f->fault_ran = st->ran;
	f->fault_op = st->op;
	f->fault_gas = st->gas;
	f->fault_stack = st->stack_len;
	f->fault_bound = st->stack_bound;
	if (tr->o->kind != TRACE_STRUCT)
		return;
	if (st->error == EVM_OUT_OF_GAS || st->error == EVM_STACK_UNDERFLOW ||
	    st->error == EVM_STACK_OVERFLOW)
		error = halt_text(f, st->error, NULL);
	if (st->ran) {
		f->pending = NONE;
		f->child_done = false;
		if (f->last != NONE) {
			struct trace_step *s = &tr->t->steps[f->last];

			s->gas_cost = geth_constant(st->op, st->gas_cost);
			if (error != NULL && take(tr, strlen(error) + 100)) {
				s->error = error;
				error = NULL;
			}
		}
		free(error);
		return;
	}
	/* It never ran, so no step was reported for it: geth logs one. */
	settle(tr, f, st->gas);
	f->refund_now = f->refund_base + st->refund;
	i = keep_step(tr, f, st, error);
	f->last = i;
	if (i != NONE)
		tr->t->steps[i].gas_cost = geth_constant(st->op, st->gas_cost);
}

/* --- The call tracer ------------------------------------------------------ */

/* Frees what fr and the frames below it own, and clears it. */
static void
frame_release(struct trace_frame *fr)
{
	free(fr->input);
	free(fr->output);
	free(fr->error);
	for (size_t i = 0; i < fr->ncalls; i++)
		frame_release(&fr->calls[i]);
	free(fr->calls);
	for (size_t i = 0; i < fr->nlogs; i++)
		free(fr->logs[i].data);
	free(fr->logs);
	memset(fr, 0, sizeof(*fr));
}

/* Nests child (handed over) in parent, or drops it once the trace is past
 * its cap. */
static void
attach(struct tracer *tr, struct trace_frame *parent, struct trace_frame *child)
{
	if (tr->over) {
		frame_release(child);
		return;
	}
	/* Powers of two from 4 up: grow when ncalls reaches one. */
	if (parent->ncalls >= 4 && (parent->ncalls & (parent->ncalls - 1)) == 0)
		parent->calls = xreallocarray(parent->calls, 2 * parent->ncalls,
					      sizeof(*parent->calls));
	else if (parent->ncalls == 0)
		parent->calls = xreallocarray(NULL, 4, sizeof(*parent->calls));
	parent->calls[parent->ncalls++] = *child;
	memset(child, 0, sizeof(*child));
}

/* Returns: the opcode that makes a frame of kind, as geth names frames. */
static uint8_t
kind_op(enum evm_kind kind)
{
	static const uint8_t ops[] = {
		[EVM_CALL] = 0xf1, [EVM_CALLCODE] = 0xf2, [EVM_DELEGATECALL] = 0xf4,
		[EVM_STATICCALL] = 0xfa, [EVM_CREATE] = 0xf0, [EVM_CREATE2] = 0xf5,
	};

	return ops[kind];
}

/* Starts fr for msg as geth's callTracer would: from is whose code made
 * the call (for DELEGATECALL, the delegating contract), to whose code
 * runs. */
static void
frame_begin(struct tracer *tr, struct trace_frame *fr, const struct evm_message *msg)
{
	memset(fr, 0, sizeof(*fr));
	fr->type = kind_op(msg->kind);
	memcpy(fr->from, msg->kind == EVM_DELEGATECALL ? msg->recipient : msg->caller, 20);
	memcpy(fr->to, msg->code_address, 20);
	fr->has_to = true;
	fr->has_value = msg->kind != EVM_STATICCALL;
	fr->value = msg->value;
	fr->gas = msg->depth == 0 ? tr->gas_limit : (uint64_t)msg->gas;
	if (take(tr, COST_FRAME + 4 * msg->input_len)) {
		fr->input = copy(msg->input, msg->input_len);
		fr->input_len = msg->input_len;
	}
}

/* Finishes f's frame as it ended. */
static void
frame_end(struct tracer *tr, struct tframe *f, const struct exec_frame_end *end)
{
	struct trace_frame *fr = &f->call;

	fr->status = end->status;
	fr->gas_used = (uint64_t)(f->gas - end->gas_left);
	fr->error = halt_text(f, end->status, end->why);
	if (fr->error != NULL && f->is_create)
		fr->has_to = false;
	if ((end->status == EVM_SUCCESS || end->status == EVM_REVERT) &&
	    take(tr, 4 * end->output_len + (fr->error ? strlen(fr->error) : 0))) {
		fr->output = copy(end->output, end->output_len);
		fr->output_len = end->output_len;
	}
}

/* The selfdestruct hook: a frame of its own, below the running one. */
static void
hook_selfdestruct(void *arg, const uint8_t addr[20], const uint8_t beneficiary[20],
		const struct u256 *value)
{
	struct tracer *tr = arg;
	struct trace_frame fr = { 0 };

	/* Geth reports it as a frame below the running one, which
	 * onlyTopCall leaves out. */
	if (tr->hidden > 0 || tr->o->only_top_call || !take(tr, COST_FRAME))
		return;
	fr.type = OP_SELFDESTRUCT;
	memcpy(fr.from, addr, 20);
	memcpy(fr.to, beneficiary, 20);
	fr.has_to = true;
	fr.has_value = true;
	fr.value = *value;
	attach(tr, &top(tr)->call, &fr);
}

/* The log hook: withLog keeps it in the running frame, after its calls so
 * far. */
static void
hook_log(void *arg, const struct exec_log *l)
{
	struct tracer *tr = arg;
	struct trace_frame *fr;
	struct trace_log *tl;

	if (tr->hidden > 0 || !tr->o->with_log ||
	    !take(tr, COST_FRAME + l->ntopics * COST_WORD + 4 * l->len))
		return;
	fr = &top(tr)->call;
	if (fr->nlogs == 0 || (fr->nlogs >= 4 && (fr->nlogs & (fr->nlogs - 1)) == 0))
		fr->logs = xreallocarray(fr->logs, fr->nlogs ? 2 * fr->nlogs : 4, sizeof(*fr->logs));
	tl = &fr->logs[fr->nlogs++];
	memset(tl, 0, sizeof(*tl));
	memcpy(tl->address, l->address, 20);
	memcpy(tl->topics, l->topics, l->ntopics * 32);
	tl->ntopics = l->ntopics;
	tl->data = copy(l->data, l->len);
	tl->len = l->len;
	tl->position = fr->ncalls;
}

/* Drops the logs of every frame that failed, or sits in one that did: the
 * chain never kept them. */
static void
drop_failed_logs(struct trace_frame *fr, bool parent_failed)
{
	bool failed = parent_failed || fr->error != NULL;

	if (failed) {
		for (size_t i = 0; i < fr->nlogs; i++)
			free(fr->logs[i].data);
		free(fr->logs);
		fr->logs = NULL;
		fr->nlogs = 0;
	}
	for (size_t i = 0; i < fr->ncalls; i++)
		drop_failed_logs(&fr->calls[i], failed);
}

/* --- Frames, for both tracers --------------------------------------------- */

/* The enter hook: a frame begins, with the refund counter as it stands. */
static void
hook_enter(void *arg, const struct evm_message *msg)
{
	struct tracer *tr = arg;
	struct tframe *f;
	int64_t refund = tr->nframes > 0 ? top(tr)->refund_now : 0;

	if (tr->o->kind == TRACE_CALLS && tr->o->only_top_call && tr->nframes > 0) {
		tr->hidden++;
		return;
	}
	if (tr->nframes == tr->aframes) {
		tr->aframes = tr->aframes ? 2 * tr->aframes : 16;
		tr->frames = xreallocarray(tr->frames, tr->aframes, sizeof(*tr->frames));
	}
	f = &tr->frames[tr->nframes++];
	memset(f, 0, sizeof(*f));
	memcpy(f->addr, msg->recipient, 20);
	f->gas = msg->gas;
	f->is_create = msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2;
	f->refund_base = f->refund_now = refund;
	f->pending = f->last = NONE;
	if (tr->o->kind == TRACE_CALLS)
		frame_begin(tr, &f->call, msg);
}

/* The exit hook: settles the frame's last step (struct logger) or finishes
 * its call frame, and hands what it gave back to its caller. */
static void
hook_exit(void *arg, const struct exec_frame_end *end)
{
	struct tracer *tr = arg;
	struct trace *t = tr->t;
	struct tframe *f;

	if (tr->hidden > 0) {
		tr->hidden--;
		return;
	}
	f = top(tr);
	if (tr->o->kind == TRACE_STRUCT) {
		int64_t left = end->gas_left;

		/* The code deposit is the create's, not its last step's. */
		if (f->is_create && end->status == EVM_SUCCESS)
			left += (int64_t)(G_CODE_DEPOSIT * end->output_len);
		settle(tr, f, left);
	} else {
		frame_end(tr, f, end);
	}
	tr->nframes--;
	if (tr->nframes > 0) {
		struct tframe *p = top(tr);

		p->child_done = true;
		p->child_left = end->gas_left;
		p->child_create = f->is_create;
		p->child_gas = f->gas;
		if (tr->o->kind == TRACE_CALLS)
			attach(tr, &p->call, &f->call);
		return;
	}
	/* The transaction's own frame. */
	if (tr->o->kind == TRACE_CALLS) {
		t->root = f->call;
		memset(&f->call, 0, sizeof(f->call));
	} else {
		t->failed = end->status != EVM_SUCCESS;
		if ((end->status == EVM_SUCCESS || end->status == EVM_REVERT) &&
		    take(tr, 4 * end->output_len)) {
			t->output = copy(end->output, end->output_len);
			t->output_len = end->output_len;
		}
	}
}

static const struct exec_hooks struct_hooks = {
	.step = hook_step, .fault = hook_fault, .enter = hook_enter, .exit = hook_exit,
};

static const struct exec_hooks call_hooks = {
	.fault = hook_fault, .enter = hook_enter, .exit = hook_exit,
	.selfdestruct = hook_selfdestruct, .log = hook_log,
};

/* --- Running ---------------------------------------------------------------- */

/* Sets tr up to trace into t, for a transaction of gas_limit over s. */
static void
tracer_init(struct tracer *tr, struct trace *t, const struct trace_opts *o,
	    const struct state *s, uint64_t gas_limit)
{
	memset(tr, 0, sizeof(*tr));
	tr->o = o;
	tr->t = t;
	tr->state = s;
	tr->gas_limit = gas_limit;
	tr->max = o->max_bytes ? o->max_bytes : TRACE_MAX_BYTES;
}

/* Frees what tr holds; t keeps what was traced. */
static void
tracer_release(struct tracer *tr)
{
	for (size_t i = 0; i < tr->nframes; i++)
		frame_release(&tr->frames[i].call);
	free(tr->frames);
	for (size_t i = 0; i < tr->nseen; i++)
		free(tr->seen[i].slots);
	free(tr->seen);
	memset(tr, 0, sizeof(*tr));
}

/* Completes t once the traced run returned r.  Returns: 0, or -E2BIG. */
static int
tracer_finish(struct tracer *tr, const char **why, const struct exec_receipt *r)
{
	struct trace *t = tr->t;

	if (tr->nframes != 0)
		BUG("a traced frame never ended");
	if (tr->over) {
		*why = "the trace is too large";
		return -E2BIG;
	}
	t->gas_used = r->gas_used;
	if (tr->o->kind == TRACE_CALLS) {
		t->root.gas_used = r->gas_used;
		if (tr->o->with_log)
			drop_failed_logs(&t->root, false);
	}
	return 0;
}

/* BLOCKHASH from the chain's blocks. */
static void
block_hash(void *arg, uint64_t number, uint8_t hash[32])
{
	const struct chain_block *b = chain_block(arg, number);

	if (b != NULL)
		memcpy(hash, b->hash, 32);
	else
		memset(hash, 0, 32);
}

static const char no_state[] = "historical state not available: only the last 128 blocks are kept";
static const char stale[] = "cannot replay the transaction: the state its block started from was "
			    "changed after the block before it (anvil_set*, hardhat_set*), and "
			    "that change is not kept";

/* Returns: whether a replay gave what mining the transaction gave. */
static bool
same_result(const struct exec_receipt *a, const struct exec_receipt *b)
{
	return a->status == b->status && a->gas_used == b->gas_used && a->nlogs == b->nlogs &&
	       a->output_len == b->output_len &&
	       (a->output_len == 0 || memcmp(a->output, b->output, a->output_len) == 0);
}

int
trace_tx(struct chain *c, struct trace *t, const char **why, const uint8_t hash[32],
	 const struct trace_opts *opts)
{
	const struct chain_tx *ct = chain_tx(c, hash);
	const struct chain_block *b;
	const struct state *parent = NULL;
	struct exec_receipt r = { 0 };
	struct exec_block env;
	struct state *s = NULL;
	struct exec *x = NULL;
	struct tracer tr;
	uint64_t gas = 0, blob = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	t->kind = opts->kind;
	memset(&tr, 0, sizeof(tr));
	*why = NULL;
	if (ct == NULL) {
		*why = "transaction not found";
		return -ENOENT;
	}
	b = chain_block(c, ct->block_number);
	if (ct->block_number > 0)
		parent = chain_state_at(c, ct->block_number - 1);
	if (b == NULL || parent == NULL || chain_block_env(c, ct->block_number, &env) != 0) {
		*why = no_state;
		return -ENOENT;
	}
	/* The block's earlier transactions first, over a copy of the state
	 * its parent left. */
	s = state_clone(parent);
	x = exec_new(s);
	exec_set_block_hash(x, block_hash, c);
	for (size_t i = 0; i < ct->index; i++) {
		const struct chain_tx *p = b->txs[i];

		rc = exec_tx(x, &r, why, &env, &p->tx, p->sender, env.gas_limit - gas,
			     TX_MAX_BLOB_GAS_PER_BLOCK - blob);
		if (rc == -EINVAL || (rc == 0 && !same_result(&r, &p->receipt))) {
			*why = stale;
			rc = -ESTALE;
		}
		if (rc != 0)
			goto out;
		gas += r.gas_used;
		blob += r.blob_gas_used;
		exec_receipt_release(&r);
	}
	tracer_init(&tr, t, opts, s, ct->tx.gas_limit);
	exec_set_hooks(x, opts->kind == TRACE_STRUCT ? &struct_hooks : &call_hooks, &tr);
	rc = exec_tx(x, &r, why, &env, &ct->tx, ct->sender, env.gas_limit - gas,
		     TX_MAX_BLOB_GAS_PER_BLOCK - blob);
	/* The chain keeps the state after each block, and the setters change
	 * the state between blocks: a replay that went another way than the
	 * mining did started from the wrong state, and its trace would lie. */
	if (rc == -EINVAL || (rc == 0 && !same_result(&r, &ct->receipt))) {
		*why = stale;
		rc = -ESTALE;
	}
	if (rc == 0)
		rc = tracer_finish(&tr, why, &r);
out:
	exec_receipt_release(&r);
	tracer_release(&tr);
	exec_free(x);
	state_free(s);
	return rc;
}

int
trace_call(struct chain *c, struct trace *t, const char **why, uint64_t n,
	   const struct chain_call *call, const struct trace_opts *opts)
{
	const struct state *st = chain_state_at(c, n);
	struct exec_receipt r = { 0 };
	struct exec_block env;
	struct state *s = NULL;
	struct exec *x = NULL;
	struct tracer tr;
	struct tx tx;
	int rc;

	memset(t, 0, sizeof(*t));
	t->kind = opts->kind;
	*why = NULL;
	if (st == NULL || chain_call_env(c, n, &env) != 0) {
		*why = no_state;
		return -ENOENT;
	}
	/* The transaction a call runs as, as chain_call() makes it. */
	memset(&tx, 0, sizeof(tx));
	tx.type = TX_LEGACY;
	tx.gas_limit = call->gas ? call->gas : env.gas_limit;
	tx.is_create = call->is_create;
	memcpy(tx.to, call->to, 20);
	tx.value = call->value;
	tx.data = (uint8_t *)call->data; /* borrowed: never released */
	tx.data_len = call->data_len;
	tx.chain_id = env.chain_id;

	s = state_clone(st);
	x = exec_new(s);
	exec_set_block_hash(x, block_hash, c);
	tracer_init(&tr, t, opts, s, tx.gas_limit);
	exec_set_hooks(x, opts->kind == TRACE_STRUCT ? &struct_hooks : &call_hooks, &tr);
	rc = exec_call(x, &r, why, &env, &tx, call->from);
	if (rc == 0)
		rc = tracer_finish(&tr, why, &r);
	exec_receipt_release(&r);
	tracer_release(&tr);
	exec_free(x);
	state_free(s);
	return rc;
}

void
trace_release(struct trace *t)
{
	for (size_t i = 0; i < t->nsteps; i++) {
		struct trace_step *s = &t->steps[i];

		free(s->error);
		free(s->stack);
		free(s->memory);
		free(s->return_data);
		free(s->storage);
	}
	free(t->steps);
	free(t->output);
	frame_release(&t->root);
	memset(t, 0, sizeof(*t));
}
