/**
 * @file req.h  Core side of the pooled requestor: set-up and stats
 */
#ifndef REQ_H
#define REQ_H

#include <stdbool.h>
#include <fs/fs_req.h>

struct json_object;
struct re_printf;

/** Requestor settings; a zero field takes the documented default */
struct req_conf {
	uint32_t poolsize;      /* max connections per host (20)       */
	uint32_t timeout_ms;    /* default response timeout (10000)    */
	uint32_t cleanup_ms;    /* idle connection sweep interval (60000) */
	uint32_t max_body;      /* default max response body (1 MiB)   */
	const char *user_agent; /* User-Agent header, copied ("jambonz") */
	uint32_t pipelining;    /* HTTP/2 streams per connection       */
	const char *deny_nets;  /* CIDR list no request may connect to,
				   copied; NULL or "" for none         */
};

/**
 * Allocate a requestor bound to the calling thread's re loop. Destroying
 * it (mem_deref) aborts every request in flight without calling handlers.
 *
 * @param reqp Returns a new reference
 * @param conf Settings (borrowed), NULL for all defaults
 * @return 0, EINVAL, ENOMEM, or EIO when curl refuses to start
 */
int req_alloc(struct fs_req **reqp, const struct req_conf *conf);

/** Apply new settings (reload); in-flight requests keep theirs */
int req_reconf(struct fs_req *req, const struct req_conf *conf);

/**
 * Add requestor stats to obj: requests, inflight, connections
 * {created, reused, poolsize}, failures {connect, timeout, http4xx,
 * http5xx, toolarge, protocol, denied, other}, retries, latency_ms {p50, p90,
 * p99, max}.
 */
int req_metrics(const struct fs_req *req, struct json_object *obj);

/**
 * fs_req_send() with extra request headers, for core requests that are
 * not webhooks (an updateCall sent on to another instance).
 *
 * @param hdrs "Name: value" lines separated by '\n' (copied), or NULL
 */
int req_send_hdrs(struct fs_req *req, struct fs_scope *scope,
		  const struct fs_hook *hook, const struct fs_req_opts *opts,
		  const char *hdrs, fs_resp_h *resph, void *arg);

/**
 * Whether url (absolute, or relative to base) names the same scheme,
 * host and port as base: the test for handing base's credentials on.
 *
 * @return false when either does not parse
 */
bool req_same_origin(const char *url, const char *base);

/**
 * Percent-encode s for a URL's path segment or query value: everything
 * but RFC 3986's unreserved characters (%H with a const char *). AWS
 * signing requires exactly this set.
 */
int req_url_escape(struct re_printf *pf, const char *s);

/**
 * Print a URL for a log line: without its user and password, which a
 * log must never hold (%H with a const char *).
 */
int req_url_print(struct re_printf *pf, const char *url);

/* ---- WebSocket connections (req_ws.c) ---- */

struct req_ws_conn;

/** Settings of one WebSocket connection */
struct req_ws_opts {
	uint32_t handshake_ms;   /* connect + handshake deadline (1500)  */
	uint32_t ping_ms;        /* ping interval, 0 for none             */
	uint32_t max_payload;    /* largest message taken (131072 at most) */
	const char *subprotocol; /* Sec-WebSocket-Protocol or NULL       */
	const char *headers;     /* more request headers, each line ending
				    in CRLF (copied), or NULL: a vendor's
				    Authorization; the caller checks
				    what goes in                         */
};

/** The handshake succeeded: req_ws_send() may be used */
typedef void(req_ws_estab_h)(void *arg);

/** One whole text message (fragments joined, NUL-terminated, borrowed) */
typedef void(req_ws_msg_h)(const char *text, size_t len, void *arg);

/** One whole binary message (fragments joined, borrowed) */
typedef void(req_ws_bin_h)(const uint8_t *data, size_t len, void *arg);

/**
 * The connection is over, reported once (not after req_ws_close()):
 * err 0 when the peer closed it, EPROTO for a refused handshake or a
 * protocol error, ETIMEDOUT (handshake deadline), EACCES (HTTP_DENY_NETS),
 * EFBIG (a message over max_payload), EBADMSG (a binary message on a
 * connection without a binary handler), or the socket's errno. The handler may
 * free the connection.
 */
typedef void(req_ws_close_h)(int err, void *arg);

/**
 * Open a WebSocket to hook->url (ws:// or wss://; basic auth from the
 * hook, else from the URL) on req's loop. Handlers run on that loop and
 * never after the connection is freed.
 *
 * @return 0, EINVAL (bad URL or arguments), EACCES (a denied address),
 *         ENOMEM
 */
int req_ws_open(struct req_ws_conn **cp, struct fs_req *req,
		const struct fs_hook *hook, const struct req_ws_opts *opts,
		req_ws_estab_h *estabh, req_ws_msg_h *msgh,
		req_ws_close_h *closeh, void *arg);

/** Send a text message; ENOTCONN before the handshake or after the end */
int req_ws_send(struct req_ws_conn *c, const char *text);

/**
 * Take binary messages with binh instead of ending the connection with
 * 1003 (EBADMSG), which stays the default (applications' sockets).
 * NULL restores the default.
 */
void req_ws_set_bin(struct req_ws_conn *c, req_ws_bin_h *binh);

/** Send a binary message; ENOTCONN before the handshake or after the end */
int req_ws_send_bin(struct req_ws_conn *c, const void *data, size_t len);

/**
 * @return bytes waiting in the socket's send queue (libre queues what
 *         the kernel did not take): how far the peer lags behind
 */
size_t req_ws_txq(const struct req_ws_conn *c);

/**
 * Close with 1000 (normal closure); no handler runs after it. The
 * connection must still be freed with mem_deref.
 */
void req_ws_close(struct req_ws_conn *c);

/**
 * The status code of the peer's close frame, for the close handler to
 * read: 0 if none came (a TCP close or a drop), 1005 if it had none
 */
uint16_t req_ws_peer_code(const struct req_ws_conn *c);

bool req_ws_is_open(const struct req_ws_conn *c);

/** Free the requestor's WebSocket client (the requestor's destructor) */
void req_ws_flush(struct fs_req *req);

/** Curl global init/cleanup, once per process */
int req_global_init(void);
void req_global_close(void);

#endif
