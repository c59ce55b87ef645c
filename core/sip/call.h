/**
 * @file call.h  A call leg and its session (core private)
 */
#ifndef CALL_H
#define CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include <fs/fs_call.h>
#include <fs/fs_req.h>

struct app;
struct loop;
struct dir_app;
struct json_object;
struct media_stream;
struct session;
struct leg;
struct vlist;

enum call_state {
	CALL_TRYING = 0, /* INVITE received, nothing but 100 sent   */
	CALL_EARLY,      /* 180/183 sent                            */
	CALL_ANSWERED,   /* 200 sent                                */
	CALL_ENDED,      /* BYE, CANCEL, reject or failure          */
};

struct fs_call {
	struct le le; /* loop->calls                          */
	struct le he; /* loop->callids                        */
	struct loop *loop;
	char sid[37];
	char trace_id[33];
	enum call_state state;
	bool early_media; /* 183 with SDP sent                    */
	bool closing;
	bool peer_term; /* the peer ended the dialog            */
	bool has_offer; /* the INVITE carried SDP               */
	bool has_media; /* remote RTP address known             */
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
	struct json_object *tag;   /* customerData */
	struct json_object *synth; /* session synthesizer defaults */
	struct json_object *recog;
	uint64_t start_ms, answer_ms;
	uint32_t time_limit_ms; /* createCall timeLimit */
	char *call_hook_base;   /* base URL for relative hooks */
	struct tmr tmr_end;     /* deferred teardown */
};

/** Handle a new INVITE (sipsess connection handler) */
void call_inbound(struct loop *l, const struct sip_msg *msg);

/** Arm MAX_CALL_DURATION_SECS on the call's scope (hangs up when due) */
int call_limit_duration(struct fs_call *c);

/**
 * Whether a new call, inbound or outbound, may start.
 *
 * @return 0, ESHUTDOWN (draining) or EBUSY (MAX_CALLS reached)
 */
int call_room(const struct app *app);

/** Handle a CANCEL/ACK/other request that belongs to no session */
bool call_handle_orphan(struct loop *l, const struct sip_msg *msg);

/** Ensure 183 with SDP (earlyMedia) or 200 OK with SDP */
int call_progress_media(struct fs_call *c);
int call_answer(struct fs_call *c);

/** The verb list ran out or failed: end the call the protocol way */
void call_list_ended(struct fs_call *c, bool media_failed);

/** The one place a call ends: SIP, media, session, status */
void call_terminate(struct fs_call *c, uint16_t scode, const char *reason,
		    const char *x_reason, const char *extra_hdrs);

/** Helpers shared by inbound and outbound calls */
void call_destructor(void *data);
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

/** Reject (not answered) or hang up (answered) with a reason */
void call_end(struct fs_call *c, uint16_t scode, const char *reason,
	      const char *x_reason);

/** Build the common webhook payload (new object) */
struct json_object *call_payload(const struct fs_call *c);

/** Post call:status to the status hook (failures only logged) */
void call_status(struct fs_call *c, const char *status);

/** Hook fields for requests of this call */
void call_hook_fill(const struct fs_call *c, const struct json_object *hook,
		    struct fs_hook *out, struct fs_req_opts *opts);

#endif
