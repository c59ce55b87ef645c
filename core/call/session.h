/**
 * @file session.h  The verb list of a call and the task running it
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verb/vlist.h"

struct fs_call;
struct session;
struct json_object;
struct dir_hook;


/**
 * Why a webhook request failed, naming the setting that bounds it
 * ("timed out (JAMBONES_HTTP_TIMEOUT)"), or NULL for errors that have
 * no setting (the errno text then says it)
 */
const char *session_hook_err(int err);

/** The limits of the settings, for answers to c's hooks */
void session_limits(const struct fs_call *c, struct vlist_limits *lim);

int session_alloc(struct session **sp, struct fs_call *call);

/** Whether a webhook's HTTP status is a success: 200, 202 or 204, as
 * jambonz's http-requestor */
bool session_hook_status_ok(uint16_t status);

/**
 * The base of the call's relative hooks once a redirect verb moved the
 * application to another origin (the call hook's credentials do not go
 * there), or NULL: the call hook's URL
 */
const char *session_hook_base(const struct session *s);

/** The status hook a redirect verb's statusHook set, or NULL: the
 * application's */
const struct dir_hook *session_status_hook(const struct session *s);

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
