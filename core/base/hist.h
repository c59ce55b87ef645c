/**
 * @file hist.h  Latency histograms of the whole process, for /metrics
 *
 * A few durations are worth their distribution, not only an average:
 * how long webhooks take, how long a call waits for its answer, speech
 * synthesis, directory lookups. Each is one histogram with fixed bucket
 * bounds (seconds, Prometheus' defaults), observed from any thread
 * (event loops, workers) with atomic adds and read at scrape time.
 */
#ifndef HIST_H
#define HIST_H

#include <stdint.h>

struct json_object;

enum hist_id {
	HIST_WEBHOOK, /* a webhook request, sent to answered (retries in) */
	HIST_ANSWER,  /* a call's INVITE to its answer, by direction     */
	HIST_TTS,     /* one synthesis, by vendor                        */
	HIST_DB,      /* one directory lookup in the database            */
	HIST_N,
};

/** Distinct label values a histogram keeps; later ones count as "other" */
#define HIST_SLOTS 8

/**
 * Count one duration. label: the value of the histogram's label
 * (direction, vendor), ignored by those without one. Thread safe.
 */
void hist_observe(enum hist_id id, const char *label, uint64_t us);

/** Microseconds of a monotonic clock, for hist_since() */
uint64_t hist_now_us(void);

/** hist_observe() of the time since t0_us (hist_now_us()) */
void hist_since(enum hist_id id, const char *label, uint64_t t0_us);

/**
 * Every histogram into obj, under its name (webhook_duration_seconds,
 * ...): {"buckets": {"0.005": n, ..., "+Inf": n}, "sum": s, "count": n},
 * cumulative as Prometheus' are; one with a label is
 * {"<label>": {"<value>": histogram, ...}}.
 *
 * @return 0, ENOMEM
 */
int hist_metrics(struct json_object *obj);

/** Forget every observation (unit tests) */
void hist_reset(void);

#endif
