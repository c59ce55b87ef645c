/**
 * @file call_stt.c  A call's speech recognition: the recognizer asked
 *                   for, its credential, the caller's audio to it
 *
 * The verb's recognizer overrides the session's (config) field by field,
 * over the application's defaults (stt_vendor, stt_language); a vendor
 * "default" is the session's. The credential is the account's row for
 * recognition, else SPEECH_CREDENTIALS_FILE's, read when the recognition
 * starts (so a reload's file is seen at once).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include "app.h"
#include "base/cfg.h"
#include "base/jsonutil.h"
#include "base/log.h"
#include "call/call.h"
#include "call/call_stt.h"
#include "call/ws_app.h"
#include "audio/aws_sts.h"
#include "audio/speechcred.h"
#include "audio/tts.h"
#include "audio/tts_token.h"
#include "audio/ttsv.h"
#include "dir/dir_app.h"
#include "sip/stack.h"
#include "speech/stt.h"

static void call_stt_put(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

/* r's altLanguages become verb's then r's own, each language once */
static void call_stt_alt_langs(struct json_object *r, struct json_object *verb)
{
	struct json_object *sess = NULL, *out = json_object_new_array();
	struct json_object *lists[2];

	if (!out)
		return;
	(void)json_object_object_get_ex(r, "altLanguages", &sess);
	lists[0] = verb;
	lists[1] = json_object_is_type(sess, json_type_array) ? sess : NULL;
	for (size_t l = 0; l < 2 && lists[l]; l++) {
		for (size_t i = 0; i < json_object_array_length(lists[l]);
		     i++) {
			struct json_object *v =
				json_object_array_get_idx(lists[l], i);
			bool seen = false;

			for (size_t j = 0; j < json_object_array_length(out);
			     j++)
				seen |= json_object_equal(
					v, json_object_array_get_idx(out, j));
			if (!seen)
				json_object_array_add(out, json_object_get(v));
		}
	}
	json_object_object_add(r, "altLanguages", out);
}

struct json_object *fs_call_recognizer(const struct fs_call *c,
				       const struct json_object *recog)
{
	struct json_object *r = json_object_new_object();
	const struct cfg *cfg;
	const char *v;

	if (!r || !c)
		return r;
	/* the server's defaults (STT_VENDOR, STT_LANGUAGE) under the
	 * application's */
	cfg = c->env && c->env->stk && c->env->stk->app ? c->env->stk->app->cfg
							: NULL;
	if (cfg) {
		call_stt_put(r, "vendor", cfg->stt_vendor);
		call_stt_put(r, "language", cfg->stt_language);
	}
	if (c->app) {
		call_stt_put(r, "vendor", c->app->stt_vendor);
		call_stt_put(r, "language", c->app->stt_language);
	}
	if (c->recog && json_object_is_type(c->recog, json_type_object)) {
		json_object_object_foreach(c->recog, k, val)
		{
			json_object_object_add(r, k, json_object_get(val));
		}
	}
	if (!recog || !json_object_is_type(recog, json_type_object))
		return r;
	json_object_object_foreach((struct json_object *)recog, k, val)
	{
		/* the session's altLanguages go after the verb's, as
		 * jambonz's stt-task concatenates config's */
		if (!strcmp(k, "altLanguages") &&
		    json_object_is_type(val, json_type_array)) {
			call_stt_alt_langs(r, val);
			continue;
		}
		/* "default": the session's */
		if (json_object_is_type(val, json_type_string) &&
		    !strcmp(json_object_get_string(val), "default") &&
		    (!strcmp(k, "vendor") || !strcmp(k, "language")))
			continue;
		json_object_object_add(r, k, json_object_get(val));
	}
	v = jsonutil_str(r, "vendor");
	if (!v)
		call_stt_put(r, "vendor", "default");
	return r;
}

static void call_stt_tap(const int16_t *caller, const int16_t *peer, size_t n,
			 void *arg)
{
	(void)peer;
	stt_feed(arg, caller, n);
}

/* A recognition waiting for its STS keys; weak: the recognition may end
 * first (the token cache calls back all the same) */
struct call_sts {
	struct fs_stt *s;
	struct fs_listener *bind;
	struct json_object *cred;
};

static void call_sts_destructor(void *arg)
{
	struct call_sts *w = arg;

	fs_listener_cancel(w->bind);
	json_object_put(w->cred);
}

static void call_sts_gone(void *arg)
{
	struct call_sts *w = arg;

	w->bind = NULL;
	w->s = NULL;
}

static void call_sts_keys(int err, const char *token, void *arg)
{
	struct call_sts *w = arg;
	struct json_object *cred = NULL;

	if (w->s) {
		if (!err) {
			cred = aws_sts_cred(w->cred, token);
			err = cred ? 0 : ENOMEM;
		}
		stt_cred(w->s, err, cred);
		json_object_put(cred);
	}
	mem_deref(w);
}

/* roleArn: the temporary keys of an STS AssumeRole, from the loop's
 * token cache (shared with synthesis), as stt-task.js asks for them */
static int call_stt_sts(struct fs_call *c, struct fs_stt *s,
			const struct json_object *cred)
{
	struct ttsv_http th = {0};
	struct call_sts *w;
	char key[512] = "", why[160] = "";
	int err;

	err = aws_sts_request(&th, cred, key, sizeof(key), why, sizeof(why));
	if (err == EINVAL)
		fs_warn("stt", "%s: %s", c->sid, why);
	w = err ? NULL : mem_zalloc(sizeof(*w), call_sts_destructor);
	if (!err && !w)
		err = ENOMEM;
	if (!err &&
	    json_object_deep_copy((struct json_object *)cred, &w->cred, NULL))
		err = ENOMEM;
	if (!err)
		err = fs_scope_bind(stt_scope(s), call_sts_gone, w, &w->bind);
	if (!err) {
		w->s = s;
		err = tts_token_get_as(tts_token_cache(c->env->tts), key, &th,
				       aws_sts_parse, true, call_sts_keys, w);
	}
	if (err)
		mem_deref(w);
	ttsv_http_reset(&th);
	return err;
}

int fs_call_stt(struct fs_stt **sp, struct fs_call *c, struct fs_scope *scope,
		const struct json_object *recog, fs_stt_h *h, void *arg)
{
	int err = call_stt_open(sp, c, scope, recog, 1, h, arg);

	if (err)
		return err;
	err = fs_call_tap(NULL, c, stt_scope(*sp), call_stt_tap, *sp);
	if (err) {
		fs_stt_close(*sp);
		*sp = NULL;
	}
	return err;
}

int call_stt_open(struct fs_stt **sp, struct fs_call *c,
		  struct fs_scope *scope, const struct json_object *recog,
		  unsigned channel, fs_stt_h *h, void *arg)
{
	const struct cfg *cfg = c && c->env && c->env->stk && c->env->stk->app
					? c->env->stk->app->cfg
					: NULL;
	const struct json_object *cred;
	struct speechcred *file = NULL;
	struct json_object *r;
	const char *vendor, *label;
	struct stt_conf sc;
	bool sts;
	char esc[64];
	int err;

	if (!sp || !c || !scope || !h)
		return EINVAL;
	r = fs_call_recognizer(c, recog);
	if (!r)
		return ENOMEM;
	vendor = jsonutil_str(r, "vendor");
	label = jsonutil_str(r, "label");
	log_escape(esc, sizeof(esc), vendor ? vendor : "");
	if (!vendor || !stt_known(vendor)) {
		fs_warn("stt", "%s: recognition by '%s' is not supported",
			c->sid, esc);
		json_object_put(r);
		return ENOTSUP;
	}
	cred = speechcred_rows_find(c->app ? c->app->speech : NULL, vendor,
				    label, false);
	if (!cred && cfg && cfg->speech_creds_file &&
	    *cfg->speech_creds_file &&
	    !speechcred_load(&file, cfg->speech_creds_file))
		cred = speechcred_find(file, vendor, label, false);
	if (!cred) {
		char lesc[64];

		log_escape(lesc, sizeof(lesc), label ? label : "");
		fs_info("stt",
			"%s: no credential for vendor '%s' (label '%s') "
			"for recognition: the verb ends",
			c->sid, esc, lesc);
		mem_deref(file);
		json_object_put(r);
		return ENOKEY;
	}
	sts = !strcasecmp(vendor, "aws") && aws_sts_wanted(cred, true);
	sc = (struct stt_conf){
		.req = c->env->req,
		.scope = scope,
		.vendor = vendor,
		.cred = cred,
		.recog = r,
		.call_sid = c->sid,
		.handshake_ms = cfg ? cfg->ws_handshake_timeout_ms : 0,
		.channel = channel,
		.cred_later = sts,
		.h = h,
		.arg = arg,
	};
	err = stt_start(sp, &sc);
	if (!err && sts) {
		err = call_stt_sts(c, *sp, cred);
		if (err) {
			fs_stt_close(*sp);
			*sp = NULL;
		}
	}
	mem_deref(file);
	json_object_put(r);
	return err;
}

static void call_stt_hook_resp(int err, const struct fs_resp *resp, void *arg)
{
	(void)resp;
	if (err)
		fs_info("stt", "%s: a transcription hook failed: %m",
			(const char *)arg, err);
}

int fs_call_stt_hook(struct fs_call *c, struct fs_scope *scope,
		     const struct json_object *hook,
		     const struct json_object *evt)
{
	struct json_object *payload;
	struct fs_req_opts opts;
	struct fs_hook h;
	int err;

	if (!c || !scope || !hook)
		return EINVAL;
	call_hook_fill(c, hook, &h, &opts);
	if (!h.url || !*h.url)
		return EINVAL;
	payload = call_payload(c);
	if (!payload)
		return ENOMEM;
	if (evt)
		json_object_object_add(
			payload, "speech",
			json_object_get((struct json_object *)evt));
	opts.body = json_object_to_json_string_ext(
		payload,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (c->ws && !ws_app_url_is_http(h.url))
		err = ws_app_request(c->ws, scope, "verb:hook", h.url, payload,
				     call_stt_hook_resp, c->sid);
	else
		err = fs_req_send(c->env->req, scope, &h, &opts,
				  call_stt_hook_resp, c->sid);
	json_object_put(payload);
	return err;
}
