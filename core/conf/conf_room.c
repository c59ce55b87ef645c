/**
 * @file conf_room.c  The rooms: joining, leaving, each member's frame
 *
 * Locks: the registry's mutex (the list of rooms) is taken before a
 * room's, never the other way; a member's tick takes its room's only.
 * The lock is held for a few copies and sums, never across a call into
 * anything else but mqueue_push (a write to a pipe).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "conf/conf_room.h"

struct conf_slot {
	struct conf_room *room;
	struct mqueue *mq;
	int16_t ring[CONF_RING][CONF_FRAME];
	uint64_t idx[CONF_RING]; /* frame number + 1 of each, 0: none */
	uint64_t first;          /* first frame pushed + 1, 0: none yet */
	char tag[CONF_TAG_MAX];
	char coach[CONF_TAG_MAX]; /* speakOnlyTo: heard only by this tag */
	bool waiting;             /* the room has not started */
	bool moderator;           /* startConferenceOnEnter */
	bool endconf;
	bool muted;
	bool held;
	bool kicked; /* the room ended under it */
	bool beep;   /* the entry tone when it comes in */
	bool has_grace;
	unsigned grace_s; /* its endConferenceDuration */
	bool ends_room;   /* its leaving ends the room at once */
	struct conf_talk talk;
	uint64_t frames;  /* frames taken */
	uint64_t missing; /* others' frames that were not there */
};

struct conf_room {
	struct conf_room *next; /* the registry, under reg.mtx */
	char *key;
	pthread_mutex_t mtx;
	struct conf_slot *slots[CONF_MAX_MEMBERS];
	unsigned n;       /* slots */
	unsigned joined;  /* in: not waiting nor kicked */
	unsigned endconf; /* in with endConferenceOnExit (FreeSWITCH's
			   * end_count) */
	unsigned max;
	unsigned grace_s; /* endConferenceDuration, 0: none */
	uint64_t end_at;  /* frame + 1 the grace ends, 0: none running */
	bool started;
	bool ended;  /* out of the registry: a new room takes the name */
	bool linked; /* in the registry */
	uint64_t start_ms;
	uint64_t beep_f; /* first frame of the entry tone + 1, 0: none */
	char *status;
};

static struct {
	pthread_mutex_t mtx;
	struct conf_room *rooms;
	unsigned n;
} reg = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

static void conf_room_unlink(struct conf_room *r)
{
	struct conf_room **pp;

	if (!r->linked)
		return;
	for (pp = &reg.rooms; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	r->linked = false;
	--reg.n;
}

static void conf_room_free(struct conf_room *r)
{
	pthread_mutex_destroy(&r->mtx);
	free(r->key);
	free(r->status);
	free(r);
}

static struct conf_room *conf_room_find(const char *key)
{
	struct conf_room *r;

	for (r = reg.rooms; r; r = r->next)
		if (!strcmp(r->key, key))
			return r;
	return NULL;
}

static struct conf_room *conf_room_new(const char *key)
{
	struct conf_room *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->key = strdup(key);
	if (!r->key) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mtx, NULL);
	r->next = reg.rooms;
	reg.rooms = r;
	r->linked = true;
	++reg.n;
	return r;
}

static void conf_slot_strset(char *dst, const char *src)
{
	str_ncpy(dst, src ? src : "", CONF_TAG_MAX);
}

/* Under r->mtx: s is in; an endConferenceOnExit member stops a grace
 * running, as FreeSWITCH's endconference_time is only checked with no
 * such member in */
static void conf_room_in(struct conf_room *r, const struct conf_slot *s)
{
	++r->joined;
	if (s->endconf) {
		++r->endconf;
		r->end_at = 0;
	}
	/* as jambonz sets endconference_grace_time, by each member with
	 * it once in */
	if (s->has_grace)
		r->grace_s = s->grace_s;
}

/* Under r->mtx: the room starts and its waiting members come in */
static void conf_room_start(struct conf_room *r, uint64_t frame,
			    uint64_t now_ms, const char *status)
{
	r->started = true;
	r->start_ms = now_ms;
	free(r->status);
	r->status = status ? strdup(status) : NULL;
	for (unsigned i = 0; i < r->n; i++) {
		struct conf_slot *s = r->slots[i];

		if (!s->waiting)
			continue;
		s->waiting = false;
		conf_room_in(r, s);
		if (s->beep)
			r->beep_f = frame + 1;
		mqueue_push(s->mq, CONF_MQ_STARTED, NULL);
	}
}

int conf_room_join(struct conf_slot **sp, const char *key,
		   const struct conf_join_opts *o, struct mqueue *mq,
		   uint64_t frame, uint64_t now_ms, bool *started)
{
	struct conf_room *r;
	struct conf_slot *s;
	int err = 0;

	if (!sp || !key || !*key || !o || !mq || !started)
		return EINVAL;
	if ((o->tag && strlen(o->tag) >= CONF_TAG_MAX) ||
	    (o->coach && strlen(o->coach) >= CONF_TAG_MAX))
		return EINVAL;
	*started = false;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->mq = mq;
	s->moderator = o->moderator;
	s->endconf = o->endconf;
	s->muted = o->muted;
	s->beep = o->beep;
	s->has_grace = o->has_grace;
	s->grace_s = o->grace_s;
	s->ends_room = o->ends_room;
	conf_slot_strset(s->tag, o->tag);
	conf_slot_strset(s->coach, o->coach);

	pthread_mutex_lock(&reg.mtx);
	r = conf_room_find(key);
	if (!r)
		r = conf_room_new(key);
	if (!r) {
		pthread_mutex_unlock(&reg.mtx);
		free(s);
		return ENOMEM;
	}
	pthread_mutex_lock(&r->mtx);
	if (r->n >= CONF_MAX_MEMBERS) {
		err = ENOSPC;
	} else if (r->started && r->max && r->joined >= r->max) {
		err = EBUSY;
	} else {
		s->room = r;
		if (!r->started && o->start) {
			conf_room_start(r, frame, now_ms, o->status);
			*started = true;
		}
		s->waiting = !r->started;
		if (r->started)
			conf_room_in(r, s);
		r->slots[r->n++] = s;
		/* as jambonz, which sets max_members once in */
		if (!s->waiting && o->max > 1)
			r->max = o->max;
		if (!s->waiting && o->beep)
			r->beep_f = frame + 1;
	}
	pthread_mutex_unlock(&r->mtx);
	if (err && !r->n) {
		conf_room_unlink(r);
		conf_room_free(r);
	}
	pthread_mutex_unlock(&reg.mtx);
	if (err) {
		free(s);
		return err;
	}
	*sp = s;
	return 0;
}

/* Under both locks: the room ends; every other member is told */
static void conf_room_end(struct conf_room *r, const struct conf_slot *by)
{
	r->ended = true;
	r->joined = 0;
	r->end_at = 0;
	conf_room_unlink(r);
	for (unsigned i = 0; i < r->n; i++) {
		struct conf_slot *s = r->slots[i];

		if (s == by || s->kicked)
			continue;
		s->kicked = true;
		mqueue_push(s->mq, CONF_MQ_ENDED, NULL);
	}
}

void conf_room_leave(struct conf_slot *s, uint64_t frame, unsigned *left,
		     bool *ended)
{
	struct conf_room *r;
	bool in, gone;
	unsigned i;

	if (left)
		*left = 0;
	if (ended)
		*ended = false;
	if (!s)
		return;
	r = s->room;
	pthread_mutex_lock(&reg.mtx);
	pthread_mutex_lock(&r->mtx);
	in = !s->waiting && !s->kicked;
	for (i = 0; i < r->n; i++) {
		if (r->slots[i] == s) {
			r->slots[i] = r->slots[--r->n];
			break;
		}
	}
	if (in) {
		--r->joined;
		if (s->endconf)
			--r->endconf;
	}
	if (s->kicked) {
		/* jambonz: the count is gone, so this member says "end" too */
		if (ended)
			*ended = true;
	} else if (in && (!r->joined || s->ends_room ||
			  (s->endconf && !r->endconf && !r->grace_s))) {
		conf_room_end(r, s);
		if (ended)
			*ended = true;
	} else if (in && s->endconf && !r->endconf) {
		/* FreeSWITCH's endconference_grace_time: the others stay
		 * that long; a tick of one of them ends the room */
		r->end_at = frame + 1 + (uint64_t)r->grace_s * 50;
	}
	if (left)
		*left = r->joined;
	gone = !r->n;
	if (gone)
		conf_room_unlink(r);
	pthread_mutex_unlock(&r->mtx);
	pthread_mutex_unlock(&reg.mtx);
	if (gone)
		conf_room_free(r);
	free(s);
}

/* Under r->mtx: add what s hears of the others at frame want */
static void conf_room_sum(struct conf_room *r, struct conf_slot *s,
			  int32_t *acc, uint64_t want)
{
	unsigned at = (unsigned)(want % CONF_RING);

	for (unsigned i = 0; i < r->n; i++) {
		struct conf_slot *k = r->slots[i];

		if (k == s || k->waiting || k->kicked || k->muted || k->held)
			continue;
		if (k->coach[0] && strcmp(k->coach, s->tag))
			continue;
		if (k->idx[at] == want + 1)
			conf_mix_add(acc, k->ring[at], CONF_FRAME);
		else if (k->first && k->first <= want + 1)
			++s->missing;
	}
}

/* A grace past its end: the room ends (both locks, in their order) */
static void conf_room_expire(struct conf_room *r, uint64_t frame)
{
	pthread_mutex_lock(&reg.mtx);
	pthread_mutex_lock(&r->mtx);
	if (!r->ended && r->end_at && frame + 1 >= r->end_at)
		conf_room_end(r, NULL);
	pthread_mutex_unlock(&r->mtx);
	pthread_mutex_unlock(&reg.mtx);
}

bool conf_room_tick(struct conf_slot *s, const int16_t *in, int16_t *out,
		    uint64_t frame)
{
	struct conf_room *r = s->room;
	int32_t acc[CONF_FRAME];
	unsigned at = (unsigned)(frame % CONF_RING);
	bool mixed = false, due;
	int talk = 0;

	pthread_mutex_lock(&r->mtx);
	due = r->end_at && frame + 1 >= r->end_at;
	if (s->waiting || s->kicked || due)
		goto out;
	memcpy(s->ring[at], in, sizeof(s->ring[at]));
	s->idx[at] = frame + 1;
	if (!s->first)
		s->first = frame + 1;
	if (!s->held)
		talk = conf_talk_step(&s->talk,
				      conf_mix_level(in, CONF_FRAME));
	if (talk)
		mqueue_push(s->mq, talk > 0 ? CONF_MQ_TALK : CONF_MQ_QUIET,
			    NULL);
	if (s->held)
		goto out;
	memset(acc, 0, sizeof(acc));
	if (frame >= CONF_DELAY)
		conf_room_sum(r, s, acc, frame - CONF_DELAY);
	if (r->beep_f && frame + 1 >= r->beep_f &&
	    !conf_mix_beep(acc, CONF_FRAME,
			   (frame + 1 - r->beep_f) * CONF_FRAME) &&
	    frame + 1 - r->beep_f > 1000)
		r->beep_f = 0; /* past the tone for everyone by far */
	conf_mix_clip(out, acc, CONF_FRAME);
	++s->frames;
	mixed = true;
out:
	pthread_mutex_unlock(&r->mtx);
	if (due)
		conf_room_expire(r, frame);
	return mixed;
}

void conf_room_set(struct conf_slot *s, enum conf_flag f, bool on)
{
	pthread_mutex_lock(&s->room->mtx);
	if (f == CONF_MUTE)
		s->muted = on;
	else
		s->held = on;
	pthread_mutex_unlock(&s->room->mtx);
}

void conf_room_mute_others(struct conf_slot *s, bool on)
{
	struct conf_room *r = s->room;

	pthread_mutex_lock(&r->mtx);
	for (unsigned i = 0; i < r->n; i++)
		if (!r->slots[i]->moderator)
			r->slots[i]->muted = on;
	pthread_mutex_unlock(&r->mtx);
}

static int conf_room_str(struct conf_slot *s, char *dst, const char *v)
{
	if (v && strlen(v) >= CONF_TAG_MAX)
		return EINVAL;
	pthread_mutex_lock(&s->room->mtx);
	conf_slot_strset(dst, v);
	pthread_mutex_unlock(&s->room->mtx);
	return 0;
}

int conf_room_tag(struct conf_slot *s, const char *tag)
{
	return conf_room_str(s, s->tag, tag);
}

int conf_room_coach(struct conf_slot *s, const char *tag)
{
	return conf_room_str(s, s->coach, tag);
}

void conf_room_dtmf(struct conf_slot *s, char digit)
{
	struct conf_room *r = s->room;

	pthread_mutex_lock(&r->mtx);
	for (unsigned i = 0; i < r->n; i++) {
		struct conf_slot *k = r->slots[i];

		if (k != s && !k->waiting && !k->kicked)
			mqueue_push(k->mq,
				    CONF_MQ_DTMF | ((unsigned char)digit << 8),
				    NULL);
	}
	pthread_mutex_unlock(&r->mtx);
}

bool conf_room_waiting(const struct conf_slot *s)
{
	bool v;

	pthread_mutex_lock(&s->room->mtx);
	v = s->waiting;
	pthread_mutex_unlock(&s->room->mtx);
	return v;
}

unsigned conf_room_count(const struct conf_slot *s)
{
	unsigned v;

	pthread_mutex_lock(&s->room->mtx);
	v = s->room->joined;
	pthread_mutex_unlock(&s->room->mtx);
	return v;
}

uint64_t conf_room_start_ms(const struct conf_slot *s)
{
	uint64_t v;

	pthread_mutex_lock(&s->room->mtx);
	v = s->room->start_ms;
	pthread_mutex_unlock(&s->room->mtx);
	return v;
}

char *conf_room_status(const struct conf_slot *s)
{
	char *v;

	pthread_mutex_lock(&s->room->mtx);
	v = s->room->status ? strdup(s->room->status) : NULL;
	pthread_mutex_unlock(&s->room->mtx);
	return v;
}

void conf_room_stats(const struct conf_slot *s, uint64_t *frames,
		     uint64_t *missing)
{
	pthread_mutex_lock(&s->room->mtx);
	if (frames)
		*frames = s->frames;
	if (missing)
		*missing = s->missing;
	pthread_mutex_unlock(&s->room->mtx);
}

unsigned conf_room_rooms(void)
{
	unsigned n;

	pthread_mutex_lock(&reg.mtx);
	n = reg.n;
	pthread_mutex_unlock(&reg.mtx);
	return n;
}
