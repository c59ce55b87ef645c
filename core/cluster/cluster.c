/**
 * @file cluster.c  Several instances: a call registry in Redis, and
 *                  updateCalls sent on to the instance owning the call
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "base/scope.h"
#include "cluster/cluster.h"
#include "cluster/redisreg.h"
#include "http/req.h"
#include "sip/sbcping.h"
#include "sip/stack.h"

/* an owner that takes longer than this is as good as gone */
#define CLUSTER_FWD_TIMEOUT_MS 5000

/* realtimedb-helpers: the call keys the api-server lists, their
 * lifetime (JAMBONES_MAX_CALL_LIFETIME and ..._AFTER_COMPLETED), the
 * feature server UUIDs sbc-outbound checks */
#define CLUSTER_CALL_SET     "active-call-sids"
#define CLUSTER_CALL_LIFE_S  "43200"
#define CLUSTER_CALL_AFTER_S "3600"
#define CLUSTER_FS_UUID_SET  "fsUUIDs"
#define CLUSTER_TICK_MS      1000
#define CLUSTER_ANNOUNCE_MS  30000

struct cluster {
	struct app *app;
	struct redisreg *rr;  /* shared call_sid -> instance, or NULL */
	struct sbcping *ping; /* OPTIONS to JAMBONES_SBCS, or NULL */
	struct tmr tmr;       /* the jambonz sets, on the first loop */
	uint64_t announce_at;
	bool listed;       /* in <cluster>:active-fs */
	bool jambonz;      /* jambonz keys too: JAMBONES_SBCS or MySQL */
	char *sip_addr;    /* host:port of the first loop's SIP */
	char *service_url; /* X-FS-ServiceUrl, <cluster>:fs-service-url */
	char *set_fs, *set_url;

	/* on the first loop only (the REST listener's) */
	struct list fwds;  /* pending cluster_fwd */
	uint64_t fwd_sent; /* updateCalls sent on to an owner */
	uint64_t fwd_done; /* ... that the owner answered      */
	uint64_t fwd_lost; /* ... whose owner was unreachable  */
};

/* An updateCall for a call of another instance, sent on to its owner */
struct cluster_fwd {
	struct le le; /* in cluster->fwds while pending */
	struct cluster *r;
	char sid[64];
	char *body; /* JSON sent on */
	struct redisreg_query *q;
	struct fs_scope *scope; /* the HTTP request to the owner */
	cluster_fwd_h *h;
	void *arg;
	uint16_t status;
	char *reply; /* the answer, JSON */
};

static void cluster_destructor(void *data)
{
	struct cluster *r = data;

	tmr_cancel(&r->tmr);
	r->ping = mem_deref(r->ping);
	/* after the worker pool (main_stop order): see redisreg_alloc */
	r->rr = mem_deref(r->rr);
	mem_deref(r->sip_addr);
	mem_deref(r->service_url);
	mem_deref(r->set_fs);
	mem_deref(r->set_url);
}

void cluster_call_add(struct cluster *cl, const char *sid)
{
	if (cl)
		redisreg_set(cl->rr, sid);
}

void cluster_call_del(struct cluster *cl, const char *sid)
{
	if (cl)
		redisreg_del(cl->rr, sid);
}

int cluster_alloc(struct cluster **clp, struct app *app)
{
	struct cluster *r;
	const struct cfg *cfg;
	struct redisreg_conf rc;
	char *self = NULL;
	size_t n;
	int err;

	if (!clp || !app || !app->cfg || !app->workers)
		return EINVAL;
	cfg = app->cfg;
	if ((!cfg->redis_host || !*cfg->redis_host) &&
	    (!cfg->jambonz_sbcs || !*cfg->jambonz_sbcs))
		return 0;
	r = mem_zalloc(sizeof(*r), cluster_destructor);
	if (!r)
		return ENOMEM;
	r->app = app;
	list_init(&r->fwds);
	tmr_init(&r->tmr);
	/* a registry shared by instances behind Kamailio alone keeps to
	 * its own keys */
	r->jambonz = (cfg->jambonz_sbcs && *cfg->jambonz_sbcs) ||
		     (cfg->mysql_host && *cfg->mysql_host);

	if (cfg->instance_rest_url && *cfg->instance_rest_url)
		err = str_dup(&self, cfg->instance_rest_url);
	else
		err = cfg_http_url(&self, cfg, NULL);
	if (err) {
		mem_deref(r);
		return err;
	}
	/* one spelling, so an owner recognises its own URL */
	n = strlen(self);
	while (n && self[n - 1] == '/')
		self[--n] = '\0';
	err = str_dup(&r->service_url, self);
	err |= re_sdprintf(&r->set_fs, "%s:active-fs", cfg->cluster_id);
	err |= re_sdprintf(&r->set_url, "%s:fs-service-url", cfg->cluster_id);
	if (err || !cfg->redis_host || !*cfg->redis_host) {
		mem_deref(self);
		if (err)
			mem_deref(r);
		else
			*clp = r;
		return err ? ENOMEM : 0;
	}

	rc = (struct redisreg_conf){
		.host = cfg->redis_host,
		.port = (uint16_t)cfg->redis_port,
		.ttl_s = cfg->redis_call_ttl,
		.self = self,
	};
	err = redisreg_alloc(&r->rr, app->workers, &rc);
	mem_deref(self);
	if (err) {
		fs_error("cluster", "Redis call registry: %m", err);
		mem_deref(r);
		return err;
	}
	*clp = r;
	return 0;
}

/* ---- jambonz's keys: the portal's live calls, the feature servers ---- */

static void cluster_cmd(struct cluster *r, unsigned argc,
			const char *const *argv)
{
	int err = redisreg_cmd(r->rr, argc, argv);

	if (err && err != ENOSPC)
		fs_warn("cluster", "%s %s: %m", argv[0], argv[1], err);
}

/* The instance in the sets jambonz reads, or out of them while
 * draining (sbc-sip-sidecar does the same from our OPTIONS). The UUID
 * stays until the end: sbc-outbound checks it on every leg, also of the
 * calls a draining server still runs. */
static void cluster_announce(struct cluster *r, bool open)
{
	const char *op = open ? "SADD" : "SREM";

	if (open)
		cluster_cmd(r, 3,
			    (const char *[]){op, CLUSTER_FS_UUID_SET,
					     r->app->fs_uuid});
	if (r->sip_addr)
		cluster_cmd(r, 3,
			    (const char *[]){op, r->set_fs, r->sip_addr});
	cluster_cmd(r, 3, (const char *[]){op, r->set_url, r->service_url});
	r->listed = open;
}

static void cluster_tick(void *arg)
{
	struct cluster *r = arg;
	bool draining = __atomic_load_n(&r->app->draining, __ATOMIC_RELAXED);
	uint64_t now = tmr_jiffies();

	tmr_start(&r->tmr, CLUSTER_TICK_MS, cluster_tick, r);
	if (draining) {
		if (r->listed) {
			fs_info("cluster", "draining: out of %s", r->set_fs);
			cluster_announce(r, false);
		}
		return;
	}
	/* again every 30 s, as jambonz does: Redis may have restarted */
	if (!r->listed || now >= r->announce_at) {
		cluster_announce(r, true);
		r->announce_at = now + CLUSTER_ANNOUNCE_MS;
	}
}

int cluster_start(struct cluster *r, struct sip_stack *stk)
{
	const struct cfg *cfg;
	int err = 0;

	if (!r || !stk)
		return r ? EINVAL : 0;
	cfg = r->app->cfg;
	if (re_sdprintf(&r->sip_addr, "%J", &stk->addr))
		return ENOMEM;
	if (cfg->jambonz_sbcs && *cfg->jambonz_sbcs) {
		struct sbcping_conf pc = {
			.sbcs = cfg->jambonz_sbcs,
			.interval_ms = cfg->options_ping_ms,
			.service_url = r->service_url,
		};

		err = sbcping_alloc(&r->ping, stk, &pc);
		if (err) {
			fs_error("cluster", "JAMBONES_SBCS: %m", err);
			return err;
		}
	}
	if (r->rr && r->jambonz)
		tmr_start(&r->tmr, 0, cluster_tick, r);
	return 0;
}

void cluster_stop(struct cluster *r)
{
	if (!r)
		return;
	tmr_cancel(&r->tmr);
	r->ping = mem_deref(r->ping);
	if (!r->rr || !r->jambonz)
		return;
	if (r->listed)
		cluster_announce(r, false);
	cluster_cmd(r, 3,
		    (const char *[]){"SREM", CLUSTER_FS_UUID_SET,
				     r->app->fs_uuid});
}

bool cluster_tracks_calls(const struct cluster *r)
{
	return r && r->rr && r->jambonz;
}

/* Our payload's names -> CallInfo.toJSON()'s, as updateCallStatus()
 * stores them; objects (customerData) are left out as it filters them */
static const char *const cluster_call_fields[][2] = {
	{"call_sid", "callSid"},
	{"direction", "direction"},
	{"from", "from"},
	{"to", "to"},
	{"call_id", "callId"},
	{"sbc_callid", "sbcCallid"},
	{"sip_status", "sipStatus"},
	{"sip_reason", "sipReason"},
	{"call_status", "callStatus"},
	{"account_sid", "accountSid"},
	{"trace_id", "traceId"},
	{"application_sid", "applicationSid"},
	{"fs_sip_address", "fsSipAddress"},
	{"originating_sip_ip", "originatingSipIp"},
	{"originating_sip_trunk_name", "originatingSipTrunkName"},
	{"call_termination_by", "callTerminationBy"},
	{"duration", "duration"},
};

void cluster_call_status(struct cluster *r, const struct json_object *p)
{
	const char *argv[2 + 2 * ARRAY_SIZE(cluster_call_fields) + 2];
	const char *acct, *sid;
	struct json_object *v;
	char *key = NULL, score[32];
	unsigned argc = 2;
	int32_t scode = 0;
	bool first;

	if (!cluster_tracks_calls(r) || !p)
		return;
	acct = json_object_object_get_ex(p, "account_sid", &v)
		       ? json_object_get_string(v)
		       : NULL;
	sid = json_object_object_get_ex(p, "call_sid", &v)
		      ? json_object_get_string(v)
		      : NULL;
	if (!acct || !*acct || !sid ||
	    re_sdprintf(&key, "call:%s:%s", acct, sid))
		return;
	if (json_object_object_get_ex(p, "sip_status", &v))
		scode = json_object_get_int(v);
	/* the first status: 100 Trying, or "trying" of a createCall whose
	 * application came after the far end answered */
	first = scode == 100 ||
		(json_object_object_get_ex(p, "call_status", &v) &&
		 !strcmp(json_object_get_string(v), "trying"));
	/* HMSET as realtimedb-helpers: any Redis version takes it */
	argv[0] = "HMSET";
	argv[1] = key;
	for (size_t i = 0; i < ARRAY_SIZE(cluster_call_fields); i++) {
		if (!json_object_object_get_ex(p, cluster_call_fields[i][0],
					       &v) ||
		    json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array) ||
		    json_object_is_type(v, json_type_null))
			continue;
		argv[argc++] = cluster_call_fields[i][1];
		argv[argc++] = json_object_get_string(v);
	}
	/* the owner's REST API, with the first status only, as jambonz */
	if (first) {
		argv[argc++] = "serviceUrl";
		argv[argc++] = r->service_url;
	}
	cluster_cmd(r, argc, argv);
	cluster_cmd(r, 3,
		    (const char *[]){"EXPIRE", key,
				     scode >= 200 ? CLUSTER_CALL_AFTER_S
						  : CLUSTER_CALL_LIFE_S});
	if (first) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		re_snprintf(score, sizeof(score), "%llu",
			    (unsigned long long)tv.tv_sec * 1000 +
				    (unsigned long long)tv.tv_usec / 1000);
		cluster_cmd(r, 4,
			    (const char *[]){"ZADD", CLUSTER_CALL_SET, score,
					     key});
	}
	mem_deref(key);
}

static void cluster_fwd_destructor(void *data)
{
	struct cluster_fwd *f = data;

	list_unlink(&f->le);
	redisreg_cancel(f->q);
	if (f->scope)
		fs_scope_close(f->scope);
	mem_deref(f->scope);
	mem_deref(f->body);
	mem_deref(f->reply);
}

/* Settle a forward and tell its owner (rest.c resumes the request) */
static void cluster_fwd_finish(struct cluster_fwd *f, uint16_t status,
			       const char *reply)
{
	cluster_fwd_h *h = f->h;
	struct json_object *o;

	if (!f->h)
		return;
	f->q = NULL;
	list_unlink(&f->le);
	f->status = status;
	if (reply && *reply) {
		(void)str_dup(&f->reply, reply);
	} else {
		o = json_object_new_object();
		if (o) {
			json_object_object_add(
				o, "msg",
				json_object_new_string(
					status < 300 ? "accepted" : "failed"));
			(void)str_dup(&f->reply,
				      json_object_to_json_string_ext(
					      o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		}
	}
	f->h = NULL;
	h(f->arg);
}

static void cluster_fwd_fail(struct cluster_fwd *f, uint16_t status,
			     const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "msg", json_object_new_string(msg));
	cluster_fwd_finish(
		f, status,
		o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)
		  : NULL);
	json_object_put(o);
}

static void cluster_fwd_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct cluster_fwd *f = arg;
	char msg[160];

	fs_debug("cluster", "%s: owner answered: %m (%u)", f->sid, err,
		 resp ? resp->status : 0);
	if (!err) {
		f->r->fwd_done++;
		cluster_fwd_finish(f, resp->status, resp->body);
		return;
	}
	f->r->fwd_lost++;
	if (err == ECONNREFUSED) {
		/* the owner is gone, and its calls with it: forget them */
		fs_warn("cluster", "%s: owner unreachable, call gone", f->sid);
		redisreg_del(f->r->rr, f->sid);
		re_snprintf(msg, sizeof(msg), "call %s not found", f->sid);
		cluster_fwd_fail(f, 404, msg);
		return;
	}
	fs_warn("cluster", "%s: owner did not answer: %m", f->sid, err);
	cluster_fwd_fail(f, 504, "the owning instance did not answer");
}

static void cluster_fwd_lookup(int err, const char *url, void *arg)
{
	struct cluster_fwd *f = arg;
	struct cluster *r = f->r;
	struct fs_req_opts opts = {0};
	struct fs_hook hook = {0};
	char *target = NULL, *hdrs = NULL, msg[160];
	const char *key = r->app->cfg->http_api_key;
	int e;

	f->q = NULL;
	if (err == ENOENT || (!err && !strcmp(url, redisreg_self(r->rr)))) {
		/* unknown, or ours and already over */
		re_snprintf(msg, sizeof(msg), "call %s not found", f->sid);
		cluster_fwd_fail(f, 404, msg);
		return;
	}
	if (err) {
		fs_warn("cluster", "%s: lookup failed: %m", f->sid, err);
		cluster_fwd_fail(f, 503, "call registry unavailable");
		return;
	}

	e = re_sdprintf(&target, "%s/v1/updateCall/%s", url, f->sid);
	if (!e)
		e = re_sdprintf(&hdrs, "%s: %s%s%s", CLUSTER_FWD_HEADER,
				redisreg_self(r->rr),
				key && *key ? "\nAuthorization: Bearer " : "",
				key && *key ? key : "");
	if (!e)
		e = scope_alloc_root(&f->scope, r->app->scopes, "updateCall");
	if (!e) {
		hook.url = target;
		hook.method = "POST";
		opts.body = f->body;
		opts.timeout_ms = CLUSTER_FWD_TIMEOUT_MS;
		e = req_send_hdrs(r->app->req, f->scope, &hook, &opts, hdrs,
				  cluster_fwd_resp, f);
	}
	if (!e) {
		fs_info("cluster", "%s: updateCall sent on to %s", f->sid,
			url);
		r->fwd_sent++;
	}
	mem_deref(target);
	mem_deref(hdrs);
	if (e) {
		fs_warn("cluster", "%s: cannot reach %s: %m", f->sid, url, e);
		cluster_fwd_fail(f, 503, "cannot reach the owning instance");
	}
}

int cluster_forward(struct cluster_fwd **fp, struct app *app, const char *sid,
		    const struct json_object *body, const char *forwarded_by,
		    cluster_fwd_h *h, void *arg)
{
	struct cluster *r;
	struct cluster_fwd *f;
	int err;

	if (!fp || !app || !sid || !body || !h)
		return EINVAL;
	r = app->cluster;
	if (!r || !r->rr)
		return ENOTSUP;
	/* one hop only: a stale entry must not bounce a request around */
	if (forwarded_by)
		return ENOENT;

	f = mem_zalloc(sizeof(*f), cluster_fwd_destructor);
	if (!f)
		return ENOMEM;
	f->r = r;
	f->h = h;
	f->arg = arg;
	str_ncpy(f->sid, sid, sizeof(f->sid));
	err = str_dup(&f->body, json_object_to_json_string_ext(
					(struct json_object *)body,
					JSON_C_TO_STRING_PLAIN));
	if (!err)
		err = redisreg_get(r->rr, sid, cluster_fwd_lookup, f, &f->q);
	if (err) {
		mem_deref(f);
		return err;
	}
	list_append(&r->fwds, &f->le, f);
	*fp = f;
	return 0;
}

void cluster_fwd_result(const struct cluster_fwd *f, uint16_t *status,
			const char **body)
{
	if (!f)
		return;
	if (status)
		*status = f->status ? f->status : 500;
	if (body)
		*body = f->reply ? f->reply : "{}";
}

void cluster_fwd_abort_all(struct cluster *r)
{
	struct le *le;

	if (!r)
		return;
	/* each finish unlinks its forward: the loop ends */
	while ((le = list_head(&r->fwds))) {
		struct cluster_fwd *f = le->data;

		redisreg_cancel(f->q);
		f->q = NULL;
		if (f->scope)
			fs_scope_close(f->scope);
		cluster_fwd_fail(f, 503, "shutting down");
		list_unlink(&f->le);
	}
}

int cluster_metrics(const struct cluster *r, struct json_object *obj)
{
	struct json_object *o;
	int err = 0;

	if (!obj)
		return EINVAL;
	if (r && r->ping) {
		uint64_t sent, answered;

		sbcping_counts(r->ping, &sent, &answered);
		o = json_object_new_object();
		if (!o || json_object_object_add(obj, "sbc_pings", o)) {
			json_object_put(o);
			return ENOMEM;
		}
		err |= json_object_object_add(
			o, "sent", json_object_new_int64((int64_t)sent));
		err |= json_object_object_add(
			o, "answered",
			json_object_new_int64((int64_t)answered));
	}
	if (!r || !r->rr)
		return err ? ENOMEM : 0;
	o = json_object_new_object();
	if (!o || json_object_object_add(obj, "redis", o)) {
		json_object_put(o);
		return ENOMEM;
	}
	err = redisreg_metrics(r->rr, o);
	o = json_object_new_object();
	if (!o || json_object_object_add(obj, "forwarded", o)) {
		json_object_put(o);
		return ENOMEM;
	}
	err |= json_object_object_add(
		o, "sent", json_object_new_int64((int64_t)r->fwd_sent));
	err |= json_object_object_add(
		o, "answered", json_object_new_int64((int64_t)r->fwd_done));
	err |= json_object_object_add(
		o, "unreachable", json_object_new_int64((int64_t)r->fwd_lost));
	return err ? ENOMEM : 0;
}

struct redisreg *cluster_redis(const struct cluster *cl)
{
	return cl ? cl->rr : NULL;
}
