/* Tests for orchestrator/report.c: TAP 13 and JUnit XML, checked with
 * libyaml, with perl's TAP::Parser (prove) when it is there, and with an
 * XML parser (python3's, else xmllint) on hostile text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "harness.h"
#include "report.h"
#include "xalloc.h"

#define FFFD "\xef\xbf\xbd"

/* A failure whose every field holds what breaks naive TAP, YAML and XML
 * writers: quotes, colons, '#', line breaks, "]]>", "<&>", a control
 * character, YAML's other line breaks and invalid UTF-8. */
#define NASTY_STEP "step 1: call \"f\"(a: 1) # not a comment"
#define NASTY_MESSAGE "it's <&> and ]]> and \x01 and \"quoted\"\tand \\ backslash"
#define NASTY_EXPECTED "line one\n  indented: yes\n\n\"q\" ]]> <&> # x\n"
#define NASTY_ACTUAL "multi\x01line\nwith 'control'"
#define NASTY_TX "0xabc\xff"
#define NASTY_REASON "bad \xc3\x28 'x' \xe2\x80\xa8 nel\xc2\x85 bom\xef\xbb\xbf \x7f end"
#define NASTY_LOGS                                                                                 \
	"node1 | started\r\nnode1 | \x1b[31merror\x1b[0m: <&> ]]>\n- item\n  ...\n...\n---\n"  \
	"# comment\nbad \xff\xfe\n"

/* Returns: the TAP stream for suites (caller frees). */
static char *
tap_of(const struct suite_result *suites, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned number = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_FATAL(f != NULL);
	report_tap_begin(f);
	for (size_t i = 0; i < n; i++)
		report_tap_suite(f, &suites[i], &number);
	report_tap_end(f, number);
	fclose(f);
	return buf;
}

static void
suite_init(struct suite_result *s, const char *name, const char *file, double ms)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->file = file != NULL ? xstrdup(file) : NULL;
	s->ms = ms;
}

static struct test_result *
add(struct suite_result *s, const char *name, enum test_status status, double ms)
{
	struct test_result *t = report_add(s, name);

	t->status = status;
	t->ms = ms;
	return t;
}

static void
set_nasty(struct test_result *t)
{
	t->status = TEST_FAIL;
	t->step = xstrdup(NASTY_STEP);
	t->message = xstrdup(NASTY_MESSAGE);
	t->expected = xstrdup(NASTY_EXPECTED);
	t->actual = xstrdup(NASTY_ACTUAL);
	t->tx = xstrdup(NASTY_TX);
	t->reason = xstrdup(NASTY_REASON);
	t->logs = xstrdup(NASTY_LOGS);
}

/* Returns: the YAML block that follows the TAP line starting with result,
 * with the block's two-space indentation taken off as a TAP reader does
 * (caller frees); NULL when there is none.  Every line of the block must
 * carry that indentation. */
static char *
yaml_after(const char *tap, const char *result)
{
	const char *p = strstr(tap, result), *end;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (p == NULL || (p = strchr(p, '\n')) == NULL || strncmp(p + 1, "  ---\n", 6) != 0)
		return NULL;
	p += 7;
	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	for (; strncmp(p, "  ...\n", 6) != 0; p = end + 1) {
		end = strchr(p, '\n');
		CU_ASSERT_FATAL(end != NULL);
		CU_ASSERT_FATAL(strncmp(p, "  ", 2) == 0);
		fwrite(p + 2, 1, (size_t)(end - p - 2) + 1, f);
	}
	fclose(f);
	return buf;
}

/* Loads text as one YAML document with libyaml, which must find no error
 * and a mapping at the top. */
static void
yaml_load(yaml_document_t *doc, const char *text)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	int ok;

	CU_ASSERT_FATAL(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	ok = yaml_parser_load(&parser, doc);
	if (!ok)
		printf("\n  libyaml: %s at line %zu: %s\n", parser.problem,
		       parser.problem_mark.line + 1, text);
	yaml_parser_delete(&parser);
	CU_ASSERT_FATAL(ok);
	root = yaml_document_get_root_node(doc);
	CU_ASSERT_FATAL(root != NULL && root->type == YAML_MAPPING_NODE);
}

/* Returns: the scalar under key in doc's top mapping (caller frees), or
 * NULL. */
static char *
yaml_get(yaml_document_t *doc, const char *key)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
	}
	return NULL;
}

/* Checks that doc holds key with the value want. */
#define CHECK_YAML(doc, key, want)                                                                 \
	do {                                                                                       \
		char *got_ = yaml_get((doc), (key));                                               \
		CU_ASSERT_PTR_NOT_NULL(got_);                                                      \
		if (got_ != NULL && strcmp(got_, (want)) != 0) {                                   \
			printf("\n  %s: got \"%s\", want \"%s\"\n", (key), got_, (want));          \
			CU_FAIL(key " differs");                                                   \
		}                                                                                  \
		free(got_);                                                                        \
	} while (0)

static void
test_report_add_grows(void)
{
	struct suite_result s;
	char name[16];

	suite_init(&s, "grow", NULL, 0);
	for (unsigned i = 0; i < 100; i++) {
		struct test_result *t;

		snprintf(name, sizeof(name), "t%u", i);
		t = report_add(&s, name);
		CU_ASSERT_STRING_EQUAL(t->name, name);
		CU_ASSERT(t->status == TEST_PASS && t->ms == 0 && t->step == NULL &&
			  t->message == NULL && t->logs == NULL && t->skip == NULL);
		t->message = xstrdup("freed by report_suite_release");
		CU_ASSERT_EQUAL(s.ntests, i + 1);
	}
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		CU_ASSERT_STRING_EQUAL(s.tests[i].name, name);
	}
	report_suite_release(&s);
	CU_ASSERT(s.name == NULL && s.tests == NULL && s.ntests == 0);
	report_suite_release(&s); /* released twice: nothing left to free */
}

static void
test_report_failures_counts(void)
{
	struct suite_result s[2];

	suite_init(&s[0], "a", NULL, 0);
	add(&s[0], "pass", TEST_PASS, 0);
	add(&s[0], "fail", TEST_FAIL, 0);
	add(&s[0], "skip", TEST_SKIP, 0);
	add(&s[0], "fail2", TEST_FAIL, 0);
	suite_init(&s[1], "b", NULL, 0);
	s[1].error = xstrdup("network did not start");
	CU_ASSERT_EQUAL(report_failures(s, 0), 0);
	CU_ASSERT_EQUAL(report_failures(s, 1), 2);
	CU_ASSERT_EQUAL(report_failures(s, 2), 3);
	CU_ASSERT_EQUAL(report_failures(&s[1], 1), 1);
	report_suite_release(&s[0]);
	report_suite_release(&s[1]);
}

/* The whole stream for a pass, a failure, a skip and a suite that could not
 * run, byte for byte. */
static void
test_report_tap_exact(void)
{
	struct suite_result s[2];
	struct test_result *t;
	char *out;

	suite_init(&s[0], "token", "tests/token.yaml", 10);
	add(&s[0], "transfer works", TEST_PASS, 1);
	t = add(&s[0], "approve", TEST_FAIL, 2);
	t->step = xstrdup("step 2: call balanceOf(address)");
	t->message = xstrdup("balance differs");
	t->expected = xstrdup("100");
	t->actual = xstrdup("99");
	t->tx = xstrdup("0xab");
	t->reason = xstrdup("ERC20: insufficient allowance");
	t->logs = xstrdup("node1 | mined block 3\nnode1 |   reverted\n");
	t = add(&s[0], "mint", TEST_SKIP, 0);
	t->skip = xstrdup("needs a second validator");
	add(&s[0], "burn", TEST_FAIL, 0);
	suite_init(&s[1], "vault", NULL, 5);
	s[1].error = xstrdup("network did not start: port 8545 in use");
	s[1].logs = xstrdup("node1 | bind: Address in use");
	out = tap_of(s, 2);
	CU_ASSERT_STRING_EQUAL(out,
		"TAP version 13\n"
		"ok 1 - token: transfer works\n"
		"not ok 2 - token: approve\n"
		"  ---\n"
		"  step: \"step 2: call balanceOf(address)\"\n"
		"  message: \"balance differs\"\n"
		"  expected: \"100\"\n"
		"  actual: \"99\"\n"
		"  tx: \"0xab\"\n"
		"  reason: \"ERC20: insufficient allowance\"\n"
		"  logs: |\n"
		"    node1 | mined block 3\n"
		"    node1 |   reverted\n"
		"  ...\n"
		"ok 3 - token: mint # SKIP needs a second validator\n"
		"not ok 4 - token: burn\n"
		"not ok 5 - vault: (suite)\n"
		"  ---\n"
		"  message: \"network did not start: port 8545 in use\"\n"
		"  logs: |\n"
		"    node1 | bind: Address in use\n"
		"  ...\n"
		"1..5\n");
	free(out);
	report_suite_release(&s[0]);
	report_suite_release(&s[1]);
}

/* Numbers run on across suites, *number ends at the count, and the plan
 * comes last. */
static void
test_report_tap_numbering(void)
{
	struct suite_result s[2];
	char *buf = NULL;
	size_t len = 0;
	unsigned number = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_FATAL(f != NULL);
	suite_init(&s[0], "one", NULL, 0);
	add(&s[0], "a", TEST_PASS, 0);
	add(&s[0], "b", TEST_FAIL, 0);
	suite_init(&s[1], "two", NULL, 0);
	add(&s[1], "c", TEST_SKIP, 0);
	add(&s[1], "d", TEST_PASS, 0);
	add(&s[1], "e", TEST_PASS, 0);
	report_tap_begin(f);
	report_tap_suite(f, &s[0], &number);
	CU_ASSERT_EQUAL(number, 2);
	report_tap_suite(f, &s[1], &number);
	CU_ASSERT_EQUAL(number, 5);
	report_tap_end(f, number);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "TAP version 13\n"
				    "ok 1 - one: a\n"
				    "not ok 2 - one: b\n"
				    "ok 3 - two: c # SKIP\n"
				    "ok 4 - two: d\n"
				    "ok 5 - two: e\n"
				    "1..5\n");
	CU_ASSERT(len >= 5 && strcmp(buf + len - 5, "1..5\n") == 0);
	free(buf);
	report_suite_release(&s[0]);
	report_suite_release(&s[1]);
}

/* '#' in a description is escaped so that it cannot start a directive, and
 * a line break cannot end the TAP line early. */
static void
test_report_tap_escapes_hash(void)
{
	struct suite_result s;
	struct test_result *t;
	char *out;

	suite_init(&s, "s#1", NULL, 0);
	add(&s, "a # SKIP not really", TEST_FAIL, 0);
	t = add(&s, "#2\nok 9 - forged", TEST_SKIP, 0);
	t->skip = xstrdup("why\nnot");
	out = tap_of(&s, 1);
	CU_ASSERT_STRING_EQUAL(out, "TAP version 13\n"
				    "not ok 1 - s\\#1: a \\# SKIP not really\n"
				    "ok 2 - s\\#1: \\#2 ok 9 - forged # SKIP why not\n"
				    "1..2\n");
	free(out);
	report_suite_release(&s);
}

/* The nasty failure's YAML block parses, and holds each field exactly when
 * it is valid UTF-8, with U+FFFD for each bad byte otherwise; the logs keep
 * their lines, with CRLF as LF and control characters as U+FFFD. */
static void
test_report_tap_yaml_nasty(void)
{
	struct suite_result s;
	yaml_document_t doc;
	char *out, *yaml;

	suite_init(&s, "nasty", NULL, 0);
	set_nasty(add(&s, "all of it", TEST_FAIL, 0));
	s.tests[0].skip = xstrdup("not printed for a failure");
	out = tap_of(&s, 1);
	yaml = yaml_after(out, "not ok 1 - nasty: all of it\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(yaml);
	CU_ASSERT(strstr(out, "\n  expected: |\n    line one\n      indented: yes\n    \n") != NULL);
	CU_ASSERT(strstr(out, "\n  actual: \"multi\\x01line\\nwith 'control'\"\n") != NULL);
	yaml_load(&doc, yaml);
	CHECK_YAML(&doc, "step", NASTY_STEP);
	CHECK_YAML(&doc, "message", NASTY_MESSAGE);
	CHECK_YAML(&doc, "expected", NASTY_EXPECTED);
	CHECK_YAML(&doc, "actual", NASTY_ACTUAL);
	CHECK_YAML(&doc, "tx", "0xabc" FFFD);
	CHECK_YAML(&doc, "reason", "bad " FFFD "( 'x' \xe2\x80\xa8 nel\xc2\x85 bom\xef\xbb\xbf \x7f end");
	CHECK_YAML(&doc, "logs",
		   "node1 | started\nnode1 | " FFFD "[31merror" FFFD "[0m: <&> ]]>\n- item\n  ...\n"
		   "...\n---\n# comment\nbad " FFFD FFFD "\n");
	CU_ASSERT_PTR_NULL(yaml_get(&doc, "skip"));
	yaml_document_delete(&doc);
	free(yaml);
	free(out);
	report_suite_release(&s);
}

/* Returns: whether command runs and exits 0. */
static bool
runs(const char *command)
{
	return system(command) == 0;
}

/* Values of awkward shapes, and whether they fit a plain "|" block
 * scalar. */
static const struct shape {
	const char *value;
	bool block;
} shapes[] = {
	{ "", false },
	{ "\n", false },
	{ "\n\n", false },
	{ "a\n", true },
	{ "a\n\n\n", false },
	{ "a\nb", false },
	{ "  leading spaces\nx\n", false },
	{ "\ttab first\nx\n", false },
	{ "\n\nafter blank lines\n", true },
	{ "\n  blank line then spaces\n", false },
	{ "a\n   \n", true },
	{ "a\n \n  \nb\n", true },
	{ "x\n\ttab\n  spaces\n", true },
	{ "- [not, a, list]\n? not a key\n", true },
	{ "key: value\n&anchor *alias !tag |\n--- x\n... y\n", true },
	{ "x\r\ny\n", false },
	{ "nel\xc2\x85\n", false },
	{ "'single' \"double\" \\back", false },
	{ " leading and trailing ", false },
	{ "null", false },
	{ "\xf0\x9f\x98\x80 4 bytes\n\xe2\x82\xac\n", true },
	{ "\xef\xbf\xbe\xef\xbf\xbf", false },
};

/* Each shape comes back from the YAML exactly, in a block scalar when it
 * fits one and in quotes otherwise. */
static void
test_report_tap_yaml_shapes(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct suite_result s;
		struct test_result *t;
		yaml_document_t doc;
		char *out, *yaml;

		suite_init(&s, "shape", NULL, 0);
		t = add(&s, "t", TEST_FAIL, 0);
		t->expected = xstrdup(shapes[i].value);
		t->actual = xstrdup("");
		out = tap_of(&s, 1);
		yaml = yaml_after(out, "not ok 1 - shape: t\n");
		CU_ASSERT_PTR_NOT_NULL_FATAL(yaml);
		CU_ASSERT_EQUAL(strncmp(yaml, "expected: |\n", 12) == 0, shapes[i].block);
		yaml_load(&doc, yaml);
		CHECK_YAML(&doc, "expected", shapes[i].value);
		CHECK_YAML(&doc, "actual", "");
		yaml_document_delete(&doc);
		free(yaml);
		free(out);
		report_suite_release(&s);
	}
}

/* Checks the TAP in argv[1] with TAP::Parser, which prove uses: no parse
 * error, argv[2] tests, argv[3] YAML blocks read as mappings. */
static const char prove_script[] =
	"use strict; use TAP::Parser;\n"
	"open(my $fh, '<', $ARGV[0]) or die; my $tap = do { local $/; <$fh> };\n"
	"my $p = TAP::Parser->new({ tap => $tap }); my $yaml = 0;\n"
	"while (my $r = $p->next) { $yaml++ if $r->is_yaml && ref($r->data) eq 'HASH' }\n"
	"my $bad = $p->parse_errors || $p->tests_run != $ARGV[1] || $yaml != $ARGV[2];\n"
	"print STDERR \"\\n  TAP::Parser: $_\" for $p->parse_errors;\n"
	"print STDERR \"\\n  TAP::Parser: \", $p->tests_run, \" tests, $yaml YAML blocks\\n\" if $bad;\n"
	"exit($bad ? 1 : 0);\n";

/* TAP::Parser, the reader behind prove, understands only a subset of YAML
 * and drops the rest of the stream at what it does not; it reads every
 * block this writer prints. */
static void
test_report_tap_prove(void)
{
	struct suite_result s[2];
	char *dir, *path, *script, *cmd, *out;
	unsigned n = ARRAY_SIZE(shapes) + 4;

	if (!runs("perl -MTAP::Parser -e1 >/dev/null 2>&1")) {
		printf("\n  (skipped: no perl with TAP::Parser) ");
		return;
	}
	suite_init(&s[0], "prove", NULL, 0);
	add(&s[0], "pass", TEST_PASS, 0);
	set_nasty(add(&s[0], "nasty", TEST_FAIL, 0));
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct test_result *t = add(&s[0], "shape", TEST_FAIL, 0);

		t->expected = xstrdup(shapes[i].value);
		t->logs = xstrdup(shapes[i].value);
	}
	add(&s[0], "skip", TEST_SKIP, 0)->skip = xstrdup("why # not");
	suite_init(&s[1], "down", NULL, 0);
	s[1].error = xstrdup("network did not start");
	s[1].logs = xstrdup("  starts with spaces\n\x1b[0m\n\n");
	out = tap_of(s, 2);
	dir = harness_tmpdir();
	path = harness_write(dir, "report.tap", out);
	script = harness_write(dir, "check.pl", prove_script);
	xasprintf(&cmd, "perl '%s' '%s' %u %u", script, path, n, n - 2);
	CU_ASSERT(runs(cmd));
	free(cmd);
	free(script);
	free(path);
	harness_rmtree(dir);
	free(dir);
	free(out);
	report_suite_release(&s[0]);
	report_suite_release(&s[1]);
}

/* Returns: the whole file at path (caller frees), or NULL. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *in = fopen(path, "rb"), *f;

	if (in == NULL)
		return NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, f);
	fclose(in);
	fclose(f);
	return buf;
}

/* Prints each <failure>'s message and text, decoded, as UTF-8. */
static const char xml_script[] =
	"import sys, xml.dom.minidom as m\n"
	"d = m.parse(sys.argv[1])\n"
	"out = []\n"
	"for f in d.getElementsByTagName('failure'):\n"
	"    text = ''.join(c.data for c in f.childNodes if c.nodeType == c.TEXT_NODE)\n"
	"    out.append(f.getAttribute('message') + '\\x1e' + text)\n"
	"open(sys.argv[2], 'w', encoding='utf-8', newline='').write('\\x1d'.join(out))\n";

/* The nasty failure, a pass, a skip and a suite that could not run, written
 * as JUnit XML: an XML parser reads it back, the counts add up, and the
 * failure's message and text come back as written, less what XML 1.0
 * cannot carry. */
static void
test_report_junit_nasty(void)
{
	struct suite_result s[2];
	struct test_result *t;
	char *dir = harness_tmpdir(), *path, *tmp, *xml, *script, *decoded, *cmd, *cause = NULL;

	xasprintf(&path, "%s/junit.xml", dir);
	xasprintf(&tmp, "%s/junit.xml.tmp", dir);
	suite_init(&s[0], "nasty <&> \"suite\"", "tests/it's.yaml", 1234.4);
	add(&s[0], "pass", TEST_PASS, 1500);
	set_nasty(add(&s[0], "fail ]]> \x01", TEST_FAIL, 999.6));
	t = add(&s[0], "skip", TEST_SKIP, 12.3456);
	t->skip = xstrdup("why \"not\"\n<now>");
	add(&s[0], "bare failure", TEST_FAIL, -1);
	suite_init(&s[1], "down", NULL, 0.5);
	s[1].error = xstrdup("network did not start\nport 8545 in use");
	s[1].logs = xstrdup("node1 | \x02" "bind failed\n");

	CU_ASSERT_EQUAL_FATAL(report_junit(path, s, 2, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT(access(tmp, F_OK) != 0);
	xml = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	CU_ASSERT(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	CU_ASSERT(strstr(xml, "<testsuites name=\"chainbox\" tests=\"5\" failures=\"3\" errors=\"0\" "
			      "skipped=\"1\" time=\"1.235\">") != NULL);
	CU_ASSERT(strstr(xml, "<testsuite name=\"nasty &lt;&amp;&gt; &quot;suite&quot;\" tests=\"4\" "
			      "failures=\"2\" errors=\"0\" skipped=\"1\" time=\"1.234\" "
			      "file=\"tests/it&apos;s.yaml\">") != NULL);
	CU_ASSERT(strstr(xml, "<testsuite name=\"down\" tests=\"1\" failures=\"1\" errors=\"0\" "
			      "skipped=\"0\" time=\"0.001\">") != NULL);
	CU_ASSERT(strstr(xml, "<testcase classname=\"nasty &lt;&amp;&gt; &quot;suite&quot;\" "
			      "name=\"pass\" time=\"1.500\"/>") != NULL);
	CU_ASSERT(strstr(xml, "name=\"fail ]]&gt; " FFFD "\" time=\"1.000\">") != NULL);
	CU_ASSERT(strstr(xml, "name=\"skip\" time=\"0.012\">\n      <skipped message=\"why "
			      "&quot;not&quot; &lt;now&gt;\"/>") != NULL);
	CU_ASSERT(strstr(xml, "name=\"bare failure\" time=\"0.000\">\n      <failure "
			      "message=\"failed\" type=\"failure\"></failure>") != NULL);
	CU_ASSERT(strstr(xml, "<testcase classname=\"down\" name=\"(suite)\" time=\"0.001\">\n"
			      "      <failure message=\"network did not start port 8545 in use\" "
			      "type=\"error\">") != NULL);
	CU_ASSERT(strstr(xml, "]]>") == NULL);

	script = harness_write(dir, "check.py", xml_script);
	xasprintf(&decoded, "%s/decoded", dir);
	if (runs("command -v python3 >/dev/null 2>&1")) {
		xasprintf(&cmd, "python3 '%s' '%s' '%s'", script, path, decoded);
		/* Not fatal: the temporary directory is still to be removed. */
		CU_ASSERT(runs(cmd));
		free(cmd);
		free(xml);
		xml = slurp(decoded);
		CU_ASSERT_PTR_NOT_NULL(xml);
		CU_ASSERT_STRING_EQUAL(xml != NULL ? xml : "",
			/* the nasty failure */
			"it's <&> and ]]> and " FFFD " and \"quoted\" and \\ backslash\x1e"
			"step: " NASTY_STEP "\n"
			"message: it's <&> and ]]> and " FFFD " and \"quoted\"\tand \\ backslash\n"
			"expected:\n" NASTY_EXPECTED
			"actual:\nmulti" FFFD "line\nwith 'control'\n"
			"tx: 0xabc" FFFD "\n"
			"reason: bad " FFFD "( 'x' \xe2\x80\xa8 nel\xc2\x85 bom\xef\xbb\xbf \x7f end\n"
			"logs:\nnode1 | started\r\nnode1 | " FFFD "[31merror" FFFD "[0m: <&> ]]>\n"
			"- item\n  ...\n...\n---\n# comment\nbad " FFFD FFFD "\n"
			"\x1d"
			/* the bare failure */
			"failed\x1e"
			"\x1d"
			/* the suite that could not run */
			"network did not start port 8545 in use\x1e"
			"error:\nnetwork did not start\nport 8545 in use\n"
			"logs:\nnode1 | " FFFD "bind failed\n");
	} else if (runs("command -v xmllint >/dev/null 2>&1")) {
		printf("\n  (no python3: checking with xmllint, without reading the text back) ");
		xasprintf(&cmd, "xmllint --noout '%s'", path);
		CU_ASSERT(runs(cmd));
		free(cmd);
	} else {
		printf("\n  (skipped the XML parser's check: neither python3 nor xmllint found) ");
	}
	free(decoded);
	free(script);
	free(xml);
	report_suite_release(&s[0]);
	report_suite_release(&s[1]);
	harness_rmtree(dir);
	free(dir);
	free(tmp);
	free(path);
}

/* No suites: an empty but valid report. */
static void
test_report_junit_empty(void)
{
	char *dir = harness_tmpdir(), *path, *xml, *cause = NULL;

	xasprintf(&path, "%s/empty.xml", dir);
	CU_ASSERT_EQUAL_FATAL(report_junit(path, NULL, 0, &cause), 0);
	xml = slurp(path);
	CU_ASSERT_STRING_EQUAL(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<testsuites name=\"chainbox\" tests=\"0\" failures=\"0\" "
				    "errors=\"0\" skipped=\"0\" time=\"0.000\">\n"
				    "</testsuites>\n");
	free(xml);
	harness_rmtree(dir);
	free(dir);
	free(path);
}

/* A file that cannot be written fails with a cause naming it, and an old
 * report stays as it was. */
static void
test_report_junit_errors(void)
{
	struct suite_result s;
	char *dir = harness_tmpdir(), *path, *cause = NULL, *xml;

	suite_init(&s, "s", NULL, 0);
	add(&s, "t", TEST_PASS, 0);
	xasprintf(&path, "%s/missing/junit.xml", dir);
	CU_ASSERT_EQUAL(report_junit(path, &s, 1, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT(strstr(cause, path) != NULL);
	CU_ASSERT(strstr(cause, "No such file or directory") != NULL);
	free(cause);
	cause = NULL;
	free(path);

	/* The temporary file's name is taken by a directory: the rename
	 * never happens, and the old report stays. */
	free(harness_write(dir, "junit.xml", "old"));
	xasprintf(&path, "%s/junit.xml.tmp", dir);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	free(path);
	xasprintf(&path, "%s/junit.xml", dir);
	CU_ASSERT_EQUAL(report_junit(path, &s, 1, &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, path) != NULL);
	xml = slurp(path);
	CU_ASSERT_STRING_EQUAL(xml, "old");
	free(xml);
	free(cause);
	free(path);
	report_suite_release(&s);
	harness_rmtree(dir);
	free(dir);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_report_add_grows),
		HARNESS_TEST(test_report_failures_counts),
		HARNESS_TEST(test_report_tap_exact),
		HARNESS_TEST(test_report_tap_numbering),
		HARNESS_TEST(test_report_tap_escapes_hash),
		HARNESS_TEST(test_report_tap_yaml_nasty),
		HARNESS_TEST(test_report_tap_yaml_shapes),
		HARNESS_TEST(test_report_tap_prove),
		HARNESS_TEST(test_report_junit_nasty),
		HARNESS_TEST(test_report_junit_empty),
		HARNESS_TEST(test_report_junit_errors),
		HARNESS_END,
	};

	return harness_run("report", tests);
}
