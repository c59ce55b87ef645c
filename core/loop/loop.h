/**
 * @file loop.h  One event loop shard: its SIP stack, media, requestor, calls
 *
 * Everything a call touches hangs off the loop that owns it, so a call
 * (both legs included) never crosses threads.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

#include "sip/stack.h"
#include "call/call.h"

struct app;
struct sipfwd;
struct sipcheck;

struct loop {
	struct sip_stack stk; /* app, index, SIP stack, media        */
	struct call_env env;  /* requestor, speech, audio, directory */
	struct sip_lsnr *lsnr;
	struct sipcheck *check; /* runs before every other listener */
	struct sipfwd *fwd;     /* first loop of several: spreads calls */
};

/**
 * Create the loop's SIP stack, media and services on the calling thread.
 * Loop 0 listens on SIP_LISTEN (and forwards other loops' calls when
 * there are several); loop idx > 0 listens on a private UDP port of the
 * same address and takes its slice of the RTP port range.
 */
int loop_alloc(struct loop **lp, struct app *app, unsigned idx);

/** Stop taking calls and end the live ones (shutdown) */
void loop_close(struct loop *l);

struct cfg;

/**
 * Apply what a reload may change on a running loop (requestor, listener
 * ceiling). On the loop's own thread.
 */
void loop_reconf(struct loop *l, const struct cfg *cfg);

struct json_object;

/**
 * The loop's own figures, on its thread: "connections" (requestor),
 * "listeners", "media", "tts" and "audio" objects added to doc, as
 * /metrics shows them.
 *
 * @return 0 or ENOMEM, or an area's error
 */
int loop_metrics(const struct loop *l, struct json_object *doc);

/** The requestor settings of a configuration */
struct req_conf;
struct cfg;
void loop_req_conf(struct req_conf *rc, const struct cfg *cfg);


#endif
