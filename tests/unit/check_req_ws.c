/**
 * @file check_req_ws.c  The requestor's WebSocket connections against a
 *                       libre WebSocket server on the same loop
 *
 * The server's behaviour is chosen by the request path: /echo sends each
 * message back (binary as binary), /refuse answers 404, /silent never
 * answers, /late answers after srv.late_ms, /big?N sends N bytes, /bin a
 * binary message, /frag a text message in two fragments, /binfrag a
 * binary one, /close closes normally. It records the handshake's
 * headers. wss:// runs against the same server over TLS, with
 * certificates made for the test case, and against raw TCP peers that
 * stall the TLS handshake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <openssl/x509.h>
#include "fixture.h"
#include "http/req.h"
#include "http/req_int.h"

static struct {
	struct http_sock *hs;
	struct websock *ws;
	struct websock_conn *conn;
	uint16_t port;
	char path[64];
	char proto[64];
	char auth[128];
	char ua[64];
	size_t big;
	size_t got; /* payload bytes received */
	int accept_err;
	unsigned late_ms;
	struct http_conn *late_conn;
	struct http_msg *late_msg;
	bool late_done;
	struct tmr tmr;
} srv;

static struct {
	int estab;
	int msgs;
	int bins;
	uint8_t bin[64];
	size_t bin_len;
	char last[32768];
	size_t last_len;
	int closed;
	int err;
} r;

static struct fs_req *req;

static void hdr_copy(char *dst, size_t sz, const struct http_msg *msg,
		     enum http_hdrid id)
{
	const struct http_hdr *h = http_msg_hdr(msg, id);

	dst[0] = '\0';
	if (h)
		(void)pl_strcpy(&h->val, dst, sz);
}

static void srv_recv(const struct websock_hdr *hdr, struct mbuf *mb, void *arg)
{
	(void)arg;
	if (!strcmp(srv.path, "/echo"))
		(void)websock_send(srv.conn,
				   hdr->opcode == WEBSOCK_BIN ? WEBSOCK_BIN
							      : WEBSOCK_TEXT,
				   "%b", mbuf_buf(mb), mbuf_get_left(mb));
	srv.got += mbuf_get_left(mb);
}

static void srv_close(int err, void *arg)
{
	(void)err;
	(void)arg;
	srv.conn = mem_deref(srv.conn);
}

static void srv_frag(bool bin)
{
	static const uint8_t frames[] = {0x01, 3, 'h', 'e', 'l',
					 0x80, 2, 'l', 'o'};
	static const uint8_t bframes[] = {0x02, 2, 0, 'b', 0x80, 1, 0xff};
	struct mbuf *mb = mbuf_alloc(sizeof(frames));

	ck_assert_ptr_nonnull(mb);
	if (bin)
		(void)mbuf_write_mem(mb, bframes, sizeof(bframes));
	else
		(void)mbuf_write_mem(mb, frames, sizeof(frames));
	mb->pos = 0;
	(void)tcp_send(websock_tcp(srv.conn), mb);
	mem_deref(mb);
}

/* What the path asks the server to send once the socket is open */
static void srv_act(void *arg)
{
	(void)arg;
	if (!srv.conn)
		return;
	if (!strcmp(srv.path, "/big")) {
		char *b = mem_alloc(srv.big, NULL);

		memset(b, 'x', srv.big);
		(void)websock_send(srv.conn, WEBSOCK_TEXT, "%b", b, srv.big);
		mem_deref(b);
	} else if (!strcmp(srv.path, "/bin")) {
		(void)websock_send(srv.conn, WEBSOCK_BIN, "ab");
	} else if (!strcmp(srv.path, "/frag")) {
		srv_frag(false);
	} else if (!strcmp(srv.path, "/binfrag")) {
		srv_frag(true);
	} else if (!strcmp(srv.path, "/close")) {
		(void)websock_close(srv.conn, WEBSOCK_NORMAL_CLOSURE, NULL);
	}
}

/* Upgrade the request. No check here: a failed one longjmps out of
 * re_main() under CK_FORK=no and leaves fixture_run_until()'s timers,
 * on its stack, in the loop's timer heap; and the accept fails rightly
 * when the client gave up first. The tests check r.estab. */
static void srv_accept(struct http_conn *conn, const struct http_msg *msg)
{
	srv.conn = mem_deref(srv.conn);
	srv.accept_err = websock_accept(&srv.conn, srv.ws, conn, msg, 0,
					srv_recv, srv_close, NULL);
	if (srv.accept_err)
		return;
	if (pl_isset(&msg->prm) && msg->prm.p[0] == '?')
		srv.big = strtoul(msg->prm.p + 1, NULL, 10);
	/* later: libre's HTTP client drops bytes that come in the same
	 * read as the 101 answer */
	tmr_start(&srv.tmr, 20, srv_act, NULL);
}

/* /late: the 101 goes once the client's deadline has passed */
static void srv_late(void *arg)
{
	(void)arg;
	srv_accept(srv.late_conn, srv.late_msg);
	srv.late_conn = mem_deref(srv.late_conn);
	srv.late_msg = mem_deref(srv.late_msg);
	srv.late_done = true;
}

static void srv_req(struct http_conn *conn, const struct http_msg *msg,
		    void *arg)
{
	(void)arg;
	(void)pl_strcpy(&msg->path, srv.path, sizeof(srv.path));
	hdr_copy(srv.proto, sizeof(srv.proto), msg,
		 HTTP_HDR_SEC_WEBSOCKET_PROTOCOL);
	hdr_copy(srv.auth, sizeof(srv.auth), msg, HTTP_HDR_AUTHORIZATION);
	hdr_copy(srv.ua, sizeof(srv.ua), msg, HTTP_HDR_USER_AGENT);
	if (!strcmp(srv.path, "/silent"))
		return;
	if (!strcmp(srv.path, "/refuse")) {
		(void)http_ereply(conn, 404, "Not Found");
		return;
	}
	if (!strcmp(srv.path, "/late") && srv.late_ms) {
		srv.late_conn = mem_ref(conn);
		srv.late_msg = mem_ref((void *)msg);
		tmr_start(&srv.tmr, srv.late_ms, srv_late, NULL);
		return;
	}
	srv_accept(conn, msg);
}

static void setup(void)
{
	struct req_conf c = {.user_agent = "ua-test"};
	struct sa sa;

	fixture_re_setup();
	ck_assert_int_eq(req_global_init(), 0);
	memset(&srv, 0, sizeof(srv));
	memset(&r, 0, sizeof(r));
	tmr_init(&srv.tmr);
	ck_assert_int_eq(req_alloc(&req, &c), 0);
	ck_assert_int_eq(websock_alloc(&srv.ws, NULL, NULL), 0);
	sa_set_str(&sa, "127.0.0.1", 0);
	ck_assert_int_eq(http_listen(&srv.hs, &sa, srv_req, NULL), 0);
	ck_assert_int_eq(tcp_sock_local_get(http_sock_tcp(srv.hs), &sa), 0);
	srv.port = sa_port(&sa);
}

static int never(void *arg)
{
	(void)arg;
	return 0;
}

static void stall_free(void);

static void teardown(void)
{
	/* let close handshakes finish so libre holds nothing */
	(void)fixture_run_until(never, NULL, 100);
	tmr_cancel(&srv.tmr);
	srv.late_conn = mem_deref(srv.late_conn);
	srv.late_msg = mem_deref(srv.late_msg);
	req = mem_deref(req);
	srv.conn = mem_deref(srv.conn);
	srv.hs = mem_deref(srv.hs);
	srv.ws = mem_deref(srv.ws);
	stall_free();
	(void)fixture_run_until(never, NULL, 50);
	req_global_close();
	fixture_re_teardown();
}

static void on_estab(void *arg)
{
	(void)arg;
	r.estab++;
}

static void on_msg(const char *text, size_t len, void *arg)
{
	(void)arg;
	r.msgs++;
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_uint_lt(len, sizeof(r.last));
	memcpy(r.last, text, len + 1);
	r.last_len = len;
}

static void on_close(int err, void *arg)
{
	(void)arg;
	r.closed++;
	r.err = err;
}

static int estab_or_closed(void *arg)
{
	(void)arg;
	return r.estab || r.closed;
}

static int got_msg_or_closed(void *arg)
{
	(void)arg;
	return r.msgs || r.closed;
}

static int closed(void *arg)
{
	(void)arg;
	return r.closed;
}

static struct req_ws_conn *open_path(const char *path, const char *user,
				     uint32_t max_payload)
{
	struct req_ws_opts o = {.handshake_ms = 300,
				.max_payload = max_payload,
				.subprotocol = "ws.jambonz.org"};
	struct fs_hook h = {0};
	struct req_ws_conn *c = NULL;
	char url[128];

	snprintf(url, sizeof(url), "ws://127.0.0.1:%u%s", srv.port, path);
	h.url = url;
	h.username = user;
	h.password = user ? "secret" : NULL;
	ck_assert_int_eq(
		req_ws_open(&c, req, &h, &o, on_estab, on_msg, on_close, NULL),
		0);
	return c;
}

/* Open path and run until the end, which must come with err, before
 * any message and (unless estab) before the handshake completed */
static void expect_end(const char *path, uint32_t max_payload, int err,
		       int estab)
{
	struct req_ws_conn *c = open_path(path, NULL, max_payload);

	ck_assert_int_eq(fixture_run_until(closed, NULL, 2000), 0);
	ck_assert_int_eq(r.estab, estab);
	ck_assert_int_eq(r.msgs, 0);
	ck_assert_int_eq(r.err, err);
	ck_assert(!req_ws_is_open(c));
	mem_deref(c);
	memset(&r, 0, sizeof(r));
}

START_TEST(ws_echo_headers)
{
	struct req_ws_conn *c = open_path("/echo", "user", 0);

	ck_assert_int_eq(req_ws_send(c, "early"), ENOTCONN);
	ck_assert_int_eq(fixture_run_until(estab_or_closed, NULL, 2000), 0);
	ck_assert_int_eq(r.estab, 1);
	ck_assert(req_ws_is_open(c));
	ck_assert_str_eq(srv.path, "/echo");
	ck_assert_str_eq(srv.proto, "ws.jambonz.org");
	ck_assert_str_eq(srv.auth, "Basic dXNlcjpzZWNyZXQ="); /* user:secret */
	ck_assert_str_eq(srv.ua, "ua-test");
	ck_assert_int_eq(req_ws_send(c, "{\"type\":\"ack\"}"), 0);
	ck_assert_int_eq(fixture_run_until(got_msg_or_closed, NULL, 2000), 0);
	ck_assert_str_eq(r.last, "{\"type\":\"ack\"}");
	/* our close: no handler afterwards */
	req_ws_close(c);
	ck_assert(!req_ws_is_open(c));
	ck_assert_int_eq(req_ws_send(c, "late"), ENOTCONN);
	mem_deref(c);
	ck_assert_int_eq(r.closed, 0);
}
END_TEST

START_TEST(ws_url_credentials)
{
	struct req_ws_opts o = {.handshake_ms = 300};
	struct fs_hook h = {0};
	struct req_ws_conn *c = NULL;
	char url[128];

	/* no path: "/" on the wire; credentials from the URL */
	snprintf(url, sizeof(url), "ws://a:b@127.0.0.1:%u#rc=1", srv.port);
	h.url = url;
	ck_assert_int_eq(
		req_ws_open(&c, req, &h, &o, on_estab, on_msg, on_close, NULL),
		0);
	ck_assert_int_eq(fixture_run_until(estab_or_closed, NULL, 2000), 0);
	ck_assert_int_eq(r.estab, 1);
	ck_assert_str_eq(srv.path, "/");
	ck_assert_str_eq(srv.auth, "Basic YTpi");
	ck_assert_str_eq(srv.proto, "");
	mem_deref(c);
}
END_TEST

START_TEST(ws_bad_urls)
{
	struct req_ws_opts o = {0};
	struct fs_hook h = {0};
	struct req_ws_conn *c = NULL;
	static const char *bad[] = {"http://127.0.0.1/x", "ws://[::1]:80/x",
				    "not a url", ""};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		h.url = bad[i];
		ck_assert_int_eq(req_ws_open(&c, req, &h, &o, NULL, NULL,
					     on_close, NULL),
				 EINVAL);
		ck_assert_ptr_null(c);
	}
}
END_TEST

START_TEST(ws_refused)
{
	expect_end("/refuse", 0, EPROTO, 0);
}
END_TEST

START_TEST(ws_handshake_timeout)
{
	struct req_ws_conn *c = open_path("/silent", NULL, 0);
	uint64_t t0 = tmr_jiffies();

	ck_assert_int_eq(fixture_run_until(closed, NULL, 3000), 0);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	ck_assert_uint_ge(tmr_jiffies() - t0, 280);
	ck_assert_uint_le(tmr_jiffies() - t0, 1500);
	mem_deref(c);
}
END_TEST

START_TEST(ws_server_down)
{
	struct req_ws_conn *c;
	uint16_t port = srv.port;

	srv.hs = mem_deref(srv.hs);
	c = open_path("/echo", NULL, 0);
	(void)port;
	ck_assert_int_eq(fixture_run_until(closed, NULL, 2000), 0);
	ck_assert_int_ne(r.err, 0);
	ck_assert_int_eq(r.estab, 0);
	mem_deref(c);
}
END_TEST

START_TEST(ws_max_payload)
{
	struct req_ws_conn *c = open_path("/big?1024", NULL, 1024);

	/* exactly the limit is taken */
	ck_assert_int_eq(fixture_run_until(got_msg_or_closed, NULL, 2000), 0);
	ck_assert_int_eq(r.msgs, 1);
	ck_assert_uint_eq(r.last_len, 1024);
	mem_deref(c);
	memset(&r, 0, sizeof(r));
	expect_end("/big?1025", 1024, EFBIG, 1);
	/* beyond libre's own frame buffer */
	expect_end("/big?200000", 0, EFBIG, 1);
}
END_TEST

START_TEST(ws_binary)
{
	expect_end("/bin", 0, EBADMSG, 1);
}
END_TEST

static void on_bin(const uint8_t *data, size_t len, void *arg)
{
	(void)arg;
	r.bins++;
	r.bin_len = len;
	memcpy(r.bin, data, len < sizeof(r.bin) ? len : sizeof(r.bin));
}

static int got_bins(void *arg)
{
	return r.bins >= *(int *)arg || r.closed;
}

/* With a binary handler, binary messages arrive (joined when
 * fragmented) and the connection stays up; both ways */
START_TEST(ws_binary_taken)
{
	static const char *const paths[] = {"/bin", "/binfrag"};
	static const uint8_t bf[] = {0, 'b', 0xff};
	struct req_ws_conn *c;
	int one = 1, two = 2;

	for (size_t i = 0; i < 2; i++) {
		c = open_path(paths[i], NULL, 0);
		req_ws_set_bin(c, on_bin);
		ck_assert_int_eq(fixture_run_until(got_bins, &one, 2000), 0);
		ck_assert_int_eq(r.closed, 0);
		ck_assert_int_eq(r.bins, 1);
		if (i == 0) {
			ck_assert_uint_eq(r.bin_len, 2);
			ck_assert_int_eq(memcmp(r.bin, "ab", 2), 0);
		} else {
			ck_assert_uint_eq(r.bin_len, 3);
			ck_assert_int_eq(memcmp(r.bin, bf, 3), 0);
		}
		ck_assert(req_ws_is_open(c));
		mem_deref(c);
		memset(&r, 0, sizeof(r));
	}
	c = open_path("/echo", NULL, 0);
	req_ws_set_bin(c, on_bin);
	ck_assert_int_eq(req_ws_send_bin(c, bf, 3), ENOTCONN);
	ck_assert_int_eq(fixture_run_until(estab_or_closed, NULL, 2000), 0);
	ck_assert_int_eq(req_ws_send_bin(c, bf, 3), 0);
	ck_assert_int_eq(req_ws_send_bin(c, bf, 2), 0);
	ck_assert_int_eq(fixture_run_until(got_bins, &two, 2000), 0);
	ck_assert_int_eq(r.bins, 2);
	ck_assert_uint_eq(r.bin_len, 2);
	ck_assert_int_eq(r.msgs, 0);
	ck_assert_int_eq(req_ws_send_bin(c, NULL, 1), EINVAL);
	mem_deref(c);
}
END_TEST

static size_t sent;

static int txq_empty(void *arg)
{
	return req_ws_txq(arg) == 0 && srv.got >= sent;
}

/* The send queue: what the kernel did not take waits in libre's queue,
 * and req_ws_txq() says how much; it drains once the peer reads */
START_TEST(ws_send_queue)
{
	struct req_ws_conn *c = open_path("/sink", NULL, 0);
	static uint8_t blob[65536];
	size_t most = 0;
	int i;

	sent = SIZE_MAX;
	ck_assert_uint_eq(req_ws_txq(NULL), 0);
	ck_assert_int_eq(fixture_run_until(estab_or_closed, NULL, 2000), 0);
	ck_assert_uint_eq(req_ws_txq(c), 0);
	/* the server runs on this loop: it reads nothing meanwhile */
	for (i = 0; i < 400; i++) {
		int err = req_ws_send_bin(c, blob, 65536);

		if (req_ws_txq(c) > most)
			most = req_ws_txq(c);
		/* libre's queue has a ceiling: ENOSPC beyond it */
		if (err == ENOSPC)
			break;
		ck_assert_int_eq(err, 0);
	}
	ck_assert_msg(most >= 65536, "queued at most %zu", most);
	sent = (size_t)i * 65536;
	ck_assert_int_eq(fixture_run_until(txq_empty, c, 5000), 0);
	mem_deref(c);
}
END_TEST

START_TEST(ws_fragments)
{
	struct req_ws_conn *c = open_path("/frag", NULL, 0);

	ck_assert_int_eq(fixture_run_until(got_msg_or_closed, NULL, 2000), 0);
	ck_assert_int_eq(r.msgs, 1);
	ck_assert_str_eq(r.last, "hello");
	mem_deref(c);
}
END_TEST

START_TEST(ws_peer_close)
{
	expect_end("/close", 0, 0, 1);
}
END_TEST

START_TEST(ws_denied)
{
	struct req_conf conf = {.deny_nets = "127.0.0.0/8"};
	struct req_ws_opts o = {0};
	struct fs_hook h = {.url = "ws://127.0.0.1:9/x"};
	struct req_ws_conn *c = NULL;

	ck_assert_int_eq(req_reconf(req, &conf), 0);
	ck_assert_int_eq(
		req_ws_open(&c, req, &h, &o, on_estab, on_msg, on_close, NULL),
		EACCES);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(r.closed, 0);
}
END_TEST

/* ---- wss:// against a libre TLS server with a throw-away CA ---- */

static char tls_dir[64];

/* Certificates for 127.0.0.1 and for 127.0.0.2, each its own CA, in
 * hashed folders as SSL_CERT_DIR wants them, and an empty folder */
static void tls_make(void)
{
	char cmd[1024];
	int n;

	snprintf(tls_dir, sizeof(tls_dir), "/tmp/fs-wss-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tls_dir));
	n = snprintf(cmd, sizeof(cmd),
		     "cd %s && mkdir empty ca1 ca2 && "
		     "for i in 1 2; do openssl req -x509 -newkey ec "
		     "-pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		     "-keyout k$i.pem -out c$i.pem -days 2 -subj /CN=t$i "
		     "-addext subjectAltName=IP:127.0.0.$i && "
		     "cat k$i.pem c$i.pem >s$i.pem && cp c$i.pem ca$i/ && "
		     "openssl rehash ca$i || exit 1; done >/dev/null 2>&1",
		     tls_dir);
	ck_assert_int_lt(n, (int)sizeof(cmd));
	ck_assert_msg(system(cmd) == 0, "openssl could not make certificates");
}

static void tls_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tls_dir);
	(void)system(cmd);
}

/* The TLS server with certificate n; the client trusts CA folder ca. The
 * deadline leaves room for memcheck, whose handshake takes over 1 s. */
static struct req_ws_conn *wss_open(int n, const char *ca, const char *path)
{
	struct req_ws_opts o = {.handshake_ms = fixture_timeout(1) * 1000};
	struct fs_hook h = {0};
	struct req_ws_conn *c = NULL;
	char pem[128], dir[128], url[128];
	struct sa sa;

	snprintf(pem, sizeof(pem), "%s/s%d.pem", tls_dir, n);
	snprintf(dir, sizeof(dir), "%s/%s", tls_dir, ca);
	srv.hs = mem_deref(srv.hs);
	sa_set_str(&sa, "127.0.0.1", 0);
	ck_assert_int_eq(https_listen(&srv.hs, &sa, pem, srv_req, NULL), 0);
	ck_assert_int_eq(tcp_sock_local_get(http_sock_tcp(srv.hs), &sa), 0);
	setenv(X509_get_default_cert_dir_env(), dir, 1);
	snprintf(url, sizeof(url), "wss://127.0.0.1:%u%s", sa_port(&sa), path);
	h.url = url;
	ck_assert_int_eq(
		req_ws_open(&c, req, &h, &o, on_estab, on_msg, on_close, NULL),
		0);
	return c;
}

START_TEST(wss_trusted)
{
	struct req_ws_conn *c = wss_open(1, "ca1", "/echo");

	ck_assert_int_eq(fixture_run_until(estab_or_closed, NULL,
					   fixture_timeout(3) * 1000),
			 0);
	ck_assert_int_eq(r.estab, 1);
	ck_assert_int_eq(srv.accept_err, 0);
	ck_assert_int_eq(req_ws_send(c, "over tls"), 0);
	ck_assert_int_eq(fixture_run_until(got_msg_or_closed, NULL, 2000), 0);
	ck_assert_str_eq(r.last, "over tls");
	mem_deref(c);
}
END_TEST

START_TEST(wss_untrusted)
{
	struct req_ws_conn *c = wss_open(1, "empty", "/echo");

	ck_assert_int_eq(fixture_run_until(closed, NULL, 3000), 0);
	ck_assert_int_eq(r.estab, 0);
	ck_assert_int_ne(r.err, 0);
	ck_assert_str_eq(srv.path, ""); /* no request got through */
	mem_deref(c);
}
END_TEST

START_TEST(wss_wrong_name)
{
	/* a certificate of a trusted CA, for another address */
	struct req_ws_conn *c = wss_open(2, "ca2", "/echo");

	ck_assert_int_eq(fixture_run_until(closed, NULL, 3000), 0);
	ck_assert_int_eq(r.estab, 0);
	ck_assert_int_ne(r.err, 0);
	ck_assert_str_eq(srv.path, "");
	mem_deref(c);
}
END_TEST

/* ---- wss:// whose deadline strikes inside the TLS handshake ---- */

/* A TCP peer that takes one connection and then says nothing, or the
 * first bytes of a ServerHello, and stalls */
static struct {
	struct tcp_sock *ts;
	struct tcp_conn *tc;
	bool hello;
	size_t rx;     /* bytes of the client's first flight */
	uint8_t first; /* its first byte */
	int closed;    /* the client's close reached the peer */
} stall;

/* A handshake record of 90 bytes whose first 16 come: a ServerHello
 * (type 2, 86 bytes) of which only the version and random's start
 * arrive, so the client waits for the rest */
static const uint8_t stall_part[] = {0x16, 0x03, 0x03, 0x00, 0x5a, 0x02,
				     0x00, 0x00, 0x56, 0x03, 0x03, 0x01,
				     0x02, 0x03, 0x04, 0x05};

static void stall_send(const uint8_t *p, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n);

	if (!mb)
		return;
	(void)mbuf_write_mem(mb, p, n);
	mb->pos = 0;
	(void)tcp_send(stall.tc, mb);
	mem_deref(mb);
}

static void stall_recv(struct mbuf *mb, void *arg)
{
	(void)arg;
	if (!mbuf_get_left(mb))
		return;
	if (!stall.rx) {
		stall.first = mbuf_buf(mb)[0];
		if (stall.hello)
			stall_send(stall_part, sizeof(stall_part));
	}
	stall.rx += mbuf_get_left(mb);
}

static void stall_close(int err, void *arg)
{
	(void)err;
	(void)arg;
	stall.closed++;
}

static void stall_conn(const struct sa *peer, void *arg)
{
	(void)peer;
	(void)arg;
	if (stall.tc || tcp_accept(&stall.tc, stall.ts, NULL, stall_recv,
				   stall_close, NULL))
		tcp_reject(stall.ts);
}

static int stall_closed(void *arg)
{
	(void)arg;
	return stall.closed;
}

static void stall_free(void)
{
	stall.tc = mem_deref(stall.tc);
	stall.ts = mem_deref(stall.ts);
	memset(&stall, 0, sizeof(stall));
}

/* As ws_app's handler does: the connection is freed inside it */
static void on_close_free(int err, void *arg)
{
	struct req_ws_conn **cp = arg;

	on_close(err, NULL);
	*cp = mem_deref(*cp);
}

/* The deadline strikes while the peer stalls the handshake. With keep,
 * the connection outlives its close handler (the deadline alone must
 * have let the socket go); else the handler frees it, as ws_app's does. */
static void stall_run(bool hello, bool keep)
{
	const unsigned ms = fixture_timeout(1) * 150;
	struct req_ws_opts o = {.handshake_ms = ms};
	struct fs_hook h = {0};
	struct req_ws_conn *c = NULL;
	char url[64], dir[128];
	struct sa sa;
	uint64_t t0;

	stall.hello = hello;
	sa_set_str(&sa, "127.0.0.1", 0);
	ck_assert_int_eq(tcp_listen(&stall.ts, &sa, stall_conn, NULL), 0);
	ck_assert_int_eq(tcp_sock_local_get(stall.ts, &sa), 0);
	snprintf(dir, sizeof(dir), "%s/ca1", tls_dir);
	setenv(X509_get_default_cert_dir_env(), dir, 1);
	snprintf(url, sizeof(url), "wss://127.0.0.1:%u/echo", sa_port(&sa));
	h.url = url;
	t0 = tmr_jiffies();
	ck_assert_int_eq(req_ws_open(&c, req, &h, &o, on_estab, on_msg,
				     keep ? on_close : on_close_free, &c),
			 0);
	ck_assert_int_eq(fixture_run_until(closed, NULL, ms * 10), 0);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	ck_assert_int_eq(r.estab, 0);
	ck_assert_int_eq(r.closed, 1);
	ck_assert(keep ? c != NULL : c == NULL);
	ck_assert_uint_ge(tmr_jiffies() - t0, ms - 10);
	/* the deadline struck inside the handshake: a TLS record came */
	ck_assert_uint_gt(stall.rx, 0);
	ck_assert_uint_eq(stall.first, 0x16);
	/* the rest of the record after the deadline: an SSL object of the
	 * client still reading the socket would take it. Its socket must
	 * be closed. */
	if (hello && stall.tc)
		stall_send(stall_part, sizeof(stall_part));
	ck_assert_int_eq(fixture_run_until(stall_closed, NULL, ms * 10), 0);
	(void)fixture_run_until(never, NULL, 50);
	ck_assert_int_eq(r.closed, 1);
	ck_assert_int_eq(r.msgs, 0);
	mem_deref(c);
	stall_free();
}

START_TEST(wss_stall_silent)
{
	stall_run(false, false);
}
END_TEST

START_TEST(wss_stall_server_hello)
{
	stall_run(true, true);
}
END_TEST

static int late_done(void *arg)
{
	(void)arg;
	return srv.late_done;
}

/* The handshake over and the request sent, the deadline strikes before
 * the 101, which comes later (the sequence of a memcheck run, whose
 * handshake outlasts 1 s): one ETIMEDOUT, nothing after it */
START_TEST(wss_late)
{
	struct req_ws_conn *c;

	srv.late_ms = fixture_timeout(1) * 1500;
	c = wss_open(1, "ca1", "/late");
	ck_assert_int_eq(
		fixture_run_until(closed, NULL, fixture_timeout(3) * 1000), 0);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	ck_assert_str_eq(srv.path, "/late");
	ck_assert(!srv.late_done);
	mem_deref(c);
	ck_assert_int_eq(
		fixture_run_until(late_done, NULL, fixture_timeout(3) * 1000),
		0);
	(void)fixture_run_until(never, NULL, 100);
	ck_assert_int_eq(r.closed, 1);
	ck_assert_int_eq(r.estab, 0);
	ck_assert_int_eq(r.msgs, 0);
}
END_TEST

extern Suite *req_ws_suite(void);

Suite *req_ws_suite(void)
{
	Suite *s = suite_create("req_ws");
	TCase *tc = tcase_create("ws");
	TCase *tt;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, ws_echo_headers);
	tcase_add_test(tc, ws_url_credentials);
	tcase_add_test(tc, ws_bad_urls);
	tcase_add_test(tc, ws_refused);
	tcase_add_test(tc, ws_handshake_timeout);
	tcase_add_test(tc, ws_server_down);
	tcase_add_test(tc, ws_max_payload);
	tcase_add_test(tc, ws_binary);
	tcase_add_test(tc, ws_fragments);
	tcase_add_test(tc, ws_binary_taken);
	tcase_add_test(tc, ws_send_queue);
	tcase_add_test(tc, ws_peer_close);
	tcase_add_test(tc, ws_denied);
	suite_add_tcase(s, tc);

	tt = tcase_create("wss");
	tcase_add_unchecked_fixture(tt, tls_make, tls_clean);
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_set_timeout(tt, fixture_timeout(10));
	tcase_add_test(tt, wss_trusted);
	tcase_add_test(tt, wss_untrusted);
	tcase_add_test(tt, wss_wrong_name);
	tcase_add_test(tt, wss_stall_silent);
	tcase_add_test(tt, wss_stall_server_hello);
	tcase_add_test(tt, wss_late);
	suite_add_tcase(s, tt);
	return s;
}
