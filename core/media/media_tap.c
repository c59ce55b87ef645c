/**
 * @file media_tap.c  Taps on received audio and the injected queue
 *
 * Taps. A tapped stream keeps its decoded input in a small ring
 * (media_rx), as does the peer of a tapped stream while bridged. The
 * tick, after sending its frames, hands every tap one 20 ms frame from
 * each ring, padding with silence where no packet came: the tap's
 * cadence is the tick's, not the network's, so a consumer sees a steady
 * 50 frames a second whatever the jitter. The ring holds MEDIA_RX_CAP
 * samples; input beyond it (a burst) pushes out the oldest.
 *
 * Injected audio. Pieces queued with media_stream_inject() play one
 * after the other, sample-exact across their boundaries (a frame may
 * hold the end of one and the start of the next), whenever no
 * media_stream_play() playback holds the stream. Each is a media_play,
 * so its end notification goes through the loop's done list like any
 * playback's.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <rem/rem_g711.h>
#include "media/media_int.h"

static void media_rx_write(struct media_rx *rx, const int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t at = (rx->head + rx->len) % MEDIA_RX_CAP;

		rx->pcm[at] = pcm[i];
		if (rx->len < MEDIA_RX_CAP)
			++rx->len;
		else
			rx->head = (rx->head + 1) % MEDIA_RX_CAP;
	}
}

/*
 * The ring's frame of tick frame into pcm: taken out of the ring by the
 * first reader of the tick, and the same frame for every later one (two
 * taps on a stream, the mixer and a tap, a tap of the bridged peer), so
 * no reader gets part of the audio.
 *
 * @return samples that came in; the rest of pcm is silence
 */
static size_t media_rx_frame(struct media_rx *rx, uint64_t frame, int16_t *pcm)
{
	size_t i, k;

	if (!rx) {
		memset(pcm, 0, MEDIA_FRAME_SAMPLES * sizeof(*pcm));
		return 0;
	}
	if (rx->cur_frame != frame + 1) {
		k = rx->len < MEDIA_FRAME_SAMPLES ? rx->len
						  : MEDIA_FRAME_SAMPLES;
		for (i = 0; i < k; i++) {
			rx->cur[i] = rx->pcm[rx->head];
			rx->head = (rx->head + 1) % MEDIA_RX_CAP;
		}
		rx->len -= (uint32_t)k;
		memset(rx->cur + k, 0,
		       (MEDIA_FRAME_SAMPLES - k) * sizeof(*rx->cur));
		rx->cur_got = (uint32_t)k;
		rx->cur_frame = frame + 1;
	}
	memcpy(pcm, rx->cur, sizeof(rx->cur));
	return rx->cur_got;
}

void media_tap_mix_input(struct media_stream *ms, int16_t *pcm)
{
	media_rx_frame(ms->rx, ms->ml->frame, pcm);
}

void media_tap_input(struct media_stream *ms, const uint8_t *pay, size_t n)
{
	int16_t pcm[MEDIA_FRAME_SAMPLES * 4];
	size_t i;

	if (!ms->ntaps && !ms->mixh && !(ms->relay && ms->relay->ntaps))
		return;
	if (n > ARRAY_SIZE(pcm))
		n = ARRAY_SIZE(pcm);
	if (!ms->rx) {
		ms->rx = mem_zalloc(sizeof(*ms->rx), NULL);
		if (!ms->rx)
			return;
	}
	for (i = 0; i < n; i++)
		pcm[i] = ms->pt == MEDIA_PT_PCMA ? g711_alaw2pcm(pay[i])
						 : g711_ulaw2pcm(pay[i]);
	media_rx_write(ms->rx, pcm, n);
}

void media_tap_frame(struct media_loop *ml)
{
	struct le *le = ml->taps.head;

	while (le) {
		struct media_tap *t = le->data;
		struct media_stream *ms = t->ms;
		int16_t own[MEDIA_FRAME_SAMPLES], peer[MEDIA_FRAME_SAMPLES];
		size_t got;

		/* the handler may remove its own tap */
		le = le->next;
		if (ms->stopped)
			continue;
		got = media_rx_frame(ms->rx, ml->frame, own);
		if (ms->relay) {
			size_t pgot =
				media_rx_frame(ms->relay->rx, ml->frame, peer);

			if (pgot < got)
				got = pgot;
		}
		++ml->tap_frames;
		if (got < MEDIA_FRAME_SAMPLES)
			++ml->tap_gaps;
		t->h(own, ms->relay ? peer : NULL, MEDIA_FRAME_SAMPLES,
		     t->arg);
	}
}

static void media_tap_destructor(void *arg)
{
	struct media_tap *t = arg;

	if (!t->ms)
		return;
	list_unlink(&t->le);
	--t->ms->ntaps;
	t->ms = NULL;
}

int media_stream_tap(struct media_tap **tp, struct media_stream *ms,
		     media_tap_h *h, void *arg)
{
	struct media_tap *t;

	if (!tp || !ms || !h)
		return EINVAL;
	if (ms->stopped)
		return ESHUTDOWN;
	t = mem_zalloc(sizeof(*t), media_tap_destructor);
	if (!t)
		return ENOMEM;
	t->ms = ms;
	t->h = h;
	t->arg = arg;
	++ms->ntaps;
	list_append(&ms->ml->taps, &t->le, t);
	media_tick_ensure(ms->ml);
	*tp = t;
	return 0;
}

void media_tap_stream_gone(struct media_stream *ms)
{
	struct le *le = ms->ml->taps.head;

	while (le) {
		struct media_tap *t = le->data;

		le = le->next;
		if (t->ms != ms)
			continue;
		list_unlink(&t->le);
		t->ms = NULL;
	}
	ms->ntaps = 0;
	ms->rx = mem_deref(ms->rx);
}

/* A piece is over: its handler goes to the loop's done list */
static void media_inq_end(struct media_stream *ms, struct media_play *mp,
			  int err)
{
	list_unlink(&mp->le);
	mp->err = err;
	mp->ended = true;
	mp->audio = mem_deref(mp->audio);
	list_append(&ms->ml->done, &mp->le, mp);
}

size_t media_inq_read(struct media_stream *ms, int16_t *pcm, size_t want)
{
	size_t n = 0;

	while (n < want && ms->inq.head) {
		struct media_play *mp = ms->inq.head->data;

		n += media_play_read(mp, pcm ? pcm + n : NULL, want - n);
		if (mp->ended)
			media_inq_end(ms, mp, 0);
	}
	return n;
}

void media_inq_flush(struct media_stream *ms, int err, bool notify)
{
	while (ms->inq.head) {
		struct media_play *mp = ms->inq.head->data;

		if (!notify) {
			list_unlink(&mp->le);
			mp->ms = NULL;
			mem_deref(mp);
			continue;
		}
		media_inq_end(ms, mp, err);
	}
	media_done_kick(ms->ml);
}

int media_stream_inject(struct media_stream *ms, struct fs_audio *audio,
			media_play_h *h, void *arg, const void *owner)
{
	struct media_play *mp;
	int err;

	err = media_play_alloc(&mp, ms, audio, h, arg);
	if (err)
		return err;
	mp->owner = owner;
	/* an empty piece too waits for its turn: a mark in the queue */
	list_append(&ms->inq, &mp->le, mp);
	return 0;
}

void media_stream_inject_kill(struct media_stream *ms, bool notify)
{
	if (ms)
		media_inq_flush(ms, ECANCELED, notify);
}

void media_stream_inject_drop(struct media_stream *ms, const void *owner)
{
	struct le *le;

	if (!ms || !owner)
		return;
	le = ms->inq.head;
	while (le) {
		struct media_play *mp = le->data;

		le = le->next;
		if (mp->owner != owner)
			continue;
		list_unlink(&mp->le);
		mp->ms = NULL;
		mem_deref(mp);
	}
	for (le = ms->ml->done.head; le; le = le->next) {
		struct media_play *mp = le->data;

		if (mp->owner == owner)
			mp->h = NULL;
	}
}

uint64_t media_stream_inject_queued(const struct media_stream *ms)
{
	uint64_t n = 0;
	struct le *le;

	if (!ms)
		return 0;
	LIST_FOREACH(&ms->inq, le) {
		const struct media_play *mp = le->data;

		if (mp->audio && mp->audio->samples > mp->pos)
			n += mp->audio->samples - mp->pos;
	}
	return n;
}
