/**
 * @file check_wspeek.c  The peer's close code, read from the frames as
 *                       they pass, in pieces of any size
 */
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "http/wspeek.h"

/* a text frame of n bytes (n < 126, or the 16-bit length form), then a
 * close frame with code */
static size_t frames(uint8_t *b, size_t n, uint16_t code, bool with_code)
{
	size_t k = 0;

	b[k++] = 0x81;
	if (n < 126) {
		b[k++] = (uint8_t)n;
	} else {
		b[k++] = 126;
		b[k++] = (uint8_t)(n >> 8);
		b[k++] = (uint8_t)n;
	}
	/* a payload that looks like a close frame header, to be skipped */
	for (size_t i = 0; i < n; i++)
		b[k++] = i % 2 ? 0x02 : 0x88;
	b[k++] = 0x88;
	b[k++] = with_code ? 2 : 0;
	if (with_code) {
		b[k++] = (uint8_t)(code >> 8);
		b[k++] = (uint8_t)code;
	}
	return k;
}

static uint16_t fed(const uint8_t *b, size_t n, size_t piece)
{
	struct wspeek *p = NULL;
	uint16_t code;

	ck_assert_int_eq(wspeek_alloc(&p), 0);
	for (size_t i = 0; i < n; i += piece)
		wspeek_feed(p, b + i, n - i < piece ? n - i : piece);
	code = wspeek_close_code(p);
	mem_deref(p);
	return code;
}

START_TEST(wspeek_codes)
{
	uint8_t b[600];
	size_t n;

	for (size_t piece = 1; piece <= 9; piece++) {
		n = frames(b, 5, 1000, true);
		ck_assert_uint_eq(fed(b, n, piece), 1000);
		n = frames(b, 300, 1001, true);
		ck_assert_uint_eq(fed(b, n, piece), 1001);
		n = frames(b, 0, 0, false);
		ck_assert_uint_eq(fed(b, n, piece), 1005);
	}
	/* no close frame: no code */
	n = frames(b, 5, 1000, true);
	ck_assert_uint_eq(fed(b, n - 4, 3), 0);
}
END_TEST

START_TEST(wspeek_lost)
{
	/* a masked frame cannot come from a server: not a frame boundary,
	 * so a close frame after it is not believed */
	const uint8_t b[] = {0x81, 0x82, 1,    2, 3,    4,
			     'h',  'i',  0x88, 2, 0x03, 0xe8};
	/* reserved bits set */
	const uint8_t r[] = {0xc1, 0x00, 0x88, 2, 0x03, 0xe8};

	ck_assert_uint_eq(fed(b, sizeof(b), 1), 0);
	ck_assert_uint_eq(fed(r, sizeof(r), 4), 0);
	ck_assert_uint_eq(wspeek_close_code(NULL), 0);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *wspeek_suite(void);

Suite *wspeek_suite(void)
{
	Suite *s = suite_create("wspeek");
	TCase *tc = tcase_create("close code");

	tcase_add_test(tc, wspeek_codes);
	tcase_add_test(tc, wspeek_lost);
	suite_add_tcase(s, tc);
	return s;
}
