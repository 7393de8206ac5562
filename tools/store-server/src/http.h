/* The HTTP side of `mstore-server serve` (libmicrohttpd): repository files and the developer API.
 */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include <microhttpd.h>
#include <jansson.h>

#include "store.h"

typedef struct srv_http srv_http;

/** Starts listening (cfg->listen, cfg->port; port 0 picks a free one). */
int srv_http_start(srv_http **out, srv_store *store);

/** @return the port actually bound. */
int srv_http_port(const srv_http *http);

/** Stops the daemon (finishing requests in progress) and frees it. NULL is fine. */
void srv_http_stop(srv_http *http);

/* Shared by the modules of the HTTP side. */

/** Queues a JSON answer (consumes body). */
enum MHD_Result srv_http_json(struct MHD_Connection *c, unsigned status, json_t *body);

/** Queues {"error": code, "message": text} with status. */
enum MHD_Result srv_http_error(struct MHD_Connection *c, unsigned status, const char *code,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Serves a file of the repository (GET/HEAD): Range, ETag, cache headers. */
enum MHD_Result srv_http_static(struct MHD_Connection *c, srv_store *store, const char *rel,
                                const char *method);

/**
 * Parses a Range header for a file of size bytes: one range "bytes=a-b", "bytes=a-", "bytes=-n".
 * @return 1 with [start, end] set, 0 to ignore the header (other units, several ranges, syntax
 *         errors: the whole file is a valid answer), -1 when unsatisfiable (416)
 */
int srv_http_parse_range(uint64_t *start, uint64_t *end, const char *header, uint64_t size);

/**
 * Percent-decodes a request path in place. An encoded NUL or '/' becomes 0x01, which no valid
 * path contains, so "root.json%00.png" and "..%2f" are refused by srv_path_safe().
 * @return the new length
 */
size_t srv_http_unescape(char *s);

#endif
