/**
 * @file rasa.h  What the files of the rasa verb share
 *
 * rasa.c      the verb: a round of prompt and listening, its timeout, the
 *             end (actionHook)
 * rasa_bot.c  the Rasa REST channel: the caller's words posted, the
 *             bot's answer, the eventHook
 */
#ifndef PLUGIN_RASA_H
#define PLUGIN_RASA_H

#include <stdbool.h>
#include <stdint.h>

struct fs_task;
struct fs_call;
struct fs_scope;
struct fs_stt;
struct json_object;

struct rasa {
	struct fs_task *t;
	struct fs_call *c;
	uint32_t timeout_ms;
	bool reported; /* the actionHook has gone (or a redirect) */
	/* a round: the prompt, the recognition, the no-input timer */
	struct fs_scope *round;
	struct fs_scope *prompt;
	struct fs_scope *timer;
	struct fs_stt *stt;
	struct json_object *say;   /* the prompt's say properties */
	struct json_object *recog; /* merged recognizer */
	bool prompting;
	char heard[256]; /* the last interim transcript */
};

/* rasa.c */

/** A round: say text (NULL: none) while listening, as a nested gather */
void rasa_listen(struct rasa *r, const char *text);

/** End the verb: rasaResult to the actionHook, unless reported already */
void rasa_end(struct rasa *r, const char *result);

/** The verb's string (or object) property k, NULL when absent */
const struct json_object *rasa_prop(const struct rasa *r, const char *k);

/* rasa_bot.c */

/** The caller said utterance: to the eventHook and to Rasa */
void rasa_user(struct rasa *r, const char *utterance);

#endif
