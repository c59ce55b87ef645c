/**
 * @file enq_int.h  What the enqueue verb's files share
 */
#ifndef PLUGIN_ENQ_INT_H
#define PLUGIN_ENQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_task;
struct fs_call;
struct fs_conf;
struct fs_queue;
struct fs_scope;
struct fs_listener;
struct json_object;

struct enq_task {
	struct fs_task *t;
	struct fs_call *c;
	struct fs_queue *q;    /* while it waits (bound to the task scope) */
	struct fs_conf *m;     /* while bridged (bound to the task scope) */
	struct fs_scope *wait; /* the waitHook's loop, or NULL */
	struct fs_listener *poll;  /* the agent coming into the bridge */
	struct json_object *verbs; /* the waitHook's answer being run */
	size_t vi;                 /* next of them */
	const char *result;        /* queueResult */
	uint64_t start_ms;         /* joined the queue */
	unsigned polls;
	char name[300]; /* the queue's name, escaped for logs */
	char sid[300];  /* queueSid */
};

/* enq_wait.c: the waitHook's verbs, again and again */
void enq_wait_start(struct enq_task *et);
void enq_wait_stop(struct enq_task *et);

/* enqueue.c */

/** The waitHook's leave: out of the queue, the task ends */
void enq_leave(struct enq_task *et);

/** The actionHook's and the waitHook's queueSid and queueTime */
struct json_object *enq_fields(const struct enq_task *et);

#endif
