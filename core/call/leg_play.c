/**
 * @file leg_play.c  Playback toward a leg only (fs_leg_play)
 */
#include <errno.h>
#include <re.h>
#include <fs/fs.h>
#include "sip/leg.h"
#include "media/media.h"
#include "call/leg_int.h"

/* A playback toward the leg only */
struct legapi_play {
	struct fs_leg *fl;
	struct fs_listener *bind;
	fs_play_h *h;
	void *arg;
};

static void legapi_play_done(int err, uint64_t samples, void *arg);

static void legapi_play_release(void *arg)
{
	struct legapi_play *p = arg;
	struct media_stream *ms = leg_media(p->fl->leg);

	p->bind = NULL;
	if (p->fl->playing == p) {
		p->fl->playing = NULL;
		media_stream_play_stop(ms, false);
	}
	media_stream_play_forget(ms, legapi_play_done, p);
	mem_deref(p);
}

static void legapi_play_done(int err, uint64_t samples, void *arg)
{
	struct legapi_play *p = arg;
	fs_play_h *h = p->h;
	void *harg = p->arg;

	if (p->fl->playing == p)
		p->fl->playing = NULL;
	if (!p->bind)
		return;
	fs_listener_cancel(p->bind);
	p->bind = NULL;
	mem_deref(p);
	if (h)
		h(err, samples, harg);
}

/* The leg goes: what plays to it ends without a word to its owner */
void legapi_play_stop(struct fs_leg *fl)
{
	struct legapi_play *p = fl->playing;

	if (!p)
		return;
	fl->playing = NULL;
	media_stream_play_stop(leg_media(fl->leg), false);
	media_stream_play_forget(leg_media(fl->leg), legapi_play_done, p);
	fs_listener_cancel(p->bind);
	mem_deref(p);
}

int fs_leg_play(struct fs_leg *fl, struct fs_scope *scope,
		struct fs_audio *audio, fs_play_h *h, void *arg)
{
	struct legapi_play *p;
	int err;

	if (!fl || !scope || !audio)
		return EINVAL;
	if (!leg_answered(fl->leg) || fl->final || !leg_media(fl->leg))
		return ENOTCONN;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	p->fl = fl;
	p->h = h;
	p->arg = arg;
	err = fs_scope_bind(scope, legapi_play_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	legapi_play_stop(fl);
	fl->playing = p;
	err = media_stream_play(leg_media(fl->leg), audio, 1, 0, 0,
				legapi_play_done, p);
	if (err) {
		fl->playing = NULL;
		fs_listener_cancel(p->bind);
		mem_deref(p);
	}
	return err;
}
