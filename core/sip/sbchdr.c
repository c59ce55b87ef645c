/**
 * @file sbchdr.c  What jambonz's sbc-outbound requires on an outbound INVITE
 *
 * The names and their order follow jambonz-feature-server: dial.js puts
 * X-Account-Sid, X-CID and X-Voip-Carrier-Sid of the inbound call first,
 * place-outdial.js adds X-Preferred-From-*, X-Jambonz-Routing,
 * X-Call-Sid, X-Application-Sid, X-SIP-Proxy and X-Jambonz-FS-UUID,
 * create-call.js X-Trace-ID and X-Requested-Carrier-Sid, both the
 * X-MS-Teams-* of a teams target.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "base/cfg.h"
#include "base/log.h"
#include "sip/sbchdr.h"
#include "sip/sipsafe.h"

static const char *const sbchdr_names[] = {
	"X-Account-Sid",
	"X-CID",
	"X-Voip-Carrier-Sid",
	"X-Preferred-From-User",
	"X-Preferred-From-Host",
	"X-Jambonz-Routing",
	"X-Call-Sid",
	"X-Application-Sid",
	"X-SIP-Proxy",
	"X-Jambonz-FS-UUID",
	"X-Trace-ID",
	"X-Requested-Carrier-Sid",
	"X-Override-To",
	"X-MS-Teams-FQDN",
	"X-MS-Teams-Tenant-FQDN",
};

bool sbchdr_enabled(const struct cfg *cfg)
{
	if (!cfg || !cfg->sbc_headers)
		return false;
	if (!strcasecmp(cfg->sbc_headers, "on"))
		return true;
	if (!strcasecmp(cfg->sbc_headers, "off"))
		return false;
	return (cfg->jambonz_sbcs && *cfg->jambonz_sbcs) ||
	       (cfg->mysql_host && *cfg->mysql_host);
}

bool sbchdr_is_jambonz(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(sbchdr_names); i++) {
		if (strlen(sbchdr_names[i]) == len &&
		    !strncasecmp(sbchdr_names[i], name, len))
			return true;
	}
	return false;
}

/* The application's lines, less those naming a jambonz header */
static int sbchdr_keep_app(struct mbuf *mb, const char *hdrs)
{
	const char *p = hdrs;
	int err = 0;

	while (p && *p && !err) {
		const char *eol = strstr(p, "\r\n");
		const char *colon;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		colon = memchr(p, ':', len);
		if (colon && sbchdr_is_jambonz(p, (size_t)(colon - p)))
			fs_info("leg",
				"header %b of the application replaced "
				"by the server's own",
				p, (size_t)(colon - p));
		else if (len)
			err = mbuf_printf(mb, "%b\r\n", p, len);
		p = eol ? eol + 2 : NULL;
	}
	return err;
}

static int sbchdr_add(struct mbuf *mb, const char *name, const char *val)
{
	if (!val || !*val)
		return 0;
	/* values come from SIP headers, the directory and the request
	 * body: one line each, or the INVITE is not sent */
	if (!sipsafe_value(val)) {
		fs_warn("leg", "%s refused: value has control characters",
			name);
		return EINVAL;
	}
	return mbuf_printf(mb, "%s: %s\r\n", name, val);
}

int sbchdr_build(char **outp, const char *hdrs, const struct sbchdr *h,
		 const char *leg_sid)
{
	struct mbuf *mb;
	int err;

	if (!outp || !h)
		return EINVAL;
	*outp = NULL;
	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;
	{
		const char *const vals[ARRAY_SIZE(sbchdr_names)] = {
			h->account_sid,
			h->cid,
			h->voip_carrier_sid,
			h->from_user,
			h->from_host,
			h->routing,
			h->call_sid && *h->call_sid ? h->call_sid : leg_sid,
			h->application_sid,
			h->sip_proxy,
			h->fs_uuid,
			h->trace_id,
			h->carrier_sid,
			h->override_to,
			h->teams_fqdn,
			h->tenant_fqdn,
		};

		err = sbchdr_keep_app(mb, hdrs);
		for (size_t i = 0; !err && i < ARRAY_SIZE(sbchdr_names); i++)
			err = sbchdr_add(mb, sbchdr_names[i], vals[i]);
	}
	if (!err && mb->end) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}
