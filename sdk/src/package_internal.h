/* Internal pieces shared by the manifest, package, track and project modules of libmpk. */
#ifndef MPK_PACKAGE_INTERNAL_H
#define MPK_PACKAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpk/manifest.h"
#include "mpk/track.h"

/** Room for a field path in messages ("motions[12].joints[3]"). */
#define MPK__PATH_BUF 256

/** Names reserved at the top of every package. */
#define MPK__MANIFEST_NAME  "manifest.json"
#define MPK__SIGNATURE_NAME "signature.json"

/**
 * Checks a path inside a package: relative, '/'-separated components of [A-Za-z0-9._+-]
 * (no "." or "..", no empty component), at most MPK_MANIFEST_MAX_PATH bytes.
 * @return NULL when valid, else a static reason ("must not contain \"..\"").
 */
const char *mpk__path_problem(const char *path);

/** Validates texts by language for field (JSON name), en required; errors name "field.lang". */
int mpk__texts_validate(const mpk_text *texts, size_t count, const char *field, size_t max_len,
                        bool multiline);

/** Frees an array of texts. */
void mpk__texts_free(mpk_text *texts, size_t count);

/** Frees what a motion info holds and zeroes it. */
void mpk__motion_info_clear(mpk_motion_info *motion);

/** Case-insensitive ASCII comparison, for paths that must stay distinct on any file system. */
int mpk__strcasecmp_ascii(const char *a, const char *b);

/**
 * Compares a parsed track with what the manifest says of its motion (robot, rate, joints,
 * duration). Errors name the motion ("motions[0]: ...").
 */
int mpk__motion_matches_track(const mpk_motion_info *motion, size_t index, const mpk_track *track);

/** Parses a binary track, taking ownership of buf (malloc'd): the arrays point into it. */
int mpk__track_parse_owned(mpk_track **out, void *buf, size_t size);

/** Changes the rate of a track (CSV import learns it last). */
int mpk__track_set_rate(mpk_track *track, double rate);

/** Checks every stored number: finite, gains not negative, root quaternions of unit length. */
int mpk__track_check_values(const mpk_track *track);

/** "%.15g" when that reads back as the same double, else "%.17g": short and exact. */
void mpk__format_double(char *buf, size_t size, double value);

/**
 * The DOS date and time of SOURCE_DATE_EPOCH (UTC), else of 2000-01-01 00:00:00. A value that is
 * not a whole number of seconds (digits only) is MPK_EINVAL, naming the variable.
 */
int mpk__zip_dostime(uint16_t *dos_time, uint16_t *dos_date);

#endif
