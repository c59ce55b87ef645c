/**
 * @file session.h  The verb list of a call and the task running it
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

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

/** Limits on a webhook answer (see MAX_VERBS_PER_DOC and friends) */
struct vlist_limits {
	uint32_t max_verbs; /* 0: no limit                        */
	uint32_t max_depth; /* JSON nesting; 0: json-c's default  */
};

/**
 * Parse and validate a webhook answer body: JSON of at most max_depth
 * levels with nothing but white space after it, an array of at most
 * max_verbs verbs, each valid.
 *
 * @param body Body bytes (borrowed), len of them
 * @param err  Receives the reason, e.g. "webhook returned invalid JSON"
 * @return 0, EPROTO (not JSON, too deep, not an array), E2BIG (too many
 *         verbs), EINVAL/ENOENT (a bad verb), ENOMEM
 */
int vlist_from_body(struct vlist **vp, struct loader *l,
		    const struct vlist_limits *lim, const char *body,
		    size_t len, char *err, size_t errsz);

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
 * Fetch new verbs from hook (updateCall call_hook): the running task is
 * cancelled, and the answer replaces the list.
 */
int session_redirect(struct session *s, const struct json_object *hook);

/** Stop: cancel the running task, drop the rest (caller hung up) */
void session_stop(struct session *s);

#endif
