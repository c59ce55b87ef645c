/**
 * @file check_ws_app.c  Which call_hooks make a WebSocket application,
 *                       and which hooks of one still go over HTTP
 *
 * The messages themselves are exercised end to end against
 * @jambonz/node-client-ws (tests/e2e/160-ws-app.sh).
 */
#include <stddef.h>
#include "fixture.h"
#include "call/ws_app.h"
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

extern Suite *ws_app_suite(void);

Suite *ws_app_suite(void)
{
	Suite *s = suite_create("ws_app");
	TCase *tc = tcase_create("hooks");

	tcase_add_test(tc, ws_app_hook_kind);
	tcase_add_test(tc, ws_app_http_hooks);
	suite_add_tcase(s, tc);
	return s;
}
