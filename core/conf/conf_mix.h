/**
 * @file conf_mix.h  The arithmetic of the mixer: sums of linear frames
 *                   with saturation, an energy measure, the entry tone
 */
#ifndef CONF_MIX_H
#define CONF_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_FRAME 160 /* 20 ms at 8 kHz */

/** acc[i] += pcm[i] */
void conf_mix_add(int32_t *acc, const int16_t *pcm, size_t n);

/** out[i] = acc[i] clipped to the 16-bit range */
void conf_mix_clip(int16_t *out, const int32_t *acc, size_t n);

/** @return the mean absolute value of the frame */
uint32_t conf_mix_level(const int16_t *pcm, size_t n);

/**
 * Add the entry tone (jambonz's BONG_TONE: 100 ms of 941+1477 Hz, then
 * 1400 ms of 350+440 Hz) from sample pos of it; nothing past its end.
 *
 * @return false once pos is past the tone
 */
bool conf_mix_beep(int32_t *acc, size_t n, uint64_t pos);

/* start-talking/stop-talking: a frame louder than the threshold is
 * speech; CONF_TALK_ON of them in a row start talking, CONF_TALK_HANG
 * quiet ones in a row stop it (the hangover) */
#define CONF_TALK_LEVEL 300
#define CONF_TALK_ON    3
#define CONF_TALK_HANG  25

struct conf_talk {
	uint32_t loud, quiet;
	bool talking;
};

/** @return 1 when talking starts, -1 when it stops, else 0 */
int conf_talk_step(struct conf_talk *t, uint32_t level);

#endif
