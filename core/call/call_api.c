/**
 * @file call_api.c  The plugin side of calls (include/fs/fs_call.h)
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "base/log.h"
#include "call/call.h"
#include "media/media.h"
#include "sip/leg.h"
#include "sip/sipsafe.h"
#include "audio/audio.h"
#include "audio/tts.h"

int fs_call_ring(struct fs_call *c)
{
	return call_ring(c);
}

const char *fs_call_sid(const struct fs_call *c)
{
	return c ? c->sid : NULL;
}

struct fs_req *fs_call_req(const struct fs_call *c)
{
	return c && c->env ? c->env->req : NULL;
}

struct fs_scope *fs_call_scope(const struct fs_call *c)
{
	return c ? c->scope : NULL;
}

bool fs_call_answered(const struct fs_call *c)
{
	return c && c->state == CALL_ANSWERED;
}

bool fs_call_alive(const struct fs_call *c)
{
	return c && !c->closing;
}

int fs_call_hangup(struct fs_call *c, const struct json_object *headers)
{
	char *hdrs = NULL;
	int err;

	if (!c)
		return EINVAL;
	if (c->closing)
		return 0;
	err = leg_headers(&hdrs, headers);
	if (err)
		return err;
	c->termination_by = "jambonz";
	if (c->state == CALL_ANSWERED)
		call_terminate(c, 200, "OK", NULL, hdrs);
	else
		call_terminate(c, 603, "Decline", NULL, hdrs);
	mem_deref(hdrs);
	return 0;
}

/* headers (the application's object) names h, in any case */
static bool call_has_header(const struct json_object *headers, const char *h)
{
	if (!json_object_is_type(headers, json_type_object))
		return false;
	json_object_object_foreach((struct json_object *)headers, k, v)
	{
		(void)v;
		if (!strcasecmp(k, h))
			return true;
	}
	return false;
}

size_t fs_log_escape(char *dst, size_t dstsz, const char *src)
{
	return log_escape(dst, dstsz, src);
}

int fs_call_reject(struct fs_call *c, uint16_t status, const char *reason,
		   const struct json_object *headers)
{
	char *hdrs = NULL;
	int err;

	if (!c || status < 300 || status > 699)
		return EINVAL;
	if (c->state == CALL_ANSWERED)
		return EALREADY;
	if (c->closing)
		return 0;
	if (reason && (!sipsafe_value(reason) || strlen(reason) > 128)) {
		char esc[160];

		log_escape(esc, sizeof(esc), reason);
		fs_warn("call",
			"%s: sip:decline reason '%s' refused: control "
			"characters or longer than 128",
			c->sid, esc);
		reason = NULL;
	}
	err = leg_headers(&hdrs, headers);
	if (err)
		return err;
	c->termination_by = "jambonz";
	/* no reason: the standard phrase of the status, as a SIP stack
	 * fills it in for jambonz; X-Reason as jambonz sets it, unless the
	 * application gives its own */
	call_terminate(c, status,
		       reason && *reason ? reason : call_reason_phrase(status),
		       call_has_header(headers, "X-Reason")
			       ? NULL
			       : "SIP Decline Verb",
		       hdrs);
	mem_deref(hdrs);
	return 0;
}

int fs_call_set_tag(struct fs_call *c, struct json_object *data)
{
	if (!c)
		return EINVAL;
	json_object_put(c->tag);
	c->tag = json_object_get(data);
	return 0;
}

static void call_merge(struct json_object **dst, const struct json_object *src)
{
	if (!src || !json_object_is_type(src, json_type_object))
		return;
	if (!*dst)
		*dst = json_object_new_object();
	json_object_object_foreach((struct json_object *)src, k, v)
	{
		json_object_object_add(*dst, k, json_object_get(v));
	}
}

int fs_call_set_defaults(struct fs_call *c, const struct json_object *synth,
			 const struct json_object *recog)
{
	if (!c)
		return EINVAL;
	call_merge(&c->synth, synth);
	call_merge(&c->recog, recog);
	return 0;
}

const char *fs_call_from(const struct fs_call *c)
{
	return c ? c->from_user : NULL;
}

int fs_call_answer(struct fs_call *c)
{
	return call_answer(c);
}

int fs_call_early_media(struct fs_call *c)
{
	return call_progress_media(c);
}

const struct json_object *fs_call_synth(const struct fs_call *c)
{
	return c ? c->synth : NULL;
}

/* playback bound to a scope */
struct call_play {
	struct fs_call *c;
	struct fs_listener *bind;
	fs_play_h *h;
	void *arg;
};

static void call_play_done(int err, uint64_t samples, void *arg);

static void call_play_release(void *arg)
{
	struct call_play *p = arg;

	/* scope closed: stop without calling the owner back. The playback
	 * may have ended already (a far end that hung up stops the media
	 * first) with its handler queued: that one must not run either */
	p->bind = NULL;
	if (p->c->playing == p) {
		p->c->playing = NULL;
		media_stream_play_stop(p->c->media, false);
	}
	media_stream_play_forget(p->c->media, call_play_done, p);
	mem_deref(p);
}

static void call_play_done(int err, uint64_t samples, void *arg)
{
	struct call_play *p = arg;
	fs_play_h *h = p->h;
	void *harg = p->arg;

	if (p->c->playing == p)
		p->c->playing = NULL;
	if (p->bind) {
		fs_listener_cancel(p->bind);
		p->bind = NULL;
		mem_deref(p);
		if (h)
			h(err, samples, harg);
	}
}

int fs_call_play(struct fs_call *c, struct fs_scope *scope,
		 struct fs_audio *audio, const struct fs_play_opts *opts,
		 fs_play_h *h, void *arg)
{
	struct call_play *p;
	int err;

	if (!c || !scope || !audio)
		return EINVAL;
	if (c->closing || !c->has_media)
		return ENOTCONN;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	p->c = c;
	p->h = h;
	p->arg = arg;
	err = fs_scope_bind(scope, call_play_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	c->playing = p;
	err = media_stream_play(c->media, audio, opts ? opts->loops : 1,
				opts ? opts->offset : 0,
				opts ? opts->max_ms : 0, call_play_done, p);
	if (err) {
		c->playing = NULL;
		fs_listener_cancel(p->bind);
		mem_deref(p);
	}
	return err;
}

void fs_call_play_stop(struct fs_call *c)
{
	if (c && c->media)
		media_stream_play_stop(c->media, true);
}

int fs_call_audio(struct fs_call *c, struct fs_scope *scope, const char *url,
		  fs_audio_h *h, void *arg)
{
	if (!c || !scope || !url)
		return EINVAL;
	return audiocache_get(c->env->audio, url, scope, h, arg);
}
