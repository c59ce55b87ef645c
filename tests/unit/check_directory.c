/**
 * @file check_directory.c  The embedded file directory, the default call
 *                          hook, the built-in demo and the hook parser
 *
 * Routing rules and statuses are those of docs/directory.md. The MySQL
 * backend needs a database server and is covered by the e2e cases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "call/session.h"
#include "dir/directory.h"
#include "verb/loader.h"

#define DIR_ACCT  "9351f46a-678c-43f5-b8a6-d4eb58d131af"
#define DIR_ACCT2 "6a1e0c9f-2b8d-4f3e-9a7c-5d4b3a2f1e0d"
#define DIR_IDLE  "c0ffee00-0000-4000-8000-000000000001"
#define DIR_APP1  "0dddaabf-0a30-43e3-84e8-426873b1a78b"
#define DIR_APP2  "2c6b2b4f-2d0c-4a1b-9a53-2f2a5a6c1e01"
#define DIR_APP3  "7e7e7e7e-1111-4222-8333-444455556666"

/* The example of docs/directory.md, plus a second account with an
 * application of its own, an inactive account and a number bound to a
 * carrier */
static const char dir_doc[] =
	"{\"default_account_sid\": \"" DIR_ACCT "\",\n"
	" \"accounts\": [\n"
	"  {\"account_sid\": \"" DIR_ACCT "\", \"name\": \"default\",\n"
	"   \"is_active\": true, \"webhook_secret\": \"s3cret\"},\n"
	"  {\"account_sid\": \"" DIR_ACCT2
	"\", \"webhook_secret\": \"other\",\n"
	"   \"service_provider_sid\": \"sp-1\"},\n"
	"  {\"account_sid\": \"" DIR_IDLE "\", \"is_active\": false}],\n"
	" \"applications\": [\n"
	"  {\"application_sid\": \"" DIR_APP1 "\",\n"
	"   \"account_sid\": \"" DIR_ACCT "\",\n"
	"   \"call_hook\": {\"url\": \"https://app.example.com/call\",\n"
	"                 \"method\": \"GET\", \"username\": \"u\",\n"
	"                 \"password\": \"p\"},\n"
	"   \"call_status_hook\": \"https://app.example.com/status\",\n"
	"   \"speech_synthesis_vendor\": \"flite\",\n"
	"   \"speech_synthesis_language\": \"en-US\",\n"
	"   \"speech_synthesis_voice\": \"kal\",\n"
	"   \"env_vars\": {\"greeting\": \"hello\"}},\n"
	"  {\"application_sid\": \"" DIR_APP2 "\",\n"
	"   \"account_sid\": \"" DIR_ACCT "\",\n"
	"   \"app_json\": \"[{\\\"verb\\\": \\\"say\\\", \\\"text\\\": "
	"\\\"Hello\\\"}, {\\\"verb\\\": \\\"hangup\\\"}]\"},\n"
	"  {\"application_sid\": \"" DIR_APP3 "\",\n"
	"   \"account_sid\": \"" DIR_ACCT2 "\",\n"
	"   \"call_hook\": \"https://two.example.com/call\"}],\n"
	" \"phone_numbers\": [\n"
	"  {\"number\": \"+15551234567\", \"account_sid\": \"" DIR_ACCT "\",\n"
	"   \"application_sid\": \"" DIR_APP1 "\"},\n"
	"  {\"number\": \"15550000002\", \"application_sid\": \"" DIR_APP2
	"\",\n"
	"   \"voip_carrier_sid\": \"carrier-a\"},\n"
	"  {\"number\": \"15550000003\", \"application_sid\": \"" DIR_APP3
	"\"},\n"
	"  {\"number\": \"15550000009\", \"application_sid\": \"no-such-app\"}"
	"]}\n";

static struct {
	char dir[64];
	char path[96];
	struct directory *d;
	char err[256];
	/* what the lookup handler got */
	int calls;
	int lerr;
	uint16_t scode;
	char reason[160];
	struct dir_app *app;
} dir_ctx;

static void dir_setup(void)
{
	fixture_re_setup();
	memset(&dir_ctx, 0, sizeof(dir_ctx));
	str_ncpy(dir_ctx.dir, "/tmp/fs-dir-XXXXXX", sizeof(dir_ctx.dir));
	ck_assert_ptr_nonnull(mkdtemp(dir_ctx.dir));
	snprintf(dir_ctx.path, sizeof(dir_ctx.path), "%s/directory.json",
		 dir_ctx.dir);
}

static void dir_teardown(void)
{
	dir_ctx.d = mem_deref(dir_ctx.d);
	dir_ctx.app = mem_deref(dir_ctx.app);
	unlink(dir_ctx.path);
	rmdir(dir_ctx.dir);
	fixture_re_teardown();
}

static void dir_write(const char *text)
{
	FILE *f = fopen(dir_ctx.path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void dir_answer(int err, uint16_t scode, const char *reason,
		       struct dir_app *app, void *arg)
{
	(void)arg;
	dir_ctx.calls++;
	dir_ctx.lerr = err;
	dir_ctx.scode = scode;
	str_ncpy(dir_ctx.reason, reason ? reason : "", sizeof(dir_ctx.reason));
	mem_deref(dir_ctx.app);
	dir_ctx.app = mem_ref(app);
}

/* Look up and check the handler ran exactly once, at once */
static void dir_ask(const char *called, const char *acct, const char *app,
		    const char *carrier)
{
	struct dir_query q = {called, acct, app, carrier, NULL, false};

	dir_ctx.calls = 0;
	dir_ctx.app = mem_deref(dir_ctx.app);
	ck_assert_int_eq(directory_lookup(dir_ctx.d, &q, dir_answer, NULL), 0);
	ck_assert_int_eq(dir_ctx.calls, 1);
}

static void dir_alloc_file(const char *text)
{
	struct dir_conf conf = {.file = dir_ctx.path};

	dir_write(text);
	ck_assert_msg(directory_alloc(&dir_ctx.d, &conf, dir_ctx.err,
				      sizeof(dir_ctx.err)) == 0,
		      "%s", dir_ctx.err);
}

START_TEST(dir_by_number)
{
	struct dir_app *a;

	dir_alloc_file(dir_doc);
	/* the leading + of the file's number and of the query do not
	 * matter */
	dir_ask("15551234567", NULL, NULL, NULL);
	a = dir_ctx.app;
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->application_sid, DIR_APP1);
	ck_assert_str_eq(a->account_sid, DIR_ACCT);
	ck_assert_str_eq(a->call_hook.url, "https://app.example.com/call");
	ck_assert_str_eq(a->call_hook.method, "GET");
	ck_assert_str_eq(a->call_hook.username, "u");
	ck_assert_str_eq(a->call_hook.password, "p");
	ck_assert_str_eq(a->status_hook.url, "https://app.example.com/status");
	ck_assert_ptr_null(a->status_hook.method);
	/* the account's secret signs the application's webhooks */
	ck_assert_str_eq(a->webhook_secret, "s3cret");
	ck_assert_str_eq(a->tts_vendor, "flite");
	ck_assert_str_eq(a->tts_language, "en-US");
	ck_assert_str_eq(a->tts_voice, "kal");
	ck_assert_ptr_null(a->app_json);
	ck_assert(json_object_is_type(a->env_vars, json_type_object));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 a->env_vars, "greeting")),
			 "hello");

	dir_ask("+15551234567", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP1);

	/* a number of the second account: its own secret and provider */
	dir_ask("15550000003", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP3);
	ck_assert_str_eq(dir_ctx.app->account_sid, DIR_ACCT2);
	ck_assert_str_eq(dir_ctx.app->webhook_secret, "other");
	ck_assert_str_eq(dir_ctx.app->service_provider_sid, "sp-1");
	ck_assert_str_eq(dir_ctx.app->call_hook.url,
			 "https://two.example.com/call");
}
END_TEST

START_TEST(dir_by_application_sid)
{
	struct json_object *v;

	dir_alloc_file(dir_doc);
	/* X-Application-Sid wins over the called number */
	dir_ask("15551234567", DIR_ACCT, DIR_APP2, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP2);
	ck_assert_ptr_null(dir_ctx.app->call_hook.url);
	/* app_json given as a string, as the jambonz column holds it */
	ck_assert(json_object_is_type(dir_ctx.app->app_json, json_type_array));
	ck_assert_uint_eq(json_object_array_length(dir_ctx.app->app_json), 2);
	v = json_object_array_get_idx(dir_ctx.app->app_json, 0);
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(v, "verb")),
		"say");

	/* an unknown application sid falls back on the number */
	dir_ask("15551234567", NULL, "no-such-app", NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP1);
}
END_TEST

START_TEST(dir_unknown_number)
{
	dir_alloc_file(dir_doc);
	/* a file with applications and no DEFAULT_CALL_HOOK: no demo */
	dir_ask("19999999999", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, ENOENT);
	ck_assert_uint_eq(dir_ctx.scode, 480);
	ck_assert_str_eq(dir_ctx.reason, "no configured application");
	ck_assert_ptr_null(dir_ctx.app);
	/* no called number at all */
	dir_ask(NULL, NULL, NULL, NULL);
	ck_assert_uint_eq(dir_ctx.scode, 480);
	/* a number whose application is not in the file */
	dir_ask("15550000009", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, ENOENT);
	ck_assert_uint_eq(dir_ctx.scode, 480);
	/* a prefix of a known number is not that number */
	dir_ask("1555123456", NULL, NULL, NULL);
	ck_assert_uint_eq(dir_ctx.scode, 480);
}
END_TEST

START_TEST(dir_accounts)
{
	char want[160];

	dir_alloc_file(dir_doc);
	dir_ask("15551234567", "no-such-account", NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, ENOENT);
	ck_assert_uint_eq(dir_ctx.scode, 503);
	ck_assert_str_eq(dir_ctx.reason,
			 "No Account exists for sid no-such-account");
	ck_assert_ptr_null(dir_ctx.app);

	dir_ask("15551234567", DIR_IDLE, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, EACCES);
	ck_assert_uint_eq(dir_ctx.scode, 503);
	ck_assert_str_eq(dir_ctx.reason, "Account " DIR_IDLE " is inactive");

	/* an application runs only for its own account */
	dir_ask("15551234567", DIR_ACCT2, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, EPERM);
	ck_assert_uint_eq(dir_ctx.scode, 403);
	snprintf(want, sizeof(want),
		 "application %s does not belong to account %s", DIR_APP1,
		 DIR_ACCT2);
	ck_assert_str_eq(dir_ctx.reason, want);
	ck_assert_ptr_null(dir_ctx.app);

	/* the right account header passes */
	dir_ask("15550000003", DIR_ACCT2, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->webhook_secret, "other");
}
END_TEST

START_TEST(dir_carrier)
{
	dir_alloc_file(dir_doc);
	/* the row names a carrier: a call from another one does not
	 * match it */
	dir_ask("15550000002", NULL, NULL, "carrier-b");
	ck_assert_uint_eq(dir_ctx.scode, 480);
	dir_ask("15550000002", NULL, NULL, "carrier-a");
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP2);
	/* without the header the number alone decides */
	dir_ask("15550000002", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	/* a row without a carrier matches calls of any carrier */
	dir_ask("15551234567", NULL, NULL, "carrier-b");
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP1);
}
END_TEST

START_TEST(dir_default_hook)
{
	struct dir_hook call = {.url = "http://127.0.0.1:9/hook",
				.method = "GET",
				.username = "bob",
				.password = "pw"};
	struct dir_hook status = {.url = "http://127.0.0.1:9/status"};
	struct dir_conf conf = {.file = dir_ctx.path,
				.call_hook = &call,
				.status_hook = &status,
				.secret = "dflt-secret"};
	struct dir_app *a;

	dir_write(dir_doc);
	ck_assert_int_eq(directory_alloc(&dir_ctx.d, &conf, dir_ctx.err,
					 sizeof(dir_ctx.err)),
			 0);
	/* numbers of the file still go to their application */
	dir_ask("15551234567", NULL, NULL, NULL);
	ck_assert_str_eq(dir_ctx.app->application_sid, DIR_APP1);
	/* every other number to the default hook */
	dir_ask("19999999999", NULL, NULL, NULL);
	a = dir_ctx.app;
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->call_hook.url, call.url);
	ck_assert_str_eq(a->call_hook.method, "GET");
	ck_assert_str_eq(a->call_hook.username, "bob");
	ck_assert_str_eq(a->call_hook.password, "pw");
	ck_assert_str_eq(a->status_hook.url, status.url);
	ck_assert_str_eq(a->webhook_secret, "dflt-secret");
	/* it belongs to the file's default account */
	ck_assert_str_eq(a->account_sid, DIR_ACCT);
	ck_assert_ptr_null(a->app_json);
	/* the directory copied the settings: they may change after */
	ck_assert_ptr_ne(a->call_hook.url, call.url);
}
END_TEST

START_TEST(dir_default_hook_no_file)
{
	struct dir_hook call = {.url = "http://127.0.0.1:9/hook"};
	struct dir_conf conf = {.file = "", .call_hook = &call};

	ck_assert_int_eq(directory_alloc(&dir_ctx.d, &conf, dir_ctx.err,
					 sizeof(dir_ctx.err)),
			 0);
	dir_ask("15551234567", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_str_eq(dir_ctx.app->call_hook.url, call.url);
	ck_assert_ptr_null(dir_ctx.app->status_hook.url);
	ck_assert_ptr_null(dir_ctx.app->webhook_secret);
	ck_assert_ptr_nonnull(dir_ctx.app->account_sid);
}
END_TEST

START_TEST(dir_demo)
{
	struct dir_conf conf = {.demo_base = "http://10.1.2.3:3999"};
	const char *pdir = fixture_env("FS_PLUGIN_DIR", "build/plugins");
	struct json_object *gather, *hook;
	struct loader *l = NULL;
	struct vlist *v = NULL;
	char err[256] = "";

	ck_assert_int_eq(directory_alloc(&dir_ctx.d, &conf, dir_ctx.err,
					 sizeof(dir_ctx.err)),
			 0);
	dir_ask("anything", NULL, NULL, NULL);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	ck_assert_ptr_nonnull(dir_ctx.app);
	ck_assert_ptr_null(dir_ctx.app->call_hook.url);
	ck_assert(json_object_is_type(dir_ctx.app->app_json, json_type_array));
	/* the demo reads the digits back through the server's own hook */
	gather = json_object_array_get_idx(dir_ctx.app->app_json, 1);
	ck_assert(json_object_object_get_ex(gather, "actionHook", &hook));
	ck_assert_str_eq(json_object_get_string(hook),
			 "http://10.1.2.3:3999/demo/gather");
	/* and its verbs pass the real plugins' validation */
	ck_assert_int_eq(loader_alloc(&l, pdir, 0), 0);
	ck_assert_msg(vlist_parse(&v, l, dir_ctx.app->app_json, err,
				  sizeof(err)) == 0,
		      "demo refused: %s", err);
	ck_assert_uint_eq(v->n, 4);
	ck_assert_str_eq(v->items[0].name, "say");
	ck_assert_str_eq(v->items[1].name, "gather");
	ck_assert_str_eq(v->items[3].name, "hangup");
	mem_deref(v);
	mem_deref(l);
}
END_TEST

/* A file refused at start, with a message naming the file and why */
static void dir_refused(const char *text, const char *why)
{
	struct directory *d = NULL;
	struct dir_conf conf = {.file = dir_ctx.path};
	char err[256] = "";

	if (text)
		dir_write(text);
	ck_assert_int_ne(directory_alloc(&d, &conf, err, sizeof(err)), 0);
	ck_assert_ptr_null(d);
	ck_assert_msg(!strncmp(err, dir_ctx.path, strlen(dir_ctx.path)),
		      "message without the file: %s", err);
	ck_assert_msg(strstr(err, why), "'%s' does not say '%s'", err, why);
}

START_TEST(dir_malformed)
{
	dir_refused(NULL, ""); /* no such file */
	dir_refused("{\"accounts\": [", "");
	dir_refused("[1, 2]", "not a JSON object");
	dir_refused("{\"applications\": {}}", "applications is not an array");
	dir_refused("{\"phone_numbers\": 3}", "phone_numbers is not an array");
	dir_refused("{\"applications\": [{\"account_sid\": \"x\"}]}",
		    "application without application_sid");
	dir_refused("{\"applications\": [{\"application_sid\": \"\"}]}",
		    "application without application_sid");
	dir_refused("{\"applications\": [\"x\"]}",
		    "application without application_sid");
	dir_refused("{\"applications\": [{\"application_sid\": \"a1\", "
		    "\"call_hook\": 42}]}",
		    "application a1: bad call_hook");
	dir_refused("{\"applications\": [{\"application_sid\": \"a1\", "
		    "\"call_hook\": {\"method\": \"GET\"}}]}",
		    "application a1: bad call_hook");
	dir_refused("{\"applications\": [{\"application_sid\": \"a1\", "
		    "\"call_status_hook\": [\"http://x\"]}]}",
		    "application a1: bad call_status_hook");
	dir_refused("{\"applications\": [{\"application_sid\": \"a1\", "
		    "\"app_json\": {\"verb\": \"say\"}}]}",
		    "application a1: app_json is not a verb array");
	dir_refused("{\"applications\": [{\"application_sid\": \"a1\", "
		    "\"app_json\": \"[{\\\"verb\\\"\"}]}",
		    "application a1: app_json is not a verb array");
	dir_refused("{\"phone_numbers\": [{\"number\": \"+\", "
		    "\"application_sid\": \"a1\"}]}",
		    "phone number without number or application_sid");
	dir_refused("{\"phone_numbers\": [{\"number\": \"123\"}]}",
		    "phone number without number or application_sid");
	dir_refused("{\"accounts\": [{\"name\": \"x\"}]}",
		    "account without account_sid");
	/* alloc refuses missing arguments without touching them */
	ck_assert_int_eq(directory_alloc(NULL, NULL, NULL, 0), EINVAL);
}
END_TEST

START_TEST(dir_cancel)
{
	struct dir_query q = {"15551234567", NULL, NULL, NULL, NULL, false};
	int key;

	dir_alloc_file(dir_doc);
	/* the file directory answers before directory_lookup() returns:
	 * a cancel afterwards has nothing to drop and must not disturb
	 * later lookups of the same caller */
	dir_ask("15551234567", NULL, NULL, NULL);
	directory_cancel(dir_ctx.d, &key);
	directory_cancel(dir_ctx.d, &key);
	directory_cancel(NULL, &key);
	dir_ctx.calls = 0;
	ck_assert_int_eq(directory_lookup(dir_ctx.d, &q, dir_answer, &key), 0);
	ck_assert_int_eq(dir_ctx.calls, 1);
	ck_assert_int_eq(dir_ctx.lerr, 0);
	/* bad arguments: refused, and the handler does not run */
	dir_ctx.calls = 0;
	ck_assert_int_eq(directory_lookup(NULL, &q, dir_answer, NULL), EINVAL);
	ck_assert_int_eq(directory_lookup(dir_ctx.d, NULL, dir_answer, NULL),
			 EINVAL);
	ck_assert_int_eq(directory_lookup(dir_ctx.d, &q, NULL, NULL), EINVAL);
	ck_assert_int_eq(dir_ctx.calls, 0);
}
END_TEST

START_TEST(dir_app_kept)
{
	struct dir_app *a;

	dir_alloc_file(dir_doc);
	dir_ask("15551234567", NULL, NULL, NULL);
	a = mem_ref(dir_ctx.app);
	/* a call keeps its application after the directory is gone (a
	 * reload replaces the directory under live calls) */
	dir_ctx.d = mem_deref(dir_ctx.d);
	dir_ctx.app = mem_deref(dir_ctx.app);
	ck_assert_str_eq(a->application_sid, DIR_APP1);
	ck_assert_str_eq(a->call_hook.url, "https://app.example.com/call");
	ck_assert_str_eq(a->webhook_secret, "s3cret");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 a->env_vars, "greeting")),
			 "hello");
	mem_deref(a);
}
END_TEST

START_TEST(dir_hook_json)
{
	struct dir_hook h = {0};
	struct json_object *o;

	o = json_object_new_string("http://a.example/x");
	ck_assert_int_eq(dir_hook_from_json(&h, o), 0);
	ck_assert_str_eq(h.url, "http://a.example/x");
	ck_assert_ptr_null(h.method);
	json_object_put(o);

	o = json_tokener_parse("{\"url\": \"http://b.example/y\", "
			       "\"method\": \"GET\", \"username\": \"u\", "
			       "\"password\": \"p\"}");
	ck_assert_int_eq(dir_hook_from_json(&h, o), 0);
	ck_assert_str_eq(h.url, "http://b.example/y");
	ck_assert_str_eq(h.method, "GET");
	ck_assert_str_eq(h.username, "u");
	ck_assert_str_eq(h.password, "p");
	json_object_put(o);

	/* a parse replaces the whole hook: nothing of the last one stays */
	o = json_tokener_parse("{\"url\": \"http://c.example/z\"}");
	ck_assert_int_eq(dir_hook_from_json(&h, o), 0);
	ck_assert_str_eq(h.url, "http://c.example/z");
	ck_assert_ptr_null(h.method);
	ck_assert_ptr_null(h.username);
	ck_assert_ptr_null(h.password);
	json_object_put(o);

	/* fields of the wrong type are ignored, not stringified */
	o = json_tokener_parse("{\"url\": \"http://d.example/\", "
			       "\"method\": 7, \"username\": null}");
	ck_assert_int_eq(dir_hook_from_json(&h, o), 0);
	ck_assert_ptr_null(h.method);
	ck_assert_ptr_null(h.username);
	json_object_put(o);

	/* no hook (JSON null): empty, not an error */
	ck_assert_int_eq(dir_hook_from_json(&h, NULL), 0);
	ck_assert_ptr_null(h.url);
	ck_assert_int_eq(dir_hook_from_json(NULL, NULL), EINVAL);
	dir_hook_reset(&h);
	dir_hook_reset(NULL);
}
END_TEST

static void dir_hook_bad(const char *json)
{
	struct json_object *o = json_tokener_parse(json);
	struct dir_hook h = {0};

	ck_assert_msg(o, "bad test JSON %s", json);
	ck_assert_msg(dir_hook_from_json(&h, o) == EINVAL, "accepted %s",
		      json);
	dir_hook_reset(&h);
	json_object_put(o);
}

START_TEST(dir_hook_json_refused)
{
	dir_hook_bad("42");
	dir_hook_bad("true");
	dir_hook_bad("[\"http://a.example/\"]");
	dir_hook_bad("{}");
	dir_hook_bad("{\"method\": \"GET\"}");
	dir_hook_bad("{\"url\": \"\"}");
	dir_hook_bad("{\"url\": 5}");
	dir_hook_bad("{\"url\": {\"url\": \"http://a.example/\"}}");
}
END_TEST

START_TEST(dir_app_new_empty)
{
	struct dir_app *a = NULL;

	ck_assert_int_eq(dir_app_new(&a), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(a->application_sid);
	ck_assert_ptr_null(a->call_hook.url);
	ck_assert_ptr_null(a->app_json);
	/* what a caller fills in is freed with it */
	ck_assert_int_eq(str_dup(&a->application_sid, "made-on-the-fly"), 0);
	ck_assert_int_eq(str_dup(&a->call_hook.url, "http://e.example/"), 0);
	a->app_json = json_tokener_parse("[{\"verb\": \"hangup\"}]");
	a->env_vars = json_object_new_object();
	mem_deref(a);
}
END_TEST

/* createCall: the stored application under what the request names */
START_TEST(dir_app_merged)
{
	struct dir_app *base = NULL, *req = NULL, *m = NULL;

	ck_assert_int_eq(dir_app_new(&base), 0);
	ck_assert_int_eq(dir_app_new(&req), 0);
	ck_assert_int_eq(str_dup(&base->account_sid, "acct"), 0);
	ck_assert_int_eq(str_dup(&base->application_sid, "app"), 0);
	ck_assert_int_eq(str_dup(&base->webhook_secret, "secret"), 0);
	ck_assert_int_eq(str_dup(&base->sip_realm, "realm.example"), 0);
	ck_assert_int_eq(str_dup(&base->call_hook.url, "http://stored/"), 0);
	ck_assert_int_eq(str_dup(&base->status_hook.url, "http://st/"), 0);
	ck_assert_int_eq(str_dup(&base->tts_voice, "kal"), 0);
	base->app_json = json_tokener_parse("[{\"verb\":\"hangup\"}]");
	base->env_vars = json_tokener_parse("{\"K\":\"v\"}");

	/* nothing named: all of the stored one */
	ck_assert_int_eq(dir_app_merge(&m, base, req), 0);
	ck_assert_str_eq(m->call_hook.url, "http://stored/");
	ck_assert_str_eq(m->status_hook.url, "http://st/");
	ck_assert_str_eq(m->webhook_secret, "secret");
	ck_assert_str_eq(m->sip_realm, "realm.example");
	ck_assert_str_eq(m->tts_voice, "kal");
	ck_assert_ptr_eq(m->app_json, base->app_json);
	ck_assert_ptr_eq(m->env_vars, base->env_vars);
	m = mem_deref(m);

	/* a call_hook of the request: it runs, not the stored app_json;
	 * the secret stays the account's */
	ck_assert_int_eq(str_dup(&req->call_hook.url, "http://mine/"), 0);
	ck_assert_int_eq(str_dup(&req->webhook_secret, "not-used"), 0);
	ck_assert_int_eq(dir_app_merge(&m, base, req), 0);
	ck_assert_str_eq(m->call_hook.url, "http://mine/");
	ck_assert_str_eq(m->status_hook.url, "http://st/");
	ck_assert_ptr_null(m->app_json);
	ck_assert_str_eq(m->webhook_secret, "secret");
	m = mem_deref(m);
	ck_assert_int_eq(dir_app_merge(&m, NULL, req), EINVAL);
	mem_deref(base);
	mem_deref(req);
}
END_TEST

extern Suite *directory_suite(void);

Suite *directory_suite(void)
{
	Suite *s = suite_create("directory");
	TCase *tc = tcase_create("file");
	TCase *th = tcase_create("hook");

	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, dir_by_number);
	tcase_add_test(tc, dir_by_application_sid);
	tcase_add_test(tc, dir_unknown_number);
	tcase_add_test(tc, dir_accounts);
	tcase_add_test(tc, dir_carrier);
	tcase_add_test(tc, dir_default_hook);
	tcase_add_test(tc, dir_default_hook_no_file);
	tcase_add_test(tc, dir_demo);
	tcase_add_test(tc, dir_malformed);
	tcase_add_test(tc, dir_cancel);
	tcase_add_test(tc, dir_app_kept);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(th, dir_setup, dir_teardown);
	tcase_add_test(th, dir_hook_json);
	tcase_add_test(th, dir_hook_json_refused);
	tcase_add_test(th, dir_app_new_empty);
	tcase_add_test(th, dir_app_merged);
	suite_add_tcase(s, th);
	return s;
}
