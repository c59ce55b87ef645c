/**
 * @file check_tts.c  Speech synthesis: real engines, cache, coalescing,
 *                    vendor fallback, scope binding
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "base/scope.h"
#include "audio/tts.h"
#include "base/worker.h"

static struct {
	struct worker *wp;
	struct scopemgr *mgr;
	struct fs_scope *root;
	struct tts *tts;
} t;

static void tts_conf_default(struct tts_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->default_vendor = "flite";
	c->default_voice = "";
	c->default_lang = "en-US";
	c->cache_bytes = 4 * 1024 * 1024;
}

static void setup_conf(const struct tts_conf *c)
{
	fixture_re_setup();
	ck_assert_int_eq(worker_alloc(&t.wp, 2), 0);
	ck_assert_int_eq(scopemgr_alloc(&t.mgr, 100), 0);
	ck_assert_int_eq(scope_alloc_root(&t.root, t.mgr, "test"), 0);
	ck_assert_int_eq(tts_alloc(&t.tts, t.wp, c), 0);
}

static void setup(void)
{
	struct tts_conf c;

	tts_conf_default(&c);
	setup_conf(&c);
}

static void setup_strict(void)
{
	struct tts_conf c;

	tts_conf_default(&c);
	c.strict = true;
	setup_conf(&c);
}

static void teardown(void)
{
	struct scope_stats st;

	fs_scope_close(t.root);
	t.root = mem_deref(t.root);
	t.tts = mem_deref(t.tts);
	t.wp = mem_deref(t.wp);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	t.mgr = mem_deref(t.mgr);
	fixture_re_teardown();
}

static int64_t metric(const char *path)
{
	struct json_object *o = json_object_new_object();
	int64_t v;

	ck_assert_int_eq(tts_metrics(t.tts, o), 0);
	v = fixture_json_int(o, path);
	json_object_put(o);
	return v;
}

static int idle(void *arg)
{
	(void)arg;
	return metric("inflight") == 0;
}

static double audio_rms(const struct fs_audio *a)
{
	double sum = 0;

	if (!a->samples)
		return 0;
	for (size_t i = 0; i < a->samples; i++)
		sum += (double)a->pcm[i] * a->pcm[i];
	return sqrt(sum / (double)a->samples);
}

/* Synthesise and wait for the handler */
static void synth_wait(const char *vendor, const char *lang, const char *voice,
		       const char *text, struct fixture_audio *r)
{
	ck_assert_int_eq(tts_synth(t.tts, vendor, lang, voice, text, false,
				   t.root, fixture_audio_h, r),
			 0);
	ck_assert_int_eq(fixture_run_until(fixture_audio_done, r,
					   fixture_timeout(10) * 1000),
			 0);
	ck_assert_int_eq(r->calls, 1);
}

static void assert_speech(const struct fs_audio *a, const char *what)
{
	double rms, secs;

	ck_assert_ptr_nonnull(a);
	secs = (double)a->samples / FS_AUDIO_SRATE;
	rms = audio_rms(a);
	if (getenv("FS_TEST_DEBUG"))
		fprintf(stderr, "%s: %.2f s, rms %.0f\n", what, secs, rms);
	ck_assert_msg(secs > 0.5 && secs < 5, "%s: %.2f s", what, secs);
	ck_assert_msg(rms > 300, "%s: rms %.0f", what, rms);
}

START_TEST(tts_flite_hello)
{
	struct fixture_audio r = {0};

	synth_wait("flite", NULL, NULL, "hello world", &r);
	ck_assert_int_eq(r.err, 0);
	assert_speech(r.audio, "flite kal");
	ck_assert_int_eq(metric("misses"), 1);
	ck_assert_int_eq(metric("errors"), 0);
	ck_assert_int_eq(metric("synth_ms.count"), 1);
	fixture_audio_reset(&r);

	/* a 16 kHz clustergen voice, resampled */
	synth_wait("flite", NULL, "cmu_us_slt", "hello world", &r);
	ck_assert_int_eq(r.err, 0);
	assert_speech(r.audio, "flite slt");
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(tts_espeak_hello)
{
	struct fixture_audio r = {0};

	synth_wait("espeak-ng", "en-US", NULL, "hello world", &r);
	ck_assert_int_eq(r.err, 0);
	assert_speech(r.audio, "espeak en-us");
	fixture_audio_reset(&r);

	synth_wait("espeak", "de-DE", NULL, "Guten Tag, wie geht es Ihnen",
		   &r);
	ck_assert_int_eq(r.err, 0);
	assert_speech(r.audio, "espeak de-de");
	fixture_audio_reset(&r);

	/* no such language: the handler reports it */
	synth_wait("espeak", "xx-YY", NULL, "hello", &r);
	ck_assert_int_eq(r.err, ENOTSUP);
	ck_assert_ptr_null(r.audio);
	ck_assert_int_eq(metric("errors"), 1);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(tts_cache_hit)
{
	struct fixture_audio r1 = {0}, r2 = {0};

	synth_wait(NULL, NULL, NULL, "the cache says hello", &r1);
	ck_assert_int_eq(r1.err, 0);

	/* a hit answers before tts_synth returns */
	ck_assert_int_eq(tts_synth(t.tts, "flite", "en-GB", "kal",
				   "the cache says hello", false, t.root,
				   fixture_audio_h, &r2),
			 0);
	ck_assert_int_eq(r2.calls, 1);
	ck_assert_ptr_eq(r2.audio, r1.audio);
	ck_assert_int_eq(metric("hits"), 1);
	ck_assert_int_eq(metric("misses"), 1);
	ck_assert_int_eq(metric("entries"), 1);
	ck_assert_int_ge(metric("bytes"), r1.audio->samples * 2);
	fixture_audio_reset(&r2);

	/* nocache synthesises again and leaves the cache alone */
	ck_assert_int_eq(tts_synth(t.tts, "flite", NULL, NULL,
				   "the cache says hello", true, t.root,
				   fixture_audio_h, &r2),
			 0);
	ck_assert_int_eq(r2.calls, 0);
	ck_assert_int_eq(fixture_run_until(fixture_audio_done, &r2, 10000), 0);
	ck_assert_ptr_ne(r2.audio, r1.audio);
	ck_assert_uint_eq(r2.audio->samples, r1.audio->samples);
	ck_assert_int_eq(metric("misses"), 2);
	ck_assert_int_eq(metric("entries"), 1);
	fixture_audio_reset(&r1);
	fixture_audio_reset(&r2);
}
END_TEST

START_TEST(tts_cache_evicts)
{
	struct tts_conf c;
	struct fixture_audio r = {0};
	char text[64];

	/* room for about one short phrase */
	t.tts = mem_deref(t.tts);
	tts_conf_default(&c);
	c.cache_bytes = 40000;
	ck_assert_int_eq(tts_alloc(&t.tts, t.wp, &c), 0);

	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "phrase number %d", i);
		synth_wait("flite", NULL, NULL, text, &r);
		ck_assert_int_eq(r.err, 0);
		fixture_audio_reset(&r);
		ck_assert_int_le(metric("bytes"), 40000);
	}
	ck_assert_int_ge(metric("entries"), 1);
	ck_assert_int_lt(metric("entries"), 4);
	/* the latest is kept */
	ck_assert_int_eq(tts_synth(t.tts, "flite", NULL, NULL,
				   "phrase number 3", false, t.root,
				   fixture_audio_h, &r),
			 0);
	ck_assert_int_eq(r.calls, 1);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(tts_coalesce)
{
	struct fixture_audio r[3] = {{0}};

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(tts_synth(t.tts, "espeak", "en-US", NULL,
					   "three callers at once", false,
					   t.root, fixture_audio_h, &r[i]),
				 0);
	}
	ck_assert_int_eq(r[0].calls + r[1].calls + r[2].calls, 0);
	ck_assert_int_eq(metric("inflight"), 1);
	ck_assert_int_eq(fixture_run_until(idle, NULL, 10000), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].err, 0);
		ck_assert_ptr_eq(r[i].audio, r[0].audio);
	}
	ck_assert_int_eq(metric("misses"), 1);
	ck_assert_int_eq(metric("coalesced"), 2);
	ck_assert_int_eq(metric("synth_ms.count"), 1);
	for (int i = 0; i < 3; i++)
		fixture_audio_reset(&r[i]);
}
END_TEST

START_TEST(tts_fallback)
{
	struct fixture_audio r = {0};

	synth_wait("google", "en-US", "en-US-Wavenet-C", "falling back", &r);
	ck_assert_int_eq(r.err, 0);
	assert_speech(r.audio, "fallback");
	ck_assert_int_eq(metric("fallbacks"), 1);
	fixture_audio_reset(&r);

	/* same text through the default vendor: the same cache entry */
	ck_assert_int_eq(tts_synth(t.tts, "aws", NULL, "Joanna",
				   "falling back", false, t.root,
				   fixture_audio_h, &r),
			 0);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(metric("fallbacks"), 2);
	ck_assert_int_eq(metric("hits"), 1);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(tts_strict)
{
	struct fixture_audio r = {0};

	ck_assert_int_eq(tts_synth(t.tts, "google", "en-US", NULL, "no", false,
				   t.root, fixture_audio_h, &r),
			 ENOTSUP);
	ck_assert_int_eq(tts_synth(t.tts, "flite", "en-US", "no-such-voice",
				   "no", false, t.root, fixture_audio_h, &r),
			 ENOTSUP);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(metric("fallbacks"), 0);

	synth_wait("flite", NULL, "awb", "strict but known", &r);
	ck_assert_int_eq(r.err, 0);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(tts_bad_args)
{
	struct fixture_audio r = {0};
	struct tts_conf c;
	struct tts *x = NULL;
	struct fs_scope *sc;
	char *big;

	ck_assert_int_eq(tts_synth(t.tts, NULL, NULL, NULL, "", false, t.root,
				   fixture_audio_h, &r),
			 EINVAL);
	ck_assert_int_eq(tts_synth(t.tts, NULL, NULL, NULL, NULL, false,
				   t.root, fixture_audio_h, &r),
			 EINVAL);
	ck_assert_int_eq(tts_synth(t.tts, NULL, NULL, NULL, "x", false, t.root,
				   NULL, &r),
			 EINVAL);
	big = mem_alloc(TTS_TEXT_MAX + 2, NULL);
	memset(big, 'a', TTS_TEXT_MAX + 1);
	big[TTS_TEXT_MAX + 1] = '\0';
	ck_assert_int_eq(tts_synth(t.tts, NULL, NULL, NULL, big, false, t.root,
				   fixture_audio_h, &r),
			 EINVAL);
	mem_deref(big);

	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "closed"), 0);
	fs_scope_close(sc);
	ck_assert_int_eq(tts_synth(t.tts, NULL, NULL, NULL, "x", false, sc,
				   fixture_audio_h, &r),
			 ESHUTDOWN);
	mem_deref(sc);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(metric("misses"), 0);

	/* an unknown default vendor is a configuration error */
	tts_conf_default(&c);
	c.default_vendor = "polly";
	ck_assert_int_eq(tts_alloc(&x, t.wp, &c), EINVAL);
	ck_assert_ptr_null(x);
}
END_TEST

START_TEST(tts_scope_close)
{
	struct fixture_audio r1 = {0}, r2 = {0};
	struct fs_scope *sc;

	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "task"), 0);
	ck_assert_int_eq(tts_synth(t.tts, "espeak", NULL, NULL,
				   "nobody will hear this", false, sc,
				   fixture_audio_h, &r1),
			 0);
	/* a second waiter in another scope still gets it */
	ck_assert_int_eq(tts_synth(t.tts, "espeak", NULL, NULL,
				   "nobody will hear this", false, t.root,
				   fixture_audio_h, &r2),
			 0);
	fs_scope_close(sc);
	mem_deref(sc);

	ck_assert_int_eq(fixture_run_until(idle, NULL, 10000), 0);
	ck_assert_int_eq(r1.calls, 0);
	ck_assert_int_eq(r2.calls, 1);
	fixture_audio_reset(&r2);

	/* the synthesis filled the cache all the same */
	ck_assert_int_eq(metric("entries"), 1);
}
END_TEST

START_TEST(tts_destroy_inflight)
{
	struct fixture_audio r = {0};

	ck_assert_int_eq(tts_synth(t.tts, "flite", NULL, NULL,
				   "dropped on the floor", false, t.root,
				   fixture_audio_h, &r),
			 0);
	t.tts = mem_deref(t.tts);
	/* the job's completion finds the synthesiser gone */
	fixture_run_until(NULL, NULL, 300);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(tts_engine_threads)
{
	struct json_object *o = json_object_new_object(), *q, *v;

	ck_assert_int_eq(worker_metrics(t.wp, o), 0);
	ck_assert(json_object_object_get_ex(o, "queues", &q));
	ck_assert(json_object_object_get_ex(q, "tts-espeak", &v));
	ck_assert(json_object_object_get_ex(v, "threads", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(q, "tts-flite", &v));
	ck_assert(json_object_object_get_ex(v, "threads", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	json_object_put(o);
}
END_TEST

extern Suite *tts_suite(void);

Suite *tts_suite(void)
{
	Suite *s = suite_create("tts");
	TCase *tc = tcase_create("engines");
	TCase *ts = tcase_create("strict");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, fixture_timeout(20));
	tcase_add_test(tc, tts_flite_hello);
	tcase_add_test(tc, tts_espeak_hello);
	tcase_add_test(tc, tts_cache_hit);
	tcase_add_test(tc, tts_cache_evicts);
	tcase_add_test(tc, tts_coalesce);
	tcase_add_test(tc, tts_fallback);
	tcase_add_test(tc, tts_bad_args);
	tcase_add_test(tc, tts_scope_close);
	tcase_add_test(tc, tts_destroy_inflight);
	tcase_add_test(tc, tts_engine_threads);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(ts, setup_strict, teardown);
	tcase_set_timeout(ts, fixture_timeout(20));
	tcase_add_test(ts, tts_strict);
	suite_add_tcase(s, ts);
	return s;
}
