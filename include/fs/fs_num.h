/**
 * @file fs_num.h  Numbers from outside (webhook JSON, REST bodies)
 *
 * A JSON number may be NaN, an infinity (json-c parses both) or 1e300;
 * converting such a double to an integer type is undefined behaviour in
 * C. Every duration or count taken from outside goes through these.
 */
#ifndef FS_NUM_H
#define FS_NUM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Seconds to milliseconds, rounded to the nearest.
 *
 * @param secs   The value as given
 * @param def    Returned for NaN, zero and negative values
 * @param max_ms Returned for anything longer (and +infinity)
 */
uint32_t fs_secs_ms(double secs, uint32_t def, uint32_t max_ms);

/**
 * A count or size, truncated: NaN, zero and negatives give 0, anything
 * above max (and +infinity) gives max.
 */
uint32_t fs_num_u32(double v, uint32_t max);

#ifdef __cplusplus
}
#endif

#endif
