/**
 * @file audio.h  Audio files: fetch over HTTP, decode, resample, cache
 *
 * A URL is fetched through the pooled requestor, decoded on a worker
 * thread with libsndfile (WAV, FLAC, Ogg/Vorbis/Opus, MP3), downmixed
 * and resampled to 8 kHz with speexdsp, and cached by URL.
 *
 * One audio cache per event loop: fs_audio objects are libre objects
 * whose reference counts belong to one loop.
 *
 * The second half of this header holds helpers shared with tts.c: the
 * fs_audio allocator, the resampler, the LRU cache and the coalescing of
 * concurrent requests for one key.
 */
#ifndef AUDIO_H
#define AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/fs_audio.h>

struct fs_req;
struct list;
struct fs_scope;
struct json_object;
struct audiocache;
struct worker;

struct audio_conf {
	size_t cache_bytes;  /* most PCM bytes kept (0: no caching)   */
	size_t max_file;     /* largest file fetched, bytes (0: 16 MiB) */
	uint32_t timeout_ms; /* fetch timeout, 0 = requestor default  */
	uint32_t max_secs;   /* longest file decoded (0: an hour)     */
	uint32_t decode_ms;  /* decoding time per file (0: 10 s)      */
};

/**
 * Allocate the audio cache of the calling loop.
 *
 * @param ap   Returns a new reference; destroying it aborts fetches and
 *             suppresses every pending handler
 * @param req  Requestor of the calling loop (borrowed, must outlive ac)
 * @param wp   Worker pool for decoding (borrowed, must outlive ac)
 * @param conf Settings (copied)
 * @return 0, EINVAL, ENOMEM
 */
int audiocache_alloc(struct audiocache **ap, struct fs_req *req,
		     struct worker *wp, const struct audio_conf *conf);

/**
 * Get decoded audio for url. A cache hit calls h before returning.
 * Concurrent gets of one url share one fetch and one decode. Bound to
 * scope: when it closes first, h never runs (the fetch goes on and
 * fills the cache).
 *
 * @param url   http:// or https:// URL (copied)
 * @param scope Owning scope (borrowed), NULL for none
 * @return 0 (h runs once, maybe already), or EINVAL, ESHUTDOWN (scope
 *         closed), ENOMEM, or a requestor error: h does not run.
 *         Errors given to h: ENOENT (HTTP 404/410), EPROTO (other HTTP
 *         status, empty or undecodable body), EFBIG (over max_file),
 *         ETIMEDOUT, ECONNREFUSED, ...
 */
int audiocache_get(struct audiocache *ac, const char *url,
		   struct fs_scope *scope, fs_audio_h *h, void *arg);

/** Add hits, misses, coalesced, entries, bytes, errors, decode_ms{} */
int audiocache_metrics(const struct audiocache *ac, struct json_object *obj);

/*
 * ---- helpers shared by the synthesisers and the decoder ----
 */

/**
 * Allocate an fs_audio holding n samples (for synthesisers and
 * decoders); fill pcm before sharing it. The object is one libre
 * allocation (struct fs_audio first, samples inline): mem_deref frees
 * it. It may be allocated on a worker thread and handed over once to a
 * loop thread.
 *
 * @param ap   Returns a new reference
 * @param pcmp Returns the writable samples
 * @param n    Number of samples
 * @return 0, EINVAL, ENOMEM
 */
int audio_buf_alloc(struct fs_audio **ap, int16_t **pcmp, size_t n);

/**
 * Shorten an fs_audio in place (after a resampler produced fewer
 * samples than allocated). The memory is not returned.
 */
void audio_buf_trim(struct fs_audio *a, size_t n);

/** Speexdsp quality used for every conversion to 8 kHz (0..10) */
#define AUDIO_RESAMPLE_QUALITY 4

/**
 * Resample mono 16-bit PCM to FS_AUDIO_SRATE into a new fs_audio.
 * Worker-thread safe (no shared state).
 *
 * @param ap    Returns a new reference
 * @param pcm   Input samples (borrowed)
 * @param n     Input sample count
 * @param srate Input rate in Hz (8000 copies)
 * @return 0, EINVAL, ENOMEM, EIO (resampler refused the rate)
 */
int audio_resample(struct fs_audio **ap, const int16_t *pcm, size_t n,
		   uint32_t srate);

/**
 * Decode an audio file held in memory (WAV, FLAC, Ogg, MP3, ... as
 * libsndfile knows them), downmix to mono, resample to 8 kHz.
 * Worker-thread safe.
 *
 * @param ap  Returns a new reference
 * @param buf File bytes (borrowed)
 * @param len Byte count
 * @return 0, EINVAL, EPROTO (not decodable), EFBIG (longer than an
 *         hour), ENOMEM
 */
int audio_decode(struct fs_audio **ap, const void *buf, size_t len);

/**
 * audio_decode() within limits: a file longer than max_secs fails with
 * EFBIG (checked on the header and again while decoding, as headers
 * lie), one that takes longer than max_ms of wall time to decode fails
 * with ETIMEDOUT. Zero takes the default (an hour, 10 s).
 */
int audio_decode_lim(struct fs_audio **ap, const void *buf, size_t len,
		     uint32_t max_secs, uint32_t max_ms);

/** PCM cache with least-recently-used eviction, bounded in bytes */
struct audio_lru;

int audio_lru_alloc(struct audio_lru **lp, size_t max_bytes);

/** @return the cached audio (borrowed) and mark it recently used */
struct fs_audio *audio_lru_get(struct audio_lru *c, const char *key);

/**
 * Cache audio under key (copied), replacing an older entry and evicting
 * the least recently used ones past the byte bound. Audio larger than
 * the bound is not kept.
 *
 * @param a Audio (takes a reference)
 */
int audio_lru_put(struct audio_lru *c, const char *key, struct fs_audio *a);

/** Entry count and PCM bytes held */
void audio_lru_usage(const struct audio_lru *c, uint32_t *entries,
		     size_t *bytes);

/**
 * Requests in flight for one key, with the handlers waiting for it.
 * Every waiter is bound to its scope: a closed scope drops its waiter
 * alone, the work goes on.
 */
struct audio_pend;

/**
 * Allocate a pending entry, linked into list (the list holds the
 * reference; audio_pend_finish() unlinks and releases it).
 *
 * @param key Key (copied)
 */
int audio_pend_alloc(struct audio_pend **pp, struct list *list,
		     const char *key);

/** @return the pending entry for key in list (borrowed) or NULL */
struct audio_pend *audio_pend_find(const struct list *list, const char *key);

/**
 * Add a waiter.
 *
 * @return 0, ESHUTDOWN (scope closed), ENOSPC, ENOMEM
 */
int audio_pend_wait(struct audio_pend *p, struct fs_scope *scope,
		    fs_audio_h *h, void *arg);

/** @return the pending entry's key (borrowed) */
const char *audio_pend_key(const struct audio_pend *p);

/**
 * Call every waiter (err, audio) in arrival order, then unlink p from
 * its list and release it. Handlers may add requests, close scopes or
 * release the owner.
 *
 * @param audio Audio or NULL (borrowed)
 */
void audio_pend_finish(struct audio_pend *p, int err, struct fs_audio *audio);

/** Drop every waiter silently, unlink and release p (owner teardown) */
void audio_pend_abort(struct audio_pend *p);

/** Duration samples of an operation, for p50/max/avg in metrics */
struct audio_timing {
	uint32_t v[256]; /* ring of the latest values, us */
	uint32_t n;      /* values in the ring             */
	uint32_t pos;
	uint64_t count;
	uint64_t sum;
	uint32_t max;
};

/** Record one duration in microseconds */
void audio_timing_add(struct audio_timing *t, uint32_t us);

/** Add {p50, max, avg} in milliseconds and count under key to obj */
int audio_timing_metrics(const struct audio_timing *t, struct json_object *obj,
			 const char *key);

/** Add an integer to a JSON object; ENOMEM on failure */
int audio_json_int(struct json_object *obj, const char *key, int64_t v);

/** Monotonic clock in microseconds (any thread) */
uint64_t audio_now_us(void);

#endif
