/**
 * @file fs_sip.h  SIP requests inside a call's dialog (ABI 1.4)
 *
 * For the sip:request, sip:refer and dtmf verbs and the WebSocket
 * sip:request command: one place that sends in-dialog
 * requests, with the headers of the application checked as the dial
 * verb's are (a name is a token, a value one line, the stack's own
 * headers refused), so outside text never reaches a header unchecked.
 */
#ifndef FS_SIP_H
#define FS_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_scope;
struct json_object;

/**
 * The final answer to an in-dialog request.
 *
 * @param err    0 when a final response came, else why none did
 *               (ETIMEDOUT: no answer, ECONNRESET: the dialog ended)
 * @param scode  Its status (0 with err)
 * @param reason Its reason phrase (borrowed; "" with err)
 */
typedef void(fs_sipreq_h)(int err, uint16_t scode, const char *reason,
			  void *arg);

struct fs_sipreq {
	const char *method;                /**< INFO, NOTIFY, REFER, ...    */
	const char *ctype;                 /**< Content-Type or NULL        */
	const char *body;                  /**< body or NULL                */
	size_t body_len;                   /**< bytes of body               */
	const struct json_object *headers; /**< the application's, or NULL */
	const char *what;                  /**< for log lines: "sip:request" */
};

/**
 * Send a request in the dialog of an answered inbound call. Headers
 * the checks refuse are left out with a warning quoting them escaped.
 * Bound to scope: closing it drops the answer (h does not run).
 *
 * @param h May be NULL: the answer is then only logged
 * @return 0, EINVAL (method not a token, a Content-Type with control
 *         characters, a body without a Content-Type), ENOTCONN (not
 *         answered, or ended), ENOTSUP (an outbound call: its dialog is
 *         its leg's), ESHUTDOWN (scope closed), ENOMEM
 */
int fs_call_request(struct fs_call *c, struct fs_scope *scope,
		    const struct fs_sipreq *r, fs_sipreq_h *h, void *arg);

/** An in-dialog NOTIFY (the core answered it 200 OK) */
struct fs_sip_notify {
	const char *event; /**< Event header ("refer;id=2"), "" if none */
	const char *ctype; /**< "type/subtype", "" if none              */
	const char *body;  /**< the body, NUL-terminated                 */
	size_t body_len;
};

typedef void(fs_notify_h)(const struct fs_sip_notify *n, void *arg);

/**
 * Take the NOTIFYs of the call's dialog (a REFER's progress, RFC 3515)
 * while scope is open: each is answered 200 OK and handed to h. Without
 * a taker a NOTIFY is refused (405), as before.
 *
 * @return 0, ENOTSUP (no dialog of ours: outbound), ESHUTDOWN, ENOMEM
 */
int fs_call_notifies(struct fs_call *c, struct fs_scope *scope, fs_notify_h *h,
		     void *arg);

/**
 * Post the call's fields plus fields to hook, as jambonz's verb:hook
 * requests of an eventHook: over the WebSocket of a WebSocket
 * application, else HTTP; the answer is only logged. Bound to scope.
 *
 * @param fields Takes the reference
 * @return 0, EINVAL (no URL), ESHUTDOWN, ENOMEM
 */
int fs_call_event_hook(struct fs_call *c, struct fs_scope *scope,
		       const struct json_object *hook,
		       struct json_object *fields);

/**
 * DTMF toward the caller: RFC 4733 events on the call's RTP when the
 * call negotiated telephone-event, else one SIP INFO per digit
 * (application/dtmf-relay). h runs once all digits were sent (err 0),
 * or with the error that stopped them. Bound to scope: closing it stops
 * sending and h does not run.
 *
 * @param digits      0-9, *, #, A-D (a-d), at most 64
 * @param duration_ms Per digit, 40..8000 (the event duration field's
 *                    range at 8 kHz)
 * @return 0, EINVAL (bad digit or duration), ENOTCONN (not answered or
 *         no media), ENOTSUP (INFO needed on an outbound call),
 *         ESHUTDOWN, ENOMEM
 */
typedef void(fs_dtmf_h)(int err, void *arg);
int fs_call_dtmf(struct fs_call *c, struct fs_scope *scope, const char *digits,
		 uint32_t duration_ms, fs_dtmf_h *h, void *arg);

/** @return true when the call's RTP peer negotiated telephone-event */
bool fs_call_telev(const struct fs_call *c);

/**
 * The host (and port) of the dialog's remote target, the far end's
 * Contact: where a bare number in sip:refer's referTo is sent, as
 * jambonz takes the SBC's address from its dialog.
 *
 * @return 0, ENOTCONN (no dialog), ENOMEM (buf too small)
 */
int fs_call_remote_host(const struct fs_call *c, char *buf, size_t sz);

#ifdef __cplusplus
}
#endif

#endif
