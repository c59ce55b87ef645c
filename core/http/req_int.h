/**
 * @file req_int.h  Requestor internals shared by req*.c and the unit tests:
 *                   the requestor and transfer objects, the retry policy
 *                   and the signature
 */
#ifndef REQ_INT_H
#define REQ_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <re.h>
#include <curl/curl.h>
#include <fs/fs_req.h>
#include "http/req.h"


/** Failure classes of the "#rc=N&rp=LIST" retry policy */
enum req_rp {
	REQ_RP_CT = 1 << 0,    /* connect failure (refused, DNS)      */
	REQ_RP_RT = 1 << 1,    /* response timeout                    */
	REQ_RP_4XX = 1 << 2,   /* HTTP 4xx                            */
	REQ_RP_5XX = 1 << 3,   /* HTTP 5xx                            */
	REQ_RP_OTHER = 1 << 4, /* anything else (only with "all")     */
	REQ_RP_ALL = 0x1f,
};

enum {
	REQ_RC_MAX = 5, /* most retries a URL may ask for      */
};

/** Retry policy of one request */
struct req_retry {
	uint32_t rc; /* retries allowed, 0..REQ_RC_MAX       */
	uint32_t rp; /* enum req_rp bits                     */
};

/**
 * Parse a URL fragment ("rc=2&rp=5xx,ct", without '#'). Unknown keys and
 * list items are ignored, rc is clamped to REQ_RC_MAX; the defaults
 * (rc 0, rp ct) apply to whatever is absent.
 *
 * @param rt   Receives the policy
 * @param frag Fragment (borrowed), may be NULL
 * @return 0 or EINVAL (rt NULL)
 */
int req_retry_parse(struct req_retry *rt, const char *frag);

/**
 * Back-off before retry n (1 = first): 500 ms doubling while under 2 s,
 * then 2 s more each time (500, 1000, 2000, 4000, 6000).
 */
uint32_t req_retry_delay(uint32_t n);

/**
 * Format the Jambonz-Signature header line:
 * "Jambonz-Signature: t=<t>,v1=<hex HMAC-SHA256(secret, "<t>." body)>".
 *
 * @param buf    Output, NUL-terminated
 * @param sz     Size of buf (>= 128 is always enough)
 * @param secret Webhook secret (borrowed)
 * @param t      Unix time in seconds
 * @param body   Exact body bytes sent (borrowed), may be NULL if len 0
 * @param len    Body length
 * @return 0, EINVAL, ENOMEM, EOVERFLOW (buf too small)
 */
int req_sig_header(char *buf, size_t sz, const char *secret, uint64_t t,
		   const char *body, size_t len);

/* ---- the requestor and its transfers (req.c, req_xfer.c) ---- */

#define REQ_LOG "req"

enum {
	REQ_DEF_POOLSIZE = 20,
	REQ_DEF_TIMEOUT = 10000,
	REQ_DEF_CLEANUP = 60000,
	REQ_DEF_MAX_BODY = 1024 * 1024,
	REQ_DEF_STREAMS = 10,
	REQ_LAT_RING = 2048,   /* latency samples kept (8 KB)          */
	REQ_MIN_MAXCONNS = 32, /* idle cache floor across all hosts    */
	REQ_SIG_HDR_SZ = 160,
};

/** One socket curl asked us to watch */
struct req_sock {
	struct le le;
	struct fs_req *req;
	curl_socket_t fd;
};

struct req_stats {
	uint64_t requests;
	uint64_t retries;
	uint64_t created;
	uint64_t reused;
	uint64_t f_connect;
	uint64_t f_timeout;
	uint64_t f_4xx;
	uint64_t f_5xx;
	uint64_t f_toolarge;
	uint64_t f_protocol;
	uint64_t f_denied;
	uint64_t f_other;
	uint64_t lat_n;             /* samples ever taken             */
	uint32_t lat_max;           /* ms, since start                */
	uint32_t lat[REQ_LAT_RING]; /* ms, the last REQ_LAT_RING      */
};

/** The requestor of one loop: the only state this file keeps */
struct fs_req {
	CURLM *multi;
	struct tmr tmr;    /* curl's timeout                       */
	struct tmr sweep;  /* idle connection sweep                */
	struct list xfers; /* every live request (struct req_xfer) */
	struct list socks; /* watched sockets (struct req_sock)    */
	uint32_t active;   /* easy handles attached to the multi   */
	uint64_t last_use; /* jiffies of the last attach or finish */
	bool pooled;       /* the cache may hold idle connections  */
	struct req_conf conf;
	char *user_agent;
	struct netlist *deny; /* HTTP_DENY_NETS, parsed; NULL = none */
	struct req_ws *ws;    /* WebSocket client, made on first use */
	struct req_stats st;
};

/** One request, alive from fs_req_send() to its handler or abort */
struct req_xfer {
	struct le le;
	struct fs_req *req;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;  /* on the wire: no fragment, query added   */
	char *body; /* POST body ("" when none)                */
	size_t body_len;
	char *secret;
	char *user;
	char *pass;
	char *xhdrs; /* extra header lines, '\n'-separated (core) */
	bool post;
	bool attached; /* in req->multi                           */
	bool toolarge; /* the write callback refused the body     */
	bool denied;   /* a resolved address is in the deny list  */
	struct fs_listener *bind;
	fs_resp_h *resph;
	void *arg;
	char *rbuf;
	size_t rlen;
	size_t rcap;
	size_t max_body;
	uint32_t timeout_ms;
	struct req_retry retry;
	uint32_t attempts;
	struct tmr retry_tmr;
	uint64_t t0;
};

/** A transfer ended: classify, retry or hand the answer over (req_xfer.c) */
void xfer_done(struct req_xfer *x, CURLcode res);

/** Record one answered request's latency (req.c) */
void req_latency(struct fs_req *req, uint64_t ms);

#endif
