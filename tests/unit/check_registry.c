/**
 * @file check_registry.c  The call_sid -> loop registry: add, find, del,
 *                         many entries, and add/del from several threads
 *
 * The registry is the one structure every loop thread touches, so the
 * concurrent case is the one that matters: each thread owns a disjoint
 * range of sids, so the expected final state is known exactly.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "loop/registry.h"

#define REG_MANY     10000
#define REG_THREADS  4
#define REG_PER_THR  2000
#define REG_ROUNDS   10
#define REG_SID_SIZE 37

static void registry_setup(void)
{
	fixture_re_setup();
}

static void registry_teardown(void)
{
	fixture_re_teardown();
}

/* A sid shaped like a call_sid (36 characters), unique per (tag, i) */
static void registry_sid(char *buf, unsigned tag, unsigned i)
{
	snprintf(buf, REG_SID_SIZE, "%08x-0000-4000-8000-%012x", tag, i);
}

START_TEST(registry_add_find_del)
{
	struct registry *r = NULL;
	const char *sid = "5b9a4c1e-3f2d-4e6a-9b8c-7d1e2f3a4b5c";

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	ck_assert_int_eq(registry_find(r, sid), -1);
	registry_add(r, sid, 3);
	ck_assert_int_eq(registry_find(r, sid), 3);
	/* loop 0 is a real owner, not "unknown" */
	registry_add(r, "other", 0);
	ck_assert_int_eq(registry_find(r, "other"), 0);
	registry_del(r, sid);
	ck_assert_int_eq(registry_find(r, sid), -1);
	ck_assert_int_eq(registry_find(r, "other"), 0);
	mem_deref(r);
}
END_TEST

START_TEST(registry_prefix_not_equal)
{
	struct registry *r = NULL;

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	registry_add(r, "abc", 1);
	/* a lookup compares whole sids, not a prefix of one */
	ck_assert_int_eq(registry_find(r, "ab"), -1);
	ck_assert_int_eq(registry_find(r, "abcd"), -1);
	ck_assert_int_eq(registry_find(r, ""), -1);
	registry_del(r, "ab");
	ck_assert_int_eq(registry_find(r, "abc"), 1);
	mem_deref(r);
}
END_TEST

START_TEST(registry_del_unknown)
{
	struct registry *r = NULL;

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	registry_add(r, "a", 2);
	registry_del(r, "never-added");
	registry_del(r, "never-added");
	ck_assert_int_eq(registry_find(r, "a"), 2);
	/* a second del of a known sid is as harmless as the first */
	registry_del(r, "a");
	registry_del(r, "a");
	ck_assert_int_eq(registry_find(r, "a"), -1);
	/* NULL arguments are refused, not dereferenced */
	registry_add(NULL, "a", 1);
	registry_add(r, NULL, 1);
	registry_del(NULL, "a");
	registry_del(r, NULL);
	ck_assert_int_eq(registry_find(NULL, "a"), -1);
	ck_assert_int_eq(registry_find(r, NULL), -1);
	ck_assert_int_eq(registry_alloc(NULL, NULL), EINVAL);
	mem_deref(r);
}
END_TEST

START_TEST(registry_readd_overwrites)
{
	struct registry *r = NULL;
	const char *sid = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6";

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	registry_add(r, sid, 1);
	registry_add(r, sid, 2);
	ck_assert_int_eq(registry_find(r, sid), 2);
	registry_add(r, sid, 0);
	ck_assert_int_eq(registry_find(r, sid), 0);
	/* one del forgets the call: no older owner comes back */
	registry_del(r, sid);
	ck_assert_int_eq(registry_find(r, sid), -1);
	mem_deref(r);
}
END_TEST

START_TEST(registry_many)
{
	struct registry *r = NULL;
	char sid[REG_SID_SIZE];

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	for (unsigned i = 0; i < REG_MANY; i++) {
		registry_sid(sid, 7, i);
		registry_add(r, sid, i % 5);
	}
	for (unsigned i = 0; i < REG_MANY; i++) {
		registry_sid(sid, 7, i);
		ck_assert_int_eq(registry_find(r, sid), (int)(i % 5));
	}
	/* drop the even ones; the odd ones are untouched */
	for (unsigned i = 0; i < REG_MANY; i += 2) {
		registry_sid(sid, 7, i);
		registry_del(r, sid);
	}
	for (unsigned i = 0; i < REG_MANY; i++) {
		registry_sid(sid, 7, i);
		ck_assert_int_eq(registry_find(r, sid),
				 i % 2 ? (int)(i % 5) : -1);
	}
	/* the odd ones are left for the destructor: it frees what is
	 * still registered (LeakSanitizer and valgrind check) */
	mem_deref(r);
}
END_TEST

struct registry_thr {
	struct registry *r;
	unsigned tag;
	unsigned bad; /* finds that saw another than the expected owner */
};

/* Rounds of adding its own sids and dropping them again while the
 * other threads do the same, so that adds and dels of different
 * threads meet in the same buckets; the last round leaves the odd
 * ones */
static void *registry_worker(void *arg)
{
	struct registry_thr *t = arg;
	char sid[REG_SID_SIZE];

	for (unsigned round = 0; round < REG_ROUNDS; round++) {
		bool last = round == REG_ROUNDS - 1;

		for (unsigned i = 0; i < REG_PER_THR; i++) {
			registry_sid(sid, t->tag, i);
			registry_add(t->r, sid, t->tag);
		}
		for (unsigned i = 0; i < REG_PER_THR; i++) {
			registry_sid(sid, t->tag, i);
			if (registry_find(t->r, sid) != (int)t->tag)
				t->bad++;
			if (last && i % 2)
				continue;
			registry_del(t->r, sid);
			if (registry_find(t->r, sid) != -1)
				t->bad++;
		}
	}
	return NULL;
}

START_TEST(registry_threads)
{
	struct registry_thr thr[REG_THREADS];
	pthread_t tid[REG_THREADS];
	struct registry *r = NULL;
	char sid[REG_SID_SIZE];

	ck_assert_int_eq(registry_alloc(&r, NULL), 0);
	for (unsigned k = 0; k < REG_THREADS; k++) {
		thr[k] = (struct registry_thr){.r = r, .tag = k + 1};
		ck_assert_int_eq(pthread_create(&tid[k], NULL, registry_worker,
						&thr[k]),
				 0);
	}
	for (unsigned k = 0; k < REG_THREADS; k++) {
		ck_assert_int_eq(pthread_join(tid[k], NULL), 0);
		ck_assert_uint_eq(thr[k].bad, 0);
	}
	for (unsigned k = 0; k < REG_THREADS; k++) {
		for (unsigned i = 0; i < REG_PER_THR; i++) {
			registry_sid(sid, k + 1, i);
			ck_assert_int_eq(registry_find(r, sid),
					 i % 2 ? (int)(k + 1) : -1);
		}
	}
	mem_deref(r);
}
END_TEST

extern Suite *registry_suite(void);

Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
	tcase_set_timeout(tc, fixture_timeout(20));
	tcase_add_test(tc, registry_add_find_del);
	tcase_add_test(tc, registry_prefix_not_equal);
	tcase_add_test(tc, registry_del_unknown);
	tcase_add_test(tc, registry_readd_overwrites);
	tcase_add_test(tc, registry_many);
	tcase_add_test(tc, registry_threads);
	suite_add_tcase(s, tc);
	return s;
}
