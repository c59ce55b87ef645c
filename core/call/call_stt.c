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
#include "audio/speechcred.h"
#include "dir/dir_app.h"
#include "sip/stack.h"
#include "speech/stt.h"

static void call_stt_put(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
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
	sc = (struct stt_conf){
		.req = c->env->req,
		.scope = scope,
		.vendor = vendor,
		.cred = cred,
		.recog = r,
		.call_sid = c->sid,
		.handshake_ms = cfg ? cfg->ws_handshake_timeout_ms : 0,
		.channel = channel,
		.h = h,
		.arg = arg,
	};
	err = stt_start(sp, &sc);
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
