/**
 * @file req.c  Pooled HTTP requestor: libcurl multi driven by the re loop
 *
 * One curl multi handle per loop. Its sockets are watched with fd_listen
 * and its single timeout with one struct tmr; both hand control back to
 * curl_multi_socket_action and then drain curl_multi_info_read. The multi
 * keeps a shared keep-alive connection cache, capped per host at
 * HTTP_POOLSIZE (CURLMOPT_MAX_HOST_CONNECTIONS): extra requests queue
 * inside curl until a connection frees up.
 *
 * Idle connections: CURLOPT_MAXAGE_CONN stops reuse of a connection idle
 * longer than the cleanup interval (curl closes it at its next prune),
 * and a sweep timer closes the whole cache once nothing has been in
 * flight for an interval, so an idle server holds no sockets.
 *
 * A request is bound to a scope with fs_scope_bind(): closing the scope
 * aborts the transfer and the handler never runs. User handlers are only
 * called after curl_multi_socket_action() returned, never from inside a
 * curl callback, so they may send, abort or close anything.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <re.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "base/netlist.h"
#include "http/req.h"
#include "http/req_int.h"
#include <fs/fs_log.h>
#include <fs/fs_scope.h>

#define REQ_LOG "req"

enum {
	REQ_DEF_POOLSIZE = 20,
	REQ_DEF_TIMEOUT = 10000,
	REQ_DEF_CLEANUP = 60000,
	REQ_DEF_MAX_BODY = 1024 * 1024,
	REQ_DEF_STREAMS = 10,
	REQ_LAT_RING = 2048,   /* latency samples kept (8 KB)          */
	REQ_MIN_MAXCONNS = 32, /* idle cache floor across all hosts    */
	REQ_SIG_HDR_SZ = 160,
};

/** One socket curl asked us to watch */
struct req_sock {
	struct le le;
	struct fs_req *req;
	curl_socket_t fd;
};

struct req_stats {
	uint64_t requests;
	uint64_t retries;
	uint64_t created;
	uint64_t reused;
	uint64_t f_connect;
	uint64_t f_timeout;
	uint64_t f_4xx;
	uint64_t f_5xx;
	uint64_t f_toolarge;
	uint64_t f_protocol;
	uint64_t f_denied;
	uint64_t f_other;
	uint64_t lat_n;             /* samples ever taken             */
	uint32_t lat_max;           /* ms, since start                */
	uint32_t lat[REQ_LAT_RING]; /* ms, the last REQ_LAT_RING      */
};

/** The requestor of one loop: the only state this file keeps */
struct fs_req {
	CURLM *multi;
	struct tmr tmr;    /* curl's timeout                       */
	struct tmr sweep;  /* idle connection sweep                */
	struct list xfers; /* every live request (struct req_xfer) */
	struct list socks; /* watched sockets (struct req_sock)    */
	uint32_t active;   /* easy handles attached to the multi   */
	uint64_t last_use; /* jiffies of the last attach or finish */
	bool pooled;       /* the cache may hold idle connections  */
	struct req_conf conf;
	char *user_agent;
	struct netlist *deny; /* HTTP_DENY_NETS, parsed; NULL = none */
	struct req_stats st;
};

/** One request, alive from fs_req_send() to its handler or abort */
struct req_xfer {
	struct le le;
	struct fs_req *req;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;  /* on the wire: no fragment, query added   */
	char *body; /* POST body ("" when none)                */
	size_t body_len;
	char *secret;
	char *user;
	char *pass;
	char *xhdrs; /* extra header lines, '\n'-separated (core) */
	bool post;
	bool attached; /* in req->multi                           */
	bool toolarge; /* the write callback refused the body     */
	bool denied;   /* a resolved address is in the deny list  */
	struct fs_listener *bind;
	fs_resp_h *resph;
	void *arg;
	char *rbuf;
	size_t rlen;
	size_t rcap;
	size_t max_body;
	uint32_t timeout_ms;
	struct req_retry retry;
	uint32_t attempts;
	struct tmr retry_tmr;
	uint64_t t0;
};

static int req_multi_new(struct fs_req *req, CURLM **mp);
static void req_drain(struct fs_req *req);


/* ---- sockets and the timer: curl <-> re glue ---- */

static void sock_destructor(void *arg)
{
	struct req_sock *rs = arg;

	list_unlink(&rs->le);
}

static void req_fd_handler(int flags, void *arg)
{
	struct req_sock *rs = arg;
	struct fs_req *req = rs->req;
	curl_socket_t fd = rs->fd; /* rs may be freed by the action */
	int ev = 0;
	int running;

	if (flags & FD_READ)
		ev |= CURL_CSELECT_IN;
	if (flags & FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (flags & FD_EXCEPT)
		ev |= CURL_CSELECT_ERR;

	mem_ref(req);
	curl_multi_socket_action(req->multi, fd, ev, &running);
	req_drain(req);
	mem_deref(req);
}

static int req_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
		       void *socketp)
{
	struct fs_req *req = userp;
	struct req_sock *rs = socketp;
	int flags = 0;
	int err;

	(void)easy;

	if (what == CURL_POLL_REMOVE) {
		fd_close(s);
		mem_deref(rs);
		return 0;
	}

	if (!rs) {
		rs = mem_zalloc(sizeof(*rs), sock_destructor);
		if (!rs)
			return -1;
		rs->req = req;
		rs->fd = s;
		list_append(&req->socks, &rs->le, rs);
		curl_multi_assign(req->multi, s, rs);
	}

	if (what & CURL_POLL_IN)
		flags |= FD_READ;
	if (what & CURL_POLL_OUT)
		flags |= FD_WRITE;

	/* CURL_POLL_NONE: keep the socket, stop watching it for now */
	if (!flags) {
		fd_close(s);
		return 0;
	}

	err = fd_listen(s, flags, req_fd_handler, rs);
	if (err) {
		/* curl fails the transfer using this socket */
		fs_warn(REQ_LOG, "fd_listen(%d): %m", (int)s, err);
		return -1;
	}
	return 0;
}

static void req_tmr_handler(void *arg)
{
	struct fs_req *req = arg;
	int running;

	mem_ref(req);
	curl_multi_socket_action(req->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	req_drain(req);
	mem_deref(req);
}

static int req_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fs_req *req = userp;

	(void)multi;

	/* curl forbids socket_action from here: just arm the timer */
	if (timeout_ms < 0)
		tmr_cancel(&req->tmr);
	else
		tmr_start(&req->tmr, (uint64_t)timeout_ms, req_tmr_handler,
			  req);
	return 0;
}

/** Forget every watched socket (the multi that owned them is gone) */
static void req_socks_flush(struct fs_req *req)
{
	struct le *le;

	while ((le = list_head(&req->socks))) {
		struct req_sock *rs = le->data;

		fd_close(rs->fd);
		mem_deref(rs);
	}
}

/** Close every cached connection by replacing the multi handle */
static void req_multi_recycle(struct fs_req *req)
{
	CURLM *fresh = NULL;

	if (req->active || req_multi_new(req, &fresh))
		return;

	curl_multi_cleanup(req->multi);
	req_socks_flush(req);
	tmr_cancel(&req->tmr);
	req->multi = fresh;
	req->pooled = false;
	fs_debug(REQ_LOG, "idle connections closed");
}

static void req_sweep(void *arg)
{
	struct fs_req *req = arg;

	tmr_start(&req->sweep, req->conf.cleanup_ms, req_sweep, req);
	if (req->active || !req->pooled)
		return;
	if (tmr_jiffies() - req->last_use < req->conf.cleanup_ms)
		return;
	req_multi_recycle(req);
}


/* ---- stats ---- */

static void req_latency(struct fs_req *req, uint64_t ms)
{
	uint32_t v = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;

	req->st.lat[req->st.lat_n % REQ_LAT_RING] = v;
	req->st.lat_n++;
	if (v > req->st.lat_max)
		req->st.lat_max = v;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int json_add_u64(struct json_object *o, const char *key, uint64_t v)
{
	struct json_object *j = json_object_new_int64((int64_t)v);

	if (!j)
		return ENOMEM;
	if (json_object_object_add(o, key, j)) {
		json_object_put(j);
		return ENOMEM;
	}
	return 0;
}

static int json_add_obj(struct json_object *o, const char *key,
			struct json_object **jp)
{
	struct json_object *j = json_object_new_object();

	if (!j)
		return ENOMEM;
	if (json_object_object_add(o, key, j)) {
		json_object_put(j);
		return ENOMEM;
	}
	*jp = j;
	return 0;
}

int req_metrics(const struct fs_req *req, struct json_object *obj)
{
	const struct req_stats *st;
	struct json_object *conn, *fail, *lat;
	uint32_t sorted[REQ_LAT_RING];
	size_t n;
	int err = 0;

	if (!req || !obj)
		return EINVAL;
	st = &req->st;

	n = st->lat_n < REQ_LAT_RING ? (size_t)st->lat_n : REQ_LAT_RING;
	memcpy(sorted, st->lat, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), u32_cmp);

#define PCT(p) (n ? sorted[(n * (p) + 99) / 100 - 1] : 0)
	err |= json_add_u64(obj, "requests", st->requests);
	err |= json_add_u64(obj, "inflight", list_count(&req->xfers));
	err |= json_add_u64(obj, "retries", st->retries);
	err |= json_add_obj(obj, "connections", &conn);
	if (err)
		return ENOMEM;
	err |= json_add_u64(conn, "created", st->created);
	err |= json_add_u64(conn, "reused", st->reused);
	err |= json_add_u64(conn, "poolsize", req->conf.poolsize);
	err |= json_add_obj(obj, "failures", &fail);
	if (err)
		return ENOMEM;
	err |= json_add_u64(fail, "connect", st->f_connect);
	err |= json_add_u64(fail, "timeout", st->f_timeout);
	err |= json_add_u64(fail, "http4xx", st->f_4xx);
	err |= json_add_u64(fail, "http5xx", st->f_5xx);
	err |= json_add_u64(fail, "toolarge", st->f_toolarge);
	err |= json_add_u64(fail, "protocol", st->f_protocol);
	err |= json_add_u64(fail, "denied", st->f_denied);
	err |= json_add_u64(fail, "other", st->f_other);
	err |= json_add_obj(obj, "latency_ms", &lat);
	if (err)
		return ENOMEM;
	err |= json_add_u64(lat, "p50", PCT(50));
	err |= json_add_u64(lat, "p90", PCT(90));
	err |= json_add_u64(lat, "p99", PCT(99));
	err |= json_add_u64(lat, "max", st->lat_max);
#undef PCT
	return err ? ENOMEM : 0;
}


/* ---- one transfer ---- */

static void xfer_destructor(void *arg)
{
	struct req_xfer *x = arg;

	tmr_cancel(&x->retry_tmr);
	if (x->attached) {
		curl_multi_remove_handle(x->req->multi, x->easy);
		x->req->active--;
	}
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	fs_listener_cancel(x->bind);
	list_unlink(&x->le);
	mem_deref(x->url);
	mem_deref(x->body);
	mem_deref(x->secret);
	mem_deref(x->user);
	mem_deref(x->pass);
	mem_deref(x->xhdrs);
	mem_deref(x->rbuf);
}

static size_t xfer_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct req_xfer *x = arg;
	size_t n = size * nmemb;

	/* refusing the bytes aborts the transfer and drops the connection */
	if (n > x->max_body - x->rlen) {
		x->toolarge = true;
		return 0;
	}
	if (x->rlen + n + 1 > x->rcap) {
		size_t cap = x->rcap ? x->rcap : 4096;
		char *b;

		while (cap < x->rlen + n + 1)
			cap *= 2;
		if (cap > x->max_body + 1)
			cap = x->max_body + 1;
		b = x->rbuf ? mem_realloc(x->rbuf, cap) : mem_alloc(cap, NULL);
		if (!b)
			return 0;
		x->rbuf = b;
		x->rcap = cap;
	}
	memcpy(x->rbuf + x->rlen, ptr, n);
	x->rlen += n;
	x->rbuf[x->rlen] = '\0';
	return n;
}

/** (Re)build the per-attempt headers: the signature carries the time */
static int xfer_headers(struct req_xfer *x)
{
	struct curl_slist *h = NULL, *t;
	char sig[REQ_SIG_HDR_SZ];
	int err;

	/* no 100-continue round trip for bodies over 1 KB */
	t = curl_slist_append(h, "Expect:");
	if (!t)
		goto nomem;
	h = t;
	if (x->post) {
		t = curl_slist_append(h, "Content-Type: application/json");
		if (!t)
			goto nomem;
		h = t;
	}
	if (x->secret) {
		err = req_sig_header(sig, sizeof(sig), x->secret,
				     (uint64_t)time(NULL), x->body,
				     x->body_len);
		if (err) {
			curl_slist_free_all(h);
			return err;
		}
		t = curl_slist_append(h, sig);
		if (!t)
			goto nomem;
		h = t;
	}

	for (const char *p = x->xhdrs; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];

		if (n && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			t = curl_slist_append(h, line);
			if (!t)
				goto nomem;
			h = t;
		}
		p += n + (nl ? 1 : 0);
	}

	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, h);
	curl_slist_free_all(x->hdrs);
	x->hdrs = h;
	return 0;

nomem:
	curl_slist_free_all(h);
	return ENOMEM;
}

static int xfer_start(struct req_xfer *x)
{
	struct fs_req *req = x->req;
	int err;

	err = xfer_headers(x);
	if (err)
		return err;
	x->rlen = 0;
	if (x->rbuf)
		x->rbuf[0] = '\0';
	x->toolarge = false;
	x->denied = false;

	if (curl_multi_add_handle(req->multi, x->easy) != CURLM_OK)
		return ENOMEM;
	x->attached = true;
	x->attempts++;
	req->active++;
	req->pooled = true;
	req->last_use = tmr_jiffies();
	return 0;
}

static void xfer_retry_handler(void *arg)
{
	struct req_xfer *x = arg;
	int err;

	err = xfer_start(x);
	if (!err)
		return;

	fs_warn(REQ_LOG, "retry of %H failed: %m", req_url_print, x->url, err);
	x->req->st.f_other++;
	fs_listener_cancel(x->bind);
	x->bind = NULL;
	list_unlink(&x->le);
	if (x->resph)
		x->resph(err, NULL, x->arg);
	mem_deref(x);
}

/**
 * Map a finished transfer to an errno and a retry class, counting the
 * failure.
 */
static int xfer_classify(struct req_xfer *x, CURLcode res, long status,
			 uint32_t *clsp)
{
	struct req_stats *st = &x->req->st;
	long oserr = 0;

	*clsp = 0;
	switch (res) {
	case CURLE_OK:
		if (status >= 500) {
			st->f_5xx++;
			*clsp = REQ_RP_5XX;
		} else if (status >= 400) {
			st->f_4xx++;
			*clsp = REQ_RP_4XX;
		}
		return 0;

	case CURLE_COULDNT_CONNECT:
		if (x->denied) {
			st->f_denied++;
			return EACCES;
		}
		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
		st->f_connect++;
		*clsp = REQ_RP_CT;
		return oserr > 0 ? (int)oserr : ECONNREFUSED;

	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		st->f_connect++;
		*clsp = REQ_RP_CT;
		return EHOSTUNREACH;

	case CURLE_OPERATION_TIMEDOUT:
		st->f_timeout++;
		*clsp = REQ_RP_RT;
		return ETIMEDOUT;

	case CURLE_FILESIZE_EXCEEDED:
		st->f_toolarge++;
		*clsp = REQ_RP_OTHER;
		return EFBIG;

	case CURLE_WRITE_ERROR:
		*clsp = REQ_RP_OTHER;
		if (x->toolarge) {
			st->f_toolarge++;
			return EFBIG;
		}
		st->f_other++;
		return ENOMEM;

	case CURLE_UNSUPPORTED_PROTOCOL: /* HTTP/0.9 (garbage) reply */
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		st->f_protocol++;
		*clsp = REQ_RP_OTHER;
		return EPROTO;

	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		st->f_other++;
		*clsp = REQ_RP_OTHER;
		return ECONNRESET;

	case CURLE_URL_MALFORMAT:
		st->f_other++;
		return EINVAL;

	case CURLE_OUT_OF_MEMORY:
		st->f_other++;
		return ENOMEM;

	default:
		st->f_other++;
		*clsp = REQ_RP_OTHER;
		return EIO;
	}
}

/** A transfer left the multi: retry it or hand the result over */
static void xfer_done(struct req_xfer *x, CURLcode res)
{
	struct fs_req *req = x->req;
	struct fs_resp resp;
	curl_off_t nconn = 0;
	long status = 0, nc = 0;
	char *ctype = NULL;
	uint32_t cls;
	fs_resp_h *h;
	int err;

	curl_multi_remove_handle(req->multi, x->easy);
	x->attached = false;
	req->active--;
	req->last_use = tmr_jiffies();

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK)
		nconn = nc;
	if (nconn > 0)
		req->st.created += (uint64_t)nconn;
	else if (status > 0)
		req->st.reused++;

	err = xfer_classify(x, res, status, &cls);
	if (err || cls)
		fs_debug(REQ_LOG, "%s %H: attempt %u: %s (status %ld)",
			 x->post ? "POST" : "GET", req_url_print, x->url,
			 x->attempts,
			 res ? curl_easy_strerror(res) : "http error", status);

	if ((cls & x->retry.rp) && x->attempts <= x->retry.rc) {
		req->st.retries++;
		tmr_start(&x->retry_tmr, req_retry_delay(x->attempts),
			  xfer_retry_handler, x);
		return;
	}

	req_latency(req, tmr_jiffies() - x->t0);

	/* the scope may close from the handler: x must not be released */
	fs_listener_cancel(x->bind);
	x->bind = NULL;
	h = x->resph;
	x->resph = NULL;
	list_unlink(&x->le);

	if (h && !err) {
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
		resp.status = (uint16_t)status;
		resp.ctype = ctype;
		resp.body = x->rbuf ? x->rbuf : "";
		resp.len = x->rlen;
		resp.attempts = x->attempts;
		h(0, &resp, x->arg);
	} else if (h) {
		h(err, NULL, x->arg);
	}
	mem_deref(x);
}

static void req_drain(struct fs_req *req)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(req->multi, &left))) {
		struct req_xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		if (x)
			xfer_done(x, msg->data.result);
	}
}

/** Scope closed: abort the transfer, never call the handler */
static void xfer_release(void *arg)
{
	struct req_xfer *x = arg;

	x->bind = NULL; /* the scope frees the binding itself */
	x->resph = NULL;
	mem_deref(x);
}


/* ---- URLs ---- */

static bool url_is_absolute(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	       !strncasecmp(url, "https://", 8);
}

/**
 * Build the URL put on the wire: resolve against base, take the retry
 * policy out of the fragment, drop credentials inherited from base and
 * append the query.
 */
static int req_url_build(struct req_xfer *x, const char *url, const char *base,
			 const char *query)
{
	CURLU *u;
	char *frag = NULL, *s = NULL;
	int err = 0;

	u = curl_url();
	if (!u)
		return ENOMEM;

	if (url_is_absolute(url)) {
		if (curl_url_set(u, CURLUPART_URL, url, 0)) {
			err = EINVAL;
			goto out;
		}
	} else {
		/* credentials come from the hook, never from base's URL */
		if (!base || !url_is_absolute(base) ||
		    curl_url_set(u, CURLUPART_URL, base, 0) ||
		    curl_url_set(u, CURLUPART_URL, url, 0) ||
		    curl_url_set(u, CURLUPART_USER, NULL, 0) ||
		    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0)) {
			err = EINVAL;
			goto out;
		}
	}

	if (!curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0)) {
		req_retry_parse(&x->retry, frag);
		curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	} else {
		req_retry_parse(&x->retry, NULL);
	}

	if (query && *query &&
	    curl_url_set(u, CURLUPART_QUERY, query, CURLU_APPENDQUERY)) {
		err = EINVAL;
		goto out;
	}

	if (curl_url_get(u, CURLUPART_URL, &s, 0)) {
		err = EINVAL;
		goto out;
	}
	err = str_dup(&x->url, s);

out:
	curl_free(frag);
	curl_free(s);
	curl_url_cleanup(u);
	return err;
}


/* ---- public API ---- */

/* Every connection curl opens passes here, after name resolution: the
 * one place an address in HTTP_DENY_NETS can be refused */
static curl_socket_t xfer_opensocket(void *arg, curlsocktype purpose,
				     struct curl_sockaddr *addr)
{
	struct req_xfer *x = arg;
	struct fs_req *req = x->req;
	struct sa sa;

	(void)purpose;
	if (req->deny && addr->addrlen <= sizeof(sa.u) &&
	    !sa_set_sa(&sa, &addr->addr) && netlist_match(req->deny, &sa)) {
		/* the log names the address only: the URL may hold
		 * credentials */
		fs_warn(REQ_LOG,
			"refused to connect to %J: address is in "
			"HTTP_DENY_NETS",
			&sa);
		x->denied = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static int xfer_setup(struct req_xfer *x)
{
	struct fs_req *req = x->req;
	long maxage = (long)((req->conf.cleanup_ms + 999) / 1000);
	CURL *e;

	e = curl_easy_init();
	if (!e)
		return ENOMEM;
	x->easy = e;

	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, xfer_opensocket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)x->max_body);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)x->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, req->user_agent);
	/* over TLS, wait for ALPN so HTTP/2 multiplexes instead of opening
	 * more connections; cleartext HTTP/1.1 must not wait for a slow
	 * response before opening a second connection */
	if (!strncasecmp(x->url, "https:", 6))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	if (maxage > 0)
		curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, maxage);

	if (x->post) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)x->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}

	if (x->user) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, x->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, x->pass ? x->pass : "");
	}
	return 0;
}

int fs_req_send(struct fs_req *req, struct fs_scope *scope,
		const struct fs_hook *hook, const struct fs_req_opts *opts,
		fs_resp_h *resph, void *arg)
{
	return req_send_hdrs(req, scope, hook, opts, NULL, resph, arg);
}

int req_send_hdrs(struct fs_req *req, struct fs_scope *scope,
		  const struct fs_hook *hook, const struct fs_req_opts *opts,
		  const char *hdrs, fs_resp_h *resph, void *arg)
{
	static const struct fs_req_opts noopts;
	struct req_xfer *x;
	bool post;
	int err;

	if (!req || !hook || !hook->url || !*hook->url)
		return EINVAL;
	if (!opts)
		opts = &noopts;
	if (!hook->method || !strcasecmp(hook->method, "POST"))
		post = true;
	else if (!strcasecmp(hook->method, "GET"))
		post = false;
	else
		return EINVAL;
	if (scope && fs_scope_closed(scope))
		return ESHUTDOWN;

	x = mem_zalloc(sizeof(*x), xfer_destructor);
	if (!x)
		return ENOMEM;
	x->req = req;
	x->post = post;
	x->resph = resph;
	x->arg = arg;
	x->t0 = tmr_jiffies();
	tmr_init(&x->retry_tmr);
	x->max_body = opts->max_body ? opts->max_body : req->conf.max_body;
	x->timeout_ms =
		opts->timeout_ms ? opts->timeout_ms : req->conf.timeout_ms;

	err = req_url_build(x, hook->url, opts->base_url,
			    post ? NULL : opts->query);
	if (err) {
		fs_warn(REQ_LOG, "bad hook url '%H': %m", req_url_print,
			hook->url, err);
		goto out;
	}
	err = str_dup(&x->body, opts->body ? opts->body : "");
	if (err)
		goto out;
	x->body_len = strlen(x->body);
	if (opts->secret && *opts->secret)
		err |= str_dup(&x->secret, opts->secret);
	if (hdrs && *hdrs)
		err |= str_dup(&x->xhdrs, hdrs);
	if (hook->username && *hook->username) {
		err |= str_dup(&x->user, hook->username);
		if (hook->password)
			err |= str_dup(&x->pass, hook->password);
	}
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = xfer_setup(x);
	if (err)
		goto out;

	if (scope) {
		err = fs_scope_bind(scope, xfer_release, x, &x->bind);
		if (err)
			goto out;
	}

	err = xfer_start(x);
	if (err)
		goto out;
	list_append(&req->xfers, &x->le, x);
	req->st.requests++;

out:
	if (err)
		mem_deref(x);
	return err;
}

static void req_destructor(void *arg)
{
	struct fs_req *req = arg;
	struct le *le;

	tmr_cancel(&req->sweep);
	/* aborted without calling handlers, like a closed scope */
	while ((le = list_head(&req->xfers)))
		mem_deref(le->data);
	if (req->multi)
		curl_multi_cleanup(req->multi);
	req_socks_flush(req);
	tmr_cancel(&req->tmr);
	mem_deref(req->user_agent);
	mem_deref(req->deny);
}

static int req_multi_new(struct fs_req *req, CURLM **mp)
{
	uint32_t pool = req->conf.poolsize;
	long maxconns =
		pool * 8L < REQ_MIN_MAXCONNS ? REQ_MIN_MAXCONNS : pool * 8L;
	CURLM *m;

	m = curl_multi_init();
	if (!m)
		return EIO;
	curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, req_sock_cb);
	curl_multi_setopt(m, CURLMOPT_SOCKETDATA, req);
	curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, req_timer_cb);
	curl_multi_setopt(m, CURLMOPT_TIMERDATA, req);
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)pool);
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, maxconns);
	curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS,
			  (long)req->conf.pipelining);
	*mp = m;
	return 0;
}

/** Copy conf into req->conf with defaults filled in */
static int req_conf_apply(struct fs_req *req, const struct req_conf *conf)
{
	const char *ua = conf->user_agent && *conf->user_agent
				 ? conf->user_agent
				 : "jambonz";
	struct netlist *deny = NULL;
	char *dup = NULL, bad[80] = "", why[160] = "";
	int err;

	err = netlist_parse(&deny, conf->deny_nets, bad, sizeof(bad), why,
			    sizeof(why));
	if (err) {
		fs_error(REQ_LOG, "HTTP_DENY_NETS: bad network '%s': %s", bad,
			 why);
		return err;
	}
	err = str_dup(&dup, ua);
	if (err) {
		mem_deref(deny);
		return err;
	}
	mem_deref(req->user_agent);
	req->user_agent = dup;
	mem_deref(req->deny);
	req->deny = deny;

	req->conf = *conf;
	req->conf.user_agent = req->user_agent;
	req->conf.deny_nets = NULL; /* parsed into req->deny */
	if (!req->conf.poolsize)
		req->conf.poolsize = REQ_DEF_POOLSIZE;
	if (!req->conf.timeout_ms)
		req->conf.timeout_ms = REQ_DEF_TIMEOUT;
	if (!req->conf.cleanup_ms)
		req->conf.cleanup_ms = REQ_DEF_CLEANUP;
	if (!req->conf.max_body)
		req->conf.max_body = REQ_DEF_MAX_BODY;
	if (!req->conf.pipelining)
		req->conf.pipelining = REQ_DEF_STREAMS;
	return 0;
}

int req_alloc(struct fs_req **reqp, const struct req_conf *conf)
{
	static const struct req_conf defconf;
	struct fs_req *req;
	int err;

	if (!reqp)
		return EINVAL;
	if (!conf)
		conf = &defconf;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req)
		return ENOMEM;
	tmr_init(&req->tmr);
	tmr_init(&req->sweep);
	list_init(&req->xfers);
	list_init(&req->socks);

	err = req_conf_apply(req, conf);
	if (err)
		goto out;
	err = req_multi_new(req, &req->multi);
	if (err)
		goto out;
	tmr_start(&req->sweep, req->conf.cleanup_ms, req_sweep, req);

out:
	if (err)
		mem_deref(req);
	else
		*reqp = req;
	return err;
}

int req_reconf(struct fs_req *req, const struct req_conf *conf)
{
	int err;

	if (!req || !conf)
		return EINVAL;
	err = req_conf_apply(req, conf);
	if (err)
		return err;
	curl_multi_setopt(req->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)req->conf.poolsize);
	curl_multi_setopt(req->multi, CURLMOPT_MAX_CONCURRENT_STREAMS,
			  (long)req->conf.pipelining);
	tmr_start(&req->sweep, req->conf.cleanup_ms, req_sweep, req);
	return 0;
}

int req_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : EIO;
}

void req_global_close(void)
{
	curl_global_cleanup();
}
