/**
 * @file siprate.h  Token buckets per source address, bounded in memory
 *
 * One bucket per source IP address (the port is ignored: a flood from
 * one host uses many ports). A bucket holds up to `burst` tokens and
 * gains `rate` per second; each new INVITE takes one. The table keeps
 * at most `max` buckets: when full, the least recently used goes, which
 * is safe because an idle bucket refills to the same state as a new one.
 */
#ifndef SIPRATE_H
#define SIPRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

struct siprate;

int siprate_alloc(struct siprate **rp, uint32_t max);

/**
 * Take one token for src at time now_ms (tmr_jiffies()).
 *
 * @return true if allowed; false if the source is over its rate.
 *         rate 0 means no limit (always true, nothing stored).
 */
bool siprate_take(struct siprate *r, const struct sa *src, uint32_t rate,
		  uint32_t burst, uint64_t now_ms);

/** @return the number of buckets held */
uint32_t siprate_count(const struct siprate *r);

#endif
