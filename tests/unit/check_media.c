/**
 * @file check_media.c  RTP legs over loopback: pacing, RTP header fields,
 *                      G.711 payloads, player, hold, stop, port range,
 *                      RFC 4733 and SIP INFO DTMF (received, and
 *                      RFC 4733 sent), random ports,
 *                      source checks (sdp, latching, off)
 *
 * A plain UDP socket on 127.0.0.1 plays the peer: it records what the
 * stream sends and sends RFC 4733 packets back to the stream's port.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <rem/rem_g711.h>
#include <json-c/json.h>
#include "fixture.h"
#include "media/media.h"

extern Suite *media_suite(void);

#define RX_MAX   160
#define FRAME    160
#define TELEV_PT 101

struct rx_pkt {
	bool m;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t len;
	uint8_t pay[FRAME];
};

/* The test peer: everything the streams sent to it */
struct rx {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;
	struct rx_pkt p[RX_MAX];
};

/* What one playback handler saw */
struct playrec {
	int calls;
	int err;
	uint64_t samples;
};

/* fs_audio is a libre mem object: the samples follow the header */
struct test_audio {
	struct fs_audio a;
	int16_t pcm[];
};

static struct media_loop *ml;
static struct rx rx;
static uint16_t port_base;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void rx_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	const uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	struct rx_pkt *k;
	(void)src;
	(void)arg;

	if (len < 12)
		return;
	if (rx.n < RX_MAX) {
		k = &rx.p[rx.n];
		k->m = p[1] >> 7;
		k->pt = p[1] & 0x7f;
		k->seq = (uint16_t)(p[2] << 8 | p[3]);
		k->ts = be32(p + 4);
		k->ssrc = be32(p + 8);
		k->len = len - 12;
		memcpy(k->pay, p + 12, k->len < FRAME ? k->len : FRAME);
	}
	++rx.n;
}

static void media_setup(void)
{
	struct sa ip;

	fixture_re_setup();
	port_base = (uint16_t)atoi(fixture_env("FS_TEST_RTP_PORT", "47100"));
	memset(&rx, 0, sizeof(rx));
	ck_assert_int_eq(sa_set_str(&ip, "127.0.0.1", 0), 0);
	ck_assert_int_eq(udp_listen(&rx.us, &ip, rx_recv, NULL), 0);
	ck_assert_int_eq(udp_local_get(rx.us, &rx.addr), 0);
	ck_assert_int_eq(media_loop_alloc(&ml, &ip, port_base,
					  (uint16_t)(port_base + 19)),
			 0);
}

static int64_t metric(struct media_loop *m, const char *key)
{
	struct json_object *o = json_object_new_object();
	struct json_object *v = NULL;
	int64_t r;

	ck_assert_int_eq(media_loop_metrics(m, o), 0);
	ck_assert(json_object_object_get_ex(o, key, &v));
	r = json_object_get_int64(v);
	json_object_put(o);
	return r;
}

static void media_teardown(void)
{
	/* every test frees what it made: nothing lives, nothing sends */
	ck_assert_int_eq(metric(ml, "streams"), 0);
	ck_assert_int_eq(metric(ml, "sending"), 0);
	ck_assert_int_eq(metric(ml, "ports_free"), 10);
	ml = mem_deref(ml);
	rx.us = mem_deref(rx.us);
	fixture_re_teardown();
}

static int16_t ramp(size_t i)
{
	return (int16_t)((int)((i * 977) % 20000) - 10000);
}

static struct fs_audio *audio_new(size_t n)
{
	struct test_audio *t;
	size_t i;

	t = mem_zalloc(sizeof(*t) + n * sizeof(int16_t), NULL);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		t->pcm[i] = ramp(i);
	t->a.pcm = t->pcm;
	t->a.samples = n;
	return &t->a;
}

/* The test holds the last reference: the streams let theirs go */
static void audio_free(struct fs_audio *a)
{
	ck_assert_uint_eq(mem_nrefs(a), 1);
	mem_deref(a);
}

static uint8_t enc(uint8_t pt, int16_t s)
{
	return pt == MEDIA_PT_PCMA ? g711_pcm2alaw(s) : g711_pcm2ulaw(s);
}

static struct media_stream *stream_new(uint8_t pt)
{
	struct media_stream *ms = NULL;

	ck_assert_int_eq(media_stream_alloc(&ms, ml, NULL, NULL), 0);
	ck_assert_int_eq(media_stream_set_peer(ms, &rx.addr, pt, TELEV_PT), 0);
	return ms;
}

static int rx_ge(void *arg)
{
	return rx.n >= *(unsigned *)arg;
}

static void wait_rx(unsigned n)
{
	ck_assert_int_eq(fixture_run_until(rx_ge, &n, 3000), 0);
}

static void play_h(int err, uint64_t samples, void *arg)
{
	struct playrec *r = arg;

	++r->calls;
	r->err = err;
	r->samples = samples;
}

static int play_done(void *arg)
{
	return ((struct playrec *)arg)->calls > 0;
}

/* Frame k of the played audio, starting at sample first, matches */
static void check_frame(const struct rx_pkt *k, uint8_t pt, size_t first,
			size_t nsamples)
{
	size_t i;

	ck_assert_uint_eq(k->len, FRAME);
	for (i = 0; i < FRAME; i++) {
		uint8_t want =
			i < nsamples ? enc(pt, ramp(first + i)) : enc(pt, 0);

		ck_assert_msg(k->pay[i] == want, "byte %zu: %02x != %02x", i,
			      k->pay[i], want);
	}
}

START_TEST(media_rtp_pacing)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);
	unsigned i, n;

	ck_assert_uint_ge(media_stream_port(ms), port_base);
	ck_assert_uint_eq(media_stream_port(ms) % 2, 0);
	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_uint_eq(rx.n, 0); /* nothing from inside start */

	(void)fixture_run_until(NULL, NULL, 500);
	n = rx.n;
	ck_assert_msg(n >= 22 && n <= 28, "%u packets in 500 ms", n);
	ck_assert_int_eq(metric(ml, "sending"), 1);

	for (i = 0; i < n && i < RX_MAX; i++) {
		const struct rx_pkt *k = &rx.p[i];

		ck_assert_uint_eq(k->pt, MEDIA_PT_PCMU);
		ck_assert(k->m == (i == 0));
		ck_assert_uint_eq(k->ssrc, rx.p[0].ssrc);
		ck_assert_uint_eq(k->seq, (uint16_t)(rx.p[0].seq + i));
		ck_assert_uint_eq(k->ts, rx.p[0].ts + i * FRAME);
		check_frame(k, MEDIA_PT_PCMU, 0, 0); /* silence */
	}

	ck_assert_int_ge(metric(ml, "packets_sent"), n);
	mem_deref(ms);
	ck_assert_int_eq(metric(ml, "sending"), 0);
}
END_TEST

START_TEST(media_play_g711)
{
	const uint8_t pts[] = {MEDIA_PT_PCMU, MEDIA_PT_PCMA};
	size_t t, i;

	for (t = 0; t < 2; t++) {
		struct media_stream *ms = stream_new(pts[t]);
		struct fs_audio *a = audio_new(5 * FRAME);
		struct playrec r = {0};

		rx.n = 0;
		/* queued before start: the first packet carries audio */
		ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, play_h, &r),
				 0);
		mem_deref(a); /* the stream holds its own reference */
		ck_assert(media_stream_playing(ms));
		ck_assert_int_eq(media_stream_start(ms), 0);

		ck_assert_int_eq(fixture_run_until(play_done, &r, 3000), 0);
		ck_assert_int_eq(r.calls, 1);
		ck_assert_int_eq(r.err, 0);
		ck_assert_uint_eq(r.samples, 5 * FRAME);
		ck_assert(!media_stream_playing(ms));

		wait_rx(7);
		for (i = 0; i < 5; i++) {
			ck_assert_uint_eq(rx.p[i].pt, pts[t]);
			check_frame(&rx.p[i], pts[t], i * FRAME, FRAME);
		}
		/* silence once the prompt ended */
		check_frame(&rx.p[5], pts[t], 0, 0);
		check_frame(&rx.p[6], pts[t], 0, 0);
		ck_assert(rx.p[0].m);
		ck_assert(!rx.p[5].m);
		mem_deref(ms);
	}
}
END_TEST

/* Play a on a fresh stream and wait for the end */
static void play_wait(struct fs_audio *a, uint32_t loops, uint64_t offset,
		      uint32_t max_ms, struct playrec *r)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);

	rx.n = 0;
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(
		media_stream_play(ms, a, loops, offset, max_ms, play_h, r), 0);
	ck_assert_int_eq(media_stream_start(ms), 0);
	ck_assert_int_eq(fixture_run_until(play_done, r, 5000), 0);
	ck_assert_int_eq(r->calls, 1);
	ck_assert_int_eq(r->err, 0);
	wait_rx(8); /* the last audio frame may still be on its way */
	mem_deref(ms);
}

START_TEST(media_play_loops_offset_max)
{
	struct fs_audio *a = audio_new(500);
	struct playrec r;
	size_t i;

	/* two loops play twice the samples, seamlessly across the seam */
	play_wait(a, 2, 0, 0, &r);
	ck_assert_uint_eq(r.samples, 1000);
	ck_assert_uint_ge(rx.n, 7);
	check_frame(&rx.p[0], MEDIA_PT_PCMU, 0, FRAME);
	for (i = 0; i < 20; i++)
		ck_assert_uint_eq(rx.p[3].pay[i], enc(0, ramp(480 + i)));
	for (i = 20; i < FRAME; i++)
		ck_assert_uint_eq(rx.p[3].pay[i], enc(0, ramp(i - 20)));
	/* 1000 = 6 frames + 40 samples, then silence */
	for (i = 0; i < 40; i++)
		ck_assert_uint_eq(rx.p[6].pay[i], enc(0, ramp(460 + i)));
	for (i = 40; i < FRAME; i++)
		ck_assert_uint_eq(rx.p[6].pay[i], enc(0, 0));

	/* the offset skips samples of the first pass */
	play_wait(a, 1, 300, 0, &r);
	ck_assert_uint_eq(r.samples, 200);
	check_frame(&rx.p[0], MEDIA_PT_PCMU, 300, FRAME);
	check_frame(&rx.p[1], MEDIA_PT_PCMU, 460, 40);

	/* a limit stops endless loops with err 0 */
	play_wait(a, 0, 0, 100, &r);
	ck_assert_uint_eq(r.samples, 800);

	/* a limit that is not a whole frame pads with silence */
	play_wait(a, 0, 0, 30, &r);
	ck_assert_uint_eq(r.samples, 240);
	check_frame(&rx.p[1], MEDIA_PT_PCMU, 160, 80);

	audio_free(a);
}
END_TEST

START_TEST(media_play_replace_cancel)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);
	struct fs_audio *a = audio_new(8000);
	struct fs_audio *empty = audio_new(0);
	struct playrec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0};

	/* not started: cancellations still arrive, from the loop */
	ck_assert_int_eq(media_stream_play(ms, a, 0, 0, 0, play_h, &r1), 0);
	ck_assert_int_eq(media_stream_play(ms, a, 0, 0, 0, play_h, &r2), 0);
	ck_assert_int_eq(r1.calls, 0);
	ck_assert_int_eq(fixture_run_until(play_done, &r1, 2000), 0);
	ck_assert_int_eq(r1.err, ECANCELED);
	ck_assert_uint_eq(r1.samples, 0);
	ck_assert(media_stream_playing(ms));

	/* started: replace, then stop with notification */
	ck_assert_int_eq(media_stream_start(ms), 0);
	wait_rx(5);
	ck_assert_int_eq(r2.calls, 0);
	ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, play_h, &r3), 0);
	ck_assert_int_eq(r2.calls, 0);
	ck_assert_int_eq(fixture_run_until(play_done, &r2, 2000), 0);
	ck_assert_int_eq(r2.err, ECANCELED);
	ck_assert_uint_ge(r2.samples, 5 * FRAME);
	ck_assert_uint_eq(r2.samples % FRAME, 0);

	media_stream_play_stop(ms, true);
	ck_assert(!media_stream_playing(ms));
	ck_assert_int_eq(r3.calls, 0);
	ck_assert_int_eq(fixture_run_until(play_done, &r3, 2000), 0);
	ck_assert_int_eq(r3.err, ECANCELED);

	/* without notification the handler never runs */
	ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, play_h, &r4), 0);
	media_stream_play_stop(ms, false);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_int_eq(r4.calls, 0);

	/* nothing to play ends at once, still not from inside play */
	memset(&r4, 0, sizeof(r4));
	ck_assert_int_eq(media_stream_play(ms, empty, 0, 0, 0, play_h, &r4),
			 0);
	ck_assert_int_eq(r4.calls, 0);
	ck_assert_int_eq(fixture_run_until(play_done, &r4, 2000), 0);
	ck_assert_int_eq(r4.err, 0);
	ck_assert_uint_eq(r4.samples, 0);

	ck_assert_int_eq(media_stream_play(NULL, a, 1, 0, 0, NULL, NULL),
			 EINVAL);
	ck_assert_int_eq(media_stream_play(ms, NULL, 1, 0, 0, NULL, NULL),
			 EINVAL);

	mem_deref(ms);
	audio_free(a);
	audio_free(empty);
}
END_TEST

START_TEST(media_stop_sends_nothing)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMA);
	struct fs_audio *a = audio_new(8000);
	struct playrec r = {0};
	int64_t sent;

	ck_assert_int_eq(media_stream_play(ms, a, 0, 0, 0, play_h, &r), 0);
	ck_assert_int_eq(media_stream_start(ms), 0);
	wait_rx(5);

	media_stream_stop(ms);
	sent = metric(ml, "packets_sent");
	ck_assert_int_eq(metric(ml, "sending"), 0);
	(void)fixture_run_until(NULL, NULL, 100);

	/* every packet sent before the stop arrived, none after it */
	ck_assert_int_eq(metric(ml, "packets_sent"), sent);
	ck_assert_uint_eq(rx.n, (unsigned)sent);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, ECANCELED);

	ck_assert_int_eq(media_stream_start(ms), ESHUTDOWN);
	ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, NULL, NULL),
			 ESHUTDOWN);
	media_stream_set_dir(ms, true, true);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_uint_eq(rx.n, (unsigned)sent);

	mem_deref(ms);
	audio_free(a);
}
END_TEST

START_TEST(media_hold_resume)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);
	struct rx_pkt last;
	unsigned n;
	int64_t sent;

	/* no peer, no start */
	ck_assert_int_eq(media_stream_start(NULL), EINVAL);
	ck_assert_int_eq(media_stream_start(ms), 0);
	wait_rx(5);

	media_stream_set_dir(ms, false, true);
	sent = metric(ml, "packets_sent");
	ck_assert_int_eq(metric(ml, "sending"), 0);
	(void)fixture_run_until(NULL, NULL, 120);
	ck_assert_int_eq(metric(ml, "packets_sent"), sent);
	n = rx.n;
	ck_assert_uint_eq(n, (unsigned)sent);
	last = rx.p[n - 1];

	/* resuming starts a talkspurt; the timestamp covers the pause */
	media_stream_set_dir(ms, true, true);
	wait_rx(n + 2);
	ck_assert(rx.p[n].m);
	ck_assert(!rx.p[n + 1].m);
	ck_assert_uint_eq(rx.p[n].ssrc, last.ssrc);
	ck_assert_uint_eq(rx.p[n].seq, (uint16_t)(last.seq + 1));
	ck_assert_uint_ge(rx.p[n].ts - last.ts, 5 * FRAME);
	ck_assert_uint_eq((rx.p[n].ts - last.ts) % FRAME, 0);
	ck_assert_uint_eq(rx.p[n + 1].ts, rx.p[n].ts + FRAME);

	mem_deref(ms);
}
END_TEST

START_TEST(media_port_range)
{
	struct media_loop *m2 = NULL;
	struct media_stream *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct udp_sock *foreign = NULL;
	uint16_t base = (uint16_t)(port_base + 40);
	struct sa ip;
	uint16_t pa;

	ck_assert_int_eq(sa_set_str(&ip, "127.0.0.1", 0), 0);
	ck_assert_int_eq(media_loop_alloc(&m2, &ip, 10, 10), EINVAL);
	ck_assert_int_eq(media_loop_alloc(&m2, &ip, 11, 12), EINVAL);
	ck_assert_int_eq(media_loop_alloc(&m2, NULL, 10, 20), EINVAL);

	/* odd start rounds up: 3 pairs base..base+5 */
	ck_assert_int_eq(media_loop_alloc(&m2, &ip, (uint16_t)(base - 1),
					  (uint16_t)(base + 5)),
			 0);
	ck_assert_int_eq(metric(m2, "ports_free"), 3);

	/* a port another socket holds is skipped, not fatal */
	sa_set_port(&ip, (uint16_t)(base + 2));
	ck_assert_int_eq(udp_listen(&foreign, &ip, NULL, NULL), 0);

	ck_assert_int_eq(media_stream_alloc(&a, m2, NULL, NULL), 0);
	ck_assert_int_eq(media_stream_alloc(&b, m2, NULL, NULL), 0);
	/* drawn at random, each pair tried once: the two free ones */
	ck_assert(media_stream_port(a) == base ||
		  media_stream_port(a) == base + 4);
	ck_assert_uint_eq(media_stream_port(a) + media_stream_port(b),
			  2 * base + 4);
	ck_assert_int_eq(media_stream_alloc(&c, m2, NULL, NULL), EADDRINUSE);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(metric(m2, "streams"), 2);

	/* a freed pair is reused */
	pa = media_stream_port(a);
	a = mem_deref(a);
	ck_assert_int_eq(media_stream_alloc(&d, m2, NULL, NULL), 0);
	ck_assert_uint_eq(media_stream_port(d), pa);

	/* all of them once the foreign socket is gone */
	foreign = mem_deref(foreign);
	ck_assert_int_eq(media_stream_alloc(&c, m2, NULL, NULL), 0);
	ck_assert_uint_eq(media_stream_port(c), base + 2);
	ck_assert_int_eq(metric(m2, "ports_free"), 0);
	ck_assert_int_eq(media_stream_alloc(&a, m2, NULL, NULL), EADDRINUSE);

	mem_deref(b);
	mem_deref(c);
	mem_deref(d);
	ck_assert_int_eq(metric(m2, "streams"), 0);
	ck_assert_int_eq(metric(m2, "ports_free"), 3);
	mem_deref(m2);
}
END_TEST

/* The ports of a range come in no guessable order */
START_TEST(media_port_random)
{
	struct media_stream *ms[10] = {NULL};
	uint16_t first[10];
	bool sorted = true, same = true;
	unsigned i, round;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < 10; i++) {
			ck_assert_int_eq(
				media_stream_alloc(&ms[i], ml, NULL, NULL), 0);
			if (i && media_stream_port(ms[i]) <
					 media_stream_port(ms[i - 1]))
				sorted = false;
			if (!round)
				first[i] = media_stream_port(ms[i]);
			else if (first[i] != media_stream_port(ms[i]))
				same = false;
		}
		for (i = 0; i < 10; i++)
			ms[i] = mem_deref(ms[i]);
	}
	/* in order by chance: 2 in 10! each time */
	ck_assert_msg(!sorted || !same, "ports handed out in order");
	ck_assert(!same);
	ck_assert_int_eq(metric(ml, "ports_free"), 10);
}
END_TEST

/* Packets of the test peers go out of this socket (NULL: rx.us) */
static struct udp_sock *tx_sock;

/* Send one RTP packet from the test peer to the stream */
static void rtp_to(struct media_stream *ms, uint8_t pt, bool m, uint16_t seq,
		   uint32_t ts, const uint8_t *pay, size_t len, uint8_t cc)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct sa dst;
	uint8_t i;

	ck_assert_ptr_nonnull(mb);
	(void)mbuf_write_u8(mb, (uint8_t)(0x80 | cc));
	(void)mbuf_write_u8(mb, (uint8_t)((m ? 0x80 : 0) | pt));
	(void)mbuf_write_u16(mb, htons(seq));
	(void)mbuf_write_u32(mb, htonl(ts));
	(void)mbuf_write_u32(mb, htonl(0x1234));
	for (i = 0; i < cc; i++)
		(void)mbuf_write_u32(mb, htonl(0x5678));
	(void)mbuf_write_mem(mb, pay, len);
	mb->pos = 0;

	ck_assert_int_eq(sa_set_str(&dst, "127.0.0.1", media_stream_port(ms)),
			 0);
	ck_assert_int_eq(udp_send(tx_sock ? tx_sock : rx.us, &dst, mb), 0);
	mem_deref(mb);
}

/* An RFC 4733 event: start, update, three end packets, one timestamp */
static void telev_to(struct media_stream *ms, uint8_t event, uint16_t *seq,
		     uint32_t ts, uint8_t cc)
{
	uint8_t pay[4] = {event, 10, 0, 160};
	int i;

	rtp_to(ms, TELEV_PT, true, (*seq)++, ts, pay, 4, cc);
	pay[3] = 0;
	pay[2] = 1; /* 256 */
	rtp_to(ms, TELEV_PT, false, (*seq)++, ts, pay, 4, cc);
	pay[1] |= 0x80;
	pay[2] = 3;
	for (i = 0; i < 3; i++)
		rtp_to(ms, TELEV_PT, false, (*seq)++, ts, pay, 4, cc);
}

struct digits {
	char s[16];
	size_t n;
	struct media_stream **free_me;
};

static void dtmf_h(char digit, void *arg)
{
	struct digits *d = arg;

	if (d->n + 1 < sizeof(d->s))
		d->s[d->n++] = digit;
	d->s[d->n] = '\0';
	if (d->free_me)
		*d->free_me = mem_deref(*d->free_me);
}

static int digits_ge(void *arg)
{
	struct digits *d = arg;

	return d->n >= 3;
}

START_TEST(media_dtmf_rfc4733)
{
	struct media_stream *ms = NULL;
	struct digits d = {{0}, 0, NULL};
	const uint8_t junk[4] = {5, 0x80, 0, 0};
	uint8_t audio[FRAME];
	uint16_t seq = 100;

	memset(audio, 0xff, sizeof(audio));
	ck_assert_int_eq(media_stream_alloc(&ms, ml, dtmf_h, &d), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);

	telev_to(ms, 5, &seq, 8000, 0);
	rtp_to(ms, 99, false, seq++, 8160, junk, 4, 0); /* unknown PT */
	rtp_to(ms, MEDIA_PT_PCMA, false, seq++, 8160, audio, FRAME, 0);
	rtp_to(ms, MEDIA_PT_PCMU, false, seq++, 8320, audio, FRAME, 0);
	telev_to(ms, 1, &seq, 16000, 0);
	telev_to(ms, 11, &seq, 24000, 2); /* CSRCs before the payload */
	rtp_to(ms, TELEV_PT, false, seq++, 24000, junk, 2, 0); /* short */

	ck_assert_int_eq(fixture_run_until(digits_ge, &d, 2000), 0);
	(void)fixture_run_until(NULL, NULL, 50);
	ck_assert_str_eq(d.s, "51#");
	ck_assert_int_eq(metric(ml, "dtmf"), 3);
	ck_assert_int_eq(metric(ml, "packets_recv"), 3 * 5 + 1 + 1);

	/* not receiving: ignored */
	media_stream_set_dir(ms, true, false);
	telev_to(ms, 9, &seq, 32000, 0);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_str_eq(d.s, "51#");

	/* the handler may free its stream; later packets go nowhere */
	media_stream_set_dir(ms, true, true);
	d.free_me = &ms;
	telev_to(ms, 12, &seq, 40000, 0);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_ptr_null(ms);
	ck_assert_str_eq(d.s, "51#A");
}
END_TEST

/* What a DTMF send handler saw */
struct dtxrec {
	int calls;
	int err;
};

static void dtx_h(int err, void *arg)
{
	struct dtxrec *r = arg;

	++r->calls;
	r->err = err;
}

static int dtx_done(void *arg)
{
	return ((struct dtxrec *)arg)->calls > 0;
}

/* Digits sent as RFC 4733 events in place of audio, on the stream's own
 * sequence and clock; the handler runs once after the last end packet */
START_TEST(media_dtmf_send)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);
	struct dtxrec r = {0, -1};
	unsigned i, first = RX_MAX, nev = 0, nend = 0;

	ck_assert_int_eq(media_stream_start(ms), 0);
	wait_rx(3);
	ck_assert_int_eq(media_stream_dtmf(ms, "9", 60, dtx_h, &r), 0);
	/* one at a time; bad digits and durations refused */
	ck_assert_int_eq(media_stream_dtmf(ms, "1", 60, dtx_h, &r), EBUSY);
	ck_assert_int_eq(fixture_run_until(dtx_done, &r, 2000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.calls, 1);
	wait_rx(rx.n + 2); /* audio again after the events */
	for (i = 1; i < rx.n && i < RX_MAX; i++) {
		const struct rx_pkt *k = &rx.p[i];

		ck_assert_uint_eq(k->seq, (uint16_t)(rx.p[0].seq + i));
		ck_assert_uint_eq(k->ssrc, rx.p[0].ssrc);
		if (k->pt != TELEV_PT) {
			/* audio keeps the clock across the events */
			ck_assert_uint_eq(k->ts, rx.p[0].ts + i * FRAME);
			continue;
		}
		if (first == RX_MAX)
			first = i;
		++nev;
		ck_assert_uint_eq(k->len, 4);
		ck_assert_uint_eq(k->pay[0], 9);
		ck_assert(k->m == (i == first));
		ck_assert_uint_eq(k->ts, rx.p[first].ts);
		ck_assert_uint_eq(k->ts, rx.p[0].ts + first * FRAME);
		if (k->pay[1] & 0x80) {
			++nend;
			ck_assert_uint_eq(k->pay[2] << 8 | k->pay[3], 480);
		}
	}
	/* 60 ms: 160, 320, 480 (end), two more ends */
	ck_assert_uint_eq(nev, 5);
	ck_assert_uint_eq(nend, 3);

	ck_assert_int_eq(media_stream_dtmf(ms, "1x", 60, dtx_h, &r), EINVAL);
	ck_assert_int_eq(media_stream_dtmf(ms, "1", 9000, dtx_h, &r), EINVAL);
	/* stopped before the end: the handler never runs */
	r.calls = 0;
	ck_assert_int_eq(media_stream_dtmf(ms, "123", 100, dtx_h, &r), 0);
	(void)fixture_run_until(NULL, NULL, 60);
	media_stream_dtmf_stop(ms);
	(void)fixture_run_until(NULL, NULL, 600);
	ck_assert_int_eq(r.calls, 0);
	/* freed while sending: nothing left behind */
	ck_assert_int_eq(media_stream_dtmf(ms, "4", 100, dtx_h, &r), 0);
	mem_deref(ms);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(media_dtmf_send_needs_telev)
{
	struct media_stream *ms = NULL;
	struct dtxrec r = {0, -1};

	ck_assert_int_eq(media_stream_alloc(&ms, ml, NULL, NULL), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, -1), 0);
	ck_assert(!media_stream_telev(ms));
	ck_assert_int_eq(media_stream_dtmf(ms, "1", 100, dtx_h, &r), ENOTSUP);
	mem_deref(ms);
}
END_TEST

/* A socket playing another party: counts what reaches it */
struct party {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;
};

static void party_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct party *p = arg;
	(void)src;
	(void)mb;

	++p->n;
}

static void party_open_on(struct party *p, const char *addr)
{
	struct sa ip;

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(sa_set_str(&ip, addr, 0), 0);
	ck_assert_int_eq(udp_listen(&p->us, &ip, party_recv, p), 0);
	ck_assert_int_eq(udp_local_get(p->us, &p->addr), 0);
}

static void party_open(struct party *p)
{
	party_open_on(p, "127.0.0.1");
}

/* One digit from us (NULL: the test peer rx), then a short wait */
static void digit_from(struct udp_sock *us, struct media_stream *ms,
		       uint8_t event, uint16_t *seq, uint32_t ts)
{
	tx_sock = us;
	telev_to(ms, event, seq, ts, 0);
	tx_sock = NULL;
	(void)fixture_run_until(NULL, NULL, 40);
}

static void rtcp_from(struct udp_sock *us, struct media_stream *ms)
{
	static const uint8_t rr[8] = {0x80, 201, 0, 1, 0, 0, 0x12, 0x34};
	struct mbuf *mb = mbuf_alloc(sizeof(rr));
	struct sa dst;

	ck_assert_ptr_nonnull(mb);
	(void)mbuf_write_mem(mb, rr, sizeof(rr));
	mb->pos = 0;
	ck_assert_int_eq(sa_set_str(&dst, "127.0.0.1",
				    (uint16_t)(media_stream_port(ms) + 1)),
			 0);
	ck_assert_int_eq(udp_send(us ? us : rx.us, &dst, mb), 0);
	mem_deref(mb);
	(void)fixture_run_until(NULL, NULL, 30);
}

/* sdp: only the SDP address counts; a re-INVITE moves it */
START_TEST(media_source_sdp)
{
	struct media_stream *ms = NULL;
	struct digits d = {{0}, 0, NULL};
	struct party evil;
	uint16_t seq = 1;
	int64_t drop;

	media_loop_set_source(ml, MEDIA_SRC_SDP);
	party_open(&evil);
	ck_assert_int_eq(media_stream_alloc(&ms, ml, dtmf_h, &d), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	ck_assert_int_eq(media_stream_start(ms), 0);

	digit_from(NULL, ms, 1, &seq, 1000);
	digit_from(evil.us, ms, 9, &seq, 2000);
	digit_from(NULL, ms, 2, &seq, 3000);
	ck_assert_str_eq(d.s, "12");
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), 5);
	ck_assert_int_eq(metric(ml, "packets_recv"), 10);

	/* the same address again (a re-INVITE for hold) changes nothing */
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	digit_from(evil.us, ms, 8, &seq, 4000);
	ck_assert_str_eq(d.s, "12");

	/* a re-INVITE to evil's address: now the old peer is foreign */
	ck_assert_int_eq(
		media_stream_set_peer(ms, &evil.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	drop = metric(ml, "packets_dropped_source");
	digit_from(NULL, ms, 3, &seq, 5000);
	digit_from(evil.us, ms, 7, &seq, 6000);
	ck_assert_str_eq(d.s, "127");
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), drop + 5);
	ck_assert_int_eq(metric(ml, "sources_latched"), 2);

	/* RTCP: from the SDP address port + 1 only */
	rtcp_from(evil.us, ms);
	ck_assert_int_eq(metric(ml, "rtcp_recv"), 0);
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), drop + 6);

	mem_deref(ms);
	mem_deref(evil.us);
}
END_TEST

/*
 * latch: the first source after start is the peer; one on another host
 * than the SDP's (a NAT) is sent to as well
 */
START_TEST(media_source_latch)
{
	struct media_stream *ms = NULL;
	struct digits d = {{0}, 0, NULL};
	struct party nat, evil, sdp, port;
	uint16_t seq = 1;
	unsigned n;

	party_open_on(&nat, "127.0.0.2");
	party_open(&port);
	party_open(&evil);
	party_open(&sdp);
	ck_assert_int_eq(media_stream_alloc(&ms, ml, dtmf_h, &d), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &sdp.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);

	/* not started (no answer sent): nothing but the SDP address */
	digit_from(evil.us, ms, 9, &seq, 1000);
	ck_assert_str_eq(d.s, "");
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), 5);

	ck_assert_int_eq(media_stream_start(ms), 0);
	digit_from(nat.us, ms, 1, &seq, 2000);
	digit_from(evil.us, ms, 8, &seq, 3000);
	digit_from(nat.us, ms, 2, &seq, 4000);
	ck_assert_str_eq(d.s, "12");
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), 10);
	ck_assert_int_eq(metric(ml, "sources_latched"), 1);

	/* symmetric RTP: what we send goes to the latched source */
	n = nat.n;
	(void)fixture_run_until(NULL, NULL, 100);
	ck_assert_uint_ge(nat.n, n + 3);
	ck_assert_uint_eq(evil.n, 0);

	/* the SDP address takes the latch back */
	digit_from(sdp.us, ms, 3, &seq, 5000);
	digit_from(nat.us, ms, 7, &seq, 6000);
	ck_assert_str_eq(d.s, "123");
	n = sdp.n;
	(void)fixture_run_until(NULL, NULL, 100);
	ck_assert_uint_ge(sdp.n, n + 3);

	/* a re-INVITE to a new address re-arms: the next source latches */
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	digit_from(nat.us, ms, 4, &seq, 7000);
	digit_from(sdp.us, ms, 6, &seq, 8000);
	ck_assert_str_eq(d.s, "1234");
	ck_assert_int_eq(metric(ml, "sources_latched"), 3);

	/* RTCP latches on its own */
	rtcp_from(nat.us, ms);
	rtcp_from(evil.us, ms);
	ck_assert_int_eq(metric(ml, "rtcp_recv"), 1);

	/* the SDP's host sending from another port (asymmetric ports) is
	 * latched, but media keeps going to its SDP port */
	ck_assert_int_eq(
		media_stream_set_peer(ms, &sdp.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	digit_from(port.us, ms, 5, &seq, 9000);
	digit_from(evil.us, ms, 0, &seq, 10000);
	ck_assert_str_eq(d.s, "12345");
	n = sdp.n;
	(void)fixture_run_until(NULL, NULL, 100);
	ck_assert_uint_ge(sdp.n, n + 3);
	ck_assert_uint_eq(port.n, 0);
	ck_assert_uint_eq(evil.n, 0);

	mem_deref(port.us);
	mem_deref(ms);
	mem_deref(nat.us);
	mem_deref(evil.us);
	mem_deref(sdp.us);
}
END_TEST

/* off: anyone, as before */
START_TEST(media_source_off)
{
	struct media_stream *ms = NULL;
	struct digits d = {{0}, 0, NULL};
	struct party evil;
	uint16_t seq = 1;

	media_loop_set_source(ml, MEDIA_SRC_ANY);
	party_open(&evil);
	ck_assert_int_eq(media_stream_alloc(&ms, ml, dtmf_h, &d), 0);
	ck_assert_int_eq(
		media_stream_set_peer(ms, &rx.addr, MEDIA_PT_PCMU, TELEV_PT),
		0);
	digit_from(evil.us, ms, 5, &seq, 1000);
	digit_from(NULL, ms, 6, &seq, 2000);
	ck_assert_str_eq(d.s, "56");
	ck_assert_int_eq(metric(ml, "packets_dropped_source"), 0);

	mem_deref(ms);
	mem_deref(evil.us);
}
END_TEST

START_TEST(media_source_parse_names)
{
	enum media_source m = MEDIA_SRC_ANY;

	ck_assert_int_eq(media_source_parse("latch", &m), 0);
	ck_assert_int_eq(m, MEDIA_SRC_LATCH);
	ck_assert_int_eq(media_source_parse("SDP", &m), 0);
	ck_assert_int_eq(m, MEDIA_SRC_SDP);
	ck_assert_int_eq(media_source_parse("off", &m), 0);
	ck_assert_int_eq(m, MEDIA_SRC_ANY);
	ck_assert_int_eq(media_source_parse("any", &m), EINVAL);
	ck_assert_int_eq(media_source_parse(NULL, &m), EINVAL);
}
END_TEST

START_TEST(media_dtmf_info)
{
	static const struct {
		const char *ctype;
		const char *body;
		char digit;
	} v[] = {
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n",
		 '5'},
		{"application/dtmf-relay", "Signal= 5\r\nDuration= 160", '5'},
		{"application/dtmf-relay", "signal = *\r\n", '*'},
		{"application/dtmf-relay", "Signal=#", '#'},
		{"application/dtmf-relay", "Signal=b\r\n", 'B'},
		{"application/dtmf-relay", "Signal=D", 'D'},
		{"application/dtmf-relay", "Signal=11\r\nDuration=100", '#'},
		{"application/dtmf-relay", "Signal=1\r\nDuration=100", '1'},
		{"application/dtmf-relay", "Duration=160\r\nSignal=0\r\n",
		 '0'},
		{"application/dtmf-relay", "Signal=E\r\n", 0},
		{"application/dtmf-relay", "Signal=55\r\n", 0},
		{"application/dtmf-relay", "Signal=\r\n", 0},
		{"application/dtmf-relay", "Duration=160\r\n", 0},
		{"application/dtmf-relay", "5", 0},
		{"application/dtmf", "5", '5'},
		{"application/dtmf", " 9\r\n", '9'},
		{"application/dtmf", "c", 'C'},
		{"application/dtmf", "x", 0},
		{"application/dtmf", "", 0},
		{NULL, "Signal=7", '7'},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char got = media_dtmf_info_parse(v[i].ctype, v[i].body,
						 strlen(v[i].body));

		ck_assert_msg(got == v[i].digit, "case %zu: '%c' != '%c'", i,
			      got ? got : '0', v[i].digit ? v[i].digit : '0');
	}

	/* the length bounds the body, which need not end in NUL */
	ck_assert_int_eq(media_dtmf_info_parse("application/dtmf", "5", 0), 0);
	ck_assert_int_eq(media_dtmf_info_parse("application/dtmf-relay",
					       "Signal=3XYZ", 8),
			 '3');
	ck_assert_int_eq(media_dtmf_info_parse(NULL, NULL, 3), 0);
}
END_TEST

/* Handler that blocks the loop, as a slow handler in production might */
static unsigned stall_ms;

static void stall_h(int err, uint64_t samples, void *arg)
{
	play_h(err, samples, arg);
	usleep(stall_ms * 1000);
}

START_TEST(media_late_tick_catch_up)
{
	struct media_stream *ms = stream_new(MEDIA_PT_PCMU);
	struct fs_audio *a = audio_new(FRAME);
	struct playrec r = {0};
	uint64_t t0, t1;
	int64_t sent, want;
	unsigned i, jumps = 0;

	/* 100 ms late: the missed frames go out back to back */
	stall_ms = 100;
	ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, stall_h, &r), 0);
	t0 = tmr_jiffies();
	ck_assert_int_eq(media_stream_start(ms), 0);
	(void)fixture_run_until(NULL, NULL, 400);
	t1 = tmr_jiffies();
	ck_assert_int_eq(r.calls, 1);

	ck_assert_int_ge(metric(ml, "late_ticks"), 1);
	ck_assert_int_ge(metric(ml, "max_late_ms"), 60);

	sent = metric(ml, "packets_sent");
	want = (int64_t)(t1 - t0) / 20;
	ck_assert_msg(sent >= want - 3 && sent <= want + 2,
		      "%lld sent in %llu ms", (long long)sent,
		      (unsigned long long)(t1 - t0));
	ck_assert_int_le(metric(ml, "skipped_frames"), 2);

	/* 300 ms late: only a few are caught up, the timestamp jumps */
	stall_ms = 300;
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(media_stream_play(ms, a, 1, 0, 0, stall_h, &r), 0);
	(void)fixture_run_until(NULL, NULL, 500);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_ge(metric(ml, "skipped_frames"), 5);
	ck_assert_int_ge(metric(ml, "max_late_ms"), 250);

	for (i = 1; i < rx.n && i < RX_MAX; i++) {
		ck_assert_uint_eq(rx.p[i].seq,
				  (uint16_t)(rx.p[i - 1].seq + 1));
		ck_assert_uint_eq((rx.p[i].ts - rx.p[i - 1].ts) % FRAME, 0);
		if (rx.p[i].ts - rx.p[i - 1].ts > FRAME)
			++jumps;
	}
	ck_assert_uint_ge(jumps, 1);

	mem_deref(ms);
	audio_free(a);
}
END_TEST

/* Handler that ends its call: frees both legs */
struct legs {
	struct media_stream *a;
	struct media_stream *b;
	int calls;
};

static void free_legs_h(int err, uint64_t samples, void *arg)
{
	struct legs *l = arg;
	(void)err;
	(void)samples;

	++l->calls;
	l->a = mem_deref(l->a);
	l->b = mem_deref(l->b);
}

static int legs_gone(void *arg)
{
	struct legs *l = arg;

	return !l->a && !l->b;
}

START_TEST(media_free_in_handler)
{
	struct fs_audio *a = audio_new(2 * FRAME);
	struct legs l = {NULL, NULL, 0};
	struct media_stream *c = stream_new(MEDIA_PT_PCMU);

	l.a = stream_new(MEDIA_PT_PCMU);
	l.b = stream_new(MEDIA_PT_PCMU);

	/* both end in the same tick; the first handler frees both */
	ck_assert_int_eq(media_stream_play(l.a, a, 1, 0, 0, free_legs_h, &l),
			 0);
	ck_assert_int_eq(media_stream_play(l.b, a, 1, 0, 0, free_legs_h, &l),
			 0);
	ck_assert_int_eq(media_stream_start(c), 0);
	ck_assert_int_eq(media_stream_start(l.a), 0);
	ck_assert_int_eq(media_stream_start(l.b), 0);
	ck_assert_int_eq(fixture_run_until(legs_gone, &l, 2000), 0);
	ck_assert_int_eq(l.calls, 1);

	/* the third stream kept going */
	ck_assert_int_eq(metric(ml, "streams"), 1);
	ck_assert_int_eq(metric(ml, "sending"), 1);
	rx.n = 0;
	wait_rx(3);

	mem_deref(c);
	audio_free(a);
	(void)fixture_run_until(NULL, NULL, 40);
}
END_TEST

Suite *media_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc = tcase_create("media");

	tcase_add_checked_fixture(tc, media_setup, media_teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, media_rtp_pacing);
	tcase_add_test(tc, media_play_g711);
	tcase_add_test(tc, media_play_loops_offset_max);
	tcase_add_test(tc, media_play_replace_cancel);
	tcase_add_test(tc, media_stop_sends_nothing);
	tcase_add_test(tc, media_hold_resume);
	tcase_add_test(tc, media_port_range);
	tcase_add_test(tc, media_port_random);
	tcase_add_test(tc, media_source_sdp);
	tcase_add_test(tc, media_source_latch);
	tcase_add_test(tc, media_source_off);
	tcase_add_test(tc, media_source_parse_names);
	tcase_add_test(tc, media_dtmf_rfc4733);
	tcase_add_test(tc, media_dtmf_info);
	tcase_add_test(tc, media_dtmf_send);
	tcase_add_test(tc, media_dtmf_send_needs_telev);
	tcase_add_test(tc, media_late_tick_catch_up);
	tcase_add_test(tc, media_free_in_handler);
	suite_add_tcase(s, tc);

	return s;
}
