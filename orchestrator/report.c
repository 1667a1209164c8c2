/* Test reports: TAP 13 and JUnit XML (see report.h).
 *
 * Everything a report prints may come from a node's log or a contract's
 * return data, so it may hold any byte.  Each writer decodes its text as
 * UTF-8, puts U+FFFD in place of each byte that is not, and then escapes or
 * replaces what its format cannot carry: TAP lines are single lines, YAML
 * allows only printable characters (and escapes the rest only in quoted
 * scalars), and XML 1.0 forbids most control characters even as
 * references. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "report.h"
#include "xalloc.h"

#define REPLACEMENT 0xfffd

void
report_suite_release(struct suite_result *r)
{
	for (size_t i = 0; i < r->ntests; i++) {
		struct test_result *t = &r->tests[i];

		free(t->name);
		free(t->step);
		free(t->message);
		free(t->expected);
		free(t->actual);
		free(t->tx);
		free(t->reason);
		free(t->logs);
		free(t->skip);
	}
	free(r->tests);
	free(r->name);
	free(r->file);
	free(r->error);
	free(r->logs);
	memset(r, 0, sizeof(*r));
}

struct test_result *
report_add(struct suite_result *r, const char *name)
{
	struct test_result *t;
	size_t n = r->ntests;

	/* The array has room for the next power of two of tests, so it grows
	 * when n is 0 or a power of two and no capacity field is needed. */
	if ((n & (n - 1)) == 0)
		r->tests = xreallocarray(r->tests, n == 0 ? 1 : 2 * n, sizeof(*r->tests));
	t = &r->tests[r->ntests++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	return t;
}

size_t
report_failures(const struct suite_result *suites, size_t n)
{
	size_t failures = 0;

	for (size_t i = 0; i < n; i++) {
		if (suites[i].error != NULL)
			failures++;
		for (size_t j = 0; j < suites[i].ntests; j++)
			failures += suites[i].tests[j].status == TEST_FAIL;
	}
	return failures;
}

/* Decodes the code point at s + *i and moves *i past it.  Returns: the code
 * point, or -1 for a byte that does not start a well-formed UTF-8 sequence
 * (overlong forms, surrogates and values above U+10FFFF included), which
 * moves *i by one byte.  s is NUL-terminated, which stops any sequence. */
static int32_t
utf8_next(const char *str, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str + *i;
	int32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		(*i)++;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3, cp = s[0] & 0x07, min = 0x10000;
	} else {
		(*i)++;
		return -1;
	}
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			(*i)++;
			return -1;
		}
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		(*i)++;
		return -1;
	}
	*i += n + 1;
	return cp;
}

static void
put_cp(FILE *out, int32_t cp)
{
	if (cp < 0x80) {
		fputc(cp, out);
	} else if (cp < 0x800) {
		fputc(0xc0 | cp >> 6, out);
		fputc(0x80 | (cp & 0x3f), out);
	} else if (cp < 0x10000) {
		fputc(0xe0 | cp >> 12, out);
		fputc(0x80 | (cp >> 6 & 0x3f), out);
		fputc(0x80 | (cp & 0x3f), out);
	} else {
		fputc(0xf0 | cp >> 18, out);
		fputc(0x80 | (cp >> 12 & 0x3f), out);
		fputc(0x80 | (cp >> 6 & 0x3f), out);
		fputc(0x80 | (cp & 0x3f), out);
	}
}

/* Whether cp is a C0 or C1 control character, or DEL. */
static bool
is_control(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* --- TAP ---------------------------------------------------------------- */

/* Prints s on one line: control characters and line separators become
 * spaces, and with escape_hash '#' becomes "\#" so that it cannot start a
 * directive. */
static void
tap_line(FILE *out, const char *s, bool escape_hash)
{
	for (size_t i = 0; s[i] != '\0';) {
		int32_t cp = utf8_next(s, &i);

		if (cp < 0)
			cp = REPLACEMENT;
		else if (is_control(cp) || cp == 0x2028 || cp == 0x2029)
			cp = ' ';
		if (cp == '#' && escape_hash)
			fputs("\\#", out);
		else
			put_cp(out, cp);
	}
}

/* Whether cp may stand for itself in a YAML block scalar's line: YAML's
 * printable set less the characters libyaml takes for line breaks (NEL,
 * U+2028, U+2029) and a byte-order mark. */
static bool
yaml_is_block_char(int32_t cp)
{
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	return cp == '\t' || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

/* Prints s as a double-quoted YAML scalar, which can hold any text. */
static void
yaml_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (size_t i = 0; s[i] != '\0';) {
		int32_t cp = utf8_next(s, &i);

		if (cp < 0)
			cp = REPLACEMENT;
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\r')
			fputs("\\r", out);
		else if (is_control(cp))
			fprintf(out, "\\x%02x", (unsigned)cp);
		else if (!yaml_is_block_char(cp))
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			put_cp(out, cp);
	}
	fputc('"', out);
}

/* Whether s can be a literal block scalar in its plainest form, "|" with
 * the indentation found from the first line and one line break kept at the
 * end, and come back exactly: lines with something on them, ending in one
 * line break, the first line with text not starting with a blank, and no
 * character a block scalar cannot hold.  That plainest form is also the
 * only one TAP::Parser's YAMLish reader (prove) accepts: given "|-" or
 * "|2" it stops reading the stream.  Anything else goes in quotes. */
static bool
yaml_is_block(const char *s)
{
	size_t len = strlen(s);
	bool at_start = true;

	if (len < 2 || s[len - 1] != '\n' || s[len - 2] == '\n')
		return false;
	for (size_t i = 0; s[i] != '\0';) {
		int32_t cp = utf8_next(s, &i);

		if (at_start && (cp == ' ' || cp == '\t'))
			return false;
		if (cp != '\n')
			at_start = false;
		if (cp != '\n' && (cp < 0 || !yaml_is_block_char(cp)))
			return false;
	}
	return true;
}

/* Returns: logs made fit for a block scalar (caller frees): line ends
 * become '\n', what a block scalar cannot hold becomes U+FFFD, and they
 * end with exactly one line break.  Logs are read, not compared, so lines
 * matter more than the exact bytes. */
static char *
yaml_clean_logs(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return xstrdup(s);
	for (size_t i = 0; s[i] != '\0';) {
		int32_t cp = utf8_next(s, &i);

		if (cp == '\r') {
			if (s[i] == '\n')
				continue;
			cp = '\n';
		}
		put_cp(f, cp == '\n' || (cp >= 0 && yaml_is_block_char(cp)) ? cp : REPLACEMENT);
	}
	if (fclose(f) != 0) {
		free(buf);
		return xstrdup(s);
	}
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	buf = xreallocarray(buf, len + 2, 1);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

/* Prints s (which yaml_is_block() accepts) as a literal block scalar for
 * key.  An empty line carries the block's indentation: TAP readers take a
 * line that does not start with the YAML block's indentation for its
 * end. */
static void
yaml_block(FILE *out, const char *key, const char *s)
{
	fprintf(out, "  %s: |\n", key);
	for (const char *line = s, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		fprintf(out, "    %.*s\n", (int)(nl - line), line);
}

/* Prints key: s in the YAML block, nothing when s is NULL. */
static void
yaml_field(FILE *out, const char *key, const char *s)
{
	if (s == NULL)
		return;
	if (yaml_is_block(s)) {
		yaml_block(out, key, s);
	} else {
		fprintf(out, "  %s: ", key);
		yaml_quoted(out, s);
		fputc('\n', out);
	}
}

/* Prints logs as a block scalar whenever they can be one, made readable
 * rather than exact; else exactly, in quotes. */
static void
yaml_logs(FILE *out, const char *logs)
{
	char *clean;

	if (logs == NULL)
		return;
	clean = yaml_clean_logs(logs);
	yaml_field(out, "logs", yaml_is_block(clean) ? clean : logs);
	free(clean);
}

void
report_tap_begin(FILE *out)
{
	fputs("TAP version 13\n", out);
	fflush(out);
}

/* Prints "ok N - SUITE: TEST" and what follows it on the line. */
static void
tap_result(FILE *out, bool ok, unsigned number, const char *suite, const char *test)
{
	fprintf(out, "%sok %u - ", ok ? "" : "not ", number);
	tap_line(out, suite, true);
	fputs(": ", out);
	tap_line(out, test, true);
}

static bool
has_details(const struct test_result *t)
{
	return t->step != NULL || t->message != NULL || t->expected != NULL ||
	       t->actual != NULL || t->tx != NULL || t->reason != NULL || t->logs != NULL;
}

void
report_tap_suite(FILE *out, const struct suite_result *suite, unsigned *number)
{
	if (suite->error != NULL) {
		tap_result(out, false, ++*number, suite->name, "(suite)");
		fputs("\n  ---\n", out);
		yaml_field(out, "message", suite->error);
		yaml_logs(out, suite->logs);
		fputs("  ...\n", out);
	}
	for (size_t i = 0; i < suite->ntests; i++) {
		const struct test_result *t = &suite->tests[i];

		tap_result(out, t->status != TEST_FAIL, ++*number, suite->name, t->name);
		if (t->status == TEST_SKIP) {
			fputs(" # SKIP", out);
			if (t->skip != NULL && t->skip[0] != '\0') {
				fputc(' ', out);
				tap_line(out, t->skip, false);
			}
		}
		fputc('\n', out);
		if (t->status != TEST_FAIL || !has_details(t))
			continue;
		fputs("  ---\n", out);
		yaml_field(out, "step", t->step);
		yaml_field(out, "message", t->message);
		yaml_field(out, "expected", t->expected);
		yaml_field(out, "actual", t->actual);
		yaml_field(out, "tx", t->tx);
		yaml_field(out, "reason", t->reason);
		yaml_logs(out, t->logs);
		fputs("  ...\n", out);
	}
	fflush(out);
}

void
report_tap_end(FILE *out, unsigned total)
{
	fprintf(out, "1..%u\n", total);
	fflush(out);
}

/* --- JUnit XML ---------------------------------------------------------- */

enum xml_mode {
	XML_TEXT, /* element content: keeps tabs and line breaks */
	XML_ATTR, /* an attribute: keeps them as character references */
	XML_LINE, /* an attribute on one line: they become spaces */
};

/* Prints s escaped for XML 1.0.  The characters it forbids, even as
 * references (C0 controls but tab, LF and CR; U+FFFE, U+FFFF), become
 * U+FFFD. */
static void
xml_escape(FILE *out, const char *s, enum xml_mode mode)
{
	for (size_t i = 0; s[i] != '\0';) {
		int32_t cp = utf8_next(s, &i);

		if (mode == XML_LINE && (cp == '\t' || cp == '\n' || cp == '\r'))
			cp = ' ';
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\t':
		case '\n':
			if (mode == XML_TEXT)
				fputc(cp, out);
			else
				fprintf(out, "&#%d;", (int)cp);
			break;
		case '\r':
			/* A parser turns a literal CR into LF. */
			fputs("&#13;", out);
			break;
		default:
			if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
				cp = REPLACEMENT;
			put_cp(out, cp);
			break;
		}
	}
}

/* Prints ms as seconds with three decimals, without printf's %f, whose
 * decimal point depends on the locale. */
static void
xml_seconds(FILE *out, double ms)
{
	unsigned long long n = 0;

	if (ms > 1e15)
		ms = 1e15;
	if (ms > 0)
		n = (unsigned long long)(ms + 0.5);
	fprintf(out, "%llu.%03llu", n / 1000, n % 1000);
}

/* Prints "key: value" for the failure's text, nothing when value is NULL;
 * a value of several lines starts on the next line. */
static void
xml_detail(FILE *out, const char *key, const char *value)
{
	size_t len;

	if (value == NULL)
		return;
	len = strlen(value);
	fprintf(out, "%s:%s", key, strchr(value, '\n') != NULL ? "\n" : " ");
	xml_escape(out, value, XML_TEXT);
	if (len == 0 || value[len - 1] != '\n')
		fputc('\n', out);
}

static void
xml_testcase_open(FILE *out, const char *suite, const char *name, double ms)
{
	fputs("    <testcase classname=\"", out);
	xml_escape(out, suite, XML_ATTR);
	fputs("\" name=\"", out);
	xml_escape(out, name, XML_ATTR);
	fputs("\" time=\"", out);
	xml_seconds(out, ms);
	fputc('"', out);
}

static void
xml_failure_open(FILE *out, const char *message, const char *type)
{
	fputs("      <failure message=\"", out);
	xml_escape(out, message, XML_LINE);
	fprintf(out, "\" type=\"%s\">", type);
}

static void
xml_test(FILE *out, const char *suite, const struct test_result *t)
{
	xml_testcase_open(out, suite, t->name, t->ms);
	switch (t->status) {
	case TEST_PASS:
		fputs("/>\n", out);
		return;
	case TEST_SKIP:
		fputs(">\n      <skipped", out);
		if (t->skip != NULL) {
			fputs(" message=\"", out);
			xml_escape(out, t->skip, XML_LINE);
			fputc('"', out);
		}
		fputs("/>\n", out);
		break;
	case TEST_FAIL:
		fputs(">\n", out);
		xml_failure_open(out, t->message != NULL ? t->message : "failed", "failure");
		xml_detail(out, "step", t->step);
		xml_detail(out, "message", t->message);
		xml_detail(out, "expected", t->expected);
		xml_detail(out, "actual", t->actual);
		xml_detail(out, "tx", t->tx);
		xml_detail(out, "reason", t->reason);
		xml_detail(out, "logs", t->logs);
		fputs("</failure>\n", out);
		break;
	}
	fputs("    </testcase>\n", out);
}

static void
xml_suite(FILE *out, const struct suite_result *s)
{
	size_t tests = s->ntests + (s->error != NULL), skipped = 0;

	for (size_t i = 0; i < s->ntests; i++)
		skipped += s->tests[i].status == TEST_SKIP;
	fputs("  <testsuite name=\"", out);
	xml_escape(out, s->name, XML_ATTR);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"",
		tests, report_failures(s, 1), skipped);
	xml_seconds(out, s->ms);
	fputc('"', out);
	if (s->file != NULL) {
		fputs(" file=\"", out);
		xml_escape(out, s->file, XML_ATTR);
		fputc('"', out);
	}
	fputs(">\n", out);
	if (s->error != NULL) {
		xml_testcase_open(out, s->name, "(suite)", s->ms);
		fputs(">\n", out);
		xml_failure_open(out, s->error, "error");
		xml_detail(out, "error", s->error);
		xml_detail(out, "logs", s->logs);
		fputs("</failure>\n    </testcase>\n", out);
	}
	for (size_t i = 0; i < s->ntests; i++)
		xml_test(out, s->name, &s->tests[i]);
	fputs("  </testsuite>\n", out);
}

int
report_junit(const char *path, const struct suite_result *suites, size_t n, char **cause)
{
	size_t tests = 0, skipped = 0, len = 0;
	char *buf = NULL;
	double ms = 0;
	FILE *out;
	int rc = -1;

	out = open_memstream(&buf, &len);
	if (out == NULL) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		tests += suites[i].ntests + (suites[i].error != NULL);
		for (size_t j = 0; j < suites[i].ntests; j++)
			skipped += suites[i].tests[j].status == TEST_SKIP;
		ms += suites[i].ms;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"chainbox\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\" time=\"",
		tests, report_failures(suites, n), skipped);
	xml_seconds(out, ms);
	fputs("\">\n", out);
	for (size_t i = 0; i < n; i++)
		xml_suite(out, &suites[i]);
	fputs("</testsuites>\n", out);
	if (fclose(out) != 0) {
		xasprintf(cause, "cannot write %s: out of memory", path);
		goto out;
	}
	rc = fs_write_file(cause, path, buf, len, 0644, false);
out:
	free(buf);
	return rc;
}
