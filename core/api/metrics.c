/**
 * @file metrics.c  The /metrics document: JSON tree and Prometheus text
 *
 * The JSON tree is the single source of the figures; the Prometheus text
 * is derived from it generically, so a figure added to any area's
 * *_metrics() function shows up in both formats without further code.
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
#include "base/log.h"
#include "http/req.h"
#include "cluster/cluster.h"
#include "api/rest.h"
#include "base/scope.h"
#include "base/timer.h"
#include "sip/sipcheck.h"

/* Longest metric name; deeper or longer paths are skipped, not cut */
#define METRICS_NAME_MAX 200

/*
 * Label name for arrays of strings, by metric name; any other array of
 * strings gets "value".
 */
static const struct {
	const char *metric;
	const char *label;
} metrics_labels[] = {
	{"fs_tasks_loaded", "verb"},
	{"fs_loops", "loop"},
};

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

/*
 * Append one path segment to a metric name: characters outside
 * [a-zA-Z0-9_] become '_', and camelCase becomes snake_case because
 * Prometheus names are lower case by convention.
 */
static int metrics_name_push(char *name, size_t *lenp, const char *key)
{
	size_t len = *lenp;
	char prev = '_';

	if (len + 1 >= METRICS_NAME_MAX)
		return ENAMETOOLONG;
	name[len++] = '_';
	for (const char *p = key; *p; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z') {
			if ((prev >= 'a' && prev <= 'z') ||
			    (prev >= '0' && prev <= '9')) {
				if (len + 1 >= METRICS_NAME_MAX)
					return ENAMETOOLONG;
				name[len++] = '_';
			}
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '_')) {
			c = '_';
		}
		if (len + 1 >= METRICS_NAME_MAX)
			return ENAMETOOLONG;
		name[len++] = c;
		prev = c;
	}
	name[len] = '\0';
	*lenp = len;
	return 0;
}

static int metrics_value(struct mbuf *mb, const struct json_object *v)
{
	double d;

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return mbuf_printf(mb, "%d",
				   json_object_get_boolean(v) ? 1 : 0);
	case json_type_int:
		return mbuf_printf(mb, "%lld",
				   (long long)json_object_get_int64(v));
	case json_type_double:
		d = json_object_get_double(v);
		if (isnan(d))
			return mbuf_write_str(mb, "NaN");
		if (isinf(d))
			return mbuf_write_str(mb, d > 0 ? "+Inf" : "-Inf");
		else {
			char buf[64];

			snprintf(buf, sizeof(buf), "%.15g", d);
			return mbuf_write_str(mb, buf);
		}
	default:
		return EINVAL;
	}
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

/* Label values escape backslash, double quote and newline */
static int metrics_label_value(struct mbuf *mb, const char *s)
{
	int err = 0;

	for (; *s && !err; s++) {
		if (*s == '\\')
			err = mbuf_write_str(mb, "\\\\");
		else if (*s == '"')
			err = mbuf_write_str(mb, "\\\"");
		else if (*s == '\n')
			err = mbuf_write_str(mb, "\\n");
		else
			err = mbuf_write_u8(mb, (uint8_t)*s);
	}
	return err;
}

static const char *metrics_label_for(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(metrics_labels); i++) {
		if (!strcmp(metrics_labels[i].metric, name))
			return metrics_labels[i].label;
	}
	return "value";
}

/*
 * An array of objects (one per loop, say): each numeric member becomes
 * one metric with a series per element, labelled by the element's
 * index, as fs_loops_calls_active{loop="1"} 4. The first element names
 * the members; Prometheus wants a metric's series together.
 */
static int metrics_array_objects(struct mbuf *mb, const char *name,
				 const struct json_object *arr)
{
	const struct json_object *first = json_object_array_get_idx(arr, 0);
	size_t n = json_object_array_length(arr);
	const char *label = metrics_label_for(name);
	char full[METRICS_NAME_MAX + 1];
	int err = 0;

	if (!strcmp(label, "value"))
		label = "index";
	json_object_object_foreach((struct json_object *)first, key, v0)
	{
		size_t len = strlen(name);

		if (!metrics_is_number(v0) || len >= sizeof(full))
			continue;
		memcpy(full, name, len + 1);
		if (metrics_name_push(full, &len, key))
			continue;
		err = mbuf_printf(mb, "# TYPE %s gauge\n", full);
		for (size_t i = 0; i < n && !err; i++) {
			struct json_object *e, *v;

			e = json_object_array_get_idx(arr, i);
			if (!json_object_object_get_ex(e, key, &v) ||
			    !metrics_is_number(v))
				continue;
			err = mbuf_printf(mb, "%s{%s=\"%zu\"} ", full, label,
					  i);
			err = err ? err : metrics_value(mb, v);
			err = err ? err : mbuf_write_u8(mb, '\n');
		}
		if (err)
			break;
	}
	return err;
}

/*
 * Strings become one series each with the string as a label; numbers are
 * indexed; objects as metrics_array_objects() says. Anything else in an
 * array has no Prometheus shape: skipped.
 */
static int metrics_array(struct mbuf *mb, const char *name,
			 const struct json_object *arr)
{
	size_t n = json_object_array_length(arr);
	const char *label = metrics_label_for(name);
	bool typed = false;
	int err = 0;

	if (n && json_object_is_type(json_object_array_get_idx(arr, 0),
				     json_type_object))
		return metrics_array_objects(mb, name, arr);
	for (size_t i = 0; i < n && !err; i++) {
		const struct json_object *e =
			json_object_array_get_idx(arr, i);
		bool str = json_object_is_type(e, json_type_string);

		if (!str && !metrics_is_number(e))
			continue;
		if (!typed) {
			err = mbuf_printf(mb, "# TYPE %s gauge\n", name);
			typed = true;
		}
		if (str) {
			err = err ? err
				  : mbuf_printf(mb, "%s{%s=\"", name, label);
			err = err ? err
				  : metrics_label_value(
					    mb,
					    json_object_get_string(
						    (struct json_object *)e));
			err = err ? err : mbuf_write_str(mb, "\"} 1\n");
		} else {
			err = err ? err
				  : mbuf_printf(mb, "%s{index=\"%zu\"} ", name,
						i);
			err = err ? err : metrics_value(mb, e);
			err = err ? err : mbuf_write_u8(mb, '\n');
		}
	}
	return err;
}

static int metrics_walk(struct mbuf *mb, char *name, size_t len,
			const struct json_object *obj)
{
	int err = 0;

	json_object_object_foreach((struct json_object *)obj, key, val)
	{
		size_t l = len;

		if (!val)
			continue;
		if (metrics_name_push(name, &l, key)) {
			fs_debug("metrics", "skipping %s: name too long", key);
			name[len] = '\0';
			continue;
		}

		if (json_object_is_type(val, json_type_object)) {
			err = metrics_walk(mb, name, l, val);
		} else if (json_object_is_type(val, json_type_array)) {
			err = metrics_array(mb, name, val);
		} else if (metrics_is_number(val)) {
			err = mbuf_printf(mb, "# TYPE %s gauge\n%s ", name,
					  name);
			err = err ? err : metrics_value(mb, val);
			err = err ? err : mbuf_write_u8(mb, '\n');
		}
		name[len] = '\0';
		if (err)
			return err;
	}
	return 0;
}

/**
 * Render a metrics document in the Prometheus text exposition format
 * (version 0.0.4): each numeric leaf becomes a gauge named fs_ followed
 * by its path joined with '_' (sanitised, snake_case); an array of
 * strings becomes one series per string, e.g.
 * fs_tasks_loaded{verb="say"} 1.
 *
 * @param doc  JSON object (borrowed)
 * @param strp Returns a new string (mem_deref)
 * @return 0, EINVAL, ENOMEM
 */
int metrics_prometheus(const struct json_object *doc, char **strp)
{
	char name[METRICS_NAME_MAX + 1] = "fs";
	struct mbuf *mb;
	int err;

	if (!doc || !strp || !json_object_is_type(doc, json_type_object))
		return EINVAL;

	mb = mbuf_alloc(4096);
	if (!mb)
		return ENOMEM;
	err = metrics_walk(mb, name, strlen(name), doc);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, strp, mb->end);
	}
	mem_deref(mb);
	return err;
}
