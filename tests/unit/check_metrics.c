/**
 * @file check_metrics.c  /metrics document, Prometheus renderer and the
 *                        HTTP listener running inside the re loop
 */
#define _GNU_SOURCE /* gettid */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <curl/curl.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "app.h"
#include "verb/loader.h"
#include "api/rest.h"
#include "base/hist.h"
#include "base/scope.h"

static void metrics_setup(void)
{
	fixture_re_setup();
}

static void metrics_teardown(void)
{
	fixture_re_teardown();
}

/* Every line is a HELP or TYPE comment or "name{labels} value" */
static void metrics_assert_format(const char *text)
{
	regex_t sample, type;
	const char *p = text;

	ck_assert_int_eq(
		regcomp(&sample,
			"^[a-zA-Z_:][a-zA-Z0-9_:]*"
			"(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|"
			"\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|"
			"\\\\.)*\")*\\})?"
			" [-+0-9.eEaINnf]+$",
			REG_EXTENDED | REG_NOSUB),
		0);
	ck_assert_int_eq(regcomp(&type,
				 "^# (TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
				 "(gauge|counter|summary|histogram)|"
				 "HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[512];
		size_t n;

		ck_assert_ptr_nonnull(nl);
		n = (size_t)(nl - p);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		if (regexec(line[0] == '#' ? &type : &sample, line, 0, NULL,
			    0))
			ck_abort_msg("bad exposition line: '%s'", line);
		p = nl + 1;
	}
	regfree(&sample);
	regfree(&type);
}

START_TEST(metrics_prometheus_render)
{
	static const char src[] =
		"{\"memory\":{\"rss\":100,\"heapUsed\":5},"
		"\"tasks\":{\"loaded\":[\"say\",\"gather\"],\"hits\":3,"
		"\"per\":{\"sip:decline\":{\"load_us\":7}}},"
		"\"flag\":true,\"ratio\":0.5,\"name\":\"skipped\","
		"\"weird key!\":1,\"arr\":[1,2.5],\"nil\":null,"
		"\"q\":[\"a\\\"b\\\\c\\nd\",{\"x\":1}],\"empty\":[],"
		"\"neg\":-4}";
	struct json_object *doc = json_tokener_parse(src);
	char *text = NULL;

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	ck_assert_ptr_nonnull(text);

	ck_assert_ptr_nonnull(strstr(text,
				     "# TYPE fs_memory_rss_bytes "
				     "gauge\nfs_memory_rss_bytes 100\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_memory_heap_used_bytes 5\n"));
	/* HELP before TYPE, naming the JSON path */
	ck_assert_ptr_nonnull(strstr(
		text, "# HELP fs_memory_rss_bytes memory.rss in the JSON form "
		      "of /metrics\n# TYPE fs_memory_rss_bytes gauge\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE fs_tasks_loaded gauge\n"
					   "fs_tasks_loaded{verb=\"say\"} 1\n"
					   "fs_tasks_loaded{verb=\"gather\"} "
					   "1\n"));
	/* counters get _total, microseconds become seconds */
	ck_assert_ptr_nonnull(strstr(text,
				     "# TYPE fs_tasks_hits_total counter\n"
				     "fs_tasks_hits_total 3\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nfs_tasks_per_sip_decline_load_seconds 7e-06\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "# TYPE fs_flag gauge\nfs_flag 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_ratio_total 0.5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_weird_key__total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_arr{index=\"0\"} 1\n"
					   "fs_arr{index=\"1\"} 2.5\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_q{value=\"a\\\"b\\\\c\\nd\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_neg_total -4\n"));
	/* strings, nulls and empty arrays have no Prometheus shape */
	ck_assert_ptr_null(strstr(text, "fs_name"));
	ck_assert_ptr_null(strstr(text, "fs_nil"));
	ck_assert_ptr_null(strstr(text, "fs_empty"));
	ck_assert_ptr_null(strstr(text, "skipped"));
	metrics_assert_format(text);

	text = mem_deref(text);
	ck_assert_int_eq(metrics_prometheus(NULL, &text), EINVAL);
	ck_assert_int_eq(metrics_prometheus(doc, NULL), EINVAL);
	json_object_put(doc);

	doc = json_object_new_array();
	ck_assert_int_eq(metrics_prometheus(doc, &text), EINVAL);
	json_object_put(doc);

	/* an empty document renders as an empty string */
	doc = json_object_new_object();
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	ck_assert_str_eq(text, "");
	mem_deref(text);
	json_object_put(doc);
}
END_TEST

/* Summaries, per-name objects, per-loop arrays: one family each, HELP
 * and TYPE once, series together, in base units */
START_TEST(metrics_prometheus_conventions)
{
	static const char src[] =
		"{\"tts\":{\"synth_ms\":{\"p50\":20,\"p99\":80,\"max\":90,"
		"\"avg\":25,\"count\":4},\"inflight\":2},"
		"\"connections\":{\"failures\":{\"connect\":1,\"timeout\":2}},"
		"\"tasks\":{\"plugins\":{\"say\":{\"running\":1,\"tasks\":5},"
		"\"a\\\"b\\nc\":{\"running\":0,\"tasks\":1}}},"
		"\"loops\":[{\"callsActive\":1,\"cpuSeconds\":0.5},"
		"{\"callsActive\":2,\"cpuSeconds\":1.5}],"
		"\"we\\\\ird\\n\":{\"open\":1}}";
	struct json_object *doc = json_tokener_parse(src);
	char *text = NULL;

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	ck_assert_ptr_nonnull(
		strstr(text, "# TYPE fs_tts_synth_seconds summary\n"
			     "fs_tts_synth_seconds{quantile=\"0.5\"} 0.02\n"
			     "fs_tts_synth_seconds{quantile=\"0.99\"} 0.08\n"
			     "fs_tts_synth_seconds_count 4\n"
			     "fs_tts_synth_seconds_sum 0.1\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "# TYPE fs_tts_synth_seconds_max gauge\n"
				     "fs_tts_synth_seconds_max 0.09\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE fs_tts_inflight gauge\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "# TYPE fs_connections_failures_total counter\n"
		      "fs_connections_failures_total{reason=\"connect\"} "
		      "1\n"
		      "fs_connections_failures_total{reason=\"timeout\"} "
		      "2\n"));
	/* the plugin's name is a label value, escaped */
	ck_assert_ptr_nonnull(
		strstr(text, "# TYPE fs_tasks_plugins_running gauge\n"
			     "fs_tasks_plugins_running{verb=\"say\"} 1\n"
			     "fs_tasks_plugins_running{verb=\"a\\\"b\\nc\"} "
			     "0\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "# TYPE fs_tasks_plugins_tasks_total counter\n"
		      "fs_tasks_plugins_tasks_total{verb=\"say\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "# TYPE fs_loops_calls_active gauge\n"
				     "fs_loops_calls_active{loop=\"0\"} 1\n"
				     "fs_loops_calls_active{loop=\"1\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "# TYPE fs_loops_cpu_seconds_total counter\n"
			     "fs_loops_cpu_seconds_total{loop=\"0\"} 0.5\n"
			     "fs_loops_cpu_seconds_total{loop=\"1\"} 1.5\n"));
	/* HELP escapes the path's backslash and newline */
	ck_assert_ptr_nonnull(
		strstr(text, "# HELP fs_we_ird__open we\\\\ird\\n.open in"));
	/* each family's HELP once */
	ck_assert_ptr_eq(
		strstr(strstr(text, "# HELP fs_loops_calls_active ") + 1,
		       "# HELP fs_loops_calls_active "),
		NULL);
	metrics_assert_format(text);
	mem_deref(text);
	json_object_put(doc);
}
END_TEST

/* The MySQL pool's and the Redis registry's figures, as their areas
 * write them: states are gauges, events counters, strings left out */
START_TEST(metrics_prometheus_directory_cluster)
{
	static const char src[] =
		"{\"directory\":{\"backend\":\"mysql\",\"limit\":10,"
		"\"connections\":3,\"in_use\":1,\"idle\":2,\"waits\":4,"
		"\"queries\":20,\"lookups\":7,\"cache_hits\":5},"
		"\"cluster\":{\"redis\":{\"up\":true,\"sets\":3,\"live\":2,"
		"\"pending\":0},\"forwarded\":{\"sent\":1}}}";
	static const char *const want[] = {
		"# TYPE fs_directory_limit gauge\n",
		"# TYPE fs_directory_connections gauge\n",
		"# TYPE fs_directory_in_use gauge\n",
		"# TYPE fs_directory_idle gauge\n",
		"# TYPE fs_directory_waits_total counter\n",
		"# TYPE fs_directory_queries_total counter\n"
		"fs_directory_queries_total 20\n",
		"# TYPE fs_directory_cache_hits_total counter\n",
		"# TYPE fs_cluster_redis_up gauge\nfs_cluster_redis_up 1\n",
		"# TYPE fs_cluster_redis_sets_total counter\n",
		"# TYPE fs_cluster_redis_live gauge\n",
		"# TYPE fs_cluster_redis_pending gauge\n",
		"# TYPE fs_cluster_forwarded_sent_total counter\n",
	};
	struct json_object *doc = json_tokener_parse(src);
	char *text = NULL;

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(text, want[i]), "missing '%s' in %s",
			      want[i], text);
	ck_assert_ptr_null(strstr(text, "mysql"));
	metrics_assert_format(text);
	mem_deref(text);
	json_object_put(doc);
}
END_TEST

static struct json_object *metrics_get(struct json_object *doc, const char *a,
				       const char *b)
{
	struct json_object *o = json_object_object_get(doc, a);

	ck_assert_msg(o != NULL, "missing %s", a);
	if (b) {
		o = json_object_object_get(o, b);
		ck_assert_msg(o != NULL, "missing %s.%s", a, b);
	}
	return o;
}

static void metrics_assert_int(struct json_object *doc, const char *a,
			       const char *b)
{
	ck_assert_msg(
		json_object_is_type(metrics_get(doc, a, b), json_type_int),
		"%s.%s is not an integer", a, b ? b : "");
}

START_TEST(metrics_json_shape)
{
	struct app app = {0};
	struct json_object *doc = NULL, *loaded;
	struct fs_scope *sc = NULL;
	char *text = NULL;
	int perr;

	ck_assert_int_eq(scopemgr_alloc(&app.scopes, 200), 0);
	ck_assert_int_eq(loader_alloc(&app.loader,
				      fixture_env("FS_TEST_PLUGIN_DIR",
						  "build/tests/plugins"),
				      0),
			 0);
	perr = loader_preload(app.loader, "t_good");
	ck_assert_int_eq(scope_alloc_root(&sc, app.scopes, "call"), 0);
	app.calls_active = 2;
	app.calls_total = 5;
	app.started_ms = tmr_jiffies() - 3500;
	app.nloops = 2;
	app.loops[0].timers = 3;
	app.loops[0].tid = (int)gettid();
	app.loops[1].timers = 7;
	app.loops[1].calls_active = 2;
	app.loops[1].calls_total = 9;

	ck_assert_int_eq(metrics_json(&app, NULL, &doc), 0);
	metrics_assert_int(doc, "memory", "rss");
	metrics_assert_int(doc, "memory", "heapUsed");
	metrics_assert_int(doc, "memory", "heapTotal");
	ck_assert_int_gt(
		json_object_get_int64(metrics_get(doc, "memory", "rss")), 0);
	/* no heap > 0 check: ASan and valgrind replace glibc's malloc, so
	 * mallinfo2() reports zeroes under them */
	ck_assert_int_ge(
		json_object_get_int64(metrics_get(doc, "memory", "heapTotal")),
		0);
	ck_assert(json_object_is_type(metrics_get(doc, "connections", NULL),
				      json_type_object));
	loaded = metrics_get(doc, "tasks", "loaded");
	ck_assert(json_object_is_type(loaded, json_type_array));
	if (!perr) {
		ck_assert_uint_eq(json_object_array_length(loaded), 1);
		ck_assert_str_eq(json_object_get_string(
					 json_object_array_get_idx(loaded, 0)),
				 "t_good");
	}
	metrics_assert_int(doc, "listeners", "live");
	metrics_assert_int(doc, "listeners", "peak");
	metrics_assert_int(doc, "listeners", "timeouts");
	metrics_assert_int(doc, "listeners", "refusals");
	metrics_assert_int(doc, "listeners", "scopes");
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "listeners", "scopes")),
		1);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "calls", "active")), 2);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "calls", "total")), 5);
	metrics_assert_int(doc, "uptime", NULL);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "uptime", NULL)), 3);
	{
		struct json_object *pl = metrics_get(doc, "loops", NULL);
		struct json_object *l0, *l1, *v;
		char *prom = NULL;

		ck_assert(json_object_is_type(pl, json_type_array));
		ck_assert_uint_eq(json_object_array_length(pl), 2);
		l0 = json_object_array_get_idx(pl, 0);
		l1 = json_object_array_get_idx(pl, 1);
		ck_assert(json_object_object_get_ex(l1, "timers", &v));
		ck_assert_int_eq(json_object_get_int64(v), 7);
		ck_assert(json_object_object_get_ex(l1, "callsActive", &v));
		ck_assert_int_eq(json_object_get_int64(v), 2);
		ck_assert(json_object_object_get_ex(l1, "callsTotal", &v));
		ck_assert_int_eq(json_object_get_int64(v), 9);
		/* loop 0 is this thread, which has used some CPU; loop 1
		 * has no thread */
		ck_assert(json_object_object_get_ex(l0, "cpuSeconds", &v));
		ck_assert(json_object_is_type(v, json_type_double));
		ck_assert(json_object_get_double(v) >= 0);
		ck_assert(json_object_object_get_ex(l1, "cpuSeconds", &v));
		ck_assert(json_object_get_double(v) == 0);
		ck_assert_int_eq(metrics_prometheus(doc, &prom), 0);
		ck_assert_ptr_nonnull(
			strstr(prom, "# TYPE fs_loops_timers gauge\n"
				     "fs_loops_timers{loop=\"0\"} 3\n"
				     "fs_loops_timers{loop=\"1\"} 7\n"));
		ck_assert_ptr_nonnull(
			strstr(prom, "fs_loops_calls_total{loop=\"1\"} 9\n"));
		mem_deref(prom);
	}

	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "\nfs_calls_active 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_uptime_seconds 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_listeners_scopes 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_memory_heap_size_bytes "));
	if (!perr)
		ck_assert_ptr_nonnull(strstr(
			text, "\nfs_tasks_loaded{verb=\"t_good\"} 1\n"));
	metrics_assert_format(text);
	mem_deref(text);
	json_object_put(doc);

	/* with no areas set up the shape stays the same */
	mem_deref(sc);
	app.scopes = mem_deref(app.scopes);
	app.loader = mem_deref(app.loader);
	ck_assert_int_eq(metrics_json(&app, NULL, &doc), 0);
	ck_assert(json_object_is_type(metrics_get(doc, "tasks", NULL),
				      json_type_object));
	ck_assert(json_object_is_type(metrics_get(doc, "listeners", NULL),
				      json_type_object));
	json_object_put(doc);
	ck_assert_int_eq(metrics_json(NULL, NULL, &doc), EINVAL);
}
END_TEST

/* Other loops' figures add to the first loop's: counts sum, maxima and
 * percentiles keep the larger, settings stay, averages weigh by count,
 * areas only another loop has are copied */
START_TEST(metrics_json_merge)
{
	struct app app;
	struct json_object *doc = NULL, *others;

	memset(&app, 0, sizeof(app));
	ck_assert_int_eq(scopemgr_alloc(&app.scopes, 200), 0);
	others = json_tokener_parse(
		"[null,"
		" {\"listeners\":{\"live\":4,\"peak\":6,\"max\":200},"
		"  \"media\":{\"ports_free\":5,\"max_late_ms\":9},"
		"  "
		"\"tts\":{\"synth_ms\":{\"avg\":2.0,\"count\":2,\"p50\":1.5}}}"
		","
		" {\"listeners\":{\"live\":1,\"peak\":2,\"max\":200},"
		"  \"media\":{\"ports_free\":7,\"max_late_ms\":3},"
		"  "
		"\"tts\":{\"synth_ms\":{\"avg\":5.0,\"count\":1,\"p50\":4.0}}}"
		"]");
	ck_assert_ptr_nonnull(others);
	ck_assert_int_eq(metrics_json(&app, others, &doc), 0);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "listeners", "live")),
		5);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "listeners", "peak")),
		6);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "listeners", "max")),
		200);
	ck_assert_int_eq(
		json_object_get_int64(metrics_get(doc, "media", "ports_free")),
		12);
	ck_assert_int_eq(json_object_get_int64(
				 metrics_get(doc, "media", "max_late_ms")),
			 9);
	{
		struct json_object *sm = metrics_get(doc, "tts", "synth_ms"),
				   *v;

		ck_assert(json_object_object_get_ex(sm, "count", &v));
		ck_assert_int_eq(json_object_get_int64(v), 3);
		ck_assert(json_object_object_get_ex(sm, "avg", &v));
		ck_assert(fabs(json_object_get_double(v) - 3.0) < 1e-9);
		ck_assert(json_object_object_get_ex(sm, "p50", &v));
		ck_assert(fabs(json_object_get_double(v) - 4.0) < 1e-9);
	}
	json_object_put(doc);
	json_object_put(others);
	app.scopes = mem_deref(app.scopes);
}
END_TEST

/* HTTP requests made from a client thread while the loop serves them */
struct rest_probe {
	char base[64];
	struct {
		const char *path;
		const char *method;
		const char *accept;
		size_t body; /* bytes of request body to send */
		bool chunked;
		long status;
		char ctype[128];
		char *resp;
	} q[12];
	size_t n;
	volatile int done;
};

static size_t rest_probe_write(char *p, size_t sz, size_t n, void *arg)
{
	char **resp = arg;
	size_t old = *resp ? strlen(*resp) : 0;
	char *s = *resp ? mem_realloc(*resp, old + sz * n + 1)
			: mem_alloc(sz * n + 1, NULL);

	if (!s)
		return 0;
	memcpy(s + old, p, sz * n);
	s[old + sz * n] = '\0';
	*resp = s;
	return sz * n;
}

struct rest_body {
	size_t left;
};

static size_t rest_probe_read(char *p, size_t sz, size_t n, void *arg)
{
	struct rest_body *b = arg;
	size_t len = sz * n < b->left ? sz * n : b->left;

	memset(p, 'x', len);
	b->left -= len;
	return len;
}

static void *rest_probe_thread(void *arg)
{
	struct rest_probe *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		CURL *c = curl_easy_init();
		struct curl_slist *h = NULL;
		struct rest_body body = {p->q[i].body};
		char url[256];
		char *ct = NULL;

		snprintf(url, sizeof(url), "%s%s", p->base, p->q[i].path);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rest_probe_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &p->q[i].resp);
		if (p->q[i].method)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
					 p->q[i].method);
		if (p->q[i].accept) {
			char hdr[128];

			snprintf(hdr, sizeof(hdr), "Accept: %s",
				 p->q[i].accept);
			h = curl_slist_append(h, hdr);
		}
		if (p->q[i].body) {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_READFUNCTION,
					 rest_probe_read);
			curl_easy_setopt(c, CURLOPT_READDATA, &body);
			if (p->q[i].chunked)
				h = curl_slist_append(
					h, "Transfer-Encoding: chunked");
			else
				curl_easy_setopt(c,
						 CURLOPT_POSTFIELDSIZE_LARGE,
						 (curl_off_t)p->q[i].body);
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		(void)curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->q[i].status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (ct)
			snprintf(p->q[i].ctype, sizeof(p->q[i].ctype), "%s",
				 ct);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
	}
	p->done = 1;
	return NULL;
}

static int rest_probe_done(void *arg)
{
	return ((struct rest_probe *)arg)->done;
}

static void rest_probe_run(struct rest_probe *p)
{
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, rest_probe_thread, p), 0);
	ck_assert_int_eq(fixture_run_until(rest_probe_done, p,
					   fixture_timeout(20) * 1000),
			 0);
	pthread_join(th, NULL);
}

static void rest_probe_free(struct rest_probe *p)
{
	for (size_t i = 0; i < p->n; i++)
		p->q[i].resp = mem_deref(p->q[i].resp);
	p->n = 0;
	p->done = 0;
}

static uint16_t rest_free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

#define PROBE(p, ...)                                              \
	do {                                                       \
		ck_assert_uint_lt((p)->n, ARRAY_SIZE((p)->q));     \
		(p)->q[(p)->n] = (typeof((p)->q[0])){__VA_ARGS__}; \
		(p)->n++;                                          \
	} while (0)

START_TEST(metrics_rest_routes)
{
	static struct rest_probe p;
	struct app app = {0};
	struct rest *rest = NULL, *dup = NULL;
	struct json_object *doc;
	uint16_t port = rest_free_port();

	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), 0);
	ck_assert_int_eq(scopemgr_alloc(&app.scopes, 200), 0);
	app.started_ms = tmr_jiffies();
	app.calls_active = 0;
	ck_assert_int_eq(rest_alloc(&rest, &app, "127.0.0.1", port), 0);
	ck_assert_int_eq(rest_alloc(&dup, &app, "127.0.0.1", port),
			 EADDRINUSE);
	ck_assert_int_eq(rest_alloc(&dup, &app, "not an address", port),
			 EINVAL);
	snprintf(p.base, sizeof(p.base), "http://127.0.0.1:%u", port);

	PROBE(&p, .path = "/health");
	PROBE(&p, .path = "/");
	PROBE(&p, .path = "/metrics");
	PROBE(&p, .path = "/metrics?format=prometheus");
	PROBE(&p, .path = "/metrics", .accept = "text/plain");
	PROBE(&p, .path = "/nope");
	PROBE(&p, .path = "/health", .method = "POST", .body = 10);
	PROBE(&p, .path = "/metrics", .method = "DELETE");
	PROBE(&p, .path = "/health", .body = 2 * 1024 * 1024);
	PROBE(&p, .path = "/health", .body = 2 * 1024 * 1024, .chunked = true);
	PROBE(&p, .path = "/metrics?format=json", .accept = "text/plain");
	rest_probe_run(&p);
	for (size_t i = 0; getenv("FS_TEST_DEBUG") && i < p.n; i++)
		fprintf(stderr, "%s -> %ld %s\n", p.q[i].path, p.q[i].status,
			p.q[i].resp ? p.q[i].resp : "(none)");

	ck_assert_int_eq(p.q[0].status, 200);
	ck_assert_str_eq(p.q[0].resp, "{\"calls\":0}");
	ck_assert_str_eq(p.q[0].ctype, "application/json");
	ck_assert_int_eq(p.q[1].status, 200);
	ck_assert_str_eq(p.q[1].resp, "{\"calls\":0}");

	ck_assert_int_eq(p.q[2].status, 200);
	doc = json_tokener_parse(p.q[2].resp);
	ck_assert_ptr_nonnull(doc);
	metrics_assert_int(doc, "memory", "rss");
	metrics_assert_int(doc, "listeners", "live");
	metrics_assert_int(doc, "calls", "total");
	metrics_assert_int(doc, "uptime", NULL);
	json_object_put(doc);

	ck_assert_int_eq(p.q[3].status, 200);
	ck_assert_ptr_nonnull(strstr(p.q[3].ctype, "text/plain"));
	ck_assert_ptr_nonnull(strstr(p.q[3].resp, "\nfs_calls_active 0\n"));
	metrics_assert_format(p.q[3].resp);
	ck_assert_int_eq(p.q[4].status, 200);
	ck_assert_ptr_nonnull(strstr(p.q[4].resp, "# TYPE fs_memory_rss"));

	ck_assert_int_eq(p.q[5].status, 404);
	ck_assert_str_eq(p.q[5].resp, "{\"msg\":\"not found\"}");
	ck_assert_int_eq(p.q[6].status, 405);
	ck_assert_int_eq(p.q[7].status, 405);
	ck_assert_int_eq(p.q[8].status, 413);
	ck_assert_int_eq(p.q[9].status, 413);
	ck_assert_int_eq(p.q[10].status, 200);
	ck_assert_str_eq(p.q[10].ctype, "application/json");
	rest_probe_free(&p);

	/* draining: health says so with 503 */
	app.draining = true;
	app.calls_active = 3;
	PROBE(&p, .path = "/health");
	rest_probe_run(&p);
	ck_assert_int_eq(p.q[0].status, 503);
	ck_assert_str_eq(p.q[0].resp, "{\"calls\":3,\"status\":\"draining\"}");
	rest_probe_free(&p);

	/* after release the port is free again */
	rest = mem_deref(rest);
	ck_assert_int_eq(rest_alloc(&rest, &app, "127.0.0.1", port), 0);
	rest = mem_deref(rest);

	mem_deref(app.scopes);
	curl_global_cleanup();
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
/* Buckets are cumulative, the +Inf one is the count, a labelled
 * histogram keeps a series per value, and the text has _bucket{le},
 * _sum and _count under one histogram TYPE */
START_TEST(metrics_histograms)
{
	struct json_object *o = json_object_new_object(), *doc, *h;
	char *text = NULL;

	hist_reset();
	hist_observe(HIST_DB, NULL, 3000);    /* <= 0.005 */
	hist_observe(HIST_DB, NULL, 70000);   /* <= 0.1   */
	hist_observe(HIST_DB, NULL, 2000000); /* <= 2.5   */
	hist_observe(HIST_DB, NULL, 60000000);
	hist_observe(HIST_TTS, "flite", 20000);
	hist_observe(HIST_TTS, "elevenlabs", 400000);
	hist_observe(HIST_TTS, "flite", 30000);
	ck_assert_int_eq(hist_metrics(o), 0);
	h = json_object_object_get(o, "db_lookup_seconds");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(
		json_object_get_int(json_object_object_get(h, "count")), 4);
	h = json_object_object_get(h, "buckets");
	ck_assert_int_eq(
		json_object_get_int(json_object_object_get(h, "0.005")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(h, "0.1")),
			 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(h, "2.5")),
			 3);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(h, "10")),
			 3);
	ck_assert_int_eq(
		json_object_get_int(json_object_object_get(h, "+Inf")), 4);

	doc = json_object_new_object();
	json_object_object_add(doc, "histograms", o);
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	metrics_assert_format(text);
	ck_assert_ptr_nonnull(
		strstr(text, "# TYPE fs_db_lookup_seconds histogram\n"
			     "fs_db_lookup_seconds_bucket{le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_db_lookup_seconds_bucket{le=\"+Inf\"} 4\n"
			     "fs_db_lookup_seconds_sum 62.073\n"
			     "fs_db_lookup_seconds_count 4\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_tts_synthesis_seconds_bucket{vendor="
			     "\"flite\",le=\"0.025\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_tts_synthesis_seconds_bucket{vendor="
			     "\"flite\",le=\"0.05\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nfs_tts_synthesis_seconds_count{"
					   "vendor=\"elevenlabs\"} 1\n"));
	/* one HELP and TYPE for the family, all vendors under it */
	ck_assert_ptr_eq(
		strstr(strstr(text, "# TYPE fs_tts_synthesis_seconds") + 1,
		       "# TYPE fs_tts_synthesis_seconds"),
		NULL);
	/* nothing observed yet: no series, and no empty family */
	ck_assert_ptr_null(strstr(text, "fs_invite_answer_seconds"));
	ck_assert_ptr_nonnull(
		strstr(text, "fs_webhook_duration_seconds_count 0\n"));
	mem_deref(text);
	json_object_put(doc);
	hist_reset();
}
END_TEST

static void *metrics_hist_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++)
		hist_observe(HIST_TTS, i % 3 ? "a" : "b", (uint64_t)i);
	return NULL;
}

/* Observations from several threads at once are all counted, and label
 * values beyond the slots go to "other" (a, b and v0..v4 have a slot of
 * their own, v5..v10 not) */
START_TEST(metrics_histograms_threads)
{
	struct json_object *o = json_object_new_object(), *v;
	pthread_t th[4];
	int64_t n = 0;

	hist_reset();
	for (size_t i = 0; i < ARRAY_SIZE(th); i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL,
						metrics_hist_thread, NULL),
				 0);
	for (size_t i = 0; i < ARRAY_SIZE(th); i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < HIST_SLOTS + 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%d", i);
		hist_observe(HIST_TTS, name, 1);
	}
	ck_assert_int_eq(hist_metrics(o), 0);
	v = json_object_object_get(
		json_object_object_get(o, "tts_synthesis_seconds"), "vendor");
	ck_assert_int_eq(json_object_object_length(v), HIST_SLOTS);
	json_object_object_foreach(v, k, h)
	{
		(void)k;
		n += json_object_get_int64(json_object_object_get(h, "count"));
	}
	ck_assert_int_eq(n, 4 * 20000 + HIST_SLOTS + 3);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(
				 json_object_object_get(v, "other"), "count")),
			 6);
	json_object_put(o);
	hist_reset();
}
END_TEST

extern Suite *metrics_suite(void);

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, metrics_setup, metrics_teardown);
	tcase_set_timeout(tc, fixture_timeout(30));
	tcase_add_test(tc, metrics_prometheus_render);
	tcase_add_test(tc, metrics_prometheus_conventions);
	tcase_add_test(tc, metrics_prometheus_directory_cluster);
	tcase_add_test(tc, metrics_json_shape);
	tcase_add_test(tc, metrics_json_merge);
	tcase_add_test(tc, metrics_rest_routes);
	tcase_add_test(tc, metrics_histograms);
	tcase_add_test(tc, metrics_histograms_threads);
	suite_add_tcase(s, tc);
	return s;
}
