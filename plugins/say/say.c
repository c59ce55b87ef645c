/**
 * @file say.c  The say verb: speak text with a synthesizer
 *
 * Speak text. The audio sequencing (text arrays, loop, synthesizer
 * override) is the core prompt engine, fs_prompt_run(), shared with
 * gather's nested say.
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
} say_ctx;

static int say_init(void)
{
	say_ctx.schema = json_tokener_parse(say_schema_json);
	return say_ctx.schema ? 0 : EINVAL;
}

static void say_destroy(void)
{
	json_object_put(say_ctx.schema);
	say_ctx.schema = NULL;
}

static int say_validate(const struct json_object *data, char *err,
			size_t errsz)
{
	if (!say_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "say: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(say_ctx.schema, "say", data, err, errsz);
}

static void say_done(int err, const struct fs_prompt_result *res, void *arg)
{
	(void)res;
	fs_task_done(arg, err, NULL, NULL);
}

static int say_exec(struct fs_task *t, const struct json_object *data)
{
	return fs_prompt_run(fs_task_call(t), fs_task_scope(t), "say", data,
			     say_done, t);
}


FS_PLUGIN(.name = "say", .version = PLUGIN_VERSION, .init = say_init,
	  .destroy = say_destroy, .validate = say_validate, .exec = say_exec,
	  .flags = FS_PLUGIN_NEEDS_MEDIA);
