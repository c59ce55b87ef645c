/**
 * @file check_conf.c  The conference mixer's arithmetic and rooms: sums
 *                     clipped, each member hearing the others and not
 *                     itself, missing frames as silence, mute, hold,
 *                     speakOnlyTo, maxParticipants, waiting and ending
 *
 * The rooms are driven here without loops: a member's tick is a plain
 * call with a frame number, as each loop's media tick makes it.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "conf/conf_mix.h"
#include "conf/conf_room.h"

extern Suite *conf_suite(void);

static void fill(int16_t *f, int16_t v)
{
	for (size_t i = 0; i < CONF_FRAME; i++)
		f[i] = v;
}

START_TEST(mix_clip)
{
	int32_t acc[CONF_FRAME] = {0};
	int16_t a[CONF_FRAME], out[CONF_FRAME];

	fill(a, 30000);
	conf_mix_add(acc, a, CONF_FRAME);
	conf_mix_add(acc, a, CONF_FRAME);
	conf_mix_clip(out, acc, CONF_FRAME);
	/* 60000 saturates, never wraps to a negative value */
	ck_assert_int_eq(out[0], INT16_MAX);
	fill(a, -30000);
	memset(acc, 0, sizeof(acc));
	conf_mix_add(acc, a, CONF_FRAME);
	conf_mix_add(acc, a, CONF_FRAME);
	conf_mix_clip(out, acc, CONF_FRAME);
	ck_assert_int_eq(out[CONF_FRAME - 1], INT16_MIN);
	fill(a, 1234);
	memset(acc, 0, sizeof(acc));
	conf_mix_add(acc, a, CONF_FRAME);
	fill(a, -234);
	conf_mix_add(acc, a, CONF_FRAME);
	conf_mix_clip(out, acc, CONF_FRAME);
	ck_assert_int_eq(out[7], 1000);
	ck_assert_uint_eq(conf_mix_level(a, CONF_FRAME), 234);
}
END_TEST

START_TEST(mix_talk)
{
	struct conf_talk t = {0};
	int i, ev = 0;

	/* a loud frame or two is not speech yet */
	ck_assert_int_eq(conf_talk_step(&t, 5000), 0);
	ck_assert_int_eq(conf_talk_step(&t, 10), 0);
	for (i = 0; i < CONF_TALK_ON; i++)
		ev = conf_talk_step(&t, 5000);
	ck_assert_int_eq(ev, 1);
	/* the hangover: a short pause does not stop it */
	for (i = 0; i < CONF_TALK_HANG - 1; i++)
		ck_assert_int_eq(conf_talk_step(&t, 0), 0);
	ck_assert_int_eq(conf_talk_step(&t, 5000), 0);
	for (i = 0; i < CONF_TALK_HANG - 1; i++)
		ck_assert_int_eq(conf_talk_step(&t, 0), 0);
	ck_assert_int_eq(conf_talk_step(&t, 0), -1);
}
END_TEST

START_TEST(mix_beep)
{
	int32_t acc[CONF_FRAME] = {0};
	uint32_t lvl = 0;

	ck_assert(conf_mix_beep(acc, CONF_FRAME, 0));
	for (size_t i = 0; i < CONF_FRAME; i++)
		lvl += (uint32_t)(acc[i] < 0 ? -acc[i] : acc[i]);
	ck_assert_uint_gt(lvl / CONF_FRAME, 1000);
	memset(acc, 0, sizeof(acc));
	ck_assert(!conf_mix_beep(acc, CONF_FRAME, 12000));
	ck_assert_int_eq(acc[0], 0);
}
END_TEST

static struct mqueue *mq;
static int mq_ids[64];
static int mq_n;

static void mq_h(int id, void *data, void *arg)
{
	(void)data;
	(void)arg;
	if (mq_n < (int)ARRAY_SIZE(mq_ids))
		mq_ids[mq_n++] = id;
}

static void setup(void)
{
	fixture_re_setup();
	mq_n = 0;
	ck_assert_int_eq(mqueue_alloc(&mq, mq_h, NULL), 0);
}

static void teardown(void)
{
	mq = mem_deref(mq);
	ck_assert_uint_eq(conf_room_rooms(), 0);
	fixture_re_teardown();
}

static int mq_got(void *arg)
{
	return mq_n >= *(int *)arg;
}

static struct conf_slot *join(const char *key, const struct conf_join_opts *o,
			      bool *started)
{
	struct conf_slot *s = NULL;
	bool st = false;

	ck_assert_int_eq(conf_room_join(&s, key, o, mq, 0, 1000, &st), 0);
	if (started)
		*started = st;
	return s;
}

/* each member pushes its own value at frame f; returns what m hears */
static int16_t round_of(struct conf_slot **m, const int16_t *v, size_t n,
			uint64_t f, size_t who, bool *mixed)
{
	int16_t in[CONF_FRAME], out[CONF_FRAME];
	int16_t heard = 0;

	for (size_t i = 0; i < n; i++) {
		fill(in, v[i]);
		memset(out, 0x55, sizeof(out));
		bool mx = conf_room_tick(m[i], in, out, f);

		if (i == who) {
			heard = out[0];
			if (mixed)
				*mixed = mx;
		}
	}
	return heard;
}

START_TEST(room_minus_self)
{
	const struct conf_join_opts o = {.start = true};
	const int16_t v[3] = {100, 20, 3};
	struct conf_slot *m[3];
	bool started;
	uint64_t f;
	unsigned left;
	bool ended;

	m[0] = join("conf:a:r", &o, &started);
	ck_assert(started);
	m[1] = join("conf:a:r", &o, &started);
	ck_assert(!started);
	m[2] = join("conf:a:r", &o, NULL);
	ck_assert_uint_eq(conf_room_count(m[0]), 3);
	/* frames CONF_DELAY behind: nothing to hear before that */
	for (f = 0; f < CONF_DELAY; f++)
		ck_assert_int_eq(round_of(m, v, 3, f, 0, NULL), 0);
	for (; f < 20; f++) {
		ck_assert_int_eq(round_of(m, v, 3, f, 0, NULL), 23);
		ck_assert_int_eq(round_of(m, v, 3, f, 1, NULL), 103);
		ck_assert_int_eq(round_of(m, v, 3, f, 2, NULL), 120);
	}
	conf_room_leave(m[2], 0, &left, &ended);
	ck_assert_uint_eq(left, 2);
	ck_assert(!ended);
	ck_assert_int_eq(round_of(m, v, 2, f++, 0, NULL), 20);
	conf_room_leave(m[1], 0, &left, &ended);
	conf_room_leave(m[0], 0, &left, &ended);
	ck_assert_uint_eq(left, 0);
	ck_assert(ended);
}
END_TEST

START_TEST(room_saturates)
{
	const struct conf_join_opts o = {.start = true};
	const int16_t v[3] = {30000, 30000, -5};
	struct conf_slot *m[3];
	uint64_t f;

	for (int i = 0; i < 3; i++)
		m[i] = join("conf:a:loud", &o, NULL);
	for (f = 0; f < 6; f++)
		round_of(m, v, 3, f, 0, NULL);
	ck_assert_int_eq(round_of(m, v, 3, f, 2, NULL), INT16_MAX);
	ck_assert_int_eq(round_of(m, v, 3, f + 1, 0, NULL), 29995);
	for (int i = 0; i < 3; i++)
		conf_room_leave(m[i], 0, NULL, NULL);
}
END_TEST

/* A member whose loop is late: its frames are missing, the others go
 * on with silence for it and count it */
START_TEST(room_late_member)
{
	const struct conf_join_opts o = {.start = true};
	int16_t in[CONF_FRAME], out[CONF_FRAME];
	struct conf_slot *a, *b;
	uint64_t frames, missing, f;

	a = join("conf:a:late", &o, NULL);
	b = join("conf:a:late", &o, NULL);
	fill(in, 50);
	for (f = 0; f < 10; f++) {
		conf_room_tick(a, in, out, f);
		conf_room_tick(b, in, out, f);
	}
	/* b stalls for 5 frames: a hears silence, without waiting */
	for (; f < 15; f++) {
		ck_assert(conf_room_tick(a, in, out, f));
		if (f >= 10 + CONF_DELAY)
			ck_assert_int_eq(out[0], 0);
	}
	conf_room_stats(a, &frames, &missing);
	ck_assert_uint_eq(frames, 15);
	ck_assert_uint_eq(missing, 5 - CONF_DELAY);
	conf_room_leave(a, 0, NULL, NULL);
	conf_room_leave(b, 0, NULL, NULL);
}
END_TEST

START_TEST(room_mute_hold_coach)
{
	const struct conf_join_opts mod = {
		.start = true, .moderator = true, .tag = "agent"};
	const struct conf_join_opts muted = {.start = true, .muted = true};
	const struct conf_join_opts coach = {.start = true, .coach = "agent"};
	const int16_t v[3] = {1, 10, 100};
	struct conf_slot *m[3];
	bool mixed;
	uint64_t f = 0;

	m[0] = join("conf:a:ctl", &mod, NULL);
	m[1] = join("conf:a:ctl", &muted, NULL);
	m[2] = join("conf:a:ctl", &coach, NULL);
	for (; f < 4; f++)
		round_of(m, v, 3, f, 0, NULL);
	/* joinMuted is not heard; the coach only by the agent's tag */
	ck_assert_int_eq(round_of(m, v, 3, f++, 0, NULL), 100);
	ck_assert_int_eq(round_of(m, v, 3, f++, 1, NULL), 1);
	ck_assert_int_eq(round_of(m, v, 3, f++, 2, NULL), 1);
	/* conf_mute_status unmute: every one that is not a moderator */
	conf_room_mute_others(m[2], false);
	ck_assert_int_eq(round_of(m, v, 3, f++, 0, NULL), 110);
	ck_assert_int_eq(round_of(m, v, 3, f++, 1, NULL), 1);
	conf_room_mute_others(m[2], true);
	ck_assert_int_eq(round_of(m, v, 3, f++, 0, NULL), 0);
	conf_room_mute_others(m[2], false);
	/* hold: neither heard nor hearing */
	conf_room_set(m[0], CONF_HOLD, true);
	(void)round_of(m, v, 3, f++, 0, &mixed);
	ck_assert(!mixed);
	ck_assert_int_eq(round_of(m, v, 3, f++, 1, NULL), 0);
	conf_room_set(m[0], CONF_HOLD, false);
	ck_assert_int_eq(conf_room_coach(m[2], NULL), 0);
	ck_assert_int_eq(round_of(m, v, 3, f++, 1, NULL), 101);
	ck_assert_int_eq(conf_room_tag(m[1], "a tag far too long for the "
					     "room's tags, over sixty-four "
					     "characters in all"),
			 EINVAL);
	for (int i = 0; i < 3; i++)
		conf_room_leave(m[i], 0, NULL, NULL);
}
END_TEST

START_TEST(room_wait_start_end)
{
	const struct conf_join_opts wait = {.start = false};
	const struct conf_join_opts mod = {.start = true,
					   .moderator = true,
					   .endconf = true,
					   .status = "{\"x\":1}"};
	int16_t in[CONF_FRAME], out[CONF_FRAME];
	struct conf_slot *w, *m, *late;
	int want = 1;
	unsigned left;
	bool started, ended;
	char *st;

	w = join("conf:a:w", &wait, &started);
	ck_assert(!started);
	ck_assert(conf_room_waiting(w));
	ck_assert_uint_eq(conf_room_count(w), 0);
	fill(in, 7);
	ck_assert(!conf_room_tick(w, in, out, 0));
	ck_assert_ptr_null(conf_room_status(w));
	m = join("conf:a:w", &mod, &started);
	ck_assert(started);
	ck_assert(!conf_room_waiting(w));
	ck_assert_uint_eq(conf_room_count(w), 2);
	ck_assert_uint_eq(conf_room_start_ms(w), 1000);
	st = conf_room_status(w);
	ck_assert_str_eq(st, "{\"x\":1}");
	free(st);
	ck_assert_int_eq(fixture_run_until(mq_got, &want, 1000), 0);
	ck_assert_int_eq(mq_ids[0], CONF_MQ_STARTED);
	/* the moderator leaves with endConferenceOnExit: the room ends */
	conf_room_leave(m, 0, &left, &ended);
	ck_assert(ended);
	ck_assert_uint_eq(left, 0);
	want = 2;
	ck_assert_int_eq(fixture_run_until(mq_got, &want, 1000), 0);
	ck_assert_int_eq(mq_ids[1], CONF_MQ_ENDED);
	ck_assert(!conf_room_tick(w, in, out, 1));
	/* the name is free again: a new room, while the old one drains */
	late = join("conf:a:w", &mod, &started);
	ck_assert(started);
	/* the ended one is out of the registry already */
	ck_assert_uint_eq(conf_room_rooms(), 1);
	conf_room_leave(w, 0, &left, &ended);
	ck_assert(ended);
	conf_room_leave(late, 0, NULL, NULL);
}
END_TEST

START_TEST(room_full_and_dtmf)
{
	const struct conf_join_opts o = {.start = true, .max = 2};
	struct conf_slot *a, *b, *c = NULL;
	bool started;
	int want = 1;

	a = join("conf:a:full", &o, NULL);
	b = join("conf:a:full", &o, NULL);
	ck_assert_int_eq(
		conf_room_join(&c, "conf:a:full", &o, mq, 0, 0, &started),
		EBUSY);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(conf_room_join(&c, "", &o, mq, 0, 0, &started),
			 EINVAL);
	conf_room_dtmf(a, '7');
	ck_assert_int_eq(fixture_run_until(mq_got, &want, 1000), 0);
	ck_assert_int_eq(mq_ids[0], CONF_MQ_DTMF | ('7' << 8));
	conf_room_leave(b, 0, NULL, NULL);
	c = join("conf:a:full", &o, NULL);
	conf_room_leave(a, 0, NULL, NULL);
	conf_room_leave(c, 0, NULL, NULL);
}
END_TEST

/* beep: the entry tone is heard by the whole room, the newcomer too */
START_TEST(room_beep)
{
	const struct conf_join_opts o = {.start = true};
	const struct conf_join_opts b = {.start = true, .beep = true};
	int16_t in[CONF_FRAME] = {0}, out[CONF_FRAME];
	struct conf_slot *m0, *m1;

	m0 = join("conf:a:beep", &o, NULL);
	m1 = join("conf:a:beep", &b, NULL);
	/* joined at frame 0: in silence, both hear the tone */
	ck_assert(conf_room_tick(m0, in, out, 10));
	ck_assert_uint_gt(conf_mix_level(out, CONF_FRAME), 1000);
	ck_assert(conf_room_tick(m1, in, out, 10));
	ck_assert_uint_gt(conf_mix_level(out, CONF_FRAME), 1000);
	/* 1.5 s later it is over */
	ck_assert(conf_room_tick(m0, in, out, 80));
	ck_assert_uint_eq(conf_mix_level(out, CONF_FRAME), 0);
	conf_room_leave(m0, 0, NULL, NULL);
	conf_room_leave(m1, 0, NULL, NULL);
	/* a waiting member's tone plays when the room starts for it */
	m0 = join("conf:a:beep2", &(struct conf_join_opts){.beep = true},
		  NULL);
	ck_assert(conf_room_waiting(m0));
	m1 = join("conf:a:beep2", &o, NULL);
	ck_assert(conf_room_tick(m1, in, out, 10));
	ck_assert_uint_gt(conf_mix_level(out, CONF_FRAME), 1000);
	conf_room_leave(m0, 0, NULL, NULL);
	conf_room_leave(m1, 0, NULL, NULL);
}
END_TEST

START_TEST(room_end_grace)
{
	const struct conf_join_opts plain = {.start = true};
	const struct conf_join_opts endc = {.start = true, .endconf = true};
	const struct conf_join_opts grace = {.start = true,
					     .endconf = true,
					     .has_grace = true,
					     .grace_s = 2};
	int16_t in[CONF_FRAME], out[CONF_FRAME];
	struct conf_slot *p, *a, *b;
	unsigned left;
	bool ended;
	int want = 1;

	fill(in, 3);
	/* two endConferenceOnExit members: the room ends with the last,
	 * as FreeSWITCH's end_count */
	p = join("conf:a:g", &plain, NULL);
	a = join("conf:a:g", &endc, NULL);
	b = join("conf:a:g", &endc, NULL);
	conf_room_leave(a, 10, &left, &ended);
	ck_assert(!ended);
	ck_assert_uint_eq(left, 2);
	ck_assert(conf_room_tick(p, in, out, 11));
	conf_room_leave(b, 12, &left, &ended);
	ck_assert(ended);
	ck_assert_int_eq(fixture_run_until(mq_got, &want, 1000), 0);
	ck_assert_int_eq(mq_ids[0], CONF_MQ_ENDED);
	conf_room_leave(p, 13, NULL, NULL);

	/* endConferenceDuration 2: the others stay 2 s (100 frames) */
	p = join("conf:a:g2", &plain, NULL);
	a = join("conf:a:g2", &grace, NULL);
	conf_room_leave(a, 100, &left, &ended);
	ck_assert(!ended);
	ck_assert_uint_eq(left, 1);
	ck_assert(conf_room_tick(p, in, out, 150));
	ck_assert(conf_room_tick(p, in, out, 198));
	ck_assert_int_eq(mq_n, 1);
	/* an endConferenceOnExit member back in stops the grace */
	b = join("conf:a:g2", &endc, NULL);
	ck_assert(conf_room_tick(p, in, out, 250));
	conf_room_leave(b, 300, &left, &ended);
	ck_assert(!ended);
	ck_assert(conf_room_tick(p, in, out, 399));
	ck_assert(!conf_room_tick(p, in, out, 400));
	want = 2;
	ck_assert_int_eq(fixture_run_until(mq_got, &want, 1000), 0);
	ck_assert_int_eq(mq_ids[1], CONF_MQ_ENDED);
	conf_room_leave(p, 401, &left, &ended);
	ck_assert(ended);
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("mix");
	TCase *tr = tcase_create("room");

	tcase_add_test(tc, mix_clip);
	tcase_add_test(tc, mix_talk);
	tcase_add_test(tc, mix_beep);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, room_minus_self);
	tcase_add_test(tr, room_saturates);
	tcase_add_test(tr, room_late_member);
	tcase_add_test(tr, room_mute_hold_coach);
	tcase_add_test(tr, room_wait_start_end);
	tcase_add_test(tr, room_full_and_dtmf);
	tcase_add_test(tr, room_beep);
	tcase_add_test(tr, room_end_grace);
	suite_add_tcase(s, tr);
	return s;
}
