/**
 * @file conf_room.h  Conference rooms of this instance: plain data shared
 *                    by every loop, each room behind its own mutex
 *
 * A member is a slot of its room. Its own loop's media tick pushes its
 * 20 ms frame into the slot's ring and takes the mix of the others'
 * frames of CONF_DELAY frames before (conf_room_tick): the loops' ticks
 * are not in phase, and a member whose loop is late has simply not
 * pushed that frame yet, which the others hear as silence (counted in
 * `missing`) instead of waiting for it. What the room tells a member
 * (the room started, it ended, talking, a distributed digit) goes to the
 * member's mqueue, made on its own loop, pushed under the room's lock so
 * that a member leaving (which takes the lock) is never pushed to after.
 */
#ifndef CONF_ROOM_H
#define CONF_ROOM_H

#include <stdbool.h>
#include <stdint.h>
#include "conf/conf_mix.h"

#define CONF_RING        8   /* frames a slot keeps */
#define CONF_DELAY       2   /* frames a member hears the others behind */
#define CONF_MAX_MEMBERS 100 /* slots of a room, waiting ones included */
#define CONF_TAG_MAX     64

/* mqueue ids toward a member's loop; a digit rides in the id's bits 8+ */
enum conf_mq {
	CONF_MQ_STARTED = 1,
	CONF_MQ_ENDED,
	CONF_MQ_TALK,
	CONF_MQ_QUIET,
	CONF_MQ_DTMF,
};

struct mqueue;
struct conf_room;
struct conf_slot;

struct conf_join_opts {
	bool start;     /* starts the room: startConferenceOnEnter not false */
	bool moderator; /* startConferenceOnEnter true */
	bool endconf;
	bool muted;
	bool beep;
	unsigned max;       /* maxParticipants, 0: none */
	bool has_grace;     /* endConferenceDuration given */
	unsigned grace_s;   /* endConferenceDuration (s) */
	bool ends_room;     /* leaving ends the room at once, whoever is
			     * left (a two-member bridge) */
	const char *tag;    /* memberTag or NULL */
	const char *coach;  /* speakOnlyTo or NULL */
	const char *status; /* statusHook and statusEvents, JSON text */
};

/**
 * Join (or start, or wait for) the room key.
 *
 * @param frame   The caller's frame number now (ms / 20)
 * @param now_ms  Wall clock, for the room's start time
 * @param started Set when this member started the room
 * @return 0, EINVAL, EBUSY (maxParticipants reached), ENOSPC (the
 *         room's slots are taken), ENOMEM
 */
int conf_room_join(struct conf_slot **sp, const char *key,
		   const struct conf_join_opts *o, struct mqueue *mq,
		   uint64_t frame, uint64_t now_ms, bool *started);

/**
 * Leave; frees the slot (and the room with its last slot).
 *
 * @param frame The caller's frame number now: the last
 *              endConferenceOnExit member out starts the room's grace
 *              (endConferenceDuration) from it
 * @param left  Members still in afterwards
 * @param ended The room ended now (the last one left, the last
 *              endConferenceOnExit member left without a grace) or had
 *              ended before
 */
void conf_room_leave(struct conf_slot *s, uint64_t frame, unsigned *left,
		     bool *ended);

/**
 * One frame of a member, on its loop's tick: push in, take the clipped
 * sum of the others (and the entry tone) into out.
 *
 * @return true when out holds the mix, false when the member is not in
 *         (waiting, ended) or on hold
 */
bool conf_room_tick(struct conf_slot *s, const int16_t *in, int16_t *out,
		    uint64_t frame);

enum conf_flag { CONF_MUTE, CONF_HOLD };
void conf_room_set(struct conf_slot *s, enum conf_flag f, bool on);

/** Mute or unmute every member that is not a moderator */
void conf_room_mute_others(struct conf_slot *s, bool on);

/** memberTag (NULL clears) @return 0, EINVAL (too long) */
int conf_room_tag(struct conf_slot *s, const char *tag);

/** speakOnlyTo (NULL clears) @return 0, EINVAL (too long) */
int conf_room_coach(struct conf_slot *s, const char *tag);

/** Hand a digit to every other member in */
void conf_room_dtmf(struct conf_slot *s, char digit);

bool conf_room_waiting(const struct conf_slot *s);
unsigned conf_room_count(const struct conf_slot *s);
uint64_t conf_room_start_ms(const struct conf_slot *s);

/** @return the starter's statusHook JSON text, a malloc'd copy or NULL */
char *conf_room_status(const struct conf_slot *s);

/** Frames the member took, and others' frames it lacked (silence) */
void conf_room_stats(const struct conf_slot *s, uint64_t *frames,
		     uint64_t *missing);

/** @return rooms open on this instance */
unsigned conf_room_rooms(void);

#endif
