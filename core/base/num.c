/**
 * @file num.c  Numbers from outside, converted without undefined behaviour
 */
#include <math.h>
#include <fs/fs_num.h>

uint32_t fs_secs_ms(double secs, uint32_t def, uint32_t max_ms)
{
	double ms;

	/* NaN compares false with everything: test it first */
	if (isnan(secs) || secs <= 0)
		return def;
	ms = secs * 1000.0 + 0.5;
	if (ms >= (double)max_ms)
		return max_ms;
	return (uint32_t)ms;
}

uint32_t fs_num_u32(double v, uint32_t max)
{
	if (isnan(v) || v <= 0)
		return 0;
	if (v >= (double)max)
		return max;
	return (uint32_t)v;
}
