/**
 * @file session.h  The verb list of a call and the task running it
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "verb/vlist.h"

struct fs_call;
struct session;
struct json_object;


/**
 * Why a webhook request failed, naming the setting that bounds it
 * ("timed out (JAMBONES_HTTP_TIMEOUT)"), or NULL for errors that have
 * no setting (the errno text then says it)
 */
const char *session_hook_err(int err);

/** The limits of the settings, for answers to c's hooks */
void session_limits(const struct fs_call *c, struct vlist_limits *lim);

int session_alloc(struct session **sp, struct fs_call *call);

/** Replace the verbs left (cancelling the running task) and run */
void session_replace(struct session *s, struct vlist *v);

/**
 * Add v after the verbs left, the running task going on (a
 * WebSocket application's redirect with queueCommand); a list that had
 * run out starts again.
 *
 * @return 0, ESHUTDOWN (stopped), ENOMEM
 */
int session_append(struct session *s, const struct vlist *v);

/**
 * Fetch new verbs from hook (updateCall call_hook): the running task is
 * cancelled, and the answer replaces the list.
 */
int session_redirect(struct session *s, const struct json_object *hook);

/**
 * Look again whether the list is done (the WebSocket application that
 * kept a finished list waiting has gone): nothing while a task runs
 */
void session_wake(struct session *s);

/** Stop: cancel the running task, drop the rest (caller hung up) */
void session_stop(struct session *s);

#endif
