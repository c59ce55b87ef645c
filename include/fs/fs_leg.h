/**
 * @file fs_leg.h  Outbound legs a verb places and bridges (dial)
 */
#ifndef FS_LEG_H
#define FS_LEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/fs_call.h>
#include <fs/fs_req.h>
#include <fs/fs_sip.h>

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

/* ABI 1.9 ---------------------------------------------------------------- */

/** A digit the leg's far end sent: an RFC 4733 event or a SIP INFO */
typedef void(fs_leg_dtmf_h)(struct fs_leg *leg, char digit, void *arg);

/** Hear the leg's digits from now on (h NULL: no more) */
void fs_leg_set_dtmf(struct fs_leg *leg, fs_leg_dtmf_h *h, void *arg);

/**
 * The leg's far end put it on hold (a re-INVITE with sendonly, inactive
 * or a null address) or took it back; from and to are that re-INVITE's
 * From and To header values (borrowed)
 */
typedef void(fs_leg_hold_h)(struct fs_leg *leg, bool held, const char *from,
			    const char *to, void *arg);

/** Hear of the leg's holds from now on (h NULL: no more) */
void fs_leg_set_hold(struct fs_leg *leg, fs_leg_hold_h *h, void *arg);

/**
 * A request in the answered leg's dialog (INFO, NOTIFY, MESSAGE), as
 * fs_call_request() in the call's (include/fs/fs_sip.h).
 *
 * @return as fs_call_request(); ENOTCONN before the answer or once ended
 */
int fs_leg_request(struct fs_leg *leg, struct fs_scope *scope,
		   const struct fs_sipreq *r, fs_sipreq_h *h, void *arg);

/** A REFER from the leg's far end, until answered */
struct fs_leg_refer;

/**
 * The leg's far end sent a REFER.
 *
 * @return the status to answer now, or 0 to answer it later with
 *         fs_leg_refer_reply() (keep it with mem_ref)
 */
typedef uint16_t(fs_leg_refer_h)(struct fs_leg *leg, struct fs_leg_refer *r,
				 void *arg);

/** Take the leg's REFERs from now on (h NULL: 501 Not Implemented) */
void fs_leg_set_refer(struct fs_leg *leg, fs_leg_refer_h *h, void *arg);

/**
 * jambonz's refer_details of a REFER: sip_refer_to, refer_to_user,
 * sip_referred_by, referred_by_user, sip_user_agent (those present) and
 * every X- header by its name.
 *
 * @return a new object, NULL on ENOMEM
 */
struct json_object *fs_leg_refer_details(const struct fs_leg_refer *r);

/**
 * Answer the REFER (once; 202 Accepted, 501, ...). One never answered
 * gets 500 when its last reference goes.
 */
void fs_leg_refer_reply(struct fs_leg_refer *r, uint16_t scode,
			const char *reason);

/**
 * The answered leg becomes a call of its own (updateCall's
 * child_call_hook, jambonz's doAdulting): the same call_sid, the call's
 * application, verbs from hook (session:redirect with the leg's call
 * fields). The handle stays valid but does nothing more; undo any
 * bridge first.
 *
 * @return 0, ENOTCONN (not answered, ended), EINVAL (hook), ENOMEM
 */
int fs_leg_adopt(struct fs_leg *leg, const struct json_object *hook);

/**
 * Post the call's own fields plus fields to hook, as fs_leg_hook() does
 * the leg's, the answer to h (dial's onHoldHook).
 *
 * @param fields Takes the reference (may be NULL)
 * @return 0, EINVAL (no URL), ESHUTDOWN, ENOMEM
 */
int fs_call_hook(struct fs_call *c, struct fs_scope *scope, const char *type,
		 const struct json_object *hook, struct json_object *fields,
		 fs_resp_h *h, void *arg);

/**
 * The leg's fields for a webhook of its own, over the call's payload
 * (call_sid, parent_call_sid, direction, call_id, to, call_status,
 * sip_status, ...), as jambonz's child CallInfo.
 *
 * @return a new object, NULL on ENOMEM
 */
struct json_object *fs_leg_fields(const struct fs_leg *leg);

/**
 * Post the leg's fields (fs_leg_fields()) plus fields to hook, as
 * jambonz's requests for its child call: a message of type ("verb:hook",
 * "dial:confirm") over the WebSocket of a WebSocket application, else
 * HTTP. Bound to scope: closing it drops the answer.
 *
 * @param fields Takes the reference (may be NULL)
 * @param h      The answer (may be NULL)
 * @return 0, EINVAL (no URL), ESHUTDOWN, ENOMEM
 */
int fs_leg_hook(struct fs_leg *leg, struct fs_scope *scope, const char *type,
		const struct json_object *hook, struct json_object *fields,
		fs_resp_h *h, void *arg);

/**
 * Play audio to the leg's far end only (a whisper, the confirmHook's
 * prompts): the bridge, if any, must be undone first. Bound to scope:
 * closing it stops playback without calling h.
 *
 * @return 0, ENOTCONN (no media, or bridged), ESHUTDOWN, ENOMEM
 */
int fs_leg_play(struct fs_leg *leg, struct fs_scope *scope,
		struct fs_audio *audio, fs_play_h *h, void *arg);

/** Undo the call's bridge (each side hears silence until bridged again) */
void fs_call_unbridge(struct fs_call *c);

/**
 * Post the call's payload plus fields to hook after the call ended (a
 * dial's actionHook when the caller hung up mid-bridge, as jambonz
 * still sends it): over the WebSocket of a WebSocket application, else
 * HTTP; bound to no scope, the answer is not acted on.
 *
 * @param fields Takes the reference
 * @return 0, EINVAL (no URL), ENOMEM
 */
int fs_call_final_hook(struct fs_call *c, const struct json_object *hook,
		       struct json_object *fields);

/* ABI 1.11 --------------------------------------------------------------- */

/**
 * Emitted on the call's scope when the caller (an inbound call's far
 * end) puts the call on hold with a re-INVITE (sendonly, inactive, a
 * null address) or takes it back; data is a const struct fs_call_hold *.
 * The core answers the re-INVITE itself, as before.
 */
#define FS_EV_CALL_HOLD "call_hold"

struct fs_call_hold {
	bool held;
	const char *from; /**< the re-INVITE's From header value */
	const char *to;   /**< its To header value               */
};

/**
 * Emitted on the call's scope for a REFER of the caller (an inbound
 * call's dialog, once answered); data is a struct fs_call_refer *. A
 * taker sets scode to the status to answer now, or leaves it 0 and
 * answers r later with fs_leg_refer_reply() (keeping it with mem_ref).
 * A REFER no one takes gets 501 Not Implemented, as before.
 */
#define FS_EV_CALL_REFER "call_refer"

struct fs_call_refer {
	struct fs_leg_refer *r; /**< fs_leg_refer_details() reads it */
	uint16_t scode;
};

/**
 * Put the answered leg's far end on hold (a re-INVITE offering
 * a=sendonly: it still hears what the leg is sent) or take it back
 * (a=sendrecv), as dial passes the caller's hold on.
 *
 * @return 0, EINVAL, ENOTCONN (not answered, ended), or the stack's (a
 *         re-INVITE already in progress)
 */
int fs_leg_hold(struct fs_leg *leg, bool hold);

/**
 * updateCall and WebSocket commands for a dial's bridge, emitted on the
 * call's scope (data: struct fs_dial_cmd *): "whisper" (say or play
 * verbs to one party), "child_call_hook" (new verbs for the bridged
 * leg), "leg" (which bridged leg has call_sid: sip_request and dtmf
 * of updateCall and the WebSocket API go to it). The dial verb that
 * takes one sets err (and why), or leg, before returning; no taker means
 * no dial is bridged.
 */
#define FS_EV_DIAL_CMD "dial_cmd"

struct fs_dial_cmd {
	const char *cmd;      /**< "whisper", "child_call_hook", "leg" */
	const char *call_sid; /**< the call's, or its child's    */
	const struct json_object *data; /**< the command's value           */
	int err;                        /**< 0, EINVAL, ENOTCONN, ...      */
	char why[128];                  /**< what was wrong, for the error */
	struct fs_leg *leg; /**< "leg": the bridged leg named call_sid */
};

#ifdef __cplusplus
}
#endif

#endif
