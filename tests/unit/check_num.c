/**
 * @file check_num.c  Numbers from outside: NaN, infinities, huge and
 *                    negative values convert without undefined behaviour
 */
#include <math.h>
#include <stdint.h>
#include "fixture.h"
#include <fs/fs_num.h>

START_TEST(num_secs_ms_plain)
{
	ck_assert_uint_eq(fs_secs_ms(1.5, 7, 10000), 1500);
	ck_assert_uint_eq(fs_secs_ms(0.0004, 7, 10000), 0);
	ck_assert_uint_eq(fs_secs_ms(0.0006, 7, 10000), 1);
	ck_assert_uint_eq(fs_secs_ms(10, 7, 10000), 10000);
}
END_TEST

START_TEST(num_secs_ms_hostile)
{
	ck_assert_uint_eq(fs_secs_ms(NAN, 7, 10000), 7);
	ck_assert_uint_eq(fs_secs_ms(-NAN, 7, 10000), 7);
	ck_assert_uint_eq(fs_secs_ms(0, 7, 10000), 7);
	ck_assert_uint_eq(fs_secs_ms(-1, 7, 10000), 7);
	ck_assert_uint_eq(fs_secs_ms(-INFINITY, 7, 10000), 7);
	ck_assert_uint_eq(fs_secs_ms(INFINITY, 7, 10000), 10000);
	ck_assert_uint_eq(fs_secs_ms(1e300, 7, 10000), 10000);
	ck_assert_uint_eq(fs_secs_ms(4294967.296, 7, UINT32_MAX), UINT32_MAX);
	ck_assert_uint_eq(fs_secs_ms(1e300, 7, UINT32_MAX), UINT32_MAX);
}
END_TEST

START_TEST(num_u32_hostile)
{
	ck_assert_uint_eq(fs_num_u32(3.9, 10), 3);
	ck_assert_uint_eq(fs_num_u32(NAN, 10), 0);
	ck_assert_uint_eq(fs_num_u32(-5, 10), 0);
	ck_assert_uint_eq(fs_num_u32(-INFINITY, 10), 0);
	ck_assert_uint_eq(fs_num_u32(INFINITY, 10), 10);
	ck_assert_uint_eq(fs_num_u32(1e300, UINT32_MAX), UINT32_MAX);
	ck_assert_uint_eq(fs_num_u32(4294967295.5, UINT32_MAX), UINT32_MAX);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *num_suite(void);

Suite *num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, num_secs_ms_plain);
	tcase_add_test(tc, num_secs_ms_hostile);
	tcase_add_test(tc, num_u32_hostile);
	suite_add_tcase(s, tc);
	return s;
}
