/**
 * @file tts.h  Speech synthesis behind a vendor interface, with a cache
 *
 * Vendors: "flite" (voices kal (default, native 8 kHz), kal16, slt, awb,
 * rms) and "espeak" / "espeak-ng" (many languages, 22050 Hz resampled).
 * Synthesis runs on worker threads, one dedicated thread per engine
 * (espeak-ng keeps process-wide state, and flite's error handling is a
 * process-wide jump buffer), and the result comes back to the requesting
 * loop. Audio is cached by vendor, voice, language and text; concurrent
 * requests for one key share one synthesis.
 *
 * Cloud vendors (microsoft, google, aws, deepgram, elevenlabs, openai,
 * custom:<name>; ttsv.h) are asked over HTTP through the loop's
 * requestor with the credential SPEECH_CREDENTIALS_FILE holds for them;
 * without one the synthesis fails (ENOKEY), as jambonz's
 * SpeechCredentialError ends the say. Vendors we do not speak fall back
 * to the default vendor with its default voice (one warning per vendor
 * and synthesiser), or fail with ENOTSUP in strict mode.
 */
#ifndef TTS_H
#define TTS_H

#include <stdbool.h>
#include <stddef.h>
#include <fs/fs_audio.h>

struct fs_scope;
struct json_object;
struct tts;
struct worker;

/** Longest text accepted, bytes */
#define TTS_TEXT_MAX 10000

struct tts_conf {
	const char *default_vendor; /* used for unknown vendors; NULL =
				       "flite"                       */
	const char *default_voice;  /* "" = the vendor's default          */
	const char *default_lang;   /* "en-US"                           */
	bool strict;                /* unknown vendor fails (ENOTSUP)     */
	size_t cache_bytes;         /* most PCM bytes kept                */
	uint32_t max_queue;         /* syntheses queued or running; 0 =
				       no limit                          */
	struct fs_req *req;         /* the loop's requestor (borrowed);
				       NULL: no cloud vendors            */
	const char *creds_file;     /* SPEECH_CREDENTIALS_FILE, NULL or ""
				       for none                          */
	uint32_t cloud_timeout_ms;  /* one vendor request; 0 = the
				       requestor's default               */
};

/** One synthesis as a verb's synthesizer asks for it; all borrowed */
struct tts_ask {
	const char *vendor; /* NULL or "" = default vendor             */
	const char *lang;   /* NULL or "" = default language           */
	const char *voice;  /* NULL or "" = the vendor's default voice */
	const char *label;  /* which of the vendor's credentials       */
	const char *engine; /* aws: standard, neural, ...              */
	const char *model;  /* deepgram, elevenlabs, openai            */
	const struct json_object *options; /* vendor options           */
	const struct json_object *creds;   /* the account's credential
					      rows (speechcred.h), asked
					      before SPEECH_CREDENTIALS_FILE */
	const char *account; /* account_sid: a cloud vendor's audio is
				cached per account (its own credentials,
				custom voices and servers)           */
	bool nocache;        /* disableTtsCache                         */
};

/**
 * Allocate the synthesiser of the calling loop.
 *
 * @param tp   Returns a new reference. Destroying it suppresses every
 *             pending handler; syntheses already running finish on
 *             their thread and are dropped.
 * @param wp   Worker pool (borrowed, must outlive the synthesiser)
 * @param conf Settings (copied)
 * @return 0, EINVAL (NULL argument, unknown default vendor), ENOMEM,
 *         or a worker_queue_add() error
 */
int tts_alloc(struct tts **tp, struct worker *wp, const struct tts_conf *conf);

/**
 * Synthesise text. A cache hit calls h before returning. Bound to
 * scope: when it closes first, h never runs (the synthesis still
 * finishes and fills the cache).
 *
 * @param vendor  NULL or "" = default vendor
 * @param lang    NULL or "" = default language ("en-US" -> "en-us")
 * @param voice   NULL or "" = the vendor's default voice
 * @param text    UTF-8 text, 1..TTS_TEXT_MAX bytes (copied)
 * @param nocache true to bypass the cache (disableTtsCache)
 * @param scope   Owning scope (borrowed), NULL for none
 * @return 0 (h runs once, maybe already), or EINVAL, ENOTSUP (unknown
 *         vendor or flite voice in strict mode), ESHUTDOWN (scope
 *         closed), ENOMEM, EBUSY (max_queue syntheses already
 *         queued): h does not run. Errors given to h: ENOTSUP
 *         (no espeak voice for the language), EIO (engine failure),
 *         ECANCELED (shutdown).
 */
int tts_synth(struct tts *tts, const char *vendor, const char *lang,
	      const char *voice, const char *text, bool nocache,
	      struct fs_scope *scope, fs_audio_h *h, void *arg);

/**
 * tts_synth() with every synthesizer field. Errors besides tts_synth()'s:
 * ENOKEY (a cloud vendor with no credential), EINVAL (the credential or
 * the voice lacks what the vendor needs: logged); given to h: EACCES
 * (the vendor refused the credential, HTTP 401/403), EBUSY (HTTP 429),
 * EPROTO (another HTTP error, or not the audio asked for), ETIMEDOUT,
 * ECONNREFUSED.
 */
int tts_synth_ask(struct tts *tts, const struct tts_ask *ask, const char *text,
		  struct fs_scope *scope, fs_audio_h *h, void *arg);

/**
 * Add hits, misses, coalesced, entries, bytes, errors, fallbacks,
 * inflight and synth_ms {p50, max, avg, count} to obj
 */
struct tts_tokens;

/** @return the loop's token cache (OAuth2 tokens, STS keys), shared with
 *  recognition */
struct tts_tokens *tts_token_cache(struct tts *tts);

int tts_metrics(const struct tts *tts, struct json_object *obj);

/*
 * ---- engines: each runs on its own single worker thread ----
 */

/**
 * Canonical flite voice name ("kal", "kal16", "slt", "awb", "rms") for
 * a name with or without the "cmu_us_" prefix; NULL when unknown. Any
 * thread.
 */
const char *tts_flite_voice(const char *name);

/**
 * Synthesise with flite, resampled to 8 kHz (flite thread only).
 *
 * @param ap    Returns a new reference, created on the calling thread
 * @param voice Canonical voice name
 * @return 0, EINVAL, ENOTSUP (voice), EIO (engine), ENOMEM
 */
int tts_flite_synth(struct fs_audio **ap, const char *voice, const char *text);

/**
 * Synthesise with espeak-ng, resampled to 8 kHz (espeak thread only:
 * the first call initialises the engine on it).
 *
 * @param lang  Lower-case language tag ("en-us")
 * @param voice espeak voice name ("en-us+f3") or "" for the language's
 * @return 0, EINVAL, ENOTSUP (no voice for lang), EIO, ENOMEM
 */
int tts_espeak_synth(struct fs_audio **ap, const char *lang, const char *voice,
		     const char *text);

#endif
