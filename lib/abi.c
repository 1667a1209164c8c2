/* The Solidity contract ABI (see abi.h).
 *
 * Types are trees of struct abi_type, each node knowing whether it is
 * dynamic and how many bytes it takes in its parent's head, so encoding and
 * decoding never measure a type twice.  Text is read by one recursive
 * descent parser shared by types, signatures and the type strings of JSON
 * ABIs; its recursion is bounded by ABI_MAX_DEPTH before it descends.
 *
 * Values are trees of struct abi_value whose scalars hold the 32-byte word
 * they encode to, so encoding copies words, equality compares them, and
 * decoding only checks that a word is in range for its type.  Every value
 * tree is built against a budget of ABI_MAX_VALUE_BYTES: data whose offsets
 * point many array elements at the same bytes cannot make it grow past
 * that, however small the data is. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "eip55.h"
#include "hex.h"
#include "keccak.h"
#include "suggest.h"
#include "xalloc.h"

/* How much of a name, a text or a value a message quotes. */
#define SHOW_MAX 80
/* The longest path into a value that messages show ("orders[2].amount"). */
#define PATH_MAX_LEN 256
/* JavaScript's largest safe integer: a JSON number above it has already
 * lost digits in the tool that wrote it. */
#define SAFE_INTEGER_MAX 9007199254740991.0

#define SHOW(buf, s, len) show((buf), sizeof(buf), (s), (len))
/* The plural ending for a count n. */
#define PLURAL(n) ((n) == 1 ? "" : "s")

/* A growable byte string, kept NUL-terminated for text. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Where a value is being read or made, for messages, and what it has cost. */
struct vctx {
	char **cause;
	size_t cost;			/* bytes of value tree made so far */
	const char *where;		/* the whole: "the return data of f()", or NULL */
	const char *role;		/* "argument", "return value", or NULL */
	const char *sig;		/* with role: "transfer(address,uint256)" */
	const struct abi_type *params;	/* with role: the parameters */
	const size_t *argmap;		/* parameter of each top component, or NULL */
	size_t top;			/* the top component being worked on */
	const uint8_t *data;		/* decoding: the data */
	size_t len;
	size_t path_len;
	char path[PATH_MAX_LEN];	/* below the top component */
};

/* What enter() changed, for leave(). */
struct vsaved {
	size_t path_len;
	size_t top;
};

/* The text parser's state. */
struct parser {
	const char *s;
	size_t len, pos;
	size_t tok;		/* where the token being read starts */
	const char *what;	/* "type", "signature" */
	const char *where;	/* prefix for messages, or NULL */
	char **cause;
	size_t *nodes;		/* types made, against ABI_MAX_NODES */
};

/* The panic codes Solidity uses (docs: "Panic via assert and Error via
 * require"). */
static const struct {
	uint8_t code;
	const char *meaning;
} panic_codes[] = {
	{ 0x00, "generic compiler panic" },
	{ 0x01, "assertion failed" },
	{ 0x11, "arithmetic overflow or underflow" },
	{ 0x12, "division or modulo by zero" },
	{ 0x21, "conversion to an enum out of range" },
	{ 0x22, "incorrectly encoded storage byte array" },
	{ 0x31, "pop() on an empty array" },
	{ 0x32, "array index out of bounds" },
	{ 0x41, "out of memory (too much memory or an array too large)" },
	{ 0x51, "call to a zero-initialized internal function" },
};

/* Selectors of Error(string) and Panic(uint256); a test checks them
 * against keccak256. */
static const uint8_t error_selector[4] = { 0x08, 0xc3, 0x79, 0xa0 };
static const uint8_t panic_selector[4] = { 0x4e, 0x48, 0x7b, 0x71 };

/* The types and entries abi.c needs without an ABI: Error(string),
 * Panic(uint256), and the constructor a contract without one has. */
static struct abi_type string_type = {
	.kind = ABI_STRING, .dynamic = true, .head = 32, .depth = 1,
};
static struct abi_type uint256_type = {
	.kind = ABI_UINT, .size = 256, .head = 32, .depth = 1,
};
static struct abi_param reason_param = { .name = (char *)"reason", .type = &string_type };
static struct abi_param code_param = { .name = (char *)"code", .type = &uint256_type };
static struct abi_type reason_params = {
	.kind = ABI_TUPLE, .fields = &reason_param, .nfields = 1, .dynamic = true,
	.head = 32, .depth = 2, .named = true,
};
static struct abi_type code_params = {
	.kind = ABI_TUPLE, .fields = &code_param, .nfields = 1, .head = 32, .depth = 2,
	.named = true,
};
static struct abi_type no_params = { .kind = ABI_TUPLE, .depth = 1, .named = true };
static const struct abi_entry default_constructor = {
	.kind = ABI_CONSTRUCTOR, .name = (char *)"", .signature = (char *)"constructor()",
	.inputs = &no_params, .outputs = &no_params,
};

static int dec_value(struct vctx *c, struct abi_value *v, const struct abi_type *t, size_t pos);
static int parse_params(struct parser *p, struct abi_type **out, unsigned enclosing,
    bool indexed_ok);
static void format_value(struct buf *b, const struct abi_value *v);

/* Makes room for n more bytes.  Returns: where they start. */
static uint8_t *
buf_room(struct buf *b, size_t n)
{
	if (b->cap - b->len <= n) {
		if (n > SIZE_MAX / 4 - b->len)
			BUG("buffer size overflow");
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	return b->p + b->len;
}

/* Appends n bytes. */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
	memcpy(buf_room(b, n), p, n);
	b->len += n;
	b->p[b->len] = 0;
}

/* Appends n zero bytes. */
static void
buf_zero(struct buf *b, size_t n)
{
	memset(buf_room(b, n), 0, n);
	b->len += n;
	b->p[b->len] = 0;
}

/* Appends a NUL-terminated string. */
static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends formatted text. */
static void PRINTFLIKE(2, 3)
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	buf_add(b, s, (size_t)n);
	free(s);
}

/* Returns: the text in b (caller frees), "" when empty; b is left empty. */
static char *
buf_detach(struct buf *b)
{
	char *s = b->p != NULL ? (char *)b->p : xstrdup("");

	b->p = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Appends len bytes as "0x" and lowercase hex. */
static void
buf_hex(struct buf *b, const uint8_t *p, size_t len)
{
	char *out;

	if (len > SIZE_MAX / 2 - 3)
		BUG("hex size overflow");
	buf_str(b, "0x");
	out = (char *)buf_room(b, 2 * len + 1);
	hex_encode(out, p, len);
	b->len += 2 * len;
}

/* Returns: buf, holding s[0..len) as a message may quote it: printable
 * ASCII only (anything else becomes '?'), cut to fit with "...". */
static const char *
show(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (n + 4 >= size && i + 1 < len) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	}
	buf[n] = '\0';
	return buf;
}

/* Returns: buf, holding v as a message may quote it: a scalar as JSON
 * ("-1" quoted, 5 bare), a container by its size. */
static const char *
show_json(char *buf, size_t size, const json_t *v)
{
	char *s;

	if (v == NULL) {
		snprintf(buf, size, "nothing");
	} else if (json_is_array(v)) {
		snprintf(buf, size, "an array of %zu element%s", json_array_size(v),
			 json_array_size(v) == 1 ? "" : "s");
	} else if (json_is_object(v)) {
		snprintf(buf, size, "an object");
	} else if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		show(buf, size, s, strlen(s));
		free(s);
	} else {
		snprintf(buf, size, "a value");
	}
	return buf;
}

/* Sets *cause (caller frees) to a message, when cause is not NULL. */
static void PRINTFLIKE(2, 3)
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
}

/* Returns: whether s[0..len) is exactly the NUL-terminated word. */
static bool
is_word(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Returns: whether c may appear in an identifier. */
static bool
is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

/* Returns: whether s[0..len) is an identifier no longer than ABI_MAX_NAME. */
static bool
is_ident(const char *s, size_t len)
{
	if (len == 0 || len > ABI_MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_ident_char(s[i]))
			return false;
	}
	return true;
}

/* Returns: whether s[0..len) is a keyword that starts a signature, and so
 * cannot name a function, event or error. */
static bool
is_keyword(const char *s, size_t len)
{
	static const char *const keywords[] = {
		"function", "event", "error", "constructor", "fallback", "receive",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (is_word(s, len, keywords[i]))
			return true;
	}
	return false;
}

/* Returns: the word for an entry kind, for messages. */
static const char *
kind_word(enum abi_entry_kind kind)
{
	switch (kind) {
	case ABI_FUNCTION:
		return "function";
	case ABI_CONSTRUCTOR:
		return "constructor";
	case ABI_EVENT:
		return "event";
	case ABI_ERROR:
		return "error";
	case ABI_FALLBACK:
		return "fallback";
	case ABI_RECEIVE:
		return "receive";
	}
	return "entry";
}

/* Returns: "a" or "an", the article for a kind's word. */
static const char *
kind_article(enum abi_entry_kind kind)
{
	return kind == ABI_EVENT || kind == ABI_ERROR ? "an" : "a";
}

/* Returns: whether a value of t is a single word (uintN, intN, address,
 * bool, bytesN). */
static bool
is_scalar(const struct abi_type *t)
{
	return t->kind <= ABI_FIXED_BYTES;
}

/* ---- types ---------------------------------------------------------- */

/* Returns: a new type of kind without elements or components. */
static struct abi_type *
type_new(enum abi_kind kind, unsigned size)
{
	struct abi_type *t = xcalloc(1, sizeof(*t));

	t->kind = kind;
	t->size = size;
	t->dynamic = kind == ABI_BYTES || kind == ABI_STRING;
	t->head = 32;
	t->depth = 1;
	return t;
}

void
abi_type_free(struct abi_type *type)
{
	if (type == NULL)
		return;
	abi_type_free(type->elem);
	for (size_t i = 0; i < type->nfields; i++) {
		free(type->fields[i].name);
		abi_type_free(type->fields[i].type);
	}
	free(type->fields);
	free(type);
}

/* Returns: the bytes of the head of t's own encoding: its components'
 * heads for a tuple, its elements' for T[k], else t's head. */
static size_t
seq_head(const struct abi_type *t)
{
	size_t n = 0;

	if (t->kind == ABI_FIXED_ARRAY)
		return t->len * t->elem->head;
	if (t->kind != ABI_TUPLE)
		return t->head;
	for (size_t i = 0; i < t->nfields; i++)
		n += t->fields[i].type->head;
	return n;
}

/* Sets a tuple's dynamic, head, depth and named from its components,
 * whose own layout is done. */
static void
tuple_layout(struct abi_type *t)
{
	unsigned depth = 0;

	t->dynamic = false;
	t->named = true;
	for (size_t i = 0; i < t->nfields; i++) {
		const struct abi_param *f = &t->fields[i];

		t->dynamic |= f->type->dynamic;
		if (f->type->depth > depth)
			depth = f->type->depth;
		if (f->name[0] == '\0')
			t->named = false;
		for (size_t j = 0; j < i && t->named; j++) {
			if (strcmp(t->fields[j].name, f->name) == 0)
				t->named = false;
		}
	}
	t->depth = depth + 1;
	t->head = t->dynamic ? 32 : seq_head(t);
}

/* Returns: a new array type around elem (which it takes over): T[] when
 * len is 0, else T[len].  The caller checks the limits. */
static struct abi_type *
array_new(struct abi_type *elem, size_t len)
{
	struct abi_type *t = type_new(len == 0 ? ABI_ARRAY : ABI_FIXED_ARRAY, 0);

	t->elem = elem;
	t->len = len;
	t->depth = elem->depth + 1;
	t->dynamic = len == 0 || elem->dynamic;
	t->head = t->dynamic ? 32 : len * elem->head;
	return t;
}

/* Appends t's canonical text to b. */
static void
format_type(struct buf *b, const struct abi_type *t)
{
	switch (t->kind) {
	case ABI_UINT:
		buf_printf(b, "uint%u", t->size);
		break;
	case ABI_INT:
		buf_printf(b, "int%u", t->size);
		break;
	case ABI_ADDRESS:
		buf_str(b, "address");
		break;
	case ABI_BOOL:
		buf_str(b, "bool");
		break;
	case ABI_FIXED_BYTES:
		buf_printf(b, "bytes%u", t->size);
		break;
	case ABI_BYTES:
		buf_str(b, "bytes");
		break;
	case ABI_STRING:
		buf_str(b, "string");
		break;
	case ABI_ARRAY:
		format_type(b, t->elem);
		buf_str(b, "[]");
		break;
	case ABI_FIXED_ARRAY:
		format_type(b, t->elem);
		buf_printf(b, "[%zu]", t->len);
		break;
	case ABI_TUPLE:
		buf_str(b, "(");
		for (size_t i = 0; i < t->nfields; i++) {
			if (i > 0)
				buf_str(b, ",");
			format_type(b, t->fields[i].type);
		}
		buf_str(b, ")");
		break;
	}
}

char *
abi_type_format(const struct abi_type *type)
{
	struct buf b = { 0 };

	format_type(&b, type);
	return buf_detach(&b);
}

/* Returns: whether a and b are the same type, names aside. */
static bool
type_eq(const struct abi_type *a, const struct abi_type *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->size != b->size || a->len != b->len ||
	    a->nfields != b->nfields)
		return false;
	if (a->elem != NULL && !type_eq(a->elem, b->elem))
		return false;
	for (size_t i = 0; i < a->nfields; i++) {
		if (!type_eq(a->fields[i].type, b->fields[i].type))
			return false;
	}
	return true;
}

/* ---- text: types and signatures ----------------------------------------- */

/* Reports a parse error at the current token.  Returns: rc. */
static int PRINTFLIKE(3, 4)
parse_fail(struct parser *p, int rc, const char *fmt, ...)
{
	char shown[SHOW_MAX], *msg;
	va_list ap;

	if (p->cause == NULL)
		return rc;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(p->cause, "%s%sbad %s '%s': %s (column %zu)", p->where ? p->where : "",
		  p->where ? ": " : "", p->what, SHOW(shown, p->s, p->len), msg, p->tok + 1);
	free(msg);
	return rc;
}

/* Skips blanks; marks the start of the next token. */
static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
	p->tok = p->pos;
}

/* Returns: whether the next token is the character c. */
static bool
peek(struct parser *p, char c)
{
	skip_space(p);
	return p->pos < p->len && p->s[p->pos] == c;
}

/* Returns: whether the next token is c, which is then consumed. */
static bool
accept(struct parser *p, char c)
{
	if (!peek(p, c))
		return false;
	p->pos++;
	return true;
}

/* Reads an identifier, or a word of digits.  Returns: its length, 0 when
 * the next token is neither.  Out: *w, where it starts. */
static size_t
word(struct parser *p, const char **w)
{
	size_t start;

	skip_space(p);
	start = p->pos;
	while (p->pos < p->len && is_ident_char(p->s[p->pos]))
		p->pos++;
	*w = p->s + start;
	return p->pos - start;
}

/* Returns: the number in s[0..len), decimal without a leading zero, at
 * most max; or 0 when it is not one. */
static size_t
number(const char *s, size_t len, size_t max)
{
	size_t n = 0;

	if (len == 0 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (size_t)(s[i] - '0');
		if (n > max)
			return 0;
	}
	return n;
}

/* Returns: the type named by w[0..n) (no suffixes, not a tuple), or NULL. */
static struct abi_type *
atomic_type(const char *w, size_t n)
{
	size_t bits;

	if (is_word(w, n, "address"))
		return type_new(ABI_ADDRESS, 0);
	if (is_word(w, n, "bool"))
		return type_new(ABI_BOOL, 0);
	if (is_word(w, n, "string"))
		return type_new(ABI_STRING, 0);
	if (is_word(w, n, "bytes"))
		return type_new(ABI_BYTES, 0);
	if (n > 5 && memcmp(w, "bytes", 5) == 0) {
		if ((bits = number(w + 5, n - 5, 32)) == 0)
			return NULL;
		return type_new(ABI_FIXED_BYTES, (unsigned)bits);
	}
	if (n >= 3 && (memcmp(w, "int", 3) == 0 || (n >= 4 && memcmp(w, "uint", 4) == 0))) {
		size_t skip = w[0] == 'u' ? 4 : 3;

		/* uint and int are uint256 and int256. */
		bits = n == skip ? 256 : number(w + skip, n - skip, 256);
		if (bits == 0 || bits % 8 != 0)
			return NULL;
		return type_new(w[0] == 'u' ? ABI_UINT : ABI_INT, (unsigned)bits);
	}
	return NULL;
}

/* Reports an unknown type name w[0..n), with a hint.  Returns: -EINVAL. */
static int
unknown_type(struct parser *p, const char *w, size_t n)
{
	static const char *const common[] = {
		"address", "bool", "string", "bytes", "uint256", "int256", "uint8",
		"uint128", "uint64", "uint32", "bytes32", "bytes4", "tuple",
	};
	char shown[SHOW_MAX], name[ABI_MAX_NAME + 1];
	const char *hint;

	SHOW(shown, w, n);
	if ((n >= 5 && memcmp(w, "fixed", 5) == 0) || (n >= 6 && memcmp(w, "ufixed", 6) == 0))
		return parse_fail(p, -EINVAL, "fixed-point types such as '%s' are not supported",
				  shown);
	if (is_word(w, n, "function"))
		return parse_fail(p, -EINVAL, "the function type is not supported");
	if (n == 0)
		return parse_fail(p, -EINVAL, "expected a type");
	memcpy(name, w, n < ABI_MAX_NAME ? n : ABI_MAX_NAME);
	name[n < ABI_MAX_NAME ? n : ABI_MAX_NAME] = '\0';
	hint = suggest_closest(name, common, ARRAY_SIZE(common));
	if (hint != NULL)
		return parse_fail(p, -EINVAL, "unknown type '%s' (did you mean '%s'?)", shown,
				  hint);
	return parse_fail(p, -EINVAL, "unknown type '%s'", shown);
}

/* Counts one more type node.  Returns: 0 or -E2BIG. */
static int
count_node(struct parser *p)
{
	if (++*p->nodes > ABI_MAX_NODES)
		return parse_fail(p, -E2BIG, "more than %u types", ABI_MAX_NODES);
	return 0;
}

/* Reads array suffixes, "[]" and "[k]", wrapping *t in them; *t stays
 * valid (and the caller's to free) whatever happens.  Returns: 0 or an
 * error. */
static int
parse_suffixes(struct parser *p, struct abi_type **t)
{
	const char *w;
	size_t n, len;
	int rc;

	while (accept(p, '[')) {
		p->tok = p->pos - 1;
		if ((*t)->depth >= ABI_MAX_DEPTH)
			return parse_fail(p, -E2BIG, "types nest more than %d deep",
					  ABI_MAX_DEPTH);
		if ((rc = count_node(p)) != 0)
			return rc;
		len = 0;
		if ((n = word(p, &w)) > 0) {
			len = number(w, n, ABI_MAX_HEAD / 32);
			if (len == 0 || len > ABI_MAX_HEAD / (*t)->head)
				return parse_fail(p, -EINVAL, "bad array length '%.*s' (from 1, "
						  "and at most %u bytes of head)",
						  n > 20 ? 20 : (int)n, w, ABI_MAX_HEAD);
		}
		if (!accept(p, ']'))
			return parse_fail(p, -EINVAL, "expected ']'");
		*t = array_new(*t, len);
	}
	return 0;
}

/* Reads a type: a name or a tuple, then array suffixes.
 * Returns: 0 or an error.  Out: *out (caller frees), only on success.
 * In: enclosing, the tuples and arrays around it. */
static int
parse_type(struct parser *p, struct abi_type **out, unsigned enclosing)
{
	struct abi_type *t = NULL;
	const char *w;
	size_t n;
	int rc;

	skip_space(p);
	if (peek(p, '(')) {
		rc = parse_params(p, &t, enclosing, false);
	} else {
		n = word(p, &w);
		if (is_word(w, n, "tuple") && peek(p, '('))
			rc = parse_params(p, &t, enclosing, false);
		else if ((t = atomic_type(w, n)) == NULL)
			rc = unknown_type(p, w, n);
		else
			rc = count_node(p);
	}
	if (rc == 0 && t->kind == ABI_TUPLE && t->nfields == 0)
		rc = parse_fail(p, -EINVAL, "empty tuple type '()'");
	if (rc == 0)
		rc = parse_suffixes(p, &t);
	/* parse_suffixes() and parse_params() have capped the head. */
	if (rc == 0 && t->depth > ABI_MAX_DEPTH)
		rc = parse_fail(p, -E2BIG, "types nest more than %d deep", ABI_MAX_DEPTH);
	if (rc != 0) {
		abi_type_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Adds a component to tuple t, which takes over name and type. */
static void
tuple_add(struct abi_type *t, char *name, struct abi_type *type, bool indexed)
{
	/* Grow by powers of two from 4. */
	if (t->nfields >= 4 && (t->nfields & (t->nfields - 1)) == 0)
		t->fields = xreallocarray(t->fields, t->nfields * 2, sizeof(*t->fields));
	else if (t->nfields == 0)
		t->fields = xreallocarray(NULL, 4, sizeof(*t->fields));
	t->fields[t->nfields++] = (struct abi_param){ name, type, indexed };
}

/* Reads one parameter: a type, keywords, an optional name, added to t. */
static int
parse_param(struct parser *p, struct abi_type *t, unsigned enclosing, bool indexed_ok)
{
	struct abi_type *type = NULL;
	bool indexed = false;
	char *name = NULL;
	const char *w;
	size_t n;
	int rc;

	if ((rc = parse_type(p, &type, enclosing + 1)) != 0)
		return rc;
	while ((n = word(p, &w)) > 0) {
		if (name != NULL) {
			rc = parse_fail(p, -EINVAL, "expected ',' or ')' after the name '%s'",
					name);
			goto out;
		}
		if (is_word(w, n, "indexed")) {
			if (!indexed_ok) {
				rc = parse_fail(p, -EINVAL,
						"'indexed' outside an event's parameters");
				goto out;
			}
			indexed = true;
		} else if (is_word(w, n, "calldata") || is_word(w, n, "memory") ||
			   is_word(w, n, "storage")) {
			continue;
		} else if (!is_ident(w, n)) {
			rc = parse_fail(p, n > ABI_MAX_NAME ? -E2BIG : -EINVAL,
					"bad parameter name '%.*s'", n > 40 ? 40 : (int)n, w);
			goto out;
		} else {
			name = xstrndup(w, n);
		}
	}
	tuple_add(t, name != NULL ? name : xstrdup(""), type, indexed);
	name = NULL;
	type = NULL;
out:
	free(name);
	abi_type_free(type);
	return rc;
}

/* Reads "(" parameters ")" into a new tuple.
 * Returns: 0 or an error.  Out: *out (caller frees), even on error.
 * In: enclosing, the tuples and arrays around it; indexed_ok, whether the
 * parameters may be indexed. */
static int
parse_params(struct parser *p, struct abi_type **out, unsigned enclosing, bool indexed_ok)
{
	struct abi_type *t = type_new(ABI_TUPLE, 0);
	int rc = 0;

	*out = t;
	if (enclosing >= ABI_MAX_DEPTH)
		return parse_fail(p, -E2BIG, "types nest more than %d deep", ABI_MAX_DEPTH);
	if ((rc = count_node(p)) != 0)
		return rc;
	if (!accept(p, '('))
		return parse_fail(p, -EINVAL, "expected '('");
	if (!accept(p, ')')) {
		do {
			if (t->nfields == ABI_MAX_FIELDS)
				return parse_fail(p, -E2BIG,
						  "more than %d parameters or components",
						  ABI_MAX_FIELDS);
			if ((rc = parse_param(p, t, enclosing, indexed_ok)) != 0)
				return rc;
		} while (accept(p, ','));
		if (!accept(p, ')'))
			return parse_fail(p, -EINVAL, "expected ',' or ')'");
	}
	tuple_layout(t);
	if (seq_head(t) > ABI_MAX_HEAD)
		return parse_fail(p, -E2BIG, "the head is more than %u bytes", ABI_MAX_HEAD);
	return 0;
}

/* Out: p, ready to read text[0..len). */
static void
parser_init(struct parser *p, char **cause, size_t *nodes, const char *what,
	    const char *where, const char *text, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->s = text;
	p->len = len;
	p->what = what;
	p->where = where;
	p->cause = cause;
	p->nodes = nodes;
}

/* Reports trailing text.  Returns: 0 at the end, else -EINVAL. */
static int
parse_end(struct parser *p)
{
	skip_space(p);
	if (p->pos < p->len)
		return parse_fail(p, -EINVAL, "unexpected '%c'",
				  p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7f ? p->s[p->pos] : '?');
	return 0;
}

int
abi_type_parse(struct abi_type **type, char **cause, const char *text)
{
	struct abi_type *t = NULL;
	struct parser p;
	size_t nodes = 0, len = strlen(text);
	int rc;

	parser_init(&p, cause, &nodes, "type", NULL, text, len);
	if (len > ABI_MAX_TEXT)
		return parse_fail(&p, -E2BIG, "longer than %u bytes", ABI_MAX_TEXT);
	if ((rc = parse_type(&p, &t, 0)) == 0)
		rc = parse_end(&p);
	if (rc == 0) {
		/* So that the canonical text always reads back. */
		char *canonical = abi_type_format(t);

		if (strlen(canonical) > ABI_MAX_TEXT)
			rc = parse_fail(&p, -E2BIG, "the canonical text is longer than %u bytes",
					ABI_MAX_TEXT);
		free(canonical);
	}
	if (rc == 0)
		*type = t;
	else
		abi_type_free(t);
	return rc;
}

/* ---- entries ------------------------------------------------------------ */

void
abi_entry_free(struct abi_entry *entry)
{
	if (entry == NULL)
		return;
	free(entry->name);
	free(entry->signature);
	abi_type_free(entry->inputs);
	abi_type_free(entry->outputs);
	free(entry);
}

/* Checks an entry read from text or JSON and gives it its signature and
 * hash.  Returns: 0, or -EINVAL with *cause set after where. */
static int
entry_finish(struct abi_entry *e, char **cause, const char *where)
{
	struct buf b = { 0 };
	size_t indexed = 0;

	if (e->outputs == NULL) {
		e->outputs = type_new(ABI_TUPLE, 0);
		tuple_layout(e->outputs);
	}
	for (size_t i = 0; i < e->inputs->nfields; i++)
		indexed += e->inputs->fields[i].indexed;
	if (e->kind == ABI_EVENT && indexed > (e->anonymous ? 4u : 3u)) {
		set_cause(cause, "%s: %zu indexed parameters; an %sevent may have %d", where,
				  indexed, e->anonymous ? "anonymous " : "", e->anonymous ? 4 : 3);
		return -EINVAL;
	}
	if ((e->kind == ABI_FALLBACK || e->kind == ABI_RECEIVE) &&
	    (e->inputs->nfields > 0 || e->outputs->nfields > 0)) {
		set_cause(cause, "%s: %s takes no parameters in an ABI", where,
				  kind_word(e->kind));
		return -EINVAL;
	}
	buf_str(&b, e->kind == ABI_FUNCTION || e->kind == ABI_EVENT || e->kind == ABI_ERROR ?
			    e->name : kind_word(e->kind));
	format_type(&b, e->inputs);
	e->signature = buf_detach(&b);
	/* So that abi_find() can always read it back. */
	if (strlen(e->signature) > ABI_MAX_TEXT) {
		set_cause(cause, "%s: the signature is longer than %u bytes", where,
			  ABI_MAX_TEXT);
		return -E2BIG;
	}
	if (e->kind == ABI_FUNCTION || e->kind == ABI_EVENT || e->kind == ABI_ERROR)
		keccak256(e->hash, e->signature, strlen(e->signature));
	return 0;
}

/* The words that end a signature, and what they set. */
static const struct {
	const char *word;
	int mutability;		/* enum abi_mutability, or -1 */
	bool anonymous;
} sig_modifiers[] = {
	{ "view", ABI_VIEW, false },
	{ "pure", ABI_PURE, false },
	{ "constant", ABI_VIEW, false },
	{ "payable", ABI_PAYABLE, false },
	{ "nonpayable", ABI_NONPAYABLE, false },
	{ "external", -1, false },
	{ "public", -1, false },
	{ "virtual", -1, false },
	{ "override", -1, false },
	{ "anonymous", -1, true },
};

/* Reads the modifiers and "returns (...)" after a signature's parameters. */
static int
parse_modifiers(struct parser *p, struct abi_entry *e)
{
	bool mutability_set = false;
	const char *w;
	size_t n, i;
	int rc;

	while ((n = word(p, &w)) > 0) {
		if (is_word(w, n, "returns")) {
			if (e->kind != ABI_FUNCTION || e->outputs != NULL)
				return parse_fail(p, -EINVAL, "unexpected 'returns'");
			if ((rc = parse_params(p, &e->outputs, 0, false)) != 0)
				return rc;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(sig_modifiers); i++) {
			if (is_word(w, n, sig_modifiers[i].word))
				break;
		}
		if (i == ARRAY_SIZE(sig_modifiers))
			return parse_fail(p, -EINVAL, "unexpected '%.*s'", n > 40 ? 40 : (int)n, w);
		if (sig_modifiers[i].anonymous) {
			if (e->kind != ABI_EVENT)
				return parse_fail(p, -EINVAL, "'anonymous' after %s %s",
						  kind_article(e->kind), kind_word(e->kind));
			e->anonymous = true;
		} else if (e->kind == ABI_EVENT || e->kind == ABI_ERROR) {
			return parse_fail(p, -EINVAL, "'%s' after %s %s", sig_modifiers[i].word,
					  kind_article(e->kind), kind_word(e->kind));
		} else if (sig_modifiers[i].mutability >= 0) {
			if (mutability_set)
				return parse_fail(p, -EINVAL, "more than one state mutability");
			mutability_set = true;
			e->mutability = (enum abi_mutability)sig_modifiers[i].mutability;
		}
	}
	return parse_end(p);
}

/* Reads a signature.  Returns: 0 or an error.  Out: *out (caller frees),
 * only on success.  In: kind, the kind without a keyword. */
static int
parse_entry(struct parser *p, struct abi_entry **out, enum abi_entry_kind kind)
{
	static const struct {
		const char *word;
		enum abi_entry_kind kind;
		bool named;
	} keywords[] = {
		{ "function", ABI_FUNCTION, true },
		{ "event", ABI_EVENT, true },
		{ "error", ABI_ERROR, true },
		{ "constructor", ABI_CONSTRUCTOR, false },
		{ "fallback", ABI_FALLBACK, false },
		{ "receive", ABI_RECEIVE, false },
	};
	struct abi_entry *e = xcalloc(1, sizeof(*e));
	char shown[SHOW_MAX], *at = NULL;
	const char *w;
	size_t n;
	int rc;

	e->kind = kind;
	n = word(p, &w);
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (!is_word(w, n, keywords[i].word) || (!keywords[i].named && !peek(p, '(')))
			continue;
		e->kind = keywords[i].kind;
		n = 0;
		if (keywords[i].named)
			n = word(p, &w);
		break;
	}
	if (e->kind == ABI_FUNCTION || e->kind == ABI_EVENT || e->kind == ABI_ERROR) {
		if (!is_ident(w, n) || is_keyword(w, n)) {
			rc = parse_fail(p, n > ABI_MAX_NAME ? -E2BIG : -EINVAL, "expected a name");
			goto out;
		}
	}
	e->name = xstrndup(w, n);
	if ((rc = parse_params(p, &e->inputs, 0, e->kind == ABI_EVENT)) != 0)
		goto out;
	if ((rc = parse_modifiers(p, e)) != 0)
		goto out;
	xasprintf(&at, "%s%sbad signature '%s'", p->where != NULL ? p->where : "",
		  p->where != NULL ? ": " : "", SHOW(shown, p->s, p->len));
	rc = entry_finish(e, p->cause, at);
out:
	free(at);
	if (rc != 0) {
		abi_entry_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int
abi_entry_parse(struct abi_entry **entry, char **cause, const char *text)
{
	struct parser p;
	size_t nodes = 0, len = strlen(text);

	parser_init(&p, cause, &nodes, "signature", NULL, text, len);
	if (len > ABI_MAX_TEXT)
		return parse_fail(&p, -E2BIG, "longer than %u bytes", ABI_MAX_TEXT);
	return parse_entry(&p, entry, ABI_FUNCTION);
}

/* ---- JSON ABIs ---------------------------------------------------------- */

/* Returns: what kind of JSON value v is, for messages. */
static const char *
json_kind(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

static int json_params(struct abi_type **out, char **cause, size_t *nodes, const char *where,
    const json_t *list, unsigned enclosing, bool event);

/* Reads one JSON ABI parameter ({"name", "type", "components",
 * "indexed"}) into tuple t. */
static int
json_param(struct abi_type *t, char **cause, size_t *nodes, const char *where,
	   const json_t *pj, unsigned enclosing, bool event)
{
	const json_t *jname = json_object_get(pj, "name"), *jtype = json_object_get(pj, "type");
	struct abi_type *type = NULL;
	char *at = NULL, shown[SHOW_MAX];
	const char *name = "", *ts;
	struct parser p;
	size_t tlen;
	int rc;

	xasprintf(&at, "%s: parameter %zu", where, t->nfields + 1);
	if (!json_is_object(pj) || !json_is_string(jtype) ||
	    (jname != NULL && !json_is_string(jname) && !json_is_null(jname))) {
		set_cause(cause, "%s: must be an object with a string 'type' and a string "
			  "'name'", at);
		rc = -EINVAL;
		goto out;
	}
	if (json_is_string(jname) && json_string_length(jname) > 0) {
		name = json_string_value(jname);
		if (!is_ident(name, json_string_length(jname))) {
			set_cause(cause, "%s: bad name '%s'", at,
				  SHOW(shown, name, json_string_length(jname)));
			rc = json_string_length(jname) > ABI_MAX_NAME ? -E2BIG : -EINVAL;
			goto out;
		}
	}
	ts = json_string_value(jtype);
	tlen = json_string_length(jtype);
	parser_init(&p, cause, nodes, "type", at, ts, tlen);
	if (tlen > ABI_MAX_TEXT || strlen(ts) != tlen) {
		rc = parse_fail(&p, tlen > ABI_MAX_TEXT ? -E2BIG : -EINVAL,
				"longer than %u bytes, or holding a NUL", ABI_MAX_TEXT);
		goto out;
	}
	if (tlen >= 5 && memcmp(ts, "tuple", 5) == 0 && (tlen == 5 || ts[5] == '[')) {
		/* "tuple", "tuple[]", "tuple[2][]": the components give the tuple. */
		if (!json_is_array(json_object_get(pj, "components"))) {
			set_cause(cause, "%s: type '%s' without a 'components' array", at,
				  SHOW(shown, ts, tlen));
			rc = -EINVAL;
			goto out;
		}
		if (enclosing + 1 >= ABI_MAX_DEPTH) {
			set_cause(cause, "%s: types nest more than %d deep", at, ABI_MAX_DEPTH);
			rc = -E2BIG;
			goto out;
		}
		rc = json_params(&type, cause, nodes, at, json_object_get(pj, "components"),
				 enclosing + 1, false);
		if (rc == 0 && type->nfields == 0) {
			set_cause(cause, "%s: empty tuple type '()'", at);
			rc = -EINVAL;
		}
		p.pos = 5;
		if (rc == 0 && (rc = parse_suffixes(&p, &type)) == 0)
			rc = parse_end(&p);
	} else {
		rc = parse_type(&p, &type, enclosing + 1);
		if (rc == 0)
			rc = parse_end(&p);
	}
	if (rc == 0 && (type->depth > ABI_MAX_DEPTH || type->head > ABI_MAX_HEAD)) {
		set_cause(cause, "%s: type nested more than %d deep, or with a head of more "
			  "than %u bytes", at, ABI_MAX_DEPTH, ABI_MAX_HEAD);
		rc = -E2BIG;
	}
	if (rc != 0)
		goto out;
	tuple_add(t, xstrdup(name), type, event && json_is_true(json_object_get(pj, "indexed")));
	type = NULL;
out:
	abi_type_free(type);
	free(at);
	return rc;
}

/* Reads a JSON array of parameters into a new tuple.
 * Returns: 0 or an error.  Out: *out (caller frees), only on success.
 * In: list, the array, or NULL for none. */
static int
json_params(struct abi_type **out, char **cause, size_t *nodes, const char *where,
	    const json_t *list, unsigned enclosing, bool event)
{
	struct abi_type *t = type_new(ABI_TUPLE, 0);
	const json_t *pj;
	size_t i;
	int rc = 0;

	if (++*nodes > ABI_MAX_NODES) {
		set_cause(cause, "%s: more than %u types", where, ABI_MAX_NODES);
		rc = -E2BIG;
		goto out;
	}
	if (list != NULL && !json_is_array(list)) {
		set_cause(cause, "%s: parameters must be an array, not %s", where, json_kind(list));
		rc = -EINVAL;
		goto out;
	}
	if (json_array_size(list) > ABI_MAX_FIELDS) {
		set_cause(cause, "%s: %zu parameters or components, more than %d", where,
			  json_array_size(list), ABI_MAX_FIELDS);
		rc = -E2BIG;
		goto out;
	}
	json_array_foreach(list, i, pj) {
		if ((rc = json_param(t, cause, nodes, where, pj, enclosing, event)) != 0)
			goto out;
	}
	tuple_layout(t);
	if (seq_head(t) > ABI_MAX_HEAD) {
		set_cause(cause, "%s: the head is more than %u bytes", where, ABI_MAX_HEAD);
		rc = -E2BIG;
	}
out:
	if (rc != 0) {
		abi_type_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* The JSON ABI's "type" words. */
static const struct {
	const char *word;
	enum abi_entry_kind kind;
} json_kinds[] = {
	{ "function", ABI_FUNCTION },
	{ "constructor", ABI_CONSTRUCTOR },
	{ "event", ABI_EVENT },
	{ "error", ABI_ERROR },
	{ "fallback", ABI_FALLBACK },
	{ "receive", ABI_RECEIVE },
};

/* The JSON ABI's "stateMutability" words. */
static const char *const json_mutability[] = {
	[ABI_NONPAYABLE] = "nonpayable",
	[ABI_PAYABLE] = "payable",
	[ABI_VIEW] = "view",
	[ABI_PURE] = "pure",
};

/* Reads one JSON ABI object.  Returns: 0 or an error.  Out: *out (caller
 * frees), only on success. */
static int
json_entry(struct abi_entry **out, char **cause, size_t *nodes, const char *where,
	   const json_t *ej)
{
	const json_t *jtype = json_object_get(ej, "type"), *jname = json_object_get(ej, "name");
	const json_t *jmut = json_object_get(ej, "stateMutability");
	struct abi_entry *e = xcalloc(1, sizeof(*e));
	char shown[SHOW_MAX], *at = NULL;
	size_t i;
	int rc = -EINVAL;

	e->kind = ABI_FUNCTION;
	if (jtype != NULL) {
		for (i = 0; i < ARRAY_SIZE(json_kinds); i++) {
			if (json_is_string(jtype) && strcmp(json_string_value(jtype),
							    json_kinds[i].word) == 0)
				break;
		}
		if (i == ARRAY_SIZE(json_kinds)) {
			if (json_is_string(jtype))
				set_cause(cause, "%s: unknown type '%s'", where,
					  SHOW(shown, json_string_value(jtype),
					       json_string_length(jtype)));
			else
				set_cause(cause, "%s: 'type' must be a string, not %s", where,
					  json_kind(jtype));
			goto out;
		}
		e->kind = json_kinds[i].kind;
	}
	if (e->kind == ABI_FUNCTION || e->kind == ABI_EVENT || e->kind == ABI_ERROR) {
		if (!json_is_string(jname) ||
		    !is_ident(json_string_value(jname), json_string_length(jname)) ||
		    is_keyword(json_string_value(jname), json_string_length(jname))) {
			set_cause(cause, "%s: %s %s needs a 'name' that is an identifier and not "
				  "a keyword", where, kind_article(e->kind), kind_word(e->kind));
			goto out;
		}
		e->name = xstrdup(json_string_value(jname));
		xasprintf(&at, "%s (%s)", where, e->name);
	} else {
		e->name = xstrdup("");
		xasprintf(&at, "%s (%s)", where, kind_word(e->kind));
	}
	if (jmut != NULL) {
		for (i = 0; i < ARRAY_SIZE(json_mutability); i++) {
			if (json_is_string(jmut) && strcmp(json_string_value(jmut),
							   json_mutability[i]) == 0)
				break;
		}
		if (i == ARRAY_SIZE(json_mutability)) {
			set_cause(cause, "%s: bad stateMutability", at);
			goto out;
		}
		e->mutability = (enum abi_mutability)i;
	} else if (json_is_true(json_object_get(ej, "payable"))) {
		e->mutability = ABI_PAYABLE;	/* before solc 0.4.16 */
	} else if (json_is_true(json_object_get(ej, "constant"))) {
		e->mutability = ABI_VIEW;
	}
	e->anonymous = e->kind == ABI_EVENT && json_is_true(json_object_get(ej, "anonymous"));
	if ((rc = json_params(&e->inputs, cause, nodes, at, json_object_get(ej, "inputs"), 0,
			      e->kind == ABI_EVENT)) != 0)
		goto out;
	if (e->kind == ABI_FUNCTION &&
	    (rc = json_params(&e->outputs, cause, nodes, at, json_object_get(ej, "outputs"), 0,
			      false)) != 0)
		goto out;
	rc = entry_finish(e, cause, at);
out:
	free(at);
	if (rc != 0) {
		abi_entry_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* Orders entries by kind and signature, for qsort(). */
static int
entry_cmp(const void *a, const void *b)
{
	const struct abi_entry *x = *(struct abi_entry *const *)a;
	const struct abi_entry *y = *(struct abi_entry *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->signature, y->signature);
}

/* Refuses two entries of one kind with one signature (two constructors
 * among them).  Returns: 0 or -EINVAL. */
static int
check_duplicates(const struct abi *abi, char **cause)
{
	struct abi_entry **sorted = xreallocarray(NULL, abi->nentries + 1, sizeof(*sorted));
	int rc = 0;

	memcpy(sorted, abi->entries, abi->nentries * sizeof(*sorted));
	qsort(sorted, abi->nentries, sizeof(*sorted), entry_cmp);
	for (size_t i = 1; i < abi->nentries; i++) {
		const struct abi_entry *e = sorted[i];

		if (e->kind != sorted[i - 1]->kind)
			continue;
		if (e->kind == ABI_CONSTRUCTOR || e->kind == ABI_FALLBACK ||
		    e->kind == ABI_RECEIVE) {
			set_cause(cause, "the ABI has more than one %s", kind_word(e->kind));
			rc = -EINVAL;
			break;
		}
		if (strcmp(e->signature, sorted[i - 1]->signature) == 0) {
			set_cause(cause, "the ABI has %s %s twice", kind_word(e->kind),
				  e->signature);
			rc = -EINVAL;
			break;
		}
	}
	free(sorted);
	return rc;
}

void
abi_free(struct abi *abi)
{
	if (abi == NULL)
		return;
	for (size_t i = 0; i < abi->nentries; i++)
		abi_entry_free(abi->entries[i]);
	free(abi->entries);
	free(abi);
}

/* Reads an ABI in any of abi_from_json()'s forms.  Returns: 0 or an
 * error.  Out: abi's entries.  In: text_ok and object_ok, whether json
 * may still be JSON text or an artifact: each wrapping comes off once. */
static int
from_json(struct abi *abi, char **cause, const json_t *json, bool text_ok, bool object_ok)
{
	char where[64];
	size_t nodes = 0, i;
	json_error_t jerr;
	const json_t *ej;
	json_t *parsed;
	int rc;

	if (json_is_string(json) && text_ok) {
		if (json_string_length(json) > ABI_MAX_JSON) {
			set_cause(cause, "the ABI's JSON text is larger than %u bytes",
				  ABI_MAX_JSON);
			return -E2BIG;
		}
		parsed = json_loadb(json_string_value(json), json_string_length(json),
				    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
		if (parsed == NULL) {
			set_cause(cause, "the ABI is not valid JSON: %s (line %d)", jerr.text,
				  jerr.line);
			return -EINVAL;
		}
		rc = from_json(abi, cause, parsed, false, object_ok);
		json_decref(parsed);
		return rc;
	}
	if (json_is_object(json) && object_ok && json_object_get(json, "abi") != NULL)
		return from_json(abi, cause, json_object_get(json, "abi"), text_ok, false);
	if (!json_is_array(json)) {
		set_cause(cause, "the ABI must be an array of entries, or an artifact with one "
			  "as 'abi', not %s", json_kind(json));
		return -EINVAL;
	}
	if (json_array_size(json) > ABI_MAX_ENTRIES) {
		set_cause(cause, "the ABI has %zu entries, more than %d", json_array_size(json),
			  ABI_MAX_ENTRIES);
		return -E2BIG;
	}
	abi->entries = xcalloc(json_array_size(json) + 1, sizeof(*abi->entries));
	json_array_foreach(json, i, ej) {
		struct abi_entry *e = NULL;

		snprintf(where, sizeof(where), "ABI entry %zu", i + 1);
		if (json_is_string(ej)) {
			struct parser p;
					size_t len = json_string_length(ej);

			parser_init(&p, cause, &nodes, "signature", where, json_string_value(ej),
				    len);
			if (len > ABI_MAX_TEXT || strlen(json_string_value(ej)) != len)
				return parse_fail(&p, len > ABI_MAX_TEXT ? -E2BIG : -EINVAL,
						  "longer than %u bytes, or holding a NUL",
						  ABI_MAX_TEXT);
			rc = parse_entry(&p, &e, ABI_FUNCTION);
		} else if (json_is_object(ej)) {
			rc = json_entry(&e, cause, &nodes, where, ej);
		} else {
			set_cause(cause, "%s: must be an object or a signature, not %s", where,
				  json_kind(ej));
			rc = -EINVAL;
		}
		if (rc != 0)
			return rc;
		abi->entries[abi->nentries++] = e;
	}
	return check_duplicates(abi, cause);
}

int
abi_from_json(struct abi **abi, char **cause, const json_t *json)
{
	struct abi *a = xcalloc(1, sizeof(*a));
	int rc;

	if ((rc = from_json(a, cause, json, true, true)) != 0) {
		abi_free(a);
		return rc;
	}
	*abi = a;
	return 0;
}

/* ---- lookup ------------------------------------------------------------- */

const struct abi_entry *
abi_constructor(const struct abi *abi)
{
	for (size_t i = 0; abi != NULL && i < abi->nentries; i++) {
		if (abi->entries[i]->kind == ABI_CONSTRUCTOR)
			return abi->entries[i];
	}
	return &default_constructor;
}

const struct abi_entry *
abi_find_event(const struct abi *abi, const uint8_t (*topics)[32], size_t ntopics)
{
	const struct abi_entry *first = NULL;

	if (abi == NULL || ntopics == 0)
		return NULL;
	for (size_t i = 0; i < abi->nentries; i++) {
		const struct abi_entry *e = abi->entries[i];
		size_t indexed = 0;

		if (e->kind != ABI_EVENT || e->anonymous || memcmp(e->hash, topics[0], 32) != 0)
			continue;
		for (size_t j = 0; j < e->inputs->nfields; j++)
			indexed += e->inputs->fields[j].indexed;
		if (indexed + 1 == ntopics)
			return e;
		if (first == NULL)
			first = e;
	}
	return first;
}

const struct abi_entry *
abi_find_error(const struct abi *abi, const uint8_t selector[4])
{
	for (size_t i = 0; abi != NULL && i < abi->nentries; i++) {
		const struct abi_entry *e = abi->entries[i];

		if (e->kind == ABI_ERROR && memcmp(e->hash, selector, 4) == 0)
			return e;
	}
	return NULL;
}

/* Reports that nothing of kind is called name, with a hint: a name of
 * that kind close to it, or another kind that has it.  Returns: -EINVAL. */
static int
not_found(char **cause, const struct abi *abi, enum abi_entry_kind kind, const char *name,
	  const char *shown)
{
	const char **names = xcalloc(abi->nentries + 1, sizeof(*names));
	const char *hint = NULL;
	int other = -1;
	size_t n = 0;

	for (size_t i = 0; i < abi->nentries; i++) {
		const struct abi_entry *e = abi->entries[i];

		if (e->kind == kind)
			names[n++] = e->name;
		else if (other < 0 && strcmp(e->name, name) == 0)
			other = (int)e->kind;
	}
	if (strlen(name) <= 64)
		hint = suggest_closest(name, names, n);
	free(names);
	if (hint != NULL)
		set_cause(cause, "no %s '%s' in the ABI (did you mean '%s'?)", kind_word(kind),
			  shown, hint);
	else if (other >= 0)
		set_cause(cause, "no %s '%s' in the ABI (there is %s %s of that name)",
			  kind_word(kind), shown, kind_article((enum abi_entry_kind)other),
			  kind_word((enum abi_entry_kind)other));
	else
		set_cause(cause, "no %s '%s' in the ABI", kind_word(kind), shown);
	return -EINVAL;
}

/* Returns: the signatures of the entries of kind called name, joined by
 * ", " (caller frees).  Out: *n, how many there are. */
static char *
candidates(size_t *n, const struct abi *abi, enum abi_entry_kind kind, const char *name)
{
	struct buf b = { 0 };

	*n = 0;
	for (size_t i = 0; i < abi->nentries; i++) {
		const struct abi_entry *e = abi->entries[i];

		if (e->kind != kind || strcmp(e->name, name) != 0)
			continue;
		if ((*n)++ > 0)
			buf_str(&b, ", ");
		buf_str(&b, e->signature);
	}
	return buf_detach(&b);
}

/* abi_find() for a signature. */
static int
find_signature(const struct abi_entry **out, char **cause, const struct abi *abi,
	       enum abi_entry_kind kind, const char *text)
{
	struct abi_entry *want = NULL;
	char shown[SHOW_MAX], *list = NULL;
	size_t nodes = 0, n, len = strlen(text);
	struct parser p;
	int rc;

	parser_init(&p, cause, &nodes, "signature", NULL, text, len);
	if (len > ABI_MAX_TEXT)
		return parse_fail(&p, -E2BIG, "longer than %u bytes", ABI_MAX_TEXT);
	if ((rc = parse_entry(&p, &want, kind)) != 0)
		return rc;
	SHOW(shown, text, len);
	rc = -EINVAL;
	if (want->kind != kind) {
		set_cause(cause, "'%s' is %s %s, not %s %s", shown,
				  kind_article(want->kind), kind_word(want->kind),
				  kind_article(kind), kind_word(kind));
		goto out;
	}
	for (size_t i = 0; i < abi->nentries; i++) {
		if (abi->entries[i]->kind == kind &&
		    strcmp(abi->entries[i]->signature, want->signature) == 0) {
			*out = abi->entries[i];
			rc = 0;
			goto out;
		}
	}
	list = candidates(&n, abi, kind, want->name);
	if (n == 0)
		rc = not_found(cause, abi, kind, want->name, want->signature);
	else
		set_cause(cause, "no %s %s in the ABI (it has %s)", kind_word(kind),
			  want->signature, list);
out:
	free(list);
	abi_entry_free(want);
	return rc;
}

int
abi_find(const struct abi_entry **entry, char **cause, const struct abi *abi,
	 enum abi_entry_kind kind, const char *name)
{
	const struct abi_entry *found = NULL;
	char shown[SHOW_MAX], *list;
	size_t n = 0;

	if (kind != ABI_FUNCTION && kind != ABI_EVENT && kind != ABI_ERROR)
		BUG("abi_find() looks up functions, events and errors only");
	if (strchr(name, '(') != NULL)
		return find_signature(entry, cause, abi, kind, name);
	SHOW(shown, name, strlen(name));
	for (size_t i = 0; i < abi->nentries; i++) {
		if (abi->entries[i]->kind == kind && strcmp(abi->entries[i]->name, name) == 0) {
			found = abi->entries[i];
			n++;
		}
	}
	if (n == 0)
		return not_found(cause, abi, kind, name, shown);
	if (n > 1) {
		list = candidates(&n, abi, kind, name);
		set_cause(cause, "%s '%s' is overloaded: %s; give the whole signature",
				  kind_word(kind), shown, list);
		free(list);
		return -EINVAL;
	}
	*entry = found;
	return 0;
}

/* ---- values: where, and what they cost ---------------------------------- */

/* Out: c, for a value not part of an entry. */
static void
vctx_init(struct vctx *c, char **cause)
{
	memset(c, 0, sizeof(*c));
	c->cause = cause;
	c->top = SIZE_MAX;
}

/* Reports an error at the current place.  Returns: rc. */
static int PRINTFLIKE(3, 4)
vfail(struct vctx *c, int rc, const char *fmt, ...)
{
	const char *path = c->path;
	char *msg;
	va_list ap;

	if (c->cause == NULL)
		return rc;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (c->role != NULL && c->top != SIZE_MAX) {
		size_t arg = c->argmap != NULL ? c->argmap[c->top] : c->top;
		const char *name = c->params->fields[arg].name;

		if (name[0] == '\0' && path[0] == '.')
			path++;
		if (name[0] != '\0' || path[0] != '\0')
			xasprintf(c->cause, "%s %zu (%s%s) of %s: %s", c->role, arg + 1, name,
				  path, c->sig, msg);
		else
			xasprintf(c->cause, "%s %zu of %s: %s", c->role, arg + 1, c->sig, msg);
	} else if (c->where != NULL) {
		xasprintf(c->cause, "%s: %s", c->where, msg);
	} else if (c->path_len > 0) {
		xasprintf(c->cause, "%s: %s", path[0] == '.' ? path + 1 : path, msg);
	} else {
		*c->cause = msg;
		msg = NULL;
	}
	free(msg);
	return rc;
}

/* Steps into item i of a value of type t.  Returns: what leave() needs. */
static struct vsaved
enter(struct vctx *c, const struct abi_type *t, size_t i)
{
	struct vsaved saved = { c->path_len, c->top };
	size_t room = sizeof(c->path) - c->path_len;
	int n;

	if (c->role != NULL && c->top == SIZE_MAX) {
		c->top = i;
	} else {
		if (t->kind == ABI_TUPLE && t->fields[i].name[0] != '\0')
			n = snprintf(c->path + c->path_len, room, ".%s", t->fields[i].name);
		else
			n = snprintf(c->path + c->path_len, room, "[%zu]", i);
		if (n > 0)
			c->path_len = (size_t)n < room ? c->path_len + (size_t)n :
							 sizeof(c->path) - 1;
	}
	return saved;
}

/* Steps back out of what enter() stepped into. */
static void
leave(struct vctx *c, struct vsaved saved)
{
	c->path_len = saved.path_len;
	c->path[c->path_len] = '\0';
	c->top = saved.top;
}

/* Counts n bytes of value tree.  Returns: 0, or -E2BIG past the budget. */
static int
charge(struct vctx *c, size_t n)
{
	if (n > ABI_MAX_VALUE_BYTES - c->cost)
		return vfail(c, -E2BIG, "the value would take more than %u MiB",
			     ABI_MAX_VALUE_BYTES >> 20);
	c->cost += n;
	return 0;
}

/* Returns: n new zeroed values, charged to c, or NULL past the budget. */
static struct abi_value *
new_items(struct vctx *c, size_t n)
{
	if (charge(c, n * sizeof(struct abi_value)) != 0)
		return NULL;
	return xcalloc(n + 1, sizeof(struct abi_value));
}

/* Frees what v holds, not v; v may be partly built. */
static void
value_release(struct abi_value *v)
{
	if (v->type == NULL || v->hashed)
		return;
	switch (v->type->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		free(v->bytes.data);
		break;
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY:
	case ABI_TUPLE:
		for (size_t i = 0; i < v->list.n; i++)
			value_release(&v->list.items[i]);
		free(v->list.items);
		break;
	default:
		break;
	}
}

void
abi_value_free(struct abi_value *value)
{
	if (value == NULL)
		return;
	value_release(value);
	free(value);
}

/* Returns: the type of item i of a value of type t. */
static const struct abi_type *
item_type(const struct abi_type *t, size_t i)
{
	return t->kind == ABI_TUPLE ? t->fields[i].type : t->elem;
}

/* Returns: whether the two's complement word w fits in an intN of bits. */
static bool
fits_int(const struct u256 *w, unsigned bits)
{
	struct u256 b, r;

	if (bits == 256)
		return true;
	b = u256_from_u64(bits / 8 - 1);
	u256_signextend(&r, &b, w);
	return u256_eq(&r, w);
}

/* Out: buf, what a value of t must be, for messages. */
static void
describe(char *buf, size_t size, const struct abi_type *t)
{
	switch (t->kind) {
	case ABI_UINT:
		snprintf(buf, size, "an unsigned integer below 2^%u", t->size);
		break;
	case ABI_INT:
		snprintf(buf, size, "an integer from -2^%u to 2^%u-1", t->size - 1, t->size - 1);
		break;
	case ABI_ADDRESS:
		snprintf(buf, size, "an address (0x and 40 hex digits)");
		break;
	case ABI_BOOL:
		snprintf(buf, size, "true or false");
		break;
	case ABI_FIXED_BYTES:
		snprintf(buf, size, "bytes%u as 0x and %u hex digits", t->size, 2 * t->size);
		break;
	case ABI_BYTES:
		snprintf(buf, size, "bytes as 0x and an even number of hex digits");
		break;
	case ABI_STRING:
		snprintf(buf, size, "a string");
		break;
	case ABI_ARRAY:
		snprintf(buf, size, "an array");
		break;
	case ABI_FIXED_ARRAY:
		snprintf(buf, size, "an array of %zu element%s", t->len, t->len == 1 ? "" : "s");
		break;
	case ABI_TUPLE:
		snprintf(buf, size, "a tuple of %zu component%s as an array%s", t->nfields,
			 t->nfields == 1 ? "" : "s", t->named ? " or an object" : "");
		break;
	}
}

/* Reports a JSON value that is not what t needs.  Returns: -EINVAL. */
static int
bad_json(struct vctx *c, const struct abi_type *t, const json_t *j)
{
	char want[SHOW_MAX], got[SHOW_MAX];

	describe(want, sizeof(want), t);
	return vfail(c, -EINVAL, "expected %s, got %s", want, show_json(got, sizeof(got), j));
}

/* ---- values from JSON --------------------------------------------------- */

/* Makes a uintN or intN word from a JSON integer, whole number or string. */
static int
json_to_int(struct vctx *c, uint8_t word[32], const struct abi_type *t, const json_t *j)
{
	struct u256 mag, w;
	bool neg = false, ok;

	if (json_is_integer(j)) {
		json_int_t x = json_integer_value(j);

		neg = x < 0;
		mag = u256_from_u64(neg ? (uint64_t)0 - (uint64_t)x : (uint64_t)x);
	} else if (json_is_real(j)) {
		double d = json_real_value(j);

		/* NaN fails the first test, and infinities the second. */
		if (d != trunc(d) || fabs(d) > SAFE_INTEGER_MAX)
			return bad_json(c, t, j);
		neg = d < 0;
		mag = u256_from_u64((uint64_t)fabs(d));
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		size_t len = json_string_length(j);

		if (len > 0 && s[0] == '-') {
			neg = true;
			s++;
			len--;
		}
		if (u256_parse(&mag, s, len) != 0)
			return bad_json(c, t, j);
	} else {
		return bad_json(c, t, j);
	}
	if (u256_is_zero(&mag))
		neg = false;
	if (t->kind == ABI_UINT) {
		ok = !neg && u256_bit_len(&mag) <= t->size;
		w = mag;
	} else {
		/* Negated, the magnitude must come out negative, and fit. */
		if (neg)
			u256_neg(&w, &mag);
		else
			w = mag;
		ok = u256_is_negative(&w) == neg && fits_int(&w, t->size);
	}
	if (!ok)
		return bad_json(c, t, j);
	u256_to_be(word, &w);
	return 0;
}

/* Makes an address word from "0x" and 40 hex digits. */
static int
json_to_address(struct vctx *c, uint8_t word[32], const struct abi_type *t, const json_t *j)
{
	char lower[EIP55_LEN + 1], good[EIP55_LEN + 1], shown[SHOW_MAX];
	const char *s = json_string_value(j);
	int rc;

	if (!json_is_string(j) || json_string_length(j) != EIP55_LEN || strlen(s) != EIP55_LEN)
		return bad_json(c, t, j);
	memset(word, 0, 12);
	rc = eip55_parse(word + 12, s);
	if (rc == -EBADMSG) {
		for (size_t i = 0; i <= EIP55_LEN; i++)
			lower[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
		if (eip55_parse(word + 12, lower) == 0) {
			eip55_format(good, word + 12);
			return vfail(c, -EINVAL, "address %s has a bad EIP-55 checksum (it would "
				     "be %s)", show_json(shown, sizeof(shown), j), good);
		}
	}
	if (rc != 0)
		return bad_json(c, t, j);
	return 0;
}

/* Decodes "0x" and hex digits.  Returns: 0 or -EINVAL (not reported).
 * Out: *data (caller frees) and *len. */
static int
json_hex(uint8_t **data, size_t *len, const json_t *j)
{
	const char *s = json_string_value(j);
	size_t slen = json_string_length(j);

	if (!json_is_string(j) || slen < 2 || s[0] != '0' || s[1] != 'x' || slen % 2 != 0)
		return -EINVAL;
	*len = (slen - 2) / 2;
	*data = xmalloc(*len + 1);
	if (hex_decode(*data, len, s, slen) != 0) {
		free(*data);
		*data = NULL;
		return -EINVAL;
	}
	(*data)[*len] = 0;
	return 0;
}

static int value_from_json(struct vctx *c, struct abi_value *v, const struct abi_type *t,
    const json_t *j);

/* Fills the items of a tuple from a JSON object keyed by component name. */
static int
tuple_from_object(struct vctx *c, struct abi_value *v, const struct abi_type *t,
		  const json_t *j)
{
	bool top = c->role != NULL && c->top == SIZE_MAX;
	const char *what = top ? "argument" : "component";
	char shown[SHOW_MAX];
	const char **names;
	const char *key, *hint;
	json_t *val;
	size_t i;
	int rc = 0;

	if (!t->named)
		return vfail(c, -EINVAL, "the %s are not all named (or not uniquely); give %s "
			     "as an array", top ? "parameters" : "components",
			     top ? "the arguments" : "the tuple");
	json_object_foreach((json_t *)j, key, val) {
		for (i = 0; i < t->nfields && strcmp(t->fields[i].name, key) != 0; i++)
			;
		if (i < t->nfields)
			continue;
		names = xcalloc(t->nfields + 1, sizeof(*names));
		for (i = 0; i < t->nfields; i++)
			names[i] = t->fields[i].name;
		hint = strlen(key) <= 64 ? suggest_closest(key, names, t->nfields) : NULL;
		SHOW(shown, key, strlen(key));
		if (hint != NULL)
			rc = vfail(c, -EINVAL, "unknown %s '%s' (did you mean '%s'?)", what, shown,
				   hint);
		else
			rc = vfail(c, -EINVAL, "unknown %s '%s'", what, shown);
		free(names);
		return rc;
	}
	for (i = 0; i < t->nfields; i++) {
		const json_t *item = json_object_get(j, t->fields[i].name);

		if (item == NULL)
			return vfail(c, -EINVAL, "missing %s '%s'", what, t->fields[i].name);
	}
	if ((v->list.items = new_items(c, t->nfields)) == NULL)
		return -E2BIG;
	v->list.n = t->nfields;
	for (i = 0; i < t->nfields; i++) {
		struct vsaved saved = enter(c, t, i);

		rc = value_from_json(c, &v->list.items[i], t->fields[i].type,
				     json_object_get(j, t->fields[i].name));
		leave(c, saved);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Fills the items of an array or tuple from a JSON array. */
static int
list_from_json(struct vctx *c, struct abi_value *v, const struct abi_type *t, const json_t *j)
{
	size_t n = json_array_size(j);
	int rc;

	if (!json_is_array(j))
		return bad_json(c, t, j);
	if (c->role != NULL && c->top == SIZE_MAX && n != t->nfields)
		return vfail(c, -EINVAL, "expected %zu argument%s, got %zu", t->nfields,
			     t->nfields == 1 ? "" : "s", n);
	if ((t->kind == ABI_FIXED_ARRAY && n != t->len) ||
	    (t->kind == ABI_TUPLE && n != t->nfields))
		return bad_json(c, t, j);
	if ((v->list.items = new_items(c, n)) == NULL)
		return -E2BIG;
	v->list.n = n;
	for (size_t i = 0; i < n; i++) {
		struct vsaved saved = enter(c, t, i);

		rc = value_from_json(c, &v->list.items[i], item_type(t, i), json_array_get(j, i));
		leave(c, saved);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Makes v, of type t, from j. */
static int
value_from_json(struct vctx *c, struct abi_value *v, const struct abi_type *t, const json_t *j)
{
	uint8_t *data = NULL;
	size_t len;

	v->type = t;
	switch (t->kind) {
	case ABI_UINT:
	case ABI_INT:
		return json_to_int(c, v->word, t, j);
	case ABI_ADDRESS:
		return json_to_address(c, v->word, t, j);
	case ABI_BOOL:
		if (!json_is_boolean(j))
			return bad_json(c, t, j);
		v->word[31] = json_is_true(j);
		return 0;
	case ABI_FIXED_BYTES:
		if (json_hex(&data, &len, j) != 0 || len != t->size) {
			free(data);
			return bad_json(c, t, j);
		}
		memcpy(v->word, data, len);
		free(data);
		return 0;
	case ABI_BYTES:
		if (json_hex(&data, &len, j) != 0)
			return bad_json(c, t, j);
		v->bytes.data = data;
		v->bytes.len = len;
		return charge(c, len);
	case ABI_STRING:
		if (!json_is_string(j))
			return bad_json(c, t, j);
		len = json_string_length(j);
		v->bytes.data = xmalloc(len + 1);
		memcpy(v->bytes.data, json_string_value(j), len + 1);
		v->bytes.len = len;
		return charge(c, len);
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY:
		return list_from_json(c, v, t, j);
	case ABI_TUPLE:
		if (json_is_object(j))
			return tuple_from_object(c, v, t, j);
		return list_from_json(c, v, t, j);
	}
	BUG("unknown type kind");
}

/* Makes a value tree from JSON.  Returns: 0 or an error. */
static int
make_value(struct abi_value **out, struct vctx *c, const struct abi_type *t, const json_t *j)
{
	struct abi_value *v = xcalloc(1, sizeof(*v));
	int rc;

	if ((rc = charge(c, sizeof(*v))) == 0)
		rc = value_from_json(c, v, t, j);
	if (rc != 0) {
		abi_value_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int
abi_value_from_json(struct abi_value **value, char **cause, const struct abi_type *type,
		    const json_t *json)
{
	struct vctx c;

	vctx_init(&c, cause);
	return make_value(value, &c, type, json);
}

/* ---- encoding ----------------------------------------------------------- */

/* Out: w, n as a big-endian word. */
static void
size_word(uint8_t w[32], size_t n)
{
	memset(w, 0, 24);
	u256_store_be64(w + 24, (uint64_t)n);
}

static void enc_value(struct buf *b, const struct abi_value *v);

/* Writes a static value's words into the head at pos, which is room
 * already made. */
static void
enc_static(struct buf *b, size_t pos, const struct abi_value *v)
{
	if (is_scalar(v->type)) {
		memcpy(b->p + pos, v->word, 32);
		return;
	}
	for (size_t i = 0; i < v->list.n; i++) {
		enc_static(b, pos, &v->list.items[i]);
		pos += v->list.items[i].type->head;
	}
}

/* Encodes a sequence of items (a tuple's, a T[k]'s, or a T[]'s after its
 * count): the heads, then the dynamic items' tails. */
static void
enc_seq(struct buf *b, const struct abi_value *items, size_t n)
{
	size_t start = b->len, pos = start, head = 0;

	for (size_t i = 0; i < n; i++)
		head += items[i].type->head;
	buf_zero(b, head);
	for (size_t i = 0; i < n; i++) {
		const struct abi_value *v = &items[i];

		if (v->type->dynamic) {
			size_word(b->p + pos, b->len - start);
			enc_value(b, v);
		} else {
			enc_static(b, pos, v);
		}
		pos += v->type->head;
	}
}

/* Appends enc(v). */
static void
enc_value(struct buf *b, const struct abi_value *v)
{
	uint8_t w[32];

	if (v->hashed)
		BUG("a hashed event argument cannot be encoded");
	switch (v->type->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		size_word(w, v->bytes.len);
		buf_add(b, w, 32);
		buf_add(b, v->bytes.data, v->bytes.len);
		buf_zero(b, (32 - v->bytes.len % 32) % 32);
		break;
	case ABI_ARRAY:
		size_word(w, v->list.n);
		buf_add(b, w, 32);
		enc_seq(b, v->list.items, v->list.n);
		break;
	case ABI_FIXED_ARRAY:
	case ABI_TUPLE:
		enc_seq(b, v->list.items, v->list.n);
		break;
	default:
		buf_add(b, v->word, 32);
		break;
	}
}

uint8_t *
abi_encode(size_t *len, const struct abi_value *value)
{
	struct buf b = { 0 };

	buf_zero(&b, 0);
	enc_value(&b, value);
	*len = b.len;
	return b.p;
}

/* Returns: e's signature for messages, with its kind for events and
 * errors (caller frees). */
static char *
entry_label(const struct abi_entry *e)
{
	char *s;

	if (e->kind == ABI_EVENT || e->kind == ABI_ERROR)
		xasprintf(&s, "%s %s", kind_word(e->kind), e->signature);
	else
		s = xstrdup(e->signature);
	return s;
}

int
abi_encode_call(uint8_t **data, size_t *len, char **cause, const struct abi_entry *entry,
		const json_t *args)
{
	struct abi_value *v = NULL;
	uint8_t *enc = NULL, *out;
	json_t *none = NULL;
	struct vctx c;
	size_t n;
	int rc;

	if (entry->kind != ABI_FUNCTION && entry->kind != ABI_CONSTRUCTOR &&
	    entry->kind != ABI_ERROR)
		BUG("abi_encode_call() encodes functions, constructors and errors");
	vctx_init(&c, cause);
	c.role = "argument";
	c.sig = entry_label(entry);
	c.where = c.sig;
	c.params = entry->inputs;
	if (args == NULL)
		args = none = json_array();
	if (!json_is_array(args) && !json_is_object(args)) {
		rc = vfail(&c, -EINVAL, "the arguments must be an array or an object, not %s",
			   json_kind(args));
		goto out;
	}
	if ((rc = make_value(&v, &c, entry->inputs, args)) != 0)
		goto out;
	enc = abi_encode(&n, v);
	if (entry->kind == ABI_CONSTRUCTOR) {
		*data = enc;
		enc = NULL;
		*len = n;
	} else {
		out = xmalloc(n + 4);
		memcpy(out, entry->hash, 4);
		memcpy(out + 4, enc, n);
		*data = out;
		*len = n + 4;
	}
out:
	free(enc);
	abi_value_free(v);
	json_decref(none);
	free((char *)c.sig);
	return rc;
}

/* ---- decoding ----------------------------------------------------------- */

/* Reads the word at pos as a size: an offset, a length or a count, which
 * cannot be more than the data's length.  Returns: 0 or -EINVAL. */
static int
read_size(struct vctx *c, size_t *out, size_t pos, const char *what)
{
	char hex[U256_HEX_MAX];
	struct u256 w;

	if (pos > c->len || c->len - pos < 32)
		return vfail(c, -EINVAL, "the data (%zu byte%s) ends before the %s at byte %zu",
			     c->len, PLURAL(c->len), what, pos);
	u256_from_be32(&w, c->data + pos);
	if (!u256_fits_u64(&w) || u256_to_u64(&w) > c->len) {
		u256_to_hex(hex, &w);
		return vfail(c, -EINVAL, "%s %s at byte %zu is past the end of the data "
			     "(%zu byte%s)", what, hex, pos, c->len, PLURAL(c->len));
	}
	*out = (size_t)u256_to_u64(&w);
	return 0;
}

/* Checks that w is a valid word for scalar type t.  Returns: 0 or
 * -EINVAL. */
static int
check_word(struct vctx *c, const struct abi_type *t, const uint8_t w[32])
{
	static const uint8_t zero[32];
	char hex[65], *name;
	struct u256 x;
	bool ok;
	int rc;

	u256_from_be32(&x, w);
	switch (t->kind) {
	case ABI_UINT:
		ok = u256_bit_len(&x) <= t->size;
		break;
	case ABI_INT:
		ok = fits_int(&x, t->size);
		break;
	case ABI_ADDRESS:
		ok = memcmp(w, zero, 12) == 0;
		break;
	case ABI_BOOL:
		ok = memcmp(w, zero, 31) == 0 && w[31] <= 1;
		break;
	case ABI_FIXED_BYTES:
		ok = memcmp(w + t->size, zero, 32 - t->size) == 0;
		break;
	default:
		BUG("not a scalar type");
	}
	if (ok)
		return 0;
	hex_encode(hex, w, 32);
	name = abi_type_format(t);
	rc = vfail(c, -EINVAL, "0x%s is not a valid %s", hex, name);
	free(name);
	return rc;
}

/* Decodes n items of a sequence (a tuple's, a T[k]'s, or a T[]'s after its
 * count) whose head starts at base; offsets count from base. */
static int
dec_seq(struct vctx *c, struct abi_value *v, const struct abi_type *t, size_t n, size_t base)
{
	size_t head = 0, pos = base, off;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		head += item_type(t, i)->head;
	if (base > c->len || c->len - base < head)
		return vfail(c, -EINVAL, "the data (%zu byte%s) is too short for the %zu-byte "
			     "head at byte %zu", c->len, PLURAL(c->len), head, base);
	if ((v->list.items = new_items(c, n)) == NULL)
		return -E2BIG;
	v->list.n = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct abi_type *it = item_type(t, i);
		struct vsaved saved = enter(c, t, i);

		if (!it->dynamic)
			rc = dec_value(c, &v->list.items[i], it, pos);
		else if ((rc = read_size(c, &off, pos, "offset")) == 0)
			rc = dec_value(c, &v->list.items[i], it, base + off);
		leave(c, saved);
		pos += it->head;
	}
	return rc;
}

/* Decodes v, of type t, whose encoding starts at pos. */
static int
dec_value(struct vctx *c, struct abi_value *v, const struct abi_type *t, size_t pos)
{
	size_t n;
	int rc;

	v->type = t;
	switch (t->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		if ((rc = read_size(c, &n, pos, "length")) != 0)
			return rc;
		if (n > c->len - pos - 32)
			return vfail(c, -EINVAL, "%zu byte%s from byte %zu run%s past the end of "
				     "the data (%zu bytes)", n, PLURAL(n), pos + 32,
				     n == 1 ? "s" : "", c->len);
		if ((rc = charge(c, n)) != 0)
			return rc;
		v->bytes.data = xmalloc(n + 1);
		memcpy(v->bytes.data, c->data + pos + 32, n);
		v->bytes.data[n] = 0;
		v->bytes.len = n;
		return 0;
	case ABI_ARRAY:
		if ((rc = read_size(c, &n, pos, "array length")) != 0)
			return rc;
		if (n > (c->len - pos - 32) / t->elem->head)
			return vfail(c, -EINVAL, "%zu element%s from byte %zu run%s past the end "
				     "of the data (%zu bytes)", n, PLURAL(n), pos + 32,
				     n == 1 ? "s" : "", c->len);
		return dec_seq(c, v, t, n, pos + 32);
	case ABI_FIXED_ARRAY:
		return dec_seq(c, v, t, t->len, pos);
	case ABI_TUPLE:
		return dec_seq(c, v, t, t->nfields, pos);
	default:
		if (pos > c->len || c->len - pos < 32)
			return vfail(c, -EINVAL, "the data (%zu byte%s) ends before the word at "
				     "byte %zu", c->len, PLURAL(c->len), pos);
		memcpy(v->word, c->data + pos, 32);
		return check_word(c, t, v->word);
	}
}

/* Decodes a value tree.  Returns: 0 or an error. */
static int
decode_value(struct abi_value **out, struct vctx *c, const struct abi_type *t,
	     const uint8_t *data, size_t len)
{
	struct abi_value *v = xcalloc(1, sizeof(*v));
	int rc;

	c->data = data;
	c->len = len;
	if ((rc = charge(c, sizeof(*v))) == 0)
		rc = dec_value(c, v, t, 0);
	if (rc != 0) {
		abi_value_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int
abi_decode(struct abi_value **value, char **cause, const struct abi_type *type,
	   const uint8_t *data, size_t len)
{
	struct vctx c;

	vctx_init(&c, cause);
	return decode_value(value, &c, type, data, len);
}

int
abi_decode_output(struct abi_value **values, char **cause, const struct abi_entry *fn,
		  const uint8_t *data, size_t len)
{
	struct vctx c;
	char *where;
	int rc;

	if (fn->kind != ABI_FUNCTION)
		BUG("abi_decode_output() decodes what functions return");
	vctx_init(&c, cause);
	xasprintf(&where, "the return data of %s", fn->signature);
	c.where = where;
	c.role = "return value";
	c.sig = fn->signature;
	c.params = fn->outputs;
	rc = decode_value(values, &c, fn->outputs, data, len);
	free(where);
	return rc;
}

int
abi_decode_log(struct abi_value **args, char **cause, const struct abi_entry *ev,
	       const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, size_t len)
{
	const struct abi_type *in = ev->inputs;
	struct abi_type sub = { .kind = ABI_TUPLE };
	struct abi_value *v = NULL, *dv = NULL;
	size_t *argmap = NULL, indexed = 0, want, t, d;
	char hex[65], *label = entry_label(ev), *where = NULL;
	struct vctx c;
	int rc = 0;

	if (ev->kind != ABI_EVENT)
		BUG("abi_decode_log() decodes events");
	vctx_init(&c, cause);
	xasprintf(&where, "the log of %s", label);
	c.where = where;
	for (size_t i = 0; i < in->nfields; i++)
		indexed += in->fields[i].indexed;
	want = indexed + !ev->anonymous;
	if (ntopics != want) {
		rc = vfail(&c, -EINVAL, "%zu topic%s, where the event has %zu", ntopics,
			   PLURAL(ntopics), want);
		goto out;
	}
	if (!ev->anonymous && memcmp(topics[0], ev->hash, 32) != 0) {
		hex_encode(hex, topics[0], 32);
		rc = vfail(&c, -EINVAL, "topic0 0x%s is not the event's", hex);
		goto out;
	}
	c.role = "argument";
	c.sig = label;
	c.params = in;
	/* An indexed scalar's topic is its word, which must be valid. */
	t = !ev->anonymous;
	for (size_t i = 0; i < in->nfields; i++) {
		if (!in->fields[i].indexed)
			continue;
		c.top = i;
		if (is_scalar(in->fields[i].type) &&
		    (rc = check_word(&c, in->fields[i].type, topics[t])) != 0)
			goto out;
		t++;
	}
	c.top = SIZE_MAX;
	/* The data holds the arguments that are not indexed, as a tuple. */
	sub.fields = xcalloc(in->nfields + 1, sizeof(*sub.fields));
	argmap = xcalloc(in->nfields + 1, sizeof(*argmap));
	for (size_t i = 0; i < in->nfields; i++) {
		if (!in->fields[i].indexed) {
			argmap[sub.nfields] = i;
			sub.fields[sub.nfields++] = in->fields[i];
		}
	}
	tuple_layout(&sub);
	c.argmap = argmap;
	if ((rc = decode_value(&dv, &c, &sub, data, len)) != 0)
		goto out;
	/* Nothing fails from here on: dv's items move into v. */
	v = xcalloc(1, sizeof(*v));
	v->type = in;
	v->list.items = xcalloc(in->nfields + 1, sizeof(*v->list.items));
	v->list.n = in->nfields;
	t = !ev->anonymous;
	d = 0;
	for (size_t i = 0; i < in->nfields; i++) {
		struct abi_value *item = &v->list.items[i];

		if (!in->fields[i].indexed) {
			*item = dv->list.items[d++];
			continue;
		}
		item->type = in->fields[i].type;
		item->hashed = !is_scalar(item->type);
		memcpy(item->word, topics[t++], 32);
	}
	free(dv->list.items);
	free(dv);
	dv = NULL;
	*args = v;
out:
	abi_value_free(dv);
	free(sub.fields);
	free(argmap);
	free(where);
	free(label);
	return rc;
}

/* ---- revert data -------------------------------------------------------- */

const char *
abi_panic_meaning(const struct u256 *code)
{
	if (!u256_fits_u64(code) || u256_to_u64(code) > 0xff)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(panic_codes); i++) {
		if (panic_codes[i].code == u256_to_u64(code))
			return panic_codes[i].meaning;
	}
	return NULL;
}

void
abi_revert_release(struct abi_revert *revert)
{
	free(revert->reason);
	abi_value_free(revert->args);
	memset(revert, 0, sizeof(*revert));
}

int
abi_decode_revert(struct abi_revert *revert, char **cause, const struct abi *abi,
		  const uint8_t *data, size_t len)
{
	const struct abi_entry *e = NULL;
	struct abi_value *v = NULL;
	struct abi_revert r = { .len = len };
	const char *sig;
	char *where = NULL, *label = NULL;
	struct vctx c;
	int rc = 0;

	if (len == 0) {
		r.kind = ABI_REVERT_EMPTY;
		goto done;
	}
	if (len < 4) {
		set_cause(cause, "revert data of %zu byte%s is too short for a selector",
				  len, PLURAL(len));
		return -EINVAL;
	}
	memcpy(r.selector, data, 4);
	vctx_init(&c, cause);
	c.role = "argument";
	if (memcmp(data, error_selector, 4) == 0) {
		r.kind = ABI_REVERT_REASON;
		sig = "Error(string)";
		c.params = &reason_params;
	} else if (memcmp(data, panic_selector, 4) == 0) {
		r.kind = ABI_REVERT_PANIC;
		sig = "Panic(uint256)";
		c.params = &code_params;
	} else if ((e = abi_find_error(abi, data)) != NULL) {
		r.kind = ABI_REVERT_CUSTOM;
		sig = label = entry_label(e);
		c.params = e->inputs;
	} else {
		r.kind = ABI_REVERT_UNKNOWN;
		goto done;
	}
	xasprintf(&where, "the revert data of %s", sig);
	c.where = where;
	c.sig = sig;
	if ((rc = decode_value(&v, &c, c.params, data + 4, len - 4)) != 0)
		goto out;
	if (r.kind == ABI_REVERT_REASON) {
		r.reason = (char *)v->list.items[0].bytes.data;
		r.reason_len = v->list.items[0].bytes.len;
		v->list.items[0].bytes.data = NULL;
	} else if (r.kind == ABI_REVERT_PANIC) {
		u256_from_be32(&r.panic_code, v->list.items[0].word);
		r.panic_meaning = abi_panic_meaning(&r.panic_code);
	} else {
		r.error = e;
		r.args = v;
		v = NULL;
	}
done:
	*revert = r;
out:
	abi_value_free(v);
	free(where);
	free(label);
	return rc;
}

/* Appends s[0..len) in double quotes, escaping quotes, backslashes and
 * control characters; bytes that are not UTF-8 become \xNN. */
static void
quote(struct buf *b, const char *s, size_t len)
{
	buf_str(b, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t n = ch < 0x80 ? 0 : ch >= 0xc2 && ch < 0xe0 ? 1 : ch >= 0xe0 && ch < 0xf0 ?
			   2 : ch >= 0xf0 && ch < 0xf5 ? 3 : SIZE_MAX;

		if (ch == '"' || ch == '\\') {
			buf_printf(b, "\\%c", ch);
		} else if (ch >= 0x20 && ch < 0x7f) {
			buf_add(b, &s[i], 1);
		} else if (ch == '\n') {
			buf_str(b, "\\n");
		} else if (n != 0 && n != SIZE_MAX && len - i > n) {
			size_t k = 1;

			while (k <= n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			if (k <= n) {
				buf_printf(b, "\\x%02x", ch);
				continue;
			}
			buf_add(b, &s[i], n + 1);
			i += n;
		} else {
			buf_printf(b, "\\x%02x", ch);
		}
	}
	buf_str(b, "\"");
}

char *
abi_revert_format(const struct abi_revert *revert)
{
	struct buf b = { 0 };
	char hex[U256_HEX_MAX];

	switch (revert->kind) {
	case ABI_REVERT_EMPTY:
		buf_str(&b, "reverted without a reason");
		break;
	case ABI_REVERT_REASON:
		buf_str(&b, "reverted with reason ");
		quote(&b, revert->reason, revert->reason_len);
		break;
	case ABI_REVERT_PANIC:
		u256_to_hex(hex, &revert->panic_code);
		buf_printf(&b, "panicked with code %s (%s)", hex,
			   revert->panic_meaning != NULL ? revert->panic_meaning :
			   "not a code Solidity uses");
		break;
	case ABI_REVERT_CUSTOM:
		buf_printf(&b, "reverted with %s", revert->error->name);
		format_value(&b, revert->args);
		break;
	case ABI_REVERT_UNKNOWN:
		buf_printf(&b, "reverted with unknown error 0x%02x%02x%02x%02x (%zu bytes)",
			   revert->selector[0], revert->selector[1], revert->selector[2],
			   revert->selector[3], revert->len);	/* at least 4 */
		break;
	}
	return buf_detach(&b);
}

/* ---- values out --------------------------------------------------------- */

/* Out: buf, the decimal text of the intN or uintN word w. */
static void
int_text(char buf[U256_DEC_MAX + 1], const struct abi_type *t, const uint8_t w[32])
{
	struct u256 x;

	u256_from_be32(&x, w);
	if (t->kind == ABI_INT && u256_is_negative(&x)) {
		buf[0] = '-';
		u256_neg(&x, &x);
		u256_to_dec(buf + 1, &x);
	} else {
		u256_to_dec(buf, &x);
	}
}

/* Returns: a JSON string of s[0..len), with every byte sequence that is not
 * UTF-8 replaced by U+FFFD. */
static json_t *
json_lossy_string(const uint8_t *s, size_t len)
{
	struct buf b = { 0 };
	json_t *j = json_stringn((const char *)s, len);

	if (j != NULL)
		return j;
	buf_zero(&b, 0);
	for (size_t i = 0; i < len; i++) {
		size_t n = s[i] < 0x80 ? 0 : s[i] >= 0xc2 && s[i] < 0xe0 ? 1 :
			   s[i] >= 0xe0 && s[i] < 0xf0 ? 2 : s[i] >= 0xf0 && s[i] < 0xf5 ? 3 :
			   SIZE_MAX;
		json_t *one;

		if (n != SIZE_MAX && len - i > n &&
		    (one = json_stringn((const char *)s + i, n + 1)) != NULL) {
			json_decref(one);
			buf_add(&b, s + i, n + 1);
			i += n;
		} else {
			buf_str(&b, "\xef\xbf\xbd");
		}
	}
	j = json_stringn((const char *)b.p, b.len);
	free(b.p);
	return j != NULL ? j : json_string("");
}

json_t *
abi_value_to_json(const struct abi_value *value)
{
	const struct abi_type *t = value->type;
	char text[U256_DEC_MAX + 1], addr[EIP55_LEN + 1];
	struct buf b = { 0 };
	json_t *j;

	if (value->hashed || t->kind == ABI_FIXED_BYTES || t->kind == ABI_BYTES) {
		if (value->hashed)
			buf_hex(&b, value->word, 32);
		else if (t->kind == ABI_FIXED_BYTES)
			buf_hex(&b, value->word, t->size);
		else
			buf_hex(&b, value->bytes.data, value->bytes.len);
		j = json_stringn((const char *)b.p, b.len);
		free(b.p);
		return j;
	}
	switch (t->kind) {
	case ABI_UINT:
	case ABI_INT:
		int_text(text, t, value->word);
		return json_string(text);
	case ABI_ADDRESS:
		eip55_format(addr, value->word + 12);
		return json_string(addr);
	case ABI_BOOL:
		return json_boolean(value->word[31]);
	case ABI_STRING:
		return json_lossy_string(value->bytes.data, value->bytes.len);
	case ABI_TUPLE:
		if (t->named) {
			j = json_object();
			for (size_t i = 0; i < value->list.n; i++)
				json_object_set_new(j, t->fields[i].name,
						    abi_value_to_json(&value->list.items[i]));
			return j;
		}
		/* fall through */
	default:
		j = json_array();
		for (size_t i = 0; i < value->list.n; i++)
			json_array_append_new(j, abi_value_to_json(&value->list.items[i]));
		return j;
	}
}

/* Appends v as text for messages. */
static void
format_value(struct buf *b, const struct abi_value *v)
{
	const struct abi_type *t = v->type;
	char text[U256_DEC_MAX + 1], addr[EIP55_LEN + 1];

	if (v->hashed) {
		buf_str(b, "hash ");
		buf_hex(b, v->word, 32);
		return;
	}
	switch (t->kind) {
	case ABI_UINT:
	case ABI_INT:
		int_text(text, t, v->word);
		buf_str(b, text);
		break;
	case ABI_ADDRESS:
		eip55_format(addr, v->word + 12);
		buf_str(b, addr);
		break;
	case ABI_BOOL:
		buf_str(b, v->word[31] ? "true" : "false");
		break;
	case ABI_FIXED_BYTES:
		buf_hex(b, v->word, t->size);
		break;
	case ABI_BYTES:
		buf_hex(b, v->bytes.data, v->bytes.len);
		break;
	case ABI_STRING:
		quote(b, (const char *)v->bytes.data, v->bytes.len);
		break;
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY:
	case ABI_TUPLE:
		buf_str(b, t->kind == ABI_TUPLE ? "(" : "[");
		for (size_t i = 0; i < v->list.n; i++) {
			if (i > 0)
				buf_str(b, ", ");
			format_value(b, &v->list.items[i]);
		}
		buf_str(b, t->kind == ABI_TUPLE ? ")" : "]");
		break;
	}
}

char *
abi_value_format(const struct abi_value *value)
{
	struct buf b = { 0 };

	format_value(&b, value);
	return buf_detach(&b);
}

/* Appends v's encoding for an indexed topic: in place, without lengths,
 * every item padded to 32 bytes but a top-level bytes or string. */
static void
topic_enc(struct buf *b, const struct abi_value *v, bool top)
{
	switch (v->type->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		buf_add(b, v->bytes.data, v->bytes.len);
		if (!top)
			buf_zero(b, (32 - v->bytes.len % 32) % 32);
		break;
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY:
	case ABI_TUPLE:
		for (size_t i = 0; i < v->list.n; i++)
			topic_enc(b, &v->list.items[i], false);
		break;
	default:
		buf_add(b, v->word, 32);
		break;
	}
}

void
abi_value_topic(uint8_t topic[32], const struct abi_value *value)
{
	struct buf b = { 0 };

	if (value->hashed || is_scalar(value->type)) {
		memcpy(topic, value->word, 32);
		return;
	}
	buf_zero(&b, 0);
	topic_enc(&b, value, true);
	keccak256(topic, b.p, b.len);
	free(b.p);
}

/* abi_value_eq() for values of one type. */
static bool
value_eq(const struct abi_value *a, const struct abi_value *b)
{
	uint8_t ta[32], tb[32];

	if (a->hashed || b->hashed) {
		abi_value_topic(ta, a);
		abi_value_topic(tb, b);
		return memcmp(ta, tb, 32) == 0;
	}
	switch (a->type->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		return a->bytes.len == b->bytes.len &&
		       memcmp(a->bytes.data, b->bytes.data, a->bytes.len) == 0;
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY:
	case ABI_TUPLE:
		if (a->list.n != b->list.n)
			return false;
		for (size_t i = 0; i < a->list.n; i++) {
			if (!value_eq(&a->list.items[i], &b->list.items[i]))
				return false;
		}
		return true;
	default:
		return memcmp(a->word, b->word, 32) == 0;
	}
}

bool
abi_value_eq(const struct abi_value *a, const struct abi_value *b)
{
	return type_eq(a->type, b->type) && value_eq(a, b);
}
