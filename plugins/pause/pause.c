/**
 * @file pause.c  The pause verb: wait a number of seconds
 *
 * Validation only: the verb JSON is checked against the pause spec of
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

FS_PLUGIN(.name = "pause", .version = FS_VERSION, .init = pause_init,
	  .destroy = pause_destroy, .validate = pause_validate);
