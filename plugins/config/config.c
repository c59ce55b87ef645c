/**
 * @file config.c  The config verb: set session defaults
 *
 * Validation only: the verb JSON is checked against the config spec of
 * @jambonz/verb-specifications (schema.h). There is no exec yet, so the
 * core knows the verb and validates it but cannot run it.
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <fs/fs_plugin.h>
#include <fs/fs_schema.h>
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

FS_PLUGIN(.name = "config", .version = FS_VERSION, .init = config_init,
	  .destroy = config_destroy, .validate = config_validate);
