/* Network snapshots (see snapshot.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "control.h"
#include "copy.h"
#include "diag.h"
#include "fsutil.h"
#include "hex.h"
#include "log.h"
#include "netcmd.h"
#include "plan.h"
#include "rpcclient.h"
#include "snapshot.h"
#include "spec.h"
#include "tar.h"
#include "xalloc.h"

/* Pinning waits for nodes behind to reach the height: a block or so. */
#define PIN_TIMEOUT_MS 60000
/* Stopping waits for SIGTERM's timeout at worst; starting, for readiness. */
#define ALL_TIMEOUT_MS 60000
#define COMMIT_TIMEOUT_MS 30000
#define COMMIT_POLL_MS 5
#define RPC_TIMEOUT_MS 1000

static double
now_ms(void)
{
	return (double)mono_ns() / 1e6;
}

static void PRINTFLIKE(2, 3)
fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
}

/* Returns: whether name may name a snapshot: a file name of letters,
 * digits, '.', '_' and '-', not starting with '.'. */
static bool
valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SNAPSHOT_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       n;
}

static void
xxh3_hex(char out[17], uint64_t v)
{
	snprintf(out, 17, "%016" PRIx64, v);
}

static json_t *
file_json(const char *path, uint64_t size, uint64_t xxh3)
{
	char h[17];

	xxh3_hex(h, xxh3);
	return json_pack("{s:s, s:I, s:s}", "path", path, "size", (json_int_t)size, "xxh3", h);
}

/* --- progress ------------------------------------------------------------------------- */

struct progress {
	const char *what;
	bool shown;
};

static void
show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;

	if (total == 0)
		return;
	fprintf(stderr, "\r%s: %3u%% (%.1f of %.1f MiB)", p->what,
		(unsigned)(done * 100 / total), (double)done / 1048576.0, (double)total / 1048576.0);
	p->shown = true;
}

static void
end_progress(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

/* Copies files with the options' progress; sync makes them durable.
 * Returns: copy_files()'s. */
static int
copy_with_progress(struct copy_file *files, size_t n, const struct snapshot_options *o,
		   const char *what, bool sync, char **cause)
{
	struct progress p = { what, false };
	struct copy_options co = { .no_uring = o->no_uring, .no_fsync = !sync };
	int rc;

	if (o->progress) {
		co.progress = show_progress;
		co.arg = &p;
	}
	rc = copy_files(files, n, &co, cause);
	end_progress(&p);
	return rc;
}

/* --- manifests ---------------------------------------------------------------------- */

/* A manifest's file entry, checked.  Returns: 0, or -1 with *cause set. */
static int
manifest_file(const json_t *f, const char **path, uint64_t *size, uint64_t *xxh3,
	      const char *mpath, char **cause)
{
	const char *h = json_string_value(json_object_get(f, "xxh3"));
	const json_t *sz = json_object_get(f, "size");
	size_t hl = h != NULL ? strlen(h) : 0;

	*path = json_string_value(json_object_get(f, "path"));
	if (*path == NULL || !json_is_integer(sz) || json_integer_value(sz) < 0 || hl != 16 ||
	    strspn(h, "0123456789abcdef") != 16 || strstr(*path, "..") != NULL ||
	    (*path)[0] == '/') {
		fail(cause, "%s: a file entry needs a relative \"path\", \"size\" and a 16-digit "
		     "\"xxh3\"", mpath);
		return -1;
	}
	*size = (uint64_t)json_integer_value(sz);
	*xxh3 = strtoull(h, NULL, 16);
	return 0;
}

/* Reads and checks dir/manifest.json.  Returns: the manifest, or NULL with
 * *cause set. */
static json_t *
manifest_load(const char *dir, char **cause)
{
	char *path;
	json_error_t jerr;
	json_t *m, *node, *f;
	size_t i;
	const char *p;
	uint64_t size, x;

	xasprintf(&path, "%s/%s", dir, SNAPSHOT_MANIFEST);
	m = json_load_file(path, 0, &jerr);
	if (m == NULL) {
		if (access(path, F_OK) != 0)
			fail(cause, "%s: %s", path, strerror(errno));
		else
			fail(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		goto bad;
	}
	if (json_integer_value(json_object_get(m, "format")) != SNAPSHOT_FORMAT) {
		fail(cause, "%s: format %" JSON_INTEGER_FORMAT " is not one this chainbox reads (%d)",
		     path, json_integer_value(json_object_get(m, "format")), SNAPSHOT_FORMAT);
		goto bad;
	}
	if (!json_is_string(json_object_get(m, "network")) ||
	    !json_is_string(json_object_get(m, "spec_hash")) ||
	    !json_is_integer(json_object_get(m, "height")) ||
	    !json_is_array(json_object_get(m, "files")) ||
	    !json_is_array(json_object_get(m, "nodes")) ||
	    json_array_size(json_object_get(m, "nodes")) == 0) {
		fail(cause, "%s: expected \"network\", \"spec_hash\", \"height\", \"files\" and "
		     "\"nodes\"", path);
		goto bad;
	}
	/* The network's files, then one chain per node: nothing else. */
	if (json_array_size(json_object_get(m, "files")) != 2) {
		fail(cause, "%s: \"files\" must list %s and genesis.json", path, PLAN_SPEC_FILE);
		goto bad;
	}
	json_array_foreach(json_object_get(m, "files"), i, f) {
		if (manifest_file(f, &p, &size, &x, path, cause) != 0)
			goto bad;
		if (strcmp(p, i == 0 ? PLAN_SPEC_FILE : "genesis.json") != 0) {
			fail(cause, "%s: files[%zu] is %s, expected %s", path, i, p,
			     i == 0 ? PLAN_SPEC_FILE : "genesis.json");
			goto bad;
		}
	}
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		const char *name = json_string_value(json_object_get(node, "name"));
		const json_t *files = json_object_get(node, "files");
		bool differs;
		char *want;

		if (name == NULL || !valid_name(name) || !json_is_array(files) ||
		    json_array_size(files) != 1 || !json_is_integer(json_object_get(node, "height")) ||
		    !json_is_string(json_object_get(node, "hash"))) {
			fail(cause, "%s: nodes[%zu] needs a \"name\", \"height\", \"hash\" and one "
			     "file", path, i);
			goto bad;
		}
		if (manifest_file(json_array_get(files, 0), &p, &size, &x, path, cause) != 0)
			goto bad;
		xasprintf(&want, "nodes/%s/chain.mdb", name);
		differs = strcmp(p, want) != 0;
		free(want);
		if (differs) {
			fail(cause, "%s: node %s's file is %s, expected nodes/%s/chain.mdb", path, name,
			     p, name);
			goto bad;
		}
	}
	free(path);
	return m;
bad:
	json_decref(m);
	free(path);
	return NULL;
}

/* --- save ------------------------------------------------------------------------------ */

static uint8_t *
hex_field(const json_t *o, const char *key, size_t want)
{
	const char *s = json_string_value(json_object_get(o, key));
	uint8_t *out;

	if (s == NULL || strncmp(s, "0x", 2) != 0 || strlen(s + 2) != 2 * want)
		return NULL;
	out = xmalloc(want);
	if (hex_decode(out, &want, s + 2, 2 * want) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int
snapshot_save(const char *state_dir, const char *name, const struct snapshot_options *o,
	      struct snapshot_stats *st, char **cause)
{
	char *snaps = NULL, *final = NULL, *tmp = NULL, *mpath = NULL, *text = NULL;
	char **paths = NULL, created[32];
	json_t *pin = NULL, *done = NULL, *req, *m = NULL, *nodes, *node, *files;
	struct copy_file *cf = NULL;
	uint8_t **heads = NULL;
	size_t nn = 0, nf = 0, i;
	double t0 = now_ms(), t;
	time_t wall = time(NULL);
	struct stat sb;
	int fd = -1, rc = -1;

	memset(st, 0, sizeof(*st));
	if (!valid_name(name)) {
		fail(cause, "'%s' is not a snapshot name: use letters, digits, '.', '_' and '-' "
		     "(at most %d, not starting with '.' or '-')", name, SNAPSHOT_NAME_MAX);
		return -1;
	}
	xasprintf(&snaps, "%s/%s", state_dir, SNAPSHOT_DIR);
	xasprintf(&final, "%s/%s", snaps, name);
	xasprintf(&tmp, "%s/.%s.partial", snaps, name);
	if (lstat(final, &sb) == 0) {
		fail(cause, "snapshot '%s' already exists; remove it first with 'chainbox snapshot "
		     "rm %s'", name, name);
		goto out;
	}
	fd = control_connect(cause, state_dir);
	if (fd == -ENOENT) {
		fail(cause, "no network is running in %s: a snapshot is taken of a running "
		     "network ('chainbox up')", state_dir);
		goto out;
	}
	if (fd < 0)
		goto out;
	req = json_pack("{s:s}", "cmd", "snapshot_pin");
	rc = control_call(fd, &pin, cause, req, PIN_TIMEOUT_MS);
	json_decref(req);
	if (rc != 0)
		goto fail;
	rc = -1;
	st->pin_ms = now_ms() - t0;
	st->height = (uint64_t)json_integer_value(json_object_get(pin, "height"));
	nodes = json_object_get(pin, "nodes");
	nn = json_array_size(nodes);
	st->nodes = nn;

	/* A partial snapshot left by a crash is only in the way. */
	if (fs_rmtree(tmp) != 0 || fs_mkdirs(tmp) != 0) {
		fail(cause, "cannot make %s: %s", tmp, strerror(errno));
		goto fail;
	}
	cf = xcalloc(nn + 2, sizeof(*cf));
	paths = xcalloc(2 * (nn + 2), sizeof(*paths));
	heads = xcalloc(nn + 1, sizeof(*heads));
	xasprintf(&paths[0], "%s/%s", state_dir, PLAN_SPEC_FILE);
	xasprintf(&paths[1], "%s/%s", tmp, PLAN_SPEC_FILE);
	xasprintf(&paths[2], "%s", json_string_value(json_object_get(pin, "genesis")));
	xasprintf(&paths[3], "%s/genesis.json", tmp);
	cf[nf++] = (struct copy_file){ .src = paths[0], .dst = paths[1], .len = COPY_WHOLE };
	cf[nf++] = (struct copy_file){ .src = paths[2], .dst = paths[3], .len = COPY_WHOLE };
	json_array_foreach(nodes, i, node) {
		const char *nname = json_string_value(json_object_get(node, "name"));
		uint64_t psize = (uint64_t)json_integer_value(json_object_get(node, "page_size"));
		uint8_t *m0 = hex_field(node, "meta0", psize), *m1 = hex_field(node, "meta1", psize);
		char *dir;

		if (nname == NULL || m0 == NULL || m1 == NULL || psize == 0) {
			free(m0);
			free(m1);
			fail(cause, "the supervisor's answer for node %zu lacks its pin", i);
			goto fail;
		}
		/* The copy's meta pages are the pinned ones. */
		heads[i] = xmalloc(2 * psize);
		memcpy(heads[i], m0, psize);
		memcpy(heads[i] + psize, m1, psize);
		free(m0);
		free(m1);
		xasprintf(&dir, "%s/nodes/%s", tmp, nname);
		if (fs_mkdirs(dir) != 0) {
			fail(cause, "cannot make %s: %s", dir, strerror(errno));
			free(dir);
			goto fail;
		}
		xasprintf(&paths[2 * nf], "%s", json_string_value(json_object_get(node, "file")));
		xasprintf(&paths[2 * nf + 1], "%s/chain.mdb", dir);
		free(dir);
		cf[nf] = (struct copy_file){
			.src = paths[2 * nf], .dst = paths[2 * nf + 1],
			.len = (uint64_t)json_integer_value(json_object_get(node, "size")),
			.head = heads[i], .head_len = (size_t)(2 * psize),
		};
		nf++;
	}
	t = now_ms();
	if (copy_with_progress(cf, nf, o, "saving", true, cause) != 0)
		goto fail;
	st->copy_ms = now_ms() - t;
	/* The copy is whole only if every pin held throughout. */
	req = json_pack("{s:s}", "cmd", "snapshot_done");
	rc = control_call(fd, &done, cause, req, PIN_TIMEOUT_MS);
	json_decref(req);
	close(fd);
	fd = -1;
	if (rc != 0)
		goto fail;
	rc = -1;

	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));
	files = json_array();
	json_array_append_new(files, file_json(PLAN_SPEC_FILE, cf[0].size, cf[0].xxh3));
	json_array_append_new(files, file_json("genesis.json", cf[1].size, cf[1].xxh3));
	m = json_pack("{s:i, s:s, s:O, s:O, s:O, s:O, s:O, s:s, s:o, s:[]}", "format",
		      SNAPSHOT_FORMAT, "name", name, "network", json_object_get(pin, "network"),
		      "consensus", json_object_get(pin, "consensus"), "chain_id",
		      json_object_get(pin, "chain_id"), "spec_hash",
		      json_object_get(pin, "spec_hash"), "height", json_object_get(pin, "height"),
		      "created", created, "files", files, "nodes");
	st->how = cf[0].how;
	json_array_foreach(nodes, i, node) {
		char *rel;
		const struct copy_file *c = &cf[2 + i];

		xasprintf(&rel, "nodes/%s/chain.mdb", json_string_value(json_object_get(node, "name")));
		json_array_append_new(json_object_get(m, "nodes"),
				      json_pack("{s:O, s:O, s:O, s:O, s:O, s:[o]}", "name",
						json_object_get(node, "name"), "validator",
						json_object_get(node, "validator"), "height",
						json_object_get(node, "height"), "hash",
						json_object_get(node, "hash"), "state_root",
						json_object_get(node, "state_root"), "files",
						file_json(rel, c->size, c->xxh3)));
		free(rel);
		st->how = c->how;
	}
	for (i = 0; i < nf; i++)
		st->bytes += cf[i].size;
	text = json_dumps(m, JSON_INDENT(2));
	xasprintf(&mpath, "%s/%s", tmp, SNAPSHOT_MANIFEST);
	if (fs_write_file(cause, mpath, text, strlen(text), 0644, true) != 0)
		goto fail;
	if (rename(tmp, final) != 0) {
		fail(cause, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
		goto fail;
	}
	if ((rc = fs_sync_dir(snaps)) != 0)
		msg_warn("cannot flush %s to disk: %s", snaps, strerror(-rc));
	st->total_ms = now_ms() - t0;
	rc = 0;
	goto out;
fail:
	/* Nothing half-made stays behind; closing the connection releases
	 * the pins, and the network runs on. */
	if (fs_rmtree(tmp) != 0)
		msg_warn("cannot remove the partial snapshot %s", tmp);
out:
	if (fd >= 0)
		close(fd);
	for (i = 0; paths != NULL && i < 2 * (nn + 2); i++)
		free(paths[i]);
	for (i = 0; heads != NULL && i < nn; i++)
		free(heads[i]);
	free(paths);
	free(heads);
	free(cf);
	json_decref(pin);
	json_decref(done);
	json_decref(m);
	free(text);
	free(mpath);
	free(snaps);
	free(final);
	free(tmp);
	return rc;
}

/* --- restore --------------------------------------------------------------------------- */

/* Reads the spec hash from a network's genesis.json.  Returns: it (caller
 * frees), or NULL. */
static char *
network_spec_hash(const char *state_dir)
{
	char *path;
	json_t *g;
	const char *h;
	char *out = NULL;

	xasprintf(&path, "%s/genesis.json", state_dir);
	g = json_load_file(path, 0, NULL);
	h = json_string_value(json_object_get(
		json_object_get(json_object_get(g, "config"), "chainbox"), "specHash"));
	if (h != NULL)
		out = xstrdup(h);
	json_decref(g);
	free(path);
	return out;
}

/* Says why the snapshot in snap cannot go into the network of state_dir,
 * whose spec differs: chain id, nodes, validators, or something else. */
static void
explain_mismatch(char **cause, const char *name, const char *snap, const char *state_dir)
{
	struct spec a, b;
	struct diag d;
	char *pa, *pb;
	bool la, lb;

	xasprintf(&pa, "%s/%s", snap, PLAN_SPEC_FILE);
	xasprintf(&pb, "%s/%s", state_dir, PLAN_SPEC_FILE);
	diag_init(&d);
	la = spec_load(&a, &d, pa) == 0;
	lb = spec_load(&b, &d, pb) == 0;
	diag_release(&d);
	if (!la || !lb) {
		fail(cause, "snapshot '%s' was made from another spec than this network's", name);
	} else if (a.chain.id != b.chain.id) {
		fail(cause, "snapshot '%s' is of chain id %" PRIu64 ", this network's is %" PRIu64,
		     name, a.chain.id, b.chain.id);
	} else if (a.chain.consensus != b.chain.consensus) {
		fail(cause, "snapshot '%s' is of a %s network, this one is %s", name,
		     a.chain.consensus == SPEC_TBFT ? "tbft" : "solo",
		     b.chain.consensus == SPEC_TBFT ? "tbft" : "solo");
	} else {
		char *all[2], *vals[2];
		const struct spec *sp[2] = { &a, &b };

		/* The nodes and validators each spec makes. */
		for (int k = 0; k < 2; k++) {
			all[k] = xstrdup("");
			vals[k] = xstrdup("");
			for (size_t i = 0; i < sp[k]->nnodes; i++) {
				const struct spec_node *n = &sp[k]->nodes[i];
				bool v = sp[k]->groups[n->group].role == SPEC_VALIDATOR;
				char *more;

				xasprintf(&more, "%s%s%s", all[k], i ? ", " : "", n->name);
				free(all[k]);
				all[k] = more;
				if (v) {
					xasprintf(&more, "%s%s%s", vals[k], vals[k][0] ? ", " : "",
						  n->name);
					free(vals[k]);
					vals[k] = more;
				}
			}
		}
		if (strcmp(vals[0], vals[1]) != 0)
			fail(cause, "snapshot '%s' has the validators %s; this network has %s", name,
			     vals[0], vals[1]);
		else if (strcmp(all[0], all[1]) != 0)
			fail(cause, "snapshot '%s' has the nodes %s; this network has %s", name,
			     all[0], all[1]);
		else
			fail(cause, "snapshot '%s' was made from another spec than this network's "
			     "(compare %s with %s)", name, pa, pb);
		for (int k = 0; k < 2; k++) {
			free(all[k]);
			free(vals[k]);
		}
	}
	if (la)
		spec_release(&a);
	if (lb)
		spec_release(&b);
	free(pa);
	free(pb);
}

/* The files a restore copies: from the snapshot to a ".restore" name
 * beside their place, then renamed over it. */
struct restore_plan {
	const char *snap, *state_dir;
	struct copy_file *cf;
	uint64_t *want_size, *want_xxh3;
	char **names; /* snapshot-relative, for messages */
	char **final; /* where each goes */
	size_t n, cap;
};

static void
restore_add(struct restore_plan *r, const char *rel, const char *final, uint64_t size,
	    uint64_t xxh3)
{
	char *src, *dst;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->cf = xreallocarray(r->cf, r->cap, sizeof(*r->cf));
		r->want_size = xreallocarray(r->want_size, r->cap, sizeof(*r->want_size));
		r->want_xxh3 = xreallocarray(r->want_xxh3, r->cap, sizeof(*r->want_xxh3));
		r->names = xreallocarray(r->names, r->cap, sizeof(*r->names));
		r->final = xreallocarray(r->final, r->cap, sizeof(*r->final));
	}
	xasprintf(&src, "%s/%s", r->snap, rel);
	xasprintf(&dst, "%s.restore", final);
	unlink(dst); /* left by a restore that failed */
	r->cf[r->n] = (struct copy_file){ .src = src, .dst = dst, .len = COPY_WHOLE };
	r->want_size[r->n] = size;
	r->want_xxh3[r->n] = xxh3;
	r->names[r->n] = xstrdup(rel);
	r->final[r->n] = xstrdup(final);
	r->n++;
}

static void
restore_plan_release(struct restore_plan *r, bool remove)
{
	for (size_t i = 0; i < r->n; i++) {
		if (remove)
			unlink(r->cf[i].dst);
		free((char *)r->cf[i].src);
		free((char *)r->cf[i].dst);
		free(r->names[i]);
		free(r->final[i]);
	}
	free(r->cf);
	free(r->want_size);
	free(r->want_xxh3);
	free(r->names);
	free(r->final);
}

/* Sends a command to the supervisor.  Returns: 0 with *reply set, or -1
 * with *cause set. */
static int
sup_call(json_t **reply, char **cause, const char *state_dir, const char *cmd, int timeout_ms)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	int rc = control_request(reply, cause, state_dir, req, timeout_ms);

	json_decref(req);
	if (rc == -ENOENT)
		fail(cause, "the network's supervisor in %s went away", state_dir);
	return rc == 0 ? 0 : -1;
}

/* Waits until every RPC node of the started network holds the snapshot's
 * block at its height, then (when blocks come without transactions) until
 * one has a block past it.  Returns: 0, or -1 with *cause set. */
static int
wait_restored(const json_t *net, const json_t *m, bool blocks_come, struct snapshot_stats *st,
	      double t_start, char **cause)
{
	struct rpcclient *rpc = rpcclient_new();
	const json_t *node, *mn;
	double deadline = now_ms() + COMMIT_TIMEOUT_MS;
	size_t i, k;
	int rc = -1;

	if (rpc == NULL) {
		fail(cause, "libcurl cannot make a handle");
		return -1;
	}
	json_array_foreach(json_object_get(net, "nodes"), i, node) {
		const char *url = json_string_value(json_object_get(node, "rpc"));
		const char *name = json_string_value(json_object_get(node, "name"));
		const char *want = NULL;
		uint64_t height = 0;
		json_t *blk = NULL, *params;
		int crc;
		char hx[24];

		json_array_foreach(json_object_get(m, "nodes"), k, mn) {
			if (strcmp(json_string_value(json_object_get(mn, "name")), name) == 0) {
				want = json_string_value(json_object_get(mn, "hash"));
				height = (uint64_t)json_integer_value(json_object_get(mn, "height"));
			}
		}
		if (url == NULL || want == NULL)
			continue;
		snprintf(hx, sizeof hx, "0x%" PRIx64, height);
		params = json_pack("[s, b]", hx, 0);
		crc = rpcclient_call(rpc, &blk, cause, url, "eth_getBlockByNumber", params,
				     RPC_TIMEOUT_MS);
		json_decref(params);
		if (crc != 0)
			goto out;
		if (strcmp(json_string_value(json_object_get(blk, "hash")) ?: "", want) != 0) {
			fail(cause, "node %s holds block %s at height %" PRIu64 " after the restore, "
			     "not the snapshot's %s", name,
			     json_string_value(json_object_get(blk, "hash")) ?: "(none)", height, want);
			json_decref(blk);
			goto out;
		}
		json_decref(blk);
	}
	/* Committing again: a block past the height on the first RPC node. */
	json_array_foreach(json_object_get(net, "nodes"), i, node) {
		const char *url = json_string_value(json_object_get(node, "rpc"));
		uint64_t h = 0;

		if (url == NULL || !blocks_come)
			continue;
		for (;;) {
			char *why = NULL;

			if (rpcclient_block_number(rpc, &h, &why, url, RPC_TIMEOUT_MS) == 0 &&
			    h > st->height)
				break;
			free(why);
			if (now_ms() > deadline) {
				fail(cause, "the network did not commit a block past %" PRIu64
				     " within %d s of the restore", st->height,
				     COMMIT_TIMEOUT_MS / 1000);
				goto out;
			}
			usleep(COMMIT_POLL_MS * 1000);
		}
		st->commit_ms = now_ms() - t_start;
		break;
	}
	rc = 0;
out:
	rpcclient_free(rpc);
	return rc;
}

int
snapshot_restore(const char *state_dir, const char *name, const struct snapshot_options *o,
		 struct snapshot_stats *st, char **cause)
{
	struct restore_plan r = { .state_dir = state_dir };
	char *snap = NULL, *have = NULL, *spec_path = NULL;
	json_t *m = NULL, *net = NULL, *stopped = NULL, *node;
	uint64_t size, x;
	double t0 = now_ms(), t;
	bool running, blocks_come = false, swapped = false;
	struct spec spec;
	struct diag d;
	size_t i;
	int fd, rc = -1;

	memset(st, 0, sizeof(*st));
	if (!valid_name(name)) {
		fail(cause, "'%s' is not a snapshot name", name);
		return -1;
	}
	xasprintf(&snap, "%s/%s/%s", state_dir, SNAPSHOT_DIR, name);
	if (access(snap, F_OK) != 0) {
		fail(cause, "network %s has no snapshot '%s' ('chainbox snapshot list' shows what "
		     "it has)", state_dir, name);
		goto out;
	}
	if ((m = manifest_load(snap, cause)) == NULL)
		goto out;
	r.snap = snap;
	st->height = (uint64_t)json_integer_value(json_object_get(m, "height"));
	st->nodes = json_array_size(json_object_get(m, "nodes"));
	have = network_spec_hash(state_dir);
	if (have == NULL) {
		fail(cause, "%s/genesis.json is missing or not chainbox's: is %s a network?",
		     state_dir, state_dir);
		goto out;
	}
	if (strcmp(have, json_string_value(json_object_get(m, "spec_hash"))) != 0) {
		explain_mismatch(cause, name, snap, state_dir);
		goto out;
	}
	/* spec.yaml is checked like every file, though only read here. */
	xasprintf(&spec_path, "%s/%s", snap, PLAN_SPEC_FILE);
	json_array_foreach(json_object_get(m, "files"), i, node) {
		const char *path;
		uint64_t got_size, got;

		(void)manifest_file(node, &path, &size, &x, "", cause);
		if (strcmp(path, PLAN_SPEC_FILE) != 0)
			continue;
		if (copy_checksum(spec_path, &got_size, &got,
				  &(struct copy_options){ .no_uring = o->no_uring }, cause) != 0)
			goto out;
		if (got_size != size || got != x) {
			fail(cause, "snapshot '%s' is corrupt: %s does not match its checksum",
			     name, spec_path);
			goto out;
		}
	}
	diag_init(&d);
	if (spec_load(&spec, &d, spec_path) != 0) {
		diag_release(&d);
		fail(cause, "snapshot '%s': %s does not read as a spec", name, spec_path);
		goto out;
	}
	diag_release(&d);
	blocks_come = !o->no_commit_wait && (spec.chain.consensus == SPEC_TBFT
						     ? spec.chain.empty_blocks
						     : spec.chain.block_time_ms > 0);
	spec_release(&spec);
	/* The genesis goes to the network and to every node (its time makes
	 * the genesis hash the chains were built on); then the chains. */
	json_array_foreach(json_object_get(m, "files"), i, node) {
		const char *path;
		const json_t *n;
		char *final;
		size_t k;

		(void)manifest_file(node, &path, &size, &x, "", cause);
		if (strcmp(path, "genesis.json") != 0)
			continue;
		xasprintf(&final, "%s/genesis.json", state_dir);
		restore_add(&r, path, final, size, x);
		free(final);
		json_array_foreach(json_object_get(m, "nodes"), k, n) {
			xasprintf(&final, "%s/nodes/%s/genesis.json", state_dir,
				  json_string_value(json_object_get(n, "name")));
			restore_add(&r, path, final, size, x);
			free(final);
		}
	}
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		const char *path;
		char *final;

		(void)manifest_file(json_array_get(json_object_get(node, "files"), 0), &path, &size,
				    &x, "", cause);
		xasprintf(&final, "%s/nodes/%s/data/chain.mdb", state_dir,
			  json_string_value(json_object_get(node, "name")));
		restore_add(&r, path, final, size, x);
		free(final);
	}
	for (i = 0; i < r.n; i++) {
		char *dir = xstrdup(r.final[i]), *slash = strrchr(dir, '/');

		*slash = '\0';
		if (access(dir, F_OK) != 0) {
			fail(cause, "network %s has no %s, which snapshot '%s' restores", state_dir,
			     dir, name);
			free(dir);
			goto out;
		}
		free(dir);
	}

	/* Copy and check while the network still runs. */
	t = now_ms();
	/* A restored chain is a working copy, as the nodes' own files are:
	 * the snapshot stays durable, and syncing the copy would only add to
	 * the nodes' downtime-free wait. */
	if (copy_with_progress(r.cf, r.n, o, "restoring", false, cause) != 0)
		goto out;
	st->copy_ms = now_ms() - t;
	for (i = 0; i < r.n; i++) {
		if (r.cf[i].size != r.want_size[i]) {
			fail(cause, "snapshot '%s' is corrupt: %s/%s is %" PRIu64 " bytes, the manifest "
			     "says %" PRIu64, name, snap, r.names[i], r.cf[i].size, r.want_size[i]);
			goto out;
		}
		if (r.cf[i].xxh3 != r.want_xxh3[i]) {
			char got[17], want[17];

			xxh3_hex(got, r.cf[i].xxh3);
			xxh3_hex(want, r.want_xxh3[i]);
			fail(cause, "snapshot '%s' is corrupt: %s/%s does not match its checksum (xxh3 "
			     "%s, the manifest says %s)", name, snap, r.names[i], got, want);
			goto out;
		}
		st->bytes += r.cf[i].size;
		st->how = r.cf[i].how;
	}

	fd = control_connect(cause, state_dir);
	running = fd >= 0;
	if (fd >= 0)
		close(fd);
	else if (fd != -ENOENT)
		goto out;
	free(*cause);
	*cause = NULL;
	st->offline = !running;
	t = now_ms();
	if (running && sup_call(&stopped, cause, state_dir, "stop_all", ALL_TIMEOUT_MS) != 0)
		goto out;
	st->stop_ms = now_ms() - t;
	t = now_ms();
	/* The old files are moved aside, and deleted once the nodes run:
	 * freeing a big file's blocks takes a while, and the nodes are down. */
	for (i = 0; i < r.n; i++) {
		char *old;

		xasprintf(&old, "%s.old", r.final[i]);
		if ((rename(r.final[i], old) != 0 && errno != ENOENT) ||
		    rename(r.cf[i].dst, r.final[i]) != 0) {
			fail(cause, "cannot move %s into place: %s", r.cf[i].dst, strerror(errno));
			free(old);
			goto out;
		}
		free(old);
		swapped = true;
	}
	/* What the nodes kept beside their chains belongs to the old one:
	 * LMDB's lock file, and tbft's restart record of later heights. */
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		static const char *const stale[] = { "chain.mdb-lock", "tbft.state" };
		char *path;

		for (size_t k = 0; k < ARRAY_SIZE(stale); k++) {
			xasprintf(&path, "%s/nodes/%s/data/%s", state_dir,
				  json_string_value(json_object_get(node, "name")), stale[k]);
			if (unlink(path) != 0 && errno != ENOENT) {
				fail(cause, "cannot remove %s: %s", path, strerror(errno));
				free(path);
				goto out;
			}
			free(path);
		}
	}
	st->swap_ms = now_ms() - t;
	if (running) {
		t = now_ms();
		if (sup_call(&net, cause, state_dir, "start_all", ALL_TIMEOUT_MS) != 0)
			goto out;
		st->start_ms = now_ms() - t;
		if (wait_restored(net, m, blocks_come, st, t, cause) != 0)
			goto out;
	}
	st->total_ms = now_ms() - t0;
	rc = 0;
	for (i = 0; i < r.n; i++) {
		char *old;

		xasprintf(&old, "%s.old", r.final[i]);
		if (unlink(old) != 0 && errno != ENOENT)
			msg_warn("cannot remove %s: %s", old, strerror(errno));
		free(old);
	}
out:
	if (rc != 0 && swapped)
		msg_warn("the network's files were partly restored: restore again, or bring it "
			 "down with --purge");
	restore_plan_release(&r, true);
	json_decref(m);
	json_decref(net);
	json_decref(stopped);
	free(spec_path);
	free(have);
	free(snap);
	return rc;
}

/* --- export and import: one ustar file -------------------------------------------------- */

/* Writes all of buf to fd.  Returns: 0 or -errno. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EIO : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#define IO_CHUNK (1024 * 1024)

/* Copies len bytes from in (at its offset) to the archive w, or when w is
 * NULL to out (at its offset), checksumming them.  Returns: 0 with *xxh3
 * set, -ENODATA when in ends first, or -errno with *which set to "read" or
 * "write". */
static int
stream_copy(int in, int out, struct tar_writer *w, uint64_t len, uint64_t *xxh3,
	    const char **which)
{
	XXH3_state_t *x = XXH3_createState();
	uint8_t *buf = xmalloc(IO_CHUNK);
	int rc = 0;

	XXH3_64bits_reset(x);
	while (len > 0 && rc == 0) {
		size_t n = len < IO_CHUNK ? (size_t)len : IO_CHUNK;

		*which = "read";
		if ((rc = tar_read(in, buf, n)) != 0)
			break;
		XXH3_64bits_update(x, buf, n);
		*which = "write";
		rc = w != NULL ? tar_write(w, buf, n) : write_all(out, buf, n);
		len -= n;
	}
	*xxh3 = XXH3_64bits_digest(x);
	XXH3_freeState(x);
	free(buf);
	return rc;
}

/* Appends one file of the snapshot to the archive, checking it against
 * the manifest on the way.  Returns: 0, or -1 with *cause set. */
static int
export_file(struct tar_writer *w, const char *snap, const char *rel, uint64_t size,
	    uint64_t want, const char *file, char **cause)
{
	char *src;
	const char *which = "read";
	uint64_t got;
	struct stat sb;
	int in, rc = -1, err;

	xasprintf(&src, "%s/%s", snap, rel);
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &sb) != 0) {
		fail(cause, "cannot read %s: %s", src, strerror(errno));
		goto out;
	}
	if ((uint64_t)sb.st_size != size) {
		fail(cause, "the snapshot is corrupt: %s is %lld bytes, the manifest says %" PRIu64,
		     src, (long long)sb.st_size, size);
		goto out;
	}
	if ((err = tar_write_header(w, rel, size, sb.st_mtime, 0644)) != 0) {
		fail(cause, "cannot write %s: %s", file, strerror(-err));
		goto out;
	}
	if ((err = stream_copy(in, -1, w, size, &got, &which)) != 0) {
		fail(cause, "cannot %s %s: %s", which, strcmp(which, "read") == 0 ? src : file,
		     err == -ENODATA ? "it ended early" : strerror(-err));
		goto out;
	}
	if (got != want) {
		fail(cause, "the snapshot is corrupt: %s does not match its checksum", src);
		goto out;
	}
	if ((err = tar_write_pad(w, size)) != 0) {
		fail(cause, "cannot write %s: %s", file, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	free(src);
	return rc;
}

/* Writes snapshot name of state_dir to file.  Returns: 0, or -1 with
 * *cause set; nothing of file is left on failure. */
static int
snapshot_export(const char *state_dir, const char *name, const char *file, bool force,
		uint64_t *bytes, char **cause)
{
	char *snap, *tmp, *mtext = NULL;
	json_t *m = NULL, *f, *node;
	struct tar_writer *w = NULL;
	const char *path;
	uint64_t size, x;
	size_t i, mlen;
	struct stat sb;
	int out = -1, rc = -1, err;

	xasprintf(&snap, "%s/%s/%s", state_dir, SNAPSHOT_DIR, name);
	xasprintf(&tmp, "%s.partial", file);
	if (!valid_name(name) || access(snap, F_OK) != 0) {
		fail(cause, "network %s has no snapshot '%s'", state_dir, name);
		goto out;
	}
	if (!force && lstat(file, &sb) == 0) {
		fail(cause, "%s already exists (--force replaces it)", file);
		goto out;
	}
	if ((m = manifest_load(snap, cause)) == NULL)
		goto out;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		fail(cause, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	w = tar_writer_new(out, false);
	/* The manifest first: an importer learns from it what follows. */
	mtext = json_dumps(m, JSON_INDENT(2));
	mlen = strlen(mtext);
	if ((err = tar_write_header(w, SNAPSHOT_MANIFEST, mlen, time(NULL), 0644)) != 0 ||
	    (err = tar_write(w, mtext, mlen)) != 0 || (err = tar_write_pad(w, mlen)) != 0) {
		fail(cause, "cannot write %s: %s", tmp, strerror(-err));
		goto out;
	}
	json_array_foreach(json_object_get(m, "files"), i, f) {
		(void)manifest_file(f, &path, &size, &x, "", cause);
		if (export_file(w, snap, path, size, x, tmp, cause) != 0)
			goto out;
		*bytes += size;
	}
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		(void)manifest_file(json_array_get(json_object_get(node, "files"), 0), &path, &size,
				    &x, "", cause);
		if (export_file(w, snap, path, size, x, tmp, cause) != 0)
			goto out;
		*bytes += size;
	}
	err = tar_write_end(w);
	if (err == 0 && fdatasync(out) != 0)
		err = -errno;
	if (close(out) != 0 && err == 0)
		err = -errno;
	out = -1;
	if (err != 0) {
		fail(cause, "cannot write %s: %s", tmp, strerror(-err));
		goto out;
	}
	if (rename(tmp, file) != 0) {
		fail(cause, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (out >= 0)
		close(out);
	if (rc != 0)
		unlink(tmp);
	tar_writer_free(w);
	json_decref(m);
	free(mtext);
	free(snap);
	free(tmp);
	return rc;
}

/* One ustar header, read.  Returns: 1 with path and *size set; 0 at the
 * archive's end; -1 with *cause set. */
static int
next_member(int fd, char path[TAR_PATH_MAX], uint64_t *size, const char *file, char **cause)
{
	int rc = tar_next(fd, path, size);

	if (rc == -EBADMSG)
		fail(cause, "%s is not a chainbox snapshot (not a tar archive, or a damaged one)",
		     file);
	else if (rc == -EMEDIUMTYPE)
		fail(cause, "%s holds something other than plain files", file);
	else if (rc < 0)
		fail(cause, "%s: %s", file, rc == -ENODATA ? "truncated (it ends mid-way)"
							   : strerror(-rc));
	return rc < 0 ? -1 : rc;
}

/* Finds the manifest's entry for path.  Returns: 0 with *size and *xxh3
 * set, or -1 for none. */
static int
manifest_lookup(const json_t *m, const char *want, uint64_t *size, uint64_t *xxh3)
{
	const json_t *f, *node;
	const char *path;
	char *ignored = NULL;
	size_t i;
	int rc = -1;

	json_array_foreach(json_object_get(m, "files"), i, f) {
		(void)manifest_file(f, &path, size, xxh3, "", &ignored);
		if (strcmp(path, want) == 0)
			rc = 0;
		if (rc == 0)
			break;
	}
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		if (rc == 0)
			break;
		(void)manifest_file(json_array_get(json_object_get(node, "files"), 0), &path, size,
				    xxh3, "", &ignored);
		if (strcmp(path, want) == 0)
			rc = 0;
	}
	free(ignored);
	return rc;
}

/* Unpacks file into dir (made), checking each member against the manifest
 * it starts with.  Returns: the manifest, or NULL with *cause set. */
static json_t *
unpack(const char *file, const char *dir, char **cause)
{
	char path[TAR_PATH_MAX], *mtext = NULL, *dst = NULL;
	json_t *m = NULL;
	json_error_t jerr;
	uint64_t size, want_size, want, got;
	size_t found = 0, total;
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc, out = -1;
	const char *which;

	if (fd < 0) {
		fail(cause, "cannot read %s: %s", file, strerror(errno));
		return NULL;
	}
	if ((rc = next_member(fd, path, &size, file, cause)) <= 0 ||
	    strcmp(path, SNAPSHOT_MANIFEST) != 0 || size > CONTROL_LINE_MAX) {
		if (rc == 0 || (rc > 0 && *cause == NULL))
			fail(cause, "%s is not a chainbox snapshot: it does not start with %s", file,
			     SNAPSHOT_MANIFEST);
		goto fail;
	}
	mtext = xmalloc(size + 1);
	if ((rc = tar_read(fd, mtext, size)) != 0 || tar_skip_pad(fd, size) != 0) {
		fail(cause, "%s: truncated (it ends in %s)", file, SNAPSHOT_MANIFEST);
		goto fail;
	}
	if (fs_mkdirs(dir) != 0) {
		fail(cause, "cannot make %s: %s", dir, strerror(errno));
		goto fail;
	}
	xasprintf(&dst, "%s/%s", dir, SNAPSHOT_MANIFEST);
	rc = fs_write_file(cause, dst, mtext, size, 0644, false);
	free(dst);
	dst = NULL;
	if (rc != 0 || (m = manifest_load(dir, cause)) == NULL)
		goto fail;
	(void)jerr;
	total = 2 + json_array_size(json_object_get(m, "nodes"));
	while ((rc = next_member(fd, path, &size, file, cause)) == 1) {
		char *slash;

		if (manifest_lookup(m, path, &want_size, &want) != 0) {
			fail(cause, "%s holds %s, which its manifest does not list", file, path);
			goto fail;
		}
		if (size != want_size) {
			fail(cause, "%s: %s is %" PRIu64 " bytes, the manifest says %" PRIu64, file,
			     path, size, want_size);
			goto fail;
		}
		xasprintf(&dst, "%s/%s", dir, path);
		slash = strrchr(dst, '/');
		*slash = '\0';
		rc = fs_mkdirs(dst);
		*slash = '/';
		if (rc != 0 || (out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
			fail(cause, "cannot write %s: %s", dst, strerror(errno));
			goto fail;
		}
		if ((rc = stream_copy(fd, out, NULL, size, &got, &which)) != 0) {
			if (rc == -ENODATA)
				fail(cause, "%s: truncated (it ends in %s)", file, path);
			else
				fail(cause, "cannot %s %s: %s", which,
				     strcmp(which, "read") == 0 ? file : dst, strerror(-rc));
			goto fail;
		}
		if (got != want) {
			fail(cause, "%s: %s does not match its checksum: the file is corrupt", file,
			     path);
			goto fail;
		}
		if (fdatasync(out) != 0 || close(out) != 0) {
			out = -1;
			fail(cause, "cannot write %s: %s", dst, strerror(errno));
			goto fail;
		}
		out = -1;
		free(dst);
		dst = NULL;
		if (tar_skip_pad(fd, size) != 0) {
			fail(cause, "%s: truncated (it ends after %s)", file, path);
			goto fail;
		}
		found++;
	}
	if (rc < 0)
		goto fail;
	if (found != total) {
		fail(cause, "%s: truncated (%zu of the %zu files its manifest lists)", file, found,
		     total);
		goto fail;
	}
	close(fd);
	free(mtext);
	return m;
fail:
	if (out >= 0)
		close(out);
	close(fd);
	free(dst);
	free(mtext);
	json_decref(m);
	return NULL;
}

int
snapshot_import(const char *file, const char *name, const char *state_dir, char **spec,
		char **state, char **net, char **cause)
{
	char *tmp = NULL, *snap = NULL, *genesis = NULL;
	json_t *m = NULL, *node;
	struct copy_file *cf = NULL;
	char **paths = NULL;
	size_t n = 0, i;
	int rc = -1;

	*spec = *state = *net = NULL;
	/* Unpack beside the state dir first: its name comes from inside. */
	xasprintf(&tmp, "%s/.import-%d", state_dir != NULL ? state_dir : NETCMD_HOME, (int)getpid());
	if ((m = unpack(file, tmp, cause)) == NULL)
		goto out;
	*net = xstrdup(name != NULL ? name : json_string_value(json_object_get(m, "network")));
	if (state_dir != NULL)
		*state = xstrdup(state_dir);
	else
		xasprintf(state, "%s/%s", NETCMD_HOME, *net);
	xasprintf(&genesis, "%s/genesis.json", *state);
	if (access(genesis, F_OK) == 0) {
		fail(cause, "%s already holds network %s; bring it down with 'chainbox down --purge "
		     "--state-dir %s', or import under another --name", *state, *net, *state);
		goto out;
	}
	xasprintf(&snap, "%s/%s/%s", *state, SNAPSHOT_DIR,
		  json_string_value(json_object_get(m, "name")));
	if (fs_mkdirs(*state) != 0 || fs_rmtree(snap) != 0 ||
	    fs_mkdirs(*state) != 0) {
		fail(cause, "cannot make %s: %s", snap, strerror(errno));
		goto out;
	}
	{
		char *parent = xstrdup(snap);

		*strrchr(parent, '/') = '\0';
		rc = fs_mkdirs(parent);
		free(parent);
		if (rc != 0 || rename(tmp, snap) != 0) {
			fail(cause, "cannot move the snapshot to %s: %s", snap, strerror(errno));
			rc = -1;
			goto out;
		}
		rc = -1;
	}
	/* The network starts from the snapshot: its genesis and chains in
	 * place, the snapshot kept for 'chainbox snapshot restore'. */
	n = 1 + json_array_size(json_object_get(m, "nodes"));
	cf = xcalloc(n, sizeof(*cf));
	paths = xcalloc(2 * n, sizeof(*paths));
	xasprintf(&paths[0], "%s/genesis.json", snap);
	paths[1] = xstrdup(genesis);
	cf[0] = (struct copy_file){ .src = paths[0], .dst = paths[1], .len = COPY_WHOLE };
	json_array_foreach(json_object_get(m, "nodes"), i, node) {
		const char *nn = json_string_value(json_object_get(node, "name"));
		char *dir;

		xasprintf(&dir, "%s/nodes/%s/data", *state, nn);
		if (fs_mkdirs(dir) != 0) {
			fail(cause, "cannot make %s: %s", dir, strerror(errno));
			free(dir);
			goto out;
		}
		xasprintf(&paths[2 * i + 2], "%s/nodes/%s/chain.mdb", snap, nn);
		xasprintf(&paths[2 * i + 3], "%s/chain.mdb", dir);
		unlink(paths[2 * i + 3]);
		cf[i + 1] = (struct copy_file){ .src = paths[2 * i + 2], .dst = paths[2 * i + 3],
						.len = COPY_WHOLE };
		free(dir);
	}
	if (copy_files(cf, n, NULL, cause) != 0)
		goto out;
	xasprintf(spec, "%s/%s", snap, PLAN_SPEC_FILE);
	rc = 0;
out:
	if (tmp != NULL && access(tmp, F_OK) == 0 && fs_rmtree(tmp) != 0)
		msg_warn("cannot remove %s", tmp);
	if (rc != 0) {
		free(*state);
		free(*net);
		*state = *net = NULL;
	}
	for (i = 0; paths != NULL && i < 2 * n; i++)
		free(paths[i]);
	free(paths);
	free(cf);
	json_decref(m);
	free(genesis);
	free(snap);
	free(tmp);
	return rc;
}

/* --- the command ------------------------------------------------------------------------ */

static const char snapshot_usage[] =
	"chainbox snapshot save NAME      save every node at one committed height\n"
	"       chainbox snapshot restore NAME   put the network back to snapshot NAME\n"
	"       chainbox snapshot list           list the network's snapshots\n"
	"       chainbox snapshot rm NAME...     remove snapshots\n"
	"       chainbox snapshot export NAME FILE [--force]\n"
	"                                        write snapshot NAME to one file, for\n"
	"                                        'chainbox up --from-snapshot FILE'\n\n"
	"A save runs while the network goes on committing; a restore stops the\n"
	"nodes only to swap the checked files in.  Snapshots live in\n"
	"STATE/snapshots/NAME, with a manifest of checksums (xxh3).\n\n"
	"  -n, --name NET       the network (default: the only one under ./.chainbox)\n"
	"  -s, --state-dir DIR  the network's state directory\n"
	"  -j, --json           print the result as JSON\n"
	"  -f, --force          export: replace FILE\n";

static void
print_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)bytes / 1048576.0);
	else
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024.0);
}

static int
cmd_list(const char *state_dir, bool json)
{
	char *snaps;
	struct dirent **ents = NULL;
	json_t *all = json_array(), *m, *node;
	int n, shown = 0;

	xasprintf(&snaps, "%s/%s", state_dir, SNAPSHOT_DIR);
	n = scandir(snaps, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *dir, *cause = NULL, size[32];
		uint64_t bytes = 0, sz, x;
		const char *path;
		size_t k;

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		xasprintf(&dir, "%s/%s", snaps, ents[i]->d_name);
		m = manifest_load(dir, &cause);
		free(dir);
		if (m == NULL) {
			msg_warn("%s", cause);
			free(cause);
			free(ents[i]);
			continue;
		}
		for (k = 0; k < json_array_size(json_object_get(m, "files")); k++) {
			(void)manifest_file(json_array_get(json_object_get(m, "files"), k), &path, &sz,
					    &x, "", &cause);
			bytes += sz;
		}
		json_array_foreach(json_object_get(m, "nodes"), k, node) {
			(void)manifest_file(json_array_get(json_object_get(node, "files"), 0), &path,
					    &sz, &x, "", &cause);
			bytes += sz;
		}
		free(cause);
		json_object_set_new(m, "size", json_integer((json_int_t)bytes));
		if (!json) {
			if (shown++ == 0)
				printf("%-20s %8s %5s %10s  %s\n", "NAME", "HEIGHT", "NODES", "SIZE",
				       "CREATED");
			print_size(size, sizeof size, bytes);
			printf("%-20s %8" JSON_INTEGER_FORMAT " %5zu %10s  %s\n", ents[i]->d_name,
			       json_integer_value(json_object_get(m, "height")),
			       json_array_size(json_object_get(m, "nodes")), size,
			       json_string_value(json_object_get(m, "created")) ?: "");
		}
		json_array_append_new(all, m);
		free(ents[i]);
	}
	free(ents);
	if (json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (shown == 0) {
		printf("network %s has no snapshots ('chainbox snapshot save NAME' takes one)\n",
		       state_dir);
	}
	json_decref(all);
	free(snaps);
	return 0;
}

static int
cmd_rm(const char *state_dir, char **names, int n)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		char *dir;
		int rc;

		xasprintf(&dir, "%s/%s/%s", state_dir, SNAPSHOT_DIR, names[i]);
		if (!valid_name(names[i]) || access(dir, F_OK) != 0) {
			msg_error("network %s has no snapshot '%s'", state_dir, names[i]);
			status = 1;
		} else if ((rc = fs_rmtree(dir)) != 0) {
			msg_error("cannot remove %s: %s", dir, strerror(-rc));
			status = 1;
		} else {
			printf("removed snapshot '%s'\n", names[i]);
		}
		free(dir);
	}
	return status;
}

static json_t *
stats_json(const char *name, const struct snapshot_stats *st)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b}",
			 "snapshot", name, "height", (json_int_t)st->height, "nodes",
			 (json_int_t)st->nodes, "bytes", (json_int_t)st->bytes, "how",
			 st->how != NULL ? st->how : "", "pin_ms", st->pin_ms, "copy_ms",
			 st->copy_ms, "stop_ms", st->stop_ms, "swap_ms", st->swap_ms, "start_ms",
			 st->start_ms, "commit_ms", st->commit_ms, "total_ms", st->total_ms,
			 "offline", st->offline);
}

int
snapshot_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_options o = { .progress = isatty(STDERR_FILENO) == 1 };
	struct snapshot_stats st;
	const char *net = NULL, *dir = NULL, *sub;
	char *state_dir = NULL, *cause = NULL, size[32];
	bool json = false, force = false;
	int c, status = 1, nargs;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:jfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': net = optarg; break;
		case 's': dir = optarg; break;
		case 'j': json = true; break;
		case 'f': force = true; break;
		case 'h': printf("usage: %s", snapshot_usage); return 0;
		default:
			msg_error("%s '%s'", c == ':' ? "option needs a value:" : "unknown option",
				  argv[optind - 1]);
			fprintf(stderr, "See 'chainbox snapshot --help'.\n");
			return NETCMD_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s", snapshot_usage);
		return NETCMD_EXIT_USAGE;
	}
	sub = argv[optind++];
	nargs = argc - optind;
	if (json)
		o.progress = false;
	if ((strcmp(sub, "save") == 0 || strcmp(sub, "restore") == 0) && nargs != 1) {
		msg_error("'snapshot %s' takes one NAME", sub);
		return NETCMD_EXIT_USAGE;
	}
	if ((strcmp(sub, "list") == 0 && nargs != 0) || (strcmp(sub, "rm") == 0 && nargs == 0) ||
	    (strcmp(sub, "export") == 0 && nargs != 2)) {
		msg_error("wrong arguments for 'snapshot %s'", sub);
		fprintf(stderr, "usage: %s", snapshot_usage);
		return NETCMD_EXIT_USAGE;
	}
	if (strcmp(sub, "save") != 0 && strcmp(sub, "restore") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "rm") != 0 && strcmp(sub, "export") != 0) {
		msg_error("'%s' is not a snapshot command (save, restore, list, rm, export)", sub);
		return NETCMD_EXIT_USAGE;
	}
	if (netcmd_state_dir(&state_dir, net, dir) != 0)
		return 1;
	if (strcmp(sub, "list") == 0) {
		status = cmd_list(state_dir, json);
	} else if (strcmp(sub, "rm") == 0) {
		status = cmd_rm(state_dir, argv + optind, nargs);
	} else if (strcmp(sub, "export") == 0) {
		uint64_t bytes = 0;

		if (snapshot_export(state_dir, argv[optind], argv[optind + 1], force, &bytes,
				    &cause) != 0) {
			msg_error("%s", cause);
		} else {
			print_size(size, sizeof size, bytes);
			printf("exported snapshot '%s' to %s (%s)\n", argv[optind], argv[optind + 1],
			       size);
			status = 0;
		}
	} else if (strcmp(sub, "save") == 0) {
		if (snapshot_save(state_dir, argv[optind], &o, &st, &cause) != 0) {
			msg_error("%s", cause);
		} else if (json) {
			json_t *j = stats_json(argv[optind], &st);

			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
			status = 0;
		} else {
			print_size(size, sizeof size, st.bytes);
			printf("saved snapshot '%s': block %" PRIu64 " on %zu node%s, %s, in %.0f ms "
			       "(every node pinned in %.1f ms; the network kept committing)\n",
			       argv[optind], st.height, st.nodes, st.nodes == 1 ? "" : "s", size,
			       st.total_ms, st.pin_ms);
			status = 0;
		}
	} else {
		if (snapshot_restore(state_dir, argv[optind], &o, &st, &cause) != 0) {
			msg_error("%s", cause);
		} else if (json) {
			json_t *j = stats_json(argv[optind], &st);

			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
			status = 0;
		} else if (st.offline) {
			printf("restored snapshot '%s' (block %" PRIu64 ") into the stopped network; "
			       "'chainbox up' starts from it\n", argv[optind], st.height);
			status = 0;
		} else {
			printf("restored snapshot '%s': block %" PRIu64 " on %zu node%s in %.0f ms "
			       "(nodes down %.0f ms", argv[optind], st.height, st.nodes,
			       st.nodes == 1 ? "" : "s", st.total_ms,
			       st.stop_ms + st.swap_ms + st.start_ms);
			if (st.commit_ms > 0)
				printf("; committing again %.0f ms after the start", st.commit_ms);
			printf(")\n");
			status = 0;
		}
	}
	free(cause);
	free(state_dir);
	return status;
}
