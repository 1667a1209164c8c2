/* The node's LMDB store (see store.h). */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/store.h"
#include "u256.h"
#include "xalloc.h"

/* The address space LMDB maps; the file grows only as data arrives. */
#define STORE_MAP_SIZE \
	(SIZE_MAX > 0xffffffffu ? (size_t)0x1000000000ULL /* 64 GiB */ : (size_t)0x40000000)
#define ACCOUNT_LEN (8 + 32 + 32)

/* MDB_NOMETASYNC: one fdatasync per commit instead of two.  LMDB keeps
 * its integrity this way; a system crash (never a killed process, whose
 * writes are in the page cache) may lose the last commit. */
/* MDB_NOTLS: a pin (a read transaction held for a snapshot) lives beside
 * the write transactions and the short reads of one thread. */
#define STORE_ENV_FLAGS (MDB_NOSUBDIR | MDB_NOMETASYNC | MDB_NOTLS)

enum { DB_META, DB_HEADERS, DB_BODIES, DB_RECEIPTS, DB_TXS, DB_ACCOUNTS, DB_CODE,
       DB_STORAGE, DB_CERTS, DB_COUNT };

static const char *const db_names[DB_COUNT] = {
	"meta", "headers", "bodies", "receipts", "txs", "accounts", "code", "storage", "certs",
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	MDB_txn *txn; /* the open write transaction, or NULL */
	MDB_txn *pin; /* a pinned view (store_pin()), or NULL */
	struct store_pin pinned;
	char *path;
	int lock_fd;
};

static const uint8_t empty_code_hash[32] = {
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2,
	0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b,
	0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
};

/* Returns: LMDB's rc as -errno: its own codes map to the nearest errno. */
static int
mdb_errno(int rc)
{
	if (rc > 0)
		return -rc;
	switch (rc) {
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
	case MDB_TXN_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* Sets *cause for an LMDB error, naming the file.  Returns: the -errno. */
static int
mdb_fail(const struct store *st, char **cause, const char *what, int rc)
{
	xasprintf(cause, "cannot %s '%s': %s", what, st->path, mdb_strerror(rc));
	return mdb_errno(rc);
}

static int
corrupt(const struct store *st, char **cause, const char *what)
{
	xasprintf(cause, "store '%s' is corrupt: %s", st->path, what);
	return -EIO;
}



/* Makes dir and its missing parents, as mkdir -p does. */
static int
mkdir_p(char **cause, const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			rc = -errno;
			xasprintf(cause, "cannot create data dir '%s': %s", dir, strerror(errno));
			goto out;
		}
		if (end)
			break;
		*s = '/';
	}
out:
	free(p);
	return rc;
}

int
store_open(struct store **out, char **cause, const char *dir)
{
	struct store *st = xcalloc(1, sizeof(*st));
	char *lock = NULL;
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	st->lock_fd = -1;
	xasprintf(&st->path, "%s/%s", dir, STORE_FILE);
	if ((rc = mkdir_p(cause, dir)) != 0)
		goto out;
	/* LMDB lets processes share an environment; two nodes must not. */
	xasprintf(&lock, "%s/chain.lock", dir);
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->lock_fd == -1) {
		rc = -errno;
		xasprintf(cause, "cannot open '%s': %s", lock, strerror(errno));
		goto out;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		xasprintf(cause, "data dir '%s' is in use by another node", dir);
		goto out;
	}
	if ((rc = mdb_env_create(&st->env)) != 0) {
		st->env = NULL;
		rc = mdb_fail(st, cause, "create an environment for", rc);
		goto out;
	}
	if ((rc = mdb_env_set_maxdbs(st->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, STORE_MAP_SIZE)) != 0) {
		rc = mdb_fail(st, cause, "configure", rc);
		goto out;
	}
	if ((rc = mdb_env_open(st->env, st->path, STORE_ENV_FLAGS, 0644)) != 0) {
		rc = mdb_fail(st, cause, "open", rc);
		goto out;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		rc = mdb_fail(st, cause, "write to", rc);
		goto out;
	}
	for (int i = 0; i < DB_COUNT; i++) {
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &st->dbi[i])) != 0) {
			rc = mdb_fail(st, cause, "open the databases of", rc);
			goto out;
		}
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		rc = mdb_fail(st, cause, "write to", rc);
		goto out;
	}
	*out = st;
	st = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(lock);
	store_free(st);
	return rc;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	store_abort(st);
	store_unpin(st);
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->lock_fd != -1)
		close(st->lock_fd);
	free(st->path);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

static int
read_begin(struct store *st, char **cause, MDB_txn **txn)
{
	int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);

	if (rc != 0) {
		*txn = NULL;
		return mdb_fail(st, cause, "read", rc);
	}
	return 0;
}

static int
get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v)
{
	MDB_val k = { strlen(key), (void *)key }, d;
	int rc = mdb_get(txn, dbi, &k, &d);

	if (rc == 0 && d.mv_size != 8)
		return MDB_CORRUPTED;
	if (rc == 0)
		*v = u256_load_be64(d.mv_data);
	return rc;
}

int
store_get_meta(struct store *st, char **cause, bool *found, struct store_meta *m)
{
	MDB_txn *txn = NULL;
	MDB_val k = { 7, "genesis" }, d;
	int rc;

	*found = false;
	if ((rc = read_begin(st, cause, &txn)) != 0)
		goto out;
	rc = get_u64(txn, st->dbi[DB_META], "version", &m->version);
	if (rc == MDB_NOTFOUND) {
		rc = 0; /* a new store */
		goto out;
	}
	if (rc == 0)
		rc = get_u64(txn, st->dbi[DB_META], "chain_id", &m->chain_id);
	if (rc == 0)
		rc = get_u64(txn, st->dbi[DB_META], "head", &m->head);
	if (rc == 0)
		rc = mdb_get(txn, st->dbi[DB_META], &k, &d);
	if (rc == 0 && d.mv_size != 32)
		rc = MDB_CORRUPTED;
	if (rc != 0) {
		rc = mdb_fail(st, cause, "read the chain's metadata from", rc);
		goto out;
	}
	memcpy(m->genesis, d.mv_data, 32);
	if (m->version != STORE_VERSION) {
		xasprintf(cause, "store '%s' has format version %llu; this node reads %d",
			  st->path, (unsigned long long)m->version, STORE_VERSION);
		rc = -EPROTO;
		goto out;
	}
	*found = true;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

int
store_foreach_block(struct store *st, char **cause,
		    int (*fn)(void *arg, char **cause, const struct store_block *b), void *arg)
{
	MDB_txn *txn = NULL;
	uint64_t head;
	int rc;

	if ((rc = read_begin(st, cause, &txn)) != 0)
		goto out;
	if ((rc = get_u64(txn, st->dbi[DB_META], "head", &head)) != 0) {
		rc = mdb_fail(st, cause, "read the head from", rc);
		goto out;
	}
	for (uint64_t n = 0; n <= head; n++) {
		struct store_block b = { .number = n };
		uint8_t key[8];
		MDB_val k = { 8, key }, d;

		u256_store_be64(key, n);
		if ((rc = mdb_get(txn, st->dbi[DB_HEADERS], &k, &d)) != 0) {
			if (rc == MDB_NOTFOUND) {
				rc = corrupt(st, cause, "a block below the head is missing");
				goto out;
			}
			rc = mdb_fail(st, cause, "read a header from", rc);
			goto out;
		}
		b.header = d.mv_data;
		b.header_len = d.mv_size;
		rc = mdb_get(txn, st->dbi[DB_BODIES], &k, &d);
		if (rc == 0) {
			b.body = d.mv_data;
			b.body_len = d.mv_size;
		}
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_get(txn, st->dbi[DB_RECEIPTS], &k, &d);
		if (rc == 0) {
			b.receipts = d.mv_data;
			b.receipts_len = d.mv_size;
		}
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_get(txn, st->dbi[DB_CERTS], &k, &d);
		if (rc == 0) {
			b.cert = d.mv_data;
			b.cert_len = d.mv_size;
		}
		if (rc != 0 && rc != MDB_NOTFOUND) {
			rc = mdb_fail(st, cause, "read a block from", rc);
			goto out;
		}
		if ((rc = fn(arg, cause, &b)) != 0)
			goto out;
	}
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

int
store_load_state(struct store *st, char **cause, struct state *s)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, d;
	int rc, mrc;

	if ((rc = read_begin(st, cause, &txn)) != 0)
		goto out;
	if ((mrc = mdb_cursor_open(txn, st->dbi[DB_ACCOUNTS], &cur)) != 0)
		goto fail;
	while ((mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) == 0) {
		const uint8_t *v = d.mv_data;
		struct u256 balance;

		if (k.mv_size != 20 || d.mv_size != ACCOUNT_LEN) {
			rc = corrupt(st, cause, "an account row has the wrong size");
			goto out;
		}
		u256_from_be32(&balance, v + 8);
		state_create(s, k.mv_data);
		state_set_nonce(s, k.mv_data, u256_load_be64(v));
		state_set_balance(s, k.mv_data, &balance);
		if (memcmp(v + 40, empty_code_hash, 32) != 0) {
			MDB_val ck = { 32, (void *)(v + 40) }, code;

			if ((mrc = mdb_get(txn, st->dbi[DB_CODE], &ck, &code)) == MDB_NOTFOUND) {
				rc = corrupt(st, cause, "an account's code is missing");
				goto out;
			}
			if (mrc != 0)
				goto fail;
			state_set_code(s, k.mv_data, code.mv_data, code.mv_size);
		}
	}
	if (mrc != MDB_NOTFOUND)
		goto fail;
	mdb_cursor_close(cur);
	if ((mrc = mdb_cursor_open(txn, st->dbi[DB_STORAGE], &cur)) != 0) {
		cur = NULL;
		goto fail;
	}
	while ((mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) == 0) {
		struct u256 key, value;

		if (k.mv_size != 52 || d.mv_size != 32) {
			rc = corrupt(st, cause, "a storage row has the wrong size");
			goto out;
		}
		u256_from_be32(&key, (const uint8_t *)k.mv_data + 20);
		u256_from_be32(&value, d.mv_data);
		state_set_storage(s, k.mv_data, &key, &value);
	}
	if (mrc != MDB_NOTFOUND)
		goto fail;
	state_end_tx(s);
	state_clear_dirty(s);
	rc = 0;
	goto out;
fail:
	rc = mdb_fail(st, cause, "read the state from", mrc);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

int
store_get_tx(struct store *st, char **cause, uint64_t *number, uint32_t *index,
	     const uint8_t hash[32])
{
	MDB_txn *txn = NULL;
	MDB_val k = { 32, (void *)hash }, d;
	int rc;

	if ((rc = read_begin(st, cause, &txn)) != 0)
		return rc;
	rc = mdb_get(txn, st->dbi[DB_TXS], &k, &d);
	if (rc == MDB_NOTFOUND) {
		rc = -ENOENT;
	} else if (rc != 0) {
		rc = mdb_fail(st, cause, "read the transaction index of", rc);
	} else if (d.mv_size != 12) {
		rc = corrupt(st, cause, "a transaction index row has the wrong size");
	} else {
		const uint8_t *p = d.mv_data;

		*number = u256_load_be64(p);
		*index = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	}
	mdb_txn_abort(txn);
	return rc;
}

int
store_begin(struct store *st, char **cause)
{
	int rc;

	if (st->txn != NULL) {
		xasprintf(cause, "a write to '%s' is already under way", st->path);
		return -EBUSY;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &st->txn)) != 0) {
		st->txn = NULL;
		return mdb_fail(st, cause, "write to", rc);
	}
	return 0;
}

int
store_commit(struct store *st, char **cause)
{
	int rc = mdb_txn_commit(st->txn);

	st->txn = NULL;
	return rc != 0 ? mdb_fail(st, cause, "commit to", rc) : 0;
}

void
store_abort(struct store *st)
{
	if (st->txn != NULL)
		mdb_txn_abort(st->txn);
	st->txn = NULL;
}

/* Puts one row, or deletes it when val is NULL (a missing row is fine). */
static int
put(struct store *st, char **cause, int db, const void *key, size_t klen, const void *val,
    size_t vlen, unsigned flags)
{
	MDB_val k = { klen, (void *)key }, d = { vlen, (void *)val };
	int rc;

	if (val == NULL) {
		rc = mdb_del(st->txn, st->dbi[db], &k, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	} else {
		rc = mdb_put(st->txn, st->dbi[db], &k, &d, flags);
		if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
			rc = 0;
	}
	return rc != 0 ? mdb_fail(st, cause, "write to", rc) : 0;
}

int
store_put_meta(struct store *st, char **cause, const struct store_meta *m)
{
	uint8_t v[3][8];
	int rc;

	u256_store_be64(v[0], STORE_VERSION);
	u256_store_be64(v[1], m->chain_id);
	u256_store_be64(v[2], m->head);
	if ((rc = put(st, cause, DB_META, "version", 7, v[0], 8, 0)) == 0 &&
	    (rc = put(st, cause, DB_META, "chain_id", 8, v[1], 8, 0)) == 0 &&
	    (rc = put(st, cause, DB_META, "head", 4, v[2], 8, 0)) == 0)
		rc = put(st, cause, DB_META, "genesis", 7, m->genesis, 32, 0);
	return rc;
}

int
store_put_block(struct store *st, char **cause, const struct store_block *b)
{
	uint8_t key[8];
	int rc;

	u256_store_be64(key, b->number);
	if ((rc = put(st, cause, DB_HEADERS, key, 8, b->header, b->header_len, 0)) != 0)
		return rc;
	/* An empty block has no body or receipt rows: most blocks of a dev
	 * chain that mines on an interval are empty. */
	if ((rc = put(st, cause, DB_BODIES, key, 8, b->body_len ? b->body : NULL, b->body_len,
		      0)) != 0)
		return rc;
	if ((rc = put(st, cause, DB_RECEIPTS, key, 8, b->receipts_len ? b->receipts : NULL,
		      b->receipts_len, 0)) != 0)
		return rc;
	return put(st, cause, DB_CERTS, key, 8, b->cert_len ? b->cert : NULL, b->cert_len, 0);
}

int
store_put_tx(struct store *st, char **cause, const uint8_t hash[32], uint64_t number,
	     uint32_t index)
{
	uint8_t v[12];

	u256_store_be64(v, number);
	v[8] = (uint8_t)(index >> 24);
	v[9] = (uint8_t)(index >> 16);
	v[10] = (uint8_t)(index >> 8);
	v[11] = (uint8_t)index;
	return put(st, cause, DB_TXS, hash, 32, v, 12, 0);
}

/* Deletes the index entries of the transactions in blocks from number
 * on.  It walks the whole index rather than hash the bodies' transactions,
 * since the hash of an impersonated sender's transaction is not its
 * encoding's (see chain/tx.h). */
static int
drop_txs_from(struct store *st, char **cause, uint64_t from)
{
	MDB_cursor *cur = NULL;
	uint8_t key[32];
	MDB_val k, d;
	int rc = 0, mrc, op = MDB_FIRST;

	if ((mrc = mdb_cursor_open(st->txn, st->dbi[DB_TXS], &cur)) != 0) {
		cur = NULL;
		goto out;
	}
	while ((mrc = mdb_cursor_get(cur, &k, &d, op)) == 0) {
		if (k.mv_size != 32 || d.mv_size != 12) {
			rc = corrupt(st, cause, "a transaction index row has the wrong size");
			break;
		}
		op = MDB_NEXT;
		if (u256_load_be64(d.mv_data) < from)
			continue;
		/* Seeks afresh after the delete, as store_truncate() does. */
		memcpy(key, k.mv_data, 32);
		if ((mrc = mdb_cursor_del(cur, 0)) != 0)
			break;
		k = (MDB_val){ 32, key };
		op = MDB_SET_RANGE;
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = mdb_fail(st, cause, "delete transactions from", mrc);
	return rc;
}

int
store_truncate(struct store *st, char **cause, uint64_t from)
{
	static const int dbs[] = { DB_BODIES, DB_HEADERS, DB_RECEIPTS, DB_CERTS };
	MDB_cursor *cur = NULL;
	uint8_t key[8];
	int rc, mrc = 0;

	rc = drop_txs_from(st, cause, from);
	for (size_t i = 0; i < ARRAY_SIZE(dbs) && rc == 0; i++) {
		MDB_val k = { 8, key }, d;

		u256_store_be64(key, from);
		if ((mrc = mdb_cursor_open(st->txn, st->dbi[dbs[i]], &cur)) != 0) {
			cur = NULL;
			break;
		}
		/* Seeks afresh after each delete rather than trust where a
		 * delete leaves the cursor. */
		while ((mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE)) == 0) {
			if ((mrc = mdb_cursor_del(cur, 0)) != 0)
				break;
			k = (MDB_val){ 8, key };
		}
		mdb_cursor_close(cur);
		cur = NULL;
		if (mrc == MDB_NOTFOUND)
			mrc = 0;
		if (mrc != 0)
			break;
	}
	if (rc == 0 && mrc != 0)
		rc = mdb_fail(st, cause, "delete blocks from", mrc);
	return rc;
}

struct dirty_walk {
	struct store *st;
	char **cause;
};

static int
put_account(void *arg, const struct state_dirty_account *a)
{
	struct dirty_walk *w = arg;
	uint8_t v[ACCOUNT_LEN];
	int rc;

	if (!a->exists)
		return put(w->st, w->cause, DB_ACCOUNTS, a->a.address, 20, NULL, 0, 0);
	if (a->code_changed && a->a.code_len > 0 &&
	    (rc = put(w->st, w->cause, DB_CODE, a->a.code_hash, 32, a->a.code, a->a.code_len,
		      MDB_NOOVERWRITE)) != 0)
		return rc;
	u256_store_be64(v, a->a.nonce);
	u256_to_be(v + 8, &a->a.balance);
	memcpy(v + 40, a->a.code_hash, 32);
	return put(w->st, w->cause, DB_ACCOUNTS, a->a.address, 20, v, sizeof(v), 0);
}

static int
put_slot(void *arg, const uint8_t addr[20], const struct u256 *key, const struct u256 *value)
{
	struct dirty_walk *w = arg;
	uint8_t k[52], v[32];

	memcpy(k, addr, 20);
	u256_to_be(k + 20, key);
	u256_to_be(v, value);
	return put(w->st, w->cause, DB_STORAGE, k, 52, u256_is_zero(value) ? NULL : v, 32, 0);
}

int
store_put_dirty(struct store *st, char **cause, const struct state *s)
{
	struct dirty_walk w = { st, cause };

	return state_foreach_dirty(s, put_account, put_slot, &w);
}

struct full_walk {
	struct dirty_walk w;
	const struct state *s;
	const uint8_t *addr;
};

static int
put_full_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	struct full_walk *f = arg;

	return put_slot(&f->w, f->addr, key, value);
}

static int
put_full_account(void *arg, const struct state_account_view *a)
{
	struct full_walk *f = arg;
	struct state_dirty_account d = { *a, true, true };
	int rc;

	if ((rc = put_account(&f->w, &d)) != 0)
		return rc;
	f->addr = a->address;
	return state_foreach_slot(f->s, a->address, put_full_slot, f);
}

int
store_put_state(struct store *st, char **cause, const struct state *s)
{
	struct full_walk f = { { st, cause }, s, NULL };
	int rc;

	if ((rc = mdb_drop(st->txn, st->dbi[DB_ACCOUNTS], 0)) != 0 ||
	    (rc = mdb_drop(st->txn, st->dbi[DB_STORAGE], 0)) != 0)
		return mdb_fail(st, cause, "empty the state of", rc);
	return state_foreach(s, put_full_account, &f);
}

/* --- pins ----------------------------------------------------------------------- */

/* LMDB's on-disk meta page (lmdb 0.9, mdb.c): a 16-byte page header, then
 * MDB_meta: magic and version (4 each), the map address and size (8 each),
 * two MDB_db records (48 each), the last page used, and the txnid. */
#define META_MAGIC 0xBEEFC0DEu
#define META_OFF 16
#define META_LAST_PG_OFF (META_OFF + 24 + 2 * 48)
#define META_TXNID_OFF (META_LAST_PG_OFF + 8)

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
store_pin(struct store *st, char **cause, struct store_pin *pin)
{
	struct store_pin *p = &st->pinned;
	MDB_envinfo info;
	MDB_stat stat;
	uint8_t *page = NULL;
	mdb_filehandle_t fd;
	ssize_t n;
	int rc;

	if (st->pin != NULL || st->txn != NULL) {
		xasprintf(cause, "'%s' is %s", st->path,
			  st->pin != NULL ? "already pinned" : "being written");
		return -EBUSY;
	}
	if ((rc = read_begin(st, cause, &st->pin)) != 0)
		return rc;
	if ((rc = mdb_env_stat(st->env, &stat)) != 0 ||
	    (rc = mdb_env_info(st->env, &info)) != 0 ||
	    (rc = mdb_env_get_fd(st->env, &fd)) != 0) {
		rc = mdb_fail(st, cause, "read the environment of", rc);
		goto fail;
	}
	memset(p, 0, sizeof(*p));
	p->txnid = mdb_txn_id(st->pin);
	p->page_size = stat.ms_psize;
	/* The view's meta page is the one its txnid chose; the next commits
	 * overwrite it in turn, so it is read now, while nothing writes. */
	page = xmalloc(p->page_size);
	n = pread(fd, page, p->page_size, (off_t)(p->txnid & 1) * p->page_size);
	if (n != (ssize_t)p->page_size) {
		rc = n < 0 ? -errno : -EIO;
		xasprintf(cause, "cannot read the meta page of '%s': %s", st->path,
			  n < 0 ? strerror(errno) : "short read");
		goto fail;
	}
	if (load_le64(page + META_OFF) % ((uint64_t)1 << 32) != META_MAGIC ||
	    load_le64(page + META_TXNID_OFF) != p->txnid ||
	    load_le64(page + META_LAST_PG_OFF) != (uint64_t)info.me_last_pgno) {
		rc = corrupt(st, cause, "its meta page is not the one LMDB reports");
		goto fail;
	}
	p->size = ((uint64_t)info.me_last_pgno + 1) * p->page_size;
	/* Both meta pages hold the view; each keeps its own page number. */
	for (int i = 0; i < 2; i++) {
		p->meta[i] = xmalloc(p->page_size);
		memcpy(p->meta[i], page, p->page_size);
		for (int b = 0; b < 8; b++)
			p->meta[i][b] = b == 0 ? (uint8_t)i : 0;
	}
	free(page);
	*pin = *p;
	return 0;
fail:
	free(page);
	mdb_txn_abort(st->pin);
	st->pin = NULL;
	return rc;
}

void
store_unpin(struct store *st)
{
	if (st->pin == NULL)
		return;
	mdb_txn_abort(st->pin);
	st->pin = NULL;
	free(st->pinned.meta[0]);
	free(st->pinned.meta[1]);
	memset(&st->pinned, 0, sizeof(st->pinned));
}
