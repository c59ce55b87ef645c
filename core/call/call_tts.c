/**
 * @file call_tts.c  A call's speech: the synthesizer asked for, and the
 *                   fallback vendor when it fails
 *
 * A verb's synthesizer overrides the session's (the config verb's), field
 * by field; a voice is taken from the session only when the vendor is
 * too, since another vendor's voice means nothing. When the synthesis
 * fails and the synthesizer names a fallbackVendor (with
 * fallbackLanguage, fallbackVoice, fallbackLabel), it is asked once, as
 * jambonz does.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "base/log.h"
#include "call/call.h"
#include "audio/tts.h"
#include "dir/dir_app.h"

struct call_tts {
	struct fs_call *c;
	struct fs_scope *scope;   /* borrowed: the caller's */
	struct fs_listener *bind; /* frees us if the scope closes first */
	struct tts_ask fb;        /* strings borrowed from the synthesizers,
				     which the verb keeps */
	char *text;
	char *vendor; /* the one that failed, for the log line */
	fs_audio_h *h;
	void *arg;
};

static void call_tts_destructor(void *arg)
{
	struct call_tts *ct = arg;

	mem_deref(ct->text);
	mem_deref(ct->vendor);
}

static void call_tts_release(void *arg)
{
	mem_deref(arg);
}

/* The verb's field, else the session's */
static const char *call_tts_field(const struct json_object *synth,
				  const struct fs_call *c, const char *key)
{
	const char *v = jsonutil_str(synth, key);

	return v ? v : jsonutil_str(c->synth, key);
}

static const struct json_object *
call_tts_options(const struct json_object *synth, const struct fs_call *c)
{
	struct json_object *o;

	if (synth && json_object_object_get_ex(synth, "options", &o))
		return o;
	if (c->synth && json_object_object_get_ex(c->synth, "options", &o))
		return o;
	return NULL;
}

static void call_tts_done(int err, struct fs_audio *audio, void *arg)
{
	struct call_tts *ct = arg;
	fs_audio_h *h = ct->h;
	void *harg = ct->arg;

	fs_listener_cancel(ct->bind);
	if (err) {
		fs_info("tts", "%s failed (%m): falling back to %s",
			ct->vendor, err, ct->fb.vendor);
		err = tts_synth_ask(ct->c->env->tts, &ct->fb, ct->text,
				    ct->scope, h, harg);
		mem_deref(ct);
		if (err)
			h(err, NULL, harg);
		return;
	}
	mem_deref(ct);
	h(0, audio, harg);
}

int fs_call_tts(struct fs_call *c, struct fs_scope *scope,
		const struct json_object *synth, const char *text,
		fs_audio_h *h, void *arg)
{
	return call_tts(c, scope, synth, text, c && c->tts_nocache, h, arg);
}

int fs_call_set_tts_cache(struct fs_call *c, bool enabled)
{
	if (!c)
		return EINVAL;
	c->tts_nocache = !enabled;
	return 0;
}

int call_tts(struct fs_call *c, struct fs_scope *scope,
	     const struct json_object *synth, const char *text, bool nocache,
	     fs_audio_h *h, void *arg)
{
	struct tts_ask ask;
	struct call_tts *ct;
	int err;

	if (!c || !scope || !text || !h)
		return EINVAL;
	ask = (struct tts_ask){
		.vendor = call_tts_field(synth, c, "vendor"),
		.lang = call_tts_field(synth, c, "language"),
		.voice = jsonutil_str(synth, "voice"),
		.label = call_tts_field(synth, c, "label"),
		.engine = call_tts_field(synth, c, "engine"),
		.model = call_tts_field(synth, c, "model"),
		.options = call_tts_options(synth, c),
		.creds = c->app ? c->app->speech : NULL,
		.account = c->app ? c->app->account_sid : NULL,
		.nocache = nocache,
	};
	if (!ask.voice && (!ask.vendor || !jsonutil_str(synth, "vendor")))
		ask.voice = jsonutil_str(c->synth, "voice");

	if (!call_tts_field(synth, c, "fallbackVendor"))
		return tts_synth_ask(c->env->tts, &ask, text, scope, h, arg);

	ct = mem_zalloc(sizeof(*ct), call_tts_destructor);
	if (!ct)
		return ENOMEM;
	ct->c = c;
	ct->scope = scope;
	ct->h = h;
	ct->arg = arg;
	ct->fb = (struct tts_ask){
		.vendor = call_tts_field(synth, c, "fallbackVendor"),
		.lang = call_tts_field(synth, c, "fallbackLanguage"),
		.voice = call_tts_field(synth, c, "fallbackVoice"),
		.label = call_tts_field(synth, c, "fallbackLabel"),
		.creds = ask.creds,
		.account = ask.account,
		.nocache = nocache,
	};
	if (!ct->fb.lang)
		ct->fb.lang = ask.lang;
	err = str_dup(&ct->text, text);
	err |= str_dup(&ct->vendor, ask.vendor ? ask.vendor : "default");
	if (!err)
		err = fs_scope_bind(scope, call_tts_release, ct, &ct->bind);
	if (err) {
		mem_deref(ct);
		return err == ESHUTDOWN ? err : ENOMEM;
	}
	err = tts_synth_ask(c->env->tts, &ask, text, scope, call_tts_done, ct);
	if (!err)
		return 0;
	/* failed before starting: the fallback at once */
	fs_listener_cancel(ct->bind);
	fs_info("tts", "%s failed (%m): falling back to %s", ct->vendor, err,
		ct->fb.vendor);
	err = tts_synth_ask(c->env->tts, &ct->fb, text, scope, h, arg);
	mem_deref(ct);
	return err;
}
