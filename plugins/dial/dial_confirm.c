/**
 * @file dial_confirm.c  confirmHook: verbs run on an answered target
 *                       before it is bridged (call screening)
 *
 * As jambonz's SingleDialer._executeApp: the hook gets the target's own
 * fields (a dial:confirm message for a WebSocket application); no verbs
 * accept the target at once. The verbs run on the target alone (say,
 * play, pause, gather of digits, hangup) while the other targets go on
 * ringing; a target still there at the end is accepted, one hung up
 * (by the hangup verb or its own BYE) is declined, and so is one whose
 * hook failed or answered a verb this list cannot run. A gather's
 * actionHook gets the target's fields with digits and reason; verbs in
 * its answer replace the rest of the list, as a session's would.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include "dial.h"

#define DIAL_CONFIRM_ROUNDS 10 /* gather answers that replace the list */
#define DIAL_GATHER_DIGITS  64

struct dial_confirm {
	struct dial_target *dt;
	struct fs_scope *scope; /* the hook, verbs, timers */
	struct json_object *verbs;
	size_t i;
	uint32_t rounds;
	struct dial_say *say;
	/* the gather running */
	const struct json_object *gather;
	char digits[DIAL_GATHER_DIGITS + 1];
	size_t ndigits, num_digits, max_digits;
	char finish_key;
	uint32_t timeout_ms;
	struct fs_listener *timer;
	bool collecting;
};

static void dial_confirm_destructor(void *arg)
{
	struct dial_confirm *cf = arg;

	cf->say = mem_deref(cf->say);
	if (cf->scope)
		fs_scope_close(cf->scope);
	mem_deref(cf->scope);
	json_object_put(cf->verbs);
}

void dial_confirm_stop(struct dial_target *dt)
{
	if (!dt->confirm)
		return;
	fs_leg_set_dtmf(dt->leg, NULL, NULL);
	dt->confirm = mem_deref(dt->confirm);
}

/* The list is over: dt goes on to the bridge or is declined (both
 * free cf through dial_confirm_stop) */
static void dial_confirm_end(struct dial_confirm *cf, const char *decline)
{
	struct dial_target *dt = cf->dt;

	if (decline) {
		dial_decline(dt, decline);
		return;
	}
	dial_confirm_stop(dt);
	fs_info("dial", "%s: confirmHook done, target accepted",
		fs_leg_sid(dt->leg));
	dial_accept(dt);
}

static void dial_confirm_next(struct dial_confirm *cf);

/* A new list of verbs (the hook's answer, a gather's actionHook's):
 * NULL when there is none, or it is not JSON verbs */
static struct json_object *dial_confirm_parse(const struct fs_resp *resp,
					      bool *bad)
{
	struct json_object *o;

	*bad = false;
	if (!resp->len)
		return NULL;
	o = json_tokener_parse(resp->body);
	if (!o || !json_object_is_type(o, json_type_array)) {
		*bad = o != NULL || resp->len;
		json_object_put(o);
		return NULL;
	}
	if (!json_object_array_length(o)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void dial_confirm_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct dial_confirm *cf = arg;
	struct json_object *v;
	bool bad;

	if (err || resp->status < 200 || resp->status > 299) {
		dial_confirm_end(cf, "confirmHook failed");
		return;
	}
	v = dial_confirm_parse(resp, &bad);
	if (bad) {
		dial_confirm_end(cf, "confirmHook answered no verbs");
		return;
	}
	if (!v) {
		dial_confirm_end(cf, NULL);
		return;
	}
	json_object_put(cf->verbs);
	cf->verbs = v;
	cf->i = 0;
	dial_confirm_next(cf);
}

static void dial_confirm_said(int err, void *arg)
{
	struct dial_confirm *cf = arg;

	cf->say = mem_deref(cf->say);
	/* a gather's prompt: the digits are still awaited */
	if (cf->gather)
		return;
	if (err) {
		dial_confirm_end(cf, "prompt failed");
		return;
	}
	dial_confirm_next(cf);
}

static void dial_confirm_paused(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	dial_confirm_next(arg);
}

/* gather ----------------------------------------------------------------- */

static void dial_gather_hook_resp(int err, const struct fs_resp *resp,
				  void *arg)
{
	struct dial_confirm *cf = arg;
	struct json_object *v;
	bool bad;

	if (err || resp->status < 200 || resp->status > 299) {
		/* as a verb's actionHook failing: the list goes on */
		dial_confirm_next(cf);
		return;
	}
	v = dial_confirm_parse(resp, &bad);
	if (v && ++cf->rounds <= DIAL_CONFIRM_ROUNDS) {
		json_object_put(cf->verbs);
		cf->verbs = v;
		cf->i = 0;
	} else {
		json_object_put(v);
	}
	dial_confirm_next(cf);
}

static void dial_gather_done(struct dial_confirm *cf, const char *reason)
{
	struct json_object *f = json_object_new_object(), *hook;
	const struct json_object *g = cf->gather;
	int err;

	cf->collecting = false;
	cf->gather = NULL;
	fs_listener_cancel(cf->timer);
	cf->timer = NULL;
	cf->say = mem_deref(cf->say);
	fs_leg_set_dtmf(cf->dt->leg, NULL, NULL);
	if (!json_object_object_get_ex(g, "actionHook", &hook)) {
		json_object_put(f);
		dial_confirm_next(cf);
		return;
	}
	if (f) {
		if (cf->ndigits)
			json_object_object_add(
				f, "digits",
				json_object_new_string(cf->digits));
		json_object_object_add(f, "reason",
				       json_object_new_string(reason));
	}
	err = fs_leg_hook(cf->dt->leg, cf->scope, "verb:hook", hook, f,
			  dial_gather_hook_resp, cf);
	if (err)
		dial_confirm_next(cf);
}

static void dial_gather_timeout(int err, const char *ev, void *data, void *arg)
{
	struct dial_confirm *cf = arg;

	(void)ev;
	(void)data;
	if (err != ETIMEDOUT)
		return;
	cf->timer = NULL;
	dial_gather_done(cf, cf->ndigits ? "dtmfDetected" : "timeout");
}

static void dial_gather_dtmf(struct fs_leg *leg, char digit, void *arg)
{
	struct dial_confirm *cf = arg;

	(void)leg;
	if (!cf->gather)
		return;
	/* a digit stops the prompt, as bargein on dtmf does */
	cf->say = mem_deref(cf->say);
	if (cf->finish_key && digit == cf->finish_key) {
		dial_gather_done(cf, "dtmfDetected");
		return;
	}
	if (cf->ndigits < DIAL_GATHER_DIGITS) {
		cf->digits[cf->ndigits++] = digit;
		cf->digits[cf->ndigits] = '\0';
	}
	if ((cf->num_digits && cf->ndigits >= cf->num_digits) ||
	    (cf->max_digits && cf->ndigits >= cf->max_digits)) {
		dial_gather_done(cf, "dtmfDetected");
		return;
	}
	/* the timeout starts over with each digit */
	fs_listener_cancel(cf->timer);
	cf->timer = NULL;
	(void)fs_scope_listen(cf->scope, NULL, cf->timeout_ms,
			      dial_gather_timeout, cf, &cf->timer);
}

static size_t dial_num(const struct json_object *o, const char *k, size_t def)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, k, &v))
		return def;
	n = json_object_get_int64(v);
	return n > 0 && n <= DIAL_GATHER_DIGITS ? (size_t)n : def;
}

static int dial_gather(struct dial_confirm *cf, const struct json_object *g)
{
	struct json_object *v, *arr, *p;
	const char *key;
	int err;

	cf->gather = g;
	cf->collecting = true;
	cf->ndigits = 0;
	cf->digits[0] = '\0';
	cf->num_digits = dial_num(g, "numDigits", 0);
	cf->max_digits = dial_num(g, "maxDigits", 0);
	cf->finish_key = '\0';
	if (json_object_object_get_ex(g, "finishOnKey", &v) &&
	    json_object_get_string_len(v) == 1)
		cf->finish_key = *json_object_get_string(v);
	cf->timeout_ms = 5000;
	if (json_object_object_get_ex(g, "timeout", &v))
		cf->timeout_ms =
			fs_secs_ms(json_object_get_double(v), 5000, 3600000u);
	fs_leg_set_dtmf(cf->dt->leg, dial_gather_dtmf, cf);
	err = fs_scope_listen(cf->scope, NULL, cf->timeout_ms,
			      dial_gather_timeout, cf, &cf->timer);
	if (err)
		return err;
	/* its nested say or play, to the target */
	if (json_object_object_get_ex(g, "say", &p))
		key = "say";
	else if (json_object_object_get_ex(g, "play", &p))
		key = "play";
	else
		return 0;
	arr = json_object_new_array();
	v = json_object_new_object();
	if (!arr || !v) {
		json_object_put(arr);
		json_object_put(v);
		return ENOMEM;
	}
	json_object_object_add(v, key, json_object_get(p));
	json_object_array_add(arr, v);
	err = dial_say_start(&cf->say, cf->dt->d, cf->dt->leg, arr,
			     dial_confirm_said, cf);
	json_object_put(arr);
	return err;
}

/* the list ------------------------------------------------------------- */

static void dial_confirm_next(struct dial_confirm *cf)
{
	const struct json_object *data;
	struct json_object *v, *arr;
	const char *name;
	int err = 0;

	if (cf->i >= json_object_array_length(cf->verbs)) {
		dial_confirm_end(cf, NULL);
		return;
	}
	v = json_object_array_get_idx(cf->verbs, cf->i++);
	name = dial_verb(v, &data);
	if (!name) {
		dial_confirm_end(cf, "confirmHook: not a verb");
		return;
	}
	if (!strcmp(name, "say") || !strcmp(name, "play")) {
		arr = json_object_new_array();
		if (!arr) {
			dial_confirm_end(cf, "out of memory");
			return;
		}
		json_object_array_add(arr, json_object_get(v));
		err = dial_say_start(&cf->say, cf->dt->d, cf->dt->leg, arr,
				     dial_confirm_said, cf);
		json_object_put(arr);
	} else if (!strcmp(name, "pause")) {
		double secs = 0;

		if (json_object_object_get_ex(data, "length", &v))
			secs = json_object_get_double(v);
		err = fs_scope_listen(cf->scope, NULL,
				      fs_secs_ms(secs, 1000, 3600000u),
				      dial_confirm_paused, cf, NULL);
	} else if (!strcmp(name, "gather")) {
		err = dial_gather(cf, data);
	} else if (!strcmp(name, "hangup")) {
		dial_confirm_end(cf, "hung up by the confirmHook's verbs");
		return;
	} else {
		char esc[64];

		fs_log_escape(esc, sizeof(esc), name);
		fs_warn("dial",
			"%s: confirmHook verb '%s' cannot run on a "
			"dialled target",
			fs_leg_sid(cf->dt->leg), esc);
		dial_confirm_end(cf, "unsupported verb in the confirmHook");
		return;
	}
	if (err)
		dial_confirm_end(cf, "confirmHook verb failed");
}

void dial_confirm_start(struct dial_target *dt)
{
	struct dial *d = dt->d;
	struct dial_confirm *cf;
	struct json_object *hook = NULL;
	int err;

	cf = mem_zalloc(sizeof(*cf), dial_confirm_destructor);
	if (!cf) {
		dial_decline(dt, "out of memory");
		return;
	}
	cf->dt = dt;
	dt->confirm = cf;
	if (!json_object_object_get_ex(dt->spec, "confirmHook", &hook))
		hook = (struct json_object *)d->confirm_hook;
	err = fs_scope_alloc(&cf->scope, fs_task_scope(d->t), "confirm");
	if (!err)
		err = fs_leg_hook(dt->leg, cf->scope, "dial:confirm", hook,
				  NULL, dial_confirm_resp, cf);
	if (err) {
		dial_decline(dt, "confirmHook not sent");
		return;
	}
	fs_info("dial", "%s: answered, confirmHook sent", fs_leg_sid(dt->leg));
}
