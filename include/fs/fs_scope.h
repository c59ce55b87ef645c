/**
 * @file fs_scope.h  Scoped listener manager
 *
 * Every event listener, timer and in-flight request belongs to a scope.
 * A task scope is a child of its call scope. Closing a scope closes its
 * children first, then removes its own listeners last-in first-out,
 * cancelling their timers and in-flight work; no handler runs after
 * close. This is what guarantees that nothing outlives a call.
 */
#ifndef FS_SCOPE_H
#define FS_SCOPE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_scope;
struct fs_listener;

/**
 * Event or timeout handler.
 *
 * @param err  0 when the event fired, ETIMEDOUT when the listener's
 *             timeout elapsed (the listener is removed afterwards)
 * @param ev   Event name (borrowed), NULL on timeout
 * @param data Event payload (borrowed, owned by the emitter)
 * @param arg  Handler argument
 */
typedef void(fs_listener_h)(int err, const char *ev, void *data, void *arg);

/**
 * Release handler of a bound resource: called once when the scope closes
 * (or the listener is cancelled) so the owner can abort in-flight work.
 */
typedef void(fs_release_h)(void *arg);

/**
 * Allocate a child scope.
 *
 * @param sp     Returns a new reference
 * @param parent Parent scope (borrowed); must not be closed
 * @param name   Name for logs (copied)
 * @return 0, EINVAL, ESHUTDOWN (parent closed), ENOMEM
 */
int fs_scope_alloc(struct fs_scope **sp, struct fs_scope *parent,
		   const char *name);

/**
 * Close a scope: children first, then listeners LIFO. Idempotent.
 * The caller still owns its reference and derefs it afterwards.
 */
void fs_scope_close(struct fs_scope *sc);

/** @return non-zero once fs_scope_close() ran on sc or an ancestor */
int fs_scope_closed(const struct fs_scope *sc);

/** @return the scope's name (borrowed) */
const char *fs_scope_name(const struct fs_scope *sc);

/**
 * Listen for an event on sc (and events emitted on its ancestors).
 *
 * @param sc         Scope that owns the listener (borrowed)
 * @param ev         Event name (copied); NULL for a pure timer
 * @param timeout_ms 0 for none; otherwise h(ETIMEDOUT) then removal
 * @param h          Handler
 * @param arg        Handler argument (borrowed)
 * @param lp         Optional borrowed handle for fs_listener_cancel(),
 *                   valid until the listener is removed: cancelled, its
 *                   timeout handler returned, or its scope closed
 * @return 0, EINVAL (no h, or neither ev nor timeout), ESHUTDOWN (scope
 *         closed), ENOSPC (ceiling reached), ENOMEM
 */
int fs_scope_listen(struct fs_scope *sc, const char *ev, uint32_t timeout_ms,
		    fs_listener_h *h, void *arg, struct fs_listener **lp);

/**
 * Bind a resource (an in-flight request, a socket) to sc: relh(arg) runs
 * once when the scope closes. Counts against the scope's ceiling.
 *
 * @return 0, EINVAL, ESHUTDOWN, ENOSPC, ENOMEM
 */
int fs_scope_bind(struct fs_scope *sc, fs_release_h *relh, void *arg,
		  struct fs_listener **lp);

/**
 * Remove a listener early; its handler and release handler do not run.
 * Safe to call from inside its own handler (event or timeout) and more
 * than once while the handle is valid (see fs_scope_listen). NULL is
 * ignored.
 */
void fs_listener_cancel(struct fs_listener *l);

/**
 * Emit an event to every listener for ev on sc and its descendants:
 * sc's listeners in the order they were added, then each child's, in
 * the order the children were created. Listeners added by a handler wait
 * for the next emit; listeners removed by a handler are skipped.
 *
 * @return number of handlers run
 */
uint32_t fs_scope_emit(struct fs_scope *sc, const char *ev, void *data);

#ifdef __cplusplus
}
#endif

#endif
