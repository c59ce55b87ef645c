/**
 * @file check_aws_sts.c  AWS roleArn: which credentials go through STS,
 *                        the AssumeRole request, STS's XML answers and
 *                        errors (hostile ones refused), the keys handed on
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_req.h>
#include "fixture.h"
#include "audio/aws_sts.h"
#include "audio/ttsv.h"

static struct json_object *cred(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(sts_wanted)
{
	struct json_object *role =
		cred("{\"role_arn\":\"arn:aws:iam::1:role/r\","
		     "\"aws_region\":\"eu-west-1\"}");
	struct json_object *both = cred(
		"{\"roleArn\":\"arn:aws:iam::1:role/r\",\"accessKeyId\":\"A\","
		"\"secretAccessKey\":\"S\",\"region\":\"eu-west-1\"}");
	struct json_object *keys = cred("{\"access_key_id\":\"A\","
					"\"secret_access_key\":\"S\"}");

	ck_assert(aws_sts_wanted(role, false));
	ck_assert(aws_sts_wanted(role, true));
	/* synthesis tries the keys first, recognition the role */
	ck_assert(!aws_sts_wanted(both, false));
	ck_assert(aws_sts_wanted(both, true));
	ck_assert(!aws_sts_wanted(keys, true));
	ck_assert(!aws_sts_wanted(NULL, true));
	json_object_put(role);
	json_object_put(both);
	json_object_put(keys);
}
END_TEST

START_TEST(sts_request)
{
	struct json_object *c =
		cred("{\"role_arn\":\"arn:aws:iam::1:role/a b\","
		     "\"aws_region\":\"eu-west-1\"}");
	struct ttsv_http h = {0};
	char key[256], why[160] = "";

	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_ENDPOINT_URL_STS");
	ck_assert_int_eq(
		aws_sts_request(&h, c, key, sizeof(key), why, sizeof(why)),
		EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "AWS_ACCESS_KEY_ID"));
	ttsv_http_reset(&h);

	setenv("AWS_ACCESS_KEY_ID", "AKIDSERVER", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "srv/secret", 1);
	ck_assert_int_eq(
		aws_sts_request(&h, c, key, sizeof(key), why, sizeof(why)), 0);
	ck_assert_str_eq(h.url, "https://sts.eu-west-1.amazonaws.com/");
	ck_assert_str_eq(h.body,
			 "Action=AssumeRole&DurationSeconds=3600"
			 "&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b"
			 "&RoleSessionName=Jambonz_Speech&Version=2011-06-15");
	ck_assert_ptr_nonnull(strstr(h.hdrs, "Credential=AKIDSERVER/"));
	ck_assert_ptr_nonnull(strstr(h.hdrs, "/eu-west-1/sts/aws4_request"));
	ck_assert_ptr_nonnull(strstr(
		h.hdrs, "application/x-www-form-urlencoded; charset=utf-8"));
	ck_assert_ptr_nonnull(strstr(key, "arn:aws:iam::1:role/a b"));
	ttsv_http_reset(&h);

	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9", 1);
	ck_assert_int_eq(
		aws_sts_request(&h, c, key, sizeof(key), why, sizeof(why)), 0);
	ck_assert_str_eq(h.url, "http://127.0.0.1:9/");
	ttsv_http_reset(&h);
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	json_object_put(c);
}
END_TEST

static int parse(char **tok, int64_t *secs, const char *body)
{
	struct fs_resp r = {.status = 200, .body = body, .len = strlen(body)};

	*tok = NULL;
	return aws_sts_parse(tok, secs, &r);
}

static char *answer(const char *id, time_t exp)
{
	char *s = NULL;
	char t[32];

	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	ck_assert_int_eq(
		re_sdprintf(&s,
			    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws"
			    ".com/doc/2011-06-15/\">\n<AssumeRoleResult>\n"
			    "<Credentials>\n<AccessKeyId>%s</AccessKeyId>\n"
			    "<SecretAccessKey>se/cr+et</SecretAccessKey>\n"
			    "<SessionToken>to&amp;ken==</SessionToken>\n"
			    "<Expiration>%s</Expiration>\n</Credentials>\n"
			    "</AssumeRoleResult></AssumeRoleResponse>",
			    id, t),
		0);
	return s;
}

START_TEST(sts_answers)
{
	struct json_object *c, *o;
	char *tok, *a;
	int64_t secs;

	/* an hour: asked again 10 minutes before it ends */
	a = answer("ASIATEMP", time(NULL) + 3600);
	ck_assert_int_eq(parse(&tok, &secs, a), 0);
	ck_assert_str_eq(tok, "ASIATEMP\nse/cr+et\nto&ken==");
	ck_assert(secs >= 2995 && secs <= 3000);

	c = cred("{\"role_arn\":\"r\",\"aws_region\":\"eu-west-1\","
		 "\"accessKeyId\":\"old\",\"sessionToken\":\"old\"}");
	o = aws_sts_cred(c, tok);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_get_string(
				 json_object_object_get(o, "access_key_id")),
			 "ASIATEMP");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 o, "secret_access_key")),
			 "se/cr+et");
	ck_assert_str_eq(json_object_get_string(
				 json_object_object_get(o, "session_token")),
			 "to&ken==");
	ck_assert(!json_object_object_get_ex(o, "accessKeyId", NULL));
	ck_assert(!json_object_object_get_ex(o, "sessionToken", NULL));
	json_object_put(o);
	ck_assert_ptr_null(aws_sts_cred(c, "one part only"));
	json_object_put(c);
	mem_deref(tok);
	mem_deref(a);

	/* ending in 5 minutes: a minute before */
	a = answer("ASIATEMP", time(NULL) + 300);
	ck_assert_int_eq(parse(&tok, &secs, a), 0);
	ck_assert(secs >= 235 && secs <= 240);
	mem_deref(tok);
	mem_deref(a);
}
END_TEST

START_TEST(sts_hostile)
{
	static const char *const bad[] = {
		"",
		"not xml at all",
		"<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult>"
		"</AssumeRoleResponse>",
		/* no Credentials inside the result */
		"<AssumeRoleResult><AccessKeyId>A</AccessKeyId>"
		"</AssumeRoleResult>",
		/* a missing part */
		"<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>S</SecretAccessKey>"
		"<Expiration>2030-01-01T00:00:00Z</Expiration>"
		"</Credentials></AssumeRoleResult>",
		/* a line break in a value would split the token */
		"<AssumeRoleResult><Credentials><AccessKeyId>A\nB</"
		"AccessKeyId>"
		"<SecretAccessKey>S</SecretAccessKey><SessionToken>T"
		"</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
		"</Credentials></AssumeRoleResult>",
		/* an unknown entity, a nested tag */
		"<AssumeRoleResult><Credentials><AccessKeyId>&x;</AccessKeyId>"
		"<SecretAccessKey>S</SecretAccessKey><SessionToken>T"
		"</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
		"</Credentials></AssumeRoleResult>",
		"<AssumeRoleResult><Credentials><AccessKeyId><b>A</b>"
		"</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
		"<SessionToken>T</SessionToken>"
		"<Expiration>2030-01-01T00:00:00Z</Expiration>"
		"</Credentials></AssumeRoleResult>",
		/* not a time */
		"<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>S</SecretAccessKey><SessionToken>T"
		"</SessionToken><Expiration>soon</Expiration>"
		"</Credentials></AssumeRoleResult>",
		/* cut short */
		"<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>S",
	};
	char *tok;
	int64_t secs;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(&tok, &secs, bad[i]) == EPROTO,
			      "answer %zu taken", i);
		ck_assert_ptr_null(tok);
	}
}
END_TEST

START_TEST(sts_errors)
{
	const char *body =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"
		"2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied"
		"</Code><Message>User: x is not authorized &amp; so on"
		"</Message></Error><RequestId>1</RequestId></ErrorResponse>";
	struct fs_resp r = {.status = 403, .body = body, .len = strlen(body)};
	char out[120];

	ck_assert_int_eq(aws_sts_error(out, sizeof(out), &r), 0);
	ck_assert_str_eq(out,
			 "AccessDenied: User: x is not authorized & so on");
	r.body = "{\"message\": \"not xml\"}";
	r.len = strlen(r.body);
	ck_assert_int_eq(aws_sts_error(out, sizeof(out), &r), ENOENT);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *aws_sts_suite(void);

Suite *aws_sts_suite(void)
{
	Suite *s = suite_create("aws_sts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sts_wanted);
	tcase_add_test(tc, sts_request);
	tcase_add_test(tc, sts_answers);
	tcase_add_test(tc, sts_hostile);
	tcase_add_test(tc, sts_errors);
	suite_add_tcase(s, tc);
	return s;
}
