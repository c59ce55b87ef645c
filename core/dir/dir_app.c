/**
 * @file dir_app.c  The application a call runs, and webhooks as
 *                  configured: the objects every backend makes
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jsonutil.h"
#include <fs/fs_req.h>
#include "dir/dir_app.h"

int dir_strdup(char **dst, const char *s)
{
	*dst = mem_deref(*dst);
	if (!s || !*s)
		return 0;
	return str_dup(dst, s);
}

void dir_hook_reset(struct dir_hook *h)
{
	if (!h)
		return;
	h->url = mem_deref(h->url);
	h->method = mem_deref(h->method);
	h->username = mem_deref(h->username);
	h->password = mem_deref(h->password);
}

static void dir_app_destructor(void *data)
{
	struct dir_app *a = data;

	mem_deref(a->account_sid);
	mem_deref(a->application_sid);
	mem_deref(a->service_provider_sid);
	mem_deref(a->webhook_secret);
	mem_deref(a->sip_realm);
	dir_hook_reset(&a->call_hook);
	dir_hook_reset(&a->status_hook);
	json_object_put(a->app_json);
	json_object_put(a->env_vars);
	json_object_put(a->speech);
	json_object_put(a->carriers);
	json_object_put(a->number_carriers);
	mem_deref(a->ms_teams_fqdn);
	mem_deref(a->tenant_fqdn);
	mem_deref(a->tts_vendor);
	mem_deref(a->tts_language);
	mem_deref(a->tts_voice);
	mem_deref(a->stt_vendor);
	mem_deref(a->stt_language);
}

int dir_hook_copy(struct dir_hook *dst, const struct dir_hook *src)
{
	int err = 0;

	if (!src)
		return 0;
	err |= dir_strdup(&dst->url, src->url);
	err |= dir_strdup(&dst->method, src->method);
	err |= dir_strdup(&dst->username, src->username);
	err |= dir_strdup(&dst->password, src->password);
	return err ? ENOMEM : 0;
}

int dir_hook_from_json(struct dir_hook *h, const struct json_object *o)
{
	int err = 0;

	if (!h)
		return EINVAL;
	dir_hook_reset(h);
	if (!o)
		return 0;
	if (json_object_is_type(o, json_type_string))
		return dir_strdup(&h->url, json_object_get_string(
						   (struct json_object *)o));
	if (!json_object_is_type(o, json_type_object))
		return EINVAL;
	err |= dir_strdup(&h->url, jsonutil_str(o, "url"));
	err |= dir_strdup(&h->method, jsonutil_str(o, "method"));
	err |= dir_strdup(&h->username, jsonutil_str(o, "username"));
	err |= dir_strdup(&h->password, jsonutil_str(o, "password"));
	if (err)
		return ENOMEM;
	return h->url ? 0 : EINVAL;
}

int dir_app_new(struct dir_app **ap)
{
	struct dir_app *a = mem_zalloc(sizeof(*a), dir_app_destructor);

	if (!a)
		return ENOMEM;
	*ap = a;
	return 0;
}

void dir_hook_req(const struct dir_hook *dh, struct fs_hook *h)
{
	if (!dh || !h)
		return;
	h->url = dh->url;
	h->method = dh->method;
	h->username = dh->username;
	h->password = dh->password;
}

static struct json_object *dir_json_ref(struct json_object *o)
{
	return o ? json_object_get(o) : NULL;
}

int dir_app_merge(struct dir_app **ap, const struct dir_app *base,
		  const struct dir_app *over)
{
	const struct dir_hook *ch, *sh;
	struct dir_app *a;
	int err;

	if (!ap || !base || !over)
		return EINVAL;
	err = dir_app_new(&a);
	if (err)
		return err;
	/* what the request names wins over the stored application */
	ch = over->call_hook.url ? &over->call_hook : &base->call_hook;
	sh = over->status_hook.url ? &over->status_hook : &base->status_hook;
	err |= dir_hook_copy(&a->call_hook, ch);
	err |= dir_hook_copy(&a->status_hook, sh);
	err |= dir_strdup(&a->account_sid, base->account_sid
						   ? base->account_sid
						   : over->account_sid);
	err |= dir_strdup(&a->application_sid,
			  base->application_sid ? base->application_sid
						: over->application_sid);
	err |= dir_strdup(&a->service_provider_sid,
			  base->service_provider_sid);
	err |= dir_strdup(&a->webhook_secret, base->webhook_secret);
	err |= dir_strdup(&a->sip_realm, base->sip_realm);
	err |= dir_strdup(&a->tts_vendor, base->tts_vendor);
	err |= dir_strdup(&a->tts_language, base->tts_language);
	err |= dir_strdup(&a->tts_voice, base->tts_voice);
	err |= dir_strdup(&a->stt_vendor, base->stt_vendor);
	err |= dir_strdup(&a->stt_language, base->stt_language);
	err |= dir_strdup(&a->ms_teams_fqdn, base->ms_teams_fqdn);
	err |= dir_strdup(&a->tenant_fqdn, base->tenant_fqdn);
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}
	/* a request with a call_hook of its own runs that, not the
	 * stored app_json */
	a->app_json = dir_json_ref(over->app_json        ? over->app_json
				   : over->call_hook.url ? NULL
							 : base->app_json);
	a->env_vars = dir_json_ref(base->env_vars);
	a->speech = dir_json_ref(base->speech);
	a->carriers = dir_json_ref(base->carriers);
	a->number_carriers = dir_json_ref(base->number_carriers);
	*ap = a;
	return 0;
}
