/**
 * @file target.h  Where a dial or createCall target goes: its SIP URI
 */
#ifndef TARGET_H
#define TARGET_H

#include <stddef.h>

struct cfg;
struct json_object;

#define TARGET_HOSTPORT_MAX 256

/**
 * What the caller decided for one target, beyond its JSON: attached to
 * the target object as json-c userdata (target_via_attach), so that no
 * input, which is only JSON text, can claim it.
 */
struct target_via {
	char sbc[TARGET_HOSTPORT_MAX]; /* host:port of the SBC, "" = pick */
	char refuse[160];              /* "" or why the target cannot go  */
};

/** Attach a copy of via to target (an object the caller owns) */
int target_via_attach(struct json_object *target,
		      const struct target_via *via);

/**
 * Resolve a target ({type: phone|sip|user|teams, number, sipUri, name,
 * proxy, vmail}) to a Request-URI and an optional outbound proxy route.
 *
 * With the jambonz SBC headers on (sbchdr_enabled) every target goes to
 * an SBC, as jambonz sends them: its via's, else the next of
 * JAMBONES_SBCS in turn, else SIP_OUTBOUND_PROXY; the target's own proxy
 * is then sbc-outbound's to use (X-SIP-Proxy), not the route.
 *
 * @param urip   Returns the URI (new string)
 * @param routep Returns the route URI or NULL (new string)
 * @param err    Receives why when the target cannot be called
 * @return 0, EINVAL (bad target), ENOTSUP (type not supported)
 */
int target_resolve(const struct cfg *cfg, const struct json_object *target,
		   char **urip, char **routep, char *err, size_t errsz);

/**
 * @return how many SBCs of JAMBONES_SBCS outdials take turns over: 0
 *         when there is none, or SIP_OUTBOUND_PROXY names another
 *         address (it then takes every outdial)
 */
unsigned target_sbcs(const struct cfg *cfg);

/**
 * The SBC of the next outdial, as jambonz's getSBC(): JAMBONES_SBCS in
 * turn (thread safe), unless SIP_OUTBOUND_PROXY names another address,
 * which then takes every outdial.
 *
 * @return buf holding host:port, or NULL when JAMBONES_SBCS is empty or
 *         pinned away
 */
const char *target_next_sbc(const struct cfg *cfg, char *buf, size_t sz);

#endif
