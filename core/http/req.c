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
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "base/hist.h"
#include "base/netlist.h"
#include "http/req_int.h"
#include <fs/fs_log.h>

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

void req_latency(struct fs_req *req, uint64_t ms)
{
	uint32_t v = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;

	hist_observe(HIST_WEBHOOK, NULL, ms * 1000);
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
	req_ws_flush(req);
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
