/**
 * @file dial_say.c  say and play verbs to one party of the dial: the
 *                   whisper command, the confirmHook's prompts
 *
 * The onHoldHook's say and play verbs are played the same way to the
 * caller, held by the bridged target (jambonz plays them to the held
 * party), until they end or the target takes the hold back.
 *
 * Each text is synthesised (or each URL fetched) when its turn comes
 * and played once to the party, in order; the other party hears
 * nothing meanwhile (the whisper undoes the bridge, as jambonz's
 * Dial.whisper unbridges its endpoints, and bridges again after).
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include "dial.h"

#define DIAL_SAY_MAX 32 /* texts and URLs of one list */

struct dial_say_item {
	const char *text; /* borrowed from the verbs */
	const struct json_object *synth;
	bool is_say;
};

struct dial_say {
	struct dial *d;
	struct fs_leg *leg; /* NULL: the caller */
	struct fs_scope *scope;
	struct json_object *verbs; /* the items' strings are its */
	struct dial_say_item items[DIAL_SAY_MAX];
	size_t n, i;
	dial_say_h *h;
	void *arg;
};

static void dial_say_destructor(void *arg)
{
	struct dial_say *s = arg;

	if (s->scope)
		fs_scope_close(s->scope);
	mem_deref(s->scope);
	json_object_put(s->verbs);
}

static void dial_say_next(struct dial_say *s);

static void dial_say_end(struct dial_say *s, int err)
{
	dial_say_h *h = s->h;

	s->h = NULL;
	if (h)
		h(err, s->arg);
}

static void dial_say_played(int err, uint64_t samples, void *arg)
{
	struct dial_say *s = arg;

	(void)samples;
	if (err) {
		dial_say_end(s, err);
		return;
	}
	s->i++;
	dial_say_next(s);
}

static void dial_say_audio(int err, struct fs_audio *audio, void *arg)
{
	struct dial_say *s = arg;
	struct fs_play_opts po = {.loops = 1};

	if (!err && s->leg)
		err = fs_leg_play(s->leg, s->scope, audio, dial_say_played, s);
	else if (!err)
		err = fs_call_play(s->d->call, s->scope, audio, &po,
				   dial_say_played, s);
	if (err)
		dial_say_end(s, err);
}

static void dial_say_next(struct dial_say *s)
{
	const struct dial_say_item *it;
	int err;

	if (s->i == s->n) {
		dial_say_end(s, 0);
		return;
	}
	it = &s->items[s->i];
	if (it->is_say)
		err = fs_call_tts(s->d->call, s->scope, it->synth, it->text,
				  dial_say_audio, s);
	else
		err = fs_call_audio(s->d->call, s->scope, it->text,
				    dial_say_audio, s);
	if (err)
		dial_say_end(s, err);
}

/* A say's text or a play's url: a string or an array of strings */
static int dial_say_add(struct dial_say *s, const struct json_object *v,
			const struct json_object *synth, bool is_say)
{
	size_t n = json_object_is_type(v, json_type_array)
			   ? json_object_array_length(v)
			   : 1;

	for (size_t i = 0; i < n; i++) {
		const struct json_object *x =
			json_object_is_type(v, json_type_array)
				? json_object_array_get_idx(v, i)
				: v;

		if (!json_object_is_type(x, json_type_string) ||
		    !json_object_get_string_len(x))
			return EINVAL;
		if (s->n == DIAL_SAY_MAX)
			return EINVAL;
		s->items[s->n].text = json_object_get_string((void *)x);
		s->items[s->n].synth = synth;
		s->items[s->n].is_say = is_say;
		s->n++;
	}
	return 0;
}

int dial_say_start(struct dial_say **sp, struct dial *d, struct fs_leg *leg,
		   const struct json_object *verbs, dial_say_h *h, void *arg)
{
	struct dial_say *s;
	size_t n = json_object_array_length(verbs);
	int err = 0;

	if (!n)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), dial_say_destructor);
	if (!s)
		return ENOMEM;
	s->d = d;
	s->leg = leg;
	s->verbs = json_object_get((struct json_object *)verbs);
	s->h = h;
	s->arg = arg;
	for (size_t i = 0; i < n && !err; i++) {
		const struct json_object *data;
		const char *name =
			dial_verb(json_object_array_get_idx(verbs, i), &data);
		struct json_object *v, *synth = NULL;

		(void)json_object_object_get_ex(data, "synthesizer", &synth);
		if (name && !strcmp(name, "say") &&
		    json_object_object_get_ex(data, "text", &v))
			err = dial_say_add(s, v, synth, true);
		else if (name && !strcmp(name, "play") &&
			 json_object_object_get_ex(data, "url", &v))
			err = dial_say_add(s, v, NULL, false);
		else
			err = EINVAL;
	}
	if (!err)
		err = fs_scope_alloc(&s->scope, fs_task_scope(d->t), "say");
	if (err) {
		mem_deref(s);
		return err;
	}
	*sp = s;
	dial_say_next(s);
	return 0;
}

/* The whisper ended: the parties hear each other again, unless the
 * bridge broke meanwhile (either side gone ends the dial) */
static void dial_whisper_done(int err, void *arg)
{
	struct dial *d = arg;

	if (err)
		fs_warn("dial", "%s: whisper stopped: %m",
			fs_call_sid(d->call), err);
	d->hold_play = false;
	if (d->ended || !d->winner || d->winner->done) {
		d->whisper = mem_deref(d->whisper);
		return;
	}
	err = fs_call_bridge(d->call, d->winner->leg);
	if (err)
		fs_warn("dial", "%s: bridge not restored after whisper: %m",
			fs_call_sid(d->call), err);
	else
		fs_info("dial", "%s: whisper done, bridged again",
			fs_call_sid(d->call));
	d->whisper = mem_deref(d->whisper);
}

/*
 * whisper: {verb: say|play} or an array of them, to the party cmd's
 * call_sid names: the bridged leg's plays to the callee, any other
 * (the caller's own) to the caller, as jambonz's _lccWhisper.
 */
void dial_whisper(struct dial *d, struct fs_dial_cmd *cmd)
{
	const struct json_object *verbs = cmd->data;
	struct json_object *arr = NULL;
	struct fs_leg *leg = NULL;
	int err;

	if (d->ended || !d->winner || d->winner->done) {
		cmd->err = ENOTCONN;
		str_ncpy(cmd->why, "the dial is not bridged",
			 sizeof(cmd->why));
		return;
	}
	if (d->whisper) {
		cmd->err = EBUSY;
		str_ncpy(cmd->why, "a whisper is playing", sizeof(cmd->why));
		return;
	}
	if (json_object_is_type(verbs, json_type_object)) {
		arr = json_object_new_array();
		if (!arr) {
			cmd->err = ENOMEM;
			return;
		}
		json_object_array_add(
			arr, json_object_get((struct json_object *)verbs));
		verbs = arr;
	}
	if (!json_object_is_type(verbs, json_type_array)) {
		cmd->err = EINVAL;
		str_ncpy(cmd->why, "give a say or play verb, or an array",
			 sizeof(cmd->why));
		return;
	}
	if (cmd->call_sid &&
	    !strcmp(cmd->call_sid, fs_leg_sid(d->winner->leg)))
		leg = d->winner->leg;
	fs_call_unbridge(d->call);
	err = dial_say_start(&d->whisper, d, leg, verbs, dial_whisper_done, d);
	json_object_put(arr);
	if (err) {
		cmd->err = err;
		if (err == EINVAL)
			str_ncpy(cmd->why,
				 "only say and play verbs, with text or url",
				 sizeof(cmd->why));
		(void)fs_call_bridge(d->call, d->winner->leg);
		return;
	}
	fs_info("dial", "%s: whisper to the %s", fs_call_sid(d->call),
		leg ? "callee" : "caller");
}

/* The onHoldHook's answer: play, say and pause verbs (pauses are
 * skipped: the caller hears silence anyway); any other verb and none is
 * played, as jambonz gives up on the list */
static void dial_hold_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct dial *d = arg;
	struct json_object *v, *arr;
	size_t n;

	if (err || resp->status < 200 || resp->status > 299) {
		fs_warn("dial", "%s: onHoldHook failed (%m, %u)",
			fs_call_sid(d->call), err, err ? 0 : resp->status);
		return;
	}
	v = json_tokener_parse(resp->body);
	n = json_object_is_type(v, json_type_array)
		    ? json_object_array_length(v)
		    : 0;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		struct json_object *x = json_object_array_get_idx(v, i);
		const struct json_object *data;
		const char *name = dial_verb(x, &data);

		if (name && (!strcmp(name, "say") || !strcmp(name, "play"))) {
			json_object_array_add(arr, json_object_get(x));
		} else if (!name || strcmp(name, "pause")) {
			fs_warn("dial",
				"%s: onHoldHook: only play, say and pause "
				"verbs are played",
				fs_call_sid(d->call));
			json_object_put(arr);
			arr = NULL;
		}
	}
	json_object_put(v);
	if (arr && json_object_array_length(arr) && d->held && !d->whisper &&
	    !d->ended && d->winner && !d->winner->done) {
		struct fs_leg *to = d->held_by_caller ? d->winner->leg : NULL;

		fs_call_unbridge(d->call);
		err = dial_say_start(&d->whisper, d, to, arr,
				     dial_whisper_done, d);
		if (err) {
			fs_warn("dial", "%s: onHoldHook verbs not played: %m",
				fs_call_sid(d->call), err);
			(void)fs_call_bridge(d->call, d->winner->leg);
		} else {
			d->hold_play = true;
			fs_info("dial", "%s: onHoldHook verbs to the %s",
				fs_call_sid(d->call),
				to ? "callee" : "caller");
		}
	}
	json_object_put(arr);
}

/* jambonz posts onHoldHook with the caller's fields and hold_detail
 * {from, to} of the re-INVITE; taking the hold back stops its verbs */
/* The hold of either party: the verbs go to the other one */
static void dial_hold_any(struct dial *d, bool held, bool by_caller,
			  const char *from, const char *to)
{
	struct json_object *f, *hd, *hook;
	int err;

	if (d->ended)
		return;
	d->held = held;
	d->held_by_caller = by_caller;
	if (!held) {
		if (d->whisper && d->hold_play) {
			d->whisper = mem_deref(d->whisper);
			d->hold_play = false;
			if (d->winner && !d->winner->done)
				(void)fs_call_bridge(d->call, d->winner->leg);
		}
		return;
	}
	if (!json_object_object_get_ex(fs_task_data(d->t), "onHoldHook",
				       &hook))
		return;
	f = json_object_new_object();
	hd = json_object_new_object();
	if (!f || !hd) {
		json_object_put(f);
		json_object_put(hd);
		return;
	}
	json_object_object_add(hd, "from", json_object_new_string(from));
	json_object_object_add(hd, "to", json_object_new_string(to));
	json_object_object_add(f, "hold_detail", hd);
	err = fs_call_hook(d->call, fs_task_scope(d->t), "verb:hook", hook, f,
			   dial_hold_resp, d);
	if (err)
		fs_warn("dial", "%s: onHoldHook not sent: %m",
			fs_call_sid(d->call), err);
}

void dial_hold(struct fs_leg *leg, bool held, const char *from, const char *to,
	       void *arg)
{
	(void)leg;
	dial_hold_any(arg, held, false, from, to);
}

/* As jambonz's handleReinviteAfterMediaReleased with an onHoldHook: the
 * caller's hold goes on to the callee (a re-INVITE), the onHoldHook is
 * posted and its verbs play to the held callee until the caller takes
 * the hold back. Without an onHoldHook the core answered the caller's
 * re-INVITE, and nothing goes on, as jambonz's media server answers it */
void dial_caller_hold(struct dial *d, const struct fs_call_hold *h)
{
	if (d->ended || !d->winner || d->winner->done ||
	    !dial_has(d, "onHoldHook"))
		return;
	/* a hold of the callee's own is not the caller's to take back */
	if (d->held && !d->held_by_caller)
		return;
	if (!fs_leg_hold(d->winner->leg, h->held))
		fs_info("dial", "%s: the caller's %s goes on to the callee",
			fs_call_sid(d->call), h->held ? "hold" : "unhold");
	dial_hold_any(d, h->held, true, h->from, h->to);
}
