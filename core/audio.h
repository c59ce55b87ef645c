/**
 * @file audio.h  Audio files: fetch over HTTP, decode, resample, cache
 *
 * A URL is fetched through the pooled requestor, decoded on a worker
 * thread with libsndfile (WAV, FLAC, Ogg/Vorbis/Opus, MP3), downmixed
 * and resampled to 8 kHz with speexdsp, and cached by URL.
 */
#ifndef AUDIO_H
#define AUDIO_H

#include <stddef.h>
#include <fs/fs_audio.h>

struct fs_req;
struct fs_scope;
struct json_object;
struct audiocache;

struct audio_conf {
	size_t cache_bytes; /* most PCM bytes kept                  */
	size_t max_file;    /* largest file fetched, bytes          */
};

int audiocache_alloc(struct audiocache **ap, struct fs_req *req,
		     const struct audio_conf *conf);

/**
 * Get decoded audio for url. A cache hit calls h before returning.
 * Bound to scope.
 */
int audiocache_get(struct audiocache *ac, const char *url,
		   struct fs_scope *scope, fs_audio_h *h, void *arg);

/** Add hits, misses, entries, bytes, errors to obj */
int audiocache_metrics(const struct audiocache *ac, struct json_object *obj);

/**
 * Allocate an fs_audio holding n samples (for synthesisers and
 * decoders); fill pcm before sharing it.
 */
int audio_buf_alloc(struct fs_audio **ap, int16_t **pcmp, size_t n);

#endif
