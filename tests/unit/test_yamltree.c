/* Tests for orchestrator/yamltree.c: positions, aliases, merge keys and the
 * limits that protect against hostile documents. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "harness.h"
#include "xalloc.h"
#include "yamltree.h"

/* Parses text.  Returns: the tree, or NULL; *d holds the diagnostics. */
static struct ytree *
parse(struct diag *d, const char *text)
{
	struct ytree *t = NULL;

	diag_init(d);
	if (ytree_parse(&t, d, "t.yaml", text, strlen(text)) != 0)
		return NULL;
	return t;
}

/* Returns: whether d holds an error at line:col whose text contains s. */
static int
has_error(const struct diag *d, unsigned line, unsigned col, const char *s)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].line == line && d->v[i].col == col &&
		    strstr(d->v[i].msg, s) != NULL)
			return 1;
	}
	return 0;
}

static void
test_yamltree_positions(void)
{
	struct diag d;
	struct ytree *t = parse(&d, "a: 1\nb:\n  - x\n  - 'y'\n");
	const struct ynode *root, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	root = ytree_root(t);
	CU_ASSERT_EQUAL(root->kind, YNODE_MAP);
	CU_ASSERT_EQUAL(root->n, 2);
	b = ynode_get(root, "b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->kind, YNODE_SEQ);
	CU_ASSERT_EQUAL(b->n, 2);
	CU_ASSERT_EQUAL(b->items[1]->line, 4);
	CU_ASSERT_EQUAL(b->items[1]->col, 5);
	CU_ASSERT_TRUE(b->items[0]->plain);
	CU_ASSERT_FALSE(b->items[1]->plain);
	CU_ASSERT_STRING_EQUAL(ynode_get(root, "a")->str, "1");
	CU_ASSERT_PTR_NULL(ynode_get(root, "c"));
	CU_ASSERT_STRING_EQUAL(ynode_describe(b), "a list");
	ytree_free(t);
	diag_release(&d);
}

static void
test_yamltree_empty_and_null(void)
{
	struct diag d;
	struct ytree *t = parse(&d, "");

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(ytree_root(t));
	ytree_free(t);
	diag_release(&d);
	t = parse(&d, "a:\nb: ~\nc: 'null'\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(ynode_is_null(ynode_get(ytree_root(t), "a")));
	CU_ASSERT_TRUE(ynode_is_null(ynode_get(ytree_root(t), "b")));
	CU_ASSERT_FALSE(ynode_is_null(ynode_get(ytree_root(t), "c")));
	ytree_free(t);
	diag_release(&d);
}

static void
test_yamltree_aliases_and_merge_keys(void)
{
	struct diag d;
	struct ytree *t = parse(&d,
		"base: &b {x: 1, y: 2}\n"
		"other: &o {z: 3}\n"
		"use: {<<: [*b, *o], y: 9}\n"
		"copy: *b\n");
	const struct ynode *use;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	use = ynode_get(ytree_root(t), "use");
	CU_ASSERT_EQUAL(use->n, 3);
	CU_ASSERT_STRING_EQUAL(ynode_get(use, "x")->str, "1");
	CU_ASSERT_STRING_EQUAL(ynode_get(use, "y")->str, "9"); /* explicit wins */
	CU_ASSERT_STRING_EQUAL(ynode_get(use, "z")->str, "3");
	CU_ASSERT_PTR_EQUAL(ynode_get(ytree_root(t), "copy"), ynode_get(ytree_root(t), "base"));
	ytree_free(t);
	diag_release(&d);
}

static void
test_yamltree_errors(void)
{
	struct diag d;

	CU_ASSERT_PTR_NULL(parse(&d, "a: 1\nb: 2\na: 3\n"));
	CU_ASSERT_TRUE(has_error(&d, 3, 1, "duplicate key 'a' (first at line 1)"));
	diag_release(&d);

	CU_ASSERT_PTR_NULL(parse(&d, "a: *nope\n"));
	CU_ASSERT_TRUE(has_error(&d, 1, 4, "alias '*nope' names no anchor"));
	diag_release(&d);

	CU_ASSERT_PTR_NULL(parse(&d, "a: [1, 2\nb: 3\n"));
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "YAML syntax error"));
	diag_release(&d);

	CU_ASSERT_PTR_NULL(parse(&d, "a: 1\n---\nb: 2\n"));
	CU_ASSERT_TRUE(has_error(&d, 2, 1, "expected one YAML document"));
	diag_release(&d);

	CU_ASSERT_PTR_NULL(parse(&d, "? [a, b]\n: 1\n"));
	CU_ASSERT_TRUE(has_error(&d, 1, 3, "mapping keys must be strings"));
	diag_release(&d);

	CU_ASSERT_PTR_NULL(parse(&d, "a: {<<: 5}\n"));
	CU_ASSERT_TRUE(has_error(&d, 1, 9, "merge key '<<' takes a mapping"));
	diag_release(&d);
}

/* The "billion laughs": each level doubles the document. */
static void
test_yamltree_alias_bomb(void)
{
	char *doc = xstrdup("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"), *tmp;
	struct diag d;

	for (int i = 1; i < 10; i++) {
		xasprintf(&tmp, "%sa%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			  doc, i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
			  i - 1, i - 1, i - 1, i - 1);
		free(doc);
		doc = tmp;
	}
	CU_ASSERT_PTR_NULL(parse(&d, doc));
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "expands to more than"));
	diag_release(&d);
	free(doc);
}

static void
test_yamltree_alias_depth(void)
{
	char *doc = xstrdup("l0: &l0 x\n"), *tmp;
	struct diag d;

	for (int i = 1; i <= YTREE_MAX_ALIAS_DEPTH + 1; i++) {
		xasprintf(&tmp, "%sl%d: &l%d [*l%d]\n", doc, i, i, i - 1);
		free(doc);
		doc = tmp;
	}
	CU_ASSERT_PTR_NULL(parse(&d, doc));
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "aliases nest too deeply"));
	diag_release(&d);
	free(doc);
}

static void
test_yamltree_limits(void)
{
	size_t big = YTREE_MAX_BYTES + 1;
	char *doc = xmalloc(big + 1);
	struct diag d;

	memset(doc, '[', YTREE_MAX_DEPTH + 1);
	doc[YTREE_MAX_DEPTH + 1] = '\0';
	CU_ASSERT_PTR_NULL(parse(&d, doc));
	CU_ASSERT_TRUE(has_error(&d, 1, YTREE_MAX_DEPTH + 1, "nesting deeper than"));
	diag_release(&d);

	memset(doc, '#', big);
	doc[big] = '\0';
	CU_ASSERT_PTR_NULL(parse(&d, doc));
	CU_ASSERT_EQUAL(d.nerrors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "the limit is"));
	diag_release(&d);
	free(doc);
}

static void
test_yamltree_merge(void)
{
	struct diag d;
	struct ytree *base = parse(&d,
		"chain: {id: 1, consensus: tbft}\n"
		"nodes: [{name: v, count: 4, role: validator}, {name: f}]\n"
		"list: [1, 2]\n");
	struct ytree *over = parse(&d,
		"chain: {id: 2}\n"
		"nodes: [{name: v, count: 7}, {name: new}]\n"
		"list: [3]\n");
	const struct ynode *m, *nodes;

	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	CU_ASSERT_PTR_NOT_NULL_FATAL(over);
	m = ytree_merge(over, ytree_root(base), ytree_root(over));
	CU_ASSERT_STRING_EQUAL(ynode_get(ynode_get(m, "chain"), "id")->str, "2");
	CU_ASSERT_STRING_EQUAL(ynode_get(ynode_get(m, "chain"), "consensus")->str, "tbft");
	nodes = ynode_get(m, "nodes");
	CU_ASSERT_EQUAL_FATAL(nodes->n, 3);
	CU_ASSERT_STRING_EQUAL(ynode_get(nodes->items[0], "count")->str, "7");
	CU_ASSERT_STRING_EQUAL(ynode_get(nodes->items[0], "role")->str, "validator");
	CU_ASSERT_STRING_EQUAL(ynode_get(nodes->items[2], "name")->str, "new");
	CU_ASSERT_EQUAL(ynode_get(m, "list")->n, 1); /* plain lists are replaced */
	CU_ASSERT_PTR_EQUAL(ytree_merge(over, NULL, ytree_root(over)), ytree_root(over));
	ytree_free(base);
	ytree_free(over);
	diag_release(&d);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_yamltree_positions),
		HARNESS_TEST(test_yamltree_empty_and_null),
		HARNESS_TEST(test_yamltree_aliases_and_merge_keys),
		HARNESS_TEST(test_yamltree_errors),
		HARNESS_TEST(test_yamltree_alias_bomb),
		HARNESS_TEST(test_yamltree_alias_depth),
		HARNESS_TEST(test_yamltree_limits),
		HARNESS_TEST(test_yamltree_merge),
		HARNESS_END,
	};
	return harness_run("yamltree", tests);
}
