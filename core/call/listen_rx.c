/**
 * @file listen_rx.c  What the server sends: JSON text messages (playAudio,
 *                    killAudio, disconnect, mark, clearMarks) and, with
 *                    bidirectionalAudio.streaming, binary L16 audio
 *
 * Audio for the caller goes to the call's injection queue: playAudio
 * pieces and streamed audio play one after the other, marks are empty
 * pieces at their place in that queue, so "playout" is sent when the
 * audio before them has been sent to the caller. Anything malformed is
 * logged (escaped), answered with an error message, and ignored: the
 * call and the stream go on.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "call/listen_int.h"

/* the pieces' handler arguments, freed by the handlers or, when the
 * verb ends first, with the lists once the injector is closed */
struct listen_mark {
	struct le le;
	struct fs_listen *l;
	char *name;
	bool answered; /* cleared by clearMarks before it played */
};

struct listen_play {
	struct le le;
	struct fs_listen *l;
	char *id; /* the app's data.id, echoed in playDone */
};

/* one line per refused message, for the first ones: a server sending
 * nothing else must not fill the log */
#define LISTEN_BAD_LOGGED 20

static void listen_send_json(struct fs_listen *l, struct json_object *o)
{
	if (o && !l->ended && fs_ws_is_open(l->ws))
		(void)fs_ws_send_text(l->ws,
				      json_object_to_json_string_ext(
					      o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* A bad message: one log line with its text escaped, an error back */
static void listen_bad(struct fs_listen *l, const char *why, const char *text,
		       size_t len)
{
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_object();
	char esc[120];

	if (++l->bad > LISTEN_BAD_LOGGED) {
		if (l->bad == LISTEN_BAD_LOGGED + 1)
			fs_warn(l->log,
				"%s: %s: more refused messages, not logged",
				fs_call_sid(l->c), l->url_log);
		goto reply;
	}
	listen_esc(esc, sizeof(esc), text, len);
	if (len)
		fs_warn(l->log, "%s: %s: %s (message '%s'%s)",
			fs_call_sid(l->c), l->url_log, why, esc,
			strlen(esc) < len ? "..." : "");
	else
		fs_warn(l->log, "%s: %s: %s", fs_call_sid(l->c), l->url_log,
			why);
reply:
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(d, "message", json_object_new_string(why));
	json_object_object_add(o, "data", d);
	listen_send_json(l, o);
}

static const char *listen_str(const struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void listen_play_destructor(void *arg)
{
	struct listen_play *p = arg;

	list_unlink(&p->le);
	mem_deref(p->id);
}

static void listen_play_done(int err, uint64_t samples, void *arg)
{
	struct listen_play *p = arg;
	struct fs_listen *l = p->l;
	struct json_object *o, *d;

	(void)samples;
	--l->plays;
	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("playDone"));
	if (p->id)
		json_object_object_add(d, "id", json_object_new_string(p->id));
	if (err)
		json_object_object_add(d, "reason",
				       json_object_new_string("killed"));
	json_object_object_add(o, "data", d);
	mem_deref(p);
	listen_send_json(l, o);
}

static void listen_play(struct fs_listen *l, const struct json_object *data,
			const char *text, size_t len)
{
	const char *b64 = listen_str(data, "audioContent");
	const char *ctype = listen_str(data, "audioContentType");
	const char *id = listen_str(data, "id");
	struct json_object *v;
	uint32_t rate = l->bidir_rate;
	struct listen_play *p;
	uint8_t *bytes = NULL;
	int16_t *pcm = NULL;
	size_t blen = 0, n = 0;
	int err;

	if (!l->inj) {
		listen_bad(l, "playAudio ignored: bidirectionalAudio is off",
			   text, len);
		return;
	}
	if (!b64) {
		listen_bad(l, "playAudio: no audioContent string", text, len);
		return;
	}
	if (l->plays >= LISTEN_PLAY_QUEUE_MAX) {
		listen_bad(l, "playAudio dropped: 10 pieces queued already",
			   text, len);
		return;
	}
	if (json_object_object_get_ex(data, "sampleRate", &v))
		rate = (uint32_t)json_object_get_int(v);
	if (listen_b64(&bytes, &blen, b64, strlen(b64))) {
		listen_bad(l, "playAudio: audioContent is not base64", text,
			   len);
		return;
	}
	if (ctype && (!strcmp(ctype, "wav") || !strcmp(ctype, "wave") ||
		      !strcmp(ctype, "audio/wav"))) {
		err = listen_wav(&pcm, &n, &rate, bytes, blen);
	} else if (!ctype || !strcmp(ctype, "raw") ||
		   !strcmp(ctype, "audio/l16")) {
		err = rate >= 1000 && rate <= 192000
			      ? listen_l16(&pcm, &n, bytes, blen)
			      : EINVAL;
	} else {
		err = ENOTSUP;
	}
	mem_deref(bytes);
	if (err) {
		listen_bad(l,
			   err == ENOTSUP  ? "playAudio: audioContentType "
					     "is not raw or wav"
			   : err == EINVAL ? "playAudio: bad sampleRate"
					   : "playAudio: not a 16-bit PCM WAV",
			   text, len);
		return;
	}
	p = mem_zalloc(sizeof(*p), listen_play_destructor);
	if (!p || (id && str_dup(&p->id, id))) {
		mem_deref(p);
		mem_deref(pcm);
		return;
	}
	p->l = l;
	err = fs_inject_pcm(l->inj, pcm, n, rate, listen_play_done, p);
	mem_deref(pcm);
	if (err) {
		mem_deref(p);
		fs_warn(l->log, "%s: playAudio not played: %m",
			fs_call_sid(l->c), err);
		return;
	}
	list_append(&l->playl, &p->le, p);
	++l->plays;
}

static void listen_mark_destructor(void *arg)
{
	struct listen_mark *m = arg;

	list_unlink(&m->le);
	mem_deref(m->name);
}

static void listen_mark_event(struct listen_mark *m, const char *event)
{
	struct fs_listen *l = m->l;
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("mark"));
	json_object_object_add(d, "name", json_object_new_string(m->name));
	json_object_object_add(d, "event", json_object_new_string(event));
	json_object_object_add(o, "data", d);
	m->answered = true;
	--l->marks;
	listen_send_json(l, o);
}

static void listen_mark_done(int err, uint64_t samples, void *arg)
{
	struct listen_mark *m = arg;

	(void)samples;
	if (!m->answered)
		listen_mark_event(m, err ? "cleared" : "playout");
	mem_deref(m);
}

static void listen_mark(struct fs_listen *l, const struct json_object *data,
			const char *text, size_t len)
{
	const char *name = listen_str(data, "name");
	struct listen_mark *m;
	int err;

	if (!l->inj) {
		listen_bad(l, "mark ignored: bidirectionalAudio is off", text,
			   len);
		return;
	}
	if (!name) {
		listen_bad(l, "mark: no name string", text, len);
		return;
	}
	if (l->marks >= LISTEN_MARKS_MAX) {
		listen_bad(l, "mark dropped: 64 marks pending", text, len);
		return;
	}
	m = mem_zalloc(sizeof(*m), listen_mark_destructor);
	if (!m)
		return;
	m->l = l;
	err = str_dup(&m->name, name);
	if (!err)
		err = fs_inject_pcm(l->inj, NULL, 0, 8000, listen_mark_done,
				    m);
	if (err) {
		mem_deref(m);
		fs_warn(l->log, "%s: mark not queued: %m", fs_call_sid(l->c),
			err);
		return;
	}
	list_append(&l->markl, &m->le, m);
	++l->marks;
}

/* clearMarks: every pending mark is answered "cleared" at once; its
 * empty piece stays queued, unanswered when it comes */
static void listen_clear_marks(struct fs_listen *l)
{
	struct le *le;

	LIST_FOREACH(&l->markl, le) {
		struct listen_mark *m = le->data;

		if (!m->answered)
			listen_mark_event(m, "cleared");
	}
}

void listen_rx_text(struct fs_listen *l, const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *data = NULL;
	const char *type;

	if (l->ended)
		return;
	tok = json_tokener_new();
	if (tok) {
		o = json_tokener_parse_ex(tok, text, (int)len);
		json_tokener_free(tok);
	}
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		listen_bad(l, "not a JSON object", text, len);
		return;
	}
	type = listen_str(o, "type");
	(void)json_object_object_get_ex(o, "data", &data);
	if (!type) {
		listen_bad(l, "no type", text, len);
	} else if (!strcmp(type, "playAudio")) {
		listen_play(l, data, text, len);
	} else if (!strcmp(type, "killAudio")) {
		fs_inject_kill(l->inj);
	} else if (!strcmp(type, "disconnect")) {
		listen_end_soon(l, "disconnect");
	} else if (!strcmp(type, "mark")) {
		listen_mark(l, data, text, len);
	} else if (!strcmp(type, "clearMarks")) {
		listen_clear_marks(l);
	} else if (!strcmp(type, "transcription") ||
		   !strcmp(type, "transfer")) {
		fs_debug(l->log, "%s: %s message ignored", fs_call_sid(l->c),
			 type);
	} else {
		listen_bad(l, "unknown message type", text, len);
	}
	json_object_put(o);
}

void listen_rx_bin(struct fs_listen *l, const uint8_t *data, size_t len)
{
	int16_t *pcm = NULL, *out;
	size_t n = 0, cap, k;
	int err;

	if (l->ended)
		return;
	if (!l->inj || !l->streaming) {
		if (!l->bin_ignored++)
			listen_bad(l,
				   "binary audio ignored: "
				   "bidirectionalAudio.streaming is off",
				   "", 0);
		return;
	}
	if (fs_inject_queued(l->inj) > LISTEN_INJECT_MAX_SECS * 8000) {
		if (!l->bin_dropped++)
			listen_bad(l,
				   "streamed audio dropped: 30 s are "
				   "queued already",
				   "", 0);
		return;
	}
	if (!l->rs_in && fs_resamp_alloc(&l->rs_in, l->bidir_rate, 8000))
		return;
	err = listen_l16(&pcm, &n, data, len);
	if (err || !n) {
		mem_deref(pcm);
		return;
	}
	cap = n * 8000 / l->bidir_rate + 16;
	out = mem_alloc(cap * sizeof(*out), NULL);
	if (!out) {
		mem_deref(pcm);
		return;
	}
	k = fs_resamp_run(l->rs_in, pcm, n, out, cap);
	mem_deref(pcm);
	/* no handler: nothing allocated per message beyond the audio */
	err = k ? fs_inject_pcm(l->inj, out, k, 8000, NULL, NULL) : 0;
	mem_deref(out);
	if (err)
		fs_warn(l->log, "%s: streamed audio not played: %m",
			fs_call_sid(l->c), err);
}

int listen_rx_start(struct fs_listen *l)
{
	if (!l->bidir)
		return 0;
	return fs_call_injector(&l->inj, l->c, l->scope);
}

void listen_rx_free(struct fs_listen *l)
{
	/* first: no handler of a piece runs after this; the pieces go
	 * unanswered, the socket is closing */
	fs_inject_close(l->inj);
	l->inj = NULL;
	list_flush(&l->markl);
	list_flush(&l->playl);
	l->rs_in = mem_deref(l->rs_in);
}
