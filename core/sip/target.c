/**
 * @file target.c  Where a dial or createCall target goes: its SIP URI
 *
 * sip targets go to their URI; phone numbers and registered users go to
 * the configured SBC (SIP_OUTBOUND_PROXY), as jambonz sends them to its
 * SBC. Everything here ends up in the Request-URI or a Route header, so
 * each part is checked (sipsafe.h) and a bad one refuses the target.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jsonutil.h"
#include "base/cfg.h"
#include "sip/sipsafe.h"
#include "sip/target.h"

/* "host:port" or "sip:host:port" -> "host:port" */
static const char *target_hostport(const char *proxy)
{
	if (!strncmp(proxy, "sip:", 4))
		return proxy + 4;
	return proxy;
}

/* Users and numbers go into a URI: keep them to safe characters */
static bool target_safe(const char *s)
{
	if (!s || !*s || strlen(s) > 128)
		return false;
	for (; *s; s++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ"
			    "0123456789+-_.!~*'()&=$,;?/%#@:",
			    *s))
			return false;
	}
	return true;
}

int target_resolve(const struct cfg *cfg, const struct json_object *target,
		   char **urip, char **routep, char *err, size_t errsz)
{
	const char *type, *proxy, *v;
	int e = 0;

	*urip = NULL;
	*routep = NULL;
	if (!json_object_is_type(target, json_type_object)) {
		re_snprintf(err, errsz, "target must be an object");
		return EINVAL;
	}
	type = jsonutil_str(target, "type");
	proxy = jsonutil_str(target, "proxy");
	if (!proxy && cfg->sip_outbound_proxy && *cfg->sip_outbound_proxy)
		proxy = cfg->sip_outbound_proxy;
	if (!type) {
		re_snprintf(err, errsz, "target has no type");
		return EINVAL;
	}
	if (proxy && !sipsafe_hostport(target_hostport(proxy))) {
		re_snprintf(err, errsz,
			    "bad proxy '%s': expected [sip:]host[:port]",
			    proxy);
		return EINVAL;
	}

	if (!strcmp(type, "sip")) {
		v = jsonutil_str(target, "sipUri");
		if (!v || (strncmp(v, "sip:", 4) && strncmp(v, "sips:", 5))) {
			re_snprintf(err, errsz,
				    "sip target needs a sipUri (sip:...)");
			return EINVAL;
		}
		if (!sipsafe_uri(v)) {
			re_snprintf(err, errsz, "bad sipUri '%s'", v);
			return EINVAL;
		}
		e = str_dup(urip, v);
		/* a sip target goes where its URI says, unless it names a
		 * proxy of its own */
		proxy = jsonutil_str(target, "proxy");
	} else if (!strcmp(type, "phone") || !strcmp(type, "user")) {
		bool phone = !strcmp(type, "phone");

		v = jsonutil_str(target, phone ? "number" : "name");
		if (!target_safe(v) || strchr(v, ':')) {
			re_snprintf(err, errsz, "%s target needs a %s", type,
				    phone ? "number" : "name");
			return EINVAL;
		}
		if (!phone && strchr(v, '@')) {
			e = re_sdprintf(urip, "sip:%s", v);
		} else if (!proxy) {
			re_snprintf(err, errsz,
				    "%s targets need SIP_OUTBOUND_PROXY",
				    type);
			return EINVAL;
		} else {
			e = re_sdprintf(urip, "sip:%s@%s", v,
					target_hostport(proxy));
			proxy = NULL;
		}
	} else {
		re_snprintf(err, errsz, "target type '%s' is not supported",
			    type);
		return ENOTSUP;
	}
	if (!e && proxy)
		/* libre writes the Route header, <uri;lr>, from the URI */
		e = re_sdprintf(routep, "sip:%s", target_hostport(proxy));
	if (!e && !sipsafe_uri(*urip)) {
		re_snprintf(err, errsz, "bad target URI '%s'", *urip);
		e = EINVAL;
	}
	if (e) {
		*urip = mem_deref(*urip);
		*routep = mem_deref(*routep);
	}
	return e;
}
