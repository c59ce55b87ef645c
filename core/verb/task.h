/**
 * @file task.h  Core side of a running verb
 */
#ifndef TASK_H
#define TASK_H

#include <fs/fs_task.h>

struct plugin;
struct session;

/** Called by the task when it ends (fs_task_done) */
typedef void(task_done_h)(struct fs_task *t, int err,
			  const struct json_object *hook,
			  struct json_object *result, void *arg);

/**
 * Create a task for a verb. Takes a use reference on the plugin.
 *
 * @param call   The call the verb runs on, for fs_task_call() only
 * @param parent The call's scope: the task's scope is its child
 * @param data   The verb's properties (takes a reference)
 */
int task_alloc(struct fs_task **tp, struct fs_call *call,
	       struct fs_scope *parent, struct plugin *p, const char *name,
	       struct json_object *data, task_done_h *doneh, void *arg);

/** Run the plugin's exec; ENOSYS when the plugin cannot run verbs */
int task_exec(struct fs_task *t);

/** Ask the plugin to stop now; the done handler will not run */
void task_cancel(struct fs_task *t);

#endif
