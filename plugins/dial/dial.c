/**
 * @file dial.c  The dial verb: call out and bridge the caller
 *
 * Ring up to ten targets at once; the first to answer is bridged
 * with the caller and the others are cancelled. The outcome goes to
 * the actionHook (dial_call_status, dial_sip_status, dial_call_sid,
 * dial_sbc_callid); the verb list goes on when the bridge ends.
 * A listen (or stream) property streams the bridged call, as jambonz's
 * nested listen, from the answer to the bridge's end (the core's listen
 * service, fs/fs_listen.h): its metadata carries the answered leg's
 * fields, its actionHook's answer is not acted on. A transcribe
 * property transcribes both parties of the bridge, each its own channel
 * (the core's transcription service, fs/fs_stt.h), as jambonz's nested
 * transcribe.
 * Duplicate targets ring once; the verb's proxy is each target's unless
 * it names its own. dialMusic plays to the caller while the targets
 * ring; a confirmHook runs on an answered target before it may win
 * (dial_confirm.c); dtmfCapture's digits go to the dtmfHook
 * (dial_dtmf.c); whisper plays to one party (dial_say.c). A caller
 * hanging up mid-bridge still gets the actionHook, as in jambonz.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include <fs/fs_stt.h>
#include "dial.h"
#include "schema.h"

static void dial_destructor(void *arg)
{
	struct dial *d = arg;

	d->whisper = mem_deref(d->whisper);
	for (size_t i = 0; i < d->n; i++) {
		dial_confirm_stop(&d->targets[i]);
		json_object_put(d->targets[i].spec);
	}
	fs_listen_stop(d->listen);
	d->listen = mem_deref(d->listen);
	d->transcribe = mem_deref(d->transcribe);
}

const char *dial_verb(const struct json_object *v,
		      const struct json_object **datap)
{
	struct json_object *x;

	*datap = NULL;
	if (!json_object_is_type(v, json_type_object))
		return NULL;
	if (json_object_object_get_ex(v, "verb", &x)) {
		*datap = v;
		return json_object_get_string(x);
	}
	if (json_object_object_length(v) != 1)
		return NULL;
	json_object_object_foreach((struct json_object *)v, k, val)
	{
		if (!json_object_is_type(val, json_type_object))
			return NULL;
		*datap = val;
		return k;
	}
	return NULL;
}

/* The actionHook's fields; scode 0 leaves dial_sip_status out */
static struct json_object *dial_results(struct dial *d, const char *status,
					uint16_t scode)
{
	struct json_object *r = json_object_new_object();

	if (!r)
		return NULL;
	json_object_object_add(r, "dial_call_status",
			       json_object_new_string(status));
	if (scode)
		json_object_object_add(r, "dial_sip_status",
				       json_object_new_int(scode));
	if (d->win_sid[0])
		json_object_object_add(r, "dial_call_sid",
				       json_object_new_string(d->win_sid));
	if (d->win_callid[0])
		json_object_object_add(r, "dial_sbc_callid",
				       json_object_new_string(d->win_callid));
	return r;
}

static void dial_finish(struct dial *d, const char *status, uint16_t scode)
{
	struct json_object *r, *hook = NULL;

	if (d->ended)
		return;
	d->ended = true;
	/* the stream is the bridge's: it ends before the actionHook */
	fs_listen_stop(d->listen);
	fs_transcribe_stop(d->transcribe);
	d->whisper = mem_deref(d->whisper);
	r = dial_results(d, status, scode);
	fs_info("dial", "%s: dial %s (%u)", fs_call_sid(d->call), status,
		scode);
	(void)json_object_object_get_ex(fs_task_data(d->t), "actionHook",
					&hook);
	fs_task_done(d->t, 0, hook, r);
}

static void dial_time_limit(int err, const char *ev, void *data, void *arg)
{
	struct dial *d = arg;

	(void)err;
	(void)ev;
	(void)data;
	if (d->winner)
		fs_leg_hangup(d->winner->leg);
	dial_finish(d, "completed", 200);
}

static void dial_add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* The answered leg's fields, as jambonz gives a nested listen its
 * dial's call (sd.callInfo): an outbound call, child of the caller's */
static struct json_object *dial_leg_info(struct dial *d,
					 const struct dial_target *dt)
{
	struct json_object *o = fs_call_info(d->call), *v;
	const char *to = NULL;

	if (!o)
		return NULL;
	if (json_object_object_get_ex(dt->spec, "number", &v) ||
	    json_object_object_get_ex(dt->spec, "sipUri", &v) ||
	    json_object_object_get_ex(dt->spec, "name", &v))
		to = json_object_get_string(v);
	dial_add_str(o, "parentCallSid", fs_call_sid(d->call));
	dial_add_str(o, "callSid", fs_leg_sid(dt->leg));
	dial_add_str(o, "callId", fs_leg_callid(dt->leg));
	dial_add_str(o, "direction", "outbound");
	dial_add_str(o, "to", to);
	dial_add_str(o, "callStatus", "in-progress");
	json_object_object_add(o, "sipStatus", json_object_new_int(200));
	return o;
}

/* listen (or stream): the bridged call to a WebSocket server, caller
 * on the left, the answered target on the right in stereo */
static void dial_listen(struct dial *d, const struct dial_target *dt)
{
	const struct json_object *data = fs_task_data(d->t);
	struct fs_listen_opts o = {.post_hook = true};
	struct json_object *spec;
	int err;

	if (!json_object_object_get_ex(data, "listen", &spec) &&
	    !json_object_object_get_ex(data, "stream", &spec))
		return;
	o.info = dial_leg_info(d, dt);
	err = fs_listen_start(&d->listen, d->call, fs_task_scope(d->t), spec,
			      &o, NULL, NULL);
	json_object_put((struct json_object *)o.info);
	if (err)
		fs_warn("dial", "%s: nested listen not started: %m",
			fs_call_sid(d->call), err);
}

/* transcribe: both parties of the bridge, channel 1 the caller and 2
 * the target, until the bridge ends */
static void dial_transcribe(struct dial *d)
{
	struct json_object *spec;
	int err;

	if (!json_object_object_get_ex(fs_task_data(d->t), "transcribe",
				       &spec))
		return;
	err = fs_transcribe_start(&d->transcribe, d->call, fs_task_scope(d->t),
				  spec, true, NULL, NULL);
	if (err && err != ENOKEY)
		fs_warn("dial", "%s: nested transcribe not started: %m",
			fs_call_sid(d->call), err);
}

/* The caller hung up or a new verb list came: the vendors are told the
 * audio is over before the task's scope takes their sockets */
static void dial_cancel(struct fs_task *t)
{
	struct dial *d = fs_task_state(t);

	if (d)
		fs_transcribe_stop(d->transcribe);
}

static const struct json_object *
dial_confirm_hook(const struct dial_target *dt)
{
	struct json_object *v;

	if (json_object_object_get_ex(dt->spec, "confirmHook", &v))
		return v;
	return dt->d->confirm_hook;
}

/* A target answered, then declined or gone: the actionHook reports it
 * (its leg's call_sid and SBC Call-ID too) unless a later leg fails */
static void dial_set_last(struct dial *d, const struct dial_target *dt,
			  const char *status, uint16_t scode)
{
	d->last_status = status;
	d->last_status_scode = scode;
	str_ncpy(d->win_sid, fs_leg_sid(dt->leg), sizeof(d->win_sid));
	str_ncpy(d->win_callid,
		 fs_leg_callid(dt->leg) ? fs_leg_callid(dt->leg) : "",
		 sizeof(d->win_callid));
}

/* Every target failed: the outcome of the last, busy if any was */
static void dial_all_failed(struct dial *d, uint16_t scode)
{
	if (d->last_status)
		dial_finish(d, d->last_status, d->last_status_scode);
	else if (d->any_busy)
		dial_finish(d, "busy", 486);
	else if (scode == 487 || scode == 408)
		dial_finish(d, "no-answer", scode);
	else
		dial_finish(d, "failed", scode);
}

static void dial_leg_failed(struct dial_target *dt, uint16_t scode)
{
	struct dial *d = dt->d;

	dt->done = true;
	dial_confirm_stop(dt);
	if (d->early == dt)
		d->early = NULL;
	if (scode == 486 || scode == 600)
		d->any_busy = true;
	d->last_scode = scode;
	/* as jambonz's, which a completed leg's status locks */
	if (d->last_status && strcmp(d->last_status, "completed")) {
		d->last_status = NULL;
		d->win_sid[0] = d->win_callid[0] = '\0';
	}
	if (--d->pending == 0 && !d->winner)
		dial_all_failed(d, scode);
}

void dial_decline(struct dial_target *dt, const char *why)
{
	struct dial *d = dt->d;

	if (dt->done || d->ended)
		return;
	fs_info("dial", "%s: target %s declined: %s", fs_call_sid(d->call),
		fs_leg_sid(dt->leg), why);
	if (!d->last_status || strcmp(d->last_status, "completed"))
		dial_set_last(d, dt, "in-progress", 200);
	fs_leg_hangup(dt->leg);
	dt->done = true;
	dial_confirm_stop(dt);
	if (--d->pending == 0 && !d->winner)
		dial_all_failed(d, d->last_scode ? d->last_scode : 487);
}

/* child_call_hook: the bridged leg runs the hook's verbs as a call of
 * its own; the dial ends (completed), as jambonz's kills its task once
 * the child adulted */
static void dial_adopt(struct dial *d, struct fs_dial_cmd *cmd)
{
	struct dial_target *w = d->winner;
	int err;

	if (d->ended || !w || w->done) {
		cmd->err = ENOTCONN;
		str_ncpy(cmd->why, "the dial is not bridged",
			 sizeof(cmd->why));
		return;
	}
	d->whisper = mem_deref(d->whisper);
	fs_listen_stop(d->listen);
	fs_transcribe_stop(d->transcribe);
	fs_call_unbridge(d->call);
	err = fs_leg_adopt(w->leg, cmd->data);
	if (err) {
		cmd->err = err;
		str_ncpy(cmd->why,
			 err == EINVAL
				 ? "give a URL or {url}"
				 : "the bridged leg cannot be handed over",
			 sizeof(cmd->why));
		(void)fs_call_bridge(d->call, w->leg);
		return;
	}
	w->done = true;
	fs_info("dial", "%s: the bridged leg %s has an application of its own",
		fs_call_sid(d->call), d->win_sid);
	dial_finish(d, "completed", 200);
}

/* A command for the bridge (updateCall, WebSocket), fs_leg.h */
static void dial_cmd(int err, const char *ev, void *data, void *arg)
{
	struct fs_dial_cmd *cmd = data;
	struct dial *d = arg;

	(void)err;
	(void)ev;
	if (!strcmp(cmd->cmd, "whisper")) {
		dial_whisper(d, cmd);
		return;
	}
	if (!strcmp(cmd->cmd, "leg")) {
		if (!d->ended && d->winner && !d->winner->done &&
		    cmd->call_sid &&
		    !strcmp(cmd->call_sid, fs_leg_sid(d->winner->leg)))
			cmd->leg = d->winner->leg;
		return;
	}
	dial_adopt(d, cmd);
}

/* The task's scope closes while bridged: the caller hung up (or the
 * verb list was replaced). jambonz's dial still posts its actionHook,
 * its leg's completed status carrying no SIP status */
static void dial_caller_gone(void *arg)
{
	struct dial *d = arg;
	struct json_object *hook = NULL, *r;

	if (d->ended || !d->winner)
		return;
	d->ended = true;
	fs_listen_stop(d->listen);
	fs_info("dial", "%s: the bridge ends with the task",
		fs_call_sid(d->call));
	if (!json_object_object_get_ex(fs_task_data(d->t), "actionHook",
				       &hook))
		return;
	r = dial_results(d, "completed", 0);
	if (r && !fs_call_alive(d->call))
		json_object_object_add(r, "call_status",
				       json_object_new_string("completed"));
	(void)fs_call_final_hook(d->call, hook, r);
}

/* A REFER of the bridged target waiting for the referHook's answer */
struct dial_refer {
	struct fs_leg_refer *r;
	struct fs_listener *bind;
};

static void dial_refer_destructor(void *arg)
{
	struct dial_refer *dr = arg;

	fs_listener_cancel(dr->bind);
	mem_deref(dr->r); /* 500 when never answered */
}

static void dial_refer_release(void *arg)
{
	struct dial_refer *dr = arg;

	dr->bind = NULL;
	mem_deref(dr);
}

/* jambonz answers 202 once the hook answered, 501 when it failed; verbs
 * in its answer are not run here */
static void dial_refer_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct dial_refer *dr = arg;

	if (err || resp->status < 200 || resp->status > 299) {
		fs_leg_refer_reply(dr->r, 501, NULL);
	} else {
		fs_leg_refer_reply(dr->r, 202, "Accepted");
		if (resp->len > 2)
			fs_info("dial",
				"referHook answered verbs: not run on the "
				"bridge");
	}
	mem_deref(dr);
}

/* A REFER of the callee (leg) or, leg NULL, of the caller: the
 * referHook gets the fields of the party that sent it, as jambonz's
 * handleRefer (the child's, or the caller's callInfo) */
static uint16_t dial_refer_post(struct dial *d, struct fs_leg_refer *r,
				struct fs_leg *leg)
{
	struct fs_scope *sc = fs_task_scope(d->t);
	struct json_object *hook, *f, *det;
	struct dial_refer *dr;
	const char *caller = fs_call_sid(d->call);
	int err;

	if (d->ended || !d->winner || d->winner->done ||
	    !json_object_object_get_ex(fs_task_data(d->t), "referHook", &hook))
		return 501;
	det = fs_leg_refer_details(r);
	f = json_object_new_object();
	dr = mem_zalloc(sizeof(*dr), dial_refer_destructor);
	if (!det || !f || !dr) {
		json_object_put(det);
		json_object_put(f);
		mem_deref(dr);
		return 500;
	}
	/* the party that sent it refers, the other one is referred */
	json_object_object_add(
		det, "referring_call_sid",
		json_object_new_string(leg ? fs_leg_sid(leg) : caller));
	json_object_object_add(
		det, "referred_call_sid",
		json_object_new_string(leg ? caller
					   : fs_leg_sid(d->winner->leg)));
	json_object_object_add(f, "refer_details", det);
	dr->r = mem_ref(r);
	err = fs_scope_bind(sc, dial_refer_release, dr, &dr->bind);
	if (err)
		json_object_put(f);
	else if (leg)
		err = fs_leg_hook(leg, sc, "verb:hook", hook, f,
				  dial_refer_resp, dr);
	else
		err = fs_call_hook(d->call, sc, "verb:hook", hook, f,
				   dial_refer_resp, dr);
	if (err) {
		fs_warn("dial", "%s: referHook not sent: %m",
			leg ? fs_leg_sid(leg) : caller, err);
		fs_leg_refer_reply(r, 501, NULL);
		mem_deref(dr);
		return 0;
	}
	fs_info("dial", "%s: REFER from the %s, referHook sent",
		leg ? fs_leg_sid(leg) : caller, leg ? "callee" : "caller");
	return 0;
}

static uint16_t dial_refer(struct fs_leg *leg, struct fs_leg_refer *r,
			   void *arg)
{
	return dial_refer_post(arg, r, leg);
}

/* The caller's REFER while bridged (FS_EV_CALL_REFER) */
static void dial_caller_refer(int err, const char *ev, void *data, void *arg)
{
	struct fs_call_refer *cr = data;

	(void)err;
	(void)ev;
	cr->scode = dial_refer_post(arg, cr->r, NULL);
}

static void dial_caller_hold_ev(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	dial_caller_hold(arg, data);
}

void dial_accept(struct dial_target *dt)
{
	struct dial *d = dt->d;
	struct fs_scope *sc = fs_task_scope(d->t);

	if (d->winner || d->ended || dt->done)
		return;
	d->winner = dt;
	str_ncpy(d->win_sid, fs_leg_sid(dt->leg), sizeof(d->win_sid));
	if (fs_leg_callid(dt->leg))
		str_ncpy(d->win_callid, fs_leg_callid(dt->leg),
			 sizeof(d->win_callid));
	/* first to answer wins: cancel the others */
	for (size_t i = 0; i < d->n; i++) {
		struct dial_target *o = &d->targets[i];

		if (o != dt && o->leg && !o->done) {
			dial_confirm_stop(o);
			fs_leg_hangup(o->leg);
			o->done = true;
			d->pending--;
		}
	}
	/* the bridge stops dialMusic */
	if (fs_call_answer(d->call) || fs_call_bridge(d->call, dt->leg)) {
		fs_leg_hangup(dt->leg);
		dial_finish(d, "failed", 500);
		return;
	}
	dial_listen(d, dt);
	dial_transcribe(d);
	dial_dtmf_start(d, dt);
	if (dial_has(d, "onHoldHook")) {
		fs_leg_set_hold(dt->leg, dial_hold, d);
		(void)fs_scope_listen(sc, FS_EV_CALL_HOLD, 0,
				      dial_caller_hold_ev, d, NULL);
	}
	if (dial_has(d, "referHook")) {
		fs_leg_set_refer(dt->leg, dial_refer, d);
		(void)fs_scope_listen(sc, FS_EV_CALL_REFER, 0,
				      dial_caller_refer, d, NULL);
	}
	(void)fs_scope_listen(sc, FS_EV_DIAL_CMD, 0, dial_cmd, d, NULL);
	(void)fs_scope_bind(sc, dial_caller_gone, d, NULL);
	if (d->time_limit_ms)
		(void)fs_scope_listen(sc, NULL, d->time_limit_ms,
				      dial_time_limit, d, NULL);
}

static void dial_leg_event(struct fs_leg *leg, enum fs_leg_event ev,
			   uint16_t scode, const char *reason, void *arg)
{
	struct dial_target *dt = arg;
	struct dial *d = dt->d;

	(void)leg;
	(void)reason;
	if (d->ended || dt->done)
		return;

	switch (ev) {
	case FS_LEG_RINGING:
		if (d->answer_on_bridge && !d->winner)
			(void)fs_call_ring(d->call);
		break;

	case FS_LEG_EARLY:
		/* the caller hears the callee's ringback or announcement */
		if (d->answer_on_bridge && !d->winner && !d->early &&
		    !dial_has(d, "dialMusic") &&
		    !fs_call_early_media(d->call) &&
		    !fs_call_bridge(d->call, dt->leg))
			d->early = dt;
		break;

	case FS_LEG_ANSWERED:
		if (d->winner) {
			fs_leg_hangup(dt->leg);
			dt->done = true;
			break;
		}
		/* a confirmHook's verbs run on it before it may win, as
		 * the others go on ringing */
		if (dial_confirm_hook(dt)) {
			dial_confirm_start(dt);
			break;
		}
		dial_accept(dt);
		break;

	case FS_LEG_FAILED:
		dial_leg_failed(dt, scode);
		break;

	case FS_LEG_ENDED:
		dt->done = true;
		dial_confirm_stop(dt);
		if (dt == d->winner) {
			dial_finish(d, "completed", 200);
			break;
		}
		/* it hung up during its confirmHook: jambonz's completed,
		 * without a SIP status */
		dial_set_last(d, dt, "completed", 0);
		if (--d->pending == 0 && !d->winner)
			dial_all_failed(d, d->last_scode);
		break;
	}
}

static uint32_t dial_ms(const struct json_object *data, const char *key,
			uint32_t def)
{
	struct json_object *v;
	double secs;

	if (!json_object_object_get_ex(data, key, &v))
		return def;
	secs = json_object_get_double(v);
	return fs_secs_ms(secs, def, 86400000u);
}

bool dial_has(const struct dial *d, const char *key)
{
	return json_object_object_get_ex(fs_task_data(d->t), key, NULL);
}

/* Two targets ring the same party, as jambonz's compareTasks: the same
 * type and number (phone, teams), name (user) or sipUri (sip) */
static bool dial_same(const struct json_object *a, const struct json_object *b)
{
	static const struct {
		const char *type, *key;
	} keys[] = {{"phone", "number"},
		    {"teams", "number"},
		    {"user", "name"},
		    {"sip", "sipUri"}};
	struct json_object *ta, *tb, *va, *vb;

	if (!json_object_object_get_ex(a, "type", &ta) ||
	    !json_object_object_get_ex(b, "type", &tb) ||
	    strcmp(json_object_get_string(ta), json_object_get_string(tb)))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(json_object_get_string(ta), keys[i].type))
			continue;
		if (!json_object_object_get_ex(a, keys[i].key, &va) ||
		    !json_object_object_get_ex(b, keys[i].key, &vb))
			return !json_object_object_get_ex(a, keys[i].key,
							  NULL) &&
			       !json_object_object_get_ex(b, keys[i].key,
							  NULL);
		return !strcmp(json_object_get_string(va),
			       json_object_get_string(vb));
	}
	return false;
}

static bool dial_seen(const struct json_object *targets, size_t i)
{
	const struct json_object *t = json_object_array_get_idx(targets, i);

	for (size_t j = 0; j < i; j++)
		if (dial_same(json_object_array_get_idx(targets, j), t))
			return true;
	return false;
}

/* The target as dialled: the verb's proxy where it names none, as
 * jambonz sends every leg through the dial's proxy (a new reference) */
static struct json_object *dial_spec(const struct json_object *data,
				     struct json_object *target)
{
	struct json_object *proxy, *o;

	if (!json_object_object_get_ex(data, "proxy", &proxy) ||
	    json_object_object_get_ex(target, "proxy", NULL) ||
	    !json_object_is_type(target, json_type_object))
		return json_object_get(target);
	o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_foreach(target, k, v)
	{
		json_object_object_add(o, k, json_object_get(v));
	}
	json_object_object_add(o, "proxy", json_object_get(proxy));
	return o;
}

static void dial_music_done(int err, uint64_t samples, void *arg)
{
	(void)err;
	(void)samples;
	(void)arg;
}

static void dial_music_audio(int err, struct fs_audio *audio, void *arg)
{
	struct dial *d = arg;
	struct fs_play_opts po = {.loops = 1};

	if (err) {
		fs_warn("dial", "%s: dialMusic not played: %m",
			fs_call_sid(d->call), err);
		return;
	}
	/* the targets may have answered while it was fetched */
	if (d->winner || d->ended)
		return;
	err = fs_call_play(d->call, fs_task_scope(d->t), audio, &po,
			   dial_music_done, d);
	if (err)
		fs_warn("dial", "%s: dialMusic not played: %m",
			fs_call_sid(d->call), err);
}

/* dialMusic: played to the caller while the targets ring (as early
 * media with answerOnBridge); the bridge stops it */
static void dial_music(struct dial *d, const struct json_object *data)
{
	struct json_object *v;
	int err;

	if (!json_object_object_get_ex(data, "dialMusic", &v) ||
	    !json_object_get_string_len(v))
		return;
	if (d->answer_on_bridge && !fs_call_answered(d->call)) {
		err = fs_call_early_media(d->call);
		if (err) {
			fs_warn("dial", "%s: no early media for dialMusic: %m",
				fs_call_sid(d->call), err);
			return;
		}
	}
	err = fs_call_audio(d->call, fs_task_scope(d->t),
			    json_object_get_string(v), dial_music_audio, d);
	if (err)
		fs_warn("dial", "%s: dialMusic not fetched: %m",
			fs_call_sid(d->call), err);
}

static int dial_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *targets, *v, *headers = NULL;
	struct fs_leg_opts o = {0};
	struct dial *d;
	char why[256];
	size_t n;
	int err;

	d = mem_zalloc(sizeof(*d), dial_destructor);
	if (!d)
		return ENOMEM;
	d->t = t;
	d->call = fs_task_call(t);
	fs_task_set_state(t, d);

	if (json_object_object_get_ex(data, "answerOnBridge", &v))
		d->answer_on_bridge = json_object_get_boolean(v);
	if (json_object_object_get_ex(data, "confirmHook", &v))
		d->confirm_hook = v;
	d->time_limit_ms = dial_ms(data, "timeLimit", 0);
	o.timeout_ms = dial_ms(data, "timeout", 60000);
	if (json_object_object_get_ex(data, "callerId", &v))
		o.caller_id = json_object_get_string(v);
	if (json_object_object_get_ex(data, "callerName", &v))
		o.caller_name = json_object_get_string(v);
	(void)json_object_object_get_ex(data, "headers", &headers);
	o.headers = headers;
	dial_dtmf_setup(d, data);

	/* without answerOnBridge the caller is answered as the call is
	 * placed */
	if (!d->answer_on_bridge) {
		err = fs_call_answer(d->call);
		if (err) {
			dial_finish(d, "failed", 500);
			return 0;
		}
	}

	(void)json_object_object_get_ex(data, "target", &targets);
	n = json_object_array_length(targets);
	for (size_t i = 0; i < n; i++) {
		struct dial_target *dt = &d->targets[d->n];
		struct json_object *spec;

		if (dial_seen(targets, i)) {
			fs_info("dial",
				"%s: target %zu repeats an earlier one",
				fs_call_sid(d->call), i);
			continue;
		}
		if (d->n == DIAL_MAX_TARGETS) {
			fs_warn("dial",
				"%s: more than %d targets, ringing "
				"the first %d",
				fs_call_sid(d->call), DIAL_MAX_TARGETS,
				DIAL_MAX_TARGETS);
			break;
		}
		spec = dial_spec(data, json_object_array_get_idx(targets, i));
		if (!spec)
			continue;
		dt->d = d;
		dt->spec = spec;
		err = fs_leg_dial(&dt->leg, d->call, fs_task_scope(t), spec,
				  &o, dial_leg_event, dt, why, sizeof(why));
		if (err) {
			fs_warn("dial", "%s: target %zu: %s",
				fs_call_sid(d->call), i, why);
			dt->spec = NULL;
			json_object_put(spec);
			continue;
		}
		d->n++;
		d->pending++;
	}
	if (!d->pending) {
		dial_finish(d, "failed", 400);
		return 0;
	}
	dial_music(d, data);
	return 0;
}

FS_SCHEMA_PLUGIN(dial, "dial", dial_schema_json, .version = PLUGIN_VERSION,
		 .exec = dial_exec, .cancel = dial_cancel);
