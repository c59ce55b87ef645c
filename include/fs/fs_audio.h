/**
 * @file fs_audio.h  Decoded audio: 8 kHz mono 16-bit PCM, shared read-only
 *
 * Speech synthesis, file decoding and the caches all produce fs_audio
 * objects. They are immutable once made and reference counted with
 * libre's mem_ref/mem_deref, so one synthesised prompt can play on many
 * calls of the same event loop at once.
 */
#ifndef FS_AUDIO_H
#define FS_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FS_AUDIO_SRATE 8000

struct fs_audio {
	const int16_t *pcm; /**< samples at FS_AUDIO_SRATE, mono      */
	size_t samples;     /**< number of samples                    */
};

/**
 * Result of an audio request.
 *
 * @param err   0, or errno (ENOENT not found / HTTP 404, EPROTO
 *              undecodable, ETIMEDOUT, EFBIG too large, ENOTSUP vendor
 *              or format unsupported, ...)
 * @param audio The audio (borrowed: mem_ref it to keep it) or NULL
 * @param arg   Handler argument
 */
typedef void(fs_audio_h)(int err, struct fs_audio *audio, void *arg);

#ifdef __cplusplus
}
#endif

#endif
