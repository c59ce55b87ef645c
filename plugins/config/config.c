/**
 * @file config.c  The config verb: set session defaults
 *
 * Set session defaults (synthesizer, recognizer).
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

static int config_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *synth = NULL, *recog = NULL;
	int err;

	(void)json_object_object_get_ex(data, "synthesizer", &synth);
	(void)json_object_object_get_ex(data, "recognizer", &recog);
	/* the other options (bargeIn, record, listen, ...) need features
	 * this build lacks: they are accepted and logged */
	json_object_object_foreach((struct json_object *)data, k, v)
	{
		(void)v;
		if (strcmp(k, "synthesizer") && strcmp(k, "recognizer") &&
		    strcmp(k, "id"))
			fs_info("config",
				"%s: option '%s' not supported, "
				"ignored",
				fs_call_sid(fs_task_call(t)), k);
	}
	err = fs_call_set_defaults(fs_task_call(t), synth, recog);
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(config, "config", config_schema_json,
		 .version = PLUGIN_VERSION, .exec = config_exec);
