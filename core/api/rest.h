/**
 * @file rest.h  HTTP listener: health, metrics (and the REST API later)
 *
 * libmicrohttpd runs inside the re loop (its epoll fd is watched with
 * fd_listen), so handlers run on the loop thread and may read loop state.
 */
#ifndef REST_H
#define REST_H

#include <stdint.h>

struct app;
struct rest;
struct json_object;

/**
 * Start listening on addr:port.
 *
 * @return 0, EADDRINUSE, EINVAL, ENOMEM
 */
int rest_alloc(struct rest **rp, struct app *app, const char *addr,
	       uint16_t port);

/**
 * Build the /metrics JSON document (new reference in *op).
 *
 * @param others The other loops' figures as loopstat_gather() returns
 *               them (index = loop), added to the first loop's; or NULL
 */
int metrics_json(const struct app *app, const struct json_object *others,
		 struct json_object **op);

/** Render a metrics JSON document as Prometheus text into a new string */
int metrics_prometheus(const struct json_object *doc, char **strp);

#endif
