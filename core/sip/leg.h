/**
 * @file leg.h  An outbound call leg: INVITE out, its answer, media, BYE
 */
#ifndef LEG_H
#define LEG_H

#include <stdbool.h>
#include <stdint.h>

struct sip_stack;
struct sbchdr;
struct leg;
struct media_stream;

enum leg_event {
	LEG_RINGING,  /* 180/183 without SDP                          */
	LEG_EARLY,    /* 180/183 with SDP: early media flows           */
	LEG_ANSWERED, /* 200 OK                                        */
	LEG_FAILED,   /* final error, timeout or CANCEL before answer  */
	LEG_ENDED,    /* the far end hung up after answering           */
};

/**
 * Leg event. After LEG_FAILED and LEG_ENDED no further event comes.
 *
 * @param scode  SIP status of the event (e.g. 486, or 408 on timeout)
 * @param reason Its reason phrase (borrowed)
 */
typedef void(leg_h)(struct leg *leg, enum leg_event ev, uint16_t scode,
		    const char *reason, void *arg);

struct leg_params {
	const char *uri;       /* Request-URI, e.g. sip:bob@127.0.0.1:5080 */
	const char *from_user; /* caller id                              */
	const char *from_name; /* display name or NULL                   */
	const char *headers;   /* extra "Name: value\r\n" lines or NULL   */
	const char *auth_user; /* digest credentials or NULL             */
	const char *auth_pass;
	const char *route;   /* outbound proxy URI or NULL             */
	uint32_t timeout_ms; /* no answer within: CANCEL, 487/408     */
	void (*dtmfh)(char digit, void *arg); /* RFC 4733 and INFO digits */
	void *dtmf_arg;
	/* the call it belongs to, for the jambonz SBC headers (sbchdr.h),
	 * or NULL */
	const struct sbchdr *sbc;
};

/**
 * Place the call. Events come from the loop, never from inside this call.
 *
 * @return 0, EINVAL (bad URI), EADDRINUSE (no RTP port), ENOMEM
 */
int leg_connect(struct leg **lp, struct sip_stack *l,
		const struct leg_params *p, leg_h *h, void *arg);

/**
 * End the leg: CANCEL while ringing, BYE when answered. No event
 * follows. The caller still derefs the leg.
 *
 * @param headers Extra header lines for the BYE, or NULL
 */
void leg_hangup(struct leg *leg, const char *headers);

struct media_stream *leg_media(const struct leg *leg);
const char *leg_sid(const struct leg *leg);
const char *leg_callid(const struct leg *leg);
uint16_t leg_scode(const struct leg *leg);
bool leg_answered(const struct leg *leg);

/**
 * The answered leg's dialog, for requests inside it (INFO, NOTIFY, ...)
 *
 * @return the dialog, NULL before the answer or once ended
 */
struct sip_dialog;
struct sip_dialog *leg_dialog(const struct leg *leg);

/**
 * The far end put the answered leg on hold or took it back (a
 * re-INVITE): its From and To header values (borrowed)
 */
typedef void(leg_hold_h)(bool held, const char *from, const char *to,
			 void *arg);

/** Hear of holds from now on (h NULL: no more) */
void leg_set_hold(struct leg *leg, leg_hold_h *h, void *arg);

/**
 * Hold the answered leg's far end (a re-INVITE with a=sendonly) or take
 * it back (a=sendrecv), as a B2BUA passes a caller's hold on
 *
 * @return 0, ENOTCONN (not answered, ended), or libre's (a re-INVITE
 *         already in progress)
 */
int leg_hold(struct leg *leg, bool hold);

/**
 * A REFER of the answered leg's far end (borrowed: mem_ref it to answer
 * it later, sip_reply() on the stack's sip)
 */
struct sip_msg;
typedef void(leg_refer_h)(const struct sip_msg *msg, void *arg);

/** Take the leg's REFERs from now on (h NULL: 501 again) */
void leg_set_refer(struct leg *leg, leg_refer_h *h, void *arg);

/**
 * Hand the leg to a new owner (a dial's leg becoming a call of its
 * own): its events and digits go to h and dtmfh from now on; holds and
 * REFERs are no one's (501)
 */
void leg_set_owner(struct leg *leg, leg_h *h, void *arg,
		   void (*dtmfh)(char digit, void *arg), void *dtmf_arg);

/** Format "Name: value\r\n" lines from a JSON object (injection-safe) */
struct json_object;
int leg_headers(char **outp, const struct json_object *headers);

#endif
