/**
 * @file check_req.c  Pooled requestor against a real local HTTP server
 *
 * tests/tools/httpsrv.js runs on 127.0.0.1 (one per test case, started
 * before the tests fork); its /echo answers with what it saw on the wire,
 * so the tests assert on real bytes: headers, signature, body, the TCP
 * connection each request used.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "fixture.h"
#include "http/req.h"
#include "http/req_int.h"
#include "base/scope.h"

/* ---- the HTTP server, shared by a test case ---- */

static struct fixture_srv srv = {-1, -1, 0};

static void srv_start(void)
{
	fixture_srv_start(&srv, NULL);
}

static void srv_stop(void)
{
	fixture_srv_stop(&srv);
}

static const char *srv_url(char *buf, size_t sz, const char *path)
{
	snprintf(buf, sz, "http://127.0.0.1:%u%s", srv.port, path);
	return buf;
}


/* ---- per-test loop, requestor and scopes ---- */

static struct {
	struct fs_req *req;
	struct scopemgr *mgr;
	struct fs_scope *root;
} t;

struct result {
	int calls;
	int err;
	uint16_t status;
	uint32_t attempts;
	char ctype[64];
	char *body; /* mem_alloc'd copy */
	struct json_object *json;
	uint64_t t_done;
};

static void req_conf_default(struct req_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->poolsize = 4;
	c->timeout_ms = 5000;
	c->cleanup_ms = 60000;
	c->max_body = 256 * 1024;
}

static void setup(void)
{
	struct req_conf c;

	fixture_re_setup();
	ck_assert_int_eq(req_global_init(), 0);
	req_conf_default(&c);
	ck_assert_int_eq(req_alloc(&t.req, &c), 0);
	ck_assert_int_eq(scopemgr_alloc(&t.mgr, 200), 0);
	ck_assert_int_eq(scope_alloc_root(&t.root, t.mgr, "test"), 0);
}

static void teardown(void)
{
	fs_scope_close(t.root);
	t.root = mem_deref(t.root);
	t.req = mem_deref(t.req);
	t.mgr = mem_deref(t.mgr);
	req_global_close();
	fixture_re_teardown();
}

static void result_reset(struct result *r)
{
	r->body = mem_deref(r->body);
	if (r->json)
		json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

static void on_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct result *r = arg;

	r->calls++;
	r->err = err;
	r->t_done = tmr_jiffies();
	if (!resp)
		return;
	r->status = resp->status;
	r->attempts = resp->attempts;
	if (resp->ctype)
		str_ncpy(r->ctype, resp->ctype, sizeof(r->ctype));
	ck_assert_int_eq(str_dup(&r->body, resp->body), 0);
	ck_assert_uint_eq(strlen(r->body), resp->len);
	r->json = json_tokener_parse(resp->body);
}

static int result_done(void *arg)
{
	return ((struct result *)arg)->calls > 0;
}

struct many {
	struct result *r;
	int n;
};

static int many_done(void *arg)
{
	struct many *m = arg;

	for (int i = 0; i < m->n; i++) {
		if (!m->r[i].calls)
			return 0;
	}
	return 1;
}

static int run_one(const struct fs_hook *hook, const struct fs_req_opts *o,
		   struct result *r, unsigned ms)
{
	int err = fs_req_send(t.req, t.root, hook, o, on_resp, r);

	if (err)
		return err;
	return fixture_run_until(result_done, r, ms);
}

static void loop_sleep(unsigned ms)
{
	fixture_run_until(NULL, NULL, ms);
}

/** Integer at a dotted path of the requestor's metrics */
static int64_t metric(const char *path)
{
	struct json_object *o = json_object_new_object();
	int64_t v;

	ck_assert_int_eq(req_metrics(t.req, o), 0);
	v = fixture_json_int(o, path);
	json_object_put(o);
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static const char *jhdr(struct result *r, const char *name)
{
	struct json_object *h;

	if (!r->json || !json_object_object_get_ex(r->json, "headers", &h))
		return NULL;
	return jstr(h, name);
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

static unsigned free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static long vm_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}


/* ---- pure helpers ---- */

START_TEST(req_retry_fragment)
{
	struct req_retry rt;

	ck_assert_int_eq(req_retry_parse(&rt, NULL), 0);
	ck_assert_uint_eq(rt.rc, 0);
	ck_assert_uint_eq(rt.rp, REQ_RP_CT);

	req_retry_parse(&rt, "rc=2&rp=5xx");
	ck_assert_uint_eq(rt.rc, 2);
	ck_assert_uint_eq(rt.rp, REQ_RP_5XX);

	req_retry_parse(&rt, "rp=ct,rt,4xx&rc=9&foo=bar");
	ck_assert_uint_eq(rt.rc, 5);
	ck_assert_uint_eq(rt.rp, REQ_RP_CT | REQ_RP_RT | REQ_RP_4XX);

	req_retry_parse(&rt, "rc=3&rp=all");
	ck_assert_uint_eq(rt.rp, REQ_RP_ALL);

	req_retry_parse(&rt, "rc=-1&rp=nonsense");
	ck_assert_uint_eq(rt.rc, 0);
	ck_assert_uint_eq(rt.rp, REQ_RP_CT);

	ck_assert_uint_eq(req_retry_delay(1), 500);
	ck_assert_uint_eq(req_retry_delay(2), 1000);
	ck_assert_uint_eq(req_retry_delay(3), 2000);
	ck_assert_uint_eq(req_retry_delay(4), 4000);
	ck_assert_uint_eq(req_retry_delay(5), 6000);
}
END_TEST

START_TEST(req_signature_vector)
{
	const char *body = "{\"call_sid\":\"abc\",\"n\":1}";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char input[128], want[256], got[256], hex[2 * EVP_MAX_MD_SIZE + 1];

	/* computed independently: one-shot HMAC over the joined string */
	snprintf(input, sizeof(input), "1700000000.%s", body);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), "k3y", 3,
				   (const unsigned char *)input, strlen(input),
				   md, &mdlen));
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	snprintf(want, sizeof(want), "Jambonz-Signature: t=1700000000,v1=%s",
		 hex);

	ck_assert_int_eq(req_sig_header(got, sizeof(got), "k3y", 1700000000,
					body, strlen(body)),
			 0);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(req_sig_header(got, 20, "k3y", 1, body, 3),
			 EOVERFLOW);
	ck_assert_int_eq(req_sig_header(got, sizeof(got), NULL, 1, NULL, 0),
			 EINVAL);
}
END_TEST

START_TEST(req_bad_args)
{
	struct fs_hook hook = {.url = "/rel"};
	struct fs_req_opts o = {0};
	struct fs_scope *sc;
	char url[128];

	ck_assert_int_eq(fs_req_send(t.req, t.root, &hook, NULL, NULL, NULL),
			 EINVAL);
	hook.url = "ftp://127.0.0.1/x";
	ck_assert_int_eq(fs_req_send(t.req, t.root, &hook, &o, NULL, NULL),
			 EINVAL);
	hook.url = srv_url(url, sizeof(url), "/echo");
	hook.method = "PUT";
	ck_assert_int_eq(fs_req_send(t.req, t.root, &hook, &o, NULL, NULL),
			 EINVAL);
	hook.method = NULL;
	ck_assert_int_eq(fs_req_send(NULL, t.root, &hook, &o, NULL, NULL),
			 EINVAL);

	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "closed"), 0);
	fs_scope_close(sc);
	ck_assert_int_eq(fs_req_send(t.req, sc, &hook, &o, NULL, NULL),
			 ESHUTDOWN);
	mem_deref(sc);
	ck_assert_int_eq(metric("inflight"), 0);
	ck_assert_int_eq(metric("requests"), 0);
}
END_TEST


/* ---- against the server ---- */

START_TEST(req_post_signed)
{
	const char *body = "{\"call_sid\":\"c1\",\"to\":\"+1/555\","
			   "\"name\":\"J\xc3\xbcrgen\",\"n\":1.5}";
	struct fs_hook hook = {.url = NULL, .method = "post"};
	struct fs_req_opts o = {.body = body, .secret = "s3cret"};
	struct result r = {0};
	char url[128], input[256], hex[65];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned long ts;
	const char *sig;

	hook.url = srv_url(url, sizeof(url), "/echo/hook");
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.attempts, 1);
	ck_assert_str_eq(r.ctype, "application/json");
	ck_assert_ptr_nonnull(r.json);
	ck_assert_str_eq(jstr(r.json, "method"), "POST");
	ck_assert_str_eq(jstr(r.json, "body"), body);
	ck_assert_str_eq(jhdr(&r, "content-type"), "application/json");
	ck_assert_str_eq(jhdr(&r, "user-agent"), "jambonz");
	ck_assert_ptr_null(jhdr(&r, "authorization"));
	ck_assert_ptr_null(jhdr(&r, "expect"));

	/* the server checked it with the shared secret ... */
	ck_assert_str_eq(jstr(r.json, "sig"), "ok");

	/* ... and so do we, from the bytes the server received */
	sig = jhdr(&r, "jambonz-signature");
	ck_assert_ptr_nonnull(sig);
	ck_assert_int_eq(sscanf(sig, "t=%lu,", &ts), 1);
	ck_assert(labs((long)ts - (long)time(NULL)) <= 2);
	snprintf(input, sizeof(input), "%lu.%s", ts, jstr(r.json, "body"));
	HMAC(EVP_sha256(), "s3cret", 6, (const unsigned char *)input,
	     strlen(input), md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	ck_assert_str_eq(strstr(sig, "v1=") + 3, hex);
	result_reset(&r);

	/* no secret: no signature header */
	o.secret = NULL;
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_str_eq(jstr(r.json, "sig"), "none");
	result_reset(&r);
	ck_assert_int_eq(metric("inflight"), 0);
	ck_assert_int_eq(metric("requests"), 2);
}
END_TEST

START_TEST(req_basic_auth)
{
	struct fs_hook hook = {
		.method = "GET", .username = "alice", .password = "s3:cr et"};
	struct result r = {0};
	char url[128], want[128];
	char b64[64];
	size_t n = sizeof(b64);

	hook.url = srv_url(url, sizeof(url), "/echo/auth");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(
		base64_encode((const uint8_t *)"alice:s3:cr et", 14, b64, &n),
		0);
	snprintf(want, sizeof(want), "Basic %.*s", (int)n, b64);
	ck_assert_str_eq(jhdr(&r, "authorization"), want);
	ck_assert_str_eq(jstr(r.json, "method"), "GET");
	result_reset(&r);
}
END_TEST

START_TEST(req_get_query)
{
	struct fs_hook hook = {.method = "GET"};
	struct fs_req_opts o = {.query = "b=2&c=x%20y", .body = "{}"};
	struct result r = {0};
	struct req_conf c;
	char url[128];

	req_conf_default(&c);
	c.user_agent = "fs-test/1.0";
	ck_assert_int_eq(req_reconf(t.req, &c), 0);

	hook.url = srv_url(url, sizeof(url), "/echo/get?a=1");
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_str_eq(jstr(r.json, "method"), "GET");
	ck_assert_str_eq(jstr(r.json, "url"), "/echo/get?a=1&b=2&c=x%20y");
	ck_assert_str_eq(jstr(r.json, "body"), "");
	ck_assert_ptr_null(jhdr(&r, "content-type"));
	ck_assert_str_eq(jhdr(&r, "user-agent"), "fs-test/1.0");
	result_reset(&r);

	/* a query without one in the URL */
	hook.url = srv_url(url, sizeof(url), "/echo/get");
	o.query = "only=1";
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_str_eq(jstr(r.json, "url"), "/echo/get?only=1");
	result_reset(&r);
}
END_TEST

START_TEST(req_relative_url)
{
	struct fs_hook hook = {.url = "/action?x=1"};
	struct fs_req_opts o = {.body = "{\"a\":1}"};
	struct result r = {0};
	char base[160];

	snprintf(base, sizeof(base), "http://bob:pw@127.0.0.1:%u/app/hook?z=9",
		 srv.port);
	o.base_url = base;
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_str_eq(jstr(r.json, "url"), "/action?x=1");
	/* base's credentials are not inherited implicitly */
	ck_assert_ptr_null(jhdr(&r, "authorization"));
	result_reset(&r);

	/* the caller passes the call hook's credentials */
	hook.username = "bob";
	hook.password = "pw";
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_str_eq(jhdr(&r, "authorization"), "Basic Ym9iOnB3");
	result_reset(&r);

	/* no base: nothing to resolve against */
	o.base_url = NULL;
	ck_assert_int_eq(fs_req_send(t.req, t.root, &hook, &o, on_resp, &r),
			 EINVAL);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(req_keepalive_reuse)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[128];
	int64_t conn = -1;

	hook.url = srv_url(url, sizeof(url), "/echo/ka");
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
		ck_assert_int_eq(r.err, 0);
		ck_assert_uint_eq(r.status, 200);
		if (conn < 0)
			conn = jint(r.json, "conn");
		ck_assert_int_eq(jint(r.json, "conn"), conn);
		result_reset(&r);
	}
	ck_assert_int_eq(metric("connections.created"), 1);
	ck_assert_int_eq(metric("connections.reused"), 9);
	ck_assert_int_eq(metric("requests"), 10);
	ck_assert_int_le(metric("latency_ms.p50"), metric("latency_ms.max"));
}
END_TEST

START_TEST(req_pool_limit)
{
	struct result r[10];
	struct many m = {r, 10};
	struct fs_hook hook = {0};
	struct req_conf c;
	int64_t ids[10];
	int distinct = 0;
	char url[128];

	memset(r, 0, sizeof(r));
	req_conf_default(&c);
	c.poolsize = 2;
	ck_assert_int_eq(req_reconf(t.req, &c), 0);

	hook.url = srv_url(url, sizeof(url), "/slow?ms=100");
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(fs_req_send(t.req, t.root, &hook, NULL,
					     on_resp, &r[i]),
				 0);
	ck_assert_int_eq(metric("inflight"), 10);
	ck_assert_int_eq(fixture_run_until(many_done, &m, 10000), 0);

	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(r[i].err, 0);
		ck_assert_uint_eq(r[i].status, 200);
		ids[i] = jint(r[i].json, "conn");
		for (int j = 0; j < i; j++) {
			if (ids[j] == ids[i])
				goto seen;
		}
		distinct++;
	seen:
		result_reset(&r[i]);
	}
	ck_assert_int_le(distinct, 2);
	ck_assert_int_le(metric("connections.created"), 2);
	ck_assert_int_eq(metric("connections.created") +
				 metric("connections.reused"),
			 10);
	ck_assert_int_eq(metric("connections.poolsize"), 2);
	ck_assert_int_eq(metric("inflight"), 0);
}
END_TEST

START_TEST(req_server_down)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", free_port());
	hook.url = url;
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, ECONNREFUSED);
	ck_assert_ptr_null(r.body);
	ck_assert_int_eq(metric("failures.connect"), 1);
	ck_assert_int_eq(metric("inflight"), 0);
}
END_TEST

START_TEST(req_timeout)
{
	struct fs_hook hook = {0};
	struct fs_req_opts o = {.timeout_ms = 300};
	struct result r = {0};
	char url[128];
	uint64_t t0 = tmr_jiffies();

	hook.url = srv_url(url, sizeof(url), "/slow?ms=3000");
	ck_assert_int_eq(run_one(&hook, &o, &r, 5000), 0);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	ck_assert_uint_ge(r.t_done - t0, 280);
	ck_assert_uint_le(r.t_done - t0, fixture_timeout(1) * 1000);
	ck_assert_int_eq(metric("failures.timeout"), 1);
}
END_TEST

START_TEST(req_http_errors)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[128];

	hook.url = srv_url(url, sizeof(url), "/status/500");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.status, 500);
	ck_assert_str_eq(jstr(r.json, "status"), "500");
	result_reset(&r);
	ck_assert_int_eq(metric("failures.http5xx"), 1);

	hook.url = srv_url(url, sizeof(url), "/status/404");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.status, 404);
	result_reset(&r);
	ck_assert_int_eq(metric("failures.http4xx"), 1);

	/* 204: an empty body is still a NUL-terminated string */
	hook.url = srv_url(url, sizeof(url), "/status/204");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_uint_eq(r.status, 204);
	ck_assert_str_eq(r.body, "");
	result_reset(&r);
}
END_TEST

START_TEST(req_garbage)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[128];

	hook.url = srv_url(url, sizeof(url), "/garbage");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, EPROTO);
	ck_assert_int_eq(metric("failures.protocol"), 1);

	/* the pool is still good afterwards */
	result_reset(&r);
	hook.url = srv_url(url, sizeof(url), "/echo");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_uint_eq(r.status, 200);
	result_reset(&r);
}
END_TEST

START_TEST(req_too_large)
{
	const char *paths[] = {"/huge?mb=50", "/huge?mb=50&chunked=1"};
	struct fs_hook hook = {0};
	struct fs_req_opts o = {.max_body = 64 * 1024};
	struct result r = {0};
	long hwm0 = vm_kb("VmHWM:");
	char url[128];

	for (size_t i = 0; i < 2; i++) {
		uint64_t t0 = tmr_jiffies();

		hook.url = srv_url(url, sizeof(url), paths[i]);
		ck_assert_int_eq(run_one(&hook, &o, &r, 10000), 0);
		ck_assert_int_eq(r.err, EFBIG);
		ck_assert_uint_le(r.t_done - t0, fixture_timeout(2) * 1000);
		result_reset(&r);
	}
	ck_assert_int_eq(metric("failures.toolarge"), 2);
	/* 50 MB were offered twice; far less may have been held */
	if (!getenv("FS_VALGRIND") && hwm0 > 0)
		ck_assert_int_le(vm_kb("VmHWM:") - hwm0, 8 * 1024);

	/* the aborted connections were dropped, the next one is fresh */
	hook.url = srv_url(url, sizeof(url), "/echo");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_uint_eq(r.status, 200);
	result_reset(&r);
}
END_TEST

START_TEST(req_retry_flaky)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[160], path[96], logurl[128];
	uint64_t t0 = tmr_jiffies();
	struct json_object *log;
	size_t seen = 0;

	snprintf(path, sizeof(path), "/flaky/k%d/2#rc=2&rp=5xx", getpid());
	hook.url = srv_url(url, sizeof(url), path);
	ck_assert_int_eq(run_one(&hook, NULL, &r, 10000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.attempts, 3);
	ck_assert_int_eq(jint(r.json, "attempt"), 3);
	/* back-off 500 + 1000 ms */
	ck_assert_uint_ge(r.t_done - t0, 1450);
	ck_assert_int_eq(metric("retries"), 2);
	ck_assert_int_eq(metric("failures.http5xx"), 2);
	result_reset(&r);

	/* what went on the wire: three requests, never the fragment */
	hook.url = srv_url(logurl, sizeof(logurl), "/_log");
	hook.method = "GET";
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	log = r.json;
	ck_assert_ptr_nonnull(log);
	for (size_t i = 0; i < json_object_array_length(log); i++) {
		const char *u = jstr(json_object_array_get_idx(log, i), "url");
		char key[32];

		snprintf(key, sizeof(key), "/flaky/k%d/", getpid());
		if (!u || !strstr(u, key))
			continue;
		ck_assert_ptr_null(strchr(u, '#'));
		ck_assert_ptr_null(strstr(u, "rc="));
		seen++;
	}
	ck_assert_uint_eq(seen, 3);
	result_reset(&r);

	/* too few retries: the last answer is handed over */
	snprintf(path, sizeof(path), "/flaky/j%d/2#rc=1&rp=5xx", getpid());
	hook.url = srv_url(url, sizeof(url), path);
	hook.method = NULL;
	ck_assert_int_eq(run_one(&hook, NULL, &r, 10000), 0);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.status, 500);
	ck_assert_uint_eq(r.attempts, 2);
	result_reset(&r);

	/* 5xx is not retried by the default policy (ct) */
	snprintf(path, sizeof(path), "/flaky/d%d/1#rc=3", getpid());
	hook.url = srv_url(url, sizeof(url), path);
	ck_assert_int_eq(run_one(&hook, NULL, &r, 10000), 0);
	ck_assert_uint_eq(r.status, 500);
	ck_assert_uint_eq(r.attempts, 1);
	result_reset(&r);
}
END_TEST

START_TEST(req_retry_connect)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	char url[128];

	/* the default rp is ct: a refused connect is retried */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x#rc=1", free_port());
	hook.url = url;
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_eq(r.err, ECONNREFUSED);
	ck_assert_int_eq(metric("retries"), 1);
	ck_assert_int_eq(metric("failures.connect"), 2);
}
END_TEST

static void on_resp_close(int err, const struct fs_resp *resp, void *arg)
{
	struct fs_scope *sc = arg;

	(void)err;
	(void)resp;
	/* the common case: the task ends (and closes) on the answer */
	fs_scope_close(sc);
}

static int inflight_zero(void *arg)
{
	(void)arg;
	return metric("inflight") == 0;
}

START_TEST(req_scope_close)
{
	struct fs_hook hook = {0};
	struct result r[3];
	struct fs_scope *sc, *sc2;
	struct scope_stats st;
	char url[128], url2[160];

	memset(r, 0, sizeof(r));
	ck_assert_int_eq(fs_scope_alloc(&sc, t.root, "task"), 0);

	/* one in flight on the wire, one waiting for its retry */
	hook.url = srv_url(url, sizeof(url), "/slow?ms=2000");
	ck_assert_int_eq(fs_req_send(t.req, sc, &hook, NULL, on_resp, &r[0]),
			 0);
	snprintf(url2, sizeof(url2),
		 "http://127.0.0.1:%u/status/503#rc=3&rp=5xx", srv.port);
	hook.url = url2;
	ck_assert_int_eq(fs_req_send(t.req, sc, &hook, NULL, on_resp, &r[1]),
			 0);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 2);
	ck_assert_int_eq(metric("inflight"), 2);

	loop_sleep(200);
	ck_assert_int_eq(metric("retries"), 1);
	fs_scope_close(sc);
	ck_assert_int_eq(metric("inflight"), 0);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 0);

	/* and nothing fires later */
	loop_sleep(800);
	ck_assert_int_eq(r[0].calls, 0);
	ck_assert_int_eq(r[1].calls, 0);
	sc = mem_deref(sc);

	/* a handler closing its own scope, with a sibling still running */
	ck_assert_int_eq(fs_scope_alloc(&sc2, t.root, "task2"), 0);
	hook.url = srv_url(url, sizeof(url), "/echo");
	ck_assert_int_eq(
		fs_req_send(t.req, sc2, &hook, NULL, on_resp_close, sc2), 0);
	hook.url = srv_url(url, sizeof(url), "/slow?ms=1000");
	ck_assert_int_eq(fs_req_send(t.req, sc2, &hook, NULL, on_resp, &r[2]),
			 0);
	ck_assert_int_eq(fixture_run_until(inflight_zero, NULL, 5000), 0);
	ck_assert(fs_scope_closed(sc2));
	ck_assert_int_eq(r[2].calls, 0);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	mem_deref(sc2);

	/* a requestor destroyed with work in flight calls no handler */
	hook.url = srv_url(url, sizeof(url), "/slow?ms=1000");
	ck_assert_int_eq(
		fs_req_send(t.req, t.root, &hook, NULL, on_resp, &r[2]), 0);
	loop_sleep(50);
	t.req = mem_deref(t.req);
	scopemgr_stats(t.mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	loop_sleep(100);
	ck_assert_int_eq(r[2].calls, 0);
}
END_TEST

START_TEST(req_idle_sweep)
{
	struct fs_hook hook = {0};
	struct result r = {0};
	struct req_conf c;
	char url[128];
	int64_t conn1;

	req_conf_default(&c);
	c.cleanup_ms = 200;
	ck_assert_int_eq(req_reconf(t.req, &c), 0);

	hook.url = srv_url(url, sizeof(url), "/echo/sweep");
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	conn1 = jint(r.json, "conn");
	result_reset(&r);

	/* idle past two sweep intervals: the connection is closed */
	loop_sleep(500);
	ck_assert_int_eq(run_one(&hook, NULL, &r, 5000), 0);
	ck_assert_int_ne(jint(r.json, "conn"), conn1);
	result_reset(&r);
	ck_assert_int_eq(metric("connections.created"), 2);
	ck_assert_int_eq(metric("connections.reused"), 0);
}
END_TEST

extern Suite *req_suite(void);

Suite *req_suite(void)
{
	Suite *s = suite_create("req");
	TCase *tc = tcase_create("pure");
	TCase *tn = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, fixture_timeout(5));
	tcase_add_test(tc, req_retry_fragment);
	tcase_add_test(tc, req_signature_vector);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(tn, srv_start, srv_stop);
	tcase_add_checked_fixture(tn, setup, teardown);
	tcase_set_timeout(tn, fixture_timeout(15));
	tcase_add_test(tn, req_bad_args);
	tcase_add_test(tn, req_post_signed);
	tcase_add_test(tn, req_basic_auth);
	tcase_add_test(tn, req_get_query);
	tcase_add_test(tn, req_relative_url);
	tcase_add_test(tn, req_keepalive_reuse);
	tcase_add_test(tn, req_pool_limit);
	tcase_add_test(tn, req_server_down);
	tcase_add_test(tn, req_timeout);
	tcase_add_test(tn, req_http_errors);
	tcase_add_test(tn, req_garbage);
	tcase_add_test(tn, req_too_large);
	tcase_add_test(tn, req_retry_flaky);
	tcase_add_test(tn, req_retry_connect);
	tcase_add_test(tn, req_scope_close);
	tcase_add_test(tn, req_idle_sweep);
	suite_add_tcase(s, tn);
	return s;
}
