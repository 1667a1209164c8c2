/* A position-keeping YAML loader on libyaml's event parser (see yamltree.h). */
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xalloc.h"
#include "yamltree.h"

/* More anchors than this is not a spec a person wrote; the cap also keeps
 * the linear anchor lookup cheap on hostile input. */
#define YTREE_MAX_ANCHORS 256

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct ytree {
	struct chunk *chunks;
	const struct ynode *root;
	char *file;
};

struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, alloc;
	size_t expanded;
	unsigned alias_depth;
	char *anchor;
};

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	struct ytree *tree;
	struct diag *diag;
	struct frame stack[YTREE_MAX_DEPTH];
	size_t depth;
	struct anchor anchors[YTREE_MAX_ANCHORS];
	size_t nanchors;
	struct ynode *root;
	unsigned documents;
	bool failed;
};

/* Allocates zeroed, aligned memory that lives until ytree_free(). */
static void *
ytree_alloc(struct ytree *t, size_t size)
{
	struct chunk *c = t->chunks;
	void *p;

	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (c == NULL || c->size - c->used < size) {
		size_t csize = size > 16384 ? size : 16384;

		c = xmalloc(sizeof(*c) + csize);
		c->next = t->chunks;
		c->used = 0;
		c->size = csize;
		t->chunks = c;
	}
	p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

void
ytree_free(struct ytree *t)
{
	struct chunk *c, *next;

	if (t == NULL)
		return;
	for (c = t->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(t->file);
	free(t);
}

const struct ynode *
ytree_root(const struct ytree *t)
{
	return t->root;
}

static void PRINTFLIKE(3, 4)
builder_error(struct builder *b, const yaml_mark_t *mark, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	diag_add(b->diag, DIAG_ERROR, b->tree->file, (unsigned)mark->line + 1,
		 (unsigned)mark->column + 1, "%s", msg);
	free(msg);
	b->failed = true;
}

static struct ynode *
node_new(struct builder *b, enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n = ytree_alloc(b->tree, sizeof(*n));

	n->kind = kind;
	n->file = b->tree->file;
	n->line = (unsigned)mark->line + 1;
	n->col = (unsigned)mark->column + 1;
	n->expanded = 1;
	return n;
}

static size_t
sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Hangs a finished node under the open container, or makes it the root.
 * is_alias says it arrived through an alias, which deepens alias nesting. */
static void
builder_add(struct builder *b, struct ynode *n, bool is_alias,
	    const yaml_mark_t *mark)
{
	struct frame *f;
	unsigned adepth = n->alias_depth + (is_alias ? 1 : 0);

	if (adepth > YTREE_MAX_ALIAS_DEPTH) {
		builder_error(b, mark, "aliases nest too deeply (more than %d levels)",
			      YTREE_MAX_ALIAS_DEPTH);
		return;
	}
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	f->expanded = sat_add(f->expanded, n->expanded);
	if (f->expanded >= YTREE_MAX_NODES) {
		builder_error(b, mark,
			      "document expands to more than %d nodes (aliases nest too deeply?)",
			      YTREE_MAX_NODES);
		return;
	}
	if (adepth > f->alias_depth)
		f->alias_depth = adepth;
	if (f->n == f->alloc) {
		f->alloc = f->alloc ? 2 * f->alloc : 8;
		f->kids = xreallocarray(f->kids, f->alloc, sizeof(*f->kids));
	}
	f->kids[f->n++] = n;
}

static void
builder_anchor(struct builder *b, const char *name, struct ynode *n,
	       const yaml_mark_t *mark)
{
	if (name == NULL)
		return;
	for (size_t i = 0; i < b->nanchors; i++) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			b->anchors[i].node = n; /* a redefinition wins */
			return;
		}
	}
	if (b->nanchors == YTREE_MAX_ANCHORS) {
		builder_error(b, mark, "more than %d anchors", YTREE_MAX_ANCHORS);
		return;
	}
	b->anchors[b->nanchors].name = xstrdup(name);
	b->anchors[b->nanchors++].node = n;
}

static struct ynode *
builder_lookup(struct builder *b, const char *name)
{
	for (size_t i = 0; i < b->nanchors; i++) {
		if (strcmp(b->anchors[i].name, name) == 0)
			return b->anchors[i].node;
	}
	return NULL;
}

static bool
is_merge_key(const struct ynode *k)
{
	return k->kind == YNODE_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

struct pairref {
	struct ynode *key, *value;
	unsigned prio; /* 0 for keys written here, 1 + n for the nth merge */
	size_t idx;
};

static bool
key_equal(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

static int
pairref_by_key(const void *pa, const void *pb)
{
	const struct pairref *a = pa, *b = pb;
	size_t n = a->key->len < b->key->len ? a->key->len : b->key->len;
	int c = memcmp(a->key->str, b->key->str, n);

	if (c != 0)
		return c;
	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
pairref_by_idx(const void *pa, const void *pb)
{
	const struct pairref *a = pa, *b = pb;

	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Adds the pairs of merge source src (a mapping) at priority prio. */
static void
collect_merged(struct pairref **refs, size_t *n, size_t *alloc,
	       const struct ynode *src, unsigned prio, size_t *idx)
{
	for (size_t i = 0; i < src->n; i++) {
		if (*n == *alloc) {
			*alloc = *alloc ? 2 * *alloc : 16;
			*refs = xreallocarray(*refs, *alloc, sizeof(**refs));
		}
		(*refs)[(*n)++] = (struct pairref){ src->items[2 * i],
			src->items[2 * i + 1], prio, (*idx)++ };
	}
}

/* Turns a closed mapping's children into pairs: checks the keys, applies
 * merge keys and rejects duplicates, in O(n log n). */
static void
finish_map(struct builder *b, struct frame *f)
{
	struct ynode *map = f->node;
	struct pairref *refs = NULL;
	size_t n = 0, alloc = 0, idx = 0, kept = 0;
	unsigned merges = 0;

	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->kids[i], *v = f->kids[i + 1];

		if (k->kind != YNODE_SCALAR) {
			diag_add(b->diag, DIAG_ERROR, k->file, k->line, k->col,
				 "mapping keys must be strings, not %s",
				 ynode_describe(k));
			b->failed = true;
			continue;
		}
		if (is_merge_key(k)) {
			merges++;
			if (v->kind == YNODE_MAP) {
				collect_merged(&refs, &n, &alloc, v, merges, &idx);
				continue;
			}
			if (v->kind == YNODE_SEQ) {
				bool ok = true;

				for (size_t j = 0; j < v->n; j++)
					ok &= v->items[j]->kind == YNODE_MAP;
				for (size_t j = 0; ok && j < v->n; j++)
					collect_merged(&refs, &n, &alloc,
						       v->items[j], merges++, &idx);
				if (ok)
					continue;
			}
			diag_add(b->diag, DIAG_ERROR, v->file, v->line, v->col,
				 "merge key '<<' takes a mapping or a list of mappings");
			b->failed = true;
			continue;
		}
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			refs = xreallocarray(refs, alloc, sizeof(*refs));
		}
		/* Keys written here come before merged ones in the result. */
		refs[n++] = (struct pairref){ k, v, 0, i / 2 };
	}
	for (size_t i = 0; i < n; i++) {
		if (refs[i].prio != 0)
			refs[i].idx += f->n / 2;
	}
	if (n > 1)
		qsort(refs, n, sizeof(*refs), pairref_by_key);
	for (size_t i = 0; i < n; i++) {
		const struct pairref *prev = kept > 0 ? &refs[kept - 1] : NULL;

		if (prev != NULL && key_equal(prev->key, refs[i].key)) {
			if (refs[i].prio == 0 && prev->prio == 0) {
				diag_add(b->diag, DIAG_ERROR, refs[i].key->file,
					 refs[i].key->line, refs[i].key->col,
					 "duplicate key '%s' (first at line %u)",
					 refs[i].key->str, prev->key->line);
				b->failed = true;
			}
			continue; /* a merged key loses to an earlier one */
		}
		refs[kept++] = refs[i];
	}
	if (kept > 1)
		qsort(refs, kept, sizeof(*refs), pairref_by_idx);
	map->n = kept;
	map->items = ytree_alloc(b->tree, 2 * kept * sizeof(*map->items) + 1);
	for (size_t i = 0; i < kept; i++) {
		map->items[2 * i] = refs[i].key;
		map->items[2 * i + 1] = refs[i].value;
	}
	free(refs);
}

static void
builder_open(struct builder *b, enum ynode_kind kind, const yaml_event_t *ev,
	     const char *anchor)
{
	struct frame *f;

	if (b->depth == YTREE_MAX_DEPTH) {
		builder_error(b, &ev->start_mark, "nesting deeper than %d levels",
			      YTREE_MAX_DEPTH);
		return;
	}
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node_new(b, kind, &ev->start_mark);
	f->anchor = anchor != NULL ? xstrdup(anchor) : NULL;
}

static void
builder_close(struct builder *b, const yaml_event_t *ev)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct ynode *n = f->node;

	if (n->kind == YNODE_MAP) {
		finish_map(b, f);
	} else {
		n->n = f->n;
		n->items = ytree_alloc(b->tree, f->n * sizeof(*n->items) + 1);
		if (f->n > 0)
			memcpy(n->items, f->kids, f->n * sizeof(*n->items));
	}
	n->expanded = sat_add(1, f->expanded);
	n->alias_depth = f->alias_depth;
	builder_anchor(b, f->anchor, n, &ev->start_mark);
	free(f->anchor);
	free(f->kids);
	b->depth--;
	builder_add(b, n, false, &ev->start_mark);
}

static void
builder_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n = node_new(b, YNODE_SCALAR, &ev->start_mark);
	char *s = ytree_alloc(b->tree, ev->data.scalar.length + 1);

	memcpy(s, ev->data.scalar.value, ev->data.scalar.length);
	n->str = s;
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	builder_anchor(b, (const char *)ev->data.scalar.anchor, n, &ev->start_mark);
	builder_add(b, n, false, &ev->start_mark);
}

static void
builder_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *target = builder_lookup(b, name);

	if (target == NULL) {
		builder_error(b, &ev->start_mark,
			      "alias '*%s' names no anchor defined before it", name);
		return;
	}
	builder_add(b, target, true, &ev->start_mark);
}

/* Feeds one event to the builder.  Returns: false at the end of the stream. */
static bool
builder_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return false;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			builder_error(b, &ev->start_mark,
				      "expected one YAML document, found a second");
		break;
	case YAML_SCALAR_EVENT:
		builder_scalar(b, ev);
		break;
	case YAML_ALIAS_EVENT:
		builder_alias(b, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		builder_open(b, YNODE_SEQ, ev,
			     (const char *)ev->data.sequence_start.anchor);
		break;
	case YAML_MAPPING_START_EVENT:
		builder_open(b, YNODE_MAP, ev,
			     (const char *)ev->data.mapping_start.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		builder_close(b, ev);
		break;
	default:
		break;
	}
	return true;
}

static void
syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *mark = &p->problem_mark;
	const char *problem = p->problem != NULL ? p->problem : "malformed YAML";

	if (p->context != NULL)
		builder_error(b, mark, "YAML syntax error: %s (%s at line %zu)",
			      problem, p->context, p->context_mark.line + 1);
	else
		builder_error(b, mark, "YAML syntax error: %s", problem);
}

int
ytree_parse(struct ytree **out, struct diag *d, const char *file,
	    const char *buf, size_t len)
{
	struct builder b = { 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool more = true;

	*out = NULL;
	b.tree = xcalloc(1, sizeof(*b.tree));
	b.tree->file = xstrdup(file);
	b.diag = d;
	if (len > YTREE_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, file, 0, 0,
			 "file is %zu bytes; the limit is %d (1 MiB)", len,
			 YTREE_MAX_BYTES);
		ytree_free(b.tree);
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser))
		BUG("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (more && !b.failed) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(&b, &parser);
			break;
		}
		more = builder_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (b.depth > 0) {
		struct frame *f = &b.stack[--b.depth];

		free(f->kids);
		free(f->anchor);
	}
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	if (b.failed) {
		ytree_free(b.tree);
		return -EINVAL;
	}
	b.tree->root = b.root;
	*out = b.tree;
	return 0;
}

const struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];

		if (k->len == klen && memcmp(k->str, key, klen) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}

bool
ynode_is_null(const struct ynode *n)
{
	return n == NULL ||
	       (n->kind == YNODE_SCALAR && n->plain &&
		(n->len == 0 || strcmp(n->str, "~") == 0 ||
		 strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
		 strcmp(n->str, "NULL") == 0));
}

const char *
ynode_describe(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

/* Returns: the "name" of a mapping as a string, or NULL. */
static const char *
item_name(const struct ynode *item)
{
	const struct ynode *name = ynode_get(item, "name");

	return name != NULL && name->kind == YNODE_SCALAR ? name->str : NULL;
}

static bool
is_named_list(const struct ynode *seq)
{
	if (seq == NULL || seq->kind != YNODE_SEQ)
		return false;
	for (size_t i = 0; i < seq->n; i++) {
		if (item_name(seq->items[i]) == NULL)
			return false;
	}
	return true;
}

static struct ynode *
node_copy(struct ytree *t, const struct ynode *src, size_t n)
{
	struct ynode *dst = ytree_alloc(t, sizeof(*dst));
	size_t nitems = src->kind == YNODE_MAP ? 2 * n : n;

	*dst = *src;
	dst->n = 0;
	dst->items = ytree_alloc(t, nitems * sizeof(*dst->items) + 1);
	return dst;
}

const struct ynode *
ytree_merge(struct ytree *t, const struct ynode *base, const struct ynode *over)
{
	struct ynode *r;

	if (base == NULL)
		return over;
	if (over == NULL)
		return base;
	if (base->kind == YNODE_MAP && over->kind == YNODE_MAP) {
		r = node_copy(t, over, base->n + over->n);
		/* Base keys keep their order, merged with over's values;
		 * keys only over has follow. */
		for (size_t i = 0; i < base->n; i++) {
			const struct ynode *k = base->items[2 * i];
			const struct ynode *ov = ynode_get(over, k->str);

			r->items[2 * r->n] = (struct ynode *)k;
			r->items[2 * r->n++ + 1] = (struct ynode *)ytree_merge(
				t, base->items[2 * i + 1], ov);
		}
		for (size_t i = 0; i < over->n; i++) {
			const struct ynode *k = over->items[2 * i];

			if (ynode_get(base, k->str) != NULL)
				continue;
			r->items[2 * r->n] = (struct ynode *)k;
			r->items[2 * r->n++ + 1] = over->items[2 * i + 1];
		}
		return r;
	}
	if (is_named_list(base) && is_named_list(over) && over->n > 0) {
		r = node_copy(t, over, base->n + over->n);
		for (size_t i = 0; i < base->n; i++) {
			const struct ynode *match = NULL;

			for (size_t j = 0; j < over->n && match == NULL; j++) {
				if (strcmp(item_name(base->items[i]),
					   item_name(over->items[j])) == 0)
					match = over->items[j];
			}
			r->items[r->n++] = (struct ynode *)ytree_merge(
				t, base->items[i], match);
		}
		for (size_t j = 0; j < over->n; j++) {
			bool found = false;

			for (size_t i = 0; i < base->n && !found; i++)
				found = strcmp(item_name(base->items[i]),
					       item_name(over->items[j])) == 0;
			if (!found)
				r->items[r->n++] = over->items[j];
		}
		return r;
	}
	return over;
}
