/**
 * @file fs_task.h  A running verb
 *
 * The core creates a task for each verb it runs, with its own scope (a
 * child of the call scope), and calls the plugin's exec. The plugin ends
 * the task exactly once with fs_task_done(), from exec or any later
 * callback. When the caller hangs up or the verb list is replaced, the
 * core calls the plugin's cancel and then closes the task scope.
 */
#ifndef FS_TASK_H
#define FS_TASK_H

#include <fs/fs_call.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_task;
struct fs_scope;
struct json_object;

/** @return the call the task runs on */
struct fs_call *fs_task_call(const struct fs_task *t);

/** @return the task's scope, closed when the task ends */
struct fs_scope *fs_task_scope(const struct fs_task *t);

/** @return the verb's properties (valid for the task's life) */
const struct json_object *fs_task_data(const struct fs_task *t);

/** @return the verb name */
const char *fs_task_name(const struct fs_task *t);

/**
 * Attach plugin state (a mem_zalloc'd object). The task takes the
 * reference and releases it when the task is destroyed.
 */
void fs_task_set_state(struct fs_task *t, void *state);
void *fs_task_state(const struct fs_task *t);

/**
 * End the task.
 *
 * @param t      The task
 * @param err    0, or errno when the verb failed (logged)
 * @param hook   The verb's actionHook (object or string) or NULL: the
 *               core posts the call fields plus result to it, and a
 *               non-empty verb array in the reply replaces the verbs left
 * @param result Fields for the hook (takes ownership) or NULL
 */
void fs_task_done(struct fs_task *t, int err, const struct json_object *hook,
		  struct json_object *result);

#ifdef __cplusplus
}
#endif

#endif
