/**
 * @file conf_int.h  What the conference verb's files share
 */
#ifndef PLUGIN_CONF_INT_H
#define PLUGIN_CONF_INT_H

#include <stdbool.h>
#include <stdint.h>

struct fs_task;
struct fs_call;
struct fs_conf;
struct fs_scope;
struct json_object;

struct conf_task {
	struct fs_task *t;
	struct fs_call *c;
	struct fs_conf *m;             /* borrowed, bound to the task scope */
	struct json_object *status;    /* {statusHook, statusEvents} in use */
	struct json_object *hold_hook; /* wait_hook of conf_hold_status */
	struct fs_scope *wait;         /* a waitHook running, or NULL */
	const struct json_object *wait_hook;
	struct json_object *verbs; /* the waitHook's answer being run */
	size_t vi;                 /* next of them */
	char name[300];            /* the room's name, escaped for logs */
	char sid[300];             /* conferenceSid */
	uint64_t start_ms;
	void (*wait_done)(struct conf_task *ct); /* an enterHook's end */
	bool held;
	bool entering; /* its enterHook runs: held, not yet joined */
};

/* conf_wait.c: a waitHook's say, play and pause verbs, again and again */

/** Run hook's verbs over and over until conf_wait_stop() */
void conf_wait_start(struct conf_task *ct, const struct json_object *hook);
void conf_wait_stop(struct conf_task *ct);

/** Run hook's verbs once (an enterHook), then done (not when stopped) */
void conf_wait_once(struct conf_task *ct, const struct json_object *hook,
		    void (*done)(struct conf_task *ct));

/* conference.c */

/** The member leaves (a leave verb of the waitHook, a kick): ends the task */
void conf_finish(struct conf_task *ct, const char *why);

#endif
