/**
 * @file rasa_bot.c  The Rasa REST channel and the verb's eventHook
 *
 * As jambonz's TaskRasa._onTranscription: the caller's words go to the
 * eventHook ({event: "userMessage", message}) and, at the same time, to
 * Rasa as {sender: call_sid, message}; an answer other than 200 with JSON
 * ends the verb with rasaResult webhookError. The answer's texts, joined
 * as jambonz joins them, are the next prompt, and the answer itself goes
 * to the eventHook ({event: "botMessage", message}). An eventHook that
 * answers verbs redirects: they replace the list, and the actionHook
 * gets rasaResult redirect (its answer unused).
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include "rasa.h"

static void rasa_event_answer(int err, const struct json_object *verbs,
			      void *arg)
{
	struct rasa *r = arg;
	const struct json_object *hook;

	if (err) {
		fs_info("rasa", "%s: eventHook: %m", fs_call_sid(r->c), err);
		return;
	}
	if (r->reported || !json_object_array_length(verbs))
		return;
	fs_info("rasa", "%s: the eventHook redirected", fs_call_sid(r->c));
	r->reported = true;
	hook = rasa_prop(r, "actionHook");
	if (hook) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "rasaResult",
				       json_object_new_string("redirect"));
		(void)fs_call_hook_post(r->c, hook, o);
	}
	/* cancels this task (rasa_cancel: reported already) */
	if (fs_call_replace_verbs(r->c, verbs))
		rasa_end(r, "redirect");
}

static void rasa_event(struct rasa *r, const char *event,
		       struct json_object *message)
{
	const struct json_object *hook = rasa_prop(r, "eventHook");
	struct json_object *f;
	int err;

	if (!hook) {
		json_object_put(message);
		return;
	}
	f = json_object_new_object();
	json_object_object_add(f, "event", json_object_new_string(event));
	json_object_object_add(f, "message", message);
	err = fs_call_hook_verbs(r->c, fs_task_scope(r->t), hook, f,
				 rasa_event_answer, r);
	if (err)
		fs_info("rasa", "%s: eventHook: %m", fs_call_sid(r->c), err);
}

/*
 * The bot's words as jambonz's reduce makes them: each text after a
 * space, and an element without text drops what came before it
 */
static int rasa_join(struct mbuf *mb, const struct json_object *answer)
{
	size_t n = json_object_array_length(answer);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		struct json_object *e = json_object_array_get_idx(answer, i);
		struct json_object *v;
		const char *s = NULL;

		if (json_object_is_type(e, json_type_object) &&
		    json_object_object_get_ex(e, "text", &v) &&
		    json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
		if (!s || !*s) {
			mbuf_rewind(mb);
			continue;
		}
		err = mbuf_printf(mb, " %s", s);
	}
	if (!err)
		err = mbuf_write_u8(mb, 0);
	return err;
}

static void rasa_failed(struct rasa *r, const char *why, int err)
{
	fs_warn("rasa", "%s: Rasa: %s: %m", fs_call_sid(r->c), why, err);
	rasa_end(r, "webhookError");
}

static void rasa_answer(int err, const struct fs_resp *resp, void *arg)
{
	struct rasa *r = arg;
	struct json_object *answer;
	struct mbuf *mb;

	if (err) {
		rasa_failed(r, "no answer", err);
		return;
	}
	if (resp->status != 200) {
		fs_warn("rasa", "%s: Rasa answered %u", fs_call_sid(r->c),
			resp->status);
		rasa_end(r, "webhookError");
		return;
	}
	answer = json_tokener_parse(resp->body);
	if (!answer) {
		rasa_failed(r, "the answer is not JSON", EPROTO);
		return;
	}
	mb = mbuf_alloc(256);
	if (!mb || !json_object_is_type(answer, json_type_array) ||
	    rasa_join(mb, answer) || mb->end <= 1) {
		/* no words to say: listen again */
		fs_info("rasa", "%s: no text from Rasa: listening again",
			fs_call_sid(r->c));
		rasa_listen(r, NULL);
	} else {
		rasa_listen(r, (const char *)mb->buf);
		rasa_event(r, "botMessage", json_object_get(answer));
	}
	mem_deref(mb);
	json_object_put(answer);
}

void rasa_user(struct rasa *r, const char *utterance)
{
	const struct json_object *url = rasa_prop(r, "url");
	struct fs_hook hook = {.method = "POST"};
	struct fs_req_opts opts = {0};
	struct json_object *p;
	int err;

	rasa_event(r, "userMessage", json_object_new_string(utterance));
	if (r->reported)
		return;
	p = json_object_new_object();
	json_object_object_add(p, "sender",
			       json_object_new_string(fs_call_sid(r->c)));
	json_object_object_add(p, "message",
			       json_object_new_string(utterance));
	hook.url = json_object_get_string((struct json_object *)url);
	opts.body = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN);
	err = fs_req_send(fs_call_req(r->c), fs_task_scope(r->t), &hook, &opts,
			  rasa_answer, r);
	json_object_put(p);
	if (err)
		rasa_failed(r, "cannot post", err);
}
