/**
 * @file leg_refer.c  Holds and REFERs of a leg's far end, and the
 *                    REFERs of the caller (legapi_refer_alloc)
 */
#include <errno.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "call/call.h"
#include "sip/leg.h"
#include "sip/stack.h"
#include "call/outcall.h"
#include "call/leg_int.h"

static void legapi_hold(bool held, const char *from, const char *to, void *arg)
{
	struct fs_leg *fl = arg;

	if (fl->holdh)
		fl->holdh(fl, held, from, to, fl->hold_arg);
}

void fs_leg_set_hold(struct fs_leg *fl, fs_leg_hold_h *h, void *arg)
{
	if (!fl)
		return;
	fl->holdh = h;
	fl->hold_arg = arg;
	leg_set_hold(fl->leg, h ? legapi_hold : NULL, fl);
}

struct fs_leg_refer {
	struct sip *sip; /* the loop's stack outlives its calls */
	struct sip_msg *msg;
	bool replied;
};

static void legapi_refer_destructor(void *data)
{
	struct fs_leg_refer *r = data;

	if (!r->replied)
		(void)sip_reply(r->sip, r->msg, 500, "Server Internal Error");
	mem_deref(r->msg);
}

struct fs_leg_refer *legapi_refer_alloc(struct sip *sip,
					const struct sip_msg *msg)
{
	struct fs_leg_refer *r =
		mem_zalloc(sizeof(*r), legapi_refer_destructor);

	if (!r) {
		(void)sip_reply(sip, msg, 500, "Server Internal Error");
		return NULL;
	}
	r->sip = sip;
	r->msg = mem_ref((struct sip_msg *)msg);
	return r;
}

static void legapi_refer(const struct sip_msg *msg, void *arg)
{
	struct fs_leg *fl = arg;
	struct fs_leg_refer *r =
		legapi_refer_alloc(fl->call->env->stk->sip, msg);
	uint16_t st;

	if (!r)
		return;
	st = fl->referh ? fl->referh(fl, r, fl->refer_arg) : 501;
	if (st)
		fs_leg_refer_reply(r, st, call_reason_phrase(st));
	mem_deref(r);
}

int fs_leg_hold(struct fs_leg *fl, bool hold)
{
	if (!fl || !fl->leg)
		return EINVAL;
	if (fl->final)
		return ENOTCONN;
	return leg_hold(fl->leg, hold);
}

void fs_leg_set_refer(struct fs_leg *fl, fs_leg_refer_h *h, void *arg)
{
	if (!fl)
		return;
	fl->referh = h;
	fl->refer_arg = arg;
	leg_set_refer(fl->leg, h ? legapi_refer : NULL, fl);
}

void fs_leg_refer_reply(struct fs_leg_refer *r, uint16_t scode,
			const char *reason)
{
	if (!r || r->replied)
		return;
	r->replied = true;
	(void)sip_reply(r->sip, r->msg, scode,
			reason ? reason : call_reason_phrase(scode));
}

static void legapi_hdr_str(struct json_object *o, const char *k,
			   const struct pl *v)
{
	char *s = NULL;

	if (v && pl_isset(v) && !pl_strdup(&s, v))
		json_object_object_add(o, k, json_object_new_string(s));
	mem_deref(s);
}

/* The user of a name-addr or URI, or a tel: URI's number */
static void legapi_hdr_user(struct json_object *o, const char *k,
			    const struct pl *v)
{
	struct sip_addr addr;
	struct pl num;

	if (!re_regex(v->p, v->l, "tel:[^;>]+", &num)) {
		legapi_hdr_str(o, k, &num);
		return;
	}
	if (!sip_addr_decode(&addr, v) && pl_isset(&addr.uri.user))
		legapi_hdr_str(o, k, &addr.uri.user);
}

/* Every X- header by its name, as jambonz's customHeaders */
static void legapi_xhdrs(struct json_object *o, const struct sip_msg *msg)
{
	struct le *le;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct sip_hdr *hdr = le->data;
		char name[64];

		if (hdr->name.l < 3 || hdr->name.l >= sizeof(name) ||
		    (hdr->name.p[0] != 'x' && hdr->name.p[0] != 'X') ||
		    hdr->name.p[1] != '-')
			continue;
		(void)pl_strcpy(&hdr->name, name, sizeof(name));
		legapi_hdr_str(o, name, &hdr->val);
	}
}

struct json_object *fs_leg_refer_details(const struct fs_leg_refer *r)
{
	const struct sip_hdr *to, *by, *ua;
	struct json_object *o;

	if (!r)
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	to = sip_msg_hdr(r->msg, SIP_HDR_REFER_TO);
	by = sip_msg_hdr(r->msg, SIP_HDR_REFERRED_BY);
	ua = sip_msg_hdr(r->msg, SIP_HDR_USER_AGENT);
	if (to) {
		legapi_hdr_str(o, "sip_refer_to", &to->val);
		legapi_hdr_user(o, "refer_to_user", &to->val);
	}
	if (by) {
		legapi_hdr_str(o, "sip_referred_by", &by->val);
		legapi_hdr_user(o, "referred_by_user", &by->val);
	}
	if (ua)
		legapi_hdr_str(o, "sip_user_agent", &ua->val);
	legapi_xhdrs(o, r->msg);
	return o;
}
