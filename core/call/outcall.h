/**
 * @file outcall.h  Calls placed from the REST API, and updates to calls
 */
#ifndef OUTCALL_H
#define OUTCALL_H

#include <stddef.h>
#include <stdint.h>

struct call_env;
struct fs_call;
struct json_object;

/**
 * createCall: place an outbound call that runs its application's verbs
 * once answered.
 *
 * @param sid     Receives the call_sid (37 bytes)
 * @param callidp Receives the SIP Call-ID (new string)
 * @param err     Receives why the body was refused
 * @return 0, EINVAL (bad body: answer 400), or another errno (500)
 */
int outcall_create(struct call_env *env, const struct json_object *body,
		   char *sid, char **callidp, char *err, size_t errsz);

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
uint16_t outcall_dial_cmd(struct fs_call *c, const char *target_sid,
			  const struct json_object *body, char *err,
			  size_t errsz);

#endif
