/**
 * @file check_audio.c  Audio files: real encodings served over HTTP by
 *                      tests/tools/httpsrv.js, decoded and resampled
 *
 * The fixtures are written at test time with libsndfile's encoders (WAV,
 * FLAC, Ogg/Vorbis, MP3): a 440 Hz tone of known length, so the tests
 * check both the duration at 8 kHz and the pitch (zero crossings).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include <sndfile.h>
#include "fixture.h"
#include "audio/audio.h"
#include "http/req.h"
#include "base/scope.h"
#include "base/worker.h"

#define TONE_HZ   440
#define TONE_SECS 1.5

/* ---- fixture files and the HTTP server, shared by a test case ---- */

static struct fixture_srv srv = {-1, -1, 0};
static char srv_dir[64];

static void write_tone(const char *name, int format, int srate, int ch)
{
	size_t frames = (size_t)(srate * TONE_SECS);
	char path[128];
	SF_INFO info;
	SNDFILE *sf;
	short *buf;

	snprintf(path, sizeof(path), "%s/%s", srv_dir, name);
	memset(&info, 0, sizeof(info));
	info.samplerate = srate;
	info.channels = ch;
	info.format = format;
	sf = sf_open(path, SFM_WRITE, &info);
	ck_assert_msg(sf != NULL, "%s: %s", name, sf_strerror(NULL));
	buf = calloc(frames * (size_t)ch, sizeof(*buf));
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < frames; i++) {
		double v = 12000 * sin(2 * M_PI * TONE_HZ * (double)i / srate);

		for (int c = 0; c < ch; c++)
			buf[i * (size_t)ch + (size_t)c] = (short)v;
	}
	ck_assert_int_eq(sf_writef_short(sf, buf, (sf_count_t)frames),
			 (sf_count_t)frames);
	free(buf);
	ck_assert_int_eq(sf_close(sf), 0);
}

static void write_bytes(const char *name, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", srv_dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)((i * 2654435761u) >> 13) & 0xff, f);
	fclose(f);
}

static void files_make(void)
{
	strcpy(srv_dir, "/tmp/fs-audio-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(srv_dir));
	write_tone("tone16k_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
		   16000, 2);
	write_tone("tone8k.wav", SF_FORMAT_WAV | SF_FORMAT_ULAW, 8000, 1);
	write_tone("tone44k.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100,
		   1);
	write_tone("tone48k.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 2);
	write_tone("tone16k.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III,
		   16000, 1);
	write_bytes("garbage.wav", 20000);
}

static void files_remove(void)
{
	char cmd[128];

	if (!srv_dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", srv_dir);
	srv_dir[0] = '\0';
}

static void srv_start(void)
{
	files_make();
	fixture_srv_start(&srv, srv_dir);
}

static void srv_stop(void)
{
	fixture_srv_stop(&srv);
	files_remove();
}

static const char *srv_url(char *buf, size_t sz, const char *path)
{
	snprintf(buf, sz, "http://127.0.0.1:%u%s", srv.port, path);
	return buf;
}


/* ---- per-test loop, requestor, pool and cache ---- */

static struct {
	struct fs_req *req;
	struct worker *wp;
	struct scopemgr *mgr;
	struct fs_scope *root;
	struct audiocache *ac;
} t;

static void setup(void)
{
	struct req_conf rc;
	struct audio_conf ac = {.cache_bytes = 8 * 1024 * 1024,
				.max_file = 1024 * 1024};

	fixture_re_setup();
	ck_assert_int_eq(req_global_init(), 0);
	memset(&rc, 0, sizeof(rc));
	rc.poolsize = 4;
	rc.timeout_ms = 5000;
	ck_assert_int_eq(req_alloc(&t.req, &rc), 0);
	ck_assert_int_eq(worker_alloc(&t.wp, 2), 0);
	ck_assert_int_eq(scopemgr_alloc(&t.mgr, 100), 0);
	ck_assert_int_eq(scope_alloc_root(&t.root, t.mgr, "test"), 0);
	ck_assert_int_eq(audiocache_alloc(&t.ac, t.req, t.wp, &ac), 0);
}

static void teardown(void)
{
	struct scope_stats st;

	fs_scope_close(t.root);
	t.root = mem_deref(t.root);
	t.ac = mem_deref(t.ac);
	t.wp = mem_deref(t.wp);
	t.req = mem_deref(t.req);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	t.mgr = mem_deref(t.mgr);
	req_global_close();
	fixture_re_teardown();
}

static int64_t metric(const char *path)
{
	struct json_object *o = json_object_new_object();
	int64_t v;

	ck_assert_int_eq(audiocache_metrics(t.ac, o), 0);
	v = fixture_json_int(o, path);
	json_object_put(o);
	return v;
}

static int idle(void *arg)
{
	(void)arg;
	return metric("inflight") == 0;
}

static void get_wait(const char *path, struct fixture_audio *r)
{
	char url[256];

	srv_url(url, sizeof(url), path);
	ck_assert_int_eq(audiocache_get(t.ac, url, t.root, fixture_audio_h, r),
			 0);
	ck_assert_int_eq(fixture_run_until(fixture_audio_done, r,
					   fixture_timeout(10) * 1000),
			 0);
	ck_assert_int_eq(r->calls, 1);
}

/* Duration within 5 %, and the tone's pitch survived the conversion */
static void assert_tone(const struct fs_audio *a, const char *what)
{
	const double want = TONE_SECS * FS_AUDIO_SRATE;
	size_t crossings = 0;
	double hz;

	ck_assert_ptr_nonnull(a);
	ck_assert_msg(fabs((double)a->samples - want) <= want * 0.05,
		      "%s: %zu samples, want %.0f", what, a->samples, want);
	for (size_t i = 1; i < a->samples; i++) {
		if ((a->pcm[i - 1] < 0) != (a->pcm[i] < 0))
			crossings++;
	}
	hz = crossings / 2.0 / ((double)a->samples / FS_AUDIO_SRATE);
	if (getenv("FS_TEST_DEBUG"))
		fprintf(stderr, "%s: %zu samples, %.1f Hz\n", what, a->samples,
			hz);
	ck_assert_msg(fabs(hz - TONE_HZ) < TONE_HZ * 0.05, "%s: %.1f Hz", what,
		      hz);
}

START_TEST(audio_formats)
{
	static const char *const files[] = {
		"tone16k_stereo.wav", "tone8k.wav",  "tone44k.flac",
		"tone48k.ogg",        "tone16k.mp3",
	};
	struct fixture_audio r = {0};
	char path[64];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/files/%s", files[i]);
		get_wait(path, &r);
		ck_assert_msg(r.err == 0, "%s: %s", files[i], strerror(r.err));
		assert_tone(r.audio, files[i]);
		fixture_audio_reset(&r);
	}
	ck_assert_int_eq(metric("misses"), 5);
	ck_assert_int_eq(metric("entries"), 5);
	ck_assert_int_eq(metric("errors"), 0);
	ck_assert_int_eq(metric("decode_ms.count"), 5);
}
END_TEST

START_TEST(audio_errors)
{
	struct fixture_audio r = {0};

	get_wait("/files/missing.wav", &r);
	ck_assert_int_eq(r.err, ENOENT);
	ck_assert_ptr_null(r.audio);
	fixture_audio_reset(&r);

	get_wait("/status/500", &r);
	ck_assert_int_eq(r.err, EPROTO);
	fixture_audio_reset(&r);

	get_wait("/files/garbage.wav", &r);
	ck_assert_int_eq(r.err, EPROTO);
	fixture_audio_reset(&r);

	/* a JSON body is not audio either */
	get_wait("/echo/not-audio", &r);
	ck_assert_int_eq(r.err, EPROTO);
	fixture_audio_reset(&r);

	ck_assert_int_eq(metric("errors"), 4);
	ck_assert_int_eq(metric("entries"), 0);

	/* errors are not cached: the next get asks again */
	get_wait("/files/missing.wav", &r);
	ck_assert_int_eq(r.err, ENOENT);
	ck_assert_int_eq(metric("misses"), 5);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(audio_too_large)
{
	struct audio_conf c = {.cache_bytes = 1024 * 1024,
			       .max_file = 32 * 1024};
	struct fixture_audio r = {0};

	t.ac = mem_deref(t.ac);
	ck_assert_int_eq(audiocache_alloc(&t.ac, t.req, t.wp, &c), 0);
	get_wait("/files/tone16k_stereo.wav", &r);
	ck_assert_int_eq(r.err, EFBIG);
	fixture_audio_reset(&r);

	/* 1.5 s of 8 kHz u-law is 12 KB: fits */
	get_wait("/files/tone8k.wav", &r);
	ck_assert_int_eq(r.err, 0);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(audio_timeout)
{
	struct audio_conf c = {.cache_bytes = 1024 * 1024,
			       .max_file = 1024 * 1024,
			       .timeout_ms = 300};
	struct fixture_audio r = {0};

	t.ac = mem_deref(t.ac);
	ck_assert_int_eq(audiocache_alloc(&t.ac, t.req, t.wp, &c), 0);
	get_wait("/slow?ms=3000", &r);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	fixture_audio_reset(&r);
}
END_TEST

START_TEST(audio_cache_hit)
{
	struct fixture_audio r1 = {0}, r2 = {0};
	char url[256];

	get_wait("/files/tone44k.flac", &r1);
	ck_assert_int_eq(r1.err, 0);

	srv_url(url, sizeof(url), "/files/tone44k.flac");
	ck_assert_int_eq(
		audiocache_get(t.ac, url, t.root, fixture_audio_h, &r2), 0);
	ck_assert_int_eq(r2.calls, 1);
	ck_assert_ptr_eq(r2.audio, r1.audio);
	ck_assert_int_eq(metric("hits"), 1);
	ck_assert_int_eq(metric("misses"), 1);
	ck_assert_int_eq(metric("bytes") >= (int64_t)r1.audio->samples * 2, 1);
	fixture_audio_reset(&r1);
	fixture_audio_reset(&r2);
}
END_TEST

START_TEST(audio_coalesce)
{
	struct fixture_audio r[4] = {{0}};
	struct fs_scope *sc;
	char url[256];

	srv_url(url, sizeof(url), "/files/tone48k.ogg");
	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "task"), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(audiocache_get(t.ac, url,
						i == 3 ? sc : t.root,
						fixture_audio_h, &r[i]),
				 0);
	}
	/* the last caller leaves: the others still get the audio */
	fs_scope_close(sc);
	mem_deref(sc);

	ck_assert_int_eq(fixture_run_until(idle, NULL, 10000), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].err, 0);
		ck_assert_ptr_eq(r[i].audio, r[0].audio);
	}
	ck_assert_int_eq(r[3].calls, 0);
	ck_assert_int_eq(metric("misses"), 1);
	ck_assert_int_eq(metric("coalesced"), 3);
	ck_assert_int_eq(metric("decode_ms.count"), 1);
	ck_assert_int_eq(metric("fetch_ms.count"), 1);
	for (int i = 0; i < 4; i++)
		fixture_audio_reset(&r[i]);
}
END_TEST

START_TEST(audio_scope_close)
{
	struct fixture_audio r = {0};
	struct fs_scope *sc;
	char url[256];

	srv_url(url, sizeof(url), "/files/tone16k.mp3");
	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "task"), 0);
	ck_assert_int_eq(audiocache_get(t.ac, url, sc, fixture_audio_h, &r),
			 0);
	fs_scope_close(sc);
	ck_assert_int_eq(audiocache_get(t.ac, url, sc, fixture_audio_h, &r),
			 ESHUTDOWN);
	mem_deref(sc);

	ck_assert_int_eq(fixture_run_until(idle, NULL, 10000), 0);
	ck_assert_int_eq(r.calls, 0);
	/* the fetch went on and filled the cache */
	ck_assert_int_eq(metric("entries"), 1);
}
END_TEST

/* Holds a pool thread until released */
static volatile int gate_open;

static int gate_work(void *arg)
{
	(void)arg;
	while (!gate_open)
		usleep(1000);
	return 0;
}

static int fetched(void *arg)
{
	(void)arg;
	return metric("fetch_ms.count") >= 1;
}

START_TEST(audio_destroy_inflight)
{
	struct fixture_audio r1 = {0}, r2 = {0};
	char url[256];

	/* both pool threads busy: the decode waits in the queue */
	gate_open = 0;
	ck_assert_int_eq(
		worker_submit(t.wp, WORKER_QUEUE_POOL, gate_work, NULL, NULL),
		0);
	ck_assert_int_eq(
		worker_submit(t.wp, WORKER_QUEUE_POOL, gate_work, NULL, NULL),
		0);

	/* one still fetching, one decoding when the cache goes away */
	srv_url(url, sizeof(url), "/slow?ms=2000");
	ck_assert_int_eq(
		audiocache_get(t.ac, url, t.root, fixture_audio_h, &r1), 0);
	srv_url(url, sizeof(url), "/files/tone44k.flac");
	ck_assert_int_eq(
		audiocache_get(t.ac, url, t.root, fixture_audio_h, &r2), 0);
	ck_assert_int_eq(fixture_run_until(fetched, NULL, 5000), 0);
	ck_assert_int_eq(metric("inflight"), 2);
	t.ac = mem_deref(t.ac);
	gate_open = 1;
	fixture_run_until(NULL, NULL, 200);
	ck_assert_int_eq(r1.calls, 0);
	ck_assert_int_eq(r2.calls, 0);
}
END_TEST

START_TEST(audio_bad_args)
{
	struct fixture_audio r = {0};

	ck_assert_int_eq(audiocache_get(t.ac, "ftp://x/y.wav", t.root,
					fixture_audio_h, &r),
			 EINVAL);
	ck_assert_int_eq(audiocache_get(t.ac, "/relative.wav", t.root,
					fixture_audio_h, &r),
			 EINVAL);
	ck_assert_int_eq(
		audiocache_get(t.ac, NULL, t.root, fixture_audio_h, &r),
		EINVAL);
	ck_assert_int_eq(
		audiocache_get(t.ac, "http://127.0.0.1/x", t.root, NULL, &r),
		EINVAL);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(metric("misses"), 0);
}
END_TEST

/* ---- the helpers on their own ---- */

START_TEST(audio_resample_rates)
{
	static const uint32_t rates[] = {8000,  11025, 16000,
					 22050, 44100, 48000};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		size_t n = rates[i] * 3 / 2;
		struct fs_audio *in, *out;
		int16_t *pcm;

		ck_assert_int_eq(audio_buf_alloc(&in, &pcm, n), 0);
		for (size_t k = 0; k < n; k++)
			pcm[k] = (int16_t)(12000 * sin(2 * M_PI * TONE_HZ *
						       (double)k / rates[i]));
		ck_assert_int_eq(audio_resample(&out, in->pcm, n, rates[i]),
				 0);
		/* exact length: every input sample is accounted for */
		ck_assert_uint_eq(out->samples, 12000);
		assert_tone(out, "resample");
		mem_deref(in);
		mem_deref(out);
	}
}
END_TEST

START_TEST(audio_lru_bound)
{
	struct audio_lru *c;
	struct fs_audio *a[3];
	uint32_t n;
	size_t bytes;

	ck_assert_int_eq(audio_lru_alloc(&c, 5000), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(audio_buf_alloc(&a[i], NULL, 1000), 0);
	ck_assert_int_eq(audio_lru_put(c, "a", a[0]), 0);
	ck_assert_int_eq(audio_lru_put(c, "b", a[1]), 0);
	/* touch a: b becomes the oldest */
	ck_assert_ptr_eq(audio_lru_get(c, "a"), a[0]);
	ck_assert_int_eq(audio_lru_put(c, "c", a[2]), 0);
	ck_assert_ptr_null(audio_lru_get(c, "b"));
	ck_assert_ptr_eq(audio_lru_get(c, "a"), a[0]);
	ck_assert_ptr_eq(audio_lru_get(c, "c"), a[2]);
	audio_lru_usage(c, &n, &bytes);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_le(bytes, 5000);
	/* larger than the whole bound: not kept */
	{
		struct fs_audio *big;

		ck_assert_int_eq(audio_buf_alloc(&big, NULL, 4000), 0);
		ck_assert_int_eq(audio_lru_put(c, "big", big), EFBIG);
		mem_deref(big);
	}
	mem_deref(c);
	for (int i = 0; i < 3; i++)
		mem_deref(a[i]);
}
END_TEST

extern Suite *audio_suite(void);

Suite *audio_suite(void)
{
	Suite *s = suite_create("audio");
	TCase *tp = tcase_create("pure");
	TCase *tn = tcase_create("http");

	tcase_add_checked_fixture(tp, fixture_re_setup, fixture_re_teardown);
	tcase_set_timeout(tp, fixture_timeout(10));
	tcase_add_test(tp, audio_resample_rates);
	tcase_add_test(tp, audio_lru_bound);
	suite_add_tcase(s, tp);

	tcase_add_unchecked_fixture(tn, srv_start, srv_stop);
	tcase_add_checked_fixture(tn, setup, teardown);
	tcase_set_timeout(tn, fixture_timeout(20));
	tcase_add_test(tn, audio_formats);
	tcase_add_test(tn, audio_errors);
	tcase_add_test(tn, audio_too_large);
	tcase_add_test(tn, audio_timeout);
	tcase_add_test(tn, audio_cache_hit);
	tcase_add_test(tn, audio_coalesce);
	tcase_add_test(tn, audio_scope_close);
	tcase_add_test(tn, audio_destroy_inflight);
	tcase_add_test(tn, audio_bad_args);
	suite_add_tcase(s, tn);
	return s;
}
