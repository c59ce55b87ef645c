/**
 * @file dial_dtmf.c  dtmfCapture: digits of the bridge to the dtmfHook
 *
 * As jambonz's DtmfCollector: each party's digits are kept while they
 * come less than 3 s apart (an older run is forgotten), and a digit
 * that makes them end with one of the party's patterns posts the
 * dtmfHook with {dtmf: pattern}: the caller's own fields for its
 * digits, the bridged leg's (call_sid, parent_call_sid) for the
 * callee's. The kept digits are not cleared by a match, as there.
 * Digits count whether they came as RFC 4733 events or SIP INFO.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include "dial.h"

#define DIAL_IDT_MS 3000 /* jambonz's interDigitTimeout */

/* dtmfCapture: an array for both parties, or {parentCall, childCall} */
void dial_dtmf_setup(struct dial *d, const struct json_object *data)
{
	struct json_object *cap, *v;

	if (!json_object_object_get_ex(data, "dtmfHook", NULL) ||
	    !json_object_object_get_ex(data, "dtmfCapture", &cap))
		return;
	if (json_object_is_type(cap, json_type_array)) {
		d->parent_keys.patterns = cap;
		d->child_keys.patterns = cap;
		return;
	}
	if (json_object_object_get_ex(cap, "parentCall", &v) &&
	    json_object_is_type(v, json_type_array))
		d->parent_keys.patterns = v;
	if (json_object_object_get_ex(cap, "childCall", &v) &&
	    json_object_is_type(v, json_type_array))
		d->child_keys.patterns = v;
}

/* The pattern the digits now end with, or NULL */
static const char *dial_keys_press(struct dial_keys *k, char digit)
{
	uint64_t now = tmr_jiffies();
	size_t n = json_object_array_length(k->patterns);

	if (k->n && now - k->last_ms >= DIAL_IDT_MS)
		k->n = 0;
	/* keep the newest digits: no pattern is longer than the buffer */
	if (k->n == DIAL_KEYS_MAX) {
		memmove(k->buf, k->buf + 1, DIAL_KEYS_MAX - 1);
		k->n--;
	}
	k->buf[k->n++] = digit;
	k->buf[k->n] = '\0';
	k->last_ms = now;
	for (size_t i = 0; i < n; i++) {
		struct json_object *p =
			json_object_array_get_idx(k->patterns, i);
		const char *s = json_object_get_string(p);
		size_t len = s ? strlen(s) : 0;

		if (!json_object_is_type(p, json_type_string) || !len ||
		    len > k->n)
			continue;
		if (!strcmp(k->buf + k->n - len, s))
			return s;
	}
	return NULL;
}

static struct json_object *dial_dtmf_fields(const char *match)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "dtmf",
				       json_object_new_string(match));
	return o;
}

static const struct json_object *dial_dtmf_hook(const struct dial *d)
{
	struct json_object *hook = NULL;

	(void)json_object_object_get_ex(fs_task_data(d->t), "dtmfHook", &hook);
	return hook;
}

static void dial_parent_dtmf(int err, const char *ev, void *data, void *arg)
{
	struct dial *d = arg;
	const char *digit = data, *match;

	(void)err;
	(void)ev;
	if (d->ended || !digit || !*digit)
		return;
	match = dial_keys_press(&d->parent_keys, *digit);
	if (!match)
		return;
	fs_info("dial", "%s: caller's digits match dtmfCapture '%s'",
		fs_call_sid(d->call), match);
	err = fs_call_event_hook(d->call, fs_task_scope(d->t),
				 dial_dtmf_hook(d), dial_dtmf_fields(match));
	if (err)
		fs_warn("dial", "%s: dtmfHook not sent: %m",
			fs_call_sid(d->call), err);
}

static void dial_child_dtmf(struct fs_leg *leg, char digit, void *arg)
{
	struct dial *d = arg;
	const char *match;
	int err;

	if (d->ended || !d->winner || d->winner->leg != leg)
		return;
	match = dial_keys_press(&d->child_keys, digit);
	if (!match)
		return;
	fs_info("dial", "%s: callee's digits match dtmfCapture '%s'",
		fs_leg_sid(leg), match);
	err = fs_leg_hook(leg, fs_task_scope(d->t), "verb:hook",
			  dial_dtmf_hook(d), dial_dtmf_fields(match), NULL,
			  NULL);
	if (err)
		fs_warn("dial", "%s: dtmfHook not sent: %m", fs_leg_sid(leg),
			err);
}

void dial_dtmf_start(struct dial *d, struct dial_target *dt)
{
	int err;

	if (d->parent_keys.patterns) {
		err = fs_scope_listen(fs_task_scope(d->t), FS_EV_DTMF, 0,
				      dial_parent_dtmf, d, NULL);
		if (err)
			fs_warn("dial", "%s: caller's digits not captured: %m",
				fs_call_sid(d->call), err);
	}
	if (d->child_keys.patterns)
		fs_leg_set_dtmf(dt->leg, dial_child_dtmf, d);
}
