/**
 * @file check_main.c  Runs every suite found in tests/unit/check_*.c
 *
 * The list of suites is generated at build time (suites.h) from the
 * "Suite *x_suite(void)" definitions, so adding a test file needs no edit
 * here. Set CK_RUN_SUITE to run one suite.
 */
#include <re.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fixture.h"
#include "log.h"

#define X(name) Suite *name(void);
#include "suites.h"
#undef X

static int fixture_loop_done;

static void fixture_tick(void *arg)
{
	struct {
		int (*done)(void *);
		void *arg;
		struct tmr *tmr;
	} *w = arg;

	if (w->done && w->done(w->arg)) {
		fixture_loop_done = 1;
		re_cancel();
		return;
	}
	tmr_start(w->tmr, 2, fixture_tick, w);
}

static void fixture_deadline(void *arg)
{
	(void)arg;
	re_cancel();
}

int fixture_run_until(int (*done)(void *arg), void *arg, unsigned ms)
{
	struct tmr poll, deadline;
	struct {
		int (*done)(void *);
		void *arg;
		struct tmr *tmr;
	} w = {done, arg, &poll};

	tmr_init(&poll);
	tmr_init(&deadline);
	fixture_loop_done = 0;
	if (done && done(arg))
		return 0;
	tmr_start(&poll, 1, fixture_tick, &w);
	tmr_start(&deadline, ms, fixture_deadline, NULL);
	re_main(NULL);
	tmr_cancel(&poll);
	tmr_cancel(&deadline);
	return fixture_loop_done ? 0 : ETIMEDOUT;
}

void fixture_re_setup(void)
{
	ck_assert_int_eq(libre_init(), 0);
}

void fixture_re_teardown(void)
{
	libre_close();
}

const char *fixture_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

unsigned fixture_timeout(unsigned secs)
{
	return getenv("FS_VALGRIND") ? secs * 10 : secs;
}

int main(void)
{
	SRunner *sr = NULL;
	const char *only = getenv("CK_RUN_SUITE");
	int failed;

	log_set_level(getenv("FS_TEST_DEBUG") ? FS_LOG_DEBUG : FS_LOG_ERROR);

#define X(name)                                        \
	do {                                           \
		if (!sr)                               \
			sr = srunner_create(name());   \
		else                                   \
			srunner_add_suite(sr, name()); \
	} while (0);
#include "suites.h"
#undef X
	(void)only;
	if (!sr) {
		fprintf(stderr, "no test suites\n");
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
