/**
 * @file metrics.c  The /metrics document: the JSON tree
 *
 * The JSON tree is the single source of the figures; the Prometheus text
 * is derived from it generically (metrics_prom.c), so a figure added to
 * any area's *_metrics() function shows up in both formats.
 */
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "audio/audio.h"
#include "dir/dbpool.h"
#include "loop/loop.h"
#include "media/media.h"
#include "audio/tts.h"
#include "loop/life.h"
#include "verb/loader.h"
#include "base/hist.h"
#include "base/log.h"
#include "http/req.h"
#include "cluster/cluster.h"
#include "api/rest.h"
#include "base/scope.h"
#include "base/timer.h"
#include "sip/sipcheck.h"


static int metrics_add(struct json_object *obj, const char *key,
		       struct json_object *val)
{
	if (!val)
		return ENOMEM;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return ENOMEM;
	}
	return 0;
}

static int metrics_add_int(struct json_object *obj, const char *key, int64_t v)
{
	return metrics_add(obj, key, json_object_new_int64(v));
}

/* rss from the kernel; heap figures from the allocator's own books */
static int metrics_memory(struct json_object *obj)
{
	struct mallinfo2 mi = mallinfo2();
	unsigned long size = 0, resident = 0;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f;
	int err = 0;

	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	if (page <= 0)
		page = 4096;

	err |= metrics_add_int(obj, "rss", (int64_t)resident * page);
	err |= metrics_add_int(obj, "heapUsed",
			       (int64_t)(mi.uordblks + mi.hblkhd));
	err |= metrics_add_int(obj, "heapTotal",
			       (int64_t)(mi.arena + mi.hblkhd));
	return err ? ENOMEM : 0;
}

/* CPU seconds (user + system) a thread of this process has used */
static double metrics_thread_cpu(int tid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	if (tid <= 0 || hz <= 0)
		return 0;
	(void)snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name in parentheses may hold spaces: fields follow the last ) */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)hz;
}

/* Each loop's share: its calls, the timers it had armed when it last
 * went to sleep (base/timer.c, at most one iteration old) and its
 * thread's CPU, so a reader sees where the load lands */
static int metrics_loops(const struct app *app, struct json_object *doc)
{
	struct json_object *arr = json_object_new_array();
	int err;

	err = metrics_add(doc, "loops", arr);
	for (unsigned i = 0; i < app->nloops && i < APP_MAX_LOOPS && !err;
	     i++) {
		const struct app_loop_stats *ls = &app->loops[i];
		struct json_object *o = json_object_new_object();

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			err = ENOMEM;
			break;
		}
		err |= metrics_add_int(
			o, "callsActive",
			__atomic_load_n(&ls->calls_active, __ATOMIC_RELAXED));
		err |= metrics_add_int(
			o, "callsTotal",
			(int64_t)__atomic_load_n(&ls->calls_total,
						 __ATOMIC_RELAXED));
		err |= metrics_add_int(
			o, "timers",
			__atomic_load_n(&ls->timers, __ATOMIC_RELAXED));
		err |= metrics_add(
			o, "cpuSeconds",
			json_object_new_double(metrics_thread_cpu(
				__atomic_load_n(&ls->tid, __ATOMIC_RELAXED))));
		if (err)
			err = ENOMEM;
	}
	return err;
}

static bool metrics_is_number(const struct json_object *v);

/* How one figure of two loops combines: maxima and percentiles keep the
 * larger (a percentile over all loops is at most the worst loop's), a
 * setting (poolsize, max) is the same everywhere; the rest adds up */
static bool metrics_merge_is_max(const char *key)
{
	static const char *const keys[] = {"max", "peak",      "p50",
					   "p90", "p99",       "poolsize",
					   "avg", "cache_size"};

	if (!strncmp(key, "max_", 4))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!strcmp(key, keys[i]))
			return true;
	}
	return false;
}

/* Add another loop's figures (src) into dst: numbers by the rule above,
 * objects member by member; members only src has are copied */
static void metrics_merge(struct json_object *dst,
			  const struct json_object *src)
{
	struct json_object *da, *dc, *sa, *sc;

	if (!json_object_is_type(dst, json_type_object) ||
	    !json_object_is_type(src, json_type_object))
		return;
	/* an average weighs by its count, before the counts add up */
	if (json_object_object_get_ex(dst, "avg", &da) &&
	    json_object_object_get_ex(dst, "count", &dc) &&
	    json_object_object_get_ex(src, "avg", &sa) &&
	    json_object_object_get_ex(src, "count", &sc)) {
		double n = json_object_get_double(dc) +
			   json_object_get_double(sc);

		if (n > 0)
			json_object_set_double(
				da, (json_object_get_double(da) *
					     json_object_get_double(dc) +
				     json_object_get_double(sa) *
					     json_object_get_double(sc)) /
					    n);
	}
	json_object_object_foreach((struct json_object *)src, key, sv)
	{
		struct json_object *dv;

		if (!json_object_object_get_ex(dst, key, &dv)) {
			struct json_object *copy = NULL;

			if (!json_object_deep_copy(sv, &copy, NULL))
				(void)metrics_add(dst, key, copy);
			continue;
		}
		if (json_object_is_type(dv, json_type_object)) {
			metrics_merge(dv, sv);
		} else if (json_object_is_type(dv, json_type_int) &&
			   json_object_is_type(sv, json_type_int)) {
			int64_t a = json_object_get_int64(dv);
			int64_t b = json_object_get_int64(sv);

			json_object_set_int64(dv, metrics_merge_is_max(key)
							  ? (a > b ? a : b)
							  : a + b);
		} else if (json_object_is_type(dv, json_type_double) &&
			   metrics_is_number(sv)) {
			double a = json_object_get_double(dv);
			double b = json_object_get_double(sv);

			if (!strcmp(key, "avg"))
				continue;
			json_object_set_double(dv, metrics_merge_is_max(key)
							   ? (a > b ? a : b)
							   : a + b);
		}
	}
}

/* One loop's WebSocket application counters (call/ws_app.c) */
static struct json_object *metrics_ws_loop(const struct app_ws_stats *ws)
{
	const struct {
		const char *key;
		int64_t v;
	} f[] = {
		{"open", __atomic_load_n(&ws->open, __ATOMIC_RELAXED)},
		{"opened_total",
		 (int64_t)__atomic_load_n(&ws->opened, __ATOMIC_RELAXED)},
		{"reconnects_total",
		 (int64_t)__atomic_load_n(&ws->reconnects, __ATOMIC_RELAXED)},
		{"handshake_failures_total",
		 (int64_t)__atomic_load_n(&ws->handshake_failures,
					  __ATOMIC_RELAXED)},
		{"messages_in_total",
		 (int64_t)__atomic_load_n(&ws->msgs_in, __ATOMIC_RELAXED)},
		{"messages_out_total",
		 (int64_t)__atomic_load_n(&ws->msgs_out, __ATOMIC_RELAXED)},
		{"errors_sent_total",
		 (int64_t)__atomic_load_n(&ws->errors_sent, __ATOMIC_RELAXED)},
	};
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < ARRAY_SIZE(f); i++) {
		if (metrics_add_int(o, f[i].key, f[i].v)) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* "websocket": every loop's counters, added up as loops' figures are */
static int metrics_ws(const struct app *app, struct json_object *doc)
{
	struct json_object *sum = metrics_ws_loop(&app->loops[0].ws);
	int err = metrics_add(doc, "websocket", sum);

	for (unsigned i = 1; !err && i < app->nloops && i < APP_MAX_LOOPS;
	     i++) {
		struct json_object *o = metrics_ws_loop(&app->loops[i].ws);

		if (!o)
			return ENOMEM;
		metrics_merge(sum, o);
		json_object_put(o);
	}
	return err;
}

/**
 * Build the /metrics document: memory, connections, tasks, listeners,
 * calls, uptime. Areas that are not set up yet appear as empty objects
 * so the shape never changes.
 *
 * @param app Application context (borrowed)
 * @param op  Returns a new reference (json_object_put)
 * @return 0, EINVAL, ENOMEM, or an area's error
 */
int metrics_json(const struct app *app, const struct json_object *others,
		 struct json_object **op)
{
	static const char *const parts[] = {"memory", "connections", "tasks",
					    "listeners", "calls"};
	struct json_object *doc, *calls;
	uint64_t now;
	int err = 0;

	if (!app || !op)
		return EINVAL;

	doc = json_object_new_object();
	if (!doc)
		return ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(parts) && !err; i++)
		err = metrics_add(doc, parts[i], json_object_new_object());
	if (err)
		goto out;

	err = metrics_memory(json_object_object_get(doc, "memory"));
	if (err)
		goto out;

	if (app->loader) {
		err = loader_metrics(app->loader,
				     json_object_object_get(doc, "tasks"));
		if (err)
			goto out;
	}
	if (app->loop) {
		err = loop_metrics(app->loop, doc);
		if (err)
			goto out;
	} else {
		/* before the loops run (and in tests): what is set */
		if (app->req)
			err = req_metrics(
				app->req,
				json_object_object_get(doc, "connections"));
		if (!err && app->scopes)
			err = scopemgr_metrics(
				app->scopes,
				json_object_object_get(doc, "listeners"));
		if (err)
			goto out;
	}
	/* the first loop's own figures above, the others' added */
	for (size_t i = 1; others && i < json_object_array_length(others);
	     i++) {
		const struct json_object *p =
			json_object_array_get_idx(others, i);

		if (p)
			metrics_merge(doc, p);
	}

	/* the directory pool is process-wide and thread safe */
	{
		struct json_object *o = json_object_new_object();

		err = metrics_add(doc, "directory", o);
		if (!err && app->dbpool)
			err = dbpool_metrics(app->dbpool, o);
		else if (!err)
			err = metrics_add(o, "backend",
					  json_object_new_string("file"));
		if (err)
			goto out;
	}

	/* latency histograms: process-wide, after the loops' merge */
	{
		struct json_object *o = json_object_new_object();

		err = metrics_add(doc, "histograms", o);
		if (!err)
			err = hist_metrics(o);
		if (err)
			goto out;
	}

	/* scale-out: the shared call registry, when there is one */
	{
		struct json_object *o = json_object_new_object();

		err = o ? cluster_metrics(app->cluster, o) : ENOMEM;
		if (!err && json_object_object_length(o))
			err = metrics_add(doc, "cluster", o);
		else
			json_object_put(o);
		if (err)
			goto out;
	}

	if (app->life) {
		struct json_object *o = json_object_new_object();

		err = metrics_add(doc, "config", o);
		if (!err)
			err = life_metrics(app->life, o);
		if (err)
			goto out;
	}

	/* SIP admission: refused requests and limits, every loop */
	{
		struct json_object *o = json_object_new_object();

		err = metrics_add(doc, "sip", o);
		if (!err)
			err = sipcheck_metrics(
				app, app->loop ? app->loop->check : NULL, o);
		if (err)
			goto out;
	}

	calls = json_object_object_get(doc, "calls");
	err = metrics_add_int(calls, "active", app->calls_active);
	if (!err)
		err = metrics_add_int(calls, "total",
				      (int64_t)app->calls_total);
	if (err)
		goto out;

	/* timers armed on this thread's loop (the one serving /metrics),
	 * and on the others as each published when it last went to sleep */
	{
		int64_t n = (int64_t)timer_pending(tmrl_get());

		for (unsigned i = 1; i < app->nloops && i < APP_MAX_LOOPS; i++)
			n += __atomic_load_n(&app->loops[i].timers,
					     __ATOMIC_RELAXED);
		err = metrics_add_int(doc, "timers", n);
	}
	if (err)
		goto out;
	err = metrics_loops(app, doc);
	if (!err)
		err = metrics_ws(app, doc);
	if (err)
		goto out;

	now = tmr_jiffies();
	err = metrics_add_int(
		doc, "uptime",
		now > app->started_ms
			? (int64_t)((now - app->started_ms) / 1000)
			: 0);

out:
	if (err) {
		json_object_put(doc);
		return err;
	}
	*op = doc;
	return 0;
}

static bool metrics_is_number(const struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
	case json_type_int:
	case json_type_double:
		return true;
	default:
		return false;
	}
}
