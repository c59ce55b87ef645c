/**
 * @file req_ws.c  WebSocket connections of the requestor: one socket to
 *                 an application's server, text messages both ways, and
 *                 binary ones for the connections that ask for them
 *                 (audio streams: req_ws_set_bin)
 *
 * libre's WebSocket client (re_websock.h) over its HTTP client, on the
 * loop that owns the requestor: no thread and no library beyond libre.
 * The HTTP client, its DNS client and the websock object are made on a
 * loop's first connection, so a loop without WebSocket applications
 * holds none of them.
 *
 * What libre leaves to us: the handshake deadline (its HTTP client waits
 * 30 s to connect and 60 s for an answer), the largest message, joining
 * fragments, HTTP_DENY_NETS (libre resolves and connects on its own,
 * so a name is resolved here first and its addresses checked; libre then
 * resolves it again, a window a rebinding DNS server could use), and
 * for wss:// the server's certificate, which libre 1.1.0's HTTP client
 * never verifies (req_ws_tls).
 */
/* declares tls_openssl_context() in re_tls.h (Debian's libre is built
 * with OpenSSL and exports it) */
#define USE_OPENSSL 1
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <fs/fs_req.h>
#include "base/log.h"
#include "base/netlist.h"
#include "http/req_int.h"
#include "http/wspeek.h"

/* libre buffers at most this much of an unfinished frame */
#define REQ_WS_FRAME_MAX 131072

/** The libre objects of one requestor's WebSocket connections */
struct req_ws {
	struct dnsc *dnsc;
	struct http_cli *cli;
	struct websock *sock;
};

struct req_ws_conn {
	struct fs_req *req;   /* borrowed: outlives its connections */
	struct http_cli *cli; /* wss:// only: its own, for its host name */
	struct websock_conn *wc;
	struct dns_query *dq;
	struct tmr tmr; /* handshake deadline */
	char *url;      /* on the wire: no credentials, no fragment */
	char *host;
	uint16_t port;
	char *hdrs; /* extra handshake header lines */
	struct mbuf *frag;
	struct wspeek *peek; /* the peer's close code */
	bool frag_bin;       /* the message being joined is binary */
	struct req_ws_opts opts;
	bool open;
	bool ended; /* closeh ran or will never run */
	req_ws_estab_h *estabh;
	req_ws_msg_h *msgh;
	req_ws_bin_h *binh; /* NULL: a binary message ends the connection */
	req_ws_close_h *closeh;
	void *arg;
};

static void req_ws_destructor(void *arg)
{
	struct req_ws *w = arg;

	mem_deref(w->cli);
	mem_deref(w->sock);
	mem_deref(w->dnsc);
}

static int req_ws_client(struct fs_req *req, struct req_ws **wp)
{
	struct sa nsv[4];
	uint32_t nsn = ARRAY_SIZE(nsv);
	struct req_ws *w;
	int err;

	if (req->ws) {
		*wp = req->ws;
		return 0;
	}
	w = mem_zalloc(sizeof(*w), req_ws_destructor);
	if (!w)
		return ENOMEM;
	err = dns_srv_get(NULL, 0, nsv, &nsn);
	if (err || !nsn) {
		/* no resolv.conf: literal addresses still work */
		sa_set_str(&nsv[0], "127.0.0.1", 53);
		nsn = 1;
	}
	err = dnsc_alloc(&w->dnsc, NULL, nsv, nsn);
	if (!err)
		err = http_client_alloc(&w->cli, w->dnsc);
	if (!err)
		err = websock_alloc(&w->sock, NULL, NULL);
	if (err) {
		mem_deref(w);
		return err;
	}
	req->ws = w;
	*wp = w;
	return 0;
}

/* Report the end once; the handler may free c */
static void req_ws_end(struct req_ws_conn *c, int err)
{
	req_ws_close_h *h = c->closeh;

	if (c->ended)
		return;
	c->ended = true;
	c->open = false;
	tmr_cancel(&c->tmr);
	c->closeh = NULL;
	if (h)
		h(err, c->arg);
}

static void req_ws_conn_destructor(void *arg)
{
	struct req_ws_conn *c = arg;

	tmr_cancel(&c->tmr);
	mem_deref(c->dq);
	mem_deref(c->peek);
	/* libre sends a close frame (1001) if it is still open, and keeps
	 * the connection until the peer answers it; the handshake's HTTP
	 * request, if any, goes with it, before its client */
	mem_deref(c->wc);
	mem_deref(c->cli);
	mem_deref(c->url);
	mem_deref(c->host);
	mem_deref(c->hdrs);
	mem_deref(c->frag);
}

/* Mid-handshake (TLS too) the websock_conn goes at once with what libre
 * made for it: HTTP request, connection, SSL object, TCP socket and its
 * fd; none is left on the loop. The client stays until c goes (the SSL
 * object holds its own reference to the client's SSL_CTX anyway). */
static void req_ws_timeout(void *arg)
{
	struct req_ws_conn *c = arg;

	c->dq = mem_deref(c->dq);
	c->wc = mem_deref(c->wc);
	req_ws_end(c, ETIMEDOUT);
}

static void req_ws_estab(void *arg)
{
	struct req_ws_conn *c = arg;

	tmr_cancel(&c->tmr);
	c->open = true;
	/* without it the close code is unknown, as libre leaves it */
	(void)wspeek_attach(&c->peek, websock_tcp(c->wc));
	if (c->estabh)
		c->estabh(c->arg);
}

/* A message we will not take: say why on the wire, then end */
static void req_ws_refuse(struct req_ws_conn *c, enum websock_scode code,
			  int err)
{
	if (c->wc)
		(void)websock_close(c->wc, code, NULL);
	req_ws_end(c, err);
}

static void req_ws_recv(const struct websock_hdr *hdr, struct mbuf *mb,
			void *arg)
{
	struct req_ws_conn *c = arg;
	size_t len = mbuf_get_left(mb);
	size_t have = c->frag ? c->frag->end : 0;
	int err;

	if (c->ended)
		return;
	if (hdr->opcode == WEBSOCK_BIN && !c->binh) {
		req_ws_refuse(c, WEBSOCK_UNSUPPORTED_DATA, EBADMSG);
		return;
	}
	if ((hdr->opcode == WEBSOCK_CONT) != (c->frag != NULL)) {
		req_ws_refuse(c, WEBSOCK_PROTOCOL_ERROR, EPROTO);
		return;
	}
	if (have + len > c->opts.max_payload) {
		req_ws_refuse(c, WEBSOCK_MESSAGE_TOO_BIG, EFBIG);
		return;
	}
	if (!c->frag) {
		c->frag = mbuf_alloc(len + 1);
		if (!c->frag) {
			req_ws_refuse(c, WEBSOCK_INTERNAL_ERROR, ENOMEM);
			return;
		}
		c->frag_bin = hdr->opcode == WEBSOCK_BIN;
	}
	err = mbuf_write_mem(c->frag, mbuf_buf(mb), len);
	if (err) {
		req_ws_refuse(c, WEBSOCK_INTERNAL_ERROR, err);
		return;
	}
	if (!hdr->fin)
		return;
	err = mbuf_write_u8(c->frag, 0);
	if (err) {
		req_ws_refuse(c, WEBSOCK_INTERNAL_ERROR, err);
		return;
	}
	{
		struct mbuf *m = c->frag;

		c->frag = NULL;
		/* the handler may free c: nothing of c after it */
		if (c->frag_bin) {
			if (c->binh)
				c->binh(m->buf, m->end - 1, c->arg);
		} else if (c->msgh) {
			c->msgh((const char *)m->buf, m->end - 1, c->arg);
		}
		mem_deref(m);
	}
}

static void req_ws_closed(int err, void *arg)
{
	struct req_ws_conn *c = arg;

	/* libre reports a refused handshake (any answer but 101) as
	 * EPROTO, and the peer's close frame as 0 */
	req_ws_end(c, err == EOVERFLOW ? EFBIG : err);
}

/* The head of libre 1.1.0's struct http_cli (src/http/client.c), only to
 * reach its TLS context, for which it has no call. The dnsc field, which
 * we set, proves the layout before tls is believed. */
struct req_ws_cli_head {
	struct list reql;
	struct hash *ht_conn;
	struct dnsc *dnsc;
	struct tls *tls;
};

/* A client of its own for a wss:// connection, whose TLS context verifies
 * the chain against the system's CA folder and the name against the
 * host: libre would connect to anyone. Fails closed. */
static int req_ws_tls(struct req_ws_conn *c, struct dnsc *dnsc)
{
	const struct req_ws_cli_head *head;
	const char *dir = getenv(X509_get_default_cert_dir_env());
	X509_VERIFY_PARAM *vp;
	SSL_CTX *ctx;
	struct sa sa;
	int err;

	err = http_client_alloc(&c->cli, dnsc);
	if (err)
		return err;
	head = (const struct req_ws_cli_head *)(const void *)c->cli;
	if (head->dnsc != dnsc || !head->tls ||
	    !(ctx = tls_openssl_context(head->tls))) {
		fs_error(REQ_LOG, "wss: cannot reach libre's TLS context: "
				  "refused");
		return ENOTSUP;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* the hashed folder is read per certificate, when needed; a CA
	 * file would be parsed whole for every call */
	if (!SSL_CTX_load_verify_locations(
		    ctx, NULL, dir ? dir : X509_get_default_cert_dir()))
		return ENOENT;
	vp = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(vp,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!sa_set_str(&sa, c->host, 0))
		err = X509_VERIFY_PARAM_set1_ip_asc(vp, c->host) ? 0 : EINVAL;
	else
		err = X509_VERIFY_PARAM_set1_host(vp, c->host, 0) ? 0 : EINVAL;
	return err;
}

static int req_ws_connect(struct req_ws_conn *c)
{
	struct req_ws *w = c->req->ws;
	unsigned kaint = c->opts.ping_ms;

	return websock_connect(&c->wc, w->sock, c->cli ? c->cli : w->cli,
			       c->url, kaint, req_ws_estab, req_ws_recv,
			       req_ws_closed, c, "%s", c->hdrs);
}

static bool req_ws_denied_rr(struct dnsrr *rr, void *arg)
{
	struct req_ws_conn *c = arg;
	struct sa sa;

	if (rr->type != DNS_TYPE_A)
		return false;
	sa_set_in(&sa, rr->rdata.a.addr, c->port);
	return netlist_match(c->req->deny, &sa);
}

static void req_ws_dns(int err, const struct dnshdr *hdr, struct list *ansl,
		       struct list *authl, struct list *addl, void *arg)
{
	struct req_ws_conn *c = arg;

	(void)hdr;
	(void)authl;
	(void)addl;
	c->dq = mem_deref(c->dq);
	if (err) {
		req_ws_end(c, err);
		return;
	}
	if (dns_rrlist_apply(ansl, NULL, DNS_TYPE_A, DNS_CLASS_IN, false,
			     req_ws_denied_rr, c)) {
		c->req->st.f_denied++;
		req_ws_end(c, EACCES);
		return;
	}
	err = req_ws_connect(c);
	if (err)
		req_ws_end(c, err);
}

/* The URL as libre takes it (scheme://host[:port]/path[?query]), and
 * credentials the URL carries when the hook has none */
static int req_ws_url(struct req_ws_conn *c, const char *url, char **user,
		      char **pass)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL;
	int err = EINVAL;

	if (!u)
		return ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME))
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0))
		goto out;
	if (strcmp(scheme, "ws") && strcmp(scheme, "wss"))
		goto out;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_USER, user, CURLU_URLDECODE);
	(void)curl_url_get(u, CURLUPART_PASSWORD, pass, CURLU_URLDECODE);
	/* libre's URL pattern knows no IPv6 literal */
	if (strchr(host, ':'))
		goto out;
	c->port = port ? (uint16_t)atoi(port)
		       : (!strcmp(scheme, "ws") ? 80 : 443);
	err = str_dup(&c->host, host);
	if (!err)
		err = re_sdprintf(&c->url, "%s://%s%s%s%s%s%s", scheme, host,
				  port ? ":" : "", port ? port : "",
				  *path ? path : "/", query ? "?" : "",
				  query ? query : "");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return err;
}

static int req_ws_headers(struct req_ws_conn *c, const char *subproto,
			  const char *extra, const char *user,
			  const char *pass)
{
	char *up = NULL, b64[512] = "";
	size_t len = sizeof(b64) - 1;
	int err;

	if (user && *user) {
		err = re_sdprintf(&up, "%s:%s", user, pass ? pass : "");
		if (!err && strlen(up) > 360)
			err = EINVAL; /* base64 would not fit b64 */
		if (!err)
			err = base64_encode((const uint8_t *)up, strlen(up),
					    b64, &len);
		mem_deref(up);
		if (err)
			return err;
		b64[len] = '\0';
	}
	return re_sdprintf(&c->hdrs, "%s%s%sUser-Agent: %s\r\n%s%s%s%s",
			   subproto ? "Sec-WebSocket-Protocol: " : "",
			   subproto ? subproto : "", subproto ? "\r\n" : "",
			   c->req->user_agent, extra ? extra : "",
			   *b64 ? "Authorization: Basic " : "", b64,
			   *b64 ? "\r\n" : "");
}

int req_ws_open(struct req_ws_conn **cp, struct fs_req *req,
		const struct fs_hook *hook, const struct req_ws_opts *opts,
		req_ws_estab_h *estabh, req_ws_msg_h *msgh,
		req_ws_close_h *closeh, void *arg)
{
	struct req_ws_conn *c;
	struct req_ws *w;
	char *user = NULL, *pass = NULL;
	struct sa sa;
	int err;

	if (!cp || !req || !hook || !hook->url || !opts || !closeh)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), req_ws_conn_destructor);
	if (!c)
		return ENOMEM;
	tmr_init(&c->tmr);
	c->req = req;
	c->opts = *opts;
	c->opts.subprotocol = NULL; /* copied into the headers */
	c->opts.headers = NULL;
	if (!c->opts.max_payload || c->opts.max_payload > REQ_WS_FRAME_MAX)
		c->opts.max_payload = REQ_WS_FRAME_MAX;
	if (!c->opts.handshake_ms)
		c->opts.handshake_ms = 1500;
	c->estabh = estabh;
	c->msgh = msgh;
	c->closeh = closeh;
	c->arg = arg;

	err = req_ws_url(c, hook->url, &user, &pass);
	if (err)
		goto out;
	err = req_ws_headers(c, opts->subprotocol, opts->headers,
			     hook->username ? hook->username : user,
			     hook->username ? hook->password : pass);
	if (err)
		goto out;
	err = req_ws_client(req, &w);
	if (!err && !strncmp(c->url, "wss:", 4))
		err = req_ws_tls(c, w->dnsc);
	if (err)
		goto out;

	tmr_start(&c->tmr, c->opts.handshake_ms, req_ws_timeout, c);
	if (!sa_set_str(&sa, c->host, c->port)) {
		if (netlist_match(req->deny, &sa)) {
			req->st.f_denied++;
			err = EACCES;
			goto out;
		}
		err = req_ws_connect(c);
	} else if (req->deny) {
		err = dnsc_query(&c->dq, w->dnsc, c->host, DNS_TYPE_A,
				 DNS_CLASS_IN, true, req_ws_dns, c);
	} else {
		err = req_ws_connect(c);
	}
out:
	curl_free(user);
	curl_free(pass);
	if (err) {
		c->ended = true;
		mem_deref(c);
	} else {
		*cp = c;
	}
	return err;
}

int req_ws_send(struct req_ws_conn *c, const char *text)
{
	if (!c || !text)
		return EINVAL;
	if (!c->open || !c->wc)
		return ENOTCONN;
	return websock_send(c->wc, WEBSOCK_TEXT, "%s", text);
}

void req_ws_set_bin(struct req_ws_conn *c, req_ws_bin_h *binh)
{
	if (c)
		c->binh = binh;
}

int req_ws_send_bin(struct req_ws_conn *c, const void *data, size_t len)
{
	if (!c || (!data && len))
		return EINVAL;
	if (!c->open || !c->wc)
		return ENOTCONN;
	return websock_send(c->wc, WEBSOCK_BIN, "%b", data, len);
}

size_t req_ws_txq(const struct req_ws_conn *c)
{
	if (!c || !c->wc)
		return 0;
	return tcp_conn_txqsz(websock_tcp(c->wc));
}

void req_ws_close(struct req_ws_conn *c)
{
	if (!c)
		return;
	if (c->open && c->wc)
		(void)websock_close(c->wc, WEBSOCK_NORMAL_CLOSURE, NULL);
	c->open = false;
	c->ended = true;
	c->closeh = NULL;
	c->msgh = NULL;
	c->binh = NULL;
	c->estabh = NULL;
}

uint16_t req_ws_peer_code(const struct req_ws_conn *c)
{
	return c ? wspeek_close_code(c->peek) : 0;
}

bool req_ws_is_open(const struct req_ws_conn *c)
{
	return c && c->open;
}

void req_ws_flush(struct fs_req *req)
{
	if (req)
		req->ws = mem_deref(req->ws);
}
