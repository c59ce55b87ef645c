/**
 * @file sbcping.h  OPTIONS pings to the jambonz SBCs (sbc-pinger.js)
 *
 * A jambonz SBC (sbc-sip-sidecar) keeps its list of feature servers,
 * the Redis set <cluster>:active-fs, from the OPTIONS each one sends:
 * X-FS-Status open adds it, closed removes it, silence for a minute
 * expires it. X-FS-Calls tells its load, X-FS-ServiceUrl where its
 * REST API is (<cluster>:fs-service-url).
 */
#ifndef SBCPING_H
#define SBCPING_H

#include <stdint.h>

struct sbcping;
struct sip_stack;

struct sbcping_conf {
	const char *sbcs;        /* JAMBONES_SBCS: host[:port], comma list */
	uint32_t interval_ms;    /* OPTIONS_PING_INTERVAL                  */
	const char *service_url; /* X-FS-ServiceUrl, or NULL               */
};

/**
 * Ping every SBC a second from now, then every interval, and at once
 * whenever draining starts (closed) or ends (open). On the stack's loop.
 *
 * @return 0, EINVAL (no SBC, or one that is not host[:port]), ENOMEM
 */
int sbcping_alloc(struct sbcping **pp, struct sip_stack *stk,
		  const struct sbcping_conf *conf);

/** OPTIONS sent and answered so far (for /metrics) */
void sbcping_counts(const struct sbcping *p, uint64_t *sent,
		    uint64_t *answered);

#endif
