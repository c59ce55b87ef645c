/**
 * @file metrics_prom.c  The /metrics document as Prometheus text
 *
 * Derived from the JSON tree generically, by rules on the names, so a
 * figure added to an area's *_metrics() function needs no code here:
 *
 * - a leaf's name is fs_ and its path joined with '_' (snake_case);
 * - a key ending in _ms or _us is in seconds in Prometheus (base units);
 * - a leaf is a counter (suffix _total) unless its key names a state
 *   (metrics_gauge_words: active, inflight, bytes, max, ...);
 * - an object of percentiles (p50, p99, max, avg, count) is a summary;
 * - an object of per-name members (metrics_keyed: per plugin, per
 *   failure reason) and an array of objects (per loop) are one family
 *   with a label;
 * - the members of the top-level "histograms" (base/hist.h) are
 *   histograms: fs_<name>_bucket{le=...}, _sum and _count, with the
 *   label of a histogram kept per label value;
 * - every family has HELP (its JSON path) and TYPE, its series together.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "api/rest.h"
#include "base/log.h"

/* Longest metric name; deeper or longer paths are skipped, not cut */
#define PROM_NAME_MAX   200
#define PROM_LABELS_MAX 512

enum prom_type { PROM_GAUGE, PROM_COUNTER, PROM_SUMMARY, PROM_HISTOGRAM };

/* One sample line; families are grouped when the text is written */
struct prom_series {
	char family[PROM_NAME_MAX + 16];
	char suffix[16]; /* "", "_sum", "_count", "_bucket" */
	char labels[PROM_LABELS_MAX];
	char path[PROM_NAME_MAX + 1];
	const struct json_object *val; /* borrowed from the document */
	double num;                    /* when val is NULL */
	double scale;                  /* 0: as it is */
	enum prom_type type;
};

struct prom {
	struct prom_series *v;
	size_t n, cap;
};

/* Where the walk is: the name so far, its labels, its JSON path */
struct prom_at {
	char name[PROM_NAME_MAX + 1];
	size_t len;
	char labels[PROM_LABELS_MAX];
	char path[PROM_NAME_MAX + 1];
	const char *label; /* for the next array of objects */
};

struct prom_pair {
	const char *key;
	const char *value;
};

/* Objects whose members are names, not figures: one label each */
static const struct prom_pair metrics_keyed[] = {
	{"fs_tasks_plugins", "verb"},
	{"fs_connections_failures", "reason"},
	{"fs_tts_vendors", "vendor"},
	{"fs_stt_vendors", "vendor"},
};

/* Label of an array's elements, by metric name */
static const struct prom_pair metrics_labels[] = {
	{"fs_tasks_loaded", "verb"},
	{"fs_loops", "loop"},
};

/* Names that break a convention as they come from the JSON tree */
static const struct prom_pair metrics_renames[] = {
	{"fs_memory_rss", "fs_memory_rss_bytes"},
	{"fs_memory_heap_used", "fs_memory_heap_used_bytes"},
	{"fs_memory_heap_total", "fs_memory_heap_size_bytes"},
	{"fs_tasks_count", "fs_tasks_plugins_loaded"},
	{"fs_uptime", "fs_uptime_seconds"},
	{"fs_loops_cpu_seconds", "fs_loops_cpu_seconds_total"},
};

/*
 * Keys (or the last word of a key) that name a state, which can go down:
 * gauges. Every other number counts events: a counter.
 */
static const char *const metrics_gauge_words[] = {
	"active",  "inflight", "in_use",      "idle",     "open",
	"live",    "running",  "pending",     "queued",   "sending",
	"streams", "taps",     "entries",     "bytes",    "poolsize",
	"size",    "limit",    "max",         "peak",     "free",
	"scopes",  "timers",   "connections", "retained", "up",
	"threads", "sources",  "rss",         "used",     "load_us",
	"count",   "uptime",   "heap_total",
};

static bool prom_is_number(const struct json_object *v)
{
	json_type t = json_object_get_type(v);

	return t == json_type_boolean || t == json_type_int ||
	       t == json_type_double;
}

static bool prom_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* key is a gauge word, or ends in _word, or starts with max_/peak_ */
static bool prom_is_gauge(const char *key)
{
	if (!strncmp(key, "max_", 4) || !strncmp(key, "peak_", 5))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(metrics_gauge_words); i++) {
		const char *w = metrics_gauge_words[i];
		size_t kl = strlen(key), wl = strlen(w);

		if (!strcmp(key, w) ||
		    (kl > wl && key[kl - wl - 1] == '_' && prom_ends(key, w)))
			return true;
	}
	return false;
}

/*
 * Append one path segment to a metric name: characters outside
 * [a-zA-Z0-9_] become '_', and camelCase becomes snake_case because
 * Prometheus names are lower case by convention.
 */
static int prom_name_push(char *name, size_t *lenp, const char *key)
{
	size_t len = *lenp;
	char prev = '_';

	if (len + 1 >= PROM_NAME_MAX)
		return ENAMETOOLONG;
	name[len++] = '_';
	for (const char *p = key; *p; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z') {
			if ((prev >= 'a' && prev <= 'z') ||
			    (prev >= '0' && prev <= '9')) {
				if (len + 1 >= PROM_NAME_MAX)
					return ENAMETOOLONG;
				name[len++] = '_';
			}
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '_')) {
			c = '_';
		}
		if (len + 1 >= PROM_NAME_MAX)
			return ENAMETOOLONG;
		name[len++] = c;
		prev = c;
	}
	name[len] = '\0';
	*lenp = len;
	return 0;
}

/* Label values escape backslash, double quote and newline */
static void prom_escape(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);

	for (; *s && n + 3 < size; s++) {
		if (*s == '\\' || *s == '"') {
			dst[n++] = '\\';
			dst[n++] = *s;
		} else if (*s == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
}

/* labels += name="value" (value escaped); false when it does not fit */
static bool prom_label_add(char *labels, const char *name, const char *value)
{
	size_t n = strlen(labels);
	int w = snprintf(labels + n, PROM_LABELS_MAX - n, "%s%s=\"",
			 n ? "," : "", name);

	if (w < 0 || (size_t)w >= PROM_LABELS_MAX - n ||
	    strlen(value) * 2 + 2 >= PROM_LABELS_MAX - n - (size_t)w) {
		labels[n] = '\0';
		return false;
	}
	prom_escape(labels, PROM_LABELS_MAX - 1, value);
	strcat(labels, "\"");
	return true;
}

static const char *prom_lookup(const struct prom_pair *t, size_t n,
			       const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(t[i].key, key))
			return t[i].value;
	}
	return NULL;
}

#define PROM_LOOKUP(tbl, key) prom_lookup(tbl, ARRAY_SIZE(tbl), key)

static int prom_push(struct prom *pr, const struct prom_series *s)
{
	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 64;
		/* libre's mem_realloc() takes no NULL */
		struct prom_series *v =
			pr->v ? mem_realloc(pr->v, cap * sizeof(*v))
			      : mem_alloc(cap * sizeof(*v), NULL);

		if (!v)
			return ENOMEM;
		pr->v = v;
		pr->cap = cap;
	}
	pr->v[pr->n++] = *s;
	return 0;
}

/*
 * The family of a number named full (its key, or the object's for a
 * keyed member, says counter or gauge): renamed, in base units (scale).
 * Returns false when the name has no room.
 */
static bool prom_family(struct prom_series *s, const char *full,
			const char *key, enum prom_type *typep)
{
	const char *to = PROM_LOOKUP(metrics_renames, full);
	char snake[PROM_NAME_MAX + 1] = "";
	size_t sl = 0;

	if (prom_name_push(snake, &sl, key))
		return false;
	if (strlen(to ? to : full) + 16 >= sizeof(s->family))
		return false;
	strcpy(s->family, to ? to : full);
	s->scale = 0;
	if (prom_ends(s->family, "_ms") || prom_ends(s->family, "_us")) {
		s->scale = prom_ends(s->family, "_ms") ? 1e-3 : 1e-6;
		s->family[strlen(s->family) - 3] = '\0';
		strcat(s->family, "_seconds");
	}
	if (*typep == PROM_SUMMARY)
		return true;
	*typep = prom_is_gauge(snake + 1) ? PROM_GAUGE : PROM_COUNTER;
	if (*typep == PROM_COUNTER && !prom_ends(s->family, "_total"))
		strcat(s->family, "_total");
	return true;
}

/* A number under the walk's name (at, already holding its key) */
static int prom_number(struct prom *pr, const struct prom_at *at,
		       const char *key, const struct json_object *v)
{
	struct prom_series s = {.val = v, .type = PROM_GAUGE};

	if (!prom_family(&s, at->name, key, &s.type))
		return 0;
	/* a flag is a state whatever its name */
	if (json_object_is_type(v, json_type_boolean) &&
	    s.type == PROM_COUNTER && !prom_ends(at->name, "_total")) {
		s.type = PROM_GAUGE;
		s.family[strlen(s.family) - 6] = '\0';
	}
	strcpy(s.labels, at->labels);
	strcpy(s.path, at->path);
	return prom_push(pr, &s);
}

/* {p50, p90, p99, max, avg, count}: percentiles and nothing else */
static bool prom_is_summary(const struct json_object *obj)
{
	bool quantile = false;

	json_object_object_foreach((struct json_object *)obj, key, v)
	{
		if (!prom_is_number(v))
			return false;
		if (key[0] == 'p' && key[1] >= '0' && key[1] <= '9' &&
		    strspn(key + 1, "0123456789") == strlen(key + 1))
			quantile = true;
		else if (strcmp(key, "max") && strcmp(key, "avg") &&
			 strcmp(key, "count") && strcmp(key, "sum"))
			return false;
	}
	return quantile;
}

/* A summary family, its _sum and _count, and its max as a gauge */
static int prom_summary(struct prom *pr, const struct prom_at *at,
			const char *key, const struct json_object *obj)
{
	struct json_object *avg = NULL, *count = NULL, *max = NULL;
	struct prom_series s = {0};
	enum prom_type t = PROM_SUMMARY;
	int err = 0;

	if (!prom_family(&s, at->name, key, &t))
		return 0;
	s.type = PROM_SUMMARY;
	strcpy(s.path, at->path);
	json_object_object_foreach((struct json_object *)obj, k, v)
	{
		struct prom_series q = s;

		if (k[0] != 'p')
			continue;
		strcpy(q.labels, at->labels);
		/* p50 -> 0.5, p99 -> 0.99, p999 -> 0.999 */
		{
			char qv[32];
			size_t l;

			snprintf(qv, sizeof(qv), "0.%s", k + 1);
			l = strlen(qv);
			while (l > 3 && qv[l - 1] == '0')
				qv[--l] = '\0';
			if (!prom_label_add(q.labels, "quantile", qv))
				continue;
		}
		q.val = v;
		err = prom_push(pr, &q);
		if (err)
			return err;
	}
	json_object_object_get_ex(obj, "avg", &avg);
	json_object_object_get_ex(obj, "count", &count);
	json_object_object_get_ex(obj, "max", &max);
	strcpy(s.labels, at->labels);
	if (count) {
		struct prom_series c = s;

		strcpy(c.suffix, "_count");
		c.val = count;
		c.scale = 0;
		err = prom_push(pr, &c);
		if (!err && avg) {
			strcpy(c.suffix, "_sum");
			c.val = NULL;
			c.scale = s.scale;
			c.num = json_object_get_double(avg) *
				json_object_get_double(count);
			err = prom_push(pr, &c);
		}
	}
	if (!err && max) {
		struct prom_series m = s;

		m.type = PROM_GAUGE;
		strcat(m.family, "_max");
		m.val = max;
		err = prom_push(pr, &m);
	}
	return err;
}

static int prom_walk(struct prom *pr, const struct prom_at *at,
		     const struct json_object *obj, const char *keyed,
		     const char *own);

/* One histogram ({"buckets": {le: n}, "sum", "count"}) of family name,
 * with the labels so far */
static int prom_hist(struct prom *pr, const struct prom_at *at,
		     const struct json_object *h)
{
	struct json_object *b = NULL, *sum = NULL, *count = NULL;
	struct prom_series s = {.type = PROM_HISTOGRAM};
	int err = 0;

	if (!json_object_object_get_ex(h, "buckets", &b) ||
	    !json_object_is_type(b, json_type_object) ||
	    !json_object_object_get_ex(h, "sum", &sum) ||
	    !json_object_object_get_ex(h, "count", &count))
		return 0;
	strcpy(s.family, at->name);
	strcpy(s.path, at->path);
	strcpy(s.suffix, "_bucket");
	json_object_object_foreach(b, le, n)
	{
		struct prom_series q = s;

		strcpy(q.labels, at->labels);
		if (!prom_is_number(n) || !prom_label_add(q.labels, "le", le))
			continue;
		q.val = n;
		err = prom_push(pr, &q);
		if (err)
			return err;
	}
	strcpy(s.labels, at->labels);
	strcpy(s.suffix, "_sum");
	s.val = sum;
	err = prom_push(pr, &s);
	strcpy(s.suffix, "_count");
	s.val = count;
	return err ? err : prom_push(pr, &s);
}

/* "histograms": a histogram by name, or {label: {value: histogram}} */
static int prom_histograms(struct prom *pr, const struct prom_at *at,
			   const struct json_object *obj)
{
	int err = 0;

	json_object_object_foreach((struct json_object *)obj, key, val)
	{
		struct prom_at sub = *at;
		struct json_object *b;

		sub.name[2] = '\0';
		sub.len = 2;
		if (!json_object_is_type(val, json_type_object) ||
		    prom_name_push(sub.name, &sub.len, key))
			continue;
		snprintf(sub.path, sizeof(sub.path), "histograms.%s", key);
		if (json_object_object_get_ex(val, "buckets", &b)) {
			err = prom_hist(pr, &sub, val);
		} else {
			json_object_object_foreach(val, label, vals)
			{
				if (!json_object_is_type(vals,
							 json_type_object))
					continue;
				json_object_object_foreach(vals, v, h)
				{
					struct prom_at l = sub;

					if (!prom_label_add(l.labels, label,
							    v))
						continue;
					err = prom_hist(pr, &l, h);
					if (err)
						return err;
				}
			}
		}
		if (err)
			return err;
	}
	return 0;
}

/* Arrays: of strings (one series each, labelled), of numbers (indexed),
 * of objects (each element's members, labelled by index) */
static int prom_array(struct prom *pr, const struct prom_at *at,
		      const struct json_object *arr)
{
	const char *label = PROM_LOOKUP(metrics_labels, at->name);
	size_t n = json_object_array_length(arr);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const struct json_object *e =
			json_object_array_get_idx(arr, i);
		struct prom_at sub = *at;
		char idx[24];

		snprintf(idx, sizeof(idx), "%zu", i);
		if (json_object_is_type(e, json_type_object)) {
			/* the members extend the array's name */
			if (!prom_label_add(sub.labels,
					    label ? label : "index", idx))
				continue;
			err = prom_walk(pr, &sub, e, NULL, NULL);
		} else if (json_object_is_type(e, json_type_string)) {
			struct prom_series s = {.num = 1, .type = PROM_GAUGE};

			if (!prom_label_add(sub.labels,
					    label ? label : "value",
					    json_object_get_string(
						    (struct json_object *)e)))
				continue;
			strcpy(s.family, at->name);
			strcpy(s.labels, sub.labels);
			strcpy(s.path, at->path);
			err = prom_push(pr, &s);
		} else if (prom_is_number(e)) {
			struct prom_series s = {.val = e, .type = PROM_GAUGE};

			if (!prom_label_add(sub.labels, "index", idx))
				continue;
			strcpy(s.family, at->name);
			strcpy(s.labels, sub.labels);
			strcpy(s.path, at->path);
			err = prom_push(pr, &s);
		}
	}
	return err;
}

/*
 * One object's members. keyed: the label its members' keys become (the
 * name then stays the object's own, own its key), or NULL.
 */
static int prom_walk(struct prom *pr, const struct prom_at *at,
		     const struct json_object *obj, const char *keyed,
		     const char *own)
{
	int err = 0;

	json_object_object_foreach((struct json_object *)obj, key, val)
	{
		struct prom_at sub = *at;
		size_t pl = strlen(sub.path);

		if (!val)
			continue;
		if (!keyed && at->len == 2 && !strcmp(key, "histograms")) {
			err = json_object_is_type(val, json_type_object)
				      ? prom_histograms(pr, at, val)
				      : 0;
			if (err)
				return err;
			continue;
		}
		if (pl + strlen(key) + 2 < sizeof(sub.path))
			snprintf(sub.path + pl, sizeof(sub.path) - pl, "%s%s",
				 pl ? "." : "", key);
		if (keyed) {
			/* the member's key is a label value; the name and the
			 * counter-or-gauge choice stay the object's */
			if (!prom_label_add(sub.labels, keyed, key))
				continue;
			if (json_object_is_type(val, json_type_object))
				err = prom_walk(pr, &sub, val, NULL, NULL);
			else if (prom_is_number(val))
				err = prom_number(pr, &sub, own, val);
		} else if (prom_name_push(sub.name, &sub.len, key)) {
			fs_debug("metrics", "skipping %s: name too long", key);
			continue;
		} else if (json_object_is_type(val, json_type_object)) {
			if (prom_is_summary(val))
				err = prom_summary(pr, &sub, key, val);
			else
				err = prom_walk(
					pr, &sub, val,
					PROM_LOOKUP(metrics_keyed, sub.name),
					key);
		} else if (json_object_is_type(val, json_type_array)) {
			err = prom_array(pr, &sub, val);
		} else if (prom_is_number(val)) {
			err = prom_number(pr, &sub, key, val);
		}
		if (err)
			return err;
	}
	return 0;
}

static int prom_value(struct mbuf *mb, const struct prom_series *s)
{
	const struct json_object *v = s->val;
	char buf[64];
	double d;

	if (v && json_object_is_type(v, json_type_boolean))
		return mbuf_printf(mb, "%d",
				   json_object_get_boolean(v) ? 1 : 0);
	if (v && json_object_is_type(v, json_type_int) && !s->scale)
		return mbuf_printf(mb, "%lld",
				   (long long)json_object_get_int64(v));
	d = v ? json_object_get_double(v) : s->num;
	if (s->scale)
		d *= s->scale;
	if (isnan(d))
		return mbuf_write_str(mb, "NaN");
	if (isinf(d))
		return mbuf_write_str(mb, d > 0 ? "+Inf" : "-Inf");
	snprintf(buf, sizeof(buf), "%.15g", d);
	return mbuf_write_str(mb, buf);
}

static const char *const prom_types[] = {"gauge", "counter", "summary",
					 "histogram"};

/* HELP names the JSON path, whose keys may hold anything: backslash and
 * newline escaped, as the format wants */
static int prom_help(struct mbuf *mb, const struct prom_series *f)
{
	int err = mbuf_printf(mb, "# HELP %s ", f->family);

	for (const char *p = f->path; *p && !err; p++) {
		if (*p == '\\')
			err = mbuf_write_str(mb, "\\\\");
		else if (*p == '\n')
			err = mbuf_write_str(mb, "\\n");
		else
			err = mbuf_write_u8(mb, (uint8_t)*p);
	}
	return err ? err
		   : mbuf_printf(mb,
				 " in the JSON form of /metrics\n"
				 "# TYPE %s %s\n",
				 f->family, prom_types[f->type]);
}

/* Each family once, its series together, in the order first seen */
static int prom_write(struct mbuf *mb, const struct prom *pr)
{
	bool *done = mem_zalloc(pr->n ? pr->n : 1, NULL);
	int err = 0;

	if (!done)
		return ENOMEM;
	for (size_t i = 0; i < pr->n && !err; i++) {
		const struct prom_series *f = &pr->v[i];

		if (done[i])
			continue;
		err = prom_help(mb, f);
		for (size_t j = i; j < pr->n && !err; j++) {
			const struct prom_series *s = &pr->v[j];

			if (done[j] || strcmp(s->family, f->family))
				continue;
			done[j] = true;
			err = mbuf_printf(mb, "%s%s", s->family, s->suffix);
			if (!err && s->labels[0])
				err = mbuf_printf(mb, "{%s}", s->labels);
			err = err ? err : mbuf_write_u8(mb, ' ');
			err = err ? err : prom_value(mb, s);
			err = err ? err : mbuf_write_u8(mb, '\n');
		}
	}
	mem_deref(done);
	return err;
}

/**
 * Render a metrics document in the Prometheus text exposition format
 * (version 0.0.4), by the rules at the top of this file.
 *
 * @param doc  JSON object (borrowed)
 * @param strp Returns a new string (mem_deref)
 * @return 0, EINVAL, ENOMEM
 */
int metrics_prometheus(const struct json_object *doc, char **strp)
{
	struct prom_at at = {.name = "fs", .len = 2};
	struct prom pr = {0};
	struct mbuf *mb;
	int err;

	if (!doc || !strp || !json_object_is_type(doc, json_type_object))
		return EINVAL;

	mb = mbuf_alloc(4096);
	if (!mb)
		return ENOMEM;
	err = prom_walk(&pr, &at, doc, NULL, NULL);
	err = err ? err : prom_write(mb, &pr);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, strp, mb->end);
	}
	mem_deref(pr.v);
	mem_deref(mb);
	return err;
}
