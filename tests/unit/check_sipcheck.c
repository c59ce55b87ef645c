/**
 * @file check_sipcheck.c  SIP admission helpers: the per-source INVITE
 *                         buckets (rate, burst, bounded table) and the
 *                         trusted network lists
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "base/netlist.h"
#include "sip/sipcheck.h"
#include "sip/siprate.h"

static void sipcheck_setup(void)
{
	fixture_re_setup();
}

static void sipcheck_teardown(void)
{
	fixture_re_teardown();
}

static struct sa sipcheck_addr(const char *ip, uint16_t port)
{
	struct sa sa;

	ck_assert_int_eq(sa_set_str(&sa, ip, port), 0);
	return sa;
}

START_TEST(siprate_burst_then_rate)
{
	struct siprate *r = NULL;
	struct sa a = sipcheck_addr("192.0.2.1", 5060);
	struct sa a2 = sipcheck_addr("192.0.2.1", 5099);
	struct sa b = sipcheck_addr("192.0.2.2", 5060);
	uint64_t t = 1000000;

	ck_assert_int_eq(siprate_alloc(&r, 100), 0);
	/* a burst of 3, then nothing until time passes */
	ck_assert(siprate_take(r, &a, 2, 3, t));
	ck_assert(siprate_take(r, &a, 2, 3, t));
	/* the port does not make another source */
	ck_assert(siprate_take(r, &a2, 2, 3, t));
	ck_assert(!siprate_take(r, &a, 2, 3, t));
	ck_assert(!siprate_take(r, &a, 2, 3, t + 100));
	/* another address has its own bucket */
	ck_assert(siprate_take(r, &b, 2, 3, t));
	/* 2 per second: one token after 500 ms, not before */
	ck_assert(!siprate_take(r, &a, 2, 3, t + 400));
	ck_assert(siprate_take(r, &a, 2, 3, t + 500));
	ck_assert(!siprate_take(r, &a, 2, 3, t + 510));
	/* a long pause refills to the burst, no further */
	t += 3600 * 1000;
	for (int i = 0; i < 3; i++)
		ck_assert(siprate_take(r, &a, 2, 3, t));
	ck_assert(!siprate_take(r, &a, 2, 3, t));
	/* rate 0: no limit, nothing stored */
	ck_assert_uint_eq(siprate_count(r), 2);
	for (int i = 0; i < 100; i++)
		ck_assert(siprate_take(r, &a, 0, 1, t));
	mem_deref(r);
}
END_TEST

START_TEST(siprate_table_bounded)
{
	struct siprate *r = NULL;
	struct sa first = sipcheck_addr("10.0.0.1", 1);
	uint64_t t = 1000;

	ck_assert_int_eq(siprate_alloc(&r, 1000), 0);
	/* drain the first source's bucket */
	ck_assert(siprate_take(r, &first, 1, 1, t));
	ck_assert(!siprate_take(r, &first, 1, 1, t));
	/* a spoofed flood of 50000 sources keeps at most 1000 buckets */
	for (uint32_t i = 0; i < 50000; i++) {
		struct sa sa;

		sa_init(&sa, AF_INET);
		sa_set_in(&sa, 0x0b000000u + i, 5060);
		ck_assert(siprate_take(r, &sa, 1, 1, t));
		ck_assert_uint_le(siprate_count(r), 1000);
	}
	ck_assert_uint_eq(siprate_count(r), 1000);
	/* the least recently used went first: the drained bucket is gone,
	 * so the source starts full again (as after an idle second) */
	ck_assert(siprate_take(r, &first, 1, 1, t));
	ck_assert_int_eq(siprate_alloc(&r, 0), EINVAL);
	mem_deref(r);
}
END_TEST

START_TEST(netlist_parse_some_match)
{
	struct netlist *n = NULL;
	struct sa a;
	char why[160];

	ck_assert_int_eq(
		netlist_parse_some(&n,
				   "10.0.0.0/8, 192.0.2.7 ,172.16.0.0/12 "
				   "2001:db8::/32,::1",
				   why, sizeof(why)),
		0);
	a = sipcheck_addr("10.200.3.4", 5060);
	ck_assert(netlist_match(n, &a));
	a = sipcheck_addr("11.0.0.1", 5060);
	ck_assert(!netlist_match(n, &a));
	a = sipcheck_addr("192.0.2.7", 1);
	ck_assert(netlist_match(n, &a));
	a = sipcheck_addr("192.0.2.8", 1);
	ck_assert(!netlist_match(n, &a));
	a = sipcheck_addr("172.31.255.255", 1);
	ck_assert(netlist_match(n, &a));
	a = sipcheck_addr("172.32.0.0", 1);
	ck_assert(!netlist_match(n, &a));
	a = sipcheck_addr("2001:db8:1::5", 1);
	ck_assert(netlist_match(n, &a));
	a = sipcheck_addr("2001:db9::5", 1);
	ck_assert(!netlist_match(n, &a));
	a = sipcheck_addr("::1", 1);
	ck_assert(netlist_match(n, &a));
	ck_assert(!netlist_match(NULL, &a));
	n = mem_deref(n);

	ck_assert_int_eq(netlist_parse_some(&n, "0.0.0.0/0", why, sizeof(why)),
			 0);
	a = sipcheck_addr("203.0.113.9", 1);
	ck_assert(netlist_match(n, &a));
	n = mem_deref(n);

	ck_assert_int_eq(
		netlist_parse_some(&n, "10.0.0.0/33", why, sizeof(why)),
		EINVAL);
	ck_assert_str_eq(why, "'/33' is not a prefix length of 10.0.0.0");
	ck_assert_int_eq(
		netlist_parse_some(&n, "evil.example.com", why, sizeof(why)),
		EINVAL);
	ck_assert_int_eq(netlist_parse_some(&n, "10.0.0.0/", why, sizeof(why)),
			 EINVAL);
	ck_assert_int_eq(netlist_parse_some(&n, " , ", why, sizeof(why)),
			 EINVAL);
	ck_assert_ptr_null(n);
}
END_TEST

START_TEST(sipcheck_print_escapes)
{
	char buf[300];
	struct pl pl;

	pl_set_str(&pl, "IN\x1b[31mVITE\r\n\\");
	re_snprintf(buf, sizeof(buf), "%H", sipcheck_print_pl, &pl);
	ck_assert_str_eq(buf, "IN\\x1b[31mVITE\\x0d\\x0a\\x5c");
	pl_set_str(&pl, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	re_snprintf(buf, sizeof(buf), "%H", sipcheck_print_pl, &pl);
	ck_assert_uint_eq(strlen(buf), 83);
}
END_TEST

extern Suite *sipcheck_suite(void);

Suite *sipcheck_suite(void)
{
	Suite *s = suite_create("sipcheck");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, sipcheck_setup, sipcheck_teardown);
	tcase_set_timeout(tc, fixture_timeout(30));
	tcase_add_test(tc, siprate_burst_then_rate);
	tcase_add_test(tc, siprate_table_bounded);
	tcase_add_test(tc, netlist_parse_some_match);
	tcase_add_test(tc, sipcheck_print_escapes);
	suite_add_tcase(s, tc);
	return s;
}
