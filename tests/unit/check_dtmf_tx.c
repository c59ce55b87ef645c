/**
 * @file check_dtmf_tx.c  The RFC 4733 events we send: the payload
 *                        builder and the frame-by-frame sequence (start
 *                        with the marker, durations, three end packets,
 *                        timestamps, the gap between digits)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "media/media_int.h"

extern Suite *dtmf_tx_suite(void);

START_TEST(dtmf_tx_encode)
{
	uint8_t p[4];

	media_telev_encode(p, 11, false, 10, 160);
	ck_assert_uint_eq(p[0], 11);
	ck_assert_uint_eq(p[1], 10); /* E 0, R 0, volume 10 */
	ck_assert_uint_eq(p[2], 0);
	ck_assert_uint_eq(p[3], 160);
	media_telev_encode(p, 1, true, 63, 0xabcd);
	ck_assert_uint_eq(p[1], 0x80 | 63);
	ck_assert_uint_eq(p[2], 0xab);
	ck_assert_uint_eq(p[3], 0xcd);
	/* volume is 6 bits: R stays 0 */
	media_telev_encode(p, 0, false, 0xff, 1);
	ck_assert_uint_eq(p[1], 0x3f);
}
END_TEST

START_TEST(dtmf_tx_events)
{
	const char *d = "0123456789*#ABCD";

	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(media_telev_event(d[i]), i);
	ck_assert_int_eq(media_telev_event('a'), 12);
	ck_assert_int_eq(media_telev_event('d'), 15);
	ck_assert_int_eq(media_telev_event('x'), -1);
	ck_assert_int_eq(media_telev_event('E'), -1);
	ck_assert_int_eq(media_telev_event('\0'), -1);
}
END_TEST

START_TEST(dtmf_tx_init_checks)
{
	struct media_dtx d;
	char many[MEDIA_DTMF_MAX + 2];

	ck_assert_int_eq(media_dtx_init(&d, "1#", 800), 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.events[1], 11);
	ck_assert_int_eq(media_dtx_init(&d, "", 800), EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, NULL, 800), EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, "12x", 800), EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, "1\r\n", 800), EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, "1", MEDIA_DTMF_DUR_MIN - 1),
			 EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, "1", MEDIA_DTMF_DUR_MAX + 1),
			 EINVAL);
	ck_assert_int_eq(media_dtx_init(&d, "1", MEDIA_DTMF_DUR_MAX), 0);
	memset(many, '5', sizeof(many));
	many[MEDIA_DTMF_MAX] = '\0';
	ck_assert_int_eq(media_dtx_init(&d, many, 800), 0);
	many[MEDIA_DTMF_MAX] = '5';
	many[MEDIA_DTMF_MAX + 1] = '\0';
	ck_assert_int_eq(media_dtx_init(&d, many, 800), EINVAL);
}
END_TEST

/* Two digits of 50 ms (400 samples: not a whole number of frames) */
START_TEST(dtmf_tx_sequence)
{
	static const uint16_t durs[] = {160, 320, 400, 400, 400};
	static const uint8_t ends[] = {0, 0, 1, 1, 1};
	struct media_dtx d;
	uint32_t now = 0xfffffe00u; /* wraps during the test */
	uint32_t ts0 = now, ts = 0;
	uint8_t p[4];
	bool m = true;
	unsigned k;

	ck_assert_int_eq(media_dtx_init(&d, "7#", 400), 0);
	for (int ev = 0; ev < 2; ev++) {
		uint32_t start = now;

		for (k = 0; k < 5; k++) {
			ck_assert_int_eq(media_dtx_next(&d, now, p, &ts, &m),
					 MEDIA_DTX_EVENT);
			ck_assert_uint_eq(p[0], ev ? 11 : 7);
			ck_assert(m == (k == 0));
			ck_assert_uint_eq(ts, start);
			ck_assert_uint_eq(p[1] >> 7, ends[k]);
			ck_assert_uint_eq(p[1] & 0x3f, MEDIA_DTMF_VOLUME);
			ck_assert_uint_eq((uint16_t)(p[2] << 8 | p[3]),
					  durs[k]);
			now += MEDIA_FRAME_SAMPLES;
		}
		if (ev)
			break;
		/* audio between the digits */
		for (k = 0; k < MEDIA_DTMF_GAP; k++) {
			ck_assert_int_eq(media_dtx_next(&d, now, p, &ts, &m),
					 MEDIA_DTX_AUDIO);
			now += MEDIA_FRAME_SAMPLES;
		}
	}
	ck_assert_uint_eq(ts - ts0,
			  (5 + MEDIA_DTMF_GAP) * MEDIA_FRAME_SAMPLES);
	/* no gap after the last digit: done at once, and it stays done */
	ck_assert_int_eq(media_dtx_next(&d, now, p, &ts, &m), MEDIA_DTX_DONE);
	ck_assert_int_eq(media_dtx_next(&d, now, p, &ts, &m), MEDIA_DTX_DONE);
}
END_TEST

/* A duration of whole frames: the end packet carries it, no extra one */
START_TEST(dtmf_tx_whole_frames)
{
	struct media_dtx d;
	uint32_t ts = 0;
	uint8_t p[4];
	bool m;
	unsigned n = 0, nend = 0;

	ck_assert_int_eq(media_dtx_init(&d, "5", 4000), 0);
	while (media_dtx_next(&d, 1000 + n * 160, p, &ts, &m) ==
	       MEDIA_DTX_EVENT) {
		uint16_t dur = (uint16_t)(p[2] << 8 | p[3]);

		++n;
		if (p[1] & 0x80) {
			++nend;
			ck_assert_uint_eq(dur, 4000);
		} else {
			ck_assert_uint_eq(dur, n * 160);
		}
		ck_assert_uint_eq(ts, 1000);
	}
	ck_assert_uint_eq(n, 25 + 2);
	ck_assert_uint_eq(nend, 3);
}
END_TEST

Suite *dtmf_tx_suite(void)
{
	Suite *s = suite_create("dtmf_tx");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, dtmf_tx_encode);
	tcase_add_test(tc, dtmf_tx_events);
	tcase_add_test(tc, dtmf_tx_init_checks);
	tcase_add_test(tc, dtmf_tx_sequence);
	tcase_add_test(tc, dtmf_tx_whole_frames);
	suite_add_tcase(s, tc);
	return s;
}
