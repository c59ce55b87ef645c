/**
 * @file call_sbc.h  The jambonz SBC headers of a call's outbound legs
 */
#ifndef CALL_SBC_H
#define CALL_SBC_H

#include <stdbool.h>
#include <stddef.h>

struct dir_app;
struct fs_call;
struct json_object;
struct sbchdr;

/**
 * A sid names rows of the directory (X-Account-Sid, createCall's
 * account_sid, ...): a token of at most 64 characters, so nothing else
 * reaches a query, a log line or an X-Reason.
 */
bool call_sbc_sid_ok(const char *p, size_t n);

/**
 * Fill h for a dial leg of c to target: the call's account and
 * application, X-CID and X-Voip-Carrier-Sid of its INVITE, the target's
 * type, proxy and overrideTo; a phone target's trunk as the account's
 * carrier of that name, a teams target's FQDNs (its tenant, else the
 * account's). Strings borrowed from c and target.
 */
void call_sbc_dial(struct sbchdr *h, const struct fs_call *c,
		   const struct json_object *target);

/**
 * X-Requested-Carrier-Sid of a phone target (h->routing "phone"), as
 * jambonz's lookupCarrier() and lookupCarrierByPhoneNumber(): its trunk
 * as the account's carrier of that name, else the carrier of the
 * calling number (app's phone_numbers); sid names the call in the log.
 */
void call_sbc_carrier(struct sbchdr *h, const struct dir_app *app,
		      const char *sid, const struct json_object *target,
		      const char *calling);

/** X-MS-Teams-* of a teams target (h->routing "teams") */
void call_sbc_teams(struct sbchdr *h, const struct dir_app *app,
		    const struct json_object *target);

/**
 * The target a dial leg resolves, when the SBC headers are on, as
 * jambonz's dial.js: a user target without a realm gets the account's
 * sip_realm (sbc-outbound finds registered users by user@realm); a leg
 * of an inbound call goes back to the SBC its INVITE came from, when
 * JAMBONES_SBCS choose the SBC; a teams target of an account without
 * Teams settings is refused (target_via, read by target_resolve).
 *
 * @return a new reference: target itself, or a copy with the realm
 *         and the target_via; NULL when the copy failed for a target
 *         that must be refused
 */
struct json_object *call_sbc_target(const struct fs_call *c,
				    const struct json_object *target);

#endif
