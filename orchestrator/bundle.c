/* Log bundles (see bundle.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "control.h"
#include "plan.h"
#include "tar.h"
#include "xalloc.h"

/* A supervisor that does not answer status within this is stuck; the
 * bundle says so rather than wait for it. */
#define STATUS_TIMEOUT_MS 10000
#define COPY_CHUNK (64 * 1024)

/* One bundle being written. */
struct bundle {
	struct tar_writer *w;
	const char *tmp; /* the file being written, for messages */
	char *top; /* NET-logs */
	struct bundle_stats st;
};

/* Returns: the directory the bundle's members go under (caller frees):
 * NET-logs, NET from network.json, else the state dir's last part. */
static char *
top_dir(const char *state_dir)
{
	char *path, *top;
	const char *name, *slash;
	json_t *j;

	xasprintf(&path, "%s/network.json", state_dir);
	j = json_load_file(path, 0, NULL);
	free(path);
	name = json_string_value(json_object_get(json_object_get(j, "network"), "name"));
	if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		slash = strrchr(state_dir, '/');
		name = slash != NULL && slash[1] != '\0' ? slash + 1 : state_dir;
	}
	xasprintf(&top, "%s-logs", name);
	json_decref(j);
	return top;
}

/* Says why writing the bundle failed.  Returns: -1. */
static int
write_failed(char **cause, const struct bundle *b, int err)
{
	xasprintf(cause, "cannot write '%s': %s", b->tmp, strerror(-err));
	return -1;
}

/* Adds len bytes at buf as the member TOP/name.  Returns: 0, or -1 with
 * *cause set. */
static int
add_buf(struct bundle *b, char **cause, const char *name, const void *buf, size_t len)
{
	char *member;
	int err;

	xasprintf(&member, "%s/%s", b->top, name);
	if ((err = tar_write_header(b->w, member, len, time(NULL), 0644)) == 0 &&
	    (err = tar_write(b->w, buf, len)) == 0)
		err = tar_write_pad(b->w, len);
	free(member);
	if (err != 0)
		return write_failed(cause, b, err);
	b->st.files++;
	b->st.bytes += len;
	return 0;
}

/* Adds the file at path, when it exists and is a regular file, as the
 * member TOP/name.  Returns: 0, or -1 with *cause set. */
static int
add_file(struct bundle *b, char **cause, const char *name, const char *path)
{
	uint8_t *buf = NULL;
	char *member = NULL;
	uint64_t left;
	struct stat sb;
	int fd, rc = -1, err = 0;

	fd = TEMP_FAILURE_RETRY_INT(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		xasprintf(cause, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = 0;
		goto out;
	}
	xasprintf(&member, "%s/%s", b->top, name);
	if ((err = tar_write_header(b->w, member, (uint64_t)sb.st_size, sb.st_mtime, 0644)) != 0)
		goto out;
	buf = xmalloc(COPY_CHUNK);
	/* A log may grow meanwhile: its member holds the size it had. */
	for (left = (uint64_t)sb.st_size; left > 0 && err == 0;) {
		size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
		ssize_t n = TEMP_FAILURE_RETRY_INT(read(fd, buf, want));

		if (n < 0) {
			xasprintf(cause, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		/* It shrank: zeros keep the member its announced size. */
		if (n == 0) {
			memset(buf, 0, want);
			n = (ssize_t)want;
		}
		err = tar_write(b->w, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	if (err == 0)
		err = tar_write_pad(b->w, (uint64_t)sb.st_size);
	if (err == 0) {
		b->st.files++;
		b->st.bytes += (uint64_t)sb.st_size;
		rc = 0;
	}
out:
	if (err != 0)
		rc = write_failed(cause, b, err);
	if (fd >= 0)
		close(fd);
	free(member);
	free(buf);
	return rc;
}

/* Returns: whether e names a node's log: NODE.log, or NODE.log.K rotated. */
static int
is_log_name(const struct dirent *e)
{
	const char *name = e->d_name, *s = NULL, *k;

	for (k = strstr(name, ".log"); k != NULL; k = strstr(k + 1, ".log"))
		s = k;
	if (s == NULL || s == name || name[0] == '.')
		return 0;
	s += 4;
	return *s == '\0' ||
	       (s[0] == '.' && s[1] != '\0' && strspn(s + 1, "0123456789") == strlen(s + 1));
}

/* Adds every node's log from log_dir under TOP/logs.  Returns: 0, or -1
 * with *cause set. */
static int
add_logs(struct bundle *b, char **cause, const char *log_dir)
{
	struct dirent **ents = NULL;
	int n = scandir(log_dir, &ents, is_log_name, versionsort), rc = 0;

	/* A network that never started has no logs yet. */
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0) {
		xasprintf(cause, "cannot read '%s': %s", log_dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *name, *path;

		if (rc == 0) {
			xasprintf(&name, "logs/%s", ents[i]->d_name);
			xasprintf(&path, "%s/%s", log_dir, ents[i]->d_name);
			rc = add_file(b, cause, name, path);
			free(name);
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* Adds status.json, the supervisor's answer, or status.txt saying why
 * there is none.  Returns: 0, or -1 with *cause set. */
static int
add_status(struct bundle *b, char **cause, const char *state_dir)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	char *why = NULL, *text = NULL, *json = NULL, when[32];
	time_t now = time(NULL);
	int rc;

	rc = control_request(&reply, &why, state_dir, req, STATUS_TIMEOUT_MS);
	json_decref(req);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (rc == 0) {
		json_object_del(reply, "ok");
		json = json_dumps(reply, JSON_INDENT(2));
		xasprintf(&text, "%s\n", json != NULL ? json : "{}");
		rc = add_buf(b, cause, "status.json", text, strlen(text));
	} else {
		if (rc == -ENOENT)
			xasprintf(&text, "no supervisor ran in %s at %s: the network was down, "
				  "and network.json holds what it last said\n", state_dir, when);
		else
			xasprintf(&text, "the supervisor in %s did not answer status at %s: %s\n",
				  state_dir, when, why != NULL ? why : strerror(-rc));
		rc = add_buf(b, cause, "status.txt", text, strlen(text));
	}
	json_decref(reply);
	free(json);
	free(text);
	free(why);
	return rc;
}

int
bundle_write(char **cause, struct bundle_stats *st, const char *file, const char *state_dir,
	     const char *log_dir)
{
	static const char *const state_files[] = {
		"network.json", PLAN_SPEC_FILE, "genesis.json", "supervisor.log",
	};
	struct bundle b = { 0 };
	size_t len = strlen(file);
	char *tmp = NULL, *path;
	struct stat sb;
	bool gzip = !(len >= 4 && strcmp(file + len - 4, ".tar") == 0), has;
	int fd = -1, rc = -1, err;

	memset(st, 0, sizeof(*st));
	err = stat(state_dir, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
	if (err != 0) {
		xasprintf(cause, "no network in '%s': %s", state_dir, strerror(err));
		goto out;
	}
	xasprintf(&path, "%s/%s", state_dir, PLAN_SPEC_FILE);
	has = access(path, F_OK) == 0;
	free(path);
	xasprintf(&path, "%s/network.json", state_dir);
	has = has || access(path, F_OK) == 0;
	free(path);
	if (!has) {
		xasprintf(cause, "'%s' holds no network (no %s, no network.json)", state_dir,
			  PLAN_SPEC_FILE);
		goto out;
	}
	xasprintf(&tmp, "%s.partial", file);
	fd = TEMP_FAILURE_RETRY_INT(open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (fd < 0) {
		xasprintf(cause, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	b.w = tar_writer_new(fd, gzip);
	b.tmp = tmp;
	b.top = top_dir(state_dir);
	if (add_logs(&b, cause, log_dir) != 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(state_files); i++) {
		xasprintf(&path, "%s/%s", state_dir, state_files[i]);
		err = add_file(&b, cause, state_files[i], path);
		free(path);
		if (err != 0)
			goto out;
	}
	if (add_status(&b, cause, state_dir) != 0)
		goto out;
	if ((err = tar_write_end(b.w)) != 0) {
		(void)write_failed(cause, &b, err);
		goto out;
	}
	err = close(fd) != 0 ? -errno : 0;
	fd = -1;
	if (err != 0) {
		(void)write_failed(cause, &b, err);
		goto out;
	}
	if (rename(tmp, file) != 0) {
		xasprintf(cause, "cannot rename '%s' to '%s': %s", tmp, file, strerror(errno));
		goto out;
	}
	*st = b.st;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	tar_writer_free(b.w);
	free(b.top);
	free(tmp);
	return rc;
}
