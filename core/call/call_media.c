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

/* one injected piece, bound to its scope */
struct call_inj {
	struct fs_call *c;
	struct fs_listener *bind;
	fs_inject_h *h;
	void *arg;
};

static void call_inj_done(int err, uint64_t samples, void *arg);

static void call_inj_release(void *arg)
{
	struct call_inj *p = arg;

	p->bind = NULL;
	media_stream_inject_drop(p->c->media, call_inj_done, p);
	mem_deref(p);
}

static void call_inj_done(int err, uint64_t samples, void *arg)
{
	struct call_inj *p = arg;
	fs_inject_h *h = p->h;
	void *harg = p->arg;

	(void)samples;
	if (!p->bind)
		return;
	fs_listener_cancel(p->bind);
	p->bind = NULL;
	mem_deref(p);
	if (h)
		h(err, harg);
}

int fs_call_inject(struct fs_call *c, struct fs_scope *scope,
		   const int16_t *pcm, size_t n, uint32_t srate,
		   fs_inject_h *h, void *arg)
{
	struct fs_audio *a = NULL;
	struct call_inj *p;
	int err;

	if (!c || !scope || (!pcm && n) || srate < 1000 || srate > 192000)
		return EINVAL;
	if (c->closing || !c->media || !c->has_media)
		return ENOTCONN;
	err = audio_resample(&a, pcm, n, srate);
	if (err)
		return err;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p) {
		mem_deref(a);
		return ENOMEM;
	}
	p->c = c;
	p->h = h;
	p->arg = arg;
	err = fs_scope_bind(scope, call_inj_release, p, &p->bind);
	if (!err)
		err = media_stream_inject(c->media, a, call_inj_done, p);
	mem_deref(a);
	if (err) {
		fs_listener_cancel(p->bind);
		mem_deref(p);
	}
	return err;
}

void fs_call_inject_kill(struct fs_call *c)
{
	if (c && c->media)
		media_stream_inject_kill(c->media, true);
}

uint64_t fs_call_inject_queued(const struct fs_call *c)
{
	return c ? media_stream_inject_queued(c->media) : 0;
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
