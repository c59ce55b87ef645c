/**
 * @file call_sbc.c  The jambonz SBC headers of a call's outbound legs
 *
 * As jambonz-feature-server's dial.js: the B leg names the account of
 * the call, and carries the SBC's X-CID and X-Voip-Carrier-Sid of the
 * inbound INVITE back to it.
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
#include "sip/stack.h"
#include "app.h"

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

void call_sbc_dial(struct sbchdr *h, const struct fs_call *c,
		   const struct json_object *target)
{
	memset(h, 0, sizeof(*h));
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
}

struct json_object *call_sbc_target(const struct fs_call *c,
				    const struct json_object *target)
{
	struct json_object *t = (struct json_object *)target, *copy = NULL;
	const char *type = jsonutil_str(target, "type");
	const char *name = jsonutil_str(target, "name");
	char *full = NULL;

	if (!type || strcmp(type, "user") || !name || strchr(name, '@') ||
	    !c->app || !c->app->sip_realm ||
	    !sbchdr_enabled(c->env->stk->app->cfg))
		return json_object_get(t);
	if (json_object_deep_copy(t, &copy, NULL) ||
	    re_sdprintf(&full, "%s@%s", name, c->app->sip_realm)) {
		json_object_put(copy);
		return json_object_get(t);
	}
	json_object_object_add(copy, "name", json_object_new_string(full));
	mem_deref(full);
	return copy;
}
