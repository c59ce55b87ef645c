/**
 * @file check_listen_pcm.c  The listen verb's parsers of what a server
 *                           sends: base64, WAV, L16; log-safe text and
 *                           URLs without credentials
 *
 * The plugin's own file is compiled in here (it uses libre alone), so
 * hostile bytes are tried on the code that runs.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "call/listen_int.h"

extern Suite *listen_pcm_suite(void);

START_TEST(pcm_base64)
{
	uint8_t *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(listen_b64(&out, &n, "aGVsbG8=", 8), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(out, "hello", 5), 0);
	out = mem_deref(out);
	ck_assert_int_eq(listen_b64(&out, &n, "AAEC", 4), 0);
	ck_assert_uint_eq(n, 3);
	out = mem_deref(out);
	/* not base64: wrong characters, length, padding in the middle */
	ck_assert_int_eq(listen_b64(&out, &n, "!!!not base64!!!", 16), EINVAL);
	ck_assert_int_eq(listen_b64(&out, &n, "aGVsbG8", 7), EINVAL);
	ck_assert_int_eq(listen_b64(&out, &n, "aG=sbG8=", 8), EINVAL);
	ck_assert_int_eq(listen_b64(&out, &n, "", 0), EINVAL);
	ck_assert_int_eq(listen_b64(&out, &n, "====", 4), EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

/* a WAV header for n bytes of data, fmt chunk of fmtsz */
static size_t wav_make(uint8_t *b, uint16_t fmt, uint16_t ch, uint32_t rate,
		       uint16_t bits, uint32_t datasz, size_t n)
{
	size_t i;

	memcpy(b, "RIFF\0\0\0\0WAVEfmt ", 16);
	b[16] = 16;
	b[17] = b[18] = b[19] = 0;
	b[20] = (uint8_t)fmt;
	b[21] = (uint8_t)(fmt >> 8);
	b[22] = (uint8_t)ch;
	b[23] = 0;
	for (i = 0; i < 4; i++)
		b[24 + i] = (uint8_t)(rate >> (8 * i));
	memset(b + 28, 0, 6);
	b[34] = (uint8_t)bits;
	b[35] = 0;
	/* an odd-sized chunk to skip, with its pad byte */
	memcpy(b + 36, "LIST\3\0\0\0abc\0", 12);
	memcpy(b + 48, "data", 4);
	for (i = 0; i < 4; i++)
		b[52 + i] = (uint8_t)(datasz >> (8 * i));
	for (i = 0; i < n; i++)
		b[56 + i] = (uint8_t)(i + 1);
	return 56 + n;
}

START_TEST(pcm_wav)
{
	uint8_t b[256];
	int16_t *pcm = NULL;
	size_t n = 0, len;
	uint32_t rate = 0;

	len = wav_make(b, 1, 1, 16000, 16, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(rate, 16000);
	ck_assert_int_eq(pcm[0], 0x0201);
	ck_assert_int_eq(pcm[3], 0x0807);
	pcm = mem_deref(pcm);
	/* stereo: the first channel */
	len = wav_make(b, 1, 2, 8000, 16, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(pcm[1], 0x0605);
	pcm = mem_deref(pcm);
	/* a streamed WAV: data size 0 or too large means what came */
	len = wav_make(b, 1, 1, 8000, 16, 0xffffffffu, 6);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), 0);
	ck_assert_uint_eq(n, 3);
	pcm = mem_deref(pcm);
	/* refused: 8-bit, a-law, no channels, a silly rate, cut short,
	 * not RIFF at all */
	len = wav_make(b, 1, 1, 8000, 8, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), EPROTO);
	len = wav_make(b, 6, 1, 8000, 16, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), EPROTO);
	len = wav_make(b, 1, 0, 8000, 16, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), EPROTO);
	len = wav_make(b, 1, 1, 10, 16, 8, 8);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), EPROTO);
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, 30), EPROTO);
	ck_assert_int_eq(
		listen_wav(&pcm, &n, &rate, (const uint8_t *)"hello", 5),
		EPROTO);
	/* a chunk claiming more than the file */
	len = wav_make(b, 1, 1, 8000, 16, 8, 8);
	b[40] = 0xff;
	b[41] = 0xff;
	ck_assert_int_eq(listen_wav(&pcm, &n, &rate, b, len), EPROTO);
	ck_assert_ptr_null(pcm);
}
END_TEST

START_TEST(pcm_l16)
{
	static const uint8_t le[] = {0x34, 0x12, 0xff, 0xff, 0x7f};
	int16_t *pcm = NULL;
	size_t n = 0;

	ck_assert_int_eq(listen_l16(&pcm, &n, le, sizeof(le)), 0);
	ck_assert_uint_eq(n, 2); /* the odd byte is left */
	ck_assert_int_eq(pcm[0], 0x1234);
	ck_assert_int_eq(pcm[1], -1);
	mem_deref(pcm);
	ck_assert_int_eq(listen_l16(&pcm, &n, NULL, 0), 0);
	ck_assert_uint_eq(n, 0);
	mem_deref(pcm);
}
END_TEST

START_TEST(pcm_escape_and_url)
{
	char out[32];

	listen_esc(out, sizeof(out), "a\nb\x1b[31m\\c", 10);
	ck_assert_str_eq(out, "a\\x0ab\\x1b[31m\\x5cc");
	/* cut at the buffer, never inside an escape */
	listen_esc(out, 8, "\n\n\n\n", 4);
	ck_assert_str_eq(out, "\\x0a");
	listen_url_log(out, sizeof(out), "ws://u:p@h:1/x?y");
	ck_assert_str_eq(out, "ws://h:1/x?y");
	listen_url_log(out, sizeof(out), "wss://host/a@b");
	ck_assert_str_eq(out, "wss://host/a@b");
	listen_url_log(out, sizeof(out), "no url\r\n");
	ck_assert_str_eq(out, "no url\\x0d\\x0a");
}
END_TEST

Suite *listen_pcm_suite(void)
{
	Suite *s = suite_create("listen_pcm");
	TCase *tc = tcase_create("listen_pcm");

	tcase_add_checked_fixture(tc, fixture_re_setup, fixture_re_teardown);
	tcase_add_test(tc, pcm_base64);
	tcase_add_test(tc, pcm_wav);
	tcase_add_test(tc, pcm_l16);
	tcase_add_test(tc, pcm_escape_and_url);
	suite_add_tcase(s, tc);
	return s;
}
