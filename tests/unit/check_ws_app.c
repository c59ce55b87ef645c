/**
 * @file check_ws_app.c  Which call_hooks make a WebSocket application,
 *                       and which hooks of one still go over HTTP
 *
 * and the reconnect policy of a URL (#rc=, #rp=, the back-off) as
 * jambonz's ws-requestor.js reads it. The messages themselves are
 * exercised end to end against @jambonz/node-client-ws
 * (tests/e2e/160-ws-app.sh to 162).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "app.h"
#include "api/rest.h"
#include "call/ws_app.h"
#include "call/ws_policy.h"
#include "dir/dir_app.h"

START_TEST(ws_app_hook_kind)
{
	struct dir_hook h = {0};

	ck_assert(!ws_app_hook_is_ws(NULL));
	ck_assert(!ws_app_hook_is_ws(&h));
	h.url = "ws://app.example.com/hello";
	ck_assert(ws_app_hook_is_ws(&h));
	h.url = "WSS://app.example.com/hello";
	ck_assert(ws_app_hook_is_ws(&h));
	h.url = "https://app.example.com/hello";
	ck_assert(!ws_app_hook_is_ws(&h));
	/* jambonz takes method "WS" whatever the URL says */
	h.method = "ws";
	ck_assert(ws_app_hook_is_ws(&h));
	h.method = "POST";
	h.url = "wsx://app.example.com/";
	ck_assert(!ws_app_hook_is_ws(&h));
}
END_TEST

START_TEST(ws_app_http_hooks)
{
	ck_assert(ws_app_url_is_http("http://x/a"));
	ck_assert(ws_app_url_is_http("HTTPS://x/a"));
	ck_assert(!ws_app_url_is_http("/action"));
	ck_assert(!ws_app_url_is_http("ws://x/a"));
	ck_assert(!ws_app_url_is_http("httpx"));
	ck_assert(!ws_app_url_is_http(NULL));
}
END_TEST

static uint32_t rc_of(const char *url)
{
	struct ws_policy p;

	ws_policy_parse(&p, url);
	return p.max_reconnects;
}

static unsigned rp_of(const char *url)
{
	struct ws_policy p;

	ws_policy_parse(&p, url);
	return p.rp;
}

START_TEST(ws_policy_fragment)
{
	/* Math.min(Math.abs(parseInt(rc)) || 5, 5) */
	ck_assert_uint_eq(rc_of(NULL), 5);
	ck_assert_uint_eq(rc_of("ws://h/app"), 5);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=3"), 3);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=1"), 1);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=9"), 5);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=-2"), 2);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=0"), 5);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=abc"), 5);
	ck_assert_uint_eq(rc_of("ws://h/app#rc=2x"), 2);
	ck_assert_uint_eq(rc_of("ws://h/app#rp=all&rc=4"), 4);
	ck_assert_uint_eq(rc_of("ws://h/app#xrc=4"), 5);
	/* rp: "ct" unless given; names split on commas, trimmed */
	ck_assert_uint_eq(rp_of("ws://h/app"), WS_RP_CT);
	ck_assert_uint_eq(rp_of("ws://h/app#rp="), WS_RP_CT);
	ck_assert_uint_eq(rp_of("ws://h/app#rc=2&rp=4xx,5xx"),
			  WS_RP_4XX | WS_RP_5XX);
	ck_assert_uint_eq(rp_of("ws://h/app#rp= ct , all"),
			  WS_RP_CT | WS_RP_ALL);
	ck_assert_uint_eq(rp_of("ws://h/app#rp=rt"), WS_RP_RT);
	/* a name jambonz does not know retries nothing */
	ck_assert_uint_eq(rp_of("ws://h/app#rp=sometimes"), 0);
}
END_TEST

START_TEST(ws_policy_retries)
{
	struct ws_policy p;
	uint32_t ms = WS_POLICY_FIRST_BACKOFF;
	static const uint32_t want[] = {1000, 2000, 4000, 6000, 8000};

	/* 500 ms doubling to 2 s, then 2 s more each time */
	ck_assert_uint_eq(ms, 500);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ms = ws_policy_next_backoff(ms);
		ck_assert_uint_eq(ms, want[i]);
	}

	ws_policy_parse(&p, "ws://h/app");
	ck_assert(ws_policy_retry(&p, ECONNREFUSED));
	ck_assert(ws_policy_retry(&p, ECONNRESET));
	/* the handshake deadline: jambonz's ws gives it no code */
	ck_assert(!ws_policy_retry(&p, ETIMEDOUT));
	ck_assert(!ws_policy_retry(&p, EPROTO)); /* a refused handshake */
	ck_assert(!ws_policy_retry(&p, EACCES));
	ck_assert(!ws_policy_retry(NULL, ECONNREFUSED));
	/* rc retries: attempts 2 .. rc+1 */
	ck_assert(ws_policy_again(&p, 1, ECONNREFUSED));
	ck_assert(ws_policy_again(&p, 5, ECONNREFUSED));
	ck_assert(!ws_policy_again(&p, 6, ECONNREFUSED));
	ck_assert(!ws_policy_again(&p, 1, EPROTO));

	ws_policy_parse(&p, "ws://h/app#rp=4xx");
	ck_assert(ws_policy_retry(&p, EPROTO));
	ck_assert(!ws_policy_retry(&p, ECONNREFUSED));
	ws_policy_parse(&p, "ws://h/app#rp=all&rc=1");
	ck_assert(ws_policy_retry(&p, EACCES));
	ck_assert(ws_policy_again(&p, 1, EACCES));
	ck_assert(!ws_policy_again(&p, 2, EACCES));
}
END_TEST

static int64_t ws_metric(struct json_object *doc, const char *k)
{
	struct json_object *ws, *v;

	ck_assert(json_object_object_get_ex(doc, "websocket", &ws));
	ck_assert_msg(json_object_object_get_ex(ws, k, &v), "no websocket.%s",
		      k);
	return json_object_get_int64(v);
}

/* /metrics: every loop's WebSocket counters added up, in both forms */
START_TEST(ws_app_metrics)
{
	struct app app = {0};
	struct json_object *doc = NULL;
	char *text = NULL;

	app.nloops = 2;
	app.loops[0].ws = (struct app_ws_stats){
		.open = 1, .opened = 4, .reconnects = 1, .msgs_in = 10};
	app.loops[1].ws = (struct app_ws_stats){.open = 2,
						.opened = 3,
						.handshake_failures = 5,
						.msgs_in = 1,
						.msgs_out = 7,
						.errors_sent = 2};
	/* a loop past nloops is not counted */
	app.loops[2].ws.opened = 100;
	ck_assert_int_eq(metrics_json(&app, NULL, &doc), 0);
	ck_assert_int_eq(ws_metric(doc, "open"), 3);
	ck_assert_int_eq(ws_metric(doc, "opened_total"), 7);
	ck_assert_int_eq(ws_metric(doc, "reconnects_total"), 1);
	ck_assert_int_eq(ws_metric(doc, "handshake_failures_total"), 5);
	ck_assert_int_eq(ws_metric(doc, "messages_in_total"), 11);
	ck_assert_int_eq(ws_metric(doc, "messages_out_total"), 7);
	ck_assert_int_eq(ws_metric(doc, "errors_sent_total"), 2);
	ck_assert_int_eq(metrics_prometheus(doc, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "\nfs_websocket_open 3\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_websocket_reconnects_total 1\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfs_websocket_messages_in_total 11\n"));
	mem_deref(text);
	json_object_put(doc);
}
END_TEST

extern Suite *ws_app_suite(void);

Suite *ws_app_suite(void)
{
	Suite *s = suite_create("ws_app");
	TCase *tc = tcase_create("hooks");

	tcase_add_test(tc, ws_app_hook_kind);
	tcase_add_test(tc, ws_app_http_hooks);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_test(tc, ws_policy_fragment);
	tcase_add_test(tc, ws_policy_retries);
	suite_add_tcase(s, tc);
	tc = tcase_create("metrics");
	tcase_add_test(tc, ws_app_metrics);
	suite_add_tcase(s, tc);
	return s;
}
