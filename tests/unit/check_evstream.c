/**
 * @file check_evstream.c  AWS's event-stream framing (CRC32, messages
 *                         written and read, malformed ones refused) and
 *                         SigV4 presigned URLs against AWS's example
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "http/sigv4.h"
#include "speech/evstream.h"

START_TEST(crc32_check_value)
{
	/* the CRC-32 check value of "123456789" (IEEE 802.3, zlib) */
	ck_assert_uint_eq(evs_crc32(0, (const uint8_t *)"123456789", 9),
			  0xCBF43926u);
	/* in pieces as in one */
	ck_assert_uint_eq(evs_crc32(evs_crc32(0, (const uint8_t *)"1234", 4),
				    (const uint8_t *)"56789", 5),
			  0xCBF43926u);
	ck_assert_uint_eq(evs_crc32(0, NULL, 0), 0);
}
END_TEST

static struct mbuf *audio_event(const uint8_t *pcm, size_t n)
{
	static const char *const names[] = {":content-type", ":event-type",
					    ":message-type"};
	static const char *const values[] = {"application/octet-stream",
					     "AudioEvent", "event"};
	struct mbuf *mb = mbuf_alloc(256);

	ck_assert_ptr_nonnull(mb);
	ck_assert_int_eq(evs_encode(mb, names, values, 3, pcm, n), 0);
	return mb;
}

START_TEST(encode_and_decode)
{
	const uint8_t pcm[] = {1, 2, 3, 4, 5, 6};
	struct mbuf *mb = audio_event(pcm, sizeof(pcm));
	const struct pl *v;
	struct evs_msg m;
	size_t hlen = (1 + 13 + 3 + 24) + (1 + 11 + 3 + 10) + (1 + 13 + 3 + 5);

	/* prelude: total and headers' lengths, big-endian */
	ck_assert_uint_eq(mb->end, 12 + hlen + sizeof(pcm) + 4);
	ck_assert_uint_eq(mb->buf[3], mb->end);
	ck_assert_uint_eq(mb->buf[7], hlen);
	ck_assert_int_eq(mb->buf[12], 13); /* ":content-type" */
	ck_assert_int_eq(memcmp(mb->buf + 13, ":content-type", 13), 0);
	ck_assert_int_eq(mb->buf[26], 7); /* a string */

	ck_assert_int_eq(evs_decode(&m, mb->buf, mb->end), 0);
	ck_assert_uint_eq(m.nhdrs, 3);
	v = evs_str(&m, ":event-type");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(pl_strcmp(v, "AudioEvent"), 0);
	ck_assert_ptr_null(evs_str(&m, ":exception-type"));
	ck_assert_uint_eq(m.len, sizeof(pcm));
	ck_assert_int_eq(memcmp(m.payload, pcm, sizeof(pcm)), 0);
	mem_deref(mb);

	/* the empty AudioEvent that ends the stream */
	mb = audio_event(NULL, 0);
	ck_assert_int_eq(evs_decode(&m, mb->buf, mb->end), 0);
	ck_assert_uint_eq(m.len, 0);
	mem_deref(mb);
}
END_TEST

START_TEST(decode_refuses)
{
	const uint8_t pcm[] = {9, 9, 9, 9};
	struct mbuf *mb = audio_event(pcm, sizeof(pcm));
	uint8_t buf[256];
	struct evs_msg m;
	size_t n = mb->end;

	memcpy(buf, mb->buf, n);
	mem_deref(mb);

	/* a payload byte changed: the message CRC */
	buf[n - 6] ^= 1;
	ck_assert_int_eq(evs_decode(&m, buf, n), EILSEQ);
	buf[n - 6] ^= 1;
	/* the headers' length changed: the prelude CRC */
	buf[7] ^= 1;
	ck_assert_int_eq(evs_decode(&m, buf, n), EILSEQ);
	buf[7] ^= 1;
	ck_assert_int_eq(evs_decode(&m, buf, n), 0);
	/* cut short, or more than the total says */
	ck_assert_int_eq(evs_decode(&m, buf, n - 1), EBADMSG);
	ck_assert_int_eq(evs_decode(&m, buf, 10), EBADMSG);
	buf[n] = 0;
	ck_assert_int_eq(evs_decode(&m, buf, n + 1), EBADMSG);
}
END_TEST

/* A header whose value type is unknown, or whose length runs past the
 * headers, with the CRCs right: the framing, not the CRC, refuses it */
START_TEST(decode_bad_headers)
{
	uint8_t b[64];
	uint32_t crc;
	struct evs_msg m;
	size_t hl, total;

	for (int bad = 0; bad < 2; bad++) {
		memset(b, 0, sizeof(b));
		/* header: "x", type 42 (unknown) or a string of 200 bytes */
		b[12] = 1;
		b[13] = 'x';
		b[14] = bad ? 7 : 42;
		b[15] = 0;
		b[16] = bad ? 200 : 0;
		hl = 5;
		total = 12 + hl + 4;
		b[3] = (uint8_t)total;
		b[7] = (uint8_t)hl;
		crc = evs_crc32(0, b, 8);
		b[8] = (uint8_t)(crc >> 24);
		b[9] = (uint8_t)(crc >> 16);
		b[10] = (uint8_t)(crc >> 8);
		b[11] = (uint8_t)crc;
		crc = evs_crc32(0, b, total - 4);
		b[total - 4] = (uint8_t)(crc >> 24);
		b[total - 3] = (uint8_t)(crc >> 16);
		b[total - 2] = (uint8_t)(crc >> 8);
		b[total - 1] = (uint8_t)crc;
		ck_assert_int_eq(evs_decode(&m, b, total), EBADMSG);
	}
}
END_TEST

/* The presigned URL example of AWS's documentation ("Authenticating
 * Requests: Using Query Parameters", S3's GET of test.txt) */
START_TEST(presign_aws_example)
{
	struct sigv4_req r = {
		.method = "GET",
		.url = "https://examplebucket.s3.amazonaws.com/test.txt",
		.region = "us-east-1",
		.service = "s3",
		.key_id = "AKIAIOSFODNN7EXAMPLE",
		.secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.now = 1369353600, /* 20130524T000000Z */
		.expires = 86400,
		.payload_hash = "UNSIGNED-PAYLOAD",
	};
	char *u = NULL;

	ck_assert_int_eq(sigv4_presign(&u, &r), 0);
	ck_assert_str_eq(
		u, "https://examplebucket.s3.amazonaws.com/test.txt"
		   "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		   "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
		   "us-east-1%2Fs3%2Faws4_request"
		   "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
		   "&X-Amz-SignedHeaders=host"
		   "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330"
		   "da4c265957d157751f604d404");
	u = mem_deref(u);

	/* the URL's own query is sorted in, a token signed, encoded */
	r.url = "wss://h.example.com:8443/p?sample-rate=8000&a-b=1";
	r.token = "to+k/en=";
	r.payload_hash = NULL;
	ck_assert_int_eq(sigv4_presign(&u, &r), 0);
	ck_assert_ptr_nonnull(strstr(u, "wss://h.example.com:8443/p?"
					"X-Amz-Algorithm="));
	ck_assert_ptr_nonnull(
		strstr(u, "&X-Amz-Security-Token=to%2Bk%2Fen%3D&"));
	ck_assert_ptr_nonnull(strstr(u, "&a-b=1&sample-rate=8000&X-Amz-"
					"Signature="));
	ck_assert_ptr_null(strstr(u, "aeeed9bb"));
	u = mem_deref(u);

	r.expires = 0;
	ck_assert_int_eq(sigv4_presign(&u, &r), EINVAL);
	r.expires = 300;
	r.url = "wss:///nohost";
	ck_assert_int_eq(sigv4_presign(&u, &r), EINVAL);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *evstream_suite(void);

Suite *evstream_suite(void)
{
	Suite *s = suite_create("evstream");
	TCase *tc = tcase_create("evstream");

	tcase_add_test(tc, crc32_check_value);
	tcase_add_test(tc, encode_and_decode);
	tcase_add_test(tc, decode_refuses);
	tcase_add_test(tc, decode_bad_headers);
	tcase_add_test(tc, presign_aws_example);
	suite_add_tcase(s, tc);
	return s;
}
