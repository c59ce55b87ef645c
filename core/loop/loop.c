/**
 * @file loop.c  An event loop shard: SIP stack, media, requestor, calls
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "audio/audio.h"
#include "call/call.h"
#include "base/cfg.h"
#include "dir/directory.h"
#include "base/log.h"
#include "loop/loop.h"
#include "loop/registry.h"
#include "media/media.h"
#include "http/req.h"
#include "base/scope.h"
#include "base/worker.h"
#include "sip/sipcheck.h"
#include "sip/sipfwd.h"
#include "audio/tts.h"

/* Hash sizes measured in the libre notes: >= 16 K buckets at high rates */
#define LOOP_SIP_HASH  16384
#define LOOP_SESS_HASH 16384

static const char loop_allow[] =
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n";

static void loop_destructor(void *data)
{
	struct loop *l = data;

	loop_close(l);
	l->lsnr = mem_deref(l->lsnr);
	l->fwd = mem_deref(l->fwd);
	l->check = mem_deref(l->check);
	l->stk.sock = mem_deref(l->stk.sock);
	if (l->stk.sip)
		sip_close(l->stk.sip, true);
	l->stk.sip = mem_deref(l->stk.sip);
	l->env.audio = mem_deref(l->env.audio);
	l->env.tts = mem_deref(l->env.tts);
	l->stk.media = mem_deref(l->stk.media);
	l->env.dir = mem_deref(l->env.dir);
	l->env.req = mem_deref(l->env.req);
	l->env.scopes = mem_deref(l->env.scopes);
}

/* Requests no session took: OPTIONS, stray CANCEL/ACK, other methods */
static bool loop_sip_request(const struct sip_msg *msg, void *arg)
{
	struct loop *l = arg;

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		if (l->stk.app->draining)
			(void)sip_treplyf(NULL, NULL, l->stk.sip, msg, false,
					  503, "Service Unavailable",
					  "%sContent-Length: 0\r\n\r\n",
					  loop_allow);
		else
			(void)sip_treplyf(NULL, NULL, l->stk.sip, msg, false,
					  200, "OK",
					  "%sAccept: application/sdp\r\n"
					  "Content-Length: 0\r\n\r\n",
					  loop_allow);
		return true;
	}
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;
	if (!pl_strcmp(&msg->met, "CANCEL")) {
		(void)sip_treply(NULL, l->stk.sip, msg, 481,
				 "Call/Transaction Does Not Exist");
		return true;
	}
	if (!pl_strcmp(&msg->met, "BYE") || !pl_strcmp(&msg->met, "INFO")) {
		(void)sip_treply(NULL, l->stk.sip, msg, 481,
				 "Call/Transaction Does Not Exist");
		return true;
	}
	fs_info("sip", "%r from %J: 405", &msg->met, &msg->src);
	(void)sip_treplyf(NULL, NULL, l->stk.sip, msg, false, 405,
			  "Method Not Allowed", "%sContent-Length: 0\r\n\r\n",
			  loop_allow);
	return true;
}

static void loop_sip_conn(const struct sip_msg *msg, void *arg)
{
	struct loop *l = arg;

	call_inbound(&l->env, msg);
}

/* The loop keeps the counts of /metrics and the call_sid registry */
static void loop_call_event(struct fs_call *c, enum call_event ev, void *arg)
{
	struct loop *l = arg;
	struct app *app = l->stk.app;

	switch (ev) {
	case CALL_EV_START:
		__atomic_add_fetch(&app->calls_active, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&app->calls_total, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&app->loops[l->stk.idx].calls_active, 1,
				   __ATOMIC_RELAXED);
		__atomic_add_fetch(&app->loops[l->stk.idx].calls_total, 1,
				   __ATOMIC_RELAXED);
		registry_add(app->registry, c->sid, l->stk.idx);
		break;
	case CALL_EV_END:
		registry_del(app->registry, c->sid);
		__atomic_sub_fetch(&app->calls_active, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&app->loops[l->stk.idx].calls_active, 1,
				   __ATOMIC_RELAXED);
		break;
	}
}

struct loop_ifctx {
	struct loop *l;
	uint16_t port;
	int err;
	unsigned n;
	bool udp; /* the first loop: UDP and TCP; the others TCP only */
};

static bool loop_if_add(const char *ifname, const struct sa *sa, void *arg)
{
	struct loop_ifctx *x = arg;
	struct sa laddr = *sa;
	int err;

	(void)ifname;
	if (sa_af(sa) != AF_INET)
		return false;
	sa_set_port(&laddr, x->port);
	err = x->udp ? sip_transp_add(x->l->stk.sip, SIP_TRANSP_UDP, &laddr)
		     : 0;
	/* libre sets SO_REUSEPORT on its TCP listeners: every loop listens
	 * on the public port and the kernel spreads the connections */
	if (!err)
		err = sip_transp_add(x->l->stk.sip, SIP_TRANSP_TCP, &laddr);
	if (err) {
		fs_error("sip", "cannot listen on %J: %m", &laddr, err);
		x->err = err;
		return true;
	}
	x->n++;
	return false;
}

/* Listen on SIP_LISTEN: UDP and TCP (udp), or TCP only; addr returns
 * where, the default source address when SIP_LISTEN is 0.0.0.0 */
static int loop_sip_listen(struct loop *l, const char *listen, bool udp,
			   struct sa *addr)
{
	struct loop_ifctx x = {.l = l, .udp = udp};
	int err;

	err = sa_decode(addr, listen, strlen(listen));
	if (err) {
		fs_error("sip", "bad SIP_LISTEN '%s' (want address:port)",
			 listen);
		return EINVAL;
	}
	x.port = sa_port(addr);
	if (!sa_is_any(addr)) {
		(void)loop_if_add(NULL, addr, &x);
		return x.err;
	}
	/* bind each local IPv4 address rather than 0.0.0.0: libre builds
	 * Contact from the receiving socket's address */
	err = net_if_apply(loop_if_add, &x);
	if (!err && x.err)
		err = x.err;
	if (!err && !x.n)
		err = EADDRNOTAVAIL;
	if (!err)
		(void)net_default_source_addr_get(AF_INET, addr),
			sa_set_port(addr, x.port);
	return err;
}

int loop_alloc(struct loop **lp, struct app *app, unsigned idx)
{
	const struct cfg *cfg = app->cfg;
	struct req_conf rc;
	struct dir_conf dc;
	struct dir_hook call_hook = {0}, status_hook = {0};
	struct tts_conf tc;
	struct audio_conf ac;
	char why[512] = "", *demo = NULL;
	struct sa rtp_ip;
	uint32_t rtp_min, rtp_max;
	struct loop *l;
	int err;

	l = mem_zalloc(sizeof(*l), loop_destructor);
	if (!l)
		return ENOMEM;
	l->stk.app = app;
	l->stk.idx = idx;
	(void)re_snprintf(l->stk.cuser, sizeof(l->stk.cuser), "fs-%u", idx);
	list_init(&l->env.calls);
	l->env.stk = &l->stk;
	l->env.eh = loop_call_event;
	l->env.arg = l;

	err = scopemgr_alloc(&l->env.scopes, cfg->max_listeners);
	if (err)
		goto out;

	loop_req_conf(&rc, cfg);
	err = req_alloc(&l->env.req, &rc);
	if (err) {
		fs_error("loop", "requestor: %m", err);
		goto out;
	}

	call_hook.url = cfg->default_call_hook;
	call_hook.method = cfg->default_call_hook_method;
	call_hook.username = cfg->default_call_hook_username;
	call_hook.password = cfg->default_call_hook_password;
	status_hook.url = cfg->default_status_hook;
	status_hook.method = cfg->default_status_hook_method;
	status_hook.username = cfg->default_call_hook_username;
	status_hook.password = cfg->default_call_hook_password;
	(void)cfg_http_url(&demo, cfg, NULL);
	dc = (struct dir_conf){
		.file = cfg->directory_file,
		.call_hook = &call_hook,
		.status_hook = &status_hook,
		.secret = cfg->default_webhook_secret,
		.demo_base = demo,
		.pool = app->dbpool,
		.cache_ttl_ms = cfg->mysql_cache_ttl_ms,
		.enc_secret = *cfg->encryption_secret ? cfg->encryption_secret
						      : cfg->jwt_secret,
		.legacy_crypto = cfg->legacy_crypto,
	};
	err = directory_alloc(&l->env.dir, &dc, why, sizeof(why));
	mem_deref(demo);
	if (err) {
		fs_error("loop", "%s", why);
		goto out;
	}

	tc = (struct tts_conf){
		.default_vendor = cfg->tts_vendor,
		.default_voice = cfg->tts_voice,
		.default_lang = cfg->tts_language,
		.strict = cfg->tts_strict,
		.cache_bytes = (size_t)cfg->tts_cache_mb << 20,
		.max_queue = cfg->tts_max_queue,
		.req = l->env.req,
		.creds_file = cfg->speech_creds_file,
		.cloud_timeout_ms = cfg->tts_vendor_timeout_ms,
	};
	/* the lane now: a first call would otherwise add descriptors */
	if (app->workers) {
		err = worker_loop_attach(app->workers);
		if (err)
			goto out;
	}
	err = tts_alloc(&l->env.tts, app->workers, &tc);
	if (err) {
		fs_error("loop", "speech synthesis: %m", err);
		goto out;
	}
	ac = (struct audio_conf){
		.cache_bytes = (size_t)cfg->audio_cache_mb << 20,
		.max_file = (size_t)cfg->audio_max_file_mb << 20,
		.max_secs = cfg->audio_max_secs,
		.decode_ms = cfg->audio_decode_max_ms,
	};
	err = audiocache_alloc(&l->env.audio, l->env.req, app->workers, &ac);
	if (err)
		goto out;

	err = sip_alloc(&l->stk.sip, NULL, LOOP_SIP_HASH, LOOP_SIP_HASH,
			LOOP_SIP_HASH, "feature-server " FS_VERSION, NULL,
			NULL);
	if (!err)
		err = sipcheck_alloc(&l->check, &l->stk);
	if (err)
		goto out;
	if (idx == 0) {
		err = loop_sip_listen(l, cfg->sip_listen, true, &l->stk.addr);
	} else {
		struct sa pub;

		/* TCP on the public port beside the first loop (not when
		 * that port is picked at random: each bind would pick its
		 * own); UDP on a private port of the first loop's address */
		err = sa_decode(&pub, cfg->sip_listen,
				strlen(cfg->sip_listen));
		if (!err && sa_port(&pub))
			err = loop_sip_listen(l, cfg->sip_listen, false, &pub);
		if (err)
			goto out;
		sa_cpy(&l->stk.addr, &app->loop->stk.addr);
		sa_set_port(&l->stk.addr, 0);
		err = sip_transp_add(l->stk.sip, SIP_TRANSP_UDP, &l->stk.addr);
		if (!err)
			err = sip_transp_laddr(l->stk.sip, &l->stk.addr,
					       SIP_TRANSP_UDP, NULL);
		if (!err)
			app->loop_addr[idx] = l->stk.addr;
	}
	if (err)
		goto out;
	if (idx == 0 && app->nloops > 1) {
		err = sipfwd_alloc(&l->fwd, &l->stk, app->nloops,
				   app->loop_addr);
		if (err)
			goto out;
	}
	err = sipsess_listen(&l->stk.sock, l->stk.sip, LOOP_SESS_HASH,
			     loop_sip_conn, l);
	if (!err)
		err = sip_listen(&l->lsnr, l->stk.sip, true, loop_sip_request,
				 l);
	if (err)
		goto out;

	sa_init(&rtp_ip, AF_INET);
	if (!sa_is_any(&l->stk.addr) && strncmp(cfg->sip_listen, "0.0.0.0", 7))
		sa_cpy(&rtp_ip, &l->stk.addr);
	/* each loop its own even-aligned slice of the RTP range */
	{
		uint32_t n = app->nloops ? app->nloops : 1;
		uint32_t span =
			(cfg->rtp_port_max - cfg->rtp_port_min + 1) / n;

		span &= ~1u;
		rtp_min = cfg->rtp_port_min + idx * span;
		rtp_max =
			idx + 1 == n ? cfg->rtp_port_max : rtp_min + span - 1;
	}
	err = media_loop_alloc(&l->stk.media, &rtp_ip, (uint16_t)rtp_min,
			       (uint16_t)rtp_max);
	if (err) {
		fs_error("loop", "media: %m", err);
		goto out;
	}
	{
		enum media_source src = MEDIA_SRC_LATCH;

		(void)media_source_parse(cfg->rtp_source_check, &src);
		media_loop_set_source(l->stk.media, src);
	}
	if (idx == 0)
		fs_info("loop", "loop 0: SIP on %s (UDP, TCP), RTP %u-%u",
			cfg->sip_listen, rtp_min, rtp_max);
	else
		fs_info("loop",
			"loop %u: SIP on %J (UDP), %s (TCP), RTP %u-%u", idx,
			&l->stk.addr, cfg->sip_listen, rtp_min, rtp_max);
out:
	if (err)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

/* one area of loop_metrics(): a new object in doc, filled by fill */
static int loop_metrics_area(struct json_object *doc, const char *name,
			     struct json_object **op)
{
	struct json_object *o = json_object_new_object();

	if (!o || json_object_object_add(doc, name, o)) {
		json_object_put(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

int loop_metrics(const struct loop *l, struct json_object *doc)
{
	struct json_object *o;
	int err;

	if (!l || !doc)
		return EINVAL;
	err = loop_metrics_area(doc, "connections", &o);
	if (!err && l->env.req)
		err = req_metrics(l->env.req, o);
	if (!err)
		err = loop_metrics_area(doc, "listeners", &o);
	if (!err && l->env.scopes)
		err = scopemgr_metrics(l->env.scopes, o);
	if (!err)
		err = loop_metrics_area(doc, "media", &o);
	if (!err && l->stk.media)
		err = media_loop_metrics(l->stk.media, o);
	if (!err)
		err = loop_metrics_area(doc, "tts", &o);
	if (!err && l->env.tts)
		err = tts_metrics(l->env.tts, o);
	if (!err)
		err = loop_metrics_area(doc, "audio", &o);
	if (!err && l->env.audio)
		err = audiocache_metrics(l->env.audio, o);
	return err;
}

void loop_close(struct loop *l)
{
	if (l)
		call_close_all(&l->env);
}

void loop_reconf(struct loop *l, const struct cfg *cfg)
{
	struct req_conf rc;

	if (!l || !cfg)
		return;
	loop_req_conf(&rc, cfg);
	(void)req_reconf(l->env.req, &rc);
	scopemgr_set_max(l->env.scopes, cfg->max_listeners);
}

void loop_req_conf(struct req_conf *rc, const struct cfg *cfg)
{
	*rc = (struct req_conf){
		.poolsize = cfg->http_poolsize,
		.timeout_ms = cfg->http_timeout_ms,
		.cleanup_ms = cfg->pool_cleanup_ms,
		.max_body = cfg->http_max_body,
		.user_agent = cfg->http_user_agent,
		.pipelining = cfg->http_pipelining,
		.deny_nets = cfg->http_deny_nets,
	};
}
