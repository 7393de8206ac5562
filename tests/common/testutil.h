/* Helpers shared by the cmocka tests: temporary folders, running programs, files. */
#ifndef MS_TESTUTIL_H
#define MS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/** @return the value of an environment variable the test harness sets (fails the test if unset). */
const char *ms_env(const char *name);

/** @return a new empty folder under $MS_TEST_TMP (or /tmp); malloc'd. Removed by ms_rm_rf(). */
char *ms_tmpdir(const char *prefix);

/** @return path of a program built into $MS_BIN_DIR; malloc'd. */
char *ms_bin(const char *program);

/** @return "a/b", malloc'd. */
char *ms_join(const char *a, const char *b);

/** Formatted malloc'd string. */
char *ms_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Runs a shell command; captures stdout and stderr together.
 * @param[out] output malloc'd output (may be NULL to discard)
 * @return the exit status (0..255), or 128+signal if it was killed
 */
int ms_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Reads a whole file; NULL if missing. @param[out] size may be NULL */
char *ms_slurp(const char *path, size_t *size);

/** Writes a file (creating or truncating); fails the test on error. */
void ms_write(const char *path, const void *data, size_t size);

/** @return 1 if path exists. */
int ms_exists(const char *path);

/** Removes a folder tree. */
void ms_rm_rf(const char *path);

/** Runs the store tests' repository tool, mstore_testrepo, with args (taken and freed); fails the
 *  test, printing the tool's output, if it fails. */
void ms_testrepo(char *args);

/** Sets up a robot's store client under root (etc/motionstore): the repository's first root
 *  metadata as the trusted root, and a config naming the repository folder as a file:// store
 *  and the robot model. Fails the test on error. */
void ms_store_client_config(const char *root, const char *repo, const char *robot);

#endif
