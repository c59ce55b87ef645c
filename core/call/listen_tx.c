/**
 * @file listen_tx.c  The call's audio to the server: every 20 ms frame of
 *                    the tap mixed as mixType says, resampled to
 *                    sampleRate and sent as one binary message of
 *                    little-endian L16 (stereo interleaved, caller first)
 *
 * The tap runs inside the media tick, so nothing here may wait: a frame
 * goes to the socket's send queue, and when a slow server lets that
 * queue grow past about a second of audio, frames are dropped and
 * counted instead (the media tick is never late for a listener).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include "call/listen_int.h"

/* the largest rate taken, 64 kHz: 8 times a tap frame, with slack for
 * the resampler's uneven output */
#define LISTEN_OUT_MAX (LISTEN_TAP_SAMPLES * 8 + 32)
/* a frame whose loudest sample stays below this is silence (-40 dBFS) */
#define LISTEN_QUIET_LEVEL 328
/* the send queue's bound, at least (bytes) */
#define LISTEN_TXQ_MIN 65536

static uint32_t listen_channels(const struct fs_listen *l)
{
	return l->mix == LISTEN_STEREO ? 2 : 1;
}

int listen_tx_init(struct fs_listen *l)
{
	uint32_t ch, nch = listen_channels(l);
	int err;

	for (ch = 0; ch < nch; ch++) {
		err = fs_resamp_alloc(&l->rs[ch], 8000, l->rate);
		if (err)
			return err;
	}
	l->out_cap = (size_t)LISTEN_OUT_MAX * nch;
	l->out = mem_alloc(l->out_cap * sizeof(*l->out), NULL);
	if (!l->out)
		return ENOMEM;
	/* about a second of audio at the stream's rate */
	l->txq_max = (size_t)l->rate * 2 * nch;
	if (l->txq_max < LISTEN_TXQ_MIN)
		l->txq_max = LISTEN_TXQ_MIN;
	return 0;
}

void listen_tx_free(struct fs_listen *l)
{
	fs_tap_close(l->tap);
	l->tap = NULL;
	l->rs[0] = mem_deref(l->rs[0]);
	l->rs[1] = mem_deref(l->rs[1]);
	l->out = mem_deref(l->out);
}

static int16_t listen_sat(int32_t v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static void listen_quiet(struct fs_listen *l, const int16_t *a,
			 const int16_t *b, size_t n)
{
	size_t i;

	if (!l->silence_ms)
		return;
	for (i = 0; i < n; i++) {
		if (abs(a[i]) >= LISTEN_QUIET_LEVEL ||
		    (b && abs(b[i]) >= LISTEN_QUIET_LEVEL)) {
			l->quiet_ms = 0;
			return;
		}
	}
	l->quiet_ms += 20;
	if (l->quiet_ms >= l->silence_ms)
		listen_end_soon(l, "timeout");
}

/* Little-endian on the wire whatever the host */
static void listen_put_le(int16_t *out, size_t n)
{
	uint8_t *p = (uint8_t *)out;
	size_t i;

	for (i = 0; i < n; i++) {
		uint16_t v = (uint16_t)out[i];

		p[2 * i] = (uint8_t)v;
		p[2 * i + 1] = (uint8_t)(v >> 8);
	}
}

static void listen_send(struct fs_listen *l, size_t samples)
{
	size_t bytes = samples * sizeof(int16_t);
	int err;

	if (!samples)
		return;
	if (fs_ws_queued(l->ws) > l->txq_max) {
		if (!l->frames_dropped++)
			fs_warn(l->log,
				"%s: %s reads slower than audio comes: "
				"dropping frames",
				fs_call_sid(l->c), l->url_log);
		return;
	}
	listen_put_le(l->out, samples);
	err = fs_ws_send_bin(l->ws, l->out, bytes);
	if (err) {
		if (!l->frames_dropped++)
			fs_warn(l->log, "%s: audio frame not sent: %m",
				fs_call_sid(l->c), err);
		return;
	}
	++l->frames_sent;
}

static void listen_tap(const int16_t *caller, const int16_t *peer, size_t n,
		       void *arg)
{
	struct fs_listen *l = arg;
	int16_t a[LISTEN_TAP_SAMPLES], b[LISTEN_TAP_SAMPLES];
	int16_t ra[LISTEN_OUT_MAX], rb[LISTEN_OUT_MAX];
	size_t i, na, nb;

	if (!l->open || l->ended || !l->ws || l->paused ||
	    n > LISTEN_TAP_SAMPLES)
		return;
	l->in_tick = true;
	listen_quiet(l, caller, peer, n);
	l->in_tick = false;
	switch (l->mix) {
	case LISTEN_MONO:
		memcpy(a, caller, n * sizeof(*a));
		break;
	case LISTEN_MIXED:
		for (i = 0; i < n; i++)
			a[i] = listen_sat((int32_t)caller[i] +
					  (peer ? peer[i] : 0));
		break;
	case LISTEN_STEREO:
		memcpy(a, caller, n * sizeof(*a));
		if (peer)
			memcpy(b, peer, n * sizeof(*b));
		else
			memset(b, 0, n * sizeof(*b));
		break;
	}
	na = fs_resamp_run(l->rs[0], a, n, ra, LISTEN_OUT_MAX);
	if (l->mix != LISTEN_STEREO) {
		memcpy(l->out, ra, na * sizeof(*ra));
		listen_send(l, na);
		return;
	}
	nb = fs_resamp_run(l->rs[1], b, n, rb, LISTEN_OUT_MAX);
	/* both resamplers saw the same counts: they give the same */
	if (nb < na)
		na = nb;
	for (i = 0; i < na; i++) {
		l->out[2 * i] = ra[i];
		l->out[2 * i + 1] = rb[i];
	}
	listen_send(l, 2 * na);
}

int listen_tx_start(struct fs_listen *l)
{
	return fs_call_tap(&l->tap, l->c, l->scope, listen_tap, l);
}
