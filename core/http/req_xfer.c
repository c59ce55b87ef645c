/**
 * @file req_xfer.c  One request of the requestor: its URL, headers,
 *                   body, retries and the answer to its handler
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <re.h>
#include <curl/curl.h>
#include "base/netlist.h"
#include "http/req_int.h"
#include <fs/fs_log.h>
#include <fs/fs_scope.h>

/* an answer buffer at least this large returns its pages once freed */
#define REQ_TRIM_BYTES (256u * 1024u)

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

/* Whether the caller's extra header lines set Content-Type */
static bool xfer_has_ctype(const char *hdrs)
{
	for (const char *p = hdrs; p && *p;) {
		const char *nl = strchr(p, '\n');

		if (!strncasecmp(p, "Content-Type:", 13))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
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
	/* a caller's own Content-Type (SSML for a speech vendor) wins */
	if (x->post && !xfer_has_ctype(x->xhdrs)) {
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
void xfer_done(struct req_xfer *x, CURLcode res)
{
	struct fs_req *req = x->req;
	struct fs_resp resp;
	curl_off_t nconn = 0;
	long status = 0, nc = 0;
	char *ctype = NULL;
	uint32_t cls;
	fs_resp_h *h;
	bool big;
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

	big = x->rcap >= REQ_TRIM_BYTES;
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
	/* a large answer and what was parsed from it are freed now; in a
	 * loop thread's own malloc arena the pages would otherwise stay
	 * resident (tens of MB after a hostile 100,000-verb answer) */
	if (big)
		(void)malloc_trim(0);
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
