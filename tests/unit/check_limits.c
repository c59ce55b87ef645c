/**
 * @file check_limits.c  Limits on what webhooks and media may cost:
 *                       denied networks, credential origins, webhook
 *                       answer parsing, audio decoding bounds
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "audio/audio.h"
#include "verb/loader.h"
#include "base/netlist.h"
#include "http/req.h"
#include "base/scope.h"
#include "call/session.h"

/* ---- networks ---- */

static bool nets_has(const char *list, const char *addr)
{
	struct netlist *nets = NULL;
	struct sa sa;
	bool hit;

	ck_assert_int_eq(netlist_parse(&nets, list, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(sa_set_str(&sa, addr, 80), 0);
	hit = netlist_match(nets, &sa);
	mem_deref(nets);
	return hit;
}

START_TEST(limits_nets_match)
{
	const char *def = "169.254.0.0/16,fe80::/10";

	ck_assert(nets_has(def, "169.254.169.254"));
	ck_assert(nets_has(def, "169.254.0.1"));
	ck_assert(!nets_has(def, "169.253.255.255"));
	ck_assert(!nets_has(def, "169.255.0.0"));
	ck_assert(nets_has(def, "fe80::1"));
	ck_assert(nets_has(def, "febf::1"));
	ck_assert(!nets_has(def, "fec0::1"));
	/* an IPv4-mapped IPv6 address is the IPv4 host */
	ck_assert(nets_has(def, "::ffff:169.254.169.254"));
	ck_assert(!nets_has(def, "::ffff:127.0.0.1"));
	/* odd prefix lengths, bare hosts, spaces */
	ck_assert(nets_has("10.0.0.0/9", "10.127.255.255"));
	ck_assert(!nets_has("10.0.0.0/9", "10.128.0.0"));
	ck_assert(nets_has(" 127.0.0.2 , ::1", "127.0.0.2"));
	ck_assert(!nets_has(" 127.0.0.2 , ::1", "127.0.0.1"));
	ck_assert(nets_has(" 127.0.0.2 , ::1", "::1"));
	ck_assert(nets_has("0.0.0.0/0", "192.0.2.1"));
	ck_assert(!nets_has("0.0.0.0/0", "2001:db8::1"));
}
END_TEST

START_TEST(limits_nets_parse)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "fe80::/129",  "10.0.0.0/",  "10.0.0/8",
		"example.com", "10.0.0.0/8x", "1.2.3.4/-1",
	};
	struct netlist *nets = NULL;
	char why[80], reason[160];
	struct sa sa;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		reason[0] = '\0';
		ck_assert_msg(netlist_parse(&nets, bad[i], why, sizeof(why),
					    reason, sizeof(reason)) == EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_ptr_null(nets);
		ck_assert_str_eq(why, bad[i]);
		ck_assert_msg(*reason, "no reason for '%s'", bad[i]);
	}
	ck_assert_int_eq(netlist_parse(&nets, "ok.1/8,1.2.3.4", why,
				       sizeof(why), NULL, 0),
			 EINVAL);
	ck_assert_str_eq(why, "ok.1/8");
	ck_assert_int_eq(netlist_parse(&nets, "", NULL, 0, NULL, 0), 0);
	ck_assert_ptr_null(nets);
	ck_assert_int_eq(netlist_parse(&nets, " , ", NULL, 0, NULL, 0), 0);
	ck_assert_ptr_null(nets);
	ck_assert_int_eq(netlist_parse(&nets, NULL, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(netlist_parse(&nets,
				       "1.1.1.1,2.2.2.2,3.3.3.3,"
				       "4.4.4.4,5.5.5.5",
				       NULL, 0, NULL, 0),
			 0);
	/* all five are in the list */
	for (int i = 1; i <= 5; i++) {
		char a[16];

		re_snprintf(a, sizeof(a), "%d.%d.%d.%d", i, i, i, i);
		ck_assert_int_eq(sa_set_str(&sa, a, 0), 0);
		ck_assert(netlist_match(nets, &sa));
	}
	mem_deref(nets);
}
END_TEST

START_TEST(limits_same_origin)
{
	const char *base = "http://u:p@hooks.example:8080/app/call?x=1";

	ck_assert(req_same_origin("/next", base));
	ck_assert(req_same_origin("next", base));
	ck_assert(req_same_origin("http://HOOKS.example:8080/other", base));
	ck_assert(!req_same_origin("//evil.example/x", base));
	ck_assert(!req_same_origin("//hooks.example/x", base));
	ck_assert(!req_same_origin("//hooks.example:8081/x", base));
	ck_assert(req_same_origin("//hooks.example:8080/x", base));
	ck_assert(!req_same_origin("https://hooks.example:8080/x", base));
	ck_assert(!req_same_origin("http://hooks.example/x", base));
	/* default ports are the same port */
	ck_assert(req_same_origin("https://h.example:443/x",
				  "https://h.example/call"));
	ck_assert(req_same_origin("http://h.example/x",
				  "http://h.example:80/call"));
	ck_assert(!req_same_origin("/x", NULL));
	ck_assert(!req_same_origin(NULL, base));
	ck_assert(!req_same_origin("/x", "not a url"));
}
END_TEST


static void url_log(const char *url, const char *want)
{
	char buf[256];

	ck_assert_int_gt(
		re_snprintf(buf, sizeof(buf), "%H", req_url_print, url), -1);
	ck_assert_str_eq(buf, want);
}

START_TEST(limits_url_log)
{
	url_log("http://u:p@h.example:81/x?q=1", "http://h.example:81/x?q=1");
	url_log("https://a@b:c@h.example", "https://h.example");
	url_log("http://h.example/x@y", "http://h.example/x@y");
	url_log("http://h.example?u@x", "http://h.example?u@x");
	url_log("/relative@x", "/relative@x");
	url_log(NULL, "(none)");
}
END_TEST


/* ---- the requestor refuses denied addresses after DNS ---- */

struct res {
	int calls;
	int err;
};

static void on_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct res *r = arg;

	(void)resp;
	r->calls++;
	r->err = err;
}

static int res_done(void *arg)
{
	return ((struct res *)arg)->calls > 0;
}

START_TEST(limits_deny_after_dns)
{
	struct req_conf c = {.timeout_ms = 3000,
			     .deny_nets = "127.0.0.0/8,::1"};
	struct fs_hook hook = {.url = "http://localhost:9/x"};
	struct json_object *o;
	struct fs_req *req = NULL;
	struct res r = {0};

	fixture_re_setup();
	ck_assert_int_eq(req_global_init(), 0);
	ck_assert_int_eq(req_alloc(&req, &c), 0);
	ck_assert_int_eq(fs_req_send(req, NULL, &hook, NULL, on_resp, &r), 0);
	ck_assert_int_eq(fixture_run_until(res_done, &r, 5000), 0);
	ck_assert_int_eq(r.err, EACCES);
	o = json_object_new_object();
	ck_assert_int_eq(req_metrics(req, o), 0);
	ck_assert_int_eq(fixture_json_int(o, "failures.denied"), 1);
	ck_assert_int_eq(fixture_json_int(o, "failures.connect"), 0);
	json_object_put(o);

	/* a bad list refuses the settings, old ones stay */
	c.deny_nets = "127.0.0.0/99";
	ck_assert_int_eq(req_reconf(req, &c), EINVAL);
	mem_deref(req);
	req = NULL;
	ck_assert_int_eq(req_alloc(&req, &c), EINVAL);
	ck_assert_ptr_null(req);
	req_global_close();
	fixture_re_teardown();
}
END_TEST


/* ---- webhook answers ---- */

static struct loader *limits_loader;

static void loader_setup(void)
{
	const char *dir = fixture_env("FS_PLUGIN_DIR", "build/plugins");

	fixture_re_setup();
	ck_assert_int_eq(loader_alloc(&limits_loader, dir, 0), 0);
}

static void loader_teardown(void)
{
	limits_loader = mem_deref(limits_loader);
	fixture_re_teardown();
}

static int body_parse(const char *body, uint32_t verbs, uint32_t depth,
		      char *why, size_t sz, size_t *np)
{
	struct vlist_limits lim = {.max_verbs = verbs, .max_depth = depth};
	struct vlist *v = NULL;
	int err;

	why[0] = '\0';
	err = vlist_from_body(&v, limits_loader, &lim, body, strlen(body), why,
			      sz);
	if (np)
		*np = v ? v->n : 0;
	mem_deref(v);
	return err;
}

static char *nested(size_t depth)
{
	char *s = malloc(depth * 2 + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[depth * 2] = '\0';
	return s;
}

START_TEST(limits_body_depth)
{
	char why[200];
	char *s;

	/* 10,000 deep is refused by the bound, not by a crash */
	s = nested(10000);
	ck_assert_int_eq(body_parse(s, 0, 64, why, sizeof(why), NULL), EPROTO);
	ck_assert_ptr_nonnull(strstr(why, "nested deeper than 64"));
	free(s);

	/* a hangup nested in arrays to the limit is JSON, not verbs */
	s = nested(64);
	ck_assert_int_eq(body_parse(s, 0, 64, why, sizeof(why), NULL), EINVAL);
	ck_assert_ptr_null(strstr(why, "nested"));
	free(s);
	s = nested(65);
	ck_assert_int_eq(body_parse(s, 0, 64, why, sizeof(why), NULL), EPROTO);
	free(s);
}
END_TEST

START_TEST(limits_body_verbs)
{
	const char *one = "{\"verb\":\"hangup\"},";
	char why[200], *s;
	size_t n = 0, len = strlen(one);

	s = malloc(len * 1001 + 3);
	ck_assert_ptr_nonnull(s);
	s[0] = '[';
	for (size_t i = 0; i < 1001; i++)
		memcpy(s + 1 + i * len, one, len);
	s[1 + 1001 * len - 1] = ']';
	s[1 + 1001 * len] = '\0';
	ck_assert_int_eq(body_parse(s, 1000, 0, why, sizeof(why), &n), E2BIG);
	ck_assert_str_eq(why, "webhook answer has 1001 verbs, more than 1000 "
			      "(MAX_VERBS_PER_DOC)");
	ck_assert_int_eq(body_parse(s, 1001, 0, why, sizeof(why), &n), 0);
	ck_assert_uint_eq(n, 1001);
	ck_assert_int_eq(body_parse(s, 0, 0, why, sizeof(why), &n), 0);
	free(s);
}
END_TEST

START_TEST(limits_body_syntax)
{
	char why[200];
	size_t n;

	ck_assert_int_eq(body_parse("[{\"verb\":\"hangup\"}] \r\n\t", 10, 0,
				    why, sizeof(why), &n),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(body_parse("[{\"verb\":\"hangup\"}] x", 10, 0, why,
				    sizeof(why), NULL),
			 EPROTO);
	ck_assert_str_eq(why, "webhook returned invalid JSON");
	ck_assert_int_eq(body_parse("[{\"verb\":\"hangup\"}][]", 10, 0, why,
				    sizeof(why), NULL),
			 EPROTO);
	ck_assert_int_eq(
		body_parse("[{\"verb\":", 10, 0, why, sizeof(why), NULL),
		EPROTO);
	ck_assert_int_eq(body_parse("{\"verb\":\"hangup\"}", 10, 0, why,
				    sizeof(why), NULL),
			 EPROTO);
	ck_assert_ptr_nonnull(strstr(why, "array"));
	ck_assert_int_eq(body_parse("[]", 10, 0, why, sizeof(why), &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST


/* ---- audio decoding bounds ---- */

/* A 16-bit mono WAV of secs seconds at rate Hz, a 440 Hz tone */
static uint8_t *wav_make(unsigned secs, unsigned rate, size_t *lenp)
{
	size_t n = (size_t)secs * rate, len = 44 + n * 2;
	uint8_t *b = malloc(len);
	uint32_t v;

	ck_assert_ptr_nonnull(b);
	memcpy(b, "RIFF", 4);
	v = (uint32_t)(len - 8);
	memcpy(b + 4, &v, 4);
	memcpy(b + 8, "WAVEfmt ", 8);
	v = 16;
	memcpy(b + 16, &v, 4);
	b[20] = 1, b[21] = 0, b[22] = 1, b[23] = 0;
	memcpy(b + 24, &rate, 4);
	v = rate * 2;
	memcpy(b + 28, &v, 4);
	b[32] = 2, b[33] = 0, b[34] = 16, b[35] = 0;
	memcpy(b + 36, "data", 4);
	v = (uint32_t)(n * 2);
	memcpy(b + 40, &v, 4);
	for (size_t i = 0; i < n; i++) {
		int16_t s = (int16_t)((i * 440 * 2 / rate) % 2 ? 8000 : -8000);

		memcpy(b + 44 + i * 2, &s, 2);
	}
	*lenp = len;
	return b;
}

START_TEST(limits_decode_bounds)
{
	struct fs_audio *a = NULL;
	size_t len;
	uint8_t *w = wav_make(60, 48000, &len);

	/* longer than allowed: refused on the header */
	ck_assert_int_eq(audio_decode_lim(&a, w, len, 59, 0), EFBIG);
	ck_assert_ptr_null(a);
	/* slower than allowed: 60 s at 48 kHz take more than 1 ms */
	ck_assert_int_eq(audio_decode_lim(&a, w, len, 0, 1), ETIMEDOUT);
	ck_assert_ptr_null(a);
	/* within both */
	ck_assert_int_eq(audio_decode_lim(&a, w, len, 60, 60000), 0);
	ck_assert_uint_eq(a->samples, 60 * 8000);
	a = mem_deref(a);
	free(w);
}
END_TEST

extern Suite *limits_suite(void);

Suite *limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("pure");
	TCase *tb = tcase_create("bodies");

	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, limits_nets_match);
	tcase_add_test(tc, limits_nets_parse);
	tcase_add_test(tc, limits_same_origin);
	tcase_add_test(tc, limits_url_log);
	tcase_add_test(tc, limits_deny_after_dns);
	tcase_add_test(tc, limits_decode_bounds);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tb, loader_setup, loader_teardown);
	tcase_set_timeout(tb, fixture_timeout(10));
	tcase_add_test(tb, limits_body_depth);
	tcase_add_test(tb, limits_body_verbs);
	tcase_add_test(tb, limits_body_syntax);
	suite_add_tcase(s, tb);
	return s;
}
