/**
 * @file conf_mix.c  Mixing arithmetic: each member hears the clipped sum
 *                   of the others' frames (conf_room.c picks which)
 */
#include <math.h>
#include <stdbool.h>
#include "conf/conf_mix.h"

void conf_mix_add(int32_t *acc, const int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += pcm[i];
}

void conf_mix_clip(int16_t *out, const int32_t *acc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t v = acc[i];

		out[i] = (int16_t)(v > INT16_MAX   ? INT16_MAX
				   : v < INT16_MIN ? INT16_MIN
						   : v);
	}
}

uint32_t conf_mix_level(const int16_t *pcm, size_t n)
{
	uint64_t sum = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)(pcm[i] < 0 ? -(int32_t)pcm[i] : pcm[i]);
	return (uint32_t)(sum / n);
}

#define BEEP_HI  800u   /* samples of 941+1477 Hz (100 ms) */
#define BEEP_END 12000u /* then 350+440 Hz to 1.5 s */
#define BEEP_AMP 3000.0 /* per tone, about -7 dBm0 together */

bool conf_mix_beep(int32_t *acc, size_t n, uint64_t pos)
{
	for (size_t i = 0; i < n; i++, pos++) {
		double t = (double)pos / 8000.0, f1, f2;

		if (pos >= BEEP_END)
			return false;
		f1 = pos < BEEP_HI ? 941.0 : 350.0;
		f2 = pos < BEEP_HI ? 1477.0 : 440.0;
		acc[i] += (int32_t)(BEEP_AMP * (sin(2 * M_PI * f1 * t) +
						sin(2 * M_PI * f2 * t)));
	}
	return pos < BEEP_END;
}

int conf_talk_step(struct conf_talk *t, uint32_t level)
{
	if (level >= CONF_TALK_LEVEL) {
		t->quiet = 0;
		if (!t->talking && ++t->loud >= CONF_TALK_ON) {
			t->talking = true;
			return 1;
		}
		return 0;
	}
	t->loud = 0;
	if (t->talking && ++t->quiet >= CONF_TALK_HANG) {
		t->talking = false;
		t->quiet = 0;
		return -1;
	}
	return 0;
}
