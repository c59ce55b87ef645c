/**
 * @file call_sbc.c  The jambonz SBC headers of a call's outbound legs
 *
 * As jambonz-feature-server's dial.js: the B leg names the account of
 * the call, and carries the SBC's X-CID and X-Voip-Carrier-Sid of the
 * inbound INVITE back to it; it goes back to the SBC the inbound INVITE
 * came from (dial.js: "to support static IP feature"); a phone target's
 * trunk names the carrier (X-Requested-Carrier-Sid), a teams target gets
 * the account's Microsoft Teams FQDNs.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "call/call.h"
#include "call/call_sbc.h"
#include "dir/dir_app.h"
#include "sip/sbchdr.h"
#include "sip/sipcheck.h"
#include "sip/stack.h"
#include "sip/target.h"
#include "app.h"
#include "base/log.h"

bool call_sbc_sid_ok(const char *p, size_t n)
{
	if (!p || !n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_' &&
		    ch != '.')
			return false;
	}
	return true;
}

static void call_sbc_hdr(char *dst, size_t sz, const struct sip_msg *msg,
			 const char *name)
{
	const struct sip_hdr *hdr = msg ? sip_msg_xhdr(msg, name) : NULL;

	dst[0] = '\0';
	if (hdr && hdr->val.l < sz)
		pl_strcpy(&hdr->val, dst, sz);
}

void call_sbc_carrier(struct sbchdr *h, const struct dir_app *app,
		      const char *sid, const struct json_object *target,
		      const char *calling)
{
	const char *trunk = jsonutil_str(target, "trunk");

	if (!app || !h->routing || strcmp(h->routing, "phone"))
		return;
	if (trunk) {
		h->carrier_sid = jsonutil_str(app->carriers, trunk);
		if (h->carrier_sid)
			fs_info("call", "%s: the trunk is carrier %s", sid,
				h->carrier_sid);
		else
			fs_info("call",
				"%s: the trunk names no carrier of the "
				"account: sbc-outbound chooses",
				sid);
		return;
	}
	/* no trunk: the carrier of the calling number, as jambonz's
	 * lookupCarrierByPhoneNumber() (the number without its '+') */
	if (calling && *calling == '+')
		calling++;
	if (!calling || !*calling)
		return;
	h->carrier_sid = jsonutil_str(app->number_carriers, calling);
	if (h->carrier_sid)
		fs_info("call", "%s: carrier %s of the calling number", sid,
			h->carrier_sid);
}

void call_sbc_teams(struct sbchdr *h, const struct dir_app *app,
		    const struct json_object *target)
{
	if (!app || !h->routing || strcmp(h->routing, "teams"))
		return;
	h->teams_fqdn = app->ms_teams_fqdn;
	h->tenant_fqdn = jsonutil_str(target, "tenant");
	if (!h->tenant_fqdn)
		h->tenant_fqdn = app->tenant_fqdn;
}

void call_sbc_dial(struct sbchdr *h, const struct fs_call *c,
		   const struct json_object *target)
{
	memset(h, 0, sizeof(*h));
	h->fs_uuid = c->env->stk->app->fs_uuid;
	h->routing = jsonutil_str(target, "type");
	h->sip_proxy = jsonutil_str(target, "proxy");
	h->override_to = jsonutil_str(target, "overrideTo");
	if (c->app) {
		h->account_sid = c->app->account_sid;
		h->application_sid = c->app->application_sid;
	}
	call_sbc_hdr(h->cid, sizeof(h->cid), c->invite, "X-CID");
	call_sbc_hdr(h->voip_carrier_sid, sizeof(h->voip_carrier_sid),
		     c->invite, "X-Voip-Carrier-Sid");
	call_sbc_teams(h, c->app, target);
	/* the caller's number: the dial's callerId is not passed here */
	call_sbc_carrier(h, c->app, c->sid, target, c->from_user);
}

/* Where the inbound INVITE came from: its source, or, when another
 * loop relayed it (sipfwd.c), the received and rport that loop wrote
 * into the caller's Via */
static int call_sbc_source(char *buf, size_t sz, const struct sip_msg *msg)
{
	bool first = true;
	struct sa sa = msg->src;

	for (struct le *le = msg->hdrl.head; sipcheck_is_relay_via(msg) && le;
	     le = le->next) {
		const struct sip_hdr *h = le->data;
		struct pl rcv, rport;
		struct sip_via via;

		if (h->id != SIP_HDR_VIA || first) {
			first = first && h->id != SIP_HDR_VIA;
			continue;
		}
		if (sip_via_decode(&via, &h->val) ||
		    msg_param_decode(&via.params, "received", &rcv) ||
		    msg_param_decode(&via.params, "rport", &rport) ||
		    sa_set(&sa, &rcv, (uint16_t)pl_u32(&rport)))
			return EINVAL;
		break;
	}
	return re_snprintf(buf, sz, "%J", &sa) < 0 ? ENOMEM : 0;
}

/* What the leg to target needs beyond its JSON: the SBC the inbound
 * INVITE came from, or why a teams target cannot be called */
static bool call_sbc_via(struct target_via *via, const struct fs_call *c,
			 const struct json_object *target)
{
	const char *type = jsonutil_str(target, "type");

	memset(via, 0, sizeof(*via));
	if (type && !strcmp(type, "teams") &&
	    (!c->app || !c->app->ms_teams_fqdn))
		str_ncpy(via->refuse,
			 "dial to ms teams not allowed; account must first "
			 "be configured with teams info",
			 sizeof(via->refuse));
	if (c->invite && !c->uac && target_sbcs(c->env->stk->app->cfg) &&
	    call_sbc_source(via->sbc, sizeof(via->sbc), c->invite))
		via->sbc[0] = '\0';
	return via->refuse[0] || via->sbc[0];
}

struct json_object *call_sbc_target(const struct fs_call *c,
				    const struct json_object *target)
{
	struct json_object *t = (struct json_object *)target, *copy = NULL;
	const char *type = jsonutil_str(target, "type");
	const char *name = jsonutil_str(target, "name");
	struct target_via via;
	bool realm, routed;
	char *full = NULL;

	if (!type || !sbchdr_enabled(c->env->stk->app->cfg))
		return json_object_get(t);
	realm = !strcmp(type, "user") && name && !strchr(name, '@') &&
		c->app && c->app->sip_realm;
	routed = call_sbc_via(&via, c, target);
	if (!realm && !routed)
		return json_object_get(t);
	if (json_object_deep_copy(t, &copy, NULL) ||
	    (realm && re_sdprintf(&full, "%s@%s", name, c->app->sip_realm)) ||
	    (routed && target_via_attach(copy, &via))) {
		/* a teams target the account cannot call is not called
		 * for want of memory either */
		json_object_put(copy);
		mem_deref(full);
		return json_object_get(routed && via.refuse[0] ? NULL : t);
	}
	if (full)
		json_object_object_add(copy, "name",
				       json_object_new_string(full));
	mem_deref(full);
	return copy;
}
