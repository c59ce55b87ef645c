/**
 * @file fs_resamp.h  Sample-rate conversion of 16-bit mono PCM (ABI 1.3)
 *
 * A stateful speexdsp resampler, for a stream cut into frames: feeding
 * it frame after frame gives the same audio as converting the whole at
 * once, without clicks at the frame boundaries. Runs on any thread, one
 * object per stream.
 */
#ifndef FS_RESAMP_H
#define FS_RESAMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_resamp;

/**
 * @param rp   Returns a new reference (mem_deref to free)
 * @param from Input rate, Hz (1000 .. 192000)
 * @param to   Output rate, Hz (1000 .. 192000); equal rates copy
 * @return 0, EINVAL, ENOMEM, EIO (speexdsp refused the rates)
 */
int fs_resamp_alloc(struct fs_resamp **rp, uint32_t from, uint32_t to);

/**
 * Convert n input samples. The output follows the input by the filter's
 * short delay; over a stream the counts keep the rates' ratio.
 *
 * @param out Room for cap samples; n * to / from + 16 is always enough
 * @return samples written to out
 */
size_t fs_resamp_run(struct fs_resamp *r, const int16_t *in, size_t n,
		     int16_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
