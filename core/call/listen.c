/**
 * @file listen.c  The listen service: the call's audio, live, to a
 *                 WebSocket server, and the server's audio back to the
 *                 caller (include/fs/fs_listen.h)
 *
 * Start plays the beep (playBeep), then opens the socket (subprotocol
 * audio.jambonz.org, basic auth from wsAuth). Once it is open the
 * metadata goes first as one text message, then the tap's frames as
 * binary messages (listen_tx.c); the server's messages are
 * listen_rx.c's. A listen ends on maxLength, a finishOnKey digit,
 * timeout seconds of silence, a disconnect message, or the socket
 * closing (or failing to open), with digits and dialCallDuration for
 * its actionHook as jambonz reports them; the caller's hang-up closes
 * its scope. The verbs (plugins/listen), dial's nested listen and the
 * background listen (listen_bg.c) all run this.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "call/call.h"
#include "call/listen_int.h"
#include "call/ws_app.h"

/* the beep: 500 ms of 1500 Hz (jambonz: tone_stream L=1 500 ms) */
#define LISTEN_BEEP_SAMPLES 4000
#define LISTEN_SUBPROTOCOL  "audio.jambonz.org"

struct listen_beep {
	struct fs_audio a;
	int16_t pcm[LISTEN_BEEP_SAMPLES];
};

static void listen_stop_now(struct fs_listen *l)
{
	l->ended = true;
	fs_ws_close(l->ws);
	l->ws = NULL;
	listen_tx_free(l);
	listen_rx_free(l);
	/* the rest of our listeners (dtmf, status, timers) go with it */
	fs_scope_close(l->scope);
}

static void listen_destructor(void *arg)
{
	struct fs_listen *l = arg;

	listen_stop_now(l);
	l->scope = mem_deref(l->scope);
	fs_listener_cancel(l->bind);
	tmr_cancel(&l->free_tmr);
	json_object_put(l->spec);
	json_object_put(l->info);
}

/* Every end says what went through, the call's hang-up too */
static void listen_log_end(const struct fs_listen *l, const char *why)
{
	fs_info(l->log, "%s: %s ended (%s): %llu frames sent, %llu dropped",
		fs_call_sid(l->c), l->url_log, why,
		(unsigned long long)l->frames_sent,
		(unsigned long long)l->frames_dropped);
}

/* Our scope closes (the owner's did): what it held is gone with it */
static void listen_scope_gone(void *arg)
{
	struct fs_listen *l = arg;

	if (!l->ended)
		listen_log_end(l, "hang-up");
	l->ended = true;
	l->ws = NULL;
	l->tap = NULL;
	l->inj = NULL;
	listen_rx_free(l);
}

/* The end: the actionHook gets what jambonz's listen reports */
static void listen_finish(struct fs_listen *l, const char *why)
{
	struct json_object *r, *hook = NULL;
	fs_listen_end_h *endh = l->endh;
	void *arg = l->arg;

	if (l->ended)
		return;
	listen_log_end(l, why);
	listen_stop_now(l);
	r = json_object_new_object();
	if (*l->digits)
		json_object_object_add(r, "digits",
				       json_object_new_string(l->digits));
	if (l->started)
		json_object_object_add(
			r, "dialCallDuration",
			json_object_new_int(
				(int)((tmr_jiffies() - l->start_ms) / 1000)));
	if (l->post_hook &&
	    json_object_object_get_ex(l->spec, "actionHook", &hook)) {
		listen_post_hook(l->c, hook, json_object_get(r));
	}
	/* l may be gone after this */
	if (endh)
		endh(why, r, arg);
	else
		json_object_put(r);
}

static void listen_end_timer(int err, const char *ev, void *data, void *arg)
{
	struct fs_listen *l = arg;
	const char *why = l->end_why;

	(void)err;
	(void)ev;
	(void)data;
	listen_finish(l, why ? why : "ended");
}

void listen_end_soon(struct fs_listen *l, const char *why)
{
	if (l->ended || l->end_why)
		return;
	l->end_why = why;
	if (!fs_scope_listen(l->scope, NULL, 1, listen_end_timer, l, NULL))
		return;
	/* no timer (the scope's ceiling): at once, but never inside the
	 * media tick, where the next frame asks again */
	l->end_why = NULL;
	if (!l->in_tick)
		listen_finish(l, why);
}

/* updateCall listen_status: jambonz pauses the fork, which then sends
 * nothing, and resumes it */
void fs_listen_pause(struct fs_listen *l, bool pause)
{
	if (!l || l->ended || l->paused == pause)
		return;
	l->paused = pause;
	fs_info(l->log, "%s: %s %s", fs_call_sid(l->c), l->url_log,
		pause ? "paused" : "resumed");
}

static void listen_status(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	fs_listen_pause(arg, data && !strcmp(data, "pause"));
}

static void listen_max_length(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	listen_finish(arg, "maxLength");
}

static void listen_dtmf(int err, const char *ev, void *data, void *arg)
{
	struct fs_listen *l = arg;
	const char *d = data;

	(void)err;
	(void)ev;
	if (l->ended || !d || !*d)
		return;
	if (l->pass_dtmf && l->open) {
		struct json_object *o = json_object_new_object();

		/* jambonz forwards FreeSWITCH's duration; ours is not
		 * measured */
		json_object_object_add(o, "event",
				       json_object_new_string("dtmf"));
		json_object_object_add(o, "dtmf", json_object_new_string(d));
		json_object_object_add(o, "duration", json_object_new_int(0));
		(void)fs_ws_send_text(l->ws,
				      json_object_to_json_string_ext(
					      o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	if (*l->finish && strchr(l->finish, *d)) {
		l->digits[0] = *d;
		l->digits[1] = '\0';
		listen_finish(l, "finishOnKey");
	}
}

/* {sampleRate, mixType} + the call's fields + the verb's metadata, later
 * keys winning, as jambonz merges them */
static struct json_object *listen_metadata(const struct fs_listen *l)
{
	static const char *const mixes[] = {"mono", "stereo", "mixed"};
	struct json_object *o = json_object_new_object(), *info, *md;

	json_object_object_add(o, "sampleRate",
			       json_object_new_int((int)l->rate));
	json_object_object_add(o, "mixType",
			       json_object_new_string(mixes[l->mix]));
	info = l->info ? json_object_get(l->info) : fs_call_info(l->c);
	if (info) {
		json_object_object_foreach(info, k, v)
		{
			json_object_object_add(o, k, json_object_get(v));
		}
		json_object_put(info);
	}
	if (json_object_object_get_ex(l->spec, "metadata", &md) &&
	    json_object_is_type(md, json_type_object)) {
		json_object_object_foreach(md, k, v)
		{
			json_object_object_add(o, k, json_object_get(v));
		}
	}
	return o;
}

static void listen_open(void *arg)
{
	struct fs_listen *l = arg;
	struct json_object *md;
	int err;

	if (l->ended)
		return;
	fs_info(l->log, "%s: streaming to %s", fs_call_sid(l->c), l->url_log);
	md = listen_metadata(l);
	err = fs_ws_send_text(l->ws, json_object_to_json_string_ext(
					     md, JSON_C_TO_STRING_PLAIN));
	json_object_put(md);
	if (!err)
		err = listen_tx_start(l);
	if (!err)
		err = listen_rx_start(l);
	if (err) {
		fs_warn(l->log, "%s: cannot stream: %m", fs_call_sid(l->c),
			err);
		listen_end_soon(l, "error");
		return;
	}
	l->open = true;
}

static void listen_text(const char *text, size_t len, void *arg)
{
	listen_rx_text(arg, text, len);
}

static void listen_bin(const uint8_t *data, size_t len, void *arg)
{
	listen_rx_bin(arg, data, len);
}

static void listen_closed(int err, void *arg)
{
	struct fs_listen *l = arg;

	if (err == EFBIG)
		fs_warn(l->log,
			"%s: %s: connection lost: a message over 131072 "
			"bytes (closed with 1009)",
			fs_call_sid(l->c), l->url_log);
	else if (err)
		fs_warn(l->log, "%s: %s: %s: %m", fs_call_sid(l->c),
			l->url_log,
			l->open ? "connection lost" : "cannot connect", err);
	l->ws = NULL;
	listen_end_soon(l, l->open ? "socket closed" : "connect failure");
}

static void listen_start(struct fs_listen *l)
{
	const struct json_object *data = l->spec;
	struct json_object *auth = NULL, *v;
	struct fs_ws_opts opts = {.subprotocol = LISTEN_SUBPROTOCOL};
	struct fs_hook hook = {0};
	int err;

	hook.url = json_object_get_string(
		json_object_object_get_ex(data, "url", &v) ? v : NULL);
	if (json_object_object_get_ex(data, "wsAuth", &auth)) {
		if (json_object_object_get_ex(auth, "username", &v))
			hook.username = json_object_get_string(v);
		if (json_object_object_get_ex(auth, "password", &v))
			hook.password = json_object_get_string(v);
	}
	l->started = true;
	l->start_ms = tmr_jiffies();
	err = fs_ws_open(&l->ws, fs_call_req(l->c), l->scope, &hook, &opts,
			 listen_open, listen_text, listen_bin, listen_closed,
			 l);
	if (!err && l->max_ms)
		err = fs_scope_listen(l->scope, NULL, l->max_ms,
				      listen_max_length, l, NULL);
	if (err) {
		fs_warn(l->log, "%s: %s: cannot connect: %m",
			fs_call_sid(l->c), l->url_log, err);
		l->ws = NULL;
		listen_end_soon(l, "connect failure");
	}
}

static void listen_beep_done(int err, uint64_t samples, void *arg)
{
	(void)err;
	(void)samples;
	listen_start(arg);
}

/* A sine by its recurrence, y[n] = 2 cos(w) y[n-1] - y[n-2], started
 * at y[-1] = sin(-w), y[-2] = sin(-2w) for w = 2 pi 1500 / 8000 = 3 pi / 8 */
static void listen_beep_fill(int16_t *pcm, size_t n)
{
	const double c2 = 2 * 0.38268343236508977;
	double y1 = -0.92387953251128674, y2 = -0.70710678118654757, y0;
	size_t i;

	for (i = 0; i < n; i++) {
		y0 = c2 * y1 - y2;
		y2 = y1;
		y1 = y0;
		pcm[i] = (int16_t)(8000 * y0);
	}
}

static int listen_beep(struct fs_listen *l)
{
	struct listen_beep *b = mem_zalloc(sizeof(*b), NULL);
	int err;

	if (!b)
		return ENOMEM;
	listen_beep_fill(b->pcm, LISTEN_BEEP_SAMPLES);
	b->a.pcm = b->pcm;
	b->a.samples = LISTEN_BEEP_SAMPLES;
	err = fs_call_play(l->c, l->scope, &b->a, NULL, listen_beep_done, l);
	mem_deref(b);
	return err;
}

static uint32_t listen_rate(const struct json_object *o, const char *key,
			    uint32_t def)
{
	struct json_object *v;
	int r;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	r = json_object_get_int(v);
	if (r != 8000 && r != 16000 && r != 24000 && r != 32000 &&
	    r != 48000 && r != 64000) {
		fs_warn("listen",
			"%s %d is not 8000, 16000, 24000, 32000, 48000 or "
			"64000: %u taken",
			key, r, def);
		return def;
	}
	return (uint32_t)r;
}

static bool listen_bool(const struct json_object *o, const char *key, bool def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	return json_object_get_boolean(v);
}

static void listen_options(struct fs_listen *l, const struct json_object *data)
{
	struct json_object *v, *bd = NULL;
	const char *s;

	l->rate = listen_rate(data, "sampleRate", 8000);
	s = json_object_object_get_ex(data, "mixType", &v)
		    ? json_object_get_string(v)
		    : NULL;
	l->mix = s && !strcmp(s, "stereo")  ? LISTEN_STEREO
		 : s && !strcmp(s, "mixed") ? LISTEN_MIXED
					    : LISTEN_MONO;
	if (json_object_object_get_ex(data, "finishOnKey", &v))
		str_ncpy(l->finish, json_object_get_string(v),
			 sizeof(l->finish));
	l->pass_dtmf = listen_bool(data, "passDtmf", false);
	if (json_object_object_get_ex(data, "maxLength", &v))
		l->max_ms =
			fs_secs_ms(json_object_get_double(v), 0, 86400000u);
	if (json_object_object_get_ex(data, "timeout", &v))
		l->silence_ms =
			fs_secs_ms(json_object_get_double(v), 0, 86400000u);
	/* bidirectional audio is on unless turned off, either way */
	(void)json_object_object_get_ex(data, "bidirectionalAudio", &bd);
	l->bidir = !listen_bool(data, "disableBidirectionalAudio", false) &&
		   listen_bool(bd, "enabled", true);
	l->streaming = listen_bool(bd, "streaming", false);
	l->bidir_rate = listen_rate(bd, "sampleRate", l->rate);
}


void listen_post_hook(struct fs_call *c, const struct json_object *hook,
		      struct json_object *result)
{
	struct fs_req_opts opts = {0};
	struct json_object *p = call_payload(c);
	struct fs_hook h = {0};
	int err;

	if (!p) {
		json_object_put(result);
		return;
	}
	json_object_object_foreach(result, k, v)
	{
		json_object_object_add(p, k, json_object_get(v));
	}
	json_object_put(result);
	call_hook_fill(c, hook, &h, &opts);
	if (!h.url || !*h.url) {
		json_object_put(p);
		return;
	}
	opts.body = json_object_to_json_string_ext(
		p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	/* a WebSocket application takes it over its socket, an absolute
	 * http(s) hook goes over HTTP, as the verbs' hooks */
	if (c->ws && !ws_app_url_is_http(h.url))
		err = ws_app_request(c->ws, c->scope, "verb:hook", h.url, p,
				     NULL, NULL);
	else
		err = fs_req_send(c->env->req, NULL, &h, &opts, NULL, NULL);
	if (err)
		fs_warn("listen", "%s: actionHook not sent: %m", c->sid, err);
	json_object_put(p);
}

int fs_listen_start(struct fs_listen **lp, struct fs_call *c,
		    struct fs_scope *scope, const struct json_object *spec,
		    const struct fs_listen_opts *o, fs_listen_end_h *endh,
		    void *arg)
{
	struct fs_listen *l;
	struct json_object *v;
	const char *url;
	int err;

	if (!lp || !c || !scope ||
	    !json_object_is_type(spec, json_type_object))
		return EINVAL;
	l = mem_zalloc(sizeof(*l), listen_destructor);
	if (!l)
		return ENOMEM;
	l->c = c;
	l->spec = json_object_get((struct json_object *)spec);
	str_ncpy(l->log, o && o->log ? o->log : "listen", sizeof(l->log));
	if (o && o->info)
		l->info = json_object_get((struct json_object *)o->info);
	l->post_hook = o && o->post_hook;
	l->endh = endh;
	l->arg = arg;
	tmr_init(&l->free_tmr);
	url = json_object_object_get_ex(spec, "url", &v)
		      ? json_object_get_string(v)
		      : "";
	listen_url_log(l->url_log, sizeof(l->url_log), url);
	listen_options(l, spec);
	err = fs_scope_alloc(&l->scope, scope, l->log);
	/* first bound, so released last: after the socket, tap and
	 * injector that were bound after it */
	if (!err)
		err = fs_scope_bind(l->scope, listen_scope_gone, l, NULL);
	if (!err)
		err = listen_tx_init(l);
	if (!err)
		err = fs_scope_listen(l->scope, FS_EV_DTMF, 0, listen_dtmf, l,
				      NULL);
	if (!err)
		err = fs_scope_listen(l->scope, FS_EV_LISTEN_STATUS, 0,
				      listen_status, l, NULL);
	if (err) {
		mem_deref(l);
		return err;
	}
	*lp = l;
	if (listen_bool(spec, "playBeep", false)) {
		err = listen_beep(l);
		if (!err)
			return 0;
		fs_warn(l->log, "%s: no beep: %m", fs_call_sid(c), err);
	}
	listen_start(l);
	return 0;
}

void fs_listen_stop(struct fs_listen *l)
{
	if (!l || l->ended)
		return;
	/* a nested or background listen posts its actionHook however it
	 * ends, as jambonz's killed listen task does */
	if (l->post_hook) {
		l->endh = NULL;
		listen_finish(l, "stopped");
		return;
	}
	listen_log_end(l, "stopped");
	listen_stop_now(l);
}

bool fs_listen_ended(const struct fs_listen *l)
{
	return !l || l->ended;
}
