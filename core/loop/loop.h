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

struct app;
struct fs_req;
struct scopemgr;
struct media_loop;
struct tts;
struct audiocache;
struct directory;
struct sipfwd;
struct sipcheck;

struct loop {
	struct app *app;
	unsigned idx;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct sipcheck *check; /* runs before every other listener */
	struct sipfwd *fwd;     /* first loop of several: spreads calls */
	struct media_loop *media;
	struct fs_req *req;
	struct scopemgr *scopes;
	struct tts *tts;
	struct audiocache *audio;
	struct directory *dir;
	struct list calls;    /* struct fs_call, live calls */
	struct hash *callids; /* by SIP Call-ID, inbound setup dedupe */
	struct sa sip_addr;   /* SIP listen address */
	uint64_t calls_total;
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

/** The requestor settings of a configuration */
struct req_conf;
struct cfg;
void loop_req_conf(struct req_conf *rc, const struct cfg *cfg);

/** @return the live call with this call_sid, or NULL */
struct fs_call *loop_call_find(const struct loop *l, const char *call_sid);

#endif
