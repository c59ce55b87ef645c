/**
 * @file call.h  A call: its SIP side, media, application and session
 *
 * Inbound (call_sip.c) and outbound (outcall.c) calls are one object,
 * made by call_alloc() on the loop that owns them. A call uses what its
 * loop lends it (struct call_env) and reports its start and end through
 * the loop's handler; it never names the loop.
 */
#ifndef CALL_H
#define CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include <fs/fs_call.h>
#include <fs/fs_req.h>

struct app;
struct sip_stack;
struct fs_req;
struct scopemgr;
struct tts;
struct audiocache;
struct directory;
struct dir_app;
struct json_object;
struct media_stream;
struct session;
struct ws_app;
struct leg;
struct vlist;

enum call_state {
	CALL_TRYING = 0, /* INVITE received, nothing but 100 sent   */
	CALL_EARLY,      /* 180/183 sent                            */
	CALL_ANSWERED,   /* 200 sent                                */
	CALL_ENDED,      /* BYE, CANCEL, reject or failure          */
};

struct fs_call;

enum call_event {
	CALL_EV_START, /* counted: reachable by call_sid from now on */
	CALL_EV_END,   /* ended; freed from a zero-delay timer        */
};

/** The loop's handler: its counters and the call_sid registry */
typedef void(call_event_h)(struct fs_call *c, enum call_event ev, void *arg);

/** What a loop lends its calls (owned by the loop, outlives them) */
struct call_env {
	struct sip_stack *stk; /* app, loop index, SIP stack, media */
	struct fs_req *req;
	struct scopemgr *scopes;
	struct tts *tts;
	struct audiocache *audio;
	struct directory *dir;
	struct list calls; /* struct fs_call, live calls */
	call_event_h *eh;
	void *arg;
};

struct fs_call {
	struct le le; /* env->calls                           */
	struct call_env *env;
	char sid[37];
	char trace_id[33];
	enum call_state state;
	bool early_media; /* 183 with SDP sent                    */
	bool closing;
	bool started;       /* CALL_EV_START reported              */
	bool peer_term;     /* the peer ended the dialog            */
	bool has_offer;     /* the INVITE carried SDP               */
	bool has_media;     /* remote RTP address known             */
	bool notify_events; /* verb:status (config notifyEvents) */
	bool acked;         /* the ACK of our 2xx came (inbound)     */
	bool tts_nocache;   /* config disableTtsCache                */
	struct call_play *playing;
	const char *termination_by; /* "caller" or "jambonz"          */
	uint16_t final_scode;
	char *final_reason;
	char *callid;
	char *from_user, *to_user, *caller_name;
	struct sip_msg *invite; /* inbound only */
	struct leg *uac;        /* outbound only: our INVITE */
	struct sip_strans *st;  /* ours until the session exists */
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct media_stream *media;
	struct fs_scope *scope;
	struct dir_app *app;
	struct session *session;
	struct ws_app *ws;         /* WebSocket application or NULL */
	struct ws_app *ws_gone;    /* closed: the session went to HTTP */
	struct json_object *tag;   /* customerData */
	struct json_object *synth; /* session synthesizer defaults */
	struct json_object *recog;
	uint64_t start_ms, answer_ms;
	uint32_t time_limit_ms; /* createCall timeLimit */
	char *call_hook_base;   /* base URL for relative hooks */
	struct tmr tmr_end;     /* deferred teardown */
	struct list dlg_wait;   /* call_dlg.c: requests held for the ACK */
	struct tmr tmr_dlg;     /* call_dlg.c: the longest they wait */
};

/**
 * A new call on env: call_sid, trace id, scope, MAX_CALL_DURATION_SECS.
 * Free it with mem_deref until call_start(), then end it with
 * call_terminate().
 */
int call_alloc(struct fs_call **cp, struct call_env *env);

/** The call is live: listed, counted, found by call_sid */
void call_start(struct fs_call *c);

/** @return the live call with this call_sid, or NULL */
struct fs_call *call_find(const struct call_env *env, const char *call_sid);

/** Hang up every live call of env (shutdown) */
void call_close_all(struct call_env *env);

/** Handle a new INVITE (sipsess connection handler) */
void call_inbound(struct call_env *env, const struct sip_msg *msg);

/**
 * Whether a new call, inbound or outbound, may start.
 *
 * @return 0, ESHUTDOWN (draining) or EBUSY (MAX_CALLS reached)
 */
int call_room(const struct app *app);

/** Ensure 183 with SDP (earlyMedia) or 200 OK with SDP */
int call_progress_media(struct fs_call *c);
int call_answer(struct fs_call *c);

/** 180 Ringing without SDP, while nothing else was sent */
int call_ring(struct fs_call *c);

/** The directory's answer for c (call_hook.c; a dir_lookup_h) */
void call_app_found(int err, uint16_t scode, const char *reason,
		    struct dir_app *app, void *arg);

/**
 * Synthesise text for c (fs_call_tts()), with the cache skipped when
 * nocache (disableTtsCache of the verb or the session)
 */
int call_tts(struct fs_call *c, struct fs_scope *scope,
	     const struct json_object *synth, const char *text, bool nocache,
	     fs_audio_h *h, void *arg);

/** The ACK of our 2xx came: send the requests held for it (call_dlg.c) */
void call_dlg_acked(struct fs_call *c);

/** "trying", "ringing", ..., "completed": call_status of the payload */
const char *call_status_name(const struct fs_call *c);

/**
 * The RFC 3261 phrase of a status: JAMBONES_WEBHOOK_ERROR_RETURN may be
 * any 4xx-6xx, and callers and SBCs log the phrase next to the code
 */
const char *call_reason_phrase(uint16_t scode);

/** The verb list ran out or failed: end the call the protocol way */
void call_list_ended(struct fs_call *c, bool media_failed);

/** The one place a call ends: SIP, media, session, status */
void call_terminate(struct fs_call *c, uint16_t scode, const char *reason,
		    const char *x_reason, const char *extra_hdrs);

/** Run v on the call (a new session) */
void call_start_verbs(struct fs_call *c, struct vlist *v);

/**
 * End c for a webhook problem: an unanswered call is rejected with
 * JAMBONES_WEBHOOK_ERROR_RETURN and X-Reason why, an answered one hung
 * up. why is logged and must hold no credentials.
 */
void call_reject_webhook(struct fs_call *c, const char *why);
void call_send_first(struct fs_call *c);
void call_synth_defaults(struct fs_call *c);
void call_media_dtmf(char digit, void *arg);

/** Build the common webhook payload (new object) */
struct json_object *call_payload(const struct fs_call *c);

/** Post call:status to the status hook (failures only logged) */
void call_status(struct fs_call *c, const char *status);

/**
 * A verb's actionHook failed, as jambonz's gather reports it: call:status
 * with error and reason (the call's status unchanged), and to a
 * WebSocket application jambonz:error {msg, details, verb}
 */
void call_hook_error(struct fs_call *c, const char *verb, const char *msg,
		     const char *reason);

/** Hook fields for requests of this call */
void call_hook_fill(const struct fs_call *c, const struct json_object *hook,
		    struct fs_hook *out, struct fs_req_opts *opts);

#endif
