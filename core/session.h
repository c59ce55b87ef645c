/**
 * @file session.h  The verb list of a call and the task running it
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

struct fs_call;
struct loader;
struct session;
struct json_object;

/** A validated, normalised verb list (libre mem object) */
struct vlist {
	size_t n;
	struct vitem {
		char *name;
		struct json_object *data;
	} * items;
};

/**
 * Validate a webhook answer: a JSON array of verbs in either form.
 *
 * @param vp  Returns the normalised list
 * @param err Receives the first problem, e.g. "say: unknown property x"
 * @return 0, EPROTO (not an array), EINVAL/ENOENT (a bad verb)
 */
int vlist_parse(struct vlist **vp, struct loader *l,
		const struct json_object *arr, char *err, size_t errsz);

int session_alloc(struct session **sp, struct fs_call *call);

/** Replace the verbs left (cancelling the running task) and run */
void session_replace(struct session *s, struct vlist *v);

/**
 * Fetch new verbs from hook (updateCall call_hook): the running task is
 * cancelled, and the answer replaces the list.
 */
int session_redirect(struct session *s, const struct json_object *hook);

/** Stop: cancel the running task, drop the rest (caller hung up) */
void session_stop(struct session *s);

#endif
