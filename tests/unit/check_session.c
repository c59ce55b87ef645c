/**
 * @file check_session.c  The verb list of a call: validation of webhook
 *                        answers, their limits, and the session running
 *                        a list
 *
 * Verbs are validated by the real plugins, loaded from FS_PLUGIN_DIR.
 * The session runs on a call without a SIP dialog (no INVITE, no SDP):
 * verbs that need no media run as on a live call, and one that needs
 * media meets an answer that cannot succeed, which is how a call whose
 * media failed behaves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "app.h"
#include "base/cfg.h"
#include "base/scope.h"
#include "call/call.h"
#include "call/session.h"
#include "sip/stack.h"
#include "verb/loader.h"

static struct {
	struct loader *loader;
	char err[512];
} ses;

static void session_setup(void)
{
	const char *dir = fixture_env("FS_PLUGIN_DIR", "build/plugins");

	fixture_re_setup();
	memset(&ses, 0, sizeof(ses));
	ck_assert_int_eq(loader_alloc(&ses.loader, dir, 0), 0);
}

static void session_teardown(void)
{
	ses.loader = mem_deref(ses.loader);
	fixture_re_teardown();
}

/* vlist_parse of JSON text; the list (or NULL) in *vp */
static int session_parse(struct vlist **vp, const char *json)
{
	struct json_object *arr = json_tokener_parse(json);
	int err;

	ck_assert_msg(arr || !strcmp(json, "null"), "bad test JSON %s", json);
	*vp = NULL;
	ses.err[0] = '\0';
	err = vlist_parse(vp, ses.loader, arr, ses.err, sizeof(ses.err));
	json_object_put(arr);
	return err;
}

static const char *session_str(const struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

START_TEST(vlist_both_forms)
{
	struct vlist *v = NULL;

	ck_assert_msg(
		session_parse(&v, "[{\"verb\": \"say\", \"text\": \"hi\"},"
				  " {\"pause\": {\"length\": 2}},"
				  " {\"verb\": \"tag\", \"data\": {\"k\": 1}},"
				  " {\"config\": {\"bargeIn\": "
				  "{\"enable\": false}}},"
				  " {\"verb\": \"hangup\"}]") == 0,
		"%s", ses.err);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->n, 5);
	ck_assert_str_eq(v->items[0].name, "say");
	ck_assert_str_eq(v->items[1].name, "pause");
	ck_assert_str_eq(v->items[2].name, "tag");
	ck_assert_str_eq(v->items[3].name, "config");
	ck_assert_str_eq(v->items[4].name, "hangup");
	/* both forms end as the verb's properties alone */
	ck_assert_str_eq(session_str(v->items[0].data, "text"), "hi");
	ck_assert_ptr_null(session_str(v->items[0].data, "verb"));
	ck_assert_int_eq(json_object_object_length(v->items[0].data), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 v->items[1].data, "length")),
			 2);
	ck_assert(json_object_is_type(
		json_object_object_get(v->items[2].data, "data"),
		json_type_object));
	ck_assert_int_eq(json_object_object_length(v->items[4].data), 0);
	mem_deref(v);
}
END_TEST

START_TEST(vlist_same_either_form)
{
	struct vlist *a = NULL, *b = NULL;

	ck_assert_int_eq(session_parse(&a, "[{\"verb\": \"say\", \"text\": "
					   "\"x\", \"loop\": 2}]"),
			 0);
	ck_assert_int_eq(session_parse(&b, "[{\"say\": {\"text\": \"x\", "
					   "\"loop\": 2}}]"),
			 0);
	ck_assert_str_eq(a->items[0].name, b->items[0].name);
	ck_assert(json_object_equal(a->items[0].data, b->items[0].data));
	mem_deref(a);
	mem_deref(b);
}
END_TEST

START_TEST(vlist_empty)
{
	struct vlist *v = NULL;

	ck_assert_int_eq(session_parse(&v, "[]"), 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->n, 0);
	mem_deref(v);
}
END_TEST

/* Refused with err and a message holding msg; no list made */
static void session_refused(const char *json, int err, const char *msg)
{
	struct vlist *v = NULL;
	int e = session_parse(&v, json);

	ck_assert_msg(e == err, "%s: %d (%s), want %d", json, e, ses.err, err);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(ses.err, msg), "%s: '%s' does not say '%s'", json,
		      ses.err, msg);
}

START_TEST(vlist_refused)
{
	session_refused("{\"verb\": \"say\", \"text\": \"x\"}", EPROTO,
			"malformed jambonz payload: must be array");
	session_refused("\"say\"", EPROTO, "must be array");
	session_refused("null", EPROTO, "must be array");
	session_refused("[{\"verb\": \"nosuchverb\"}]", ENOENT,
			"invalid instruction: nosuchverb");
	session_refused("[{\"nosuchverb\": {}}]", ENOENT,
			"invalid instruction: nosuchverb");
	/* a bad verb after good ones refuses the whole list */
	session_refused("[{\"verb\": \"pause\", \"length\": 1},"
			" {\"verb\": \"bogus\"}]",
			ENOENT, "invalid instruction: bogus");
	session_refused("[1]", EINVAL, "must be array of objects");
	session_refused("[null]", EINVAL, "must be array of objects");
	session_refused("[[{\"verb\": \"say\"}]]", EINVAL,
			"must be array of objects");
	session_refused("[{\"verb\": 3}]", EINVAL, "verb must be a string");
	session_refused("[{\"say\": \"hello\"}]", EINVAL,
			"say: must be an object");
	session_refused("[{\"text\": \"x\", \"loop\": 1}]", EINVAL,
			"missing verb property");
	session_refused("[{}]", EINVAL, "missing verb property");
}
END_TEST

START_TEST(vlist_schema_refused)
{
	/* the plugin's own message, naming the verb and what is wrong */
	session_refused("[{\"verb\": \"say\", \"text\": \"x\", "
			"\"nosuchprop\": 1}]",
			EINVAL, "nosuchprop");
	ck_assert_msg(strstr(ses.err, "say"), "%s", ses.err);
	session_refused("[{\"verb\": \"pause\", \"length\": \"long\"}]",
			EINVAL, "length");
	ck_assert_msg(strstr(ses.err, "pause"), "%s", ses.err);
	session_refused("[{\"tag\": {\"data\": 5}}]", EINVAL, "data");
	ck_assert_msg(strstr(ses.err, "tag"), "%s", ses.err);
	session_refused("[{\"verb\": \"hangup\", \"headers\": 5}]", EINVAL,
			"headers");
	session_refused("[{\"verb\": \"tag\"}]", EINVAL, "data");
}
END_TEST

/* vlist_from_body of a C string */
static int session_body(struct vlist **vp, const struct vlist_limits *lim,
			const char *body)
{
	*vp = NULL;
	ses.err[0] = '\0';
	return vlist_from_body(vp, ses.loader, lim, body, strlen(body),
			       ses.err, sizeof(ses.err));
}

START_TEST(vlist_body_ok)
{
	struct vlist_limits lim = {.max_verbs = 2, .max_depth = 8};
	struct vlist *v = NULL;

	ck_assert_msg(session_body(&v, &lim,
				   "  [{\"verb\": \"pause\", \"length\": 1},\n"
				   "   {\"hangup\": {}}]\r\n\t ") == 0,
		      "%s", ses.err);
	ck_assert_uint_eq(v->n, 2);
	ck_assert_str_eq(v->items[1].name, "hangup");
	mem_deref(v);
	/* no limits */
	ck_assert_int_eq(session_body(&v, NULL, "[{\"verb\": \"hangup\"}]"),
			 0);
	ck_assert_uint_eq(v->n, 1);
	mem_deref(v);
	/* the body is len bytes, not up to a NUL */
	v = NULL;
	ck_assert_int_eq(vlist_from_body(&v, ses.loader, NULL, "[]garbage", 2,
					 ses.err, sizeof(ses.err)),
			 0);
	ck_assert_uint_eq(v->n, 0);
	mem_deref(v);
}
END_TEST

START_TEST(vlist_body_too_many)
{
	struct vlist_limits lim = {.max_verbs = 3};
	struct vlist *v = NULL;
	const char *four = "[{\"hangup\": {}}, {\"hangup\": {}},"
			   " {\"hangup\": {}}, {\"hangup\": {}}]";

	ck_assert_int_eq(session_body(&v, &lim, four), E2BIG);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(ses.err, "webhook answer has 4 verbs, more than 3 "
				  "(MAX_VERBS_PER_DOC)");
	/* the count is checked before the verbs: even bad ones count */
	ck_assert_int_eq(session_body(&v, &lim, "[1, 2, 3, 4, 5]"), E2BIG);
	lim.max_verbs = 4;
	ck_assert_int_eq(session_body(&v, &lim, four), 0);
	ck_assert_uint_eq(v->n, 4);
	mem_deref(v);
	lim.max_verbs = 0;
	ck_assert_int_eq(session_body(&v, &lim, four), 0);
	mem_deref(v);
}
END_TEST

START_TEST(vlist_body_too_deep)
{
	struct vlist_limits lim = {.max_depth = 4};
	struct vlist *v = NULL;
	char deep[512];
	size_t n = 0;

	/* json-c counts every value as a level, scalars too: this is four
	 * levels, and one more is refused */
	ck_assert_int_eq(session_body(&v, &lim, "[{\"tag\": {\"data\": {}}}]"),
			 0);
	mem_deref(v);
	ck_assert_int_eq(
		session_body(&v, &lim, "[{\"tag\": {\"data\": {\"a\": 1}}}]"),
		EPROTO);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(ses.err, "webhook JSON nested deeper than 4 levels "
				  "(HOOK_JSON_MAX_DEPTH)");
	/* far deeper than json-c's own default, with the default limit:
	 * refused without recursing */
	for (; n < 300 && n < sizeof(deep) / 2 - 1; n++)
		deep[n] = '[';
	for (size_t i = 0; i < n; i++)
		deep[n + i] = ']';
	deep[2 * n] = '\0';
	ck_assert_int_eq(session_body(&v, NULL, deep), EPROTO);
	ck_assert_ptr_nonnull(strstr(ses.err, "HOOK_JSON_MAX_DEPTH"));
}
END_TEST

START_TEST(vlist_body_not_json)
{
	struct vlist_limits lim = {.max_verbs = 10, .max_depth = 10};
	static const char *const bad[] = {
		"",
		"   ",
		"<html>error</html>",
		"[{\"verb\": \"hangup\"}",
		"[{\"verb\": \"hangup\"}] []",
		"[{\"verb\": \"hangup\"}]x",
		"[] \x01",
		"{\"verb\": ",
	};
	struct vlist *v = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(session_body(&v, &lim, bad[i]) == EPROTO,
			      "accepted '%s'", bad[i]);
		ck_assert_ptr_null(v);
		ck_assert_str_eq(ses.err, "webhook returned invalid JSON");
	}
	/* JSON, but not an array */
	ck_assert_int_eq(session_body(&v, &lim, "{\"verb\": \"hangup\"}"),
			 EPROTO);
	ck_assert_ptr_nonnull(strstr(ses.err, "must be array"));
	ck_assert_int_eq(session_body(&v, &lim, "42"), EPROTO);
	/* a valid document with a bad verb */
	ck_assert_int_eq(session_body(&v, &lim, "[{\"verb\": \"nope\"}]"),
			 ENOENT);
	ck_assert_str_eq(ses.err, "invalid instruction: nope");
	/* arguments */
	ck_assert_int_eq(vlist_from_body(&v, ses.loader, &lim, NULL, 0,
					 ses.err, sizeof(ses.err)),
			 EINVAL);
	ck_assert_int_eq(vlist_from_body(&v, NULL, &lim, "[]", 2, ses.err,
					 sizeof(ses.err)),
			 EINVAL);
}
END_TEST

/* JSON that is no verb array is ignored (jambonz), bad JSON is not */
START_TEST(vlist_body_not_array_cases)
{
	static const char *const ignored[] = {"{\"verb\": \"hangup\"}",
					      " {} ",
					      "\"say\"",
					      "42",
					      "null",
					      "true\r\n"};
	static const char *const not_ignored[] = {
		"[]",         " [{\"verb\": \"hangup\"}]",
		"{\"verb\":", "[{",
		"",           "{} x",
		"nul"};
	static const char deep[] = "{\"a\":{\"b\":{\"c\":1}}}";

	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		ck_assert_msg(vlist_body_not_array(ignored[i],
						   strlen(ignored[i]), 8),
			      "%s", ignored[i]);
	for (size_t i = 0; i < ARRAY_SIZE(not_ignored); i++)
		ck_assert_msg(!vlist_body_not_array(not_ignored[i],
						    strlen(not_ignored[i]), 8),
			      "%s", not_ignored[i]);
	/* too deep is bad JSON, not an object to ignore */
	ck_assert(!vlist_body_not_array(deep, strlen(deep), 2));
	ck_assert(vlist_body_not_array(deep, strlen(deep), 0));
	ck_assert(!vlist_body_not_array(NULL, 0, 0));
}
END_TEST

/* jambonz's http-requestor takes 200, 202 and 204 only */
START_TEST(session_hook_status_codes)
{
	ck_assert(session_hook_status_ok(200));
	ck_assert(session_hook_status_ok(202));
	ck_assert(session_hook_status_ok(204));
	ck_assert(!session_hook_status_ok(201));
	ck_assert(!session_hook_status_ok(203));
	ck_assert(!session_hook_status_ok(206));
	ck_assert(!session_hook_status_ok(302));
	ck_assert(!session_hook_status_ok(500));
	ck_assert(!session_hook_status_ok(0));
}
END_TEST

START_TEST(session_hook_err_names)
{
	ck_assert_str_eq(session_hook_err(ETIMEDOUT),
			 "timed out (JAMBONES_HTTP_TIMEOUT)");
	ck_assert_str_eq(session_hook_err(EFBIG),
			 "answer larger than HTTP_MAX_BODY");
	ck_assert_str_eq(session_hook_err(EACCES),
			 "address refused (HTTP_DENY_NETS)");
	/* no setting bounds these: the errno text says it */
	ck_assert_ptr_null(session_hook_err(0));
	ck_assert_ptr_null(session_hook_err(ECONNREFUSED));
	ck_assert_ptr_null(session_hook_err(ENOMEM));
	ck_assert_ptr_null(session_hook_err(EPROTO));
}
END_TEST

/* ---- the session on a call without SIP ---- */

static struct {
	struct cfg *cfg;
	struct app app;
	struct sip_stack stk;
	struct scopemgr *scopes;
	struct call_env env;
	struct fs_call *call;
	/* what the call's end reported */
	int ended;
	uint16_t scode;
	char reason[64];
	char tag[128];
	enum call_state state_before; /* when the list started */
	bool answered;                /* ever, as seen at the end */
} sc;

static void sc_event(struct fs_call *c, enum call_event ev, void *arg)
{
	(void)arg;
	if (ev != CALL_EV_END)
		return;
	sc.ended++;
	sc.scode = c->final_scode;
	str_ncpy(sc.reason, c->final_reason ? c->final_reason : "",
		 sizeof(sc.reason));
	str_ncpy(sc.tag,
		 c->tag ? json_object_to_json_string_ext(
				  c->tag, JSON_C_TO_STRING_PLAIN)
			: "",
		 sizeof(sc.tag));
	sc.answered = c->answer_ms != 0;
	sc.call = NULL; /* it frees itself from a zero-delay timer */
}

static void sc_setup(void)
{
	char err[256];

	session_setup();
	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(cfg_load(&sc.cfg, NULL, err, sizeof(err)), 0);
	sc.app.cfg = sc.cfg;
	sc.app.loader = ses.loader;
	sc.app.nloops = 1;
	sc.stk.app = &sc.app;
	ck_assert_int_eq(scopemgr_alloc(&sc.scopes, 0), 0);
	sc.env.stk = &sc.stk;
	sc.env.scopes = sc.scopes;
	sc.env.eh = sc_event;
	list_init(&sc.env.calls);
	ck_assert_int_eq(call_alloc(&sc.call, &sc.env), 0);
	call_start(sc.call);
}

static void sc_teardown(void)
{
	call_close_all(&sc.env);
	sc.scopes = mem_deref(sc.scopes);
	sc.cfg = mem_deref(sc.cfg);
	session_teardown();
}

static int sc_gone(void *arg)
{
	(void)arg;
	return sc.ended && list_isempty(&sc.env.calls);
}

/* Run the verbs of json on the call until it has ended and is freed */
static void sc_run(const char *json)
{
	struct vlist *v = NULL;

	ck_assert_msg(session_parse(&v, json) == 0, "%s", ses.err);
	sc.state_before = sc.call->state;
	call_start_verbs(sc.call, v);
	mem_deref(v);
	ck_assert_msg(fixture_run_until(sc_gone, NULL,
					fixture_timeout(5) * 1000) == 0,
		      "the call did not end");
	ck_assert_int_eq(sc.ended, 1);
}

START_TEST(session_runs_in_order)
{
	sc_run("[{\"verb\": \"tag\", \"data\": {\"n\": 1}},"
	       " {\"verb\": \"tag\", \"data\": {\"n\": 2}},"
	       " {\"tag\": {\"data\": {\"n\": 3}}}]");
	/* the last verb ran last; a list that runs out on an unanswered
	 * call declines it */
	ck_assert_str_eq(sc.tag, "{\"n\":3}");
	ck_assert_uint_eq(sc.scode, 603);
	ck_assert_str_eq(sc.reason, "Decline");
	/* none of these needs media: the call was never answered */
	ck_assert(!sc.answered);
}
END_TEST

START_TEST(session_pause_waits)
{
	uint64_t t0 = tmr_jiffies();

	sc_run("[{\"verb\": \"tag\", \"data\": {\"n\": 1}},"
	       " {\"verb\": \"pause\", \"length\": 1},"
	       " {\"verb\": \"tag\", \"data\": {\"n\": 2}}]");
	/* the next verb starts once the running one has ended */
	ck_assert_uint_ge(tmr_jiffies() - t0, 900);
	ck_assert_str_eq(sc.tag, "{\"n\":2}");
	ck_assert_uint_eq(sc.scode, 603);
}
END_TEST

START_TEST(session_hangup_ends_list)
{
	sc_run("[{\"verb\": \"tag\", \"data\": {\"n\": 1}},"
	       " {\"verb\": \"sip:decline\", \"status\": 486,"
	       "  \"reason\": \"Busy Here\"},"
	       " {\"verb\": \"tag\", \"data\": {\"n\": 2}}]");
	ck_assert_uint_eq(sc.scode, 486);
	ck_assert_str_eq(sc.reason, "Busy Here");
	/* the verbs after the one that ended the call never ran */
	ck_assert_str_eq(sc.tag, "{\"n\":1}");
}
END_TEST

START_TEST(session_media_precondition)
{
	struct sa laddr;

	/* an inbound call has its SDP session before any verb runs */
	ck_assert_int_eq(sa_set_str(&laddr, "127.0.0.1", 0), 0);
	ck_assert_int_eq(sdp_session_alloc(&sc.call->sdp, &laddr), 0);
	ck_assert_int_eq(sdp_media_add(&sc.call->sdpm, sc.call->sdp, "audio",
				       4000, "RTP/AVP"),
			 0);
	/* say needs media: the call is answered first, and one that
	 * cannot be (no INVITE to accept here) ends with the media
	 * failure instead of running the verb or the ones after it */
	sc_run("[{\"verb\": \"tag\", \"data\": {\"n\": 1}},"
	       " {\"verb\": \"say\", \"text\": \"hello\"},"
	       " {\"verb\": \"tag\", \"data\": {\"n\": 2}}]");
	ck_assert_uint_eq(sc.scode, 480);
	ck_assert_str_eq(sc.reason, "Temporarily Unavailable");
	ck_assert_str_eq(sc.tag, "{\"n\":1}");
	ck_assert(!sc.answered);
}
END_TEST

static int sc_tag_is(void *arg)
{
	const char *want = arg;
	const struct json_object *n;

	if (!sc.call || !sc.call->tag)
		return 0;
	n = json_object_object_get(sc.call->tag, "n");
	return n &&
	       !strcmp(json_object_get_string((struct json_object *)n), want);
}

static int sc_never(void *arg)
{
	(void)arg;
	return 0;
}

START_TEST(session_replace_cancels)
{
	struct vlist *a = NULL, *b = NULL;
	uint64_t t0;

	ck_assert_int_eq(session_parse(&a, "[{\"tag\": {\"data\": {\"n\": "
					   "\"a1\"}}},"
					   " {\"pause\": {\"length\": 30}},"
					   " {\"tag\": {\"data\": {\"n\": "
					   "\"a2\"}}}]"),
			 0);
	ck_assert_int_eq(session_parse(&b, "[{\"tag\": {\"data\": {\"n\": "
					   "\"b1\"}}},"
					   " {\"tag\": {\"data\": {\"n\": "
					   "\"b2\"}}}]"),
			 0);
	call_start_verbs(sc.call, a);
	ck_assert_int_eq(fixture_run_until(sc_tag_is, "a1", 2000), 0);
	/* let the pause start */
	(void)fixture_run_until(sc_never, NULL, 100);
	ck_assert_int_eq(sc.ended, 0);
	t0 = tmr_jiffies();
	session_replace(sc.call->session, b);
	mem_deref(a);
	mem_deref(b);
	ck_assert_int_eq(
		fixture_run_until(sc_gone, NULL, fixture_timeout(5) * 1000),
		0);
	/* the pause was cancelled, not waited for, and the rest of the
	 * first list was dropped */
	ck_assert_uint_lt(tmr_jiffies() - t0, fixture_timeout(5) * 1000);
	ck_assert_str_eq(sc.tag, "{\"n\":\"b2\"}");
	ck_assert_uint_eq(sc.scode, 603);
}
END_TEST

START_TEST(session_stopped_ignores)
{
	struct session *s = NULL;
	struct vlist *v = NULL;
	struct json_object *hook = json_object_new_string("http://x/");

	ck_assert_int_eq(session_alloc(&s, NULL), EINVAL);
	ck_assert_int_eq(session_alloc(&s, sc.call), 0);
	ck_assert_int_eq(session_parse(&v, "[{\"tag\": {\"data\": {\"n\": "
					   "1}}}]"),
			 0);
	session_stop(s);
	session_stop(s);
	/* a stopped session runs nothing more, and fetches nothing */
	session_replace(s, v);
	ck_assert_int_eq(session_redirect(s, hook), ESHUTDOWN);
	(void)fixture_run_until(sc_never, NULL, 100);
	ck_assert_ptr_null(sc.call->tag);
	ck_assert_int_eq(sc.ended, 0);
	ck_assert_int_eq(session_redirect(NULL, hook), ESHUTDOWN);
	session_replace(NULL, v);
	session_stop(NULL);
	mem_deref(s);
	mem_deref(v);
	json_object_put(hook);
}
END_TEST

START_TEST(session_limits_from_cfg)
{
	struct vlist_limits lim = {0};

	session_limits(sc.call, &lim);
	ck_assert_uint_eq(lim.max_verbs, sc.cfg->max_verbs_per_doc);
	ck_assert_uint_eq(lim.max_depth, sc.cfg->hook_json_max_depth);
	/* the documented defaults */
	ck_assert_uint_eq(lim.max_verbs, 1000);
	ck_assert_uint_eq(lim.max_depth, 64);
}
END_TEST

START_TEST(vlist_concat_rest)
{
	struct vlist *a = NULL, *b = NULL, *v = NULL;

	ck_assert_int_eq(session_parse(&a,
				       "[{\"verb\":\"say\",\"text\":\"a\"},"
				       "{\"verb\":\"pause\",\"length\":1}]"),
			 0);
	ck_assert_int_eq(session_parse(&b, "[{\"verb\":\"hangup\"}]"), 0);
	/* what is left of a (from index 1), then b */
	ck_assert_int_eq(vlist_concat(&v, a, 1, b), 0);
	ck_assert_uint_eq(v->n, 2);
	ck_assert_str_eq(v->items[0].name, "pause");
	ck_assert_str_eq(v->items[1].name, "hangup");
	ck_assert_ptr_eq(v->items[1].data, b->items[0].data);
	v = mem_deref(v);
	/* a run out, or none */
	ck_assert_int_eq(vlist_concat(&v, a, 5, b), 0);
	ck_assert_uint_eq(v->n, 1);
	v = mem_deref(v);
	ck_assert_int_eq(vlist_concat(&v, NULL, 0, NULL), 0);
	ck_assert_uint_eq(v->n, 0);
	v = mem_deref(v);
	ck_assert_int_eq(vlist_concat(NULL, a, 0, b), EINVAL);
	mem_deref(a);
	mem_deref(b);
}
END_TEST

extern Suite *session_suite(void);

Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tv = tcase_create("vlist");
	TCase *tr = tcase_create("run");

	tcase_add_checked_fixture(tv, session_setup, session_teardown);
	tcase_set_timeout(tv, fixture_timeout(10));
	tcase_add_test(tv, vlist_both_forms);
	tcase_add_test(tv, vlist_same_either_form);
	tcase_add_test(tv, vlist_empty);
	tcase_add_test(tv, vlist_concat_rest);
	tcase_add_test(tv, vlist_refused);
	tcase_add_test(tv, vlist_schema_refused);
	tcase_add_test(tv, vlist_body_ok);
	tcase_add_test(tv, vlist_body_too_many);
	tcase_add_test(tv, vlist_body_too_deep);
	tcase_add_test(tv, vlist_body_not_json);
	tcase_add_test(tv, session_hook_err_names);
	tcase_add_test(tv, vlist_body_not_array_cases);
	tcase_add_test(tv, session_hook_status_codes);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(tr, sc_setup, sc_teardown);
	tcase_set_timeout(tr, fixture_timeout(15));
	tcase_add_test(tr, session_runs_in_order);
	tcase_add_test(tr, session_pause_waits);
	tcase_add_test(tr, session_hangup_ends_list);
	tcase_add_test(tr, session_media_precondition);
	tcase_add_test(tr, session_replace_cancels);
	tcase_add_test(tr, session_stopped_ignores);
	tcase_add_test(tr, session_limits_from_cfg);
	suite_add_tcase(s, tr);
	return s;
}
