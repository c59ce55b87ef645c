/**
 * @file tts.h  Speech synthesis behind a vendor interface, with a cache
 *
 * Vendors: "flite" (native 8 kHz) and "espeak" / "espeak-ng" (many
 * languages, resampled). Synthesis runs on a worker thread (espeak-ng
 * keeps process-wide state: one thread only) and the result comes back
 * to the requesting loop. Audio is cached by vendor, voice, language
 * and text.
 */
#ifndef TTS_H
#define TTS_H

#include <stdbool.h>
#include <stddef.h>
#include <fs/fs_audio.h>

struct fs_scope;
struct json_object;
struct tts;

struct tts_conf {
	const char *default_vendor; /* used for unknown vendors          */
	const char *default_voice;  /* "" = the vendor's default          */
	const char *default_lang;   /* "en-US"                           */
	bool strict;                /* unknown vendor fails (ENOTSUP)     */
	size_t cache_bytes;         /* most PCM bytes kept                */
};

/** Allocate the synthesiser of the calling loop */
int tts_alloc(struct tts **tp, const struct tts_conf *conf);

/**
 * Synthesise text. A cache hit calls h before returning. Bound to
 * scope: when it closes first, h never runs.
 *
 * @param vendor NULL or "" = default vendor
 * @param nocache true to bypass the cache (disableTtsCache)
 */
int tts_synth(struct tts *tts, const char *vendor, const char *lang,
	      const char *voice, const char *text, bool nocache,
	      struct fs_scope *scope, fs_audio_h *h, void *arg);

/** Add hits, misses, entries, bytes, errors, synth_ms{} to obj */
int tts_metrics(const struct tts *tts, struct json_object *obj);

#endif
