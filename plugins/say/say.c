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


FS_SCHEMA_PLUGIN(say, "say", say_schema_json, .version = PLUGIN_VERSION,
		 .exec = say_exec, .flags = FS_PLUGIN_NEEDS_MEDIA);
