/**
 * @file fs_leg.h  Outbound legs a verb places and bridges (dial)
 */
#ifndef FS_LEG_H
#define FS_LEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_leg;
struct fs_scope;
struct json_object;

enum fs_leg_event {
	FS_LEG_RINGING,  /**< 180/183 without SDP                   */
	FS_LEG_EARLY,    /**< 180/183 with SDP: early media         */
	FS_LEG_ANSWERED, /**< 200 OK                                */
	FS_LEG_FAILED,   /**< final error, ring timeout (487)       */
	FS_LEG_ENDED,    /**< the far end hung up after answering   */
};

/**
 * Leg event; none follows FS_LEG_FAILED or FS_LEG_ENDED.
 *
 * @param scode  SIP status (486 busy, 487 timeout/cancel, 200, ...)
 * @param reason Reason phrase (borrowed)
 */
typedef void(fs_leg_h)(struct fs_leg *leg, enum fs_leg_event ev,
		       uint16_t scode, const char *reason, void *arg);

struct fs_leg_opts {
	const char *caller_id;             /**< From user; NULL = caller's */
	const char *caller_name;           /**< From display name          */
	const struct json_object *headers; /**< extra SIP headers         */
	uint32_t timeout_ms;               /**< ring timeout; 0 = 60 s      */
};

/**
 * Call a target ({type: phone|sip|user, number, sipUri, name, auth,
 * headers, proxy}) from the call's event loop. Bound to scope: closing
 * it hangs the leg up (CANCEL or BYE) and no event follows.
 *
 * @param lp  Returns a handle, valid until the scope closes
 * @param err Receives why a target cannot be called
 * @return 0, EINVAL (bad target), ESHUTDOWN, ENOMEM
 */
int fs_leg_dial(struct fs_leg **lp, struct fs_call *c, struct fs_scope *scope,
		const struct json_object *target, const struct fs_leg_opts *o,
		fs_leg_h *h, void *arg, char *err, size_t errsz);

/** Hang up now (CANCEL or BYE); no event follows */
void fs_leg_hangup(struct fs_leg *leg);

const char *fs_leg_sid(const struct fs_leg *leg);
const char *fs_leg_callid(const struct fs_leg *leg);

/**
 * Bridge the call's media with the leg's: each side hears the other
 * (codecs converted when they differ, DTMF passed on). The bridge ends
 * when either side ends.
 */
int fs_call_bridge(struct fs_call *c, struct fs_leg *leg);

#ifdef __cplusplus
}
#endif

#endif
