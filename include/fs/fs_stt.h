/**
 * @file fs_stt.h  Speech recognition of a call's caller (ABI 1.5;
 *                 fs_stt_fallback() 1.8; the transcription service
 *                 1.12)
 *
 * A recognition streams what the caller says (the tap's 8 kHz audio,
 * resampled to the vendor's rate) to a cloud vendor over its streaming
 * API and hands back each result normalised to the jambonz shape:
 *
 *   {"language_code": "en-US", "channel_tag": 1, "is_final": true,
 *    "alternatives": [{"transcript": "...", "confidence": 0.93}],
 *    "vendor": {"name": "deepgram", "evt": {...the vendor's message}}}
 *
 * All on the call's loop; bound to a scope, so a task's recognition ends
 * with the task. See docs/speech.md, "Recognition".
 */
#ifndef FS_STT_H
#define FS_STT_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Emitted on the call scope by updateCall transcribe_status: data is the
 * const char * "pause" or "resume" */
#define FS_EV_TRANSCRIBE_STATUS "transcribe_status"

struct fs_call;
struct fs_scope;
struct fs_stt;
struct fs_transcribe;
struct json_object;

/**
 * A result, or the end of the recognition.
 *
 * @param err 0: evt is a result (borrowed, valid during the call).
 *            Otherwise the recognition is over and evt is
 *            {"error": "..."} (the vendor's words, or ours): EACCES (the
 *            vendor refused the credential), EBUSY (HTTP 429),
 *            ECONNREFUSED, ETIMEDOUT (no handshake, or no final result
 *            after fs_stt_finish()), EPROTO (a refused handshake, a
 *            message that is not the vendor's format), EPIPE (the vendor
 *            closed the stream); 0 with evt NULL: the vendor ended the
 *            stream after fs_stt_finish(). The handle stays valid until
 *            the handler returns; it may call fs_stt_close().
 */
typedef void(fs_stt_h)(int err, const struct json_object *evt, void *arg);

/**
 * The recognizer a verb gets: its own fields over the session's (the
 * config verb's recognizer), field by field, as jambonz merges them.
 *
 * @param recog The verb's recognizer or NULL
 * @return a new object (json_object_put it), NULL on ENOMEM
 */
struct json_object *fs_call_recognizer(const struct fs_call *c,
				       const struct json_object *recog);

/**
 * Start recognising the caller: the vendor's credential is looked up as
 * for synthesis (rows with use_for_stt), the stream opened, the caller's
 * audio sent from then on.
 *
 * @param sp    Returns a handle (borrowed), valid until fs_stt_close(),
 *              the end handler's return or the scope's close
 * @param recog The verb's recognizer (merged with fs_call_recognizer())
 * @return 0, EINVAL, ENOKEY (no credential for the vendor: logged),
 *         ENOTSUP (a vendor this server does not speak: logged),
 *         ENOTCONN (no media), ESHUTDOWN, ENOMEM
 */
int fs_call_stt(struct fs_stt **sp, struct fs_call *c, struct fs_scope *scope,
		const struct json_object *recog, fs_stt_h *h, void *arg);

/**
 * Post a result to one of the verb's own hooks (transcriptionHook,
 * partialResultHook) as the core posts webhooks: the call's fields plus
 * {"speech": evt}, relative to the call hook, signed, or over the socket
 * of a WebSocket application (verb:hook). The reply is not used. Bound
 * to scope.
 *
 * @param evt A result as the handler got it (borrowed)
 * @return 0, EINVAL (no URL), ENOMEM, or the request's error
 */
int fs_call_stt_hook(struct fs_call *c, struct fs_scope *scope,
		     const struct json_object *hook,
		     const struct json_object *evt);

/** Stop (true) or resume sending the caller's audio; the stream stays
 *  open (kept alive as the vendor asks) */
void fs_stt_pause(struct fs_stt *s, bool paused);

/**
 * Ask the vendor to finish: the audio sent is recognised, the last
 * results come, then the handler gets (0, NULL), or ETIMEDOUT when the
 * vendor does not end the stream in time.
 */
void fs_stt_finish(struct fs_stt *s);

/** @return the vendor's name ("deepgram") */
const char *fs_stt_vendor(const struct fs_stt *s);

/** End the recognition now; no handler runs afterwards. NULL ignored */
void fs_stt_close(struct fs_stt *s);

/**
 * The recognizer that replaces one whose vendor failed:
 * recognizer.fallbackVendor with fallbackLanguage and fallbackLabel, as
 * jambonz's _initFallback builds it (ABI 1.8). The result has no
 * fallbackVendor, so it falls back once.
 *
 * @param recog The recognizer in use (borrowed)
 * @return a new object (json_object_put it), NULL when recog has no
 *         fallbackVendor (or "default") or on ENOMEM
 */
struct json_object *fs_stt_fallback(const struct json_object *recog);

/** A transcription ended by itself: no channel is recognised any more
 *  (each vendor failed, its fallback too). The handle stays valid; the
 *  owner frees it (mem_deref) */
typedef void(fs_transcribe_h)(void *arg);

/**
 * Transcribe a call as jambonz's transcribe verb does (ABI 1.12): each
 * final result (and with recognizer.interim each interim one) posted to
 * spec's transcriptionHook as {speech} with the call's fields;
 * recognizer.fallbackVendor replacing a channel's vendor once; the
 * transcribe_status event (FS_EV_TRANSCRIBE_STATUS) pausing and resuming
 * every channel. Bound to scope.
 *
 * @param tp      Returns the transcription (mem_deref frees and stops
 *                it, quietly)
 * @param spec    The transcribe verb's properties (borrowed)
 * @param bridged Nested in a bridge (dial): the caller is channel 1 and
 *                the bridged party channel 2, each recognised on its
 *                own, unless spec's channel names one of them or
 *                recognizer.separateRecognitionPerChannel is false
 *                (channel 1), as jambonz's nested transcribe; otherwise
 *                the caller alone
 * @param h       The transcription ended by itself (not after
 *                fs_transcribe_stop() or the scope's close)
 * @return 0, ENOKEY (no credential for any channel: logged), ENOTSUP,
 *         ENOTCONN, EINVAL, ENOMEM; nothing is left running on error
 */
int fs_transcribe_start(struct fs_transcribe **tp, struct fs_call *c,
			struct fs_scope *scope, const struct json_object *spec,
			bool bridged, fs_transcribe_h *h, void *arg);

/** Tell each vendor the audio is over (CloseStream, stop) and end the
 *  recognitions; no handler runs afterwards. NULL ignored */
void fs_transcribe_stop(struct fs_transcribe *t);

#ifdef __cplusplus
}
#endif

#endif
