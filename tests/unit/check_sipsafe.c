/**
 * @file check_sipsafe.c  Outside text in SIP headers and log lines:
 *                        tokens, values, display names, users, URIs,
 *                        custom headers, targets
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/cfg.h"
#include "fixture.h"
#include "sip/leg.h"
#include "sip/sipsafe.h"
#include "sip/target.h"

Suite *sipsafe_suite(void);

START_TEST(sipsafe_tokens_values)
{
	ck_assert(sipsafe_token("X-Custom-Header"));
	ck_assert(sipsafe_token("P-Asserted-Identity"));
	ck_assert(sipsafe_token("a.b!%*_+`'~"));
	ck_assert(!sipsafe_token(""));
	ck_assert(!sipsafe_token(NULL));
	ck_assert(!sipsafe_token("X-A: b"));
	ck_assert(!sipsafe_token("X\r\nContact"));
	ck_assert(!sipsafe_token("X(1)"));
	ck_assert(!sipsafe_token("X\"y"));

	ck_assert(sipsafe_value("value; with=params, \"quotes\" and\ttab"));
	ck_assert(sipsafe_value("caf\xc3\xa9"));
	ck_assert(sipsafe_value(""));
	ck_assert(!sipsafe_value(NULL));
	ck_assert(!sipsafe_value("a\r\nContact: <sip:evil>"));
	ck_assert(!sipsafe_value("a\rb"));
	ck_assert(!sipsafe_value("a\nb"));
	ck_assert(!sipsafe_value("a\x1b[2Jb"));
	ck_assert(!sipsafe_value("a\x7f"));

	ck_assert(sipsafe_reserved("via"));
	ck_assert(sipsafe_reserved("Content-Length"));
	ck_assert(sipsafe_reserved("l"));
	ck_assert(sipsafe_reserved("CALL-ID"));
	ck_assert(!sipsafe_reserved("X-Via"));
	ck_assert(!sipsafe_reserved("P-Asserted-Identity"));
}
END_TEST

START_TEST(sipsafe_names_users)
{
	char *s = NULL;
	char big[200];

	ck_assert_int_eq(sipsafe_dname(&s, "Alice \"Al\" \\o/"), 0);
	ck_assert_str_eq(s, "Alice \\\"Al\\\" \\\\o/");
	s = mem_deref(s);
	ck_assert_int_eq(sipsafe_dname(&s, "Bob\r\nContact: <sip:evil>"),
			 EINVAL);
	ck_assert_ptr_null(s);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(sipsafe_dname(&s, big), EINVAL);

	ck_assert_int_eq(sipsafe_user(&s, "+15551234567"), 0);
	ck_assert_str_eq(s, "+15551234567");
	s = mem_deref(s);
	ck_assert_int_eq(sipsafe_user(&s, "john doe@x<y>%41"), 0);
	ck_assert_str_eq(s, "john%20doe%40x%3Cy%3E%41");
	s = mem_deref(s);
	ck_assert_int_eq(sipsafe_user(&s, "100%"), 0);
	ck_assert_str_eq(s, "100%25");
	s = mem_deref(s);
	ck_assert_int_eq(sipsafe_user(&s, "1\r\nContact: <sip:evil>"), EINVAL);
	ck_assert_int_eq(sipsafe_user(&s, "a\tb"), EINVAL);
	ck_assert_int_eq(sipsafe_user(&s, ""), EINVAL);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(sipsafe_uris)
{
	ck_assert(sipsafe_uri("sip:bob@127.0.0.1:5080"));
	ck_assert(sipsafe_uri("sips:bob@example.com;transport=tls"));
	ck_assert(sipsafe_uri("sip:+1555@[::1]:5060"));
	ck_assert(!sipsafe_uri("tel:+1555"));
	ck_assert(!sipsafe_uri("sip:bob@h\r\nContact: <sip:evil>"));
	ck_assert(!sipsafe_uri("sip:bob@h>;x"));
	ck_assert(!sipsafe_uri("sip:bob @h"));
	ck_assert(!sipsafe_uri("sip:bob@h\x1b"));
	ck_assert(!sipsafe_uri("sip:"));
	ck_assert(!sipsafe_uri(NULL));

	ck_assert(sipsafe_hostport("sbc.example.com"));
	ck_assert(sipsafe_hostport("10.0.0.1:5060"));
	ck_assert(sipsafe_hostport("[2001:db8::1]:5060"));
	ck_assert(sipsafe_hostport("sbc:5060;transport=tcp"));
	ck_assert(!sipsafe_hostport(""));
	ck_assert(!sipsafe_hostport("sbc:5060\r\nContact: <sip:evil>"));
	ck_assert(!sipsafe_hostport("sbc>;lr"));
	ck_assert(!sipsafe_hostport("sbc:"));
	ck_assert(!sipsafe_hostport("sbc:123456"));
	ck_assert(!sipsafe_hostport("user@sbc"));
	ck_assert(!sipsafe_hostport("[::1"));
	ck_assert(!sipsafe_hostport("[]"));
}
END_TEST

START_TEST(sipsafe_clean_escapes)
{
	char buf[64];

	sipsafe_clean(buf, sizeof(buf),
		      "invalid instruction: x\r\nContact: <sip:evil>");
	ck_assert_str_eq(buf,
			 "invalid instruction: x\\r\\nContact: <sip:evil>");
	ck_assert_ptr_null(strpbrk(buf, "\r\n"));
	sipsafe_clean(buf, 8, "abcdefghijk");
	ck_assert_str_eq(buf, "abcdefg");
	sipsafe_clean(buf, sizeof(buf), NULL);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* Custom headers from webhooks: refused one by one, the rest kept */
START_TEST(sipsafe_leg_headers)
{
	struct json_object *h = json_tokener_parse(
		"{\"X-Good\":\"1\",\"X-Bad\":\"a\\r\\nContact: <sip:evil>\","
		"\"X\\r\\nContact\":\"<sip:evil>\",\"Bad Name\":\"x\","
		"\"Contact\":\"<sip:evil>\",\"Content-Length\":\"0\","
		"\"X-Nul\":\"a\\u0000b\",\"X-Esc\":\"\\u001b[31m\","
		"\"X-Num\":42,\"X-Tab\":\"a\\tb\"}");
	char *out = NULL;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(leg_headers(&out, h), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "X-Good: 1\r\nX-Num: 42\r\nX-Tab: a\tb\r\n");
	mem_deref(out);
	json_object_put(h);
}
END_TEST

static int resolve(const char *json, char **uri, char **route, char *err,
		   size_t errsz)
{
	struct json_object *t = json_tokener_parse(json);
	struct cfg *cfg = NULL;
	char why[256];
	int e;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(cfg_load(&cfg, NULL, why, sizeof(why)), 0);
	e = target_resolve(cfg, t, uri, route, err, errsz);
	json_object_put(t);
	mem_deref(cfg);
	return e;
}

START_TEST(sipsafe_targets)
{
	char *uri = NULL, *route = NULL, err[256];

	ck_assert_int_eq(resolve("{\"type\":\"sip\",\"sipUri\":"
				 "\"sip:bob@127.0.0.1:5080\",\"proxy\":"
				 "\"sip:10.0.0.1:5060\"}",
				 &uri, &route, err, sizeof(err)),
			 0);
	ck_assert_str_eq(uri, "sip:bob@127.0.0.1:5080");
	ck_assert_str_eq(route, "sip:10.0.0.1:5060");
	uri = mem_deref(uri);
	route = mem_deref(route);

	ck_assert_int_eq(resolve("{\"type\":\"sip\",\"sipUri\":"
				 "\"sip:bob@h\\r\\nContact: <sip:evil>\"}",
				 &uri, &route, err, sizeof(err)),
			 EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad sipUri"));
	ck_assert_int_eq(resolve("{\"type\":\"sip\",\"sipUri\":"
				 "\"sip:bob@h\",\"proxy\":"
				 "\"h:5060>\\r\\nContact: <sip:evil\"}",
				 &uri, &route, err, sizeof(err)),
			 EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad proxy"));
	ck_assert_int_eq(resolve("{\"type\":\"phone\",\"number\":\"1555\","
				 "\"proxy\":\"sbc;x=<y>\"}",
				 &uri, &route, err, sizeof(err)),
			 EINVAL);
	ck_assert_int_eq(resolve("{\"type\":\"phone\",\"number\":"
				 "\"1555\\r\\nX: y\",\"proxy\":\"sbc\"}",
				 &uri, &route, err, sizeof(err)),
			 EINVAL);
	ck_assert_ptr_null(uri);
	ck_assert_ptr_null(route);
}
END_TEST

Suite *sipsafe_suite(void)
{
	Suite *s = suite_create("sipsafe");
	TCase *tc = tcase_create("sipsafe");

	tcase_add_test(tc, sipsafe_tokens_values);
	tcase_add_test(tc, sipsafe_names_users);
	tcase_add_test(tc, sipsafe_uris);
	tcase_add_test(tc, sipsafe_clean_escapes);
	tcase_add_test(tc, sipsafe_leg_headers);
	tcase_add_test(tc, sipsafe_targets);
	suite_add_tcase(s, tc);
	return s;
}
