/**
 * @file rest.c  HTTP listener: /, /health, /metrics on libmicrohttpd
 *
 * The daemon runs without threads of its own: it is started in epoll
 * mode, its epoll fd is watched by the re loop, and MHD_run() is called
 * when that fd is readable or when MHD's own timeout (idle connections)
 * expires. Handlers therefore run on the loop thread and may read loop
 * state (calls, stats) directly, without locks or message queues.
 *
 * We create and bind the listening socket ourselves so that a busy port
 * is reported as EADDRINUSE rather than as an anonymous start failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_conf.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "api/rest.h"
#include "api/demo.h"
#include "loop/life.h"
#include "loop/loop.h"
#include "call/outcall.h"
#include "cluster/cluster.h"
#include "loop/update.h"
#include "loop/loopstat.h"
#include "queue/queue.h"

enum {
	REST_MAX_BODY = 1024 * 1024,  /* request body cap, bytes       */
	REST_CONN_LIMIT = 512,        /* concurrent connections        */
	REST_CONN_TIMEOUT = 30,       /* idle connection timeout, s    */
	REST_CONN_MEMORY = 64 * 1024, /* per-connection header pool    */
	REST_BACKLOG = 128,
};

struct rest {
	struct app *app; /* borrowed: the app owns us */
	struct MHD_Daemon *mhd;
	struct tmr tmr;    /* MHD's next timeout, when it has one */
	struct list waits; /* requests waiting for another loop */
	int epfd;          /* MHD's epoll fd, watched by the loop */
	size_t max_body;
	bool closing; /* in the destructor: no timer may be armed */
};

/* Per-request state, from the first handler call to completion */
struct rest_conn {
	struct mbuf *body; /* kept for API routes, at most max_body */
	size_t body_len;   /* bytes announced or received          */
	/* an updateCall sent on to the instance owning the call */
	struct cluster_fwd *fwd;
	/* ... or to the loop of this instance that owns it */
	struct update_job *job;
	struct le wle; /* in r->waits while job is pending */
	uint16_t job_status;
	char job_err[300];
	bool job_done;
	/* /metrics with several loops: their figures, gathered */
	struct loopstat_job *stat;
	struct json_object *stat_parts;
	bool stat_done;
	/* a createCall waiting for the directory, then its answer */
	struct outcall_pend *cc;
	bool cc_wait, cc_done;
	uint16_t cc_status;
	char cc_sid[37];
	char *cc_callid;
	char cc_msg[300];
	struct rest *r;
	struct MHD_Connection *conn;
	bool too_large;
};

static const char rest_json_type[] = "application/json";
static const char rest_prom_type[] = "text/plain; version=0.0.4; "
				     "charset=utf-8";

static void rest_schedule(struct rest *r);

static void rest_run(struct rest *r)
{
	if (MHD_run(r->mhd) != MHD_YES)
		fs_debug("rest", "MHD_run failed");
	rest_schedule(r);
}

static void rest_tmr_h(void *arg)
{
	rest_run(arg);
}

static void rest_fd_h(int flags, void *arg)
{
	(void)flags;
	rest_run(arg);
}

/* One timer only: the earliest deadline MHD reports, if any */
static void rest_schedule(struct rest *r)
{
	MHD_UNSIGNED_LONG_LONG to = 0;

	if (r->closing)
		return;
	if (MHD_get_timeout(r->mhd, &to) == MHD_YES)
		tmr_start(&r->tmr, (uint64_t)to, rest_tmr_h, r);
	else
		tmr_cancel(&r->tmr);
}

static void rest_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	fs_warn("rest", "%s", buf);
}

static enum MHD_Result rest_reply(struct MHD_Connection *conn, unsigned status,
				  const char *type, const char *body,
				  size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result rest_reply_obj(struct MHD_Connection *conn,
				      unsigned status, struct json_object *obj)
{
	const char *s;
	size_t len = 0;

	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN,
					      &len);
	if (!s)
		return MHD_NO;
	return rest_reply(conn, status, rest_json_type, s, len);
}

static enum MHD_Result rest_reply_msg(struct MHD_Connection *conn,
				      unsigned status, const char *msg)
{
	struct json_object *obj = json_object_new_object();
	enum MHD_Result ret = MHD_NO;

	if (obj &&
	    !json_object_object_add(obj, "msg", json_object_new_string(msg)))
		ret = rest_reply_obj(conn, status, obj);
	json_object_put(obj);
	return ret;
}

static enum MHD_Result rest_health(struct rest *r, struct MHD_Connection *conn)
{
	const struct app *app = r->app;
	struct json_object *obj = json_object_new_object();
	enum MHD_Result ret = MHD_NO;
	unsigned status = MHD_HTTP_OK;

	if (!obj)
		return MHD_NO;
	if (json_object_object_add(obj, "calls",
				   json_object_new_int64(app->calls_active)))
		goto out;

	/* a dispatcher or load balancer takes a draining node out */
	if (app->draining) {
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		if (json_object_object_add(obj, "status",
					   json_object_new_string("draining")))
			goto out;
	}
	ret = rest_reply_obj(conn, status, obj);
out:
	json_object_put(obj);
	return ret;
}

/* An explicit ?format wins; otherwise Accept decides (scrapers ask for
 * text/plain or OpenMetrics, browsers and scripts for JSON). */
static bool rest_wants_prometheus(struct MHD_Connection *conn)
{
	const char *fmt, *accept;

	fmt = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
					  "format");
	if (fmt)
		return !strcasecmp(fmt, "prometheus") ||
		       !strcasecmp(fmt, "text");

	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_ACCEPT);
	if (!accept || strstr(accept, "application/json"))
		return false;
	return strstr(accept, "text/plain") ||
	       strstr(accept, "application/openmetrics-text");
}

static void rest_resume(struct rest_conn *rc);

/* The other loops' figures are in: MHD calls rest_access_h again */
static void rest_stat_done(struct json_object *parts, void *arg)
{
	struct rest_conn *rc = arg;

	rc->stat = NULL;
	rc->stat_done = true;
	rc->stat_parts = json_object_get(parts);
	list_unlink(&rc->wle);
	rest_resume(rc);
}

static enum MHD_Result
rest_metrics(struct rest *r, struct MHD_Connection *conn, struct rest_conn *rc)
{
	struct json_object *doc = NULL;
	enum MHD_Result ret;
	char *text = NULL;
	int err;

	/* each loop reads its own figures on its thread: ask, wait */
	if (!rc->stat_done && r->app->nloops > 1 &&
	    !loopstat_gather(r->app, &rc->stat, rest_stat_done, rc)) {
		rc->r = r;
		rc->conn = conn;
		list_append(&r->waits, &rc->wle, rc);
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	err = metrics_json(r->app, rc->stat_parts, &doc);
	if (err) {
		fs_warn("rest", "metrics: %m", err);
		return rest_reply_msg(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "metrics unavailable");
	}
	if (!rest_wants_prometheus(conn)) {
		ret = rest_reply_obj(conn, MHD_HTTP_OK, doc);
		json_object_put(doc);
		return ret;
	}

	err = metrics_prometheus(doc, &text);
	json_object_put(doc);
	if (err) {
		fs_warn("rest", "metrics text: %m", err);
		return rest_reply_msg(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "metrics unavailable");
	}
	ret = rest_reply(conn, MHD_HTTP_OK, rest_prom_type, text,
			 strlen(text));
	mem_deref(text);
	return ret;
}

static bool rest_is_read(const char *method)
{
	return !strcmp(method, MHD_HTTP_METHOD_GET) ||
	       !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

static enum MHD_Result rest_demo(struct MHD_Connection *conn,
				 const struct rest_conn *rc)
{
	struct json_object *reply = NULL;
	enum MHD_Result ret;
	int err;

	err = demo_gather_reply(rc->body ? (const char *)rc->body->buf : NULL,
				rc->body ? rc->body->end : 0, &reply);
	if (err)
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST, "bad body");
	ret = rest_reply_obj(conn, MHD_HTTP_OK, reply);
	json_object_put(reply);
	return ret;
}

static struct json_object *rest_body_json(const struct rest_conn *rc)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!rc->body || !rc->body->end)
		return NULL;
	tok = json_tokener_new_ex(64);
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)rc->body->buf,
				  (int)rc->body->end);
	/* trailing bytes after the document are garbage too */
	if (o && json_tokener_get_parse_end(tok) != rc->body->end) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The REST API needs "Authorization: Bearer <HTTP_API_KEY>" when set */
static bool rest_authorized(const struct rest *r, struct MHD_Connection *conn)
{
	const char *key = r->app->cfg->http_api_key;
	const char *h;

	if (!key || !*key)
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	return strlen(h) == strlen(key) &&
	       !mem_seccmp((const uint8_t *)h, (const uint8_t *)key,
			   strlen(key));
}


/* The directory answered a createCall: MHD calls rest_access_h again,
 * unless the answer came before the request was suspended */
static void rest_created(uint16_t status, const char *sid, const char *callid,
			 const char *msg, void *arg)
{
	struct rest_conn *rc = arg;

	rc->cc = NULL;
	rc->cc_done = true;
	rc->cc_status = status;
	str_ncpy(rc->cc_sid, sid ? sid : "", sizeof(rc->cc_sid));
	(void)str_dup(&rc->cc_callid, callid ? callid : "");
	str_ncpy(rc->cc_msg, msg ? msg : "", sizeof(rc->cc_msg));
	if (rc->cc_wait) {
		rc->cc_wait = false;
		list_unlink(&rc->wle);
		rest_resume(rc);
	}
}

static enum MHD_Result rest_created_reply(struct MHD_Connection *conn,
					  uint16_t status, const char *sid,
					  const char *callid, const char *msg)
{
	struct json_object *reply;
	enum MHD_Result ret;

	if (status != MHD_HTTP_CREATED)
		return rest_reply_msg(conn, status, msg);
	reply = json_object_new_object();
	json_object_object_add(reply, "sid", json_object_new_string(sid));
	json_object_object_add(reply, "callId",
			       json_object_new_string(callid ? callid : ""));
	ret = rest_reply_obj(conn, MHD_HTTP_CREATED, reply);
	json_object_put(reply);
	return ret;
}

static enum MHD_Result rest_create_call(struct rest *r,
					struct MHD_Connection *conn,
					struct rest_conn *rc)
{
	struct json_object *body;
	char sid[37] = "", err[300] = "";
	char *callid = NULL;
	enum MHD_Result ret;
	int e;

	if (rc->cc_done)
		return rest_created_reply(conn, rc->cc_status, rc->cc_sid,
					  rc->cc_callid, rc->cc_msg);
	body = rest_body_json(rc);
	if (!body)
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST,
				      "body must be JSON");
	rc->r = r;
	rc->conn = conn;
	e = outcall_create_async(&r->app->loop->env, body, sid, &callid, err,
				 sizeof(err), rest_created, rc, &rc->cc);
	json_object_put(body);
	if (e == EINPROGRESS) {
		if (rc->cc_done)
			return rest_created_reply(conn, rc->cc_status,
						  rc->cc_sid, rc->cc_callid,
						  rc->cc_msg);
		rc->cc_wait = true;
		list_append(&r->waits, &rc->wle, rc);
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	if (e) {
		if (!*err)
			re_snprintf(err, sizeof(err), "%m", e);
		return rest_reply_msg(conn,
				      e == EINVAL ? MHD_HTTP_BAD_REQUEST
				      : e == EBUSY
					      ? MHD_HTTP_SERVICE_UNAVAILABLE
					      : MHD_HTTP_INTERNAL_SERVER_ERROR,
				      err);
	}
	ret = rest_created_reply(conn, MHD_HTTP_CREATED, sid, callid, NULL);
	mem_deref(callid);
	return ret;
}

/* --- scale-out: updateCall for a call of another instance ----------- */

/* An answer is in: MHD calls rest_access_h again, which replies */
static void rest_resume(struct rest_conn *rc)
{
	MHD_resume_connection(rc->conn);
	/* external epoll: MHD notices the resume on its next run only;
	 * a listener being destroyed runs no more */
	if (!rc->r->closing)
		tmr_start(&rc->r->tmr, 0, rest_tmr_h, rc->r);
}

/* The instance owning the call answered */
static void rest_fwd_done(void *arg)
{
	rest_resume(arg);
}

/* Another loop of this instance answered an updateCall */
static void rest_job_done(uint16_t status, const char *err, void *arg)
{
	struct rest_conn *rc = arg;

	rc->job = NULL;
	rc->job_done = true;
	rc->job_status = status;
	str_ncpy(rc->job_err, err ? err : "", sizeof(rc->job_err));
	list_unlink(&rc->wle);
	rest_fwd_done(rc);
}

/*
 * A call this instance does not own may belong to another one: ask the
 * Redis registry and send the request on, suspending this one meanwhile.
 * @return true when suspended (the reply comes on resume)
 */
static bool rest_fwd_start(struct rest *r, struct MHD_Connection *conn,
			   const char *sid, struct rest_conn *rc,
			   const struct json_object *body)
{
	const char *by = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     CLUSTER_FWD_HEADER);

	rc->r = r;
	rc->conn = conn;
	if (cluster_forward(&rc->fwd, r->app, sid, body, by, rest_fwd_done,
			    rc))
		return false;
	MHD_suspend_connection(conn);
	return true;
}

static enum MHD_Result rest_fwd_reply(struct MHD_Connection *conn,
				      const struct rest_conn *rc)
{
	const char *body = NULL;
	uint16_t status = 0;

	cluster_fwd_result(rc->fwd, &status, &body);
	return rest_reply(conn, status, rest_json_type, body, strlen(body));
}

/* ---------------------------------------------------------------------- */

/*
 * POST /v1/updateCall/{sid}, and POST /v1/conference/{sid} (wrap: jambonz
 * tells a member waiting for a room that it started): its body goes
 * under the key wrap, and the call's conference verb is told as by an
 * updateCall, on the loop that owns the call.
 */
static enum MHD_Result rest_update_call(struct rest *r,
					struct MHD_Connection *conn,
					const char *sid, struct rest_conn *rc,
					const char *wrap)
{
	struct json_object *body;
	char err[300] = "";
	uint16_t status;

	if (rc->fwd)
		return rest_fwd_reply(conn, rc);
	if (rc->job_done) {
		status = rc->job_status;
		str_ncpy(err, rc->job_err, sizeof(err));
		goto reply;
	}
	body = rest_body_json(rc);
	if (!body)
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST,
				      "body must be JSON");
	if (wrap) {
		struct json_object *w = json_object_new_object();

		if (!w) {
			json_object_put(body);
			return rest_reply_msg(conn,
					      MHD_HTTP_SERVICE_UNAVAILABLE,
					      "out of memory");
		}
		json_object_object_add(w, wrap, body);
		body = w;
	}
	rc->r = r;
	rc->conn = conn;
	status = update_call(r->app, sid, body, &rc->job, rest_job_done, rc,
			     err, sizeof(err));
	if (!status) {
		/* the owning loop answers through rest_job_done */
		json_object_put(body);
		list_append(&r->waits, &rc->wle, rc);
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	if (status == 404 && rest_fwd_start(r, conn, sid, rc, body)) {
		json_object_put(body);
		return MHD_YES;
	}
	json_object_put(body);
reply:
	if (status == 202)
		return rest_reply_msg(conn, MHD_HTTP_ACCEPTED, "accepted");
	/* a sip_request's answer: err holds {status, reason} */
	if (status == 200)
		return rest_reply(conn, status, rest_json_type, err,
				  strlen(err));
	return rest_reply_msg(conn, status, err);
}

/* POST /v1/enqueue/{sid}: jambonz's queue event from the instance of an
 * agent: "dequeue" takes the member out and tells it, with the agent's
 * relay (mediaAddress, docs/verbs.md); "hangup" needs nothing here */
static enum MHD_Result rest_enqueue(struct MHD_Connection *conn,
				    const char *sid, struct rest_conn *rc)
{
	struct json_object *body = rest_body_json(rc), *v;
	const char *ev = NULL, *media = NULL, *by = NULL;
	bool beep = false;
	char out[40];
	struct sa sa;
	int err;

	if (!json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST,
				      "body must be a JSON object");
	}
	if (json_object_object_get_ex(body, "event", &v))
		ev = json_object_get_string(v);
	if (json_object_object_get_ex(body, "mediaAddress", &v))
		media = json_object_get_string(v);
	if (json_object_object_get_ex(body, "beep", &v))
		beep = json_object_get_boolean(v);
	if (json_object_object_get_ex(body, "dequeuer", &v))
		by = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	if (ev && !strcmp(ev, "hangup")) {
		json_object_put(body);
		return rest_reply_msg(conn, MHD_HTTP_ACCEPTED, "accepted");
	}
	if (!ev || strcmp(ev, "dequeue") || !media ||
	    sa_decode(&sa, media, strlen(media))) {
		json_object_put(body);
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST,
				      "event must be dequeue with a "
				      "mediaAddress ip:port");
	}
	err = queue_take(NULL, sid, beep, by, media, out, sizeof(out));
	json_object_put(body);
	if (err)
		return rest_reply_msg(conn, MHD_HTTP_NOT_FOUND,
				      "no such call in a queue");
	fs_info("rest", "%s: dequeued by an agent of another instance", out);
	return rest_reply_msg(conn, MHD_HTTP_ACCEPTED, "accepted");
}

/* POST /v1/drain [{"exit": true}]: stop taking calls (and exit at zero) */
static enum MHD_Result rest_drain(struct rest *r, struct MHD_Connection *conn,
				  const struct rest_conn *rc)
{
	struct json_object *body = rest_body_json(rc), *v;
	bool exit_idle = false;

	if (rc->body && rc->body->end && !body)
		return rest_reply_msg(conn, MHD_HTTP_BAD_REQUEST,
				      "body must be JSON");
	if (body && json_object_object_get_ex(body, "exit", &v))
		exit_idle = json_object_get_boolean(v);
	json_object_put(body);
	life_drain(r->app->life, exit_idle);
	return rest_reply_msg(conn, MHD_HTTP_ACCEPTED,
			      exit_idle ? "draining; exit when idle"
					: "draining");
}

/* POST /v1/reload: as SIGHUP */
static enum MHD_Result rest_reload(struct rest *r, struct MHD_Connection *conn)
{
	char msg[512];
	int e = life_reload(r->app->life, msg, sizeof(msg));

	return rest_reply_msg(conn, e ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK,
			      msg);
}

static enum MHD_Result rest_route(struct rest *r, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  struct rest_conn *rc)
{
	if (!strncmp(url, "/v1/", 4)) {
		/* the key first: nothing of the API shows without it */
		if (!rest_authorized(r, conn))
			return rest_reply_msg(conn, MHD_HTTP_UNAUTHORIZED,
					      "unauthorized");
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			goto not_allowed;
		if (!strcmp(url, "/v1/createCall"))
			return rest_create_call(r, conn, rc);
		if (!strcmp(url, "/v1/drain"))
			return rest_drain(r, conn, rc);
		if (!strcmp(url, "/v1/reload"))
			return rest_reload(r, conn);
		if (!strncmp(url, "/v1/updateCall/", 15) && url[15])
			return rest_update_call(r, conn, url + 15, rc, NULL);
		if (!strncmp(url, "/v1/enqueue/", 12) && url[12])
			return rest_enqueue(conn, url + 12, rc);
		if (!strncmp(url, "/v1/conference/", 15) && url[15])
			return rest_update_call(r, conn, url + 15, rc,
						FS_EV_CONF_START);
		return rest_reply_msg(conn, MHD_HTTP_NOT_FOUND, "not found");
	}
	if (!strcmp(url, "/demo/gather")) {
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			goto not_allowed;
		return rest_demo(conn, rc);
	}
	if (!strcmp(url, "/") || !strcmp(url, "/health")) {
		if (!rest_is_read(method))
			goto not_allowed;
		return rest_health(r, conn);
	}
	if (!strcmp(url, "/metrics")) {
		if (!rest_is_read(method))
			goto not_allowed;
		return rest_metrics(r, conn, rc);
	}
	return rest_reply_msg(conn, MHD_HTTP_NOT_FOUND, "not found");

not_allowed:
	return rest_reply_msg(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			      "method not allowed");
}

static void rest_conn_destructor(void *arg)
{
	struct rest_conn *rc = arg;

	mem_deref(rc->body);
	mem_deref(rc->fwd);
	update_job_cancel(rc->job);
	loopstat_cancel(rc->stat);
	json_object_put(rc->stat_parts);
	outcall_create_cancel(rc->cc);
	mem_deref(rc->cc_callid);
	list_unlink(&rc->wle);
}

static enum MHD_Result rest_too_large(struct MHD_Connection *conn)
{
	return rest_reply_msg(conn, MHD_HTTP_CONTENT_TOO_LARGE,
			      "request body too large");
}

/* Collect the body (bounded), then route once it is complete */
static enum MHD_Result rest_access_h(void *cls, struct MHD_Connection *conn,
				     const char *url, const char *method,
				     const char *version,
				     const char *upload_data,
				     size_t *upload_data_size, void **con_cls)
{
	struct rest *r = cls;
	struct rest_conn *rc = *con_cls;
	const char *cl;

	(void)version;

	if (!rc) {
		rc = mem_zalloc(sizeof(*rc), rest_conn_destructor);
		if (!rc)
			return MHD_NO;
		*con_cls = rc;

		/* refuse before reading a body we would not keep; MHD
		 * then closes the connection instead of draining it */
		cl = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->max_body) {
			rc->too_large = true;
			return rest_too_large(conn);
		}
		return MHD_YES;
	}

	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (rc->too_large)
			return MHD_YES;
		rc->body_len += n;
		if (rc->body_len > r->max_body) {
			rc->too_large = true;
			rc->body = mem_deref(rc->body);
			return MHD_YES;
		}
		if (!rc->body)
			rc->body = mbuf_alloc(n);
		if (!rc->body ||
		    mbuf_write_mem(rc->body, (const uint8_t *)upload_data, n))
			return MHD_NO;
		return MHD_YES;
	}

	if (rc->too_large)
		return rest_too_large(conn);
	return rest_route(r, conn, url, method, rc);
}

static void rest_completed_h(void *cls, struct MHD_Connection *conn,
			     void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	*con_cls = mem_deref(*con_cls);
}

static void rest_destructor(void *arg)
{
	struct rest *r = arg;

	r->closing = true;
	if (r->epfd >= 0)
		fd_close(r->epfd);

	/* MHD refuses to stop with suspended connections: resume them */
	cluster_fwd_abort_all(r->app->cluster);
	while (r->waits.head) {
		struct rest_conn *rc = r->waits.head->data;

		if (rc->stat) {
			loopstat_cancel(rc->stat);
			rest_stat_done(NULL, rc);
			continue;
		}
		if (rc->cc_wait) {
			outcall_create_cancel(rc->cc);
			rest_created(503, NULL, NULL, "shutting down", rc);
			continue;
		}
		update_job_cancel(rc->job);
		rest_job_done(503, "shutting down", rc);
	}
	/* also closes the listening socket and every connection */
	if (r->mhd)
		MHD_stop_daemon(r->mhd);
	/* last: the resumes above must not leave a timer behind */
	tmr_cancel(&r->tmr);
}

static int rest_listen_socket(const struct sa *sa, int *fdp)
{
	int fd, on = 1, err;

	fd = socket(sa_af(sa), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, &sa->u.sa, sa->len) || listen(fd, REST_BACKLOG)) {
		err = errno;
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/**
 * Start the HTTP listener on addr:port inside the calling thread's re
 * loop.
 *
 * @param rp   Returns a new reference; mem_deref stops the listener
 * @param app  Application context (borrowed; must outlive the listener)
 * @param addr Listen address, IPv4 or IPv6 literal (NULL = 127.0.0.1)
 * @param port TCP port (0 = any free port)
 * @return 0, EINVAL, EADDRINUSE (or another bind error), ENOMEM, EIO
 */
int rest_alloc(struct rest **rp, struct app *app, const char *addr,
	       uint16_t port)
{
	const union MHD_DaemonInfo *info;
	struct rest *r;
	struct sa sa;
	int lfd = -1;
	int err;

	if (!rp || !app)
		return EINVAL;
	if (!addr || !*addr)
		addr = "127.0.0.1";
	err = sa_set_str(&sa, addr, port);
	if (err) {
		fs_error("rest", "bad listen address '%s'", addr);
		return EINVAL;
	}

	r = mem_zalloc(sizeof(*r), rest_destructor);
	if (!r)
		return ENOMEM;
	r->app = app;
	r->epfd = -1;
	r->max_body = REST_MAX_BODY;
	tmr_init(&r->tmr);
	list_init(&r->waits);

	err = rest_listen_socket(&sa, &lfd);
	if (err) {
		fs_error("rest", "cannot listen on %J: %m", &sa, err);
		goto out;
	}

	r->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, rest_access_h, r, MHD_OPTION_EXTERNAL_LOGGER,
		rest_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)REST_CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)REST_CONN_TIMEOUT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REST_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, rest_completed_h, r,
		MHD_OPTION_END);
	if (!r->mhd) {
		fs_error("rest", "cannot start HTTP daemon on %J", &sa);
		close(lfd);
		err = EIO;
		goto out;
	}

	info = MHD_get_daemon_info(r->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		fs_error("rest", "HTTP daemon has no epoll fd");
		err = EIO;
		goto out;
	}
	err = fd_listen(info->epoll_fd, FD_READ, rest_fd_h, r);
	if (err) {
		fs_error("rest", "fd_listen: %m", err);
		goto out;
	}
	r->epfd = info->epoll_fd;

	info = MHD_get_daemon_info(r->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info)
		sa_set_port(&sa, info->port);
	fs_info("rest", "listening on http://%J", &sa);
	rest_schedule(r);

out:
	if (err)
		mem_deref(r);
	else
		*rp = r;
	return err;
}
