/**
 * @file call_media.c  The plugin side of a call's audio: taps, injected
 *                     audio, the call's fields (include/fs/fs_tap.h)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_tap.h>
#include "audio/audio.h"
#include "call/call.h"
#include "media/media.h"

struct fs_tap {
	struct media_tap *mt;
	struct fs_listener *bind;
	fs_tap_h *h;
	void *arg;
};

static void call_tap_destructor(void *arg)
{
	struct fs_tap *t = arg;

	mem_deref(t->mt);
}

static void call_tap_release(void *arg)
{
	struct fs_tap *t = arg;

	t->bind = NULL;
	mem_deref(t);
}

static void call_tap_frame(const int16_t *own, const int16_t *peer, size_t n,
			   void *arg)
{
	struct fs_tap *t = arg;

	t->h(own, peer, n, t->arg);
}

int fs_call_tap(struct fs_tap **tp, struct fs_call *c, struct fs_scope *scope,
		fs_tap_h *h, void *arg)
{
	struct fs_tap *t;
	int err;

	if (!c || !scope || !h)
		return EINVAL;
	if (c->closing || !c->media || !c->has_media)
		return ENOTCONN;
	t = mem_zalloc(sizeof(*t), call_tap_destructor);
	if (!t)
		return ENOMEM;
	t->h = h;
	t->arg = arg;
	err = fs_scope_bind(scope, call_tap_release, t, &t->bind);
	if (!err)
		err = media_stream_tap(&t->mt, c->media, call_tap_frame, t);
	if (err) {
		fs_listener_cancel(t->bind);
		mem_deref(t);
		return err == ESHUTDOWN && !fs_scope_closed(scope) ? ENOTCONN
								   : err;
	}
	if (tp)
		*tp = t;
	return 0;
}

void fs_tap_close(struct fs_tap *t)
{
	if (!t || !t->bind)
		return;
	fs_listener_cancel(t->bind);
	t->bind = NULL;
	mem_deref(t);
}

struct fs_inject {
	struct fs_call *c;
	struct fs_listener *bind;
};

static void call_inj_release(void *arg)
{
	struct fs_inject *inj = arg;

	inj->bind = NULL;
	media_stream_inject_drop(inj->c->media, inj);
	mem_deref(inj);
}

int fs_call_injector(struct fs_inject **ip, struct fs_call *c,
		     struct fs_scope *scope)
{
	struct fs_inject *inj;
	int err;

	if (!ip || !c || !scope)
		return EINVAL;
	if (c->closing || !c->media || !c->has_media)
		return ENOTCONN;
	inj = mem_zalloc(sizeof(*inj), NULL);
	if (!inj)
		return ENOMEM;
	inj->c = c;
	err = fs_scope_bind(scope, call_inj_release, inj, &inj->bind);
	if (err) {
		mem_deref(inj);
		return err;
	}
	*ip = inj;
	return 0;
}

int fs_inject_pcm(struct fs_inject *inj, const int16_t *pcm, size_t n,
		  uint32_t srate, fs_inject_h *h, void *arg)
{
	struct fs_audio *a = NULL;
	int err;

	if (!inj || !inj->bind || (!pcm && n) || srate < 1000 ||
	    srate > 192000)
		return EINVAL;
	if (inj->c->closing || !inj->c->media)
		return ENOTCONN;
	err = n ? audio_resample(&a, pcm, n, srate)
		: audio_buf_alloc(&a, NULL, 0);
	if (err)
		return err;
	err = media_stream_inject(inj->c->media, a, h, arg, inj);
	mem_deref(a);
	return err;
}

void fs_inject_kill(struct fs_inject *inj)
{
	if (inj && inj->c->media)
		media_stream_inject_kill(inj->c->media, true);
}

uint64_t fs_inject_queued(const struct fs_inject *inj)
{
	return inj ? media_stream_inject_queued(inj->c->media) : 0;
}

void fs_inject_close(struct fs_inject *inj)
{
	if (!inj || !inj->bind)
		return;
	fs_listener_cancel(inj->bind);
	call_inj_release(inj);
}

/* "call_sid" -> "callSid" */
static int call_camel(char *out, size_t sz, const char *k)
{
	size_t i = 0;
	bool up = false;

	for (; *k; k++) {
		if (*k == '_') {
			up = i > 0;
			continue;
		}
		if (i + 1 >= sz)
			return ENOSPC;
		out[i++] = up && *k >= 'a' && *k <= 'z' ? (char)(*k - 32) : *k;
		up = false;
	}
	out[i] = '\0';
	return 0;
}

struct json_object *fs_call_info(const struct fs_call *c)
{
	struct json_object *snake, *o;

	if (!c)
		return NULL;
	snake = call_payload(c);
	o = json_object_new_object();
	if (!snake || !o) {
		json_object_put(snake);
		json_object_put(o);
		return NULL;
	}
	json_object_object_foreach(snake, k, v)
	{
		char key[64];

		if (call_camel(key, sizeof(key), k))
			continue;
		json_object_object_add(o, key, json_object_get(v));
	}
	json_object_put(snake);
	return o;
}
