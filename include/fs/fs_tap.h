/**
 * @file fs_tap.h  A call's audio for plugins (ABI 1.3): taps on what the
 *                 caller (and, bridged, the far end) says, audio injected
 *                 toward the caller, and the call's fields as JSON
 *
 * All on the call's loop. See fs_resamp.h for other sample rates.
 */
#ifndef FS_TAP_H
#define FS_TAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Emitted on the call scope by updateCall listen_status (or
 * stream_status): data is the const char * "pause" or "resume" */
#define FS_EV_LISTEN_STATUS "listen_status"

struct fs_call;
struct fs_scope;
struct fs_tap;
struct fs_inject;
struct json_object;

/**
 * One 20 ms frame (n = 160 samples, 8 kHz, 16-bit) of received audio:
 * the caller's and, while the call is bridged (dial), the far end's
 * (NULL when not bridged); silence where no packet came. Runs from the
 * media tick, 50 times a second: it must not block, only copy or queue
 * (a socket's send queue, see fs_ws_queued()), and must not close taps
 * other than its own.
 */
typedef void(fs_tap_h)(const int16_t *caller, const int16_t *peer, size_t n,
		       void *arg);

/**
 * Tap the call's received audio until the scope closes or fs_tap_close().
 *
 * @param tp Returns a handle (borrowed, valid until then); may be NULL
 * @return 0, EINVAL, ENOTCONN (no media yet, or ended), ESHUTDOWN
 *         (scope closed), ENOMEM
 */
int fs_call_tap(struct fs_tap **tp, struct fs_call *c, struct fs_scope *scope,
		fs_tap_h *h, void *arg);

/** Remove a tap now; NULL is ignored */
void fs_tap_close(struct fs_tap *t);

/**
 * An injected piece ended: err 0 once its last sample was sent,
 * ECANCELED when killed (fs_inject_kill(), the call's end, a bridge)
 *
 * @param samples 8 kHz samples of it that were sent
 */
typedef void(fs_inject_h)(int err, uint64_t samples, void *arg);

/**
 * An injector: audio toward the caller, in pieces queued one after the
 * other, played while nothing else (say, play) plays on the call. One
 * binding to scope however many pieces: closing the scope, or
 * fs_inject_close(), drops its pieces and no handler of them runs
 * afterwards.
 *
 * @param ip Returns a handle (borrowed), valid until then
 * @return 0, EINVAL, ENOTCONN (no media), ESHUTDOWN, ENOMEM
 */
int fs_call_injector(struct fs_inject **ip, struct fs_call *c,
		     struct fs_scope *scope);

/**
 * Queue 16-bit mono PCM at srate after what is queued on the call. The
 * samples are copied (resampled to 8 kHz: a piece on its own; for a
 * stream cut into frames resample with fs_resamp and pass 8000). An
 * empty piece is a mark: h runs once the audio queued before it has
 * been sent.
 *
 * @param h May be NULL
 * @return 0, EINVAL (bad rate or arguments), ENOTCONN (the call's media
 *         ended), ENOMEM
 */
int fs_inject_pcm(struct fs_inject *inj, const int16_t *pcm, size_t n,
		  uint32_t srate, fs_inject_h *h, void *arg);

/** Drop every piece queued toward the caller, any injector's: their
 *  handlers get ECANCELED from the loop (jambonz's killAudio) */
void fs_inject_kill(struct fs_inject *inj);

/** @return samples (8 kHz) queued toward the caller, any injector's */
uint64_t fs_inject_queued(const struct fs_inject *inj);

/** Drop this injector's pieces and free it now; NULL is ignored */
void fs_inject_close(struct fs_inject *inj);

/**
 * The call's fields as jambonz gives them to listen's servers: callSid,
 * direction, from, to, callId, sipStatus, callStatus, accountSid, ...,
 * customerData (camelCase; a webhook gets the same fields snake_cased).
 *
 * @return a new object (json_object_put it), NULL on ENOMEM
 */
struct json_object *fs_call_info(const struct fs_call *c);

#ifdef __cplusplus
}
#endif

#endif
