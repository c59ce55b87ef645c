/**
 * @file leg_int.h  What the files of an outbound leg (leg_*.c) share:
 *                  the leg object behind include/fs/fs_leg.h
 */
#ifndef LEG_INT_H
#define LEG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <fs/fs.h>

#define LEGAPI_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct legapi_play;

struct fs_leg {
	struct leg *leg;
	struct fs_call *call;
	struct fs_listener *bind;
	fs_leg_h *h;
	void *arg;
	fs_leg_dtmf_h *dtmfh;
	void *dtmf_arg;
	fs_leg_hold_h *holdh;
	void *hold_arg;
	fs_leg_refer_h *referh;
	void *refer_arg;
	struct legapi_play *playing;
	char *to;           /* the number, user or URI called */
	const char *status; /* call_status of the child, as jambonz's */
	uint16_t scode;
	char reason[64];
	uint64_t answer_ms;
	bool final; /* its last call:status went out */
};

/* leg_hook.c */
void legapi_status(struct fs_leg *fl, const char *status, uint16_t scode,
		   const char *reason);

/* leg_play.c */
void legapi_play_stop(struct fs_leg *fl);

#endif
