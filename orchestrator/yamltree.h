/* YAML documents loaded into a tree whose every node knows its file, line
 * and column, so that later checks can point at the exact place.
 *
 * The loader is for files people write and is wary of files they did not:
 * it refuses input over YTREE_MAX_BYTES, nesting deeper than
 * YTREE_MAX_DEPTH, alias chains deeper than YTREE_MAX_ALIAS_DEPTH and
 * documents that aliases would expand beyond YTREE_MAX_NODES nodes.  Aliases
 * share the anchored node rather than copying it, so the tree is a DAG, and
 * YAML merge keys ("<<: *defaults") are applied while loading. */
#ifndef CHAINBOX_YAMLTREE_H
#define CHAINBOX_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "compat.h"
#include "diag.h"

#define YTREE_MAX_BYTES (1024 * 1024)
#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_ALIAS_DEPTH 16
#define YTREE_MAX_NODES 100000

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
	enum ynode_kind kind;
	const char *file; /* owned by the tree */
	unsigned line, col; /* 1-based */
	/* Scalars: the text (NUL-terminated, may hold other NULs) and its
	 * length; plain is false for quoted and block scalars. */
	const char *str;
	size_t len;
	bool plain;
	/* Sequences: n items.  Mappings: n pairs, key items[2i] (a scalar)
	 * and value items[2i + 1]. */
	size_t n;
	struct ynode **items;
	size_t expanded; /* nodes counted with aliases expanded */
	unsigned alias_depth;
};

struct ytree;

/* Loads one YAML document.  An empty document gives a NULL root.
 * Returns: 0, or -EINVAL with the reasons added to d as errors.
 * Out: *tree, freed with ytree_free().  In: file names the input in
 * messages. */
int ytree_parse(struct ytree **tree, struct diag *d, const char *file,
		const char *buf, size_t len) WARN_UNUSED;
void ytree_free(struct ytree *tree);
/* Returns: the document's root, or NULL for an empty document. */
const struct ynode *ytree_root(const struct ytree *tree);

/* Returns: a new node in tree's storage that is base with over merged in:
 * mappings merge key by key; sequences whose items are all mappings with a
 * "name" merge item by item on that name (new names are appended);
 * anything else in over replaces what base has.  Either may be NULL. */
const struct ynode *ytree_merge(struct ytree *tree, const struct ynode *base,
				const struct ynode *over);

/* Returns: the value of key in map, or NULL when map is not a mapping or
 * has no such key. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* Returns: whether n is a null scalar ("", "~" or "null", unquoted). */
bool ynode_is_null(const struct ynode *n);
/* Returns: "a mapping", "a list", "a string" or "nothing", for messages. */
const char *ynode_describe(const struct ynode *n);

#endif
