/**
 * @file conf.c  A call in a room (include/fs/fs_conf.h): the member on
 *               its own loop, its media hook and its mqueue
 *
 * The member object lives on the call's loop and is bound to the
 * plugin's scope. Its slot (conf_room.c) is the part other loops see.
 * The stream's mixer hook runs in the loop's media tick and only pushes
 * and takes frames; what the room tells the member comes through the
 * mqueue and reaches the plugin's handler from the loop, outside the
 * tick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include <fs/fs_queue.h>
#include "base/log.h"
#include "call/call.h"
#include "dir/dir_app.h"
#include "media/media.h"
#include "sip/stack.h"
#include "conf/conf_room.h"

#define CONF_NAME_MAX 128

struct fs_conf {
	struct fs_call *c;
	struct fs_scope *scope;  /* the plugin's, borrowed */
	struct media_stream *ms; /* reference; hooked while a member */
	struct conf_slot *slot;
	struct mqueue *mq;
	struct fs_listener *bind;
	fs_conf_h *h;
	void *arg;
	char *sid;
	char esc[300]; /* sid escaped for log lines */
	bool starter;
};

static uint64_t conf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* In the media tick */
static bool conf_tick(const int16_t *in, int16_t *out, size_t n,
		      uint64_t frame_ms, void *arg)
{
	struct fs_conf *m = arg;

	if (n != CONF_FRAME)
		return false;
	return conf_room_tick(m->slot, in, out, frame_ms / 20);
}

/* Out of the room; no handler runs afterwards */
static void conf_out(struct fs_conf *m, unsigned *left, bool *ended)
{
	uint64_t frames = 0, missing = 0;

	if (!m->slot)
		return;
	media_stream_mix(m->ms, NULL, NULL);
	conf_room_stats(m->slot, &frames, &missing);
	conf_room_leave(m->slot, tmr_jiffies() / 20, left, ended);
	m->slot = NULL;
	/* after the slot: nobody pushes to it any more */
	m->mq = mem_deref(m->mq);
	fs_info("conference",
		"%s: left %s: %llu frames mixed, %llu frames "
		"of others missing (silence)",
		m->c ? fs_call_sid(m->c) : "-", m->esc,
		(unsigned long long)frames, (unsigned long long)missing);
}

static void conf_destructor(void *arg)
{
	struct fs_conf *m = arg;

	conf_out(m, NULL, NULL);
	/* a join that failed has its mqueue and no slot */
	mem_deref(m->mq);
	mem_deref(m->ms);
	mem_deref(m->sid);
}

static void conf_release(void *arg)
{
	struct fs_conf *m = arg;

	m->bind = NULL;
	mem_deref(m);
}

static void conf_mq_h(int id, void *data, void *arg)
{
	static const enum fs_conf_ev ev[] = {
		[CONF_MQ_STARTED] = FS_CONF_STARTED,
		[CONF_MQ_ENDED] = FS_CONF_ENDED,
		[CONF_MQ_TALK] = FS_CONF_TALKING,
		[CONF_MQ_QUIET] = FS_CONF_QUIET,
	};
	struct fs_conf *m = arg;
	char digit[2] = {0, 0};
	int what = id & 0xff;

	(void)data;
	if (!m->slot)
		return;
	if (what == CONF_MQ_DTMF) {
		digit[0] = (char)((unsigned)id >> 8);
		if (fs_call_dtmf(m->c, m->scope, digit, 100, NULL, NULL))
			fs_debug("conference", "%s: digit %s not sent",
				 fs_call_sid(m->c), digit);
	} else if (what > 0 && what < (int)ARRAY_SIZE(ev) && ev[what] &&
		   m->h) {
		m->h(ev[what], m->arg);
	}
}

static bool conf_bool(const struct json_object *o, const char *k, bool dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}

static const char *conf_str(const struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The statusHook a starter leaves the room, as jambonz keeps it */
static char *conf_status_text(const struct json_object *props)
{
	struct json_object *o, *v;
	char *s = NULL;

	if (!json_object_object_get_ex(props, "statusHook", &v))
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "statusHook", json_object_get(v));
	if (json_object_object_get_ex(props, "statusEvents", &v))
		json_object_object_add(o, "statusEvents", json_object_get(v));
	str_dup(&s, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static bool conf_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > CONF_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

/* What a room join and a bridge both need before the room's key: a
 * good name, the call's media, an open scope and the member with its
 * mqueue */
static int conf_member_new(struct fs_conf **mp, struct fs_call *c,
			   struct fs_scope *scope, const char *name,
			   fs_conf_h *h, void *arg)
{
	struct fs_conf *m;
	int err;

	if (!c || !scope || !conf_name_ok(name))
		return EINVAL;
	if (!c->media || !fs_call_alive(c))
		return ENOTCONN;
	if (fs_scope_closed(scope))
		return ESHUTDOWN;
	m = mem_zalloc(sizeof(*m), conf_destructor);
	if (!m)
		return ENOMEM;
	m->c = c;
	m->scope = scope;
	m->h = h;
	m->arg = arg;
	err = mqueue_alloc(&m->mq, conf_mq_h, m);
	if (err) {
		mem_deref(m);
		return err;
	}
	*mp = m;
	return 0;
}

/* Into the room m->sid names, mixed and bound to the scope; on an error
 * the caller frees m, whose destructor undoes what was done */
static int conf_enter(struct fs_conf *m, const struct conf_join_opts *o)
{
	int err;

	fs_log_escape(m->esc, sizeof(m->esc), m->sid);
	err = conf_room_join(&m->slot, m->sid, o, m->mq, tmr_jiffies() / 20,
			     conf_now_ms(), &m->starter);
	if (err)
		return err;
	m->ms = mem_ref(m->c->media);
	media_stream_mix(m->ms, conf_tick, m);
	return fs_scope_bind(m->scope, conf_release, m, &m->bind);
}

int fs_conf_join(struct fs_conf **mp, struct fs_call *c,
		 struct fs_scope *scope, const struct json_object *props,
		 fs_conf_h *h, void *arg)
{
	struct conf_join_opts o = {0};
	const char *name = conf_str(props, "name");
	struct json_object *v;
	struct fs_conf *m;
	char *status;
	int err;

	if (!mp)
		return EINVAL;
	err = conf_member_new(&m, c, scope, name, h, arg);
	if (err)
		return err;
	err = re_sdprintf(&m->sid, "conf:%s:%s",
			  c->app && c->app->account_sid ? c->app->account_sid
							: "",
			  name);
	if (err)
		goto fail;

	/* absent is true, as jambonz waits only on an explicit false */
	o.start = conf_bool(props, "startConferenceOnEnter", true);
	o.moderator = conf_bool(props, "startConferenceOnEnter", false);
	o.endconf = conf_bool(props, "endConferenceOnExit", false);
	o.muted = conf_bool(props, "joinMuted", false);
	o.beep = conf_bool(props, "beep", false);
	o.tag = conf_str(props, "memberTag");
	o.coach = conf_str(props, "speakOnlyTo");
	if (json_object_object_get_ex(props, "maxParticipants", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	     json_object_is_type(v, json_type_double))) {
		double d = json_object_get_double(v);

		o.max = d > 1 && d < 100000 ? (unsigned)d : 0;
	}
	/* jambonz sets endconference_grace_time for a number >= 0 */
	if (json_object_object_get_ex(props, "endConferenceDuration", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	     json_object_is_type(v, json_type_double))) {
		double d = json_object_get_double(v);

		o.has_grace = d >= 0;
		o.grace_s = d < 0 ? 0 : d < 86400 ? (unsigned)d : 86400;
	}
	status = conf_status_text(props);
	o.status = status;
	err = conf_enter(m, &o);
	mem_deref(status);
	if (err)
		goto fail;
	fs_info("conference", "%s: %s %s on loop %u (%u members in)", c->sid,
		m->starter                   ? "started"
		: conf_room_waiting(m->slot) ? "waits for"
					     : "joined",
		m->esc, c->env->stk->idx, conf_room_count(m->slot));
	*mp = m;
	return 0;
fail:
	mem_deref(m);
	return err;
}

void fs_conf_leave(struct fs_conf *m, unsigned *left, bool *ended)
{
	if (left)
		*left = 0;
	if (ended)
		*ended = false;
	if (!m)
		return;
	conf_out(m, left, ended);
	if (m->bind)
		fs_listener_cancel(m->bind);
	m->bind = NULL;
	mem_deref(m);
}

bool fs_conf_waiting(const struct fs_conf *m)
{
	return m && m->slot && conf_room_waiting(m->slot);
}

bool fs_conf_starter(const struct fs_conf *m)
{
	return m && m->starter;
}

unsigned fs_conf_count(const struct fs_conf *m)
{
	return m && m->slot ? conf_room_count(m->slot) : 0;
}

uint64_t fs_conf_start_ms(const struct fs_conf *m)
{
	return m && m->slot ? conf_room_start_ms(m->slot) : 0;
}

const char *fs_conf_sid(const struct fs_conf *m)
{
	return m ? m->sid : NULL;
}

struct json_object *fs_conf_status(const struct fs_conf *m)
{
	struct json_object *o;
	char *s;

	if (!m || !m->slot)
		return NULL;
	s = conf_room_status(m->slot);
	if (!s)
		return NULL;
	o = json_tokener_parse(s);
	free(s);
	return o;
}

void fs_conf_mute(struct fs_conf *m, bool on)
{
	if (m && m->slot)
		conf_room_set(m->slot, CONF_MUTE, on);
}

void fs_conf_hold(struct fs_conf *m, bool on)
{
	if (m && m->slot)
		conf_room_set(m->slot, CONF_HOLD, on);
}

void fs_conf_mute_others(struct fs_conf *m, bool on)
{
	if (m && m->slot)
		conf_room_mute_others(m->slot, on);
}

int fs_conf_tag(struct fs_conf *m, const char *tag)
{
	return m && m->slot ? conf_room_tag(m->slot, tag) : EINVAL;
}

int fs_conf_coach(struct fs_conf *m, const char *tag)
{
	return m && m->slot ? conf_room_coach(m->slot, tag) : EINVAL;
}

void fs_conf_dtmf(struct fs_conf *m, char digit)
{
	if (m && m->slot)
		conf_room_dtmf(m->slot, digit);
}

/* A two-member bridge (fs/fs_queue.h): the queue verbs' room, keyed
 * "bridge:<key>" so no conference name reaches it; both members start
 * it and either one leaving ends it */
int fs_conf_bridge(struct fs_conf **mp, struct fs_call *c,
		   struct fs_scope *scope, const char *key, bool beep,
		   fs_conf_h *h, void *arg)
{
	struct conf_join_opts o = {.start = true,
				   .endconf = true,
				   .ends_room = true,
				   .beep = beep,
				   .max = 2};
	struct fs_conf *m = NULL;
	int err = mp ? conf_member_new(&m, c, scope, key, h, arg) : EINVAL;

	if (!err)
		err = re_sdprintf(&m->sid, "bridge:%s", key);
	if (!err)
		err = conf_enter(m, &o);
	if (err)
		goto fail;
	fs_info("conference", "%s: in %s on loop %u (%u members in)", c->sid,
		m->esc, c->env->stk->idx, conf_room_count(m->slot));
	*mp = m;
	return 0;
fail:
	mem_deref(m);
	return err;
}
