/**
 * @file listen.c  The listen verb (and stream, its jambonz alias): the
 *                 call's audio, live, to a WebSocket server, and the
 *                 server's audio back to the caller
 *
 * exec plays the beep (playBeep), then opens the socket (subprotocol
 * audio.jambonz.org, basic auth from wsAuth). Once it is open the
 * metadata goes first as one text message, then the tap's frames as
 * binary messages (listen_tx.c); the server's messages are
 * listen_rx.c's. The verb ends on the caller's hang-up, maxLength, a
 * finishOnKey digit, timeout seconds of silence, a disconnect message,
 * or the socket closing (or failing to open), and posts its actionHook
 * with digits and dialCallDuration as jambonz does.
 *
 * The verb JSON is checked against the listen spec of
 * @jambonz/verb-specifications (schema.h); the stream build checks it
 * against the same spec under its own name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "listen.h"
#include "schema.h"

/* the beep: 500 ms of 1500 Hz (jambonz: tone_stream L=1 500 ms) */
#define LISTEN_BEEP_SAMPLES 4000
#define LISTEN_SUBPROTOCOL  "audio.jambonz.org"

struct listen_beep {
	struct fs_audio a;
	int16_t pcm[LISTEN_BEEP_SAMPLES];
};

static void listen_destructor(void *arg)
{
	struct listen *l = arg;

	fs_ws_close(l->ws);
	listen_tx_free(l);
	listen_rx_free(l);
}

static void listen_stop(struct listen *l)
{
	l->ended = true;
	fs_ws_close(l->ws);
	l->ws = NULL;
	listen_tx_free(l);
	listen_rx_free(l);
}

/* The end: the actionHook gets what jambonz's listen reports */
static void listen_finish(struct listen *l, const char *why)
{
	struct json_object *r, *hook = NULL;
	struct fs_task *t = l->t;

	if (l->ended)
		return;
	fs_info(LISTEN_LOG,
		"%s: %s ended (%s): %llu frames sent, %llu dropped",
		fs_call_sid(l->c), l->url_log, why,
		(unsigned long long)l->frames_sent,
		(unsigned long long)l->frames_dropped);
	listen_stop(l);
	r = json_object_new_object();
	if (*l->digits)
		json_object_object_add(r, "digits",
				       json_object_new_string(l->digits));
	if (l->started)
		json_object_object_add(
			r, "dialCallDuration",
			json_object_new_int(
				(int)((tmr_jiffies() - l->start_ms) / 1000)));
	(void)json_object_object_get_ex(fs_task_data(t), "actionHook", &hook);
	/* t and l may be gone after this */
	fs_task_done(t, 0, hook, r);
}

static void listen_end_timer(int err, const char *ev, void *data, void *arg)
{
	struct listen *l = arg;
	const char *why = l->end_why;

	(void)err;
	(void)ev;
	(void)data;
	listen_finish(l, why ? why : "ended");
}

void listen_end_soon(struct listen *l, const char *why)
{
	if (l->ended || l->end_why)
		return;
	l->end_why = why;
	if (!fs_scope_listen(fs_task_scope(l->t), NULL, 1, listen_end_timer, l,
			     NULL))
		return;
	/* no timer (the scope's ceiling): at once, but never inside the
	 * media tick, where the next frame asks again */
	l->end_why = NULL;
	if (!l->in_tick)
		listen_finish(l, why);
}

/* updateCall listen_status: jambonz pauses the fork, which then sends
 * nothing, and resumes it */
static void listen_status(int err, const char *ev, void *data, void *arg)
{
	struct listen *l = arg;
	bool pause = data && !strcmp(data, "pause");

	(void)err;
	(void)ev;
	if (l->ended || l->paused == pause)
		return;
	l->paused = pause;
	fs_info(LISTEN_LOG, "%s: %s %s", fs_call_sid(l->c), l->url_log,
		pause ? "paused" : "resumed");
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
	struct listen *l = arg;
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
static struct json_object *listen_metadata(const struct listen *l)
{
	static const char *const mixes[] = {"mono", "stereo", "mixed"};
	struct json_object *o = json_object_new_object(), *info, *md;

	json_object_object_add(o, "sampleRate",
			       json_object_new_int((int)l->rate));
	json_object_object_add(o, "mixType",
			       json_object_new_string(mixes[l->mix]));
	info = fs_call_info(l->c);
	if (info) {
		json_object_object_foreach(info, k, v)
		{
			json_object_object_add(o, k, json_object_get(v));
		}
		json_object_put(info);
	}
	if (json_object_object_get_ex(fs_task_data(l->t), "metadata", &md) &&
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
	struct listen *l = arg;
	struct json_object *md;
	int err;

	if (l->ended)
		return;
	fs_info(LISTEN_LOG, "%s: streaming to %s", fs_call_sid(l->c),
		l->url_log);
	md = listen_metadata(l);
	err = fs_ws_send_text(l->ws, json_object_to_json_string_ext(
					     md, JSON_C_TO_STRING_PLAIN));
	json_object_put(md);
	if (!err)
		err = listen_tx_start(l);
	if (!err)
		err = listen_rx_start(l);
	if (err) {
		fs_warn(LISTEN_LOG, "%s: cannot stream: %m", fs_call_sid(l->c),
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
	struct listen *l = arg;

	if (err == EFBIG)
		fs_warn(LISTEN_LOG,
			"%s: %s: connection lost: a message over 131072 "
			"bytes (closed with 1009)",
			fs_call_sid(l->c), l->url_log);
	else if (err)
		fs_warn(LISTEN_LOG, "%s: %s: %s: %m", fs_call_sid(l->c),
			l->url_log,
			l->open ? "connection lost" : "cannot connect", err);
	l->ws = NULL;
	listen_end_soon(l, l->open ? "socket closed" : "connect failure");
}

static void listen_start(struct listen *l)
{
	const struct json_object *data = fs_task_data(l->t);
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
	err = fs_ws_open(&l->ws, fs_call_req(l->c), fs_task_scope(l->t), &hook,
			 &opts, listen_open, listen_text, listen_bin,
			 listen_closed, l);
	if (!err && l->max_ms)
		err = fs_scope_listen(fs_task_scope(l->t), NULL, l->max_ms,
				      listen_max_length, l, NULL);
	if (err) {
		fs_warn(LISTEN_LOG, "%s: %s: cannot connect: %m",
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

static int listen_beep(struct listen *l)
{
	struct listen_beep *b = mem_zalloc(sizeof(*b), NULL);
	int err;

	if (!b)
		return ENOMEM;
	listen_beep_fill(b->pcm, LISTEN_BEEP_SAMPLES);
	b->a.pcm = b->pcm;
	b->a.samples = LISTEN_BEEP_SAMPLES;
	err = fs_call_play(l->c, fs_task_scope(l->t), &b->a, NULL,
			   listen_beep_done, l);
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
		fs_warn(LISTEN_LOG,
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

static void listen_options(struct listen *l, const struct json_object *data)
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

static int listen_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v;
	struct listen *l;
	const char *url;
	int err;

	l = mem_zalloc(sizeof(*l), listen_destructor);
	if (!l)
		return ENOMEM;
	l->t = t;
	l->c = fs_task_call(t);
	fs_task_set_state(t, l);
	url = json_object_object_get_ex(data, "url", &v)
		      ? json_object_get_string(v)
		      : "";
	listen_url_log(l->url_log, sizeof(l->url_log), url);
	listen_options(l, data);
	err = listen_tx_init(l);
	if (err)
		return err;
	err = fs_scope_listen(fs_task_scope(t), FS_EV_DTMF, 0, listen_dtmf, l,
			      NULL);
	if (!err)
		err = fs_scope_listen(fs_task_scope(t), FS_EV_LISTEN_STATUS, 0,
				      listen_status, l, NULL);
	if (err)
		return err;
	if (listen_bool(data, "playBeep", false)) {
		err = listen_beep(l);
		if (!err)
			return 0;
		fs_warn(LISTEN_LOG, "%s: no beep: %m", fs_call_sid(l->c), err);
	}
	listen_start(l);
	return 0;
}

static void listen_cancel(struct fs_task *t)
{
	struct listen *l = fs_task_state(t);

	if (l && !l->ended)
		listen_stop(l);
}

/* The schema of the listen spec, under this build's verb name too */
static struct json_object *listen_schema;

static int listen_init(void)
{
	struct json_object *spec;

	listen_schema = json_tokener_parse(listen_schema_json);
	if (!listen_schema ||
	    !json_object_object_get_ex(listen_schema, "listen", &spec))
		return EINVAL;
	if (strcmp(LISTEN_VERB, "listen"))
		json_object_object_add(listen_schema, LISTEN_VERB,
				       json_object_get(spec));
	return 0;
}

static void listen_destroy(void)
{
	json_object_put(listen_schema);
	listen_schema = NULL;
}

static int listen_validate(const struct json_object *data, char *err,
			   size_t errsz)
{
	if (!listen_schema) {
		if (err && errsz)
			snprintf(err, errsz, "%s: plugin not initialised",
				 LISTEN_VERB);
		return EINVAL;
	}
	return fs_schema_validate(listen_schema, LISTEN_VERB, data, err,
				  errsz);
}

FS_PLUGIN(.name = LISTEN_VERB, .version = PLUGIN_VERSION, .init = listen_init,
	  .destroy = listen_destroy, .validate = listen_validate,
	  .exec = listen_exec, .cancel = listen_cancel,
	  .flags = FS_PLUGIN_NEEDS_MEDIA);
