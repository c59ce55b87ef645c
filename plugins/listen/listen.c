/**
 * @file listen.c  The listen verb (and stream, its jambonz alias): the
 *                 call's audio, live, to a WebSocket server, and the
 *                 server's audio back to the caller
 *
 * The engine is the core's listen service (fs/fs_listen.h), which dial
 * and config run too; the verb runs one listen on its task and posts
 * its actionHook with digits and dialCallDuration when it ends, as
 * jambonz does. The verb JSON is checked against the listen spec of
 * @jambonz/verb-specifications (schema.h); the stream build checks it
 * against the same spec under its own name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "schema.h"

/* the verb this build runs: "listen", or "stream" (its jambonz alias) */
#ifndef LISTEN_VERB
#define LISTEN_VERB "listen"
#endif

static void listen_end(const char *why, struct json_object *result, void *arg)
{
	struct fs_task *t = arg;
	struct json_object *hook = NULL;

	(void)why;
	(void)json_object_object_get_ex(fs_task_data(t), "actionHook", &hook);
	fs_task_done(t, 0, hook, result);
}

static int listen_exec(struct fs_task *t, const struct json_object *data)
{
	const struct fs_listen_opts o = {.log = LISTEN_VERB};
	struct fs_listen *l = NULL;
	int err;

	err = fs_listen_start(&l, fs_task_call(t), fs_task_scope(t), data, &o,
			      listen_end, t);
	if (err)
		return err;
	/* ended already, when it could not even wait for its end: the
	 * task is done and may be gone */
	if (fs_listen_ended(l)) {
		mem_deref(l);
		return 0;
	}
	fs_task_set_state(t, l);
	return 0;
}

static void listen_cancel(struct fs_task *t)
{
	fs_listen_stop(fs_task_state(t));
}

/* The schema of the listen spec, under this build's verb name too */
static struct json_object *listen_schema;

static int listen_init(void)
{
	struct json_object *spec;

	listen_schema = json_tokener_parse(listen_schema_json);
	if (!listen_schema ||
	    !json_object_object_get_ex(listen_schema, "listen", &spec))
		return EINVAL;
	if (strcmp(LISTEN_VERB, "listen"))
		json_object_object_add(listen_schema, LISTEN_VERB,
				       json_object_get(spec));
	return 0;
}

static void listen_destroy(void)
{
	json_object_put(listen_schema);
	listen_schema = NULL;
}

static int listen_validate(const struct json_object *data, char *err,
			   size_t errsz)
{
	if (!listen_schema) {
		if (err && errsz)
			snprintf(err, errsz, "%s: plugin not initialised",
				 LISTEN_VERB);
		return EINVAL;
	}
	return fs_schema_validate(listen_schema, LISTEN_VERB, data, err,
				  errsz);
}

FS_PLUGIN(.name = LISTEN_VERB, .version = PLUGIN_VERSION, .init = listen_init,
	  .destroy = listen_destroy, .validate = listen_validate,
	  .exec = listen_exec, .cancel = listen_cancel,
	  .flags = FS_PLUGIN_NEEDS_MEDIA);
