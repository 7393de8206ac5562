/* Strict JSON reading helpers (jansson) shared by the manifest, signature and project parsers.
 * Every error names the field path: "motions[1].rate: must be a number". */
#ifndef MPK_JSON_UTIL_H
#define MPK_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define MPK__PATH_MAX 256

/** Parses JSON text (duplicate keys rejected, no NUL in strings); errors give line and column. */
int mpk__json_parse(json_t **out, const char *data, size_t size);

/** "parent.key" (or "key" when parent is empty) into buf. */
void mpk__json_path(char *buf, size_t size, const char *parent, const char *key);

/** "parent[index]" into buf. */
void mpk__json_index(char *buf, size_t size, const char *parent, size_t index);

/** Fails on a key not in allowed (NULL-terminated): "<path>.<key>: unknown field". */
int mpk__json_check_keys(const json_t *obj, const char *path, const char *const *allowed);

/** Fails unless value is an object (what names the path). */
int mpk__json_expect_object(const json_t *value, const char *path);

/**
 * Typed member getters. A missing member fails with "<path>: required" when required, else
 * leaves *out alone and returns 0 with *present (when not NULL) false.
 */
int mpk__json_get_string(const char **out, const json_t *obj, const char *parent, const char *key,
                         bool required);
int mpk__json_get_number(double *out, const json_t *obj, const char *parent, const char *key,
                         bool required);
int mpk__json_get_bool(bool *out, const json_t *obj, const char *parent, const char *key,
                       bool required);
/** An integer member in [min, max]. */
int mpk__json_get_int(long long *out, const json_t *obj, const char *parent, const char *key,
                      bool required, long long min, long long max);
/** An array member with at most max elements (borrowed); NULL when absent and optional. */
int mpk__json_get_array(const json_t **out, const json_t *obj, const char *parent, const char *key,
                        bool required, size_t max);
/** An object member (borrowed); NULL when absent and optional. */
int mpk__json_get_object(const json_t **out, const json_t *obj, const char *parent, const char *key,
                         bool required);

/** Adds a number: an integer when value is integral (so 500 stays "500"), else a real. */
int mpk__json_set_number(json_t *obj, const char *key, double value);

/**
 * Writes a document people edit (project and keyframe files): members in insertion order,
 * two-space indentation, a container on one line when it fits in 100 columns, reals in the
 * shortest form that reads back exactly, UTF-8 unescaped, a final newline.
 * @param[out] out malloc'd NUL-terminated text
 */
int mpk__json_write_pretty(char **out, size_t *size, const json_t *doc);

#endif
