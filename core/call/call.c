/**
 * @file call.c  A call's life: made, started, ended, freed
 *
 * One object for inbound (call_sip.c) and outbound (outcall.c) calls.
 * Teardown is deferred to a zero-delay timer so that no object is freed
 * inside a libre callback that still uses it.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "base/hist.h"
#include "base/cfg.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/uuid.h"
#include "call/call.h"
#include "call/session.h"
#include "call/ws_app.h"
#include "dir/directory.h"
#include "media/media.h"
#include "sip/leg.h"
#include "sip/sipcheck.h"
#include "sip/sipsafe.h"
#include "sip/stack.h"

static void call_destructor(void *data)
{
	struct fs_call *c = data;

	if (c->answer_ms)
		hist_observe(HIST_ANSWER, c->uac ? "outbound" : "inbound",
			     (c->answer_ms - c->start_ms) * 1000);
	tmr_cancel(&c->tmr_end);
	tmr_cancel(&c->tmr_dlg);
	directory_cancel(c->env->dir, c);
	list_unlink(&c->le);
	c->session = mem_deref(c->session);
	c->ws = mem_deref(c->ws);
	c->ws_gone = mem_deref(c->ws_gone);
	if (c->scope)
		fs_scope_close(c->scope);
	c->scope = mem_deref(c->scope);
	c->media = mem_deref(c->media);
	/* an outbound call's leg: its dialog, RTP ports and sockets */
	c->uac = mem_deref(c->uac);
	c->sess = mem_deref(c->sess);
	c->st = mem_deref(c->st);
	mem_deref(c->sdpm);
	mem_deref(c->sdp);
	mem_deref(c->invite);
	mem_deref(c->app);
	json_object_put(c->tag);
	json_object_put(c->synth);
	json_object_put(c->recog);
	mem_deref(c->callid);
	mem_deref(c->from_user);
	mem_deref(c->to_user);
	mem_deref(c->caller_name);
	mem_deref(c->final_reason);
	mem_deref(c->call_hook_base);
}

const char *call_status_name(const struct fs_call *c)
{
	switch (c->state) {
	case CALL_TRYING:
		return "trying";
	case CALL_EARLY:
		return c->early_media ? "early-media" : "ringing";
	case CALL_ANSWERED:
		return "in-progress";
	case CALL_ENDED:
	default:
		if (c->answer_ms)
			return "completed";
		if (c->final_scode == 487 || (c->uac && c->final_scode == 408))
			return "no-answer";
		/* busy is what the far end of an outbound call said; an
		 * inbound call rejected here (sip:decline, webhook error) is
		 * failed whatever the status, as jambonz reports it */
		if (c->uac && (c->final_scode == 486 || c->final_scode == 600))
			return "busy";
		return "failed";
	}
}

static void call_free_deferred(void *arg)
{
	struct fs_call *c = arg;

	list_unlink(&c->le);
	mem_deref(c);
}

/* The one place a call ends: SIP, media, session, status, list */
void call_terminate(struct fs_call *c, uint16_t scode, const char *reason,
		    const char *x_reason, const char *extra_hdrs)
{
	char rbuf[128], xbuf[512];

	if (c->closing)
		return;
	/* X-Reason quotes webhook text (verb and property names, URLs):
	 * escaped, so that it stays one header line */
	if (reason && !sipsafe_value(reason)) {
		sipsafe_clean(rbuf, sizeof(rbuf), reason);
		reason = rbuf;
	}
	if (x_reason) {
		sipsafe_clean(xbuf, sizeof(xbuf), x_reason);
		x_reason = xbuf;
	}
	c->closing = true;
	if (!c->termination_by)
		c->termination_by = "jambonz";

	session_stop(c->session);
	if (c->media)
		media_stream_stop(c->media);

	if (c->uac) {
		/* outbound: CANCEL while ringing, BYE once answered */
		if (c->state != CALL_ANSWERED) {
			c->final_scode = scode;
			(void)str_dup(&c->final_reason, reason);
		}
		if (!c->peer_term)
			leg_hangup(c->uac, extra_hdrs);
	} else if (c->state != CALL_ANSWERED) {
		c->final_scode = scode;
		(void)str_dup(&c->final_reason, reason);
		if (c->sess && !c->peer_term) {
			/* libre writes no Content-Length nor the blank line
			 * when given headers: they are ours to end */
			(void)sipsess_reject(
				c->sess, scode, reason,
				"%s%s%s%sContent-Length: 0\r\n\r\n",
				x_reason ? "X-Reason: " : "",
				x_reason ? x_reason : "",
				x_reason ? "\r\n" : "",
				extra_hdrs ? extra_hdrs : "");
		} else if (c->st) {
			(void)sip_treplyf(&c->st, NULL, c->env->stk->sip,
					  c->invite, false, scode, reason,
					  "%s%s%s%sContent-Length: 0\r\n\r\n",
					  x_reason ? "X-Reason: " : "",
					  x_reason ? x_reason : "",
					  x_reason ? "\r\n" : "",
					  extra_hdrs ? extra_hdrs : "");
		}
	} else if (c->sess && !c->peer_term && extra_hdrs) {
		(void)sipsess_set_close_headers(c->sess, "%s", extra_hdrs);
	}
	c->state = CALL_ENDED;

	fs_scope_emit(c->scope, FS_EV_HANGUP, NULL);
	fs_scope_close(c->scope);

	call_status(c, NULL);
	/* after the last call:status, which may go over it */
	ws_app_close(c->ws);
	fs_info("call", "%s: ended: %s (%s by %s)", c->sid,
		call_status_name(c), reason ? reason : "", c->termination_by);

	/* deref sends the BYE of an established dialog */
	c->sess = mem_deref(c->sess);
	c->st = mem_deref(c->st);
	if (c->started && c->env->eh)
		c->env->eh(c, CALL_EV_END, c->env->arg);
	tmr_start(&c->tmr_end, 0, call_free_deferred, c);
}

void call_list_ended(struct fs_call *c, bool media_failed)
{
	if (c->state == CALL_ANSWERED)
		call_terminate(c, 200, "OK", NULL, NULL);
	else if (media_failed)
		call_terminate(c, 480, "Temporarily Unavailable",
			       "media failed", NULL);
	else
		call_terminate(c, 603, "Decline", NULL, NULL);
}

void call_media_dtmf(char digit, void *arg)
{
	struct fs_call *c = arg;
	char d[2] = {digit, 0};

	fs_debug("call", "%s: DTMF %s", c->sid, d);
	fs_scope_emit(c->scope, FS_EV_DTMF, d);
}

/* RFC 3261 reason phrases: JAMBONES_WEBHOOK_ERROR_RETURN may be any
 * 4xx-6xx, and callers and SBCs log the phrase next to the code */
const char *call_reason_phrase(uint16_t scode)
{
	switch (scode) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 408:
		return "Request Timeout";
	case 480:
		return "Temporarily Unavailable";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 500:
		return "Server Internal Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Server Time-out";
	case 600:
		return "Busy Everywhere";
	case 603:
		return "Decline";
	default:
		return scode >= 600   ? "Global Failure"
		       : scode >= 500 ? "Server Error"
				      : "Request Failure";
	}
}

void call_reject_webhook(struct fs_call *c, const char *why)
{
	uint16_t scode = (uint16_t)c->env->stk->app->cfg->webhook_error_return;

	if (c->closing)
		return;
	if (c->state == CALL_ANSWERED) {
		fs_warn("call", "%s: hanging up: %s", c->sid, why);
		call_terminate(c, 200, "OK", NULL, NULL);
		return;
	}
	fs_warn("call", "%s: rejecting with %u: %s", c->sid, scode, why);
	call_terminate(c, scode, call_reason_phrase(scode), why, NULL);
}

static void call_max_duration(int err, const char *ev, void *data, void *arg)
{
	struct fs_call *c = arg;
	uint32_t secs = c->env->stk->app->cfg->max_call_duration_s;

	(void)err;
	(void)ev;
	(void)data;
	if (c->closing)
		return;
	SIPCHECK_COUNT(c->env->stk->app, max_duration);
	fs_warn("call", "%s: MAX_CALL_DURATION_SECS (%u) reached: hanging up",
		c->sid, secs);
	c->termination_by = "jambonz";
	if (c->state == CALL_ANSWERED) {
		(void)str_dup(&c->final_reason, "Max Call Duration Reached");
		call_terminate(c, 200, "OK", NULL,
			       "X-Reason: max call duration\r\n");
	} else {
		call_terminate(c, 480, "Temporarily Unavailable",
			       "max call duration", NULL);
	}
}

static int call_limit_duration(struct fs_call *c)
{
	uint32_t secs = c->env->stk->app->cfg->max_call_duration_s;

	if (!secs)
		return 0;
	return fs_scope_listen(c->scope, NULL, secs * 1000u, call_max_duration,
			       c, NULL);
}

int call_room(const struct app *app)
{
	uint32_t max = app->cfg->max_calls;

	if (app->draining)
		return ESHUTDOWN;
	if (max &&
	    __atomic_load_n(&app->calls_active, __ATOMIC_RELAXED) >= max)
		return EBUSY;
	return 0;
}

int call_alloc(struct fs_call **cp, struct call_env *env)
{
	struct fs_call *c;
	int err;

	if (!cp || !env)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return ENOMEM;
	tmr_init(&c->tmr_end);
	tmr_init(&c->tmr_dlg);
	list_init(&c->dlg_wait);
	c->env = env;
	c->start_ms = tmr_jiffies();
	uuid_v4(c->sid);
	rand_str(c->trace_id, sizeof(c->trace_id));
	err = scope_alloc_root(&c->scope, env->scopes, c->sid);
	if (!err)
		err = call_limit_duration(c);
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}

void call_start(struct fs_call *c)
{
	if (!c || c->started)
		return;
	c->started = true;
	list_append(&c->env->calls, &c->le, c);
	if (c->env->eh)
		c->env->eh(c, CALL_EV_START, c->env->arg);
}

struct fs_call *call_find(const struct call_env *env, const char *call_sid)
{
	struct le *le;

	if (!env || !call_sid)
		return NULL;
	LIST_FOREACH(&env->calls, le) {
		struct fs_call *c = le->data;

		if (!strcmp(c->sid, call_sid))
			return c;
	}
	return NULL;
}

void call_close_all(struct call_env *env)
{
	struct le *le;

	if (!env)
		return;
	le = list_head(&env->calls);
	while (le) {
		struct fs_call *c = le->data;

		le = le->next;
		if (!c->closing)
			fs_call_hangup(c, NULL);
	}
	/* calls free themselves from a zero-delay timer; drop them now */
	list_flush(&env->calls);
}
