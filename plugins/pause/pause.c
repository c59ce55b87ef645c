/**
 * @file pause.c  The pause verb: wait a number of seconds
 *
 * Wait a number of seconds.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include "schema.h"

/* Per-.so state: the parsed schema, shared by every call */
static struct {
	struct json_object *schema;
} pause_ctx;

static int pause_init(void)
{
	pause_ctx.schema = json_tokener_parse(pause_schema_json);
	return pause_ctx.schema ? 0 : EINVAL;
}

static void pause_destroy(void)
{
	json_object_put(pause_ctx.schema);
	pause_ctx.schema = NULL;
}

static int pause_validate(const struct json_object *data, char *err,
			  size_t errsz)
{
	if (!pause_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "pause: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(pause_ctx.schema, "pause", data, err, errsz);
}

static void pause_elapsed(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	fs_task_done(arg, 0, NULL, NULL);
}

static int pause_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v;
	double secs = 0;
	uint32_t ms;

	if (json_object_object_get_ex(data, "length", &v))
		secs = json_object_get_double(v);
	/* bounded: a hostile length must not hold a call for days */
	ms = fs_secs_ms(secs, 0, 3600000u);
	if (!ms) {
		fs_task_done(t, 0, NULL, NULL);
		return 0;
	}
	return fs_scope_listen(fs_task_scope(t), NULL, ms, pause_elapsed, t,
			       NULL);
}

FS_PLUGIN(.name = "pause", .version = PLUGIN_VERSION, .init = pause_init,
	  .destroy = pause_destroy, .validate = pause_validate,
	  .exec = pause_exec);
