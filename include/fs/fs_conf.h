/**
 * @file fs_conf.h  Conference rooms for plugins (ABI 1.7): a call joins a
 *                  named room of this instance and hears the others,
 *                  mixed in the media engine; hooks whose answer is verbs
 *
 * A room is shared by calls on every loop of the instance; each member's
 * audio is pushed and the others' mix taken by its own loop's media
 * tick. All functions run on the member's call's loop; the handler runs
 * there too. Rooms are not shared between instances.
 */
#ifndef FS_CONF_H
#define FS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Emitted on the call scope by updateCall and the WebSocket commands;
 * data is the body (const struct json_object *):
 *   FS_EV_CONF_MUTE    {conf_mute_status: "mute"|"unmute"}
 *   FS_EV_CONF_HOLD    {conf_hold_status: "hold"|"unhold", wait_hook}
 *   FS_EV_CONF_ACTION  {action, tag, wait_hook} (conferenceParticipantAction)
 *   FS_EV_CONF_START   the REST POST /v1/conference/{callSid} body */
#define FS_EV_CONF_MUTE   "conf_mute_status"
#define FS_EV_CONF_HOLD   "conf_hold_status"
#define FS_EV_CONF_ACTION "conf_participant_action"
#define FS_EV_CONF_START  "conf_start"

struct fs_call;
struct fs_scope;
struct fs_conf;
struct json_object;

enum fs_conf_ev {
	FS_CONF_STARTED = 1, /* the room this member waited for started */
	FS_CONF_ENDED,       /* the room ended (its last endConferenceOnExit
			      * member left, endConferenceDuration after) */
	FS_CONF_TALKING,     /* the member started talking */
	FS_CONF_QUIET,       /* ... and stopped (after a hangover) */
};

typedef void(fs_conf_h)(enum fs_conf_ev ev, void *arg);

/**
 * Join the room named by props.name for the call's account, as the
 * conference verb's properties say: startConferenceOnEnter (false: wait
 * until a member with it true joins), endConferenceOnExit (the room
 * ends with the last such member), endConferenceDuration (that many
 * seconds after it),
 * maxParticipants, joinMuted, beep, memberTag, speakOnlyTo; statusHook
 * and statusEvents are kept by the member that starts the room. Until
 * the scope closes or fs_conf_leave().
 *
 * @param mp Returns the member (borrowed, valid until then)
 * @return 0, EINVAL (no name, a tag too long), EBUSY (maxParticipants
 *         reached), ENOSPC (the room is at its limit of members),
 *         ENOTCONN (no media), ESHUTDOWN, ENOMEM
 */
int fs_conf_join(struct fs_conf **mp, struct fs_call *c,
		 struct fs_scope *scope, const struct json_object *props,
		 fs_conf_h *h, void *arg);

/**
 * Leave the room now and free the member; no handler runs afterwards.
 *
 * @param left  Members in after (may be NULL)
 * @param ended The room ended with it, or had ended (may be NULL)
 */
void fs_conf_leave(struct fs_conf *m, unsigned *left, bool *ended);

/** @return true while the room has not started (the member waits) */
bool fs_conf_waiting(const struct fs_conf *m);

/** @return true when this member started the room */
bool fs_conf_starter(const struct fs_conf *m);

/** @return members in the room (waiting ones not counted) */
unsigned fs_conf_count(const struct fs_conf *m);

/** @return when the room started, ms since the epoch, 0 before */
uint64_t fs_conf_start_ms(const struct fs_conf *m);

/** @return "conf:<account_sid>:<name>", jambonz's conferenceSid */
const char *fs_conf_sid(const struct fs_conf *m);

/**
 * @return the starter's {statusHook, statusEvents}, a new object, or
 *         NULL when it had none
 */
struct json_object *fs_conf_status(const struct fs_conf *m);

/** Not heard (mute) / not heard and hearing nothing (hold) */
void fs_conf_mute(struct fs_conf *m, bool on);
void fs_conf_hold(struct fs_conf *m, bool on);

/** Mute or unmute every member without startConferenceOnEnter */
void fs_conf_mute_others(struct fs_conf *m, bool on);

/** memberTag, speakOnlyTo (NULL clears) @return 0, EINVAL (too long) */
int fs_conf_tag(struct fs_conf *m, const char *tag);
int fs_conf_coach(struct fs_conf *m, const char *tag);

/** Send a digit to every other member (distributeDtmf) */
void fs_conf_dtmf(struct fs_conf *m, char digit);

/**
 * The verbs a hook answers (a waitHook): posts the call's fields plus
 * fields (taken) as a verb:hook (over the WebSocket of a WebSocket
 * application), and hands h the answer's verb array (borrowed; an empty
 * array for an empty body) or an error: EPROTO (not a JSON array, a
 * status of 300 or more) or the request's. Bound to scope.
 */
typedef void(fs_hook_verbs_h)(int err, const struct json_object *verbs,
			      void *arg);
int fs_call_hook_verbs(struct fs_call *c, struct fs_scope *scope,
		       const struct json_object *hook,
		       struct json_object *fields, fs_hook_verbs_h *h,
		       void *arg);

/**
 * Post the call's fields plus fields (taken) to a hook, bound to no
 * scope: it goes even when the call ends now (a statusHook's "leave");
 * the answer is only logged.
 */
int fs_call_hook_post(struct fs_call *c, const struct json_object *hook,
		      struct json_object *fields);

#ifdef __cplusplus
}
#endif

#endif
