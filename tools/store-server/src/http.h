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

#endif
