/**
 * @file target.c  Where a dial or createCall target goes: its SIP URI
 *
 * sip targets go to their URI; phone numbers and registered users go to
 * the configured SBC (SIP_OUTBOUND_PROXY), as jambonz sends them to its
 * SBC. In a jambonz cluster (the SBC headers on) every target goes to an
 * SBC, sip and teams ones too, as place-outdial.js sends them all with
 * proxy sip:<sbc>. Everything here ends up in the Request-URI or a Route
 * header, so each part is checked (sipsafe.h) and a bad one refuses the
 * target.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jsonutil.h"
#include "base/cfg.h"
#include "sip/sbchdr.h"
#include "sip/sipsafe.h"
#include "sip/target.h"

/* sbc-pinger.js's idxSbc: one turn for the process, every loop's
 * outdials in it */
static unsigned target_turn;

/* "host:port" or "sip:host:port" -> "host:port" */
static const char *target_hostport(const char *proxy)
{
	if (!strncmp(proxy, "sip:", 4))
		return proxy + 4;
	return proxy;
}

static void target_via_free(struct json_object *o, void *data)
{
	(void)o;
	mem_deref(data);
}

int target_via_attach(struct json_object *target, const struct target_via *via)
{
	struct target_via *v;

	if (!json_object_is_type(target, json_type_object) || !via)
		return EINVAL;
	v = mem_alloc(sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	*v = *via;
	json_object_set_userdata(target, v, target_via_free);
	return 0;
}

/* The n-th entry of a comma or space separated list, without "sip:";
 * returns the number of entries */
static unsigned target_list(const char *list, unsigned n, char *buf, size_t sz)
{
	unsigned count = 0;

	for (const char *s = list; s && *s;) {
		size_t len;

		s += strspn(s, ", ");
		len = strcspn(s, ", ");
		if (!len)
			break;
		if (count == n && buf) {
			const char *p = s;

			if (len > 4 && !strncmp(p, "sip:", 4)) {
				p += 4;
				len -= 4;
			}
			re_snprintf(buf, sz, "%b", p, len);
		}
		count++;
		s += len;
	}
	return count;
}

unsigned target_sbcs(const struct cfg *cfg)
{
	const char *pin = cfg->sip_outbound_proxy;
	unsigned n = target_list(cfg->jambonz_sbcs, 0, NULL, 0);
	char one[TARGET_HOSTPORT_MAX];

	/* SIP_OUTBOUND_PROXY of its own (not one of the SBCs, which is
	 * what it is by default): every outdial goes there */
	if (!n || !pin || !*pin)
		return n;
	if (!strncmp(pin, "sip:", 4))
		pin += 4;
	for (unsigned i = 0; i < n; i++) {
		target_list(cfg->jambonz_sbcs, i, one, sizeof(one));
		if (!strcmp(one, pin))
			return n;
	}
	return 0;
}

const char *target_next_sbc(const struct cfg *cfg, char *buf, size_t sz)
{
	unsigned n = target_sbcs(cfg);

	if (!n || !buf || !sz)
		return NULL;
	target_list(cfg->jambonz_sbcs,
		    __atomic_fetch_add(&target_turn, 1, __ATOMIC_RELAXED) % n,
		    buf, sz);
	return sipsafe_hostport(buf) ? buf : NULL;
}

/* vmail: true, and nothing else, as place-outdial.js tests it */
static bool target_vmail(const struct json_object *target)
{
	struct json_object *v;

	return json_object_object_get_ex(target, "vmail", &v) &&
	       json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
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
	const struct target_via *via = NULL;
	const char *type, *proxy, *v, *sbc = NULL;
	char next[TARGET_HOSTPORT_MAX];
	int e = 0;

	*urip = NULL;
	*routep = NULL;
	if (!json_object_is_type(target, json_type_object)) {
		re_snprintf(err, errsz, "target must be an object");
		return EINVAL;
	}
	type = jsonutil_str(target, "type");
	if (sbchdr_enabled(cfg)) {
		via = json_object_get_userdata((struct json_object *)target);
		if (via && via->refuse[0]) {
			re_snprintf(err, errsz, "%s", via->refuse);
			return EINVAL;
		}
		sbc = via && via->sbc[0]
			      ? via->sbc
			      : target_next_sbc(cfg, next, sizeof(next));
		if (!sbc && cfg->sip_outbound_proxy &&
		    *cfg->sip_outbound_proxy)
			sbc = cfg->sip_outbound_proxy;
	}
	/* the SBC routes a cluster's outdials, the target's proxy is
	 * sbc-outbound's to use (X-SIP-Proxy) */
	proxy = sbc ? sbc : jsonutil_str(target, "proxy");
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
		 * proxy of its own or a cluster's SBC takes it */
		proxy = sbc ? sbc : jsonutil_str(target, "proxy");
	} else if (!strcmp(type, "phone") || !strcmp(type, "user") ||
		   !strcmp(type, "teams")) {
		bool phone = strcmp(type, "user") != 0;
		bool teams = !strcmp(type, "teams");

		if (teams && !sbc) {
			re_snprintf(err, errsz,
				    "teams targets need a jambonz SBC "
				    "(JAMBONES_SBCS)");
			return EINVAL;
		}
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
			/* sbc-outbound takes Teams voicemail from the URI */
			e = re_sdprintf(urip, "sip:%s@%s%s", v,
					target_hostport(proxy),
					teams && target_vmail(target)
						? ";opaque=app:voicemail"
						: "");
			proxy = NULL;
		}
	} else {
		re_snprintf(err, errsz, "target type '%s' is not supported",
			    type);
		return ENOTSUP;
	}
	if (!e && proxy)
		/* libre writes the Route header as "<%s;lr>" itself */
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
