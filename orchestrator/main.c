/* chainbox: the command-line tool.  Subcommands are dispatched from one
 * table; each parses its own options and returns the exit status: 0 for
 * success, 1 for failure, 2 for wrong usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "log.h"
#include "netcmd.h"
#include "snapshot.h"
#include "spec.h"
#include "suggest.h"
#include "supervisor.h"
#include "templates.h"
#include "testrun.h"
#include "xalloc.h"

#define EXIT_USAGE 2
#define DEFAULT_TEMPLATE "bft4"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage; /* the full --help text after "usage: " */
};

static const struct command *command_find(const char *name);

/* Prints a command's help to out. */
static void
command_help(FILE *out, const struct command *cmd)
{
	fprintf(out, "usage: %s", cmd->usage);
}

/* Reports wrong usage of cmd.  Returns: EXIT_USAGE. */
static int PRINTFLIKE(2, 3)
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	msg_error("%s", msg);
	fprintf(stderr, "See 'chainbox %s --help'.\n", cmd);
	free(msg);
	return EXIT_USAGE;
}

/* Parses the options every command shares with its own.  Returns: the
 * option letter, -1 at the end, or '?' after printing the problem. */
static int
next_opt(int argc, char **argv, const char *shortopts,
	 const struct option *longopts, const char *cmd)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?') {
		if (optopt != 0)
			usage_error(cmd, "unknown option '-%c'", optopt);
		else
			usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	} else if (c == ':') {
		usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		c = '?';
	}
	return c;
}

/* Loads one spec and prints its diagnostics.  Returns: 0 or -EINVAL. */
static int
load_spec(struct spec *spec, const char *ref)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = spec_load(spec, &d, ref);
	diag_print(&d);
	diag_release(&d);
	return rc;
}

static int
cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool print = false, json = false, quiet = false;
	int c, status = 0;

	while ((c = next_opt(argc, argv, ":pjqh", longopts, "validate")) != -1) {
		switch (c) {
		case 'p': print = true; break;
		case 'j': json = print = true; break;
		case 'q': quiet = true; break;
		case 'h': command_help(stdout, command_find("validate")); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return usage_error("validate", "name at least one spec file or template");
	for (int i = optind; i < argc; i++) {
		struct spec spec;

		if (load_spec(&spec, argv[i]) != 0) {
			status = 1;
			continue;
		}
		if (json) {
			json_t *j = spec_to_json(&spec);

			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
		} else if (print) {
			if (i > optind)
				puts("---");
			spec_write_yaml(stdout, &spec);
		} else if (!quiet) {
			printf("%s: ok (%zu node%s, %s, chain id %llu)\n", argv[i],
			       spec.nnodes, spec.nnodes == 1 ? "" : "s",
			       spec.chain.consensus == SPEC_TBFT ? "tbft" : "solo",
			       (unsigned long long)spec.chain.id);
		}
		spec_release(&spec);
	}
	return status;
}

static int
cmd_templates(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	json_t *arr;
	char summary[160];
	int c;

	while ((c = next_opt(argc, argv, ":jh", longopts, "templates")) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': command_help(stdout, command_find("templates")); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("templates", "unexpected argument '%s'", argv[optind]);
	arr = json_array();
	for (size_t i = 0; i < templates_count; i++) {
		templates_summary(summary, sizeof(summary), &templates[i]);
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:b}",
				"name", templates[i].name, "summary", summary,
				"default", strcmp(templates[i].name, DEFAULT_TEMPLATE) == 0));
		else
			printf("%-8s %s%s\n", templates[i].name, summary,
			       strcmp(templates[i].name, DEFAULT_TEMPLATE) == 0
				       ? " (the default)" : "");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return 0;
}

/* Writes len bytes to path, which must not exist unless force is set.
 * Returns: 0 or -errno. */
static int
write_new_file(const char *path, const char *buf, size_t len, bool force)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
	int fd = TEMP_FAILURE_RETRY_INT(open(path, flags, 0644)), rc = 0;
	size_t done = 0;

	if (fd == -1)
		return -errno;
	while (done < len) {
		ssize_t n = TEMP_FAILURE_RETRY_INT(write(fd, buf + done, len - done));

		if (n == -1) {
			rc = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	return rc;
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tname = DEFAULT_TEMPLATE, *path = "chainbox.yaml";
	const struct template *t;
	bool force = false;
	int c, rc;

	while ((c = next_opt(argc, argv, ":t:fh", longopts, "init")) != -1) {
		switch (c) {
		case 't': tname = optarg; break;
		case 'f': force = true; break;
		case 'h': command_help(stdout, command_find("init")); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return usage_error("init", "name at most one file to write");
	if (optind < argc)
		path = argv[optind];
	if ((t = templates_find(tname)) == NULL) {
		msg_error("no template named '%s'; 'chainbox templates' lists them", tname);
		return 1;
	}
	if (strcmp(path, "-") == 0) {
		fwrite(t->text, 1, t->len, stdout);
		return 0;
	}
	rc = write_new_file(path, t->text, t->len, force);
	if (rc == -EEXIST) {
		msg_error("'%s' already exists (use --force to overwrite it)", path);
		return 1;
	}
	if (rc != 0) {
		msg_error("cannot write '%s': %s", path, strerror(-rc));
		return 1;
	}
	printf("wrote %s from the %s template; check it with 'chainbox validate %s'\n",
	       path, tname, path);
	return 0;
}

static int
cmd_up(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "from-snapshot", required_argument, NULL, 'S' },
		{ "any-port", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct up_options o = { .ref = DEFAULT_TEMPLATE };
	const char *from = NULL;
	char *spec = NULL, *state = NULL, *net = NULL, *cause = NULL;
	unsigned long secs;
	char *end;
	int c, status;

	while ((c = next_opt(argc, argv, ":dn:s:t:S:Ph", longopts, "up")) != -1) {
		switch (c) {
		case 'S': from = optarg; break;
		case 'P': o.any_port = true; break;
		case 'd': o.detach = true; break;
		case 'n': o.name = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 't':
			errno = 0;
			secs = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || secs == 0 || secs > 3600)
				return usage_error("up", "option '--timeout' expects seconds from "
						   "1 to 3600, got '%s'", optarg);
			o.timeout_ms = (unsigned)secs * 1000;
			break;
		case 'h': command_help(stdout, command_find("up")); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return usage_error("up", "name at most one spec");
	if (optind < argc)
		o.ref = argv[optind];
	if (from != NULL) {
		if (optind < argc)
			return usage_error("up", "--from-snapshot brings its own spec: name no SPEC");
		if (snapshot_import(from, o.name, o.state_dir, &spec, &state, &net, &cause) != 0) {
			msg_error("%s", cause);
			free(cause);
			return 1;
		}
		o.ref = spec;
		o.name = net;
		o.state_dir = state;
	}
	status = supervisor_up(&o);
	free(spec);
	free(state);
	free(net);
	return status;
}

static int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		command_help(stdout, command_find("version"));
		return 0;
	}
	if (argc > 1)
		return usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("chainbox %s\n", PACKAGE_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "up", cmd_up, "start a network from a spec or template",
	  "chainbox up [SPEC | --from-snapshot FILE] [-d] [--name NAME] [--state-dir DIR]\n"
	  "            [--timeout SECS]\n\n"
	  "Starts the network SPEC describes (a file, or a template name; bft4 when\n"
	  "omitted): each node a confined chainbox-node process, its output in\n"
	  "STATE/logs/NODE.log.  Shows progress, then the nodes' RPC URLs and the\n"
	  "accounts, and supervises the network until Ctrl-C or 'chainbox down'.\n\n"
	  "  -d, --detach         return once the network is ready, and supervise it\n"
	  "                       in the background\n"
	  "  -n, --name NAME      the network's name (default: the spec's name)\n"
	  "  -s, --state-dir DIR  where the network keeps its state\n"
	  "                       (default ./.chainbox/NAME)\n"
	  "  -t, --timeout SECS   how long the nodes have to answer (default 30)\n"
	  "  -P, --any-port       pick every RPC port free, 8545 included, as networks\n"
	  "                       started side by side need\n"
	  "  -S, --from-snapshot FILE\n"
	  "                       start a new network from a snapshot that 'chainbox\n"
	  "                       snapshot export' wrote, with its spec (every file's\n"
	  "                       checksum is checked first)\n" },
	{ "status", netcmd_status, "show a running network's nodes",
	  "chainbox status [--json] [--name NAME] [--state-dir DIR]\n" },
	{ "logs", netcmd_logs, "print or follow the nodes' logs",
	  "chainbox logs [NODE] [-f] [-n N] [--name NAME] [--state-dir DIR]\n" },
	{ "stop", netcmd_node, "stop one node", "chainbox stop NODE\n" },
	{ "start", netcmd_node, "start a stopped node", "chainbox start NODE\n" },
	{ "restart", netcmd_node, "stop and start one node", "chainbox restart NODE\n" },
	{ "kill", netcmd_node, "kill one node with SIGKILL", "chainbox kill NODE\n" },
	{ "pause", netcmd_node, "freeze one node", "chainbox pause NODE\n" },
	{ "resume", netcmd_node, "thaw a paused node", "chainbox resume NODE\n" },
	{ "down", netcmd_down, "stop a network", "chainbox down [--purge]\n" },
	{ "test", testrun_cmd, "run contract test suites on their own networks",
	  "chainbox test SUITE... [--junit FILE] [--keep] [--filter PATTERN] [-j N]\n"
	  "(see 'chainbox test --help')\n" },
	{ "snapshot", snapshot_cmd, "save, restore, list, rm or export network snapshots",
	  "chainbox snapshot save|restore|list|rm|export ... (see 'chainbox snapshot --help')\n" },
	{ "partition", netcmd_fault, "split a tbft network's nodes into groups",
	  "chainbox partition GROUP GROUP...\n" },
	{ "heal", netcmd_fault, "undo a partition", "chainbox heal\n" },
	{ "delay", netcmd_fault, "delay one node's P2P messages",
	  "chainbox delay NODE DURATION [JITTER]\n" },
	{ "loss", netcmd_fault, "drop a share of one node's P2P messages",
	  "chainbox loss NODE PERCENT\n" },
	{ "validate", cmd_validate, "check network specs for mistakes",
	  "chainbox validate [--print] [--json] [-q] SPEC...\n\n"
	  "Checks each SPEC (a file or a template name) and reports every problem as\n"
	  "FILE:LINE:COL.  Exits 1 when any spec has an error.\n\n"
	  "  -p, --print   print the effective spec, after extends and defaults\n"
	  "  -j, --json    print the effective spec as JSON\n"
	  "  -q, --quiet   print nothing for a valid spec\n" },
	{ "init", cmd_init, "write a starting spec",
	  "chainbox init [--template NAME] [--force] [FILE]\n\n"
	  "Writes the template NAME (default bft4) to FILE (default chainbox.yaml, or\n"
	  "standard output for '-').  An existing file is kept unless --force.\n\n"
	  "  -t, --template NAME  the template to start from ('chainbox templates')\n"
	  "  -f, --force          overwrite FILE\n" },
	{ "templates", cmd_templates, "list the built-in network templates",
	  "chainbox templates [--json]\n\n"
	  "Lists the templates compiled into chainbox, one line each.\n\n"
	  "  -j, --json    print them as JSON\n" },
	{ "version", cmd_version, "print chainbox's version", "chainbox version\n" },
	{ "help", cmd_help, "show help for chainbox or one command",
	  "chainbox help [COMMAND]\n" },
};

static const struct command *
command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static void
print_overview(FILE *out)
{
	fprintf(out, "usage: chainbox COMMAND [ARGS]\n\n"
		     "chainbox launches local, sandboxed EVM test networks from YAML specs.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'chainbox COMMAND --help' tells more; see also chainbox(1),\n"
		     "chainbox-spec(5) and chainbox-suite(5).\n");
}

static int
cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		print_overview(stdout);
		return 0;
	}
	if (argc > 2)
		return usage_error("help", "name at most one command");
	if ((cmd = command_find(argv[1])) == NULL) {
		msg_error("'%s' is not a chainbox command", argv[1]);
		return EXIT_USAGE;
	}
	command_help(stdout, cmd);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	const char *names[ARRAY_SIZE(commands)], *hint;

	log_init("chainbox");
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	if ((cmd = command_find(argv[1])) == NULL) {
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			names[i] = commands[i].name;
		hint = suggest_closest(argv[1], names, ARRAY_SIZE(commands));
		if (hint != NULL)
			msg_error("'%s' is not a chainbox command (did you mean '%s'?)",
				  argv[1], hint);
		else
			msg_error("'%s' is not a chainbox command; see 'chainbox help'",
				  argv[1]);
		return EXIT_USAGE;
	}
	optind = 1;
	return cmd->run(argc - 1, argv + 1);
}
