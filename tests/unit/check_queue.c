/**
 * @file check_queue.c  The queues of the instance: jambonz's order
 *                      (priority, then join time), positions from 0,
 *                      take by order and by call sid, names
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include <fs/fs_queue.h>
#include "queue/queue.h"

static struct mqueue *mq;

static void q_mq_h(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	(void)arg;
}

static void q_setup(void)
{
	ck_assert_int_eq(mqueue_alloc(&mq, q_mq_h, NULL), 0);
}

static void q_teardown(void)
{
	mq = mem_deref(mq);
}

static void q_entry(struct queue_entry *e, const char *sid, double prio,
		    uint64_t ms)
{
	memset(e, 0, sizeof(*e));
	str_ncpy(e->sid, sid, sizeof(e->sid));
	e->prio = queue_score(prio);
	e->ms = ms;
	e->mq = mq;
}

static unsigned q_pos(const struct queue_entry *e)
{
	unsigned pos = 99, size = 0;

	ck_assert_int_eq(queue_place(e, &pos, &size), 0);
	return pos;
}

START_TEST(queue_score_negative)
{
	ck_assert(queue_score(-1) == 999);
	ck_assert(queue_score(0) == 0);
	ck_assert(queue_score(5.5) == 5.5);
}
END_TEST

START_TEST(queue_order_positions)
{
	struct queue_entry a, b, c, d;
	unsigned size = 0, pos = 0;

	q_entry(&a, "a", 999, 1000);
	q_entry(&b, "b", 999, 2000);
	q_entry(&c, "c", 1, 3000);   /* a better priority goes first */
	q_entry(&d, "d", 999, 2000); /* the same ms: the order of joining */
	ck_assert_int_eq(queue_add("queue:x:q1", &a, &size), 0);
	ck_assert_uint_eq(size, 1);
	ck_assert_int_eq(queue_add("queue:x:q1", &b, &size), 0);
	ck_assert_int_eq(queue_add("queue:x:q1", &c, &size), 0);
	ck_assert_int_eq(queue_add("queue:x:q1", &d, &size), 0);
	ck_assert_uint_eq(size, 4);
	ck_assert_int_eq(queue_add("queue:x:q1", &d, &size), EALREADY);
	ck_assert_uint_eq(q_pos(&c), 0);
	ck_assert_uint_eq(q_pos(&a), 1);
	ck_assert_uint_eq(q_pos(&b), 2);
	ck_assert_uint_eq(q_pos(&d), 3);
	ck_assert_uint_eq(queue_size("queue:x:q1"), 4);
	ck_assert_uint_eq(queue_size("queue:x:other"), 0);

	/* one in the middle leaves: the later ones move up */
	ck_assert(queue_remove(&a, &size));
	ck_assert_uint_eq(size, 3);
	ck_assert(!queue_remove(&a, &size));
	ck_assert_int_eq(queue_place(&a, &pos, &size), ENOENT);
	ck_assert_uint_eq(q_pos(&b), 1);
	ck_assert_uint_eq(q_pos(&d), 2);
	ck_assert(queue_remove(&c, NULL));
	ck_assert(queue_remove(&b, NULL));
	ck_assert(queue_remove(&d, &size));
	ck_assert_uint_eq(size, 0);
	ck_assert_uint_eq(queue_count(), 0);
}
END_TEST

START_TEST(queue_take_order_and_sid)
{
	struct queue_entry a, b, c;
	char out[40];

	q_entry(&a, "a", -3, 1000);
	q_entry(&b, "b", 999, 1001);
	q_entry(&c, "c", 999, 1002);
	ck_assert_int_eq(queue_add("queue:x:t", &a, NULL), 0);
	ck_assert_int_eq(queue_add("queue:x:t", &b, NULL), 0);
	ck_assert_int_eq(queue_add("queue:x:t", &c, NULL), 0);
	ck_assert_int_eq(queue_take("queue:x:t", "nobody", false, NULL, NULL,
				    out, sizeof(out)),
			 ENOENT);
	/* a given call sid, then the longest waiter */
	ck_assert_int_eq(queue_take("queue:x:t", "c", true, "{\"to\":\"9\"}",
				    "127.0.0.1:9", out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "c");
	ck_assert(c.taken && c.beep && c.q == NULL);
	ck_assert_uint_eq(c.left, 2);
	ck_assert_str_eq(c.dequeuer, "{\"to\":\"9\"}");
	ck_assert_str_eq(c.peer, "127.0.0.1:9");
	ck_assert_int_eq(queue_take("queue:x:t", NULL, false, NULL, NULL, out,
				    sizeof(out)),
			 0);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(a.left, 1);
	ck_assert_uint_eq(q_pos(&b), 0);
	ck_assert(!queue_remove(&c, NULL));
	/* by call sid alone, in whichever queue (the REST route) */
	ck_assert_int_eq(
		queue_take(NULL, "b", false, NULL, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "b");
	ck_assert_str_eq(b.peer, "");
	ck_assert(!queue_remove(&b, NULL));
	ck_assert_int_eq(queue_take("queue:x:t", NULL, false, NULL, NULL, out,
				    sizeof(out)),
			 ENOENT);
	ck_assert_uint_eq(queue_count(), 0);
	free(c.dequeuer);
}
END_TEST

START_TEST(queue_names)
{
	char big[FS_QUEUE_NAME_MAX + 2];

	ck_assert(fs_queue_name_ok("support"));
	ck_assert(fs_queue_name_ok("a \"quoted\" name"));
	ck_assert(!fs_queue_name_ok(""));
	ck_assert(!fs_queue_name_ok(NULL));
	ck_assert(!fs_queue_name_ok("a\nb"));
	ck_assert(!fs_queue_name_ok("a\x7f"));
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!fs_queue_name_ok(big));
	big[FS_QUEUE_NAME_MAX] = '\0';
	ck_assert(fs_queue_name_ok(big));
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *queue_suite(void);

Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, q_setup, q_teardown);
	tcase_add_test(tc, queue_score_negative);
	tcase_add_test(tc, queue_order_positions);
	tcase_add_test(tc, queue_take_order_and_sid);
	tcase_add_test(tc, queue_names);
	suite_add_tcase(s, tc);
	return s;
}
