/**
 * @file outcall.h  Calls placed from the REST API, and updates to calls
 */
#ifndef OUTCALL_H
#define OUTCALL_H

#include <stddef.h>
#include <stdint.h>
#include <fs/fs_sip.h>

struct call_env;
struct fs_call;
struct fs_leg;
struct fs_scope;
struct fs_sipreq;
struct json_object;
struct leg;

struct outcall_pend;

/**
 * The answer to a createCall that waited for the directory.
 *
 * @param status 201 (sid and callid set), else 400 or 500 with msg
 */
typedef void(outcall_created_h)(uint16_t status, const char *sid,
				const char *callid, const char *msg,
				void *arg);

/**
 * createCall: place an outbound call that runs its application's verbs
 * once answered. With the MySQL directory and an account_sid the
 * account and application are read first, as jambonz does: then
 * EINPROGRESS, *opp is the pending createCall and h answers (it may run
 * before this returns; op is gone once h has run).
 *
 * @param sid     Receives the call_sid (37 bytes)
 * @param callidp Receives the SIP Call-ID (new string)
 * @param err     Receives why the body was refused
 * @return 0, EINPROGRESS, EINVAL (bad body: answer 400), EBUSY (503),
 *         or another errno (500)
 */
int outcall_create_async(struct call_env *env, const struct json_object *body,
			 char *sid, char **callidp, char *err, size_t errsz,
			 outcall_created_h *h, void *arg,
			 struct outcall_pend **opp);

/** outcall_create_async() whose directory answer is only logged (sid
 *  then "(directory)") */
int outcall_create(struct call_env *env, const struct json_object *body,
		   char *sid, char **callidp, char *err, size_t errsz);

/** Forget a pending createCall: its h is not called */
void outcall_create_cancel(struct outcall_pend *op);

/**
 * updateCall on a call of this loop.
 *
 * @return HTTP status: 202 done, 400 bad body, 404 no such call, 422 the
 *         call's state does not allow it; err says why
 */
uint16_t outcall_update(struct call_env *env, const char *call_sid,
			const struct json_object *body, char *err,
			size_t errsz);

/**
 * whisper or child_call_hook (the member body has) for the dial verb
 * bridging c; target_sid names the party (c's call_sid or its child
 * leg's), as a WebSocket command's call_sid does.
 *
 * @return HTTP status as outcall_update()
 */
/**
 * A dial's answered leg of parent becomes a call of its own, as jambonz's
 * doAdulting: same call_sid and application, its verbs from hook
 * (session:redirect with its own fields). The new call holds the leg.
 *
 * @return 0, EINVAL (not answered), ENOMEM
 */
int outcall_adopt(struct fs_call *parent, struct leg *leg, const char *to,
		  const struct json_object *hook);

/**
 * An in-dialog request of c, in leg's dialog (a dial's bridged leg, a
 * createCall's own), or with leg NULL c's inbound dialog: what
 * fs_call_request() and fs_leg_request() share (call_dlg.c).
 */
int call_dlg_request(struct fs_call *c, struct leg *leg,
		     struct fs_scope *scope, const struct fs_sipreq *r,
		     fs_sipreq_h *h, void *arg);

/**
 * sip_request or dtmf (key) of updateCall and the WebSocket API: to c's
 * own dialog, or with target_sid another call_sid, to the running
 * dial's bridged leg that has it.
 *
 * @return HTTP status as outcall_update()
 */
uint16_t outcall_sip_cmd(struct fs_call *c, const char *target_sid,
			 const char *key, const struct json_object *val,
			 char *err, size_t errsz);

/**
 * updateCall's sip_request ({method, content_type, content, headers}) in
 * leg's dialog, or with leg NULL c's own; h (may be NULL) gets the far
 * end's answer, as jambonz's REST answer carries it.
 *
 * @return 202 once sent, else the status outcall_update() would give
 */
uint16_t outcall_sip_request(struct fs_call *c, struct fs_leg *leg,
			     const struct json_object *r, fs_sipreq_h *h,
			     void *harg, char *err, size_t errsz);

/**
 * A REFER to answer with fs_leg_refer_reply() (500 when its last
 * reference goes unanswered): a leg's, or the caller's (call_sip.c)
 *
 * @return a new reference, NULL when out of memory (then answered 500)
 */
struct sip;
struct sip_msg;
struct fs_leg_refer *legapi_refer_alloc(struct sip *sip,
					const struct sip_msg *msg);

uint16_t outcall_dial_cmd(struct fs_call *c, const char *target_sid,
			  const struct json_object *body, char *err,
			  size_t errsz);

#endif
