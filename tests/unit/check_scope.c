/**
 * @file check_scope.c  Listener manager: delivery, close order, timeouts,
 *                      re-entrancy, ceiling and leak counters
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "base/scope.h"

/* What the handlers of one test saw */
struct rec {
	char order[64];
	size_t n;
	int calls;
	int err;
	const char *ev;
	void *data;
	struct fs_listener *self;
	struct fs_listener *other;
	struct fs_scope *sc;
	struct scopemgr *mgr;
};

static struct scopemgr *mgr;

static void scope_setup(void)
{
	fixture_re_setup();
	ck_assert_int_eq(scopemgr_alloc(&mgr, 200), 0);
}

static void scope_teardown(void)
{
	struct scope_stats st;

	/* every test must leave nothing behind */
	scopemgr_stats(mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	ck_assert_uint_eq(st.scopes, 0);
	mgr = mem_deref(mgr);
	fixture_re_teardown();
}

static void rec_mark(struct rec *r, char c)
{
	if (r->n + 1 < sizeof(r->order))
		r->order[r->n++] = c;
	r->order[r->n] = '\0';
}

/* Handler argument: a record and the letter to log */
struct tag {
	struct rec *r;
	char c;
};

static void tag_h(int err, const char *ev, void *data, void *arg)
{
	struct tag *t = arg;

	t->r->calls++;
	t->r->err = err;
	t->r->ev = ev;
	t->r->data = data;
	rec_mark(t->r, t->c);
}

static void tag_rel(void *arg)
{
	struct tag *t = arg;

	t->r->calls++;
	rec_mark(t->r, t->c);
}

static int calls_ge1(void *arg)
{
	return ((struct rec *)arg)->calls >= 1;
}

START_TEST(scope_emit_reaches_children)
{
	struct fs_scope *root = NULL, *child = NULL, *grand = NULL;
	struct fs_scope *sib = NULL;
	struct rec r = {0};
	struct tag a = {&r, 'a'}, b = {&r, 'b'}, c = {&r, 'c'};
	struct tag d = {&r, 'd'}, x = {&r, 'x'};
	int payload = 7;

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_alloc(&child, root, "task"), 0);
	ck_assert_int_eq(fs_scope_alloc(&grand, child, "sub"), 0);
	ck_assert_int_eq(fs_scope_alloc(&sib, root, "task2"), 0);
	ck_assert_str_eq(fs_scope_name(child), "task");

	ck_assert_int_eq(fs_scope_listen(root, "dtmf", 0, tag_h, &a, NULL), 0);
	ck_assert_int_eq(fs_scope_listen(child, "dtmf", 0, tag_h, &b, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(grand, "dtmf", 0, tag_h, &c, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(sib, "dtmf", 0, tag_h, &d, NULL), 0);
	ck_assert_int_eq(fs_scope_listen(grand, "hangup", 0, tag_h, &x, NULL),
			 0);

	/* parent order first, then children in creation order */
	ck_assert_uint_eq(fs_scope_emit(root, "dtmf", &payload), 4);
	ck_assert_str_eq(r.order, "abcd");
	ck_assert_ptr_eq(r.data, &payload);
	ck_assert_str_eq(r.ev, "dtmf");
	ck_assert_int_eq(r.err, 0);

	/* an emit on a child does not climb to its parent or siblings */
	r.n = 0;
	ck_assert_uint_eq(fs_scope_emit(child, "dtmf", NULL), 2);
	ck_assert_str_eq(r.order, "bc");
	ck_assert_uint_eq(fs_scope_emit(child, "nothing", NULL), 0);

	fs_scope_close(root);
	ck_assert(fs_scope_closed(grand));
	mem_deref(sib);
	mem_deref(grand);
	mem_deref(child);
	mem_deref(root);
}
END_TEST

START_TEST(scope_close_lifo)
{
	struct fs_scope *root = NULL, *first = NULL, *second = NULL;
	struct rec r = {0};
	struct tag t1 = {&r, '1'}, t2 = {&r, '2'}, a = {&r, 'a'};
	struct tag b = {&r, 'b'}, c = {&r, 'c'}, d = {&r, 'd'};
	struct tag h = {&r, 'h'};

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t1, NULL), 0);
	ck_assert_int_eq(fs_scope_alloc(&first, root, "a"), 0);
	ck_assert_int_eq(fs_scope_bind(first, tag_rel, &a, NULL), 0);
	ck_assert_int_eq(fs_scope_bind(first, tag_rel, &b, NULL), 0);
	ck_assert_int_eq(fs_scope_alloc(&second, root, "b"), 0);
	ck_assert_int_eq(fs_scope_bind(second, tag_rel, &c, NULL), 0);
	ck_assert_int_eq(fs_scope_bind(second, tag_rel, &d, NULL), 0);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t2, NULL), 0);
	/* an event listener is removed silently, never called on close */
	ck_assert_int_eq(fs_scope_listen(root, "x", 0, tag_h, &h, NULL), 0);

	fs_scope_close(root);
	ck_assert_str_eq(r.order, "dcba21");

	/* idempotent: nothing runs twice */
	fs_scope_close(root);
	fs_scope_close(second);
	ck_assert_str_eq(r.order, "dcba21");

	mem_deref(second);
	mem_deref(first);
	mem_deref(root);
}
END_TEST

START_TEST(scope_timeout_fires_once)
{
	struct fs_scope *root = NULL;
	struct rec r = {0};
	struct tag t = {&r, 't'};
	struct scope_stats st;
	struct fs_listener *l = NULL;

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_listen(root, "answer", 20, tag_h, &t, &l),
			 0);
	ck_assert_ptr_nonnull(l);

	ck_assert_int_eq(fixture_run_until(calls_ge1, &r, 2000), 0);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	ck_assert_ptr_null(r.ev);
	ck_assert_ptr_null(r.data);

	/* removed: no second timeout, no event delivery */
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(fs_scope_emit(root, "answer", NULL), 0);

	scopemgr_stats(mgr, &st);
	ck_assert_uint_eq(st.timeouts, 1);
	ck_assert_uint_eq(st.live, 0);

	/* a pure timer (no event) works the same way */
	r.calls = 0;
	ck_assert_int_eq(fs_scope_listen(root, NULL, 5, tag_h, &t, NULL), 0);
	ck_assert_int_eq(fixture_run_until(calls_ge1, &r, 2000), 0);
	ck_assert_int_eq(r.err, ETIMEDOUT);

	mem_deref(root);
}
END_TEST

static void cancel_h(int err, const char *ev, void *data, void *arg)
{
	struct rec *r = arg;

	(void)err;
	(void)ev;
	(void)data;
	r->calls++;
	rec_mark(r, 'c');
	fs_listener_cancel(r->self);
	fs_listener_cancel(r->other);
	/* cancelling twice is harmless */
	fs_listener_cancel(r->self);
}

static void timeout_cancel_h(int err, const char *ev, void *data, void *arg)
{
	struct rec *r = arg;

	(void)ev;
	(void)data;
	r->calls++;
	r->err = err;
	/* the handle stays valid for the whole handler */
	fs_listener_cancel(r->self);
}

START_TEST(scope_cancel_inside_handler)
{
	struct fs_scope *root = NULL, *child = NULL;
	struct rec r = {0}, o = {0}, tr = {0};
	struct tag other = {&o, 'o'};

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_alloc(&child, root, "task"), 0);
	ck_assert_int_eq(fs_scope_listen(root, "ev", 0, cancel_h, &r, &r.self),
			 0);
	ck_assert_int_eq(
		fs_scope_listen(child, "ev", 0, tag_h, &other, &r.other), 0);

	/* the other listener was snapshotted, yet must not run */
	ck_assert_uint_eq(fs_scope_emit(root, "ev", NULL), 1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(fs_scope_emit(root, "ev", NULL), 0);

	ck_assert_int_eq(fs_scope_listen(root, "late", 10, timeout_cancel_h,
					 &tr, &tr.self),
			 0);
	ck_assert_int_eq(fixture_run_until(calls_ge1, &tr, 2000), 0);
	ck_assert_int_eq(tr.err, ETIMEDOUT);

	mem_deref(child);
	mem_deref(root);
}
END_TEST

static void close_h(int err, const char *ev, void *data, void *arg)
{
	struct rec *r = arg;

	(void)err;
	(void)ev;
	(void)data;
	r->calls++;
	fs_scope_close(r->sc);
}

static void deref_h(int err, const char *ev, void *data, void *arg)
{
	struct rec *r = arg;

	(void)err;
	(void)ev;
	(void)data;
	r->calls++;
	/* drop the last outside reference while emit is still running */
	r->sc = mem_deref(r->sc);
}

START_TEST(scope_close_inside_handler)
{
	struct fs_scope *root = NULL, *child = NULL;
	struct rec r = {0}, o = {0}, d = {0};
	struct tag before = {&o, 'b'}, after = {&o, 'a'}, rel = {&o, 'r'};

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_alloc(&child, root, "task"), 0);
	r.sc = root;
	ck_assert_int_eq(fs_scope_listen(root, "bye", 0, tag_h, &before, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(root, "bye", 0, close_h, &r, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(root, "bye", 0, tag_h, &after, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(child, "bye", 0, tag_h, &after, NULL),
			 0);
	ck_assert_int_eq(fs_scope_bind(child, tag_rel, &rel, NULL), 0);

	ck_assert_uint_eq(fs_scope_emit(root, "bye", NULL), 2);
	ck_assert_int_eq(r.calls, 1);
	/* 'b' ran before the close, the release ran during it */
	ck_assert_str_eq(o.order, "br");
	ck_assert(fs_scope_closed(root));
	ck_assert(fs_scope_closed(child));
	ck_assert_int_eq(fs_scope_listen(root, "x", 0, tag_h, &before, NULL),
			 ESHUTDOWN);

	mem_deref(child);
	mem_deref(root);

	/* a handler that frees the scope under emit */
	ck_assert_int_eq(scope_alloc_root(&d.sc, mgr, "call2"), 0);
	ck_assert_int_eq(fs_scope_listen(d.sc, "bye", 0, deref_h, &d, NULL),
			 0);
	ck_assert_int_eq(fs_scope_listen(d.sc, "bye", 0, deref_h, &d, NULL),
			 0);
	/* emit pins the scope: both run, then it is freed and closed */
	ck_assert_uint_eq(fs_scope_emit(d.sc, "bye", NULL), 2);
	ck_assert_ptr_null(d.sc);
}
END_TEST

START_TEST(scope_no_handler_after_close)
{
	struct fs_scope *root = NULL, *child = NULL, *late = NULL;
	struct rec r = {0};
	struct tag t = {&r, 't'};
	struct fs_listener *l = NULL;

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_alloc(&child, root, "task"), 0);
	ck_assert_int_eq(fs_scope_listen(root, "ev", 10, tag_h, &t, NULL), 0);
	ck_assert_int_eq(fs_scope_listen(child, "ev", 15, tag_h, &t, NULL), 0);
	ck_assert_int_eq(fs_scope_listen(child, NULL, 5, tag_h, &t, &l), 0);

	fs_scope_close(root);
	(void)fixture_run_until(NULL, NULL, 60);
	ck_assert_uint_eq(fs_scope_emit(root, "ev", NULL), 0);
	ck_assert_uint_eq(fs_scope_emit(child, "ev", NULL), 0);
	ck_assert_int_eq(r.calls, 0);

	ck_assert_int_eq(fs_scope_listen(child, "ev", 0, tag_h, &t, NULL),
			 ESHUTDOWN);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t, NULL), ESHUTDOWN);
	ck_assert_int_eq(fs_scope_alloc(&late, child, "late"), ESHUTDOWN);
	ck_assert_ptr_null(late);

	/* bad arguments */
	ck_assert_int_eq(fs_scope_listen(NULL, "ev", 0, tag_h, &t, NULL),
			 EINVAL);
	ck_assert_int_eq(fs_scope_alloc(&late, NULL, "x"), EINVAL);
	ck_assert_int_eq(scope_alloc_root(&late, NULL, "x"), EINVAL);
	fs_listener_cancel(NULL);
	fs_scope_close(NULL);

	mem_deref(child);
	mem_deref(root);
}
END_TEST

START_TEST(scope_ceiling_refusal)
{
	struct fs_scope *root = NULL, *child = NULL;
	struct rec r = {0};
	struct tag t = {&r, 't'};
	struct scope_stats st;
	struct json_object *obj;

	scopemgr_set_max(mgr, 5);
	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(
			fs_scope_listen(root, "e", 0, tag_h, &t, NULL), 0);
	/* a bound resource counts too */
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t, NULL), 0);
	ck_assert_int_eq(fs_scope_listen(root, "e", 0, tag_h, &t, NULL),
			 ENOSPC);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t, NULL), ENOSPC);

	/* the ceiling is per scope */
	ck_assert_int_eq(fs_scope_alloc(&child, root, "task"), 0);
	ck_assert_int_eq(fs_scope_listen(child, "e", 0, tag_h, &t, NULL), 0);

	scopemgr_stats(mgr, &st);
	ck_assert_uint_eq(st.refusals, 2);
	ck_assert_uint_eq(st.live, 6);
	ck_assert_uint_eq(st.peak, 6);
	ck_assert_uint_eq(st.scopes, 2);

	obj = json_object_new_object();
	ck_assert_int_eq(scopemgr_metrics(mgr, obj), 0);
	ck_assert_int_eq(
		json_object_get_int64(json_object_object_get(obj, "refusals")),
		2);
	ck_assert_int_eq(
		json_object_get_int64(json_object_object_get(obj, "live")), 6);
	ck_assert_ptr_nonnull(json_object_object_get(obj, "peak"));
	ck_assert_ptr_nonnull(json_object_object_get(obj, "timeouts"));
	ck_assert_ptr_nonnull(json_object_object_get(obj, "scopes"));
	ck_assert_ptr_nonnull(json_object_object_get(obj, "emitted"));
	json_object_put(obj);

	mem_deref(child);
	mem_deref(root);
}
END_TEST

START_TEST(scope_thousands_leave_nothing)
{
	struct rec r = {0};
	struct tag t = {&r, 't'};
	struct scope_stats st;
	enum { N = 5000 };

	for (int i = 0; i < N; i++) {
		struct fs_scope *call = NULL, *task = NULL;
		struct fs_listener *l = NULL;

		ck_assert_int_eq(scope_alloc_root(&call, mgr, "call"), 0);
		ck_assert_int_eq(fs_scope_alloc(&task, call, "task"), 0);
		ck_assert_int_eq(
			fs_scope_listen(call, "hangup", 0, tag_h, &t, NULL),
			0);
		ck_assert_int_eq(
			fs_scope_listen(task, "dtmf", 30000, tag_h, &t, &l),
			0);
		ck_assert_int_eq(
			fs_scope_listen(task, NULL, 60000, tag_h, &t, NULL),
			0);
		ck_assert_int_eq(fs_scope_bind(task, tag_rel, &t, NULL), 0);
		ck_assert_uint_eq(fs_scope_emit(call, "dtmf", NULL), 1);
		if (i % 3 == 0)
			fs_listener_cancel(l);

		/* both ways out: explicit close, or dropping the refs */
		if (i % 2)
			fs_scope_close(call);
		mem_deref(task);
		mem_deref(call);
	}

	scopemgr_stats(mgr, &st);
	ck_assert_uint_eq(st.live, 0);
	ck_assert_uint_eq(st.scopes, 0);
	ck_assert_uint_eq(st.peak, 4);
	ck_assert_uint_eq(st.emitted, N);
	ck_assert_int_eq(r.calls, 2 * N);
}
END_TEST

START_TEST(scope_bind_release_once)
{
	struct fs_scope *root = NULL;
	struct rec r = {0}, c = {0};
	struct tag t = {&r, 'r'}, tc = {&c, 'c'};
	struct fs_listener *l = NULL;

	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t, NULL), 0);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &tc, &l), 0);
	ck_assert_int_eq(fs_scope_bind(root, NULL, &t, NULL), EINVAL);

	/* bound resources take no events */
	ck_assert_uint_eq(fs_scope_emit(root, "x", NULL), 0);
	fs_listener_cancel(l);

	fs_scope_close(root);
	fs_scope_close(root);
	mem_deref(root);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(c.calls, 0);

	/* release through the destructor alone */
	r.calls = 0;
	ck_assert_int_eq(scope_alloc_root(&root, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_bind(root, tag_rel, &t, NULL), 0);
	mem_deref(root);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

static void adder_h(int err, const char *ev, void *data, void *arg)
{
	struct rec *r = arg;
	static struct tag t;

	(void)err;
	(void)ev;
	(void)data;
	r->calls++;
	t.r = r;
	t.c = 'n';
	ck_assert_int_eq(fs_scope_listen(r->sc, "ev", 0, tag_h, &t, NULL), 0);
}

START_TEST(scope_listen_inside_handler)
{
	struct rec r = {0};

	ck_assert_int_eq(scope_alloc_root(&r.sc, mgr, "call"), 0);
	ck_assert_int_eq(fs_scope_listen(r.sc, "ev", 0, adder_h, &r, NULL), 0);

	/* a listener added during an emit waits for the next one */
	ck_assert_uint_eq(fs_scope_emit(r.sc, "ev", NULL), 1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(fs_scope_emit(r.sc, "ev", NULL), 2);
	ck_assert_int_eq(r.calls, 3);
	ck_assert_str_eq(r.order, "n");

	/* many listeners: the snapshot grows beyond its stack array */
	for (int i = 0; i < 80; i++)
		ck_assert_int_eq(
			fs_scope_listen(r.sc, "big", 0, adder_h, &r, NULL), 0);
	r.calls = 0;
	ck_assert_uint_eq(fs_scope_emit(r.sc, "big", NULL), 80);
	ck_assert_int_eq(r.calls, 80);

	mem_deref(r.sc);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *scope_suite(void);

Suite *scope_suite(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, scope_setup, scope_teardown);
	tcase_set_timeout(tc, fixture_timeout(30));
	tcase_add_test(tc, scope_emit_reaches_children);
	tcase_add_test(tc, scope_close_lifo);
	tcase_add_test(tc, scope_timeout_fires_once);
	tcase_add_test(tc, scope_cancel_inside_handler);
	tcase_add_test(tc, scope_close_inside_handler);
	tcase_add_test(tc, scope_no_handler_after_close);
	tcase_add_test(tc, scope_ceiling_refusal);
	tcase_add_test(tc, scope_thousands_leave_nothing);
	tcase_add_test(tc, scope_bind_release_once);
	tcase_add_test(tc, scope_listen_inside_handler);
	suite_add_tcase(s, tc);
	return s;
}
