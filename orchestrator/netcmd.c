/* Commands on a running network (see netcmd.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "control.h"
#include "fsutil.h"
#include "log.h"
#include "netcmd.h"
#include "units.h"
#include "xalloc.h"

#define REQUEST_TIMEOUT_MS 30000
/* How long `down` waits for the supervisor to be gone. */
#define DOWN_TIMEOUT_MS 20000
#define LOGS_DEFAULT_LINES 20
#define LOGS_MAX_NODES 256

int
netcmd_state_dir(char **out, const char *name, const char *dir)
{
	struct dirent *e;
	char *found = NULL;
	size_t n = 0;
	DIR *d;

	*out = NULL;
	if (dir != NULL) {
		*out = xstrdup(dir);
		return 0;
	}
	if (name != NULL) {
		if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0) {
			msg_error("'%s' is not a network name", name);
			return -1;
		}
		xasprintf(out, "%s/%s", NETCMD_HOME, name);
		return 0;
	}
	d = opendir(NETCMD_HOME);
	if (d == NULL) {
		msg_error("no network here: ./%s does not exist; start one with 'chainbox up'",
			  NETCMD_HOME);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if (n++ == 0) {
			found = xstrdup(e->d_name);
		} else {
			char *more;

			xasprintf(&more, "%s, %s", found, e->d_name);
			free(found);
			found = more;
		}
	}
	closedir(d);
	if (n == 0) {
		msg_error("no network here: ./%s is empty; start one with 'chainbox up'",
			  NETCMD_HOME);
		return -1;
	}
	if (n > 1) {
		msg_error("there are %zu networks here (%s); say which with --name", n, found);
		free(found);
		return -1;
	}
	xasprintf(out, "%s/%s", NETCMD_HOME, found);
	free(found);
	return 0;
}

/* Returns: the network's name for messages: the last part of state_dir. */
static const char *
net_name(const char *state_dir)
{
	const char *slash = strrchr(state_dir, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : state_dir;
}

/* Sends req to the network's supervisor.  Returns: 0 with *reply set, or
 * -1 after saying why. */
static int
request(json_t **reply, const char *state_dir, json_t *req)
{
	char *cause = NULL;
	int rc = control_request(reply, &cause, state_dir, req, REQUEST_TIMEOUT_MS);

	json_decref(req);
	if (rc == -ENOENT) {
		msg_error("no network named %s is running (no supervisor answers in %s)",
			  net_name(state_dir), state_dir);
		return -1;
	}
	if (rc != 0) {
		msg_error("%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The options every network command takes: --name and --state-dir. */
struct net_opts {
	const char *name;
	const char *dir;
	bool json;
	bool follow;
	bool purge;
	long lines;
	const char *bundle; /* logs --bundle FILE */
};

/* Parses argv for cmd, which takes --name, --state-dir and the options
 * whose letters are in allowed (of j, f, n, p, and B for --bundle).
 * Returns: 0, -1 after --help, or NETCMD_EXIT_USAGE. */
static int
parse_net_opts(struct net_opts *o, int argc, char **argv, const char *cmd, const char *usage,
	       const char *allowed)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "purge", no_argument, NULL, 'p' },
		{ "bundle", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->lines = LOGS_DEFAULT_LINES;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:jfn:ph", longopts, NULL)) != -1) {
		const char *opt = argv[optind - 1];

		if (strchr("jfnpB", c) != NULL && strchr(allowed, c) == NULL)
			c = '?';
		switch (c) {
		case 'N': o->name = optarg; break;
		case 's': o->dir = optarg; break;
		case 'j': o->json = true; break;
		case 'f': o->follow = true; break;
		case 'p': o->purge = true; break;
		case 'B': o->bundle = optarg; break;
		case 'n':
			errno = 0;
			o->lines = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->lines < 0 || o->lines > 1000000) {
				msg_error("option '-n' expects a number of lines, got '%s'", optarg);
				return NETCMD_EXIT_USAGE;
			}
			break;
		case 'h':
			printf("usage: %s", usage);
			return -1;
		case ':':
			msg_error("option '%s' needs a value", opt);
			fprintf(stderr, "See 'chainbox %s --help'.\n", cmd);
			return NETCMD_EXIT_USAGE;
		default:
			msg_error("unknown option '%s'", opt);
			fprintf(stderr, "See 'chainbox %s --help'.\n", cmd);
			return NETCMD_EXIT_USAGE;
		}
	}
	return 0;
}

/* Prints a status reply as a table. */
static void
print_status(const json_t *reply)
{
	const json_t *net = json_object_get(reply, "network"), *nodes, *n;
	size_t i;

	printf("network %s in %s\n", json_string_value(json_object_get(net, "name")),
	       json_string_value(json_object_get(net, "state_dir")));
	printf("  supervisor pid %" JSON_INTEGER_FORMAT ", io path: %s\n",
	       json_integer_value(json_object_get(net, "supervisor_pid")),
	       json_string_value(json_object_get(net, "io")));
	printf("  sandbox: %s\n", json_string_value(json_object_get(net, "sandbox")));
	printf("\n%-16s %-10s %-8s %-9s %-8s %-6s %-6s %s\n", "NODE", "ROLE", "PID", "STATE",
	       "HEIGHT", "ROUND", "PEERS", "RPC");
	nodes = json_object_get(reply, "nodes");
	json_array_foreach(nodes, i, n) {
		const json_t *pid = json_object_get(n, "pid"), *h = json_object_get(n, "height");
		const json_t *round = json_object_get(n, "round"), *peers = json_object_get(n, "peers");
		const char *rpc = json_string_value(json_object_get(n, "rpc"));
		const char *why = json_string_value(json_object_get(n, "why"));
		char pidtxt[24] = "-", htxt[24] = "-", rtxt[24] = "-", ptxt[24] = "-";

		if (json_is_integer(pid))
			snprintf(pidtxt, sizeof pidtxt, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(pid));
		if (json_is_integer(h))
			snprintf(htxt, sizeof htxt, "%" JSON_INTEGER_FORMAT, json_integer_value(h));
		if (json_is_integer(round))
			snprintf(rtxt, sizeof rtxt, "%" JSON_INTEGER_FORMAT, json_integer_value(round));
		if (json_is_integer(peers))
			snprintf(ptxt, sizeof ptxt, "%" JSON_INTEGER_FORMAT, json_integer_value(peers));
		printf("%-16s %-10s %-8s %-9s %-8s %-6s %-6s %s\n",
		       json_string_value(json_object_get(n, "name")),
		       json_string_value(json_object_get(n, "role")), pidtxt,
		       json_string_value(json_object_get(n, "state")), htxt, rtxt, ptxt,
		       rpc != NULL ? rpc : "-");
		if (why != NULL)
			printf("  %s\n", why);
	}
}

static const char status_usage[] =
	"chainbox status [--json] [--name NAME] [--state-dir DIR]\n\n"
	"Shows each node's name, role, pid, state (running, stopped, paused, exited,\n"
	"with why), height and RPC URL, and the network's name, state directory, io\n"
	"path and sandbox.\n\n"
	"  -j, --json           print the supervisor's answer as JSON\n"
	"      --name NAME      the network (default: the only one in ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n";

int
netcmd_status(int argc, char **argv)
{
	struct net_opts o;
	json_t *reply;
	char *dir;
	int rc = parse_net_opts(&o, argc, argv, "status", status_usage, "j");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (optind < argc) {
		msg_error("unexpected argument '%s'", argv[optind]);
		return NETCMD_EXIT_USAGE;
	}
	if (netcmd_state_dir(&dir, o.name, o.dir) != 0)
		return 1;
	rc = request(&reply, dir, json_pack("{s:s}", "cmd", "status"));
	free(dir);
	if (rc != 0)
		return 1;
	json_object_del(reply, "ok");
	if (o.json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_status(reply);
	}
	json_decref(reply);
	return 0;
}

static const char node_usage[] =
	"chainbox stop|start|restart|kill|pause|resume NODE [--name NAME] [--state-dir DIR]\n\n"
	"Acts on one node of a running network: stop ends it (SIGTERM, then SIGKILL\n"
	"after a timeout), start starts it again, restart does both, kill sends\n"
	"SIGKILL at once, pause freezes it and resume thaws it.  A node stopped or\n"
	"killed this way is not restarted by its restart policy.\n\n"
	"      --name NAME      the network (default: the only one in ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n";

int
netcmd_node(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct net_opts o;
	json_t *reply;
	char *dir;
	int rc = parse_net_opts(&o, argc, argv, cmd, node_usage, "");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (argc - optind != 1) {
		msg_error("%s takes one node name", cmd);
		fprintf(stderr, "See 'chainbox %s --help'.\n", cmd);
		return NETCMD_EXIT_USAGE;
	}
	if (netcmd_state_dir(&dir, o.name, o.dir) != 0)
		return 1;
	rc = request(&reply, dir, json_pack("{s:s, s:s}", "cmd", cmd, "node", argv[optind]));
	free(dir);
	if (rc != 0)
		return 1;
	printf("%s\n", json_string_value(json_object_get(reply, "message")));
	json_decref(reply);
	return 0;
}

static const char fault_usage[] =
	"chainbox partition GROUP GROUP... | heal | delay NODE DURATION [JITTER] |\n"
	"         loss NODE PERCENT   [--name NAME] [--state-dir DIR]\n\n"
	"Faults between the nodes of a tbft network, applied in their P2P layers:\n"
	"  partition  each GROUP is comma-separated node names; nodes in different\n"
	"             groups cannot talk, and a node in no group talks to no one\n"
	"  heal       undoes partitions\n"
	"  delay      holds NODE's outgoing messages DURATION (200ms, 1s), give or\n"
	"             take JITTER; 0 ends it\n"
	"  loss       drops PERCENT of NODE's outgoing messages; 0 ends it\n\n"
	"      --name NAME      the network (default: the only one in ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n";

int
netcmd_fault(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct net_opts o;
	json_t *req, *reply;
	uint64_t ms = 0, jitter = 0, pct;
	char *dir;
	int nargs, rc = parse_net_opts(&o, argc, argv, cmd, fault_usage, "");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	nargs = argc - optind;
	if (strcmp(cmd, "partition") == 0) {
		json_t *groups = json_array();

		if (nargs < 2) {
			json_decref(groups);
			msg_error("partition takes at least two groups, like 'v1,v2 v3,v4'");
			return NETCMD_EXIT_USAGE;
		}
		for (int i = optind; i < argc; i++) {
			json_t *g = json_array();
			char *copy = xstrdup(argv[i]), *save = NULL;

			for (char *t = strtok_r(copy, ",", &save); t != NULL;
			     t = strtok_r(NULL, ",", &save))
				json_array_append_new(g, json_string(t));
			free(copy);
			json_array_append_new(groups, g);
		}
		req = json_pack("{s:s, s:o}", "cmd", cmd, "groups", groups);
	} else if (strcmp(cmd, "heal") == 0) {
		if (nargs != 0) {
			msg_error("heal takes no arguments");
			return NETCMD_EXIT_USAGE;
		}
		req = json_pack("{s:s}", "cmd", cmd);
	} else if (strcmp(cmd, "delay") == 0) {
		if (nargs < 2 || nargs > 3 || units_parse_duration(&ms, argv[optind + 1]) != 0 ||
		    (nargs == 3 && units_parse_duration(&jitter, argv[optind + 2]) != 0)) {
			msg_error("delay takes NODE DURATION [JITTER], durations like 200ms or 1s");
			return NETCMD_EXIT_USAGE;
		}
		req = json_pack("{s:s, s:s, s:I, s:I}", "cmd", cmd, "node", argv[optind], "ms",
				(json_int_t)ms, "jitter_ms", (json_int_t)jitter);
	} else {
		if (nargs != 2 || units_parse_u64(&pct, argv[optind + 1]) != 0 || pct > 100) {
			msg_error("loss takes NODE PERCENT, a whole number from 0 to 100");
			return NETCMD_EXIT_USAGE;
		}
		req = json_pack("{s:s, s:s, s:I}", "cmd", cmd, "node", argv[optind], "percent",
				(json_int_t)pct);
	}
	if (netcmd_state_dir(&dir, o.name, o.dir) != 0) {
		json_decref(req);
		return 1;
	}
	rc = request(&reply, dir, req);
	free(dir);
	if (rc != 0)
		return 1;
	printf("%s\n", json_string_value(json_object_get(reply, "message")));
	json_decref(reply);
	return 0;
}

static const char down_usage[] =
	"chainbox down [--purge] [--name NAME] [--state-dir DIR]\n\n"
	"Stops every node (SIGTERM, then SIGKILL after a timeout) and the\n"
	"supervisor.  The chain data stays for the next 'up' unless --purge.\n\n"
	"  -p, --purge          remove the network's state directory too\n"
	"      --name NAME      the network (default: the only one in ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n";

int
netcmd_down(int argc, char **argv)
{
	struct net_opts o;
	json_t *reply;
	char *dir, *lock;
	pid_t pid;
	int lock_fd, rc = parse_net_opts(&o, argc, argv, "down", down_usage, "p");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (optind < argc) {
		msg_error("unexpected argument '%s'", argv[optind]);
		return NETCMD_EXIT_USAGE;
	}
	if (netcmd_state_dir(&dir, o.name, o.dir) != 0)
		return 1;
	if (request(&reply, dir, json_pack("{s:s}", "cmd", "down")) != 0) {
		/* Nothing runs; --purge still clears what is left. */
		if (o.purge && access(dir, F_OK) == 0) {
			rc = fs_rmtree(dir);
			if (rc != 0)
				msg_error("cannot remove %s: %s", dir, strerror(-rc));
			else
				fprintf(stderr, "removed %s\n", dir);
		}
		free(dir);
		return o.purge && rc == 0 ? 0 : 1;
	}
	pid = (pid_t)json_integer_value(json_object_get(reply, "supervisor_pid"));
	json_decref(reply);
	/* down answers at once, then stops the nodes: wait until the
	 * supervisor lets go of its lock, which it holds until it exits (a
	 * pid would linger as a zombie until someone reaps it). */
	xasprintf(&lock, "%s/supervisor.lock", dir);
	lock_fd = open(lock, O_RDONLY | O_CLOEXEC);
	free(lock);
	for (int waited = 0; lock_fd >= 0 && flock(lock_fd, LOCK_SH | LOCK_NB) != 0;
	     waited += 2) {
		if (waited >= DOWN_TIMEOUT_MS) {
			msg_error("the supervisor (pid %d) is still running after %d s",
				  (int)pid, DOWN_TIMEOUT_MS / 1000);
			close(lock_fd);
			free(dir);
			return 1;
		}
		usleep(2000);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	if (o.purge && (rc = fs_rmtree(dir)) != 0) {
		msg_error("cannot remove %s: %s", dir, strerror(-rc));
		free(dir);
		return 1;
	}
	fprintf(stderr, "network %s is down%s\n", net_name(dir), o.purge ? " and purged" : "");
	free(dir);
	return 0;
}

/* One log being shown: its file, and how far it has been read. */
struct tail {
	char *name;
	char *path;
	FILE *f;
	ino_t ino;
	char *partial; /* a line not yet ended */
	size_t partial_len;
};

/* Prints the complete lines f has past its position, each after prefix. */
static void
print_new_lines(struct tail *t, const char *prefix)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, t->f)) > 0) {
		size_t start = 0;

		for (size_t i = 0; i < n; i++) {
			if (buf[i] != '\n')
				continue;
			printf("%s%.*s%.*s\n", prefix, (int)t->partial_len,
			       t->partial != NULL ? t->partial : "", (int)(i - start), buf + start);
			t->partial_len = 0;
			start = i + 1;
		}
		if (start < n) {
			t->partial = xreallocarray(t->partial, t->partial_len + n - start, 1);
			memcpy(t->partial + t->partial_len, buf + start, n - start);
			t->partial_len += n - start;
		}
	}
	clearerr(t->f);
	fflush(stdout);
}

/* Positions f at the start of its last n lines. */
static void
seek_last_lines(FILE *f, long n)
{
	char buf[4096];
	long pos, lines = 0;

	if (fseek(f, 0, SEEK_END) != 0)
		return;
	pos = ftell(f);
	/* A final newline ends the last line rather than starting another. */
	if (pos > 0 && fseek(f, pos - 1, SEEK_SET) == 0 && fgetc(f) == '\n')
		pos--;
	while (pos > 0) {
		long chunk = pos < (long)sizeof buf ? pos : (long)sizeof buf;

		pos -= chunk;
		if (fseek(f, pos, SEEK_SET) != 0 || fread(buf, 1, (size_t)chunk, f) != (size_t)chunk)
			break;
		for (long i = chunk - 1; i >= 0; i--) {
			if (buf[i] == '\n' && ++lines > n - 1 + (n == 0)) {
				fseek(f, pos + i + 1, SEEK_SET);
				return;
			}
		}
	}
	fseek(f, 0, SEEK_SET);
}

/* Reopens t's file when it was rotated (a new inode at its path). */
static void
reopen_if_rotated(struct tail *t, const char *prefix)
{
	struct stat st;
	FILE *f;

	if (stat(t->path, &st) != 0 || st.st_ino == t->ino)
		return;
	print_new_lines(t, prefix); /* the rest of the old file */
	if ((f = fopen(t->path, "r")) == NULL)
		return;
	fclose(t->f);
	t->f = f;
	t->ino = st.st_ino;
}

static int
tail_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tail *)a)->name, ((const struct tail *)b)->name);
}

/* Returns: where the network's logs are (caller frees): beside the first
 * node's log in network.json (the spec's logs.dir may move them), else
 * STATE/logs. */
static char *
log_dir(const char *state_dir)
{
	char *path, *out = NULL;
	json_t *j;
	const char *log;

	xasprintf(&path, "%s/network.json", state_dir);
	j = json_load_file(path, 0, NULL);
	free(path);
	log = json_string_value(json_object_get(json_array_get(json_object_get(j, "nodes"), 0),
						"log"));
	if (log != NULL && strrchr(log, '/') != NULL)
		out = xstrndup(log, (size_t)(strrchr(log, '/') - log));
	json_decref(j);
	if (out == NULL)
		xasprintf(&out, "%s/logs", state_dir);
	return out;
}

static const char logs_usage[] =
	"chainbox logs [NODE] [-f] [-n N] [--name NAME] [--state-dir DIR]\n"
	"       chainbox logs --bundle FILE [--name NAME] [--state-dir DIR]\n\n"
	"Prints the last N lines (default 20) of a node's log, or of every node's,\n"
	"each line prefixed with its node.  -f keeps following them as they grow.\n\n"
	"--bundle writes one archive for CI artifacts instead, running or not:\n"
	"every node's log (rotated ones too), network.json, spec.yaml,\n"
	"genesis.json, supervisor.log and the status (status.json from the\n"
	"supervisor, else status.txt saying none ran), under NET-logs/.  FILE is\n"
	"a gzip'd tar (FILE.tar.gz), or a plain one when it ends in .tar.\n\n"
	"  -f, --follow         keep printing new lines\n"
	"  -n, --lines N        how many lines to start with\n"
	"      --bundle FILE    write the bundle to FILE (through FILE.partial)\n"
	"      --name NAME      the network (default: the only one in ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n";

/* logs --bundle FILE: the bundle of the network in dir.  Returns: the
 * exit status. */
static int
logs_bundle(const char *dir, const char *file)
{
	struct bundle_stats st;
	char *logdir = log_dir(dir), *cause = NULL;
	int rc = bundle_write(&cause, &st, file, dir, logdir);

	if (rc != 0)
		msg_error("%s", cause);
	else
		printf("bundled the logs of %s in %s (%zu files, %.1f KiB before compression)\n",
		       dir, file, st.files, (double)st.bytes / 1024.0);
	free(cause);
	free(logdir);
	return rc != 0 ? 1 : 0;
}

int
netcmd_logs(int argc, char **argv)
{
	struct tail tails[LOGS_MAX_NODES];
	struct net_opts o;
	struct dirent *e;
	char *dir, *logdir;
	size_t n = 0;
	DIR *d;
	int rc = parse_net_opts(&o, argc, argv, "logs", logs_usage, "fnB");

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (argc - optind > 1) {
		msg_error("logs takes at most one node name");
		return NETCMD_EXIT_USAGE;
	}
	if (o.bundle != NULL && (optind < argc || o.follow)) {
		msg_error("logs --bundle takes every node's log, and neither a NODE nor -f");
		return NETCMD_EXIT_USAGE;
	}
	if (netcmd_state_dir(&dir, o.name, o.dir) != 0)
		return 1;
	if (o.bundle != NULL) {
		rc = logs_bundle(dir, o.bundle);
		free(dir);
		return rc;
	}
	logdir = log_dir(dir);
	d = opendir(logdir);
	if (d == NULL) {
		msg_error("network %s has no logs: cannot open %s: %s", net_name(dir), logdir,
			  strerror(errno));
		free(logdir);
		free(dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL && n < LOGS_MAX_NODES) {
		size_t len = strlen(e->d_name);
		struct stat st;
		struct tail *t = &tails[n];

		if (len <= 4 || strcmp(e->d_name + len - 4, ".log") != 0)
			continue;
		memset(t, 0, sizeof(*t));
		t->name = xstrndup(e->d_name, len - 4);
		if (optind < argc && strcmp(t->name, argv[optind]) != 0) {
			free(t->name);
			continue;
		}
		xasprintf(&t->path, "%s/%s", logdir, e->d_name);
		t->f = fopen(t->path, "r");
		if (t->f == NULL || fstat(fileno(t->f), &st) != 0) {
			msg_warn("cannot read %s: %s", t->path, strerror(errno));
			if (t->f != NULL)
				fclose(t->f);
			free(t->name);
			free(t->path);
			continue;
		}
		t->ino = st.st_ino;
		seek_last_lines(t->f, o.lines);
		n++;
	}
	closedir(d);
	qsort(tails, n, sizeof(*tails), tail_cmp);
	if (n == 0) {
		if (optind < argc)
			msg_error("network %s has no node named '%s' (no %s/%s.log)",
				  net_name(dir), argv[optind], logdir, argv[optind]);
		else
			msg_error("network %s has no node logs yet", net_name(dir));
		free(logdir);
		free(dir);
		return 1;
	}
	for (;;) {
		for (size_t i = 0; i < n; i++) {
			char prefix[128] = "";

			if (optind == argc)
				snprintf(prefix, sizeof prefix, "%s | ", tails[i].name);
			print_new_lines(&tails[i], prefix);
			if (o.follow)
				reopen_if_rotated(&tails[i], prefix);
		}
		if (!o.follow || ferror(stdout))
			break;
		poll(NULL, 0, 100);
	}
	for (size_t i = 0; i < n; i++) {
		fclose(tails[i].f);
		free(tails[i].name);
		free(tails[i].path);
		free(tails[i].partial);
	}
	free(logdir);
	free(dir);
	return 0;
}
