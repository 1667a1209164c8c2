/* ethtest: the conformance runner (see ethtest.h).
 *
 *   ethtest MODE [--trace] PATH...
 *
 * Exit status: 0 when every test passed, 1 when one failed or none was
 * found, 2 for wrong usage or a path that cannot be read or parsed. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ethtest.h"
#include "hex.h"
#include "log.h"
#include "xalloc.h"

#define EXIT_USAGE 2

/* Directories nested deeper than this are taken for a symlink loop. */
#define WALK_DEPTH_MAX 32

/* Messages show byte strings in full up to this length, else a window
 * around the first difference. */
#define SHOW_MAX 64
#define SHOW_WINDOW 16

static const struct mode {
	const char *name;
	ethtest_file_fn run;
	const char *summary;
} modes[] = {
	{ "rlp", ethtest_rlp_file, "RLPTests: encode, decode, reject non-canonical RLP" },
	{ "trie", ethtest_trie_file, "TrieTests: Merkle Patricia Trie roots and key order" },
	{ "state", ethtest_state_file, "GeneralStateTests: Cancun cases, state root and logs" },
	{ "tx", ethtest_tx_file, "TransactionTests: decode, validate, recover the sender" },
};

/* Reports wrong usage.  Returns: EXIT_USAGE. */
static int
usage_error(void)
{
	fprintf(stderr, "usage: ethtest MODE [--trace] [--only TEXT] PATH...\n"
			"See 'ethtest --help'.\n");
	return EXIT_USAGE;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: ethtest MODE [--trace] [--only TEXT] PATH...\n\n"
		     "Runs the Ethereum test vectors in PATH (files, or directories searched\n"
		     "for *.json) and ends with 'N passed, M failed, K skipped'.\n\n"
		     "modes:\n");
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		fprintf(out, "  %-6s %s\n", modes[i].name, modes[i].summary);
	fprintf(out, "\noptions:\n"
		     "  --trace      also print each test that passes or is skipped, with details;\n"
		     "               in state mode, an EIP-3155 JSON line for every instruction\n"
		     "  --only TEXT  state mode: run only the cases whose label contains TEXT,\n"
		     "               such as 'add11[d=0,g=0,v=0]'\n");
}

void
ethtest_pass(struct ethtest *t, const char *file, const char *name)
{
	t->passed++;
	if (t->trace)
		printf("PASS %s: %s\n", file, name);
}

void
ethtest_fail(struct ethtest *t, const char *file, const char *name,
	     const char *fmt, ...)
{
	va_list ap;

	t->failed++;
	printf("FAIL %s: %s: ", file, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Returns: the hex of p[off..off+n) clipped to len, with "..." where bytes
 * are left out (caller frees). */
static char *
hex_window(const uint8_t *p, size_t len, size_t off, size_t n)
{
	char *hex, *s;

	if (off > len)
		off = len;
	if (n > len - off)
		n = len - off;
	hex = ethtest_hex_str(p + off, n);
	xasprintf(&s, "%s%s%s", off > 0 ? "..." : "", off > 0 ? hex + 2 : hex,
		  off + n < len ? "..." : "");
	free(hex);
	return s;
}

void
ethtest_fail_bytes(struct ethtest *t, const char *file, const char *name,
		   const char *what, const uint8_t *want, size_t wlen,
		   const uint8_t *got, size_t glen)
{
	size_t off = 0, from;
	char *w, *g;

	if (wlen <= SHOW_MAX && glen <= SHOW_MAX) {
		w = ethtest_hex_str(want, wlen);
		g = ethtest_hex_str(got, glen);
		ethtest_fail(t, file, name, "%s: expected %s, got %s", what, w, g);
	} else {
		while (off < wlen && off < glen && want[off] == got[off])
			off++;
		from = off > SHOW_WINDOW / 2 ? off - SHOW_WINDOW / 2 : 0;
		w = hex_window(want, wlen, from, SHOW_WINDOW);
		g = hex_window(got, glen, from, SHOW_WINDOW);
		ethtest_fail(t, file, name,
			     "%s: differs at byte %zu: expected %s (%zu bytes), got %s (%zu bytes)",
			     what, off, w, wlen, g, glen);
	}
	free(w);
	free(g);
}

void
ethtest_skip(struct ethtest *t, const char *file, const char *name,
	     const char *why)
{
	t->skipped++;
	if (t->trace)
		printf("SKIP %s: %s: %s\n", file, name, why);
}

void
ethtest_trace(const struct ethtest *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->trace)
		return;
	fputs("  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int
ethtest_hex_decode(uint8_t **out, size_t *len, const char *s, size_t slen)
{
	uint8_t *buf = xmalloc(slen / 2 + 1);
	size_t n = slen / 2 + 1;
	int rc;

	rc = hex_decode(buf, &n, s, slen);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

char *
ethtest_hex_str(const uint8_t *p, size_t len)
{
	char *s = xmalloc(2 * len + 3);

	s[0] = '0';
	s[1] = 'x';
	hex_encode(s + 2, p, len);
	return s;
}

/* Loads one file and runs the mode on it.  Returns: 0 or -EINVAL. */
static int
walk_file(struct ethtest *t, const char *path, ethtest_file_fn fn)
{
	json_error_t err;
	json_t *root;

	/* JSON_ALLOW_NUL: rlptest.json has a string that is one NUL byte. */
	root = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (root == NULL) {
		if (err.line > 0)
			msg_error("%s:%d:%d: malformed JSON: %s", path, err.line,
				  err.column, err.text);
		else
			msg_error("cannot read '%s': %s", path, err.text);
		t->errors++;
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		msg_error("%s: not a test file: the top level is not a JSON object",
			  path);
		json_decref(root);
		t->errors++;
		return -EINVAL;
	}
	fn(t, path, root);
	json_decref(root);
	return 0;
}

/* Skips dot files, and "." and ".." with them. */
static int
walk_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static bool
has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int
walk_path(struct ethtest *t, const char *path, ethtest_file_fn fn,
	  unsigned depth, bool named)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) != 0) {
		rc = -errno;
		msg_error("cannot read '%s': %s", path, strerror(errno));
		t->errors++;
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (!named && (!S_ISREG(st.st_mode) || !has_json_suffix(path)))
			return 0;
		return walk_file(t, path, fn);
	}
	if (depth >= WALK_DEPTH_MAX) {
		msg_error("cannot read '%s': directories nested too deep (a symlink loop?)",
			  path);
		t->errors++;
		return -ELOOP;
	}
	n = scandir(path, &names, walk_filter, alphasort);
	if (n < 0) {
		rc = -errno;
		msg_error("cannot read '%s': %s", path, strerror(errno));
		t->errors++;
		return rc;
	}
	for (int i = 0; i < n; i++) {
		char *sub;
		int r;

		xasprintf(&sub, "%s%s%s", path,
			  path[strlen(path) - 1] == '/' ? "" : "/",
			  names[i]->d_name);
		r = walk_path(t, sub, fn, depth + 1, false);
		if (r != 0 && rc == 0)
			rc = r;
		free(sub);
		free(names[i]);
	}
	free(names);
	return rc;
}

bool
ethtest_wanted(const struct ethtest *t, const char *label)
{
	return t->only == NULL || strstr(label, t->only) != NULL;
}

int
ethtest_walk(struct ethtest *t, const char *path, ethtest_file_fn fn)
{
	return walk_path(t, path, fn, 0, true);
}

int
main(int argc, char **argv)
{
	struct ethtest t = { 0 };
	const struct mode *mode = NULL;
	bool opts = true;
	int npaths = 0;

	log_init("ethtest");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			mode = &modes[i];
	if (mode == NULL) {
		msg_error("unknown mode '%s'", argv[1]);
		return usage_error();
	}

	/* Options may come anywhere among the paths, up to "--". */
	for (int i = 2; i < argc; i++) {
		struct stat st;

		if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
		} else if (opts && strcmp(argv[i], "--trace") == 0) {
			t.trace = true;
		} else if (opts && strcmp(argv[i], "--only") == 0) {
			if (++i == argc) {
				msg_error("--only needs the text to match");
				return usage_error();
			}
			t.only = argv[i];
		} else if (opts && (strcmp(argv[i], "-h") == 0 ||
				    strcmp(argv[i], "--help") == 0)) {
			usage(stdout);
			return 0;
		} else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			msg_error("unknown option '%s'", argv[i]);
			return usage_error();
		} else if (stat(argv[i], &st) != 0) {
			/* Checked up front: a mistyped path must not run
			 * half the tests and then fail. */
			msg_error("cannot read '%s': %s", argv[i], strerror(errno));
			return EXIT_USAGE;
		} else {
			npaths++;
		}
	}
	if (npaths == 0) {
		msg_error("name at least one test file or directory");
		return usage_error();
	}

	opts = true;
	for (int i = 2; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = false;
		else if (opts && strcmp(argv[i], "--trace") == 0)
			continue;
		else if (opts && strcmp(argv[i], "--only") == 0)
			i++;
		else
			(void)ethtest_walk(&t, argv[i], mode->run);
	}
	printf("%u passed, %u failed, %u skipped\n", t.passed, t.failed, t.skipped);
	fflush(stdout);
	if (t.errors > 0)
		return EXIT_USAGE;
	if (t.passed + t.failed + t.skipped == 0) {
		msg_error("no tests found");
		return 1;
	}
	return t.failed > 0 ? 1 : 0;
}
