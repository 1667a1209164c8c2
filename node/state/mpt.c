/* The Merkle Patricia Trie (see mpt.h), written from the yellow paper's
 * appendices C and D.
 *
 * Keys are handled as nibble strings, one nibble per byte.  The trie keeps
 * the canonical shape at all times, so that the root depends on the set of
 * keys alone and not on the order of the writes:
 *   - a branch has at least two entries (children plus its value);
 *   - an extension has a non-empty path and a branch for its child;
 *   - a leaf's path may be empty, when its key ends one nibble below a
 *     branch.
 * Inserts split leaves and extensions where keys part; deletes collapse a
 * branch left with one entry into its neighbour. */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "keccak.h"
#include "log.h"
#include "rlp.h"
#include "xalloc.h"

#include "mpt.h"

#define MPT_NIBBLES_MAX (2 * MPT_KEY_MAX)

enum node_kind {
	NODE_LEAF,
	NODE_EXT,
	NODE_BRANCH,
};

struct node {
	enum node_kind kind;
	/* The cached reference to this node, valid unless dirty: its RLP
	 * when that is shorter than 32 bytes (embedded in the parent), else
	 * the keccak-256 of its RLP. */
	bool dirty;
	uint8_t ref_len;
	uint8_t ref[32];
	uint8_t *path; /* leaf, extension: plen nibbles */
	size_t plen;
	uint8_t *val; /* leaf, branch: the value; NULL in a branch without */
	size_t vlen;
	struct node *child;  /* extension */
	struct node **kids;  /* branch: 16 children, NULL where empty */
};

struct mpt {
	struct node *root;
	unsigned flags;
	size_t count;
	/* Scratch space for encoding nodes, kept out of the recursion's
	 * stack frames. */
	struct rlp_enc enc;
	uint8_t hp[MPT_KEY_MAX + 1];
};

const uint8_t mpt_empty_root[32] = {
	0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45,
	0xe6, 0x92, 0xc0, 0xf8, 0x6e, 0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c,
	0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
};

/* Returns: a copy of n bytes (NULL for none). */
static uint8_t *
copy_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c;

	if (n == 0)
		return NULL;
	c = xmalloc(n);
	memcpy(c, p, n);
	return c;
}

static struct node *
node_new(enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->dirty = true;
	if (kind == NODE_BRANCH)
		n->kids = xcalloc(16, sizeof(*n->kids));
	return n;
}

/* Returns: a new leaf for path, owning val. */
static struct node *
leaf_new(const uint8_t *path, size_t plen, uint8_t *val, size_t vlen)
{
	struct node *n = node_new(NODE_LEAF);

	n->path = copy_bytes(path, plen);
	n->plen = plen;
	n->val = val;
	n->vlen = vlen;
	return n;
}

static struct node *
ext_new(const uint8_t *path, size_t plen, struct node *child)
{
	struct node *n = node_new(NODE_EXT);

	n->path = copy_bytes(path, plen);
	n->plen = plen;
	n->child = child;
	return n;
}

/* Frees n and everything below it. */
static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	if (n->kind == NODE_BRANCH) {
		for (int i = 0; i < 16; i++)
			node_free(n->kids[i]);
		free(n->kids);
	}
	node_free(n->child);
	free(n->path);
	free(n->val);
	free(n);
}

/* Replaces n's path with its own nibbles [from, plen). */
static void
path_drop_front(struct node *n, size_t from)
{
	uint8_t *p = copy_bytes(n->path + from, n->plen - from);

	free(n->path);
	n->path = p;
	n->plen -= from;
	n->dirty = true;
}

/* Puts the nibbles pre[0..len) in front of n's path. */
static void
path_prepend(struct node *n, const uint8_t *pre, size_t len)
{
	uint8_t *p = xmalloc(len + n->plen);

	memcpy(p, pre, len);
	if (n->plen != 0)
		memcpy(p + len, n->path, n->plen);
	free(n->path);
	n->path = p;
	n->plen += len;
	n->dirty = true;
}

static size_t
common_prefix(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0;

	while (i < alen && i < blen && a[i] == b[i])
		i++;
	return i;
}

/* Returns: whether n's path starts k.  An empty path is NULL, which
 * memcmp() must not see even for a length of 0. */
static bool
path_starts(const struct node *n, const uint8_t *k, size_t klen)
{
	return n->plen <= klen && (n->plen == 0 || memcmp(n->path, k, n->plen) == 0);
}

/* Inserts key k -> val (owned from now on) below n.  Returns: the node that
 * takes n's place. */
static struct node *
node_insert(struct mpt *t, struct node *n, const uint8_t *k, size_t klen,
	    uint8_t *val, size_t vlen)
{
	struct node *b, *top;
	size_t p;

	if (n == NULL) {
		t->count++;
		return leaf_new(k, klen, val, vlen);
	}
	n->dirty = true;
	if (n->kind == NODE_BRANCH) {
		if (klen == 0) {
			if (n->val == NULL)
				t->count++;
			free(n->val);
			n->val = val;
			n->vlen = vlen;
		} else {
			n->kids[k[0]] = node_insert(t, n->kids[k[0]], k + 1,
						    klen - 1, val, vlen);
		}
		return n;
	}
	p = common_prefix(n->path, n->plen, k, klen);
	if (n->kind == NODE_LEAF && p == n->plen && p == klen) {
		free(n->val);
		n->val = val;
		n->vlen = vlen;
		return n;
	}
	if (n->kind == NODE_EXT && p == n->plen) {
		n->child = node_insert(t, n->child, k + p, klen - p, val, vlen);
		return n;
	}

	/* The keys part after p common nibbles: a branch goes there, under an
	 * extension for the common part if there is one. */
	b = node_new(NODE_BRANCH);
	top = p > 0 ? ext_new(n->path, p, b) : b;
	if (p == n->plen) {
		/* Only a leaf gets here: its key ends at the branch. */
		b->val = n->val;
		b->vlen = n->vlen;
		n->val = NULL;
		node_free(n);
	} else if (n->kind == NODE_EXT && p + 1 == n->plen) {
		/* Nothing of the extension's path is left below the branch. */
		b->kids[n->path[p]] = n->child;
		n->child = NULL;
		node_free(n);
	} else {
		b->kids[n->path[p]] = n;
		path_drop_front(n, p + 1);
	}
	t->count++;
	if (p == klen) {
		b->val = val;
		b->vlen = vlen;
	} else {
		b->kids[k[p]] = leaf_new(k + p + 1, klen - p - 1, val, vlen);
	}
	return top;
}

/* Folds an extension into its child when a delete has turned that child
 * into a leaf or another extension.  Returns: the node that takes e's
 * place. */
static struct node *
ext_merge(struct node *e)
{
	struct node *c = e->child;

	if (c->kind == NODE_BRANCH)
		return e;
	path_prepend(c, e->path, e->plen);
	e->child = NULL;
	node_free(e);
	return c;
}

/* Restores the shape of a branch that lost an entry: one with a single
 * entry left gives way to a leaf, or to its child with the child's nibble
 * put in front.  Returns: the node that takes b's place. */
static struct node *
branch_collapse(struct node *b)
{
	struct node *c = NULL, *r;
	unsigned entries = b->val != NULL;
	uint8_t nib = 0;

	for (uint8_t i = 0; i < 16; i++) {
		if (b->kids[i] != NULL) {
			entries++;
			c = b->kids[i];
			nib = i;
		}
	}
	if (entries >= 2)
		return b;
	if (entries == 0)
		BUG("branch with no entry left");
	if (c == NULL) {
		r = leaf_new(NULL, 0, b->val, b->vlen);
		b->val = NULL;
	} else if (c->kind == NODE_BRANCH) {
		r = ext_new(&nib, 1, c);
	} else {
		path_prepend(c, &nib, 1);
		r = c;
	}
	b->kids[nib] = NULL;
	node_free(b);
	return r;
}

/* Removes key k below n.  Returns: the node that takes n's place (NULL for
 * none).  Out: *found, set when the key was there. */
static struct node *
node_remove(struct mpt *t, struct node *n, const uint8_t *k, size_t klen,
	    bool *found)
{
	if (n == NULL)
		return NULL;
	switch (n->kind) {
	case NODE_LEAF:
		if (n->plen != klen || !path_starts(n, k, klen))
			return n;
		*found = true;
		t->count--;
		node_free(n);
		return NULL;
	case NODE_EXT:
		if (!path_starts(n, k, klen))
			return n;
		n->child = node_remove(t, n->child, k + n->plen, klen - n->plen,
				       found);
		if (!*found)
			return n;
		n->dirty = true;
		/* A branch never shrinks to nothing, so the child stays. */
		return ext_merge(n);
	case NODE_BRANCH:
		if (klen == 0) {
			if (n->val == NULL)
				return n;
			free(n->val);
			n->val = NULL;
			n->vlen = 0;
			*found = true;
			t->count--;
		} else {
			n->kids[k[0]] = node_remove(t, n->kids[k[0]], k + 1,
						    klen - 1, found);
			if (!*found)
				return n;
		}
		n->dirty = true;
		return branch_collapse(n);
	}
	BUG("unknown node kind");
}

size_t
mpt_hex_prefix(uint8_t *out, const uint8_t *nibbles, size_t n, bool leaf)
{
	uint8_t flag = (uint8_t)((leaf ? 2 : 0) | (n & 1));
	size_t i = 0, o = 1;

	out[0] = (uint8_t)(flag << 4);
	if (n & 1)
		out[0] |= nibbles[i++];
	for (; i < n; i += 2)
		out[o++] = (uint8_t)(nibbles[i] << 4 | nibbles[i + 1]);
	return o;
}

/* Writes a child reference into a node being encoded: the child's own
 * encoding when it is shorter than 32 bytes, else its hash as a string. */
static void
enc_ref(struct rlp_enc *e, const struct node *c)
{
	if (c->ref_len < 32)
		rlp_enc_raw(e, c->ref, c->ref_len);
	else
		rlp_enc_bytes(e, c->ref, 32);
}

/* Brings n's cached reference up to date, children first, so that one
 * scratch buffer serves every node: a node is encoded only once all the
 * references it embeds are known. */
static void
node_hash(struct mpt *t, struct node *n)
{
	struct rlp_enc *e = &t->enc;
	uint8_t *hp = t->hp;
	size_t mark;

	if (!n->dirty)
		return;
	if (n->kind == NODE_BRANCH) {
		for (int i = 0; i < 16; i++)
			if (n->kids[i] != NULL)
				node_hash(t, n->kids[i]);
	} else if (n->kind == NODE_EXT) {
		node_hash(t, n->child);
	}
	rlp_enc_reset(e);
	mark = rlp_enc_list_begin(e);
	switch (n->kind) {
	case NODE_LEAF:
		rlp_enc_bytes(e, hp, mpt_hex_prefix(hp, n->path, n->plen, true));
		rlp_enc_bytes(e, n->val, n->vlen);
		break;
	case NODE_EXT:
		rlp_enc_bytes(e, hp, mpt_hex_prefix(hp, n->path, n->plen, false));
		enc_ref(e, n->child);
		break;
	case NODE_BRANCH:
		for (int i = 0; i < 16; i++) {
			if (n->kids[i] != NULL)
				enc_ref(e, n->kids[i]);
			else
				rlp_enc_bytes(e, NULL, 0);
		}
		rlp_enc_bytes(e, n->val, n->vlen);
		break;
	}
	rlp_enc_list_end(e, mark);
	/* The same policy as xalloc.h: the trie cannot go on without memory. */
	if (rlp_enc_error(e) != 0)
		die("out of memory encoding a trie node");
	if (e->len < 32) {
		memcpy(n->ref, e->data, e->len);
		n->ref_len = (uint8_t)e->len;
	} else {
		keccak256(n->ref, e->data, e->len);
		n->ref_len = 32;
	}
	n->dirty = false;
}

struct mpt *
mpt_new(unsigned flags)
{
	struct mpt *t = xcalloc(1, sizeof(*t));

	t->flags = flags;
	rlp_enc_init(&t->enc);
	return t;
}

void
mpt_free(struct mpt *t)
{
	if (t == NULL)
		return;
	node_free(t->root);
	rlp_enc_release(&t->enc);
	free(t);
}

/* Turns a key into the nibbles the trie is indexed by, hashing it first in
 * a secure trie.  Returns: the nibble count, or -E2BIG.
 * Out: nib, MPT_NIBBLES_MAX of room. */
static ssize_t
key_nibbles(const struct mpt *t, uint8_t *nib, const uint8_t *key, size_t klen)
{
	uint8_t hash[32];

	if (t->flags & MPT_SECURE) {
		keccak256(hash, key, klen);
		key = hash;
		klen = sizeof(hash);
	} else if (klen > MPT_KEY_MAX) {
		return -E2BIG;
	}
	for (size_t i = 0; i < klen; i++) {
		nib[2 * i] = key[i] >> 4;
		nib[2 * i + 1] = key[i] & 15;
	}
	return (ssize_t)(2 * klen);
}

int
mpt_put(struct mpt *t, const uint8_t *key, size_t klen, const uint8_t *val,
	size_t vlen)
{
	uint8_t nib[MPT_NIBBLES_MAX];
	ssize_t n;

	if (vlen == 0) {
		int rc = mpt_del(t, key, klen);

		return rc == -ENOENT ? 0 : rc;
	}
	n = key_nibbles(t, nib, key, klen);
	if (n < 0)
		return (int)n;
	t->root = node_insert(t, t->root, nib, (size_t)n, copy_bytes(val, vlen),
			      vlen);
	return 0;
}

int
mpt_del(struct mpt *t, const uint8_t *key, size_t klen)
{
	uint8_t nib[MPT_NIBBLES_MAX];
	bool found = false;
	ssize_t n;

	n = key_nibbles(t, nib, key, klen);
	if (n < 0)
		return (int)n;
	t->root = node_remove(t, t->root, nib, (size_t)n, &found);
	return found ? 0 : -ENOENT;
}

int
mpt_get(const struct mpt *t, const uint8_t **val, size_t *vlen,
	const uint8_t *key, size_t klen)
{
	uint8_t nib[MPT_NIBBLES_MAX];
	const struct node *n = t->root;
	const uint8_t *k = nib;
	ssize_t len;
	size_t left;

	len = key_nibbles(t, nib, key, klen);
	if (len < 0)
		return (int)len;
	left = (size_t)len;
	while (n != NULL) {
		if (n->kind == NODE_BRANCH) {
			if (left == 0)
				break;
			n = n->kids[k[0]];
			k++;
			left--;
			continue;
		}
		if (!path_starts(n, k, left))
			return -ENOENT;
		k += n->plen;
		left -= n->plen;
		if (n->kind == NODE_LEAF) {
			if (left != 0)
				return -ENOENT;
			break;
		}
		n = n->child;
	}
	if (n == NULL || n->val == NULL)
		return -ENOENT;
	*val = n->val;
	*vlen = n->vlen;
	return 0;
}

size_t
mpt_count(const struct mpt *t)
{
	return t->count;
}

void
mpt_root(struct mpt *t, uint8_t root[32])
{
	if (t->root == NULL) {
		memcpy(root, mpt_empty_root, 32);
		return;
	}
	node_hash(t, t->root);
	/* The root is hashed even when its encoding is short enough to be
	 * embedded; the reference then holds that encoding. */
	if (t->root->ref_len < 32)
		keccak256(root, t->root->ref, t->root->ref_len);
	else
		memcpy(root, t->root->ref, 32);
}

struct walk {
	mpt_walk_fn fn;
	void *arg;
	uint8_t nib[MPT_NIBBLES_MAX]; /* the path from the root so far */
};

/* Calls the walk's function for a value at the path of depth nibbles. */
static int
walk_value(struct walk *w, size_t depth, const uint8_t *val, size_t vlen)
{
	uint8_t key[MPT_KEY_MAX];

	/* Keys are bytes, so every value sits at an even depth. */
	if (depth % 2 != 0)
		BUG("value at an odd nibble depth");
	for (size_t i = 0; i < depth / 2; i++)
		key[i] = (uint8_t)(w->nib[2 * i] << 4 | w->nib[2 * i + 1]);
	return w->fn(w->arg, key, depth / 2, val, vlen);
}

/* Walks below n, whose path starts at nibble depth.  A branch's own value
 * comes first: its key is a prefix of, so sorts before, those below it. */
static int
walk_node(struct walk *w, const struct node *n, size_t depth)
{
	int rc;

	if (n->kind != NODE_BRANCH) {
		if (n->plen != 0)
			memcpy(w->nib + depth, n->path, n->plen);
		depth += n->plen;
		if (n->kind == NODE_LEAF)
			return walk_value(w, depth, n->val, n->vlen);
		return walk_node(w, n->child, depth);
	}
	if (n->val != NULL) {
		rc = walk_value(w, depth, n->val, n->vlen);
		if (rc != 0)
			return rc;
	}
	for (uint8_t i = 0; i < 16; i++) {
		if (n->kids[i] == NULL)
			continue;
		w->nib[depth] = i;
		rc = walk_node(w, n->kids[i], depth + 1);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
mpt_walk(const struct mpt *t, mpt_walk_fn fn, void *arg)
{
	struct walk w = { .fn = fn, .arg = arg };

	if (t->root == NULL)
		return 0;
	return walk_node(&w, t->root, 0);
}
