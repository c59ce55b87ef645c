/**
 * @file check_loader.c  Plugin loader: good, refused and unknown plugins,
 * preload, LRU eviction, drop-in while running, verb validation
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "verb/loader.h"

static const char *loader_tdir(void)
{
	return fixture_env("FS_TEST_PLUGIN_DIR", "build/tests/plugins");
}

static struct loader *loader_new(uint32_t cache)
{
	struct loader *l = NULL;

	ck_assert_int_eq(loader_alloc(&l, loader_tdir(), cache), 0);
	return l;
}

START_TEST(loader_good)
{
	struct loader *l = loader_new(10);
	struct loader_stats st;
	struct plugin *p = NULL, *p2 = NULL;

	ck_assert_int_eq(loader_acquire(l, "t_good", &p), 0);
	ck_assert_str_eq(plugin_desc(p)->name, "t_good");
	/* the plugin's own version, whatever the server's is */
	ck_assert_str_eq(plugin_desc(p)->version, "1.0");
	ck_assert_int_eq(loader_acquire(l, "t_good", &p2), 0);
	ck_assert_ptr_eq(p, p2);
	loader_stats(l, &st);
	ck_assert_int_eq(st.loaded, 1);
	ck_assert_int_eq(st.misses, 1);
	ck_assert_int_eq(st.hits, 1);
	ck_assert_int_eq(st.failures, 0);
	loader_release(p);
	loader_release(p2);
	mem_deref(l);
}
END_TEST

static const struct {
	const char *verb;
	int err;
} loader_bad[] = {
	{"t_abi", ELIBBAD},      {"t_nosym", ELIBBAD}, {"t_initfail", ELIBBAD},
	{"t_mismatch", ELIBBAD}, {"t_small", ELIBBAD}, {"t_noval", ELIBBAD},
	{"t_newer", ELIBBAD},    {"t_absent", ENOENT}, {"../t_good", ENOENT},
	{"t_good/x", ENOENT},    {"", ENOENT},         {"T_GOOD", ENOENT},
	{":x", ENOENT},
};

START_TEST(loader_refused)
{
	struct loader *l = loader_new(10);
	struct loader_stats st;
	struct plugin *p = NULL;

	ck_assert_int_eq(loader_acquire(l, loader_bad[_i].verb, &p),
			 loader_bad[_i].err);
	ck_assert_ptr_null(p);
	loader_stats(l, &st);
	ck_assert_int_eq(st.loaded, 0);
	/* refusal is counted, nothing stays mapped, and the loader still
	 * serves good plugins afterwards */
	if (*loader_bad[_i].verb && loader_bad[_i].err == ELIBBAD)
		ck_assert_int_eq(st.failures, 1);
	ck_assert_int_eq(loader_acquire(l, "t_good", &p), 0);
	loader_release(p);
	mem_deref(l);
}
END_TEST

START_TEST(loader_stems)
{
	char buf[80];

	ck_assert_int_eq(loader_file_stem("sip:decline", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "sip-decline");
	ck_assert_int_eq(loader_file_stem("say", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "say");
	ck_assert_int_eq(loader_file_stem("a:", buf, sizeof(buf)), EINVAL);
	ck_assert_int_eq(loader_file_stem("a-b", buf, sizeof(buf)), EINVAL);
	ck_assert_int_eq(loader_file_stem("a.b", buf, sizeof(buf)), EINVAL);
	ck_assert_int_eq(loader_file_stem("a b", buf, sizeof(buf)), EINVAL);
}
END_TEST

START_TEST(loader_preload_list)
{
	struct loader *l = loader_new(10);
	struct loader_stats st;
	struct json_object *m = json_object_new_object();
	struct json_object *names;

	/* one bad entry does not stop the others */
	ck_assert_int_ne(
		loader_preload(l, " t_good , t_abi,,t_good2 ,t_absent"), 0);
	loader_stats(l, &st);
	ck_assert_int_eq(st.loaded, 2);
	ck_assert_int_eq(loader_metrics(l, m), 0);
	ck_assert(json_object_object_get_ex(m, "loaded", &names));
	ck_assert_int_eq(json_object_array_length(names), 2);
	ck_assert_str_eq(
		json_object_get_string(json_object_array_get_idx(names, 0)),
		"t_good");
	ck_assert_str_eq(
		json_object_get_string(json_object_array_get_idx(names, 1)),
		"t_good2");
	json_object_put(m);

	ck_assert_int_eq(loader_preload(l, ""), 0);
	mem_deref(l);
}
END_TEST

START_TEST(loader_lru)
{
	struct loader *l = loader_new(2);
	struct loader_stats st;
	struct plugin *a = NULL, *b = NULL;
	struct json_object *m;

	ck_assert_int_eq(loader_preload(l, "t_good,t_good2,t_good3"), 0);
	loader_stats(l, &st);
	ck_assert_int_eq(st.loaded, 2);
	ck_assert_int_eq(st.unloads, 1);

	/* t_good was least recently used and went; reload it and keep it
	 * busy: [t_good3, t_good] */
	ck_assert_int_eq(loader_acquire(l, "t_good", &a), 0);
	/* use t_good3 so the busy t_good becomes least recently used:
	 * [t_good, t_good3] */
	ck_assert_int_eq(loader_acquire(l, "t_good3", &b), 0);
	loader_release(b);
	/* loading t_good2 must skip the busy t_good and evict t_good3 */
	ck_assert_int_eq(loader_acquire(l, "t_good2", &b), 0);
	loader_stats(l, &st);
	ck_assert_int_eq(st.loaded, 2);
	m = json_object_new_object();
	ck_assert_int_eq(loader_metrics(l, m), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(
				 json_object_object_get(m, "loaded"),
				 JSON_C_TO_STRING_PLAIN),
			 "[\"t_good\",\"t_good2\"]");
	json_object_put(m);

	/* a busy plugin survives even when the cache shrinks to one */
	loader_set_cache_size(l, 1);
	loader_release(b);
	ck_assert_int_eq(loader_preload(l, "t_good3"), 0);
	m = json_object_new_object();
	ck_assert_int_eq(loader_metrics(l, m), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(
				 json_object_object_get(m, "loaded"),
				 JSON_C_TO_STRING_PLAIN),
			 "[\"t_good\",\"t_good3\"]");
	json_object_put(m);
	ck_assert_str_eq(plugin_desc(a)->name, "t_good");
	loader_release(a);
	mem_deref(l);
}
END_TEST

/* Every loop's thread uses the one loader: acquisitions, releases and
 * evictions from several threads at once keep its lists and counts
 * whole (run under ASan/TSan or valgrind, a race shows; without the
 * lock the LRU list could turn into a cycle and the lookup spin) */
#define LOADER_MT_THREADS 4
#define LOADER_MT_ROUNDS  20000

static void *loader_mt_run(void *arg)
{
	static const char *const verbs[] = {"t_good", "t_good2", "t_good3"};
	struct loader *l = arg;

	for (unsigned i = 0; i < LOADER_MT_ROUNDS; i++) {
		struct plugin *p = NULL;

		if (loader_acquire(l, verbs[i % 3], &p))
			return (void *)1;
		loader_release(p);
	}
	return NULL;
}

START_TEST(loader_threads)
{
	/* a cache of two for three verbs: loads and evictions too */
	struct loader *l = loader_new(2);
	pthread_t th[LOADER_MT_THREADS];
	struct loader_stats st;
	struct json_object *m, *plugins;

	for (unsigned i = 0; i < LOADER_MT_THREADS; i++)
		ck_assert_int_eq(
			pthread_create(&th[i], NULL, loader_mt_run, l), 0);
	for (unsigned i = 0; i < LOADER_MT_THREADS; i++) {
		void *rv = (void *)1;

		ck_assert_int_eq(pthread_join(th[i], &rv), 0);
		ck_assert_ptr_null(rv);
	}
	loader_stats(l, &st);
	/* above the cache size only while all were busy at once */
	ck_assert_uint_ge(st.loaded, 1);
	ck_assert_uint_le(st.loaded, 3);
	ck_assert_uint_eq(st.hits + st.misses,
			  LOADER_MT_THREADS * LOADER_MT_ROUNDS);
	m = json_object_new_object();
	ck_assert_int_eq(loader_metrics(l, m), 0);
	plugins = json_object_object_get(m, "plugins");
	json_object_object_foreach(plugins, k, v)
	{
		(void)k;
		ck_assert_int_eq(json_object_get_int64(
					 json_object_object_get(v, "running")),
				 0);
	}
	json_object_put(m);
	mem_deref(l);
}
END_TEST

START_TEST(loader_dropin)
{
	char dir[] = "/tmp/fs-loader.XXXXXX";
	char cmd[512];
	struct loader *l = NULL;
	struct plugin *p = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(loader_alloc(&l, dir, 10), 0);
	ck_assert_int_eq(loader_acquire(l, "t_good", &p), ENOENT);

	/* a new .so dropped into the folder serves the next use */
	snprintf(cmd, sizeof(cmd), "cp %s/t_good.so %s/t_good.so",
		 loader_tdir(), dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(loader_acquire(l, "t_good", &p), 0);
	ck_assert_str_eq(plugin_desc(p)->name, "t_good");
	loader_release(p);
	mem_deref(l);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static int loader_check_json(struct loader *l, const char *json, char *err,
			     size_t sz)
{
	struct json_object *o = json_tokener_parse(json);
	struct json_object *data = NULL;
	const char *name = NULL;
	int e;

	ck_assert_ptr_nonnull(o);
	e = loader_validate(l, o, &name, &data, err, sz);
	if (!e) {
		ck_assert_ptr_nonnull(name);
		ck_assert(json_object_is_type(data, json_type_object));
		ck_assert(!json_object_object_get_ex(data, "verb", NULL));
		json_object_put(data);
	}
	json_object_put(o);
	return e;
}

START_TEST(loader_validate_forms)
{
	struct loader *l = loader_new(10);
	char err[256];

	ck_assert_int_eq(loader_check_json(l, "{\"verb\":\"t_good\",\"n\":1}",
					   err, sizeof(err)),
			 0);
	ck_assert_int_eq(loader_check_json(l, "{\"t_good\":{\"n\":2}}", err,
					   sizeof(err)),
			 0);
	ck_assert_int_eq(loader_check_json(l,
					   "{\"verb\":\"t_good\",\"n\":"
					   "\"x\"}",
					   err, sizeof(err)),
			 EINVAL);
	ck_assert_str_eq(err, "t_good: property n has invalid data type");
	ck_assert_int_eq(
		loader_check_json(l, "{\"verb\":\"nope\"}", err, sizeof(err)),
		ENOENT);
	ck_assert_str_eq(err, "invalid instruction: nope");
	ck_assert_int_eq(
		loader_check_json(l, "{\"a\":{},\"b\":{}}", err, sizeof(err)),
		EINVAL);
	ck_assert_str_eq(err,
			 "malformed jambonz payload: missing verb property");
	ck_assert_int_eq(
		loader_check_json(l, "{\"t_good\":3}", err, sizeof(err)),
		EINVAL);
	ck_assert_int_eq(
		loader_check_json(l, "{\"verb\":5}", err, sizeof(err)),
		EINVAL);
	ck_assert_int_eq(loader_check_json(l, "[1]", err, sizeof(err)),
			 EINVAL);
	ck_assert_int_eq(
		loader_check_json(l, "{\"verb\":\"t_abi\"}", err, sizeof(err)),
		ELIBBAD);
	mem_deref(l);
}
END_TEST

Suite *loader_suite(void);

Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, loader_good);
	tcase_add_loop_test(tc, loader_refused, 0,
			    sizeof(loader_bad) / sizeof(loader_bad[0]));
	tcase_add_test(tc, loader_stems);
	tcase_add_test(tc, loader_preload_list);
	tcase_add_test(tc, loader_lru);
	tcase_add_test(tc, loader_dropin);
	tcase_add_test(tc, loader_threads);
	tcase_add_test(tc, loader_validate_forms);
	tcase_set_timeout(tc, fixture_timeout(10));
	suite_add_tcase(s, tc);
	return s;
}
