/**
 * @file media_play.c  The player: audio into a stream's frames, in loops
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "media/media_int.h"

void media_play_destructor(void *arg)
{
	struct media_play *mp = arg;

	list_unlink(&mp->le);
	mem_deref(mp->audio);
}

int media_play_alloc(struct media_play **mpp, struct media_stream *ms,
		     struct fs_audio *audio, media_play_h *h, void *arg)
{
	struct media_play *mp;

	if (!ms || !audio || (!audio->pcm && audio->samples))
		return EINVAL;
	if (ms->stopped)
		return ESHUTDOWN;
	mp = mem_zalloc(sizeof(*mp), media_play_destructor);
	if (!mp)
		return ENOMEM;
	mp->ms = ms;
	mp->audio = mem_ref(audio);
	mp->loops = 1;
	mp->h = h;
	mp->arg = arg;
	*mpp = mp;
	return 0;
}

/* Queue the handler of a playback that ended; runs from the loop */
void media_play_finish(struct media_stream *ms, int err)
{
	struct media_loop *ml = ms->ml;
	struct media_play *mp = ms->play;

	if (!mp)
		return;

	ms->play = NULL;
	mp->err = err;
	mp->ended = true;
	mp->audio = mem_deref(mp->audio);
	list_append(&ml->done, &mp->le, mp);
	media_done_kick(ml);
}

/*
 * Copy up to want samples of the playback into pcm (NULL: only advance)
 * and flag the end as soon as the last sample is out, so the handler runs
 * in the tick that sent it.
 */
size_t media_play_read(struct media_play *mp, int16_t *pcm, size_t want)
{
	const struct fs_audio *a = mp->audio;
	size_t n = 0;

	while (n < want) {
		uint64_t k;

		if (mp->limit && mp->sent >= mp->limit) {
			mp->ended = true;
			break;
		}

		if (mp->pos >= a->samples) {
			++mp->loops_done;
			if (!a->samples ||
			    (mp->loops && mp->loops_done >= mp->loops)) {
				mp->ended = true;
				break;
			}
			mp->pos = 0;
			continue;
		}

		k = a->samples - mp->pos;
		if (k > want - n)
			k = want - n;
		if (mp->limit && k > mp->limit - mp->sent)
			k = mp->limit - mp->sent;

		if (pcm)
			memcpy(pcm + n, a->pcm + mp->pos, k * sizeof(*pcm));
		n += k;
		mp->pos += k;
		mp->sent += k;
	}

	if (mp->limit && mp->sent >= mp->limit)
		mp->ended = true;
	else if (mp->pos >= a->samples && mp->loops &&
		 mp->loops_done + 1 >= mp->loops)
		mp->ended = true;

	return n;
}

/**
 * Play audio, replacing what plays. The replaced playback's handler gets
 * ECANCELED; like every playback handler it runs from the loop, never
 * from inside this call. The offset applies to the first pass; further
 * loops start at sample 0.
 *
 * @param ms     Stream
 * @param audio  8 kHz mono PCM; takes a reference
 * @param loops  1 = once, 0 = until stopped
 * @param offset First sample
 * @param max_ms 0 = no limit; else stop after this long (err 0)
 * @param h      Called once with the samples sent (may be NULL)
 * @param arg    Handler argument
 *
 * @return 0, EINVAL, ESHUTDOWN (stopped), ENOMEM
 */
int media_stream_play(struct media_stream *ms, struct fs_audio *audio,
		      uint32_t loops, uint64_t offset, uint32_t max_ms,
		      media_play_h *h, void *arg)
{
	struct media_play *mp;
	int err;

	err = media_play_alloc(&mp, ms, audio, h, arg);
	if (err)
		return err;
	mp->pos = offset;
	mp->loops = loops;
	mp->limit = (uint64_t)max_ms * (FS_AUDIO_SRATE / 1000);

	media_play_finish(ms, ECANCELED);
	ms->play = mp;

	/* nothing to play at all: end without waiting for a frame */
	if (!audio->samples || (loops == 1 && offset >= audio->samples))
		media_play_finish(ms, 0);

	return 0;
}

/**
 * Stop playback. With notify the handler gets ECANCELED from the loop;
 * without, it is dropped and never runs (its owner is going away).
 */
void media_stream_play_stop(struct media_stream *ms, bool notify)
{
	if (!ms || !ms->play)
		return;

	if (notify) {
		media_play_finish(ms, ECANCELED);
		return;
	}

	ms->play->ms = NULL;
	ms->play = mem_deref(ms->play);
}

/**
 * Drop the queued end notification of a playback that already ended
 * (stopped, replaced, or the stream stopped) and whose handler has not
 * run yet: its owner is going away. Matches handler and argument.
 */
void media_stream_play_forget(struct media_stream *ms, media_play_h *h,
			      const void *arg)
{
	struct le *le;

	if (!ms || !ms->ml)
		return;
	for (le = ms->ml->done.head; le; le = le->next) {
		struct media_play *mp = le->data;

		if (mp->h == h && mp->arg == arg)
			mp->h = NULL;
	}
}

/** @return true while audio plays */
bool media_stream_playing(const struct media_stream *ms)
{
	return ms && ms->play;
}
