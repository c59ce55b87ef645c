/**
 * @file call_sbc.h  The jambonz SBC headers of a call's outbound legs
 */
#ifndef CALL_SBC_H
#define CALL_SBC_H

struct fs_call;
struct json_object;
struct sbchdr;

/**
 * Fill h for a dial leg of c to target: the call's account and
 * application, X-CID and X-Voip-Carrier-Sid of its INVITE, the target's
 * type, proxy and overrideTo. Strings borrowed from c and target.
 */
void call_sbc_dial(struct sbchdr *h, const struct fs_call *c,
		   const struct json_object *target);

/**
 * The target a dial leg resolves: as jambonz's dial.js, a user target
 * without a realm gets the account's sip_realm when the SBC headers are
 * on (sbc-outbound finds registered users by user@realm).
 *
 * @return a new reference: target itself, or a copy with the realm
 */
struct json_object *call_sbc_target(const struct fs_call *c,
				    const struct json_object *target);

#endif
