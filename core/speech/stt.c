/**
 * @file stt.c  One recognition: the vendor's stream, the caller's audio
 *              on it, the results and the end
 *
 * The recognition holds one reference for its owner, bound to the
 * owner's scope; it is dropped by fs_stt_close(), the owner's scope
 * closing, or the end once the handler returned. Everything it opens
 * (the socket, the tap, timers) lives in its own child scope, so
 * closing that stops all of it at once.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include <fs/fs_req.h>
#include <fs/fs_resamp.h>
#include <fs/fs_scope.h>
#include <fs/fs_stt.h>
#include "base/jsonutil.h"
#include "base/log.h"
#include "http/req.h"
#include "speech/stt.h"
#include "speech/sttv.h"

static void stt_destructor(void *arg)
{
	struct fs_stt *s = arg;

	if (s->scope)
		fs_scope_close(s->scope);
	mem_deref(s->scope);
	req_ws_close(s->ws);
	mem_deref(s->ws);
	mem_deref(s->rs);
	mem_deref(s->pre);
	mem_deref(s->chunk);
	mem_deref(s->wait8k);
	mem_deref(s->vst);
	mem_deref(s->vendor);
	mem_deref(s->lang);
	mem_deref(s->url);
	mem_deref(s->hdrs);
	json_object_put(s->recog);
	json_object_put(s->cred);
}

/* Give up the owner's reference, once */
static void stt_drop(struct fs_stt *s)
{
	if (s->dropped)
		return;
	s->dropped = true;
	s->ended = true;
	if (s->frames_dropped)
		fs_warn("stt",
			"%s: %s: %llu of %llu frames dropped (the vendor "
			"read slower than real time)",
			s->sid, s->vlog, (unsigned long long)s->frames_dropped,
			(unsigned long long)(s->frames + s->frames_dropped));
	fs_listener_cancel(s->bind);
	s->bind = NULL;
	fs_scope_close(s->scope);
	mem_deref(s);
}

static void stt_release(void *arg)
{
	struct fs_stt *s = arg;

	s->bind = NULL;
	stt_drop(s);
}

/* our scope closed: the socket goes with it (1000), silently */
static void stt_ws_release(void *arg)
{
	struct fs_stt *s = arg;

	req_ws_close(s->ws);
	s->ws = mem_deref(s->ws);
}

static void stt_end(struct fs_stt *s, int err, const struct json_object *evt)
{
	if (s->ended)
		return;
	s->ended = true;
	fs_scope_close(s->scope);
	mem_ref(s);
	if (!s->dropped && s->h)
		s->h(err, evt, s->arg);
	stt_drop(s);
	mem_deref(s);
}

void stt_fail(struct fs_stt *s, int err, const char *why)
{
	struct json_object *evt;
	char esc[256];

	if (s->ended)
		return;
	log_escape(esc, sizeof(esc), why ? why : "");
	fs_info("stt", "%s: %s recognition failed (%m): %s", s->sid, s->vlog,
		err, esc);
	evt = json_object_new_object();
	if (evt)
		json_object_object_add(
			evt, "error",
			json_object_new_string(why && *why ? why : "failed"));
	stt_end(s, err, evt);
	json_object_put(evt);
}

void stt_done(struct fs_stt *s)
{
	stt_end(s, 0, NULL);
}

void stt_result(struct fs_stt *s, struct json_object *evt)
{
	if (!evt)
		return;
	if (!s->ended && s->h) {
		mem_ref(s);
		s->h(0, evt, s->arg);
		mem_deref(s);
	}
	json_object_put(evt);
}

static int stt_send(struct fs_stt *s, const int16_t *pcm, size_t n)
{
	if (s->v->audio)
		return s->v->audio(s, pcm, n);
	return req_ws_send_bin(s->ws, pcm, n * sizeof(*pcm));
}

static void stt_opened(void *arg)
{
	struct fs_stt *s = arg;
	int err = 0;

	s->open = true;
	fs_debug("stt", "%s: %s stream open", s->sid, s->vlog);
	if (s->v->opened)
		err = s->v->opened(s);
	if (err)
		stt_fail(s, err, "could not start the stream");
	else if (!s->v->wait_ready)
		stt_ready(s);
}

void stt_ready(struct fs_stt *s)
{
	int err = 0;

	if (s->ended || s->ready)
		return;
	s->ready = true;
	if (s->pre && s->pre->end && !s->v->chunk_ms) {
		err = stt_send(s, (const int16_t *)(void *)s->pre->buf,
			       s->pre->end / sizeof(int16_t));
	} else if (s->pre && s->v->chunk_ms) {
		/* in chunk_ms pieces, the rest left for the next frames */
		size_t piece = (size_t)s->rate * 2 * s->v->chunk_ms / 1000;
		size_t off = 0;

		for (; !err && s->pre->end - off >= piece; off += piece)
			err = stt_send(
				s,
				(const int16_t *)(void *)(s->pre->buf + off),
				piece / 2);
		if (!err)
			err = mbuf_write_mem(s->chunk, s->pre->buf + off,
					     s->pre->end - off);
	}
	s->pre = mem_deref(s->pre);
	if (err)
		stt_fail(s, err, "could not send the audio");
}

static void stt_text(const char *text, size_t len, void *arg)
{
	struct fs_stt *s = arg;

	if (!s->ended)
		s->v->text(s, text, len);
}

static void stt_bin(const uint8_t *data, size_t len, void *arg)
{
	struct fs_stt *s = arg;

	if (!s->ended && s->v->bin)
		s->v->bin(s, data, len);
}

static void stt_closed(int err, void *arg)
{
	struct fs_stt *s = arg;

	if (!err && s->finishing) {
		stt_done(s);
		return;
	}
	if (!err) {
		stt_fail(s, EPIPE, "the vendor closed the stream");
		return;
	}
	if (!s->open) {
		stt_fail(s, err,
			 err == EPROTO      ? "the vendor refused the stream "
					      "(credential, quota or parameters)"
			 : err == ETIMEDOUT ? "no answer from the vendor"
					    : "could not reach the vendor");
		return;
	}
	stt_fail(s, err, "the stream broke");
}

static int stt_open(struct fs_stt *s);

static void stt_vad_open(int err, const char *ev, void *data, void *arg)
{
	struct fs_stt *s = arg;

	(void)err;
	(void)ev;
	(void)data;
	if (s->ended)
		return;
	err = stt_open(s);
	if (err)
		stt_fail(s, err, "could not open the stream");
}

/* Waiting for the caller's voice: the last voiceMs + speechPadMs of
 * audio kept (sent once the stream is ready), the stream opened from
 * the loop once the detector says speech */
static void stt_vad_feed(struct fs_stt *s, const int16_t *pcm, size_t n,
			 const int16_t *out, size_t k)
{
	uint32_t keep_ms = s->vad.voice_ms + s->vad.pad_ms + 20;
	size_t keep;

	if (keep_ms > STT_PREOPEN_MS - 500)
		keep_ms = STT_PREOPEN_MS - 500;
	keep = (size_t)s->rate * 2 * keep_ms / 1000;
	(void)mbuf_write_mem(s->pre, (const uint8_t *)out, k * 2);
	if (s->pre->end > keep) {
		size_t drop = s->pre->end - keep;

		memmove(s->pre->buf, s->pre->buf + drop, keep);
		s->pre->end = s->pre->pos = keep;
	}
	if (!stt_vad_frame(&s->vad, pcm, n, (uint32_t)(n * 1000 / 8000)))
		return;
	s->vad_wait = false;
	fs_info("stt", "%s: %s: voice detected, the stream opens", s->sid,
		s->vlog);
	/* not from the media tick: a timer of the loop */
	if (fs_scope_listen(s->scope, NULL, 1, stt_vad_open, s, NULL))
		fs_warn("stt", "%s: %s: cannot open the stream", s->sid,
			s->vlog);
}

void stt_feed(struct fs_stt *s, const int16_t *pcm, size_t n)
{
	int16_t out[1024];
	size_t k;

	if (!s || s->ended || s->paused || s->finishing || !n || n > 320)
		return;
	if (s->cred_wait || !s->rs) {
		if (s->wait8k && s->wait8k->end + n * 2 <= s->wait8k->size)
			(void)mbuf_write_mem(s->wait8k, (const uint8_t *)pcm,
					     n * 2);
		return;
	}
	k = fs_resamp_run(s->rs, pcm, n, out, sizeof(out) / sizeof(out[0]));
	if (!k)
		return;
	if (s->vad_wait) {
		stt_vad_feed(s, pcm, n, out, k);
		return;
	}
	if (!s->ready) {
		if (s->pre->end + k * 2 <=
		    (size_t)s->rate * 2 * STT_PREOPEN_MS / 1000)
			(void)mbuf_write_mem(s->pre, (uint8_t *)out, k * 2);
		return;
	}
	/* vendors that take no less than chunk_ms a message */
	if (s->v->chunk_ms) {
		(void)mbuf_write_mem(s->chunk, (uint8_t *)out, k * 2);
		if (s->chunk->end <
		    (size_t)s->rate * 2 * s->v->chunk_ms / 1000)
			return;
	}
	/* a vendor reading slower than real time: drop, never block */
	if (req_ws_txq(s->ws) > (size_t)s->rate * 2 * STT_TXQ_MS / 1000 ||
	    (s->v->chunk_ms
		     ? stt_send(s, (const int16_t *)(void *)s->chunk->buf,
				s->chunk->end / 2)
		     : stt_send(s, out, k)))
		s->frames_dropped++;
	else
		s->frames++;
	if (s->v->chunk_ms)
		s->chunk->end = s->chunk->pos = 0;
}

/* The vendor's socket, in our scope */
static int stt_open(struct fs_stt *s)
{
	struct req_ws_opts wo = {0};
	struct fs_hook hook = {0};
	int err;

	hook.url = s->url;
	wo.headers = s->hdrs;
	wo.handshake_ms = s->handshake_ms;
	wo.max_payload = 131072;
	err = req_ws_open(&s->ws, s->req, &hook, &wo, stt_opened, stt_text,
			  stt_closed, s);
	if (!err) {
		req_ws_set_bin(s->ws, stt_bin);
		err = fs_scope_bind(s->scope, stt_ws_release, s, NULL);
		if (err) {
			req_ws_close(s->ws);
			s->ws = mem_deref(s->ws);
		}
	}
	if (err)
		fs_info("stt", "%s: %s: cannot open the stream: %m", s->sid,
			s->vlog, err);
	return err;
}

/* With the credential: the vendor's URL, the buffers, then the stream
 * (or the voice detector first) */
static int stt_setup(struct fs_stt *s)
{
	int err = s->v->prepare(s, &s->url, &s->hdrs);

	if (err)
		return err;
	s->pre = mbuf_alloc(4096);
	s->chunk = mbuf_alloc(4096);
	if (!s->pre || !s->chunk)
		return ENOMEM;
	err = fs_resamp_alloc(&s->rs, 8000, s->rate);
	if (err)
		return err;
	s->vad_wait = stt_vad_init(&s->vad, sttv_rec(s, "vad"));
	return s->vad_wait ? 0 : stt_open(s);
}

/* stt_cred()'s work, from the loop: never inside its caller */
static void stt_cred_go(int err, const char *ev, void *data, void *arg)
{
	struct fs_stt *s = arg;
	struct mbuf *w;

	(void)ev;
	(void)data;
	if (s->ended)
		return;
	err = s->cred_err;
	if (!err)
		err = stt_setup(s);
	if (err) {
		stt_fail(s, err,
			 s->cred_err ? "no credential (STS AssumeRole failed)"
				     : "could not open the stream");
		return;
	}
	/* what the caller said meanwhile, as it came */
	w = s->wait8k;
	s->wait8k = NULL;
	for (size_t off = 0; w && off + 320 <= w->end; off += 320)
		stt_feed(s, (const int16_t *)(void *)(w->buf + off), 160);
	mem_deref(w);
}

void stt_cred(struct fs_stt *s, int err, const struct json_object *cred)
{
	if (!s || s->ended || !s->cred_wait)
		return;
	s->cred_wait = false;
	if (!err && cred) {
		json_object_put(s->cred);
		s->cred = NULL;
		if (json_object_deep_copy((struct json_object *)cred, &s->cred,
					  NULL))
			err = ENOMEM;
	}
	s->cred_err = err ? err : (cred ? 0 : EINVAL);
	if (fs_scope_listen(s->scope, NULL, 1, stt_cred_go, s, NULL))
		fs_warn("stt", "%s: %s: cannot open the stream", s->sid,
			s->vlog);
}

int stt_start(struct fs_stt **sp, const struct stt_conf *conf)
{
	const struct sttv *v;
	struct fs_stt *s;
	int err;

	if (!sp || !conf || !conf->req || !conf->scope || !conf->vendor ||
	    !conf->h)
		return EINVAL;
	v = sttv_find(conf->vendor);
	if (!v)
		return ENOTSUP;
	if (fs_scope_closed(conf->scope))
		return ESHUTDOWN;
	s = mem_zalloc(sizeof(*s), stt_destructor);
	if (!s)
		return ENOMEM;
	s->v = v;
	s->h = conf->h;
	s->arg = conf->arg;
	s->rate = 8000;
	s->channel = conf->channel ? (int)conf->channel : 1;
	str_ncpy(s->sid, conf->call_sid ? conf->call_sid : "-",
		 sizeof(s->sid));
	s->recog = conf->recog
			   ? json_object_get((struct json_object *)conf->recog)
			   : json_object_new_object();
	/* a copy: the directory's rows may be shared with other loops,
	 * and json-c's reference counts are not atomic */
	if (!conf->cred ||
	    json_object_deep_copy((struct json_object *)conf->cred, &s->cred,
				  NULL))
		s->cred = json_object_new_object();
	/* custom:<name> is the vendor's whole name */
	err = str_dup(&s->vendor, conf->vendor);
	log_escape(s->vlog, sizeof(s->vlog), conf->vendor);
	err |= str_dup(&s->lang, jsonutil_str(s->recog, "language")
					 ? jsonutil_str(s->recog, "language")
					 : "en-US");
	if (err || !s->recog || !s->cred) {
		err = ENOMEM;
		goto out;
	}
	err = fs_scope_alloc(&s->scope, conf->scope, "stt");
	if (err)
		goto out;
	s->req = conf->req;
	s->handshake_ms = conf->handshake_ms;
	if (conf->cred_later) {
		/* the caller's audio kept until stt_cred() */
		s->cred_wait = true;
		s->wait8k = mbuf_alloc(8000 * 2 * STT_PREOPEN_MS / 1000);
		err = s->wait8k ? 0 : ENOMEM;
	} else {
		err = stt_setup(s);
	}
	if (!err)
		err = fs_scope_bind(conf->scope, stt_release, s, &s->bind);
out:
	if (err) {
		mem_deref(s);
		return err;
	}
	*sp = s;
	return 0;
}

struct fs_scope *stt_scope(const struct fs_stt *s)
{
	return s ? s->scope : NULL;
}

int stt_known(const char *vendor)
{
	return sttv_find(vendor) != NULL;
}

static void stt_keepalive(int err, const char *ev, void *data, void *arg)
{
	struct fs_stt *s = arg;

	(void)err;
	(void)ev;
	(void)data;
	s->tmr = NULL;
	if (s->ended || !s->paused || s->finishing)
		return;
	if (s->open)
		(void)s->v->keepalive(s);
	(void)fs_scope_listen(s->scope, NULL, s->v->keepalive_ms,
			      stt_keepalive, s, &s->tmr);
}

void fs_stt_pause(struct fs_stt *s, bool paused)
{
	if (!s || s->ended || s->finishing || s->paused == paused)
		return;
	s->paused = paused;
	fs_listener_cancel(s->tmr);
	s->tmr = NULL;
	if (paused && s->v->keepalive)
		(void)fs_scope_listen(s->scope, NULL, s->v->keepalive_ms,
				      stt_keepalive, s, &s->tmr);
}

static void stt_finish_late(int err, const char *ev, void *data, void *arg)
{
	struct fs_stt *s = arg;

	(void)err;
	(void)ev;
	(void)data;
	s->tmr = NULL;
	stt_fail(s, ETIMEDOUT, "the vendor did not end the stream");
}

void fs_stt_finish(struct fs_stt *s)
{
	if (!s || s->ended || s->finishing)
		return;
	s->finishing = true;
	fs_listener_cancel(s->tmr);
	s->tmr = NULL;
	/* the caller never spoke: no stream to end */
	if (s->vad_wait) {
		stt_done(s);
		return;
	}
	if (s->open && s->v->finish && s->v->finish(s)) {
		stt_fail(s, EPIPE, "could not end the stream");
		return;
	}
	(void)fs_scope_listen(s->scope, NULL, STT_FINISH_MS, stt_finish_late,
			      s, &s->tmr);
}

const char *fs_stt_vendor(const struct fs_stt *s)
{
	return s ? s->vendor : NULL;
}

void fs_stt_close(struct fs_stt *s)
{
	if (!s)
		return;
	/* tell the vendor the audio is over (CloseStream, stop) before
	 * the close frame, as a client that ends cleanly does */
	if (s->open && !s->ended && !s->finishing && s->v->finish)
		(void)s->v->finish(s);
	stt_drop(s);
}

static const char *stt_str(const struct json_object *o, const char *k)
{
	const char *v = jsonutil_str(o, k);

	return v && *v && strcmp(v, "default") ? v : NULL;
}

struct json_object *fs_stt_fallback(const struct json_object *recog)
{
	const char *fv = stt_str(recog, "fallbackVendor");
	const char *fl = stt_str(recog, "fallbackLanguage");
	const char *fb = jsonutil_str(recog, "fallbackLabel");
	struct json_object *r = NULL;

	if (!fv ||
	    json_object_deep_copy((struct json_object *)recog, &r, NULL))
		return NULL;
	json_object_object_add(r, "vendor", json_object_new_string(fv));
	if (fl)
		json_object_object_add(r, "language",
				       json_object_new_string(fl));
	if (fb && *fb)
		json_object_object_add(r, "label", json_object_new_string(fb));
	else
		json_object_object_del(r, "label");
	json_object_object_del(r, "fallbackVendor");
	return r;
}
