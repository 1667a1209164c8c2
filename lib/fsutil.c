/* Small file-system helpers (see fsutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "xalloc.h"

int
fs_mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -errno;
		*s = '/';
		if (rc != 0)
			break;
	}
	if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
		rc = -errno;
	free(p);
	return rc;
}

int
fs_rmtree(const char *path)
{
	struct dirent *e;
	struct stat st;
	int rc = 0;
	DIR *d;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
	if ((d = opendir(path)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL && rc == 0) {
		char *sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		xasprintf(&sub, "%s/%s", path, e->d_name);
		rc = fs_rmtree(sub);
		free(sub);
	}
	closedir(d);
	if (rc == 0 && rmdir(path) != 0)
		rc = -errno;
	return rc;
}

int
fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
fs_write_file(char **cause, const char *path, const void *buf, size_t len, int mode, bool sync)
{
	const char *p = buf;
	char *tmp, *copy;
	int fd, rc = -1;

	xasprintf(&tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		xasprintf(cause, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			xasprintf(cause, "cannot write %s: %s", tmp,
				  n == 0 ? "no progress" : strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if ((sync && fdatasync(fd) != 0) || close(fd) != 0 || rename(tmp, path) != 0) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
	copy = xstrdup(path);
	if (sync && (rc = fs_sync_dir(dirname(copy))) != 0) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(-rc));
		rc = -1;
	}
	free(copy);
out:
	free(tmp);
	return rc;
}
