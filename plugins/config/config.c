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

/* Per-.so state: the parsed schema, shared by every call */
static struct {
	struct json_object *schema;
} config_ctx;

static int config_init(void)
{
	config_ctx.schema = json_tokener_parse(config_schema_json);
	return config_ctx.schema ? 0 : EINVAL;
}

static void config_destroy(void)
{
	json_object_put(config_ctx.schema);
	config_ctx.schema = NULL;
}

static int config_validate(const struct json_object *data, char *err,
			   size_t errsz)
{
	if (!config_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "config: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(config_ctx.schema, "config", data, err,
				  errsz);
}

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

FS_PLUGIN(.name = "config", .version = PLUGIN_VERSION, .init = config_init,
	  .destroy = config_destroy, .validate = config_validate,
	  .exec = config_exec);
