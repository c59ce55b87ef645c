/**
 * @file call_sbc.c  The jambonz SBC headers of a call's outbound legs
 *
 * As jambonz-feature-server's dial.js: the B leg names the account of
 * the call, and carries the SBC's X-CID and X-Voip-Carrier-Sid of the
 * inbound INVITE back to it.
 */
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "call/call.h"
#include "call/call_sbc.h"
#include "dir/dir_app.h"
#include "sip/sbchdr.h"

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
