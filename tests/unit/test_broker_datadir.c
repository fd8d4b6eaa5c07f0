/*
 * The data directory: which names are the broker's (and so which it may
 * ever remove), and which directories it takes: new, empty, marked, or an
 * earlier kq-broker's; never one with someone else's files.
 */
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "unit_broker.h"
#include "datadir.h"

static void
entries(void **state)
{
	(void)state;
	assert_int_equal(kb_datadir_entry("group-offsets"), KB_ENTRY_FILE);
	/* The coordinator's groups, and a topic file being written. */
	assert_int_equal(kb_datadir_entry("group-metadata"), KB_ENTRY_FILE);
	assert_int_equal(kb_datadir_entry("group-metadata.tmp"), KB_ENTRY_FILE);
	assert_int_equal(kb_datadir_entry(".topic.tmp"), KB_ENTRY_FILE);
	assert_int_equal(kb_datadir_entry("meta.properties"), KB_ENTRY_FILE);
	assert_int_equal(kb_datadir_entry("foo.topic"), KB_ENTRY_TOPIC);
	assert_int_equal(kb_datadir_entry("foo.topic.tmp"), KB_ENTRY_FILE);
	assert_int_equal(kb_datadir_entry("a-b.c-0"), KB_ENTRY_PART);
	assert_int_equal(kb_datadir_entry("photos-2024"), KB_ENTRY_PART);
	assert_int_equal(kb_datadir_entry("foo-0.0123456789abcdef-delete"),
			 KB_ENTRY_DELETING);
	/* Spelled otherwise than the broker spells them: not its own. */
	assert_int_equal(kb_datadir_entry("foo-01"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("foo-"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("foo-123456"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("-0"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("foo-0.0123456789ABCDEF-delete"),
			 KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("foo-0.0123-delete"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("bad name.topic"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry("img.jpg"), KB_ENTRY_OTHER);
	assert_int_equal(kb_datadir_entry(".profile"), KB_ENTRY_OTHER);

	assert_true(kb_datadir_part_file("00000000000000000042.log"));
	assert_true(kb_datadir_part_file("00000000000000000042.index"));
	assert_true(kb_datadir_part_file("00000000000000000042.timeindex"));
	assert_true(kb_datadir_part_file("recovery-point"));
	/* The cleaner's: its checkpoint, and a segment's compacted copy. */
	assert_true(kb_datadir_part_file("cleaner-offset"));
	assert_true(kb_datadir_part_file("cleaner-offset.tmp"));
	assert_true(kb_datadir_part_file("00000000000000000042.log.cleaned"));
	assert_false(
		kb_datadir_part_file("00000000000000000042.index.cleaned"));
	assert_false(kb_datadir_part_file("42.log"));
	assert_false(kb_datadir_part_file("00000000000000000042.log.bak"));
	assert_false(kb_datadir_part_file("img.jpg"));
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
which_directories(void **state)
{
	char *dir = unit_tmpdir(), sub[600], note[512], err[512];
	int fd = -1;

	(void)state;
	/* Empty: taken, marked, no note. */
	assert_int_equal(
		kb_datadir_open(dir, &fd, note, sizeof(note), err, sizeof(err)),
		0);
	assert_true(fd >= 0);
	assert_string_equal(note, "");
	assert_true(exists(dir, "meta.properties"));
	close(fd);
	/* Marked: taken again, whatever else is in it. */
	put(dir, "README", "x");
	assert_int_equal(
		kb_datadir_open(dir, &fd, note, sizeof(note), err, sizeof(err)),
		0);
	close(fd);
	/* An earlier kq-broker's, with no mark: adopted, with a note. */
	unlink(strcat(strcpy(sub, dir), "/README"));
	unlink(strcat(strcpy(sub, dir), "/meta.properties"));
	put(dir, "group-offsets", "");
	put(dir, "foo.topic", "partitions=1\n");
	snprintf(sub, sizeof(sub), "%s/foo-0", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put(sub, "00000000000000000000.log", "");
	assert_int_equal(
		kb_datadir_open(dir, &fd, note, sizeof(note), err, sizeof(err)),
		0);
	assert_non_null(strstr(note, "an earlier kq-broker"));
	assert_true(exists(dir, "meta.properties"));
	close(fd);
	/* The same with a photo in a partition's folder, unmarked: refused. */
	unlink(strcat(strcpy(sub, dir), "/meta.properties"));
	snprintf(sub, sizeof(sub), "%s/foo-0", dir);
	put(sub, "img.jpg", "x");
	fd = -1;
	assert_int_equal(
		kb_datadir_open(dir, &fd, note, sizeof(note), err, sizeof(err)),
		EX_CONFIG);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "not a kq-broker data directory"));
	assert_false(exists(dir, "meta.properties"));
	/* A marked directory of another node: refused. */
	put(dir, "meta.properties", "version=1\nnode.id=2\ncluster.id=x\n");
	assert_int_equal(
		kb_datadir_open(dir, &fd, note, sizeof(note), err, sizeof(err)),
		EX_CONFIG);
	unit_tmpdir_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries),
		cmocka_unit_test(which_directories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
