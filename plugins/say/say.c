/**
 * @file say.c  The say verb: speak text with a synthesizer
 *
 * Validation only: the verb JSON is checked against the say spec of
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

FS_PLUGIN(.name = "say", .version = FS_VERSION, .init = say_init,
	  .destroy = say_destroy, .validate = say_validate);
