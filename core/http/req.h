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
 * Print a URL for a log line: without its user and password, which a
 * log must never hold (%H with a const char *).
 */
int req_url_print(struct re_printf *pf, const char *url);

/** Curl global init/cleanup, once per process */
int req_global_init(void);
void req_global_close(void);

#endif
