/**
 * @file mstore/canonjson.h
 * @brief Canonical JSON, the byte form that TUF metadata is signed and hashed in.
 *
 * The OLPC canonical JSON dialect as TUF and securesystemslib define it: object keys sorted by
 * their UTF-8 bytes (the same order as code points), no whitespace, integers only (no
 * floating-point numbers), strings written as raw UTF-8 with only '"' and '\' escaped, and the
 * literals true, false and null. The cloud store signs with it and the robot verifies with it,
 * so both agree byte for byte.
 */
#ifndef MSTORE_CANONJSON_H
#define MSTORE_CANONJSON_H

#include <jansson.h>

#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest canonical text produced (bytes). */
#define MSTORE_CANONJSON_MAX ((size_t)256 * 1024 * 1024)

/**
 * Encodes a JSON value canonically.
 * @param[out] out malloc'd, NUL-terminated canonical text
 * @param[out] len its length in bytes (without the NUL)
 * @return MSTORE_OK, MSTORE_EFORMAT for a value canonical JSON cannot hold (a real number),
 *         MSTORE_ELIMIT beyond MSTORE_CANONJSON_MAX, MSTORE_ENOMEM
 */
MSTORE_API MSTORE_WUR int mstore_canonjson_encode(char **out, size_t *len, const json_t *value);

/**
 * Parses JSON text strictly (duplicate object keys, NUL characters in strings and trailing
 * garbage are refused) and encodes it canonically.
 */
MSTORE_API MSTORE_WUR int mstore_canonjson_from_text(char **out, size_t *len, const char *text,
                                                     size_t text_len);

/**
 * Parses JSON text with the same strict rules as every TUF metadata parser of libmstore.
 * @param[out] out new reference, to be released with json_decref()
 * @param what name of the input for error messages ("timestamp.json")
 */
MSTORE_API MSTORE_WUR int mstore_json_parse(json_t **out, const char *text, size_t text_len,
                                            const char *what);

#ifdef __cplusplus
}
#endif
#endif
