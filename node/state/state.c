/* In-memory world state with a journal (see state.h).
 *
 * Accounts and storage slots live in open-addressing hash tables with
 * linear probing, keyed by a multiply-and-fold of the address or slot.  Nothing is ever removed from a table: an
 * account that is destroyed stays as a tombstone with exists == false, and
 * a slot set to zero stays as a zero entry.  That keeps pointers stable, so
 * journal entries can point at accounts and slots directly.
 *
 * Marks that live for one transaction (warm, touched, created, destructed,
 * original values) are stamped with the transaction's epoch instead of
 * being cleared, so that starting a transaction costs nothing however large
 * the state is. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "mpt.h"
#include "rlp.h"
#include "state.h"
#include "xalloc.h"

struct slot {
	struct u256 key, value;
	struct u256 original; /* valid when orig_epoch == the tx epoch */
	uint64_t orig_epoch, warm_epoch;
	bool used;
	bool dirty; /* changed since state_clear_dirty() */
};

struct slots {
	struct slot *v;
	size_t cap, n; /* cap is 0 or a power of two */
};

struct account {
	uint8_t addr[20];
	bool exists;
	uint64_t nonce;
	struct u256 balance;
	uint8_t *code;
	size_t code_len;
	uint8_t code_hash[32];
	struct slots storage;
	struct slots transient; /* emptied at each transaction's start */
	uint64_t warm_epoch, touched_epoch, created_epoch, destructed_epoch;
	uint64_t transient_epoch;
	/* What changed since state_clear_dirty(), for the store. */
	bool dirty, code_dirty, slots_dirty;
};

enum jkind {
	J_EXISTS, J_BALANCE, J_NONCE, J_CODE, J_STORAGE,
	J_WARM, J_WARM_SLOT, J_TRANSIENT, J_TOUCHED, J_DESTRUCTED,
};

struct jentry {
	enum jkind kind;
	struct account *a;
	/* Slots move when their table grows, so slot entries keep the key. */
	struct u256 key; /* J_STORAGE, J_WARM_SLOT, J_TRANSIENT */
	struct u256 old; /* J_BALANCE, J_STORAGE, J_TRANSIENT */
	uint64_t old_u64; /* J_NONCE, J_WARM*, J_TOUCHED, J_DESTRUCTED, J_EXISTS */
	uint8_t *old_code; /* J_CODE: owned by the entry */
	size_t old_code_len;
	uint8_t old_code_hash[32];
};

struct state {
	struct account **v;
	size_t cap, n;
	/* The account looked up last: the host asks about the same account
	 * many times in a row (balance, code, storage of the running
	 * contract).  A cache, so lookups through a const state may set it. */
	struct account *last;
	struct jentry *journal;
	size_t njournal, ajournal;
	uint64_t epoch;
	/* Accounts to look at when the transaction ends. */
	struct account **pending;
	size_t npending, apending;
	/* state_root()'s last answer, while nothing has changed since.  A
	 * cache, like last; empty blocks then cost no trie at all. */
	bool root_valid;
	uint8_t root[32];
};

static const uint8_t empty_code_hash[32] = {
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2,
	0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b,
	0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
};

static const struct u256 zero;

struct state *
state_new(void)
{
	struct state *s = xcalloc(1, sizeof(*s));

	s->epoch = 1;
	return s;
}

static void
slots_free(struct slots *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void
journal_drop(struct state *s, size_t from)
{
	for (size_t i = from; i < s->njournal; i++) {
		free(s->journal[i].old_code);
	}
	s->njournal = from;
}

void
state_free(struct state *s)
{
	if (s == NULL)
		return;
	journal_drop(s, 0);
	for (size_t i = 0; i < s->cap; i++) {
		struct account *a = s->v[i];

		if (a == NULL)
			continue;
		free(a->code);
		slots_free(&a->storage);
		slots_free(&a->transient);
		free(a);
	}
	free(s->v);
	free(s->journal);
	free(s->pending);
	free(s);
}

/* Spreads a 64-bit word over all bits (the finaliser of splitmix64), so
 * that keys with only low bits set (slots 0, 1, 2...) still scatter. */
static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t
rotl(uint64_t x, unsigned n)
{
	return x << n | x >> (64 - n);
}

static size_t
hash_address(const uint8_t addr[20])
{
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	memcpy(&c, addr + 16, 4);
	return (size_t)mix64(a ^ rotl(b, 21) ^ rotl(c, 42));
}

static size_t
hash_slot(const struct u256 *k)
{
	return (size_t)mix64(k->w[0] ^ rotl(k->w[1], 17) ^ rotl(k->w[2], 31) ^ rotl(k->w[3], 47));
}

static struct account **
account_bucket(struct account **v, size_t cap, const uint8_t addr[20])
{
	size_t i = hash_address(addr) & (cap - 1);

	while (v[i] != NULL && memcmp(v[i]->addr, addr, 20) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static struct account *
account_find(const struct state *s, const uint8_t addr[20])
{
	struct account *a;

	if (s->last != NULL && memcmp(s->last->addr, addr, 20) == 0)
		return s->last;
	if (s->cap == 0)
		return NULL;
	a = *account_bucket(s->v, s->cap, addr);
	if (a != NULL)
		((struct state *)s)->last = a;
	return a;
}

static void
accounts_grow(struct state *s)
{
	size_t cap = s->cap ? 2 * s->cap : 64;
	struct account **v = xcalloc(cap, sizeof(*v));

	for (size_t i = 0; i < s->cap; i++) {
		if (s->v[i] != NULL)
			*account_bucket(v, cap, s->v[i]->addr) = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
}

/* Returns: addr's account record, made (not existing) when there is none. */
static struct account *
account_get(struct state *s, const uint8_t addr[20])
{
	struct account **b, *a = account_find(s, addr);

	if (a != NULL)
		return a;
	if (4 * (s->n + 1) > 3 * s->cap)
		accounts_grow(s);
	b = account_bucket(s->v, s->cap, addr);
	a = xcalloc(1, sizeof(*a));
	memcpy(a->addr, addr, 20);
	memcpy(a->code_hash, empty_code_hash, 32);
	*b = a;
	s->n++;
	s->last = a;
	return a;
}

static struct slot *
slot_bucket(struct slot *v, size_t cap, const struct u256 *key)
{
	size_t i = hash_slot(key) & (cap - 1);

	while (v[i].used && memcmp(&v[i].key, key, sizeof(*key)) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static const struct slot *
slot_find(const struct slots *t, const struct u256 *key)
{
	const struct slot *sl;

	if (t->cap == 0)
		return NULL;
	sl = slot_bucket(t->v, t->cap, key);
	return sl->used ? sl : NULL;
}

/* Returns: the slot for key, added with value zero when missing.  Growing
 * moves slots, so no slot pointer may be kept across a call that adds one;
 * the journal therefore records slots by key (see journal_slot()). */
/* Returns: the slot for key, added with value zero when missing.  Adding
 * may grow the table and move every slot, so no slot pointer is kept
 * across a call that adds one; the journal records slots by key. */
static struct slot *
slot_get(struct slots *t, const struct u256 *key)
{
	struct slot *sl = t->cap ? slot_bucket(t->v, t->cap, key) : NULL;

	if (sl != NULL && sl->used)
		return sl;
	if (4 * (t->n + 1) > 3 * t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct slot *v = xcalloc(cap, sizeof(*v));

		for (size_t i = 0; i < t->cap; i++) {
			if (t->v[i].used)
				*slot_bucket(v, cap, &t->v[i].key) = t->v[i];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
		sl = slot_bucket(t->v, t->cap, key);
	}
	memset(sl, 0, sizeof(*sl));
	sl->used = true;
	sl->key = *key;
	t->n++;
	return sl;
}

/* Every change to what the state root covers goes through the journal,
 * so this is where the store's dirty marks and the root cache are kept. */
static void
account_mark_dirty(struct state *s, struct account *a, enum jkind kind)
{
	switch (kind) {
	case J_CODE:
		a->code_dirty = true;
		/* fall through */
	case J_EXISTS:
	case J_BALANCE:
	case J_NONCE:
	case J_STORAGE:
		a->dirty = true;
		s->root_valid = false;
		break;
	default:
		break;
	}
}

static struct jentry *
journal_add(struct state *s, enum jkind kind, struct account *a)
{
	struct jentry *e;

	if (s->njournal == s->ajournal) {
		s->ajournal = s->ajournal ? 2 * s->ajournal : 256;
		s->journal = xreallocarray(s->journal, s->ajournal, sizeof(*s->journal));
	}
	e = &s->journal[s->njournal++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->a = a;
	account_mark_dirty(s, a, kind);
	return e;
}

static void
pending_add(struct state *s, struct account *a)
{
	if (s->npending == s->apending) {
		s->apending = s->apending ? 2 * s->apending : 64;
		s->pending = xreallocarray(s->pending, s->apending, sizeof(*s->pending));
	}
	s->pending[s->npending++] = a;
}

/* Makes a exist, journaled. */
static void
account_make_exist(struct state *s, struct account *a)
{
	if (a->exists)
		return;
	journal_add(s, J_EXISTS, a)->old_u64 = 0;
	a->exists = true;
}

bool
state_exists(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a != NULL && a->exists;
}

static bool
account_is_empty(const struct account *a)
{
	return a->nonce == 0 && u256_is_zero(&a->balance) && a->code_len == 0;
}

bool
state_is_empty(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a == NULL || !a->exists || account_is_empty(a);
}

bool
state_is_alive(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a != NULL && a->exists && !account_is_empty(a);
}

struct u256
state_balance(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a != NULL && a->exists ? a->balance : zero;
}

uint64_t
state_nonce(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a != NULL && a->exists ? a->nonce : 0;
}

const uint8_t *
state_code(const struct state *s, const uint8_t addr[20], size_t *len)
{
	const struct account *a = account_find(s, addr);

	if (a == NULL || !a->exists) {
		*len = 0;
		return NULL;
	}
	*len = a->code_len;
	return a->code;
}

void
state_code_hash(const struct state *s, const uint8_t addr[20], uint8_t hash[32])
{
	const struct account *a = account_find(s, addr);

	if (a == NULL || !a->exists)
		memset(hash, 0, 32);
	else
		memcpy(hash, a->code_hash, 32);
}

struct u256
state_storage(const struct state *s, const uint8_t addr[20], const struct u256 *key)
{
	const struct account *a = account_find(s, addr);
	const struct slot *sl;

	if (a == NULL || !a->exists || (sl = slot_find(&a->storage, key)) == NULL)
		return zero;
	return sl->value;
}

struct u256
state_storage_original(const struct state *s, const uint8_t addr[20], const struct u256 *key)
{
	const struct account *a = account_find(s, addr);
	const struct slot *sl;

	if (a == NULL || (sl = slot_find(&a->storage, key)) == NULL)
		return zero;
	return sl->orig_epoch == s->epoch ? sl->original : sl->value;
}

bool
state_has_storage(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	if (a == NULL || !a->exists)
		return false;
	for (size_t i = 0; i < a->storage.cap; i++) {
		if (a->storage.v[i].used && !u256_is_zero(&a->storage.v[i].value))
			return true;
	}
	return false;
}

void
state_create(struct state *s, const uint8_t addr[20])
{
	account_make_exist(s, account_get(s, addr));
}

void
state_set_balance(struct state *s, const uint8_t addr[20], const struct u256 *v)
{
	struct account *a = account_get(s, addr);

	account_make_exist(s, a);
	journal_add(s, J_BALANCE, a)->old = a->balance;
	a->balance = *v;
}

int
state_sub_balance(struct state *s, const uint8_t addr[20], const struct u256 *v)
{
	struct u256 b = state_balance(s, addr), neg, r;

	if (u256_cmp(&b, v) < 0)
		return -ERANGE;
	/* b - v as b + (2^256 - v); no borrow since b >= v. */
	for (int i = 0; i < 4; i++)
		neg.w[i] = ~v->w[i];
	(void)u256_add(&neg, &neg, &(struct u256){ { 1, 0, 0, 0 } });
	(void)u256_add(&r, &b, &neg);
	state_set_balance(s, addr, &r);
	return 0;
}

int
state_add_balance(struct state *s, const uint8_t addr[20], const struct u256 *v)
{
	struct u256 r, b = state_balance(s, addr);

	if (u256_add(&r, &b, v))
		return -ERANGE;
	state_set_balance(s, addr, &r);
	return 0;
}

void
state_set_nonce(struct state *s, const uint8_t addr[20], uint64_t nonce)
{
	struct account *a = account_get(s, addr);

	account_make_exist(s, a);
	journal_add(s, J_NONCE, a)->old_u64 = a->nonce;
	a->nonce = nonce;
}

void
state_set_code(struct state *s, const uint8_t addr[20], const uint8_t *code, size_t len)
{
	struct account *a = account_get(s, addr);
	struct jentry *e;

	account_make_exist(s, a);
	e = journal_add(s, J_CODE, a);
	e->old_code = a->code;
	e->old_code_len = a->code_len;
	memcpy(e->old_code_hash, a->code_hash, 32);
	a->code = len ? xmalloc(len) : NULL;
	if (len)
		memcpy(a->code, code, len);
	a->code_len = len;
	keccak256(a->code_hash, code, len);
}

void
state_set_storage(struct state *s, const uint8_t addr[20], const struct u256 *key,
		  const struct u256 *value)
{
	struct account *a = account_get(s, addr);
	struct slot *sl;
	struct jentry *e;

	account_make_exist(s, a);
	sl = slot_get(&a->storage, key);
	if (sl->orig_epoch != s->epoch) {
		sl->original = sl->value;
		sl->orig_epoch = s->epoch;
	}
	e = journal_add(s, J_STORAGE, a);
	e->key = *key;
	e->old = sl->value;
	sl->value = *value;
	sl->dirty = true;
	a->slots_dirty = true;
}

/* Zeroes every slot rather than dropping the table, so that the slots keep
 * their warm marks and original values, which outlive a CREATE over an
 * address with storage and a destroyed account in the same transaction. */
void
state_clear_storage(struct state *s, const uint8_t addr[20])
{
	struct account *a = account_get(s, addr);
	static const struct u256 none;

	for (size_t i = 0; i < a->storage.cap; i++) {
		struct slot *sl = &a->storage.v[i];

		if (sl->used && !u256_is_zero(&sl->value))
			state_set_storage(s, addr, &sl->key, &none);
	}
}

void
state_destroy(struct state *s, const uint8_t addr[20])
{
	struct account *a = account_get(s, addr);
	static const struct u256 none;

	if (!a->exists)
		return;
	state_set_balance(s, addr, &none);
	state_set_nonce(s, addr, 0);
	if (a->code_len != 0)
		state_set_code(s, addr, NULL, 0);
	state_clear_storage(s, addr);
	journal_add(s, J_EXISTS, a)->old_u64 = 1;
	a->exists = false;
}

void
state_touch(struct state *s, const uint8_t addr[20])
{
	struct account *a = account_get(s, addr);

	if (a->touched_epoch == s->epoch)
		return;
	journal_add(s, J_TOUCHED, a)->old_u64 = a->touched_epoch;
	a->touched_epoch = s->epoch;
	pending_add(s, a);
}

bool
state_warm_address(struct state *s, const uint8_t addr[20])
{
	struct account *a = account_get(s, addr);

	if (a->warm_epoch == s->epoch)
		return false;
	journal_add(s, J_WARM, a)->old_u64 = a->warm_epoch;
	a->warm_epoch = s->epoch;
	return true;
}

bool
state_warm_slot(struct state *s, const uint8_t addr[20], const struct u256 *key)
{
	struct account *a = account_get(s, addr);
	struct slot *sl = slot_get(&a->storage, key);
	struct jentry *e;

	if (sl->warm_epoch == s->epoch)
		return false;
	e = journal_add(s, J_WARM_SLOT, a);
	e->key = *key;
	e->old_u64 = sl->warm_epoch;
	sl->warm_epoch = s->epoch;
	return true;
}

struct u256
state_tload(const struct state *s, const uint8_t addr[20], const struct u256 *key)
{
	const struct account *a = account_find(s, addr);
	const struct slot *sl;

	if (a == NULL || a->transient_epoch != s->epoch ||
	    (sl = slot_find(&a->transient, key)) == NULL)
		return zero;
	return sl->value;
}

void
state_tstore(struct state *s, const uint8_t addr[20], const struct u256 *key,
	     const struct u256 *value)
{
	struct account *a = account_get(s, addr);
	struct slot *sl;
	struct jentry *e;

	/* Transient storage from an earlier transaction is dropped lazily. */
	if (a->transient_epoch != s->epoch) {
		slots_free(&a->transient);
		a->transient_epoch = s->epoch;
	}
	sl = slot_get(&a->transient, key);
	e = journal_add(s, J_TRANSIENT, a);
	e->key = *key;
	e->old = sl->value;
	sl->value = *value;
}

void
state_mark_created(struct state *s, const uint8_t addr[20])
{
	/* Not journaled: EIP-6780 counts an account as created in the
	 * transaction even when the frame that created it reverted. */
	account_get(s, addr)->created_epoch = s->epoch;
}

bool
state_is_created(const struct state *s, const uint8_t addr[20])
{
	const struct account *a = account_find(s, addr);

	return a != NULL && a->created_epoch == s->epoch;
}

void
state_mark_destructed(struct state *s, const uint8_t addr[20])
{
	struct account *a = account_get(s, addr);

	if (a->destructed_epoch == s->epoch)
		return;
	journal_add(s, J_DESTRUCTED, a)->old_u64 = a->destructed_epoch;
	a->destructed_epoch = s->epoch;
	pending_add(s, a);
}

state_snap_t
state_snapshot(const struct state *s)
{
	return s->njournal;
}

static void
journal_undo(struct state *s, struct jentry *e)
{
	struct account *a = e->a;
	struct slot *sl;

	account_mark_dirty(s, a, e->kind);
	switch (e->kind) {
	case J_EXISTS:
		a->exists = e->old_u64 != 0;
		break;
	case J_BALANCE:
		a->balance = e->old;
		break;
	case J_NONCE:
		a->nonce = e->old_u64;
		break;
	case J_CODE:
		free(a->code);
		a->code = e->old_code;
		a->code_len = e->old_code_len;
		memcpy(a->code_hash, e->old_code_hash, 32);
		e->old_code = NULL;
		break;
	case J_STORAGE:
		slot_get(&a->storage, &e->key)->value = e->old;
		break;
	case J_WARM:
		a->warm_epoch = e->old_u64;
		break;
	case J_WARM_SLOT:
		slot_get(&a->storage, &e->key)->warm_epoch = e->old_u64;
		break;
	case J_TRANSIENT:
		sl = slot_get(&a->transient, &e->key);
		sl->value = e->old;
		break;
	case J_TOUCHED:
		a->touched_epoch = e->old_u64;
		break;
	case J_DESTRUCTED:
		a->destructed_epoch = e->old_u64;
		break;
	}
}

void
state_revert(struct state *s, state_snap_t snap)
{
	while (s->njournal > snap) {
		struct jentry *e = &s->journal[s->njournal - 1];

		journal_undo(s, e);
		journal_drop(s, s->njournal - 1);
	}
}

void
state_begin_tx(struct state *s)
{
	journal_drop(s, 0);
	s->npending = 0;
	s->epoch++;
}

void
state_end_tx(struct state *s)
{
	/* The pending list may name an account twice, or one whose mark was
	 * reverted: the epoch stamps say what still holds. */
	for (size_t i = 0; i < s->npending; i++) {
		struct account *a = s->pending[i];

		if (a->destructed_epoch == s->epoch)
			state_destroy(s, a->addr);
		else if (a->touched_epoch == s->epoch && a->exists && account_is_empty(a))
			state_destroy(s, a->addr);
	}
	journal_drop(s, 0);
	s->npending = 0;
	/* A new epoch makes every original value and warm mark stale. */
	s->epoch++;
}

int
state_foreach(const struct state *s,
	      int (*fn)(void *arg, const struct state_account_view *a), void *arg)
{
	for (size_t i = 0; i < s->cap; i++) {
		const struct account *a = s->v[i];
		struct state_account_view view;
		int rc;

		if (a == NULL || !a->exists)
			continue;
		view = (struct state_account_view){ a->addr, a->nonce, a->balance,
			a->code_hash, a->code, a->code_len };
		if ((rc = fn(arg, &view)) != 0)
			return rc;
	}
	return 0;
}

int
state_foreach_slot(const struct state *s, const uint8_t addr[20],
		   int (*fn)(void *arg, const struct u256 *key, const struct u256 *value),
		   void *arg)
{
	const struct account *a = account_find(s, addr);
	int rc;

	if (a == NULL || !a->exists)
		return 0;
	for (size_t i = 0; i < a->storage.cap; i++) {
		const struct slot *sl = &a->storage.v[i];

		if (sl->used && !u256_is_zero(&sl->value) &&
		    (rc = fn(arg, &sl->key, &sl->value)) != 0)
			return rc;
	}
	return 0;
}

struct root_walk {
	const struct state *s;
	struct mpt *accounts, *storage;
};

static int
root_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	struct root_walk *w = arg;
	struct rlp_enc e;
	uint8_t k[32];
	int rc;

	u256_to_be(k, key);
	rlp_enc_init(&e);
	rlp_enc_u256(&e, value);
	rc = rlp_enc_error(&e);
	if (rc == 0)
		rc = mpt_put(w->storage, k, 32, e.data, e.len);
	rlp_enc_release(&e);
	return rc;
}

static int
root_account(void *arg, const struct state_account_view *a)
{
	struct root_walk *w = arg;
	uint8_t storage_root[32];
	struct rlp_enc e;
	size_t mark;
	int rc;

	w->storage = mpt_new(MPT_SECURE);
	rc = state_foreach_slot(w->s, a->address, root_slot, w);
	mpt_root(w->storage, storage_root);
	mpt_free(w->storage);
	if (rc != 0)
		return rc;
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, a->nonce);
	rlp_enc_u256(&e, &a->balance);
	rlp_enc_bytes(&e, storage_root, 32);
	rlp_enc_bytes(&e, a->code_hash, 32);
	rlp_enc_list_end(&e, mark);
	rc = rlp_enc_error(&e);
	if (rc == 0)
		rc = mpt_put(w->accounts, a->address, 20, e.data, e.len);
	rlp_enc_release(&e);
	return rc;
}

int
state_root(const struct state *s, uint8_t root[32])
{
	struct root_walk w = { s, NULL, NULL };
	struct state *cache = (struct state *)s;
	int rc;

	if (s->root_valid) {
		memcpy(root, s->root, 32);
		return 0;
	}
	w.accounts = mpt_new(MPT_SECURE);
	rc = state_foreach(s, root_account, &w);
	if (rc == 0) {
		mpt_root(w.accounts, root);
		memcpy(cache->root, root, 32);
		cache->root_valid = true;
	}
	mpt_free(w.accounts);
	return rc;
}

int
state_foreach_dirty(const struct state *s,
		    int (*fn)(void *arg, const struct state_dirty_account *a),
		    int (*slot_fn)(void *arg, const uint8_t addr[20], const struct u256 *key,
				   const struct u256 *value),
		    void *arg)
{
	int rc;

	for (size_t i = 0; i < s->cap; i++) {
		const struct account *a = s->v[i];
		struct state_dirty_account d;

		if (a == NULL || !a->dirty)
			continue;
		d = (struct state_dirty_account){
			{ a->addr, a->nonce, a->balance, a->code_hash, a->code, a->code_len },
			a->exists, a->code_dirty,
		};
		if ((rc = fn(arg, &d)) != 0)
			return rc;
		for (size_t k = 0; a->slots_dirty && k < a->storage.cap; k++) {
			const struct slot *sl = &a->storage.v[k];
			static const struct u256 none;

			if (!sl->used || !sl->dirty)
				continue;
			/* A destroyed account's slots read as zero. */
			if ((rc = slot_fn(arg, a->addr, &sl->key,
					  a->exists ? &sl->value : &none)) != 0)
				return rc;
		}
	}
	return 0;
}

void
state_clear_dirty(struct state *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		struct account *a = s->v[i];

		if (a == NULL || !a->dirty)
			continue;
		for (size_t k = 0; a->slots_dirty && k < a->storage.cap; k++)
			a->storage.v[k].dirty = false;
		a->dirty = a->code_dirty = a->slots_dirty = false;
	}
}

static void
slots_copy(struct slots *dst, const struct slots *src)
{
	*dst = *src;
	if (src->cap > 0) {
		dst->v = xreallocarray(NULL, src->cap, sizeof(*dst->v));
		memcpy(dst->v, src->v, src->cap * sizeof(*dst->v));
	}
}

struct state *
state_clone(const struct state *s)
{
	struct state *c = state_new();

	c->epoch = s->epoch;
	c->root_valid = s->root_valid;
	memcpy(c->root, s->root, 32);
	c->cap = s->cap;
	c->n = s->n;
	c->v = xcalloc(s->cap ? s->cap : 1, sizeof(*c->v));
	for (size_t i = 0; i < s->cap; i++) {
		const struct account *a = s->v[i];
		struct account *b;

		if (a == NULL)
			continue;
		b = xmalloc(sizeof(*b));
		*b = *a;
		b->code = NULL;
		if (a->code_len > 0) {
			b->code = xmalloc(a->code_len);
			memcpy(b->code, a->code, a->code_len);
		}
		slots_copy(&b->storage, &a->storage);
		slots_copy(&b->transient, &a->transient);
		c->v[i] = b;
	}
	return c;
}
