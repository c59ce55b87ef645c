/**
 * @file task.c  A running verb: its scope, plugin state and completion
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "verb/loader.h"
#include "verb/task.h"

struct fs_task {
	struct fs_call *call;
	struct plugin *plugin;
	char *name;
	struct json_object *data;
	struct fs_scope *scope;
	void *state;
	task_done_h *doneh;
	void *arg;
	bool done;
};

static void task_destructor(void *data)
{
	struct fs_task *t = data;

	/* scope first: its listeners may point into the plugin state */
	if (t->scope)
		fs_scope_close(t->scope);
	t->scope = mem_deref(t->scope);
	t->state = mem_deref(t->state);
	json_object_put(t->data);
	mem_deref(t->name);
	loader_release(t->plugin);
}

int task_alloc(struct fs_task **tp, struct fs_call *call,
	       struct fs_scope *parent, struct plugin *p, const char *name,
	       struct json_object *data, task_done_h *doneh, void *arg)
{
	struct fs_task *t;
	int err;

	if (!tp || !call || !parent || !p || !name)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), task_destructor);
	if (!t)
		return ENOMEM;
	t->call = call;
	t->doneh = doneh;
	t->arg = arg;
	err = str_dup(&t->name, name);
	if (!err)
		err = fs_scope_alloc(&t->scope, parent, name);
	if (err) {
		mem_deref(t);
		return err;
	}
	t->plugin = p;
	t->data = json_object_get(data);
	*tp = t;
	return 0;
}

int task_exec(struct fs_task *t)
{
	const struct fs_plugin *d;

	if (!t)
		return EINVAL;
	d = plugin_desc(t->plugin);
	if (!d->exec)
		return ENOSYS;
	return d->exec(t, t->data);
}

void task_cancel(struct fs_task *t)
{
	const struct fs_plugin *d;

	if (!t || t->done)
		return;
	t->done = true;
	d = plugin_desc(t->plugin);
	if (d->cancel)
		d->cancel(t);
	fs_scope_close(t->scope);
}

struct fs_call *fs_task_call(const struct fs_task *t)
{
	return t ? t->call : NULL;
}

struct fs_scope *fs_task_scope(const struct fs_task *t)
{
	return t ? t->scope : NULL;
}

const struct json_object *fs_task_data(const struct fs_task *t)
{
	return t ? t->data : NULL;
}

const char *fs_task_name(const struct fs_task *t)
{
	return t ? t->name : NULL;
}

void fs_task_set_state(struct fs_task *t, void *state)
{
	if (!t)
		return;
	mem_deref(t->state);
	t->state = state;
}

void *fs_task_state(const struct fs_task *t)
{
	return t ? t->state : NULL;
}

void fs_task_done(struct fs_task *t, int err, const struct json_object *hook,
		  struct json_object *result)
{
	if (!t || t->done) {
		json_object_put(result);
		return;
	}
	t->done = true;
	/* nothing of this task may fire any more */
	fs_scope_close(t->scope);
	if (t->doneh)
		t->doneh(t, err, hook, result, t->arg);
	else
		json_object_put(result);
}
