/**
 * @file check_ttsv.c  Cloud speech: AWS signing against AWS's published
 *                     example, credential lookup, request building and
 *                     answer decoding of the vendors
 */
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "http/jwt.h"
#include "http/sigv4.h"
#include "audio/speechcred.h"
#include "audio/ttsv.h"

/* The IAM ListUsers example of AWS's SigV4 documentation */
START_TEST(sigv4_aws_example)
{
	struct sigv4_req r = {
		.method = "GET",
		.url = "https://iam.amazonaws.com/"
		       "?Version=2010-05-08&Action=ListUsers",
		.ctype = "application/x-www-form-urlencoded; charset=utf-8",
		.region = "us-east-1",
		.service = "iam",
		.key_id = "AKIDEXAMPLE",
		.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.now = 1440938160, /* 20150830T123600Z */
	};
	char *h = NULL;

	ck_assert_int_eq(sigv4_headers(&h, &r), 0);
	ck_assert_ptr_nonnull(strstr(h, "X-Amz-Date: 20150830T123600Z\n"));
	ck_assert_ptr_nonnull(strstr(
		h,
		"Authorization: AWS4-HMAC-SHA256 "
		"Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=content-type;host;x-amz-date, "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e"
		"06b5924a6f2b5d7"));
	mem_deref(h);

	/* a session token is sent and signed */
	r.token = "tok";
	ck_assert_int_eq(sigv4_headers(&h, &r), 0);
	ck_assert_ptr_nonnull(strstr(h, "X-Amz-Security-Token: tok\n"));
	ck_assert_ptr_nonnull(
		strstr(h, "SignedHeaders=content-type;host;x-amz-date;"
			  "x-amz-security-token, "));
	ck_assert_ptr_null(strstr(h, "5d672d79c15b"));
	mem_deref(h);

	r.url = "https:///nohost";
	ck_assert_int_eq(sigv4_headers(&h, &r), EINVAL);
	r.url = "https://iam.amazonaws.com/";
	r.secret = NULL;
	ck_assert_int_eq(sigv4_headers(&h, &r), EINVAL);
}
END_TEST

/* RS256: the signature verifies with the key's public half, over
 * header.claims; a key that is not one is refused */
START_TEST(jwt_rs256_signs)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	BIO *bio = BIO_new(BIO_s_mem());
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *pem, *jwt = NULL, *dot;
	uint8_t sig[512];
	char b64[700];
	size_t slen = sizeof(sig), n;
	long plen;

	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(
		PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL),
		1);
	plen = BIO_get_mem_data(bio, &pem);
	pem[plen - 1] = '\0'; /* the last newline: a NUL-terminated PEM */
	ck_assert_int_eq(jwt_rs256(&jwt, pem, "{\"iss\":\"a@b\"}"), 0);
	/* {"alg":"RS256","typ":"JWT"} . {"iss":"a@b"} */
	ck_assert_ptr_eq(strstr(jwt, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
				     "eyJpc3MiOiJhQGIifQ."),
			 jwt);
	dot = strrchr(jwt, '.');
	n = strlen(dot + 1);
	ck_assert_uint_lt(n + 4, sizeof(b64));
	memcpy(b64, dot + 1, n);
	for (size_t i = 0; i < n; i++)
		b64[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
	while (n % 4)
		b64[n++] = '=';
	ck_assert_int_eq(base64_decode(b64, n, sig, &slen), 0);
	ck_assert_int_eq(
		EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestVerify(ctx, sig, slen, (uint8_t *)jwt,
					  (size_t)(dot - jwt)),
			 1);
	mem_deref(jwt);
	jwt = NULL;
	ck_assert_int_eq(
		jwt_rs256(&jwt, "-----BEGIN PRIVATE KEY-----\nAAAA\n", "{}"),
		EINVAL);
	ck_assert_ptr_null(jwt);
	EVP_MD_CTX_free(ctx);
	BIO_free(bio);
	EVP_PKEY_free(key);
}
END_TEST

static struct speechcred *creds_from(const char *text)
{
	char path[] = "/tmp/check_ttsv_XXXXXX";
	struct speechcred *sc = NULL;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	(void)speechcred_load(&sc, path);
	unlink(path);
	return sc;
}

START_TEST(speechcred_lookup)
{
	struct speechcred *sc = creds_from(
		"[{\"vendor\":\"polly\",\"label\":\"b\","
		"\"credential\":{\"region\":\"r-b\"}},"
		"{\"vendor\":\"aws\",\"credential\":{\"region\":\"r-none\"}},"
		"{\"vendor\":\"azure\",\"use_for_tts\":0,"
		"\"credential\":{\"region\":\"stt\"}},"
		"{\"vendor\":\"microsoft\",\"label\":\"x\","
		"\"credential\":\"{\\\"region\\\":\\\"text\\\"}\"}]");
	const struct json_object *c;

	ck_assert_ptr_nonnull(sc);
	/* no label: the row without one, though another comes first */
	c = speechcred_find(sc, "aws", NULL, true);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 (struct json_object *)c, "region")),
			 "r-none");
	c = speechcred_find(sc, "polly", "b", true);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 (struct json_object *)c, "region")),
			 "r-b");
	ck_assert_ptr_null(speechcred_find(sc, "aws", "nope", true));
	/* the unlabelled row is for recognition only: jambonz fails rather
	 * than take another label's */
	ck_assert_ptr_null(speechcred_find(sc, "microsoft", NULL, true));
	/* the JSON-text credential parsed */
	c = speechcred_find(sc, "microsoft", "x", true);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 (struct json_object *)c, "region")),
			 "text");
	c = speechcred_find(sc, "microsoft", NULL, false);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 (struct json_object *)c, "region")),
			 "stt");
	ck_assert_ptr_null(speechcred_find(sc, "google", NULL, true));
	mem_deref(sc);

	/* hostile files are refused with a reason, never half-loaded */
	ck_assert_ptr_null(creds_from("{\"vendor\":\"aws\"}"));
	ck_assert_ptr_null(creds_from("[1,2]"));
	ck_assert_ptr_null(
		creds_from("[{\"vendor\":\"aws\",\"credential\":\"{nope\"}]"));
	ck_assert_ptr_null(creds_from("[{\"credential\":{}}]"));
	ck_assert_ptr_null(creds_from("not json"));
}
END_TEST

START_TEST(ttsv_requests)
{
	struct json_object *cred = json_tokener_parse(
		"{\"api_key\":\"k\",\"region\":\"westeurope\"}");
	struct ttsv_ask a = {
		.vendor = "azure",
		.voice = "v\"1",
		.lang = "en-US",
		.text = "a<b & 'c'",
		.engine = "",
		.model = "",
		.cred = cred,
	};
	struct ttsv_http h = {0};
	char err[128];

	ck_assert_ptr_eq(ttsv_find("azure"), &ttsv_microsoft);
	ck_assert_ptr_eq(ttsv_find("custom:acme"), &ttsv_custom);
	ck_assert_ptr_eq(ttsv_find("whisper"), &ttsv_openai);
	ck_assert_ptr_null(ttsv_find("wellsaid"));

	ck_assert_int_eq(ttsv_microsoft.build(&h, &a, err, sizeof(err)), 0);
	ck_assert_str_eq(h.url, "https://westeurope.tts.speech.microsoft.com"
				"/cognitiveservices/v1");
	ck_assert_ptr_nonnull(strstr(h.body, "<voice name=\"v&quot;1\">"
					     "a&lt;b &amp; &apos;c&apos;"
					     "</voice></speak>"));
	ttsv_http_reset(&h);

	/* a bare <speak> gets what Azure requires; the rest is kept */
	a.text = "<speak>Hi <break time=\"1s\"/> there</speak>";
	a.ssml = true;
	ck_assert_int_eq(ttsv_microsoft.build(&h, &a, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(
		h.body, "xml:lang=\"en-US\"><voice name=\"v&quot;1\">Hi "
			"<break time=\"1s\"/> there</voice></speak>"));
	ck_assert_ptr_eq(strstr(h.body, "<speak version"), h.body);
	ttsv_http_reset(&h);

	/* what is missing is said, nothing is sent */
	a.voice = "";
	ck_assert_int_eq(ttsv_microsoft.build(&h, &a, err, sizeof(err)),
			 EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "voice"));
	ck_assert_int_eq(ttsv_aws.build(&h, &a, err, sizeof(err)), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "access_key_id"));
	ck_assert_int_eq(ttsv_elevenlabs.build(&h, &a, err, sizeof(err)),
			 EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "model_id"));
	ck_assert_ptr_null(h.url);
	json_object_put(cred);
}
END_TEST

START_TEST(ttsv_decoding)
{
	uint8_t pcm[320];
	struct fs_audio *au = NULL;

	for (size_t i = 0; i < sizeof(pcm) / 2; i++) {
		pcm[2 * i] = (uint8_t)(i * 7);
		pcm[2 * i + 1] = (uint8_t)(i & 0x3f);
	}
	/* raw 8 kHz as it is: 160 samples, little-endian */
	ck_assert_int_eq(ttsv_decode_ctype(&au, "audio/l16;rate=8000", pcm,
					   sizeof(pcm)),
			 0);
	ck_assert_uint_eq(au->samples, 160);
	ck_assert_int_eq(au->pcm[1], (int16_t)(7 | (1 << 8)));
	au = mem_deref(au);
	/* 16 kHz halves */
	ck_assert_int_eq(ttsv_decode_l16(&au, pcm, sizeof(pcm), 16000), 0);
	ck_assert_uint_le(au->samples, 81);
	ck_assert_uint_ge(au->samples, 70);
	au = mem_deref(au);
	/* nothing to play, or not audio */
	ck_assert_int_eq(ttsv_decode_l16(&au, pcm, 1, 8000), EPROTO);
	ck_assert_int_eq(
		ttsv_google.decode(&au, NULL, (const uint8_t *)"{\"a\":1}", 7),
		EPROTO);
	ck_assert_int_eq(ttsv_google.decode(
				 &au, NULL,
				 (const uint8_t *)"{\"audioContent\":\"!!\"}",
				 21),
			 EPROTO);
	ck_assert_ptr_null(au);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *ttsv_suite(void);

Suite *ttsv_suite(void)
{
	Suite *s = suite_create("ttsv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sigv4_aws_example);
	tcase_add_test(tc, jwt_rs256_signs);
	tcase_add_test(tc, speechcred_lookup);
	tcase_add_test(tc, ttsv_requests);
	tcase_add_test(tc, ttsv_decoding);
	suite_add_tcase(s, tc);
	return s;
}
