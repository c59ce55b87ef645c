/**
 * @file check_sbchdr.c  The jambonz headers of outbound INVITEs, as
 *                       sbc-outbound checks them
 */
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "base/cfg.h"
#include "sip/sbchdr.h"
#include "call/call_sbc.h"
#include "dir/dir_app.h"
#include "sip/target.h"
#include <json-c/json.h>

static const char *line_of(const char *hdrs, const char *name)
{
	static char line[256];
	const char *p = hdrs;
	size_t n = strlen(name);

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");

		if (!strncmp(p, name, n) && p[n] == ':') {
			re_snprintf(line, sizeof(line), "%b", p,
				    eol ? (size_t)(eol - p) : strlen(p));
			return line;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

START_TEST(sbchdr_dial)
{
	static const char *const teams[][2] = {
		{"X-MS-Teams-FQDN", "sbc.example.com"},
		{"X-MS-Teams-Tenant-FQDN", "tenant.example.com"},
		{"X-Requested-Carrier-Sid", "carrier-7"},
	};
	struct sbchdr h = {0};
	char *out = NULL;

	h.routing = "phone";
	h.account_sid = "acct-1";
	h.application_sid = "app-1";
	h.sip_proxy = "sip:10.0.0.9";
	str_ncpy(h.cid, "sbc-call-id", sizeof(h.cid));
	str_ncpy(h.voip_carrier_sid, "carrier-1", sizeof(h.voip_carrier_sid));
	h.teams_fqdn = teams[0][1];
	h.tenant_fqdn = teams[1][1];
	h.carrier_sid = teams[2][1];
	h.fs_uuid = "0f0e0d0c-0b0a-4908-8706-050403020100";
	/* the teams headers are the server's, like every jambonz header */
	ck_assert_int_eq(sbchdr_build(&out,
				      "X-Mine: 1\r\n"
				      "X-MS-Teams-FQDN: evil.example.com\r\n",
				      &h, "leg-sid"),
			 0);
	for (size_t i = 0; i < ARRAY_SIZE(teams); i++) {
		char want[128];

		re_snprintf(want, sizeof(want), "%s: %s", teams[i][0],
			    teams[i][1]);
		ck_assert_str_eq(line_of(out, teams[i][0]), want);
	}
	ck_assert_ptr_null(strstr(out, "evil"));
	ck_assert_str_eq(line_of(out, "X-Mine"), "X-Mine: 1");
	ck_assert_str_eq(line_of(out, "X-Jambonz-Routing"),
			 "X-Jambonz-Routing: phone");
	ck_assert_str_eq(line_of(out, "X-Account-Sid"),
			 "X-Account-Sid: acct-1");
	ck_assert_str_eq(line_of(out, "X-Application-Sid"),
			 "X-Application-Sid: app-1");
	/* a dial leg is a call of its own */
	ck_assert_str_eq(line_of(out, "X-Call-Sid"), "X-Call-Sid: leg-sid");
	ck_assert_str_eq(line_of(out, "X-CID"), "X-CID: sbc-call-id");
	ck_assert_str_eq(line_of(out, "X-Voip-Carrier-Sid"),
			 "X-Voip-Carrier-Sid: carrier-1");
	ck_assert_str_eq(line_of(out, "X-SIP-Proxy"),
			 "X-SIP-Proxy: sip:10.0.0.9");
	ck_assert_ptr_nonnull(line_of(out, "X-Jambonz-FS-UUID"));
	ck_assert_int_eq(strlen(line_of(out, "X-Jambonz-FS-UUID")),
			 strlen("X-Jambonz-FS-UUID: ") + 36);
	/* the process's UUID, as given */
	ck_assert_str_eq(line_of(out, "X-Jambonz-FS-UUID") + 19,
			 "0f0e0d0c-0b0a-4908-8706-050403020100");
	/* what is not known is left out, not sent empty */
	ck_assert_ptr_null(line_of(out, "X-Trace-ID"));
	ck_assert_ptr_null(line_of(out, "X-Preferred-From-Host"));
	mem_deref(out);
}
END_TEST

START_TEST(sbchdr_create_call)
{
	struct sbchdr h = {0};
	char *out = NULL;

	h.routing = "user";
	h.call_sid = "call-sid-1";
	h.account_sid = "acct-2";
	h.trace_id = "0123456789abcdef0123456789abcdef";
	h.from_host = "example.com";
	h.override_to = "sip:bob@example.com";
	/* the application may not name another account, or the leg */
	ck_assert_int_eq(sbchdr_build(&out,
				      "x-account-sid: other\r\n"
				      "X-Call-Sid: forged\r\n"
				      "X-Jambonz-Routing: sip\r\n"
				      "X-Keep: yes\r\n",
				      &h, "leg-sid"),
			 0);
	ck_assert_ptr_null(strstr(out, "other"));
	ck_assert_ptr_null(strstr(out, "forged"));
	ck_assert_ptr_null(strstr(out, "Routing: sip"));
	ck_assert_str_eq(line_of(out, "X-Keep"), "X-Keep: yes");
	ck_assert_str_eq(line_of(out, "X-Call-Sid"), "X-Call-Sid: call-sid-1");
	ck_assert_str_eq(line_of(out, "X-Account-Sid"),
			 "X-Account-Sid: acct-2");
	ck_assert_str_eq(line_of(out, "X-Jambonz-Routing"),
			 "X-Jambonz-Routing: user");
	ck_assert_str_eq(line_of(out, "X-Trace-ID"),
			 "X-Trace-ID: 0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(line_of(out, "X-Preferred-From-Host"),
			 "X-Preferred-From-Host: example.com");
	ck_assert_str_eq(line_of(out, "X-Override-To"),
			 "X-Override-To: sip:bob@example.com");
	mem_deref(out);
}
END_TEST

START_TEST(sbchdr_hostile)
{
	struct sbchdr h = {0};
	char *out = NULL;

	h.routing = "phone";
	h.account_sid = "acct\r\nX-Evil: 1";
	ck_assert_int_eq(sbchdr_build(&out, NULL, &h, "leg"), EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(sbchdr_build(NULL, NULL, &h, "leg"), EINVAL);
	ck_assert_int_eq(sbchdr_build(&out, NULL, NULL, "leg"), EINVAL);
	ck_assert(sbchdr_is_jambonz("x-jambonz-routing", 17));
	ck_assert(!sbchdr_is_jambonz("X-Jambonz", 9));
}
END_TEST

START_TEST(sbchdr_switch)
{
	struct cfg *cfg = NULL;
	char err[256];

	ck_assert_int_eq(cfg_load(&cfg, NULL, err, sizeof(err)), 0);
	ck_assert(!sbchdr_enabled(cfg));
	cfg->jambonz_sbcs = mem_deref(cfg->jambonz_sbcs);
	ck_assert_int_eq(str_dup(&cfg->jambonz_sbcs, "10.0.0.1"), 0);
	ck_assert(sbchdr_enabled(cfg));
	cfg->sbc_headers = mem_deref(cfg->sbc_headers);
	ck_assert_int_eq(str_dup(&cfg->sbc_headers, "off"), 0);
	ck_assert(!sbchdr_enabled(cfg));
	mem_deref(cfg);
	ck_assert(!sbchdr_enabled(NULL));
}
END_TEST

/* Resolve JSON text; "uri|route" or "!<error>" */
static const char *resolve(const struct cfg *cfg, const char *json,
			   const struct target_via *via)
{
	static char out[512];
	struct json_object *t = json_tokener_parse(json);
	char *uri = NULL, *route = NULL, err[256] = "";

	ck_assert_ptr_nonnull(t);
	if (via)
		ck_assert_int_eq(target_via_attach(t, via), 0);
	if (target_resolve(cfg, t, &uri, &route, err, sizeof(err)))
		re_snprintf(out, sizeof(out), "!%s", err);
	else
		re_snprintf(out, sizeof(out), "%s|%s", uri,
			    route ? route : "");
	mem_deref(uri);
	mem_deref(route);
	json_object_put(t);
	return out;
}

static void set(char **field, const char *v)
{
	*field = mem_deref(*field);
	ck_assert_int_eq(str_dup(field, v), 0);
}

/* In a cluster every target goes to an SBC, the SBCs in turn, and a
 * teams target is a number at the SBC (voicemail in the URI) */
START_TEST(sbchdr_routing)
{
	struct target_via via = {0};
	struct cfg *cfg = NULL;
	char err[256];

	ck_assert_int_eq(cfg_load(&cfg, NULL, err, sizeof(err)), 0);
	/* no cluster: sip targets go where their URI says, no teams */
	ck_assert_str_eq(
		resolve(cfg,
			"{\"type\":\"sip\",\"sipUri\":\"sip:a@10.9.9.9\"}",
			NULL),
		"sip:a@10.9.9.9|");
	ck_assert_str_eq(
		resolve(cfg, "{\"type\":\"teams\",\"number\":\"123\"}", NULL),
		"!teams targets need a jambonz SBC (JAMBONES_SBCS)");

	set(&cfg->jambonz_sbcs, "10.0.0.1:5060, sip:10.0.0.2:5070");
	set(&cfg->sip_outbound_proxy, "10.0.0.1:5060"); /* cfg.c's default */
	ck_assert_uint_eq(target_sbcs(cfg), 2);
	{
		const char *a = resolve(
			cfg, "{\"type\":\"phone\",\"number\":\"15551230000\"}",
			NULL);
		char first[128];

		str_ncpy(first, a, sizeof(first));
		/* the next one is the other SBC, then the first again */
		ck_assert_str_ne(resolve(cfg,
					 "{\"type\":\"phone\",\"number\":"
					 "\"15551230000\"}",
					 NULL),
				 first);
		ck_assert_str_eq(resolve(cfg,
					 "{\"type\":\"phone\",\"number\":"
					 "\"15551230000\"}",
					 NULL),
				 first);
		ck_assert(!strcmp(first, "sip:15551230000@10.0.0.1:5060|") ||
			  !strcmp(first, "sip:15551230000@10.0.0.2:5070|"));
	}
	/* a sip target through the SBC; its own proxy is X-SIP-Proxy's */
	str_ncpy(via.sbc, "10.0.0.7:5080", sizeof(via.sbc));
	ck_assert_str_eq(resolve(cfg,
				 "{\"type\":\"sip\",\"sipUri\":\"sip:a@10.9.9."
				 "9\",\"proxy\":\"10.8.8.8\"}",
				 &via),
			 "sip:a@10.9.9.9|sip:10.0.0.7:5080");
	ck_assert_str_eq(
		resolve(cfg,
			"{\"type\":\"user\",\"name\":\"bob@sip.example.com\"}",
			&via),
		"sip:bob@sip.example.com|sip:10.0.0.7:5080");
	ck_assert_str_eq(resolve(cfg,
				 "{\"type\":\"teams\",\"number\":\"+4930123\","
				 "\"vmail\":true}",
				 &via),
			 "sip:+4930123@10.0.0.7:5080;opaque=app:voicemail|");
	/* vmail is true or nothing, as place-outdial.js reads it */
	ck_assert_str_eq(resolve(cfg,
				 "{\"type\":\"teams\",\"number\":\"+4930123\","
				 "\"vmail\":\"true\"}",
				 &via),
			 "sip:+4930123@10.0.0.7:5080|");
	str_ncpy(via.refuse, "no teams here", sizeof(via.refuse));
	ck_assert_str_eq(
		resolve(cfg, "{\"type\":\"teams\",\"number\":\"1\"}", &via),
		"!no teams here");
	/* JSON cannot claim a via: only userdata is one */
	ck_assert_ptr_null(
		strstr(resolve(cfg,
			       "{\"type\":\"sip\",\"sipUri\":\"sip:a@10.9.9."
			       "9\",\"sbc\":\"6.6.6.6\",\"refuse\":\"x\"}",
			       NULL),
		       "6.6.6.6"));
	ck_assert_ptr_nonnull(
		strstr(resolve(cfg,
			       "{\"type\":\"sip\",\"sipUri\":\"sip:a@10.9.9."
			       "9\",\"sbc\":\"6.6.6.6\"}",
			       NULL),
		       "|sip:10.0.0."));
	/* SIP_OUTBOUND_PROXY of its own pins every outdial there */
	set(&cfg->sip_outbound_proxy, "10.0.0.9:5090");
	ck_assert_uint_eq(target_sbcs(cfg), 0);
	ck_assert_str_eq(
		resolve(cfg, "{\"type\":\"phone\",\"number\":\"1\"}", NULL),
		"sip:1@10.0.0.9:5090|");
	ck_assert_str_eq(
		resolve(cfg,
			"{\"type\":\"sip\",\"sipUri\":\"sip:a@10.9.9.9\"}",
			NULL),
		"sip:a@10.9.9.9|sip:10.0.0.9:5090");
	mem_deref(cfg);
}
END_TEST

/* lookupCarrier() by the trunk, else lookupCarrierByPhoneNumber() by
 * the calling number without its '+'; other targets name no carrier */
START_TEST(sbchdr_carrier)
{
	struct dir_app *app = NULL;
	struct json_object *t;
	struct sbchdr h = {0};

	ck_assert_int_eq(dir_app_new(&app), 0);
	app->carriers = json_tokener_parse("{\"trunk-a\":\"carrier-a\"}");
	app->number_carriers =
		json_tokener_parse("{\"15557770001\":\"carrier-n\"}");

	h.routing = "phone";
	t = json_tokener_parse("{\"number\":\"1555\",\"trunk\":\"trunk-a\"}");
	call_sbc_carrier(&h, app, "sid", t, "15557770001");
	ck_assert_str_eq(h.carrier_sid, "carrier-a");
	json_object_put(t);

	/* a trunk of no carrier: none, not the number's */
	h.carrier_sid = NULL;
	t = json_tokener_parse("{\"number\":\"1555\",\"trunk\":\"other\"}");
	call_sbc_carrier(&h, app, "sid", t, "15557770001");
	ck_assert_ptr_null(h.carrier_sid);
	json_object_put(t);

	t = json_tokener_parse("{\"number\":\"1555\"}");
	call_sbc_carrier(&h, app, "sid", t, "+15557770001");
	ck_assert_str_eq(h.carrier_sid, "carrier-n");
	h.carrier_sid = NULL;
	call_sbc_carrier(&h, app, "sid", t, "15550000000");
	ck_assert_ptr_null(h.carrier_sid);
	call_sbc_carrier(&h, app, "sid", t, "+");
	ck_assert_ptr_null(h.carrier_sid);
	call_sbc_carrier(&h, app, "sid", t, NULL);
	ck_assert_ptr_null(h.carrier_sid);
	call_sbc_carrier(&h, NULL, "sid", t, "15557770001");
	ck_assert_ptr_null(h.carrier_sid);
	h.routing = "sip";
	call_sbc_carrier(&h, app, "sid", t, "15557770001");
	ck_assert_ptr_null(h.carrier_sid);
	json_object_put(t);
	mem_deref(app);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *sbchdr_suite(void);

Suite *sbchdr_suite(void)
{
	Suite *s = suite_create("sbchdr");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fixture_re_setup, fixture_re_teardown);
	tcase_add_test(tc, sbchdr_dial);
	tcase_add_test(tc, sbchdr_create_call);
	tcase_add_test(tc, sbchdr_hostile);
	tcase_add_test(tc, sbchdr_switch);
	tcase_add_test(tc, sbchdr_routing);
	tcase_add_test(tc, sbchdr_carrier);
	suite_add_tcase(s, tc);
	return s;
}
