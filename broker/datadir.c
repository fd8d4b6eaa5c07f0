#include "datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "log.h"
#include "topics.h"

/* The files kq-broker writes at the top of its data directory. */
static const char *const own_files[] = {
	".lock",
	"meta.properties",
	"meta.properties.tmp",
	"group-offsets",
	"group-offsets.tmp",
	"group-metadata",
	"group-metadata.tmp",
	".topic.tmp",
	"producer-ids",
	"transactions",
	"transactions.tmp",
	"kq-broker.log",
	"kq-broker.pid",
	NULL,
};

/* Kafka's node.id: kq-broker is node 1 (the one Metadata names). */
#define NODE_ID "1"

/* Does s, n bytes long, end with suffix? */
static int
ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && !memcmp(s + n - k, suffix, k);
}

static int
topic_name(const char *s, size_t n)
{
	char name[256];

	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, s, n);
	name[n] = 0;
	return kb_topic_name_bad(name) == NULL;
}

/* NAME-P, as the broker spells a partition: no sign, no leading zero. */
static int
part_name(const char *s, size_t n)
{
	size_t d = n;

	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	if (d == n || n - d > 5 || (s[d] == '0' && n - d > 1))
		return 0;
	return d >= 2 && s[d - 1] == '-' && topic_name(s, d - 1);
}

enum kb_entry
kb_datadir_entry(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; own_files[i]; i++)
		if (!strcmp(name, own_files[i]))
			return KB_ENTRY_FILE;
	if (ends(name, n, ".topic"))
		return topic_name(name, n - 6) ? KB_ENTRY_TOPIC
					       : KB_ENTRY_OTHER;
	if (ends(name, n, ".topic.tmp"))
		return topic_name(name, n - 10) ? KB_ENTRY_FILE
						: KB_ENTRY_OTHER;
	/* NAME-P.0123456789abcdef-delete */
	if (ends(name, n, "-delete") && n > 7 + 17 && name[n - 24] == '.' &&
	    strspn(name + n - 23, "0123456789abcdef") == 16)
		return part_name(name, n - 24) ? KB_ENTRY_DELETING
					       : KB_ENTRY_OTHER;
	return part_name(name, n) ? KB_ENTRY_PART : KB_ENTRY_OTHER;
}

int
kb_datadir_part_file(const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(name, "recovery-point") ||
	    !strcmp(name, "recovery-point.tmp") ||
	    !strcmp(name, "log-start-offset") ||
	    !strcmp(name, "log-start-offset.tmp") ||
	    !strcmp(name, "cleaner-offset") ||
	    !strcmp(name, "cleaner-offset.tmp"))
		return 1;
	if (n < 21 || strspn(name, "0123456789") != 20 || name[20] != '.')
		return 0;
	/* log.cleaned: a segment's compacted copy (cleaner.c). */
	return !strcmp(name + 21, "log") || !strcmp(name + 21, "index") ||
	       !strcmp(name + 21, "timeindex") ||
	       !strcmp(name + 21, "log.cleaned");
}

/* What is in the directory, before anything is written there. */
struct scan {
	int meta;	 /* meta.properties */
	int offsets;	 /* group-offsets: an earlier kq-broker ran here */
	int others;	 /* entries besides .lock */
	int foreign;	 /* entries kq-broker does not write */
	char first[256]; /* the first of them, else the first other */
};

/* Whether a partition directory holds only what the broker writes. */
static int
part_dir_ours(int dfd, const char *name)
{
	int fd = openat(dfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int ours = 1;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (ours && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !kb_datadir_part_file(e->d_name))
			ours = 0;
	closedir(d);
	return ours;
}

static int
entry_ours(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	switch (kb_datadir_entry(name)) {
	case KB_ENTRY_FILE:
	case KB_ENTRY_TOPIC:
		return S_ISREG(st.st_mode);
	case KB_ENTRY_PART:
	case KB_ENTRY_DELETING:
		return S_ISDIR(st.st_mode) && part_dir_ours(dfd, name);
	default:
		return 0;
	}
}

static int
scan(const char *dir, struct scan *sc)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(sc, 0, sizeof(*sc));
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, "meta.properties"))
			sc->meta = 1;
		if (!strcmp(e->d_name, "group-offsets"))
			sc->offsets = 1;
		/* What a start cut short leaves: nothing to adopt. */
		if (strcmp(e->d_name, ".lock") &&
		    strcmp(e->d_name, "meta.properties.tmp") && !sc->others++)
			snprintf(sc->first, sizeof(sc->first), "%s", e->d_name);
		if (!entry_ours(dirfd(d), e->d_name) && !sc->foreign++)
			snprintf(sc->first, sizeof(sc->first), "%s", e->d_name);
	}
	closedir(d);
	return 0;
}

/* meta.properties as kq-broker writes it: version 1, node 1. */
static int
check_meta(const char *dir, char *err, size_t errsize)
{
	char path[4096], line[512];
	int version = 0, node = 0, cluster = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta.properties", dir);
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return EX_IOERR;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strcmp(line, "version=1"))
			version = 1;
		else if (!strcmp(line, "node.id=" NODE_ID))
			node = 1;
		else if (!strncmp(line, "cluster.id=", 11) && line[11])
			cluster = 1;
	}
	fclose(f);
	if (version && node && cluster)
		return 0;
	snprintf(err, errsize,
		 "%s: not kq-broker's (it writes version=1, node.id=" NODE_ID
		 " and a cluster.id): give -d another directory",
		 path);
	return EX_CONFIG;
}

/* A cluster id as Kafka makes one: 16 random bytes, base64url. */
static void
cluster_id(char out[23])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789-_";
	unsigned char r[18] = {0};
	struct timespec ts;
	int i;

	if (getrandom(r, 16, 0) != 16) {
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts, sizeof(ts) < 16 ? sizeof(ts) : 16);
		r[0] ^= (unsigned char)getpid();
	}
	for (i = 0; i < 22; i++) {
		int bit = i * 6, byte = bit / 8, off = bit % 8;
		unsigned v =
			((unsigned)r[byte] << 8 | r[byte + 1]) >> (10 - off);

		out[i] = b64[v & 63];
	}
	out[22] = 0;
}

/* Mark dir as kq-broker's, whole or not at all. */
static int
write_meta(const char *dir, char *err, size_t errsize)
{
	char path[4096], tmp[4200], text[256], id[23];
	int fd, n;

	snprintf(path, sizeof(path), "%s/meta.properties", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cluster_id(id);
	n = snprintf(text, sizeof(text),
		     "#kq-broker's data directory: it removes only what it "
		     "wrote here\n"
		     "cluster.id=%s\nnode.id=" NODE_ID "\nversion=1\n",
		     id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n || fsync(fd) ||
	    close(fd) || rename(tmp, path) || kb_sync_dir(dir)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* One broker per data directory: a second would corrupt the logs. */
static int
lock_dir(const char *dir, int *lockfd, char *err, size_t errsize)
{
	char path[4096], pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		snprintf(err, errsize,
			 "%s: in use by another kq-broker (process %s)", dir,
			 *pid ? pid : "?");
		close(fd);
		return EX_TEMPFAIL;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		close(fd);
		return EX_IOERR;
	}
	*lockfd = fd;
	return 0;
}

int
kb_datadir_open(const char *dir, int *lockfd, char *note, size_t notesize,
		char *err, size_t errsize)
{
	struct scan sc;
	int rc;

	*note = 0;
	if (scan(dir, &sc)) {
		snprintf(err, errsize, "%s: %s", dir, strerror(errno));
		return EX_IOERR;
	}
	/*
	 * Only what it made itself is kq-broker's to change: a directory
	 * with files of someone else's, a home directory say, is refused
	 * before anything is written in it.
	 */
	if (!sc.meta && sc.others && (sc.foreign || !sc.offsets)) {
		snprintf(err, errsize,
			 "%s: not a kq-broker data directory (it holds %s%s "
			 "and no meta.properties): give -d a new or empty "
			 "directory",
			 dir, sc.first, sc.others > 1 ? " and more" : "");
		return EX_CONFIG;
	}
	if (sc.meta && (rc = check_meta(dir, err, errsize)))
		return rc;
	if ((rc = lock_dir(dir, lockfd, err, errsize)))
		return rc;
	if (sc.meta)
		return 0;
	if (write_meta(dir, err, errsize)) {
		close(*lockfd);
		*lockfd = -1;
		return EX_CANTCREAT;
	}
	/* The files of an earlier kq-broker, which wrote no mark. */
	if (sc.others)
		snprintf(note, notesize,
			 "%s: the data directory of an earlier kq-broker, "
			 "marked as its own (meta.properties)",
			 dir);
	return 0;
}
