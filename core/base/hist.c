/**
 * @file hist.c  Latency histograms of the whole process, for /metrics
 *
 * Counts per bucket, not cumulative, so an observation is one atomic
 * add on its bucket, the sum and the count; the scrape adds them up.
 * A scrape racing an observation may see the bucket before the count:
 * off by one for an instant, never lost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "base/hist.h"

#define HIST_NAME_MAX 32

/* upper bounds in microseconds (Prometheus' default buckets) */
static const uint64_t hist_bounds_us[] = {
	5000,   10000,   25000,   50000,   100000,   250000,
	500000, 1000000, 2500000, 5000000, 10000000,
};

#define HIST_NB (sizeof(hist_bounds_us) / sizeof(hist_bounds_us[0]) + 1)

struct hist_slot {
	char name[HIST_NAME_MAX]; /* written once, before n counts it */
	uint64_t b[HIST_NB];      /* the last one: above every bound */
	uint64_t sum_us;
	uint64_t count;
};

struct hist {
	const char *key;
	const char *label; /* NULL: one slot, no label */
	unsigned n;        /* slots in use */
	struct hist_slot s[HIST_SLOTS];
};

static struct hist hists[HIST_N] = {
	[HIST_WEBHOOK] = {.key = "webhook_duration_seconds"},
	[HIST_ANSWER] = {.key = "invite_answer_seconds", .label = "direction"},
	[HIST_TTS] = {.key = "tts_synthesis_seconds", .label = "vendor"},
	[HIST_DB] = {.key = "db_lookup_seconds"},
};

static pthread_mutex_t hist_mtx = PTHREAD_MUTEX_INITIALIZER;

static struct hist_slot *hist_find(struct hist *h, unsigned n,
				   const char *name)
{
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(h->s[i].name, name))
			return &h->s[i];
	}
	return NULL;
}

/* The slot of a label value: found without the lock (names never change
 * once counted in n), added under it */
static struct hist_slot *hist_slot(struct hist *h, const char *label)
{
	char name[HIST_NAME_MAX];
	struct hist_slot *s;
	unsigned n;

	if (!h->label || !label || !*label)
		label = h->label ? "unknown" : "";
	snprintf(name, sizeof(name), "%s", label);
	n = __atomic_load_n(&h->n, __ATOMIC_ACQUIRE);
	s = hist_find(h, n, name);
	if (s)
		return s;
	pthread_mutex_lock(&hist_mtx);
	n = h->n;
	s = hist_find(h, n, name);
	if (!s && n >= HIST_SLOTS - 1)
		s = hist_find(h, n, "other");
	if (!s) {
		s = &h->s[n];
		snprintf(s->name, sizeof(s->name), "%s",
			 n == HIST_SLOTS - 1 ? "other" : name);
		__atomic_store_n(&h->n, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&hist_mtx);
	return s;
}

void hist_observe(enum hist_id id, const char *label, uint64_t us)
{
	struct hist_slot *s;
	size_t i = 0;

	if ((unsigned)id >= HIST_N)
		return;
	s = hist_slot(&hists[id], label);
	while (i < HIST_NB - 1 && us > hist_bounds_us[i])
		i++;
	__atomic_fetch_add(&s->b[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->sum_us, us, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
}

uint64_t hist_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void hist_since(enum hist_id id, const char *label, uint64_t t0_us)
{
	uint64_t now = hist_now_us();

	hist_observe(id, label, now > t0_us ? now - t0_us : 0);
}

static int hist_add(struct json_object *o, const char *key,
		    struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return ENOMEM;
	}
	return 0;
}

static struct json_object *hist_slot_json(const struct hist_slot *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *b = json_object_new_object();
	uint64_t cum = 0;
	int err = hist_add(o, "buckets", b);

	for (size_t i = 0; !err && i < HIST_NB; i++) {
		char le[24];

		cum += __atomic_load_n(&s->b[i], __ATOMIC_RELAXED);
		if (i < HIST_NB - 1)
			snprintf(le, sizeof(le), "%g",
				 (double)hist_bounds_us[i] / 1e6);
		else
			snprintf(le, sizeof(le), "+Inf");
		err = hist_add(b, le, json_object_new_int64((int64_t)cum));
	}
	if (!err)
		err = hist_add(o, "sum",
			       json_object_new_double(
				       (double)__atomic_load_n(
					       &s->sum_us, __ATOMIC_RELAXED) /
				       1e6));
	/* the count is the +Inf bucket, so the two always agree */
	if (!err)
		err = hist_add(o, "count",
			       json_object_new_int64((int64_t)cum));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int hist_metrics(struct json_object *obj)
{
	for (size_t i = 0; i < HIST_N; i++) {
		const struct hist *h = &hists[i];
		unsigned n = __atomic_load_n(&h->n, __ATOMIC_ACQUIRE);
		struct json_object *vals;
		int err;

		if (!h->label) {
			static const struct hist_slot none;

			err = hist_add(obj, h->key,
				       hist_slot_json(n ? &h->s[0] : &none));
			if (err)
				return err;
			continue;
		}
		vals = json_object_new_object();
		err = vals ? 0 : ENOMEM;
		for (unsigned j = 0; !err && j < n; j++)
			err = hist_add(vals, h->s[j].name,
				       hist_slot_json(&h->s[j]));
		if (!err) {
			struct json_object *o = json_object_new_object();

			err = hist_add(obj, h->key, o);
			if (!err)
				err = hist_add(o, h->label,
					       json_object_get(vals));
		}
		json_object_put(vals);
		if (err)
			return err;
	}
	return 0;
}

void hist_reset(void)
{
	pthread_mutex_lock(&hist_mtx);
	for (size_t i = 0; i < HIST_N; i++) {
		__atomic_store_n(&hists[i].n, 0, __ATOMIC_RELEASE);
		memset(hists[i].s, 0, sizeof(hists[i].s));
	}
	pthread_mutex_unlock(&hist_mtx);
}
