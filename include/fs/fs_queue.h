/**
 * @file fs_queue.h  Named call queues for plugins (ABI 1.10): a caller
 *                   waits in a queue of its account, an agent takes the
 *                   longest waiter (or a given one) and the two are
 *                   bridged through a two-member room of the mixer
 *
 * A queue is "queue:<account_sid>:<name>", jambonz's queueSid. Its
 * members are ordered as jambonz's Redis sorted set orders them: by
 * priority (lower first, 999 when absent or negative), then by the time
 * they joined. Positions are counted from 0, as Redis's ZRANK. The
 * queues are the instance's, shared by its loops, unless Redis is
 * configured (JAMBONES_REDIS_HOST): then they are the cluster's
 * (docs/verbs.md). Every function runs on the call's loop, and so do the
 * handlers.
 */
#ifndef FS_QUEUE_H
#define FS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/fs_conf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_scope;
struct fs_queue;
struct json_object;

#define FS_QUEUE_NAME_MAX  128 /* bytes of a queue's name */
#define FS_QUEUE_PRIO_DFLT 999

/* What the queue tells a waiting member */
enum fs_queue_ev {
	FS_QUEUE_DEQUEUED = 1, /* an agent took it: join the bridge now */
};

typedef void(fs_queue_h)(enum fs_queue_ev ev, void *arg);

/**
 * Join the queue name of the call's account, last among those of its
 * priority. Until fs_queue_leave() or the scope closes.
 *
 * @param priority The enqueue verb's priority (negative: 999)
 * @return 0, EINVAL (no name, too long, control characters), ENOTCONN
 *         (the call ended), ESHUTDOWN, ENOMEM, EIO (Redis)
 */
int fs_queue_join(struct fs_queue **qp, struct fs_call *c,
		  struct fs_scope *scope, const char *name, double priority,
		  fs_queue_h *h, void *arg);

/**
 * Leave the queue (when still in it) and free the member; no handler
 * runs afterwards.
 *
 * @param left Members of the queue afterwards (may be NULL)
 */
void fs_queue_leave(struct fs_queue *q, unsigned *left);

/** @return true for a name of 1 to FS_QUEUE_NAME_MAX bytes without
 *          control characters */
bool fs_queue_name_ok(const char *name);

/** Where a member is: its position (from 0) and the queue's size */
typedef void(fs_queue_place_h)(int err, unsigned pos, unsigned size,
			       void *arg);

/**
 * Ask for the member's place; h runs later on the loop, unless scope
 * closes first. ENOENT once it is out of the queue.
 */
int fs_queue_place(struct fs_queue *q, struct fs_scope *scope,
		   fs_queue_place_h *h, void *arg);

/** @return "queue:<account_sid>:<name>" */
const char *fs_queue_sid(const struct fs_queue *q);

/** @return the queue's size right after the member joined, or once it
 *          was taken (FS_QUEUE_DEQUEUED), right after it was taken */
unsigned fs_queue_length(const struct fs_queue *q);

/** After FS_QUEUE_DEQUEUED: the agent's beep, its call's fields (a new
 * object or NULL) */
bool fs_queue_beep(const struct fs_queue *q);
struct json_object *fs_queue_dequeuer(const struct fs_queue *q);

/**
 * The agent's side: take a waiter out of the queue name of the call's
 * account, the first in order or the member with call_sid, and tell it
 * to join the bridge (its own call sid is the bridge's key).
 *
 * @param h   Runs later with 0 and the waiter's call sid (borrowed),
 *            ENOENT when nobody (or not call_sid) is waiting, or an error
 * @return 0, EINVAL, ENOMEM
 */
typedef void(fs_queue_take_h)(int err, const char *waiter_sid, void *arg);
int fs_queue_take(struct fs_call *c, struct fs_scope *scope, const char *name,
		  const char *call_sid, bool beep, fs_queue_take_h *h,
		  void *arg);

/**
 * A queue:status event (jambonz's performQueueWebhook): the call's
 * fields plus fields (taken), to the application's status hook (over
 * its WebSocket for a WebSocket application); not bound to a scope.
 */
int fs_queue_status(struct fs_call *c, struct json_object *fields);

/**
 * Join the two-member bridge key (a waiter's call sid) of the mixer:
 * the room starts at once, and whoever of the two leaves ends it
 * (FS_CONF_ENDED to the other). beep: the entry tone when this one
 * comes in. As fs_conf_join() otherwise.
 */
int fs_conf_bridge(struct fs_conf **mp, struct fs_call *c,
		   struct fs_scope *scope, const char *key, bool beep,
		   fs_conf_h *h, void *arg);

/**
 * A verb of a hook's answer in either of jambonz's forms, {"verb": "say",
 * ...} or {"say": {...}}: its name, and its properties in data.
 *
 * @return the name (borrowed from v), NULL when v is neither
 */
const char *fs_verb_split(const struct json_object *v,
			  const struct json_object **data);

#ifdef __cplusplus
}
#endif

#endif
