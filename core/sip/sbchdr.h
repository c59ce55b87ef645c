/**
 * @file sbchdr.h  What jambonz's sbc-outbound requires on an outbound INVITE
 *
 * In a jambonz cluster every outdial of a feature server goes to an SBC
 * (sbc-outbound), which refuses an INVITE without X-Account-Sid or
 * X-Jambonz-Routing with 403 and routes by the rest. These are the
 * headers jambonz-feature-server's place-outdial.js, dial.js and
 * create-call.js send; one function builds them for every leg.
 */
#ifndef SBCHDR_H
#define SBCHDR_H

#include <stdbool.h>

struct cfg;

#define SBCHDR_VAL_MAX 128

/** The call a leg belongs to: what the headers say (strings borrowed,
 *  NULL or "" = header left out) */
struct sbchdr {
	const char *routing;     /* X-Jambonz-Routing: phone, user, sip   */
	const char *call_sid;    /* X-Call-Sid; NULL = the leg's own sid  */
	const char *account_sid; /* X-Account-Sid                         */
	const char *application_sid; /* X-Application-Sid                 */
	const char *trace_id;        /* X-Trace-ID                        */
	const char *from_user;       /* X-Preferred-From-User             */
	const char *from_host;       /* X-Preferred-From-Host             */
	const char *carrier_sid;     /* X-Requested-Carrier-Sid           */
	const char *sip_proxy;       /* X-SIP-Proxy (the target's proxy)  */
	const char *override_to;     /* X-Override-To (user targets)      */
	const char *teams_fqdn;      /* X-MS-Teams-FQDN (teams targets)   */
	const char *tenant_fqdn;     /* X-MS-Teams-Tenant-FQDN            */
	const char *fs_uuid; /* X-Jambonz-FS-UUID: the process's (app.h) */
	/* of the inbound call a dial bridges to (copied from its INVITE) */
	char cid[SBCHDR_VAL_MAX];              /* X-CID                      */
	char voip_carrier_sid[SBCHDR_VAL_MAX]; /* X-Voip-Carrier-Sid      */
};

/** @return true when outbound INVITEs carry the jambonz headers
 *          (JAMBONZ_SBC_HEADERS, auto: JAMBONES_SBCS or MySQL set) */
bool sbchdr_enabled(const struct cfg *cfg);

/**
 * The header lines of an outbound INVITE: the application's own
 * (hdrs, "Name: value\r\n" lines, may be NULL) without those naming a
 * jambonz header, then the jambonz headers of h. A jambonz header is
 * the server's to set: an application must not claim another account.
 *
 * @param outp    Returns the lines (new string, may be NULL when none)
 * @param leg_sid X-Call-Sid when h->call_sid is NULL
 * @return 0, EINVAL (a value that cannot be a header), ENOMEM
 */
int sbchdr_build(char **outp, const char *hdrs, const struct sbchdr *h,
		 const char *leg_sid);

/** @return true when name (case-insensitive) is one of the jambonz
 *          headers sbchdr_build() sets */
bool sbchdr_is_jambonz(const char *name, size_t len);

#endif
