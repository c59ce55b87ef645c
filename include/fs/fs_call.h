/**
 * @file fs_call.h  The call a task runs on: signalling, media, session data
 *
 * All functions run on the call's event loop thread (the thread that
 * runs the task's callbacks). Pointers are borrowed unless stated.
 */
#ifndef FS_CALL_H
#define FS_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <fs/fs_audio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_scope;
struct json_object;

/* Events emitted on the call scope (see fs_scope_listen):
 *   FS_EV_DTMF    data: const char * of one digit "0"-"9", "*", "#", "A"-"D"
 *   FS_EV_HANGUP  data: NULL; the caller hung up or the call ended */
#define FS_EV_DTMF   "dtmf"
#define FS_EV_HANGUP "hangup"

/** @return the call's call_sid */
const char *fs_call_sid(const struct fs_call *c);

/** @return the call's scope (its listeners end with the call) */
struct fs_scope *fs_call_scope(const struct fs_call *c);

struct fs_req;

/**
 * @return the requestor of the call's event loop, for webhooks a verb
 *         sends itself (fs_req_send, bound to the task's scope); ABI 1.2
 */
struct fs_req *fs_call_req(const struct fs_call *c);

/** @return true once 200 OK was sent (or received, outbound) */
bool fs_call_answered(const struct fs_call *c);

/** @return true while the call is up (not hung up or failed) */
bool fs_call_alive(const struct fs_call *c);

/** @return the caller (From user) of the call */
const char *fs_call_from(const struct fs_call *c);

/** Answer now: 200 OK with SDP (no-op when answered) */
int fs_call_answer(struct fs_call *c);

/** Send 180 Ringing (no-op unless the call is still trying) */
int fs_call_ring(struct fs_call *c);

/** Send 183 with SDP so media flows before answer */
int fs_call_early_media(struct fs_call *c);

/**
 * Hang up an answered call (BYE), reject an unanswered inbound one (603)
 * or cancel an outbound one still ringing.
 *
 * @param headers Optional JSON object of extra SIP headers
 */
int fs_call_hangup(struct fs_call *c, const struct json_object *headers);

/**
 * Reject an unanswered call with a final status (sip:decline).
 *
 * @return 0, EALREADY when answered, EINVAL bad status
 */
int fs_call_reject(struct fs_call *c, uint16_t status, const char *reason,
		   const struct json_object *headers);

/** Set customerData (the tag verb); takes a reference to data */
int fs_call_set_tag(struct fs_call *c, struct json_object *data);

/**
 * Session defaults (the config verb): synthesizer and recognizer
 * objects as in the verb JSON. NULL leaves a default unchanged.
 */
int fs_call_set_defaults(struct fs_call *c, const struct json_object *synth,
			 const struct json_object *recog);

/** Current session synthesizer defaults {vendor, language, voice} */
const struct json_object *fs_call_synth(const struct fs_call *c);

/**
 * Playback finished.
 *
 * @param err     0 when played to the end, ECANCELED when stopped
 * @param samples Samples played (for playback_seconds etc.)
 */
typedef void(fs_play_h)(int err, uint64_t samples, void *arg);

struct fs_play_opts {
	uint32_t loops;  /**< 1 = once; 0 = until stopped          */
	uint64_t offset; /**< first sample (seekOffset)            */
	uint32_t max_ms; /**< 0 = no limit (timeoutSecs)           */
};

/**
 * Play audio on the call, replacing what plays. Bound to scope: closing
 * it stops playback without calling h.
 *
 * @param audio Audio (the player takes a reference)
 * @return 0, ENOTCONN (no media yet), ESHUTDOWN (scope closed)
 */
int fs_call_play(struct fs_call *c, struct fs_scope *scope,
		 struct fs_audio *audio, const struct fs_play_opts *opts,
		 fs_play_h *h, void *arg);

/** Stop playback now; the play handler runs with ECANCELED */
void fs_call_play_stop(struct fs_call *c);

/**
 * Synthesise speech (cached by vendor, language, voice and text).
 * Bound to scope: closing it suppresses h.
 *
 * @param synth {vendor, language, voice} or NULL for the session default
 */
int fs_call_tts(struct fs_call *c, struct fs_scope *scope,
		const struct json_object *synth, const char *text,
		fs_audio_h *h, void *arg);

/**
 * Whether the call's syntheses use the cache (the config verb's
 * disableTtsCache: false turns it off for the session; a verb's own
 * disableTtsCache wins). ABI 1.6.
 */
int fs_call_set_tts_cache(struct fs_call *c, bool enabled);

/**
 * Fetch and decode an audio file URL (cached). Bound to scope.
 */
int fs_call_audio(struct fs_call *c, struct fs_scope *scope, const char *url,
		  fs_audio_h *h, void *arg);

#ifdef __cplusplus
}
#endif

#endif
