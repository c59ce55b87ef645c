/**
 * @file check_listen_api.c  The listen service's public API refuses what
 *                           it cannot run (fs/fs_listen.h): no call, no
 *                           scope, properties that are not an object;
 *                           and takes NULL where the header says so
 *
 * A listen that runs needs a call with media and a socket: e2e 170-175.
 */
#include <errno.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "fixture.h"
#include "base/scope.h"

extern Suite *listen_api_suite(void);

START_TEST(listen_api_refuses)
{
	struct json_object *spec = json_tokener_parse("{\"url\":\"ws://x/\"}");
	struct json_object *arr = json_tokener_parse("[1]");
	struct fs_listen *l = NULL;
	struct fs_scope *sc = NULL;
	struct scopemgr *m = NULL;

	ck_assert_ptr_nonnull(spec);
	ck_assert_int_eq(scopemgr_alloc(&m, 200), 0);
	ck_assert_int_eq(scope_alloc_root(&sc, m, "call"), 0);
	ck_assert_int_eq(
		fs_listen_start(NULL, NULL, sc, spec, NULL, NULL, NULL),
		EINVAL);
	ck_assert_int_eq(fs_listen_start(&l, NULL, sc, spec, NULL, NULL, NULL),
			 EINVAL);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(fs_listen_start(&l, (struct fs_call *)1, NULL, spec,
					 NULL, NULL, NULL),
			 EINVAL);
	ck_assert_int_eq(fs_listen_start(&l, (struct fs_call *)1, sc, arr,
					 NULL, NULL, NULL),
			 EINVAL);
	ck_assert_int_eq(fs_listen_start(&l, (struct fs_call *)1, sc, NULL,
					 NULL, NULL, NULL),
			 EINVAL);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(fs_listen_background(NULL, spec), EINVAL);
	/* NULL is ignored, and counts as ended */
	fs_listen_stop(NULL);
	fs_listen_pause(NULL, true);
	ck_assert(fs_listen_ended(NULL));
	fs_scope_close(sc);
	mem_deref(sc);
	mem_deref(m);
	json_object_put(spec);
	json_object_put(arr);
}
END_TEST

Suite *listen_api_suite(void)
{
	Suite *s = suite_create("listen_api");
	TCase *tc = tcase_create("listen_api");

	tcase_add_checked_fixture(tc, fixture_re_setup, fixture_re_teardown);
	tcase_add_test(tc, listen_api_refuses);
	suite_add_tcase(s, tc);
	return s;
}
