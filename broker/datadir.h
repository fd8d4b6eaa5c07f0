/*
 * The data directory: kq-broker works only in a directory it made or
 * found empty, marked with meta.properties as Kafka marks its log
 * directories, and locked while it runs. It knows every name it writes
 * there, so that nothing else in it is ever touched.
 */
#ifndef KB_DATADIR_H
#define KB_DATADIR_H

#include <stddef.h>

/* What a name at the top of a data directory is to the broker. */
enum kb_entry {
	KB_ENTRY_OTHER,	   /* not the broker's: left alone */
	KB_ENTRY_FILE,	   /* one of its own files (group-offsets, .lock...) */
	KB_ENTRY_TOPIC,	   /* NAME.topic */
	KB_ENTRY_PART,	   /* NAME-P, a partition's directory */
	KB_ENTRY_DELETING, /* NAME-P.HEX-delete, a deletion in progress */
};

enum kb_entry kb_datadir_entry(const char *name);
/* Whether a file in a partition's directory is one the broker writes. */
int kb_datadir_part_file(const char *name);

/*
 * Claim dir: refuse it unless it is marked, empty, or a data directory
 * of an earlier kq-broker (then marked: note says so); lock it for this
 * process (*lockfd). 0, or an exit status with a message in err.
 */
int kb_datadir_open(const char *dir, int *lockfd, char *note, size_t notesize,
		    char *err, size_t errsize);

#endif
