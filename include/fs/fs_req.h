/**
 * @file fs_req.h  Pooled HTTP requestor (webhooks, audio fetches)
 *
 * One requestor per event loop, shared by every call and verb on it:
 * libcurl multi driven by the loop, keep-alive connection pool per host,
 * Jambonz-Signature, basic auth, timeout and the "#rc=&rp=" retry policy.
 *
 * Part of the plugin API (docs/abi.md) for verbs with webhooks of their
 * own. Plugins allocate the structs below, so changing any of them,
 * appending included, bumps FS_ABI_MAJOR.
 *
 * Relative hook URLs ("/action") resolve against opts->base_url (its
 * scheme://host:port). They inherit nothing else from it: credentials in
 * base_url are dropped, and a hook that should use the call hook's basic
 * auth must carry that username/password itself (the caller copies them
 * from the call hook, as jambonz does).
 *
 * The retry policy comes from the hook URL's fragment, "#rc=N&rp=LIST"
 * (N 0..5, default 0; LIST of ct, rt, 4xx, 5xx, all; default ct); the
 * fragment is never sent. Each attempt is signed afresh.
 */
#ifndef FS_REQ_H
#define FS_REQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_req;
struct fs_scope;

/** A webhook target as jambonz apps give it; all strings borrowed */
struct fs_hook {
	const char *url;      /**< absolute, or relative to base_url     */
	const char *method;   /**< "POST" (default when NULL) or "GET"   */
	const char *username; /**< basic auth, optional                  */
	const char *password;
};

/** A response; valid only during the response handler */
struct fs_resp {
	uint16_t status;   /**< HTTP status                           */
	const char *ctype; /**< Content-Type or NULL                  */
	const char *body;  /**< NUL-terminated body, never NULL       */
	size_t len;        /**< body length                           */
	uint32_t attempts; /**< 1 + retries performed                 */
};

/** Per-request options; zero-initialise and set what you need */
struct fs_req_opts {
	const char *base_url; /**< resolves a relative hook url       */
	const char *body;     /**< JSON body (POST) or NULL           */
	const char *secret;   /**< webhook secret for the signature,
				   computed over body ("" for a GET)  */
	const char *query;    /**< GET: pre-encoded query string      */
	size_t max_body;      /**< 0 = requestor default              */
	uint32_t timeout_ms;  /**< 0 = JAMBONES_HTTP_TIMEOUT; bounds
				   connect + response of one attempt  */
};

/**
 * Response handler. Runs at most once, never after the request's scope
 * closed.
 *
 * @param err  0 when an HTTP response arrived (any status: check
 *             resp->status), else ECONNREFUSED (connect failure),
 *             ETIMEDOUT, EFBIG (body over the limit), EPROTO (not HTTP),
 *             EINVAL (bad URL) or another errno
 * @param resp Response (borrowed) when err is 0, else NULL
 * @param arg  Handler argument
 */
typedef void(fs_resp_h)(int err, const struct fs_resp *resp, void *arg);

/**
 * Send a request. The request is bound to scope: closing the scope
 * aborts it and suppresses the handler.
 *
 * @param req   Requestor of the calling loop (borrowed)
 * @param scope Owning scope (borrowed); may be NULL for fire-and-forget
 * @param hook  Target (borrowed, copied as needed)
 * @param opts  Options (borrowed, copied as needed); may be NULL
 * @param resph Response handler, may be NULL
 * @param arg   Handler argument
 * @return 0 or errno (EINVAL bad hook/url, ESHUTDOWN scope closed)
 */
int fs_req_send(struct fs_req *req, struct fs_scope *scope,
		const struct fs_hook *hook, const struct fs_req_opts *opts,
		fs_resp_h *resph, void *arg);

#ifdef __cplusplus
}
#endif

#endif
