/**
 * @file dir_file.c  The embedded file directory and the built-in demo
 *
 * The file is shaped like the jambonz tables (accounts, applications,
 * phone_numbers) so that moving to the MySQL directory later is a copy
 * of rows. See docs/directory.md.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jsonutil.h"
#include "dir/backend.h"
#include "dir/dir_file.h"
#include "dir/directory.h"
#include "base/log.h"

#define DIR_DEFAULT_ACCOUNT "9351f46a-678c-43f5-b8a6-d4eb58d131af"
#define DIR_DEMO_APP        "0dddaabf-0a30-43e3-84e8-426873b1a78b"
#define DIR_DEFAULT_APP     "4b12a9d4-1a64-4c65-b37c-f6b1a2b60a2d"

struct dir_file {
	struct list apps;    /* struct dir_entry */
	struct list numbers; /* struct dir_number */
	struct list accounts;
	struct dir_app *default_app; /* DEFAULT_CALL_HOOK, or the demo */
	char *default_account;
};

struct dir_entry {
	struct le le;
	struct dir_app *app;
};

struct dir_number {
	struct le le;
	char *number;
	char *application_sid;
	char *account_sid;
	char *carrier_sid;
};

struct dir_account {
	struct le le;
	char *account_sid;
	char *secret;
	char *service_provider_sid;
	bool active;
};

static void dir_entry_destructor(void *data)
{
	struct dir_entry *e = data;

	list_unlink(&e->le);
	mem_deref(e->app);
}

static void dir_number_destructor(void *data)
{
	struct dir_number *n = data;

	list_unlink(&n->le);
	mem_deref(n->number);
	mem_deref(n->application_sid);
	mem_deref(n->account_sid);
	mem_deref(n->carrier_sid);
}

static void dir_account_destructor(void *data)
{
	struct dir_account *a = data;

	list_unlink(&a->le);
	mem_deref(a->account_sid);
	mem_deref(a->secret);
	mem_deref(a->service_provider_sid);
}

static void dir_file_destructor(void *data)
{
	struct dir_file *d = data;

	list_flush(&d->apps);
	list_flush(&d->numbers);
	list_flush(&d->accounts);
	mem_deref(d->default_app);
	mem_deref(d->default_account);
}

/* A key rows are found by: dir_strdup() stores "" as NULL, which the
 * lookups would then compare */
static const char *dir_key(const struct json_object *o, const char *key)
{
	const char *s = jsonutil_str(o, key);

	return s && *s ? s : NULL;
}

/* The built-in demo: speech, then digits collected and read back by the
 * server's own /demo/gather hook, so it needs no webhook server */
static int dir_demo_app(struct dir_app **ap, const char *base)
{
	static const char fmt[] =
		"[{\"verb\":\"say\",\"text\":\"Welcome to feature server. "
		"This is the built in demo application.\"},"
		"{\"verb\":\"gather\",\"input\":[\"digits\"],"
		"\"finishOnKey\":\"#\",\"minDigits\":1,\"maxDigits\":10,"
		"\"interDigitTimeout\":5,\"timeout\":10,"
		"\"actionHook\":\"%s/demo/gather\","
		"\"say\":{\"text\":\"Please enter some digits, then press the "
		"pound key.\"}},"
		"{\"verb\":\"say\",\"text\":\"We did not get any digits. "
		"Goodbye.\"},{\"verb\":\"hangup\"}]";
	struct dir_app *a = NULL;
	char *text = NULL;
	int err;

	err = dir_app_new(&a);
	err |= re_sdprintf(&text, fmt, base ? base : "http://127.0.0.1:3000");
	if (err)
		goto out;
	a->app_json = json_tokener_parse(text);
	err = a->app_json ? 0 : EINVAL;
	err |= dir_strdup(&a->application_sid, DIR_DEMO_APP);
	err |= dir_strdup(&a->account_sid, DIR_DEFAULT_ACCOUNT);
out:
	mem_deref(text);
	if (err)
		mem_deref(a);
	else
		*ap = a;
	return err ? (err == EINVAL ? EINVAL : ENOMEM) : 0;
}

static int dir_load_app(struct dir_file *d, const struct json_object *o,
			char *why, size_t sz)
{
	struct json_object *v;
	struct dir_entry *e;
	struct dir_app *a = NULL;
	int err;

	if (!json_object_is_type(o, json_type_object) ||
	    !dir_key(o, "application_sid")) {
		re_snprintf(why, sz, "application without application_sid");
		return EINVAL;
	}
	err = dir_app_new(&a);
	if (err)
		return err;
	err |= dir_strdup(&a->application_sid,
			  jsonutil_str(o, "application_sid"));
	err |= dir_strdup(&a->account_sid, jsonutil_str(o, "account_sid"));
	err |= dir_strdup(&a->tts_vendor,
			  jsonutil_str(o, "speech_synthesis_vendor"));
	err |= dir_strdup(&a->tts_language,
			  jsonutil_str(o, "speech_synthesis_language"));
	err |= dir_strdup(&a->tts_voice,
			  jsonutil_str(o, "speech_synthesis_voice"));
	err |= dir_strdup(&a->stt_vendor,
			  jsonutil_str(o, "speech_recognizer_vendor"));
	err |= dir_strdup(&a->stt_language,
			  jsonutil_str(o, "speech_recognizer_language"));
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}
	if (json_object_object_get_ex(o, "call_hook", &v) &&
	    dir_hook_from_json(&a->call_hook, v)) {
		re_snprintf(why, sz, "application %s: bad call_hook",
			    a->application_sid);
		err = EINVAL;
	}
	if (!err && json_object_object_get_ex(o, "call_status_hook", &v) &&
	    dir_hook_from_json(&a->status_hook, v)) {
		re_snprintf(why, sz, "application %s: bad call_status_hook",
			    a->application_sid);
		err = EINVAL;
	}
	if (!err && json_object_object_get_ex(o, "app_json", &v) && v) {
		/* jambonz stores app_json as a string column */
		if (json_object_is_type(v, json_type_string))
			a->app_json =
				json_tokener_parse(json_object_get_string(v));
		else
			a->app_json = json_object_get(v);
		if (!json_object_is_type(a->app_json, json_type_array)) {
			re_snprintf(why, sz,
				    "application %s: app_json is not a verb "
				    "array",
				    a->application_sid);
			err = EINVAL;
		}
	}
	if (!err && json_object_object_get_ex(o, "env_vars", &v) &&
	    json_object_is_type(v, json_type_object))
		a->env_vars = json_object_get(v);
	if (err) {
		mem_deref(a);
		return err;
	}
	e = mem_zalloc(sizeof(*e), dir_entry_destructor);
	if (!e) {
		mem_deref(a);
		return ENOMEM;
	}
	e->app = a;
	list_append(&d->apps, &e->le, e);
	return 0;
}

static int dir_load_number(struct dir_file *d, const struct json_object *o,
			   char *why, size_t sz)
{
	struct dir_number *n;
	const char *num = dir_key(o, "number");
	int err = 0;

	if (num && *num == '+')
		num++;
	if (!num || !*num || !dir_key(o, "application_sid")) {
		re_snprintf(why, sz,
			    "phone number without number or application_sid");
		return EINVAL;
	}
	n = mem_zalloc(sizeof(*n), dir_number_destructor);
	if (!n)
		return ENOMEM;
	err |= dir_strdup(&n->number, num);
	err |= dir_strdup(&n->application_sid,
			  jsonutil_str(o, "application_sid"));
	err |= dir_strdup(&n->account_sid, jsonutil_str(o, "account_sid"));
	err |= dir_strdup(&n->carrier_sid,
			  jsonutil_str(o, "voip_carrier_sid"));
	if (err) {
		mem_deref(n);
		return ENOMEM;
	}
	list_append(&d->numbers, &n->le, n);
	return 0;
}

static int dir_load_account(struct dir_file *d, const struct json_object *o,
			    char *why, size_t sz)
{
	struct dir_account *a;
	struct json_object *v;
	int err = 0;

	if (!dir_key(o, "account_sid")) {
		re_snprintf(why, sz, "account without account_sid");
		return EINVAL;
	}
	a = mem_zalloc(sizeof(*a), dir_account_destructor);
	if (!a)
		return ENOMEM;
	a->active = true;
	if (json_object_object_get_ex(o, "is_active", &v))
		a->active = json_object_get_boolean(v);
	err |= dir_strdup(&a->account_sid, jsonutil_str(o, "account_sid"));
	err |= dir_strdup(&a->secret, jsonutil_str(o, "webhook_secret"));
	err |= dir_strdup(&a->service_provider_sid,
			  jsonutil_str(o, "service_provider_sid"));
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}
	list_append(&d->accounts, &a->le, a);
	return 0;
}

typedef int(dir_row_h)(struct dir_file *d, const struct json_object *o,
		       char *why, size_t sz);

static int dir_load_table(struct dir_file *d, const struct json_object *doc,
			  const char *table, dir_row_h *rowh, char *why,
			  size_t sz)
{
	struct json_object *arr;
	size_t n;
	int err;

	if (!json_object_object_get_ex(doc, table, &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		re_snprintf(why, sz, "%s is not an array", table);
		return EINVAL;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		err = rowh(d, json_object_array_get_idx(arr, i), why, sz);
		if (err)
			return err;
	}
	return 0;
}

static int dir_load_file(struct dir_file *d, const char *file, char *why,
			 size_t sz)
{
	struct json_object *doc;
	int err;

	doc = json_object_from_file(file);
	if (!doc) {
		re_snprintf(why, sz, "%s", json_util_get_last_err());
		return EINVAL;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		re_snprintf(why, sz, "not a JSON object");
		json_object_put(doc);
		return EINVAL;
	}
	err = dir_load_table(d, doc, "accounts", dir_load_account, why, sz);
	if (!err)
		err = dir_load_table(d, doc, "applications", dir_load_app, why,
				     sz);
	if (!err)
		err = dir_load_table(d, doc, "phone_numbers", dir_load_number,
				     why, sz);
	if (!err && jsonutil_str(doc, "default_account_sid"))
		err = dir_strdup(&d->default_account,
				 jsonutil_str(doc, "default_account_sid"));
	json_object_put(doc);
	return err;
}

static struct dir_app *dir_find_app(const struct dir_file *d, const char *sid)
{
	struct le *le;

	LIST_FOREACH(&d->apps, le) {
		struct dir_entry *e = le->data;

		if (!strcmp(e->app->application_sid, sid))
			return e->app;
	}
	return NULL;
}

static struct dir_account *dir_find_account(const struct dir_file *d,
					    const char *sid)
{
	struct le *le;

	if (!sid)
		return NULL;
	LIST_FOREACH(&d->accounts, le) {
		struct dir_account *a = le->data;

		if (!strcmp(a->account_sid, sid))
			return a;
	}
	return NULL;
}

int dir_file_alloc(struct dir_file **dp, const struct dir_conf *conf,
		   char *err, size_t errsz)
{
	struct dir_file *d;
	char why[256] = "";
	int e = 0;

	if (!dp || !conf || !err)
		return EINVAL;
	d = mem_zalloc(sizeof(*d), dir_file_destructor);
	if (!d)
		return ENOMEM;

	if (conf->file && *conf->file) {
		e = dir_load_file(d, conf->file, why, sizeof(why));
		if (e) {
			re_snprintf(err, errsz, "%s: %s", conf->file, why);
			goto out;
		}
	}
	if (!d->default_account)
		e = dir_strdup(&d->default_account, DIR_DEFAULT_ACCOUNT);

	if (!e && conf->call_hook && conf->call_hook->url &&
	    *conf->call_hook->url) {
		e = dir_app_new(&d->default_app);
		e |= dir_hook_copy(&d->default_app->call_hook,
				   conf->call_hook);
		e |= dir_hook_copy(&d->default_app->status_hook,
				   conf->status_hook);
		e |= dir_strdup(&d->default_app->application_sid,
				DIR_DEFAULT_APP);
		e |= dir_strdup(&d->default_app->account_sid,
				d->default_account);
		e |= dir_strdup(&d->default_app->webhook_secret, conf->secret);
		if (e)
			e = ENOMEM;
	} else if (!e && list_isempty(&d->apps)) {
		e = dir_demo_app(&d->default_app, conf->demo_base);
		if (!e)
			fs_info("directory",
				"no directory and no DEFAULT_CALL_HOOK: calls "
				"run the built-in demo");
	}
	if (e && !*err)
		re_snprintf(err, errsz, "directory: %m", e);
out:
	if (e)
		mem_deref(d);
	else
		*dp = d;
	return e;
}

/* Fill what the account adds (secret, provider) into a copy of app */
static int dir_app_for_account(struct dir_app **outp, struct dir_app *app,
			       const struct dir_account *acct)
{
	struct dir_app *a;
	int err = 0;

	if (!acct || (app->webhook_secret && app->service_provider_sid)) {
		*outp = mem_ref(app);
		return 0;
	}
	err = dir_app_new(&a);
	if (err)
		return err;
	err |= dir_strdup(&a->account_sid, acct->account_sid);
	err |= dir_strdup(&a->application_sid, app->application_sid);
	err |= dir_strdup(&a->service_provider_sid,
			  acct->service_provider_sid);
	err |= dir_strdup(&a->webhook_secret, app->webhook_secret
						      ? app->webhook_secret
						      : acct->secret);
	err |= dir_hook_copy(&a->call_hook, &app->call_hook);
	err |= dir_hook_copy(&a->status_hook, &app->status_hook);
	err |= dir_strdup(&a->tts_vendor, app->tts_vendor);
	err |= dir_strdup(&a->tts_language, app->tts_language);
	err |= dir_strdup(&a->tts_voice, app->tts_voice);
	err |= dir_strdup(&a->stt_vendor, app->stt_vendor);
	err |= dir_strdup(&a->stt_language, app->stt_language);
	a->app_json = json_object_get(app->app_json);
	a->env_vars = json_object_get(app->env_vars);
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}
	*outp = a;
	return 0;
}

static int dir_file_lookup(void *be, const struct dir_query *q,
			   dir_lookup_h *h, void *arg)
{
	struct dir_file *d = be;
	struct dir_app *app = NULL, *out = NULL;
	const struct dir_account *acct = NULL;
	const char *acct_sid;
	char reason[160];
	struct le *le;
	int err;

	if (!d || !q || !h)
		return EINVAL;

	/* the embedded directory trusts the caller: a missing account
	 * header means the default account */
	acct_sid = q->account_sid ? q->account_sid : d->default_account;
	if (q->account_sid && !list_isempty(&d->accounts)) {
		acct = dir_find_account(d, q->account_sid);
		if (!acct) {
			re_snprintf(reason, sizeof(reason),
				    "No Account exists for sid %s",
				    q->account_sid);
			h(ENOENT, 503, reason, NULL, arg);
			return 0;
		}
		if (!acct->active) {
			re_snprintf(reason, sizeof(reason),
				    "Account %s is inactive", q->account_sid);
			h(EACCES, 503, reason, NULL, arg);
			return 0;
		}
	}

	if (q->application_sid)
		app = dir_find_app(d, q->application_sid);
	if (!app && q->called) {
		const char *num =
			q->called[0] == '+' ? q->called + 1 : q->called;

		LIST_FOREACH(&d->numbers, le) {
			struct dir_number *n = le->data;

			if (strcmp(n->number, num))
				continue;
			if (n->carrier_sid && q->carrier_sid &&
			    strcmp(n->carrier_sid, q->carrier_sid))
				continue;
			app = dir_find_app(d, n->application_sid);
			if (app)
				break;
		}
	}
	/* an application runs only for its own account: the account's
	 * secret signs its webhooks and its sid is in every payload */
	if (app && app->account_sid && q->account_sid &&
	    strcmp(app->account_sid, q->account_sid)) {
		re_snprintf(reason, sizeof(reason),
			    "application %s does not belong to account %s",
			    app->application_sid, q->account_sid);
		h(EPERM, 403, reason, NULL, arg);
		return 0;
	}
	if (!app)
		app = d->default_app;
	if (!app || (!app->call_hook.url && !app->app_json)) {
		h(ENOENT, 480, "no configured application", NULL, arg);
		return 0;
	}

	if (!acct)
		acct = dir_find_account(d, app->account_sid ? app->account_sid
							    : acct_sid);
	err = dir_app_for_account(&out, app, acct);
	if (err)
		return err;
	h(0, 0, NULL, out, arg);
	mem_deref(out);
	return 0;
}

/* the file directory answers at once: nothing is ever pending */
const struct dir_ops dir_file_ops = {
	.name = "file",
	.lookup = dir_file_lookup,
	.cancel = NULL,
};
