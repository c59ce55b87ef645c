/**
 * @file fs_listen.h  The listen service (ABI 1.4): a call's audio, live, to
 *                    a WebSocket server, and the server's audio back to
 *                    the caller, as jambonz's listen (docs/listen.md)
 *
 * One engine for the listen and stream verbs, a listen nested in dial
 * and the call's background listen started by config. All on the
 * call's loop.
 */
#ifndef FS_LISTEN_H
#define FS_LISTEN_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_scope;
struct fs_listen;
struct json_object;

/**
 * A listen ended by itself: the caller's hang-up is not one (its scope
 * closes), nor fs_listen_stop().
 *
 * @param why    "socket closed", "maxLength", "finishOnKey", "timeout",
 *               "disconnect", "connect failure", "error" (borrowed)
 * @param result digits and dialCallDuration for the actionHook (the
 *               handler takes it)
 */
typedef void(fs_listen_end_h)(const char *why, struct json_object *result,
			      void *arg);

struct fs_listen_opts {
	/** Module of its log lines: "listen" (NULL), "stream" */
	const char *log;
	/** The call's fields for the metadata in place of fs_call_info()
	 *  (a dialled leg's, for a listen nested in dial); borrowed */
	const struct json_object *info;
	/** true: the service posts the spec's actionHook at the end, the
	 *  answer not acted on (a nested or background listen); false: the
	 *  end handler does (a verb, with fs_task_done) */
	bool post_hook;
};

/**
 * Start a listen: the beep (playBeep), the socket, the metadata, then
 * the call's audio. Its listeners live in a scope of its own, a child
 * of scope: closing scope ends it without the handler.
 *
 * @param lp   Returns a new reference (mem_deref it, after
 *             fs_listen_stop() or the end)
 * @param spec The listen's properties, validated against the listen
 *             spec (a reference is kept)
 * @param o    May be NULL
 * @param endh May be NULL
 * @return 0, EINVAL, ENOTCONN (no media), ESHUTDOWN (scope closed),
 *         ENOMEM; a socket that cannot open ends it later, by endh
 */
int fs_listen_start(struct fs_listen **lp, struct fs_call *c,
		    struct fs_scope *scope, const struct json_object *spec,
		    const struct fs_listen_opts *o, fs_listen_end_h *endh,
		    void *arg);

/** Stop at once, without the handler: the socket closes (1000); the
 *  actionHook is posted when post_hook says so. NULL or a second call
 *  is ignored */
void fs_listen_stop(struct fs_listen *l);

/** Pause (nothing is sent) or resume, as updateCall listen_status */
void fs_listen_pause(struct fs_listen *l, bool pause);

/** @return true once it ended or was stopped */
bool fs_listen_ended(const struct fs_listen *l);

/**
 * The call's background listen, beside its verb list (config's
 * listen): spec with enable true starts one unless one runs (as
 * jambonz, the second is skipped); enable false, or spec NULL, stops
 * it. It ends with the call at the latest; its actionHook is posted,
 * the answer not acted on.
 *
 * @return 0, EALREADY (one runs), ENOENT (none to stop), or
 *         fs_listen_start()'s errors
 */
int fs_listen_background(struct fs_call *c, const struct json_object *spec);

#ifdef __cplusplus
}
#endif

#endif
