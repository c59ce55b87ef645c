/**
 * @file check_jcrypt.c  jambonz's encrypted values, with ciphertexts made
 *                       by the api-server's own algorithm (Node's crypto)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "base/jcrypt.h"

#define SECRET "s3cret-of-the-cluster"
#define PLAIN  "{\"api_key\":\"k-1\",\"region\":\"eastus\"}"

/* encrypt() of encrypt-decrypt.js with a fixed IV */
static const char cbc[] =
	"{\"iv\":\"00112233445566778899aabbccddeeff\",\"content\":"
	"\"ed6742da43a3f0aa987c2a3ced8b2c25541ed5898de52bd4671f779dfc85be64"
	"239a0e516b97241986eb0401b5ff5b58\"}";
static const char ctr[] =
	"{\"iv\":\"00112233445566778899aabbccddeeff\",\"content\":"
	"\"45d7f9830162ea9f967f44d9d793bf3cfedeffd81f9a53ab9c4f0a32f1f4be2d"
	"779de1\"}";

START_TEST(jcrypt_api_server_values)
{
	char *p = NULL;

	ck_assert_int_eq(jcrypt_decrypt(&p, cbc, SECRET, false), 0);
	ck_assert_str_eq(p, PLAIN);
	p = mem_deref(p);
	ck_assert_int_eq(jcrypt_decrypt(&p, ctr, SECRET, true), 0);
	ck_assert_str_eq(p, PLAIN);
	p = mem_deref(p);

	/* a wrong secret fails the padding check rather than giving junk */
	ck_assert_int_eq(jcrypt_decrypt(&p, cbc, "another", false), EBADMSG);
	ck_assert_ptr_null(p);
	/* hostile values */
	ck_assert_int_eq(jcrypt_decrypt(&p, "not json", SECRET, false),
			 EINVAL);
	ck_assert_int_eq(jcrypt_decrypt(&p,
					"{\"iv\":\"00\",\"content\":\"ab\"}",
					SECRET, false),
			 EINVAL);
	ck_assert_int_eq(
		jcrypt_decrypt(&p,
			       "{\"iv\":\"00112233445566778899aabbccddeeff\","
			       "\"content\":\"zz\"}",
			       SECRET, false),
		EINVAL);
	ck_assert_int_eq(
		jcrypt_decrypt(&p,
			       "{\"iv\":\"00112233445566778899aabbccddeeff\","
			       "\"content\":\"abc\"}",
			       SECRET, false),
		EINVAL);
	ck_assert_int_eq(jcrypt_decrypt(&p, cbc, "", false), EINVAL);
	ck_assert_ptr_null(p);
}
END_TEST

/* An application's env_vars as the api-server stores them: two blocks,
 * UTF-8, under another secret (Node's crypto made it) */
START_TEST(jcrypt_env_vars)
{
	static const char env[] =
		"{\"iv\":\"0f0e0d0c0b0a09080706050403020100\",\"content\":"
		"\"71f0a5d1572494b9bcbf5cd985a6b04451d042ffa617e35d6d409566345"
		"81c81\"}";
	char *p = NULL;

	ck_assert_int_eq(jcrypt_decrypt(&p, env, "env-secret", false), 0);
	ck_assert_str_eq(p, "{\"GREETING\":\"hej \xc3\xa5\",\"N\":\"42\"}");
	p = mem_deref(p);
	/* the legacy algorithm on a CBC value: no padding check, but
	 * not the plaintext either */
	if (!jcrypt_decrypt(&p, env, "env-secret", true))
		ck_assert_str_ne(
			p, "{\"GREETING\":\"hej \xc3\xa5\",\"N\":\"42\"}");
	p = mem_deref(p);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *jcrypt_suite(void);

Suite *jcrypt_suite(void)
{
	Suite *s = suite_create("jcrypt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, jcrypt_api_server_values);
	tcase_add_test(tc, jcrypt_env_vars);
	suite_add_tcase(s, tc);
	return s;
}
