/**
 * @file check_media_tap.c  Taps on received audio (cadence, decoding,
 *                          the bridged peer, the ring's bound), the
 *                          injected queue (seamless pieces, marks, kill,
 *                          playback taking precedence) and fs_resamp
 *
 * Received RTP is fed with media_stream_rtp_input() as from the peer's
 * SDP address; a plain UDP socket plays the peer and records what the
 * streams send.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <rem/rem_g711.h>
#include <json-c/json.h>
#include <fs/fs_resamp.h>
#include "fixture.h"
#include "media/media.h"

extern Suite *media_tap_suite(void);

#define FRAME  160
#define RX_MAX 200

struct rxp {
	size_t len;
	uint8_t pay[FRAME];
};

static struct {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;
	struct rxp p[RX_MAX];
} rx;

static struct media_loop *ml;

/* what a tap saw */
struct taprec {
	unsigned frames;
	unsigned with_peer;
	int16_t own[8][FRAME];  /* the first frames */
	int16_t peer[8][FRAME]; /* ... and their peer's */
	struct media_tap *self; /* removed by the handler after stop_at */
	unsigned stop_at;
};

struct done {
	int calls;
	int err;
	int order; /* position among all handler runs */
};

static int order_seq;

static void rx_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	size_t len = mbuf_get_left(mb);
	(void)src;
	(void)arg;

	if (len < 12)
		return;
	if (rx.n < RX_MAX) {
		rx.p[rx.n].len = len - 12;
		memcpy(rx.p[rx.n].pay, mbuf_buf(mb) + 12,
		       len - 12 < FRAME ? len - 12 : FRAME);
	}
	++rx.n;
}

static void tap_setup(void)
{
	struct sa ip;
	uint16_t base;

	fixture_re_setup();
	base = (uint16_t)(atoi(fixture_env("FS_TEST_RTP_PORT", "47100")) + 40);
	memset(&rx, 0, sizeof(rx));
	order_seq = 0;
	ck_assert_int_eq(sa_set_str(&ip, "127.0.0.1", 0), 0);
	ck_assert_int_eq(udp_listen(&rx.us, &ip, rx_recv, NULL), 0);
	ck_assert_int_eq(udp_local_get(rx.us, &rx.addr), 0);
	ck_assert_int_eq(
		media_loop_alloc(&ml, &ip, base, (uint16_t)(base + 19)), 0);
}

static int64_t metric(const char *key)
{
	struct json_object *o = json_object_new_object(), *v = NULL;
	int64_t r;

	ck_assert_int_eq(media_loop_metrics(ml, o), 0);
	ck_assert(json_object_object_get_ex(o, key, &v));
	r = json_object_get_int64(v);
	json_object_put(o);
	return r;
}

static void tap_teardown(void)
{
	ck_assert_int_eq(metric("streams"), 0);
	ck_assert_int_eq(metric("taps"), 0);
	ml = mem_deref(ml);
	rx.us = mem_deref(rx.us);
	fixture_re_teardown();
}

static int16_t ramp(size_t i)
{
	/* values that survive u-law exactly: its own decodings */
	return g711_ulaw2pcm((uint8_t)(i * 7 + 3));
}

static struct media_stream *stream_new(void)
{
	struct media_stream *ms = NULL;

	ck_assert_int_eq(media_stream_alloc(&ms, ml, NULL, NULL), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, -1), 0);
	return ms;
}

/* one received RTP packet of n u-law samples ramp(first ..) */
static void feed(struct media_stream *ms, size_t first, size_t n)
{
	struct mbuf *mb = mbuf_alloc(12 + n);
	uint8_t hdr[12] = {0x80, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4};
	size_t i;

	ck_assert_ptr_nonnull(mb);
	(void)mbuf_write_mem(mb, hdr, sizeof(hdr));
	for (i = 0; i < n; i++)
		(void)mbuf_write_u8(mb, g711_pcm2ulaw(ramp(first + i)));
	mb->pos = 0;
	media_stream_rtp_input(ms, &rx.addr, mb);
	mem_deref(mb);
}

static void tap_h(const int16_t *own, const int16_t *peer, size_t n, void *arg)
{
	struct taprec *r = arg;

	ck_assert_uint_eq(n, FRAME);
	if (r->frames < 8) {
		memcpy(r->own[r->frames], own, sizeof(r->own[0]));
		if (peer)
			memcpy(r->peer[r->frames], peer, sizeof(r->peer[0]));
	}
	if (peer)
		++r->with_peer;
	++r->frames;
	if (r->stop_at && r->frames == r->stop_at)
		r->self = mem_deref(r->self);
}

static int frames_ge(void *arg)
{
	return ((struct taprec *)arg)->frames >= 5;
}

START_TEST(tap_cadence_and_decoding)
{
	struct media_stream *ms = stream_new();
	struct taprec r = {0};
	struct media_tap *t = NULL;
	unsigned n;
	size_t i;

	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(media_stream_tap(&t, ms, tap_h, &r), 0);
	/* two frames' worth arrive before the first tick */
	feed(ms, 0, FRAME);
	feed(ms, FRAME, FRAME);
	ck_assert_int_eq(fixture_run_until(frames_ge, &r, 2000), 0);
	for (i = 0; i < FRAME; i++) {
		ck_assert_int_eq(r.own[0][i], ramp(i));
		ck_assert_int_eq(r.own[1][i], ramp(FRAME + i));
		ck_assert_int_eq(r.own[2][i], 0); /* nothing came: silence */
	}
	ck_assert_uint_eq(r.with_peer, 0);
	/* the tick's cadence: 50 frames a second */
	n = r.frames;
	(void)fixture_run_until(NULL, NULL, 500);
	ck_assert_msg(r.frames - n >= 22 && r.frames - n <= 28,
		      "%u frames in 500 ms", r.frames - n);
	ck_assert_int_ge(metric("tap_gaps"), 3);
	ck_assert_int_eq(metric("taps"), 1);
	mem_deref(t);
	ck_assert_int_eq(metric("taps"), 0);
	n = r.frames;
	(void)fixture_run_until(NULL, NULL, 100);
	ck_assert_uint_eq(r.frames, n);
	mem_deref(ms);
}
END_TEST

START_TEST(tap_bridged_peer)
{
	struct media_stream *a = stream_new(), *b = stream_new();
	struct taprec r = {0};
	struct media_tap *t = NULL;
	size_t i;

	ck_assert_int_eq(media_stream_start(a), 0);
	ck_assert_int_eq(media_stream_start(b), 0);
	ck_assert_int_eq(media_stream_bridge(a, b), 0);
	/* neither leg sends from the tick now: the tap keeps it going */
	ck_assert_int_eq(metric("sending"), 0);
	ck_assert_int_eq(media_stream_tap(&t, a, tap_h, &r), 0);
	feed(a, 0, FRAME);
	feed(b, 1000, FRAME);
	ck_assert_int_eq(fixture_run_until(frames_ge, &r, 2000), 0);
	ck_assert_uint_eq(r.with_peer, r.frames);
	for (i = 0; i < FRAME; i++) {
		ck_assert_int_eq(r.own[0][i], ramp(i));
		ck_assert_int_eq(r.peer[0][i], ramp(1000 + i));
	}
	/* unbridged: no peer any more */
	media_stream_unbridge(a);
	r.with_peer = 0;
	r.frames = 0;
	ck_assert_int_eq(fixture_run_until(frames_ge, &r, 2000), 0);
	ck_assert_uint_eq(r.with_peer, 0);
	mem_deref(t);
	mem_deref(a);
	mem_deref(b);
}
END_TEST

START_TEST(tap_ring_bound)
{
	struct media_stream *ms = stream_new();
	struct taprec r = {0};
	struct media_tap *t = NULL;
	size_t i;

	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(media_stream_tap(&t, ms, tap_h, &r), 0);
	/* a burst of 20 frames: only the last 8 (160 ms) are kept */
	for (i = 0; i < 20; i++)
		feed(ms, i * FRAME, FRAME);
	ck_assert_int_eq(fixture_run_until(frames_ge, &r, 2000), 0);
	ck_assert_int_eq(r.own[0][0], ramp(12 * FRAME));
	ck_assert_int_eq(r.own[1][FRAME - 1], ramp(14 * FRAME - 1));
	mem_deref(t);
	mem_deref(ms);
}
END_TEST

START_TEST(tap_removed_in_handler)
{
	struct media_stream *ms = stream_new();
	struct taprec r = {.stop_at = 3};
	struct taprec other = {0};
	struct media_tap *t2 = NULL;

	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(media_stream_tap(&r.self, ms, tap_h, &r), 0);
	ck_assert_int_eq(media_stream_tap(&t2, ms, tap_h, &other), 0);
	ck_assert_int_eq(fixture_run_until(frames_ge, &other, 2000), 0);
	ck_assert_uint_eq(r.frames, 3);
	ck_assert_ptr_null(r.self);
	mem_deref(t2);
	/* a freed stream takes its taps' links with it */
	ck_assert_int_eq(media_stream_tap(&t2, ms, tap_h, &other), 0);
	mem_deref(ms);
	ck_assert_int_eq(metric("taps"), 0);
	mem_deref(t2);
}
END_TEST

static void done_h(int err, uint64_t samples, void *arg)
{
	struct done *d = arg;

	(void)samples;
	++d->calls;
	d->err = err;
	d->order = ++order_seq;
}

static int done_ran(void *arg)
{
	return ((struct done *)arg)->calls > 0;
}

struct test_audio {
	struct fs_audio a;
	int16_t pcm[];
};

static struct fs_audio *audio_new(size_t first, size_t n)
{
	struct test_audio *t = mem_zalloc(sizeof(*t) + n * 2, NULL);
	size_t i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		t->pcm[i] = ramp(first + i);
	t->a.pcm = t->pcm;
	t->a.samples = n;
	return &t->a;
}

static int rx_ge(void *arg)
{
	return rx.n >= *(unsigned *)arg;
}

START_TEST(inject_seamless_with_mark)
{
	struct media_stream *ms = stream_new();
	struct fs_audio *a = audio_new(0, 200), *b = audio_new(200, 300);
	struct fs_audio *mark = audio_new(0, 0);
	struct done da = {0}, db = {0}, dm = {0};
	unsigned want = 6;
	size_t i, k;

	ck_assert_int_eq(media_stream_inject(ms, a, done_h, &da, NULL), 0);
	ck_assert_int_eq(media_stream_inject(ms, b, done_h, &db, NULL), 0);
	ck_assert_int_eq(media_stream_inject(ms, mark, done_h, &dm, NULL), 0);
	mem_deref(a);
	mem_deref(b);
	mem_deref(mark);
	ck_assert_uint_eq(media_stream_inject_queued(ms), 500);
	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(fixture_run_until(done_ran, &dm, 2000), 0);
	ck_assert_int_eq(fixture_run_until(rx_ge, &want, 2000), 0);
	/* the pieces in order, none cut, the mark after them */
	ck_assert_int_eq(da.err, 0);
	ck_assert_int_eq(db.err, 0);
	ck_assert_int_eq(dm.err, 0);
	ck_assert_int_lt(da.order, db.order);
	ck_assert_int_lt(db.order, dm.order);
	/* 500 samples across frame boundaries, one sequence, then silence */
	for (k = 0; k < 4; k++)
		for (i = 0; i < FRAME; i++) {
			size_t s = k * FRAME + i;
			uint8_t want_b = s < 500 ? g711_pcm2ulaw(ramp(s))
						 : g711_pcm2ulaw(0);

			ck_assert_msg(rx.p[k].pay[i] == want_b,
				      "frame %zu byte %zu", k, i);
		}
	ck_assert_uint_eq(media_stream_inject_queued(ms), 0);
	mem_deref(ms);
}
END_TEST

START_TEST(inject_kill_and_drop)
{
	struct media_stream *ms = stream_new();
	struct fs_audio *a = audio_new(0, 8000);
	struct done d1 = {0}, d2 = {0};

	static const char owner2[] = "second owner";
	struct done d3 = {0};

	ck_assert_int_eq(media_stream_inject(ms, a, done_h, &d1, NULL), 0);
	ck_assert_int_eq(media_stream_inject(ms, a, done_h, &d2, owner2), 0);
	ck_assert_int_eq(media_stream_inject(ms, a, done_h, &d3, owner2), 0);
	ck_assert_int_eq(media_stream_start(ms), 0);
	(void)fixture_run_until(NULL, NULL, 100);
	ck_assert_int_eq(d1.calls, 0);
	/* drop: the owner goes, its piece goes silently */
	media_stream_inject_drop(ms, owner2);
	ck_assert_uint_le(media_stream_inject_queued(ms), 8000);
	media_stream_inject_kill(ms, true);
	ck_assert_uint_eq(media_stream_inject_queued(ms), 0);
	ck_assert_int_eq(fixture_run_until(done_ran, &d1, 1000), 0);
	ck_assert_int_eq(d1.err, ECANCELED);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_int_eq(d2.calls, 0);
	ck_assert_int_eq(d3.calls, 0);
	ck_assert_uint_eq(mem_nrefs(a), 1);
	mem_deref(a);
	mem_deref(ms);
}
END_TEST

START_TEST(inject_waits_for_playback)
{
	struct media_stream *ms = stream_new();
	struct fs_audio *p = audio_new(0, 320), *a = audio_new(5000, 160);
	struct done dp = {0}, da = {0};
	unsigned want = 4;
	size_t i;

	ck_assert_int_eq(media_stream_play(ms, p, 1, 0, 0, done_h, &dp), 0);
	ck_assert_int_eq(media_stream_inject(ms, a, done_h, &da, NULL), 0);
	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(fixture_run_until(done_ran, &da, 2000), 0);
	ck_assert_int_eq(fixture_run_until(rx_ge, &want, 2000), 0);
	ck_assert_int_lt(dp.order, da.order);
	for (i = 0; i < FRAME; i++) {
		ck_assert_uint_eq(rx.p[0].pay[i], g711_pcm2ulaw(ramp(i)));
		ck_assert_uint_eq(rx.p[2].pay[i],
				  g711_pcm2ulaw(ramp(5000 + i)));
	}
	mem_deref(p);
	mem_deref(a);
	mem_deref(ms);
}
END_TEST

/* a 1 kHz tone at rate, n samples */
static void tone(int16_t *pcm, size_t n, uint32_t rate, size_t from)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double ph = 2 * 3.14159265358979 * 1000 * (double)(from + i) /
			    rate;
		/* sin by its series is enough for a test signal */
		double x = ph -
			   2 * 3.14159265358979 *
				   (double)(long)(ph / (2 * 3.14159265358979));
		double y;

		if (x > 3.14159265358979)
			x -= 2 * 3.14159265358979;
		y = x - x * x * x / 6 + x * x * x * x * x / 120 -
		    x * x * x * x * x * x * x / 5040 +
		    x * x * x * x * x * x * x * x * x / 362880;
		pcm[i] = (int16_t)(8000 * y);
	}
}

START_TEST(resamp_counts_and_level)
{
	static const uint32_t rates[] = {16000, 24000, 48000, 64000};
	int16_t in[FRAME], out[FRAME * 8 + 16];
	size_t r, k, total, peak;

	for (r = 0; r < ARRAY_SIZE(rates); r++) {
		struct fs_resamp *rs = NULL;

		ck_assert_int_eq(fs_resamp_alloc(&rs, 8000, rates[r]), 0);
		total = 0;
		peak = 0;
		for (k = 0; k < 100; k++) {
			size_t n, i;

			tone(in, FRAME, 8000, k * FRAME);
			n = fs_resamp_run(rs, in, FRAME, out, ARRAY_SIZE(out));
			ck_assert_uint_le(n, FRAME * rates[r] / 8000 + 16);
			total += n;
			for (i = 0; k > 10 && i < n; i++)
				if ((size_t)abs(out[i]) > peak)
					peak = (size_t)abs(out[i]);
		}
		/* 2 s of input: 2 s of output but for the filter's delay */
		ck_assert_msg(total <= 2 * rates[r] &&
				      total + rates[r] / 50 >= 2 * rates[r],
			      "%u Hz: %zu samples", rates[r], total);
		ck_assert_msg(peak > 7000 && peak < 9000, "%u Hz: peak %zu",
			      rates[r], peak);
		mem_deref(rs);
	}
}
END_TEST

START_TEST(resamp_down_and_equal)
{
	int16_t in[320], out[400];
	struct fs_resamp *rs = NULL;
	size_t n;

	ck_assert_int_eq(fs_resamp_alloc(&rs, 8000, 8000), 0);
	tone(in, 160, 8000, 0);
	n = fs_resamp_run(rs, in, 160, out, ARRAY_SIZE(out));
	ck_assert_uint_eq(n, 160);
	ck_assert_int_eq(memcmp(in, out, 320), 0);
	/* out of room: only what fits */
	ck_assert_uint_eq(fs_resamp_run(rs, in, 160, out, 100), 100);
	mem_deref(rs);

	ck_assert_int_eq(fs_resamp_alloc(&rs, 16000, 8000), 0);
	n = 0;
	for (int k = 0; k < 50; k++) {
		tone(in, 320, 16000, (size_t)k * 320);
		n += fs_resamp_run(rs, in, 320, out, ARRAY_SIZE(out));
	}
	ck_assert_msg(n <= 8000 && n >= 7800, "%zu samples", n);
	mem_deref(rs);

	ck_assert_int_eq(fs_resamp_alloc(&rs, 8000, 500), EINVAL);
	ck_assert_int_eq(fs_resamp_alloc(&rs, 0, 8000), EINVAL);
	ck_assert_int_eq(fs_resamp_alloc(NULL, 8000, 16000), EINVAL);
	ck_assert_uint_eq(fs_resamp_run(NULL, in, 1, out, 1), 0);
}
END_TEST

Suite *media_tap_suite(void)
{
	Suite *s = suite_create("media_tap");
	TCase *tc = tcase_create("media_tap");

	tcase_add_checked_fixture(tc, tap_setup, tap_teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, tap_cadence_and_decoding);
	tcase_add_test(tc, tap_bridged_peer);
	tcase_add_test(tc, tap_ring_bound);
	tcase_add_test(tc, tap_removed_in_handler);
	tcase_add_test(tc, inject_seamless_with_mark);
	tcase_add_test(tc, inject_kill_and_drop);
	tcase_add_test(tc, inject_waits_for_playback);
	tcase_add_test(tc, resamp_counts_and_level);
	tcase_add_test(tc, resamp_down_and_equal);
	suite_add_tcase(s, tc);
	return s;
}
