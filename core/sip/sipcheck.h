/**
 * @file sipcheck.h  What a request must pass before it is routed
 *
 * Every request that reaches a loop's SIP stack meets this check first
 * (its listener is registered before the forwarder, the session socket
 * and the out-of-dialog handler): RFC 3261 conformance (the mandatory
 * headers, CSeq, Content-Length, Max-Forwards, Request-URI scheme,
 * Require, the body type of an INVITE), the loops' own relay traffic
 * accepted only from the loops' sockets, and for a new INVITE the
 * trusted SBC networks and the INVITE rate of its source. A request
 * that fails is answered here (or dropped when no answer can be routed)
 * and counted; one that passes goes on to the next listener.
 */
#ifndef SIPCHECK_H
#define SIPCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>

struct sip_stack;
struct sipcheck;
struct json_object;

/** Branch prefix of the forwarder's Via: marks relayed messages */
#define SIPCHECK_RELAY_BRANCH "z9hG4bKfsp"

/** Process-wide counters (updated atomically from every loop) */
struct sipcheck_stats {
	uint64_t dropped;          /* unanswerable, e.g. no Via          */
	uint64_t bad_request;      /* 400                                */
	uint64_t too_many_hops;    /* 483                                */
	uint64_t bad_extension;    /* 420                                */
	uint64_t bad_media_type;   /* 415                                */
	uint64_t bad_scheme;       /* 416                                */
	uint64_t relay_spoofed;    /* relay traffic not from a loop      */
	uint64_t untrusted;        /* 403: outside SBC_TRUSTED_NETS      */
	uint64_t rate_limited;     /* 503: SIP_INVITE_RATE               */
	uint64_t max_calls;        /* 503: MAX_CALLS                     */
	uint64_t max_duration;     /* ended: MAX_CALL_DURATION_SECS      */
	uint64_t account_mismatch; /* 403: application of another account */
	uint64_t bad_sid;          /* 400: malformed X-*-Sid header      */
};

/**
 * Start checking requests on a loop. Must run right after the loop's
 * SIP stack is made, so its listener comes before every other one.
 */
int sipcheck_alloc(struct sipcheck **scp, struct sip_stack *l);

/** @return true if the message's top Via carries the relay branch */
bool sipcheck_is_relay_via(const struct sip_msg *msg);

/** @return true if src is the UDP socket of one of the app's loops */
bool sipcheck_from_loop(const struct sip_stack *l, const struct sip_msg *msg);

/** Count one event: field is a member of struct sipcheck_stats */
#define SIPCHECK_COUNT(app, field)                                     \
	do {                                                           \
		if ((app)->sipstats)                                   \
			__atomic_add_fetch(&(app)->sipstats->field, 1, \
					   __ATOMIC_RELAXED);          \
	} while (0)

/** Add the counters, and the rate table size of sc (may be NULL), to
 *  /metrics */
struct app;
int sipcheck_metrics(const struct app *app, const struct sipcheck *sc,
		     struct json_object *o);


/** re_printf handler (%H) for a struct pl: anything but printable ASCII
 *  escaped as \xNN, at most 80 characters */
int sipcheck_print_pl(struct re_printf *pf, void *arg);

#endif
